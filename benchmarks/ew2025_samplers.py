"""12-D MSSM electroweak posterior (fits/mssm_ew_2025.toml): NUTS per mode vs emcee, dynesty, UltraNest.

Usage::

    python benchmarks/ew2025_samplers.py [--config fits/mssm_ew_2025.toml] [--loops 1]
        [--chains-per-mode 4] [--warmup 300] [--samples 300] [--max-modes 4]
        [--emcee-steps 3000] [--nlive 200] [--max-calls 300000] [--cores 1]

All samplers target the *same* posterior: the config's normalised priors times
L = exp(-chi^2/2) (failed points: L = 0).

Modes (why chains per mode and not one reparametrisation): the sign patterns of (mu, M1, M2)
are separated by the LEP chargino wall at mu, M2 ~ 0 (a ridge of chi^2 ~ (100 GeV/2 GeV)^2),
which no smooth bijection removes without distorting the likelihood; a gradient sampler
started in one pattern never crosses it.  So gm2jax.analysis.find_modes locates every
pattern's minimum, NUTS runs ``--chains-per-mode`` chains from each of the ``--max-modes``
best modes in ONE vectorized numpyro run (one compilation; per-chain adaptation), and the
modes are weighted by their Laplace evidences (gm2jax.analysis.laplace / mode_weights), which
the nested samplers' evidence checks.

Reported: per mode R-hat and bulk ESS (ArviZ), NUTS sampling wall time with compilation
(first warm-up call) apart, ESS/s and ESS per likelihood-equivalent evaluation (a gradient
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
    ap.add_argument("--per-pattern", type=int, default=2, help="find_modes starts per sign pattern")
    ap.add_argument("--mode-steps", type=int, default=1000)
    ap.add_argument("--max-modes", type=int, default=4)
    ap.add_argument("--chains-per-mode", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--tree-depth", type=int, default=6)
    ap.add_argument("--emcee-steps", type=int, default=3000)
    ap.add_argument("--nlive", type=int, default=200)
    ap.add_argument("--max-calls", type=int, default=300000, help="likelihood-call cap of each nested sampler")
    ap.add_argument("--skip", default="", help="comma list of samplers to skip: emcee,dynesty,ultranest")
    ap.add_argument("--vacuum", action="store_true", help="add gm2jax.analysis.with_vacuum_stability (e, mu, tau)")
    ap.add_argument("--cores", type=int, default=0)
    ap.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "ew2025_samplers.jsonl"))
    args = ap.parse_args()
    pin_cores(args.cores)
    skip = set(filter(None, args.skip.split(",")))

    import arviz as az
    import jax
    import jax.numpy as jnp
    from numpyro.infer import MCMC, NUTS

    from gm2jax import analysis as an
    from gm2jax.config import load_config

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
    f_vg(u_test)[0].block_until_ready()
    reps = 50
    t = time.perf_counter()
    for _ in range(reps):
        f_val(u_test).block_until_ready()
    t_val = (time.perf_counter() - t) / reps
    t = time.perf_counter()
    for _ in range(reps):
        f_vg(u_test)[0].block_until_ready()
    t_vg = (time.perf_counter() - t) / reps
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

    if "emcee" not in skip:
        import emcee

        nw = 4 * d
        x0 = np.asarray(pr.sample_prior(jax.random.key(args.seed + 7), nw))
        sampler = emcee.EnsembleSampler(nw, d, lambda xx: np.asarray(lp_batch(jnp.asarray(xx))), vectorize=True)
        lp_batch(jnp.asarray(x0)).block_until_ready()
        t = time.perf_counter()
        sampler.run_mcmc(x0, args.emcee_steps, progress=False)
        t_em = time.perf_counter() - t
        burn = args.emcee_steps // 3
        chain = sampler.get_chain(discard=burn)
        tau = emcee.autocorr.integrated_time(chain, tol=0)
        ess = chain.shape[0] * chain.shape[1] / float(np.max(tau))
        xf = chain.reshape(-1, d)
        signs = {tuple(np.sign(r[idx]).astype(int)) for r in xf[:: max(1, len(xf) // 2000)]}
        rec["emcee"] = {"method": f"emcee {emcee.__version__}, {nw} walkers from the prior, stretch move, 1/3 burn-in",
                        "steps": args.emcee_steps, "wall_s": t_em, "likelihood_calls": nw * args.emcee_steps,
                        "max_tau": float(np.max(tau)), "ess": ess, "ess_per_s": ess / t_em,
                        "ess_per_value_equiv_eval": ess / (nw * args.emcee_steps),
                        "sign_patterns_visited": len(signs), "acceptance": float(np.mean(sampler.acceptance_fraction))}

    if "dynesty" not in skip:
        import dynesty

        calls = {"n": 0}

        def ll(x):
            calls["n"] += 1
            return float(ll_batch(jnp.asarray(x)[None, :])[0])

        t = time.perf_counter()
        ns = dynesty.NestedSampler(ll, lambda cc: transform(cc)[0], d, nlive=args.nlive, bound="multi", sample="rwalk",
                                   rstate=np.random.default_rng(args.seed))
        ns.run_nested(maxcall=args.max_calls, print_progress=False)
        t_dy = time.perf_counter() - t
        res = ns.results
        wts = np.exp(res.logwt - res.logz[-1])
        ess = _kish(wts)
        rec["dynesty"] = {"method": f"dynesty {dynesty.__version__} static, nlive {args.nlive}, multi + rwalk",
                          "wall_s": t_dy, "likelihood_calls": int(np.sum(res.ncall)), "log_evidence": float(res.logz[-1]),
                          "log_evidence_err": float(res.logzerr[-1]), "ess": ess, "ess_per_s": ess / t_dy,
                          "ess_per_value_equiv_eval": ess / max(int(np.sum(res.ncall)), 1),
                          "hit_call_cap": int(np.sum(res.ncall)) >= args.max_calls}

    if "ultranest" not in skip:
        import ultranest
        import ultranest.stepsampler as uss

        def ll_vec(x):
            return np.asarray(ll_batch(jnp.asarray(x)))

        t = time.perf_counter()
        un = ultranest.ReactiveNestedSampler(list(pr.names), ll_vec, transform, vectorized=True)
        un.stepsampler = uss.SliceSampler(nsteps=2 * d, generate_direction=uss.generate_mixture_random_direction)
        r = un.run(min_num_live_points=args.nlive, max_ncalls=args.max_calls, show_status=False, viz_callback=False)
        t_un = time.perf_counter() - t
        rec["ultranest"] = {"method": f"UltraNest {ultranest.__version__}, {args.nlive} live points, slice sampler 2d steps",
                            "wall_s": t_un, "likelihood_calls": int(r["ncall"]), "log_evidence": float(r["logz"]),
                            "log_evidence_err": float(r["logzerr"]), "ess": float(r["ess"]), "ess_per_s": float(r["ess"]) / t_un,
                            "ess_per_value_equiv_eval": float(r["ess"]) / max(int(r["ncall"]), 1),
                            "hit_call_cap": int(r["ncall"]) >= args.max_calls}

    # ---- modes and Laplace weights ----------------------------------------------------------------
    t = time.perf_counter()
    modes, info = an.find_modes(pr, starts_per_pattern=args.per_pattern, steps=args.mode_steps, seed=args.seed)
    rec["find_modes_s"] = time.perf_counter() - t
    modes = modes[: args.max_modes]
    laps = [an.laplace(pr, m.u) for m in modes]
    logz = np.array([lp.log_evidence for lp in laps])
    w = an.mode_weights(logz)
    rec["modes"] = [{"label": m.label, "chi2": m.chi2, "laplace_log_evidence": float(lz), "weight": float(wk)}
                    for m, lz, wk in zip(modes, logz, w, strict=True)]
    rec["laplace_log_evidence_total"] = float(np.log(np.sum(np.exp(logz - logz.max()))) + logz.max())

    # ---- NUTS: chains per mode, one vectorized run --------------------------------------------------
    k = len(modes)
    c = args.chains_per_mode
    rng = np.random.default_rng(args.seed)
    u_init = np.concatenate([lp.u[None, :] + 0.02 * rng.standard_normal((c, d)) for lp in laps])
    kernel = NUTS(potential_fn=phi, max_tree_depth=args.tree_depth, dense_mass=True)
    mcmc = MCMC(kernel, num_warmup=args.warmup, num_samples=args.samples, num_chains=k * c, chain_method="vectorized", progress_bar=False)
    t = time.perf_counter()
    mcmc.warmup(jax.random.key(args.seed), init_params=jnp.asarray(u_init), extra_fields=("num_steps",), collect_warmup=False)
    t_warm = time.perf_counter() - t
    t = time.perf_counter()
    mcmc.run(mcmc.post_warmup_state.rng_key, extra_fields=("num_steps",))
    t_samp = time.perf_counter() - t
    us = np.asarray(mcmc.get_samples(group_by_chain=True))  # (k c, S, d)
    steps = np.asarray(mcmc.get_extra_fields(group_by_chain=True)["num_steps"])  # (k c, S)
    xs = np.asarray(jax.vmap(jax.vmap(pr.from_unconstrained))(jnp.asarray(us)))
    n_grad = int(steps.sum())
    n_grad_lockstep = int(steps.max(axis=0).sum() * k * c)
    per_mode, ess_modes = [], []
    for j, m in enumerate(modes):
        xm = xs[j * c:(j + 1) * c]
        ds = az.convert_to_dataset({n: xm[..., i] for i, n in enumerate(pr.names)})
        rhat = float(az.rhat(ds).to_array().max())
        ess = float(az.ess(ds, method="bulk").to_array().min())
        pat = np.array([m.signs[s] for s in m.signs])
        stay = float(np.mean(np.all(np.sign(xm[..., idx]) == pat, axis=-1)))
        per_mode.append({"label": m.label, "max_r_hat": rhat, "min_ess_bulk": ess, "fraction_in_pattern": stay})
        ess_modes.append(ess)
    rec["nuts"] = {
        "method": f"numpyro NUTS, {c} chains x {k} modes vectorized, dense mass, max_tree_depth {args.tree_depth}",
        "warmup": args.warmup, "samples": args.samples,
        "warmup_incl_compile_s": t_warm, "sampling_s": t_samp,
        "gradient_evals": n_grad, "gradient_evals_lockstep": n_grad_lockstep,
        "per_mode": per_mode,
        "min_ess_over_modes": float(min(ess_modes)), "sum_min_ess_over_modes": float(sum(ess_modes)),
        "ess_per_s": float(min(ess_modes)) / t_samp,
        "ess_per_value_equiv_eval": float(min(ess_modes)) / (n_grad_lockstep * t_vg / t_val),
        "max_r_hat": float(max(p["max_r_hat"] for p in per_mode)),
    }

    others = [rec[s]["ess_per_s"] for s in ("emcee", "dynesty", "ultranest") if s in rec]
    if others:
        rec["ratio_nuts_over_best_other_ess_per_s"] = rec["nuts"]["ess_per_s"] / max(others)
        rec["ratio_nuts_over_best_other_ess_per_eval"] = rec["nuts"]["ess_per_value_equiv_eval"] / max(
            rec[s]["ess_per_value_equiv_eval"] for s in ("emcee", "dynesty", "ultranest") if s in rec)

    print(f"{cfg.name}: {d} parameters, loops={cfg.loops}; value {1e3 * t_val:.3f} ms, value+grad {1e3 * t_vg:.3f} ms")
    for m in rec["modes"]:
        print(f"  mode {m['label']}: chi2 {m['chi2']:.3f}, Laplace ln Z {m['laplace_log_evidence']:.3f}, weight {m['weight']:.3f}")
    print(f"  NUTS: {rec['nuts']['per_mode']}")
    for s in ("nuts", "emcee", "dynesty", "ultranest"):
        if s in rec:
            r = rec[s]
            print(f"  {s:10s} ESS/s {r['ess_per_s']:.3g}  ESS/eval {r['ess_per_value_equiv_eval']:.3g}  ln Z {r.get('log_evidence', '-')}")
    if not math.isnan(rec.get("ratio_nuts_over_best_other_ess_per_s", math.nan)):
        print(f"  NUTS / best other ESS/s = {rec['ratio_nuts_over_best_other_ess_per_s']:.2f}")
    print(f"appended to {append_result(args.out, rec)}")


if __name__ == "__main__":
    main()
