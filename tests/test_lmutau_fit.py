"""Fit registration of the lmutau model and short fits of fits/lmutau_*.toml (seed 002, arXiv:2011.05083)."""

import pathlib
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.config import load_config
from gm2jax.problem import Problem
from gm2jax.fit import run_fit
from gm2jax.likelihood import constraint_term
from gm2jax.registry import get_model
from gm2jax.sm import SMInputs

FITS = pathlib.Path(__file__).resolve().parents[1] / "fits"
ZPRIME = ("ccfr", "borexino", "babar_4mu", "coherent", "cms_z4mu", "belle2_invisible", "bbn")
SM = SMInputs.from_convention("pdg")


def test_model_registered():
    spec = get_model("lmutau")
    for name in ("M0", "M10", "g_X", "M_Zp", "tan_gamma", "mu_eta", "g_YX", "tan_beta", "mu", "mL2"):
        assert name in spec.parameters
    assert {"lep_sleptons", "lep_charginos"} <= set(spec.constraints)
    assert set(ZPRIME) <= set(spec.constraints), "helper B's Z' limits are merged into the constraints"
    term = constraint_term(spec, "lep_sleptons", ("e", "mu"))
    assert term.observables == ("m_slepton_e", "m_slepton_mu")


@pytest.mark.parametrize("name", ["lmutau_scan.toml", "lmutau_bp.toml"])
def test_configs_parse(name):
    cfg = load_config(FITS / name)
    assert cfg.model == "lmutau"
    assert cfg.dataset.name == "wp20_bnl"
    assert cfg.dataset["a_mu"].value == pytest.approx(2.79e-9, rel=1e-12, abs=0)
    assert cfg.dataset["a_e"].value == pytest.approx(-8.8e-13, rel=1e-12, abs=0)
    assert set(ZPRIME) <= set(cfg.constraints)
    prob = Problem(cfg)
    x = jnp.asarray([0.5 * (p.lo + p.hi) if p.prior == "uniform" else float(np.sqrt(p.lo * p.hi)) for p in cfg.free])
    vals = prob.values(x)
    assert float(vals["mu"]) < 0  # mu < 0 (seed sec. 2)
    ratio = float(vals["mL3"]) / float(vals["mL2"])
    assert ratio == pytest.approx(17.8, rel=1e-14, abs=0)  # stau = 17.8 x smuon (seed sec. 2)
    chi2 = jax.jit(prob.chi2)(x)
    assert np.isfinite(float(chi2))


def test_predict_keys_and_kinetic_mixing():
    from gm2jax.models.lmutau.kinetic import epsilon_kinetic

    v = dict(tan_beta=27.0, mu=-223.0, M1=781.0, M2=180.0, mL1=170.0, mE1=170.0, mL2=845.0, mE2=845.0,
             mL3=17.8 * 845.0, mE3=17.8 * 845.0, M0=606.0, g_X=8.26e-4, M_Zp=0.027)
    out = get_model("lmutau").predict(v, SM, ("e", "mu", "tau"))
    for k in ("a_e", "a_mu", "a_tau", "a_mu_zprime", "a_e_neutralino", "m_slepton_mu", "m_chargino_1",
              "m_neutralino_1", "ewino_class", "lsp_bprime", "M_Zp", "g_X", "eps_kin", "status"):
        assert k in out
    assert int(out["status"]) == 0 and float(out["a_e_zprime"]) == 0.0
    # leptons-only mixing e g ln(m_tau^2/m_mu^2)/(12 pi^2) plus a small slepton log: stau/smuon = 17.8
    lep_only = float(epsilon_kinetic(8.26e-4, SM.m_mu, SM.m_tau))
    assert float(out["eps_kin"]) > lep_only
    # scalar/fermion = [2 ln(17.8^2)/48]/[ln(m_tau^2/m_mu^2)/12] (chiral masses = soft masses up to
    # D-terms and m_l^2, < 0.3% of m^2 here)
    expected = 1.0 + np.log(17.8) / (2.0 * np.log(SM.m_tau / SM.m_mu))
    assert float(out["eps_kin"]) / lep_only == pytest.approx(expected, rel=2e-3, abs=0)


