"""mkdocs hooks: API reference pages generated from the package, so that every module is
documented (from its docstrings, by mkdocstrings) without a hand-kept list.

Each page of :data:`GROUPS` lists the modules whose dotted name starts with one of its
prefixes (the longest prefix wins), in alphabetical order; a new module that fits no named
group lands on ``api/more.md``, so the strict build never misses one.

Docstring *style* remarks of griffe (a parameter described in prose, an unusual section) and
autorefs' guesses at cross-references inside docstrings (``[1.0, 3.0]`` in a printed array
looks like a Markdown reference) are not warnings: ``mkdocs build --strict`` fails on broken
pages, links and navigation, not on the wording of a docstring another engineer is still
writing.
"""

from __future__ import annotations

import logging
import pathlib
import pkgutil

GROUPS = {
    "api/core.md": ("Core: SM inputs, loop functions, linear algebra, errors, dipoles",
                    ("gm2jax", "gm2jax.sm", "gm2jax.loops", "gm2jax.linalg", "gm2jax.errors", "gm2jax.dipole")),
    "api/mssm.md": ("MSSM", ("gm2jax.models.mssm",)),
    "api/models.md": ("Other models", ("gm2jax.models", "gm2jax.models.lmutau", "gm2jax.models.flavon",
                                       "gm2jax.models.thdm")),
    "api/fitting.md": ("Model registry, fits, posteriors, scans",
                       ("gm2jax.registry", "gm2jax.modelspec", "gm2jax.measurements", "gm2jax.likelihood",
                        "gm2jax.config", "gm2jax.problem", "gm2jax.expressions", "gm2jax.priors",
                        "gm2jax.curvature", "gm2jax.fit", "gm2jax.sample", "gm2jax.scan", "gm2jax.analysis")),
    "api/outputs.md": ("Outputs: labels, figures, InferenceData, progress, packaged configs",
                       ("gm2jax.labels", "gm2jax.plot", "gm2jax.inference_data", "gm2jax.progress",
                        "gm2jax.configs", "gm2jax.cli")),
    "api/io.md": ("Input and output files", ("gm2jax.io",)),
    "api/more.md": ("Other modules", ("gm2jax.",)),  # catch-all: a new module is never left out
}


def modules() -> list[str]:
    """Every public module of the package (no ``_private`` ones)."""
    import gm2jax

    root = pathlib.Path(gm2jax.__file__).parent
    names = ["gm2jax"]
    for info in pkgutil.walk_packages([str(root)], prefix="gm2jax."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def _group(name: str) -> str | None:
    """The page of ``name``: the group with the longest matching prefix (``"gm2jax."`` matches
    every submodule, ``"gm2jax"`` only the package itself)."""
    best, length = None, -1
    for page, (_, prefixes) in GROUPS.items():
        for p in prefixes:
            if p.endswith("."):
                hit = name.startswith(p)
            elif p == "gm2jax":
                hit = name == p
            else:
                hit = name == p or name.startswith(p + ".")
            if hit and len(p) > length:
                best, length = page, len(p)
    return best


def pages() -> dict[str, str]:
    """page path -> markdown (one ``::: module`` block per module)."""
    out = {page: [f"# {title}\n"] for page, (title, _) in GROUPS.items()}
    for name in modules():
        page = _group(name)
        if page is not None:
            out[page].append(f"::: {name}\n    options:\n      show_submodules: false\n")
    return {page: "\n".join(lines) for page, lines in out.items()}


_QUIET = ("griffe", "mkdocs.plugins.griffe", "mkdocs.plugins.mkdocs_autorefs", "mkdocs_autorefs")


def notebook_nav() -> list[dict]:
    """``[{title: "notebooks/<file>"}]`` for every notebook of ``notebooks/`` (title: its first
    Markdown heading), so a new notebook is rendered without editing mkdocs.yml."""
    import json

    root = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
    out = []
    for path in sorted(root.glob("*.ipynb")):
        title = path.stem
        for cell in json.loads(path.read_text()).get("cells", []):
            if cell.get("cell_type") == "markdown":
                src = "".join(cell.get("source", []))
                heads = [line.lstrip("# ").strip() for line in src.splitlines() if line.startswith("#")]
                if heads:
                    title = heads[0].replace("$", "").replace("\\", "")
                    title = title if len(title) <= 72 else title[:69].rstrip() + "..."
                break
        out.append({title: f"notebooks/{path.name}"})
    return out


def on_config(config, **kwargs):
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.ERROR)
    for item in config["nav"] or []:
        if isinstance(item, dict) and "Notebooks" in item:
            item["Notebooks"] = notebook_nav()
    return config


def on_files(files, config, **kwargs):
    from mkdocs.structure.files import File

    for page, text in pages().items():
        files.append(File.generated(config, page, content=text))
    return files
