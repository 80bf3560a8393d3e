"""Electroweakino classes of arXiv:2011.05083 (sec. 4) and the LSP character.

The paper applies different LHC electroweakino constraints depending on the ordering of the
soft masses (sec. 4, "we segregate parameter choices into four classes")::

    class 1: M2 < (M1, |mu|)      long-lived wino-like chargino; higgsinos via W/Z/h
    class 2: M1 < M2 < |mu|       light wino-like chargino + neutralino (via sleptons or W/Z)
    class 3: M1 < |mu| < M2       light higgsinos and heavier winos
    class 4: |mu| < (M1, M2)      nearly degenerate light higgsino triplet

(|M1|, |M2| are used; the six orderings fall into exactly these four classes.)  The LHC
cross-section recasts themselves need external tables and are not part of this module; the
class is reported so that a user can apply the appropriate limits.

The LSP character is the composition |N_1a|^2 of the lightest neutralino over the gauge basis
(B, W3, H_d, H_u, B', eta, eta-bar).  A B'-dominated LSP (|N_15|^2 > 1/2) is flagged: the paper
(sec. 4, Fig. 4(f)) then requires the NLSP radiative decay chi2 -> chi1 gamma to be faster than
~0.1 s (BBN/CMB); that one-loop width is not computed here.

Note that sec. 5 names its benchmark classes differently ("light/heavy wino, light/heavy
higgsino"); its BP4 (M1 < |mu| < M2) is "heavy wino heavy higgsino" although by the sec. 4
ordering it is class 3.
"""

from __future__ import annotations

import jax.numpy as jnp

from gm2jax import linalg
from gm2jax.models.lmutau import spectrum as sp
from gm2jax.models.lmutau.params import LmutauParams
from gm2jax.sm import Couplings

CLASS_NAMES = {
    1: "M2 < (M1, |mu|): wino-like lightest chargino",
    2: "M1 < M2 < |mu|: light wino, heavy higgsino",
    3: "M1 < |mu| < M2: light higgsino, heavy wino",
    4: "|mu| < (M1, M2): light higgsino triplet",
}
"""Names of the paper's sec. 4 electroweakino classes."""

LSP_TYPES = ("bino", "wino", "higgsino", "bprime", "eta")
"""LSP type codes 0..4 of :func:`lsp_composition` (largest component)."""


def electroweakino_class(M1, M2, mu):
    """Seed sec. 4 class (1-4, int array) from the soft masses M1, M2, mu (GeV).

    Example:
        >>> int(electroweakino_class(781.0, 180.0, -223.0)), int(electroweakino_class(156.0, 977.0, -223.0))
        (1, 3)
    """
    a1, a2, am = jnp.abs(M1), jnp.abs(M2), jnp.abs(mu)
    return jnp.where(
        (a2 <= a1) & (a2 <= am),
        1,
        jnp.where((am <= a1) & (am <= a2), 4, jnp.where(a2 <= am, 2, 3)),
    )


def lsp_composition(p: LmutauParams, c: Couplings) -> dict:
    """Composition of the lightest neutralino and the B'-LSP flag.

    Returns:
        dict with ``m_neutralino_1`` (GeV), fractions ``bino``, ``wino``, ``higgsino``,
        ``bprime``, ``eta`` (sum 1), ``lsp_type`` (index into :data:`LSP_TYPES`) and
        ``lsp_bprime`` (1 if |N_15|^2 > 1/2 else 0).
    """
    w, v = linalg.eigh_sym(sp.neutralino_matrix(p, c))
    i = jnp.argmin(jnp.abs(w))
    z = v[:, i] ** 2
    frac = {
        "bino": z[0],
        "wino": z[1],
        "higgsino": z[2] + z[3],
        "bprime": z[4],
        "eta": z[5] + z[6],
    }
    stack = jnp.stack([frac[k] for k in LSP_TYPES])
    return {
        "m_neutralino_1": jnp.abs(w[i]),
        **frac,
        "lsp_type": jnp.argmax(stack),
        "lsp_bprime": jnp.where(frac["bprime"] > 0.5, 1, 0),
    }
