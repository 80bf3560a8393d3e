"""gm2jax.models.flavon.general: the general FN mechanism of arXiv:2003.06633 (seed 004) section 2
and the section-4 conclusions drawn from its Figs. 3-4.

Seed statements checked (tolerance 4%: the seed reads its maxima off the figures):
* Fig. 3 / section 4: (g-2)_mu at 2 sigma allows M_chi up to 5.7 TeV (c_mu = 10); (g-2)_e up to
  2.5 TeV (c_e = 10); both at 2 sigma: M_chi ~ 2.5 TeV at x_phi ~ 0.6.  Measured: 5.55 TeV,
  2.42 TeV, both at x* = 0.567 (maximum of I_Delta_a/I_m); overlap [0.99, 2.42] TeV there.
* Section 4 "c_e = 10 and c_mu in [2.2, 6.9]" at that point: measured [1.90, 5.99] (13% lower);
  "M_chi = 1 TeV, x = 1, central values: c_mu = 1.1, c_e = 7.7": measured 0.73 and 10.1.  Both
  are off by data-fixed ratios: c_e/c_mu = (Delta a_e/Delta a_mu)(m_mu/m_e)^2 = 13.9 whatever the
  loop functions, while the seed's pair has 7.0 -- the seed's printed c values are not
  reproducible from eq. (2.9) with eqs. (1.1)-(1.2) (documented, asserted at the measured size).
* Fig. 4: v_1 < v_a everywhere; eqs. (4.2)-(4.3) flavon couplings 2e-4 and 4e-2.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.errors import InvalidInput, Status
from gm2jax.loops import I_Delta_a, I_m
from gm2jax.measurements import load_dataset
from gm2jax.models.flavon import general as G
from gm2jax.sm import SMInputs, couplings

SM = SMInputs.from_convention("pdg")
DS = load_dataset("flavor2020")
REL_FD = 1e-7


def _fd(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_loop_ratio_values_and_maximum():
    assert float(G.loop_ratio(1.0)) == pytest.approx((1 / 12) / (1 / 2), rel=1e-12)
    x_star, r_star = G.loop_ratio_max()
    print(f"max I_Da/I_m = {r_star:.6f} at x = {x_star:.5f}")
    assert x_star == pytest.approx(0.5669, abs=2e-4) and r_star == pytest.approx(0.179268, rel=1e-5)
    assert abs(float(jax.grad(G.loop_ratio)(x_star))) < 1e-12
    assert float(G.loop_ratio(x_star + 0.05)) < r_star and float(G.loop_ratio(x_star - 0.05)) < r_star


@pytest.mark.parametrize("n, eps", [(2, 1.0), (3, 0.3), (5, 0.2)])
def test_eq_2_9_ratio_is_independent_of_couplings(n, eps):
    g, va, m_chi, lam, x = 0.8, 300.0, 1500.0, 2.0, 0.7
    for lep in ("e", "mu"):
        ratio = G.delta_a(g, va, m_chi, lam, x, lep, n, eps, SM) / G.m_rad(g, va, m_chi, lam, x, n, eps, SM)
        assert float(ratio) == pytest.approx(float(G.delta_a_over_m_rad(m_chi, x, lep, SM)), rel=1e-13)
    # eq. (2.3)-(2.4): they differ by lambda I_m/(16 pi^2) and v1 -> va
    fn = G.m_fn(g, va, m_chi, n, eps, SM)
    rad = G.m_rad(g, va, m_chi, lam, x, n, eps, SM)
    assert float(rad / fn) == pytest.approx(lam * float(I_m(x)) / (16 * math.pi**2), rel=1e-13)
    vh = float(couplings(SM).v)
    assert float(G.m_fn(g, 50.0, 1000.0, 2, 1.0, SM)) == pytest.approx(g**3 * vh / math.sqrt(2) * 0.05**2, rel=1e-13)


@pytest.mark.parametrize("lepton", ["e", "mu"])
@pytest.mark.parametrize("x, c, lam", [(0.6, 10.0, 1.0), (1.0, 3.0, math.pi), (1.7, 1.5, 0.6)])
def test_full_point_reproduces_mass_and_anomaly(lepton, x, c, lam):
    """Build (g, v1, va, M_chi) from (x, c, lambda, Delta a) via eqs. (2.9)-(2.10) and check that
    eqs. (2.3), (2.4), (2.6) give back m_l^exp, c_l and Delta a_l with the physical sign."""
    da = DS[f"a_{lepton}"].value
    m_exp = SM.lepton_mass(lepton)
    if lepton == "mu" and c <= 1.0:
        pytest.skip("muon needs c > 1")
    m_chi = float(G.m_chi_from_delta_a(da, c, x, lepton, SM))
    r = float(G.v1_over_va(c, lam, x, lepton))
    va, n, eps = 400.0, 2, 1.0
    v1 = r * va
    # g from |m_RAD| = c m_exp (eq. (2.8))
    unit = abs(float(G.m_rad(1.0, va, m_chi, lam, x, n, eps, SM)))
    g = (c * m_exp / unit) ** (1.0 / (n + 1))
    m = float(G.lepton_mass(g, v1, va, m_chi, lam, x, n, eps, SM))
    assert abs(m) == pytest.approx(m_exp, rel=1e-10)
    # muon: radiative dominated -> m < 0 before rephasing; electron: FN dominated -> m > 0
    assert (m < 0) == (lepton == "mu")
    assert float(G.c_factor(G.m_rad(g, va, m_chi, lam, x, n, eps, SM), m_exp)) == pytest.approx(c, rel=1e-12)
    dphys = float(G.delta_a_physical(g, v1, va, m_chi, lam, x, lepton, n, eps, SM))
    assert dphys == pytest.approx(da, rel=1e-10)  # sign included: Delta a_mu > 0, Delta a_e < 0
    assert float(G.c_from_delta_a(da, m_chi, x, lepton, SM)) == pytest.approx(c, rel=1e-12)
    fn = float(G.m_fn(g, v1, m_chi, n, eps, SM))
    rad = float(G.m_rad(g, va, m_chi, lam, x, n, eps, SM))
    assert abs(lam * fn / rad) == pytest.approx(lam * float(G.fn_over_rad(c, lepton)), rel=1e-12)  # eq. (2.10)


@pytest.mark.parametrize("x", [1.0, 0.6, 1.0 + 1e-9, 2.5])
def test_gradients_vs_central_differences(x):
    """Including the equal-mass point x = 1 (removable singularities of I_m, I_Delta_a)."""
    cases = {
        "m_rad": lambda t: G.m_rad(0.9, 300.0, 1200.0, 1.5, t, 2, 1.0, SM),
        "delta_a": lambda t: G.delta_a(0.9, 300.0, 1200.0, 1.5, t, "mu", 2, 1.0, SM),
        "m_chi": lambda t: G.m_chi_from_delta_a(2.7e-9, 4.0, t, "mu", SM),
        "v1_over_va_e": lambda t: G.v1_over_va(4.0, 1.5, t, "e"),
        "c": lambda t: G.c_from_delta_a(-8.8e-13, 1500.0, t, "e", SM),
    }
    h = 1e-5
    for name, f in cases.items():
        g = float(jax.grad(f)(x))
        fd = float(_fd(f, x, h))
        assert np.isfinite(g), name
        assert g == pytest.approx(fd, rel=REL_FD), name
    # gradients in the other parameters
    f = lambda p: G.delta_a_physical(p[0], p[1], p[2], p[3], p[4], x, "e", 3, p[5], SM)  # noqa: E731
    p = jnp.asarray([0.7, 40.0, 260.0, 1600.0, 2.5, 0.4])
    gr = jax.grad(f)(p)
    for i in range(6):
        e = jnp.zeros(6).at[i].set(1e-6 * p[i])
        assert float(gr[i]) == pytest.approx(float((f(p + e) - f(p - e)) / (2e-6 * p[i])), rel=1e-6)


def test_x_equal_one_values():
    # I_m(1) = -1/2, I_Delta_a(1) = -1/12 -> M_chi^2 = 2 c m^2 (1/6)/|Delta a|
    m = float(G.m_chi_from_delta_a(2.7e-9, 1.0, 1.0, "mu", SM))
    assert m == pytest.approx(math.sqrt(2 * SM.m_mu**2 / 6 / 2.7e-9), rel=1e-12)
    assert float(I_Delta_a(1.0)) == pytest.approx(-1 / 12, rel=1e-13)


def test_figs_3_4_envelope_and_section_4_conclusion():
    """The paper's conclusion: both anomalies at 2 sigma need M_chi up to ~2.5 TeV at x_phi ~ 0.6."""
    r = G.combined_reach(dataset="flavor2020")
    print(
        f"x* = {r['x_phi']:.3f}: M_chi max e = {r['m_chi_max_e']:.0f} GeV (seed 2500), mu = {r['m_chi_max_mu']:.0f} GeV "
        f"(seed 5700), both: [{r['m_chi_min']:.0f}, {r['m_chi_max']:.0f}] GeV; c_mu in {r['c_mu_range']} (seed [2.2, 6.9])"
    )
    assert r["limited_by"] == "e"
    assert r["m_chi_max"] == pytest.approx(2500.0, rel=0.04)
    assert r["m_chi_max_mu"] == pytest.approx(5700.0, rel=0.04)
    assert 0.5 < r["x_phi"] < 0.65  # "x_phi ~ 0.6"
    assert r["m_chi_min"] < r["m_chi_max"]  # the electron and muon bands overlap
    # the seed's overlap "M_chi in [0.6, 2.5] TeV" (section 2): the lower edge is the muon's
    # (c_mu = 1, Delta a_mu + 2 sigma), 0.99 TeV at x*, falling as sqrt(I_Da/I_m) away from it:
    # 0.72 TeV at x = 0.05 (edge of our scan range), 0.6 TeV only at x = 0.014 or x = 4.2 (the
    # seed's x axis range is not printed, so its 0.6 TeV is not pinned down; documented)
    lo = {x: float(G.m_chi_envelope(x, "mu")[0]) for x in (0.014116, 0.05, r["x_phi"], 4.2029)}
    assert lo[r["x_phi"]] == pytest.approx(988.0, abs=1.0) and lo[0.05] == pytest.approx(721.5, abs=1.0)
    assert lo[0.014116] == pytest.approx(600.0, abs=0.5) and lo[4.2029] == pytest.approx(600.0, abs=0.5)
    assert all(float(G.m_chi_envelope(x, "e")[0]) < v for x, v in lo.items())  # the muon edge is the binding one
    # c values at (x*, M_chi max): documented discrepancy with the seed (13% low), fixed by the data
    c_lo, c_hi = r["c_mu_range"]
    assert r["c_e"] == pytest.approx(10.0)
    assert c_lo == pytest.approx(1.90, abs=0.01) and c_hi == pytest.approx(5.99, abs=0.01)
    assert c_lo / 2.2 == pytest.approx(0.864, abs=0.01) and c_hi / 6.9 == pytest.approx(0.869, abs=0.01)
    # M_chi = 1 TeV, x = 1, central values: seed c_mu = 1.1, c_e = 7.7
    c_mu = float(G.c_from_delta_a(DS["a_mu"].value, 1000.0, 1.0, "mu", SM))
    c_e = float(G.c_from_delta_a(DS["a_e"].value, 1000.0, 1.0, "e", SM))
    print(f"M_chi = 1 TeV, x = 1: c_mu = {c_mu:.2f} (seed 1.1), c_e = {c_e:.2f} (seed 7.7)")
    assert c_mu == pytest.approx(0.726, abs=0.005) and c_e == pytest.approx(10.11, abs=0.02)
    data_ratio = (DS["a_e"].value / DS["a_mu"].value) * (SM.m_mu / SM.m_e) ** 2
    assert abs(c_e / c_mu) == pytest.approx(abs(data_ratio), rel=1e-12) and abs(data_ratio) == pytest.approx(13.94, abs=0.01)
    assert 7.7 / 1.1 == pytest.approx(7.0)


