"""numpyro NUTS posterior of the seed-000 heavy right-handed smuon scenario (ArviZ, netCDF, CLI)."""

import json
import math
import pathlib
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from gm2jax.cli import main
from gm2jax.config import load_config, parse_config

FITS = pathlib.Path(__file__).parent.parent / "fits"
BEST = [1183.94, 130.974]  # heavy-smuR best fit (tests/test_fit.py reaches it from random starts)
# emcee reference posterior of fits/mssm_heavy_smuR.toml (128 walkers x 2100 steps, ESS >= 4000 from the
# integrated autocorrelation time): benchmarks/results/nuts_vs_emcee.jsonl, emcee_runs[1] (2026-11-22T01:34).
EMCEE_HEAVY_SMUR = {"mu": (1198.4, 236.0), "M2": (200.0, 76.1)}
EMCEE_HEAVY_SMUR_ESS = 4000.0


@pytest.fixture(autouse=True)
def _slow_only_when_selected(request):
    """Slow tests run only with ``-m slow`` (pyproject does not deselect them)."""
    if request.node.get_closest_marker("slow") and "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow: run with -m slow")


def test_cli_fit_with_short_nuts_smoke(tmp_path):
    """The README main job in miniature: fit + short NUTS, all result files written."""
    res = CliRunner().invoke(
        main,
        ["fit", str(FITS / "mssm_heavy_smuR.toml"), "--out", str(tmp_path), "--starts", "8", "--no-hessian",
         "--no-profiles", "--chains", "2", "--warmup", "40", "--samples", "40"],
    )
    assert res.exit_code == 0, res.output
    assert "NUTS posterior of mssm_heavy_smuR" in res.output and "R-hat" in res.output
    summary = json.loads((tmp_path / "posterior_summary.json").read_text())
    assert summary["chains"] == 2 and summary["samples"] == 40
    for name in ("mu", "M2", "a_e", "a_mu"):
        assert {"mean", "sd", "r_hat", "ess_bulk", "ess_tail"} <= set(summary["summary"][name])
    assert isinstance(summary["divergences"], int)
    post = xr.open_dataset(tmp_path / "posterior.nc", group="posterior")
    # sampled parameters, derived parameters and every contribution as deterministic sites
    for site in ("mu", "M2", "M1", "mE2", "a_e", "a_mu", "a_e_neutralino", "a_e_chargino", "a_mu_chargino", "m_chargino_1"):
        assert site in post.data_vars, site
    assert post["mu"].shape == (2, 40)
    np.testing.assert_allclose(post["M1"], -(post["M2"] - 20.0), rtol=1e-12)
    # the MSSM prediction is the sum of its parts at the config's loop order
    two_loop = post["a_mu_two_loop"] if "a_mu_two_loop" in post.data_vars else 0.0
    if json.loads(post.attrs["config"]).get("loops", 2) == 2:
        assert "a_mu_two_loop" in post.data_vars
    np.testing.assert_allclose(post["a_mu"], post["a_mu_neutralino"] + post["a_mu_chargino"] + two_loop, rtol=1e-10)
    assert np.all(np.isfinite(post["a_e"]))
    assert post.attrs["gm2jax_version"] and json.loads(post.attrs["config"])["model"] == "mssm"
    assert post.attrs["dataset"] == "seeds2019"
    stats = xr.open_dataset(tmp_path / "posterior.nc", group="sample_stats")
    assert "diverging" in stats.data_vars
    assert (tmp_path / "corner.png").stat().st_size > 1000 and (tmp_path / "fit.json").exists()


@pytest.mark.slow
def test_nuts_rhat_short_run(tmp_path):
    from gm2jax.sample import corner_plot, run_nuts, save_netcdf

    # 4 chains at the pre-lock-step default depth 8 (the config now uses 16 chains at depth 3)
    r = run_nuts(FITS / "mssm_heavy_smuR.toml", init=BEST, chains=4, warmup=500, samples=1500, max_tree_depth=8)
    for name in r.config.names:
        assert r.summary[name]["r_hat"] <= 1.01, (name, r.summary[name])
        assert r.summary[name]["ess_bulk"] > 200
    assert r.divergences <= 0.01 * 4 * 1500
    assert r.ess_per_second > 0
    post = r.idata.posterior
    # the posterior straddles both anomalies (seed 000 Fig. 2 left: M2 < ~180 GeV at 1 sigma)
    assert float(post["a_mu"].mean()) > 1.5e-9 and float(post["a_e"].mean()) < 0
    assert float(np.quantile(post["M2"], 0.05)) < 180.0
    save_netcdf(r, tmp_path / "p.nc")
    corner_plot(r, tmp_path / "c.png")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az

        back = az.from_netcdf(str(tmp_path / "p.nc"))
    assert back.posterior.attrs["config_name"] == "mssm_heavy_smuR"


