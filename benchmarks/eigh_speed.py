"""Forward speed of the symmetric eigen-solvers behind :func:`gm2jax.linalg.eigh_sym`.

Prints matrices per second (and worst residuals) for a vmapped batch of random real
symmetric matrices, for each forward option:

* ``lapack``           ``jax.vmap(jnp.linalg.eigh)`` (one LAPACK call per matrix)
* ``jacobi``           element-wise cyclic Jacobi over the whole batch at once
* ``jacobi_chunked``   the same, in chunks of 1024 matrices (cache-resident working set)
* ``closed_form``      one Jacobi rotation (n = 2 only)
* ``eigh_sym``         what :func:`gm2jax.linalg.eigh_sym` dispatches to under vmap

Run on one core (the process pins itself to CPU 0 unless ``--cores`` says otherwise)::

    python benchmarks/eigh_speed.py                  # n = 2, 4, 7, batch 1e5
    python benchmarks/eigh_speed.py --n 3 5 6 --batch 20000

Equivalent to ``taskset -c 0 python benchmarks/eigh_speed.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from _results import pin_cores  # benchmarks/_results.py (the script's folder is on sys.path)


def _parse():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, nargs="+", default=[2, 4, 7], help="matrix sizes")
    ap.add_argument("--batch", type=int, default=100_000, help="matrices per batch")
    ap.add_argument("--repeat", type=int, default=5, help="timed repetitions (best is reported)")
    ap.add_argument("--cores", type=int, default=1, help="CPU cores to pin to (0 = do not pin)")
    ap.add_argument("--output", default=None, help="optional JSON file for the results")
    return ap.parse_args()


def main() -> int:
    args = _parse()
    pin_cores(args.cores)

    import jax
    import jax.numpy as jnp
    import numpy as np

    jax.config.update("jax_enable_x64", True)
    from gm2jax import linalg

    def chunked(a):
        bsz, n, _ = a.shape
        c = linalg._JACOBI_CHUNK
        nchunk = -(-bsz // c)
        pad = nchunk * c - bsz
        ap = jnp.concatenate([a, jnp.zeros((pad, n, n), a.dtype)]) if pad else a
        w, v = jax.lax.map(linalg._jacobi, ap.reshape(nchunk, c, n, n))
        return w.reshape(-1, n)[:bsz], v.reshape(-1, n, n)[:bsz]

    options = {
        "lapack": lambda a: tuple(jax.vmap(jnp.linalg.eigh)(a)),
        "jacobi": linalg._jacobi,
        "jacobi_chunked": chunked,
        "closed_form": linalg._eigh2,
        "eigh_sym": jax.vmap(linalg.eigh_sym),
    }

    print(
        f"jax {jax.__version__}, cores pinned: {sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}"
    )
    print(f"batch {args.batch}, best of {args.repeat}")
    print(
        f"{'n':>3} {'option':16s} {'matrices/s':>12} {'ns/matrix':>10} {'compile s':>9} {'resid':>9} {'orth':>9}"
    )
    results = []
    rng = np.random.default_rng(0)
    for n in args.n:
        x = rng.standard_normal((args.batch, n, n))
        a = jnp.asarray(0.5 * (x + np.swapaxes(x, 1, 2)))
        norm = jnp.linalg.norm(a, ord=2, axis=(1, 2))
        for name, fn in options.items():
            if name == "closed_form" and n != 2:
                continue
            f = jax.jit(fn)
            t0 = time.perf_counter()
            f = f.lower(a).compile()
            t_compile = time.perf_counter() - t0
            w, v = jax.block_until_ready(f(a))
            best = float("inf")
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                jax.block_until_ready(f(a))
                best = min(best, time.perf_counter() - t0)
            resid = float(jnp.max(jnp.linalg.norm(a @ v - v * w[:, None, :], axis=(1, 2)) / norm))
            orth = float(jnp.max(jnp.abs(jnp.swapaxes(v, 1, 2) @ v - jnp.eye(n)[None])))
            rate = args.batch / best
            print(
                f"{n:>3} {name:16s} {rate:12.4g} {1e9 / rate:10.0f} {t_compile:9.2f} {resid:9.1e} {orth:9.1e}",
                flush=True,
            )
            results.append(
                {
                    "n": n,
                    "option": name,
                    "matrices_per_s": rate,
                    "ns_per_matrix": 1e9 / rate,
                    "compile_s": t_compile,
                    "residual": resid,
                    "orthogonality": orth,
                }
            )
    if args.output:
        with open(args.output, "w") as fh:
            json.dump(
                {"batch": args.batch, "jax": jax.__version__, "results": results}, fh, indent=1
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
