"""Supersymmetric gauged U(1)_{L_mu-L_tau} model (arXiv:2011.05083): spectrum, a_l, fits."""

from gm2jax.models.lmutau.amu import (
    LmutauAmuResult as LmutauAmuResult,
    amu as amu,
    amu_parts as amu_parts,
    point_status as point_status,
)
from gm2jax.models.lmutau.classify import (
    electroweakino_class as electroweakino_class,
    lsp_composition as lsp_composition,
)
from gm2jax.models.lmutau.params import LmutauParams as LmutauParams
from gm2jax.models.lmutau.spectrum import (
    Spectrum as Spectrum,
    eta_vevs as eta_vevs,
    neutralino_matrix as neutralino_matrix,
    tree_spectrum as tree_spectrum,
)

__all__ = [
    "LmutauAmuResult",
    "LmutauParams",
    "Spectrum",
    "amu",
    "amu_parts",
    "electroweakino_class",
    "eta_vevs",
    "lsp_composition",
    "neutralino_matrix",
    "point_status",
    "tree_spectrum",
]
