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
    np.testing.assert_allclose(post["a_mu"], post["a_mu_neutralino"] + post["a_mu_chargino"], rtol=1e-10)
    assert np.all(np.isfinite(post["a_e"]))
    assert post.attrs["gm2jax_version"] and json.loads(post.attrs["config"])["model"] == "mssm"
    assert post.attrs["dataset"] == "seeds2019"
    stats = xr.open_dataset(tmp_path / "posterior.nc", group="sample_stats")
    assert "diverging" in stats.data_vars
    assert (tmp_path / "corner.png").stat().st_size > 1000 and (tmp_path / "fit.json").exists()


@pytest.mark.slow
def test_nuts_rhat_short_run(tmp_path):
    from gm2jax.sample import corner_plot, run_nuts, save_netcdf

    r = run_nuts(FITS / "mssm_heavy_smuR.toml", init=BEST, chains=4, warmup=500, samples=1500)
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
