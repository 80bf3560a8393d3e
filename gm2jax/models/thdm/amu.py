"""a_l in the two-Higgs-doublet model at one and two loops (GM2Calc 2.3.1, arXiv:2110.13238).

Named pieces (each a pure function of ``(p, sm, c, k)`` with ``c`` = :func:`couplings` and
``k`` the lepton index; :func:`amu` adds them explicitly):

* :func:`amu_1l` -- full one-loop h, H, A, H+- with every internal lepton, minus the SM-Higgs
  term (arXiv:1607.06292, eqs. (27)-(30));
* :func:`amu_2l_bosonic_ewadd`, :func:`amu_2l_bosonic_nonyuk`, :func:`amu_2l_bosonic_yuk` --
  arXiv:1607.06292 eqs. (49), (71), (52) (:mod:`gm2jax.models.thdm.bosonic`);
* :func:`amu_2l_fermionic_neutral` -- Barr-Zee fermion loops with gamma/Z and h, H, A minus the
  SM-Higgs term (eq. (53)); :func:`amu_2l_fermionic_charged` -- the H+-/W loops
  (arXiv:2110.13238 eq. (52); arXiv:1607.06292 eq. (59));
* :func:`uncertainty` -- GM2Calc's estimate (``gm2_uncertainty.cpp``): at two loops
  ``2e-12 (m_l/m_mu)^2 + |a_1L Delta_alpha| + |a_2L Delta_alpha|`` with the universal QED
  logarithm ``Delta_alpha = -(4 alpha/pi) ln(m_NP/m_l)`` (hep-ph/9803384, eq. (51)),
  ``m_NP = min(m_H, m_A, m_H+)``.

GM2Calc computes a_mu; a_e and a_tau come from the same code with the external lepton index
``k`` (prefactor mass, couplings ``y(k, k)``, SM subtraction with ``m_l/v``); the
``2e-12`` Delta-r bound of the uncertainty is scaled with ``(m_l/m_mu)^2`` (exact for the muon).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from gm2jax import loops
from gm2jax._precision import float64
from gm2jax.errors import InvalidInput, PhysicsError, Status, describe_status
from gm2jax.models.thdm import bosonic
from gm2jax.models.thdm.couplings import THDMCouplings, YukawaCore, as_core, couplings
from gm2jax.models.thdm.params import THDMParams, THDMSMInputs
from gm2jax.separate import separately
from gm2jax.models.thdm.spectrum import Lambda5, Lambda67, mixing
from gm2jax.sm import lepton_index

_PI2 = math.pi**2
_Q_U, _Q_D, _Q_L = 2.0 / 3.0, -1.0 / 3.0, -1.0
_T3_U, _T3_D, _T3_L = 0.5, -0.5, -0.5


def _sw2(sm):
    return 1.0 - (sm.MW / sm.MZ) ** 2


# ---------------------------------------------------------------------------------------
# one loop
# ---------------------------------------------------------------------------------------


def _a_scalar(y, ml, mS2, k, sign):
    """sum_g of GM2Calc ``AS``/``AA`` for internal leptons g, external lepton k (real couplings)."""
    x = ml**2 / mS2
    col = y[:, k]  # y(g, k)
    row = y[k, :]  # y(k, g)
    return jnp.sum((col**2 + row**2) * loops.F1C(x) / 24.0 + sign * col * row * ml / ml[k] * loops.F2C(x) / 3.0)


def amu_1l(p: THDMParams, sm: THDMSMInputs, c: THDMCouplings, k: int):
    """One-loop a_l: h, H, A, H+- with all internal leptons minus the SM Higgs (arXiv:1607.06292 eqs. (27)-(30)).

    Neutrinos are massless (``F1N(0) = 2``).
    """
    ml = sm.m_lep
    mk2 = ml[k] ** 2
    mh2, mH2, mA2, mHp2 = p.mh**2, p.mH**2, p.mA**2, p.mHp**2
    res = mk2 / mh2 * _a_scalar(c.ylh, ml, mh2, k, 1.0)
    res += mk2 / mH2 * _a_scalar(c.ylH, ml, mH2, k, 1.0)
    res += mk2 / mA2 * _a_scalar(c.ylA, ml, mA2, k, -1.0)
    res += mk2 / mHp2 * jnp.sum(-(c.ylHp[:, k] ** 2) / 48.0 * 2.0 * loops.F1N(jnp.zeros(())))
    # subtract the SM Higgs: y = m_l/v on the (k, k) entry only
    mhsm2 = sm.mh_SM**2
    x = mk2 / mhsm2
    ysm = ml[k] / sm.v
    res -= mk2 / mhsm2 * (2.0 * ysm**2 * loops.F1C(x) / 24.0 + ysm**2 * loops.F2C(x) / 3.0)
    return res / (8.0 * _PI2)


# ---------------------------------------------------------------------------------------
# two loop, bosonic
# ---------------------------------------------------------------------------------------


def _zeta_l(p):
    return as_core(p).zeta_l


def amu_2l_bosonic_ewadd(p: THDMParams, sm: THDMSMInputs, c: THDMCouplings, k: int):
    """Two-loop bosonic EW 'additional' piece, arXiv:1607.06292 eq. (49) (GM2Calc ``amu2L_B_EWadd``)."""
    del c
    return bosonic.ewadd(p.mh, sm.MZ, sm.MW, sm.alpha_MZ, sm.m_lep[k], mixing(p, sm)[1], _zeta_l(p))


def amu_2l_bosonic_nonyuk(p: THDMParams, sm: THDMSMInputs, c: THDMCouplings, k: int):
    """Two-loop bosonic non-Yukawa piece, arXiv:1607.06292 eq. (71) (GM2Calc ``amu2L_B_nonYuk``)."""
    del c
    return bosonic.non_yukawa(p.mH, p.mA, p.mHp, sm.MZ, sm.MW, sm.alpha_MZ, sm.m_lep[k])


def amu_2l_bosonic_yuk(p: THDMParams, sm: THDMSMInputs, c: THDMCouplings, k: int):
    """Two-loop bosonic Yukawa piece, arXiv:1607.06292 eq. (52) (GM2Calc ``amu2L_B_Yuk``)."""
    del c
    return bosonic.yukawa(
        p.mH, p.mHp, sm.MZ, sm.MW, sm.mh_SM, sm.alpha_MZ, sm.m_lep[k], p.tan_beta, _zeta_l(p),
        Lambda5(p, sm), Lambda67(p), mixing(p, sm)[1],
    )


# ---------------------------------------------------------------------------------------
# two loop, fermionic
# ---------------------------------------------------------------------------------------


# The Barr-Zee loop functions of the fermionic pieces, each its own XLA computation (gm2jax.separate)
_f_S, _f_PS, _FSZ, _FPZ = (separately(f) for f in (loops.f_S, loops.f_PS, loops.FSZ, loops.FPZ))
_FCWu, _FCWd, _FCWl = (separately(f) for f in (loops.FCWu, loops.FCWd, loops.FCWl))


def _f_neutral(ms2, mf2, sm, qf, t3f, nc, pseudo: bool):
    """Eq. (53) of arXiv:1607.06292 (photon + Z parts), elementwise over fermions and scalars."""
    sw2 = _sw2(sm)
    cw2 = 1.0 - sw2
    x = mf2 / ms2
    y = mf2 / sm.MZ**2
    gvf = 0.5 * t3f - qf * sw2
    gvl = 0.5 * _T3_L - _Q_L * sw2
    fg = _f_PS(x) if pseudo else _f_S(x)
    fz = _FPZ(x, y) if pseudo else _FSZ(x, y)
    return qf**2 * nc * 0.5 * fg + 0.5 * nc * qf * gvl * gvf / (sw2 * cw2) * fz


# (charge, T3, colours) of the 9 fermions u, c, t, d, s, b, e, mu, tau
_QF = jnp.array([_Q_U] * 3 + [_Q_D] * 3 + [_Q_L] * 3)
_T3F = jnp.array([_T3_U] * 3 + [_T3_D] * 3 + [_T3_L] * 3)
_NCF = jnp.array([3.0] * 6 + [1.0] * 3)


def amu_2l_fermionic_neutral(p: THDMParams, sm: THDMSMInputs, c: THDMCouplings, k: int):
    """Barr-Zee fermion loops with h, H, A and gamma/Z minus the SM Higgs, arXiv:1607.06292 eq. (53).

    Sums u, d and l of all three generations (GM2Calc ``amu2L_F_neutral``).
    """
    sw2 = _sw2(sm)
    v2 = sm.v**2
    ml = sm.m_lep
    pref = (sm.alpha_MZ * ml[k] / (2.0 * math.pi * sm.MW)) ** 2 / sw2
    mf = jnp.concatenate([sm.m_up, sm.m_down, ml])
    mf2 = mf**2
    # CP-even: rows h, H, SM Higgs (one vectorised evaluation)
    ms2_even = jnp.stack([p.mh**2, p.mH**2, sm.mh_SM**2])[:, None]
    f_even = _f_neutral(ms2_even, mf2[None, :], sm, _QF[None, :], _T3F[None, :], _NCF[None, :], False)
    f_odd = _f_neutral(p.mA**2, mf2, sm, _QF, _T3F, _NCF, True)

    def diag(yu, yd, yl):
        return jnp.concatenate([jnp.diagonal(yu), jnp.diagonal(yd), jnp.diagonal(yl)])

    w = v2 / (mf * ml[k])
    res = jnp.sum(f_even[0] * diag(c.yuh, c.ydh, c.ylh) * c.ylh[k, k] * w)
    res += jnp.sum(f_even[1] * diag(c.yuH, c.ydH, c.ylH) * c.ylH[k, k] * w)
    res += jnp.sum(f_odd * diag(c.yuA, c.ydA, c.ylA) * c.ylA[k, k] * w)
    res -= jnp.sum(f_even[2])
    return pref * res


def amu_2l_fermionic_charged(p: THDMParams, sm: THDMSMInputs, c: THDMCouplings, k: int):
    """Barr-Zee loops with H+- and W, arXiv:2110.13238 eq. (52), arXiv:1607.06292 eqs. (59)-(62).

    Sums every (up, down) quark pair with the CKM matrix, and the three leptons (GM2Calc
    ``amu2L_F_charged``).
    """
    sw2 = _sw2(sm)
    mw2 = sm.MW**2
    mHp2 = p.mHp**2
    ml = sm.m_lep
    mu, md = sm.m_up, sm.m_down
    pref = (sm.alpha_MZ * ml[k] / (8.0 * math.pi * sm.MW * sw2)) ** 2 * sm.v**2 / ml[k]
    xu = (mu**2 / mHp2)[:, None] * jnp.ones((1, 3))
    xd = jnp.ones((3, 1)) * (md**2 / mHp2)[None, :]
    yu = xu * (mHp2 / mw2)
    yd = xd * (mHp2 / mw2)
    fu = -3.0 * _FCWu(xu, xd, yu, yd, _Q_U, _Q_D)
    fd = -3.0 * _FCWd(xu, xd, yu, yd, _Q_U, _Q_D)
    ylk = c.ylHp[k, k]
    wu = jnp.real(jnp.conj(c.yuHp) * c.vckm) * ylk / mu[:, None]
    wd = jnp.real(jnp.conj(c.ydHp) * c.vckm) * ylk / md[None, :]
    res = jnp.sum(fu * wu + fd * wd)
    fl = -_FCWl(ml**2 / mHp2, ml**2 / mw2)
    res += jnp.sum(fl * jnp.diagonal(c.ylHp) * ylk / ml)
    return pref * res


# ---------------------------------------------------------------------------------------
# uncertainty, status, total
# ---------------------------------------------------------------------------------------


def uncertainty(p: THDMParams, sm: THDMSMInputs, k: int, a1l, a2l, loops_order: int = 2):
    """GM2Calc's theory uncertainty of a_l at the given loop order (``gm2_uncertainty.cpp``).

    ``loops_order = 2``: ``2e-12 (m_l/m_mu)^2 + |a1l Delta_alpha| + |a2l Delta_alpha|``,
    ``Delta_alpha = -(4 alpha(MZ)/pi) ln(m_NP/m_l)`` (hep-ph/9803384 eq. (51)),
    ``m_NP = min(|m_H|, |m_A|, |m_H+|)``; ``1``: ``|a2l| + (that)``; ``0``: ``|a1l| + |a2l|``.
    """
    ml = sm.m_lep[k]
    m_np = jnp.minimum(jnp.abs(p.mH), jnp.minimum(jnp.abs(p.mA), jnp.abs(p.mHp)))
    d_alpha = -4.0 * sm.alpha_MZ / math.pi * jnp.log(jnp.abs(m_np / ml))
    u2 = 2e-12 * (ml / sm.m_mu) ** 2 + jnp.abs(a1l * d_alpha) + jnp.abs(a2l * d_alpha)
    if loops_order == 2:
        return u2
    if loops_order == 1:
        return jnp.abs(a2l) + u2
    return jnp.abs(a1l) + jnp.abs(a2l)


MASS_RANGE = (1e-2, 1e19)
"""Higgs masses (GeV) outside this window are NUMERICALLY_UNRELIABLE.  Below 10 MeV the scalar is
lighter than the muon, where GM2Calc's two-loop expressions (which neglect m_l/m_S) do not apply,
and for m_H+ <~ 1e-5 GeV the bosonic pieces overflow (powers of 1/x with x = m^2/MZ^2 up to
x^-4 times logarithms, measured NaN at 1e-5 GeV); above the Planck scale (1e19 GeV) nothing is
physical, and the pieces overflow from ~1e32 GeV (polynomials in x up to x^6, eq. (49) of
arXiv:1607.06292, plus one power from a derivative)."""

TAN_BETA_RANGE = (1e-4, 1e4)
"""tan(beta) outside this window is NUMERICALLY_UNRELIABLE: the Yukawa couplings scale like
tan(beta)^(+-1) (Table 1 of arXiv:1607.06292), so beyond 1e4 (or below 1e-4) some coupling of
every type except I exceeds ~100 >> sqrt(4 pi); gradients overflow from tan(beta) ~ 1e25
(quartic powers in the bosonic pieces) and below ~1e-80."""

COUPLING_MAX = 1e6
"""|lambda6|, |lambda7|, |zeta_f| and the entries of Delta_f / Pi_f beyond this are
NUMERICALLY_UNRELIABLE (perturbativity ends at ~4 pi; gradients overflow from |lambda6| ~ 1e24)."""

M122_MAX = 1e38
"""|m12^2| (GeV^2) beyond the Planck scale squared (~1.5e38) is NUMERICALLY_UNRELIABLE."""


def _outside(x, lo, hi):
    return (x < lo) | (x > hi)


def point_status(p):
    """Status bit-field of a mass-basis point (0 = fine), mirroring GM2Calc's input checks.

    ``p`` is a :class:`THDMParams` or its :class:`YukawaCore` (what a fit evaluates).  Bits:
    ``NONFINITE_INPUT`` (any NaN/inf), ``TANB_NONPOSITIVE`` (tan(beta) <= 0),
    ``INVALID_PARAMETER`` (|sin(beta - alpha)| > 1 or m_h > m_H), ``TACHYON_HIGGS`` (a negative
    mass), ``NUMERICALLY_UNRELIABLE`` (a mass outside :data:`MASS_RANGE`, tan(beta) outside
    :data:`TAN_BETA_RANGE`, a coupling beyond :data:`COUPLING_MAX`, |m12^2| beyond
    :data:`M122_MAX`), and ``ALIGNED_YUKAWA_POLE`` (aligned :class:`THDMParams` with
    ``1 - tan(beta) zeta_f = 0``, where GM2Calc's aligned Yukawa construction divides by zero and
    returns NaN).
    """
    q = as_core(p)
    masses = jnp.stack([q.mh, q.mH, q.mA, q.mHp])
    leaves = [masses, q.sin_beta_minus_alpha, q.tan_beta, q.m122, q.lambda6, q.lambda7, q.zeta_l, q.rho_coef,
              q.rho_add]
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in leaves]))
    st = jnp.where(finite, 0, int(Status.NONFINITE_INPUT))
    st |= jnp.where(q.tan_beta <= 0.0, int(Status.TANB_NONPOSITIVE), 0)
    bad = (jnp.abs(q.sin_beta_minus_alpha) > 1.0) | (q.mh > q.mH)
    st |= jnp.where(bad, int(Status.INVALID_PARAMETER), 0)
    st |= jnp.where(jnp.any(masses < 0.0), int(Status.TACHYON_HIGGS), 0)
    unreliable = (
        jnp.any((masses >= 0.0) & _outside(masses, *MASS_RANGE))
        | ((q.tan_beta > 0.0) & _outside(q.tan_beta, *TAN_BETA_RANGE))
        | (jnp.max(jnp.abs(jnp.stack([q.lambda6, q.lambda7]))) > COUPLING_MAX)
        | (jnp.max(jnp.abs(q.rho_coef)) > COUPLING_MAX)
        | (jnp.max(jnp.abs(q.rho_add)) > COUPLING_MAX)
        | (jnp.abs(q.m122) > M122_MAX)
    )
    st |= jnp.where(finite & unreliable, int(Status.NUMERICALLY_UNRELIABLE), 0)
    if isinstance(p, THDMParams) and p.yukawa_type == "aligned":
        tb = p.tan_beta
        pole = jnp.zeros((), dtype=bool)
        for z in (p.zeta_u, p.zeta_d, p.zeta_l):
            pole = pole | (jnp.abs(1.0 - tb * z) <= 1e-12 * jnp.maximum(1.0, jnp.abs(tb * z)))
        st |= jnp.where(pole, int(Status.ALIGNED_YUKAWA_POLE), 0)
    return st.astype(jnp.int32)


class THDMAmuResult(eqx.Module):
    """a_l of the 2HDM split by piece (all dimensionless; NaN where ``status != 0``).

    Attributes:
        total: one_loop + two_loop (two_loop = 0 for ``loops = 1``; everything 0 for ``loops = 0``).
        one_loop: :func:`amu_1l`.
        two_loop: two_loop_bosonic + two_loop_fermionic.
        two_loop_bosonic: ewadd + nonyuk + yuk.
        two_loop_fermionic: fermionic_neutral + fermionic_charged.
        ewadd, nonyuk, yuk, fermionic_neutral, fermionic_charged: the named pieces.
        uncertainty: GM2Calc's theory uncertainty at the requested loop order.
        status: :class:`gm2jax.errors.Status` bit-field (0 = fine).
    """

    total: jnp.ndarray
    one_loop: jnp.ndarray
    two_loop: jnp.ndarray
    two_loop_bosonic: jnp.ndarray
    two_loop_fermionic: jnp.ndarray
    ewadd: jnp.ndarray
    nonyuk: jnp.ndarray
    yuk: jnp.ndarray
    fermionic_neutral: jnp.ndarray
    fermionic_charged: jnp.ndarray
    uncertainty: jnp.ndarray
    status: jnp.ndarray


def _mask_core(q: YukawaCore, bad) -> YukawaCore:
    """Replace every input of a bad point by a harmless one (keeps values and gradients finite)."""
    safe = as_core(THDMParams(125.0, 400.0, 400.0, 400.0, 1.0, 2.0, yukawa_type="II"))
    return jax.tree_util.tree_map(lambda a, b: jnp.where(bad, b, a), q, safe)


# The pieces as amu_parts evaluates them: each its own XLA computation (gm2jax.separate: one
# computation of all six compiled 4x slower, with 2x the memory)
_amu_1l, _ewadd, _nonyuk, _yuk, _fer_neutral, _fer_charged = (
    separately(f, static_argnums=(3,))
    for f in (amu_1l, amu_2l_bosonic_ewadd, amu_2l_bosonic_nonyuk, amu_2l_bosonic_yuk, amu_2l_fermionic_neutral,
              amu_2l_fermionic_charged)
)


@eqx.filter_jit
def _parts_jit(q: YukawaCore, sm: THDMSMInputs, k: int, loops: int, running: bool):
    c = couplings(q, sm, running=running)
    a1 = _amu_1l(q, sm, c, k)
    ew = _ewadd(q, sm, c, k)
    ny = _nonyuk(q, sm, c, k)
    yk = _yuk(q, sm, c, k)
    fn = _fer_neutral(q, sm, c, k)
    fc = _fer_charged(q, sm, c, k)
    bos = ew + ny + yk
    fer = fn + fc
    a2 = bos + fer
    unc = uncertainty(q, sm, k, a1, a2, loops)
    total = {0: 0.0 * a1, 1: a1, 2: a1 + a2}[loops]
    return THDMAmuResult(total, a1, a2, bos, fer, ew, ny, yk, fn, fc, unc, jnp.zeros((), dtype=jnp.int32))


def amu_parts(p, sm: THDMSMInputs, lepton="mu", *, loops: int = 2, running_couplings: bool = True):
    """Unchecked pieces of a_l as a :class:`THDMAmuResult` (status 0; no masking, no throw).

    ``p`` is a :class:`THDMParams` or its :class:`YukawaCore`; one compiled computation serves
    every Yukawa type (``jax.vmap`` over a batch of cores of mixed types works).
    """
    if loops not in (0, 1, 2):
        raise InvalidInput(f"loops must be 0, 1 or 2, not {loops!r}")
    return _parts_jit(as_core(p), sm, lepton_index(lepton), loops, bool(running_couplings))


@float64
def amu(
    p: THDMParams | YukawaCore,
    sm: THDMSMInputs | None = None,
    lepton="mu",
    *,
    loops: int = 2,
    running_couplings: bool = True,
    throw: bool = True,
) -> THDMAmuResult:
    """a_l of the two-Higgs-doublet model at one and two loops, as GM2Calc 2.3.1 computes a_mu.

    Args:
        p: mass-basis parameters (unbatched; ``jax.vmap`` for batches), or their
            :class:`YukawaCore` (what a fit evaluates: one compilation for every Yukawa type).
        sm: SM inputs (default: :meth:`THDMSMInputs.from_defaults`, GM2Calc's example.thdm).
        lepton: ``"e"``, ``"mu"`` or ``"tau"`` (static).
        loops: 0, 1 or 2 (static): which orders enter ``total`` and the uncertainty.
        running_couplings: running m_t, m_b, m_tau in the couplings (GM2Calc default; static).
        throw: raise :class:`gm2jax.errors.PhysicsError` for a bad point (default); with
            ``throw=False`` the values are NaN and ``status`` says why (:func:`point_status`, and
            ``NUMERICALLY_UNRELIABLE`` for any non-finite piece at an accepted point).  Bad
            points are evaluated at a harmless substitute point, so gradients stay finite.

    Returns:
        :class:`THDMAmuResult`.

    References:
        arXiv:1607.06292; arXiv:2110.13238; hep-ph/9803384 eq. (51).

    Example (skipped as a doctest: the first call compiles for ~30 s):
        >>> from gm2jax.models.thdm import THDMParams, amu
        >>> p = THDMParams(100.0, 400.0, 420.0, 440.0, 0.995, 3.0, m122=40000.0, lambda6=0.2,
        ...                lambda7=0.1, yukawa_type="II")
        >>> r = amu(p)  # doctest: +SKIP
        >>> print(f"{float(r.total):.8e} +- {float(r.uncertainty):.8e}")  # doctest: +SKIP
        1.04546415e-11 +- 2.85757286e-12
    """
    sm = THDMSMInputs.from_defaults() if sm is None else sm
    st = point_status(p)
    bad = st != 0
    concrete = not isinstance(st, jax.core.Tracer)
    if throw and concrete and int(st) != 0:
        raise PhysicsError(f"2HDM point rejected: {describe_status(int(st))}")
    q = _mask_core(as_core(p), bad)
    r = amu_parts(q, sm, lepton, loops=loops, running_couplings=running_couplings)
    fields = [f for f in THDMAmuResult.__dataclass_fields__ if f != "status"]
    # the last line of defence: a non-finite piece at an accepted point is flagged, never silent
    finite = jnp.all(jnp.stack([jnp.isfinite(getattr(r, f)) for f in fields]))
    st = st | jnp.where(bad | finite, 0, int(Status.NUMERICALLY_UNRELIABLE)).astype(jnp.int32)
    bad = st != 0
    if throw and concrete and int(st) != 0:
        raise PhysicsError(f"2HDM point rejected: {describe_status(int(st))}")
    vals = {f: jnp.where(bad, jnp.nan, getattr(r, f)) for f in fields}
    out = THDMAmuResult(**vals, status=st)
    if throw:
        out = eqx.error_if(out, bad, "2HDM point rejected: see gm2jax.errors.describe_status(status)")
    return out
