"""12-D MSSM electroweak best fit (fits/mssm_ew_2025.toml): gm2jax multi-start L-BFGS vs scipy.

Usage::

    python benchmarks/ew2025_fit.py [--config fits/mssm_ew_2025.toml] [--per-pattern 2] [--lbfgs-steps 300]
                                    [--nm-maxfev 20000] [--de-runs 1] [--bh-iter 10] [--loops 1] [--cores 1]
                                    [--profile-points 8]

Every method minimises the *same* chi^2 (``Problem.chi2_u``: the config's likelihood with its
constraints -- LEP bounds, vacuum stability e/mu/tau, tau g-2 -- in the unconstrained space of
its bijections) from the *same* starts: ``--per-pattern`` prior draws in each of the 8 sign
patterns of (mu, M1, M2) (gm2jax.analysis.find_modes draws them).  Methods:

* gm2jax: ``optax.lbfgs`` with zoom line search and exact gradients (gm2jax.lbfgs.lbfgs_runner),
  one start after another (``--lbfgs-vmap``: all at once, which executes ~2x the counted
  evaluations); every sign pattern's best point is reported (the modes);
* scipy L-BFGS-B with the exact JAX gradient (``jac=True``; control: the same algorithm as the
  basin-hopping local step, with exact instead of finite-difference gradients);
* scipy Nelder-Mead (adaptive) from each start;
* scipy basin-hopping with L-BFGS-B and 2-point finite-difference gradients (d + 1 values per
  gradient, every call counted) from each start;
* scipy differential_evolution (global, box u in [-6, 6]^d; ``--de-runs`` seeds).

Target: the global chi^2_min + 0.1 (chi^2_min = the smallest value any method found).  Counting:
one value-and-gradient = one evaluation; scipy: every function call.  "Evaluations to target"
runs the starts in their given order (cumulative over starts, as a user would run them one after
another); gm2jax's lockstep batch count (iterations x starts) is given too.  The
value-equivalent count multiplies gradient evaluations by t_vg / t_value, both measured here in
process CPU time (robust on a loaded machine).  Compilation is timed apart.  Profiles of the
lightest smuon and chargino masses (gm2jax.sensitivity.profile_quantity, L-BFGS) follow.
Results: JSON lines appended to ``benchmarks/results/ew2025_fit.jsonl``.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import time

import numpy as np

from _results import append_result, environment, pin_cores  # benchmarks/_results.py


class _Reached(Exception):
    pass


def _cpu_per_call(f, args, reps):
    c, t = time.process_time(), time.perf_counter()
    for i in range(reps):
        out = f(args[i % len(args)])
        (out[0] if isinstance(out, tuple) else out).block_until_ready()
    return (time.process_time() - c) / reps, (time.perf_counter() - t) / reps


def _first_hit(values, target):
    hit = np.nonzero(np.asarray(values) < target)[0]
    return int(hit[0]) if len(hit) else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(pathlib.Path(__file__).parent.parent / "fits" / "mssm_ew_2025.toml"))
    ap.add_argument("--per-pattern", type=int, default=2, help="starts per sign pattern of (mu, M1, M2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lbfgs-steps", type=int, default=300)
    ap.add_argument("--lbfgs-vmap", action="store_true",
                    help="all L-BFGS starts in one vmapped program (the line search's conds become selects: ~2x executed per counted evaluation)")
    ap.add_argument("--delta", type=float, default=0.1, help="target = global chi2_min + delta")
    ap.add_argument("--nm-maxfev", type=int, default=20000)
    ap.add_argument("--bh-iter", type=int, default=10)
    ap.add_argument("--de-runs", type=int, default=1)
    ap.add_argument("--de-maxiter", type=int, default=300)
    ap.add_argument("--loops", type=int, default=None, help="override the config's loop order")
    ap.add_argument("--max-cpu-seconds", type=float, default=60.0, help="process CPU-time budget per scipy method (robust under load)")
    ap.add_argument("--profile-points", type=int, default=8, help="grid points per mass profile (0: none)")
    ap.add_argument("--cores", type=int, default=0)
    ap.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "ew2025_fit.jsonl"))
    args = ap.parse_args()
    pin_cores(args.cores)

    import jax
    import jax.numpy as jnp
    import scipy
    from scipy.optimize import basinhopping, differential_evolution, minimize

    from gm2jax import analysis as an
    from gm2jax.lbfgs import lbfgs_runner
    from gm2jax.config import load_config

    jax.config.update("jax_enable_x64", True)
    cfg = load_config(args.config)
    if args.loops is not None:
        cfg = cfg.replace(loops=args.loops)
    pr = cfg.problem()
    d = pr.ndim
    rec = {**environment("ew2025_fit"), "scipy": scipy.__version__, "config": cfg.name, "loops": cfg.loops, "ndim": d,
           "constraints": list(cfg.constraints), "dataset": cfg.dataset.name,
           "note": "2-core VM shared with other jobs (load average in the header); per-evaluation times in process CPU time"}

    # ---- starts: per sign pattern --------------------------------------------------------------
    sign_params = tuple(n for n in ("mu", "M1", "M2") if n in pr.names)
    x0, _ = an._sign_starts(pr, jax.random.key(args.seed), args.per_pattern, sign_params)
    u0 = np.asarray(jax.vmap(pr.to_unconstrained)(jnp.asarray(x0)))
    n = len(u0)
    rec["starts"] = n

    # ---- compile and time one value / value+grad ---------------------------------------------------
    f_val = jax.jit(pr.chi2_u)
    f_vg = jax.jit(jax.value_and_grad(pr.chi2_u))
    for key, f in (("value", f_val), ("value_and_grad", f_vg)):
        c, t = time.process_time(), time.perf_counter()
        out = f(jnp.asarray(u0[0]))
        (out[0] if isinstance(out, tuple) else out).block_until_ready()
        rec[f"compile_{key}_s"], rec[f"compile_{key}_cpu_s"] = time.perf_counter() - t, time.process_time() - c
    uj = [jnp.asarray(u) for u in u0]
    rec["cpu_s_per_value"], rec["wall_s_per_value"] = _cpu_per_call(f_val, uj, 200)
    rec["cpu_s_per_value_and_grad"], rec["wall_s_per_value_and_grad"] = _cpu_per_call(f_vg, uj, 200)
    ratio = rec["cpu_s_per_value_and_grad"] / rec["cpu_s_per_value"]
    rec["grad_cost_in_values"] = ratio
    print(f"compiled: value {rec['compile_value_s']:.0f} s, value+grad {rec['compile_value_and_grad_s']:.0f} s; "
          f"CPU per value {1e3 * rec['cpu_s_per_value']:.3f} ms, per value+grad {1e3 * rec['cpu_s_per_value_and_grad']:.3f} ms "
          f"(ratio {ratio:.2f})", flush=True)

    # ---- gm2jax: optax L-BFGS, all starts at once ------------------------------------------------------
    runner = lbfgs_runner(pr.chi2_u, steps=args.lbfgs_steps, vmap=args.lbfgs_vmap)
    rec["lbfgs_vmap"] = bool(args.lbfgs_vmap)
    c, t = time.process_time(), time.perf_counter()
    compiled = runner.lower(jnp.asarray(u0 if args.lbfgs_vmap else u0[0])).compile()
    rec["compile_lbfgs_s"], rec["compile_lbfgs_cpu_s"] = time.perf_counter() - t, time.process_time() - c
    c, t = time.process_time(), time.perf_counter()
    if args.lbfgs_vmap:
        bu, bl, hist_t, used_t, iters = (np.asarray(a) for a in compiled(jnp.asarray(u0)))
    else:  # one start after another: executed evaluations = counted ones
        rows = [[np.asarray(a) for a in compiled(jnp.asarray(u))] for u in u0]
        bu, bl, hist_t, used_t, iters = (np.stack([r[i] for r in rows]) for i in range(5))
    wall_lbfgs, cpu_lbfgs = time.perf_counter() - t, time.process_time() - c
    hist, used = hist_t.T, used_t.T  # (steps + 1, n)
    print(f"L-BFGS: compile {rec['compile_lbfgs_s']:.0f} s, run {wall_lbfgs:.1f} s, best chi2 {bl.min():.4f}", flush=True)

    # modes: best point of each sign pattern
    idx = [pr.names.index(s) for s in sign_params]
    xf = np.asarray(jax.vmap(pr.from_unconstrained)(jnp.asarray(bu)))
    groups: dict = {}
    for j in range(n):
        if bl[j] < cfg.chi2_failed:
            groups.setdefault(tuple(int(np.sign(xf[j, i])) for i in idx), []).append(j)
    pred_fn = jax.jit(pr.predict)
    grad_fn = jax.jit(jax.grad(pr.chi2_u))
    modes = []
    for pat, js in groups.items():
        j = min(js, key=lambda i: bl[i])
        pred = pred_fn(jnp.asarray(xf[j]))
        parts = pr.likelihood.chi2_parts(pred)
        modes.append({"signs": dict(zip(sign_params, pat, strict=True)), "chi2": float(bl[j]),
                      "grad_norm_u": float(np.linalg.norm(np.asarray(grad_fn(jnp.asarray(bu[j]))))),
                      "x": dict(zip(pr.names, xf[j].tolist(), strict=True)), "starts": len(js),
                      "chi2_parts": {k: float(v) for k, v in parts.items()},
                      "vacuum_margins": {k: float(pred[k]) for k in pred if k.startswith("vacuum_margin_")},
                      "m_slepton_mu": float(pred["m_slepton_mu"]), "m_chargino_1": float(pred["m_chargino_1"]),
                      "a_tau": float(pred["a_tau"]) if "a_tau" in pred else None, "u": bu[j].tolist()})
    modes.sort(key=lambda m: m["chi2"])
    chi2_ours = float(bl.min())

    # ---- scipy methods ----------------------------------------------------------------------------
    log = {"lbfgsb_exact": [], "nm": [], "bh": [], "de": []}  # value of every call, in call order
    bounds = {k: [] for k in ("lbfgsb_exact", "nm", "bh")}  # index of the first call of each start

    def counted(tag, box, grad=False):
        def g(uu):
            if grad:
                v, gr = f_vg(jnp.asarray(uu))
                v, gr = float(v), np.asarray(gr)
            else:
                v = float(f_val(jnp.asarray(uu)))
            log[tag].append(v)
            if time.process_time() - box[0] > args.max_cpu_seconds:
                raise _Reached
            return (v, gr) if grad else v
        return g

    def run_seq(tag, solve, grad=False):
        box = [time.process_time()]
        t = time.perf_counter()
        done = 0
        for i in range(n):
            bounds[tag].append(len(log[tag]))
            try:
                solve(counted(tag, box, grad), u0[i])
            except _Reached:
                pass
            done += 1
            if time.process_time() - box[0] > args.max_cpu_seconds:
                break
        return time.perf_counter() - t, done

    walls = {}
    walls["lbfgsb_exact"] = run_seq("lbfgsb_exact", lambda g, s: minimize(g, s, jac=True, method="L-BFGS-B"), grad=True)
    print("scipy L-BFGS-B exact done", flush=True)
    walls["nm"] = run_seq("nm", lambda g, s: minimize(g, s, method="Nelder-Mead", options={"maxfev": args.nm_maxfev, "xatol": 1e-8, "fatol": 1e-10, "adaptive": True}))
    print("Nelder-Mead done", flush=True)
    walls["bh"] = run_seq("bh", lambda g, s: basinhopping(g, s, niter=args.bh_iter, seed=0, minimizer_kwargs={"method": "L-BFGS-B"}))
    print("basin-hopping done", flush=True)
    de_calls, w_de = [], 0.0
    for s in range(args.de_runs):
        before = len(log["de"])
        box = [time.process_time()]
        t = time.perf_counter()
        try:
            differential_evolution(counted("de", box), [(-6.0, 6.0)] * d, seed=s, maxiter=args.de_maxiter, tol=0.0, polish=False)
        except _Reached:
            pass
        w_de += time.perf_counter() - t
        de_calls.append(len(log["de"]) - before)
    walls["de"] = (w_de, args.de_runs)
    print("differential evolution done", flush=True)

    chi2_glob = min([chi2_ours] + [min(v) for v in log.values() if v])
    target = chi2_glob + args.delta
    rec["chi2_global_min"] = chi2_glob
    rec["target_chi2"] = target
    rec["modes"] = modes
    rec["sign_patterns_found"] = len(modes)

    # gm2jax L-BFGS: starts in order (cumulative), and the lockstep batch
    totals = used[-1]
    hits = [_first_hit(hist[:, j], target) for j in range(n)]
    seq, acc = None, 0
    for j in range(n):
        if hits[j] is not None:
            seq = acc + int(used[hits[j], j])
            break
        acc += int(totals[j])
    per_start = [None if h is None else int(used[h, j]) for j, h in enumerate(hits)]
    ok = [e for e in per_start if e]
    lockstep = min((h for h in hits if h is not None), default=None)
    ours = {
        "method": "gm2jax optax.lbfgs (zoom line search, exact gradients), " + ("vmap over all starts" if args.lbfgs_vmap else "starts one after another"),
        "evals_total": int(totals.sum()),
        "iterations_max": int(iters.max()),
        "starts_reaching_target": len(ok),
        "per_start_evals_to_target": per_start,
        "per_start_median_evals_to_target": float(np.median(ok)) if ok else None,
        "evals_to_target": seq,
        "value_equiv_evals_to_target": None if seq is None else seq * ratio,
        "lockstep_batch_evals_to_target": None if lockstep is None else int(used[lockstep].max() * n),
        "cpu_s_to_target_sequential_estimate": None if seq is None else seq * rec["cpu_s_per_value_and_grad"],
        "wall_s_run_all_starts": wall_lbfgs,
        "cpu_s_run_all_starts": cpu_lbfgs,
        "best_chi2": chi2_ours,
    }
    rec["gm2jax_lbfgs"] = ours

    def seq_stats(tag, label, grad_equiv=1.0):
        v = np.asarray(log[tag])
        wall, done = walls[tag]
        hit = _first_hit(v, target)
        per = []
        if tag in bounds:
            edges = [*bounds[tag], len(v)]
            for a, b in zip(edges[:-1], edges[1:], strict=False):
                h = _first_hit(v[a:b], target)
                per.append(None if h is None else h + 1)
        okk = [e for e in per if e]
        out = {"method": label, "starts_run": done, "evals_total": int(len(v)),
               "per_start_evals_to_target": per,
               "per_start_median_evals_to_target": float(np.median(okk)) if okk else None,
               "evals_to_target": None if hit is None else hit + 1,
               "wall_s_to_target": None if hit is None else float(wall * (hit + 1) / len(v)),
               "wall_s_total": wall, "best_chi2": float(v.min()) if len(v) else None}
        if grad_equiv != 1.0 and hit is not None:
            out["value_equiv_evals_to_target"] = (hit + 1) * grad_equiv
        return out

    rec["scipy_lbfgsb_exact_grad"] = seq_stats("lbfgsb_exact", "scipy L-BFGS-B, exact JAX value+grad per call, starts in order", ratio)
    rec["scipy_nelder_mead"] = seq_stats("nm", "scipy Nelder-Mead (adaptive), starts in order")
    rec["scipy_basinhopping_lbfgsb_fd"] = seq_stats("bh", f"scipy basinhopping(niter={args.bh_iter}) + L-BFGS-B, 2-point FD gradients (every call counted)")
    rec["scipy_differential_evolution"] = {**seq_stats("de", "scipy differential_evolution, box u in [-6, 6]^d"), "evals_per_run": de_calls}
    df = {k: rec[k]["evals_to_target"] for k in ("scipy_nelder_mead", "scipy_basinhopping_lbfgsb_fd", "scipy_differential_evolution")}
    df = {k: v for k, v in df.items() if v}
    if seq and df:
        best_k = min(df, key=df.get)
        rec["best_derivative_free"] = best_k
        rec["ratio_best_derivative_free_over_gm2jax_evals"] = df[best_k] / seq
        rec["ratio_best_derivative_free_over_gm2jax_value_equiv"] = df[best_k] / (seq * ratio)
        wall_df = rec[best_k]["wall_s_to_target"]
        rec["ratio_wall_best_derivative_free_over_gm2jax_cpu_estimate"] = wall_df / ours["cpu_s_to_target_sequential_estimate"]

    print(f"{cfg.name}: {d} parameters, loops={cfg.loops}, {n} starts; global chi2_min {chi2_glob:.4f}, target {target:.4f}")
    for m in modes:
        print(f"  mode {m['signs']}: chi2 {m['chi2']:.4f} ({m['starts']} starts) margins {m['vacuum_margins']}")
    for k in ("gm2jax_lbfgs", "scipy_lbfgsb_exact_grad", "scipy_nelder_mead", "scipy_basinhopping_lbfgsb_fd", "scipy_differential_evolution"):
        r = rec[k]
        print(f"  {k:32s} evals to target {r['evals_to_target']}  per-start median {r['per_start_median_evals_to_target']}")
    for k in ("ratio_best_derivative_free_over_gm2jax_evals", "ratio_best_derivative_free_over_gm2jax_value_equiv"):
        if k in rec:
            print(f"  {k} = {rec[k]:.2f}")
    print(f"appended to {append_result(args.out, rec)}", flush=True)

    # ---- profiles of the lightest smuon and chargino masses -----------------------------------------
    if args.profile_points:
        prof = {**environment("ew2025_profiles"), "config": cfg.name, "loops": cfg.loops, "constraints": list(cfg.constraints),
                "chi2_min": chi2_glob, "profiles": {}}
        starts = np.array([m["u"] for m in modes[:2]])
        for key, lo_hi in (("m_slepton_mu", (100.0, 1500.0)), ("m_chargino_1", (100.0, 1500.0))):
            grid = np.geomspace(*lo_hi, args.profile_points)
            t, c = time.perf_counter(), time.process_time()
            p = an.profile_quantity(pr, key, grid, starts, chi2_min=chi2_glob, optimizer="lbfgs", steps=200, polish_steps=0)
            prof["profiles"][key] = {"grid": grid.tolist(), "value": p.value.tolist(), "chi2": p.chi2.tolist(),
                                     "delta_chi2": p.delta_chi2.tolist(), "evaluations": p.evaluations,
                                     "wall_s_incl_compile": time.perf_counter() - t, "cpu_s_incl_compile": time.process_time() - c,
                                     "load_end": os.getloadavg()}
            print(f"profile {key}: delta chi2 {np.round(p.delta_chi2, 2).tolist()} ({p.evaluations} evaluations)", flush=True)
            append_result(args.out, {**prof, "partial": key != "m_chargino_1"})


if __name__ == "__main__":
    main()
