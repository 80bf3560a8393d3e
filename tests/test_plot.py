"""Figures (gm2jax.plot): band maps and R_l curves on synthetic scans (no JAX needed)."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from gm2jax.errors import InvalidInput
from gm2jax.plot import Target, band_map, figure, pull, r_curves, r_parts, targets, within

TARGETS = {"a_e": Target(-8.8e-13, 3.6e-13), "a_mu": Target(2.74e-9, 0.73e-9)}


def _grid(nx=21, ny=17, extra=None):
    """A synthetic (mu, M2) plane: a_mu falls with M2, a_e falls with mu; one unphysical corner."""
    mu, m2 = np.linspace(300, 3000, nx), np.linspace(100, 400, ny)
    MU, M2 = np.meshgrid(mu, m2, indexing="ij")
    a_mu = 2.74e-9 * (200.0 / M2) ** 2
    a_e = -8.8e-13 * (MU / 1500.0) * (150.0 / M2)
    status = ((MU > 2800) & (M2 < 130)).astype(np.int32)
    a_mu = np.where(status == 0, a_mu, np.nan)
    data = {"a_mu": (("mu", "M2"), a_mu), "a_e": (("mu", "M2"), a_e), "status": (("mu", "M2"), status)}
    coords = {"mu": mu, "M2": m2}
    if extra:
        data = {k: ((extra, *d), np.stack([v, 2 * v])) for k, (d, v) in data.items()}
        coords[extra] = [1.0, 2.0]
    return xr.Dataset(data, coords=coords)


def test_targets_from_the_packaged_dataset_are_seed000s():
    pytest.importorskip("gm2jax.measurements")
    assert targets("seeds2019") == TARGETS  # arXiv:1908.03607 eqs. (1)-(2)


def test_pull_within_and_r_parts():
    t = Target(2.0, 0.5)
    np.testing.assert_allclose(pull([2.0, 3.0, 1.0], t), [0.0, 2.0, -2.0])
    assert within({"a": np.array([2.2, 2.9, np.nan])}, {"a": t}).tolist() == [True, False, False]
    r = r_parts(total=2.7e-9, neutralino=-1.0e-9, chargino=3.7e-9, target=TARGETS["a_mu"])
    assert float(r["susy"]) == pytest.approx(float(r["chargino"] + r["neutralino"]))
    # decoupling: a -> 0 gives R^SUSY -> -Delta/sigma and each part -> -Delta/(2 sigma) (paper: ~ -3.8, -1.9)
    r0 = r_parts(0.0, 0.0, 0.0, TARGETS["a_mu"])
    assert float(r0["susy"]) == pytest.approx(-2.74 / 0.73) and float(r0["chargino"]) == pytest.approx(-2.74 / 1.46)


def test_band_map_draws_bands_lines_and_unphysical_hatching(tmp_path):
    ds = _grid()
    png = tmp_path / "sub" / "map.png"
    fig = band_map(ds, "mu", "M2", TARGETS, lines={"a_mu": [2e-9, 4e-9], "a_e": [-8e-13]}, title="t", save=png)
    ax = fig.axes[0]
    assert ax.get_xlabel() == r"$\mu$ [GeV]" and ax.get_ylabel() == r"$M_2$ [GeV]" and ax.get_title() == "t"
    assert ax.get_xlim() == (300.0, 3000.0) and ax.get_ylim() == (100.0, 400.0)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == [r"$a_e$ within 1$\sigma$", r"$a_e$ within 2$\sigma$"]
    assert r"$a_\mu$ within 1$\sigma$" in labels and "unphysical" in labels
    assert any("10^{13}" in lab for lab in labels) and any("10^{9}" in lab for lab in labels)
    # filled band sets of a_e (yellow) then a_mu (blue), then the hatching of unphysical points
    from matplotlib.colors import to_rgb
    from matplotlib.contour import ContourSet

    from gm2jax.plot import BAND_COLORS

    filled = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]
    assert len(filled) == 3
    for cs, name in zip(filled, ("a_e", "a_mu")):
        rgb = [tuple(np.round(fc[:3], 3)) for fc in cs.get_facecolor()]
        assert rgb == [tuple(np.round(to_rgb(c), 3)) for c in BAND_COLORS[name]]
    assert filled[2].hatches == ["///"]
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_band_map_from_dataframe_scan_dir_and_slices(tmp_path):
    ds = _grid()
    df = ds.to_dataframe().reset_index()
    fig = band_map(df, "M2", "mu", TARGETS)  # transposed plane from a DataFrame
    assert fig.axes[0].get_xlabel() == r"$M_2$ [GeV]"
    # a third scanned dimension needs a slice
    ds3 = _grid(extra="tan_beta")
    with pytest.raises(InvalidInput, match="sel="):
        band_map(ds3, "mu", "M2", TARGETS)
    band_map(ds3, "mu", "M2", TARGETS, sel={"tan_beta": 2.0})
    with pytest.raises(InvalidInput, match="several rows"):
        band_map(ds3.to_dataframe().reset_index(), "mu", "M2", TARGETS)
    with pytest.raises(InvalidInput, match="not a dimension"):
        band_map(ds, "mu", "tan_beta", TARGETS)
    with pytest.raises(InvalidInput, match="not in the scan outputs"):
        band_map(ds, "mu", "M2", {"a_tau": Target(0.0, 1.0)})
    with pytest.raises(InvalidInput, match="levels"):
        band_map(ds, "mu", "M2", TARGETS, levels=(2.0, 1.0))
    # nowhere within 2 sigma is fine (no warning, no error)
    far = ds.assign(a_e=ds["a_e"] * 100)
    band_map(far, "mu", "M2", TARGETS, lines={"a_e": [1.0]})
    # into given axes
    fig, axes = figure(2)
    band_map(ds, "mu", "M2", TARGETS, ax=axes[1], legend=False)
    assert len(fig.axes) == 2 and axes[1].get_legend() is None


def test_band_map_reads_a_scan_directory(tmp_path):
    from gm2jax.scan import ScanSpec, run_scan

    spec = ScanSpec.from_dict(
        {"axes": {"x": [0.0, 1.0, 6], "y": [0.0, 1.0, 5]}, "model": "none", "chunk_size": 8}
    )
    import jax.numpy as jnp

    run_scan(spec, tmp_path / "s", observable=lambda v: {"a_mu": 2.74e-9 * (v["x"] + v["y"]), "a_e": -8.8e-13 * v["x"] * jnp.ones(())}, progress=False)
    fig = band_map(tmp_path / "s", "x", "y", TARGETS)
    assert fig.axes[0].get_xlim() == (0.0, 1.0)


def test_r_curves(tmp_path):
    m = np.linspace(200, 3000, 30)
    df = pd.DataFrame(
        {
            "m_smuR": m[::-1],  # unsorted input is sorted for drawing
            "a_mu_chargino": np.full(30, 4.2e-9),
            "a_mu_neutralino": (-1.8e-9 * (600 / m) ** 2)[::-1],
            "a_e_chargino": np.full(30, 1e-13),
            "a_e_neutralino": np.full(30, -7.5e-13),
        }
    )
    df["a_mu"] = df["a_mu_chargino"] + df["a_mu_neutralino"]
    df["a_e"] = df["a_e_chargino"] + df["a_e_neutralino"]
    fig = r_curves(df, "m_smuR", TARGETS, ylim=(-6, 6), save=tmp_path / "r.png")
    ax = fig.axes[0]
    solid = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-" and len(ln.get_xdata()) == 30]
    assert len(solid) == 2  # R^SUSY of e and mu
    mu_line = next(ln for ln in solid if ln.get_color() == "blue")
    assert np.all(np.diff(mu_line.get_xdata()) > 0)
    r = r_parts(df["a_mu"], df["a_mu_neutralino"], df["a_mu_chargino"], TARGETS["a_mu"])
    np.testing.assert_allclose(np.sort(mu_line.get_ydata()), np.sort(r["susy"]))
    assert ax.get_ylim() == (-6.0, 6.0)
    assert (tmp_path / "r.png").exists()
    with pytest.raises(InvalidInput, match="no Target"):
        r_curves(df, "m_smuR", TARGETS, leptons=("tau",))


# ---------------------------------------------------------------------------------------------
# fit and posterior figures (synthetic results: no JAX compilation)
# ---------------------------------------------------------------------------------------------


def _posterior(cfg, n_chain=2, n_draw=300, seed=0):
    """A synthetic posterior inside the priors of ``cfg``, a_mu driven by the first parameter."""
    from gm2jax.inference_data import arviz

    rng = np.random.default_rng(seed)
    post = {}
    for p in cfg.free:
        lo, hi = p.lo, p.hi
        if p.prior == "loguniform":
            post[p.name] = np.exp(rng.uniform(np.log(lo), np.log(hi), (n_chain, n_draw)))
        else:
            post[p.name] = rng.uniform(lo, hi, (n_chain, n_draw))
    first = cfg.free[0]
    t = (post[first.name] - first.lo) / (first.hi - first.lo)
    post["a_mu"] = 2.74e-9 * (0.5 + t) + 0.2e-9 * rng.normal(size=t.shape)
    post["a_e"] = -8.8e-13 * (1.5 - t) + 1e-13 * rng.normal(size=t.shape)
    idata = arviz().from_dict(posterior=post)
    idata.add_groups(observed_data=xr.Dataset({"a_mu": ((), 2.74e-9), "a_e": ((), -8.8e-13)}))
    idata.observed_data["a_mu"].attrs["sigma"] = 0.73e-9
    idata.observed_data["a_e"].attrs["sigma"] = 3.6e-13
    return idata


def _labels_have_units(fig):
    from gm2jax.labels import axis_label, meta

    known = {axis_label(n): n for n in [*__import__("gm2jax.labels", fromlist=["_TABLE"])._TABLE]}
    seen = [a.get_xlabel() for a in fig.axes if a.get_xlabel()] + [a.get_ylabel() for a in fig.axes if a.get_ylabel()]
    for text in seen:
        if text in known:
            m = meta(known[text])
            assert (f"[{m.unit}]" in text) == bool(m.unit), text
        else:
            assert text in (r"profile $\Delta\chi^2$", r"$R_\ell$"), text
    return seen


def test_corner_and_marginals_of_a_2d_posterior(tmp_path):
    from gm2jax.config import load_config
    from gm2jax.configs import resolve_config
    from gm2jax.plot import corner, marginals

    cfg = load_config(resolve_config("mssm_heavy_smuR"))
    idata = _posterior(cfg)
    fig = corner(idata, cfg, best={"mu": 1200.0, "M2": 130.0}, save=tmp_path / "c.png")
    seen = _labels_have_units(fig)
    assert r"$\mu$ [GeV]" in seen and r"$a_\mu \times 10^{9}$" in seen
    axes = np.array(fig.axes).reshape(4, 4)
    assert axes[3, 0].get_xscale() == "log" and axes[1, 0].get_xscale() == "log"  # mu: log-uniform prior
    assert axes[3, 1].get_xscale() == "linear"
    # the prior edges of M2 (uniform [100, 400], draws fill it) are hatched on its diagonal panel
    assert any(p.get_hatch() == "////" for p in axes[1, 1].patches)
    # medians and 68 % intervals (3 lines) plus the best fit on the diagonal
    assert len(axes[0, 0].get_lines()) == 4
    texts = [t.get_text() for t in axes[0, 3].get_legend().get_texts()]
    assert any("68% credible" in t for t in texts) and any("measured" in t for t in texts)
    assert axes[0, 0].get_title().startswith(r"$\mu$ = ")
    fig = marginals(idata, cfg, save=tmp_path / "m.png")
    assert len([a for a in fig.axes if a.axison]) == 4
    _labels_have_units(fig)
    assert (tmp_path / "c.png").exists() and (tmp_path / "m.png").exists()


def test_corner_of_14_variables_shows_a_readable_subset():
    from gm2jax.config import load_config
    from gm2jax.configs import resolve_config
    from gm2jax.plot import corner, default_var_names, marginals

    cfg = load_config(resolve_config("lmutau_scan"))
    assert len(cfg.names) + len(cfg.observables) == 14
    idata = _posterior(cfg, n_draw=200)
    chosen = default_var_names(idata, cfg, max_vars=8)
    assert len(chosen) == 8 and chosen[-2:] == ["a_e", "a_mu"]
    assert cfg.names[0] in chosen  # the parameter that drives the observables is kept
    fig = corner(idata, cfg)
    assert len(fig.axes) == 64
    _labels_have_units(fig)
    fig = marginals(idata, cfg)  # all 14 on one grid
    assert len([a for a in fig.axes if a.axison]) == 14
    labels = _labels_have_units(fig)
    assert r"$M_{Z'}$ [GeV]" in labels and r"$g_X$" in labels


def test_profiles_figure_marks_levels_intervals_and_range_edges():
    import types

    from gm2jax.config import load_config
    from gm2jax.configs import resolve_config
    from gm2jax.plot import profiles

    cfg = load_config(resolve_config("mssm_heavy_smuR"))
    mu = np.geomspace(200, 5000, 25)
    m2 = np.linspace(100, 400, 21)
    MU, M2 = np.meshgrid(mu, m2, indexing="ij")
    res = types.SimpleNamespace(
        config=cfg, chi2=0.1, best={"mu": 1200.0, "M2": 100.0},
        profiles_1d={"mu": {"grid": mu, "delta_chi2": (np.log(mu / 1200.0) / 0.3) ** 2},
                     "M2": {"grid": m2, "delta_chi2": ((m2 - 100.0) / 60.0) ** 2}},  # minimum at the edge
        profiles_2d={"mu,M2": {"grid_a": mu, "grid_b": m2, "delta_chi2": (np.log(MU / 1200) / 0.3) ** 2 + ((M2 - 100) / 60) ** 2,
                               "R_mu": (M2 - 150.0) / 50.0, "R_e": np.log(MU / 1500.0)}},
    )
    fig = profiles(res)
    _labels_have_units(fig)
    ax_mu, ax_m2, ax_2d = fig.axes[:3]
    assert ax_mu.get_xscale() == "log" and ax_2d.get_xscale() == "log" and ax_2d.get_yscale() == "linear"
    assert ax_mu.get_xlim() == pytest.approx((200.0, 5000.0))
    assert any("range edge" in t.get_text() for t in ax_m2.texts) and not any("range edge" in t.get_text() for t in ax_mu.texts)
    legend = [t.get_text() for t in ax_2d.get_legend().get_texts()]
    assert any("68% CL" in t for t in legend) and any("best fit" in t for t in legend)
    assert any(r"a_\mu" in t for t in legend) and any("a_e" in t for t in legend)
    # log axis with several labelled ticks (the issue: one tick label on a log mu axis)
    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None
    ticks = [t for t in ax_mu.get_xticks() if 200 <= t <= 5000]
    assert len(ticks) >= 4


def test_r_curves_legend_explains_band_and_decoupling_lines():
    m = np.linspace(200, 3000, 10)
    df = pd.DataFrame({"m_smuR": m, "a_mu_chargino": np.full(10, 4e-9), "a_mu_neutralino": np.full(10, -1e-9),
                       "a_e_chargino": np.full(10, 1e-13), "a_e_neutralino": np.full(10, -7e-13)})
    df["a_mu"] = df["a_mu_chargino"] + df["a_mu_neutralino"]
    df["a_e"] = df["a_e_chargino"] + df["a_e_neutralino"]
    fig = r_curves(df, "m_smuR", TARGETS)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert r"$|R| < 1$" in texts and any("decoupling" in t for t in texts)
