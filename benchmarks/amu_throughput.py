"""Throughput of the MSSM a_l at one or two loops (jit + vmap), value and value+gradient.

Usage::

    python benchmarks/amu_throughput.py [--loops {1,2}] [--leptons {mu|e,mu}] [--resum]
                                        [--batch N] [--chunk N] [--repeat 10] [--value-only] [--json] [--out FILE]

Prints points/s for (a) the value of a_l (each lepton of ``--leptons``; one loop:
:func:`gm2jax.models.mssm.amu_1l_parts`, two loops: :func:`gm2jax.models.mssm.amu_parts`, total =
1L + 2L); (b) the value plus the gradient of every lepton's a_l with respect to every MSSM
parameter (13 at one loop, 31 at two loops); and the jit compile time.  Each figure is given
in wall-clock time and (``cpu_*``) in the process's CPU time, which on a shared machine is the
better measure of the work done (the process is pinned to one core).  Both functions are compiled
first and then timed in ``--repeat`` interleaved rounds (value, value+gradient, value, ...); the
best of each is reported, and ``cpu_grad_cost_ratio`` is the ratio of the two bests.  On this
shared VM the speed of one compiled program drifts by 10-25 % within a minute (identical
programs, one process: 7.5-9.3 us per point over three rounds), so timing the two functions a
minute apart, as the script did before, made their ratio scatter (3.4-4.7 for one tree); the
per-round paired ratios (``cpu_grad_cost_ratio_paired_median_min_max``) show the spread that
remains.  ``--resum`` switches on
tan(beta) resummation (GM2Calc's).  The process is pinned to one core (``--cores``).  Results are
appended as one JSON line to ``benchmarks/results/amu_throughput.jsonl`` (or ``--out``).

References (issue 10, one core of the CI machine kind): GM2Calc 2.3.1 spectrum + 1L + 2L a_mu
1.1-2.0e5 points/s (1.9e5 quiet), its 1L alone 1.8-2.9e5 points/s.
"""

from __future__ import annotations

import argparse
import pathlib
import time