def test_scan_fills_the_envelope():
    for lep in ("mu", "e"):
        s = G.mechanism_scan(lep, 512, seed=1)
        ok = s["status"] == 0
        assert ok.all()  # the flavor2020 2 sigma bands have the mechanism's sign
        lo, hi = (np.asarray(v) for v in G.m_chi_envelope(s["x_phi"], lep))
        assert np.all(s["m_chi"] <= hi * (1 + 1e-12)) and np.all(s["m_chi"] >= lo * (1 - 1e-12))
        # Fig. 4: v1 < va always (section 2); the caption's FN/RAD window is a subset
        assert np.nanmax(s["v1_over_va"]) < 1.0
        w_lo, w_hi = G.FIG4_FN_OVER_RAD[lep]
        assert np.all((s["fn_over_rad"][s["fig4"]] > w_lo) & (s["fn_over_rad"][s["fig4"]] < w_hi))
        assert 0 < s["fig4"].sum() < len(ok)
    # the largest M_chi of the electron scan approaches 2.42 TeV near x = 0.57
    s = G.mechanism_scan("e", 4096, seed=2)
    i = int(np.nanargmax(s["m_chi"]))
    print(f"electron scan: max M_chi = {s['m_chi'][i]:.0f} GeV at x = {s['x_phi'][i]:.2f}, c = {s['c'][i]:.2f}")
    assert 2200.0 < s["m_chi"][i] <= 2419.0 and 0.4 < s["x_phi"][i] < 0.8


