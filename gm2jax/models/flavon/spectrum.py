"""Flavon scalar spectrum of the U(1)_f toy model of arXiv:2003.06633 section 3.

:func:`spectrum` gives the exact CP-even / CP-odd masses and mixing matrices from the autodiff
Hessian (A.4) of the potential (:mod:`gm2jax.models.flavon.potential`) at given vevs, diagonalised
with :func:`gm2jax.linalg.eigh_sym`; tachyonic masses set ``Status.TACHYON_SCALAR``.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from gm2jax import linalg
from gm2jax._precision import float64
from gm2jax.errors import PhysicsError, Status, describe_status
from gm2jax.models.flavon.potential import PAPER, Convention, mass_matrices


class ScalarSpectrum(NamedTuple):
    """Flavon spectrum at a vacuum.

    Attributes:
        mS2: CP-even masses^2 (4,) GeV^2, ascending (the paper's S1..S4).
        US: (4, 4) orthogonal, column i = eigenvector of S_i in the basis (sigma_1, sigma_3, sigma_a, sigma_b).
        mP2: CP-odd masses^2 (4,) GeV^2, DESCENDING (the paper's P1..P4 labels: P1 heaviest).
        UP: (4, 4) orthogonal, columns matching ``mP2``.
        status: TACHYON_SCALAR if a mass^2 < 0 (beyond 1e-9 relative).
    """

    mS2: jax.Array
    US: jax.Array
    mP2: jax.Array
    UP: jax.Array
    status: jax.Array


def scalar_spectrum(vevs, params, convention: Convention = PAPER) -> ScalarSpectrum:
    """:func:`spectrum` without the float64 wrapper and ``throw`` (pure; jit/vmap/grad safe)."""
    ms, mp = mass_matrices(vevs, params, convention)
    ws, us = linalg.eigh_sym(ms)
    wp, up = linalg.eigh_sym(mp)
    wp, up = wp[::-1], up[:, ::-1]
    tol = 1e-9 * jnp.maximum(jnp.max(jnp.abs(ws)), 1.0)
    tach = (ws[0] < -tol) | (wp[-1] < -tol)
    return ScalarSpectrum(ws, us, wp, up, jnp.where(tach, int(Status.TACHYON_SCALAR), 0))


@float64
def spectrum(vevs, params, convention: Convention = PAPER, *, throw: bool = False) -> ScalarSpectrum:
    """Exact flavon spectrum from the autodiff Hessian (A.4) at the real vacuum ``vevs``.

    The parameters are used as given; pass ``solve_mu2(vevs, params)`` to make ``vevs``
    stationary first.

    Example:
        >>> from gm2jax.models.flavon import spectrum, solve_mu2, table2_parameters, TABLE2
        >>> import numpy as np
        >>> p = solve_mu2(TABLE2["vevs"], table2_parameters())
        >>> s = spectrum(TABLE2["vevs"], p)
        >>> [round(float(m), 1) for m in np.sqrt(np.asarray(s.mS2))]
        [123.3, 336.9, 1245.1, 1430.3]
    """
    s = scalar_spectrum(jnp.asarray(vevs, dtype=jnp.float64), params, convention)
    if throw and not isinstance(s.status, jax.core.Tracer) and int(s.status) != 0:
        raise PhysicsError(f"spectrum: {describe_status(int(s.status))}")
    return s
