"""Per-piece profile of the MSSM two-loop a_mu (jit + vmap): HLO size, compile time, us/point.

Usage::

    python benchmarks/amu_2l_profile.py [--batch 2000] [--chunk N] [--cores 1] [--grad] [--only SUBSTR] [--cpu-time]
                                        [--in-context] [--out FILE]

``--grad`` also compiles each piece's value and gradient (``jax.value_and_grad`` with respect to
every MSSM parameter) and prints its HLO size, compile time, us/point and the cost ratio
(value+grad time / value time); ``--only`` restricts the table to pieces whose name contains SUBSTR
(several: comma-separated); ``--chunk N`` evaluates the batch in vmapped chunks of N points
(``lax.map(..., batch_size=N)``, as ``benchmarks/amu_throughput.py --chunk`` and gm2jax.scan do).
``--in-context`` times the pieces as :func:`gm2jax.models.mssm.amu_parts` evaluates them (its separately
compiled functions and its prologue; isolated and inlined into one program, a piece can cost twice
as much), value and value+gradient, interleaved.

Each piece is compiled on its own (pure functions of the MSSM parameters, resummed Delta_mu = 0 for the
pieces, the total = :func:`gm2jax.models.mssm.amu_parts` with GM2Calc resummation and status); the
table is printed and written to ``benchmarks/results/amu_throughput_2l_profile.txt`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import time

from _results import pin_cores  # benchmarks/_results.py (the script's folder is on sys.path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--cores", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--grad", action="store_true", help="also value+gradient per piece")
    ap.add_argument("--only", default="", help="only pieces whose name contains this (comma-separated: any of them)")
    ap.add_argument("--chunk", type=int, default=0, help="vmapped chunks of this many points (lax.map); 0 = one vmap")
    ap.add_argument("--cpu-time", action="store_true", help="process CPU time instead of wall-clock (shared machine)")
    ap.add_argument(
        "--in-context", action="store_true",
        help="the pieces as amu_parts calls them (its separately compiled functions, plus its prologue), "
        "all compiled first and then timed in --repeat interleaved rounds (implies --grad)",
    )
    ap.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "amu_throughput_2l_profile.txt"))
    args = ap.parse_args()
    pin_cores(args.cores)

    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    from gm2jax import MSSMParams, SMInputs
    from gm2jax.models.mssm import amu_2l as a2
    from gm2jax.models.mssm import amu_2l_barr_zee as bz
    from gm2jax.models.mssm import amu_2l_fsf as fsf
    from gm2jax.models.mssm import amu_2l_photonic as ph
    from gm2jax.models.mssm import one_loop as a1
    from gm2jax.models.mssm import sfermions as sf
    from gm2jax.models.mssm import spectrum as spm
    from gm2jax.sm import couplings

    sm = SMInputs.from_convention("gm2calc")
    n = args.batch
    key = jax.random.key(1)

    def u(i, shape, lo, hi):
        return jax.random.uniform(jax.random.fold_in(key, i), shape, minval=lo, maxval=hi)

    sgn = lambda i: jax.numpy.where(jax.random.bernoulli(jax.random.fold_in(key, 50 + i), 0.5, (n,)), 1.0, -1.0)  # noqa: E731
    p = MSSMParams(
        tan_beta=u(0, (n,), 2, 60), mu=sgn(0) * u(1, (n,), 100, 2000), M1=sgn(1) * u(2, (n,), 100, 2000),
        M2=u(3, (n,), 100, 2000), msl=u(4, (n, 3), 200, 2000), mse=u(5, (n, 3), 200, 2000),
        Ae=u(6, (n, 3), -1000, 1000), M3=u(7, (n,), 1000, 5000), MA=u(8, (n,), 300, 3000),
        msq=u(9, (n, 3), 1000, 5000), msu=u(10, (n, 3), 1000, 5000), msd=u(11, (n, 3), 1000, 5000),
        Au=u(12, (n, 3), -1000, 1000), Ad=u(13, (n, 3), -1000, 1000), Q=u(14, (n,), 500, 3000),
    )
    m_l = sm.lepton_mass("mu")

    def third(q):
        return sf.third_generation(q, sm, couplings(sm), "gm2calc")

    def fsf_piece(q):
        t = third(q)
        return fsf.amu_2l_fsf(q, couplings(sm), "mu", m_l, t.y_t, t.y_b, t.y_tau, 0.0)

    def shared_neutralino(q):
        # what amu_parts evaluates: both neutralino sums from one diagonalisation
        cc = couplings(sm)
        y = spm.yukawa(cc, q.tan_beta, m_l)
        a, b = ph.neutralino_sums(spm.neutralino_matrix(q, cc), spm.slepton_matrix(q, cc, "mu", m_l), cc, y, m_l, sm.alpha_0, q.Q)
        return a + b

    pieces = [
        ("1L neutralino", lambda q: a1.amu_1l_neutralino(q, couplings(sm), "mu", m_l, 0.0)),
        ("1L chargino", lambda q: a1.amu_1l_chargino(q, couplings(sm), "mu", m_l, 0.0)),
        ("third generation (Delta_b, m_b(MZ), matrices)", lambda q: third(q).y_b),
        ("2L fsf (incl. third gen.)", fsf_piece),
        ("2L photonic chargino", lambda q: ph.amu_2l_photonic_chargino(q, couplings(sm), "mu", m_l, 0.0, alpha_0=sm.alpha_0)),
        ("2L photonic neutralino", lambda q: ph.amu_2l_photonic_neutralino(q, couplings(sm), "mu", m_l, 0.0, alpha_0=sm.alpha_0)),
        ("1L + 2L photonic neutralino (shared eigh)", shared_neutralino),
        ("2L Barr-Zee sfermion (incl. third gen.)", lambda q: bz.amu_2l_barr_zee_sfermion(q, couplings(sm), m_l, third(q), 0.0)),
        ("2L Barr-Zee chargino", lambda q: bz.amu_2l_barr_zee_chargino(q, couplings(sm), m_l, 0.0)),
        ("amu_parts total (1L+2L, status, resummed)", lambda q: a2.amu_parts(q, sm, "mu", 2, "gm2calc").total),
    ]
    if args.in_context:
        # what amu_parts evaluates, piece by piece: its separately compiled functions (gm2jax.separate)
        # with their inputs, and its prologue (couplings, Delta_mu, statuses, safe points, third
        # generation); the rows add up to the total up to the result's assembly (where/stack)
        cc = couplings(sm)

        def third_sep(q):
            return a2._third_generation(q, sm, cc, "gm2calc")

        def prologue(q):
            c_, _, ps1, deltas, rows = a1.lepton_setup(q, sm, "mu", 0.0, "gm2calc", a1.global_status, a1._lepton_status, a1._safe_params)
            t1 = third_sep(ps1)
            st = a2.two_loop_status(ps1, sm, c_, "gm2calc", t1)
            return deltas[0] + t1.delta_b + t1.delta_tau + jnp.sum(rows[0][3].M1) + 0.0 * st

        def neutralino(q):
            y = spm.yukawa(cc, q.tan_beta, m_l)
            a, b = a2._neutralino_sums(spm.neutralino_matrix(q, cc), spm.slepton_matrix(q, cc, "mu", m_l), cc, y, m_l, sm.alpha_0, q.Q)
            return a + b

        def fsf_ctx(q):
            t = third_sep(q)
            return sum(a2._fsf_terms(q, cc, "mu", m_l, t.y_t, t.y_b, t.y_tau, 0.0).values())

        pieces = [
            ("prologue (setup, Delta_mu, statuses, 3rd gen.)", prologue),
            ("third generation", lambda q: third_sep(q).y_b),
            ("1L + 2L photonic neutralino", neutralino),
            ("1L chargino", lambda q: a2._chargino_1l(q, cc, "mu", m_l, 0.0)),
            ("2L fsf (incl. third gen.)", fsf_ctx),
            ("2L photonic chargino", lambda q: a2._photonic_chargino(q, cc, "mu", m_l, 0.0, alpha_0=sm.alpha_0)),
            ("2L Barr-Zee sfermion (incl. third gen.)", lambda q: a2._bz_sfermion(q, cc, m_l, third_sep(q), 0.0)),
            ("2L Barr-Zee chargino", lambda q: a2._bz_chargino(q, cc, m_l, 0.0)),
            ("amu_parts total (1L+2L, status, resummed)", lambda q: a2.amu_parts(q, sm, "mu", 2, "gm2calc").total),
        ]
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        rev = "?"
    lines = [
        "# MSSM 1L+2L (resummed, a_mu) per-piece profile: jit(vmap) over %d random points%s, %d pinned core(s)," % (n, " in chunks of %d" % args.chunk if args.chunk else "", args.cores),
        "# 2-core VM shared with other jobs (absolute rates are lower bounds; the ratios are the point); clock: %s." % ("process CPU time" if args.cpu_time else "wall"),
        "# %s gm2jax %s  (benchmarks/amu_2l_profile.py)" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), rev),
    ]
    for line in lines:
        print(line, flush=True)

    clock = time.process_time if args.cpu_time else time.perf_counter

    def measure(fn):
        t0 = clock()
        batched = (lambda q: jax.lax.map(fn, q, batch_size=args.chunk)) if args.chunk else jax.vmap(fn)
        lowered = jax.jit(batched).lower(p)
        hlo = len(lowered.as_text().splitlines())
        compiled = lowered.compile()
        comp = clock() - t0
        jax.block_until_ready(compiled(p))
        best = float("inf")
        for _ in range(args.repeat):
            t0 = clock()
            jax.block_until_ready(compiled(p))
            best = min(best, clock() - t0)
        return hlo, comp, best

    if args.in_context:
        chosen = [(nm, f) for nm, f in pieces if any(o in nm for o in args.only.split(","))]
        progs = []
        for nm, f in chosen:
            pair = []
            for fn in (f, jax.value_and_grad(f)):
                t0 = clock()
                batched = (lambda q, fn=fn: jax.lax.map(fn, q, batch_size=args.chunk)) if args.chunk else jax.vmap(fn)
                compiled = jax.jit(batched).lower(p).compile()
                jax.block_until_ready(compiled(p))
                pair.append([compiled, clock() - t0, float("inf")])
            progs.append(pair)
        for _ in range(args.repeat):  # interleaved rounds: every program timed in the same periods
            for pair in progs:
                for prog in pair:
                    t0 = clock()
                    jax.block_until_ready(prog[0](p))
                    prog[2] = min(prog[2], clock() - t0)
        for (nm, _), ((_, cv, bv), (_, cg, bg)) in zip(chosen, progs):
            line = f"{nm:48s} value {bv / n * 1e6:6.3f} us/point | value+grad {bg / n * 1e6:6.3f} us/point  ratio {bg / bv:5.2f}  compile {cv:5.1f} / {cg:5.1f} s"
            print(line, flush=True)
            lines.append(line)
        pieces = []
    for name, f in pieces:
        if not any(o in name for o in args.only.split(",")):
            continue
        hlo, comp, best = measure(f)
        line = f"{name:45s} HLO lines {hlo:6d}  compile {comp:6.1f}s  {n / best:12.0f} points/s  ({best / n * 1e6:7.2f} us/point)"
        if args.grad:
            hlo_g, comp_g, best_g = measure(jax.value_and_grad(f))
            line += f"  | +grad HLO {hlo_g:6d} compile {comp_g:6.1f}s {best_g / n * 1e6:7.2f} us/point  ratio {best_g / best:5.2f}"
        print(line, flush=True)
        lines.append(line)
    lines.append("loadavg %s" % (os.getloadavg(),))
    print(lines[-1])
    pathlib.Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
