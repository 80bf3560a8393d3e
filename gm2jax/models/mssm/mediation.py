r"""Higgs-mediation slepton spectra: seed 000 eq. (15); self-consistent seed 001 eqs. (3.1)-(3.4).

Two parametrisations of flavour-aligned (MFV) slepton soft masses are offered.

**Badziak-Sakurai (arXiv:1908.03607, eqs. (14)-(15)).**  :func:`higgs_mediation_params`
maps three masses (m_L, m_R, m_H) to the soft masses of the first two generations::

    m_E1^2 = m_R^2,            m_L1^2 = m_L^2,
    m_E2^2 = m_R^2 + m_H^2,    m_L2^2 = m_L^2 + m_H^2.

Eq. (15) says nothing about the third generation, which does not enter a_e or a_mu at one
loop; see the ``third`` argument (default: like the second generation).

**Endo-Yin (arXiv:1906.08768, section 3).**  The soft masses depend on the SUSY Yukawa
coupling of their own flavour, eq. (3.1)::

    m^2_{L,i} = d_L + c_L y_i^2,     m^2_{R,i} = d_R + c_R y_i^2,

with, for m_Hu^2 ~ m_Hd^2 = -mbar^2 < 0 run from M_GUT to mbar in the leading-log
approximation, eq. (3.2)::

    c_R = 2 c_L = mbar^2 ln(M_GUT/mbar) / (4 pi^2),   M_GUT ~ 1e16 GeV

(re-derived from the one-loop RGEs 16 pi^2 dm_E^2/dt = 4 y^2 m_Hd^2 + ..., 16 pi^2 dm_L^2/dt =
2 y^2 m_Hd^2 + ..., which give Delta m_E^2 = 2 Delta m_L^2 = y^2 mbar^2 ln(M_GUT/mbar)/(4 pi^2)),

and mu ~ -mbar (eq. (3.3)).  mbar^2 > 0 makes c_{L,R} > 0, which is eq. (3.4):
(m^2_mu~ - m^2_e~)/(y_mu^2 - y_e^2) = c_{L,R} > 0.  The SUSY Yukawa is itself the resummed one, seed 001 eq. (2.1)::

    y_i = sqrt2 m_i / (v cos(beta) (1 + Delta_i))          (v ~ 246 GeV here; 174 GeV in the seed)

and Delta_i (:func:`gm2jax.models.mssm.threshold.delta_lepton`, the full one-loop formula the
seed uses in its numerics) depends on m^2_{L,i}, m^2_{R,i}, i.e. on y_i.  Each flavour is
therefore a one-dimensional fixed-point problem y = T(y) = y0/(1 + Delta(y^2)),
y0 = sqrt2 m_i/(v cos beta), solved here as the root of::

    f(y) = y (1 + Delta(y^2)) / y0 - 1 = 0.

It can have several roots (seed 001 Table 2: points II and III share all inputs), because
Delta(y^2) -> Delta(0) (which may be << -1 for light d_{L,R}) at small |y| and -> 0 at large
|y|.  With Delta(y^2) increasing in y^2 (the usual case, mu M1 < 0):

* y > 0 (1 + Delta > 0): f is increasing where 1 + Delta > 0: one root;
* y < 0 (1 + Delta < 0): |y| (-1 - Delta) rises from 0, has a maximum and falls back to 0:
  zero or two roots, merging in a *fold* (double root, T'(y) = 1) when y0 equals that
  maximum.  Seed 001's point II sits at this fold: for its inputs the maximum is at
  y = -0.00345, Delta = -14.94 (the paper: |y_mu| = 0.003, Delta_mu = -15), and the muon's
  y0 (PDG pole mass, v = 246.22 GeV) exceeds it by 1.07%, so that with these inputs the two
  roots of point II do not exist; 1.07% smaller y0 (e.g. the MS-bar m_mu(M_Z)) restores them.

:func:`solve_yukawa` finds all roots in a range of |y|: f on a log grid per sign, every sign
change bracketed and bisected; every extremum of f refined by a golden-section search, which
finds the pairs of roots the grid misses (two more brackets when f changes sign at the extremum)
and reports each extremum as a candidate fold with its *gap* (the relative change of y0 that
would turn it into a double root).  Roots at a fold are flagged.  The roots are differentiated
by the implicit function theorem (``jax.custom_jvp``; no loop is unrolled for derivatives)::

    dy/dtheta = -(df/dtheta)/(df/dy),      1 - T'(y) = y df/dy at a root,

so at a fold (T' = 1) the derivative is infinite: such a root is flagged (``fold``) and its
tangent is set to zero.  df/dy at the root comes from a central difference (relative error
~1e-10) and enters the rule as a constant, so first derivatives are exact to that level but
second derivatives through a root miss the variation of df/dy (not supported).

The fixed point is per flavour (Delta_i depends only on the i-th generation), so the leptons
are solved independently; a tuple of leptons gives results with a leading lepton axis.

Units: GeV for masses, GeV^2 for d_{L,R}, c_{L,R} and masses squared; y is dimensionless.

References:
    M. Endo, W. Yin, arXiv:1906.08768, eqs. (2.1)-(2.5), (3.1)-(3.4), Table 2.
    M. Badziak, K. Sakurai, arXiv:1908.03607, eqs. (14), (15), (19).
    G. Degrassi, G.F. Giudice, hep-ph/9803384 (leading QED logarithm, :func:`qed_factor`).
"""

from __future__ import annotations

