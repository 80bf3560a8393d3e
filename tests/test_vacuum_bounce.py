"""Tree-level bounce of the slepton-Higgs potential (tests/tools/bounce.py) and the vacuum fits.

Validation of the bounce solvers (1-D shooting vs multi-field Newton, thin-wall limit, virial
identity, grid convergence), of the potential (EW vacuum, slepton mass matrix = spectrum.py), and
a comparison of the critical trilinear with ``vacuum.vacuum_bound`` at grid points.  Numbers from
``benchmarks/vacuum_bounce_vs_fit.py`` (results in ``benchmarks/results/vacuum_bounce.jsonl``).
"""

import math

import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.models.mssm.vacuum import vacuum_bound
from gm2jax.sm import SMInputs, couplings
from tools import bounce as bn

SM = SMInputs.from_convention("pdg")


def _quartic(lam):
    """V = phi^2/2 - phi^3/2 + lam phi^4/4 (FV at 0; TV deeper for lam < 1/2)."""

    def v(p):
        return 0.5 * p**2 - 0.5 * p**3 + 0.25 * lam * p**4

    def dv(p):
        return p - 1.5 * p**2 + lam * p**3

    tv = max(np.roots([lam, -1.5, 1.0, 0.0]).real)
    return v, dv, tv


@pytest.mark.parametrize("lam", [0.3, 0.45])
def test_shooting_vs_newton_1d(lam):
    """Independent 1-D solvers (shooting; Newton on a grid) agree to 2e-4 (S = 395, 7140)."""
    v, dv, tv = _quartic(lam)
    s_shoot = bn.bounce_1d_shooting(v, dv, 0.0, tv)
    res = bn.bounce_action_path(lambda p: v(p[..., 0]), lambda p: dv(p), [0.0], [tv], n=2000)
    assert res.converged
    assert abs(res.action / s_shoot - 1) < 2e-4
    assert abs(res.kinetic / (-2 * res.potential) - 1) < 1e-4  # virial (Derrick) identity in d = 4


def test_thin_wall_limit():
    """Coleman's thin-wall S = 27 pi^2 sigma^4/(2 eps^3) (Phys. Rev. D 15 (1977) 2929, eq. 4.19).

    V = lam/8 (phi^2 - a^2)^2 + eps/(2a) (phi - a), sigma = int sqrt(2 V0) = 2 sqrt(lam) a^3/3.
    The relative deviation must shrink as eps -> 0 (it is O(eps/(lam a^4))): measured -24 %,
    -6.1 %, -3.0 % at eps = 0.2, 0.1, 0.07."""
    lam, a = 1.0, 1.0
    sigma = 2.0 * math.sqrt(lam) * a**3 / 3.0
    devs = []
    for eps in (0.2, 0.1):

        def v(p, eps=eps):
            return lam / 8 * (p**2 - a**2) ** 2 + eps / (2 * a) * (p - a)

        def dv(p, eps=eps):
            return lam / 2 * p * (p**2 - a**2) + eps / (2 * a)

        roots = np.sort(np.roots([lam / 2, 0.0, -lam / 2 * a**2, eps / (2 * a)]).real)
        fv, tv = roots[-1], roots[0]
        s_num = bn.bounce_1d_shooting(v, dv, fv, tv)
        s_tw = 27 * math.pi**2 * sigma**4 / (2 * eps**3)
        devs.append(abs(s_num / s_tw - 1))
    assert devs[1] < devs[0] < 0.30
    assert devs[1] < 0.08


def _pot(T, lepton="mu", tb=50.0, m_L=500.0, m_R=700.0):
    return bn.potential_from_sm(m_L, m_R, T, float(SM.lepton_mass(lepton)), tb, sm=SM)


def test_ew_vacuum_and_slepton_matrix():
    """(v, 0, 0) is stationary; its Hessian is diag(m_h^2, slepton mass matrix of spectrum.py)."""
    tb, mu = 50.0, 2000.0
    m_l = float(SM.m_mu)
    T = m_l * mu * tb
    pot = _pot(T, tb=tb)
    fv = pot.false_vacuum
    g = pot.gradient(fv)
    assert np.max(np.abs(g)) < 1e-9 * pot.v**3
    hess = pot.hessian_fd(fv)
    assert hess[0, 0] == pytest.approx(bn.M_HIGGS_GEV**2, rel=1e-7)
    assert np.max(np.abs(hess[0, 1:])) < 1e-6 * bn.M_HIGGS_GEV**2
    p = MSSMParams(tb, mu, 500.0, 1000.0, msl=[500.0] * 3, mse=[700.0] * 3)
    m_sp = np.asarray(sp.slepton_matrix(p, couplings(SM), "mu", jnp.asarray(m_l)))
    # the potential's sign convention for the L-R entry is -T (mu > 0, A = 0): same as spectrum.py
    np.testing.assert_allclose(hess[1:, 1:], m_sp, rtol=1e-7, atol=1e-6 * abs(T))
    np.testing.assert_allclose(pot.ew_slepton_matrix(), m_sp, rtol=1e-12)


