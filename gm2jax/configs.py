"""The fit configurations shipped with gm2jax: list them, find one by name, copy one to edit.

Every scenario configuration (TOML, keys documented in :func:`gm2jax.config.parse_config`) is
package data in ``gm2jax/data/fits/``, so a ``pip install gm2jax`` has them.  In a source
checkout ``fits/<name>.toml`` links to the same files.  The command line accepts a path or a
packaged name wherever it takes a CONFIG (``gm2jax fit mssm_heavy_smuR``); ``gm2jax configs``
lists the names and ``gm2jax init NAME`` copies one into the working directory.

Example:
    >>> "mssm_heavy_smuR" in packaged_configs()
    True
    >>> resolve_config("mssm_heavy_smuR").name
    'mssm_heavy_smuR.toml'
"""

from __future__ import annotations

import os
import pathlib
import shutil
import tomllib

from gm2jax._data import data_file
from gm2jax.errors import InvalidInput

__all__ = ["config_description", "copy_config", "packaged_configs", "resolve_config"]


def _root() -> pathlib.Path:
    return data_file("fits")


def packaged_configs() -> dict[str, pathlib.Path]:
    """Packaged configurations: name (file stem) -> path of the TOML file, sorted by name."""
    root = _root()
    return {p.stem: p for p in sorted(root.glob("*.toml"))}


def config_description(path: str | os.PathLike) -> str:
    """The ``description`` of a configuration file (empty when it has none)."""
    try:
        return str(tomllib.loads(pathlib.Path(path).read_text()).get("description", ""))
    except (OSError, tomllib.TOMLDecodeError):
        return ""


def resolve_config(name_or_path: str | os.PathLike) -> pathlib.Path:
    """The configuration file meant by ``name_or_path``.

    An existing file wins; otherwise a packaged name (with or without ``.toml``, or a path whose
    file name is a packaged name, e.g. ``fits/mssm_heavy_smuR.toml`` outside a source checkout).

    Raises:
        InvalidInput: neither an existing file nor a packaged name (the message lists the names).
    """
    p = pathlib.Path(name_or_path)
    if p.is_file():
        return p
    known = packaged_configs()
    stem = p.name.removesuffix(".toml")
    if stem in known and (p.suffix in ("", ".toml")):
        return known[stem]
    raise InvalidInput(
        f"configuration {str(name_or_path)!r} not found: give a TOML file or a packaged name "
        f"({', '.join(known)}; `gm2jax configs` lists them)"
    )


def copy_config(name: str, dest: str | os.PathLike | None = None, *, overwrite: bool = False) -> pathlib.Path:
    """Copy the packaged configuration ``name`` to ``dest`` (default ``./<name>.toml``) to edit.

    Args:
        name: a packaged name (see :func:`packaged_configs`).
        dest: target file, or an existing directory to copy into.
        overwrite: replace an existing file.

    Returns:
        The path written.

    Raises:
        InvalidInput: unknown name, or ``dest`` exists and ``overwrite`` is False.
    """
    known = packaged_configs()
    stem = str(name).removesuffix(".toml")
    if stem not in known:
        raise InvalidInput(f"no packaged configuration {name!r}; choose one of {', '.join(known)}")
    target = pathlib.Path(dest) if dest is not None else pathlib.Path(f"{stem}.toml")
    if target.is_dir():
        target = target / f"{stem}.toml"
    if target.exists() and not overwrite:
        raise InvalidInput(f"{str(target)!r} exists: choose another destination or pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(known[stem], target)
    return target
