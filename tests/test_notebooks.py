"""The notebooks run, with tiny grids, and keep no outputs or figures in the repository.

``notebooks/mssm_threshold.ipynb`` is executed with ``N_POINTS = 20`` (its first code cell is
rewritten).  With ``nbclient`` and ``ipykernel`` installed it runs in a real kernel; otherwise
(the default environment has neither) its code cells are extracted and exec'd in order in one
namespace, with matplotlib's non-interactive Agg backend and ``plt.show`` a no-op.  Either way
it must finish in < 60 s.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time

import numpy as np
import pytest

import nbtools

THRESHOLD = nbtools.NOTEBOOKS / "mssm_threshold.ipynb"
N_TEST = 20
BUDGET_S = 60.0
_N_POINTS = re.compile(r"^N_POINTS\s*=\s*\d+", re.MULTILINE)


def _load(path):
    return json.loads(path.read_text())


def _code_cells(nb):
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def _with_n_points(nb, n):
    """Copy of ``nb`` whose first code cell sets N_POINTS = n."""
    nb = json.loads(json.dumps(nb))
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    src = "".join(first["source"])
    assert _N_POINTS.search(src), "the first code cell must define N_POINTS"
    first["source"] = _N_POINTS.sub(f"N_POINTS = {n}", src, count=1)
    return nb


def test_threshold_notebook_is_parameterised_and_clean():
    nb = _load(THRESHOLD)
    cells = _code_cells(nb)
    m = _N_POINTS.search(cells[0])
    assert m and 100 <= int(m.group(0).split("=")[1]) <= 400  # default grid ~200
    nbtools.assert_clean(nb, cells, parameters=False)
    source = "\n".join(cells)
    assert "savefig" not in source
    # library calls only: the physics comes from gm2jax
    assert "amu_1l_qed_parts" in source and "vacuum_stability" in source


def _run_with_nbclient(nb):
    import nbclient
    import nbformat

    node = nbformat.reads(json.dumps(nb), as_version=4)
    env_backend = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    try:
        nbclient.NotebookClient(node, timeout=int(BUDGET_S), kernel_name="python3").execute()
    finally:
        if env_backend is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = env_backend
    text = "".join(
        out.get("text", "")
        for cell in node.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    return None, text


def _run_in_process(nb, monkeypatch):
    return nbtools.run_in_process(THRESHOLD.name, _code_cells(nb), monkeypatch), ""


def test_threshold_notebook_runs_with_20_points(monkeypatch):
    pytest.importorskip("matplotlib")  # the notebook draws; not a declared dependency of gm2jax
    nb = _with_n_points(_load(THRESHOLD), N_TEST)
    # in-process (not in a kernel even where nbclient is installed): the physics assertions need the
    # notebook's namespace; test_threshold_notebook_runs_in_kernel checks the kernel route
    t0 = time.perf_counter()
    ns, _ = _run_in_process(nb, monkeypatch)
    elapsed = time.perf_counter() - t0
    assert elapsed < BUDGET_S, f"notebook took {elapsed:.1f} s with N_POINTS={N_TEST}"
    assert ns["N_POINTS"] == N_TEST
    for mu, r in ns["results"].items():
        assert r["delta"].shape == (N_TEST, 2)
        assert np.all(np.isfinite(r["delta"])) and np.all(np.isfinite(r["margin"]))
        ok = r["status"] == 0
        assert np.all(np.isfinite(r["a"][ok])) and np.all(np.isnan(r["a"][~ok]))
    # the same small run with GM2Calc's couplings: the scheme shift of the Delta_e = -1 crossing
    nb2 = _with_n_points(_load(THRESHOLD), N_TEST)
    first = next(c for c in nb2["cells"] if c["cell_type"] == "code")
    src = "".join(first["source"])
    assert 'CONVENTION = "pdg"' in src
    first["source"] = src.replace('CONVENTION = "pdg"', 'CONVENTION = "gm2calc"')
    other, _ = _run_in_process(nb2, monkeypatch)
    _assert_seed001_features(ns, other)


@pytest.mark.slow
def test_threshold_notebook_full_size(monkeypatch):
    """The shipped size (N_POINTS = 200): the same seed 001 features, at the finer grid's tolerance."""
    pytest.importorskip("matplotlib")
    nb = _load(THRESHOLD)
    ns, _ = _run_in_process(nb, monkeypatch)
    assert ns["N_POINTS"] >= 100
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    first["source"] = "".join(first["source"]).replace('CONVENTION = "pdg"', 'CONVENTION = "gm2calc"')
    other, _ = _run_in_process(nb, monkeypatch)
    _assert_seed001_features(ns, other)


