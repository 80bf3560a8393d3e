"""Shared by the benchmark scripts: core pinning, the record header (machine, versions) and the
results file.

Every script builds ``{**environment("name"), ...its figures...}`` and hands it to
:func:`report`, which appends one JSON line to ``benchmarks/results/<name>.jsonl`` (or ``--out``).
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import platform


def pin_cores(n: int) -> None:
    """Pin this process to its first ``n`` usable CPU cores (0 = leave as is); call before importing JAX."""
    if n and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:n]))


def environment(benchmark: str) -> dict:
    """Header of a result record: benchmark name, UTC date, machine, Python/JAX/gm2jax versions,
    usable CPUs (the affinity mask: pinned runs report the pinned count) and the load average."""
    import jax

    import gm2jax

    return {
        "benchmark": benchmark,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "loadavg_1_5_15": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "jax": jax.__version__,
        "gm2jax": gm2jax.__version__,
    }


def append_result(path, record: dict) -> pathlib.Path:
    """Append ``record`` as one JSON line to ``path`` (parent folders created); returns the path."""
    out = pathlib.Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as fh:
        fh.write(json.dumps(record) + "\n")
    return out


def report(path, record: dict, as_json: bool = False) -> pathlib.Path:
    """Append ``record`` to ``path`` and print it (one JSON line, or one ``key: value`` per line)."""
    out = append_result(path, record)
    if as_json:
        print(json.dumps(record))
    else:
        width = max(map(len, record), default=0)
        for key, val in record.items():
            print(f"{key:>{width}}: {val}")
    return out
