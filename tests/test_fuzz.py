"""Fuzz (issue 15): ~1e4 random, extreme and non-finite points per registered model under
jit(vmap): no point with status 0 may have a non-finite output or gradient
(``benchmarks/fuzz.py`` runs the same harness at 1e6 points per model)."""

import importlib.util
import pathlib

import pytest

_PATH = pathlib.Path(__file__).parent.parent / "benchmarks" / "fuzz.py"
_spec = importlib.util.spec_from_file_location("gm2jax_fuzz", _PATH)
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)

N_POINTS = 3 * 4096  # ~1e4: three chunks of one compilation


def _models():
    from gm2jax.registry import get_model, known_models

    # the package's own models only: other test modules register toy models of their own
    own = [m for m in known_models() if get_model(m).predict.__module__.startswith("gm2jax.")]
    # the 2HDM compiles for ~4 minutes on the 2-core machine: slow
    return [pytest.param(m, marks=pytest.mark.slow) if m == "thdm" else m for m in own]


@pytest.fixture(autouse=True)
def _slow_only_when_selected(request):
    if request.node.get_closest_marker("slow") and "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow: run with -m slow")


@pytest.mark.parametrize("model", _models())
def test_no_unflagged_nonfinite_value_or_gradient(model):
    c = fuzz.fuzz_model(model, N_POINTS, seed=1)
    assert c["points"] == N_POINTS
    assert c["unflagged_nonfinite_value"] == 0, c["examples"]
    assert c["unflagged_nonfinite_gradient"] == 0, c["examples"]
    # the campaign reaches both physical and flagged points
    assert 0.05 * N_POINTS < c["flagged"] < N_POINTS, c


def test_draw_covers_extremes_and_non_finite():
    import numpy as np

    v = fuzz.draw(("tan_beta", "mu", "g_X"), {}, 20000, np.random.default_rng(0))
    x = np.concatenate(list(v.values()))
    assert np.isnan(x).any() and np.isposinf(x).any() and np.isneginf(x).any() and (x == 0).any()
    fin = x[np.isfinite(x) & (x != 0)]
    assert np.max(np.abs(fin)) > 1e250 and np.min(np.abs(fin)) < 1e-250
