"""One-loop a_l in the supersymmetric U(1)_{L_mu-L_tau} model: neutralino, chargino and Z' loops.

a_l = a_l^chi0 (7 neutralinos x 2 sleptons) + a_l^chi+- (2 charginos x sneutrino) + a_l^Z'
(arXiv:2011.05083, eqs. (3.2)-(3.6), Fig. 1).

Couplings.  The amplitudes and the MSSM part of the couplings are those of
:mod:`gm2jax.models.mssm.one_loop` (GM2Calc, arXiv:1510.08071 eqs. (2.11)-(2.14)).  A gaugino of
coupling g and a sfermion of charge Q couple with -sqrt2 g Q, which reproduces the MSSM
entries (gY/sqrt2 = -sqrt2 gY Y(L) for l~_L in n^L, -sqrt2 gY = -sqrt2 gY Y(E^c) for l~_R in
n^R).  The B' (column 5 of N) therefore adds::

    n^L_im ⊃ -sqrt2 (g_X Q_X(L_l) + g_YX Y(L)) N*_i5 U_l(m, L)
    n^R_im ⊃ -sqrt2 (g_X Q_X(E^c_l) + g_YX Y(E^c)) N_i5 U_l(m, R),     Q_X(E^c_l) = -Q_X(L_l)

For the muon (Q_X(L_mu) = +1, g_YX = 0) this is n^L ⊃ -sqrt2 g_X N*_i5 U(m,L) and
n^R ⊃ +sqrt2 g_X N_i5 U(m,R): the paper's eq. (3.2) couplings (its n^L/n^R labels are swapped
relative to GM2Calc's; the ratios B'/B = -2 g_X/gY for l~_L and -g_X/gY for l~_R agree).
The tau has the opposite sign, the electron none.  The eta, eta-bar fermions do not couple to
leptons (R-parity, eq. (2.1)).  The chargino part is the MSSM one with the sneutrino mass of
:func:`gm2jax.models.lmutau.spectrum.sneutrino_mass2` (seed eqs. (3.4)-(3.5)).

The Z' loop is :func:`gm2jax.loops.amu_zprime` with the vector coupling g_X |Q_X(l)| (seed
eq. (3.6), whose denominator typo is discussed there); it is positive and absent for the
electron.

Differentiability.  The neutralino sum is :func:`gm2jax.linalg.spectral_sum` over the 7x7
real symmetric mass matrix (the Takagi phases turn m_chi0 into the signed eigenvalue), so
values and gradients are exact also at degenerate higgsino / B' / eta states.

Resummation.  ``resummation="exact"``/``"gm2calc"`` uses the MSSM threshold correction
Delta_l of :func:`gm2jax.models.mssm.threshold.delta_lepton` (the B' adds O(g_X^2) < 1e-5
relative to it and the D_X term O(M_Z'^2/m_slepton^2); both are neglected).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from gm2jax import linalg, loops
from gm2jax._precision import all_finite, float64
from gm2jax.errors import InvalidInput, Status
from gm2jax.models.lmutau import spectrum as sp
from gm2jax.models.lmutau.params import Y_L, LmutauParams, lepton_charge
from gm2jax.models.mssm import one_loop as mamu, spectrum as msp
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.sm import Couplings, SMInputs, lepton_index


_SQRT2 = math.sqrt(2.0)
_LOOP = 1.0 / (16.0 * math.pi**2)
_Y_EC = 1.0  # hypercharge of E^c (Q = T3 + Y)


class LmutauAmuResult(eqx.Module):
    """One-loop a_l split by diagram.

    Attributes:
        total: neutralino + chargino + zprime (dimensionless); NaN where ``status != 0``.
        neutralino: neutralino-slepton part (7 neutralinos, incl. the B').
        chargino: chargino-sneutrino part.
        zprime: Z' loop (0 for the electron).
        status: :class:`gm2jax.errors.Status` bit-field (0 = physical point).
        delta: threshold correction Delta_l used (0 without resummation).
    """

    total: jnp.ndarray
    neutralino: jnp.ndarray
    chargino: jnp.ndarray
    zprime: jnp.ndarray
    status: jnp.ndarray
    delta: jnp.ndarray


def pad_neutralino_couplings(pp, qq, bp_left, bp_right, n: int = sp.N_NEUTRALINO):
    """Extend the MSSM (3, 2, 4) coupling arrays of :func:`spectral_sum` to n neutralinos.

    ``pp``, ``qq`` are the MSSM arrays (terms |n^L|^2, |n^R|^2, n^L n^R over (slepton L/R) x
    (B, W3, Hd, Hu)); columns 5..n are zero except the B' (column 5): ``bp_left`` in n^L on the
    l~_L row and ``bp_right`` in n^R on the l~_R row.  With ``bp_left = bp_right = 0`` and a
    block-diagonal mass matrix the sum equals the MSSM one (the extra eigenvectors have no
    weight; tested to 1e-12).
    """
    z = jnp.zeros_like(bp_left)
    left = jnp.stack([jnp.stack([bp_left] + [z] * (n - 5)), jnp.stack([z] * (n - 4))])
    right = jnp.stack([jnp.stack([z] * (n - 4)), jnp.stack([bp_right] + [z] * (n - 5))])
    extra_p = jnp.stack([left, right, left])
    extra_q = jnp.stack([left, right, right])
    return jnp.concatenate([pp, extra_p], axis=-1), jnp.concatenate([qq, extra_q], axis=-1)


def bprime_couplings(p: LmutauParams, lepton):
    """(B' coefficient in n^L for l~_L, in n^R for l~_R) (module docstring)."""
    q = lepton_charge(lepton)
    left = -_SQRT2 * (p.g_X * q + p.g_YX * Y_L)
    right = -_SQRT2 * (-p.g_X * q + p.g_YX * _Y_EC)
    return left, right


def _neutralino_sum7(mn7, msl, c: Couplings, y, m_lepton, bp_left, bp_right):
    pp, qq = mamu.neutralino_couplings(c, y)
    pp, qq = pad_neutralino_couplings(pp, qq, bp_left, bp_right, mn7.shape[-1])
    return m_lepton**2 * _LOOP * linalg.spectral_sum(mamu.g_neutralino, mn7, msl, pp, qq, m_lepton)


def amu_1l_zprime(p: LmutauParams, lepton, m_lepton):
    """Z' loop for lepton ``lepton`` (static): loops.amu_zprime(g_X |Q_X|, M_Z', m_l); 0 for e."""
    q = abs(lepton_charge(lepton))
    if q == 0:
        return jnp.zeros_like(p.g_X)
    return loops.amu_zprime(p.g_X * q, p.M_Zp, m_lepton)


def _global_status(p: LmutauParams, c: Couplings):
    """MSSM global problems plus g_X < 0, M_Z' < 0, tan(gamma) <= 0, non-finite inputs."""
    status = mamu.global_status(p.mssm, c)
    bad = (p.g_X < 0) | (p.M_Zp < 0) | (p.tan_gamma <= 0)
    status |= jnp.where(bad, int(Status.INVALID_PARAMETER), 0)
    return jnp.where(all_finite(p), status, int(Status.NONFINITE_INPUT))


def _lepton_status(p: LmutauParams, c: Couplings, lepton, m_lepton, delta):
    """Negative soft mass^2, tachyonic slepton or sneutrino (with the D_X shift)."""
    ml2, me2 = msp.soft_masses2(p.mssm, lepton)
    return mamu.slepton_status(
        ml2, me2, sp.slepton_matrix(p, c, lepton, m_lepton, delta), sp.sneutrino_mass2(p, c, lepton),
        jnp.isfinite(m_lepton) & jnp.isfinite(delta),
    )


def point_status(p: LmutauParams, c: Couplings, lepton, m_lepton, delta=0.0):
    """Status bit-field of a point for ``lepton`` (see :class:`gm2jax.errors.Status`)."""
    return _global_status(p, c) | _lepton_status(p, c, lepton, m_lepton, delta)


def _safe_point() -> LmutauParams:
    s = mamu.SAFE_VALUES
    return LmutauParams(MSSMParams.universal(**s), M0=s["M1"], M10=0.0, g_X=0.0, M_Zp=0.0, tan_gamma=1.0, mu_eta=s["mu"])


def _safe_params(p: LmutauParams, ok):
    """Replace a flagged point by a harmless one (keeps values and gradients finite)."""
    return jax.tree_util.tree_map(lambda leaf, s: jnp.where(ok, leaf, s), p, _safe_point())


def amu_parts(p: LmutauParams, sm: SMInputs, lepton, delta=0.0, resummation: str | None = None) -> LmutauAmuResult:
    """Unchecked core of :func:`amu` (pure; jit/vmap/grad safe; never raises, no NaN gradients).

    ``lepton`` may be a tuple (shared diagonalisations; results get a leading lepton axis),
    as in :func:`gm2jax.models.mssm.amu_1l_parts`.  ``resummation`` (static): None (use
    ``delta``), ``"exact"`` or ``"gm2calc"`` (MSSM Delta_l; module docstring).
    """
    c, leptons, ps, deltas, rows = mamu.lepton_setup(
        p, sm, lepton, delta, resummation, _global_status, _lepton_status, _safe_params, mssm_of=lambda q: q.mssm
    )
    mn = sp.neutralino_matrix(ps, c)
    xch = sp.chargino_matrix(ps, c)
    out = {k: [] for k in ("a0", "ac", "az", "st")}
    for lep, (st, d_s, m_l_s, p_l) in zip(leptons, rows):
        y = msp.yukawa(c, p_l.tan_beta, m_l_s, d_s)
        bl, br = bprime_couplings(p_l, lep)
        msl = sp.slepton_matrix(p_l, c, lep, m_l_s, d_s)
        out["a0"].append(_neutralino_sum7(mn, msl, c, y, m_l_s, bl, br))
        out["ac"].append(mamu.chargino_sum(xch, sp.sneutrino_mass2(p_l, c, lep), c, y, m_l_s))
        out["az"].append(amu_1l_zprime(p_l, lep, m_l_s))
        out["st"].append(st)
    a0, ac, az, status = (jnp.stack(out[k]) for k in ("a0", "ac", "az", "st"))
    return mamu.finish_result(LmutauAmuResult, lepton, status, deltas, neutralino=a0, chargino=ac, zprime=az)


@float64
def amu(
    p: LmutauParams, sm: SMInputs | None = None, lepton="mu", *, delta=0.0, resummation: str | None = None, throw=True
) -> LmutauAmuResult:
    """One-loop a_l of the supersymmetric U(1)_{L_mu-L_tau} model (neutralino + chargino + Z').

    Args:
        p: model parameters (unbatched; ``jax.vmap`` for batches).
        sm: SM inputs (default: :meth:`SMInputs.from_convention` ``"pdg"``).
        lepton: ``"e"``, ``"mu"``, ``"tau"`` (static) or a tuple of them.
        delta: threshold correction Delta_l (y_l -> y_l/(1+Delta_l)); 0 = none.
        resummation: None, ``"exact"`` or ``"gm2calc"`` (MSSM Delta_l; static).
        throw: raise :class:`gm2jax.errors.PhysicsError` on an unphysical point (default);
            with ``throw=False`` the result carries ``status`` and NaN values instead.

    Returns:
        :class:`LmutauAmuResult` (``total``, ``neutralino``, ``chargino``, ``zprime``, ``status``).

    References:
        arXiv:2011.05083 eqs. (3.2)-(3.6); arXiv:1510.08071 eqs. (2.11)-(2.14).

    Example:
        >>> import numpy as np
        >>> from gm2jax.models.mssm import MSSMParams
        >>> m = MSSMParams(27.0, -223.0, 781.0, 180.0, [170.0, 845.0, 3000.0], [170.0, 845.0, 3000.0])
        >>> r = amu(LmutauParams(m, M0=606.0, g_X=8.26e-4, M_Zp=0.027), lepton=("e", "mu"))
        >>> total, zprime = np.asarray(r.total), np.asarray(r.zprime)  # float64 results
        >>> bool(total[0] < 0), bool(zprime[1] > 0), float(zprime[0]), total.dtype
        (True, True, 0.0, dtype('float64'))
    """
    for lep in lepton if isinstance(lepton, (tuple, list)) else (lepton,):
        lepton_index(lep)
    if not isinstance(p, LmutauParams):
        raise InvalidInput(f"amu: p must be an LmutauParams (got {type(p).__name__})")
    if sm is None:
        sm = SMInputs.from_convention("pdg")
    result = amu_parts(p, sm, lepton, delta, resummation)
    return mamu.raise_on_status(result, f"lmutau.amu(lepton={lepton!r})") if throw else result
