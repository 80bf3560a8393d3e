"""gm2jax: differentiable new-physics contributions to lepton g-2, in JAX (float64).

Public API (everything else is private)::

    from gm2jax import SMInputs, couplings, MSSMParams, amu, amu_1l, Status, describe_status
    from gm2jax import loops, linalg          # the one loop-function and linear-algebra modules
    from gm2jax.models import mssm           # model packages
    from gm2jax.io import read_mssm_file     # GM2Calc / SLHA input files

gm2jax never changes JAX's global configuration at import; its entry points run in float64
on their own (see ``gm2jax._precision``).
"""

__version__ = "0.1.0"

from gm2jax import linalg as linalg, loops as loops
from gm2jax.errors import (
    Gm2jaxError as Gm2jaxError,
    InvalidInput as InvalidInput,
    PhysicsError as PhysicsError,
    PrecisionError as PrecisionError,
    Status as Status,
    describe_status as describe_status,
)
from gm2jax.io.slha_input import read_mssm_file as read_mssm_file
from gm2jax.models.mssm import (
    AmuResult as AmuResult,
    AmuResult2L as AmuResult2L,
    MSSMParams as MSSMParams,
    amu as amu,
    amu_1l as amu_1l,
)
from gm2jax.sm import SMInputs as SMInputs, couplings as couplings

__all__ = [
    "AmuResult",
    "AmuResult2L",
    "Gm2jaxError",
    "InvalidInput",
    "MSSMParams",
    "PhysicsError",
    "PrecisionError",
    "SMInputs",
    "Status",
    "amu",
    "amu_1l",
    "couplings",
    "describe_status",
    "linalg",
    "loops",
    "read_mssm_file",
]
