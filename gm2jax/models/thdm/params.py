"""Two-Higgs-doublet model inputs: SM inputs, the mass basis and the gauge basis (GM2Calc conventions).

Conventions (GM2Calc 2.3.1, ``THDM.hpp`` / ``THDM.cpp``; arXiv:2110.13238, arXiv:1607.06292):

* ``v = 2 MW s_W / e(MZ)`` with ``c_W = MW/MZ`` and ``e^2 = 4 pi alpha(MZ)`` (about 242.24 GeV);
  ``v1 = v cos(beta)``, ``v2 = v sin(beta)``.
* CP-even mixing: ``alpha = atan(tan beta) - asin(sin(beta - alpha))``; ``h`` is the lighter
  CP-even state, ``-pi/2 <= beta - alpha <= pi/2``.
* Potential (arXiv:1607.06292, eq. (1)):
  ``V = m11^2 |Phi1|^2 + m22^2 |Phi2|^2 - m12^2 (Phi1^+ Phi2 + h.c.) + lambda1/2 |Phi1|^4
  + lambda2/2 |Phi2|^4 + lambda3 |Phi1|^2 |Phi2|^2 + lambda4 |Phi1^+ Phi2|^2
  + [lambda5/2 (Phi1^+ Phi2)^2 + (lambda6 |Phi1|^2 + lambda7 |Phi2|^2) Phi1^+ Phi2 + h.c.]``
  (all parameters real).
* Yukawa types (static): ``"I"``, ``"II"``, ``"X"`` (lepton-specific), ``"Y"`` (flipped),
  ``"aligned"``, ``"general"``; GM2Calc's ``MINPAR[24]`` = 1..6 in this order.
"""

from __future__ import annotations

import functools
import math

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import yaml

from gm2jax._data import data_file
from gm2jax.errors import InvalidInput

YUKAWA_TYPES = ("I", "II", "X", "Y", "aligned", "general")
"""Yukawa types in GM2Calc's order (``MINPAR[24]`` = index + 1)."""


def yukawa_type_from_int(i: int) -> str:
    """GM2Calc's integer Yukawa type (1..6) as a name."""
    if int(i) != i or not 1 <= int(i) <= 6:
        raise InvalidInput(f"invalid Yukawa type {i!r} (allowed values: 1,...,6)")
    return YUKAWA_TYPES[int(i) - 1]


def _check_type(t: str) -> None:
    if t not in YUKAWA_TYPES:
        raise InvalidInput(f"unknown 2HDM Yukawa type {t!r}: use one of {YUKAWA_TYPES}")


@functools.cache
def _defaults() -> dict:
    text = data_file("thdm_sm_inputs.yaml").read_text()
    return {k: float(v["value"]) for k, v in yaml.safe_load(text)["gm2calc_thdm"].items()}


class THDMSMInputs(eqx.Module):
    """SM inputs of the 2HDM calculation (GM2Calc ``SM`` object; every field may be traced).

    Attributes:
        alpha_MZ: alpha_em(MZ), MS-bar (used everywhere: 1L, 2L and the uncertainty).
        alpha_s_MZ: alpha_s(MZ), MS-bar.
        MZ, MW: Z and W pole masses (GeV).
        m_t: top pole mass (GeV); m_b_mb: m_b(m_b) MS-bar (GeV).
        m_u, m_c, m_d, m_s: light quark masses at 2 GeV (GeV).
        m_e, m_mu, m_tau: lepton pole masses (GeV).
        mh_SM: SM Higgs mass of the subtracted SM term (GeV).
        ckm_lambda, ckm_A, ckm_rhobar, ckm_etabar: Wolfenstein parameters.
    """

    alpha_MZ: float
    alpha_s_MZ: float
    MZ: float
    MW: float
    m_t: float
    m_b_mb: float
    m_u: float
    m_c: float
    m_d: float
    m_s: float
    m_e: float
    m_mu: float
    m_tau: float
    mh_SM: float
    ckm_lambda: float
    ckm_A: float
    ckm_rhobar: float
    ckm_etabar: float

    @classmethod
    def from_defaults(cls, **overrides) -> "THDMSMInputs":
        """GM2Calc's ``example.thdm`` SM inputs (``gm2jax/data/thdm_sm_inputs.yaml``), with overrides."""
        d = dict(_defaults())
        d["alpha_MZ"] = 1.0 / d.pop("alpha_MZ_inverse")
        unknown = set(overrides) - set(d)
        if unknown:
            raise InvalidInput(f"unknown THDMSMInputs field(s) {sorted(unknown)}")
        d.update(overrides)
        return cls(**d)

    @property
    def cw(self):
        """On-shell cos(theta_W) = MW/MZ."""
        return self.MW / self.MZ

    @property
    def v(self):
        """SM vev ``2 MW s_W / e(MZ)`` in GeV (GM2Calc ``SM::get_v``)."""
        sw = jnp.sqrt(1.0 - self.cw**2)
        return 2.0 * self.MW * sw / jnp.sqrt(4.0 * math.pi * self.alpha_MZ)

    @property
    def m_up(self):
        """(m_u, m_c, m_t) as GM2Calc stores them (light: 2 GeV MS-bar; top: pole)."""
        return jnp.stack([jnp.asarray(self.m_u), jnp.asarray(self.m_c), jnp.asarray(self.m_t)])

    @property
    def m_down(self):
        """(m_d, m_s, m_b(m_b))."""
        return jnp.stack([jnp.asarray(self.m_d), jnp.asarray(self.m_s), jnp.asarray(self.m_b_mb)])

    @property
    def m_lep(self):
        """(m_e, m_mu, m_tau) pole masses."""
        return jnp.stack([jnp.asarray(self.m_e), jnp.asarray(self.m_mu), jnp.asarray(self.m_tau)])


