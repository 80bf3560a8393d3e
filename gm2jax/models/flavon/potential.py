r"""Scalar potential of the U(1)_f toy model of arXiv:2003.06633, eq. (3.3).

Fields (Table 1): four complex SM-singlet flavons with U(1)_f charges
``q = (1, 3, 2/5, 8/5)`` for ``(phi_1, phi_3, phi_a, phi_b)`` and Z_2 parities (-, -, +, +).
Every function takes the eight REAL field components

    x = (Re phi_1, Im phi_1, Re phi_3, Im phi_3, Re phi_a, Im phi_a, Re phi_b, Im phi_b)  [GeV]

with the paper's normalisation eq. (A.1), ``phi_i = v_i + sigma_i + i varphi_i`` (no 1/sqrt2):
the kinetic term |d phi|^2 = (d sigma)^2 + (d varphi)^2, hence the mass matrices of eq. (A.4)
carry the factor 1/2, ``(M^2)_ij = (1/2) d^2V / dsigma_i dsigma_j``.

Parameters are a flat dict (a pytree of float64 scalars) with the keys of :data:`POTENTIAL_PARAMETERS`:
``mu1_sq, mu3_sq, mua_sq, mub_sq`` (GeV^2), ``mupa_sq, mupb_sq`` (mu'^2_{a,b}, GeV^2) and the
quartics ``lam1, lam3, lama, lamb, lam13, lam1a, lam1b, lam3a, lam3b, lamab, lam13p`` (lambda'_13)
and ``lam1ab``.  The reduced model of Appendix A (its 8 relations, 10 free parameters
:data:`FREE_PARAMETERS`) is built by :func:`apply_relations`.

Conventions (the paper is ambiguous; each choice is the one that makes the paper's OWN formulas
A.3, A.5, A.6, A.10-A.13, eq. (3.5) and Table 2 consistent with the exact autodiff Hessian;
tests/test_flavon_toy.py shows each alternative failing):

1. **Sign of the mass terms: eq. (2.2), not eq. (3.3).**  V contains ``-mu_i^2 |phi_i|^2`` and
   ``-(mu'^2_a phi_a^2 + h.c.)``.  Evidence: A.2 writes the tadpoles with ``-mu_a^2 - 2mu'^2_a``;
   at Table 2's vevs the tadpole of sigma_a gives mu_a = 1009.9 GeV (table: 1010) only with this
   sign (mu_a^2 < 0 otherwise), and the pseudo-Goldstone masses ``m_P3,4^2 = 4 mu'^2_a`` (A.12,
   table: 18 GeV = 2 x 9 GeV) are tachyonic with the opposite sign of the mu' term.
2. **The lambda_1ab term is NOT doubled by its "+ h.c."**: V contains
   ``lambda_1ab Re(phi_a^* phi_b^* phi_1^2)`` (:data:`PAPER` ``lam1ab_hc = 1``).  Evidence: the
   exact Hessian gives (M_P^2)_11 = -2 v_a^2 lambda_1ab + 18 v_1^2 lambda'_13 (A.6) and
   (M_S^2)_13 = 2 v_a v_1 (lambda_1a + lambda_1ab/2) (A.5) only with this choice; at Table 2 it
   gives m_P1 = 606.7 GeV (table 611) whereas the doubled term gives 846 GeV; the relation
   ``lambda_3a = lambda_1a + lambda_1ab/2`` that makes mu_1 = mu_3 at v_3 = -2 v_1 (see 4.)
   matches the table's lambda_3a = -0.31 (-0.28), the printed ``lambda_1a + lambda_1ab`` (= -1.53)
   does not.  (A.2 and the printed relation use the doubled convention: they are the
   inconsistent ones.)
3. **The lambda'_13 term IS doubled**: ``2 lambda'_13 Re(phi_3^* phi_1^3)`` (``lam13p_hc = 2``).
   Evidence: (M_P^2)_11 contains ``+18 v_1^2 lambda'_13`` and (M_P^2)_22 = v_1^2 lambda'_13/2
   (A.6), m_S1^2 = 2 v_1^2 (2 lambda_1 - lambda_13 - 9/4 lambda'_13) (A.10); at Table 2 the
   exact m_S1 = 123.3 GeV (table 123) with it, 128.3 GeV without.
4. **Relations** (Appendix A), in convention 2: lambda_b = lambda_a, lambda_1b = lambda_1a,
   lambda_3b = lambda_3a, ``lambda_3a = lambda_1a + lambda_1ab/2``,
   ``lambda_3 = (4 lambda_1 + 6 lambda_13 - 11 lambda'_13)/16``, mu_3 = mu_1, mu_b = mu_a,
   mu'_b = mu'_a.  With them ``v_3 = -2 v_1, v_b = v_a`` solves the four tadpoles EXACTLY with
   mu_1 = mu_3 (the lambda_3 relation is literally the paper's), and A.3 is the exact solution.
5. **Garbled A.5/A.6 entries** (corrected in :func:`appendix_mass_matrices`, proven equal to
   the autodiff Hessian): (M_S^2)_12 = -v_1^2 (4 lambda_13 - 3 lambda'_13) (printed with the
   opposite sign); (M_S^2)_33 = 4 v_a^2 lambda_a - v_1^2 lambda_1ab/2 and
   (M_S^2)_34 = 2 v_a^2 lambda_ab + v_1^2 lambda_1ab/2 (printed v_a^2 lambda_1ab and lambda_a);
   (M_P^2)_12 = 3 v_1^2 lambda'_13 (printed 3 v_1 lambda'_13); (M_P^2)_33 = 4 mu'^2_a -
   v_1^2 lambda_1ab/2, (M_P^2)_34 = -v_1^2 lambda_1ab/2 (printed with v_a^2).  The corrected
   matrices reproduce A.12-A.13 exactly in the (a, b) block.
6. **m_S2: A.11 and eq. (3.5) are both garbled** (they differ from each other by a factor 2 in
   the lambda~_1a^2 term).  The second-order eigenvalue of the corrected A.5 is
   ``m_S2^2 = 2 v_1^2 (2 lambda~_1 - 10 lambda~_1a^2 / lambda~_a)`` (level repulsion with S4,
   matching A.13's ``+10 v_1^2 lambda~_1a^2 / (v_a^2 lambda~_a)``; = 2 v_1^2 x the A.3
   denominator); at v_1/v_a = 1/400, lambda_1a = 3 it is exact to 1e-5 while A.11 / eq. (3.5) are
   off by 5 % / 3 %.  At Table 2 lambda~_1a = -0.28 is small and all three agree to 0.2 %.
   Also A.14's first two columns are not orthogonal as printed: the light CP-even states are
   (2, 1)/sqrt5 (S1, decoupled from phi_a,b) and (1, -2)/sqrt5 (S2, the radial mode) in
   (sigma_1, sigma_3).

Global symmetries: for ``mu'_a = mu'_b = 0`` V has two U(1)s (footnote 5), charges
:data:`CHARGES` (U(1)_f) and (0, 0, 1, -1); their Goldstone directions are
``varphi_i = q_i v_i`` (:func:`goldstone_directions`).

References:
    L. Calibbi, M. L. Lopez-Ibanez, A. Melis, O. Vives, arXiv:2003.06633, eq. (3.3),
    Table 1, Appendix A.
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from gm2jax._precision import float64

MU2_NAMES = ("mu1_sq", "mu3_sq", "mua_sq", "mub_sq", "mupa_sq", "mupb_sq")
QUARTIC_NAMES = ("lam1", "lam3", "lama", "lamb", "lam13", "lam1a", "lam1b", "lam3a", "lam3b", "lamab", "lam13p", "lam1ab")
POTENTIAL_PARAMETERS = MU2_NAMES + QUARTIC_NAMES
"""Parameters of the general potential eq. (3.3) (18 real numbers; the fit's parameters are
:data:`gm2jax.models.flavon.fitting.PARAMETERS`)."""

FREE_PARAMETERS = ("lam1", "lama", "lam13", "lam1a", "lamab", "lam13p", "lam1ab", "mu1_sq", "mua_sq", "mupa_sq")
"""The 10 free parameters left by the 8 relations of Appendix A."""

CHARGES = (1.0, 3.0, 0.4, 1.6)
"""U(1)_f charges of (phi_1, phi_3, phi_a, phi_b), Table 1 of arXiv:2003.06633."""

CHARGES_X = (0.0, 0.0, 1.0, -1.0)
"""Charges of the second accidental U(1) of eq. (3.3) at mu' = 0 (footnote 5)."""

