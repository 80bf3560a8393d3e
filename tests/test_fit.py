"""Multi-start optax fit of the seed-000 heavy right-handed smuon scenario, profiles, Hessian, CLI."""

import json
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from click.testing import CliRunner

from gm2jax import curvature
from gm2jax.cli import main
from gm2jax.config import load_config
from gm2jax.fit import run_fit

FITS = pathlib.Path(__file__).parent.parent / "fits"


@pytest.fixture(autouse=True)
def _slow_only_when_selected(request):
    """Slow tests run only with ``-m slow`` (pyproject does not deselect them)."""
    if request.node.get_closest_marker("slow") and "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow: run with -m slow")


SMALL = dict(starts=8, steps=400, profile_points=5, profile_points_2d=4, profile_steps=60)


@pytest.fixture(scope="module")
def heavy_fit():
    return run_fit(FITS / "mssm_heavy_smuR.toml", hessian=False, **SMALL)


def test_multistart_reaches_both_anomalies(heavy_fit):
    r = heavy_fit
    # seeds2019: Delta a_mu = 2.74(73)e-9, Delta a_e = -8.8(3.6)e-13 fitted from random prior starts
    assert r.chi2 < 0.1
    assert abs(r.pulls["R_e"]) < 0.3 and abs(r.pulls["R_mu"]) < 0.3
    assert r.n_converged >= 4  # most of the 8 random starts
    assert len(np.unique(r.starts_x[:, 0])) == len(r.starts_x)  # the starts differ
    # seed 000 sec. 3 / Fig. 2 left: light wino/sleptons (M2 < 180 GeV) and mu ~ 1 TeV
    assert 100.0 < r.best["M2"] < 180.0 and 700.0 < r.best["mu"] < 2000.0
    assert r.predictions["a_e"] < 0 < r.predictions["a_mu"]
    assert r.predictions["a_mu_neutralino"] < 0 < r.predictions["a_mu_chargino"]  # mu M1 < 0 < mu M2
    assert r.n_evaluations["total"] == sum(v for k, v in r.n_evaluations.items() if k != "total")
    assert r.wall_time["total"] > 0
    json.dumps(r.to_dict(), allow_nan=False)


def test_profiles(heavy_fit):
    p1, p2 = heavy_fit.profiles_1d, heavy_fit.profiles_2d
    assert set(p1) == {"mu", "M2"} and set(p2) == {"mu,M2"}
    for prof in p1.values():
        d = np.asarray(prof["delta_chi2"])
        assert d.shape == (5,) and np.nanmin(d) > -1e-6  # never below the global best
    assert np.asarray(p2["mu,M2"]["chi2"]).shape == (4, 4)
    # with both parameters fixed the 2-D profile is the chi2 map; R_e, R_mu recorded for the plot
    assert np.asarray(p2["mu,M2"]["R_e"]).shape == (4, 4)


def test_cli_fit_writes_results(tmp_path):
    res = CliRunner().invoke(
        main,
        ["fit", str(FITS / "mssm_heavy_smuR.toml"), "--out", str(tmp_path), "--starts", "8", "--no-sample", "--no-hessian"],
    )
    assert res.exit_code == 0, res.output
    assert "best fit of mssm_heavy_smuR" in res.output
    out = json.loads((tmp_path / "fit.json").read_text())
    assert out["chi2"] < 0.1 and set(out["best_fit"]) == {"mu", "M2"}
    assert out["dataset"]["name"] == "seeds2019" and out["n_evaluations"]["total"] > 0
    assert (tmp_path / "profiles.png").stat().st_size > 1000


