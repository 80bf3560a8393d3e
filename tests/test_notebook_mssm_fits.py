"""notebooks/mssm_fits.ipynb (seed 000 Figs. 1-5) runs at a small size and does no physics itself.

The notebook is executed with nbclient when nbclient, nbformat and a ``python3`` Jupyter kernel
(ipykernel) are installed; otherwise its code cells are executed in order in one namespace
(it uses no IPython magics).  Either way the parameters are overridden after the first code
cell (tagged ``parameters``), as papermill does.
"""

import json
import pathlib
import re

import pytest

NB = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "mssm_fits.ipynb"
FIGURES = ("fig1", "fig2", "fig3", "fig4", "fig5")


def _cells():
    nb = json.loads(NB.read_text())
    return nb, [c for c in nb["cells"] if c["cell_type"] == "code"]


def _source(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


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
    nb, code = _cells()
    assert nb["nbformat"] == 4
    first = code[0]
    assert "parameters" in first["metadata"].get("tags", [])
    assert re.search(r"^N_GRID = 8\b", _source(first), flags=re.MULTILINE)
    body = "\n".join(_source(c) for c in code)
    # no physics in the notebook: no JAX, no direct amplitude calls, only library scan/plot calls
    for forbidden in ("import jax", "jnp.", "amu_1l", "MSSMParams(", "lax.", "vmap"):
        assert forbidden not in body, forbidden
    assert "run_scan" in body and "plot.band_map" in body and "plot.r_curves" in body
    for c in code:
        assert not c.get("outputs"), "commit the notebook without outputs"
        assert not any(line.lstrip().startswith(("%", "!")) for line in _source(c).splitlines()), "no IPython magics"


def test_notebook_runs_small(tmp_path, monkeypatch):
    nb, code = _cells()
    monkeypatch.chdir(tmp_path)
    if _have_kernel():
        import nbclient
        import nbformat

        node = nbformat.reads(json.dumps(nb), as_version=4)
        idx = next(i for i, c in enumerate(node.cells) if c.cell_type == "code")
        node.cells.insert(idx + 1, nbformat.v4.new_code_cell(_overrides(tmp_path, 4)))
        nbclient.NotebookClient(node, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    else:
        ns = {"__name__": "__main__"}
        for i, cell in enumerate(code):
            exec(compile(_source(cell), f"{NB.name}[code cell {i}]", "exec"), ns)  # noqa: S102 (running the notebook is the point)
            if i == 0:
                exec(_overrides(tmp_path, 4), ns)  # noqa: S102 (running the notebook is the point)
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
    _, code = _cells()
    monkeypatch.chdir(tmp_path)
    ns = {"__name__": "__main__"}
    t0 = time.perf_counter()
    for i, cell in enumerate(code):
        exec(compile(_source(cell), f"{NB.name}[code cell {i}]", "exec"), ns)  # noqa: S102 (running the notebook is the point)
        if i == 0:
            assert ns["N_GRID"] == 8
            exec(f"OUT_DIR = {str(tmp_path / 'scans')!r}\nPROGRESS = False\n", ns)  # noqa: S102 (running the notebook is the point)
    assert time.perf_counter() - t0 < 90