import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from gm2jax import linalg
from gm2jax._precision import as_float64, float64
from gm2jax.errors import InvalidInput, Status
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.amu_1l import AmuResult, amu_1l_parts, point_status
from gm2jax.models.mssm.qed import qed_factor as qed_factor
from gm2jax.models.mssm.params import MSSMParams, signed_square
from gm2jax.models.mssm.threshold import SPECTRA, delta_lepton
from gm2jax.sm import SMInputs, couplings, lepton_index

__all__ = [
    "HiggsMediationParams",
    "YukawaSolution",
    "amu_at_roots",
    "higgs_mediation_params",
    "mediation_coefficients",
    "mssm_params",
    "qed_factor",
    "soft_masses2",
    "solve_yukawa",
    "yukawa_residual",
]

M_GUT = 1.0e16
"""Default GUT scale in GeV of seed 001 eq. (3.2) ("M_GUT ~ 10^16 GeV", below eq. (3.2))."""

_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


def _signed_sqrt(m2):
    """Inverse of :func:`signed_square`: sign(m2) sqrt(|m2|) (GM2Calc soft-mass convention)."""
    return jnp.sign(m2) * jnp.sqrt(jnp.abs(m2))


# --------------------------------------------------------------------------------------
# (a) Badziak-Sakurai eq. (15)
# --------------------------------------------------------------------------------------


@float64
def higgs_mediation_params(
    tan_beta, mu, M1, M2, mL, mR, mH, A=0.0, third="second", sm: SMInputs | None = None
):
    """MSSM parameters with the Higgs-mediation slepton masses of arXiv:1908.03607 eq. (15).

    First generation m_L1^2 = m_L^2, m_E1^2 = m_R^2; second generation m_L2^2 = m_L^2 + m_H^2,
    m_E2^2 = m_R^2 + m_H^2 (squares taken with their sign, :func:`signed_square`; the results are
    returned as signed soft masses in GeV, GM2Calc convention).

    Args:
        tan_beta: tan(beta).
        mu, M1, M2: higgsino, bino, wino mass parameters in GeV.
        mL, mR: flavour-universal left/right soft masses m_L, m_R in GeV.
        mH: Higgs-mediation mass m_H in GeV (its square is added to the 2nd generation).
        A: trilinear coupling A_l in GeV, the same for all generations (scalar or shape (3,)).
        third: third generation (does not enter a_e, a_mu at one loop; choose what the
            application needs).  ``"second"`` (default): the same as the second generation, as
            if Y_tau were replaced by Y_mu.  ``"yukawa"``: eq. (14) literally at tree level,
            m_{L,E 3}^2 = m_{L,R}^2 + m_H^2 (m_tau/m_mu)^2, using the pole masses of ``sm``.  A
            number or a pair (m_L3, m_E3): the soft masses in GeV as given (e.g. 5000 GeV as in the
            packaged benchmark ``BP2_1908.03607``).
        sm: SM inputs, needed only for ``third="yukawa"`` (default: the ``"pdg"`` convention).

    Returns:
        :class:`MSSMParams`.

    References:
        arXiv:1908.03607, eqs. (14), (15); benchmark BP-2 eq. (19).

    Example:
        >>> p = higgs_mediation_params(60.0, 700.0, -125.0, 118.0, 140.0, 120.0, 700.0, third=5e3)
        >>> round(float(p.msl[1]), 6)
        713.862732
    """
    mL2, mR2, mH2 = (signed_square(as_float64(m)) for m in (mL, mR, mH))
    if isinstance(third, str):
        if third == "second":
            r2 = 1.0
        elif third == "yukawa":
            sm = SMInputs.from_convention("pdg") if sm is None else sm
            r2 = (jnp.asarray(sm.m_tau) / sm.m_mu) ** 2
        else:
            raise InvalidInput(
                f"higgs_mediation_params: third={third!r}; use 'second', 'yukawa' or masses in GeV"
            )
        ml3, me3 = _signed_sqrt(mL2 + r2 * mH2), _signed_sqrt(mR2 + r2 * mH2)
    else:
        t = jnp.broadcast_to(jnp.asarray(as_float64(third)), (2,)) if jnp.ndim(third) <= 1 else None
        if t is None:
            raise InvalidInput(
                "higgs_mediation_params: third must be a mass or a pair (m_L3, m_E3) in GeV"
            )
        ml3, me3 = t[0], t[1]
    msl = jnp.stack([_signed_sqrt(mL2), _signed_sqrt(mL2 + mH2), ml3 * jnp.ones_like(mL2)])
    mse = jnp.stack([_signed_sqrt(mR2), _signed_sqrt(mR2 + mH2), me3 * jnp.ones_like(mR2)])
    Ae = jnp.broadcast_to(jnp.asarray(as_float64(A)), (3,))
    return MSSMParams(tan_beta, mu, M1, M2, msl, mse, Ae)


# --------------------------------------------------------------------------------------
# (b) Endo-Yin eqs. (3.1)-(3.4)
# --------------------------------------------------------------------------------------


@float64
def mediation_coefficients(mbar, M_GUT: float = M_GUT):
    """(c_L, c_R) in GeV^2 of arXiv:1906.08768 eq. (3.2).

    c_R = 2 c_L = mbar^2 ln(M_GUT/mbar)/(4 pi^2) (leading logarithm; see the module docstring).

    Args:
        mbar: mbar = sqrt(-m_Hd^2) in GeV (Higgs soft mass at the GUT scale, mbar > 0).
        M_GUT: GUT scale in GeV (default 1e16, seed 001 below eq. (3.2)).

    Returns:
        ``(cL, cR)`` in GeV^2 (leading-log approximation).
    """
    mbar = jnp.asarray(mbar)
    cR = mbar**2 * jnp.log(M_GUT / mbar) / (4.0 * math.pi**2)
    return 0.5 * cR, cR


