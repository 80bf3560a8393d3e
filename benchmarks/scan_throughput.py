"""Throughput of a chunked, disk-streamed grid scan (a_e and a_mu of the MSSM at one loop).

Usage::

    taskset -c 0 python benchmarks/scan_throughput.py [--points 262144] [--chunk 16384] [--json]

Scans the seed-000 Fig. 2 plane (mu x M2 at tan(beta) = 60, M1 = -(M2 - 20 GeV), heavy right
smuon) on a square grid of about ``--points`` points with :func:`gm2jax.scan.run_scan` and
reports points/s for

* ``cold``: the first scan in the process (includes the one jit compilation),
* ``warm``: the same scan again into a fresh directory (compiled evaluator reused; includes
  building the points, device transfer, and writing the ``.npz`` chunk files),
* ``in_memory``: :func:`gm2jax.scan.scan` (no disk),

on every backend present (CPU always; GPU when JAX sees one: run with ``--device gpu``).
One JSON line is appended to ``benchmarks/results/scan_throughput.jsonl``.
"""

from __future__ import annotations

import argparse
import math
import os
import pathlib
import shutil
import tempfile
import time

from _results import environment, pin_cores, report  # benchmarks/_results.py (the script's folder is on sys.path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=262_144, help="approximate number of grid points")
    ap.add_argument("--chunk", type=int, default=16_384, help="points per chunk (file, compiled call)")
    ap.add_argument("--batch-size", type=int, default=None, help="per-device lax.map batch inside a chunk")
    ap.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    ap.add_argument("--cores", type=int, default=1, help="pin to this many CPU cores (0 = no pinning)")
    ap.add_argument("--repeat", type=int, default=2, help="warm repetitions (best is reported)")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    ap.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "scan_throughput.jsonl"))
    args = ap.parse_args()
    pin_cores(args.cores)
    if args.device == "cpu":
        os.environ.setdefault("JAX_PLATFORMS", "cpu")

    import jax

    from gm2jax.scan import ScanSpec, run_scan, scan

    side = max(2, math.isqrt(args.points))
    spec = ScanSpec.from_dict(
        {
            "axes": {"mu": [300.0, 3000.0, side], "M2": [100.0, 400.0, side]},
            "fixed": {"tan_beta": 60.0, "r": 5.0},
            "params": {"M1": "-(M2 - 20)", "msl": ["M2", "M2", "3000"], "mse": ["M2", "r*M2", "3000"]},
            "chunk_size": args.chunk,
        }
    )
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="gm2jax-scan-bench-"))
    try:
        cold = run_scan(spec, tmp / "cold", progress=False, batch_size=args.batch_size)
        warm = []
        for i in range(args.repeat):
            warm.append(run_scan(spec, tmp / f"warm{i}", progress=False, batch_size=args.batch_size))
        t0 = time.perf_counter()
        _, status = scan(spec, batch_size=args.batch_size)
        t_mem = time.perf_counter() - t0
        disk_bytes = sum(p.stat().st_size for p in (tmp / "cold" / "scan.zarr").rglob("*") if p.is_file())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    best = max(warm, key=lambda s: s.points_per_second)
    out = {
        **environment("scan_throughput"),
        "points": spec.n_total,
        "chunk_size": spec.chunk_size,
        "n_chunks": spec.n_chunks,
        "batch_size": args.batch_size,
        "device": str(jax.devices()[0].device_kind) + f" ({jax.default_backend()})",
        "n_devices": jax.local_device_count(),
        "points_per_second_cold": cold.points_per_second,
        "points_per_second_warm": best.points_per_second,
        "points_per_second_in_memory": spec.n_total / t_mem,
        "compile_seconds_approx": cold.seconds - best.seconds,
        "bytes_per_point_on_disk": disk_bytes / spec.n_total,
        "bad_points": int((status != 0).sum()),
    }
    report(args.out, out, args.json)


if __name__ == "__main__":
    main()
