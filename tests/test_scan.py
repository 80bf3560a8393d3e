"""Scans (gm2jax.scan): point order, chunking, sharding, disk streaming, resume, Dask, seed 000 Fig. 2.

Most machinery tests use a cheap toy observable (compiles in milliseconds); the tests that
need the MSSM share one compiled evaluator where they can (same ``params`` structure and chunk
size: see ``gm2jax.scan._evaluator``).
"""

import itertools
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax import MSSMParams, SMInputs
from gm2jax.errors import InvalidInput
from gm2jax.models.mssm import amu_1l_parts
from gm2jax.models.mssm.scan_builder import mssm_builder
from gm2jax.scan import (
    Axis,
    ScanSpec,
    done_chunks,
    evaluate_points,
    load_grid,
    load_manifest,
    load_scan,
    run_scan,
    scan,
)

# Seed 000 (arXiv:1908.03607) eqs. (1)-(2): Delta a_mu = 2.74(73)e-9, Delta a_e = -8.8(3.6)e-13.
DELTA_MU, SIGMA_MU = 2.74e-9, 0.73e-9
DELTA_E, SIGMA_E = -8.8e-13, 3.6e-13

# Seed 000 Sec. 3 (Figs. 2, 3): M1 = -(M2 - 20 GeV), m_E1 = m_L1 = m_L2 = M2, m_E2 = r M2, A = 0.
HEAVY_SMUR = {"M1": "-(M2 - 20)", "msl": ["M2", "M2", "3000"], "mse": ["M2", "r*M2", "3000"]}
CHUNK = 1024  # shared by the MSSM tests below so that they share one compilation


