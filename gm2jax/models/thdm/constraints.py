"""Tree-level theory constraints on the 2HDM potential: unitarity, boundedness from below, perturbativity.

Each constraint comes as a *margin* (positive = satisfied, in units of the quartic couplings),
a status bit for points that violate it, and a smooth chi^2 term for fits
(``chi2 = softplus(-margin/width)^2``, the shape of the project's LEP mass bounds), so that
gradient-based fits are pushed back into the allowed region instead of meeting a wall.

* **Perturbative unitarity** (``Status.UNITARITY_VIOLATED``): every eigenvalue of the tree-level
  s-wave 2 -> 2 scattering matrices of the scalar sector (hypercharge Y = 0, 2 and weak isospin
  sigma = 0, 1 channels, including lambda6 and lambda7) satisfies ``|Lambda| < 8 pi``.
  Ginzburg, Ivanov, hep-ph/0508020, eqs. (10)-(13); for lambda6 = lambda7 = 0 these are the
  eigenvalues a+-, b+-, c+-, e1,2, f+-, f1, p1 of Kanemura, Kubota, Takasugi, hep-ph/9303263 and
  Akeroyd, Arhrib, Naimi, hep-ph/0006035.
* **Boundedness from below** (``Status.UNBOUNDED_POTENTIAL``): ``lambda1 > 0``, ``lambda2 > 0``,
  ``lambda3 > -sqrt(lambda1 lambda2)``, ``lambda3 + lambda4 - |lambda5| > -sqrt(lambda1 lambda2)``
  (necessary and sufficient for lambda6 = lambda7 = 0; Deshpande, Ma, Phys. Rev. D 18 (1978) 2574;
  Branco et al., arXiv:1106.0034, sec. 5.1), and for lambda6,7 != 0 the additional necessary
  condition ``2 |lambda6 + lambda7| < (lambda1 + lambda2)/2 + lambda3 + lambda4 + lambda5``
  (Ferreira, Santos, Barroso, hep-ph/0406231).
* **Perturbativity** (``Status.NONPERTURBATIVE``): ``|lambda_i| < 4 pi`` for i = 1..7
  (arXiv:1106.0034, sec. 5.3; the bound is an argument).

All functions take the gauge basis (:class:`THDMGaugeBasis`) or the mass basis (converted with
:func:`gauge_from_mass`) and are pure, jit/vmap/grad safe.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from gm2jax import linalg
from gm2jax._precision import float64
from gm2jax.errors import Status
from gm2jax.models.thdm.params import THDMGaugeBasis, THDMSMInputs
from gm2jax.models.thdm.spectrum import mass_basis_lambdas

UNITARITY_BOUND = 8.0 * math.pi
PERTURBATIVITY_BOUND = 4.0 * math.pi


def _lam(p, sm):
    if isinstance(p, THDMGaugeBasis):
        return p.lambdas
    if sm is None:
        raise TypeError("a mass-basis point needs the SM inputs (v) to give the quartic couplings")
    return mass_basis_lambdas(p, sm)


@float64
def scattering_eigenvalues(p, sm: THDMSMInputs | None = None):
    """Distinct eigenvalues of the tree-level scalar scattering matrices (hep-ph/0508020).

    Returns:
        Array of shape (12,): Y=2 sigma=1 (3), Y=2 sigma=0 (1: lambda3 - lambda4), Y=0 sigma=1 (4)
        and Y=0 sigma=0 (4) eigenvalues (real lambda's: real symmetric matrices).
    """
    l1, l2, l3, l4, l5, l6, l7 = (_lam(p, sm)[i] for i in range(7))
    r2 = math.sqrt(2.0)
    y2s1 = jnp.array([[l1, l5, r2 * l6], [l5, l2, r2 * l7], [r2 * l6, r2 * l7, l3 + l4]])
    y0s1 = jnp.array([[l1, l4, l6, l6], [l4, l2, l7, l7], [l6, l7, l3, l5], [l6, l7, l5, l3]])
    y0s0 = jnp.array(
        [
            [3 * l1, 2 * l3 + l4, 3 * l6, 3 * l6],
            [2 * l3 + l4, 3 * l2, 3 * l7, 3 * l7],
            [3 * l6, 3 * l7, l3 + 2 * l4, 3 * l5],
            [3 * l6, 3 * l7, 3 * l5, l3 + 2 * l4],
        ]
    )
    ev = [linalg.eigh_sym(m)[0] for m in (y2s1, y0s1, y0s0)]
    return jnp.concatenate([ev[0], jnp.atleast_1d(l3 - l4), ev[1], ev[2]])


@float64
def unitarity_margin(p, sm: THDMSMInputs | None = None, bound: float = UNITARITY_BOUND):
    """``bound - max |Lambda|`` over the scattering eigenvalues (> 0: unitarity respected)."""
    return bound - jnp.max(jnp.abs(scattering_eigenvalues(p, sm)))


@float64
def bfb_margin(p, sm: THDMSMInputs | None = None):
    """Smallest slack of the boundedness-from-below conditions (> 0: bounded from below)."""
    l1, l2, l3, l4, l5, l6, l7 = (_lam(p, sm)[i] for i in range(7))
    pos = (l1 > 0) & (l2 > 0)
    s = jnp.sqrt(jnp.where(pos, l1 * l2, 1.0))
    s = jnp.where(pos, s, 0.0)
    return jnp.min(
        jnp.stack(
            [
                l1,
                l2,
                l3 + s,
                l3 + l4 - jnp.abs(l5) + s,
                0.5 * (l1 + l2) + l3 + l4 + l5 - 2.0 * jnp.abs(l6 + l7),
            ]
        )
    )


@float64
def perturbativity_margin(p, sm: THDMSMInputs | None = None, bound: float = PERTURBATIVITY_BOUND):
    """``bound - max_i |lambda_i|`` (> 0: perturbative quartics)."""
    return bound - jnp.max(jnp.abs(_lam(p, sm)))


@float64
def theory_status(p, sm: THDMSMInputs | None = None):
    """Status bits UNITARITY_VIOLATED, UNBOUNDED_POTENTIAL, NONPERTURBATIVE (0 = all satisfied)."""
    st = jnp.where(unitarity_margin(p, sm) <= 0.0, int(Status.UNITARITY_VIOLATED), 0)
    st |= jnp.where(bfb_margin(p, sm) <= 0.0, int(Status.UNBOUNDED_POTENTIAL), 0)
    st |= jnp.where(perturbativity_margin(p, sm) <= 0.0, int(Status.NONPERTURBATIVE), 0)
    return st.astype(jnp.int32)


@float64
def margin_chi2(margin, width):
    """Smooth one-sided chi^2 of a margin: ``softplus(-margin/width)^2`` (~0 inside, quadratic outside)."""
    return jax.nn.softplus(-margin / width) ** 2
