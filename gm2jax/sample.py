"""Posterior sampling with numpyro NUTS; results as ArviZ InferenceData.

The model (:func:`make_model`) is a plain numpyro function: one ``numpyro.sample`` per free
parameter with the prior of the config (Uniform, LogUniform, (Truncated)Normal), the model
prediction, ``numpyro.deterministic`` sites for every derived parameter, a_l and each
contribution (``a_mu_neutralino``, ...) and the lightest masses, and one
``numpyro.factor("loglike", ...)`` carrying the likelihood -- ``-inf`` for failed points
(status != 0) with a finite (zero) gradient, so NUTS rejects them as divergent.

The kernel is chosen outside the model (:func:`run_nuts`): numpyro's NUTS kernel, several
chains vectorized in lock-step (one ``vmap``-ed transition), started near the best fit (the
best fit scattered by ``init_jitter`` in the unconstrained space of :mod:`gm2jax.priors`).
The driver is ours, not ``numpyro.infer.MCMC``: one compiled loop of up to ``block``
transitions serves warm-up and sampling (numpyro's kernel switches from adaptation to
sampling by its step counter), so there is no per-transition Python dispatch and no second
compilation; the deterministic sites are computed once, batched, after sampling.  Defaults
that measurably raise the effective samples per second on the arXiv:1908.03607 posteriors
(``benchmarks/nuts_vs_emcee.py``, ``benchmarks/results/nuts_vs_emcee.jsonl``): a dense mass
matrix, and the warm-up adaptation pooled over the chains (chain-averaged mass matrix,
geometric-mean step size) before sampling.  Results: :class:`SampleResult` with the
InferenceData (config, gm2jax version and git hash in ``attrs``), a summary with R-hat,
bulk/tail ESS and divergences, ESS per second and the gradient-evaluation counts.

Throughput notes (CPU): the lock-step chains cost the longest trajectory of all chains per
transition, so many chains pay off only with a small ``max_tree_depth`` (3 for the arXiv:1908.03607
posteriors: <= 7 leapfrog steps); 16 chains already saturate one core.
"""

from __future__ import annotations

import dataclasses
import math
import os
import pathlib
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import numpyro
from numpyro.distributions.transforms import biject_to
from numpyro.infer import NUTS
from numpyro.infer.hmc_util import _initialize_mass_matrix

from gm2jax import __version__, labels, plot
from gm2jax.config import FitConfig, load_config
from gm2jax.errors import InvalidInput
from gm2jax.fit import run_fit
from gm2jax.inference_data import arviz as _arviz
from gm2jax.inference_data import build_inference_data, lower_pointwise
from gm2jax.priors import prior_distribution
from gm2jax.problem import Problem
from gm2jax.progress import as_progress


def make_model(problem: Problem, shared: bool = False):
    """The numpyro model of a :class:`gm2jax.problem.Problem`: ``model(obs=None)``.

    ``obs`` optionally maps observables (``"a_mu"``) to replacement central values (toy
    studies); None uses the dataset.  ``shared``: the log-likelihood factor and its gradient come
    from :meth:`Problem.shared_loglike` (one compiled program, also the fit's; not with ``obs``).
    """
    shared_loglike = problem.shared_loglike() if shared else None
    specs = problem.config.free
    outputs = problem.outputs()
    derived = tuple(problem.config.derived)
    params = problem.model.parameters
    # a prediction key that is also a free or derived parameter (lmutau: M_Zp, g_X) is recorded once
    recorded = {p.name for p in specs} | set(derived)

    def predict(values):
        return problem.predict_values(values)

    def model(obs=None):
        lik = problem.likelihood
        if obs is not None:
            lik = type(lik)(terms=tuple(_with_value(t, obs) for t in lik.terms), chi2_failed=lik.chi2_failed)
        x = jnp.stack([numpyro.sample(p.name, prior_distribution(p)) for p in specs])
        values = problem.values(x)
        for n in derived:
            numpyro.deterministic(n, values[n])
        pred = predict({k: v for k, v in values.items() if k in params})
        for k in outputs:
            if k not in recorded:
                numpyro.deterministic(k, pred[k])
        if shared and obs is None:
            numpyro.factor("loglike", shared_loglike(x))
        else:
            numpyro.factor("loglike", lik.loglike(pred))

    return model


