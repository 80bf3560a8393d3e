"""What the CLI writes is publishable and machine-readable (issue: ArviZ-complete posteriors,
labelled figures, progress lines).

One small ``gm2jax fit ... --chains 2`` run (module fixture) is inspected: the ArviZ groups and
attributes of posterior.nc, az.loo / az.bfmi / az.plot_energy on it, the log-likelihood per term
against an independent chi^2, the axis labels (with units) of every figure object the CLI saves,
the phase lines on stderr and the closing summary.
"""

import json
import re
import warnings

import numpy as np
import pytest
from click.testing import CliRunner

from gm2jax import labels, plot
from gm2jax.cli import main
from gm2jax.config import load_config
from gm2jax.configs import resolve_config
from gm2jax.inference_data import arviz, build_inference_data, variable_attrs

CONFIG = "mssm_heavy_smuR"  # the README's main job
OTHER_LABELS = {r"profile $\Delta\chi^2$", r"$R_\ell$"}  # dimensionless by construction


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    # the packaged main-job config at one loop (the two-loop compilation would triple the time)
    config = out / f"{CONFIG}.toml"
    text = resolve_config(CONFIG).read_text()
    text = re.sub(r"^loops = 2", "loops = 1", text, flags=re.M) if re.search(r"^loops =", text, flags=re.M) else "loops = 1\n" + text
    config.write_text(text)
    figures = []
    original = plot.canvas.save_figure

    def recording(fig, path, dpi=150):
        figures.append((str(path), fig))
        return original(fig, path, dpi=dpi)

    mp = pytest.MonkeyPatch()
    # every figure of gm2jax is written by gm2jax.plot.canvas.save_figure (the package re-exports it)
    mp.setattr(plot.canvas, "save_figure", recording)
    mp.setattr(plot, "save_figure", recording)
    try:
        res = CliRunner().invoke(
            main,
            [
                "fit", str(config), "--out", str(out), "--starts", "4", "--no-hessian", "--chains", "2",
                "--warmup", "30", "--samples", "40",
            ],
        )
    finally:
        mp.undo()
    assert res.exit_code == 0, res.output
    return out, res, figures


def _idata(out):
    return arviz().from_netcdf(str(out / "posterior.nc"))


def test_posterior_groups_units_and_provenance(cli_run):
    out, _, _ = cli_run
    idata = _idata(out)
    for group in ("posterior", "sample_stats", "log_likelihood", "observed_data", "prior"):
        assert hasattr(idata, group), group
    post = idata.posterior
    assert "energy" in idata.sample_stats and idata.sample_stats["energy"].shape == (2, 40)
    assert post["mu"].attrs["units"] == "GeV" and post["mu"].attrs["latex"] == r"$\mu$"
    assert post["a_mu"].attrs["units"] == "1"
    # scaled copies for readable summaries
    assert post["a_mu_x1e9"].attrs["units"] == "1e-09" and post["a_e_x1e13"].attrs["units"] == "1e-13"
    np.testing.assert_allclose(post["a_mu_x1e9"], 1e9 * post["a_mu"], rtol=1e-15)
    np.testing.assert_allclose(post["a_e_x1e13"], 1e13 * post["a_e"], rtol=1e-15)
    # the measured values, with their errors, as observed data (arXiv:1908.03607 eqs. (1)-(2))
    assert float(idata.observed_data["a_mu"]) == 2.74e-9 and idata.observed_data["a_mu"].attrs["sigma"] == 0.73e-9
    assert float(idata.observed_data["a_e_x1e13"]) == pytest.approx(-8.8, rel=1e-15)
    # prior predictive draws inside the prior range, derived parameters recomputed
    prior = idata.prior
    assert float(prior["mu"].min()) >= 200.0 and float(prior["mu"].max()) <= 5000.0
    np.testing.assert_allclose(prior["M1"], -(prior["M2"] - 20.0), rtol=1e-12)
    assert "a_mu_x1e9" in prior
    # provenance: the commit of this checkout, not "unknown"
    for group in idata.groups():
        attrs = getattr(idata, group).attrs
        assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", attrs["git_commit"]), attrs["git_commit"]
        assert attrs["gm2jax_version"] and json.loads(attrs["config"])["name"] == CONFIG
    # the LEP bounds are far from the posterior: constant, listed apart (ArviZ's PSIS needs variation)
    assert list(idata.log_likelihood["term"].values) == ["a_e", "a_mu"]
    constant = json.loads(idata.log_likelihood.attrs["constant_terms"])
    assert set(constant) == {"lep_sleptons", "lep_charginos"} and all(abs(v) < 1e-6 for v in constant.values())


def test_log_likelihood_per_term_matches_an_independent_chi2(cli_run):
    import jax
    import jax.numpy as jnp

    out, _, _ = cli_run
    idata = _idata(out)
    problem = load_config(out / f"{CONFIG}.toml").problem()
    ll = idata.log_likelihood["loglike"]
    for c, d in ((0, 0), (1, 39), (0, 17)):
        x = jnp.asarray([float(idata.posterior[n][c, d]) for n in problem.names], dtype=jnp.float64)
        with jax.enable_x64(True):
            chi2 = float(problem.chi2(x))
            parts = {k: float(v) for k, v in problem.likelihood.chi2_parts(problem.predict(x)).items()}
        row = ll[c, d]
        constant = sum(json.loads(idata.log_likelihood.attrs["constant_terms"]).values())
        # the constant terms vary by < 1e-6 over the draws (their recorded value is the mean)
        assert float(row.sum()) + constant == pytest.approx(-0.5 * chi2, rel=1e-12, abs=1e-6)
        for t in row["term"].values:
            assert float(row.sel(term=t)) == pytest.approx(-0.5 * parts[str(t)], rel=1e-12, abs=1e-30)


