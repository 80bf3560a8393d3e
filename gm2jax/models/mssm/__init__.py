"""MSSM lepton g-2: one loop (neutralino-slepton, chargino-sneutrino) and GM2Calc's two-loop pieces."""

from gm2jax.models.mssm.one_loop import (
    AmuResult as AmuResult,
    amu_1l as amu_1l,
    amu_1l_chargino as amu_1l_chargino,
    amu_1l_neutralino as amu_1l_neutralino,
    amu_1l_parts as amu_1l_parts,
    point_status as point_status,
)
from gm2jax.models.mssm.amu_2l import AmuResult2L as AmuResult2L, amu as amu, amu_parts as amu_parts
from gm2jax.models.mssm.mia import amu_bino_mia as amu_bino_mia, amu_chargino_mia as amu_chargino_mia
from gm2jax.models.mssm.params import MSSMParams as MSSMParams
from gm2jax.models.mssm.spectrum import Spectrum as Spectrum, tree_spectrum as tree_spectrum
from gm2jax.models.mssm.mediation import (
    HiggsMediationParams as HiggsMediationParams,
    YukawaSolution as YukawaSolution,
    amu_at_roots as amu_at_roots,
    higgs_mediation_params as higgs_mediation_params,
    solve_yukawa as solve_yukawa,
)
from gm2jax.models.mssm.qed import amu_1l_qed_parts as amu_1l_qed_parts, qed_factor as qed_factor
from gm2jax.models.mssm.threshold import delta_bino_mia as delta_bino_mia, delta_lepton as delta_lepton
from gm2jax.models.mssm.vacuum import (
    vacuum_stability as vacuum_stability,
    vacuum_stability_margin as vacuum_stability_margin,
)

__all__ = [
    "AmuResult",
    "AmuResult2L",
    "HiggsMediationParams",
    "MSSMParams",
    "Spectrum",
    "YukawaSolution",
    "amu",
    "amu_1l",
    "amu_1l_chargino",
    "amu_1l_neutralino",
    "amu_1l_parts",
    "amu_1l_qed_parts",
    "amu_at_roots",
    "amu_bino_mia",
    "amu_chargino_mia",
    "amu_parts",
    "delta_bino_mia",
    "delta_lepton",
    "higgs_mediation_params",
    "point_status",
    "qed_factor",
    "solve_yukawa",
    "tree_spectrum",
    "vacuum_stability",
    "vacuum_stability_margin",
]
