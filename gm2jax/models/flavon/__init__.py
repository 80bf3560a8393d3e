"""Froggatt-Nielsen flavon models of arXiv:2003.06633.

* :mod:`.potential` -- the U(1)_f toy model's scalar potential eq. (3.3), conventions, mass
  matrices (autodiff and corrected A.5/A.6), boundedness from below.
* :mod:`.vacuum` -- stationary points (implicit differentiation) and the global minimum.
* :mod:`.spectrum` -- the exact flavon scalar spectrum at a vacuum.
* :mod:`.toy` -- Table 2, approximate formulas A.3 / A.10-A.13, eqs. (3.7)-(3.11).
* :mod:`.params` -- :class:`FlavonParams`, the toy model's parameter pytree.
* :mod:`.fitting` -- the ``"flavon"`` fit model (:data:`gm2jax.registry.MODELS`) and :func:`amu`,
  the a_l entry point.
* :mod:`.consistency` -- self-consistent points for fits (not imported here: it uses the fit layer).
* :mod:`.general` -- the general mechanism of section 2.
"""

from gm2jax.models.flavon import general as general
from gm2jax.models.flavon.fitting import FlavonAmuResult, amu
from gm2jax.models.flavon.params import FlavonParams
from gm2jax.models.flavon.potential import (
    CHARGES,
    FREE_PARAMETERS,
    PAPER,
    POTENTIAL_PARAMETERS,
    Convention,
    analytic_mass_matrices,
    appendix_mass_matrices,
    apply_relations,
    bounded_below,
    fields_from_vevs,
    goldstone_directions,
    mass_matrices,
    min_quartic,
    potential,
    solve_mu2,
    tadpole_gradient,
)
from gm2jax.models.flavon.spectrum import ScalarSpectrum, spectrum
from gm2jax.models.flavon.toy import (
    TABLE2,
    approximate_masses,
    approximate_minimum,
    higgs_vev,
    lepton_sector,
    reduced_parameters,
    sign_condition,
    table2_free_parameters,
    table2_parameters,
)
from gm2jax.models.flavon.vacuum import VacuumResult, find_vacua, solve_vevs

__all__ = [
    "CHARGES",
    "FREE_PARAMETERS",
    "PAPER",
    "POTENTIAL_PARAMETERS",
    "TABLE2",
    "Convention",
    "FlavonAmuResult",
    "FlavonParams",
    "ScalarSpectrum",
    "VacuumResult",
    "analytic_mass_matrices",
    "appendix_mass_matrices",
    "apply_relations",
    "approximate_masses",
    "approximate_minimum",
    "amu",
    "bounded_below",
    "fields_from_vevs",
    "find_vacua",
    "goldstone_directions",
    "higgs_vev",
    "lepton_sector",
    "mass_matrices",
    "min_quartic",
    "potential",
    "reduced_parameters",
    "sign_condition",
    "solve_mu2",
    "solve_vevs",
    "spectrum",
    "table2_free_parameters",
    "table2_parameters",
    "tadpole_gradient",
]