class HiggsMediationParams(eqx.Module):
    """Inputs of the Higgs-mediation scenario of arXiv:1906.08768 section 3 (all real, GeV units).

    Attributes:
        tan_beta: tan(beta).
        mu: higgsino mass parameter in GeV (eq. (3.3): mu ~ -mbar).
        M1, M2: bino and wino masses in GeV.
        dL, dR: flavour-blind soft masses squared d_L, d_R of eq. (3.1) in GeV^2.
        cL, cR: Yukawa-dependent coefficients c_L, c_R of eq. (3.1) in GeV^2 (eq. (3.2) gives
            them from mbar: :meth:`from_mbar`).
        A: trilinear couplings A_l, shape (3,), GeV (enter only the slepton mixing; seed 001
            sets them to zero, its footnote 2).
    """

    tan_beta: jnp.ndarray
    mu: jnp.ndarray
    M1: jnp.ndarray
    M2: jnp.ndarray
    dL: jnp.ndarray
    dR: jnp.ndarray
    cL: jnp.ndarray
    cR: jnp.ndarray
    A: jnp.ndarray

    def __init__(self, tan_beta, mu, M1, M2, dL, dR, cL, cR, A=(0.0, 0.0, 0.0)):
        self.tan_beta = as_float64(tan_beta)
        self.mu = as_float64(mu)
        self.M1 = as_float64(M1)
        self.M2 = as_float64(M2)
        self.dL = as_float64(dL)
        self.dR = as_float64(dR)
        self.cL = as_float64(cL)
        self.cR = as_float64(cR)
        A = as_float64(A)
        if jnp.shape(A)[-1:] != (3,):  # one A for the three generations
            xp = np if isinstance(A, np.ndarray) else jnp
            A = xp.broadcast_to(A[..., None], jnp.shape(A) + (3,))
        self.A = A

    @classmethod
    def from_mbar(cls, mbar, tan_beta, dL, dR, M1, M2, mu=None, A=0.0, M_GUT: float = M_GUT):
        """Seed 001 Table 2 inputs: mbar (GeV), tan(beta), d_L, d_R (GeV^2), M1, M2 (GeV).

        ``mu`` defaults to -mbar (eq. (3.3)); c_{L,R} follow from eq. (3.2) with ``M_GUT`` (GeV).

        Example:
            >>> hp = HiggsMediationParams.from_mbar(1e5, 70.0, 2000.0**2, 2000.0**2, 1000.0, 600.0)
            >>> round(float(hp.cR / hp.cL), 12), float(hp.mu)
            (2.0, -100000.0)
        """
        cL, cR = mediation_coefficients(as_float64(mbar), M_GUT)
        mu = -as_float64(mbar) if mu is None else mu
        return cls(tan_beta, mu, M1, M2, dL, dR, cL, cR, A)


@float64
def soft_masses2(hp: HiggsMediationParams, y):
    """Soft masses squared (m_L^2, m_R^2) in GeV^2 of arXiv:1906.08768 eq. (3.1) at Yukawa ``y``."""
    y2 = jnp.asarray(y) ** 2
    return hp.dL + hp.cL * y2, hp.dR + hp.cR * y2


@float64
def mssm_params(hp: HiggsMediationParams, y) -> MSSMParams:
    """:class:`MSSMParams` of the scenario for SUSY Yukawas ``y`` = (y_e, y_mu, y_tau) (shape (3,)).

    A scalar ``y`` is used for all three generations (enough for one lepton's a_l, which only
    sees its own generation).  Negative m^2 become negative signed soft masses (flagged by the
    status of :func:`gm2jax.models.mssm.amu_1l.amu_1l_parts`).
    """
    y3 = jnp.broadcast_to(jnp.asarray(y), (3,))
    mL2, mR2 = soft_masses2(hp, y3)
    return MSSMParams(hp.tan_beta, hp.mu, hp.M1, hp.M2, _signed_sqrt(mL2), _signed_sqrt(mR2), hp.A)


# Under eq. (3.1) every generation's soft masses are the same function of its own y, so
# Delta_l(y), the slepton matrix and the status depend on the flavour only through m_l: the
# solver is written for a generic flavour (the first generation's slots, _GEN) with m_l a
# traced number, so one compilation serves every lepton.
_GEN = "e"


def _tree_yukawa(hp, sm, m_l):
    return sp.yukawa(couplings(sm), hp.tan_beta, m_l)


def _delta_at(y, hp, sm, spectrum):
    return delta_lepton(mssm_params(hp, y), couplings(sm), _GEN, spectrum)


def _residual(y, hp, sm, m_l, spectrum):
    return y * (1.0 + _delta_at(y, hp, sm, spectrum)) / _tree_yukawa(hp, sm, m_l) - 1.0


@float64
def yukawa_residual(
    y, hp: HiggsMediationParams, sm: SMInputs, lepton="mu", spectrum: str = "exact"
):
    """Normalised fixed-point residual f(y) = y (1 + Delta_l(y^2))/y0 - 1 (dimensionless).

    y0 = sqrt2 m_l/(v cos beta) is the tree-level Yukawa; f = 0 is seed 001 eq. (2.1) with the
    soft masses of eq. (3.1).  f is also the relative change of y0 for which ``y`` would be a
    root, which is how fold gaps are reported.
    """
    return _residual(y, hp, sm, sm.lepton_mass(lepton), spectrum)