def _only_if_selected(request):
    """Slow tests run only when selected with ``-m slow`` (pyproject does not deselect them)."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow: run with -m slow")


def _toy(v):
    return {
        "y": jnp.sin(v["x"]) * v["z"],
        "vec": jnp.stack([v["x"], v["z"] ** 2]),
        "status": jnp.where(v["x"] > 0.8, 4, 0).astype(jnp.int32),
    }


def _toy_spec(**kw):
    d = {"axes": {"x": [0.0, 1.0, 7], "z": [1.0, 100.0, 5, "log"]}, "fixed": {"c": 2.0}, "model": "none", "chunk_size": 4}
    d.update(kw)
    return ScanSpec.from_dict(d)


def _heavy_spec(n_mu, n_m2, r=5.0, **kw):
    d = {
        "axes": {"mu": [300.0, 3000.0, n_mu], "M2": [100.0, 400.0, n_m2]},
        "fixed": {"tan_beta": 60.0, "r": r},
        "params": HEAVY_SMUR,
        "chunk_size": CHUNK,
    }
    d.update(kw)
    return ScanSpec.from_dict(d)


# ------------------------------------------------------------------------------------------
# the specification (no compilation)
# ------------------------------------------------------------------------------------------


def test_grid_order_is_c_order_first_axis_slowest():
    spec = ScanSpec.from_dict({"axes": {"a": [0.0, 2.0, 3], "b": [10.0, 11.0, 2], "c": [1.0, 1000.0, 4, "log"]}, "model": "none", "chunk_size": 5})
    pts = spec.points()
    expected = list(itertools.product(np.linspace(0, 2, 3), [10.0, 11.0], np.geomspace(1, 1000, 4)))
    got = list(zip(pts["a"], pts["b"], pts["c"]))
    assert spec.grid_shape == (3, 2, 4) and spec.n_total == 24 and spec.n_chunks == 5
    np.testing.assert_array_equal(np.array(got), np.array(expected))
    # any chunk on its own equals the slice of the whole
    for i in range(spec.n_chunks):
        a, b = spec.chunk_range(i)
        for k, v in spec.points(a, b).items():
            np.testing.assert_array_equal(v, pts[k][a:b])
    assert spec.chunk_range(4) == (20, 24)
    # np.unravel_index convention
    i = 17
    idx = np.unravel_index(i, spec.grid_shape)
    assert [pts[k][i] for k in "abc"] == [spec.coords()[k][j] for k, j in zip("abc", idx)]


def test_sobol_reproducible_chunk_independent_and_in_range():
    spec = ScanSpec.from_dict(
        {"axes": {"x": [-1.0, 1.0], "m": [10.0, 1e4, "log"]}, "method": "sobol", "n_points": 100, "seed": 7, "model": "none", "chunk_size": 30}
    )
    full = spec.points()
    again = ScanSpec.from_dict(spec.to_dict()).points()
    other = spec.replace(seed=8).points()
    for k in full:
        np.testing.assert_array_equal(full[k], again[k])
        assert not np.array_equal(full[k], other[k])
    pieces = [spec.points(*spec.chunk_range(i)) for i in range(spec.n_chunks)]
    for k in full:
        np.testing.assert_array_equal(np.concatenate([p[k] for p in pieces]), full[k])
    assert full["x"].min() >= -1 and full["x"].max() < 1
    assert full["m"].min() >= 10 and full["m"].max() < 1e4
    # log axis: log10(m) is uniform on [1, 4) -> mean near 2.5 (Sobol: much closer than random)
    assert abs(np.log10(full["m"]).mean() - 2.5) < 0.05
    assert spec.n_total == 100 and spec.n_chunks == 4


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"axes": {}}, "at least one"),
        ({"axes": {"x": [0.0, 1.0]}}, "needs n"),
        ({"axes": {"x": [0.0, 1.0, 0]}}, "positive integer"),
        ({"axes": {"x": [0.0, 1.0, 3, "cubic"]}}, "'log' or 'lin'"),
        ({"axes": {"x": [-1.0, 1.0, 3, "log"]}}, "lo > 0"),
        ({"axes": {"x": [0.0, 1.0, 3]}, "fixed": {"x": 1.0}}, "also axes"),
        ({"axes": {"status": [0.0, 1.0, 3]}}, "identifiers"),
        ({"axes": {"x": [0.0, 1.0, 3]}, "method": "random"}, "grid' or 'sobol"),
        ({"axes": {"x": [0.0, 1.0]}, "method": "sobol"}, "n_points"),
        ({"axes": {"x": [0.0, 1.0, 3]}, "chunk_size": 0}, "chunk_size"),
        ({"axes": {"x": [0.0, 1.0, 3]}, "colour": 1}, "unknown keys"),
    ],
)
def test_spec_validation_raises_named_error(bad, match):
    d = {"model": "none", **bad}
    with pytest.raises(InvalidInput, match=match):
        ScanSpec.from_dict(d)


def test_spec_roundtrip_hash_and_files(tmp_path):
    spec = _heavy_spec(4, 3)
    assert ScanSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert spec.spec_hash() == ScanSpec.from_dict(spec.to_dict()).spec_hash()
    assert spec.replace(chunk_size=7).spec_hash() != spec.spec_hash()
    toml = tmp_path / "s.toml"
    toml.write_text(
        textwrap.dedent(
            """
            [scan]
            chunk_size = 1024
            [scan.axes]
            mu = [300.0, 3000.0, 4]
            M2 = [100.0, 400.0, 3]
            [scan.fixed]
            tan_beta = 60.0
            r = 5.0
            [scan.params]
            M1 = "-(M2 - 20)"
            msl = ["M2", "M2", "3000"]
            mse = ["M2", "r*M2", "3000"]
            """
        )
    )
    assert ScanSpec.from_file(toml) == spec
    import pickle

    assert pickle.loads(pickle.dumps(spec)) == spec
    assert Axis.parse({"lo": 1.0, "hi": 2.0, "n": 3, "log": True}) == Axis(1.0, 2.0, 3, True)


def test_mssm_builder_expressions():
    b = mssm_builder(
        {"M1": "-(M2 - dM1)", "msl": ["M2", "sqrt(M2**2 + mH**2)", 3000], "mse": ["M2", "hypot(M2, mH)", "3000"]},
        ["mu", "M2", "tan_beta", "mH", "dM1"],
    )
    with jax.enable_x64(True):
        p = jax.vmap(b)({"mu": jnp.array([700.0, 800.0]), "M2": jnp.array([110.0, 130.0]), "tan_beta": jnp.array([60.0, 60.0]),
                         "mH": jnp.array([700.0, 0.0]), "dM1": jnp.array([20.0, 0.0])})
    np.testing.assert_allclose(p.M1, [-90.0, -130.0])
    np.testing.assert_allclose(p.msl[:, 1], [np.hypot(110, 700), 130.0])
    np.testing.assert_allclose(p.mse[:, 1], p.msl[:, 1])
    np.testing.assert_array_equal(p.Ae, np.zeros((2, 3)))
    assert p.msl.dtype == jnp.float64
    # fields taken from names of the same name; msl/mse universal or per generation
    q = mssm_builder(None, ["tan_beta", "mu", "M1", "M2", "msl", "mse_0", "mse_1", "mse_2"])(
        {"tan_beta": 10.0, "mu": 1.0, "M1": 2.0, "M2": 3.0, "msl": 4.0, "mse_0": 5.0, "mse_1": 6.0, "mse_2": 7.0}
    )
    assert [float(x) for x in q.msl] == [4.0, 4.0, 4.0] and [float(x) for x in q.mse] == [5.0, 6.0, 7.0]
    for params, match in [
        ({"M1": "__import__('os')"}, "not allowed"),
        ({"M1": "M3"}, "unknown name"),
        ({"M1": "M2 +"}, "cannot parse"),
        ({"msl": ["M2", "M2"]}, "3 entries"),
        ({"M5": "1"}, "unknown MSSMParams fields"),
        ({"M1": "M2.real"}, "not allowed"),
    ]:
        with pytest.raises(InvalidInput, match=match):
            mssm_builder({"M1": "-M2", "msl": "M2", "mse": "M2", **params}, ["mu", "M2", "tan_beta"])
    with pytest.raises(InvalidInput, match="params.mse: not given"):
        mssm_builder({"M1": "M2", "msl": "M2"}, ["mu", "M2", "tan_beta"])


# ------------------------------------------------------------------------------------------
# evaluation: chunked jit+vmap equals a plain loop
# ------------------------------------------------------------------------------------------


def test_chunked_vmap_scan_equals_plain_loop_including_unphysical_points():
    """A Sobol scan of all MSSM parameters (chunk 4, last chunk padded) equals a point-by-point
    loop of the single-point function; negative m_L2 entries (signed-square convention) give
    status != 0 and NaN values in both."""
    spec = ScanSpec.from_dict(
        {
            "axes": {
                "tan_beta": [2.0, 60.0], "mu": [-2000.0, 2000.0], "M1": [-1000.0, 1000.0], "M2": [100.0, 1000.0],
                "msl_0": [100.0, 1000.0], "msl_1": [-300.0, 1000.0], "mse_0": [100.0, 1000.0], "mse_1": [100.0, 1000.0],
            },
            "fixed": {"msl_2": 3000.0, "mse_2": 3000.0},
            "method": "sobol", "n_points": 11, "seed": 3, "chunk_size": 4,
        }
    )
    values, status = scan(spec)
    assert status.shape == (11,) and (status != 0).any() and (status == 0).any()
    sm = SMInputs.from_convention("pdg")
    one = jax.jit(lambda p: amu_1l_parts(p, sm, ("e", "mu")))
    for i in range(spec.n_total):
        p = MSSMParams(
            values["tan_beta"][i], values["mu"][i], values["M1"][i], values["M2"][i],
            [values["msl_0"][i], values["msl_1"][i], 3000.0], [values["mse_0"][i], values["mse_1"][i], 3000.0],
        )
        with jax.enable_x64(True):
            r = one(p)
        assert int(status[i]) == int(r.status[0] | r.status[1])
        for j, lep in enumerate(("e", "mu")):
            assert int(values[f"status_{lep}"][i]) == int(r.status[j])
            for part, ref in (("", r.total), ("_neutralino", r.neutralino), ("_chargino", r.chargino)):
                np.testing.assert_allclose(values[f"a_{lep}{part}"][i], float(ref[j]), rtol=1e-11, atol=0, equal_nan=True)


def test_evaluate_points_pytree_chunking_and_batch_size():
    pts = {"x": np.linspace(0, 1, 23), "z": np.geomspace(1, 100, 23), "c": np.full(23, 2.0)}
    ref = {k: np.asarray(v) for k, v in jax.vmap(_toy)(pts).items()}
    for chunk, batch in [(23, None), (5, None), (8, 3), (1, None)]:
        vals, status = evaluate_points(_toy, pts, chunk_size=chunk, batch_size=batch)
        np.testing.assert_allclose(vals["y"], ref["y"], rtol=1e-15)
        np.testing.assert_allclose(vals["vec"], ref["vec"], rtol=1e-15)
        np.testing.assert_array_equal(status, ref["status"])
        assert "status" not in vals
    vals, status = evaluate_points(lambda p: {"s": p[0] + p[1]["q"]}, (np.arange(5.0), {"q": np.ones(5)}), chunk_size=2)
    np.testing.assert_array_equal(vals["s"], np.arange(5.0) + 1)
    np.testing.assert_array_equal(status, np.zeros(5))
    from gm2jax.errors import PrecisionError

    with pytest.raises(PrecisionError, match="float64"):
        evaluate_points(_toy, {k: v.astype(np.float32) for k, v in pts.items()}, chunk_size=5)


# ------------------------------------------------------------------------------------------
# disk: manifest, chunk files, load_scan / load_grid, resume, mismatch
# ------------------------------------------------------------------------------------------


def test_run_scan_writes_manifest_and_chunks_and_loads(tmp_path):
    spec = _toy_spec()
    out = tmp_path / "toy"
    summary = run_scan(spec, out, observable=_toy, progress=False)
    assert summary.complete and summary.computed == spec.n_chunks == 9 and summary.skipped == 0
    assert summary.n_bad == int(np.sum(spec.points()["x"] > 0.8))
    man = load_manifest(out)
    assert man["spec"] == spec.to_dict() and man["spec_hash"] == summary.spec_hash
    assert man["n_points"] == 35 and man["chunk_size"] == 4 and man["n_chunks"] == 9 and man["complete"]
    assert man["grid_shape"] == [7, 5] and man["columns"]["vec"]["shape"] == [2]
    assert man["observable"].endswith("test_scan:_toy")
    assert done_chunks(out) == list(range(9))
    df = load_scan(out)
    values, status = scan(spec, observable=_toy)
    assert list(df["index"]) == list(range(35))
    np.testing.assert_array_equal(df["x"], values["x"])
    np.testing.assert_array_equal(df["y"], values["y"])
    np.testing.assert_array_equal(df["vec_1"], values["vec"][:, 1])
    np.testing.assert_array_equal(df["status"], status)
    assert (df["c"] == 2.0).all()
    ds = load_grid(out)
    assert ds["y"].dims == ("x", "z") and ds["vec"].dims == ("x", "z", "vec_dim0")
    np.testing.assert_array_equal(ds["y"].values, values["y"].reshape(7, 5))
    np.testing.assert_array_equal(ds["z"].values, np.geomspace(1, 100, 5))
    # Sobol scans have no grid
    sob = _toy_spec(axes={"x": [0.0, 1.0], "z": [1.0, 100.0]}, method="sobol", n_points=10)
    run_scan(sob, tmp_path / "sob", observable=_toy, progress=False)
    assert len(load_scan(tmp_path / "sob")) == 10
    with pytest.raises(InvalidInput, match="Sobol"):
        load_grid(tmp_path / "sob")


def test_partial_resume_mismatch_and_overwrite(tmp_path):
    spec = _toy_spec()
    out = tmp_path / "toy"
    s1 = run_scan(spec, out, observable=_toy, max_chunks=3, progress=False)
    assert s1.computed == 3 and not s1.complete and not load_manifest(out)["complete"]
    with pytest.raises(InvalidInput, match="6 of 9 chunks missing"):
        load_scan(out)
    assert len(load_scan(out, allow_partial=True)) == 12
    first = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    # a crash mid-write leaves a temporary file (zarr writes <file>.<uuid>.partial, then renames);
    # a damaged chunk file is recomputed
    (out / "scan.zarr" / "y" / "5.deadbeef.partial").write_bytes(b"partial")
    (out / "scan.zarr" / "y" / "2").write_bytes(b"not a zarr chunk")
    s2 = run_scan(spec, out, observable=_toy, progress=False)
    assert s2.complete and s2.skipped == 2 and s2.computed == 7
    assert not list(out.rglob("*.partial"))
    for name in ("scan.zarr/y/0", "scan.zarr/y/1", "scan.zarr/index/1", "scan.zarr/_chunk_sha256/1.0"):
        assert (out / name).stat().st_mtime_ns == first[name]  # skipped, not rewritten
    df = load_scan(out)
    ref, _ = scan(spec, observable=_toy)
    assert list(df["index"]) == list(range(35))
    np.testing.assert_array_equal(df["y"], ref["y"])
    # same directory, different spec or observable
    with pytest.raises(InvalidInput, match="different scan"):
        run_scan(spec.replace(chunk_size=5), out, observable=_toy, progress=False)
    with pytest.raises(InvalidInput, match="different scan"):
        run_scan(spec, out, observable=lambda v: _toy(v), progress=False)
    with pytest.raises(InvalidInput, match="resume=True or overwrite=True"):
        run_scan(spec, out, observable=_toy, resume=False, progress=False)
    s3 = run_scan(spec.replace(chunk_size=5), out, observable=_toy, overwrite=True, progress=False)
    assert s3.complete and s3.computed == 7 and done_chunks(out) == list(range(7))
    with pytest.raises(InvalidInput, match="no scan store"):
        load_scan(tmp_path / "nothing")


_KILL_SCRIPT = """
import json, os, sys, time
from gm2jax.scan import ScanSpec, run_scan
spec = ScanSpec.from_dict(json.loads(sys.argv[1]))
pause = float(os.environ.get("SCAN_TEST_PAUSE", "0"))
run_scan(spec, sys.argv[2], progress=False, on_chunk=lambda i: time.sleep(pause))
"""


def test_resume_after_sigkill_equals_uninterrupted_scan(tmp_path):
    """Kill a scan process (SIGKILL, no clean-up) after a few chunks, resume it, and compare with
    an uninterrupted scan row by row: nothing lost, nothing duplicated, identical numbers."""
    spec = _heavy_spec(60, 120)  # 7200 points, 8 chunks of 1024 (last one padded)
    assert spec.n_chunks == 8
    out = tmp_path / "killed"
    env = {**os.environ, "SCAN_TEST_PAUSE": "1.0", "JAX_PLATFORMS": "cpu"}
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, json.dumps(spec.to_dict()), str(out)], env=env)
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob("scan.zarr/_chunk_sha256/*.0"))) < 2:
            assert proc.poll() is None, "scan process ended early"
            assert time.monotonic() < deadline, "scan process too slow"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    done_before = done_chunks(out)
    assert 2 <= len(done_before) < spec.n_chunks, "the scan was not interrupted mid-way"
    resumed = run_scan(spec, out, progress=False)
    assert resumed.complete and resumed.skipped == len(done_before) and resumed.computed == spec.n_chunks - len(done_before)
    full = run_scan(spec, tmp_path / "full", progress=False)
    assert full.computed == spec.n_chunks
    a, b = load_scan(out), load_scan(tmp_path / "full")
    assert len(a) == spec.n_total and a["index"].is_unique
    assert list(a.columns) == list(b.columns)
    for col in a.columns:
        np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy(), err_msg=col)


_SHARD_SCRIPT = """
import json, sys
import numpy as np, jax, jax.numpy as jnp
from gm2jax.scan import ScanSpec, evaluate_points, scan
spec = ScanSpec.from_dict(json.loads(sys.argv[1]))
assert jax.local_device_count() == 2, jax.devices()
vals, status = scan(spec)
out = {"a_e": vals["a_e"].tolist(), "a_mu": vals["a_mu"].tolist(), "status": status.tolist()}
toy = lambda v: {"y": jnp.sin(v["x"]) * v["z"]}
pts = {"x": np.linspace(0.0, 1.0, 13), "z": np.linspace(1.0, 2.0, 13)}
for name, kw in [("toy", {}), ("toy_batched", {"batch_size": 2}), ("toy_one_device", {"devices": jax.local_devices()[:1]})]:
    out[name] = evaluate_points(toy, pts, chunk_size=6, **kw)[0]["y"].tolist()
