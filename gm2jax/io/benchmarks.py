"""Packaged benchmark points (GM2Calc input files under ``gm2jax/data/benchmarks``)."""

from __future__ import annotations

import pathlib

from gm2jax._data import data_file
from gm2jax.errors import InvalidInput


def list_benchmarks() -> dict[str, pathlib.Path]:
    """Name -> path of every packaged benchmark file (name = file stem)."""
    root = data_file("benchmarks")
    return {p.name.removesuffix(".gm2calc"): p for p in sorted(root.iterdir()) if p.name.endswith(".gm2calc")}


def benchmark_path(name: str) -> pathlib.Path:
    """Path of the packaged benchmark ``name`` (e.g. ``"BP1_1908.03607"``; a unique prefix is enough)."""
    table = list_benchmarks()
    hits = [k for k in table if k == name] or [k for k in table if k.startswith(name)]
    if len(hits) != 1:
        raise InvalidInput(f"unknown or ambiguous benchmark {name!r}: choose from {sorted(table)}")
    return table[hits[0]]
