"""Mass-insertion approximations of arXiv:1908.03607, eqs. (5)-(8).

Useful for understanding which diagram dominates; the full one-loop result is
:func:`gm2jax.models.mssm.one_loop.amu_1l`.  Couplings: alpha/(4 pi sin^2 theta_W) = g2^2/(16 pi^2)
and alpha/(4 pi cos^2 theta_W) = gY^2/(16 pi^2) in the convention of the given SMInputs.

* chargino (wino-higgsino-sneutrino), eq. (5)::

      a^chi+- ~ g2^2/(16 pi^2) m_l^2 mu M2 tb / m_snu^2 * [f_c(M2^2/m_snu^2) - f_c(mu^2/m_snu^2)]/(M2^2 - mu^2)

* neutralino (bino with L-R insertion), eq. (6)::

      a^chi0 ~ gY^2/(16 pi^2) m_l^2 M1 (mu tb - A_l)/(m_R^2 - m_L^2) * [f_n(M1^2/m_R^2)/m_R^2 - f_n(M1^2/m_L^2)/m_L^2]

Both divided differences are evaluated stably at equal arguments.  m_snu is the tree-level
sneutrino mass; m_L^2, m_R^2 are the diagonal entries of the slepton mass matrix (soft
mass^2 + D-term + m_l^2), i.e. the masses of the unmixed states the insertion connects.
Valid when the L-R mixing and electroweak mixing are small compared with the mass
splittings (|m_l (mu tb - A)| << |m_L^2 - m_R^2| or the masses themselves).
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from gm2jax import loops
from gm2jax._precision import float64
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.sm import Couplings, SMInputs, couplings, lepton_index

_LOOP = 1.0 / (16.0 * math.pi**2)


@float64
def amu_chargino_mia(p: MSSMParams, sm: SMInputs, lepton="mu"):
    """Wino-higgsino-sneutrino mass-insertion approximation, arXiv:1908.03607 eq. (5).

    Returns:
        a_l^chi+- (dimensionless).

    References:
        arXiv:1908.03607, eqs. (5), (7).
    """
    c = couplings(sm)
    m_l = sm.lepton_mass(lepton)
    msnu2 = sp.sneutrino_mass2(p, c, lepton)
    dd = loops.divdiff_f_chargino(p.M2**2 / msnu2, p.mu**2 / msnu2)
    return c.g2**2 * _LOOP * m_l**2 * p.mu * p.M2 * p.tan_beta / msnu2**2 * dd


def _h_bino(s, m1sq):
    return loops.f_neutralino_mia(m1sq / s) / s


@float64
def amu_bino_mia(p: MSSMParams, sm: SMInputs, lepton="mu"):
    """Bino-smuon_L-smuon_R mass-insertion approximation, arXiv:1908.03607 eq. (6).

    References:
        arXiv:1908.03607, eqs. (6), (8).
    """
    c = couplings(sm)
    m_l = sm.lepton_mass(lepton)
    m = sp.slepton_matrix(p, c, lepton, m_l)
    g = lepton_index(lepton)
    dd = loops.divided_difference(_h_bino, m[1, 1], m[0, 0], p.M1**2)
    return c.gY**2 * _LOOP * m_l**2 * p.M1 * (p.mu * p.tan_beta - p.Ae[..., g]) * dd


# ----------------------------------------------------------------------------------------
# GM2Calc's leading-log (mass-insertion) one-loop terms, arXiv:1311.1775 eqs. (6.2a-e)
# ----------------------------------------------------------------------------------------
#
# Conventions (GM2Calc 2.3.1, docs/conventions/gm2calc.md sec. 8), which differ from the arXiv:1908.03607
# approximations above: m_L, m_E are the BARE soft masses of the lepton's own generation (no
# D-terms, no m_l^2), m_snu is the spectrum (tree-level) sneutrino mass, m_l the pole mass, g2 and
# gY of the given couplings, and no 1/(1 + Delta_l) factor (the callers apply it).  These are the
# one-loop factors of the two-loop leading-log fermion/sfermion terms of arXiv:1311.1775 eq. (6.5).


def _bare_soft_masses(p: MSSMParams, lepton):
    """(|m_L|, |m_E|) in GeV: GM2Calc's sqrt(ml2), sqrt(me2) of the lepton's own generation."""
    g = lepton_index(lepton)
    return jnp.abs(p.msl[..., g]), jnp.abs(p.mse[..., g])


def amu_1l_approx_terms(p: MSSMParams, c: Couplings, lepton, m_lepton) -> dict:
    """The five leading-log terms of arXiv:1311.1775 eqs. (6.2a)-(6.2e), keyed like :data:`APPROX_TERMS`.

    With m_L, m_E the bare soft masses, m_snu the spectrum sneutrino mass and g = g2^2/(16 pi^2),
    g' = gY^2/(16 pi^2), P = m_l^2 mu tb::

        WHnu    =  2 g  P M2 / m_snu^4 Fa(M2^2/m_snu^2, mu^2/m_snu^2)
        WHmuL   =   -g  P M2 / m_L^4   Fb(M2^2/m_L^2,   mu^2/m_L^2)
        BHmuL   =    g' P M1 / m_L^4   Fb(M1^2/m_L^2,   mu^2/m_L^2)
        BHmuR   = -2 g' P M1 / m_E^4   Fb(M1^2/m_E^2,   mu^2/m_E^2)
        BmuLmuR =  2 g' P    / M1^3    Fb(m_L^2/M1^2,   m_E^2/M1^2)   (-> g' P M1/(m_L^2 m_E^2), M1 -> 0)

    The four Fb's are evaluated in one call, entry by entry (:func:`gm2jax.loops.per_entry`: a
    per-point axis of 4 under ``jax.vmap`` made Fb 2x slower per entry on CPU).
    """
    ml, me = _bare_soft_masses(p, lepton)
    ml2, me2 = ml**2, me**2
    msnu2 = jnp.abs(sp.sneutrino_mass2(p, c, lepton))
    zero = p.M1 == 0.0
    m1 = jnp.where(zero, 1.0, p.M1)
    m1sq, m2sq, musq = p.M1**2, p.M2**2, p.mu**2
    fb = loops.per_entry(
        loops.Fb,
        jnp.stack([m2sq / ml2, m1sq / ml2, m1sq / me2, ml2 / m1**2]),
        jnp.stack([musq / ml2, musq / ml2, musq / me2, me2 / m1**2]),
    )
    big_p = _LOOP * m_lepton**2 * p.mu * p.tan_beta
    return {
        "WHnu": 2.0 * c.g2**2 * big_p * p.M2 / msnu2**2 * loops.Fa(m2sq / msnu2, musq / msnu2),
        "WHmuL": -(c.g2**2) * big_p * p.M2 / ml2**2 * fb[0],
        "BHmuL": c.gY**2 * big_p * p.M1 / ml2**2 * fb[1],
        "BHmuR": -2.0 * c.gY**2 * big_p * p.M1 / me2**2 * fb[2],
        # M1 -> 0: Fb(X, Y) -> 1/(2XY), so BmuLmuR -> gY^2 P M1/(m_L^2 m_E^2) (value 0, that slope)
        "BmuLmuR": jnp.where(
            zero, c.gY**2 * big_p * p.M1 / (ml2 * me2), 2.0 * c.gY**2 * big_p / m1**3 * fb[3]
        ),
    }


def amu_1l_approx_WHnu(p: MSSMParams, c: Couplings, lepton, m_lepton):
    """Wino-higgsino-sneutrino leading-log term, arXiv:1311.1775 eq. (6.2a) (see :func:`amu_1l_approx_terms`)."""
    return amu_1l_approx_terms(p, c, lepton, m_lepton)["WHnu"]


def amu_1l_approx_WHmuL(p: MSSMParams, c: Couplings, lepton, m_lepton):
    """Wino-higgsino-left-slepton leading-log term, arXiv:1311.1775 eq. (6.2b)."""
    return amu_1l_approx_terms(p, c, lepton, m_lepton)["WHmuL"]


def amu_1l_approx_BHmuL(p: MSSMParams, c: Couplings, lepton, m_lepton):
    """Bino-higgsino-left-slepton leading-log term, arXiv:1311.1775 eq. (6.2c)."""
    return amu_1l_approx_terms(p, c, lepton, m_lepton)["BHmuL"]


def amu_1l_approx_BHmuR(p: MSSMParams, c: Couplings, lepton, m_lepton):
    """Bino-higgsino-right-slepton leading-log term, arXiv:1311.1775 eq. (6.2d)."""
    return amu_1l_approx_terms(p, c, lepton, m_lepton)["BHmuR"]


def amu_1l_approx_BmuLmuR(p: MSSMParams, c: Couplings, lepton, m_lepton):
    """Bino-left-right-slepton leading-log term, arXiv:1311.1775 eq. (6.2e); 0 at M1 = 0 (with the limit's slope)."""
    return amu_1l_approx_terms(p, c, lepton, m_lepton)["BmuLmuR"]


APPROX_TERMS = {
    "WHnu": amu_1l_approx_WHnu,
    "WHmuL": amu_1l_approx_WHmuL,
    "BHmuL": amu_1l_approx_BHmuL,
    "BHmuR": amu_1l_approx_BHmuR,
    "BmuLmuR": amu_1l_approx_BmuLmuR,
}
"""The five leading-log terms by GM2Calc's name (read-only; order of arXiv:1311.1775 eq. (6.1))."""


@float64
def amu_1l_approx(p: MSSMParams, sm: SMInputs, lepton="mu", delta=0.0):
    """GM2Calc's one-loop leading-log a_l, arXiv:1311.1775 eq. (6.1), times 1/(1 + delta).

    Args:
        p: MSSM parameters.
        sm: SM inputs (GM2Calc convention for comparisons with GM2Calc).
        lepton: "e", "mu" or "tau" (static).
        delta: Delta_l; GM2Calc's ``amu1Lapprox`` uses its resummation Delta_l, 0 gives
            ``amu1Lapprox_non_tan_beta_resummed``.

    Returns:
        a_l (dimensionless).

    References:
        arXiv:1311.1775, eqs. (6.1), (6.2a)-(6.2e).
    """
    c = couplings(sm)
    m_l = sm.lepton_mass(lepton)
    return sum(amu_1l_approx_terms(p, c, lepton, m_l).values()) / (1.0 + delta)