@pytest.mark.slow
def test_threshold_notebook_runs_in_kernel():
    """The notebook runs in a real Jupyter kernel (nbclient + ipykernel), where installed."""
    if not all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel")):
        pytest.skip("nbclient/ipykernel not installed")
    _, text = _run_with_nbclient(_with_n_points(_load(THRESHOLD), N_TEST))
    assert "vacuum-stable smuons" in text


def _root(x, f, i):
    """Linear-interpolation root of f in [x_i, x_i+1] and a bound on its error, |f''| h^2 / (8 |f'|)."""
    h = x[i + 1] - x[i]
    slope = (f[i + 1] - f[i]) / h
    root = x[i] - f[i] / slope
    j = min(max(i, 1), len(x) - 2)
    curv = abs(f[j + 1] - 2 * f[j] + f[j - 1]) / h**2
    return root, curv * h**2 / (8 * abs(slope))


def _assert_seed001_features(ns, other=None):
    """Seed 001 Figs. 1-2 on the coarse grid: the Delta_e = -1 crossing and the smuon vacuum band.

    Paper (text under Fig. 2): a_e explained around Delta_e = -1 at m ~ 2.3 TeV (mu = -100 TeV) and
    6.0 TeV (mu = -500 TeV); smuons stable above 4.2 TeV and in 0.6 - 1 TeV.  Tolerance: half a unit
    of the printed digit (0.05 TeV) + the interpolation error of the coarse grid (bounded from its
    second differences) + the coupling-scheme shift of the crossing (``other``: the same run with
    GM2Calc's couplings; the paper does not state its scheme).  The vacuum edges are compared as in
    tests/test_vacuum.py (the fit at eta = 1 brackets the quoted edges from the outside).
    """
    m = ns["masses"] / 1e3
    for mu, expect in ((-1e5, 2.3), (-5e5, 6.0)):
        f = 1.0 + ns["results"][mu]["delta"][:, 0]
        (i,) = np.flatnonzero(np.diff(np.sign(f)))  # exactly one crossing per panel
        root, err = _root(m, f, i)
        shift = 0.0
        if other is not None:
            g = 1.0 + other["results"][mu]["delta"][:, 0]
            (k,) = np.flatnonzero(np.diff(np.sign(g)))
            shift = abs(_root(m, g, k)[0] - root)
        print(f"mu = {mu:.0e}: 1 + Delta_e = 0 at {root:.3f} TeV (interp. err {err:.3f}, scheme shift {shift:.3f}); "
              f"paper {expect}")
        assert f[i] < 0 < f[i + 1]  # 1 + Delta_e < 0 below, > 0 above: a_e < 0 on the heavy side
        assert abs(root - expect) <= 0.05 + err + shift
        # the electron anomaly (a_e < 0) is explained only on the 1 + Delta_e > 0 side
        a_e = ns["results"][mu]["a"][:, 0]
        ok = ns["results"][mu]["status"][:, 0] == 0
        assert np.all(a_e[ok & (f > 0)] < 0) and np.all(a_e[ok & (f < 0)] > 0)
    # smuon vacuum band from the margin (linear interpolation of its zero crossings)
    for mu, quoted in ((-1e5, (4.2, None)), (-5e5, (0.6, 1.0))):
        marg = ns["results"][mu]["margin"]
        idx = np.flatnonzero(np.diff(np.sign(marg)))
        roots = [(_root(m, marg, i), marg[i + 1] > 0) for i in idx]
        print(f"mu = {mu:.0e}: vacuum margin crosses 0 at {[(round(r[0][0], 3), bool(r[1])) for r in roots]}; "
              f"paper {quoted}; band {ns['summary'][mu]['vacuum-stable smuons [TeV]']}")
        lo_q, hi_q = quoted
        (r_lo, e_lo), up = roots[0]
        assert up and r_lo - e_lo - 0.05 <= lo_q <= r_lo + 0.35  # eta in [0.86, 1] moves it by <= 0.31 TeV
        if hi_q is None:
            assert len(roots) == 1
        else:
            (r_hi, e_hi), up2 = roots[1]
            assert len(roots) == 2 and not up2 and hi_q <= r_hi + e_hi + 0.05
