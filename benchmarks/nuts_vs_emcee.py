"""Posterior sampling efficiency: gm2jax's numpyro NUTS vs emcee, in effective samples per second.

Usage::

    python benchmarks/nuts_vs_emcee.py [--config fits/mssm_heavy_smuR.toml] [--chains 4] [--warmup 300]
                                       [--samples 1000] [--walkers 32] [--emcee-steps 3000] [--cores 1]

Both samplers target the same posterior: the config's priors times its likelihood
(``Problem.log_prior + Problem.loglike``; -inf outside the prior ranges and at failed points).
NUTS: :func:`gm2jax.sample.run_nuts` (vectorized chains from the best fit).  emcee: the
affine-invariant ensemble sampler (``vectorize=True`` on a jitted, vmapped log density), walkers
started in a small ball around the same best fit, the first ``--emcee-burn`` fraction discarded.
ESS: ArviZ bulk ESS (minimum over the free parameters; emcee walkers treated as chains, which
is optimistic for emcee -- its integrated autocorrelation time is also reported).  ESS/s uses
the sampling wall time after warm-up/burn-in and compilation; the totals are also recorded.

emcee is an optional benchmark dependency (``pip install emcee``).  Results are printed and
appended as one JSON line to ``benchmarks/results/nuts_vs_emcee.jsonl``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import time
import warnings

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(pathlib.Path(__file__).parent.parent / "fits" / "mssm_heavy_smuR.toml"))
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--walkers", type=int, default=32)
    ap.add_argument("--emcee-steps", type=int, default=3000)
    ap.add_argument("--emcee-burn", type=float, default=0.3, help="fraction of emcee steps discarded")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cores", type=int, default=0, help="pin to this many CPU cores (0 = no pinning)")
    ap.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "nuts_vs_emcee.jsonl"))
    args = ap.parse_args()
    if args.cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: args.cores]))

    import jax
    import jax.numpy as jnp

    import gm2jax
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
    cfg = load_config(args.config).replace(sample={"chains": args.chains, "warmup": args.warmup, "samples": args.samples, "seed": args.seed})
    problem = cfg.problem()
    best = run_fit(cfg, hessian=False, profiles=False).x
    rec = {
        "benchmark": "nuts_vs_emcee",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "jax": jax.__version__,
        "emcee": emcee.__version__,
        "gm2jax": gm2jax.__version__,
        "config": cfg.name,
        "ndim": problem.ndim,
        "best_fit": best.tolist(),
    }

    # ---- NUTS ------------------------------------------------------------------------------
    r = run_nuts(cfg, init=best)
    rec["nuts"] = {
        "chains": args.chains,
        "warmup": args.warmup,
        "samples": args.samples,
        "min_ess_bulk": r.min_ess_bulk,
        "max_r_hat": r.max_r_hat,
        "divergences": r.divergences,
        "gradient_evals": r.n_gradient_evals,
        "ess_per_s_sampling": r.ess_per_second,
        "ess_per_s_total": r.min_ess_bulk / r.wall_time["total"],
        "wall_s": r.wall_time,
        "mean": {n: r.summary[n]["mean"] for n in problem.names},
        "sd": {n: r.summary[n]["sd"] for n in problem.names},
    }

    # ---- emcee -----------------------------------------------------------------------------
    def logp(x):
        return problem.log_prior(x) + problem.loglike(x)

    logp_batch = jax.jit(jax.vmap(logp))
    rng = np.random.default_rng(args.seed)
    u0 = np.asarray(problem.to_unconstrained(jnp.asarray(best)))
    p0 = np.asarray(jax.vmap(problem.from_unconstrained)(jnp.asarray(u0 + 0.02 * rng.standard_normal((args.walkers, problem.ndim)))))
    t = time.perf_counter()
    np.asarray(logp_batch(jnp.asarray(p0)))
    compile_s = time.perf_counter() - t
    counter = {"n": 0}

    def lp(xs):
        counter["n"] += len(xs)
        return np.asarray(logp_batch(jnp.asarray(xs)))

    sampler = emcee.EnsembleSampler(args.walkers, problem.ndim, lp, vectorize=True)
    burn = int(args.emcee_burn * args.emcee_steps)
    t = time.perf_counter()
    state = sampler.run_mcmc(p0, burn, progress=False)
    t_burn = time.perf_counter() - t
    sampler.reset()
    t = time.perf_counter()
    sampler.run_mcmc(state, args.emcee_steps - burn, progress=False)
    t_samp = time.perf_counter() - t
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
    n_kept = (args.emcee_steps - burn) * args.walkers
    ess_tau = float(n_kept / max(tau)) if tau else None
    rec["emcee"] = {
        "walkers": args.walkers,
        "steps": args.emcee_steps,
        "burn": burn,
        "log_prob_evals": counter["n"],
        "acceptance": float(np.mean(sampler.acceptance_fraction)),
        "min_ess_bulk_walkers_as_chains": min_ess,
        "ess_from_autocorr_time": ess_tau,
        "autocorr_time": tau,
        "max_r_hat_walkers_as_chains": max(rhat.values()),
        "ess_per_s_sampling": min_ess / t_samp,
        "ess_tau_per_s_sampling": (ess_tau / t_samp) if ess_tau else None,
        "ess_per_s_total": min_ess / (t_samp + t_burn + compile_s),
        "wall_s": {"compile": compile_s, "burn": t_burn, "sampling": t_samp},
        "mean": {n: float(post[n].mean()) for n in problem.names},
        "sd": {n: float(post[n].std()) for n in problem.names},
    }
    rec["ratio_nuts_over_emcee_ess_per_s_sampling"] = rec["nuts"]["ess_per_s_sampling"] / rec["emcee"]["ess_per_s_sampling"]
    rec["ratio_nuts_over_emcee_ess_per_s_total"] = rec["nuts"]["ess_per_s_total"] / rec["emcee"]["ess_per_s_total"]
    rec["ess_per_gradient_eval_nuts"] = r.min_ess_bulk / max(r.n_gradient_evals, 1)
    rec["ess_per_logp_eval_emcee"] = min_ess / max(counter["n"], 1)

    N, E = rec["nuts"], rec["emcee"]
    print(f"{cfg.name}: {problem.ndim} free parameters")
    print(f"  NUTS : {args.chains} chains x {args.samples} (+{args.warmup} warm-up): min ESS {N['min_ess_bulk']:.0f}, "
          f"max R-hat {N['max_r_hat']:.4f}, {N['divergences']} divergences, {N['gradient_evals']} gradient evals")
    print(f"         sampling {N['wall_s']['sampling']:.2f} s -> {N['ess_per_s_sampling']:.1f} ESS/s; "
          f"total {N['wall_s']['total']:.1f} s (incl. compile + warm-up) -> {N['ess_per_s_total']:.2f} ESS/s")
    print(f"  emcee: {args.walkers} walkers x {args.emcee_steps - burn} (+{burn} burn-in): min ESS {min_ess:.0f} "
          f"(walkers as chains; from tau: {ess_tau if ess_tau is None else round(ess_tau)}), acceptance {E['acceptance']:.2f}")
    print(f"         sampling {t_samp:.2f} s -> {E['ess_per_s_sampling']:.1f} ESS/s; total {t_samp + t_burn + compile_s:.1f} s "
          f"-> {E['ess_per_s_total']:.2f} ESS/s")
    print(f"  NUTS / emcee ESS/s: sampling {rec['ratio_nuts_over_emcee_ess_per_s_sampling']:.2f}, "
          f"total {rec['ratio_nuts_over_emcee_ess_per_s_total']:.2f}")
    print("  posterior mean +- sd  NUTS | emcee:")
    for n in problem.names:
        print(f"    {n:>10s}: {N['mean'][n]:.5g} +- {N['sd'][n]:.3g} | {E['mean'][n]:.5g} +- {E['sd'][n]:.3g}")
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as fh:
        fh.write(json.dumps(rec) + "\n")
    print(f"appended to {out}")


if __name__ == "__main__":
    main()