print("RESULT" + json.dumps(out))
"""


def test_sharded_over_two_devices_equals_one_device():
    """NamedSharding on a 1-D mesh of 2 (forced host) devices gives the single-device numbers
    (also with a per-device ``lax.map`` batch inside ``shard_map``)."""
    spec = _heavy_spec(5, 4)  # 20 points in one chunk padded to 1024 (512 per device)
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2", "JAX_PLATFORMS": "cpu"}
    res = subprocess.run([sys.executable, "-c", _SHARD_SCRIPT, json.dumps(spec.to_dict())], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.split("RESULT", 1)[1])
    ref, status = scan(spec)
    np.testing.assert_allclose(out["a_e"], ref["a_e"], rtol=1e-12)
    np.testing.assert_allclose(out["a_mu"], ref["a_mu"], rtol=1e-12)
    np.testing.assert_array_equal(out["status"], status)
    y = np.sin(np.linspace(0.0, 1.0, 13)) * np.linspace(1.0, 2.0, 13)
    for name in ("toy", "toy_batched", "toy_one_device"):
        np.testing.assert_allclose(out[name], y, rtol=1e-14, err_msg=name)


def test_dask_local_cluster_equals_local_scan(tmp_path):
    """Each chunk is one task on a 2-worker local cluster; the files equal the local scan's."""
    distributed = pytest.importorskip("distributed")
    spec = _heavy_spec(50, 50)  # 2500 points, 3 tasks
    local = run_scan(spec, tmp_path / "local", progress=False)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        remote = run_scan(spec, tmp_path / "dask", client=client, progress=False)
        # a custom observable is shipped to the workers too
        toy = run_scan(_toy_spec(), tmp_path / "toy_dask", observable=_toy, client=client, progress=False)
    assert remote.complete and remote.computed == local.computed == 3
    assert remote.spec_hash == local.spec_hash
    a, b = load_scan(tmp_path / "local"), load_scan(tmp_path / "dask")
    assert list(a.columns) == list(b.columns) and len(a) == 2500
    for col in a.columns:
        np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy(), err_msg=col)
    assert toy.complete
    ref, _ = scan(_toy_spec(), observable=_toy)
    np.testing.assert_array_equal(load_scan(tmp_path / "toy_dask")["y"], ref["y"])


