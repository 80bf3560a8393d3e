r"""Two-loop Barr-Zee-type 2L(a) MSSM contributions to a_l: a sfermion or chargino loop coupled to
the lepton line through a photon and a neutral Higgs boson (h, H, A).

GM2Calc 2.3.1 (``amu2LaSferm``, ``amu2LaCha``) implements hep-ph/0609168 eqs. (63)-(72) with the
tree-level Higgs sector of :mod:`gm2jax.models.mssm.higgs` (masses from the tree-level CP-even
matrix, the angle alpha from the closed form ``tan_alpha``)::

    a^{chi}   = P sum_k [ Re(l_l^A l_k^A) f_PS(m_k^2/M_A^2) + sum_{s=h,H} Re(l_l^s l_k^s) f_S(m_k^2/M_s^2) ]
    a^{sferm} = P sum_{f=t,b,tau} N_c Q_f^2 sum_{i, s=h,H} Re(l_l^s l_{f_i}^s) f_sferm(m_{f_i}^2/M_s^2)
    P = 2 (e^2 m_l / (16 pi^2 M_W s_W))^2,   e = e(M_Z),   s_W^2 = 1 - M_W^2/M_Z^2

with the couplings (c_b = cos(beta), s_b = sin(beta), s_a = sin(alpha), c_a = cos(alpha),
Delta_l the lepton's tan(beta)-resummation, U, V the chargino and U_f the sfermion mixing
matrices, rows = mass eigenstates)::

    l_l^h = -s_a/(c_b (1+Delta_l)),  l_l^H = c_a/(c_b (1+Delta_l)),  l_l^A = s_b/(c_b (1+Delta_l))
    l_k^s = sqrt2 M_W/m_k (U_k1 V_k2 c_s + U_k2 V_k1 d_s),
            (c_s, d_s) = (c_a, -s_a) [h], (s_a, c_a) [H], (-c_b, -s_b) [A]
    l_{t_i}^s   = 2 m_t/(m_{t_i}^2 s_b)  (-mu, A_t).v_s  U_t,i1 U_t,i2
    l_{b_i}^s   = 2 m~_b/(m_{b_i}^2 c_b) (A_b, -mu).v_s  U_b,i1 U_b,i2      (same for tau)
    v_h = (-s_a, c_a),  v_H = (c_a, s_a)

with the pole m_t and the resummed m~_b = m_b^DR(M_Z)/(1+Delta_b), m~_tau = m_tau/(1+Delta_tau)
of :mod:`gm2jax.models.mssm.sfermions` (all Delta = 0 without resummation).

Differentiability.  The sums over mass eigenstates are written as spectral sums
(:func:`gm2jax.linalg.spectral_sum`), smooth also at degenerate stops/sbottoms/staus:
``sum_i g(m_i^2) U_i1 U_i2`` is the off-diagonal element of ``g(M^2)``, and with
``X^T u_k = m_k V_k`` (:func:`gm2jax.linalg.svd` convention) the chargino sums
``sum_k F(m_k^2) U_k1 V_k2 / m_k = sum_k F(s_k)/s_k (u_k)_1 (X^T u_k)_2`` run over the
eigenvectors u_k of ``X X^T``.

References:
    hep-ph/0609168, eqs. (63)-(72); arXiv:1510.08071 (GM2Calc); arXiv:hep-ph/0312264, hep-ph/0405255.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from gm2jax import linalg, loops
from gm2jax.models.mssm import higgs
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.models.mssm.sfermions import ThirdGeneration
from gm2jax.sm import Couplings

_SQRT2 = math.sqrt(2.0)
_LOOP = 1.0 / (16.0 * math.pi**2)
_TINY2 = 1e-200  # GeV^2: lower clamp of mass^2 eigenvalues inside the loop functions

_E0 = np.array([[[1.0, 0.0]]])  # (T=1, k=1, n=2): picks component 1 of the eigenvectors
_E1 = np.array([[[0.0, 1.0]]])
_E01 = np.stack([_E0[0], _E1[0]])  # (T=2, k=1, n=2)


def prefactor(c: Couplings, m_lepton):
    """P = 2 (e^2 m_l/(16 pi^2 M_W s_W))^2 with e = e(M_Z) and the on-shell s_W^2 = 1 - M_W^2/M_Z^2."""
    sw = jnp.sqrt(1.0 - (c.MW / c.MZ) ** 2)
    return 2.0 * (c.e**2 * m_lepton * _LOOP / (c.MW * sw)) ** 2


def _higgs(p: MSSMParams, c: Couplings, delta):
    """(s_a, c_a, c_b, s_b, (m_h^2, m_H^2), lepton couplings (l^h, l^H, l^A))."""
    sa, ca = higgs.mixing(p, c)
    cb, sb = sp._beta(p.tan_beta)
    mh2, mH2 = higgs.cp_even_masses2(p, c)
    k = 1.0 / (cb * (1.0 + delta))
    return sa, ca, cb, sb, (mh2, mH2), (-sa * k, ca * k, sb * k)


def _g_sfermion(lam, mu, theta):
    # lam: sfermion mass^2 eigenvalues (2, 1); mu: dummy (1, 1); theta = (coefficients (2,), M_s^2 (2,));
    # entry by entry (loops.per_entry: the batch stays the innermost axis under vmap)
    coef, m2 = theta

    def entry(lam, mu):
        lam = jnp.maximum(lam, _TINY2)
        return (coef[0] * loops.f_sferm(lam / m2[0]) + coef[1] * loops.f_sferm(lam / m2[1])) / lam + 0.0 * mu

    return loops.per_entry(entry, lam, mu)[None]


def _sfermion_sum(mass2_matrix, coef, m2):
    return linalg.spectral_sum(_g_sfermion, mass2_matrix, np.ones((1, 1)), _E0, _E1, (coef, m2))


def amu_2l_barr_zee_sfermion(p: MSSMParams, c: Couplings, m_lepton, third: ThirdGeneration, delta=0.0):
    """2L(a) sfermion-loop (t~, b~, tau~) Barr-Zee a_l, GM2Calc ``amu2LaSferm`` (no status handling).

    Args:
        p: MSSM parameters.
        c: electroweak couplings (alpha(M_Z)).
        m_lepton: lepton pole mass in GeV.
        third: :func:`gm2jax.models.mssm.sfermions.third_generation` (resummed or not).
        delta: the lepton's Delta_l (0 without resummation).

    Returns:
        a_l contribution (dimensionless).

    References:
        hep-ph/0609168, eqs. (64), (65), (67)-(69), (72).
    """
    sa, ca, cb, sb, m2, lam_l = _higgs(p, c, delta)
    m2 = jnp.stack(m2)
    at, ab, atau = p.Au[..., 2], p.Ad[..., 2], p.Ae[..., 2]
    mu = p.mu
    # per sector (stop, sbottom, stau): N_c Q_f^2 * 2 m_f/(s_b or c_b) and w.v_h, w.v_H
    k = jnp.stack([3.0 * 4.0 / 9.0 * 2.0 * third.m_t / sb, 3.0 / 9.0 * 2.0 * third.m_b / cb, 2.0 * third.m_tau / cb])
    wh = jnp.stack([mu * sa + at * ca, -mu * ca - ab * sa, -mu * ca - atau * sa])
    wH = jnp.stack([-mu * ca + at * sa, -mu * sa + ab * ca, -mu * sa + atau * ca])
    coef = k[:, None] * jnp.stack([lam_l[0] * wh, lam_l[1] * wH], axis=-1)  # (3 sectors, 2 Higgs)
    mats = (third.stop, third.sbottom, third.stau)
    return prefactor(c, m_lepton) * sum(_sfermion_sum(m, coef[i], m2) for i, m in enumerate(mats))


def _g_chargino(s, mu, theta):
    # s: chargino masses^2 (2, 1); theta = (coefficients (2 terms, 3 bosons), boson masses^2 (3,));
    # entry by entry (loops.per_entry: the batch stays the innermost axis under vmap)
    coef, m2 = theta

    def entry(s, mu):
        s = jnp.maximum(s, _TINY2)
        funcs = (loops.f_S(s / m2[0]), loops.f_S(s / m2[1]), loops.f_PS(s / m2[2]))  # h, H, A
        return tuple(sum(coef[t, b] * funcs[b] for b in range(3)) / s + 0.0 * mu for t in range(2))

    return jnp.stack(loops.per_entry(entry, s, mu))


def amu_2l_barr_zee_chargino(p: MSSMParams, c: Couplings, m_lepton, delta=0.0):
    """2L(a) chargino-loop Barr-Zee a_l, GM2Calc ``amu2LaCha`` (no status handling).

    Args:
        p: MSSM parameters.
        c: electroweak couplings (alpha(M_Z)).
        m_lepton: lepton pole mass in GeV.
        delta: the lepton's Delta_l (0 without resummation).

    Returns:
        a_l contribution (dimensionless).

    References:
        hep-ph/0609168, eqs. (63), (65), (66), (70), (71).
    """
    sa, ca, cb, sb, (mh2, mH2), lam_l = _higgs(p, c, delta)
    # lepton coupling x (c_s, d_s) for s = h, H, A
    cs = jnp.stack([ca, sa, -cb])
    ds = jnp.stack([-sa, ca, -sb])
    lam = jnp.stack(lam_l)
    coef = jnp.stack([lam * cs, lam * ds])  # (2, 3)
    m2 = jnp.stack([mh2, mH2, p.MA**2])
    x = sp.chargino_matrix(p, c)
    qq = jnp.stack([x[:, 1][None, :], x[:, 0][None, :]])
    s = linalg.spectral_sum(_g_chargino, x @ x.T, np.ones((1, 1)), _E01, qq, (coef, m2))
    return prefactor(c, m_lepton) * _SQRT2 * c.MW * s
