r"""Higgs-mediation slepton soft masses: arXiv:1908.03607 eq. (15) and arXiv:1906.08768 eqs. (3.1)-(3.4).

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
(m^2_mu~ - m^2_e~)/(y_mu^2 - y_e^2) = c_{L,R} > 0.

Units: GeV for masses, GeV^2 for d_{L,R}, c_{L,R} and masses squared; y is dimensionless.

The self-consistent SUSY Yukawa of eq. (3.1) (a fixed point per flavour) is solved in
:mod:`gm2jax.models.mssm.mediation.fixed_point`.

References:
    M. Badziak, K. Sakurai, arXiv:1908.03607, eqs. (14), (15), (19).
    M. Endo, W. Yin, arXiv:1906.08768, eqs. (3.1)-(3.4).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from gm2jax._precision import as_float64, float64
from gm2jax.errors import InvalidInput
from gm2jax.models.mssm.params import MSSMParams, signed_square
from gm2jax.sm import SMInputs

__all__ = [
    "M_GUT",
    "HiggsMediationParams",
    "higgs_mediation_params",
    "mediated_soft_masses2",
    "mediation_coefficients",
    "mssm_params",
]


M_GUT = 1.0e16
"""Default GUT scale in GeV of arXiv:1906.08768 eq. (3.2) ("M_GUT ~ 10^16 GeV", below eq. (3.2))."""

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
        M_GUT: GUT scale in GeV (default 1e16, arXiv:1906.08768 below eq. (3.2)).

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
        A: trilinear couplings A_l, shape (3,), GeV (enter only the slepton mixing; arXiv:1906.08768
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
        """arXiv:1906.08768 Table 2 inputs: mbar (GeV), tan(beta), d_L, d_R (GeV^2), M1, M2 (GeV).

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
def mediated_soft_masses2(hp: HiggsMediationParams, y):
    """Soft masses squared (m_L^2, m_R^2) in GeV^2 of arXiv:1906.08768 eq. (3.1) at Yukawa ``y``
    (the scenario's; :func:`gm2jax.models.mssm.spectrum.soft_masses2` reads them off MSSMParams)."""
    y2 = jnp.asarray(y) ** 2
    return hp.dL + hp.cL * y2, hp.dR + hp.cR * y2


@float64
def mssm_params(hp: HiggsMediationParams, y) -> MSSMParams:
    """:class:`MSSMParams` of the scenario for SUSY Yukawas ``y`` = (y_e, y_mu, y_tau) (shape (3,)).

    A scalar ``y`` is used for all three generations (enough for one lepton's a_l, which only
    sees its own generation).  Negative m^2 become negative signed soft masses (flagged by the
    status of :func:`gm2jax.models.mssm.one_loop.amu_1l_parts`).
    """
    y3 = jnp.broadcast_to(jnp.asarray(y), (3,))
    mL2, mR2 = mediated_soft_masses2(hp, y3)
    return MSSMParams(hp.tan_beta, hp.mu, hp.M1, hp.M2, _signed_sqrt(mL2), _signed_sqrt(mR2), hp.A)