def ckm(sm: THDMSMInputs):
    """CKM matrix (complex 3x3) from the Wolfenstein parameters, standard parametrisation.

    ``s12 = lambda``, ``s23 = A lambda^2``, ``s13 e^{i delta} = A lambda^3 (rho + i eta)
    sqrt(1 - A^2 lambda^4) / (sqrt(1 - lambda^2) (1 - A^2 lambda^4 (rho + i eta)))``
    (GM2Calc ``SM::set_ckm_from_wolfenstein``; PDG CKM review).
    """
    lam, a = sm.ckm_lambda, sm.ckm_A
    rpe = sm.ckm_rhobar + 1j * sm.ckm_etabar
    v13c = a * lam**3 * rpe * jnp.sqrt(1.0 - a**2 * lam**4) / jnp.sqrt(1.0 - lam**2) / (1.0 - a**2 * lam**4 * rpe)
    s12, s23, s13 = lam, a * lam**2, jnp.abs(v13c)
    c12, c23, c13 = jnp.sqrt(1 - s12**2), jnp.sqrt(1 - s23**2), jnp.sqrt(1 - s13**2)
    e = jnp.exp(1j * jnp.angle(v13c))
    return jnp.array(
        [
            [c12 * c13, s12 * c13, s13 / e],
            [-s12 * c23 - c12 * s23 * s13 * e, c12 * c23 - s12 * s23 * s13 * e, s23 * c13],
            [s12 * s23 - c12 * c23 * s13 * e, -c12 * s23 - s12 * c23 * s13 * e, c23 * c13],
        ]
    )


def _zeros33():
    return np.zeros((3, 3))  # NumPy float64, whatever JAX's x64 flag


class THDMParams(eqx.Module):
    """2HDM parameters in the mass basis (GM2Calc ``thdm::Mass_basis``).

    Attributes:
        mh, mH: CP-even Higgs masses in GeV (``mh <= mH``).
        mA: CP-odd Higgs mass (GeV).
        mHp: charged Higgs mass (GeV).
        sin_beta_minus_alpha: sin(beta - alpha) (|.| <= 1).
        tan_beta: ratio of the vevs v2/v1 (> 0).
        m122: soft Z2-breaking m_12^2 (GeV^2).
        lambda6, lambda7: hard Z2-breaking quartics (dimensionless).
        zeta_u, zeta_d, zeta_l: alignment parameters (``yukawa_type="aligned"`` only).
        Delta_u, Delta_d, Delta_l: 3x3 additions to rho_f (all types except ``"general"``).
        Pi_u, Pi_d, Pi_l: 3x3 Yukawa matrices of Phi2 (``"general"`` only).
        yukawa_type: one of :data:`YUKAWA_TYPES` (static).
    """

    mh: float
    mH: float
    mA: float
    mHp: float
    sin_beta_minus_alpha: float
    tan_beta: float
    m122: float = 0.0
    lambda6: float = 0.0
    lambda7: float = 0.0
    zeta_u: float = 0.0
    zeta_d: float = 0.0
    zeta_l: float = 0.0
    Delta_u: jnp.ndarray = eqx.field(default_factory=_zeros33)
    Delta_d: jnp.ndarray = eqx.field(default_factory=_zeros33)
    Delta_l: jnp.ndarray = eqx.field(default_factory=_zeros33)
    Pi_u: jnp.ndarray = eqx.field(default_factory=_zeros33)
    Pi_d: jnp.ndarray = eqx.field(default_factory=_zeros33)
    Pi_l: jnp.ndarray = eqx.field(default_factory=_zeros33)
    yukawa_type: str = eqx.field(static=True, default="II")

    def __check_init__(self):
        _check_type(self.yukawa_type)


class THDMGaugeBasis(eqx.Module):
    """2HDM parameters in the gauge basis (GM2Calc ``thdm::Gauge_basis``).

    Attributes:
        lambdas: (lambda1, ..., lambda7), shape (7,), dimensionless.
        tan_beta: v2/v1.
        m122: m_12^2 in GeV^2.
        zeta_u, zeta_d, zeta_l, Delta_u, Delta_d, Delta_l, Pi_u, Pi_d, Pi_l, yukawa_type:
            as in :class:`THDMParams`.
    """

    lambdas: jnp.ndarray
    tan_beta: float
    m122: float
    zeta_u: float = 0.0
    zeta_d: float = 0.0
    zeta_l: float = 0.0
    Delta_u: jnp.ndarray = eqx.field(default_factory=_zeros33)
    Delta_d: jnp.ndarray = eqx.field(default_factory=_zeros33)
    Delta_l: jnp.ndarray = eqx.field(default_factory=_zeros33)
    Pi_u: jnp.ndarray = eqx.field(default_factory=_zeros33)
    Pi_d: jnp.ndarray = eqx.field(default_factory=_zeros33)
    Pi_l: jnp.ndarray = eqx.field(default_factory=_zeros33)
    yukawa_type: str = eqx.field(static=True, default="II")

    def __check_init__(self):
        _check_type(self.yukawa_type)