SIGMA = (0, 2, 4, 6)
PHI = (1, 3, 5, 7)


class Convention(NamedTuple):
    """Reading of eq. (3.3) (see the module docstring).

    Attributes:
        mu_sign: coefficient sign of ``mu_i^2 |phi_i|^2`` and ``(mu'^2 phi^2 + h.c.)``
            (-1: eq. (2.2), the adopted one; +1: eq. (3.3) literally).
        lam1ab_hc: V contains ``lam1ab_hc * lam1ab * Re(phi_a^* phi_b^* phi_1^2)`` (adopted: 1).
        lam13p_hc: V contains ``lam13p_hc * lam13p * Re(phi_3^* phi_1^3)`` (adopted: 2).
    """

    mu_sign: float = -1.0
    lam1ab_hc: float = 1.0
    lam13p_hc: float = 2.0


PAPER = Convention()
"""The adopted convention (consistent with A.3, A.5, A.6, A.10-A.13 and Table 2)."""


def apply_relations(free) -> dict:
    """General parameters from the 10 free ones with the 8 relations of Appendix A (convention 4).

    Args:
        free: dict with the keys of :data:`FREE_PARAMETERS` (mu^2 in GeV^2).

    Returns:
        dict with every key of :data:`POTENTIAL_PARAMETERS`.
    """
    p = {k: free[k] for k in FREE_PARAMETERS}
    p["lamb"] = p["lama"]
    p["lam1b"] = p["lam1a"]
    p["lam3a"] = p["lam1a"] + 0.5 * p["lam1ab"]
    p["lam3b"] = p["lam3a"]
    p["lam3"] = (4.0 * p["lam1"] + 6.0 * p["lam13"] - 11.0 * p["lam13p"]) / 16.0
    p["mu3_sq"] = p["mu1_sq"]
    p["mub_sq"] = p["mua_sq"]
    p["mupb_sq"] = p["mupa_sq"]
    return p


