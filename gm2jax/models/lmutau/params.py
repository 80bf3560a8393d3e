"""Parameters of the supersymmetric gauged U(1)_{L_mu - L_tau} model (all real; GeV).

The model is the MSSM plus a U(1)_{L_mu-L_tau} vector superfield (gauge boson Z', gaugino B')
and two chiral superfields eta, eta-bar that break the symmetry (arXiv:2011.05083, sec. 2,
superpotential eq. (2.1), soft terms eq. (2.2)).

U(1)_{L_mu-L_tau} charges Q_X of the chiral superfields (arXiv:2011.05083, Table 1; every
field not listed is neutral)::

    L_e, E^c_e: 0      L_mu: +1   E^c_mu: -1     L_tau: -1   E^c_tau: +1
    eta: -1            eta-bar: +1

The charges are the model's definition (exact integers), not measured inputs.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp

from gm2jax._precision import as_float64
from gm2jax.errors import InvalidInput
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.sm import lepton_index

# arXiv:2011.05083, Table 1: charge of the lepton doublet L_l of generation (e, mu, tau); the
# singlet E^c_l carries the opposite charge.
Q_X_LEPTON = (0, 1, -1)
"""Q_X of the doublets L_e, L_mu, L_tau (E^c_l has -Q_X(L_l)); arXiv:2011.05083 Table 1."""

Q_X_ETA = -1
"""Q_X of eta (arXiv:2011.05083 Table 1)."""

Q_X_ETABAR = 1
"""Q_X of eta-bar (arXiv:2011.05083 Table 1)."""

Y_L = -0.5
"""Hypercharge of the lepton doublet (Q = T3 + Y); E^c has +1, H_d -1/2, H_u +1/2."""


def lepton_charge(lepton) -> int:
    """Q_X of the doublet L_l of ``lepton`` ("e", "mu", "tau"); E^c_l has the opposite charge."""
    return Q_X_LEPTON[lepton_index(lepton)]


class LmutauParams(eqx.Module):
    """MSSM parameters plus the U(1)_{L_mu-L_tau} sector (GeV unless stated).

    Attributes:
        mssm: the MSSM part (:class:`gm2jax.models.mssm.MSSMParams`: tan_beta, mu, M1, M2,
            msl(3), mse(3), Ae(3); soft slepton masses in GM2Calc's signed-square convention).
        M0: B' gaugino soft mass in GeV (eq. (2.2)).
        M10: B-B' gaugino mass mixing in GeV (eq. (2.2)).
        g_X: U(1)_{L_mu-L_tau} gauge coupling (dimensionless, >= 0).
        M_Zp: Z' mass in GeV (>= 0); M_Z'^2 = g_X^2 (v_eta^2 + v_etabar^2), see
            :func:`gm2jax.models.lmutau.spectrum.eta_vevs`.
        tan_gamma: tan(gamma) = <eta>/<eta-bar> (> 0); default 1 (no Z' D-term).  The paper
            quotes no value; it enters a_l only through O(M_Z'^2/m_slepton^2) D-terms and
            O(M_Z'/M0) B'-eta mixing.
        mu_eta: eta-eta-bar superpotential mass in GeV (W = W_MSSM - mu_eta eta eta-bar,
            eq. (2.1)); default 4000 GeV: the paper keeps the eta fermions "decouplingly heavy
            at 4 TeV" (sec. 4).
        g_YX: tree-level kinetic-mixing coupling of hypercharge to the B' (default 0, as in
            the paper: "We assume zero tree level kinetic mixing", sec. 2).

    Example:
        >>> from gm2jax.models.mssm import MSSMParams
        >>> m = MSSMParams.universal(tan_beta=20.0, mu=-300.0, M1=200.0, M2=400.0, msl=300.0)
        >>> p = LmutauParams(m, M0=500.0, g_X=8e-4, M_Zp=0.03)
        >>> float(p.M10)
        0.0
    """

    mssm: MSSMParams
    M0: jnp.ndarray
    M10: jnp.ndarray
    g_X: jnp.ndarray
    M_Zp: jnp.ndarray
    tan_gamma: jnp.ndarray
    mu_eta: jnp.ndarray
    g_YX: jnp.ndarray

    def __init__(self, mssm, M0, M10=0.0, g_X=0.0, M_Zp=0.0, tan_gamma=1.0, mu_eta=4000.0, g_YX=0.0):
        if not isinstance(mssm, MSSMParams):
            raise InvalidInput(f"LmutauParams.mssm must be an MSSMParams (got {type(mssm).__name__})")
        self.mssm = mssm
        self.M0 = as_float64(M0)
        self.M10 = as_float64(M10)
        self.g_X = as_float64(g_X)
        self.M_Zp = as_float64(M_Zp)
        self.tan_gamma = as_float64(tan_gamma)
        self.mu_eta = as_float64(mu_eta)
        self.g_YX = as_float64(g_YX)

    # convenience accessors of the MSSM part
    @property
    def tan_beta(self):
        return self.mssm.tan_beta

    @property
    def mu(self):
        return self.mssm.mu

    @property
    def M1(self):
        return self.mssm.M1

    @property
    def M2(self):
        return self.mssm.M2
