"""Two-loop photonic (QED-logarithm) corrections to the one-loop chargino and neutralino diagrams.

arXiv:1003.5820 eqs. (35), (36), in GM2Calc's form (``amu2LChipmPhotonic``, ``amu2LChi0Photonic``),
with the one-loop coupling combinations of :mod:`gm2jax.models.mssm.one_loop`
(A = |c^L|^2 + |c^R|^2, B = 2 Re(c^L* c^R); the same for n^L, n^R)::

    a^chi+-_2L,gamma = (e(0)^2/(16 pi^2)) m_l^2/(16 pi^2 m_snu^2) sum_k [
          16 ln(m_l/m_snu) (A_k F1C(x_k)/12 + m_k B_k F2C(x_k)/(3 m_l))
        - 47/72 A_k F3C(x_k) - 61/9 m_k B_k F4C(x_k)/m_l
        - ln(m_snu^2/Q^2) (A_k F1C(x_k)/2 + m_k B_k F2C(x_k)/m_l) ]

    a^chi0_2L,gamma = (e(0)^2/(16 pi^2)) m_l^2/(16 pi^2) sum_{i,m} 1/m_lm^2 [
          16 ln(m_l/m_lm) (-A_im F1N(x_im)/12 - m_i B_im F2N(x_im)/(6 m_l))
        + 35/72 A_im F3N(x_im) + 8/9 m_i B_im F4N(x_im)/m_l
        + 1/4 ln(m_lm^2/Q^2) A_im F1N(x_im) ]

with x_k = m_k^2/m_snu^2, x_im = m_i^2/m_lm^2, the loop functions of :mod:`gm2jax.loops`, and
GM2Calc's inputs:

* prefactor e(0)^2 = 4 pi alpha(0) (``alpha_0``; the Thomson limit, as for any on-shell photon);
* couplings with alpha(M_Z) (:func:`gm2jax.sm.couplings`) and the lepton Yukawa y_l/(1 + Delta_l),
  slepton masses from the slepton matrix with m_l/(1 + Delta_l) (``delta``; 0 = non-resummed);
* m_l is the pole mass (prefactor, 1/m_l and the logarithm ln(m_l/m_snu));
* Q = ``p.Q``, the renormalisation scale of the DR-bar inputs (GM2CalcInput entry 0).

Both sums are written as :func:`gm2jax.linalg.spectral_sum` over the neutralino and slepton
(chargino and sneutrino) mass matrices, like the one-loop functions, so that values and gradients
are exact also at degenerate spectra (M2 = |mu|, equal slepton masses, m_snu = m_chi+).

References:
    von Weitershausen, Schaefer, Stoeckinger, Stoeckinger-Kim, arXiv:1003.5820, eqs. (35), (36);
    Athron et al., arXiv:1510.08071 (GM2Calc).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from gm2jax import linalg, loops
from gm2jax._precision import float64
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.one_loop import chargino_couplings, g_neutralino, neutralino_couplings
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.sm import Couplings

_LOOP = 1.0 / (16.0 * math.pi**2)


def _g_neutralino_photonic(lam, m2, theta):
    # lam: signed neutralino eigenvalues (n, 1); m2: slepton masses^2 (1, k); weights of
    # (|n^L|^2, |n^R|^2, n^L n^R) in the one-loop normalisation of amu_1l (B = 2 n^L n^R).
    m_lepton, q = theta
    x = lam**2 / m2
    big_l = 16.0 * 0.5 * jnp.log(m_lepton**2 / jnp.abs(m2))
    f1n = loops.F1N(x)
    f3n, f4n = loops.F3N_F4N(x)
    a = (-f1n / 12.0 * big_l + 35.0 / 72.0 * f3n + 0.25 * f1n * jnp.log(jnp.abs(m2) / q**2)) / m2
    b = lam / m_lepton * (-loops.F2N(x) / 6.0 * big_l + 8.0 / 9.0 * f4n) / m2
    return jnp.stack([a, a, 2.0 * b])


def _g_chargino_photonic(s, m2, theta):
    # s: chargino masses^2 (2, 1); m2: sneutrino mass^2 (1, 1); weights of
    # ((g2 m_k V_k1)^2, (y U_k2)^2, (g2 m_k V_k1)(y U_k2)) as in amu_1l (B m_k = -2 product).
    m_lepton, q = theta

    def entry(s, m2):
        x = s / m2
        big_l = 16.0 * 0.5 * jnp.log(m_lepton**2 / jnp.abs(m2))
        lq = jnp.log(jnp.abs(m2) / q**2)
        f1c, f2c = loops.F1C(x), loops.F2C(x)
        f3c, f4c = loops.F3C_F4C(x)
        a = (f1c / 12.0 * big_l - 47.0 / 72.0 * f3c - 0.5 * f1c * lq) / m2
        b = (f2c / 3.0 * big_l - 61.0 / 9.0 * f4c - f2c * lq) / (m_lepton * m2)
        return a / s, a, -2.0 * b

    return jnp.stack(loops.per_entry(entry, s, m2))


def photonic_neutralino_sum(mn, msl, c: Couplings, y, m_lepton, alpha_0, q):
    """Photonic neutralino sum from the neutralino mass matrix ``mn`` (4x4, GeV), the slepton mass^2
    matrix ``msl`` (2x2, GeV^2), Yukawa ``y`` (resummed or not), pole ``m_lepton``, alpha(0) and Q (GeV).

    Building block of :func:`amu_2l_photonic_neutralino` for callers that share the matrices
    between pieces or leptons (vmap over leptons like :func:`gm2jax.models.mssm.one_loop.amu_1l_parts`).
    """
    pp, qq = neutralino_couplings(c, y)
    s = linalg.spectral_sum(_g_neutralino_photonic, mn, msl, pp, qq, (m_lepton, q))
    return 4.0 * math.pi * alpha_0 * _LOOP**2 * m_lepton**2 * s


def _g_neutralino_pair(lam, m2, theta):
    # w[0] x the one-loop kernel + w[1] x the photonic kernel (w = (1, 0) or (0, 1) under vmap)
    m_lepton, q, w = theta
    return w[0] * g_neutralino(lam, m2, m_lepton) + w[1] * _g_neutralino_photonic(lam, m2, (m_lepton, q))


def neutralino_sums(mn, msl, c: Couplings, y, m_lepton, alpha_0, q):
    """(one-loop neutralino a_l, photonic neutralino a_l) from one diagonalisation of each matrix.

    Equal to :func:`gm2jax.models.mssm.one_loop.neutralino_sum` and :func:`photonic_neutralino_sum`
    with the same arguments.  The two spectral sums are one :func:`gm2jax.linalg.spectral_sum`
    mapped (``jax.vmap``) over a selector in its parameters: the matrices, their eigensystems and
    the rotated couplings are not mapped, so they are computed once (the 4x4 neutralino
    diagonalisation was 0.3 us of the 2-3 us per point of the two sums).
    """
    pp, qq = neutralino_couplings(c, y)
    s = jax.vmap(lambda w: linalg.spectral_sum(_g_neutralino_pair, mn, msl, pp, qq, (m_lepton, q, w)))(jnp.eye(2))
    return m_lepton**2 * _LOOP * s[0], 4.0 * math.pi * alpha_0 * _LOOP**2 * m_lepton**2 * s[1]


def photonic_chargino_sum(x, msnu2, c: Couplings, y, m_lepton, alpha_0, q):
    """Photonic chargino sum from the chargino mass matrix ``x`` (2x2, GeV), the sneutrino mass^2
    ``msnu2`` (GeV^2), Yukawa ``y``, pole ``m_lepton``, alpha(0) and Q (GeV); see
    :func:`photonic_neutralino_sum`."""
    pp, qq = chargino_couplings(c, x, y)
    s = linalg.spectral_sum(_g_chargino_photonic, x @ x.T, msnu2[None, None], pp, qq, (m_lepton, q))
    return 4.0 * math.pi * alpha_0 * _LOOP**2 * m_lepton**2 * s


@float64
def amu_2l_photonic_chargino(p: MSSMParams, c: Couplings, lepton, m_lepton, delta=0.0, *, alpha_0):
    """Photonic two-loop correction to the chargino-sneutrino diagram, arXiv:1003.5820 eq. (35).

    Pure and unchecked (no status; the caller masks unphysical points), like
    :func:`gm2jax.models.mssm.one_loop.amu_1l_chargino`.

    Args:
        p: MSSM parameters (uses tan_beta, mu, M2, msl, Q).
        c: electroweak couplings from alpha(M_Z) (:func:`gm2jax.sm.couplings`).
        lepton: "e", "mu" or "tau" (static).
        m_lepton: lepton pole mass in GeV.
        delta: Delta_l; the Yukawa is y_l/(1 + delta) (0 = GM2Calc's non-resummed value).
        alpha_0: fine-structure constant alpha(0) of the prefactor (``SMInputs.alpha_0``).

    Returns:
        a_l (dimensionless); GM2Calc ``amu2LChipmPhotonic``.

    References:
        arXiv:1003.5820, eq. (35).
    """
    y = sp.yukawa(c, p.tan_beta, m_lepton, delta)
    return photonic_chargino_sum(
        sp.chargino_matrix(p, c), sp.sneutrino_mass2(p, c, lepton), c, y, m_lepton, alpha_0, p.Q
    )


@float64
def amu_2l_photonic_neutralino(
    p: MSSMParams, c: Couplings, lepton, m_lepton, delta=0.0, *, alpha_0
):
    """Photonic two-loop correction to the neutralino-slepton diagram, arXiv:1003.5820 eq. (36).

    Pure and unchecked, like :func:`gm2jax.models.mssm.one_loop.amu_1l_neutralino`.

    Args:
        p: MSSM parameters (uses tan_beta, mu, M1, M2, msl, mse, Ae, Q).
        c: electroweak couplings from alpha(M_Z).
        lepton: "e", "mu" or "tau" (static).
        m_lepton: lepton pole mass in GeV.
        delta: Delta_l (resummed Yukawa and slepton mixing; 0 = non-resummed).
        alpha_0: alpha(0) of the prefactor.

    Returns:
        a_l (dimensionless); GM2Calc ``amu2LChi0Photonic``.

    References:
        arXiv:1003.5820, eq. (36).
    """
    y = sp.yukawa(c, p.tan_beta, m_lepton, delta)
    msl = sp.slepton_matrix(p, c, lepton, m_lepton, delta)
    return photonic_neutralino_sum(sp.neutralino_matrix(p, c), msl, c, y, m_lepton, alpha_0, p.Q)
