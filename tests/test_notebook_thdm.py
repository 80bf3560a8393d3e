"""notebooks/thdm.ipynb (type-X light-A map, best fit, NUTS, 2025 vs seeds-era data) at a small size.

The code cells are exec'd in order in one namespace (tests/nbtools.py) after the ``parameters`` cell
is overridden with a 6 x 5 map, a 2-start x 20-step fit and a 2-chain x (5 + 5) NUTS run.  The run
compiles the 2HDM a_mu once for the map and once with its gradient (fit and NUTS share it:
``share_gradient=True``, :meth:`gm2jax.problem.Problem.shared_loglike`).
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
    # the fit and NUTS share one compiled gradient (three compilations of it took ~13 GB, 26 min)
    assert body.count("share_gradient=True") == 2


@pytest.mark.slow
def test_notebook_runs_small(monkeypatch):
    """The small run (~160 CPU-s, 3.9 GB peak on the 2-core VM: the fit and NUTS share one compiled
    a_mu gradient) and physics that holds at this size.

    Tolerances: the map's a_mu come from GM2Calc's formulae (agreement 3e-8 relative, tests/test_thdm.py);
    the monotonicity steps between neighbouring grid points are >= 15 % of a_mu, and the dataset
    comparison uses the pulls |a_mu - Delta a_mu| / sigma with sigma = 0.64e-9 (2025) or 0.76e-9
    (seeds era) plus the theory uncertainty: every assertion is decided by margins far above
    any numerical error.
    """
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(nbtools.NOTEBOOKS)
    _, cells, _ = nbtools.load(NAME)
    ns = nbtools.run_in_process(NAME, cells, monkeypatch, SMALL)
    amu = ns["amu_map"]  # (m_A, tan(beta)) grid at m_H = m_H+
    assert amu.shape == (6, 5) and np.all(np.isfinite(amu))
    # light A + large tan(beta) (Barr-Zee tau loop, zeta_l = -tan(beta) in type X): a_mu > 0, growing
    # with tan(beta) at every fixed m_A and falling with m_A at every fixed tan(beta)
    assert np.all(amu > 0)
    assert np.all(np.diff(amu, axis=1) > 0)
    assert np.all(np.diff(amu, axis=0) < 0)
    # 2025 vs seeds-era data: the region within 2 sigma of the a_mu measurement moves to smaller a_mu
    # (heavier A, smaller tan(beta)): the 2025 data allow the corner m_A = 100 GeV, tan(beta) = 20
    # that the seeds-era data exclude; the light-A, tan(beta) = 100 corner is excluded by both
    pull = {d: np.sqrt(c2) for d, c2 in ns["chi2"].items()}
    new, old = pull[ns["DATASET"]] < 2.0, pull[ns["SEEDS_DATASET"]] < 2.0
    assert new[-1, 0] and not old[-1, 0]
    assert not new[0, -1] and not old[0, -1]
    assert new.sum() > old.sum() > 0
    assert amu[new].mean() < amu[old].mean()
    assert amu[new].max() < amu[old].max() and amu[new].min() < amu[old].min()
    # the fit and the NUTS draws of the 2025 data sit below the seeds-era central value
    seeds = ns["meas"][ns["SEEDS_DATASET"]].value
    assert np.isfinite(ns["best"].chi2)
    assert 0 < ns["best"].predictions["a_mu"] < seeds
    assert np.all(np.isfinite(ns["post"]["mA"]))
    assert np.all(np.isfinite(ns["post"]["a_mu"])) and np.median(ns["post"]["a_mu"]) < seeds