def test_fit_configuration_becomes_a_scan(tmp_path):
    """A fit configuration (fits/*.toml layout) scans its free parameters: ranges -> axes
    (loguniform -> log), [derived] -> derived names, dataset -> pulls and chi2 (the fit's Problem:
    at one loop, without constraint terms, it is the sum of the two squared g-2 pulls)."""
    config = pytest.importorskip("gm2jax.config")
    doc = {
        "model": "mssm", "dataset": "seeds2019", "observables": ["a_e", "a_mu"], "resummation": "none", "loops": 1,
        "likelihood": {"constraints": []},
        "parameters": {"mu": {"range": [300.0, 3000.0], "prior": "loguniform"}, "M2": {"range": [100.0, 400.0]}},
        "fixed": {"tan_beta": 60.0},
        "derived": {"M1": "-(M2 - 20)", "mL1": "M2", "mE1": "M2", "mL2": "M2", "mE2": "5 * M2"},
    }
    (tmp_path / "fit.toml").write_text(
        'model = "mssm"\ndataset = "seeds2019"\nobservables = ["a_e", "a_mu"]\nloops = 1\n'
        '[parameters.mu]\nrange = [300.0, 3000.0]\nprior = "loguniform"\n[parameters.M2]\nrange = [100.0, 400.0]\n'
        '[fixed]\ntan_beta = 60.0\n[derived]\nM1 = "-(M2 - 20)"\nmL1 = "M2"\nmE1 = "M2"\nmL2 = "M2"\nmE2 = "5 * M2"\n'
        '[likelihood]\nconstraints = []\n'
    )
    from gm2jax.scan import spec_from_config

    spec = spec_from_config(config.parse_config(doc), grid_points={"mu": 4, "M2": 3}, chunk_size=CHUNK)
    assert spec.axes["mu"] == Axis(300.0, 3000.0, 4, True) and spec.axes["M2"] == Axis(100.0, 400.0, 3, False)
    assert spec.fixed["mL3"] == 3000.0 and spec.config["doc"]["derived"]["mE2"] == "5 * M2"
    values, status = scan(spec)
    ref, ref_status = scan(_heavy_spec(4, 3).replace(axes={"mu": [300.0, 3000.0, 4, "log"], "M2": [100.0, 400.0, 3]}))
    np.testing.assert_array_equal(status, ref_status)
    for k in ("a_e", "a_mu", "a_mu_neutralino"):
        np.testing.assert_allclose(values[k], ref[k], rtol=1e-13)
    chi2 = ((values["a_e"] - DELTA_E) / SIGMA_E) ** 2 + ((values["a_mu"] - DELTA_MU) / SIGMA_MU) ** 2
    np.testing.assert_allclose(values["chi2"], chi2, rtol=1e-12)
    # run_scan takes the TOML path directly (the CLI's config), sampling as keywords
    summary = run_scan(tmp_path / "fit.toml", tmp_path / "out", grid_points=3, chunk_size=CHUNK, progress=False)
    assert summary.n_points == 9 and len(load_scan(tmp_path / "out")) == 9
    with pytest.raises(InvalidInput, match="only for fit configurations"):
        run_scan(_heavy_spec(2, 2), tmp_path / "x", grid_points=3, progress=False)


