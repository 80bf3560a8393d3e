"""MSSM parameters entering the one-loop lepton g-2 (all real; GeV)."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from gm2jax._precision import as_float64
from gm2jax.errors import InvalidInput


class MSSMParams(eqx.Module):
    """Lagrangian (DR-bar-like, tree-level) MSSM parameters for lepton g-2.

    Soft slepton masses follow GM2Calc's input convention: they are given as masses in GeV
    and squared *with their sign*, m^2 = sign(m) m^2, so a negative entry means a negative
    mass-squared (flagged as unphysical).

    Attributes:
        tan_beta: ratio of Higgs vevs v_u/v_d (> 0).
        mu: higgsino mass parameter in GeV (either sign).
        M1: bino mass in GeV (either sign).
        M2: wino mass in GeV (either sign).
        msl: left-handed slepton soft masses (e, mu, tau generations), shape (3,), GeV.
        mse: right-handed slepton soft masses, shape (3,), GeV.
        Ae: trilinear couplings A_l, shape (3,), GeV (enter as m_l (A_l - mu tan(beta))).

    Example:
        >>> p = MSSMParams.universal(tan_beta=10.0, mu=500.0, M1=200.0, M2=400.0, msl=300.0)
        >>> p.msl.shape
        (3,)
    """

    tan_beta: jnp.ndarray
    mu: jnp.ndarray
    M1: jnp.ndarray
    M2: jnp.ndarray
    msl: jnp.ndarray
    mse: jnp.ndarray
    Ae: jnp.ndarray

    def __init__(self, tan_beta, mu, M1, M2, msl, mse, Ae=(0.0, 0.0, 0.0)):
        self.tan_beta = as_float64(tan_beta)
        self.mu = as_float64(mu)
        self.M1 = as_float64(M1)
        self.M2 = as_float64(M2)
        self.msl = as_float64(msl)
        self.mse = as_float64(mse)
        self.Ae = as_float64(Ae)
        for name in ("msl", "mse", "Ae"):
            shape = getattr(self, name).shape
            if shape[-1:] != (3,):
                raise InvalidInput(f"MSSMParams.{name} must have a trailing dimension of 3 (e, mu, tau); got shape {shape}")

    @classmethod
    def universal(cls, tan_beta, mu, M1, M2, msl, mse=None, A=0.0) -> "MSSMParams":
        """Flavour-universal sleptons: the same msl, mse (GeV) and A (GeV) in all generations."""
        mse = msl if mse is None else mse
        three = np.ones(3)
        return cls(tan_beta, mu, M1, M2, msl * three, mse * three, A * three)


def signed_square(m):
    """GM2Calc's soft-mass convention: m^2 = sign(m) m^2 (GeV^2)."""
    return m * jnp.abs(m)
