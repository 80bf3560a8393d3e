"""Best-fit cost: gm2jax's vmapped optax multi-start vs scipy Nelder-Mead and differential evolution.

Usage::

    python benchmarks/fit_vs_scipy.py [--config fits/mssm_heavy_smuR.toml] [--starts 16] [--seed 0]
                                      [--target 0.1] [--de-runs 4] [--lbfgs] [--cores 1]

All methods minimise the *same* chi^2 (``Problem.chi2_u``: the config's likelihood in the
unconstrained space of its bijections) from the *same* random prior starts, and stop at
chi^2 < target.  Counted per start: model evaluations until chi^2 < target (gm2jax: one
value-and-gradient per Adam step, per start; L-BFGS: one per line-search step; scipy: one value per
call) and wall time.  gm2jax runs all starts at once (vmap), so its wall time is for the batch;
scipy's is summed over starts.  Compilation is timed separately (first call).
Differential evolution is global (no start point): ``--de-runs`` runs with different seeds on
the box u in [-6, 6]^n.

Results are printed and appended as one JSON line to ``benchmarks/results/fit_vs_scipy.jsonl``.
"""

from __future__ import annotations

import argparse
import pathlib
import time

import numpy as np

from _results import append_result, environment, pin_cores  # benchmarks/_results.py (the script's folder is on sys.path)


class _Reached(Exception):
    pass


def _counting(f, target):
    state = {"n": 0, "hit": None}

    def g(u):
        state["n"] += 1
        v = f(u)
        if state["hit"] is None and v < target:
            state["hit"] = state["n"]
            raise _Reached
        return v

    return g, state