def test_arviz_loo_bfmi_plot_energy_on_the_cli_posterior(cli_run):
    out, _, _ = cli_run
    az = arviz()
    idata = _idata(out)
    with warnings.catch_warnings():
        # PSIS with 80 draws warns about k-hat: a diagnostic, not a failure
        warnings.simplefilter("ignore", UserWarning)
        loo = az.loo(idata, pointwise=True)
    assert np.isfinite(loo.elpd_loo) and loo.n_data_points == 2
    bfmi = az.bfmi(idata)
    assert bfmi.shape == (2,) and np.all(np.isfinite(bfmi)) and np.all(bfmi > 0)
    import matplotlib

    matplotlib.use("Agg")
    ax = az.plot_energy(idata, show=False)
    assert ax is not None
    import matplotlib.pyplot as plt

    plt.close("all")
    summary = az.summary(idata, var_names=["a_mu_x1e9", "a_e_x1e13"])
    assert 0.5 < abs(summary.loc["a_mu_x1e9", "mean"]) < 10  # readable, not 0.000


def _known_label(text: str) -> bool:
    if text in OTHER_LABELS:
        return True
    return any(labels.axis_label(n) == text and labels.meta(n).known for n in _LABELLED)


_LABELLED = [*labels._TABLE, "a_e_chargino", "a_mu_chargino", "a_e_neutralino", "a_mu_neutralino", "m_chargino_1"]


def test_every_cli_figure_has_axis_labels_with_units(cli_run):
    out, _, figures = cli_run
    written = sorted(p.rsplit("/", 1)[1] for p, _ in figures)
    assert written == ["corner.png", "marginals.png", "profiles.png"]
    for path, fig in figures:
        n_checked = 0
        for ax in fig.axes:
            if not ax.axison:
                continue
            shows_x = any(t.get_visible() and t.get_text() for t in ax.get_xticklabels())
            shows_y = any(t.get_visible() and t.get_text() for t in ax.get_yticklabels())
            for shows, text in ((shows_x, ax.get_xlabel()), (shows_y, ax.get_ylabel())):
                if shows and text:
                    assert _known_label(text), (path, text)
                    n_checked += 1
            # every axis whose numbers are shown says what they are
            if shows_x and ax.get_subplotspec().is_last_row():
                assert ax.get_xlabel(), (path, "x")
        assert n_checked >= 2, path
    by_name = dict((p.rsplit("/", 1)[1], f) for p, f in figures)
    corner = by_name["corner.png"]
    xlabels = [a.get_xlabel() for a in corner.axes if a.get_xlabel()]
    assert xlabels == [labels.axis_label(n) for n in ("mu", "M2", "a_e", "a_mu")]
    assert "[GeV]" in xlabels[0] and r"\times 10^{13}" in xlabels[2]
    # mu has a log-uniform prior: log axes in every figure; several labelled ticks (not one)
    for fig in by_name.values():
        for ax in fig.axes:
            if ax.get_xlabel() == labels.axis_label("mu"):
                assert ax.get_xscale() == "log"
    prof = by_name["profiles.png"]
    mu_ax = next(a for a in prof.axes if a.get_xlabel() == labels.axis_label("mu"))
    prof.canvas.draw() if hasattr(prof.canvas, "draw") else None
    ticks = [t for t in mu_ax.get_xticks() if 200 <= t <= 5000]
    assert len(ticks) >= 3, ticks
    # contours and markers are explained in legends
    texts = [t.get_text() for a in prof.axes if a.get_legend() for t in a.get_legend().get_texts()]
    assert any("68% CL" in t for t in texts) and any("best fit" in t for t in texts)
    ctexts = [t.get_text() for a in corner.axes if a.get_legend() for t in a.get_legend().get_texts()]
    assert any("68% credible" in t for t in ctexts) and any("prior" in t for t in ctexts)


def test_progress_lines_and_closing_summary(cli_run):
    _, res, _ = cli_run
    err = res.stderr
    stamps = re.findall(r"^\[\s*([0-9.]+) s\] (.*)$", err, flags=re.M)
    assert stamps and float(stamps[0][0]) < 5.0  # the first line comes at once
    phases = " | ".join(msg for _, msg in stamps)
    for phase in ("compil", "NUTS warm-up", "NUTS sampling", "posterior:", "writing"):
        assert phase in phases, phase
    times = [float(t) for t, _ in stamps]
    assert times == sorted(times)
    # the summary names the chi2 parts (stdout; the phase lines stay on stderr)
    assert "chi2 parts: " in res.stdout and "lep_charginos" in res.stdout
    assert "[" not in res.stdout.split("chi2 parts")[0].splitlines()[0]
    assert "Hessian not computed" in res.stdout  # why the parameters have no errors


def test_builder_requires_energy_and_the_free_parameters():
    from gm2jax.errors import InvalidInput

    cfg = load_config(resolve_config(CONFIG))
    post = {"mu": np.ones((1, 2)), "M2": np.ones((1, 2))}
    with pytest.raises(InvalidInput, match="energy"):
        build_inference_data(cfg, post, {"lp": np.ones((1, 2))})
    with pytest.raises(InvalidInput, match="M2"):
        build_inference_data(cfg, {"mu": post["mu"]}, {"energy": np.ones((1, 2))})
    assert variable_attrs("a_mu", scaled=True)["units"] == "1e-09"
