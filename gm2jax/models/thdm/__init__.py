"""Two-Higgs-doublet model (types I, II, X, Y, aligned, general): a_l at one and two loops as
GM2Calc 2.3.1 (arXiv:2110.13238, arXiv:1607.06292), theory constraints, fits.

Same shape as every model package: :mod:`.params` (inputs), :mod:`.spectrum` (tree-level masses
and mixing), :mod:`.couplings`, :mod:`.amu` (the a_l entry point :func:`amu`), :mod:`.fitting`.
"""

from gm2jax.models.thdm.amu import (
    THDMAmuResult as THDMAmuResult,
)
from gm2jax.models.thdm.amu import (
    amu as amu,
)
from gm2jax.models.thdm.amu import (
    amu_1l as amu_1l,
)
from gm2jax.models.thdm.amu import (
    amu_2l_bosonic_ewadd as amu_2l_bosonic_ewadd,
)
from gm2jax.models.thdm.amu import (
    amu_2l_bosonic_nonyuk as amu_2l_bosonic_nonyuk,
)
from gm2jax.models.thdm.amu import (
    amu_2l_bosonic_yuk as amu_2l_bosonic_yuk,
)
from gm2jax.models.thdm.amu import (
    amu_2l_fermionic_charged as amu_2l_fermionic_charged,
)
from gm2jax.models.thdm.amu import (
    amu_2l_fermionic_neutral as amu_2l_fermionic_neutral,
)
from gm2jax.models.thdm.amu import (
    amu_parts as amu_parts,
)
from gm2jax.models.thdm.amu import (
    point_status as point_status,
)
from gm2jax.models.thdm.amu import (
    uncertainty as uncertainty,
)
from gm2jax.models.thdm.couplings import THDMCouplings as THDMCouplings
from gm2jax.models.thdm.couplings import couplings as couplings
from gm2jax.models.thdm.params import (
    YUKAWA_TYPES as YUKAWA_TYPES,
)
from gm2jax.models.thdm.params import (
    THDMGaugeBasis as THDMGaugeBasis,
)
from gm2jax.models.thdm.params import (
    THDMParams as THDMParams,
)
from gm2jax.models.thdm.params import (
    THDMSMInputs as THDMSMInputs,
)
from gm2jax.models.thdm.params import (
    yukawa_type_from_int as yukawa_type_from_int,
)
from gm2jax.models.thdm.spectrum import gauge_from_mass as gauge_from_mass
from gm2jax.models.thdm.spectrum import mass_from_gauge as mass_from_gauge

__all__ = [
    "YUKAWA_TYPES",
    "THDMCouplings",
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
