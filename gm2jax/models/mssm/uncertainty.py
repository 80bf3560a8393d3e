"""GM2Calc's theory uncertainty of the MSSM a_l truncated at loop order 0, 1 or 2.

GM2Calc 2.3.1 (``calculate_uncertainty_amu_{0,1,2}loop``; arXiv:1510.08071 eq. (4),
arXiv:2110.13238)::

    unc(2 loops) = 2.3e-10 + 0.3 (|a^2L(a)_chargino| + |a^2L(a)_sfermion|)
    unc(1 loop)  = |a^2L| + unc(2 loops)
    unc(0 loops) = |a^1L|

The constant 2.3e-10 estimates the unknown two-loop terms for the muon; GM2Calc applies it for
every lepton (with its slot substitution), so for a_e it dominates trivially.  The 0.3 factor
covers the approximations of the Barr-Zee 2L(a) pieces.

References:
    arXiv:1510.08071, eq. (4); arXiv:2110.13238.
"""

from __future__ import annotations

import jax.numpy as jnp

from gm2jax._precision import float64
from gm2jax.errors import InvalidInput

UNKNOWN_TWO_LOOP = 2.3e-10
"""Absolute estimate of the unknown two-loop MSSM contributions (arXiv:1510.08071 eq. (4))."""
BARR_ZEE_FRACTION = 0.3
"""Relative uncertainty of the 2L(a) Barr-Zee pieces (arXiv:1510.08071 eq. (4))."""


def uncertainty_2loop(barr_zee_chargino, barr_zee_sfermion):
    """unc(2 loops) = 2.3e-10 + 0.3 (|a^2L(a)_chargino| + |a^2L(a)_sfermion|)."""
    return UNKNOWN_TWO_LOOP + BARR_ZEE_FRACTION * (jnp.abs(barr_zee_chargino) + jnp.abs(barr_zee_sfermion))


def fit_uncertainty(unc, loops: int, m_lepton, m_mu):
    """The uncertainty gm2jax's fits add in quadrature: GM2Calc's, with the constant 2.3e-10 of the
    two-loop estimate scaled by (m_l/m_mu)^2 for leptons other than the muon.

    GM2Calc applies the muon's 2.3e-10 to every lepton (its slot substitution); for a_e that is
    ~600 times the measurement error and would remove the electron from any fit.  Every MSSM
    contribution scales like m_l^2, so gm2jax scales the estimate of the unknown terms the same way
    (a gm2jax choice, not GM2Calc's; equal to GM2Calc's for the muon).  ``loops`` (static) as in
    :func:`uncertainty`; at loop order 0 the estimate has no constant and is returned as it is.
    """
    if loops == 0:
        return unc
    return unc - UNKNOWN_TWO_LOOP * (1.0 - (m_lepton / m_mu) ** 2)


def uncertainty_1loop(two_loop, barr_zee_chargino, barr_zee_sfermion):
    """unc(1 loop) = |a^2L| + unc(2 loops)."""
    return jnp.abs(two_loop) + uncertainty_2loop(barr_zee_chargino, barr_zee_sfermion)


def uncertainty_0loop(one_loop):
    """unc(0 loops) = |a^1L|."""
    return jnp.abs(one_loop)


@float64
def uncertainty(loops: int, one_loop, two_loop, barr_zee_chargino, barr_zee_sfermion):
    """GM2Calc's uncertainty of a_l truncated at ``loops`` (static: 0, 1 or 2).

    Example:
        >>> float(uncertainty(2, 1e-9, 1e-10, 0.0, 0.0))
        2.3e-10
    """
    if loops == 2:
        return uncertainty_2loop(barr_zee_chargino, barr_zee_sfermion)
    if loops == 1:
        return uncertainty_1loop(two_loop, barr_zee_chargino, barr_zee_sfermion)
    if loops == 0:
        return uncertainty_0loop(one_loop)
    raise InvalidInput(f"loops={loops!r}: use 0, 1 or 2")
