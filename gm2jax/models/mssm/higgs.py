"""Tree-level MSSM Higgs sector as GM2Calc builds it (input M_A, tan(beta); GeV).

GM2Calc (``GM2CalcInput`` mode) sets ``B mu = M_A^2 sin(2 beta)/2`` from the CP-odd pole mass,
solves the tree-level EWSB conditions for the soft Higgs masses and diagonalises the tree-level
mass matrices.  The results are::

    CP-even, basis (phi_d, phi_u):
        ( M_A^2 s_b^2 + M_Z^2 c_b^2        -(M_A^2 + M_Z^2) s_b c_b     )
        ( -(M_A^2 + M_Z^2) s_b c_b          M_A^2 c_b^2 + M_Z^2 s_b^2   )
    m_h <= m_H its eigenvalues (m_h <= M_Z at tree level), m_A = M_A, m_H+- ^2 = M_A^2 + M_W^2,

and the CP-even angle from the closed form (not from the numerical eigenvectors) that the
two-loop Barr-Zee code uses::

    tan(2 alpha) = tan(2 beta) (M_A^2 + M_Z^2)/(M_A^2 - M_Z^2),
    tan(alpha)   = -cot(2 alpha) - sqrt(cot^2(2 alpha) + 1)      (alpha in (-pi/2, 0)).

``cot(2 alpha)`` is written as ``(1 - t_b^2)/(2 t_b) (M_A^2 - M_Z^2)/(M_A^2 + M_Z^2)``, which
is smooth at ``tan(beta) = 1`` and ``M_A = M_Z``.  The physical h and H couple to
``phi_d, phi_u`` through ``v_h = (-sin(alpha), cos(alpha))`` and ``v_H = (cos(alpha), sin(alpha))``.

References:
    arXiv:1510.08071 (GM2Calc), sec. 2; hep-ph/0609168, eqs. (63)-(69).
"""

from __future__ import annotations

import jax.numpy as jnp

from gm2jax import linalg
from gm2jax.errors import Status
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.sm import Couplings


def _beta(tan_beta):
    cb = 1.0 / jnp.sqrt(1.0 + tan_beta**2)
    return cb, tan_beta * cb


def cp_even_matrix(p: MSSMParams, c: Couplings):
    """2x2 tree-level CP-even Higgs mass^2 matrix in GeV^2, basis (phi_d, phi_u)."""
    cb, sb = _beta(p.tan_beta)
    ma2, mz2 = p.MA**2, c.MZ**2
    off = -(ma2 + mz2) * sb * cb
    return jnp.stack([jnp.stack([ma2 * sb**2 + mz2 * cb**2, off]), jnp.stack([off, ma2 * cb**2 + mz2 * sb**2])])


def cp_even_masses2(p: MSSMParams, c: Couplings):
    """(m_h^2, m_H^2) in GeV^2, ascending (tree level)."""
    return linalg.eigvalsh2(cp_even_matrix(p, c))


def charged_higgs_mass2(p: MSSMParams, c: Couplings):
    """m_H+-^2 = M_A^2 + M_W^2 in GeV^2 (tree level)."""
    return p.MA**2 + c.MW**2


def tan_alpha(p: MSSMParams, c: Couplings):
    """tan(alpha) of the CP-even mixing, GM2Calc's closed form, root in (-pi/2, 0) (see module doc)."""
    ma2, mz2 = p.MA**2, c.MZ**2
    cot2a = (1.0 - p.tan_beta**2) / (2.0 * p.tan_beta) * (ma2 - mz2) / (ma2 + mz2)
    return -cot2a - jnp.sqrt(cot2a**2 + 1.0)


def mixing(p: MSSMParams, c: Couplings):
    """(sin(alpha), cos(alpha)) with alpha in (-pi/2, 0)."""
    ta = tan_alpha(p, c)
    ca = 1.0 / jnp.sqrt(1.0 + ta**2)
    return ta * ca, ca


def higgs_status(p: MSSMParams):
    """TACHYON_HIGGS where M_A is not a positive finite mass (then m_h = 0 or m_A^2 <= 0)."""
    ok = jnp.isfinite(p.MA) & (p.MA > 0)
    return jnp.where(ok, 0, int(Status.TACHYON_HIGGS))
