"""The one-loop Z' contribution (seed 002 = arXiv:2011.05083 eq. 3.6) against quadrature and limits.

Acceptance point of issue 5: ``gm2jax.loops.amu_zprime`` against a direct numerical integration
of eq. 3.6 to 1e-10 relative over M_Z' = 1 MeV .. 100 GeV for the muon and the tau, its
analytic asymptotics for M_Z' << m_l and M_Z' >> m_l, and the precomputed (g-2)_mu bands of
``shared/data/lmutau_limits`` (same formula, computed independently with scipy; this fixes the
units: GeV).

Eq. 3.6 as printed has the denominator ``m^2 z + M^2 (1 - z)``; the derivation (and the
massless limit g^2/(8 pi^2)) needs ``m^2 z^2 + M^2 (1 - z)`` -- see the docstring of
``loops.zprime_loop``.  ``test_printed_denominator_is_a_typo`` documents this.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest

from gm2jax import loops
from gm2jax.models.lmutau import limits
from gm2jax.sm import _load_conventions

_PDG = _load_conventions()["pdg"]
M_MU = float(_PDG["m_mu"]["value"])
M_TAU = float(_PDG["m_tau"]["value"])
G_X = 5e-4
MASSES = np.logspace(-3, 2, 40)  # 1 MeV .. 100 GeV


def _amu_mp(g, m_zp, m_l, dps=34, printed=False):
    """Eq. 3.6 by mpmath quadrature at ``dps`` digits (corrected or printed denominator)."""
    with mp.workdps(dps):
        g, mz, ml = mp.mpf(g), mp.mpf(m_zp), mp.mpf(m_l)
        if printed:
            f = lambda z: z**2 * (1 - z) / (ml**2 * z + mz**2 * (1 - z))  # noqa: E731
        else:
            f = lambda z: z**2 * (1 - z) / (ml**2 * z**2 + mz**2 * (1 - z))  # noqa: E731
        s = mz / ml  # the integrand's scale near z = 0 is z ~ M/m
        pts = [mp.mpf(0)] + [p for p in (s / 10, s, 10 * s) if p < 1] + [mp.mpf(1)]
        val = mp.quad(f, pts)
        return float(g**2 * ml**2 / (4 * mp.pi**2) * val)


@pytest.fixture(scope="module")
def amu_fn():
    return jax.jit(jax.vmap(loops.amu_zprime, (None, 0, None)))


@pytest.mark.parametrize("lepton,m_l", [("mu", M_MU), ("tau", M_TAU)])
def test_amu_zprime_matches_mpmath_quadrature(amu_fn, lepton, m_l):
    with jax.enable_x64(True):
        got = np.asarray(amu_fn(G_X, jnp.asarray(MASSES), m_l))
    ref = np.array([_amu_mp(G_X, m, m_l) for m in MASSES])
    rel = np.abs(got / ref - 1)
    print(f"{lepton}: max rel. deviation from 34-digit quadrature over 1 MeV-100 GeV: {rel.max():.2e}")
    assert rel.max() < 1e-10


def test_light_zprime_limit():
    """M_Z' << m_l: a = g^2/(8 pi^2) I(r), I = 1 - pi sqrt(r) - r(1 + 2 ln r) + (15 pi/8) r^(3/2) + O(r^2 ln r).

    (The r and r^(3/2) coefficients were identified from 40-digit quadrature: the remainder
    divided by r^(3/2) tends to 5.8902 -> 15 pi/8 = 5.8905 as r -> 0.)
    """
    a0 = G_X**2 / (8 * math.pi**2)
    for m_zp, m_l in ((1e-3, M_MU), (1e-3, M_TAU), (1e-5, M_MU), (1e-6, M_TAU)):
        r = (m_zp / m_l) ** 2
        got = float(loops.amu_zprime(G_X, m_zp, m_l)) / a0
        series = 1 - math.pi * math.sqrt(r) - r * (1 + 2 * math.log(r)) + 15 * math.pi / 8 * r**1.5
        # leading term alone: relative deviation pi sqrt(r) (3% at 1 MeV for the muon)
        assert abs(got - 1) == pytest.approx(math.pi * math.sqrt(r), rel=3 * math.sqrt(r) * abs(math.log(r)))
        # through r^(3/2): the remainder is O(r^2 ln r)
        assert abs(got - series) < 20 * r**2 * abs(math.log(r)) + 1e-15
        assert got == pytest.approx(float(_amu_mp(G_X, m_zp, m_l)) / a0, rel=1e-10)
    assert float(loops.amu_zprime(G_X, 0.0, M_MU)) == pytest.approx(a0, rel=1e-15)


def test_heavy_zprime_limit():
    """M_Z' >> m_l: a = g^2 m^2/(12 pi^2 M^2) [1 - (3/(2r))(2 ln r - 25/6) + O(ln r / r^2)]."""
    for m_zp, m_l in ((100.0, M_MU), (100.0, M_TAU), (10.0, M_MU), (1e4, M_TAU)):
        r = (m_zp / m_l) ** 2
        lead = G_X**2 * m_l**2 / (12 * math.pi**2 * m_zp**2)
        got = float(loops.amu_zprime(G_X, m_zp, m_l)) / lead
        nlo = 1 - 1.5 * (2 * math.log(r) - 25 / 6) / r
        assert abs(got - 1) < 4 * math.log(r) / r  # leading term: rel. 1e-4 at 100 GeV (tau), 1.3e-5 (mu)
        assert abs(got - nlo) < 40 * math.log(r) / r**2  # next order: O(ln r / r^2)


def test_printed_denominator_is_a_typo():
    """The printed eq. 3.6 (m^2 z in the denominator) gives g^2/(24 pi^2) for a massless Z', 1/3 of the known limit."""
    tiny = 1e-9
    printed = _amu_mp(G_X, tiny, M_MU, printed=True)
    assert printed == pytest.approx(G_X**2 / (24 * math.pi**2), rel=1e-6)
    assert float(loops.amu_zprime(G_X, tiny, M_MU)) == pytest.approx(3 * printed, rel=1e-6)


@pytest.mark.parametrize("band", ["wp20_bnl", "bnl2019", "wp20_fnal21", "wp20_fnal23"])
def test_precomputed_band_files_agree(band):
    """Central and +-1, 2 sigma couplings of the packaged band files vs gm2_band (same formula)."""
    f = limits.gm2_band_file(band)
    dataset = {"bnl2019": "seeds2019"}.get(band, band)  # BNL + 2019 SM: 274(73)e-11 = seeds2019
    ours = limits.gm2_band(f["mass_GeV"], dataset)
    worst = 0.0
    for key in ("g_central", "g_minus1sigma", "g_plus1sigma", "g_minus2sigma", "g_plus2sigma"):
        ref = f[key]
        ok = ref > 0
        rel = np.abs(np.asarray(ours[key])[ok] / ref[ok] - 1)
        worst = max(worst, rel.max())
    print(f"{band}: max rel. deviation from the packaged band file: {worst:.1e}")
    assert worst < 1e-5  # the files carry 7 significant digits
