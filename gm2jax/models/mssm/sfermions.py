"""Third-generation sfermions, quark Yukawas and Delta_b as GM2Calc builds them for two loops.

Stops, sbottoms and staus (basis (f_L, f_R), GeV^2; s_W^2 and M_Z as in
:mod:`gm2jax.models.mssm.spectrum`; c_2b = cos(2 beta))::

    stop:    ( mQ3^2 + m_t^2 + M_Z^2 c_2b (1/2 - 2/3 s_W^2)    m_t (A_t - mu/t_b)              )
             ( m_t (A_t - mu/t_b)                              mU3^2 + m_t^2 + 2/3 s_W^2 M_Z^2 c_2b )
    sbottom: ( mQ3^2 + m~_b^2 - M_Z^2 c_2b (1/2 - 1/3 s_W^2)   m~_b (A_b - mu t_b)             )
             ( m~_b (A_b - mu t_b)                             mD3^2 + m~_b^2 - 1/3 s_W^2 M_Z^2 c_2b )
    stau:    :func:`gm2jax.models.mssm.spectrum.slepton_matrix` of the tau with m~_tau = m_tau/(1+Delta_tau)

with the top pole mass ``m_t`` (y_t = sqrt2 m_t/v_u, never resummed) and the DR-bar bottom mass
``m~_b = m_b^DR(M_Z)/(1 + Delta_b)`` (y_b = sqrt2 m~_b/v_d).  Without tan(beta) resummation every
Delta is 0 (GM2Calc's ``convert_to_non_tan_beta_resummed``).

``m_b^DR(M_Z)`` (GM2Calc ``calculate_mb_SM5_DRbar``, arXiv:hep-ph/0207126): Lambda_QCD from
alpha_s(M_Z) with the three-loop formula eq. (9) (solved here for t = ln(M_Z^2/Lambda^2) by
Newton's method with one final differentiable step, so derivatives are the implicit-function
ones), alpha_s(m_b) from it, the running ``m_b(M_Z) = m_b(m_b) F_b(alpha_s(M_Z))/F_b(alpha_s(m_b))``
(eq. (5)) and the MS-bar -> DR-bar factor ``1 - a/3 - 29/72 a^2``, a = alpha_s(M_Z)/pi (eq. (11)).

``Delta_b`` (GM2Calc ``delta_bottom_correction``; arXiv:0901.2065 eqs. (31)-(35), (103)):
``Delta_b = t_b eps_0`` with (I = :func:`gm2jax.loops.I_abc` of squared masses)::

    eps_0 = 2 alpha_s/(3 pi) mu M3 I(mQ3^2, mD3^2, M3^2)
            - gY^2/(96 pi^2) mu M1 [I(mQ3^2, mu^2, M1^2) + 2 I(mD3^2, mu^2, M1^2)]
            - gY^2/(144 pi^2) mu M1 I(mQ3^2, mD3^2, M1^2)
            - 3 g2^2/(32 pi^2) mu M2 I(mQ3^2, mu^2, M2^2).

GM2Calc 2.3.1 also forms the y_t^2 term of eq. (33) from eqs. (32) and (35) but, with the
self-energy part of eq. (35) neglected, the two pieces cancel exactly, so it contributes nothing
and is omitted here.  ``Delta_tau`` is :func:`gm2jax.models.mssm.threshold.delta_lepton` of the tau.

References:
    arXiv:1510.08071 (GM2Calc); arXiv:0901.2065; arXiv:hep-ph/0207126; hep-ph/0609168 sec. 2.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import lax

from gm2jax import linalg, loops
from gm2jax._precision import float64
from gm2jax.errors import Status
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.params import MSSMParams, signed_square
from gm2jax.models.mssm.threshold import POLE_TOL, delta_lepton
from gm2jax.sm import Couplings, SMInputs

_SQRT2 = math.sqrt(2.0)
_B1 = 348.0 / 529.0
_C2 = 78073.0 / 242208.0
_NEWTON_STEPS = 40


def _alpha_s_5(t):
    """alpha_s (5 flavours, MS-bar) at t = ln(Q^2/Lambda^2), arXiv:hep-ph/0207126 eq. (9)."""
    lt = jnp.log(t)
    return 12.0 * math.pi / (23.0 * t) * (1.0 - _B1 * lt / t + _B1**2 / t**2 * ((lt - 0.5) ** 2 - _C2))


def _fb(a):
    """F_b(alpha_s), arXiv:hep-ph/0207126 eq. (5)."""
    x = a / math.pi
    return (23.0 * x / 6.0) ** (12.0 / 23.0) * (1.0 + 3731.0 / 3174.0 * x + 1.500706 * x**2)


def _newton_t(alpha_s, t0):
    def residual(t):
        return _alpha_s_5(t) - alpha_s

    def step(t):
        f, df = jax.jvp(residual, (t,), (jnp.ones_like(t),))
        return t - f / df

    t_star = lax.fori_loop(0, _NEWTON_STEPS, lambda i, t: step(t), lax.stop_gradient(t0))
    t_star = lax.stop_gradient(t_star)
    return step(t_star)  # one differentiable step: exact implicit derivative at the root


@float64
def mb_drbar_mz(sm: SMInputs):
    """DR-bar bottom mass m_b(M_Z) in GeV (SM, 5 flavours) from ``sm.m_b_mb`` and ``sm.alpha_s``.

    Example:
        >>> from gm2jax.sm import SMInputs
        >>> round(float(mb_drbar_mz(SMInputs.from_convention("gm2calc"))), 6)
        2.824037
    """
    alpha_s = jnp.asarray(sm.alpha_s)
    mz = jnp.asarray(sm.MZ)
    ok = (alpha_s > 0) & (sm.m_b_mb > 0) & (mz > sm.m_b_mb)
    a = jnp.where(ok, alpha_s, 0.118)
    mbmb = jnp.where(ok, sm.m_b_mb, 4.18)
    mzs = jnp.where(ok, mz, 91.1876)
    t0 = 2.0 * jnp.log(mzs / 0.217)
    t_mz = _newton_t(a, t0)
    a_mb = _alpha_s_5(t_mz - 2.0 * jnp.log(mzs / mbmb))
    x = a / math.pi
    mb = mbmb * _fb(a) / _fb(a_mb) * (1.0 - x / 3.0 - 29.0 / 72.0 * x**2)
    return jnp.where(ok, mb, jnp.nan)


def delta_bottom(p: MSSMParams, c: Couplings, alpha_s):
    """Delta_b (dimensionless), GM2Calc's ``delta_bottom_correction`` (see module docstring)."""
    mq2, md2 = p.msq[..., 2] ** 2, p.msd[..., 2] ** 2
    mu2, m12, m22, m32 = p.mu**2, p.M1**2, p.M2**2, p.M3**2
    pi2 = math.pi**2
    eps0 = (
        2.0 * alpha_s / (3.0 * math.pi) * p.mu * p.M3 * loops.I_abc(mq2, md2, m32)
        - c.gY**2 / (96.0 * pi2) * p.mu * p.M1 * (loops.I_abc(mq2, mu2, m12) + 2.0 * loops.I_abc(md2, mu2, m12))
        - c.gY**2 / (144.0 * pi2) * p.mu * p.M1 * loops.I_abc(mq2, md2, m12)
        - 3.0 * c.g2**2 / (32.0 * pi2) * p.mu * p.M2 * loops.I_abc(mq2, mu2, m22)
    )
    return p.tan_beta * eps0


