"""The public API is locked: adding or removing a name is a deliberate change of this test."""

import subprocess
import sys

import pytest

import gm2jax
import gm2jax.io
import gm2jax.models.flavon
import gm2jax.models.lmutau
import gm2jax.models.mssm
import gm2jax.models.thdm
import gm2jax.plot
import gm2jax.registry
import gm2jax.scan

LOCKED = [
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


SUBPACKAGES = {
    "gm2jax.models.mssm": [
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
    ],
    "gm2jax.models.lmutau": [
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
    ],
    "gm2jax.models.flavon": [
        "CHARGES",
        "Convention",
        "FREE_PARAMETERS",
        "FlavonAmuResult",
        "FlavonParams",
        "PAPER",
        "POTENTIAL_PARAMETERS",
        "ScalarSpectrum",
        "TABLE2",
        "VacuumResult",
        "amu",
        "analytic_mass_matrices",
        "appendix_mass_matrices",
        "apply_relations",
        "approximate_masses",
        "approximate_minimum",
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
    ],
    "gm2jax.models.thdm": [
        "THDMCouplings",
        "THDMAmuResult",
        "THDMGaugeBasis",
        "THDMParams",
        "THDMSMInputs",
        "YUKAWA_TYPES",
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
    ],
    "gm2jax.io": [
        "MSSMInput",
        "parse_slha",
        "read_mssm_file",
    ],
    "gm2jax.scan": [
        "Axis",
        "BUILDERS",
        "OBSERVABLES",
        "ScanReport",
        "ScanSpec",
        "ScanSummary",
        "done_chunks",
        "evaluate_points",
        "load_grid",
        "load_manifest",
        "load_scan",
        "point_function",
        "problem_of",
        "run_scan",
        "scan",
        "spec_from_config",
        "summarize",
    ],
    "gm2jax.plot": [
        "Target",
        "band_map",
        "corner",
        "default_var_names",
        "figure",
        "marginals",
        "profiles",
        "pull",
        "r_curves",
        "r_parts",
        "save_figure",
        "scan_map",
        "show",
        "targets",
        "within",
    ],
    "gm2jax.registry": [
        "MODELS",
        "get_model",
        "known_models",
    ],
}
"""Public names of the subpackages, locked like the top level (issue 12): changing one is a
deliberate edit of this list."""


MODULES = {
    "gm2jax.io": gm2jax.io,
    "gm2jax.models.flavon": gm2jax.models.flavon,
    "gm2jax.models.lmutau": gm2jax.models.lmutau,
    "gm2jax.models.mssm": gm2jax.models.mssm,
    "gm2jax.models.thdm": gm2jax.models.thdm,
    "gm2jax.plot": gm2jax.plot,
    "gm2jax.registry": gm2jax.registry,
    "gm2jax.scan": gm2jax.scan,
}


@pytest.mark.parametrize("name", sorted(SUBPACKAGES))
def test_subpackage_public_names_are_locked(name):
    module = MODULES[name]
    assert len(module.__all__) == len(set(module.__all__)), f"{name}.__all__ has duplicates"
    assert sorted(module.__all__) == sorted(SUBPACKAGES[name])
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names missing attributes: {missing}"


def test_every_registered_model_package_exports_amu():
    """One a_l entry point name across the model packages (issue 12, deliverable 1)."""
    for name in gm2jax.registry.MODELS:
        package = MODULES[f"gm2jax.models.{name}"]
        assert "amu" in package.__all__ and callable(package.amu), name


def test_public_names_are_locked():
    assert sorted(gm2jax.__all__) == sorted(LOCKED)
    for name in LOCKED:
        assert hasattr(gm2jax, name)


def test_import_does_not_change_jax_config():
    code = "import jax; before = jax.config.jax_enable_x64; import gm2jax; assert jax.config.jax_enable_x64 == before; print(before)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
