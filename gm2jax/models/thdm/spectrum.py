"""Two-Higgs-doublet model tree-level spectrum: mass basis <-> gauge basis, scalar mass matrices,
CP-even mixing, the couplings Lambda5/Lambda67 (GM2Calc 2.3.1 ``THDM::set_basis``; arXiv:1607.06292).

Conventions (v, alpha, the potential) are those of :mod:`gm2jax.models.thdm.params`.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from gm2jax import linalg
from gm2jax.models.thdm.params import THDMGaugeBasis, THDMParams, THDMSMInputs


def _beta_trig(tb):
    r = jnp.sqrt(1.0 + tb**2)
    return tb / r, 1.0 / r


def mass_basis_lambdas(p, sm: THDMSMInputs):
    """(lambda1, ..., lambda7) of a mass-basis point (GM2Calc ``THDM::set_basis(Mass_basis)``)."""
    tb = p.tan_beta
    ctb = 1.0 / tb
    sb, cb = _beta_trig(tb)
    alpha = jnp.arctan(tb) - jnp.arcsin(p.sin_beta_minus_alpha)
    sa, ca = jnp.sin(alpha), jnp.cos(alpha)
    mh2, mH2, mA2, mHp2 = p.mh**2, p.mH**2, p.mA**2, p.mHp**2
    l6, l7, m122 = p.lambda6, p.lambda7, p.m122
    v2 = sm.v**2
    l1 = (mH2 * ca**2 + mh2 * sa**2 - m122 * tb) / (v2 * cb**2) + 0.5 * tb * (l7 * tb * tb - 3.0 * l6)
    l2 = (mH2 * sa**2 + mh2 * ca**2 - m122 * ctb) / (v2 * sb**2) + 0.5 * ctb * (l6 * ctb * ctb - 3.0 * l7)
    l3 = ((mH2 - mh2) * ca * sa + 2.0 * mHp2 * sb * cb - m122) / (v2 * sb * cb) - 0.5 * l6 * ctb - 0.5 * l7 * tb
    l4 = ((mA2 - 2.0 * mHp2) * cb * sb + m122) / (v2 * sb * cb) - 0.5 * l6 * ctb - 0.5 * l7 * tb
    l5 = (m122 / (sb * cb) - mA2) / v2 - 0.5 * l6 * ctb - 0.5 * l7 * tb
    return jnp.stack([jnp.asarray(x, dtype=float) for x in (l1, l2, l3, l4, l5, l6, l7)])


def gauge_from_mass(p: THDMParams, sm: THDMSMInputs) -> THDMGaugeBasis:
    """Quartic couplings lambda1..lambda5 from the physical masses (tree level; pure).

    GM2Calc ``THDM::set_basis(Mass_basis)``; e.g. ``lambda5 = (m12^2/(s_b c_b) - mA^2)/v^2
    - lambda6/(2 t_b) - lambda7 t_b/2``.

    Args:
        p: mass-basis parameters.
        sm: SM inputs (fix v).

    Returns:
        The equivalent :class:`THDMGaugeBasis`.
    """
    return THDMGaugeBasis(
        mass_basis_lambdas(p, sm), p.tan_beta, p.m122, p.zeta_u, p.zeta_d, p.zeta_l, p.Delta_u, p.Delta_d, p.Delta_l,
        p.Pi_u, p.Pi_d, p.Pi_l, yukawa_type=p.yukawa_type,
    )


def _even_matrix(lambdas, tan_beta, m122, sm: THDMSMInputs):
    """Tree-level CP-even mass matrix, mA^2 and mHp^2 (see :func:`scalar_mass_matrices`)."""
    l1, l2, l3, l4, l5, l6, l7 = (lambdas[i] for i in range(7))
    sb, cb = _beta_trig(tan_beta)
    v = sm.v
    v1, v2 = v * cb, v * sb
    l345 = l3 + l4 + l5
    m112 = (m122 * v2 - 0.5 * l1 * v1**3 - 0.5 * l7 * v2**3 - 1.5 * l6 * v1**2 * v2 - 0.5 * l345 * v1 * v2**2) / v1
    m222 = (m122 * v1 - 0.5 * l6 * v1**3 - 0.5 * l2 * v2**3 - 0.5 * l345 * v2 * v1**2 - 1.5 * l7 * v1 * v2**2) / v2
    m00 = m112 + 3.0 * l6 * v1 * v2 + 1.5 * l1 * v1**2 + 0.5 * l345 * v2**2
    m01 = -m122 + l345 * v1 * v2 + 1.5 * l6 * v1**2 + 1.5 * l7 * v2**2
    m11 = m222 + 3.0 * l7 * v1 * v2 + 0.5 * l345 * v1**2 + 1.5 * l2 * v2**2
    even = jnp.array([[m00, m01], [m01, m11]])
    mA2 = m122 / (sb * cb) - v**2 * (l5 + 0.5 * l6 / tan_beta + 0.5 * l7 * tan_beta)
    mHp2 = mA2 - 0.5 * v**2 * (l4 - l5)
    return even, mA2, mHp2


def scalar_mass_matrices(g: THDMGaugeBasis, sm: THDMSMInputs):
    """Tree-level CP-even mass matrix (2x2, (phi1, phi2) basis) and mA^2, mHp^2 from the potential.

    m11^2 and m22^2 are eliminated with the tree-level minimum conditions.

    Returns:
        ``(M2_even, mA2, mHp2)`` in GeV^2.
    """
    return _even_matrix(g.lambdas, g.tan_beta, g.m122, sm)


def mass_from_gauge(g: THDMGaugeBasis, sm: THDMSMInputs) -> THDMParams:
    """Tree-level masses and sin(beta - alpha) from the potential (pure; inverse of :func:`gauge_from_mass`).

    The CP-even matrix is diagonalised with :func:`gm2jax.linalg.eigh_sym`; alpha is taken from
    the heavier eigenvector ``(cos alpha, sin alpha)`` and folded into ``|beta - alpha| <= pi/2``.
    Tachyonic states come back with ``m = -sqrt(|m^2|)`` (negative), which
    :func:`gm2jax.models.thdm.point_status` flags as ``TACHYON_HIGGS``.

    Args:
        g: gauge-basis parameters.
        sm: SM inputs.

    Returns:
        :class:`THDMParams` (same Yukawa sector).
    """
    even, mA2, mHp2 = scalar_mass_matrices(g, sm)
    w, vec = linalg.eigh_sym(even)
    beta = jnp.arctan(g.tan_beta)
    heavy = vec[:, 1]
    alpha = jnp.arctan2(heavy[1], heavy[0])
    alpha = alpha - math.pi * jnp.round((alpha - beta) / math.pi)  # beta - alpha in [-pi/2, pi/2]

    def signed_sqrt(m2):
        return jnp.sign(m2) * jnp.sqrt(jnp.abs(m2))

    return THDMParams(
        mh=signed_sqrt(w[0]), mH=signed_sqrt(w[1]), mA=signed_sqrt(mA2), mHp=signed_sqrt(mHp2),
        sin_beta_minus_alpha=jnp.sin(beta - alpha), tan_beta=g.tan_beta, m122=g.m122,
        lambda6=g.lambdas[5], lambda7=g.lambdas[6], zeta_u=g.zeta_u, zeta_d=g.zeta_d, zeta_l=g.zeta_l,
        Delta_u=g.Delta_u, Delta_d=g.Delta_d, Delta_l=g.Delta_l, Pi_u=g.Pi_u, Pi_d=g.Pi_d, Pi_l=g.Pi_l,
        yukawa_type=g.yukawa_type,
    )


def Lambda5(p, sm: THDMSMInputs):
    """Capital Lambda_5 = 2 m12^2 / (v^2 s_b c_b), arXiv:1607.06292 eq. (14)."""
    sb, cb = _beta_trig(p.tan_beta)
    return 2.0 * p.m122 / (sm.v**2 * sb * cb)


def Lambda67(p):
    """(Lambda_567 - Lambda_5)(t_b - 1/t_b) = lambda6/s_b^2 - lambda7/c_b^2 (GM2Calc ``get_LambdaSixSeven``)."""
    sb, cb = _beta_trig(p.tan_beta)
    return p.lambda6 / sb**2 - p.lambda7 / cb**2


def _givens(p, q):
    """Eigen ``JacobiRotation::makeGivens(p, q)`` (real case): (c, s)."""
    ap, aq = jnp.abs(p), jnp.abs(q)
    big_p = ap > aq
    qs = jnp.where(big_p, jnp.where(p == 0.0, 1.0, p), jnp.where(q == 0.0, 1.0, q))
    t = jnp.where(big_p, q, p) / qs
    u = jnp.sqrt(1.0 + t * t) * jnp.where(qs < 0.0, -1.0, 1.0)
    c1, s1 = 1.0 / u, -t / u  # |p| > |q|
    s2 = -1.0 / u
    c2 = -t * s2  # |p| <= |q|
    c = jnp.where(big_p, c1, c2)
    s = jnp.where(big_p, s1, s2)
    c = jnp.where(q == 0.0, jnp.where(p < 0.0, -1.0, 1.0), jnp.where(p == 0.0, 0.0, c))
    s = jnp.where(q == 0.0, 0.0, jnp.where(p == 0.0, jnp.where(q < 0.0, 1.0, -1.0), s))
    return c, s


def mixing(p: THDMParams, sm: THDMSMInputs):
    """(sin(beta - alpha_h), cos(beta - alpha_h)) exactly as GM2Calc 2.3.1 obtains them.

    GM2Calc turns the mass-basis input into lambda1..lambda7 (:func:`gauge_from_mass`), rebuilds the
    CP-even mass matrix (:func:`scalar_mass_matrices`), diagonalises it with Eigen's
    ``SelfAdjointEigenSolver`` and takes ``alpha_h = asin(ZH(1,1))`` folded into
    ``|beta - alpha_h| <= pi/2`` (``THDM_mass_eigenstates::get_alpha_h``).  Because the sign of
    the eigenvector enters through ``asin``, the result is *not* always the input sin(beta - alpha)
    (e.g. 0.751 instead of 0.565 when ``ZH(1,1) = -sin(alpha)`` and ``|alpha| < pi/2``).  For the
    2x2 matrix Eigen performs one implicit QR step with Wilkinson shift (scaled by the largest
    entry); this function reproduces that step and its Givens-rotation sign convention (verified
    on all public GM2Calc records), so that the couplings and the cos(beta - alpha) of the
    bosonic pieces agree with GM2Calc.  It is the GM2Calc convention, not a diagonaliser for
    general use (:mod:`gm2jax.linalg` is).

    Args:
        p: mass-basis parameters.
        sm: SM inputs.

    Returns:
        ``(sin(beta - alpha_h), cos(beta - alpha_h))``.
    """
    even, _, _ = _even_matrix(mass_basis_lambdas(p, sm), p.tan_beta, p.m122, sm)
    scale = jnp.max(jnp.abs(jnp.array([even[0, 0], even[1, 0], even[1, 1]])))
    scale = jnp.where(scale == 0.0, 1.0, scale)
    d0, d1, e = even[0, 0] / scale, even[1, 1] / scale, even[1, 0] / scale
    eps = float(jnp.finfo(jnp.float64).eps)
    zero_e = jnp.abs(e) <= 2.0 * eps * (jnp.abs(d0) + jnp.abs(d1))
    td = 0.5 * (d0 - d1)
    h = jnp.hypot(td, e)
    den = td + jnp.where(td > 0.0, h, -h)
    den = jnp.where(den == 0.0, 1.0, den)
    mu = jnp.where(td == 0.0, d1 - jnp.abs(e), d1 - e * e / den)
    c, s = _givens(d0 - mu, e)
    n0 = c * (c * d0 - s * e) - s * (c * e - s * d1)
    sdk, dkp1 = s * d0 + c * e, s * e + c * d1
    n1 = s * sdk + c * dkp1
    c = jnp.where(zero_e, 1.0, c)
    s = jnp.where(zero_e, 0.0, s)
    n0 = jnp.where(zero_e, d0, n0)
    n1 = jnp.where(zero_e, d1, n1)
    # Q = [[c, s], [-s, c]]; eigenvalues sorted ascending (columns swapped); ZH = Q^T
    zh11 = jnp.where(n1 < n0, -s, c)
    beta = jnp.arctan(p.tan_beta)
    alpha_h = jnp.arcsin(jnp.clip(zh11, -1.0, 1.0))
    tol = 10.0 * eps
    alpha_h = jnp.where(beta - alpha_h < -math.pi / 2 - tol, alpha_h - math.pi, alpha_h)
    alpha_h = jnp.where(beta - alpha_h > math.pi / 2 + tol, alpha_h + math.pi, alpha_h)
    return jnp.sin(beta - alpha_h), jnp.cos(beta - alpha_h)
