"""The scan store: one zarr group per scan, one array per column, atomic resumable chunks.

Layout of a scan directory ``out_dir``: ``out_dir/scan.zarr`` is a zarr group (format 2 with
consolidated metadata, the format xarray and dask open without options or warnings), readable
without gm2jax by ``zarr.open_group(out_dir / "scan.zarr")`` or ``xarray.open_zarr(out_dir /
"scan.zarr")``; next to it live the writer's lock ``.lock`` and the CLI's ``map.png``.

* the group's attributes hold the manifest under ``"gm2jax_scan"`` (:func:`load_manifest`):
  the spec, its hash, the chunk size, the number of points and chunks, the columns (name,
  trailing shape, dtype), the grid shape, versions and ``complete``;
* one array per column (``index``, the axis values, the outputs, ``status``) of shape
  ``(n_points, *trailing)``, chunked by the scan's chunk size (one scan chunk = one zarr chunk
  per column), dimension ``"point"`` (trailing dimensions ``<name>_dim<j>``; xarray's
  ``_ARRAY_DIMENSIONS``); floats are NaN and integers 0 where no chunk was written;
* ``_chunk_sha256`` (``(n_chunks, 32)`` uint8, dimensions ``chunk``, ``sha256``): the completion
  record of each chunk, the SHA-256 of its rows (every column's name, dtype, shape and bytes).

A chunk counts as done only when its record is present *and* matches its rows.  The record is
written after the chunk's arrays, and zarr writes every file through a temporary file and a
rename, so a scan killed at any moment (``kill -9``) leaves whole files only, and a chunk whose
arrays were written but whose record was not is computed again on resume; so is a chunk
altered afterwards.  One writer at a time: ``out_dir/.lock`` (``fcntl.flock``, released by the
kernel when the holder dies).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pathlib
import shutil
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr
import zarr

from gm2jax.errors import InvalidInput
from gm2jax.scan._spec import ScanSpec

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "RECORD",
    "STORE",
    "ScanLock",
    "create_store",
    "done_chunks",
    "load_grid",
    "load_manifest",
    "load_scan",
    "open_store",
    "update_manifest",
    "verified_chunks",
    "write_chunk",
]

FORMAT = "gm2jax-scan"
FORMAT_VERSION = 2
STORE = "scan.zarr"
"""The zarr group inside a scan directory."""
ATTR = "gm2jax_scan"
"""Group attribute holding the manifest."""
RECORD = "_chunk_sha256"
"""Array of the per-chunk completion records."""
_SHA_BYTES = 32


class ScanLock:
    """Exclusive lock of a scan directory (``out_dir/.lock``, ``fcntl.flock``): a second writer is
    refused at once; the kernel releases the lock when the holder exits, even after ``kill -9``."""

    def __init__(self, out: pathlib.Path):
        self.path = pathlib.Path(out) / ".lock"
        self.fh = None

    def __enter__(self):
        fh = open(self.path, "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise InvalidInput(
                f"{self.path.parent}: another scan is writing there ({holder}); wait for it to finish "
                "or give another output directory"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        self.fh = fh
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
        self.fh.close()


def rows_digest(rows: Mapping) -> np.ndarray:
    """SHA-256 (32 uint8) over every column of a chunk's rows: name, dtype, shape and bytes."""
    h = hashlib.sha256()
    for k in sorted(rows):
        a = np.ascontiguousarray(rows[k])
        h.update(f"{k}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return np.frombuffer(h.digest(), dtype=np.uint8)


def clear_store(out: pathlib.Path) -> None:
    """Remove the scan store of the scan directory ``out`` (the lock and other files stay)."""
    shutil.rmtree(out / STORE, ignore_errors=True)


def remove_partial_writes(out: pathlib.Path) -> None:
    """Delete the temporary files of writes interrupted by a kill (``*.partial``)."""
    for p in (out / STORE).rglob("*.partial"):
        p.unlink(missing_ok=True)


def _array(g: zarr.Group, name: str, shape, chunks, dtype, dims) -> None:
    # floats: NaN where nothing was written; integers: no fill value, so that readers (xarray)
    # do not mask the value 0 (status 0 = fine) as missing
    fill = np.nan if np.dtype(dtype).kind == "f" else None
    g.create_array(name, shape=shape, chunks=chunks, dtype=dtype, fill_value=fill, attributes={"_ARRAY_DIMENSIONS": list(dims)})


def create_store(out: pathlib.Path, manifest: Mapping) -> zarr.Group:
    """A new store: the column arrays and the records first, the manifest attribute last."""
    clear_store(out)
    g = zarr.open_group(str(out / STORE), mode="w", zarr_format=2)
    n, c = manifest["n_points"], manifest["chunk_size"]
    for name, col in manifest["columns"].items():
        shape = tuple(col["shape"])
        _array(g, name, (n, *shape), (c, *shape), col["dtype"], ("point", *(f"{name}_dim{j}" for j in range(len(shape)))))
    _array(g, RECORD, (manifest["n_chunks"], _SHA_BYTES), (1, _SHA_BYTES), "uint8", ("chunk", "sha256"))
    update_manifest(g, manifest)
    return g


def open_store(out) -> tuple[zarr.Group, dict]:
    """(group, manifest) of an existing scan directory (InvalidInput if it is none)."""
    out = pathlib.Path(out)
    path = out / STORE
    if not path.is_dir():
        raise InvalidInput(f"{out}: no scan store ({STORE}); is this a gm2jax scan directory?")
    try:
        g = zarr.open_group(str(path), mode="r+" if os.access(path, os.W_OK) else "r", zarr_format=2, use_consolidated=False)
        man = g.attrs.asdict().get(ATTR)
    except (FileNotFoundError, zarr.errors.GroupNotFoundError, NotADirectoryError) as err:
        raise InvalidInput(f"{out}: no scan store (zarr group with a gm2jax manifest); is this a gm2jax scan directory?") from err
    except (ValueError, json.JSONDecodeError) as err:
        raise InvalidInput(f"{out}: corrupt scan store ({err}); remove the directory and rerun the scan") from err
    if man is None:
        raise InvalidInput(f"{out}: no manifest in the zarr group; is this a gm2jax scan directory?")
    if man.get("format") != FORMAT or man.get("format_version") != FORMAT_VERSION:
        raise InvalidInput(f"{out}: not a {FORMAT} v{FORMAT_VERSION} store")
    return g, man


def load_manifest(out_dir) -> dict:
    """The manifest of a scan directory (raises InvalidInput if there is none)."""
    return open_store(out_dir)[1]


def update_manifest(g: zarr.Group, manifest: Mapping) -> None:
    """Replace the manifest attribute and re-consolidate the metadata (each one atomic file write)."""
    g.attrs[ATTR] = dict(manifest)
    zarr.consolidate_metadata(g.store)


def _chunk_range(man: Mapping, i: int) -> tuple[int, int]:
    start = i * man["chunk_size"]
    return start, min(start + man["chunk_size"], man["n_points"])


def write_chunk(g: zarr.Group, man: Mapping, i: int, rows: Mapping) -> None:
    """Write chunk ``i``'s rows into the column arrays, then its completion record."""
    start, stop = _chunk_range(man, i)
    for name in man["columns"]:
        g[name][start:stop] = np.asarray(rows[name])
    g[RECORD][i] = rows_digest({k: rows[k] for k in man["columns"]})


def _verify(man: Mapping, columns: Mapping[str, np.ndarray], records: np.ndarray, unreadable) -> list[int]:
    ok = []
    for i in range(man["n_chunks"]):
        if i in unreadable or not records[i].any():
            continue
        start, stop = _chunk_range(man, i)
        if np.array_equal(rows_digest({k: v[start:stop] for k, v in columns.items()}), records[i]):
            ok.append(i)
    return ok


def _read_array(arr, man: Mapping, unreadable: set) -> np.ndarray:
    """The whole array; chunk by chunk where a chunk file is damaged (its index goes to ``unreadable``)."""
    try:
        return np.asarray(arr[...])
    except Exception:  # noqa: BLE001 -- a damaged chunk file raises codec-specific errors
        out = np.full(arr.shape, np.nan if arr.dtype.kind == "f" else 0, dtype=arr.dtype)
        step = arr.chunks[0]
        for i in range(-(-arr.shape[0] // step)):
            try:
                out[i * step : (i + 1) * step] = arr[i * step : (i + 1) * step]
            except Exception:  # noqa: BLE001
                unreadable.add(i)
        return out


def _read(g: zarr.Group, man: Mapping):
    """(columns, records, unreadable chunk indices)."""
    unreadable: set[int] = set()
    columns = {k: _read_array(g[k], man, unreadable) for k in man["columns"]}
    records = _read_array(g[RECORD], man, unreadable) if man["n_chunks"] else np.zeros((0, _SHA_BYTES), np.uint8)
    return columns, records, unreadable


def verified_chunks(g: zarr.Group, man: Mapping) -> list[int]:
    """The chunks whose completion record is present and matches their rows."""
    try:
        return _verify(man, *_read(g, man))
    except (KeyError, ValueError, OSError):
        return []


def done_chunks(out_dir) -> list[int]:
    """The finished (verified) chunks of a scan directory."""
    g, man = open_store(out_dir)
    return verified_chunks(g, man)


def _rows(out_dir, allow_partial: bool):
    g, man = open_store(out_dir)
    try:
        columns, records, unreadable = _read(g, man)
    except (KeyError, ValueError, OSError) as err:
        raise InvalidInput(f"{out_dir}: unreadable scan store ({err}); rerun run_scan with the same spec") from err
    ok = _verify(man, columns, records, unreadable)
    missing = sorted(set(range(man["n_chunks"])) - set(ok))
    if missing and not allow_partial:
        raise InvalidInput(
            f"{out_dir}: {len(missing)} of {man['n_chunks']} chunks missing (first: {missing[:5]}); "
            "rerun run_scan with the same spec to finish it, or pass allow_partial=True"
        )
    if missing:
        keep = np.zeros(man["n_points"], dtype=bool)
        for i in ok:
            keep[slice(*_chunk_range(man, i))] = True
        columns = {k: v[keep] for k, v in columns.items()}
    return man, columns


def load_scan(out_dir, *, allow_partial: bool = False) -> pd.DataFrame:
    """The rows of a scan directory as a :class:`pandas.DataFrame`, sorted by ``index``.

    Columns: ``index``, the axis values, the outputs (an output of trailing shape (k,) becomes
    ``name_0`` ... ``name_{k-1}``), ``status`` and the fixed values (constant columns).

    Raises:
        InvalidInput: no scan store, or missing chunks (unless ``allow_partial``).
    """
    man, columns = _rows(out_dir, allow_partial)
    cols: dict[str, np.ndarray] = {}
    for k, arr in columns.items():
        if arr.ndim == 1:
            cols[k] = arr
        else:
            flat = arr.reshape(arr.shape[0], -1)
            for j in range(flat.shape[1]):
                cols[f"{k}_{j}"] = flat[:, j]
    n = len(cols["index"])
    for k, v in man["spec"]["fixed"].items():
        cols[k] = np.full(n, v)
    return pd.DataFrame(cols).sort_values("index", kind="stable").reset_index(drop=True)


def load_grid(out_dir) -> xr.Dataset:
    """A complete grid scan as an :class:`xarray.Dataset` (one dimension per axis, in spec order).

    Outputs of trailing shape (k,) get an extra dimension ``<name>_dim0``.  Fixed values are
    stored in ``attrs`` with the spec hash and the manifest.

    Raises:
        InvalidInput: not a grid scan, or chunks missing.
    """
    man, columns = _rows(out_dir, allow_partial=False)
    spec = ScanSpec.from_dict(man["spec"])
    if spec.method != "grid":
        raise InvalidInput(f"{out_dir}: a Sobol scan has no grid; use load_scan")
    shape = spec.grid_shape
    dims = tuple(spec.axes)
    data = {}
    for k, arr in columns.items():
        if k in spec.axes or k == "index":
            continue
        arr = arr.reshape(shape + arr.shape[1:])
        extra = tuple(f"{k}_dim{j}" for j in range(arr.ndim - len(shape)))
        data[k] = (dims + extra, arr)
    attrs = {
        "spec_hash": man["spec_hash"],
        "manifest": json.dumps(man),
        **{f"fixed_{k}": v for k, v in spec.fixed.items()},
    }
    return xr.Dataset(data, coords=spec.coords(), attrs=attrs)
