"""Shared by the benchmark scripts: append one JSON record to a results file (JSON lines)."""

from __future__ import annotations

import json
import pathlib


def append_result(path, record: dict) -> pathlib.Path:
    """Append ``record`` as one JSON line to ``path`` (parent folders created); returns the path."""
    out = pathlib.Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as fh:
        fh.write(json.dumps(record) + "\n")
    return out