@pytest.mark.slow
def test_model_sends_failed_points_to_minus_inf():
    from numpyro.infer.util import potential_energy

    from gm2jax.sample import make_model

    doc = json.loads(json.dumps(load_config(FITS / "mssm_heavy_smuR.toml").raw))
    doc["parameters"]["mu"]["range"] = [200.0, 50000.0]  # tachyonic smuons inside the prior
    prob = parse_config(doc).problem()
    model = make_model(prob)
    with jax.enable_x64(True):
        from numpyro.distributions import LogUniform, Uniform
        from numpyro.distributions.transforms import biject_to

        u = {"mu": biject_to(LogUniform(200.0, 50000.0).support).inv(jnp.asarray(2.0e4)),
             "M2": biject_to(Uniform(100.0, 400.0).support).inv(jnp.asarray(100.5))}
        pe, grad = jax.jit(jax.value_and_grad(lambda z: potential_energy(model, (), {}, z)))(u)
    assert float(pe) == math.inf
    assert all(np.isfinite(float(g)) for g in grad.values())


@pytest.mark.slow
def test_cli_sample(tmp_path):
    res = CliRunner().invoke(
        main, ["sample", str(FITS / "mssm_heavy_smuR.toml"), "--out", str(tmp_path), "--chains", "2", "--warmup", "100", "--samples", "100"]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "posterior.nc").exists() and (tmp_path / "corner.png").exists()
    assert json.loads((tmp_path / "posterior_summary.json").read_text())["samples"] == 100


def test_pooled_adaptation_shares_the_chain_average():
    """After warm-up every chain gets the chain-mean inverse mass matrix (with numpyro's
    square-root factors recomputed consistently) and the geometric-mean step size."""
    from numpyro.infer.hmc_util import HMCAdaptState

    from gm2jax.sample import _pooled_adaptation

    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 3, 3))
    dense = np.einsum("cij,ckj->cik", a, a) + 0.5 * np.eye(3)  # 5 chains, SPD 3x3
    diag = rng.uniform(0.5, 2.0, size=(5, 2))
    steps = np.array([0.1, 0.2, 0.4, 0.3, 0.25])
    with jax.enable_x64(True):
        state = HMCAdaptState(
            step_size=jnp.asarray(steps),
            inverse_mass_matrix={("a", "b", "c"): jnp.asarray(dense), ("d",): jnp.asarray(diag)},
            mass_matrix_sqrt={("a", "b", "c"): jnp.asarray(dense), ("d",): jnp.asarray(diag)},
            mass_matrix_sqrt_inv={("a", "b", "c"): jnp.asarray(dense), ("d",): jnp.asarray(diag)},
            ss_state=None, mm_state=None, window_idx=None, rng_key=None,
        )
        out = _pooled_adaptation(state)
    np.testing.assert_allclose(out.step_size, np.exp(np.log(steps).mean()) * np.ones(5), rtol=1e-12)
    inv = np.asarray(out.inverse_mass_matrix[("a", "b", "c")])
    sq = np.asarray(out.mass_matrix_sqrt[("a", "b", "c")])
    sq_inv = np.asarray(out.mass_matrix_sqrt_inv[("a", "b", "c")])
    for c in range(5):
        np.testing.assert_allclose(inv[c], dense.mean(0), rtol=1e-12)
        # numpyro's conventions: sqrt_inv^T sqrt_inv = M^-1, sqrt sqrt^T = M, sqrt sqrt_inv = 1
        np.testing.assert_allclose(sq_inv[c].T @ sq_inv[c], dense.mean(0), rtol=1e-10)
        np.testing.assert_allclose(sq[c] @ sq[c].T, np.linalg.inv(dense.mean(0)), rtol=1e-10)
        np.testing.assert_allclose(sq[c] @ sq_inv[c], np.eye(3), atol=1e-12)
    d_inv = np.asarray(out.inverse_mass_matrix[("d",)])
    np.testing.assert_allclose(d_inv, np.broadcast_to(diag.mean(0), (5, 2)), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(out.mass_matrix_sqrt_inv[("d",)]) ** 2, d_inv, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(out.mass_matrix_sqrt[("d",)]) ** 2, 1.0 / d_inv, rtol=1e-12)


@pytest.mark.slow
def test_nuts_many_chains_dense_pooled_matches_emcee():
    """The benchmark setting (16 lock-step chains, max tree depth 3, dense mass matrix, pooled
    adaptation) on the heavy-smuon posterior: R-hat <= 1.01, one shared kernel, lock-step
    accounting, and the posterior mean of every parameter equal to emcee's within 4 combined
    Monte-Carlo standard errors."""
    from gm2jax.sample import run_nuts

    r = run_nuts(FITS / "mssm_heavy_smuR.toml", init=BEST, chains=16, warmup=300, samples=1000, max_tree_depth=3)
    assert r.settings["dense_mass"] and r.settings["pool_adaptation"]
    assert r.max_r_hat <= 1.01, r.summary
    assert r.min_ess_bulk > 1000
    assert r.divergences <= 0.01 * 16 * 1000
    step = np.asarray(r.idata.sample_stats["step_size"])
    assert np.ptp(step) == 0.0  # one kernel for all chains after pooling
    n_steps = np.asarray(r.idata.sample_stats["n_steps"])
    assert n_steps.max() <= 2**3 - 1  # max_tree_depth = 3
    assert r.n_gradient_evals == int(n_steps.sum())
    assert r.n_gradient_evals <= r.n_gradient_evals_lockstep == int(n_steps.max(axis=0).sum()) * 16
    for name, (mean, sd) in EMCEE_HEAVY_SMUR.items():
        s = r.summary[name]
        mcse = sd * math.sqrt(1.0 / s["ess_bulk"] + 1.0 / EMCEE_HEAVY_SMUR_ESS)
        assert abs(s["mean"] - mean) < 4.0 * mcse, (name, s["mean"], mean, mcse)
        assert abs(s["sd"] / sd - 1.0) < 0.15, (name, s["sd"], sd)  # heavy mu tail: sd converges slowly


