"""Posterior sampling efficiency: gm2jax's numpyro NUTS vs emcee, in effective samples per second.

Usage::

    python benchmarks/nuts_vs_emcee.py [--config fits/mssm_heavy_smuR.toml] [--chains 16] [--warmup 300]
                                       [--samples 1000] [--max-tree-depth N] [--target-accept 0.8]
                                       [--diagonal-mass] [--no-pool] [--walkers 32,128]
                                       [--emcee-steps 3000] [--seed 1] [--cores 1]

The recorded results (``benchmarks/results/nuts_vs_emcee.jsonl``, 2026-11-22) come from::

    python benchmarks/nuts_vs_emcee.py --max-tree-depth 3 [--seed 2]
    python benchmarks/nuts_vs_emcee.py --config fits/mssm_higgs_mediation.toml --warmup 500 \
        --emcee-steps 10000 [--max-tree-depth 3] [--seed 2]

(max tree depth 3 = at most 7 leapfrog steps per transition: best on the 2-D heavy-smuon
posterior; on the 7-D Higgs-mediation posterior it is fragile -- an exploratory seed-2 run gave ESS/grad
0.015 instead of 0.025 and 192 divergences -- so its headline uses the config's default depth 8.)

Both samplers target the same posterior: the config's priors times its likelihood
(``Problem.log_prior + Problem.loglike``; -inf outside the prior ranges and at failed points),
both start from the same best fit, both run in one process on the same cores.

NUTS: :func:`gm2jax.sample.run_nuts` -- vectorized chains in lock-step, one compiled
transition loop for warm-up and sampling, dense mass matrix, adaptation pooled over the chains
after warm-up (the settings are recorded).  emcee: the affine-invariant ensemble sampler
(stretch move; ``vectorize=True`` on a jitted, vmapped log density), walkers started in a
small ball around the best fit, the first ``--emcee-burn`` fraction discarded; it is run for
every walker count in ``--walkers`` (more walkers = larger batches per call, so more log
densities per second) and the ratios are taken against the BEST emcee run.

ESS: ArviZ bulk ESS, minimum over the free parameters (emcee walkers treated as chains), and
for emcee also n_kept / max(integrated autocorrelation time); the emcee ESS used in the ratios
is the larger of the two (the one more favourable to emcee).  Rates:

* ``ess_per_s_sampling``: ESS / sampling wall time (after warm-up / burn-in, compilation excluded);
  ``ess_per_cpu_s_sampling``: the same per process CPU second (less sensitive to other jobs on a
  shared machine; the load averages before/after are recorded too);
* ``ess_per_s_run``: ESS / (warm-up + sampling) run time (compilation excluded);
* ``ess_per_s_total``: ESS / everything after the shared best fit (initialisation,
  compilation, warm-up or burn-in, sampling, post-processing).

Cost model: ``ess_per_gradient_eval`` (NUTS, leapfrog steps of all chains) and
``ess_per_logp_eval`` (emcee); ``gradient_evals_lockstep`` counts the gradients actually computed
(each lock-step transition costs the longest trajectory of all chains).  With the measured cost
of a value+gradient relative to a value (``benchmarks/results/amu_throughput.jsonl``,
``grad_cost_ratio``), ``ess_per_value_eval_equiv`` compares the samplers per unit of model work.

emcee is an optional benchmark dependency (``pip install emcee``).  Results are printed and
appended as one JSON line to ``benchmarks/results/nuts_vs_emcee.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import time
import warnings

import numpy as np

from _results import append_result, environment, pin_cores  # benchmarks/_results.py (the script's folder is on sys.path)

HERE = pathlib.Path(__file__).parent


def _grad_cost_ratio() -> float | None:
    """Latest measured (value+gradient)/value cost ratio of the MSSM a_l (amu_throughput.py)."""
    path = HERE / "results" / "amu_throughput.jsonl"
    if not path.exists():
        return None
    ratios = [json.loads(line).get("grad_cost_ratio") for line in path.read_text().splitlines() if line.strip()]
    ratios = [r for r in ratios if r]
    return float(ratios[-1]) if ratios else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(HERE.parent / "fits" / "mssm_heavy_smuR.toml"))
    ap.add_argument("--chains", type=int, default=16)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--max-tree-depth", type=int, default=None, help="default: the config's [sample] value")
    ap.add_argument("--target-accept", type=float, default=None, help="default: the config's [sample] value")
    ap.add_argument("--diagonal-mass", action="store_true", help="diagonal instead of dense mass matrix")
    ap.add_argument("--no-pool", action="store_true", help="keep numpyro's per-chain adaptation")
    ap.add_argument("--walkers", default="32,128", help="comma-separated emcee walker counts")
    ap.add_argument("--emcee-steps", type=int, default=3000)
    ap.add_argument("--emcee-burn", type=float, default=0.3, help="fraction of emcee steps discarded")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cores", type=int, default=0, help="pin to this many CPU cores (0 = no pinning)")
    ap.add_argument("--note", default="", help="free text stored with the result")
    ap.add_argument("--out", default=str(HERE / "results" / "nuts_vs_emcee.jsonl"))
    args = ap.parse_args()
    pin_cores(args.cores)

    import jax
    import jax.numpy as jnp

    from gm2jax.config import load_config
    from gm2jax.fit import run_fit
    from gm2jax.sample import run_nuts

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
    try:
        import emcee
    except ImportError:
        raise SystemExit("emcee is not installed: pip install emcee (optional benchmark dependency)") from None

    jax.config.update("jax_enable_x64", True)
    sample_opts = {"chains": args.chains, "warmup": args.warmup, "samples": args.samples, "seed": args.seed}
    if args.max_tree_depth is not None:
        sample_opts["max_tree_depth"] = args.max_tree_depth
    if args.target_accept is not None:
        sample_opts["target_accept"] = args.target_accept
    cfg = load_config(args.config).replace(sample=sample_opts)
    problem = cfg.problem()
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    best = run_fit(cfg, hessian=False, profiles=False).x
    rec = {
        **environment("nuts_vs_emcee"),
        "loadavg_1_5_15_before": load_before,
        "emcee": emcee.__version__,
        "config": cfg.name,
        "ndim": problem.ndim,
        "best_fit": best.tolist(),
        "note": args.note,
    }

    # ---- NUTS ------------------------------------------------------------------------------
    r = run_nuts(cfg, init=best, dense_mass=not args.diagonal_mass, pool_adaptation=not args.no_pool)
    w = r.wall_time
    run_s = w["warmup"] + w["sampling"]
    rec["nuts"] = {
        "settings": {**dict(r.settings), "chains": args.chains, "warmup": args.warmup, "samples": args.samples,
                     "target_accept": cfg.sample.target_accept, "chain_method": "vectorized (lock-step)"},
        "min_ess_bulk": r.min_ess_bulk,
        "max_r_hat": r.max_r_hat,
        "divergences": r.divergences,
        "gradient_evals": r.n_gradient_evals,
        "gradient_evals_lockstep": r.n_gradient_evals_lockstep,
        "gradient_evals_warmup": r.n_gradient_evals_warmup,
        "gradient_evals_per_s_sampling": r.n_gradient_evals / w["sampling"],
        "gradient_evals_lockstep_per_s_sampling": r.n_gradient_evals_lockstep / w["sampling"],
        "ess_per_gradient_eval": r.min_ess_bulk / max(r.n_gradient_evals, 1),
        "ess_per_s_sampling": r.ess_per_second,
        "ess_per_cpu_s_sampling": r.min_ess_bulk / w["sampling_cpu"],
        "ess_per_s_run": r.min_ess_bulk / run_s,
        "ess_per_s_total": r.min_ess_bulk / w["total"],
        "wall_s": w,
        "mean": {n: r.summary[n]["mean"] for n in problem.names},
        "sd": {n: r.summary[n]["sd"] for n in problem.names},
    }

    # ---- emcee -----------------------------------------------------------------------------
    def logp(x):
        return problem.log_prior(x) + problem.loglike(x)

    logp_batch = jax.jit(jax.vmap(logp))
    u0 = np.asarray(problem.to_unconstrained(jnp.asarray(best)))
    runs = []
    for walkers in [int(v) for v in args.walkers.split(",") if v.strip()]:
        rng = np.random.default_rng(args.seed)
        p0 = np.asarray(jax.vmap(problem.from_unconstrained)(jnp.asarray(u0 + 0.02 * rng.standard_normal((walkers, problem.ndim)))))
        t = time.perf_counter()
        np.asarray(logp_batch(jnp.asarray(p0)))
        np.asarray(logp_batch(jnp.asarray(p0[: walkers // 2])))  # the stretch move evaluates half-ensembles
        compile_s = time.perf_counter() - t
        counter = {"n": 0}

        def lp(xs, counter=counter):
            counter["n"] += len(xs)
            return np.asarray(logp_batch(jnp.asarray(xs)))

        sampler = emcee.EnsembleSampler(walkers, problem.ndim, lp, vectorize=True)
        sampler.random_state = np.random.RandomState(args.seed).get_state()
        burn = int(args.emcee_burn * args.emcee_steps)
        t = time.perf_counter()
        state = sampler.run_mcmc(p0, burn, progress=False)
        t_burn = time.perf_counter() - t
        evals_burn = counter["n"]
        sampler.reset()
        t, c = time.perf_counter(), time.process_time()
        sampler.run_mcmc(state, args.emcee_steps - burn, progress=False)
        t_samp, c_samp = time.perf_counter() - t, time.process_time() - c
        evals_samp = counter["n"] - evals_burn
        chain = sampler.get_chain()  # (steps, walkers, ndim)
        post = {n: chain[:, :, i].T for i, n in enumerate(problem.names)}  # (walkers, steps) as chains
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ess = {n: float(az.ess(post[n])) for n in problem.names}
            rhat = {n: float(az.rhat(post[n])) for n in problem.names}
        try:
            tau = sampler.get_autocorr_time(quiet=True).tolist()
        except Exception:  # noqa: BLE001 -- chain too short for a reliable tau
            tau = None
        min_ess = min(ess.values())
        n_kept = (args.emcee_steps - burn) * walkers
        ess_tau = float(n_kept / max(tau)) if tau else None
        ess_used = max(min_ess, ess_tau or 0.0)
        runs.append({
            "walkers": walkers,
            "steps": args.emcee_steps,
            "burn": burn,
            "log_prob_evals": counter["n"],
            "log_prob_evals_sampling": evals_samp,
            "log_prob_evals_per_s_sampling": evals_samp / t_samp,
            "acceptance": float(np.mean(sampler.acceptance_fraction)),
            "min_ess_bulk_walkers_as_chains": min_ess,
            "ess_from_autocorr_time": ess_tau,
            "autocorr_time": tau,
            "ess_used": ess_used,
            "max_r_hat_walkers_as_chains": max(rhat.values()),
            "ess_per_logp_eval": ess_used / max(evals_samp, 1),
            "ess_per_s_sampling": ess_used / t_samp,
            "ess_per_cpu_s_sampling": ess_used / c_samp,
            "ess_bulk_per_s_sampling": min_ess / t_samp,
            "ess_tau_per_s_sampling": (ess_tau / t_samp) if ess_tau else None,
            "ess_per_s_run": ess_used / (t_burn + t_samp),
            "ess_per_s_total": ess_used / (t_samp + t_burn + compile_s),
            "wall_s": {"compile": compile_s, "burn": t_burn, "sampling": t_samp, "sampling_cpu": c_samp},
            "mean": {n: float(post[n].mean()) for n in problem.names},
            "sd": {n: float(post[n].std()) for n in problem.names},
        })
    rec["emcee_runs"] = runs
    E = max(runs, key=lambda e: e["ess_per_s_sampling"])
    rec["emcee_best_walkers"] = E["walkers"]
    N = rec["nuts"]
    rec["ratio_nuts_over_emcee_ess_per_s_sampling"] = N["ess_per_s_sampling"] / E["ess_per_s_sampling"]
    rec["ratio_nuts_over_emcee_ess_per_cpu_s_sampling"] = N["ess_per_cpu_s_sampling"] / max(
        e["ess_per_cpu_s_sampling"] for e in runs)
    rec["ratio_nuts_over_emcee_ess_per_s_run"] = N["ess_per_s_run"] / max(e["ess_per_s_run"] for e in runs)
    rec["ratio_nuts_over_emcee_ess_per_s_total"] = N["ess_per_s_total"] / max(e["ess_per_s_total"] for e in runs)
    rec["ratio_vs_emcee_by_walkers_sampling"] = {str(e["walkers"]): N["ess_per_s_sampling"] / e["ess_per_s_sampling"] for e in runs}
    gcr = _grad_cost_ratio()
    rec["grad_cost_ratio"] = gcr
    if gcr:
        rec["ess_per_value_eval_equiv_nuts"] = N["ess_per_gradient_eval"] / gcr
        rec["ess_per_value_eval_equiv_nuts_lockstep"] = r.min_ess_bulk / max(r.n_gradient_evals_lockstep, 1) / gcr
    rec["ess_per_logp_eval_emcee"] = E["ess_per_logp_eval"]
    rec["loadavg_1_5_15_after"] = os.getloadavg() if hasattr(os, "getloadavg") else None

    print(f"{cfg.name}: {problem.ndim} free parameters; load {rec['loadavg_1_5_15_before']} -> {rec['loadavg_1_5_15_after']}")
    print(f"  NUTS : {args.chains} chains x {args.samples} (+{args.warmup} warm-up), max tree depth {cfg.sample.max_tree_depth}, "
          f"{'diagonal' if args.diagonal_mass else 'dense'} mass, pooled={not args.no_pool}: min ESS {N['min_ess_bulk']:.0f}, "
          f"max R-hat {N['max_r_hat']:.4f}, {N['divergences']} divergences")
    print(f"         {N['gradient_evals']} gradient evals ({N['gradient_evals_lockstep']} computed in lock-step): "
          f"{N['gradient_evals_per_s_sampling']:.0f}/s ({N['gradient_evals_lockstep_per_s_sampling']:.0f}/s computed), "
          f"ESS/grad {N['ess_per_gradient_eval']:.4f}")
    print(f"         sampling {w['sampling']:.2f} s -> {N['ess_per_s_sampling']:.0f} ESS/s; warm-up+sampling "
          f"{run_s:.2f} s -> {N['ess_per_s_run']:.0f} ESS/s; total {w['total']:.1f} s (init {w['kernel_init']:.1f}, "
          f"compile {w['compile']:.1f}, postprocess {w['postprocess']:.1f}) -> {N['ess_per_s_total']:.1f} ESS/s")
    for e in runs:
        print(f"  emcee: {e['walkers']} walkers x {e['steps'] - e['burn']} (+{e['burn']} burn-in): ESS bulk "
              f"{e['min_ess_bulk_walkers_as_chains']:.0f}, from tau {e['ess_from_autocorr_time'] or float('nan'):.0f}, "
              f"acceptance {e['acceptance']:.2f}, {e['log_prob_evals_per_s_sampling']:.0f} logp/s, "
              f"ESS/logp {e['ess_per_logp_eval']:.4f}")
        print(f"         sampling {e['wall_s']['sampling']:.2f} s -> {e['ess_per_s_sampling']:.0f} ESS/s; total "
              f"{sum(e['wall_s'].values()):.1f} s -> {e['ess_per_s_total']:.1f} ESS/s")
    print(f"  NUTS / best emcee ({E['walkers']} walkers) ESS/s: sampling {rec['ratio_nuts_over_emcee_ess_per_s_sampling']:.2f} "
          f"(per CPU second {rec['ratio_nuts_over_emcee_ess_per_cpu_s_sampling']:.2f}), "
          f"warm-up+sampling {rec['ratio_nuts_over_emcee_ess_per_s_run']:.2f}, total {rec['ratio_nuts_over_emcee_ess_per_s_total']:.2f}")
    if gcr:
        print(f"  per unit model work (gradient = {gcr:.2f} values): NUTS {rec['ess_per_value_eval_equiv_nuts']:.4f} "
              f"({rec['ess_per_value_eval_equiv_nuts_lockstep']:.4f} incl. lock-step idle work) vs emcee "
              f"{rec['ess_per_logp_eval_emcee']:.4f} ESS per value evaluation")
    print("  posterior mean +- sd  NUTS | emcee:")
    for n in problem.names:
        print(f"    {n:>10s}: {N['mean'][n]:.5g} +- {N['sd'][n]:.3g} | {E['mean'][n]:.5g} +- {E['sd'][n]:.3g}")
    out = append_result(args.out, rec)
    print(f"appended to {out}")


if __name__ == "__main__":
    main()
