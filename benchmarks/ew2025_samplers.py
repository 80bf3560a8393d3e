"""12-D MSSM electroweak posterior (fits/mssm_ew_2025.toml): NUTS per sign sector vs emcee, dynesty, UltraNest.

Usage::

    python benchmarks/ew2025_samplers.py [--config fits/mssm_ew_2025.toml] [--loops 1]
        [--chains-per-mode 4] [--warmup 300] [--samples 300] [--reference-draws 4000]
        [--emcee-steps 3000] [--nlive 200] [--max-calls 300000] [--cores 1]

All samplers target the *same* posterior: the config's normalised priors times
L = exp(-chi^2/2) (failed points: L = 0).

Sign sectors (why, measured): the LEP chargino bound (2 GeV wide) forbids |mu| < ~100 GeV and
|M2| < ~100 GeV, so the four (sign mu, sign M2) quadrants are separate pieces of the posterior;
in the sigmoid coordinate of [-2000, 2000] GeV that wall is 0.002 wide and NUTS on the full
range adapted step sizes 0.006-0.1 with 40-90 % of transitions at the maximum tree depth.
gm2jax.sectors samples each quadrant on its own side of an 85 GeV gap (chi^2 >= 52 inside the
gap), all quadrants in ONE vectorized NUTS run, and weights them by MBAR evidences (exact prior
draws as the reference); M1 (no wall) keeps its sign free.  The posterior is dominated by prior
volume (chi^2 ~ 15 plateau), so Laplace weights (gm2jax.analysis.laplace) do not apply.

Reported: per sector R-hat, divergences, step size, tree depth hits, MBAR ln Z and weight, and bulk ESS (ArviZ), NUTS sampling wall and CPU time with compilation
and warm-up apart, ESS/s and ESS per likelihood-equivalent evaluation (a gradient
counted as t_vg/t_value values, measured here); emcee (4 d walkers from the prior, ESS =
samples / max integrated autocorrelation time), dynesty (static, multi-ellipsoid + rwalk) and
UltraNest (slice step sampler), each with its Kish ESS of the weighted samples, its evidence ln Z
and its likelihood calls.  One JSON line appended to ``benchmarks/results/ew2025_samplers.jsonl``.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import time

import numpy as np
from _results import append_result, environment, pin_cores  # benchmarks/_results.py


def _kish(w):
    w = np.asarray(w, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(pathlib.Path(__file__).parent.parent / "fits" / "mssm_ew_2025.toml"))
    ap.add_argument("--loops", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--chains-per-mode", type=int, default=4, help="NUTS chains per sign sector")
    ap.add_argument("--reference-draws", type=int, default=4000, help="exact prior draws of the MBAR reference")
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--tree-depth", type=int, default=6)
    ap.add_argument("--emcee-steps", type=int, default=3000)
    ap.add_argument("--nlive", type=int, default=200)
    ap.add_argument("--max-calls", type=int, default=300000, help="likelihood-call cap of each nested sampler")
    ap.add_argument("--skip", default="", help="comma list of samplers to skip: emcee,dynesty,ultranest")
    ap.add_argument("--vacuum", action="store_true", help="add gm2jax.analysis.with_vacuum_stability (e, mu, tau)")
    ap.add_argument("--grad-cost", type=float, default=None,
                    help="value+gradient / value cost ratio to use instead of measuring it (e.g. 2.03 = 118/58 us at loops=1)")
    ap.add_argument("--cores", type=int, default=0)
    ap.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "ew2025_samplers.jsonl"))
    args = ap.parse_args()
    pin_cores(args.cores)
    skip = set(filter(None, args.skip.split(",")))

    import jax
    import jax.numpy as jnp

    from gm2jax import analysis as an
    from gm2jax.config import load_config
    from gm2jax.sectors import MSSM_WALLS, run_nuts_sectors

    jax.config.update("jax_enable_x64", True)
    cfg = load_config(args.config)
    if args.loops is not None:
        cfg = cfg.replace(loops=args.loops)
    pr = cfg.problem()
    if args.vacuum:
        pr = an.with_vacuum_stability(pr)
    d = pr.ndim
    rec = {**environment("ew2025_samplers"), "config": cfg.name, "loops": cfg.loops, "ndim": d, "vacuum_stability": bool(args.vacuum), "dataset": cfg.dataset.name,
           "note": "2-core VM shared with other jobs (load average in the header)"}

    phi = an.neg_log_posterior_u(pr)
    idx = [pr.names.index(s) for s in ("mu", "M1", "M2") if s in pr.names]
    f_val = jax.jit(phi)
    f_vg = jax.jit(jax.value_and_grad(phi))
    u_test = pr.to_unconstrained(pr.sample_prior(jax.random.key(1), 1)[0])
    f_val(u_test).block_until_ready()
    reps = 50
    t = time.perf_counter()
    for _ in range(reps):
        f_val(u_test).block_until_ready()
    t_val = (time.perf_counter() - t) / reps
    if args.grad_cost is None:
        f_vg(u_test)[0].block_until_ready()
        t = time.perf_counter()
        for _ in range(reps):
            f_vg(u_test)[0].block_until_ready()
        t_vg = (time.perf_counter() - t) / reps
    else:  # the throughput benchmark's value+gradient / value cost ratio (saves one 12-D gradient compile)
        t_vg = args.grad_cost * t_val
    rec["grad_cost_ratio_source"] = "measured here" if args.grad_cost is None else f"given: {args.grad_cost} (amu_throughput)"
    rec["time_per_value_s"], rec["time_per_value_and_grad_s"] = t_val, t_vg

    # ---- the same log posterior in x for the reference samplers -----------------------------------
    def logpost_x(x):
        lp = pr.log_prior(x) + pr.loglike(x)
        return jnp.where(jnp.isfinite(lp), lp, -1e300)

    lp_batch = jax.jit(jax.vmap(logpost_x))
    ll_batch = jax.jit(jax.vmap(lambda x: jnp.where(jnp.isfinite(pr.loglike(x)), pr.loglike(x), -1e300)))
    specs = pr.config.free

    def transform(cube):
        cube = np.atleast_2d(cube)
        out = np.empty_like(cube)
        for i, s in enumerate(specs):
            if s.prior == "loguniform":
                out[:, i] = np.exp(np.log(s.lo) + cube[:, i] * np.log(s.hi / s.lo))
            else:
                out[:, i] = s.lo + cube[:, i] * (s.hi - s.lo)
        return out

    # plain Monte Carlo over the prior: an unbiased evidence check for every sampler's ln Z
    xp = np.asarray(pr.sample_prior(jax.random.key(args.seed + 99), args.reference_draws * 5))
    llp = np.concatenate([np.asarray(ll_batch(jnp.asarray(xp[i:i + 2000]))) for i in range(0, len(xp), 2000)])
    lik = np.exp(llp - llp.max())
    rec["prior_mc"] = {"draws": len(xp), "log_evidence": float(np.log(lik.mean()) + llp.max()),
                       "log_evidence_err": float(lik.std(ddof=1) / np.sqrt(len(lik)) / lik.mean())}

    if "emcee" not in skip:
        import emcee

        nw = 4 * d
        x0 = np.asarray(pr.sample_prior(jax.random.key(args.seed + 7), nw))
        sampler = emcee.EnsembleSampler(nw, d, lambda xx: np.asarray(lp_batch(jnp.asarray(xx))), vectorize=True)
        lp_batch(jnp.asarray(x0)).block_until_ready()
        t, c0 = time.perf_counter(), time.process_time()
        sampler.run_mcmc(x0, args.emcee_steps, progress=False)
        t_em, c_em = time.perf_counter() - t, time.process_time() - c0
        burn = args.emcee_steps // 3
        chain = sampler.get_chain(discard=burn)
        tau = emcee.autocorr.integrated_time(chain, tol=0)
        ess = chain.shape[0] * chain.shape[1] / float(np.max(tau))
        xf = chain.reshape(-1, d)
        signs = {tuple(np.sign(r[idx]).astype(int)) for r in xf[:: max(1, len(xf) // 2000)]}
        rec["emcee"] = {"method": f"emcee {emcee.__version__}, {nw} walkers from the prior, stretch move, 1/3 burn-in",
                        "steps": args.emcee_steps, "wall_s": t_em, "cpu_s": c_em, "ess_per_cpu_s": ess / c_em, "likelihood_calls": nw * args.emcee_steps,
                        "max_tau": float(np.max(tau)), "ess": ess, "ess_per_s": ess / t_em,
                        "ess_per_value_equiv_eval": ess / (nw * args.emcee_steps),
                        "sign_patterns_visited": len(signs), "acceptance": float(np.mean(sampler.acceptance_fraction))}

    if "dynesty" not in skip:
        import dynesty

        calls = {"n": 0}

        def ll(x):
            calls["n"] += 1
            return float(ll_batch(jnp.asarray(x)[None, :])[0])

        t, c0 = time.perf_counter(), time.process_time()
        ns = dynesty.NestedSampler(ll, lambda cc: transform(cc)[0], d, nlive=args.nlive, bound="multi", sample="rwalk",
                                   rstate=np.random.default_rng(args.seed))
        ns.run_nested(maxcall=args.max_calls, print_progress=False)
        t_dy, c_dy = time.perf_counter() - t, time.process_time() - c0
        res = ns.results
        wts = np.exp(res.logwt - res.logz[-1])
        ess = _kish(wts)
        rec["dynesty"] = {"method": f"dynesty {dynesty.__version__} static, nlive {args.nlive}, multi + rwalk",
                          "wall_s": t_dy, "cpu_s": c_dy, "ess_per_cpu_s": ess / c_dy, "likelihood_calls": int(np.sum(res.ncall)), "log_evidence": float(res.logz[-1]),
                          "log_evidence_err": float(res.logzerr[-1]), "ess": ess, "ess_per_s": ess / t_dy,
                          "ess_per_value_equiv_eval": ess / max(int(np.sum(res.ncall)), 1),
                          "hit_call_cap": int(np.sum(res.ncall)) >= args.max_calls}

    if "ultranest" not in skip:
        import ultranest
        import ultranest.stepsampler as uss

        def ll_vec(x):
            return np.asarray(ll_batch(jnp.asarray(x)))

        t, c0 = time.perf_counter(), time.process_time()
        un = ultranest.ReactiveNestedSampler(list(pr.names), ll_vec, transform, vectorized=True)
        un.stepsampler = uss.SliceSampler(nsteps=2 * d, generate_direction=uss.generate_mixture_random_direction)
        r = un.run(min_num_live_points=args.nlive, max_ncalls=args.max_calls, show_status=False, viz_callback=False)
        t_un, c_un = time.perf_counter() - t, time.process_time() - c0
        rec["ultranest"] = {"method": f"UltraNest {ultranest.__version__}, {args.nlive} live points, slice sampler 2d steps",
                            "wall_s": t_un, "cpu_s": c_un, "ess_per_cpu_s": float(r["ess"]) / c_un, "likelihood_calls": int(r["ncall"]), "log_evidence": float(r["logz"]),
                            "log_evidence_err": float(r["logzerr"]), "ess": float(r["ess"]), "ess_per_s": float(r["ess"]) / t_un,
                            "ess_per_value_equiv_eval": float(r["ess"]) / max(int(r["ncall"]), 1),
                            "hit_call_cap": int(r["ncall"]) >= args.max_calls}

    # ---- NUTS per sign sector of the walled parameters (mu, M2), one vectorized run, MBAR weights ----
    walls = {k: v for k, v in MSSM_WALLS.items() if k in pr.names}
    c0 = time.process_time()
    res = run_nuts_sectors(pr, walls, chains_per_sector=args.chains_per_mode, warmup=args.warmup, samples=args.samples,
                           max_tree_depth=args.tree_depth, reference_draws=args.reference_draws, seed=args.seed)
    n_sec = len(res.labels)
    per_sector = [{"label": lab, "max_r_hat": float(res.max_r_hat[k]), "min_ess_bulk": float(res.min_ess_bulk[k]),
                   "divergences": int(res.divergences[k]), "step_size": float(res.step_size[k]),
                   "mean_leapfrog_steps": float(res.mean_steps[k]), "max_tree_depth_fraction": float(res.max_depth_fraction[k]),
                   "log_evidence": float(res.log_evidence[k]), "log_evidence_err": float(res.log_evidence_err[k]),
                   "weight": float(res.weights[k])} for k, lab in enumerate(res.labels)]
    ess_min = float(res.min_ess_bulk.min())
    rec["nuts"] = {
        "method": (f"numpyro NUTS (functional hmc kernel), {args.chains_per_mode} chains x {n_sec} sign sectors of {list(walls)} "
                   f"(gaps {list(walls.values())} GeV, gm2jax.sectors) vectorized, dense mass, max_tree_depth {args.tree_depth}, "
                   "per-sector pooled adaptation; sector weights by MBAR with an exact-prior reference"),
        "warmup": args.warmup, "samples": args.samples,
        "compile_s": res.wall_time["compile"], "warmup_s": res.wall_time["warmup"], "sampling_s": res.wall_time["sampling"],
        "sampling_cpu_s": res.wall_time["sampling_cpu"], "evidence_s": res.wall_time["evidence"],
        "total_cpu_s": time.process_time() - c0,
        "gradient_evals": res.n_gradient_evals, "gradient_evals_lockstep": res.n_gradient_evals_lockstep,
        "per_sector": per_sector,
        "min_ess_over_sectors": ess_min, "sum_min_ess_over_sectors": float(res.min_ess_bulk.sum()),
        "ess_per_s": ess_min / res.wall_time["sampling"],
        "ess_per_cpu_s": ess_min / res.wall_time["sampling_cpu"],
        "ess_per_value_equiv_eval": ess_min / (res.n_gradient_evals_lockstep * t_vg / t_val),
        "max_r_hat": float(res.max_r_hat.max()),
        "log_evidence": res.log_evidence_total,
        "log_evidence_err": float(np.sqrt(np.sum((res.weights * res.log_evidence_err) ** 2))),
    }
    # M1 has no wall: its sign is sampled inside every sector
    i_m1 = pr.names.index("M1") if "M1" in pr.names else None
    if i_m1 is not None:
        rec["nuts"]["M1_positive_fraction_per_sector"] = [float(np.mean(res.x[k, ..., i_m1] > 0)) for k in range(n_sec)]

    others = [rec[s]["ess_per_s"] for s in ("emcee", "dynesty", "ultranest") if s in rec]
    if others:
        rec["ratio_nuts_over_best_other_ess_per_s"] = rec["nuts"]["ess_per_s"] / max(others)
        rec["ratio_nuts_over_best_other_ess_per_cpu_s"] = rec["nuts"]["ess_per_cpu_s"] / max(
            rec[s]["ess_per_cpu_s"] for s in ("emcee", "dynesty", "ultranest") if s in rec)
        rec["ratio_nuts_over_best_other_ess_per_eval"] = rec["nuts"]["ess_per_value_equiv_eval"] / max(
            rec[s]["ess_per_value_equiv_eval"] for s in ("emcee", "dynesty", "ultranest") if s in rec)

    print(f"{cfg.name}: {d} parameters, loops={cfg.loops}; value {1e3 * t_val:.3f} ms, value+grad {1e3 * t_vg:.3f} ms")
    for m in rec["nuts"]["per_sector"]:
        print(f"  sector {m}")
    for s in ("nuts", "emcee", "dynesty", "ultranest"):
        if s in rec:
            r = rec[s]
            print(f"  {s:10s} ESS/s {r['ess_per_s']:.3g}  ESS/eval {r['ess_per_value_equiv_eval']:.3g}  ln Z {r.get('log_evidence', '-')}")
    if not math.isnan(rec.get("ratio_nuts_over_best_other_ess_per_s", math.nan)):
        print(f"  NUTS / best other ESS/s = {rec['ratio_nuts_over_best_other_ess_per_s']:.2f}")
    print(f"appended to {append_result(args.out, rec)}")


if __name__ == "__main__":
    main()