def _invariants(x):
    r1, i1, r3, i3, ra, ia, rb, ib = (x[..., k] for k in range(8))
    n1, n3, na, nb = r1**2 + i1**2, r3**2 + i3**2, ra**2 + ia**2, rb**2 + ib**2
    # Re(phi_a^* phi_b^* phi_1^2) = Re(conj(phi_a phi_b) phi_1^2)
    abr, abi = ra * rb - ia * ib, ra * ib + ia * rb
    s2r, s2i = r1**2 - i1**2, 2.0 * r1 * i1
    i_ab1 = abr * s2r + abi * s2i
    # Re(phi_3^* phi_1^3)
    c3r, c3i = r1**3 - 3.0 * r1 * i1**2, 3.0 * r1**2 * i1 - i1**3
    i_31 = r3 * c3r + i3 * c3i
    return n1, n3, na, nb, i_ab1, i_31, ra**2 - ia**2, rb**2 - ib**2


@float64
def potential(x, params, convention: Convention = PAPER):
    r"""V of eq. (3.3) in GeV^4 at the real field components ``x`` (shape (..., 8), GeV).

    .. math:: V = s \sum_i \mu_i^2 |\phi_i|^2 + \sum_i \lambda_i |\phi_i|^4
              + \sum_{i<j} \lambda_{ij} |\phi_i|^2 |\phi_j|^2
              + h_1 \lambda_{1ab} \mathrm{Re}(\phi_a^*\phi_b^*\phi_1^2)
              + h_3 \lambda'_{13} \mathrm{Re}(\phi_3^*\phi_1^3)
              + 2 s\, (\mu'^2_a \mathrm{Re}\,\phi_a^2 + \mu'^2_b \mathrm{Re}\,\phi_b^2)

    with ``s = convention.mu_sign`` (-1), ``h_1 = lam1ab_hc`` (1), ``h_3 = lam13p_hc`` (2).

    Example:
        >>> from gm2jax.models.flavon.potential import potential, fields_from_vevs
        >>> from gm2jax.models.flavon.toy import table2_parameters
        >>> v = potential(fields_from_vevs([42.0, -84.0, 262.0, 262.0]), table2_parameters())
        >>> round(float(v) / 1e10, 3)
        -7.011
    """
    p = params
    n1, n3, na, nb, i_ab1, i_31, ra2, rb2 = _invariants(jnp.asarray(x))
    s = convention.mu_sign
    v = s * (p["mu1_sq"] * n1 + p["mu3_sq"] * n3 + p["mua_sq"] * na + p["mub_sq"] * nb)
    v = v + p["lam1"] * n1**2 + p["lam3"] * n3**2 + p["lama"] * na**2 + p["lamb"] * nb**2
    v = v + p["lam13"] * n1 * n3 + p["lam1a"] * n1 * na + p["lam1b"] * n1 * nb
    v = v + p["lam3a"] * n3 * na + p["lam3b"] * n3 * nb + p["lamab"] * na * nb
    v = v + convention.lam1ab_hc * p["lam1ab"] * i_ab1 + convention.lam13p_hc * p["lam13p"] * i_31
    v = v + 2.0 * s * (p["mupa_sq"] * ra2 + p["mupb_sq"] * rb2)
    return v