def test_wrong_sign_points_flagged_in_scan():
    # a dataset whose 2 sigma band crosses zero: wrong-sign points get INVALID_PARAMETER and NaN
    s = G.mechanism_scan("mu", 256, dataset="wp25_2025")
    bad = s["status"] != 0
    assert bad.any() and (~bad).any()
    assert np.all(s["status"][bad] == int(Status.INVALID_PARAMETER)) and np.all(np.isnan(s["m_chi"][bad]))
    assert np.all(s["delta_a"][bad] <= 0)
    with pytest.raises(InvalidInput, match="unbounded"):
        G.m_chi_envelope(0.6, "mu", dataset="wp25_2025")


def test_flavon_couplings_eqs_4_2_4_3():
    ye = float(G.y_phi_from_c(10.0, 50.0, "e", 2, SM))
    ym = float(G.y_phi_from_c(10.0, 50.0, "mu", 2, SM))
    print(f"y_phi_e = {ye:.3e} (seed 2e-4), y_phi_mu = {ym:.3e} (seed 4e-2)")
    assert ye == pytest.approx(2e-4, rel=0.03) and ym == pytest.approx(4e-2, rel=0.06)
    # exact m^FN = (c -+ 1) m: electron +10%, muon -10%
    assert float(G.y_phi_from_c(10.0, 50.0, "e", 2, SM, approximate=False)) / ye == pytest.approx(1.1)
    assert float(G.y_phi_from_c(10.0, 50.0, "mu", 2, SM, approximate=False)) / ym == pytest.approx(0.9)
    assert float(G.y_phi(1e-3, 40.0, 3)) == pytest.approx(3 * 1e-3 / 40.0)


def test_bad_inputs_raise_naming_the_parameter():
    with pytest.raises(InvalidInput, match="m_chi"):
        G.m_fn(1.0, 50.0, -1.0)
    with pytest.raises(InvalidInput, match="x_phi"):
        G.m_rad(1.0, 50.0, 1000.0, 1.0, -0.5)
    with pytest.raises(InvalidInput, match="c"):
        G.v1_over_va(0.5, 1.0, 0.6, "mu")
    with pytest.raises(InvalidInput, match="rad_dominated"):
        G.v1_over_va(2.0, 1.0, 0.6, "tau")
    assert float(G.v1_over_va(2.0, 1.0, 0.6, "tau", rad_dominated=True)) == pytest.approx(float(G.v1_over_va(2.0, 1.0, 0.6, "mu")))
    with pytest.raises(InvalidInput, match="n="):
        G.m_fn(1.0, 50.0, 1000.0, n=1)
    with pytest.raises(InvalidInput, match="delta_a_l"):
        G.m_chi_from_delta_a(0.0, 2.0, 0.6)


def test_float32_rejected():
    from gm2jax.errors import PrecisionError

    with pytest.raises(PrecisionError, match="m_chi"):
        G.m_fn(1.0, 50.0, np.float32(1000.0))