def _check_fit(res, lhc_smuon=True):
    """Both anomalies, LEP and Z' limits, and seed Table 2.  ``lhc_smuon=False``: the config has no LHC
    slepton limit, so Table 2's smuon > 605 GeV and g_X >= 3.76e-4 (which follow from it) are not asserted."""
    cfg = res.config
    parts = res.chi2_parts
    chi2_gm2 = parts["a_e"] + parts["a_mu"]
    pred = res.predictions
    print(f"\n{cfg.name}: chi2 = {res.chi2:.3f}, g-2 part {chi2_gm2:.3f}")
    print("  best fit:", {k: float(v) for k, v in zip(res.names, res.x)})
    print("  a_e = %.3e, a_mu = %.3e (Z' %.3e)" % (pred["a_e"], pred["a_mu"], pred["a_mu_zprime"]))
    print("  m_selectron = %.1f, m_smuon = %.1f, m_chi1+ = %.1f, m_chi1^0 = %.1f GeV" % (
        pred["m_slepton_e"], pred["m_slepton_mu"], pred["m_chargino_1"], pred["m_neutralino_1"]))
    print("  limit terms:", {k: round(float(parts[k]), 4) for k in parts if k not in ("a_e", "a_mu")})
    assert chi2_gm2 < 1.0
    assert pred["m_slepton_e"] > 100.0 and pred["m_slepton_mu"] > 100.0 and pred["m_chargino_1"] > 100.0
    assert parts["lep_sleptons"] < 0.1 and parts["lep_charginos"] < 0.1
    from gm2jax.models.lmutau.limits import CURVES, quantile

    for name in ZPRIME:
        # every Z' limit: the point lies below the curve (chi2 < the curve's quantile)
        assert parts[name] < quantile(CURVES[name].cl), name
    # Seed 002 Table 2, the ranges of the points explaining both anomalies, at half a unit of the last
    # printed digit: chi1^0 < 400, selectron < 385, smuon > 605 GeV (the seed: the smuon must be heavy to
    # suppress the negative SUSY part of a_mu), M_Z' 10 - 210 MeV, g_X (3.76 - 10) x 1e-4
    assert pred["m_neutralino_1"] < 400.5 and pred["m_slepton_e"] < 385.5
    assert 9.5e-3 < pred["M_Zp"] < 0.215
    if lhc_smuon:
        assert pred["m_slepton_mu"] > 604.5 and 3.755e-4 < pred["g_X"] < 10.5e-4
    else:
        assert pred["g_X"] < 10.5e-4


def test_short_fit_explains_both_anomalies():
    """fits/lmutau_bp.toml, 4 starts x 300 steps: Delta a_e and Delta a_mu within 1 sigma, limits ok."""
    res = run_fit(FITS / "lmutau_bp.toml", hessian=False, profiles=False, starts=4, steps=300)
    _check_fit(res)


@pytest.mark.slow
def test_scan_config_fit(tmp_path):
    """fits/lmutau_scan.toml (full seed ranges), 16 starts x 800 steps, without and with the seed's smuon bound.

    Not reproduced at the full ranges: Table 2's smuon > 605 GeV.  The config has no LHC slepton limit (its
    header says so) and its best fit is an MSSM-only solution (measured: m_smuon = 110 GeV with a heavy L and a
    light R smuon, arXiv:1908.03607's mechanism; g_X = 2.4e-4, a_mu^Z' = 1.25e-10, 4.5 % of Delta a_mu).
    The cause, demonstrated: with the LHC bound imposed as the seed states it (smuon soft masses >= 605 GeV)
    the best fit needs the Z' and lands inside every Table 2 range, g_X >= 3.76e-4 included.
    """
    res = run_fit(FITS / "lmutau_scan.toml", hessian=False, profiles=False, starts=16, steps=800)
    _check_fit(res, lhc_smuon=False)
    pred = res.predictions
    # the documented difference: a smuon below Table 2's bound, a_mu carried by the MSSM, not the Z'
    assert pred["m_slepton_mu"] < 604.5 and pred["a_mu_zprime"] < 0.5 * res.config.dataset["a_mu"].value
    text = (FITS / "lmutau_scan.toml").read_text()
    for name in ("mL2", "mE2"):
        text, n = re.subn(rf"(\[parameters\.{name}\][^\n]*\nrange = )\[100\.0, 1000\.0\]", r"\g<1>[605.0, 1000.0]", text)
        assert n == 1, name
    (tmp_path / "lmutau_scan_heavy_smuon.toml").write_text(text)
    heavy = run_fit(tmp_path / "lmutau_scan_heavy_smuon.toml", hessian=False, profiles=False, starts=16, steps=800)
    _check_fit(heavy)  # Table 2 in full: smuon > 605 GeV, g_X (3.76 - 10) x 1e-4, ...
