r"""Self-consistent SUSY Yukawa of the Endo-Yin Higgs-mediation scenario (arXiv:1906.08768 eqs. (2.1), (3.1)).

The soft masses of :mod:`gm2jax.models.mssm.mediation.soft_masses` (eq. (3.1)) depend on the
SUSY Yukawa of their own flavour.  The SUSY Yukawa is itself the resummed one, arXiv:1906.08768 eq. (2.1)::

    y_i = sqrt2 m_i / (v cos(beta) (1 + Delta_i))          (v ~ 246 GeV here; 174 GeV in the paper)

and Delta_i (:func:`gm2jax.models.mssm.threshold.delta_lepton`, the full one-loop formula the
paper uses in its numerics) depends on m^2_{L,i}, m^2_{R,i}, i.e. on y_i.  Each flavour is
therefore a one-dimensional fixed-point problem y = T(y) = y0/(1 + Delta(y^2)),
y0 = sqrt2 m_i/(v cos beta), solved here as the root of::

    f(y) = y (1 + Delta(y^2)) / y0 - 1 = 0.

It can have several roots (arXiv:1906.08768 Table 2: points II and III share all inputs), because
Delta(y^2) -> Delta(0) (which may be << -1 for light d_{L,R}) at small |y| and -> 0 at large
|y|.  With Delta(y^2) increasing in y^2 (the usual case, mu M1 < 0):

* y > 0 (1 + Delta > 0): f is increasing where 1 + Delta > 0: one root;
* y < 0 (1 + Delta < 0): |y| (-1 - Delta) rises from 0, has a maximum and falls back to 0:
  zero or two roots, merging in a *fold* (double root, T'(y) = 1) when y0 equals that
  maximum.  arXiv:1906.08768's point II sits at this fold: for its inputs the maximum is at
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
"""

from __future__ import annotations

import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import lax

from gm2jax import linalg
from gm2jax._precision import float64
from gm2jax.errors import InvalidInput, Status
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.mediation.soft_masses import (
    HiggsMediationParams,
    mediated_soft_masses2,
    mssm_params,
)
from gm2jax.models.mssm.one_loop import AmuResult, amu_1l_parts, point_status
from gm2jax.models.mssm.threshold import SPECTRA, delta_lepton
from gm2jax.sm import SMInputs, couplings, lepton_index

__all__ = ["YukawaSolution", "amu_at_roots", "solve_yukawa", "yukawa_residual"]

_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


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

    y0 = sqrt2 m_l/(v cos beta) is the tree-level Yukawa; f = 0 is arXiv:1906.08768 eq. (2.1) with the
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
        mL2, mR2 = mediated_soft_masses2(hp, yy)
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
        sm: SM inputs (default ``"pdg"``: v = 246.22 GeV, i.e. arXiv:1906.08768's v ~ 174 GeV times sqrt2).
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

    Uses :func:`gm2jax.models.mssm.one_loop.amu_1l_parts` with the root's soft masses (eq. (3.1))
    and ``delta = Delta_l`` (y_l -> y_l/(1 + Delta_l), GM2Calc convention = the paper's eq. (2.5)
    1/(1 + Delta_i)).  Empty slots give NaN and status 0.  Multiply by
    :func:`gm2jax.models.mssm.qed.qed_factor` for the paper's (1 - delta_QED).  Differentiable
    (through the implicit derivative of the roots).

    Args:
        hp: scenario inputs.
        sm: SM inputs (default ``"pdg"``); must be those ``sol`` was solved with.
        lepton: ``"e"``, ``"mu"`` or ``"tau"`` (static).
        sol: the lepton's :class:`YukawaSolution` from :func:`solve_yukawa`.

    Returns:
        :class:`gm2jax.models.mssm.one_loop.AmuResult` with shape-(K,) fields.
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
