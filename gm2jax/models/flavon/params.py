"""Parameters of the U(1)_f flavon toy model of arXiv:2003.06633, section 3 (a pytree).

:class:`FlavonParams` holds the vev-based parametrisation of the fit (the defaults of
:mod:`gm2jax.models.flavon.fitting` are Table 2): the couplings g_e, g_mu of eq. (3.1), the
vector-like mass M_chi, the vevs v1 (v3 = -2 v1) and va (vb = va), the seven free quartics of
Appendix A and mu'_a.  The 8 relations of Appendix A fix the other potential parameters
(:func:`gm2jax.models.flavon.potential.apply_relations`), and mu_1^2 = mu_3^2, mu_a^2 = mu_b^2
follow from the tadpoles.  The fit's other parametrisation (``c_e``, ``x_phi``,
``mass_matched``) resolves to these fields (:func:`gm2jax.models.flavon.fitting.model_params`).

Example:
    >>> p = FlavonParams(g_e=0.72, g_mu=0.85, M_chi=1658.0, v1=42.0, va=262.0, lam1=5.93, lama=6.54,
    ...                  lam13=6.08, lam1a=0.97, lamab=1.82, lam13p=0.65, lam1ab=-2.5, mupa=9.0)
    >>> float(p.vevs()[1])
    -84.0
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

__all__ = ["FIELDS", "FREE_QUARTICS", "FlavonParams"]

FREE_QUARTICS = ("lam1", "lama", "lam13", "lam1a", "lamab", "lam13p", "lam1ab")
"""The seven quartics of Appendix A that the relations leave free."""


class FlavonParams(eqx.Module):
    """Vev-based parameters of the toy model (every field a float64 scalar; build them with
    :func:`gm2jax.models.flavon.fitting.model_params` from a flat dict).

    Attributes:
        g_e: coupling g_e of eq. (3.1) (dimensionless).
        g_mu: coupling g_mu of eq. (3.1) (dimensionless).
        M_chi: vector-like fermion mass M_chi (GeV).
        v1: vev of phi_1 (GeV); v3 = -2 v1.
        va: vev of phi_a (GeV); vb = va.
        lam1: quartic lambda_1.
        lama: quartic lambda_a.
        lam13: quartic lambda_13.
        lam1a: quartic lambda_1a.
        lamab: quartic lambda_ab.
        lam13p: quartic lambda'_13.
        lam1ab: quartic lambda_1ab.
        mupa: mu'_a (GeV).
    """

    g_e: jax.Array
    g_mu: jax.Array
    M_chi: jax.Array
    v1: jax.Array
    va: jax.Array
    lam1: jax.Array
    lama: jax.Array
    lam13: jax.Array
    lam1a: jax.Array
    lamab: jax.Array
    lam13p: jax.Array
    lam1ab: jax.Array
    mupa: jax.Array

    def vevs(self) -> jax.Array:
        """(v1, v3, va, vb) = (v1, -2 v1, va, va) in GeV."""
        return jnp.stack([self.v1, -2.0 * self.v1, self.va, self.va])

    def free_quartics(self) -> dict:
        """The seven free quartics of Appendix A, name -> value."""
        return {k: getattr(self, k) for k in FREE_QUARTICS}

    def as_dict(self) -> dict:
        """Field name -> value (the fit's vev-based parameter names)."""
        return {k: getattr(self, k) for k in FIELDS}


FIELDS = ("g_e", "g_mu", "M_chi", "v1", "va", *FREE_QUARTICS, "mupa")
"""Field names of :class:`FlavonParams`, the fit's vev-based parameters (in this order)."""
