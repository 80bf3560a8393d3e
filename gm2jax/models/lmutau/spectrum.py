"""Tree-level spectrum of the supersymmetric U(1)_{L_mu-L_tau} model (arXiv:2011.05083, sec. 2).

Normalisation of the vevs.  Every neutral scalar phi gets <phi> = v_phi/sqrt2, as the MSSM
Higgs doublets (v_d = v cos(beta), v_u = v sin(beta), v = 246 GeV with M_W = g2 v/2):
<eta> = v_eta/sqrt2, <eta-bar> = v_etabar/sqrt2, tan(gamma) = v_eta/v_etabar.  The Z' mass
term from |D phi|^2 with D = d + i g_X Q_X Z' and |Q_X(eta)| = |Q_X(eta-bar)| = 1 is
(1/2) M_Z'^2 Z'^2 with::

    M_Z'^2 = g_X^2 (v_eta^2 + v_etabar^2),   g_X v_eta = M_Z' sin(gamma),  g_X v_etabar = M_Z' cos(gamma)

(Z-Z' mass mixing, present only for g_YX != 0, is neglected.)

Neutralinos.  Basis (B, W3, H_d^0, H_u^0, B', eta, eta-bar) (seed eq. (2.3); its last rows are
missing from the text and are derived here).  A gaugino lambda_a of coupling g_a and a chiral
fermion psi_i of charge Q_i mix through -sqrt2 g_a Q_i <phi_i*> lambda_a psi_i, which with
the vevs above gives the entry g_a Q_i v_i (this reproduces the MSSM entries -gY v_d/2 =
-MZ sW cb etc. with Y(H_d) = -1/2, T3(H_d^0) = +1/2).  The superpotential
W = W_MSSM - mu_eta eta eta-bar (eq. (2.1)) gives -mu_eta, as W_MSSM ⊃ -mu H_d^0 H_u^0 gives the
MSSM -mu.  The tree-level kinetic mixing is written, as in eq. (2.3), as a coupling g_YX of the
B' to hypercharge.  The symmetric matrix is::

    ( M1     0      -MZ sW cb   MZ sW sb    M10              0              0       )
    ( 0      M2      MZ cW cb  -MZ cW sb    0                0              0       )
    ( .      .       0         -mu         -g_YX v_d/2       0              0       )
    ( .      .      -mu         0          +g_YX v_u/2       0              0       )
    ( M10    0      -g_YX v_d/2 g_YX v_u/2  M0   -M_Z' sin(gamma)  +M_Z' cos(gamma) )
    ( 0      0       0          0    -M_Z' sin(gamma)        0            -mu_eta   )
    ( 0      0       0          0    +M_Z' cos(gamma)     -mu_eta           0       )

(entries g_X Q_X(eta) v_eta = -g_X v_eta and g_X Q_X(eta-bar) v_etabar = +g_X v_etabar, as in
the printed row 5 of eq. (2.3)).  M10 enters with the sign of the printed matrix (+M10 at (B, B'));
the soft term of eq. (2.2), "- M10 (iB)(iB')" in -L_soft, would give -M10: the paper is not
self-consistent here, and the sign of M10 is a convention (M10 -> -M10 with B' -> -B' flips the
sign of g_X in the B' couplings as well).  With M10 = 0 (Table 3) nothing depends on it.  The upper-left 4x4 block is exactly
:func:`gm2jax.models.mssm.spectrum.neutralino_matrix`; for M10 = g_YX = 0 it decouples from the
(B', eta, eta-bar) block.  Takagi factorisation N* M N^dagger = diag (eq. (2.4)).

Charginos: exactly the MSSM (eq. (2.6)).

Sleptons.  The D-term of U(1)_X, V_D = (g_X^2/2) (sum_i Q_i |phi_i|^2)^2, shifts the mass^2
of a scalar of charge Q by g_X^2 Q (|<eta-bar>|^2 - |<eta>|^2) = Q D_X with::

    D_X = g_X^2 (v_etabar^2 - v_eta^2)/2 = (1/2) M_Z'^2 cos(2 gamma).

The doublet L_l (sneutrino and l~_L) has Q = Q_X(L_l), the singlet l~_R = (E~^c)* enters with
Q_X(E^c_l) = -Q_X(L_l), exactly as the hypercharge D-terms of eq. (2.9) use Y(E^c) = +1 for
l~_R (m^2_RR ⊃ -sW^2 MZ^2 cos(2 beta)).  The paper's eq. (2.9) writes the shift as
Q_X M_Z'^2 cos(2 gamma) for both; the derivation above gives half of that (for the vev and
M_Z' normalisation stated; the same derivation reproduces the MSSM (1/2) MZ^2 cos(2 beta) of
the sneutrino) and the opposite sign for l~_R.  Numerically the difference is irrelevant:
M_Z' < 1 GeV in the region of interest, so |D_X|/m_slepton^2 < 1e-5.

References:
    arXiv:2011.05083, eqs. (2.1)-(2.11), Table 1; arXiv:1805.04415 (the model).
"""

from __future__ import annotations

import jax.numpy as jnp

from gm2jax.models.lmutau.params import Q_X_ETA, Q_X_ETABAR, LmutauParams, lepton_charge
from gm2jax.models.mssm import spectrum as msp
from gm2jax.sm import Couplings

N_NEUTRALINO = 7
"""Number of neutralinos: B, W3, H_d, H_u (MSSM) + B', eta, eta-bar."""

BASIS = ("B", "W3", "Hd", "Hu", "Bp", "eta", "etabar")
"""Gauge-eigenstate basis of the neutralino mass matrix (seed eq. (2.3))."""

I_BPRIME = 4
"""Index of the B' in :data:`BASIS`."""