# ------------------------------------------------------------------ implicit derivative


@functools.partial(jax.custom_jvp, nondiff_argnums=(0, 1))
def _implicit_root(spectrum, fold_tol, y, fy, args):
    """Identity on the (stop-gradient) root ``y``; its JVP is the implicit-function theorem.

    ``fy`` = df/dy at the root (computed by the solver, not differentiated).
    """
    del fy, args
    return y


@_implicit_root.defjvp
def _implicit_root_jvp(spectrum, fold_tol, primals, tangents):
    y, fy, args = primals
    args_dot = tangents[2]
    _, fa = jax.jvp(lambda aa: _residual(y, aa[0], aa[1], aa[2], spectrum), (args,), (args_dot,))
    # At a root 1 - T'(y) = y f'(y); a fold (T' = 1) has an infinite derivative: tangent 0.
    ok = (jnp.abs(y * fy) > fold_tol) & jnp.isfinite(fy) & jnp.isfinite(y)
    y_dot = jnp.where(ok, -fa / jnp.where(ok, fy, 1.0), 0.0)
    return y, y_dot


# ------------------------------------------------------------------ solver pieces


def _golden_next(a, b, x1, x2, g1, g2):
    """Next golden-section step (minimisation): (new interval, new probe point, which side)."""
    left = g1 <= g2
    a_n = jnp.where(left, a, x1)
    b_n = jnp.where(left, x2, b)
    x_new = jnp.where(left, b_n - _GOLDEN * (b_n - a_n), a_n + _GOLDEN * (b_n - a_n))
    return a_n, b_n, x_new, left


class YukawaSolution(eqx.Module):
    """All self-consistent SUSY Yukawas of one lepton (a tuple of leptons: leading lepton axis).

    Root slots are sorted by ``y`` (valid ones first); K = ``max_roots``, F = ``max_folds``.

    Attributes:
        y: (K,) signed SUSY Yukawa y_l at each root (dimensionless); NaN in empty slots.
        delta: (K,) Delta_l at the root; NaN in empty slots.
        valid: (K,) a converged root of the search range is in this slot.
        status: (K,) :class:`gm2jax.errors.Status` bits of the root's point (tachyonic slepton,
            negative soft mass^2, ...; ``NO_CONVERGENCE`` if the residual stayed above ``rtol``).
        fold: (K,) the root sits at a fold, |1 - T'(y)| <= ``fold_tol``: its derivative would be
            infinite and is returned as zero.
        slope: (K,) T'(y), derivative of the fixed-point map y -> y0/(1 + Delta(y^2)).
        residual: (K,) |f(y)| at the root.
        mL2, mR2: (K,) soft masses squared (GeV^2), eq. (3.1).
        m_slepton: (K, 2) charged-slepton masses (GeV, ascending) with m~ = m_l/(1 + Delta_l).
        m2_sneutrino: (K,) sneutrino mass squared (GeV^2).
        n_roots: number of valid roots (<= K).
        overflow: more roots were bracketed than K slots (raise ``max_roots``).
        y0: tree-level Yukawa sqrt2 m_l/(v cos beta).
        fold_y: (F,) location of the extrema of f (candidate folds), the F with the smallest
            |f| on the grid; NaN if empty.
        fold_delta: (F,) Delta_l there.
        fold_gap: (F,) f at the extremum = relative change of y0 that turns it into a double root
            (e.g. -0.01: y0 1% smaller, i.e. m_l/(v cos beta) 1% smaller, gives a double root).
        fold_valid: (F,) slot holds an extremum.
        at_fold: some extremum has |fold_gap| <= ``fold_gap_tol`` (the point is at a fold).
    """

    y: jnp.ndarray
    delta: jnp.ndarray
    valid: jnp.ndarray
    status: jnp.ndarray
    fold: jnp.ndarray
    slope: jnp.ndarray
    residual: jnp.ndarray
    mL2: jnp.ndarray
    mR2: jnp.ndarray
    m_slepton: jnp.ndarray
    m2_sneutrino: jnp.ndarray
    n_roots: jnp.ndarray
    overflow: jnp.ndarray
    y0: jnp.ndarray
    fold_y: jnp.ndarray
    fold_delta: jnp.ndarray
    fold_gap: jnp.ndarray
    fold_valid: jnp.ndarray
    at_fold: jnp.ndarray