# ------------------------------------------------------------------------------------------
# physics: seed 000 Fig. 2 (left) on a coarse grid
# ------------------------------------------------------------------------------------------


def _both_within(values, nsigma):
    pe = np.abs((values["a_e"] - DELTA_E) / SIGMA_E)
    pm = np.abs((values["a_mu"] - DELTA_MU) / SIGMA_MU)
    return (pe < nsigma) & (pm < nsigma), pe < nsigma, pm < nsigma


@pytest.mark.parametrize("resummation", [None, pytest.param("exact", marks=pytest.mark.slow)])
def test_seed000_fig2_left_plane_qualitative(resummation, request):
    """Seed 000 Fig. 2 (left): mu vs M2 = m_E1 = m_L1 = m_L2, tan(beta) = 60, M1 = -(M2 - 20 GeV),
    m_smuR = 5 M2, A = 0.  The paper: a_e and a_mu are both within 1 sigma only for M2 below
    180 GeV, with mu around 1 TeV.

    Measured on a fine grid (mu step 10 GeV, M2 step 1 GeV), largest M2 with both within 1 sigma
    [2 sigma], and the mu range of the 1-sigma overlap:

    =======================================  ==============  ===============  ==============
    spectrum (ours: tree level)              1 sigma M2 max  2 sigma M2 max   mu (1 sigma)
    =======================================  ==============  ===============  ==============
    paper (SuSpect masses)                   ~180 GeV        --               ~1 TeV
    pdg, no resummation                      164 GeV         256 GeV          1080-1360 GeV
    gm2calc convention, no resummation       165 GeV         257 GeV          1110-1400 GeV
    pdg, Delta_l resummed ("exact")          186 GeV         286 GeV          1150-1460 GeV
    =======================================  ==============  ===============  ==============

    So our boundary sits 16 GeV (9%) below the paper's without and 6 GeV (3%) above it with
    tan(beta) resummation; the SM convention moves it by 1 GeV.  The same pattern holds for
    Fig. 2 (right, m_smuR = 20 M2; paper 220 [330] GeV): 195 [287] GeV without, 218 [317] GeV
    with resummation.  Remaining differences: the paper's radiatively corrected bino/wino masses
    (seed 000 Table 1, cf. tests/test_seed000_benchmarks.py).

    This test uses the coarse grid mu = 300..3000 GeV (step 100), M2 = 100..400 GeV (step 10);
    the resummed variant is marked slow.
    """
    if resummation is not None:
        _only_if_selected(request)
    spec = _heavy_spec(28, 31, observable_options={"convention": "pdg", "resummation": resummation})
    values, status = scan(spec)
    assert (status == 0).all()
    both1, e1, m1 = _both_within(values, 1.0)
    both2, _, _ = _both_within(values, 2.0)
    m2_1, mu_1 = values["M2"][both1], values["mu"][both1]
    assert both1.any()
    # the paper: "below 180 GeV" (half a unit of its last digit: 5 GeV) "with mu around 1 TeV"; tolerance
    # at this grid: + one grid step (10 GeV in M2, 100 GeV in mu).  Resummed, the boundary must agree
    # within that; without resummation it may only lie below (the paper's bino parts are larger than
    # ours, tests/test_seed000_benchmarks.py: a smaller a_e needs lighter selectrons)
    d_m2, d_mu, half = 10.0, 100.0, 5.0
    assert m2_1.max() <= 180.0 + half + d_m2
    if resummation == "exact":
        assert abs(m2_1.max() - 180.0) <= half + d_m2
    else:
        assert 180.0 - m2_1.max() > half  # documented: 164 GeV on the fine grid (module table)
    # "around 1 TeV": within a factor 1.5 of 1 TeV, plus one grid step
    assert mu_1.min() >= 1000.0 / 1.5 - d_mu and mu_1.max() <= 1500.0 + d_mu
    # 2 sigma reaches further but stays below 300 GeV
    assert m2_1.max() < values["M2"][both2].max() < 300
    # the a_mu band alone runs up to the top of the plane (chargino-sneutrino dominates a_mu),
    # it is a_e (bino-selectron) that needs light selectrons: its band rises with mu
    assert values["M2"][m1].max() == 400
    e1_at = lambda mu: values["M2"][e1 & np.isclose(values["mu"], mu)]
    assert e1_at(1000).max() < e1_at(2000).min() < e1_at(3000).max()
    # signs: a_mu > 0 (mu M2 > 0), a_e < 0 in the preferred region (mu M1 < 0)
    assert (values["a_mu"][both2] > 0).all() and (values["a_e"][both2] < 0).all()


