"""notebooks/mssm_ew_2025.ipynb (12-D MSSM EW fit: modes, Laplace, sensitivities, mass bounds, NUTS per sign sector)
is clean, does no physics itself, and runs at a small size (slow: the 12-D model compiles several
programs)."""

import re

import jax
import jax.numpy as jnp
import nbtools
import numpy as np
import pytest

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
    for call in ("an.find_modes", "an.laplace", "an.sensitivity", "an.profile_quantity", "an.extreme_at_cl", "run_nuts_sectors",
                 "MSSM_WALLS"):
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
    # NUTS per (sign mu, sign M2) sector: every draw on its sector's side of the 85 GeV gap, the
    # weights a distribution, and the posterior respects the LEP chargino bound (100 GeV, width 2:
    # chi^2 >= 25 below 90 GeV, a posterior density e^-12.5 of the bound's)
    sec, prob = ns["sec"], ns["problem"]
    names = list(prob.names)
    for k, signs in enumerate(sec.signs):
        for n, s in zip(ns["MSSM_WALLS"], signs):
            v = sec.x[k, ..., names.index(n)]
            assert np.all(np.sign(v) == s) and np.all(np.abs(v) > ns["MSSM_WALLS"][n]), (sec.labels[k], n)
    assert abs(sec.weights.sum() - 1.0) < 1e-12 and np.all(sec.weights > 0)
    with jax.enable_x64(True):
        m_chi = jax.jit(jax.vmap(lambda x: prob.predict(x)["m_chargino_1"]))(jnp.asarray(sec.x.reshape(-1, len(names))))
    assert float(jnp.min(m_chi)) > 90.0