def test_gradient_matches_finite_differences():
    pot = _pot(1.2e5, lepton="tau", tb=40.0)
    rng = np.random.default_rng(3)
    for _ in range(3):
        phi = rng.normal(size=3) * 2000.0
        num = np.array(
            [(pot(phi + e) - pot(phi - e)) / 2e-3 for e in np.eye(3) * 1e-3]
        )
        atol = 1e-6 * np.max(np.abs(num))
        np.testing.assert_allclose(pot.gradient(phi), num, rtol=1e-6, atol=atol)


def test_multifield_bounce_converged_and_below_straight_line():
    """Stau, m_L = m_R = 1 TeV, T = 2.85e5 GeV^2: virial <= 1e-4, n = 1000 vs 2000 <= 2e-4,
    the relaxed path lowers S below the straight-line upper bound (335 vs 442)."""
    pot = bn.potential_from_sm(1000.0, 1000.0, 2.85e5, float(SM.m_tau), 40.0, sm=SM)
    cb = pot.charge_breaking_minimum()
    assert cb is not None and cb[1] < 0
    r1 = bn.bounce_action_path(pot, pot.gradient, pot.false_vacuum, cb[0], n=1000)
    r2 = bn.bounce_action_path(pot, pot.gradient, pot.false_vacuum, cb[0], n=2000)
    assert r1.converged and r2.converged
    assert abs(r1.kinetic / (-2 * r1.potential) - 1) < 2e-4
    assert abs(r1.action / r2.action - 1) < 2e-4
    assert r1.action < r1.action_line
    assert 300 < r1.action < 370  # documents the value (334.97 at n = 2000)


def test_no_cb_minimum_for_small_trilinear():
    pot = _pot(1e3)
    assert pot.charge_breaking_minimum() is None


def test_critical_action_value():
    """S_crit = 4 ln(100 GeV/H_0) with H_0 = 67.4 km/s/Mpc: 403.8 (lifetime = Hubble time)."""
    assert bn.hubble_gev() == pytest.approx(1.437e-42, rel=1e-3)
    assert bn.critical_action() == pytest.approx(403.8, abs=0.05)


# Measured T_crit(bounce)/B(fit) (benchmarks/results/vacuum_bounce.jsonl, S_crit = 403.8):
# the tree-level bounce lies 5-12 % below the recalled EHKY fit for m_L = m_R (see the report in
# the test below); tolerance: the bounce must agree with the fit within 20 %.
@pytest.mark.parametrize(
    "lepton,tb,m_L,m_R,fit",
    [("mu", 50.0, 500.0, 500.0, "ehky2013")],
)
def test_critical_trilinear_vs_fit(lepton, tb, m_L, m_R, fit):
    m_l = float(SM.lepton_mass(lepton))
    b = float(vacuum_bound(m_L, m_R, fit, m_lepton=m_l))
    out = bn.critical_trilinear(m_L, m_R, m_l, tb, T_guess=b, sm=SM, n=1000)
    ratio = out["T_crit"] / b
    print(f"{lepton} mL={m_L} mR={m_R}: T_crit={out['T_crit']:.4e} fit={b:.4e} ratio={ratio:.3f}")
    assert abs(out["S_at"] / bn.critical_action() - 1) < 0.01
    assert 0.80 < ratio < 1.0  # measured 0.915: fit slightly above the tree-level bounce


@pytest.mark.slow
@pytest.mark.parametrize(
    "lepton,tb,m_L,m_R,fit,lo,hi",
    [
        # measured ratios (benchmarks/results/vacuum_bounce.jsonl): 0.956, 0.920, 0.926
        ("tau", 40.0, 1000.0, 1000.0, "ehky2013", 0.85, 1.05),
        ("tau", 40.0, 1000.0, 1000.0, "ky2013", 0.80, 1.02),
        ("mu", 50.0, 1000.0, 2500.0, "ehky2013", 0.85, 1.02),
        # documented deviation: the recalled ky2013 (m_L - m_R)^2 term (4.52e-2 GeV^-1) makes the
        # fit 35 % too permissive at m_R/m_L = 2.5 (bounce/fit = 0.742); see the report
        ("tau", 40.0, 1000.0, 2500.0, "ky2013", 0.70, 0.78),
    ],
)
def test_critical_trilinear_vs_fit_slow(lepton, tb, m_L, m_R, fit, lo, hi):
    m_l = float(SM.lepton_mass(lepton))
    b = float(vacuum_bound(m_L, m_R, fit, m_lepton=m_l))
    out = bn.critical_trilinear(m_L, m_R, m_l, tb, T_guess=b, sm=SM, n=1000)
    ratio = out["T_crit"] / b
    print(f"{lepton} {fit} mL={m_L} mR={m_R}: ratio={ratio:.3f}")
    assert lo < ratio < hi
