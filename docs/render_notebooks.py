"""Copy the notebooks into the documentation, executed at small size (``--execute``).

The notebooks are committed without outputs; the documentation shows them with their figures.
``python docs/render_notebooks.py --execute`` runs each one with nbclient from the repository
root, with the small sizes of :data:`SMALL` inserted right after its ``parameters`` cell (as
papermill does), and writes the executed copy to ``docs/notebooks/`` (not committed).  A
notebook that fails or times out is copied unexecuted, with a note on top, and the script says
so on stderr: the documentation build does not fail because of a slow machine.  Without
``--execute`` the notebooks are copied as they are (a quick local ``mkdocs serve``).  The
executions share a time budget (``--budget``, 30 min; each cell at most ``--timeout``), so the
documentation step of CI is bounded.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "notebooks"

# sizes for the rendered documentation (each notebook's parameters cell documents its names)
SMALL = {
    "flavon.ipynb": "N_POINTS = 256\n",
    "lmutau.ipynb": "N_POINTS = 40\nN_SCAN = 1024\nNUTS_CHAINS = 2\nNUTS_WARMUP = 50\nNUTS_SAMPLES = 50\n",
    "mssm_fits.ipynb": "N_GRID = 5\nOUT_DIR = {tmp!r}\nPROGRESS = False\nRESUMMATION = None\n",
    "mssm_threshold.ipynb": "N_POINTS = 40\n",
    "thdm.ipynb": ("N_MA = 6\nN_TB = 5\nFIT_STARTS = 2\nFIT_STEPS = 20\nNUTS_CHAINS = 2\nNUTS_WARMUP = 5\n"
                   "NUTS_SAMPLES = 5\n"),
    "mssm_ew_2025.ipynb": ("LOOPS = 1\nPER_PATTERN = 1\nSTEPS = 200\nPROFILE_POINTS = 5\n"
                           "NUTS_CHAINS, NUTS_WARMUP, NUTS_SAMPLES = 2, 50, 50\nOUT_DIR = {tmp!r}\n"),
}


def _parameters_index(nb) -> int:
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            return i
    return -1


def render(path: pathlib.Path, execute: bool, timeout: int) -> str:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    status = "copied"
    if execute and path.name not in SMALL:
        status = "NOT executed (no documentation sizes in docs/render_notebooks.py SMALL)"
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(
            "> This page shows the notebook without outputs (no small sizes are defined for the "
            "documentation build). Run it locally to see the figures."))
    elif execute:
        from nbclient import NotebookClient

        run = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as tmp:
            small = SMALL.get(path.name, "").format(tmp=tmp)
            i = _parameters_index(run)
            if small and i >= 0:
                cell = nbformat.v4.new_code_cell(f"# documentation build: small sizes\n{small}")
                cell.metadata["tags"] = ["injected-parameters"]
                run.cells.insert(i + 1, cell)
            t0 = time.perf_counter()
            try:
                NotebookClient(run, timeout=timeout, kernel_name="python3",
                               resources={"metadata": {"path": str(ROOT)}}).execute()
                nb, status = run, f"executed in {time.perf_counter() - t0:.0f} s"
            except Exception as err:  # noqa: BLE001 -- any failure: publish the unexecuted notebook
                status = f"NOT executed ({type(err).__name__}: {str(err).strip().splitlines()[-1][:200]})"
                note = nbformat.v4.new_markdown_cell(
                    "> This page shows the notebook without outputs: it could not be executed when the "
                    "documentation was built. Run it locally to see the figures."
                )
                nb.cells.insert(0, note)
    OUT.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, OUT / path.name)
    return status


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--execute", action="store_true", help="execute at small size (default: copy only)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    ap.add_argument("--budget", type=float, default=1800.0,
                    help="seconds for all executions; later notebooks are copied unexecuted (bounded CI time)")
    ap.add_argument("names", nargs="*", help="notebooks (default: all of notebooks/)")
    args = ap.parse_args(argv)
    paths = [ROOT / "notebooks" / n for n in args.names] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    start = time.perf_counter()
    for p in paths:
        t0 = time.perf_counter()
        execute = args.execute and t0 - start < args.budget
        status = render(p, execute, args.timeout)
        if args.execute and not execute:
            status += " (time budget of the documentation build used up: not executed)"
        print(f"{p.name}: {status} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
