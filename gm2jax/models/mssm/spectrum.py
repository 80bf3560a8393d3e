"""Tree-level MSSM mass matrices and spectrum relevant for lepton g-2.

Conventions (SLHA-1, identical to GM2Calc; ``docs/conventions/gm2calc.md`` sec. 4):

* neutralinos, basis (B, W3, H_d^0, H_u^0)::

      ( M1            0             -MZ sW cb    +MZ sW sb )
      ( 0             M2            +MZ cW cb    -MZ cW sb )
      ( -MZ sW cb     +MZ cW cb      0           -mu       )
      ( +MZ sW sb     -MZ cW sb     -mu           0        )

  Takagi-factorised as N* M N^dagger = diag(m_chi0), masses >= 0 ascending.
* charginos, basis (W-, H_d-) x (W+, H_u+): X = ((M2, sqrt2 MW sb), (sqrt2 MW cb, mu)),
  X = U^T diag(m_chi+) V.
* charged sleptons, basis (l_L, l_R), with m~ = m_l/(1+Delta_l) (m~ = m_l without
  resummation)::

      ( mL^2 + m~^2 + MZ^2 c2b (sW^2 - 1/2)     m~ (A_l - mu tb)              )
      ( m~ (A_l - mu tb)                        mE^2 + m~^2 - MZ^2 c2b sW^2   )

* sneutrino: m_snu^2 = mL^2 + MZ^2 c2b / 2 (exact c2b).

References:
    arXiv:1510.08071 (GM2Calc), sec. 2; hep-ph/0609168, sec. 2.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp

from gm2jax import linalg
from gm2jax.models.mssm.params import MSSMParams, signed_square
from gm2jax.sm import Couplings, lepton_index

_SQRT2 = math.sqrt(2.0)


def _beta(tan_beta):
    cb = 1.0 / jnp.sqrt(1.0 + tan_beta**2)
    return cb, tan_beta * cb


def neutralino_matrix(p: MSSMParams, c: Couplings):
    """4x4 real symmetric neutralino mass matrix in GeV (basis B, W3, H_d, H_u)."""
    cb, sb = _beta(p.tan_beta)
    mzs, mzc = c.MZ * c.sW, c.MZ * c.cW
    zero = jnp.zeros_like(p.M1)
    rows = [
        [p.M1, zero, -mzs * cb, mzs * sb],
        [zero, p.M2, mzc * cb, -mzc * sb],
        [-mzs * cb, mzc * cb, zero, -p.mu],
        [mzs * sb, -mzc * sb, -p.mu, zero],
    ]
    return jnp.stack([jnp.stack(r) for r in rows])


def chargino_matrix(p: MSSMParams, c: Couplings):
    """2x2 chargino mass matrix X in GeV, basis (W-, H_d-) x (W+, H_u+)."""
    cb, sb = _beta(p.tan_beta)
    return jnp.stack(
        [jnp.stack([p.M2, _SQRT2 * c.MW * sb]), jnp.stack([_SQRT2 * c.MW * cb, p.mu])]
    )


def soft_masses2(p: MSSMParams, lepton):
    """(mL^2, mE^2) of the lepton's own generation in GeV^2 (signed squares)."""
    g = lepton_index(lepton)
    return signed_square(p.msl[..., g]), signed_square(p.mse[..., g])


def slepton_matrix(p: MSSMParams, c: Couplings, lepton, m_lepton, delta=0.0):
    """2x2 charged-slepton mass^2 matrix in GeV^2, basis (l_L, l_R).

    Args:
        p: MSSM parameters.
        c: electroweak couplings.
        lepton: "e", "mu", "tau" (static).
        m_lepton: lepton pole mass in GeV.
        delta: tan(beta)-enhanced threshold correction Delta_l; m~ = m_lepton/(1+delta).
    """
    g = lepton_index(lepton)
    mL2, mE2 = soft_masses2(p, g)
    cb, _ = _beta(p.tan_beta)
    c2b = 2.0 * cb**2 - 1.0
    mt = m_lepton / (1.0 + delta)
    d_l = c.MZ**2 * c2b * (c.sW**2 - 0.5)
    d_r = -(c.MZ**2) * c2b * c.sW**2
    off = mt * (p.Ae[..., g] - p.mu * p.tan_beta)
    return jnp.stack([jnp.stack([mL2 + mt**2 + d_l, off]), jnp.stack([off, mE2 + mt**2 + d_r])])


