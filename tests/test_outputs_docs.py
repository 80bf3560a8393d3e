"""The documentation's structure: every module has an API page, every nav entry exists.

The full ``mkdocs build --strict`` runs in CI after the tests (``.ci/run``); these checks are
fast and need no mkdocs.
"""

import importlib.util
import pathlib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "_hooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _nav_files(nav):
    for item in nav:
        for value in item.values() if isinstance(item, dict) else [item]:
            if isinstance(value, list):
                yield from _nav_files(value)
            else:
                yield value


def test_every_public_module_is_on_an_api_page():
    hooks = _hooks()
    mods = hooks.modules()
    assert {"gm2jax", "gm2jax.plot", "gm2jax.inference_data", "gm2jax.models.mssm.one_loop"} <= set(mods)
    assert all(hooks._group(m) is not None for m in mods)  # the catch-all page takes new modules
    assert hooks._group("gm2jax") == "api/core.md" and hooks._group("gm2jax.models.flavon.toy") == "api/models.md"
    assert hooks._group("gm2jax.plotting_new") == "api/more.md" and hooks._group("gm2jax.models") == "api/models.md"
    pages = hooks.pages()
    assert "::: gm2jax.plot\n" in pages["api/outputs.md"] and "::: gm2jax.loops\n" in pages["api/core.md"]
    assert "::: gm2jax.models.mssm.one_loop\n" in pages["api/mssm.md"]


def test_nav_entries_exist_or_are_generated():
    cfg = yaml.safe_load((ROOT / "mkdocs.yml").read_text().replace("!!python", "#"))
    hooks = _hooks()
    hooks.on_config(cfg)  # fills the notebook section as mkdocs does
    generated = set(hooks.GROUPS) | {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    files = list(_nav_files(cfg["nav"]))
    assert files and "index.md" in files
    for f in files:
        assert f in generated or (ROOT / "docs" / f).is_file(), f
    # every notebook of the repository is rendered
    assert {f for f in files if f.startswith("notebooks/")} == {f for f in generated if f.startswith("notebooks/")}


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")))
def test_every_notebook_has_small_documentation_sizes(name):
    spec = importlib.util.spec_from_file_location("render", ROOT / "docs" / "render_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert name in mod.SMALL, f"give {name} small sizes in docs/render_notebooks.py SMALL"