# --------------------------------------------------------------------------------------
# The NUTS hang (issue 15): jaxlib's batched CPU LAPACK kernels split a large batch over
# XLA's intra-op thread pool and block the calling pool thread (ParallelBatchMap ->
# BlockingCounter::Wait); as many independent batched calls as pool threads deadlock the
# pool.  gm2jax.linalg therefore never hands LAPACK a batch.
# --------------------------------------------------------------------------------------

_DEADLOCK_SCRIPT = r"""
import pathlib, sys
import jax, jax.numpy as jnp, numpy as np
jax.config.update("jax_enable_x64", True)
from numpyro.distributions.transforms import biject_to
from numpyro.infer import NUTS
from gm2jax.config import load_config
from gm2jax.priors import prior_distribution
from gm2jax.sample import make_model
cfg = load_config(pathlib.Path(sys.argv[2]) / "lmutau_posterior.toml")
kernel = NUTS(make_model(cfg.problem()), max_tree_depth=1)
rng = np.random.default_rng(0)
z = {p.name: biject_to(prior_distribution(p).support).inv(jnp.asarray(prior_distribution(p).icdf(rng.uniform(size=4000))))
     for p in cfg.free}
jax.jit(lambda k, p: kernel.init(k, 10, init_params=p)).lower(jax.random.split(jax.random.key(0), 2),
                                                            {k: v[:2] for k, v in z.items()})
post = jax.jit(jax.vmap(kernel.postprocess_fn((), {})))  # run_nuts's deterministic sites, 4 x 1000 draws
for i in range(int(sys.argv[1])):
    out = {k: np.asarray(v) for k, v in post(z).items()}
print("done", flush=True)
"""


def _run_under_timeout(args, timeout):
    import subprocess
    import sys

    try:
        return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"hung: no result after {timeout} s (stdout: {exc.stdout!r})")


def test_lmutau_posterior_predictions_never_deadlock():
    """The lmutau model's predictions over 4000 posterior-sized draws (7x7 neutralino matrices
    diagonalised twice), 10 times in a fresh process under a timeout.  Before the fix this is
    where ``gm2jax sample fits/lmutau_posterior.toml`` hung (first or second call, every run,
    also on the loaded 2-core machine)."""
    r = _run_under_timeout(["-c", _DEADLOCK_SCRIPT, "10", str(FITS)], timeout=240)
    assert r.returncode == 0 and "done" in r.stdout, r.stderr[-2000:]


def _batched_lapack_calls(hlo: str) -> list[str]:
    import re

    return re.findall(r"custom_call @(lapack_\w+)\([^\n]*num_batch_dims = \"([1-9]\d*)\"", hlo)


def test_no_registered_model_hands_lapack_a_batch():
    """The vmapped prediction of every model with a packaged config contains no batched LAPACK
    call (the deadlock mechanism above); the detector itself sees jnp.linalg.eigh's batch."""
    from gm2jax.config import load_config

    with jax.enable_x64(True):
        assert _batched_lapack_calls(jax.jit(jnp.linalg.eigh).lower(jnp.zeros((3, 7, 7))).as_text())
        seen = set()
        for path in sorted(FITS.glob("*.toml")):
            cfg = load_config(path)
            if cfg.model in seen:
                continue
            seen.add(cfg.model)
            prob = cfg.problem()
            x = jnp.zeros((4096, prob.ndim))
            hlo = jax.jit(jax.vmap(prob.predict)).lower(x).as_text()
            assert not _batched_lapack_calls(hlo), (cfg.name, _batched_lapack_calls(hlo))
    assert {"mssm", "lmutau", "flavon"} <= seen


@pytest.mark.slow
def test_cli_sample_lmutau_posterior_never_hangs(tmp_path):
    """The reproduction of issue 15 at its defaults (4 chains x (500 + 1000), --progress), three
    times, each under a timeout (it hung in 4 of 7 runs; a finishing run took ~60 s)."""
    import shutil

    exe = shutil.which("gm2jax")
    assert exe
    for i in range(3):
        import subprocess

        try:
            r = subprocess.run(
                [exe, "sample", str(FITS / "lmutau_posterior.toml"), "--progress", "--out", str(tmp_path / str(i))],
                capture_output=True, text=True, timeout=600,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"run {i}: gm2jax sample hung (> 600 s)")
        assert r.returncode == 0, r.stderr[-2000:]
        assert (tmp_path / str(i) / "posterior.nc").exists()