def sneutrino_mass2(p: MSSMParams, c: Couplings, lepton):
    """Sneutrino mass^2 in GeV^2: mL^2 + MZ^2 cos(2 beta)/2."""
    mL2, _ = soft_masses2(p, lepton)
    cb, _ = _beta(p.tan_beta)
    return mL2 + 0.5 * c.MZ**2 * (2.0 * cb**2 - 1.0)


def yukawa(c: Couplings, tan_beta, m_lepton, delta=0.0):
    """Lepton Yukawa y_l = sqrt2 m_l / (v cos(beta) (1 + Delta_l))."""
    cb, _ = _beta(tan_beta)
    return _SQRT2 * m_lepton / (c.v * cb * (1.0 + delta))


class Spectrum(eqx.Module):
    """Tree-level masses (GeV) and mixing matrices for one lepton flavour.

    Attributes:
        m_neutralino: (n,) ascending, >= 0 (n = 4 in the MSSM, 7 in the lmutau model).
        N: (n, n) complex Takagi matrix, N* M N^dagger = diag (rows = mass eigenstates, columns = the
            model's gauge basis).
        m_chargino: (2,) ascending.
        U, V: (2, 2) chargino mixing, X = U^T diag V.
        m_slepton: (2,) ascending (sqrt|eigenvalue|).
        U_slepton: (2, 2) real, rows = mass eigenstates, column 0 = L component.
        m_sneutrino: scalar (sqrt|m^2|).
        m2_slepton: (2,) signed eigenvalues (GeV^2) -- negative means tachyon.
        m2_sneutrino: signed sneutrino mass^2 (GeV^2).
    """

    m_neutralino: jnp.ndarray
    N: jnp.ndarray
    m_chargino: jnp.ndarray
    U: jnp.ndarray
    V: jnp.ndarray
    m_slepton: jnp.ndarray
    U_slepton: jnp.ndarray
    m_sneutrino: jnp.ndarray
    m2_slepton: jnp.ndarray
    m2_sneutrino: jnp.ndarray


def spectrum_from_matrices(neutralino, chargino, slepton, msnu2) -> Spectrum:
    """:class:`Spectrum` from the mass matrices of any model with the MSSM's slepton/chargino sector.

    Args:
        neutralino: (n, n) real symmetric neutralino mass matrix (n = 4 in the MSSM, 7 in lmutau).
        chargino: (2, 2) chargino mass matrix X.
        slepton: (2, 2) charged-slepton mass^2 matrix (GeV^2).
        msnu2: sneutrino mass^2 (GeV^2, signed).
    """
    mchi, N = linalg.takagi(neutralino)
    mcha, U, V = linalg.svd(chargino)
    w, vecs = linalg.eigh_sym(slepton)
    return Spectrum(
        m_neutralino=mchi,
        N=N,
        m_chargino=mcha,
        U=U,
        V=V,
        m_slepton=jnp.sqrt(jnp.abs(w)),
        U_slepton=vecs.T,
        m_sneutrino=jnp.sqrt(jnp.abs(msnu2)),
        m2_slepton=w,
        m2_sneutrino=msnu2,
    )


def tree_spectrum(p: MSSMParams, c: Couplings, lepton, m_lepton, delta=0.0) -> Spectrum:
    """Tree-level spectrum for one lepton flavour (unbatched; vmap for batches)."""
    return spectrum_from_matrices(
        neutralino_matrix(p, c),
        chargino_matrix(p, c),
        slepton_matrix(p, c, lepton, m_lepton, delta),
        sneutrino_mass2(p, c, lepton),
    )