def test_cli_bad_config_exit_code(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text((FITS / "mssm_heavy_smuR.toml").read_text().replace("range = [200.0, 5000.0]", "range = [5000.0, 200.0]"))
    res = CliRunner().invoke(main, ["fit", str(bad), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "parameters.mu.range" in res.output


def test_cli_unphysical_tan_beta_is_named_before_compiling(tmp_path):
    """tan_beta = -60 (outside the model's domain) exits 2 naming the key; the check is at parse
    time, so no model is compiled (it used to fail after a ~54 s compile)."""
    bad = tmp_path / "bad.toml"
    bad.write_text((FITS / "mssm_heavy_smuR.toml").read_text().replace("tan_beta = 60.0", "tan_beta = -60.0"))
    res = CliRunner().invoke(main, ["fit", str(bad), "--out", str(tmp_path), "--hessian-method", "gradient_differences"])
    assert res.exit_code == 2 and "fixed.tan_beta = -60.0: outside the physical domain" in res.output, res.output


@pytest.mark.slow
def test_hessian_covariance_autodiff_vs_finite_differences():
    r = run_fit(FITS / "mssm_heavy_smuR.toml", profiles=False, starts=8, steps=400)
    assert r.hessian_rank == 2 and np.all(np.isfinite(r.errors))
    prob = load_config(FITS / "mssm_heavy_smuR.toml").problem()
    with jax.enable_x64(True):
        g = jax.jit(jax.grad(prob.chi2))
        x = jnp.asarray(r.x)
        h = np.array([(g(x + e) - g(x - e)) / (2 * e[i]) for i, e in enumerate(np.diag(1e-4 * np.asarray(x)))])
        np.testing.assert_allclose(r.hessian_x, 0.5 * (h + h.T), rtol=1e-4)
        # the physical covariance is the unconstrained one pushed through the bijection's Jacobian
        jac = jax.jacfwd(prob.from_unconstrained)(jnp.asarray(r.u))
        np.testing.assert_allclose(r.cov_x, jac @ r.cov_u @ jac.T, rtol=1e-6)


def test_gradient_difference_hessian_matches_autodiff_at_one_loop():
    """hessian_method = "gradient_differences" (Richardson differences of the optimiser's compiled
    gradient, used at two loops) against the exact autodiff Hessian at one loop, same point."""
    kw = dict(hessian=True, profiles=False, starts=8, steps=40, polish_steps=0)  # any point will do
    ad = run_fit(FITS / "mssm_heavy_smuR.toml", hessian_method="autodiff", **kw)
    fd = run_fit(FITS / "mssm_heavy_smuR.toml", hessian_method="gradient_differences", **kw)
    assert ad.hessian_method == "autodiff" and fd.hessian_method == "gradient_differences"
    np.testing.assert_array_equal(fd.u, ad.u)  # same Adam path, no polish: the same point
    # tolerance: the method's own per-element error estimate (Richardson difference + asymmetry)
    # plus the rounding floor of differencing a gradient good to ~1e3 eps at relative step ETA
    floor = 1e3 * np.finfo(float).eps / curvature.ETA * np.abs(ad.hessian_u).max()
    assert np.all(np.abs(fd.hessian_u - ad.hessian_u) <= fd.hessian_error + floor), (fd.hessian_u, ad.hessian_u, fd.hessian_error)
    assert np.all(fd.hessian_error < 1e-6 * np.abs(ad.hessian_u).max())  # and the estimate is small
    np.testing.assert_allclose(fd.errors, ad.errors, rtol=1e-6)
    # the step per coordinate follows the curvature: n_evaluations counts 4 d + 1 gradients per Hessian
    assert fd.n_evaluations["hessian"] == 2 * (4 * 2 + 1) and ad.n_evaluations["hessian"] == 2


@pytest.mark.slow
def test_higgs_mediation_fit():
    r = run_fit(FITS / "mssm_higgs_mediation.toml", profiles=False, hessian=True, starts=32, steps=800)
    assert r.chi2 < 0.1
    assert r.hessian_rank < len(r.names)  # 7 parameters, 2 observables: a chi2 ~ 0 valley
    # seed 000 sec. 4: light selectrons, mu M1 < 0
    assert r.values["mE1"] < 250.0 and r.values["mL1"] < 250.0 and r.best["M1"] < 0


@pytest.mark.slow
def test_lbfgs_optimizer():
    r = run_fit(FITS / "mssm_heavy_smuR.toml", hessian=False, profiles=False, starts=8, steps=80, optimizer="lbfgs")
    assert r.chi2 < 0.1 and r.n_converged >= 4


def test_lbfgs_run_counts_every_evaluation_and_converges():
    """lbfgs.lbfgs_run (optax L-BFGS, zoom line search): Rosenbrock minimum from every start, and the
    evaluation count equals the number of loss evaluations, counted by a host callback."""
    from gm2jax.lbfgs import lbfgs_run

    calls = []

    def rosen(u):
        jax.debug.callback(lambda: calls.append(1))
        return jnp.sum(100.0 * (u[1:] - u[:-1] ** 2) ** 2 + (1.0 - u[:-1]) ** 2)

    for u0 in ([-1.2, 1.0, 0.5, -0.3], [0.3, -0.8, 1.5, 0.2], [1.0, 1.0, 1.0, 1.0]):
        calls.clear()
        r = lbfgs_run(rosen, np.array([u0]), steps=150)  # sequential starts: executed = counted
        # converged: |grad| < 1e-7 at the minimum (1, 1, 1, 1), where chi^2 ~ |grad|^2/(2 lambda_min) <= 1e-12
        assert r.loss[0] < 1e-12 and np.allclose(r.u[0], 1.0, atol=1e-5)
        assert r.evaluations[-1, 0] == len(calls)  # one value-and-gradient per loss evaluation
        assert np.all(np.diff(r.history[:, 0]) <= 0) and r.iterations[0] < 150
    assert r.iterations[0] == 0 and r.evaluations[-1, 0] == 1  # started at the minimum
