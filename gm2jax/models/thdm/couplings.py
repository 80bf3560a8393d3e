"""Running fermion masses and the Yukawa couplings of h, H, A, H+- (GM2Calc 2.3.1 conventions).

``rho_f = sqrt(2) m_f zeta_f / v + Delta_f`` (types I, II, X, Y, aligned; Table 1 of
arXiv:1607.06292) or ``rho_f = Pi_f / cos(beta) - sqrt(2) m_f tan(beta) / v`` (general), and

* ``y_f^h = s_{b-a} m_f/v + c_{b-a} rho_f/sqrt(2)``, ``y_f^H = c_{b-a} m_f/v - s_{b-a} rho_f/sqrt(2)``,
* ``y_u^A = rho_u/sqrt(2)``, ``y_{d,l}^A = -rho_{d,l}/sqrt(2)``,
* ``y_u^{H+} = -rho_u^dagger V``, ``y_d^{H+} = V rho_d``, ``y_l^{H+} = rho_l``.

With running couplings (GM2Calc's default) ``m_t``, ``m_b`` and ``m_tau`` inside each coupling
are the SM MS-bar masses at ``Q`` = the mass of that Higgs boson (``gm2_mf.cpp``): ``m_t(Q)``
from the pole mass with one-loop QCD, ``m_b(Q)`` from ``m_b(m_b)`` with the ``F_b`` running of
arXiv:hep-ph/0207126 (eq. (5); Lambda_QCD from eq. (9)) up to ``m_t`` and one-loop QCD above,
``m_tau(Q) = m_tau (Q/m_tau)^(-3 alpha/(2 pi))``.  Loop-function masses are the input masses.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from gm2jax.models.thdm.params import THDMParams, THDMSMInputs, ckm
from gm2jax.models.thdm.spectrum import mixing

_SQRT2 = math.sqrt(2.0)


def _alpha_s_sm5(q, lam):
    """alpha_s(Q) in the 5-flavour SM from Lambda_QCD, arXiv:hep-ph/0207126 eq. (9)."""
    t = jnp.log((q / lam) ** 2)
    lt = jnp.log(t)
    c = 348.0 / 529.0
    return 12.0 * math.pi / (23.0 * t) * (1.0 - c * lt / t + c**2 / t**2 * ((lt - 0.5) ** 2 - 78073.0 / 242208.0))


def lambda_qcd(alpha_s_mz, mz):
    """Lambda_QCD (5 flavours) with ``alpha_s(MZ)`` from eq. (9) of arXiv:hep-ph/0207126.

    Newton's method from 0.217 GeV (values), then one Newton step with the derivative held fixed,
    which carries the exact implicit derivative d Lambda / d(alpha_s, MZ).
    """
    f = lambda lam: _alpha_s_sm5(mz, lam) - alpha_s_mz  # noqa: E731
    lam0 = jax.lax.stop_gradient(0.217 + 0.0 * alpha_s_mz)
    a_s, m_z = jax.lax.stop_gradient(alpha_s_mz), jax.lax.stop_gradient(mz)

    def g(lam):
        return _alpha_s_sm5(m_z, lam) - a_s

    for _ in range(12):
        lam0 = lam0 - g(lam0) / jax.grad(g)(lam0)
    slope = jax.lax.stop_gradient(jax.grad(g)(lam0))
    return lam0 - f(lam0) / slope


def _fb(alpha):
    a = alpha / math.pi
    return (23.0 * a / 6.0) ** (12.0 / 23.0) * (1.0 + a * (3731.0 / 3174.0 + 1.500706 * a))


def m_top_running(sm: THDMSMInputs, q):
    """m_t(Q), SM(6) MS-bar, one-loop QCD from the pole mass (GM2Calc ``calculate_mt_SM6_MSbar``)."""
    as_mt = sm.alpha_s_MZ / (1.0 - 23.0 * sm.alpha_s_MZ / (6.0 * math.pi) * jnp.log(sm.MZ / sm.m_t))
    mt_mt = sm.m_t / (1.0 + 4.0 / (3.0 * math.pi) * as_mt)
    return mt_mt * (q / sm.m_t) ** (-2.0 * as_mt / math.pi)


def m_bottom_running(sm: THDMSMInputs, q):
    """m_b(Q), MS-bar: F_b running m_b(m_b) -> m_t, then one-loop QCD (``calculate_mb_SM6_MSbar``)."""
    lam = lambda_qcd(sm.alpha_s_MZ, sm.MZ)
    as_mb = _alpha_s_sm5(sm.m_b_mb, lam)
    as_mt = _alpha_s_sm5(sm.m_t, lam)
    mb_mt = sm.m_b_mb * _fb(as_mt) / _fb(as_mb)
    return mb_mt * (q / sm.m_t) ** (-2.0 * as_mt / math.pi)


def m_tau_running(sm: THDMSMInputs, q):
    """m_tau(Q) = m_tau (Q/m_tau)^(-3 alpha(MZ)/(2 pi)) (``calculate_mtau_SM6_MSbar``)."""
    return sm.m_tau * (q / sm.m_tau) ** (-3.0 * sm.alpha_MZ / (2.0 * math.pi))


def running_masses(sm: THDMSMInputs, q, running: bool = True):
    """(m_up, m_down, m_lep) 3-vectors used inside the couplings of a Higgs of mass ``q``."""
    mu, md, ml = sm.m_up, sm.m_down, sm.m_lep
    if not running:
        return mu, md, ml
    qs = jnp.abs(q)
    ok = qs > 0.0
    qq = jnp.where(ok, qs, 1.0)
    mu = mu.at[2].set(jnp.where(ok, m_top_running(sm, qq), mu[2]))
    md = md.at[2].set(jnp.where(ok, m_bottom_running(sm, qq), md[2]))
    ml = ml.at[2].set(jnp.where(ok, m_tau_running(sm, qq), ml[2]))
    return mu, md, ml


def zetas(p: THDMParams):
    """(zeta_u, zeta_d, zeta_l) of Table 1, arXiv:1607.06292 (0 for the general type, as GM2Calc)."""
    tb = p.tan_beta
    t = p.yukawa_type
    if t == "aligned":
        return p.zeta_u, p.zeta_d, p.zeta_l
    if t == "general":
        return 0.0 * tb, 0.0 * tb, 0.0 * tb
    inv, neg = 1.0 / tb, -tb
    return {"I": (inv, inv, inv), "II": (inv, neg, neg), "X": (inv, inv, neg), "Y": (inv, neg, inv)}[t]


class YukawaCore(eqx.Module):
    """Type-independent form of a mass-basis point: ``rho_f = rho_coef[f] sqrt(2) m_f/v + rho_add[f]``.

    Types I, II, X, Y, aligned: ``rho_coef = zeta_f``, ``rho_add = Delta_f``; general:
    ``rho_coef = -tan(beta)``, ``rho_add = Pi_f / cos(beta)``.  Every field is traced, so one
    compiled computation serves all Yukawa types.  ``zeta_l`` is GM2Calc's ``get_zeta_l()``
    (0 for the general type), used by the bosonic two-loop pieces.
    """

    mh: jnp.ndarray
    mH: jnp.ndarray
    mA: jnp.ndarray
    mHp: jnp.ndarray
    sin_beta_minus_alpha: jnp.ndarray
    tan_beta: jnp.ndarray
    m122: jnp.ndarray
    lambda6: jnp.ndarray
    lambda7: jnp.ndarray
    zeta_l: jnp.ndarray
    rho_coef: jnp.ndarray
    rho_add: jnp.ndarray


def as_core(p) -> YukawaCore:
    """:class:`YukawaCore` of a :class:`THDMParams` (identity on a core)."""
    if isinstance(p, YukawaCore):
        return p
    f = lambda x: jnp.asarray(x, dtype=float)  # noqa: E731
    z = zetas(p)
    if p.yukawa_type == "general":
        cb = 1.0 / jnp.sqrt(1.0 + f(p.tan_beta) ** 2)
        coef = -f(p.tan_beta) * jnp.ones(3)
        add = jnp.stack([f(p.Pi_u), f(p.Pi_d), f(p.Pi_l)]) / cb
    else:
        coef = jnp.stack([f(x) for x in z])
        add = jnp.stack([f(p.Delta_u), f(p.Delta_d), f(p.Delta_l)])
    return YukawaCore(
        f(p.mh), f(p.mH), f(p.mA), f(p.mHp), f(p.sin_beta_minus_alpha), f(p.tan_beta), f(p.m122),
        f(p.lambda6), f(p.lambda7), f(z[2]), coef, add,
    )


def rho(p, sm: THDMSMInputs, masses, which: str):
    """rho_f (3x3) for fermion type ``which`` in ``"u", "d", "l"`` with diagonal masses ``masses``."""
    q = as_core(p)
    i = "udl".index(which)
    return _SQRT2 * jnp.diag(masses) * q.rho_coef[i] / sm.v + q.rho_add[i]


class THDMCouplings(eqx.Module):
    """Yukawa couplings of the physical Higgs bosons (3x3 each; GM2Calc ``get_y{u,d,l}{h,H,A,Hp}``).

    ``yuHp`` and ``ydHp`` are complex (CKM); the others are real.
    """

    yuh: jnp.ndarray
    yuH: jnp.ndarray
    yuA: jnp.ndarray
    yuHp: jnp.ndarray
    ydh: jnp.ndarray
    ydH: jnp.ndarray
    ydA: jnp.ndarray
    ydHp: jnp.ndarray
    ylh: jnp.ndarray
    ylH: jnp.ndarray
    ylA: jnp.ndarray
    ylHp: jnp.ndarray
    vckm: jnp.ndarray


def couplings(p: THDMParams, sm: THDMSMInputs, running: bool = True) -> THDMCouplings:
    """All Yukawa couplings of h, H, A and H+- (GM2Calc ``THDM::get_y*``; see the module docstring).

    Args:
        p: mass-basis parameters.
        sm: SM inputs.
        running: use the running m_t, m_b, m_tau at Q = m_S (GM2Calc default; static).

    Returns:
        :class:`THDMCouplings`.
    """
    p = as_core(p)
    sba, cba = mixing(p, sm)
    v = sm.v
    r2 = 1.0 / _SQRT2
    vckm = ckm(sm)

    def even(q, w):  # (w = 0: h, 1: H)
        mu, md, ml = running_masses(sm, q, running)
        out = []
        for m, f in ((mu, "u"), (md, "d"), (ml, "l")):
            r = rho(p, sm, m, f)
            dm = jnp.diag(m)
            out.append(sba * dm / v + cba * r * r2 if w == 0 else cba * dm / v - sba * r * r2)
        return out

    yuh, ydh, ylh = even(p.mh, 0)
    yuH, ydH, ylH = even(p.mH, 1)
    mu, md, ml = running_masses(sm, p.mA, running)
    yuA = rho(p, sm, mu, "u") * r2
    ydA = -rho(p, sm, md, "d") * r2
    ylA = -rho(p, sm, ml, "l") * r2
    mu, md, ml = running_masses(sm, p.mHp, running)
    yuHp = -(rho(p, sm, mu, "u").T.astype(vckm.dtype)) @ vckm
    ydHp = vckm @ rho(p, sm, md, "d").astype(vckm.dtype)
    ylHp = rho(p, sm, ml, "l")
    return THDMCouplings(yuh, yuH, yuA, yuHp, ydh, ydH, ydA, ydHp, ylh, ylH, ylA, ylHp, vckm)

