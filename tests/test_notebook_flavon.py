"""notebooks/flavon.ipynb (seed 004 Figs. 3-4) runs at a small size and does no physics itself.

Its code cells are exec'd in order in one namespace with ``N_POINTS = 256`` (the first code
cell, tagged ``parameters``, is overridden as papermill would), with matplotlib's Agg backend
and ``plt.show`` a no-op; it must finish in < 60 s.  The section-4 conclusion is checked on the
notebook's own summary: both anomalies at 2 sigma need M_chi up to ~2.5 TeV at x_phi ~ 0.6
(measured 2.42 TeV at x = 0.567).
"""

import re
import time

import numpy as np
import pytest

import nbtools

NAME = "flavon.ipynb"
N_TEST = 256
BUDGET_S = 60.0


def test_flavon_notebook_structure():
    nb, sources, _ = nbtools.load(NAME)
    nbtools.assert_clean(nb, sources)
    assert re.search(r"^N_POINTS = \d+", sources[0], flags=re.MULTILINE)
    body = "\n".join(sources)
    for forbidden in ("import jax", "jnp.", "I_m(", "I_Delta_a(", "vmap", "savefig"):
        assert forbidden not in body, forbidden
    for call in ("general.mechanism_scan", "general.combined_reach", "general.m_chi_envelope"):
        assert call in body


def test_flavon_notebook_runs_small(monkeypatch):
    pytest.importorskip("matplotlib")
    _, sources, _ = nbtools.load(NAME)
    t0 = time.perf_counter()
    ns = nbtools.run_in_process(NAME, sources, monkeypatch, f"N_POINTS = {N_TEST}")
    figs = [ns["fig3"], ns["fig4"]]
    assert all(len(f.axes) == 4 for f in figs)  # two panels + two colour bars each
    elapsed = time.perf_counter() - t0
    assert elapsed < BUDGET_S, f"notebook took {elapsed:.1f} s with N_POINTS={N_TEST}"
    for lep in ("mu", "e"):
        s = ns["scans"][lep]
        assert s["m_chi"].shape == (N_TEST,) and np.all(np.isfinite(s["m_chi"]))
        assert np.all(s["m_chi"] <= ns["reach"][f"m_chi_max_{lep}"] * (1 + 1e-12))
    summ = ns["summary"]
    m_max = summ["M_chi range, both at 2 sigma, at x* [TeV]"][1]
    assert m_max == pytest.approx(2.5, rel=0.04)  # seed: "M_chi ~ 2.5 TeV"
    assert 0.5 < summ["x_phi at the maximum"] < 0.65  # seed: "x_phi ~ 0.6"
    assert summ["max v1/va in the Fig. 4 scans"] < 1.0
