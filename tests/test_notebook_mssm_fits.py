"""notebooks/mssm_fits.ipynb (seed 000 Figs. 1-5) runs at a small size and does no physics itself.

The notebook is executed with nbclient when nbclient, nbformat and a ``python3`` Jupyter kernel
(ipykernel) are installed; otherwise its code cells are executed in order in one namespace
(it uses no IPython magics).  Either way the parameters are overridden after the first code
cell (tagged ``parameters``), as papermill does.
"""

import json
import re

import pytest

import nbtools

NAME = "mssm_fits.ipynb"
FIGURES = ("fig1", "fig2", "fig3", "fig4", "fig5")


def _overrides(tmp_path, n_grid):
    # RESUMMATION = None: the same compiled evaluators as tests/test_scan.py (faster suite)
    return f"N_GRID = {n_grid}\nOUT_DIR = {str(tmp_path / 'scans')!r}\nPROGRESS = False\nRESUMMATION = None\n"


def _have_kernel() -> bool:
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
        from jupyter_client.kernelspec import find_kernel_specs
    except ImportError:
        return False
    return "python3" in find_kernel_specs()


def test_notebook_structure_parameters_and_no_physics():
    nb, sources, _ = nbtools.load(NAME)
    nbtools.assert_clean(nb, sources)
    assert re.search(r"^N_GRID = 8\b", sources[0], flags=re.MULTILINE)
    body = "\n".join(sources)
    # no physics in the notebook: no JAX, no direct amplitude calls, only library scan/plot calls
    for forbidden in ("import jax", "jnp.", "amu_1l", "MSSMParams(", "lax.", "vmap"):
        assert forbidden not in body, forbidden
    assert "run_scan" in body and "plot.band_map" in body and "plot.r_curves" in body


def test_notebook_runs_small(tmp_path, monkeypatch):
    nb, sources, _ = nbtools.load(NAME)
    monkeypatch.chdir(tmp_path)
    if _have_kernel():
        import nbclient
        import nbformat

        node = nbformat.reads(json.dumps(nb), as_version=4)
        idx = next(i for i, c in enumerate(node.cells) if c.cell_type == "code")
        node.cells.insert(idx + 1, nbformat.v4.new_code_cell(_overrides(tmp_path, 4)))
        nbclient.NotebookClient(node, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    else:
        nbtools.run_in_process(NAME, sources, monkeypatch, _overrides(tmp_path, 4))
    for name in FIGURES:
        png = tmp_path / "scans" / f"{name}.png"
        assert png.exists() and png.stat().st_size > 1000, name
    # each figure's scans are complete scan directories (resumable, loadable)
    from gm2jax.scan import load_manifest

    dirs = [d for d in (tmp_path / "scans").iterdir() if d.is_dir()]
    assert len(dirs) == 8
    assert all(load_manifest(d)["complete"] for d in dirs)


@pytest.mark.slow
def test_notebook_runs_at_default_size_under_90s(tmp_path, monkeypatch, request):
    import time

    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow: run with -m slow")
    _, sources, _ = nbtools.load(NAME)
    monkeypatch.chdir(tmp_path)
    t0 = time.perf_counter()
    ns = nbtools.run_in_process(NAME, sources, monkeypatch, f"OUT_DIR = {str(tmp_path / 'scans')!r}\nPROGRESS = False\n")
    assert ns["N_GRID"] == 8
    assert time.perf_counter() - t0 < 90
