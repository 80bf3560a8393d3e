"""Running a scan: chunk by chunk into the store, resumable, optionally on a Dask cluster.

:func:`run_scan` writes the store of :mod:`gm2jax.scan._store` (one zarr group, one array per
column, a SHA-256 completion record per chunk).  An interrupted scan leaves only complete
chunks; running it again with the same spec skips them and computes the rest -- no row lost or
duplicated.  A different spec in the same directory raises
:class:`gm2jax.errors.InvalidInput`.  With a ``dask.distributed`` client, each chunk is one task
on the cluster and the driver writes the store (no shared file system needed).
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import pathlib
import time
import uuid
from collections.abc import Callable, Mapping

import jax
import numpy as np
from tqdm.auto import tqdm

from gm2jax import __version__
from gm2jax.errors import InvalidInput
from gm2jax.scan._builders import qualname
from gm2jax.scan._evaluation import chunk_rows, compose, evaluator, resolve
from gm2jax.scan._fitconfig import as_spec
from gm2jax.scan._spec import ScanSpec
from gm2jax.scan._store import (
    FORMAT,
    FORMAT_VERSION,
    RECORD,
    ScanLock,
    create_store,
    open_store,
    remove_partial_writes,
    update_manifest,
    verified_chunks,
    write_chunk,
)

__all__ = ["MAX_CHUNKS", "ScanSummary", "run_scan"]

MAX_CHUNKS = 10_000_000
"""Largest number of chunks a scan may have (the chunk bookkeeping is O(n_chunks))."""


@dataclasses.dataclass(frozen=True)
class ScanSummary:
    """What :func:`run_scan` did.

    Attributes:
        out_dir: the scan directory.
        spec_hash: hash recorded in the manifest.
        n_points, n_chunks: size of the whole scan.
        computed: chunks computed in this call; skipped: chunks already on disk.
        complete: every chunk is on disk.
        n_bad: points with non-zero status among those computed in this call.
        seconds: wall time of this call; points_per_second: computed points / seconds.
    """

    out_dir: str
    spec_hash: str
    n_points: int
    n_chunks: int
    computed: int
    skipped: int
    complete: bool
    n_bad: int
    seconds: float
    points_per_second: float

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _output_columns(point_fn, spec: ScanSpec) -> dict:
    """Output names, trailing shapes and dtypes (via jax.eval_shape; nothing is computed)."""
    env = {k: jax.ShapeDtypeStruct((), np.float64) for k in spec.names}
    with jax.enable_x64(True):
        shapes = jax.eval_shape(point_fn, env)
    if not isinstance(shapes, Mapping):
        raise InvalidInput("the observable must return a dict of arrays")
    clash = set(shapes) & (set(spec.names) | {"index", RECORD})
    if clash:
        raise InvalidInput(f"observable outputs {sorted(clash)} clash with axis/fixed names, 'index' or {RECORD!r}; rename them")
    cols = {k: {"shape": list(v.shape), "dtype": np.dtype(v.dtype).name} for k, v in shapes.items() if k != "status"}
    status = shapes.get("status")
    cols["status"] = {"shape": [], "dtype": np.dtype(status.dtype).name if status is not None else "int32"}
    return cols


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _manifest(spec, shash, observable, builder, point_fn) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "spec": spec.to_dict(),
        "spec_hash": shash,
        "observable": qualname(observable) if observable is not None else spec.observable,
        "builder": qualname(builder) if builder is not None else f"params:{spec.model}",
        "chunk_size": spec.chunk_size,
        "n_points": spec.n_total,
        "n_chunks": spec.n_chunks,
        "grid_shape": list(spec.grid_shape) if spec.method == "grid" else None,
        "columns": {
            "index": {"shape": [], "dtype": "int64"},
            **{k: {"shape": [], "dtype": "float64"} for k in spec.axes},
            **_output_columns(point_fn, spec),
        },
        "created": _now(),
        "gm2jax_version": __version__,
        "jax_version": jax.__version__,
        "complete": False,
    }


def _dask_chunk(payload: dict, i: int) -> dict:
    """Dask task: compute the rows of chunk ``i`` (on a worker; the driver writes the store)."""
    spec = ScanSpec.from_dict(payload["spec"])
    ev = evaluator(spec, payload["observable"], payload["builder"], None, payload["batch_size"], payload["token"])
    return chunk_rows(spec, i, ev)


def run_scan(
    spec,
    out_dir,
    *,
    observable: Callable | None = None,
    builder: Callable | None = None,
    resume: bool = True,
    overwrite: bool = False,
    max_chunks: int | None = None,
    batch_size: int | None = None,
    devices=None,
    client=None,
    progress: bool = True,
    on_chunk: Callable[[int], None] | None = None,
    grid_points: int | Mapping[str, int] | None = None,
    sobol_points: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
) -> ScanSummary:
    """Run a scan chunk by chunk, streaming each chunk into the zarr store ``out_dir`` (resumable).

    Args:
        spec: :class:`ScanSpec`, a scan-spec dict or TOML/JSON path, or a fit configuration
            (``fits/*.toml`` path, :class:`gm2jax.config.FitConfig` or its dict), which is turned
            into a spec by :func:`spec_from_config` (the CLI's ``config``).
        out_dir: scan directory (created): a zarr group, see :mod:`gm2jax.scan._store`.
        observable: optional Python ``f(point) -> dict`` replacing ``spec.observable``
            (its ``module:qualname`` enters the hash; a changed body is not detected).
        builder: optional ``builder(values) -> point`` replacing ``spec.params``.
        resume: skip chunks already done (default).  ``False`` with done chunks raises
            unless ``overwrite``.
        overwrite: delete an existing scan in ``out_dir`` (any spec) and start afresh.
        max_chunks: compute at most this many new chunks in this call (then return).
        batch_size: per-device ``lax.map`` batch inside a chunk (device-memory bound).
        devices: devices of the 1-D mesh (default: all local devices).
        client: a ``dask.distributed.Client``: each chunk becomes one task on the cluster.
        progress: tqdm progress bar (points).
        on_chunk: called with the chunk number after each chunk is written.
        grid_points, sobol_points, seed: sampling of a fit configuration (see
            :func:`spec_from_config`); not allowed with a scan spec.
        chunk_size: points per chunk (overrides the spec's; part of the spec hash).

    Returns:
        :class:`ScanSummary`.

    Raises:
        InvalidInput: bad spec, or ``out_dir`` holds a scan with a different spec.
    """
    t0 = time.perf_counter()
    spec = as_spec(spec, grid_points=grid_points, sobol_points=sobol_points, seed=seed, chunk_size=chunk_size)
    b, f, ident = resolve(spec, observable, builder)
    shash = spec.spec_hash(ident)
    out = pathlib.Path(out_dir)
    if spec.n_chunks > MAX_CHUNKS:
        raise InvalidInput(
            f"scan of {spec.n_total:.3g} points in {spec.n_chunks:.3g} chunks is too large (at most {MAX_CHUNKS:.0e} "
            "chunks): use fewer grid points per axis or a larger chunk size"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        with ScanLock(out):
            return _run_locked(spec, out, shash, b, f, observable, builder, resume, overwrite, max_chunks,
                               batch_size, devices, client, progress, on_chunk, t0)
    except TimeoutError:  # an OSError subclass, but a cluster/timeout problem, not the directory
        raise
    except OSError as err:
        raise InvalidInput(
            f"{out}: cannot use the scan directory ({err.strerror or err}"
            f"{': ' + str(err.filename) if err.filename else ''}); give a writable directory"
        ) from None


def _run_locked(spec, out, shash, b, f, observable, builder, resume, overwrite, max_chunks, batch_size, devices,
                client, progress, on_chunk, t0) -> ScanSummary:
    remove_partial_writes(out)  # leftovers of writes interrupted by a kill
    man = None
    if not overwrite:
        try:
            g, man = open_store(out)
        except InvalidInput:
            man = None
    if man is not None:
        if man.get("spec_hash") != shash:
            raise InvalidInput(
                f"{out} holds a different scan (spec hash {man.get('spec_hash')} != {shash}); "
                "use a new out_dir, or pass overwrite=True to replace it"
            )
        done = set(verified_chunks(g, man))
        if not resume and done:
            raise InvalidInput(f"{out} already holds chunks of this scan: pass resume=True or overwrite=True")
    else:
        man = _manifest(spec, shash, observable, builder, compose(b, f))
        g = create_store(out, man)
        done = set()
    todo = [i for i in range(spec.n_chunks) if i not in done]
    skipped_rows = sum(stop - start for start, stop in map(spec.chunk_range, done))
    skipped = len(done)
    if max_chunks is not None:
        todo = todo[: max(0, max_chunks)]

    n_bad = computed_rows = 0
    with tqdm(total=spec.n_total, initial=skipped_rows, unit="pt", disable=not progress, desc=f"scan {out.name}") as bar:

        def finish(i, rows):
            nonlocal n_bad, computed_rows
            write_chunk(g, man, i, rows)
            n_bad += int(np.count_nonzero(rows["status"]))
            computed_rows += len(rows["index"])
            bar.update(len(rows["index"]))
            if on_chunk is not None:
                on_chunk(i)

        if client is None:
            ev = evaluator(spec, observable, builder, devices, batch_size) if todo else None
            for i in todo:
                finish(i, chunk_rows(spec, i, ev))
        else:
            _run_dask(client, spec, observable, builder, batch_size, todo, finish)

    complete = skipped + len(todo) == spec.n_chunks
    if complete and not man.get("complete"):
        man = {**man, "complete": True, "finished": _now()}
        update_manifest(g, man)
    secs = time.perf_counter() - t0
    return ScanSummary(
        out_dir=str(out),
        spec_hash=shash,
        n_points=spec.n_total,
        n_chunks=spec.n_chunks,
        computed=len(todo),
        skipped=skipped,
        complete=complete,
        n_bad=n_bad,
        seconds=secs,
        points_per_second=computed_rows / secs if secs > 0 else float("nan"),
    )


def _run_dask(client, spec, observable, builder, batch_size, todo, finish) -> None:
    """Submit chunks as tasks, at most ~2 per worker thread in flight; write them in order.

    Only the client's own methods are used (``scatter``, ``submit``, ``nthreads``, futures'
    ``result``), so this module needs no import of the optional ``distributed`` package.
    """
    payload = {
        "spec": spec.to_dict(),
        "observable": observable,
        "builder": builder,
        "batch_size": batch_size,
        "token": uuid.uuid4().hex,
    }
    [payload_f] = client.scatter([payload], broadcast=True)
    nthreads = sum(client.nthreads().values()) or 1
    window = 2 * nthreads
    pending = collections.deque(todo)
    running = collections.deque()

    def submit():
        i = pending.popleft()
        running.append((i, client.submit(_dask_chunk, payload_f, i, pure=False, key=f"gm2jax-chunk-{payload['token']}-{i}")))

    while pending and len(running) < window:
        submit()
    while running:
        i, fut = running.popleft()
        rows = fut.result()
        fut.release()
        if pending:
            submit()
        finish(i, rows)