@functools.partial(jax.jit, static_argnums=tuple(range(3, 13)))
def _solve_one(
    hp, sm, m_l, spectrum, n_grid, max_roots, max_folds, r_min, y_max, rtol, fold_tol, fold_gap_tol,
    n_iter,
):
    """The solver for one flavour of mass ``m_l`` (GeV, traced): see :func:`solve_yukawa`.

    Compilation time grows with the number of copies of Delta_l in the graph, so the whole
    search is ONE ``lax.fori_loop`` with a single (vmapped) evaluation of f per step; the step
    number selects the phase (``lax.switch`` on the unbatched loop counter, so phases stay
    branches under ``vmap``): grid chunks, set-up, golden-section refinement of the extrema,
    bisection of every bracket, and a last step that evaluates Delta at the roots and at
    y (1 +- h) for the slope T'.  Only values of f are used (no derivatives in the loop).
    """
    args = (hp, sm, m_l)
    hp_s, sm_s, m_s = jax.lax.stop_gradient(args)
    y0 = _tree_yukawa(hp_s, sm_s, m_s)
    K, F = max_roots, max_folds
    B = K + 2 * F  # bisection slots: K sign-change brackets, two per extremum
    V = max(3 * K, B, F)  # points evaluated per step
    h = 1e-5  # relative step of the central difference for T'

    def delta(y):
        return _delta_at(y, hp_s, sm_s, spectrum)

    # ---- grid: per sign branch, log-spaced |y| in [r_min y0, y_max], evaluated in chunks of V
    t = jnp.linspace(0.0, 1.0, n_grid)
    log_lo = jnp.log(r_min * y0)
    s_grid = log_lo + t * (math.log(y_max) - log_lo)  # (n,)
    ds = s_grid[1] - s_grid[0]
    signs = jnp.array([-1.0, 1.0])
    y_grid = (signs[:, None] * jnp.exp(s_grid)[None, :]).ravel()  # (2n,): branch y < 0, then y > 0
    G = -(-2 * n_grid // V)
    y_pad = jnp.concatenate([y_grid, jnp.full(G * V - 2 * n_grid, y0)])
    n_golden = n_bisect = n_iter
    # phase boundaries: grid [0, G), set-up G, golden x1 G+1, x2 G+2, golden steps, bisection, final
    bounds = (G, G + 1, G + 2, G + 3, G + 3 + n_golden, G + 3 + n_golden + n_bisect)
    n_steps = bounds[-1] + 1

    def setup(fg_flat):
        """Brackets and extrema from the grid values (no evaluation of f)."""
        fg = fg_flat[: 2 * n_grid].reshape(2, n_grid)
        neg = fg < 0
        sc = (neg[:, :-1] != neg[:, 1:]).ravel()
        yg = y_grid.reshape(2, n_grid)
        ya, yb = yg[:, :-1].ravel(), yg[:, 1:].ravel()
        na, nb = neg[:, :-1].ravel(), neg[:, 1:].ravel()
        a_lo = ya < yb
        (i_sc,) = jnp.nonzero(sc, size=K, fill_value=0)
        d = jnp.diff(fg, axis=1)
        ext = ((d[:, :-1] * d[:, 1:]) < 0).ravel()
        same3 = ((neg[:, :-2] == neg[:, 1:-1]) & (neg[:, 2:] == neg[:, 1:-1])).ravel()
        centre_f = fg[:, 1:-1].ravel()
        # the F extrema closest to a double root
        order = jnp.argsort(jnp.where(ext, jnp.abs(centre_f), jnp.inf))[:F]
        e_s = jnp.tile(s_grid[1:-1], 2)[order]
        return dict(
            n_sc=jnp.sum(sc),
            sc_lo=jnp.where(a_lo, ya, yb)[i_sc],
            sc_hi=jnp.where(a_lo, yb, ya)[i_sc],
            sc_neg=jnp.where(a_lo, na, nb)[i_sc],
            e_ok=ext[order],
            e_same=same3[order],
            e_f=centre_f[order],
            e_min=(d[:, :-1] < 0).ravel()[order],
            e_sign=jnp.repeat(signs, n_grid - 2)[order],
            e_s=e_s,
        )

    def e_brackets(su, s_star, g_star):
        """Extremum brackets [y_l, y_ext], [y_ext, y_r] and the sign of f at their lower ends."""
        y_ext = su["e_sign"] * jnp.exp(s_star)
        y_l, y_r = su["e_sign"] * jnp.exp(su["e_s"] - ds), su["e_sign"] * jnp.exp(su["e_s"] + ds)
        e_neg = su["e_f"] < 0
        x_neg = jnp.where(su["e_min"], g_star, -g_star) < 0
        lo = jnp.concatenate([jnp.minimum(y_l, y_ext), jnp.minimum(y_r, y_ext)])
        hi = jnp.concatenate([jnp.maximum(y_l, y_ext), jnp.maximum(y_r, y_ext)])
        nlo = jnp.concatenate(
            [jnp.where(y_l < y_ext, e_neg, x_neg), jnp.where(y_r < y_ext, e_neg, x_neg)]
        )
        return lo, hi, nlo

    def finish(st):
        """Extrema, candidate roots, compaction to K sorted slots (no evaluation of f)."""
        su = st["su"]
        left = st["g1"] <= st["g2"]
        s_star = jnp.where(left, st["x1"], st["x2"])
        g_star = jnp.where(left, st["g1"], st["g2"])
        y_ext = su["e_sign"] * jnp.exp(s_star)
        f_ext = jnp.where(su["e_min"], g_star, -g_star)
        e_ok = su["e_ok"]
        cross = e_ok & su["e_same"] & ((f_ext < 0) != (su["e_f"] < 0))
        double = e_ok & ~cross & (jnp.abs(f_ext) <= fold_gap_tol)
        y_bis = 0.5 * (st["lo"] + st["hi"])
        cand_ok = jnp.concatenate([jnp.arange(K) < su["n_sc"], cross | double, cross])
        cand_y = jnp.concatenate(
            [y_bis[:K], jnp.where(double, y_ext, y_bis[K:K + F]), y_bis[K + F:]]
        )
        cand_dbl = jnp.concatenate([jnp.zeros(K, dtype=bool), double, jnp.zeros(F, dtype=bool)])
        (idx,) = jnp.nonzero(cand_ok, size=K, fill_value=0)
        filled = jnp.arange(K) < jnp.sum(cand_ok)
        # empty slots hold the tree-level Yukawa (finite everywhere downstream); sort by y
        y_safe = jnp.where(filled, cand_y[idx], y0)
        perm = jnp.argsort(jnp.where(filled, y_safe, jnp.inf))
        return dict(
            y_safe=y_safe[perm], filled=filled[perm], dbl=(cand_dbl[idx] & filled)[perm],
            n_cand=jnp.sum(cand_ok) + jnp.maximum(su["n_sc"] - K, 0),
            y_ext=y_ext, f_ext=f_ext, e_ok=e_ok,
        )

    def pad(x):
        return jnp.concatenate([x, jnp.full(V - x.shape[0], y0)])

    def golden_y(st, x):
        return st["su"]["e_sign"] * jnp.exp(x)

    # points evaluated at each phase
    def p_grid(i, st):
        return lax.dynamic_slice(y_pad, (i * V,), (V,))

    def p_setup(i, st):
        return jnp.full(V, y0)

    def p_x1(i, st):
        return pad(golden_y(st, st["x1"]))

    def p_x2(i, st):
        return pad(golden_y(st, st["x2"]))

    def p_golden(i, st):
        _, _, x_new, _ = _golden_next(st["a"], st["b"], st["x1"], st["x2"], st["g1"], st["g2"])
        return pad(golden_y(st, x_new))

    def p_bisect(i, st):
        return pad(0.5 * (st["lo"] + st["hi"]))

    def p_final(i, st):
        y = finish(st)["y_safe"]
        return pad(jnp.concatenate([y * (1.0 - h), y, y * (1.0 + h)]))

    # state updates given the values of Delta at those points
    def f_of(y, dv):
        return y * (1.0 + dv) / y0 - 1.0

    def u_grid(i, st, y, dv):
        return {**st, "fg": lax.dynamic_update_slice(st["fg"], f_of(y, dv), (i * V,))}

    def u_setup(i, st, y, dv):
        su = setup(st["fg"])
        ga, gb = su["e_s"] - ds, su["e_s"] + ds
        return {
            **st, "su": su, "a": ga, "b": gb,
            "x1": gb - _GOLDEN * (gb - ga), "x2": ga + _GOLDEN * (gb - ga),
            "lo": st["lo"].at[:K].set(su["sc_lo"]), "hi": st["hi"].at[:K].set(su["sc_hi"]),
            "nlo": st["nlo"].at[:K].set(su["sc_neg"]),
        }

    def g_of(st, fv):  # golden section minimises f at minima, -f at maxima
        return jnp.where(st["su"]["e_min"], fv, -fv)

    def u_x1(i, st, y, dv):
        return {**st, "g1": g_of(st, f_of(y, dv)[:F])}

    def u_x2(i, st, y, dv):
        st = {**st, "g2": g_of(st, f_of(y, dv)[:F])}
        return u_ebr(st)

    def u_ebr(st):
        left = st["g1"] <= st["g2"]
        s_star = jnp.where(left, st["x1"], st["x2"])
        lo, hi, nlo = e_brackets(st["su"], s_star, jnp.where(left, st["g1"], st["g2"]))
        return {
            **st,
            "lo": st["lo"].at[K:].set(lo),
            "hi": st["hi"].at[K:].set(hi),
            "nlo": st["nlo"].at[K:].set(nlo),
        }

    def u_golden(i, st, y, dv):
        a_n, b_n, _, left = _golden_next(st["a"], st["b"], st["x1"], st["x2"], st["g1"], st["g2"])
        g_new = g_of(st, f_of(y, dv)[:F])
        st = {
            **st, "a": a_n, "b": b_n,
            "x1": jnp.where(left, b_n - _GOLDEN * (b_n - a_n), st["x2"]),
            "x2": jnp.where(left, st["x1"], a_n + _GOLDEN * (b_n - a_n)),
            "g1": jnp.where(left, g_new, st["g2"]),
            "g2": jnp.where(left, st["g1"], g_new),
        }
        return u_ebr(st)

    def u_bisect(i, st, y, dv):
        mid, fm = y[:B], f_of(y, dv)[:B]
        same = (fm < 0) == st["nlo"]
        return {**st, "lo": jnp.where(same, mid, st["lo"]), "hi": jnp.where(same, st["hi"], mid)}

    def u_final(i, st, y, dv):
        return {**st, "d3": dv[: 3 * K]}

    p_fns = (p_grid, p_setup, p_x1, p_x2, p_golden, p_bisect, p_final)
    u_fns = (u_grid, u_setup, u_x1, u_x2, u_golden, u_bisect, u_final)

    def body(i, st):
        phase = sum((i >= b_).astype(jnp.int32) for b_ in bounds)
        y = lax.switch(phase, p_fns, i, st)
        dv = jax.vmap(delta)(y)
        return lax.switch(phase, u_fns, i, st, y, dv)

    zF, zB = jnp.zeros(F), jnp.zeros(B)
    st0 = dict(
        fg=jnp.zeros(G * V),
        su=jax.tree_util.tree_map(
            lambda sd: jnp.zeros(sd.shape, sd.dtype), jax.eval_shape(setup, jnp.zeros(G * V))
        ),
        a=zF, b=zF, x1=zF, x2=zF, g1=zF, g2=zF,
        lo=zB, hi=zB, nlo=jnp.zeros(B, dtype=bool), d3=jnp.zeros(3 * K),
    )
    st = lax.fori_loop(0, n_steps, body, st0)
    fin = finish(st)
    y_safe, filled, dbl = fin["y_safe"], fin["filled"], fin["dbl"]
    y_ext, f_ext, e_ok, n_cand = fin["y_ext"], fin["f_ext"], fin["e_ok"], fin["n_cand"]
    fold_delta = (f_ext + 1.0) * y0 / y_ext - 1.0  # from f = y (1 + Delta)/y0 - 1

    # ---- slope of the fixed-point map T' = -y Delta'/(1 + Delta) = 1 - y f'(y), central
    # differences (relative step h = 1e-5: error ~1e-10), and the residual |f(y)|
    d_lo, d_mid, d_hi = st["d3"][:K], st["d3"][K:2 * K], st["d3"][2 * K:]
    slope = -(d_hi - d_lo) / (2.0 * h) / (1.0 + d_mid)
    fy = (1.0 - slope) / y_safe
    res = jnp.abs(y_safe * (1.0 + d_mid) / y0 - 1.0)

    # ---- differentiable part: implicit derivative, then everything at the roots.  Delta at a
    # root is y0/y - 1 (eq. (2.1)), so only the implicit derivative differentiates Delta_l.
    y_diff = jax.vmap(lambda yy, fp: _implicit_root(spectrum, fold_tol, yy, fp, args))(y_safe, fy)
    c = couplings(sm)
    dl = _tree_yukawa(hp, sm, m_l) / y_diff - 1.0

    def at_root(yy, dd):
        p = mssm_params(hp, yy)
        mL2, mR2 = soft_masses2(hp, yy)
        w, _ = linalg.eigh_sym(sp.slepton_matrix(p, c, _GEN, m_l, dd))
        st = point_status(p, c, _GEN, m_l, dd)
        return mL2, mR2, jnp.sqrt(jnp.abs(w)), sp.sneutrino_mass2(p, c, _GEN), st

    mL2, mR2, msl, msnu2, st = jax.vmap(at_root)(y_diff, dl)
    converged = filled & ((res <= rtol) | dbl)
    fold = converged & ((jnp.abs(1.0 - slope) <= fold_tol) | dbl)
    st = jnp.where(filled & ~converged, st | int(Status.NO_CONVERGENCE), st)
    st = jnp.where(filled, st, 0)
    nan = jnp.nan
    return YukawaSolution(
        y=jnp.where(converged, y_diff, nan),
        delta=jnp.where(converged, dl, nan),
        valid=converged,
        status=st,
        fold=fold,
        slope=jnp.where(converged, slope, nan),
        residual=jnp.where(filled, res, nan),
        mL2=jnp.where(converged, mL2, nan),
        mR2=jnp.where(converged, mR2, nan),
        m_slepton=jnp.where(converged[:, None], msl, nan),
        m2_sneutrino=jnp.where(converged, msnu2, nan),
        n_roots=jnp.sum(converged),
        overflow=n_cand > K,
        y0=_tree_yukawa(hp, sm, m_l),
        fold_y=jnp.where(e_ok, y_ext, nan),
        fold_delta=jnp.where(e_ok, fold_delta, nan),
        fold_gap=jnp.where(e_ok, f_ext, nan),
        fold_valid=e_ok,
        at_fold=jnp.any(e_ok & (jnp.abs(f_ext) <= fold_gap_tol)),
    )


@float64
def solve_yukawa(
    hp: HiggsMediationParams,
    sm: SMInputs | None = None,
    lepton="mu",
    *,
    spectrum: str = "exact",
    n_grid: int = 400,
    max_roots: int = 6,
    max_folds: int = 4,
    r_min: float = 1e-6,
    y_max: float = math.sqrt(4.0 * math.pi),
    rtol: float = 1e-10,
    fold_tol: float = 1e-6,
    fold_gap_tol: float = 1e-9,
    n_iter: int = 80,
) -> YukawaSolution:
    """All self-consistent SUSY Yukawas y_l of arXiv:1906.08768 eqs. (2.1), (3.1) (jit/vmap-safe).

    Solves f(y) = y (1 + Delta_l(m_L^2(y), m_R^2(y)))/y0 - 1 = 0 (:func:`yukawa_residual`) for
    every root with r_min y0 <= |y| <= y_max, both signs of y (y < 0 means 1 + Delta_l < 0).

    Algorithm (one ``lax.fori_loop``, values of f only): f on a log grid of ``n_grid`` points per
    sign; every sign change is a bracket; the ``max_folds`` discrete extrema of f with the smallest
    |f| are refined by golden section in log|y| -- if f changes sign there, the grid missed a pair
    of roots and two brackets are added; if |f| <= ``fold_gap_tol`` there, it is a double root;
    every bracket is bisected (``n_iter`` steps: machine precision).  Two roots closer than one
    grid cell (log(y_max/(r_min y0))/n_grid in log|y|, ~6% for the electron) are found only
    through their extremum, i.e. when it is among the ``max_folds`` retained.

    Derivatives with respect to every field of ``hp`` and ``sm`` (``jax.grad``, ``jax.jacfwd``)
    follow from the implicit-function theorem, dy = -(df/dtheta)/(df/dy) dtheta; Delta_l at a
    root is y0/y - 1 (differentiated through y and y0).  At a fold (|1 - T'| <= ``fold_tol``) the
    tangent is zero and ``fold`` is set.  First derivatives only (see the module docstring).

    Args:
        hp: scenario inputs (unbatched; ``jax.vmap`` for batches).
        sm: SM inputs (default ``"pdg"``: v = 246.22 GeV, i.e. seed 001's v ~ 174 GeV times sqrt2).
        lepton: ``"e"``, ``"mu"``, ``"tau"`` or a tuple of them (static; a tuple gives a leading
            lepton axis on every field).
        spectrum: Delta_l spectrum, ``"exact"`` or ``"gm2calc"`` (static;
            :func:`gm2jax.models.mssm.threshold.delta_lepton`).
        n_grid: grid points per sign (static).
        max_roots: root slots K (static).
        max_folds: extremum (fold-candidate) slots F, the F extrema with the smallest |f| (static).
        r_min: smallest |y| searched, in units of y0 (i.e. |1 + Delta| <= 1/r_min).
        y_max: largest |y| searched (default sqrt(4 pi): perturbative).
        rtol: a root is converged if |f| <= rtol.
        fold_tol: a root is at a fold if |1 - T'(y)| <= fold_tol.
        fold_gap_tol: an extremum with |f| <= fold_gap_tol is a double root (``at_fold``).
        n_iter: Newton/golden-section iterations (static).

    Returns:
        :class:`YukawaSolution`.

    References:
        arXiv:1906.08768 eqs. (2.1), (3.1)-(3.4), Table 2.

    Example:
        >>> hp = HiggsMediationParams.from_mbar(3.5e5, 80.0, 280.0**2, 280.0**2, 1600.0, 600.0)
        >>> sol = solve_yukawa(hp, lepton="mu")
        >>> int(sol.n_roots), round(float(sol.delta[0]), 2)
        (1, -0.18)
    """
    if spectrum not in SPECTRA:
        raise InvalidInput(f"solve_yukawa: spectrum={spectrum!r}; use one of {SPECTRA}")
    sm = SMInputs.from_convention("pdg") if sm is None else sm
    leptons = tuple(lepton) if isinstance(lepton, (tuple, list)) else (lepton,)
    for lep in leptons:
        lepton_index(lep)
    if n_grid < 4 or max_roots < 1 or max_folds < 1:
        raise InvalidInput("solve_yukawa: need n_grid >= 4, max_roots >= 1, max_folds >= 1")
    hp = jax.tree_util.tree_map(lambda x: jnp.asarray(x, dtype=float), hp)
    sm = jax.tree_util.tree_map(lambda x: jnp.asarray(x, dtype=float), sm)
    config = (
        spectrum, int(n_grid), int(max_roots), int(max_folds), float(r_min), float(y_max),
        float(rtol), float(fold_tol), float(fold_gap_tol), int(n_iter),
    )
    # one compiled solver (and one compiled JVP) for every flavour: m_l is a separate traced
    # argument and the lepton masses inside sm, which the core never reads, are neutralised
    m_ls = [jnp.asarray(sm.lepton_mass(lep)) for lep in leptons]
    one = jnp.ones(())
    sm_core = eqx.tree_at(lambda s: (s.m_e, s.m_mu, s.m_tau), sm, (one, one, one))
    sols = [_solve_one(hp, sm_core, m_l, *config) for m_l in m_ls]
    if isinstance(lepton, (tuple, list)):
        return jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *sols)
    return sols[0]