@float64
def fields_from_vevs(vevs):
    """Real field vector (8,) of the real vacuum ``vevs = (v1, v3, va, vb)`` (GeV)."""
    v = jnp.asarray(vevs, dtype=jnp.float64)
    z = jnp.zeros_like(v[..., 0])
    return jnp.stack([v[..., 0], z, v[..., 1], z, v[..., 2], z, v[..., 3], z], axis=-1)


@float64
def tadpole_gradient(vevs, params, convention: Convention = PAPER):
    """dV/dsigma_i (GeV^3) at the real vacuum ``vevs`` (the four stationarity conditions, A.2)."""
    g = jax.grad(potential)(fields_from_vevs(vevs), params, convention)
    return g[jnp.asarray(SIGMA)]


@float64
def solve_mu2(vevs, params, convention: Convention = PAPER) -> dict:
    """``params`` with mu_1^2, mu_3^2, mu_a^2, mu_b^2 re-solved from the tadpoles at ``vevs``.

    V is linear in mu_i^2 with dV/dsigma_i containing ``2 s mu_i^2 v_i``, so
    ``mu_i^2 = -g0_i / (2 s v_i)``, g0 the gradient at mu_i^2 = 0 (exact; the general
    potential's four mu^2 make any real vevs with all v_i != 0 stationary).  The vevs must be
    non-zero (callers check; a zero vev gives inf here).
    """
    q = dict(params)
    for k in ("mu1_sq", "mu3_sq", "mua_sq", "mub_sq"):
        q[k] = jnp.zeros_like(jnp.asarray(params[k], dtype=jnp.float64))
    g0 = tadpole_gradient(vevs, q, convention)
    v = jnp.asarray(vevs, dtype=jnp.float64)
    for i, k in enumerate(("mu1_sq", "mu3_sq", "mua_sq", "mub_sq")):
        q[k] = -g0[i] / (2.0 * convention.mu_sign * v[i])
    return q


@float64
def mass_matrices(vevs, params, convention: Convention = PAPER):
    """CP-even and CP-odd squared-mass matrices (GeV^2) by autodiff, eq. (A.4).

    ``M_S^2 = (1/2) d^2V/dsigma dsigma``, ``M_P^2 = (1/2) d^2V/dvarphi dvarphi`` at the real
    vacuum ``vevs``; the sigma-varphi block vanishes for real couplings and vevs (CP).  Exact
    for any ``vevs`` (not only stationary ones).

    Returns:
        ``(M_S2, M_P2)``, each (4, 4) in the basis (phi_1, phi_3, phi_a, phi_b).
    """
    h = 0.5 * jax.hessian(potential)(fields_from_vevs(vevs), params, convention)
    s, p = jnp.asarray(SIGMA), jnp.asarray(PHI)
    return h[s][:, s], h[p][:, p]