def _eval_stats(hits, reached=None) -> dict:
    """``reached``, median/mean/max evaluations to the target over the runs that reached it
    (``hits`` = evaluation count per run; ``reached`` mask, default ``hits > 0``)."""
    hits = np.asarray(hits)
    ok = hits > 0 if reached is None else np.asarray(reached)
    if not ok.any():
        return {"reached": 0, "evals_median": None, "evals_mean": None, "evals_max": None}
    h = hits[ok]
    return {"reached": int(ok.sum()), "evals_median": float(np.median(h)), "evals_mean": float(np.mean(h)), "evals_max": int(h.max())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(pathlib.Path(__file__).parent.parent / "fits" / "mssm_heavy_smuR.toml"))
    ap.add_argument("--starts", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--target", type=float, default=0.1)
    ap.add_argument("--steps", type=int, default=2000, help="max Adam steps")
    ap.add_argument("--maxfev", type=int, default=20000, help="max Nelder-Mead evaluations per start")
    ap.add_argument("--de-runs", type=int, default=4)
    ap.add_argument("--lbfgs", action="store_true", help="also run gm2jax with optax.lbfgs")
    ap.add_argument("--cores", type=int, default=0, help="pin to this many CPU cores (0 = no pinning)")
    ap.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "fit_vs_scipy.jsonl"))
    args = ap.parse_args()
    pin_cores(args.cores)

    import jax
    import jax.numpy as jnp
    import scipy
    from scipy.optimize import differential_evolution, minimize

    from gm2jax import fit as gfit
    from gm2jax.config import load_config

    jax.config.update("jax_enable_x64", True)
    cfg = load_config(args.config).replace(fit={"starts": args.starts, "seed": args.seed, "target_chi2": args.target})
    problem = cfg.problem()
    d, n = problem.ndim, args.starts
    rec = {
        **environment("fit_vs_scipy"),
        "scipy": scipy.__version__,
        "config": cfg.name,
        "ndim": d,
        "starts": n,
        "target_chi2": args.target,
    }

    # ---- gm2jax: Adam (the run_fit main loop, stopped at the target) ----------------------
    fun = gfit._objective(problem)
    opt = gfit.adam(cfg.fit.learning_rate, cfg.fit.clip_norm)
    step = gfit.make_step(fun, opt)
    init = jax.vmap(opt.init)
    counter = {"starts": 0}
    t = time.perf_counter()
    x0 = gfit._draw_starts(problem, jax.random.key(args.seed), n, step, init, counter)  # compiles the step
    rec["compile_and_draw_starts_s"] = time.perf_counter() - t
    u0 = jax.vmap(problem.to_unconstrained)(jnp.asarray(x0))
    mask, fixed = jnp.zeros((n, d), dtype=bool), jnp.zeros((n, d))
    u, state = u0, init(u0)
    hit = np.full(n, -1)
    hit_t = np.full(n, np.nan)
    t0 = time.perf_counter()
    for k in range(args.steps):
        u, state, loss, _ = step(u, state, mask, fixed)
        loss = np.asarray(loss)
        new = (hit < 0) & (loss < args.target)
        hit[new] = k + 1
        hit_t[new] = time.perf_counter() - t0
        if np.all(hit > 0):
            break
    wall_adam = time.perf_counter() - t0
    ok = hit > 0
    ours = {
        "method": "gm2jax adam (vmap over starts)",
        **_eval_stats(hit),
        "evals_total_batch": int((k + 1) * n),
        "wall_s_batch_all_reached": wall_adam,
        "wall_s_median_reached": float(np.nanmedian(hit_t)) if ok.any() else None,
    }
    rec["gm2jax_adam"] = ours

    # timing of one value vs one value+grad (cost of an "evaluation")
    f_val = jax.jit(problem.chi2_u)
    f_vg = jax.jit(jax.value_and_grad(problem.chi2_u))
    t = time.perf_counter()
    f_val(u0[0]).block_until_ready()
    compile_val = time.perf_counter() - t
    f_vg(u0[0])[0].block_until_ready()
    reps = 300
    t = time.perf_counter()
    for i in range(reps):
        f_val(u0[i % n]).block_until_ready()
    t_val = (time.perf_counter() - t) / reps
    t = time.perf_counter()
    for i in range(reps):
        f_vg(u0[i % n])[0].block_until_ready()
    t_vg = (time.perf_counter() - t) / reps
    rec["time_per_value_s"] = t_val
    rec["time_per_value_and_grad_s"] = t_vg
    rec["compile_value_s"] = compile_val

    if args.lbfgs:
        r = gfit.run_fit(cfg, hessian=False, profiles=False, optimizer="lbfgs", steps=200)
        rec["gm2jax_lbfgs"] = {
            "method": "gm2jax optax.lbfgs (vmap over starts)",
            **_eval_stats(r.evals_to_target, r.evals_to_target >= 0),
            "wall_s_incl_compile": r.wall_time["optimizer"],
        }

    # ---- scipy Nelder-Mead from the same starts ------------------------------------------
    f_np = lambda uu: float(f_val(jnp.asarray(uu)))  # noqa: E731
    nm_hits, nm_time = [], 0.0
    for i in range(n):
        g, st = _counting(f_np, args.target)
        t = time.perf_counter()
        try:
            minimize(g, np.asarray(u0[i]), method="Nelder-Mead",
                     options={"maxfev": args.maxfev, "xatol": 1e-10, "fatol": 1e-12})
        except _Reached:
            pass
        nm_time += time.perf_counter() - t
        nm_hits.append(st["hit"] if st["hit"] is not None else -1)
    nm_hits = np.array(nm_hits)
    okn = nm_hits > 0
    rec["scipy_nelder_mead"] = {
        "method": "scipy Nelder-Mead (same starts, same chi2 in u-space)",
        **_eval_stats(nm_hits),
        "wall_s_sum_over_starts": nm_time,
    }

    # ---- scipy differential evolution ------------------------------------------------------
    de_hits, de_time = [], 0.0
    for s in range(args.de_runs):
        g, st = _counting(f_np, args.target)
        t = time.perf_counter()
        try:
            differential_evolution(g, [(-6.0, 6.0)] * d, seed=s, maxiter=2000, tol=0.0, polish=False)
        except _Reached:
            pass
        de_time += time.perf_counter() - t
        de_hits.append(st["hit"] if st["hit"] is not None else -1)
    de_hits = np.array(de_hits)
    okd = de_hits > 0
    rec["scipy_differential_evolution"] = {
        "method": "scipy differential_evolution (box u in [-6, 6]^n, popsize 15)",
        "runs": args.de_runs,
        **_eval_stats(de_hits),
        "wall_s_sum_over_runs": de_time,
    }

    a = ours["evals_median"]
    rec["ratio_nm_over_adam_median_evals"] = (rec["scipy_nelder_mead"]["evals_median"] / a) if a and okn.any() else None
    rec["ratio_de_over_adam_median_evals"] = (rec["scipy_differential_evolution"]["evals_median"] / a) if a and okd.any() else None
    if a and okn.any():
        rec["ratio_nm_over_adam_cost"] = rec["scipy_nelder_mead"]["evals_median"] * t_val / (a * t_vg)

    print(f"{cfg.name}: {d} free parameters, {n} random prior starts, target chi2 < {args.target}")
    print(f"  one chi2 value {1e3 * t_val:.3f} ms, value+grad {1e3 * t_vg:.3f} ms (single point)")
    rows = [("gm2jax Adam (vmap)", ours["reached"], n, ours["evals_median"], ours["evals_mean"], f"{wall_adam:.2f} s batch")]
    if "gm2jax_lbfgs" in rec:
        L = rec["gm2jax_lbfgs"]
        rows.append(("gm2jax L-BFGS (vmap)", L["reached"], n, L["evals_median"], L["evals_mean"], f"{L['wall_s_incl_compile']:.2f} s incl. compile"))
    N = rec["scipy_nelder_mead"]
    rows.append(("scipy Nelder-Mead", N["reached"], n, N["evals_median"], N["evals_mean"], f"{nm_time:.2f} s summed"))
    D = rec["scipy_differential_evolution"]
    rows.append(("scipy diff. evolution", D["reached"], args.de_runs, D["evals_median"], D["evals_mean"], f"{de_time:.2f} s summed"))
    print(f"  {'method':24s} {'reached':>9s} {'median evals':>13s} {'mean evals':>11s}  wall")
    for name, r_, tot, med, mean, w in rows:
        fm = lambda v: "-" if v is None else f"{v:.0f}"  # noqa: E731
        print(f"  {name:24s} {r_:>4d}/{tot:<4d} {fm(med):>13s} {fm(mean):>11s}  {w}")
    for k in ("ratio_nm_over_adam_median_evals", "ratio_de_over_adam_median_evals", "ratio_nm_over_adam_cost"):
        if rec.get(k) is not None:
            print(f"  {k} = {rec[k]:.1f}")
    out = append_result(args.out, rec)
    print(f"appended to {out}")


if __name__ == "__main__":
    main()