def _gamma(tan_gamma):
    cg = 1.0 / jnp.sqrt(1.0 + tan_gamma**2)
    return cg, tan_gamma * cg


def eta_vevs(p: LmutauParams):
    """(v_eta, v_etabar) in GeV from M_Z', g_X and tan(gamma) (<eta> = v_eta/sqrt2).

    v_eta^2 + v_etabar^2 = M_Z'^2/g_X^2 (module docstring); needs g_X > 0.

    Example:
        >>> from gm2jax.models.mssm import MSSMParams
        >>> m = MSSMParams.universal(tan_beta=20.0, mu=-300.0, M1=200.0, M2=400.0, msl=300.0)
        >>> ve, vb = eta_vevs(LmutauParams(m, M0=500.0, g_X=1e-3, M_Zp=0.1, tan_gamma=1.0))
        >>> round(float(ve), 6), round(float(vb), 6)
        (70.710678, 70.710678)
    """
    cg, sg = _gamma(p.tan_gamma)
    vx = p.M_Zp / p.g_X
    return vx * sg, vx * cg


def zprime_dterm(p: LmutauParams):
    """D_X = M_Z'^2 cos(2 gamma)/2 in GeV^2: a scalar of charge Q_X gets + Q_X D_X."""
    return 0.5 * p.M_Zp**2 * (1.0 - p.tan_gamma**2) / (1.0 + p.tan_gamma**2)


def neutralino_matrix(p: LmutauParams, c: Couplings):
    """7x7 real symmetric neutralino mass matrix in GeV, basis :data:`BASIS` (module docstring)."""
    m4 = msp.neutralino_matrix(p.mssm, c)
    cb, sb = msp._beta(p.tan_beta)
    cg, sg = _gamma(p.tan_gamma)
    zero = jnp.zeros_like(p.M0)
    # column of the B' against (B, W3, Hd, Hu): M10 and the hypercharge kinetic mixing g_YX Y v
    bp = jnp.stack([p.M10, zero, -0.5 * p.g_YX * c.v * cb, 0.5 * p.g_YX * c.v * sb])
    # B' against eta, eta-bar: g_X Q_X v (M_Z' sin/cos gamma)
    a_eta = Q_X_ETA * p.M_Zp * sg
    a_etabar = Q_X_ETABAR * p.M_Zp * cg
    lower = jnp.stack(
        [
            jnp.stack([p.M0, a_eta, a_etabar]),
            jnp.stack([a_eta, zero, -p.mu_eta]),
            jnp.stack([a_etabar, -p.mu_eta, zero]),
        ]
    )
    off = jnp.concatenate([bp[:, None], jnp.zeros((4, 2), dtype=bp.dtype)], axis=1)
    top = jnp.concatenate([m4, off], axis=1)
    bottom = jnp.concatenate([off.T, lower], axis=1)
    return jnp.concatenate([top, bottom], axis=0)


def chargino_matrix(p: LmutauParams, c: Couplings):
    """2x2 chargino mass matrix in GeV: the MSSM one (seed eq. (2.6))."""
    return msp.chargino_matrix(p.mssm, c)


def slepton_matrix(p: LmutauParams, c: Couplings, lepton, m_lepton, delta=0.0):
    """2x2 charged-slepton mass^2 matrix in GeV^2, basis (l_L, l_R) (seed eqs. (2.8)-(2.9)).

    The MSSM matrix plus diag(Q_X(L_l) D_X, Q_X(E^c_l) D_X) with Q_X(E^c_l) = -Q_X(L_l) and
    D_X = :func:`zprime_dterm` (module docstring).  ``lepton`` is static.
    """
    q = lepton_charge(lepton)
    m = msp.slepton_matrix(p.mssm, c, lepton, m_lepton, delta)
    if q == 0:
        return m
    d = q * zprime_dterm(p)
    return m + jnp.stack([jnp.stack([d, jnp.zeros_like(d)]), jnp.stack([jnp.zeros_like(d), -d])])


def sneutrino_mass2(p: LmutauParams, c: Couplings, lepton):
    """Sneutrino mass^2 in GeV^2: mL^2 + MZ^2 cos(2 beta)/2 + Q_X(L_l) D_X (seed sec. 2)."""
    q = lepton_charge(lepton)
    m2 = msp.sneutrino_mass2(p.mssm, c, lepton)
    return m2 if q == 0 else m2 + q * zprime_dterm(p)


Spectrum = msp.Spectrum
"""The MSSM :class:`gm2jax.models.mssm.spectrum.Spectrum` (here with 7 neutralinos, columns = :data:`BASIS`)."""


def tree_spectrum(p: LmutauParams, c: Couplings, lepton, m_lepton, delta=0.0) -> Spectrum:
    """Tree-level spectrum for one lepton flavour (unbatched; vmap for batches).

    Example:
        >>> import jax
        >>> from gm2jax.models.mssm import MSSMParams
        >>> from gm2jax.sm import SMInputs, couplings
        >>> with jax.enable_x64(True):  # a building block, not a float64 entry point: x64 locally
        ...     m = MSSMParams.universal(tan_beta=20.0, mu=-300.0, M1=200.0, M2=400.0, msl=300.0)
        ...     p = LmutauParams(m, M0=500.0, g_X=8e-4, M_Zp=0.03)
        ...     s = tree_spectrum(p, couplings(SMInputs.from_convention()), "mu", 0.10566)
        >>> s.m_neutralino.shape, s.m_neutralino.dtype
        ((7,), dtype('float64'))
    """
    return msp.spectrum_from_matrices(
        neutralino_matrix(p, c),
        chargino_matrix(p, c),
        slepton_matrix(p, c, lepton, m_lepton, delta),
        sneutrino_mass2(p, c, lepton),
    )