@float64
def analytic_mass_matrices(vevs, params):
    """Corrected A.5/A.6 for the GENERAL potential at any real stationary vacuum (convention :data:`PAPER`).

    The mu_i^2 are eliminated with the tadpoles (:func:`solve_mu2`); the entries were derived
    with sympy from eq. (3.3) and equal :func:`mass_matrices` at ``solve_mu2(vevs, params)``
    to rounding.  With the relations and ``v3 = -2 v1, vb = va`` they reduce to
    :func:`appendix_mass_matrices`.

    Returns:
        ``(M_S2, M_P2)`` (GeV^2).
    """
    p = params
    v1, v3, va, vb = (jnp.asarray(vevs, dtype=jnp.float64)[i] for i in range(4))
    l13p, l1ab = p["lam13p"], p["lam1ab"]
    s = jnp.array(
        [
            [v1 * (4 * p["lam1"] * v1 + 3 * l13p * v3), v1 * (2 * p["lam13"] * v3 + 3 * l13p * v1), v1 * (2 * p["lam1a"] * va + l1ab * vb), v1 * (l1ab * va + 2 * p["lam1b"] * vb)],
            [0.0, (-l13p * v1**3 + 4 * p["lam3"] * v3**3) / v3, 2 * p["lam3a"] * v3 * va, 2 * p["lam3b"] * v3 * vb],
            [0.0, 0.0, (-l1ab * v1**2 * vb + 8 * p["lama"] * va**3) / (2 * va), l1ab * v1**2 / 2 + 2 * p["lamab"] * va * vb],
            [0.0, 0.0, 0.0, (-l1ab * v1**2 * va + 8 * p["lamb"] * vb**3) / (2 * vb)],
        ]
    )
    q = jnp.array(
        [
            [-9 * l13p * v1 * v3 - 2 * l1ab * va * vb, 3 * l13p * v1**2, l1ab * v1 * vb, l1ab * v1 * va],
            [0.0, -l13p * v1**3 / v3, 0.0, 0.0],
            [0.0, 0.0, -l1ab * v1**2 * vb / (2 * va) + 4 * p["mupa_sq"], -l1ab * v1**2 / 2],
            [0.0, 0.0, 0.0, -l1ab * v1**2 * va / (2 * vb) + 4 * p["mupb_sq"]],
        ]
    )
    sym = lambda m: m + jnp.triu(m, 1).T  # noqa: E731
    return sym(s), sym(q)


@float64
def appendix_mass_matrices(v1, va, free, *, as_printed: bool = False):
    """A.5 and A.6 of the paper (reduced model, ``v3 = -2 v1, vb = va``), corrected or as printed.

    Args:
        v1, va: vevs in GeV.
        free: the 10 free parameters (:data:`FREE_PARAMETERS`); mu_1^2 and mu_a^2 are not used
            (eliminated by the tadpoles, as in the paper).
        as_printed: return the paper's printed (garbled) entries instead (for the tests that
            document the corrections; see the module docstring, point 5).

    Returns:
        ``(M_S2, M_P2)`` (GeV^2), basis (phi_1, phi_3, phi_a, phi_b).
    """
    l1, la, l13, l1a, lab, lp, lx, mp = (free[k] for k in ("lam1", "lama", "lam13", "lam1a", "lamab", "lam13p", "lam1ab", "mupa_sq"))
    lt1a = l1a + lx / 2.0
    a = 2 * va * v1 * lt1a
    if as_printed:
        s12 = -(v1**2) * (-4 * l13 + 3 * lp)
        s33 = 4 * va**2 * la - va**2 / 2 * lx
        s34 = 2 * va**2 * la + va**2 / 2 * lx
        p12 = 3 * v1 * lp
        p33 = 4 * mp - va**2 / 2 * lx
        p34 = -(va**2) / 2 * lx
    else:
        s12 = -(v1**2) * (4 * l13 - 3 * lp)
        s33 = 4 * va**2 * la - v1**2 / 2 * lx
        s34 = 2 * va**2 * lab + v1**2 / 2 * lx
        p12 = 3 * v1**2 * lp
        p33 = 4 * mp - v1**2 / 2 * lx
        p34 = -(v1**2) / 2 * lx
    ms = jnp.array(
        [
            [2 * v1**2 * (2 * l1 - 3 * lp), s12, a, a],
            [s12, v1**2 / 2 * (8 * l1 + 12 * l13 - 21 * lp), -2 * a, -2 * a],
            [a, -2 * a, s33, s34],
            [a, -2 * a, s34, s33],
        ]
    )
    b = va * v1 * lx
    mpm = jnp.array(
        [
            [-2 * va**2 * lx + 18 * v1**2 * lp, p12, b, b],
            [3 * v1**2 * lp, v1**2 / 2 * lp, 0.0, 0.0],
            [b, 0.0, p33, p34],
            [b, 0.0, p34, p33],
        ]
    )
    return ms, mpm


@float64
def goldstone_directions(vevs):
    """Unit CP-odd directions ``varphi_i ~ q_i v_i`` of the two U(1)s of footnote 5 (4, 2).

    Massless modes of M_P^2 at ``mu'_a = mu'_b = 0``: U(1)_f (charges :data:`CHARGES`) and
    the (0, 0, 1, -1) symmetry.  Columns are orthonormalised (Gram-Schmidt).
    """
    v = jnp.asarray(vevs, dtype=jnp.float64)
    g1 = jnp.asarray(CHARGES) * v
    g2 = jnp.asarray(CHARGES_X) * v
    e1 = g1 / jnp.linalg.norm(g1)
    g2 = g2 - (g2 @ e1) * e1
    return jnp.stack([e1, g2 / jnp.linalg.norm(g2)], axis=1)