@float64
def amu_at_roots(
    hp: HiggsMediationParams, sm: SMInputs | None, lepton: str, sol: YukawaSolution
) -> AmuResult:
    """One-loop a_l (no QED factor) at every root of ``sol`` (one lepton), shape (K,).

    Uses :func:`gm2jax.models.mssm.amu_1l.amu_1l_parts` with the root's soft masses (eq. (3.1))
    and ``delta = Delta_l`` (y_l -> y_l/(1 + Delta_l), GM2Calc convention, identical to seed 001
    eq. (2.5)'s 1/(1 + Delta_i)).  Empty slots give NaN and status 0.  Multiply by
    :func:`qed_factor` for seed 001's (1 - delta_QED).  Differentiable (through the implicit
    derivative of the roots).

    Args:
        hp: scenario inputs.
        sm: SM inputs (default ``"pdg"``); must be those ``sol`` was solved with.
        lepton: ``"e"``, ``"mu"`` or ``"tau"`` (static).
        sol: the lepton's :class:`YukawaSolution` from :func:`solve_yukawa`.

    Returns:
        :class:`gm2jax.models.mssm.amu_1l.AmuResult` with shape-(K,) fields.
    """
    sm = SMInputs.from_convention("pdg") if sm is None else sm
    m_l = jnp.asarray(sm.lepton_mass(lepton))
    return _amu_at_roots(hp, sm, m_l, sol)


@jax.jit
def _amu_at_roots(hp, sm, m_l, sol):
    # generic flavour (see _GEN): the first generation's slots with m_e -> m_l, one compilation
    sm_l = eqx.tree_at(lambda s: s.m_e, sm, m_l)
    y_safe = jnp.where(sol.valid, sol.y, sol.y0)
    d_safe = jnp.where(sol.valid, sol.delta, 0.0)

    def one(yy, dd):
        return amu_1l_parts(mssm_params(hp, yy), sm_l, _GEN, delta=dd)

    r = jax.vmap(one)(y_safe, d_safe)
    nan = jnp.nan
    return AmuResult(
        total=jnp.where(sol.valid, r.total, nan),
        neutralino=jnp.where(sol.valid, r.neutralino, nan),
        chargino=jnp.where(sol.valid, r.chargino, nan),
        status=jnp.where(sol.valid, r.status, 0),
        delta=jnp.where(sol.valid, r.delta, nan),
    )
