"""`gm2jax scan CONFIG` for every packaged fit configuration: the scan's chi^2 is the fit's.

For each configuration in ``gm2jax/data/fits`` (the files ``fits/*.toml`` link to), the command
line scans 3 Sobol points and the test compares the stored ``chi2`` column, point by point, with
:meth:`gm2jax.problem.Problem.chi2` of the same configuration compiled separately
(``jit(vmap(problem.chi2))``).  Both evaluate the same float64 expression in two XLA programs,
so they may differ by rounding only: rtol 1e-12 (about 1e4 float64 ulps, room for a different
operation order across the O(100) operations of a chi^2 and the cancellation in a - Delta a).

Compile times on the loaded 2-core VM (scan + reference): MSSM one loop ~30 s, flavon ~30 s,
lmutau ~50 s, 2HDM ~340 s, MSSM two loops > 10 min: only the one-loop MSSM runs by default
(the whole file must stay under 60 s); the rest are ``slow``.
"""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from click.testing import CliRunner

from gm2jax.cli import main
from gm2jax.config import load_config
from gm2jax.configs import packaged_configs
from gm2jax.problem import Problem
from gm2jax.scan import Axis, load_manifest, load_scan, problem_of, spec_from_config

CONFIGS = packaged_configs()
DEFAULT = ("mssm_heavy_smuR",)
RTOL = 1e-12


def test_every_packaged_config_becomes_a_problem_scan():
    """No compilation: each configuration gives a spec over its free parameters (finite ranges,
    loguniform -> log axes) that carries the configuration, whose Problem has the same free
    parameters, likelihood terms and outputs as the configuration's own."""
    assert len(CONFIGS) >= 10
    for name, path in CONFIGS.items():
        cfg = load_config(path)
        spec = spec_from_config(path)
        assert tuple(spec.axes) == cfg.names, name
        for p in cfg.free:
            assert spec.axes[p.name] == Axis(p.lo, p.hi, spec.axes[p.name].n, p.prior == "loguniform"), (name, p.name)
        # default sampling: a grid of 8 per axis up to 3 free parameters, else 512 Sobol points
        assert spec.n_total == (8 ** len(cfg.free) if len(cfg.free) <= 3 else 512), name
        assert spec.observable == "problem" and spec.model == cfg.model and spec.to_dict()["config"]["doc"] == cfg.raw
        prob = problem_of(spec.config)
        own = Problem(cfg)
        assert prob.names == cfg.names and prob.likelihood.names == own.likelihood.names and prob.outputs() == own.outputs()
        assert set(cfg.fixed) <= set(spec.fixed)


def _scan_and_compare(name, tmp_path):
    out = tmp_path / name
    r = CliRunner().invoke(main, ["scan", name, "-o", str(out), "--sobol", "3", "--chunk-size", "3", "--no-progress"])
    assert r.exit_code == 0, r.output + (r.stderr or "")
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["complete"] and summary["n_points"] == 3
    assert "chi2_min" in r.stderr or "physical" in r.stderr
    df = load_scan(out)
    spec = spec_from_config(CONFIGS[name], sobol_points=3, chunk_size=3)
    assert load_manifest(out)["spec_hash"] == spec.spec_hash()
    prob = problem_of(spec.config)
    x = np.stack([df[n].to_numpy() for n in prob.names], axis=-1)
    with jax.enable_x64(True):
        ref = np.asarray(jax.jit(jax.vmap(prob.chi2))(jnp.asarray(x)))
        pred = jax.jit(jax.vmap(prob.predict))(jnp.asarray(x))
    np.testing.assert_allclose(df["chi2"].to_numpy(), ref, rtol=RTOL, atol=0)
    np.testing.assert_array_equal(df["status"].to_numpy(), np.asarray(pred["status"]))
    # the model's outputs (a_l, parts, masses) and the derived parameters are columns
    inputs = set(prob.names) | set(prob.config.fixed) | set(prob.config.derived)
    for k in prob.outputs():
        if k in pred and k not in inputs:
            np.testing.assert_allclose(df[k].to_numpy(), np.asarray(pred[k]), rtol=RTOL, atol=0, equal_nan=True, err_msg=k)
    assert set(prob.config.derived) <= set(df.columns)
    if (df["status"] == 0).any():
        assert (out / "map.png").stat().st_size > 1000


@pytest.mark.parametrize("name", DEFAULT)
def test_scan_chi2_is_the_fit_chi2(name, tmp_path):
    _scan_and_compare(name, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in CONFIGS if n not in DEFAULT])
def test_scan_chi2_is_the_fit_chi2_slow(name, tmp_path):
    _scan_and_compare(name, tmp_path)