def stop_matrix(p: MSSMParams, c: Couplings, m_t):
    """2x2 stop mass^2 matrix in GeV^2, basis (t_L, t_R); ``m_t`` the top mass in GeV."""
    cb, _ = sp._beta(p.tan_beta)
    c2b = 2.0 * cb**2 - 1.0
    sw2, mz2 = c.sW**2, c.MZ**2
    off = m_t * (p.Au[..., 2] - p.mu / p.tan_beta)
    ll = signed_square(p.msq[..., 2]) + m_t**2 + mz2 * c2b * (0.5 - 2.0 / 3.0 * sw2)
    rr = signed_square(p.msu[..., 2]) + m_t**2 + 2.0 / 3.0 * sw2 * mz2 * c2b
    return jnp.stack([jnp.stack([ll, off]), jnp.stack([off, rr])])


def sbottom_matrix(p: MSSMParams, c: Couplings, m_b):
    """2x2 sbottom mass^2 matrix in GeV^2, basis (b_L, b_R); ``m_b`` = m_b^DR(M_Z)/(1+Delta_b) in GeV."""
    cb, _ = sp._beta(p.tan_beta)
    c2b = 2.0 * cb**2 - 1.0
    sw2, mz2 = c.sW**2, c.MZ**2
    off = m_b * (p.Ad[..., 2] - p.mu * p.tan_beta)
    ll = signed_square(p.msq[..., 2]) + m_b**2 - mz2 * c2b * (0.5 - 1.0 / 3.0 * sw2)
    rr = signed_square(p.msd[..., 2]) + m_b**2 - 1.0 / 3.0 * sw2 * mz2 * c2b
    return jnp.stack([jnp.stack([ll, off]), jnp.stack([off, rr])])