from _results import environment, pin_cores, report  # benchmarks/_results.py (the script's folder is on sys.path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loops", type=int, choices=(1, 2), default=2)
    ap.add_argument("--leptons", default="e,mu", help="'mu' or 'e,mu'")
    ap.add_argument("--resum", action="store_true", help="GM2Calc tan(beta) resummation")
    ap.add_argument("--batch", type=int, default=None, help="points per call (default 100000 at 1L, 20000 at 2L)")
    ap.add_argument("--repeat", type=int, default=10, help="timed runs of each function, interleaved (best is reported)")
    ap.add_argument("--cores", type=int, default=1, help="pin the process to this many CPU cores (0 = no pinning)")
    ap.add_argument("--value-only", action="store_true", help="skip the value+gradient measurement (long compile)")
    ap.add_argument(
        "--chunk", type=int, default=0,
        help="evaluate in chunks of this many points (lax.map(..., batch_size=N), as gm2jax.scan does); 0 = one vmap over the batch",
    )
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    ap.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "amu_throughput.jsonl"))
    args = ap.parse_args()
    pin_cores(args.cores)

    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    from gm2jax import MSSMParams, SMInputs
    from gm2jax.models.mssm import amu_1l_parts, amu_parts

    leptons = tuple(x.strip() for x in args.leptons.split(","))
    resum = "gm2calc" if args.resum else None
    sm = SMInputs.from_convention("gm2calc")
    key = jax.random.key(1)
    k = jax.random.split(key, 7)
    n = args.batch or (100_000 if args.loops == 1 else 20_000)
    kk = lambda i: jax.random.fold_in(key, 100 + i)  # noqa: E731
    u = lambda kk, shape, lo, hi: jax.random.uniform(kk, shape, minval=lo, maxval=hi)  # noqa: E731
    sign = lambda kk: jnp.where(jax.random.bernoulli(kk, 0.5, (n,)), 1.0, -1.0)  # noqa: E731
    params = MSSMParams(
        tan_beta=u(k[0], (n,), 2.0, 60.0),
        mu=sign(k[1]) * u(k[2], (n,), 100.0, 2000.0),
        M1=sign(k[3]) * u(k[4], (n,), 100.0, 2000.0),
        M2=u(k[5], (n,), 100.0, 2000.0),
        msl=u(k[6], (n, 3), 200.0, 2000.0),
        mse=u(jax.random.fold_in(key, 8), (n, 3), 200.0, 2000.0),
        Ae=u(jax.random.fold_in(key, 9), (n, 3), -1000.0, 1000.0),
        M3=u(kk(0), (n,), 1000.0, 5000.0),
        MA=u(kk(1), (n,), 300.0, 3000.0),
        msq=u(kk(2), (n, 3), 1000.0, 5000.0),
        msu=u(kk(3), (n, 3), 1000.0, 5000.0),
        msd=u(kk(4), (n, 3), 1000.0, 5000.0),
        Au=u(kk(5), (n, 3), -1000.0, 1000.0),
        Ad=u(kk(6), (n, 3), -1000.0, 1000.0),
        Q=u(kk(7), (n,), 500.0, 3000.0),
    )

    def both(p):
        if args.loops == 1:
            return amu_1l_parts(p, sm, leptons, resummation=resum).total
        return amu_parts(p, sm, leptons, 2, resum).total

    def batched(fn):
        # one vmap over the whole batch, or cache-sized vmapped chunks (the 2L value's intermediates
        # for 20000 points do not fit in cache: measured 5.0 vs 3.3 us/point at 2000)
        if args.chunk:
            return jax.jit(lambda q: jax.lax.map(fn, q, batch_size=args.chunk))
        return jax.jit(jax.vmap(fn))

    value = batched(both)
    def both_and_jacobian(p):
        # one forward pass, one reverse pass per lepton (d a_l/dp), like value_and_grad
        out, pullback = jax.vjp(both, p)
        return out, jax.vmap(pullback)(jnp.eye(len(leptons)))

    value_grad = batched(both_and_jacobian)

    def compiled(fn):
        # compile + first run (wall and process CPU time)
        t0, c0 = time.perf_counter(), time.process_time()
        jax.block_until_ready(fn(params))
        return time.perf_counter() - t0, time.process_time() - c0

    def best_of(fns):
        # best of --repeat runs, the functions interleaved round by round: on a shared machine the
        # speed drifts by 10-30 % over minutes (other VMs' cache and memory traffic; the compiled
        # program is identical), so value and value+gradient are timed in the same periods and
        # their ratio is not skewed by when each was measured.  Wall-clock and process CPU time.
        best = [[float("inf"), float("inf")] for _ in fns]
        rounds = []  # process CPU time of each function, per round
        for _ in range(args.repeat):
            rounds.append([])
            for b, fn in zip(best, fns):
                t0, c0 = time.perf_counter(), time.process_time()
                jax.block_until_ready(fn(params))
                b[0] = min(b[0], time.perf_counter() - t0)
                b[1] = min(b[1], time.process_time() - c0)
                rounds[-1].append(time.process_time() - c0)
        return best, rounds

    nan2 = (float("nan"),) * 2
    c_val, cc_val = compiled(value)
    c_grad, cc_grad = nan2 if args.value_only else compiled(value_grad)
    timings, rounds = best_of([value] if args.value_only else [value, value_grad])
    (t_val, tc_val), (t_grad, tc_grad) = timings[0], (nan2 if args.value_only else timings[1])
    # the ratio within each round (value and value+gradient timed back to back), as a spread
    paired = sorted(r[1] / r[0] for r in rounds) if not args.value_only else None
    out = {
        **environment("amu_throughput"),
        "batch": n,
        "chunk": args.chunk or None,
        "timing": f"best of {args.repeat} interleaved rounds",
        "loops": args.loops,
        "leptons": list(leptons),
        "resummation": resum,
        "device": str(jax.devices()[0].device_kind) + f" ({jax.default_backend()})",
        "points_per_second_value": n / t_val,
        "points_per_second_value_and_grad": None if args.value_only else n / t_grad,
        "grad_cost_ratio": None if args.value_only else t_grad / t_val,
        "compile_seconds": c_val - t_val,
        "compile_seconds_value_and_grad": None if args.value_only else c_grad - t_grad,
        "cpu_points_per_second_value": n / tc_val,
        "cpu_points_per_second_value_and_grad": None if args.value_only else n / tc_grad,
        "cpu_grad_cost_ratio": None if args.value_only else tc_grad / tc_val,
        "cpu_grad_cost_ratio_paired_median_min_max": None if args.value_only else [
            paired[len(paired) // 2], paired[0], paired[-1]
        ],
        "cpu_compile_seconds": cc_val - tc_val,
        "cpu_compile_seconds_value_and_grad": None if args.value_only else cc_grad - tc_grad,
        "gm2calc_reference_points_per_second": 1.9e5 if args.loops == 2 else 2.9e5,
        "note": "2-core CI VM shared with other jobs: figures are lower bounds",
    }
    report(args.out, out, args.json)


if __name__ == "__main__":
    main()