@pytest.mark.slow
def test_seed000_all_planes_vs_paper_numbers(request):
    """Fine grids of seed 000 Figs. 2-5 against the numbers quoted in the paper's text.

    Measured (pdg convention, no resummation | with "exact" resummation) vs the paper:

    * Fig. 2 right (m_smuR = 20 M2): M2 max 1 sigma [2 sigma] 195 [287] | 218 [317]; paper 220 [330].
    * Fig. 3 (tan(beta) vs mu, M2 = m_sleptons = 110 GeV, M1 = -90 GeV): smallest tan(beta) at
      1 sigma [2 sigma], m_smuR = 5 M2: 26.6 [10.8] | 24.4 [10.4], paper 20 [~10];
      m_smuR = 20 M2: 18.4 | 17.4, paper 15 (decoupled smuon).
    * Fig. 5 left (Higgs mediation, m_H = 700 GeV): M2 max 123 [211] | 138 [231], paper 150 [250];
      mu at 1 sigma 560-770 | 520-820 GeV, paper 400-800 GeV.
    * Fig. 5 right (M2 = m_sleptons = 110 GeV): m_H max at 1 sigma 780 | 830 GeV, paper < 1 TeV.
    * Fig. 4 (all light masses 130 GeV, mu = 800 GeV): a_mu within 1 sigma for m_H = 240-680 |
      230-705 GeV, paper ~300-700 GeV.
    """
    _only_if_selected(request)
    higgs = {"M1": "-(M2 - dM1)", "msl": ["M2", "sqrt(M2**2 + mH**2)", "3000"], "mse": ["M2", "sqrt(M2**2 + mH**2)", "3000"]}

    def run(axes, fixed, params, resummation):
        spec = ScanSpec.from_dict({"axes": axes, "fixed": fixed, "params": params, "chunk_size": 16384,
                                   "observable_options": {"resummation": resummation}})
        values, status = scan(spec)
        assert (status == 0).all()
        return values, _both_within(values, 1.0), _both_within(values, 2.0)

    # Paper numbers with half a unit of the last printed digit; grid steps of the scans below.
    # Where ours (non-resummed .. resummed) brackets the paper's, asserted as a bracket; where it does not,
    # the direction is asserted: the paper's masses reach further / its tan(beta) lower, as its larger bino
    # parts (tests/test_seed000_benchmarks.py) imply (a_e needs less L-R mixing or heavier selectrons).
    got = {}
    for res in (None, "exact"):
        v, (b1, *_), (b2, *_) = run({"mu": [300.0, 3000.0, 271], "M2": [100.0, 400.0, 301]}, {"tan_beta": 60.0, "r": 20.0}, HEAVY_SMUR, res)
        got[res, "fig2r"] = (v["M2"][b1].max(), v["M2"][b2].max())
        for r in (5.0, 20.0):
            v, (b1, *_), _ = run({"mu": [300.0, 4000.0, 186], "tan_beta": [2.0, 60.0, 291]}, {"M2": 110.0, "r": r}, HEAVY_SMUR, res)
            got[res, "fig3", r] = v["tan_beta"][b1].min()
        v, (b1, *_), (b2, *_) = run({"mu": [100.0, 2000.0, 191], "M2": [100.0, 400.0, 301]}, {"tan_beta": 60.0, "mH": 700.0, "dM1": 20.0}, higgs, res)
        got[res, "fig5l"] = (v["M2"][b1].max(), v["M2"][b2].max(), v["mu"][b1].min(), v["mu"][b1].max())
        v, (b1, *_), _ = run({"mu": [100.0, 2000.0, 191], "mH": [100.0, 2000.0, 191]}, {"tan_beta": 60.0, "M2": 110.0, "dM1": 20.0}, higgs, res)
        got[res, "fig5r"] = v["mH"][b1].max()
        v, _, _ = run({"mH": [0.0, 2000.0, 401]}, {"mu": 800.0, "tan_beta": 60.0, "M2": 130.0, "dM1": 0.0}, higgs, res)
        in1 = np.abs((v["a_mu"] - DELTA_MU) / SIGMA_MU) < 1
        got[res, "fig4"] = (v["mH"][in1].min(), v["mH"][in1].max())
    print("\nseed 000 figures, (non-resummed, resummed):", got)

    def bracket(a, b, paper, tol):
        return min(a, b) - tol <= paper <= max(a, b) + tol

    n, e = None, "exact"
    # Fig. 2 right, 1 sigma: paper 220 GeV (half unit 5, grid 1)
    assert bracket(got[n, "fig2r"][0], got[e, "fig2r"][0], 220.0, 5.0 + 1.0)
    # Fig. 2 right, 2 sigma: paper 330 GeV: not reproduced, ours below
    assert max(got[n, "fig2r"][1], got[e, "fig2r"][1]) < 330.0 - 5.0 - 1.0
    # Fig. 3: smallest tan(beta) at 1 sigma, paper 20 (m_smuR = 5 M2) and 15 (20 M2): ours above (grid 0.2)
    for r, paper in ((5.0, 20.0), (20.0, 15.0)):
        assert min(got[n, "fig3", r], got[e, "fig3", r]) > paper + 0.5 + 0.2
    # Fig. 5 left: paper M2 < 150 [250] GeV, mu 400-800 GeV: ours below (grid 1 GeV / 10 GeV)
    assert max(got[n, "fig5l"][0], got[e, "fig5l"][0]) < 150.0 - 5.0 - 1.0
    assert max(got[n, "fig5l"][1], got[e, "fig5l"][1]) < 250.0 - 5.0 - 1.0
    assert min(got[n, "fig5l"][2], got[e, "fig5l"][2]) >= 400.0 - 50.0 - 10.0
    assert max(got[n, "fig5l"][3], got[e, "fig5l"][3]) <= 800.0 + 50.0 + 10.0
    # Fig. 5 right: m_H < 1 TeV at 1 sigma (grid 10 GeV)
    assert max(got[n, "fig5r"], got[e, "fig5r"]) < 1000.0 + 10.0
    # Fig. 4: a_mu within 1 sigma for m_H ~ 300 - 700 GeV (half unit 50 GeV, grid 5 GeV): the upper end
    # agrees, the lower end is below the paper's (its larger bino-smuon part, negative, needs heavier smuons)
    for res in (n, e):
        lo, hi = got[res, "fig4"]
        assert lo < 300.0 and abs(hi - 700.0) <= 50.0 + 5.0