# ----------------------------------------------------------------------------------------
# boundedness from below
# ----------------------------------------------------------------------------------------


def quartic_form(r, params, convention: Convention = PAPER):
    r"""Phase-minimised quartic part of V at moduli ``r = (|phi_1|, |phi_3|, |phi_a|, |phi_b|)``.

    The two phase-dependent quartics depend on the independent phase combinations
    ``2 th_1 - th_a - th_b`` and ``3 th_1 - th_3``, so both reach ``-|coefficient|`` at once:

    .. math:: Q(r) = \sum_i \lambda_i r_i^4 + \sum_{i<j}\lambda_{ij} r_i^2 r_j^2
              - h_1|\lambda_{1ab}| r_1^2 r_a r_b - h_3|\lambda'_{13}| r_1^3 r_3 .

    V is bounded from below (strictly: V -> +inf in every direction) iff ``Q > 0`` on the
    non-negative part of the unit sphere.
    """
    p = params
    r1, r3, ra, rb = (r[..., i] for i in range(4))
    q = p["lam1"] * r1**4 + p["lam3"] * r3**4 + p["lama"] * ra**4 + p["lamb"] * rb**4
    q = q + p["lam13"] * r1**2 * r3**2 + p["lam1a"] * r1**2 * ra**2 + p["lam1b"] * r1**2 * rb**2
    q = q + p["lam3a"] * r3**2 * ra**2 + p["lam3b"] * r3**2 * rb**2 + p["lamab"] * ra**2 * rb**2
    q = q - convention.lam1ab_hc * jnp.abs(p["lam1ab"]) * r1**2 * ra * rb
    q = q - convention.lam13p_hc * jnp.abs(p["lam13p"]) * r1**3 * r3
    return q


_GRID_N = 13


def _sphere_grid():
    """Deterministic directions on the non-negative unit 3-sphere (hyperspherical angle grid)."""
    t = np.linspace(0.0, 0.5 * math.pi, _GRID_N)
    pts = []
    for a, b, c in itertools.product(t, t, t):
        pts.append([math.cos(a), math.sin(a) * math.cos(b), math.sin(a) * math.sin(b) * math.cos(c), math.sin(a) * math.sin(b) * math.sin(c)])
    return np.asarray(pts)


_GRID = _sphere_grid()


@float64
def min_quartic(params, convention: Convention = PAPER, refine_steps: int = 60):
    """Minimum of :func:`quartic_form` on the non-negative unit sphere (jit-safe).

    Method: the value on a fixed 13^3 angular grid (2197 directions, spacing 7.5 degrees)
    followed by ``refine_steps`` projected-gradient steps from the best 8 grid points
    (r -> max(r, 0), renormalised).  A necessary and sufficient criterion up to this
    numerical resolution; copositivity closed forms do not apply because of the odd terms
    r_1^2 r_a r_b and r_1^3 r_3.

    Returns:
        (min Q, its direction (4,)).
    """
    grid = jnp.asarray(_GRID)
    q = quartic_form(grid, params, convention)
    idx = jnp.argsort(q)[:8]
    r = grid[idx]
    scale = jnp.maximum(jnp.max(jnp.abs(jnp.stack([jnp.asarray(params[k], dtype=jnp.float64) for k in QUARTIC_NAMES]))), 1e-300)
    gfun = jax.vmap(jax.grad(lambda rr: quartic_form(rr, params, convention)))

    def body(_, r):
        r = r - 0.05 / scale * gfun(r)
        r = jnp.maximum(r, 0.0)
        return r / jnp.maximum(jnp.linalg.norm(r, axis=1, keepdims=True), 1e-300)

    r = jax.lax.fori_loop(0, refine_steps, body, r)
    qr = quartic_form(r, params, convention)
    allq = jnp.concatenate([q, qr])
    alldir = jnp.concatenate([grid, r])
    k = jnp.argmin(allq)
    return allq[k], alldir[k]


@float64
def bounded_below(params, convention: Convention = PAPER):
    """True (traced bool) when V is bounded from below (:func:`min_quartic` > 0)."""
    return min_quartic(params, convention)[0] > 0.0