def _with_value(term, obs):
    key = getattr(term, "observable", None)
    if isinstance(key, str) and key in obs:
        return eqx.tree_at(lambda t: t.value, term, jnp.asarray(obs[key], dtype=jnp.float64))
    return term


@dataclasses.dataclass
class SampleResult:
    """Outcome of :func:`run_nuts`.

    Attributes:
        idata: ``arviz.InferenceData`` (posterior incl. deterministic sites, sample_stats).
        summary: variable -> {mean, sd, hdi_3%, hdi_97%, r_hat, ess_bulk, ess_tail, ...}.
        divergences: number of divergent transitions after warm-up.
        max_r_hat: largest R-hat over the free parameters.
        min_ess_bulk: smallest bulk ESS over the free parameters.
        ess_per_second: min_ess_bulk / sampling wall time (warm-up and compilation excluded).
        n_gradient_evals: leapfrog steps (gradient evaluations) after warm-up, all chains.
        wall_time: seconds by phase: ``fit`` (only when no ``init`` was given), ``trace``
            (tracing the model, kernel initialisation, transition loop, post-processing),
            ``compile`` (their compilation, concurrently), ``kernel_init`` (running it),
            ``warmup`` and ``sampling`` (run time only; ``warmup_cpu`` and ``sampling_cpu``: the
            process CPU time of the same phases, robust on a shared machine), ``postprocess``
            (deterministic sites, ArviZ, summary), ``total``.
        init: the per-chain starting points (physical), (chains, n).
        config: the config.
        n_gradient_evals_warmup: leapfrog steps in warm-up, all chains.
        n_gradient_evals_lockstep: gradient evaluations actually computed after warm-up: the
            vectorized chains advance in lock-step, so each transition costs the longest
            trajectory of all chains times the number of chains.
        settings: kernel settings used (mass matrix, target acceptance, tree depth, block).
    """

    idata: object
    summary: dict
    divergences: int
    max_r_hat: float
    min_ess_bulk: float
    ess_per_second: float
    n_gradient_evals: int
    wall_time: dict
    init: np.ndarray
    config: FitConfig = dataclasses.field(repr=False)
    n_gradient_evals_warmup: int = 0
    n_gradient_evals_lockstep: int = 0
    settings: dict = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready summary (no samples)."""
        def clean(v):
            if isinstance(v, dict):
                return {str(k): clean(w) for k, w in v.items()}
            if isinstance(v, (list, tuple, np.ndarray)):
                return [clean(w) for w in np.asarray(v).tolist()] if isinstance(v, np.ndarray) else [clean(w) for w in v]
            if isinstance(v, (float, np.floating)):
                return float(v) if math.isfinite(v) else None
            if isinstance(v, np.integer):
                return int(v)
            return v

        s = self.config.sample
        return clean(
            {
                "gm2jax_version": __version__,
                "config": self.config.name,
                "dataset": self.config.dataset.name,
                "chains": s.chains,
                "warmup": s.warmup,
                "samples": s.samples,
                "divergences": self.divergences,
                "max_r_hat": self.max_r_hat,
                "min_ess_bulk": self.min_ess_bulk,
                "ess_per_second": self.ess_per_second,
                "n_gradient_evals": self.n_gradient_evals,
                "n_gradient_evals_warmup": self.n_gradient_evals_warmup,
                "n_gradient_evals_lockstep": self.n_gradient_evals_lockstep,
                "settings": self.settings,
                "wall_time_s": self.wall_time,
                "summary": self.summary,
            }
        )


def _initial_points(problem: Problem, best_x, chains: int, jitter: float, key):
    """``chains`` physical points around ``best_x`` (scatter in the unconstrained space).

    Chain 0 starts at the best fit.  Points are not checked here (that would compile the
    model once more): numpyro validates them and redraws an invalid one.
    """
    u0 = problem.to_unconstrained(jnp.asarray(best_x))
    u = u0[None, :] + jitter * jax.random.normal(key, (chains, problem.ndim), dtype=jnp.float64)
    u = u.at[0].set(u0)
    return np.asarray(jax.vmap(problem.from_unconstrained)(u))


def run_nuts(
    config: FitConfig | str,
    *,
    init=None,
    progress: bool = False,
    dense_mass: bool = True,
    pool_adaptation: bool = True,
    block: int = 50,
    share_gradient: bool = False,
    **overrides,
) -> SampleResult:
    """NUTS posterior of a configuration (sizes from its ``[sample]`` table).

    The chains advance in lock-step (one vmapped NUTS kernel) inside ONE compiled function
    that runs up to ``block`` transitions per call; warm-up and sampling reuse that single
    compilation (numpyro's kernel switches from adaptation to sampling by its step counter),
    so there is no per-transition Python overhead and no second compilation.

    Args:
        config: :class:`gm2jax.config.FitConfig` or the path of a TOML file.
        init: best-fit free parameters (array (n,) or dict name -> value) to start the
            chains near; None runs a quick multi-start fit first (:func:`gm2jax.fit.run_fit`
            without Hessian and profiles).
        progress: print a line per phase (compile, warm-up, sampling, post-processing) with the
            elapsed time and a bar over the transitions (stderr); a :class:`gm2jax.progress.Progress`
            continues its clock.
        dense_mass: adapt a dense (full covariance) mass matrix in warm-up (True) or a
            diagonal one (False).  Measured (``benchmarks/nuts_vs_emcee.py``, 16 chains, max
            tree depth 3): the same ESS per gradient on the 2-D heavy-smuon posterior (0.034),
            0.025 vs 0.015 on the correlated 7-D Higgs-mediation posterior.
        pool_adaptation: after warm-up give every chain the chain-averaged mass matrix and
            the geometric-mean step size (:func:`_pooled_adaptation`); False keeps numpyro's
            per-chain adaptation.
        block: transitions per compiled call (memory for the recorded block, and the
            granularity of ``progress``).
        share_gradient: the log-likelihood and its gradient come from the problem's one compiled
            program (:meth:`gm2jax.problem.Problem.shared_loglike`; the fit's with
            :func:`gm2jax.fit.run_fit` ``share_gradient=True``): the initialisation and the
            transition loop then compile no copy of the model's gradient (the 2HDM notebook).
        **overrides: replace ``[sample]`` options (``chains=2``, ``warmup=100``, ...),
            validated like the config file.

    Returns:
        :class:`SampleResult`.
    """
    if not isinstance(config, FitConfig):
        config = load_config(config)
    if overrides:
        config = config.replace(sample=overrides)
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise InvalidInput(f"block: must be a positive integer (got {block!r})")
    with jax.enable_x64(True):
        return _run_nuts(config, init=init, progress=as_progress(progress), dense_mass=bool(dense_mass),
                         pool_adaptation=bool(pool_adaptation), block=block, shared=bool(share_gradient))


def _pooled_adaptation(adapt_state):
    """Share the warm-up adaptation between the chains: every chain gets the chain-average
    inverse mass matrix (each chain's estimate comes from its own few hundred warm-up draws;
    the average is a better estimate) and the geometric-mean step size.  Used after warm-up
    only, so every chain remains a valid Markov chain with fixed kernel parameters.  Equal
    kernels also equalise the trajectory lengths of the lock-step chains (less idle work)."""
    def pooled(m):
        mean = jnp.mean(m, axis=0)
        inv, sq, sq_inv = _initialize_mass_matrix(None, mean, mean.ndim == 2)
        return tuple(jnp.broadcast_to(v, m.shape) for v in (inv, sq, sq_inv))

    imm = adapt_state.inverse_mass_matrix
    if isinstance(imm, dict):
        parts = {k: pooled(m) for k, m in imm.items()}
        inv, sq, sq_inv = ({k: v[i] for k, v in parts.items()} for i in range(3))
    else:
        inv, sq, sq_inv = pooled(imm)
    # Measured on the 7-D Higgs-mediation posterior (32 chains, max tree depth 3): per-chain step
    # sizes with the pooled matrix (which they were not tuned for) give ESS/grad 0.004, R-hat
    # 1.05; the geometric mean 0.008 (R-hat 1.03), the smallest step 0.014 (R-hat 1.02) -- one
    # chain in a narrow region mixed slowly in every variant; 16 chains: geometric mean 0.025.
    step = adapt_state.step_size
    step = jnp.broadcast_to(jnp.exp(jnp.mean(jnp.log(step))), step.shape)
    return adapt_state._replace(step_size=step, inverse_mass_matrix=inv, mass_matrix_sqrt=sq, mass_matrix_sqrt_inv=sq_inv)


def _block_fn(kernel, block: int):
    """``(state, n) -> (state, record)``: ``n <= block`` NUTS transitions of all chains;
    ``record`` holds per transition (z, diverging, num_steps, potential energy, accept prob, energy),
    shape (block, chains, ...) (rows >= n are zeros)."""

    def fields(st):
        return st.z, st.diverging, st.num_steps, st.potential_energy, st.accept_prob, st.energy

    def run_block(st, n):
        buf = jax.tree.map(lambda v: jnp.zeros((block, *jnp.shape(v)), jnp.result_type(v)), fields(st))

        def body(i, carry):
            s, b = carry
            s = kernel.sample(s, (), {})
            b = jax.tree.map(lambda a, v: a.at[i].set(v), b, fields(s))
            return s, b

        return jax.lax.fori_loop(0, n, body, (st, buf))

    return run_block


_PARALLEL_COMPILE = True  # compile init / transition loop / post-processing in threads


def _compile_all(lowered: dict) -> dict:
    """Compile independent lowered computations concurrently (XLA compiles outside the GIL;
    the initialisation, the transition loop and the post-processing are independent)."""
    workers = max(1, min(len(lowered), len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))
    if workers == 1 or not _PARALLEL_COMPILE:
        return {k: v.compile() for k, v in lowered.items()}
    with ThreadPoolExecutor(workers) as pool:
        futures = {k: pool.submit(v.compile) for k, v in lowered.items()}
        return {k: f.result() for k, f in futures.items()}


def _run_nuts(config: FitConfig, *, init, progress: bool, dense_mass: bool, pool_adaptation: bool, block: int,
              shared: bool = False) -> SampleResult:
    opts = config.sample
    problem = config.problem()
    problem.check_prior()  # a never-finite derived parameter: a clean error before compiling
    wall = {}
    t_all = time.perf_counter()
    if init is None:
        t0 = time.perf_counter()
        progress.say("quick multi-start fit for the starting point of the chains ...")
        init = run_fit(config, hessian=False, profiles=False, progress=progress, share_gradient=shared).x
        wall["fit"] = time.perf_counter() - t0
    if isinstance(init, dict):
        init = [init[n] for n in problem.names]
    best_x = np.asarray(init, dtype=np.float64)
    key = jax.random.key(opts.seed)
    key, k_init = jax.random.split(key)
    x_init = _initial_points(problem, best_x, opts.chains, opts.init_jitter, k_init)
    init_params = {
        p.name: biject_to(prior_distribution(p).support).inv(jnp.asarray(x_init[:, i])) for i, p in enumerate(config.free)
    }
    model = make_model(problem, shared)

    progress.say(f"NUTS: tracing and compiling the model, kernel and transition loop ({opts.chains} chains) ...")
    t0 = time.perf_counter()
    kernel = NUTS(
        model,
        target_accept_prob=opts.target_accept,
        max_tree_depth=opts.max_tree_depth,
        dense_mass=dense_mass,
    )
    keys = jax.random.split(key, opts.chains)
    # Trace everything first (tracing kernel.init installs the vmapped transition), then
    # compile the three programs concurrently.  Eager initialisation (model tracing, validity
    # search) would be far slower than compiling it.
    lowered = {"init": jax.jit(lambda k, p: kernel.init(k, opts.warmup, init_params=p)).lower(keys, init_params)}
    state_info = lowered["init"].out_info
    lowered["block"] = jax.jit(_block_fn(kernel, block)).lower(state_info, jnp.asarray(block, dtype=jnp.int32))
    n_kept = opts.samples // opts.thinning
    z_info = {
        k: jax.ShapeDtypeStruct((opts.chains * n_kept, *v.shape[1:]), v.dtype) for k, v in state_info.z.items()
    }
    lowered["post"] = jax.jit(jax.vmap(kernel.postprocess_fn((), {}))).lower(z_info)
    lowered["pointwise"] = lower_pointwise(problem)  # log-likelihood per term, prior predictive
    wall["trace"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    compiled = _compile_all(lowered)
    step = compiled["block"]
    wall["compile"] = time.perf_counter() - t0
    progress.say(f"NUTS: compiled in {wall['trace'] + wall['compile']:.1f} s")
    t0 = time.perf_counter()
    state = compiled["init"](keys, init_params)
    jax.block_until_ready(state)
    wall["kernel_init"] = time.perf_counter() - t0

    def advance(st, total, phase, keep):
        records, grads_done, lockstep = [], 0, 0
        done = 0
        progress.say(f"NUTS {phase}: {total} transitions x {opts.chains} chains ...")
        bar = progress.bar(total, f"NUTS {phase}", unit="step")
        while done < total:
            n = min(block, total - done)
            st, rec = step(st, jnp.asarray(n, dtype=jnp.int32))
            rec = jax.tree.map(lambda a: np.asarray(a)[:n], rec)
            num_steps = rec[2]
            grads_done += int(num_steps.sum())
            lockstep += int(num_steps.max(axis=1).sum()) * opts.chains
            if keep:
                records.append(rec)
            done += n
            bar.update(n)
        bar.close()
        jax.block_until_ready(st)
        return st, records, grads_done, lockstep

    t0, c0 = time.perf_counter(), time.process_time()
    state, _, grads_warm, _ = advance(state, opts.warmup, "warm-up", False)
    if pool_adaptation and opts.chains > 1:
        state = state._replace(adapt_state=_pooled_adaptation(state.adapt_state))
    wall["warmup"], wall["warmup_cpu"] = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    state, records, n_grad, lockstep = advance(state, opts.samples, "sampling", True)
    wall["sampling"], wall["sampling_cpu"] = time.perf_counter() - t0, time.process_time() - c0

    t0 = time.perf_counter()
    rec = jax.tree.map(lambda *a: np.concatenate(a, axis=0), *records)  # (samples, chains, ...)
    start = opts.samples % opts.thinning
    rec = jax.tree.map(lambda a: np.swapaxes(a[start :: opts.thinning], 0, 1), rec)  # (chains, kept, ...)
    z, diverging, num_steps, potential, accept, energy = rec
    n_chain, n_kept = diverging.shape
    flat_z = {k: jnp.asarray(v.reshape(n_chain * n_kept, *v.shape[2:])) for k, v in z.items()}
    sites = compiled["post"](flat_z)
    posterior = {k: np.asarray(v).reshape(n_chain, n_kept, *np.shape(v)[1:]) for k, v in sites.items()}
    sample_stats = {
        "diverging": diverging.astype(bool),
        "n_steps": num_steps,
        "lp": -potential,
        "acceptance_rate": accept,
        "energy": energy,
        "step_size": np.broadcast_to(np.asarray(state.adapt_state.step_size)[:, None], diverging.shape),
    }
    settings = {
        "dense_mass": dense_mass,
        "pool_adaptation": pool_adaptation,
        "target_accept": opts.target_accept,
        "max_tree_depth": opts.max_tree_depth,
        "block": block,
    }
    attrs = {
        "sampler": (
            f"numpyro NUTS, {opts.chains} chains (vectorized), {opts.warmup} warmup, {opts.samples} samples, "
            f"{'dense' if dense_mass else 'diagonal'} mass matrix{', pooled adaptation' if pool_adaptation else ''}"
        ),
    }
    progress.say("posterior: log-likelihood per term, prior predictive draws, InferenceData ...")
    idata = build_inference_data(config, posterior, sample_stats, attrs=attrs, seed=opts.seed,
                                 pointwise_fn=compiled["pointwise"])
    wall["postprocess"] = time.perf_counter() - t0
    az = _arviz()

    names = list(problem.names)
    var_names = names + [o for o in config.observables]
    var_names += [labels.scaled_name(o) for o in config.observables if labels.scaled_name(o) in idata.posterior]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = az.summary(idata, var_names=var_names, round_to="none")
    summary = {str(k): {c: float(v) for c, v in row.items()} for k, row in table.iterrows()}
    divergences = int(np.sum(diverging))
    r_hat = [summary[n]["r_hat"] for n in names]
    ess = [summary[n]["ess_bulk"] for n in names]
    max_r_hat = float(np.max(r_hat))
    min_ess = float(np.min(ess))
    t_samp = wall["sampling"]
    wall["total"] = time.perf_counter() - t_all
    return SampleResult(
        idata=idata,
        summary=summary,
        divergences=divergences,
        max_r_hat=max_r_hat,
        min_ess_bulk=min_ess,
        ess_per_second=min_ess / t_samp if t_samp > 0 else math.nan,
        n_gradient_evals=n_grad,
        wall_time=wall,
        init=x_init,
        config=config,
        n_gradient_evals_warmup=grads_warm,
        n_gradient_evals_lockstep=lockstep,
        settings=settings,
    )


def posterior_predictions(samples, config, keys=None, max_draws: int | None = None) -> dict:
    """Model predictions (any key, with ``status``) re-evaluated on posterior draws.

    Args:
        samples: ``arviz.InferenceData`` (its ``posterior``), or a dict name -> array of draws.
        config: the :class:`gm2jax.config.FitConfig` (or TOML path) that produced them.
        keys: prediction keys to return (default: the model's recorded outputs).
        max_draws: keep at most this many draws (evenly thinned).

    Returns:
        dict key -> 1-D NumPy array over the (flattened, thinned) draws, plus ``status``.
    """
    if not isinstance(config, FitConfig):
        config = load_config(config)
    post = getattr(samples, "posterior", samples)
    x = np.stack([np.asarray(post[n]).ravel() for n in config.names], axis=-1)
    if max_draws is not None and len(x) > max_draws:
        x = x[np.linspace(0, len(x) - 1, max_draws).round().astype(int)]
    with jax.enable_x64(True):
        prob = config.problem()
        keys = prob.outputs() if keys is None else tuple(keys)
        pred = jax.jit(jax.vmap(prob.predict))(jnp.asarray(x))
        return {k: np.asarray(pred[k]) for k in (*keys, "status")}


def save_netcdf(result: SampleResult, path) -> pathlib.Path:
    """Write the InferenceData to netCDF (config and gm2jax version in the groups' attrs)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        result.idata.to_netcdf(str(path))
    return path


def corner_plot(result: SampleResult, path, var_names=None, bins: int = 30) -> pathlib.Path:
    """Corner plot of :func:`gm2jax.plot.corner` saved as PNG: the free parameters (the ones most
    correlated with the observables when there are many) and the fitted observables, with the
    best fit (chain 0 starts there) marked.  Returns the path."""
    cfg = result.config
    best = dict(zip(cfg.names, np.asarray(result.init)[0].tolist()))
    title = (f"{cfg.name}: NUTS {cfg.sample.chains} chains x {cfg.sample.samples} draws, max R-hat "
             f"{result.max_r_hat:.3f}, {result.divergences} divergences")
    fig = plot.corner(result.idata, cfg, var_names=var_names, best=best, bins=bins, title=title)
    return plot.save_figure(fig, path, dpi=110)


def summary_lines(result: SampleResult) -> list[str]:
    """A short human summary of a NUTS run."""
    cfg = result.config
    lines = [
        f"NUTS posterior of {cfg.name}: {cfg.sample.chains} chains x {cfg.sample.samples} samples "
        f"({cfg.sample.warmup} warm-up), {result.divergences} divergences"
    ]
    for n in list(cfg.names) + list(cfg.observables):
        s = result.summary[n]
        lines.append(
            f"  {n:>10s} = {s['mean']:.4g} +- {s['sd']:.3g}   R-hat {s['r_hat']:.3f}  ESS bulk {s['ess_bulk']:.0f} tail {s['ess_tail']:.0f}"
        )
    lines.append(
        f"  max R-hat {result.max_r_hat:.4f}, min ESS {result.min_ess_bulk:.0f}, "
        f"{result.ess_per_second:.1f} ESS/s (sampling {result.wall_time['sampling']:.1f} s, warm-up "
        f"{result.wall_time['warmup']:.1f} s, compile {result.wall_time['compile']:.1f} s, total {result.wall_time['total']:.1f} s)"
    )
    return lines
