"""Scan store robustness (issue 15): lock against two writers, per-chunk checksums, unwritable
directories, oversized grids, mutually exclusive options -- clean errors, never a traceback."""

import json
import os
import pathlib
import stat
import subprocess
import sys
import textwrap

import jax.numpy as jnp
import numpy as np
import pytest
import zarr
from click.testing import CliRunner

from gm2jax.cli import main
from gm2jax.errors import InvalidInput
from gm2jax.scan import ScanSpec, load_scan, run_scan

FITS = pathlib.Path(__file__).parent.parent / "fits"


def _toy(v):
    return {"y": jnp.sin(v["x"]) * v["z"], "status": jnp.where(v["x"] > 0.8, 4, 0).astype(jnp.int32)}


def _spec():
    return ScanSpec.from_dict({"axes": {"x": [0.0, 1.0, 7], "z": [1.0, 100.0, 5, "log"]}, "model": "none", "chunk_size": 4})


def test_altered_chunk_is_detected_and_recomputed(tmp_path):
    out = tmp_path / "s"
    run_scan(_spec(), out, observable=_toy, progress=False)
    ref = load_scan(out)
    y = zarr.open_group(str(out / "scan.zarr"))["y"]
    y[8:12] = y[8:12] + 1.0  # chunk 2: index intact, values altered, completion record unchanged
    with pytest.raises(InvalidInput, match="1 of 9 chunks missing"):
        load_scan(out)
    summary = run_scan(_spec(), out, observable=_toy, progress=False)
    assert summary.computed == 1 and summary.skipped == 8
    np.testing.assert_array_equal(load_scan(out)["y"], ref["y"])


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from gm2jax.scan._store import ScanLock
    import pathlib
    with ScanLock(pathlib.Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(60)
    """
)


def test_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    out = tmp_path / "s"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(InvalidInput, match=f"another scan is writing there \\(pid {proc.pid}\\)"):
            run_scan(_spec(), out, observable=_toy, progress=False)
    finally:
        proc.kill()  # like kill -9: the kernel releases the lock
        proc.wait()
        proc.stdout.close()
    run_scan(_spec(), out, observable=_toy, progress=False)  # free again
    assert len(load_scan(out)) == 35


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory_is_a_clean_error(tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(InvalidInput, match="cannot use the scan directory"):
            run_scan(_spec(), out, observable=_toy, progress=False)
    finally:
        out.chmod(stat.S_IRWXU)


def test_unwritable_directory_is_a_clean_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(InvalidInput, match="cannot use the scan directory"):
        run_scan(_spec(), blocker / "sub", observable=_toy, progress=False)


def test_cli_scan_refusals_are_immediate_and_clean(tmp_path):
    cfg = str(FITS / "mssm_heavy_smuR.toml")
    r = CliRunner().invoke(main, ["scan", cfg, "-o", str(tmp_path / "a"), "--grid", "100000000", "--max-chunks", "1"])
    assert r.exit_code == 2 and "too large" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(main, ["scan", cfg, "-o", str(tmp_path / "b"), "--grid", "4", "--sobol", "16"])
    assert r.exit_code == 2 and "mutually exclusive" in r.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = CliRunner().invoke(main, ["scan", cfg, "-o", str(blocker / "sub"), "--grid", "2"])
    assert r.exit_code == 2 and "cannot use the scan directory" in r.output


_READER = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("error")
    import numpy as np, xarray as xr, zarr
    path = sys.argv[1] + "/scan.zarr"
    ds = xr.open_zarr(path)
    g = zarr.open(path, mode="r")
    man = g.attrs["gm2jax_scan"]
    assert "gm2jax" not in sys.modules
    assert man["complete"] and man["n_points"] == 35 and ds.sizes["point"] == 35
    assert ds["status"].dtype == np.int32 and ds["index"].dtype == np.int64
    print(json.dumps({"y": ds["y"].values.tolist(), "status": g["status"][:].tolist(), "hash": ds.attrs["gm2jax_scan"]["spec_hash"]}))
    """
)


def test_store_is_read_by_xarray_and_zarr_without_gm2jax(tmp_path):
    """The store is a plain zarr group (consolidated metadata, xarray dimension names): xarray.open_zarr
    and zarr.open read it in a process that never imports gm2jax, without a warning."""
    out = tmp_path / "s"
    summary = run_scan(_spec(), out, observable=_toy, progress=False)
    ref = load_scan(out)
    res = subprocess.run([sys.executable, "-c", _READER, str(out)], capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    got = json.loads(res.stdout)
    np.testing.assert_array_equal(got["y"], ref["y"].to_numpy())
    np.testing.assert_array_equal(got["status"], ref["status"].to_numpy())
    assert got["hash"] == summary.spec_hash
