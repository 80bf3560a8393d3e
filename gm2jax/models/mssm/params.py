"""MSSM parameters entering the one- and two-loop lepton g-2 (all real; GeV)."""

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
        M3: gluino mass in GeV (either sign); two loops only (Delta_b).
        MA: CP-odd Higgs pole mass M_A in GeV (> 0); two loops only (tree-level Higgs sector).
        msq: left-handed squark soft masses (generations 1..3), shape (3,), GeV, signed-square
            convention like ``msl``; two loops only.
        msu: right-handed up-squark soft masses, shape (3,), GeV (signed square); two loops only.
        msd: right-handed down-squark soft masses, shape (3,), GeV (signed square); two loops only.
        Au: up-type trilinear couplings, shape (3,), GeV; two loops only (A_t enters the stops).
        Ad: down-type trilinear couplings, shape (3,), GeV; two loops only (A_b enters the sbottoms).
        Q: renormalisation scale in GeV (> 0) of the DR-bar parameters (tan(beta), A-terms); enters
            the two-loop photonic logarithms and Delta_tan(beta) (GM2CalcInput entry 0).

    The two-loop fields are keyword-only with defaults (:data:`TWO_LOOP_DEFAULTS`: decoupled
    2 TeV squarks and gluino, M_A = 1.5 TeV, vanishing A_u, A_d, Q = 1 TeV).  Defaults follow the
    batch shape of ``tan_beta``/``mu``/``M1``/``M2``, so batched points stay batched in every leaf.

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
    M3: jnp.ndarray
    MA: jnp.ndarray
    msq: jnp.ndarray
    msu: jnp.ndarray
    msd: jnp.ndarray
    Au: jnp.ndarray
    Ad: jnp.ndarray
    Q: jnp.ndarray

    def __init__(
        self, tan_beta, mu, M1, M2, msl, mse, Ae=(0.0, 0.0, 0.0), *,
        M3=None, MA=None, msq=None, msu=None, msd=None, Au=None, Ad=None, Q=None,
    ):
        self.tan_beta = as_float64(tan_beta)
        self.mu = as_float64(mu)
        self.M1 = as_float64(M1)
        self.M2 = as_float64(M2)
        self.msl = as_float64(msl)
        self.mse = as_float64(mse)
        self.Ae = as_float64(Ae)
        batch = jnp.broadcast_shapes(*(jnp.shape(x) for x in (self.tan_beta, self.mu, self.M1, self.M2)))
        given = dict(M3=M3, MA=MA, msq=msq, msu=msu, msd=msd, Au=Au, Ad=Ad, Q=Q)
        for name, value in given.items():
            if value is None:
                shape = batch + ((3,) if name in _GENERATION_FIELDS else ())
                value = np.full(shape, TWO_LOOP_DEFAULTS[name], dtype=np.float64)
            setattr(self, name, as_float64(value))
        for name in ("msl", "mse", "Ae") + _GENERATION_FIELDS:
            shape = getattr(self, name).shape
            if shape[-1:] != (3,):
                raise InvalidInput(f"MSSMParams.{name} must have a trailing dimension of 3 (generations 1..3); got shape {shape}")

    @classmethod
    def universal(cls, tan_beta, mu, M1, M2, msl, mse=None, A=0.0, **two_loop) -> "MSSMParams":
        """Flavour-universal sleptons: the same msl, mse (GeV) and A (GeV) in all generations;
        two-loop fields (``M3``, ``MA``, ``msq``, ... as keywords; scalars are broadcast to the three
        generations) default to :data:`TWO_LOOP_DEFAULTS`."""
        mse = msl if mse is None else mse
        three = np.ones(3)
        for name in _GENERATION_FIELDS:
            if name in two_loop and np.ndim(two_loop[name]) == 0:
                two_loop[name] = two_loop[name] * three
        return cls(tan_beta, mu, M1, M2, msl * three, mse * three, A * three, **two_loop)


TWO_LOOP_DEFAULTS = {"M3": 2000.0, "MA": 1500.0, "msq": 2000.0, "msu": 2000.0, "msd": 2000.0, "Au": 0.0, "Ad": 0.0, "Q": 1000.0}
"""Defaults (GeV) of the fields that enter only at two loops: decoupled squarks and gluino, a heavy
CP-odd Higgs, no squark mixing from A-terms, Q = 1 TeV (per generation where the field has three)."""

_GENERATION_FIELDS = ("msq", "msu", "msd", "Au", "Ad")


def signed_square(m):
    """GM2Calc's soft-mass convention: m^2 = sign(m) m^2 (GeV^2)."""
    return m * jnp.abs(m)
