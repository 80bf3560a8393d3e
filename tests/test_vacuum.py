"""Vacuum stability of the slepton-Higgs potential (gm2jax.models.mssm.vacuum).

The fit coefficients are unverified against the papers (see the module docstring); these tests
pin (i) the shape and the exact algebraic properties of the margin, (ii) its status flags and
gradients, and (iii) the numbers seed 001 (arXiv:1906.08768) quotes for its Fig. 2 pink band:
smuons stable above 4.2 TeV at mu = -100 TeV and in 0.6-1 TeV at mu = -500 TeV (m_L = m_R,
M1 = 1.5 TeV, M2 = 500 GeV, tan(beta) = 70).  With eta = 1 we find 4.07 TeV and 0.40-1.49 TeV;
with the normalisation our own tree-level bounce gives the fit (eta_b = 0.91, computed in the
test) the edges move towards the quoted ones, which lie between the two (test_seed_fig2_pink_band_edges).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.errors import InvalidInput, Status
from gm2jax.models.mssm import MSSMParams
from gm2jax.models.mssm.vacuum import (
    FITS,
    effective_trilinear,
    vacuum_bound,
    vacuum_stability,
    vacuum_stability_margin,
)
from gm2jax.sm import SMInputs

SM = SMInputs.from_convention("pdg")
# test-only: cheaper XLA compilation (2 shared cores); numerics unchanged to rounding
FAST = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}
GRID = np.geomspace(200.0, 10000.0, 801)


def _params(x):
    """x = (tan_beta, mu, M1, M2, m_L, m_R): the same soft masses in every generation."""
    return MSSMParams(x[0], x[1], x[2], x[3], jnp.full(3, x[4]), jnp.full(3, x[5]))


VARIANTS = {  # name: (lepton, fit, resummation)
    "mu": ("mu", "ehky2013", "exact"),
    "mu_nores": ("mu", "ehky2013", None),
    "e": ("e", "ehky2013", "exact"),
    "tau": ("tau", "ehky2013", "exact"),
    "tau_ky": ("tau", "ky2013", "exact"),
}
BATCH = len(GRID)  # every scan is padded to this size: one compilation serves every test


@functools.cache
def _compiled():
    def one(x, eta):
        out = {}
        for name, (lepton, fit, resummation) in VARIANTS.items():
            r = vacuum_stability(_params(x), SM, lepton, resummation=resummation, eta=eta, fit=fit)
            out[name] = (r.margin, r.status, r.bound, r.trilinear, r.delta)
        return out

    return jax.jit(jax.vmap(one, in_axes=(0, None))).lower(np.zeros((BATCH, 6)), 1.0).compile(FAST)


def _scan(variant="mu"):
    """rows (n <= BATCH, 6), eta -> (margin, status, bound, trilinear, delta) of ``variant``."""

    def run(rows, eta):
        rows = np.asarray(rows, dtype=float)
        n = len(rows)
        padded = np.concatenate([rows, np.repeat(rows[-1:], BATCH - n, axis=0)])
        res = _compiled()(padded, eta)[variant]
        return tuple(np.asarray(a)[:n] for a in res)

    return run


@functools.cache
def _grad(lepton="mu"):
    def vg(x):
        return jax.value_and_grad(lambda x: vacuum_stability(_params(x), SM, lepton).margin)(x)

    return jax.jit(vg).lower(np.zeros(6)).compile(FAST)


def _fig2_rows(mu, masses=GRID):
    x = np.zeros((len(masses), 6))
    x[:] = (70.0, mu, 1500.0, 500.0, 0.0, 0.0)
    x[:, 4] = x[:, 5] = masses
    return x


def _edges(margin, masses=GRID):
    """Masses where the margin changes sign (linear interpolation), with the direction."""
    y = np.asarray(margin)
    idx = np.nonzero(np.diff(np.sign(y)))[0]
    return [
        (masses[i] - y[i] * (masses[i + 1] - masses[i]) / (y[i + 1] - y[i]), y[i + 1] > 0)
        for i in idx
    ]


# ------------------------------------------------------------------------------------------
# seed 001, Fig. 2 and Table 1
# ------------------------------------------------------------------------------------------


@functools.cache
def _eta_bounce():
    """T_crit(bounce)/B(fit) at m_L = m_R = 1 TeV, tan(beta) = 70, tree-level potential (m_h = MZ |cos 2 beta|).

    Seed 001 footnote 6: its formula fits CosmoTransitions "at the tree level", so the tree-level
    MSSM Higgs quartic is the consistent one; with the physical m_h = 125 GeV the bounce gives 0.91
    (benchmarks/results/vacuum_bounce.jsonl), with the tree-level quartic 0.859 (this function).
    """
    from gm2jax.models.mssm.vacuum import vacuum_bound
    from tools import bounce as bn

    tb = 70.0
    m_h = SM.MZ * (tb**2 - 1.0) / (tb**2 + 1.0)
    b = float(vacuum_bound(1000.0, 1000.0))
    r = bn.critical_trilinear(1000.0, 1000.0, SM.m_mu, tb, sm=SM, m_h=m_h, rel_tol=1e-2, n=400, T_guess=0.86 * b)
    return r["T_crit"] / b


def test_seed_fig2_pink_band_edges():
    """Seed 001 Fig. 2 pink band: m_smu > 4.2 TeV (mu = -100 TeV), 0.6 - 1 TeV (mu = -500 TeV).

    The fit (1) of the module is normalised to CosmoTransitions at tree level (seed 001 footnote
    6); our independent tree-level bounce (tests/tools/bounce.py) with the tree-level Higgs
    quartic puts the critical trilinear at eta_b = T_crit/B = 0.86 of it (computed here at 1 TeV,
    tan(beta) = 70; 0.91 with m_h = 125 GeV).  So the normalisation eta is known to lie in
    [eta_b, 1], and each quoted edge must lie between our edges at eta = 1 and eta = eta_b, widened
    by half a unit of the printed digit (0.05 TeV): 4.2 TeV between 4.07 and 4.38 TeV; the window
    0.6 - 1 TeV inside ours at eta = 1 (0.40 - 1.49 TeV) and ours closes before eta_b.  Not
    reproduced: no single eta gives all three quoted edges to 0.05 TeV (best: eta = 0.90, largest
    miss 81 GeV; printed); the fit coefficients are recalled, not checked (module docstring).
    """
    f = _scan()
    eta_b = _eta_bounce()
    assert 0.8 < eta_b < 0.95  # the bounce is below the fit
    half = 50.0

    def edges(eta):
        out = []
        for mu in (-1e5, -5e5):
            margin, status, *_ = f(_fig2_rows(mu), eta)
            assert np.all(np.asarray(status) == 0)
            out.append(_edges(margin))
        return out

    def matches(e):
        (e100, e500) = e
        if len(e100) != 1 or len(e500) != 2:
            return False
        (lo4, up4), ((lo, up), (hi, down)) = e100[0], e500
        return up4 and up and not down and all(
            abs(x - q) <= half for x, q in ((lo4, 4200.0), (lo, 600.0), (hi, 1000.0)))

    at_one, at_b = edges(1.0), edges(eta_b)
    print(f"\neta = 1: {at_one};  eta_b = {eta_b:.4f}: {at_b}")
    ((lo1, up1),), ((lob, upb),) = at_one[0], at_b[0]
    assert up1 and upb and lo1 - half <= 4200.0 <= lob + half and lob > lo1
    (lo1, up1), (hi1, down1) = at_one[1]
    assert up1 and not down1 and lo1 - half <= 600.0 and 1000.0 <= hi1 + half
    assert len(at_b[1]) == 0  # the window closes inside [eta_b, 1]: it can be as narrow as the quoted one
    assert not matches(at_one)
    best = min((max(abs(a[0][0][0] - 4200.0), abs(a[1][0][0] - 600.0), abs(a[1][1][0] - 1000.0)), eta)
               for eta in np.arange(1.0, eta_b, -0.01) if len((a := edges(eta))[1]) == 2)
    print(f"best single eta {best[1]:.3f}: largest miss {best[0]:.0f} GeV (quoted precision {half:.0f} GeV)")


def test_table1_points_are_vacuum_stable():
    # seed 001 Table 1: both sample points respect the smuon condition, and the selectrons are safe
    rows = {
        "I": {
            "mu": (70.0, -1e5, 1500.0, 1000.0, 5000.0, 5000.0),
            "e": (70.0, -1e5, 1500.0, 1000.0, 2400.0, 2300.0),
        },
        "II": {
            "mu": (70.0, -5e5, 1500.0, 600.0, 700.0, 700.0),
            "e": (70.0, -5e5, 1500.0, 600.0, 6000.0, 6000.0),
        },
    }
    for point, by_lepton in rows.items():
        for lepton, x in by_lepton.items():
            margin, status, *_ = _scan(lepton)(np.array([x]), 1.0)
            assert status[0] == 0
            assert margin[0] > 0.0, (point, lepton, margin[0])


def test_electron_condition_is_alleviated_by_the_mass_ratio():
    # same soft masses -> same Delta_l, so T_e/T_mu = m_e/m_mu exactly:
    # margin_e - margin_mu = ln(m_mu/m_e)
    rows = _fig2_rows(-1e5, np.geomspace(300.0, 9000.0, 7))
    m_e, *_ = _scan("e")(rows, 1.0)
    m_mu, *_ = _scan("mu")(rows, 1.0)
    assert np.allclose(np.asarray(m_e) - np.asarray(m_mu), np.log(SM.m_mu / SM.m_e), rtol=1e-12)


# ------------------------------------------------------------------------------------------
# shape, limits, monotonicity
# ------------------------------------------------------------------------------------------


def test_margin_is_log_ratio_and_sign_matches_bound():
    rows = _fig2_rows(-3e5, np.geomspace(250.0, 9000.0, 41))
    margin, status, bound, t, _ = (np.asarray(a) for a in _scan()(rows, 1.0))
    assert np.all(status == 0)
    assert np.allclose(
        margin, np.log(bound / np.sqrt(t**2 + (1e-8 * bound) ** 2)), rtol=0, atol=1e-13
    )
    assert np.array_equal(margin > 0, bound > np.abs(t))
    # the bound of the fit with eta = 1
    m = rows[:, 4]
    assert np.allclose(bound, vacuum_bound(m, m), rtol=1e-14)


def test_limits_no_trilinear_and_scaling_in_mu():
    # mu = 0: no trilinear; the margin saturates at ln(1e8) with a finite (zero) gradient
    x = np.array([70.0, 0.0, 1500.0, 500.0, 800.0, 900.0])
    val, grad = _grad()(x)
    assert np.isclose(float(val), np.log(1e8), rtol=1e-12)
    assert np.all(np.isfinite(np.asarray(grad))) and abs(float(grad[1])) < 1e-20
    # without resummation T is linear in mu tan(beta): the margin drops by exactly ln 2 per doubling
    rows = np.array([[50.0, mu, 1500.0, 500.0, 800.0, 900.0] for mu in (-1e4, -2e4, -4e4, 2e4)])
    margin, *_ = _scan("mu_nores")(rows, 1.0)
    margin = np.asarray(margin)
    assert np.allclose(np.diff(margin[:3]), -np.log(2.0), atol=1e-12)
    assert np.isclose(margin[1], margin[3], atol=1e-14)  # even in mu
    # eta rescales the bound: margin(eta) = margin(1) + ln(eta)
    m2, *_ = _scan("mu_nores")(rows, 0.5)
    assert np.allclose(np.asarray(m2) - margin, np.log(0.5), atol=1e-12)


def test_monotonicity():
    f = _scan("mu_nores")
    # decreasing in |mu| and in tan(beta), increasing in the slepton masses (200 GeV - 10 TeV)
    mus = -np.geomspace(1e3, 1e6, 30)
    margin, *_ = f(np.array([[40.0, mu, 1500.0, 500.0, 1000.0, 1000.0] for mu in mus]), 1.0)
    assert np.all(np.diff(np.asarray(margin)) < 0)
    tbs = np.linspace(5.0, 80.0, 30)
    margin, *_ = f(np.array([[tb, -2e4, 1500.0, 500.0, 1000.0, 1000.0] for tb in tbs]), 1.0)
    assert np.all(np.diff(np.asarray(margin)) < 0)
    margin, *_ = f(_fig2_rows(-2e4), 1.0)
    assert np.all(np.diff(np.asarray(margin)) > 0)
    # with resummation the margin is NOT monotonic in m at mu M1 < 0: |1 + Delta_mu| -> 0 closes
    # the window from above (seed 001: "an upper bound is obtained")
    margin, *_ = _scan()(_fig2_rows(-5e5), 1.0)
    assert np.any(np.diff(np.asarray(margin)) < 0) and np.any(np.diff(np.asarray(margin)) > 0)


# ------------------------------------------------------------------------------------------
# gradients and status flags
# ------------------------------------------------------------------------------------------


def test_gradient_matches_finite_differences():
    vg = _grad()
    for x in (
        np.array([70.0, -5e5, 1500.0, 500.0, 800.0, 750.0]),
        np.array([30.0, 2e4, 400.0, 300.0, 350.0, 500.0]),
    ):
        _, grad = vg(x)
        grad = np.asarray(grad)
        for i in range(6):
            h = 1e-4 * abs(x[i])

            def at(k, i=i, h=h, x=x):
                y = x.copy()
                y[i] += k * h
                return float(vg(y)[0])

            fd = (at(-2) - 8 * at(-1) + 8 * at(1) - at(2)) / (12 * h)
            assert abs(fd - grad[i]) <= 1e-6 * max(abs(grad[i]), 1e-12), (x, i, fd, grad[i])


def test_yukawa_pole_is_flagged_with_finite_margin_and_gradient():
    # 1 + Delta_mu = 0 at mu = -100 TeV near m ~ 2.35 TeV: secant iterations on Delta_mu(m)
    f = _scan()
    rows = lambda ms: np.array([[70.0, -1e5, 1500.0, 500.0, m, m] for m in ms])
    m0, m1 = 2300.0, 2400.0
    d0, d1 = 1.0 + f(rows([m0, m1]), 1.0)[4]
    for _ in range(40):
        m0, m1, d0 = m1, m1 - d1 * (m1 - m0) / (d1 - d0), d1
        d1 = 1.0 + f(rows([m1]), 1.0)[4][0]
        if abs(d1) <= 1e-13:
            break
    m = m1
    y = np.array([70.0, -1e5, 1500.0, 500.0, m, m])
    margin, status, _, _, delta = f(y[None], 1.0)
    assert abs(1.0 + delta[0]) <= 1e-12
    assert status[0] & int(Status.YUKAWA_POLE)
    assert np.isfinite(margin[0]) and margin[0] < -10.0
    val, grad = _grad()(y)
    assert np.isfinite(float(val)) and np.all(np.isfinite(np.asarray(grad)))
    # approaching the pole the margin falls like ln|1 + Delta|
    margin, status, *_ = f(rows([m * (1 + e) for e in (1e-2, 1e-3, 1e-4)]), 1.0)
    assert np.all(np.asarray(status) == 0)
    assert np.allclose(np.diff(np.asarray(margin)), -np.log(10.0), atol=0.01)


def test_outside_the_fit_and_bad_inputs_are_flagged():
    f = _scan()
    rows = np.array(
        [
            [70.0, -1e5, 1500.0, 500.0, 50.0, 50.0],  # B < 0: below the fit's range
            [70.0, -1e5, 1500.0, 500.0, -800.0, 900.0],  # negative soft mass^2
            [70.0, np.nan, 1500.0, 500.0, 800.0, 900.0],
        ]
    )
    margin, status, *_ = f(rows, 1.0)
    status = np.asarray(status)
    assert status[0] & int(Status.INVALID_PARAMETER)
    assert status[1] & int(Status.NEGATIVE_SOFT_MASS2)
    assert status[2] == int(Status.NONFINITE_INPUT)
    assert np.all(np.isfinite(np.asarray(margin)[:2]))
    assert float(vacuum_bound(50.0, 50.0)) < 0
    for x in rows[:2]:
        _, grad = _grad()(x)
        assert np.all(np.isfinite(np.asarray(grad)))


def test_invalid_options_raise():
    p = _params(np.array([70.0, -1e5, 1500.0, 500.0, 800.0, 900.0]))
    with pytest.raises(InvalidInput):
        vacuum_stability(p, SM, "mu", fit="ky2013")
    with pytest.raises(InvalidInput):
        vacuum_stability(p, SM, "mu", fit="nope")
    with pytest.raises(InvalidInput):
        vacuum_stability(p, SM, "mu", resummation="nope")
    with pytest.raises(InvalidInput):
        vacuum_bound(800.0, 900.0, "ky2013")
    with pytest.raises(InvalidInput):
        vacuum_stability(p, SM, "top")


# ------------------------------------------------------------------------------------------
# the stau: two independent fits
# ------------------------------------------------------------------------------------------


def test_stau_fits_agree_near_equal_masses():
    m = np.geomspace(200.0, 3000.0, 41)
    L, R = np.meshgrid(m, m)
    ratio = np.asarray(
        vacuum_bound(L, R, "ehky2013") / vacuum_bound(L, R, "ky2013", m_lepton=SM.m_tau)
    )
    near = np.abs(np.log(L / R)) <= 0.2
    print(
        f"\nEHKY/KY stau bound ratio, |ln(mL/mR)| <= 0.2: "
        f"{ratio[near].min():.3f}-{ratio[near].max():.3f}; "
        f"all: {ratio.min():.3f}-{ratio.max():.3f}"
    )
    assert np.all(np.abs(ratio[near] - 1.0) < 0.06)
    # through vacuum_stability: the margins differ by ln(B_KY/B_EHKY)
    rows = _fig2_rows(-2e3, np.geomspace(300.0, 3000.0, 9))
    a, sa, ba, *_ = _scan("tau")(rows, 1.0)
    b, sb, bb, *_ = _scan("tau_ky")(rows, 1.0)
    assert np.all(np.asarray(sa) == 0) and np.all(np.asarray(sb) == 0)
    assert np.allclose(
        np.asarray(b) - np.asarray(a), np.log(np.asarray(bb) / np.asarray(ba)), atol=1e-12
    )


def test_trilinear_and_fit_table():
    p = _params(np.array([70.0, -1e5, 1500.0, 500.0, 800.0, 900.0]))
    assert np.isclose(float(effective_trilinear(p, SM.m_mu, -0.5)), SM.m_mu * -1e5 * 70.0 / 0.5)
    assert set(FITS) == {"ehky2013", "ky2013"}
    # the margin function is the margin field
    kw = {"resummation": None, "delta": -0.5, "eta": 0.9}
    assert float(vacuum_stability_margin(p, SM, "tau", **kw)) == float(
        vacuum_stability(p, SM, "tau", **kw).margin
    )
