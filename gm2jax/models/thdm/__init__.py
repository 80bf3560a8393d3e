"""Two-Higgs-doublet model (types I, II, X, Y, aligned, general): a_l at one and two loops as
GM2Calc 2.3.1 (arXiv:2110.13238, arXiv:1607.06292), theory constraints, fits."""

from gm2jax.models.thdm.amu import (
    THDMAmuResult as THDMAmuResult,
    amu as amu,
    amu_1l as amu_1l,
    amu_2l_bosonic_ewadd as amu_2l_bosonic_ewadd,
    amu_2l_bosonic_nonyuk as amu_2l_bosonic_nonyuk,
    amu_2l_bosonic_yuk as amu_2l_bosonic_yuk,
    amu_2l_fermionic_charged as amu_2l_fermionic_charged,
    amu_2l_fermionic_neutral as amu_2l_fermionic_neutral,
    amu_parts as amu_parts,
    point_status as point_status,
    uncertainty as uncertainty,
)
from gm2jax.models.thdm.couplings import Couplings as Couplings, couplings as couplings
from gm2jax.models.thdm.params import (
    YUKAWA_TYPES as YUKAWA_TYPES,
    THDMGaugeBasis as THDMGaugeBasis,
    THDMParams as THDMParams,
    THDMSMInputs as THDMSMInputs,
    gauge_from_mass as gauge_from_mass,
    mass_from_gauge as mass_from_gauge,
    yukawa_type_from_int as yukawa_type_from_int,
)

__all__ = [
    "YUKAWA_TYPES",
    "Couplings",
    "THDMAmuResult",
    "THDMGaugeBasis",
    "THDMParams",
    "THDMSMInputs",
    "amu",
    "amu_1l",
    "amu_2l_bosonic_ewadd",
    "amu_2l_bosonic_nonyuk",
    "amu_2l_bosonic_yuk",
    "amu_2l_fermionic_charged",
    "amu_2l_fermionic_neutral",
    "amu_parts",
    "couplings",
    "gauge_from_mass",
    "mass_from_gauge",
    "point_status",
    "uncertainty",
    "yukawa_type_from_int",
]
