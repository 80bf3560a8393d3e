"""Throughput of the MSSM one-loop a_e and a_mu (jit + vmap), value and value+gradient.

Usage::

    taskset -c 0 python benchmarks/amu_throughput.py [--batch 100000] [--repeat 5] [--json]

Prints points/s for (a) a_e and a_mu together, value only; (b) value plus the gradient of
both with respect to all 13 MSSM parameters; and the jit compile time.  Results are appended
as one JSON line to ``benchmarks/results/amu_throughput.jsonl``.

Reference (from the issue): GM2Calc 2.3.1 computes spectrum + one-loop a_mu at about 2.9e5
points/s on one core of the 2-core CI machine kind.
"""

from __future__ import annotations

import argparse
import pathlib
import time

from _results import environment, pin_cores, report  # benchmarks/_results.py (the script's folder is on sys.path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cores", type=int, default=1, help="pin the process to this many CPU cores (0 = no pinning)")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    ap.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "amu_throughput.jsonl"))
    args = ap.parse_args()
    pin_cores(args.cores)

    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    from gm2jax import MSSMParams, SMInputs
    from gm2jax.models.mssm import amu_1l_parts

    sm = SMInputs.from_convention("gm2calc")
    key = jax.random.key(1)
    k = jax.random.split(key, 7)
    n = args.batch
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
    )

    def both(p):
        return amu_1l_parts(p, sm, ("e", "mu")).total

    value = jax.jit(jax.vmap(both))
    def both_and_jacobian(p):
        # one forward pass, two reverse passes (d a_e/dp, d a_mu/dp), like value_and_grad
        out, pullback = jax.vjp(both, p)
        return out, jax.vmap(pullback)(jnp.eye(2))

    value_grad = jax.jit(jax.vmap(both_and_jacobian))

    def timed(fn):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(params))
        compile_s = time.perf_counter() - t0
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            jax.block_until_ready(fn(params))
            best = min(best, time.perf_counter() - t0)
        return compile_s, best

    c_val, t_val = timed(value)
    c_grad, t_grad = timed(value_grad)
    out = {
        **environment("amu_throughput"),
        "batch": n,
        "device": str(jax.devices()[0].device_kind) + f" ({jax.default_backend()})",
        "points_per_second_value": n / t_val,
        "points_per_second_value_and_grad": n / t_grad,
        "grad_cost_ratio": t_grad / t_val,
        "compile_seconds": c_val - t_val,
        "compile_seconds_value_and_grad": c_grad - t_grad,
        "gm2calc_reference_points_per_second": 2.9e5,
    }
    report(args.out, out, args.json)


if __name__ == "__main__":
    main()
