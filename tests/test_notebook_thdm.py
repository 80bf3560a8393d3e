"""notebooks/thdm.ipynb (type-X light-A map, best fit, NUTS, 2025 vs seeds-era data) at a small size.

The code cells are exec'd in order in one namespace (tests/nbtools.py) after the ``parameters`` cell
is overridden with a 6 x 5 map, a 2-start x 20-step fit and a 2-chain x (5 + 5) NUTS run.  The run
compiles the 2HDM a_mu once for the map and once with its gradient (fit and NUTS share it).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import nbtools

NAME = "thdm.ipynb"
SMALL = "N_MA = 6\nN_TB = 5\nFIT_STARTS = 2\nFIT_STEPS = 20\nNUTS_CHAINS = 2\nNUTS_WARMUP = 5\nNUTS_SAMPLES = 5\n"


def test_notebook_structure_and_library_calls():
    nb, cells, _ = nbtools.load(NAME)
    nbtools.assert_clean(nb, cells)
    assert re.search(r'^DATASET = "wp25_2025"', cells[0], flags=re.MULTILINE)
    assert re.search(r'^SEEDS_DATASET = "wp20_bnl"', cells[0], flags=re.MULTILINE)
    assert re.search(r'^CONFIG = "fits/thdm_typeX_light_A.toml"', cells[0], flags=re.MULTILINE)
    body = "\n".join(cells)
    for forbidden in ("import jax", "jnp.", "mpmath", "gm2jax.loops"):
        assert forbidden not in body, forbidden
    for call in ("Problem(", "evaluate_points", "run_fit(", "run_nuts(", "load_dataset"):
        assert call in body, call


@pytest.mark.slow
def test_notebook_runs_small(monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(nbtools.NOTEBOOKS)
    _, cells, _ = nbtools.load(NAME)
    ns = nbtools.run_in_process(NAME, cells, monkeypatch, SMALL)
    assert ns["amu_map"].shape == (6, 5) and np.all(np.isfinite(ns["amu_map"]))
    # light A + large tan(beta): a_mu grows with tan(beta) at fixed m_A (Barr-Zee tau loop)
    assert np.all(np.diff(ns["amu_map"][0]) > 0)
    assert np.isfinite(ns["best"].chi2)
    assert np.all(np.isfinite(ns["post"]["mA"]))
