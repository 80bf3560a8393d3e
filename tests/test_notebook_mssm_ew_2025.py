"""notebooks/mssm_ew_2025.ipynb (12-D MSSM EW fit: modes, Laplace, sensitivities, mass bounds, NUTS)
is clean, does no physics itself, and runs at a small size (slow: the 12-D model compiles several
programs)."""

import re

import pytest

import nbtools

NAME = "mssm_ew_2025.ipynb"


@pytest.fixture(autouse=True)
def _slow_only_when_selected(request):
    """Slow tests run only with ``-m slow``."""
    if request.node.get_closest_marker("slow") and "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow: run with -m slow")


def test_notebook_structure_parameters_and_no_physics():
    nb, sources, _ = nbtools.load(NAME)
    nbtools.assert_clean(nb, sources)
    assert re.search(r"^LOOPS = 2\b", sources[0], flags=re.MULTILINE)
    body = "\n".join(sources)
    for forbidden in ("import jax", "jnp.", "amu_1l", "MSSMParams(", "lax.", "vmap", "jax.grad", "hessian("):
        assert forbidden not in body, forbidden
    for call in ("an.find_modes", "an.laplace", "an.sensitivity", "an.profile_quantity", "an.extreme_at_cl", "run_nuts"):
        assert call in body, call


@pytest.mark.slow
def test_notebook_runs_small(tmp_path, monkeypatch):
    _, sources, _ = nbtools.load(NAME)
    monkeypatch.chdir(tmp_path)
    overrides = (f"LOOPS = 1\nPER_PATTERN = 1\nSTEPS = 200\nPROFILE_POINTS = 3\n"
                 f"NUTS_CHAINS, NUTS_WARMUP, NUTS_SAMPLES = 2, 20, 20\nOUT_DIR = {str(tmp_path / 'out')!r}\n")
    ns = nbtools.run_in_process(NAME, sources, monkeypatch, overrides)
    assert len(ns["modes"]) >= 2
    assert abs(sum(ns["weights"]) - 1.0) < 1e-12
    assert ns["bound"].value > 90.0
    for png in ("profiles.png", "nuts_vs_laplace.png"):
        assert (tmp_path / "out" / png).stat().st_size > 0