class ThirdGeneration(eqx.Module):
    """Third-generation quantities entering the MSSM two-loop a_l (one point, one resummation choice).

    Attributes:
        m_b_mz: m_b^DR-bar(M_Z) in GeV (SM, 5 flavours).
        delta_b: Delta_b (0 without resummation).
        delta_tau: Delta_tau (0 without resummation).
        y_t: top Yukawa sqrt2 m_t/v_u (pole m_t).
        y_b: bottom Yukawa sqrt2 m_b^DR(M_Z)/(v_d (1 + Delta_b)).
        y_tau: tau Yukawa sqrt2 m_tau/(v_d (1 + Delta_tau)).
        m_t: top mass used in the stop matrix (GeV).
        m_b: m~_b = m_b^DR(M_Z)/(1 + Delta_b) in GeV.
        m_tau: m~_tau = m_tau/(1 + Delta_tau) in GeV.
        stop, sbottom, stau: (2, 2) mass^2 matrices in GeV^2, basis (L, R).
    """

    m_b_mz: jnp.ndarray
    delta_b: jnp.ndarray
    delta_tau: jnp.ndarray
    y_t: jnp.ndarray
    y_b: jnp.ndarray
    y_tau: jnp.ndarray
    m_t: jnp.ndarray
    m_b: jnp.ndarray
    m_tau: jnp.ndarray
    stop: jnp.ndarray
    sbottom: jnp.ndarray
    stau: jnp.ndarray


def third_generation(
    p: MSSMParams, sm: SMInputs, c: Couplings, resummation: str | None = "gm2calc", deltas=None
) -> ThirdGeneration:
    """Third-generation Yukawas, Delta_b, Delta_tau and sfermion mass matrices.

    Args:
        p: MSSM parameters.
        sm: SM inputs (``m_t``, ``m_b_mb``, ``alpha_s``, ``m_tau``).
        c: electroweak couplings of ``sm``.
        resummation: None (tree-level Yukawas, all Delta = 0) or the spectrum of
            :func:`gm2jax.models.mssm.threshold.delta_lepton` used for Delta_tau
            (``"gm2calc"`` or ``"exact"``); static.
        deltas: optional ``(Delta_b, Delta_tau)`` already computed for ``p`` (e.g. by an earlier
            call, made NaN-safe by the caller); ignored without resummation.
    """
    cb, sb = sp._beta(p.tan_beta)
    m_b_mz = mb_drbar_mz(sm)
    if resummation is None:
        d_b = jnp.zeros_like(p.tan_beta)
        d_tau = jnp.zeros_like(p.tan_beta)
    elif deltas is not None:
        d_b, d_tau = deltas
    else:
        d_b = delta_bottom(p, c, sm.alpha_s)
        d_tau = delta_lepton(p, c, "tau", resummation)
    m_t = jnp.asarray(sm.m_t) * jnp.ones_like(p.tan_beta)
    m_b = m_b_mz / (1.0 + d_b)
    m_tau = sm.m_tau / (1.0 + d_tau)
    return ThirdGeneration(
        m_b_mz=m_b_mz,
        delta_b=d_b,
        delta_tau=d_tau,
        y_t=_SQRT2 * m_t / (c.v * sb),
        y_b=_SQRT2 * m_b / (c.v * cb),
        y_tau=_SQRT2 * m_tau / (c.v * cb),
        m_t=m_t,
        m_b=m_b,
        m_tau=m_tau,
        stop=stop_matrix(p, c, m_t),
        sbottom=sbottom_matrix(p, c, m_b),
        stau=sp.slepton_matrix(p, c, "tau", sm.m_tau, d_tau),
    )


def sfermion_status(p: MSSMParams, g: ThirdGeneration):
    """Status bits GM2Calc raises for the sfermion sector (any lepton).

    NEGATIVE_SOFT_MASS2 where any squark or slepton soft mass^2 (all generations) is negative;
    TACHYON_SFERMION where a stop, sbottom or stau mass^2 eigenvalue is negative; YUKAWA_POLE
    where 1 + Delta_b or 1 + Delta_tau vanishes; INVALID_SM_INPUT where m_b(M_Z) cannot be
    computed (alpha_s <= 0, m_b(m_b) <= 0 or >= M_Z).
    """
    soft = jnp.stack([p.msq, p.msu, p.msd, p.msl, p.mse])
    status = jnp.where(jnp.all(soft >= 0), 0, int(Status.NEGATIVE_SOFT_MASS2))
    lows = jnp.stack([linalg.eigvalsh2(m)[0] for m in (g.stop, g.sbottom, g.stau)])
    status |= jnp.where(jnp.all(lows >= 0), 0, int(Status.TACHYON_SFERMION))
    status |= jnp.where(jnp.isfinite(g.m_b_mz), 0, int(Status.INVALID_SM_INPUT))
    poles = jnp.stack([1.0 + g.delta_b, 1.0 + g.delta_tau])
    status |= jnp.where(jnp.all(jnp.abs(poles) > POLE_TOL), 0, int(Status.YUKAWA_POLE))
    return status


def tachyon_names(g: ThirdGeneration) -> list[str]:
    """Names of the tachyonic third-generation sfermions of a concrete (unbatched) point."""
    names = []
    for name, m in (("stop", g.stop), ("sbottom", g.sbottom), ("stau", g.stau)):
        if float(linalg.eigvalsh2(m)[0]) < 0:
            names.append(name)
    return names