# ------------------------------------------------------------------------------------------
# the end of a scan: human summary and map
# ------------------------------------------------------------------------------------------


def _toy_chi2(v):
    return {
        "chi2": 50.0 * (v["x"] - 0.3) ** 2 + (jnp.log10(v["z"]) - 1.0) ** 2 + 0.5,
        "R_mu": 3.0 * (v["x"] - 0.3),
        "status": jnp.where(v["x"] > 0.8, 4, 0).astype(jnp.int32),
    }


def test_summary_best_point_allowed_fractions_flags_and_map(tmp_path):
    from scipy.stats import chi2 as chi2_dist

    from gm2jax import plot
    from gm2jax.labels import axis_label
    from gm2jax.scan import summarize

    spec = _toy_spec()
    out = tmp_path / "toy"
    run_scan(spec, out, observable=_toy_chi2, progress=False)
    rep = summarize(out)
    pts = spec.points()
    ref = {k: np.asarray(v) for k, v in jax.vmap(_toy_chi2)({"x": pts["x"], "z": pts["z"]}).items()}
    ok = ref["status"] == 0
    i = np.flatnonzero(ok)[np.argmin(ref["chi2"][ok])]
    assert rep.n_points == 35 and rep.n_ok == int(ok.sum()) == 25 and rep.axes == ("x", "z")
    assert rep.chi2_min == ref["chi2"][i] and rep.best["x"] == pts["x"][i] and rep.best["z"] == pts["z"][i]
    # allowed at n sigma: Delta chi2 below the 2-parameter quantile (2.30, 6.18), and every |R_l| < n
    d = ref["chi2"] - ref["chi2"][i]
    for n, q in ((1, 2.2957), (2, 6.1801)):
        assert abs(chi2_dist.ppf(math.erf(n / math.sqrt(2)), 2) - q) < 1e-4
        assert rep.allowed_chi2[n] == np.mean(ok & (d < chi2_dist.ppf(math.erf(n / math.sqrt(2)), 2)))
        assert rep.allowed_pulls[n] == np.mean(ok & (np.abs(ref["R_mu"]) < n))
    # flagged points by reason (status bit 4 = TACHYON_SLEPTON) with the instruction of gm2jax.errors
    assert rep.flagged == {"TACHYON_SLEPTON": 10}
    text = str(rep)
    assert "25 physical" in text and "flagged TACHYON_SLEPTON: 10 points (charged-slepton mass^2 < 0" in text
    assert f"chi2_min = {ref['chi2'][i]:.6g}" in text
    # the map: Delta chi2 in the plane of the first two axes, LaTeX labels, best point marked; z is a log axis
    fig = plot.scan_map(out, save=tmp_path / "map.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == axis_label("x") and ax.get_ylabel() == axis_label("z") and ax.get_yscale() == "log"
    assert (tmp_path / "map.png").stat().st_size > 1000
    best = [ln for ln in ax.get_lines() if ln.get_marker() == "*"]
    assert len(best) == 1 and best[0].get_xdata()[0] == pts["x"][i] and best[0].get_ydata()[0] == pts["z"][i]
    # a scan without chi2 has no map
    run_scan(spec, tmp_path / "nochi2", observable=_toy, progress=False)
    assert summarize(tmp_path / "nochi2").best == {}
    with pytest.raises(InvalidInput, match="no chi2 column"):
        plot.scan_map(tmp_path / "nochi2")
