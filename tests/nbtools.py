"""Shared helpers of the notebook tests: read a notebook's code cells and run them in-process.

The notebooks use no IPython magics, so their code cells can be exec'd in order in one
namespace, with matplotlib's non-interactive Agg backend and ``plt.show`` a no-op.  Parameters
are overridden right after the first code cell (tagged ``parameters``), as papermill does.
"""

from __future__ import annotations

import json
import pathlib

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"


def load(name: str):
    """``(notebook dict, [code-cell sources], [code cells])`` of ``notebooks/<name>``."""
    nb = json.loads((NOTEBOOKS / name).read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return nb, [source(c) for c in cells], cells


def source(cell) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def assert_clean(nb, sources, *, parameters: bool = True):
    """nbformat 4, a ``parameters``-tagged first code cell, no IPython magics, no stored outputs."""
    assert nb["nbformat"] == 4
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    if parameters:
        assert "parameters" in code[0]["metadata"].get("tags", [])
    for c in code:
        assert not c.get("outputs"), "commit the notebook without outputs (no figures in the repo)"
    for s in sources:
        assert not any(line.lstrip().startswith(("%", "!")) for line in s.splitlines()), "no IPython magics"


def run_in_process(name: str, sources, monkeypatch, overrides: str = "") -> dict:
    """Exec the code cells in one namespace (``overrides`` after the first) and return it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    ns = {"__name__": "__notebook__"}
    try:
        for i, src in enumerate(sources):
            exec(compile(src, f"{name}[code cell {i}]", "exec"), ns)  # noqa: S102 (running the notebook is the point)
            if i == 0 and overrides:
                exec(compile(overrides, f"{name}[overrides]", "exec"), ns)  # noqa: S102
    finally:
        plt.close("all")
    return ns
