"""Mass-insertion approximations of seed 000 (arXiv:1908.03607, eqs. (5)-(8)).

Useful for understanding which diagram dominates; the full one-loop result is
:func:`gm2jax.models.mssm.amu_1l.amu_1l`.  Couplings: alpha/(4 pi sin^2 theta_W) = g2^2/(16 pi^2)
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

from gm2jax import loops
from gm2jax._precision import float64
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.sm import SMInputs, couplings, lepton_index

_LOOP = 1.0 / (16.0 * math.pi**2)


@float64
def amu_chargino_mia(p: MSSMParams, sm: SMInputs, lepton="mu"):
    """Wino-higgsino-sneutrino mass-insertion approximation, seed 000 eq. (5).

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
    """Bino-smuon_L-smuon_R mass-insertion approximation, seed 000 eq. (6).

    References:
        arXiv:1908.03607, eqs. (6), (8).
    """
    c = couplings(sm)
    m_l = sm.lepton_mass(lepton)
    m = sp.slepton_matrix(p, c, lepton, m_l)
    g = lepton_index(lepton)
    dd = loops.divided_difference(_h_bino, m[1, 1], m[0, 0], p.M1**2)
    return c.gY**2 * _LOOP * m_l**2 * p.M1 * (p.mu * p.tan_beta - p.Ae[..., g]) * dd

