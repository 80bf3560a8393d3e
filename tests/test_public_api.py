"""The public API is locked: adding or removing a name is a deliberate change of this test."""

import subprocess
import sys

import gm2jax

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


def test_public_names_are_locked():
    assert sorted(gm2jax.__all__) == sorted(LOCKED)
    for name in LOCKED:
        assert hasattr(gm2jax, name)


def test_import_does_not_change_jax_config():
    code = "import jax; before = jax.config.jax_enable_x64; import gm2jax; assert jax.config.jax_enable_x64 == before; print(before)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
