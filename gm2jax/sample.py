"""Posterior sampling with numpyro NUTS; results as ArviZ InferenceData.

The model (:func:`make_model`) is a plain numpyro function: one ``numpyro.sample`` per free
parameter with the prior of the config (Uniform, LogUniform, (Truncated)Normal), the model
prediction, ``numpyro.deterministic`` sites for every derived parameter, a_l and each
contribution (``a_mu_neutralino``, ...) and the lightest masses, and one
``numpyro.factor("loglike", ...)`` carrying the likelihood -- ``-inf`` for failed points
(status != 0) with a finite (zero) gradient, so NUTS rejects them as divergent.

The kernel is chosen outside the model (:func:`run_nuts`): NUTS, several chains with
``chain_method="vectorized"``, started near the best fit (the best fit scattered by
``init_jitter`` in the unconstrained space of :mod:`gm2jax.config`).  Results:
:class:`SampleResult` with the InferenceData (config, gm2jax version and git hash in
``attrs``), a summary with R-hat, bulk/tail ESS and divergences, and ESS per second.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import math
import pathlib
import subprocess
import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from gm2jax.config import FitConfig, ParamSpec, Problem, load_config


def _arviz():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz

    return arviz


def prior_distribution(p: ParamSpec):
    """numpyro distribution of a free parameter's prior."""
    import numpyro.distributions as dist

    if p.prior == "uniform":
        return dist.Uniform(p.lo, p.hi)
    if p.prior == "loguniform":
        return dist.LogUniform(p.lo, p.hi)
    if math.isinf(p.lo) and math.isinf(p.hi):
        return dist.Normal(p.mean, p.sigma)
    return dist.TruncatedNormal(
        p.mean, p.sigma, low=None if math.isinf(p.lo) else p.lo, high=None if math.isinf(p.hi) else p.hi
    )


def make_model(problem: Problem):
    """The numpyro model of a :class:`gm2jax.config.Problem`: ``model(obs=None)``.

    ``obs`` optionally maps observables (``"a_mu"``) to replacement central values (toy
    studies); None uses the dataset.
    """
    import numpyro

    specs = problem.config.free
    outputs = problem.outputs()
    derived = tuple(problem.config.derived)
    params = problem.model.parameters

    def predict(values):
        return problem.model.predict(values, problem.sm, problem.config.leptons, problem.config.resummation)

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
            numpyro.deterministic(k, pred[k])
        numpyro.factor("loglike", lik.loglike(pred))

    return model


def _with_value(term, obs):
    import equinox as eqx

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
        wall_time: seconds: ``warmup`` (includes compilation), ``sampling``, ``total``.
        init: the per-chain starting points (physical), (chains, n).
        config: the config.
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

    def to_dict(self) -> dict:
        """JSON-ready summary (no samples)."""
        from gm2jax import __version__

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
                "wall_time_s": self.wall_time,
                "summary": self.summary,
            }
        )


@contextlib.contextmanager
def _tqdm_quiet(quiet: bool):
    """Send the progress bars (tqdm writes to sys.stderr) to /dev/null inside the block."""
    if not quiet:
        yield
        return
    with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
        yield


def _git_hash() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=pathlib.Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
        return out.stdout.strip() if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _initial_points(problem: Problem, best_x, chains: int, jitter: float, key):
    """``chains`` physical points around ``best_x`` (scatter in the unconstrained space).

    Chain 0 starts at the best fit.  Points are not checked here (that would compile the
    model once more): numpyro validates them and redraws an invalid one.
    """
    u0 = problem.to_unconstrained(jnp.asarray(best_x))
    u = u0[None, :] + jitter * jax.random.normal(key, (chains, problem.ndim), dtype=jnp.float64)
    u = u.at[0].set(u0)
    return np.asarray(jax.vmap(problem.from_unconstrained)(u))


def run_nuts(config: FitConfig | str, *, init=None, progress: bool = False, **overrides) -> SampleResult:
    """NUTS posterior of a configuration (sizes from its ``[sample]`` table).

    Args:
        config: :class:`gm2jax.config.FitConfig` or the path of a TOML file.
        init: best-fit free parameters (array (n,) or dict name -> value) to start the
            chains near; None runs a quick multi-start fit first (:func:`gm2jax.fit.run_fit`
            without Hessian and profiles).
        progress: numpyro progress bar.
        **overrides: replace ``[sample]`` options (``chains=2``, ``warmup=100``, ...).

    Returns:
        :class:`SampleResult`.
    """
    if not isinstance(config, FitConfig):
        config = load_config(config)
    if overrides:
        config = config.replace(sample=overrides)
    with jax.enable_x64(True):
        return _run_nuts(config, init=init, progress=progress)


def _run_nuts(config: FitConfig, *, init, progress: bool) -> SampleResult:
    from numpyro.infer import MCMC, NUTS
    from numpyro.distributions.transforms import biject_to

    opts = config.sample
    problem = config.problem()
    t_all = time.perf_counter()
    if init is None:
        from gm2jax.fit import run_fit

        init = run_fit(config, hessian=False, profiles=False).x
    if isinstance(init, dict):
        init = [init[n] for n in problem.names]
    best_x = np.asarray(init, dtype=np.float64)
    key = jax.random.key(opts.seed)
    key, k_init = jax.random.split(key)
    x_init = _initial_points(problem, best_x, opts.chains, opts.init_jitter, k_init)
    init_params = {
        p.name: biject_to(prior_distribution(p).support).inv(jnp.asarray(x_init[:, i])) for i, p in enumerate(config.free)
    }
    kernel = NUTS(make_model(problem), target_accept_prob=opts.target_accept, max_tree_depth=opts.max_tree_depth)
    mcmc = MCMC(
        kernel,
        num_warmup=opts.warmup,
        num_samples=opts.samples,
        num_chains=opts.chains,
        thinning=opts.thinning,
        chain_method="vectorized",
        # numpyro's progress-bar path jits ONE sampler step and reuses it for warm-up and
        # sampling; without it each phase compiles its own loop (~2x compile time).  The bar
        # itself is silenced unless progress=True.
        progress_bar=True,
    )
    with _tqdm_quiet(not progress):
        t0 = time.perf_counter()
        mcmc.warmup(key, init_params=init_params, extra_fields=("diverging", "num_steps"))
        jax.block_until_ready(mcmc.last_state)
        t_warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        mcmc.run(mcmc.post_warmup_state.rng_key, extra_fields=("diverging", "num_steps"))
        samples = mcmc.get_samples(group_by_chain=True)
        jax.block_until_ready(samples)
        t_samp = time.perf_counter() - t0

    az = _arviz()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        idata = az.from_numpyro(mcmc, log_likelihood=False)
    from gm2jax import __version__

    attrs = {
        "gm2jax_version": __version__,
        "git_hash": _git_hash(),
        "config_name": config.name,
        "config_origin": config.origin,
        "config": json.dumps(config.raw, default=str),
        "dataset": config.dataset.name,
        "sm_convention": config.sm_convention,
        "sampler": f"numpyro NUTS, {opts.chains} chains (vectorized), {opts.warmup} warmup, {opts.samples} samples",
    }
    for group in ("posterior", "sample_stats"):
        if hasattr(idata, group):
            getattr(idata, group).attrs.update(attrs)

    names = list(problem.names)
    var_names = names + [o for o in config.observables]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = az.summary(idata, var_names=var_names, round_to="none")
    summary = {str(k): {c: float(v) for c, v in row.items()} for k, row in table.iterrows()}
    extra = mcmc.get_extra_fields(group_by_chain=True)
    divergences = int(np.sum(np.asarray(extra["diverging"])))
    n_grad = int(np.sum(np.asarray(extra["num_steps"])))
    r_hat = [summary[n]["r_hat"] for n in names]
    ess = [summary[n]["ess_bulk"] for n in names]
    max_r_hat = float(np.max(r_hat))
    min_ess = float(np.min(ess))
    return SampleResult(
        idata=idata,
        summary=summary,
        divergences=divergences,
        max_r_hat=max_r_hat,
        min_ess_bulk=min_ess,
        ess_per_second=min_ess / t_samp if t_samp > 0 else math.nan,
        n_gradient_evals=n_grad,
        wall_time={"warmup": t_warm, "sampling": t_samp, "total": time.perf_counter() - t_all},
        init=x_init,
        config=config,
    )


def save_netcdf(result: SampleResult, path) -> pathlib.Path:
    """Write the InferenceData to netCDF (config and gm2jax version in the groups' attrs)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        result.idata.to_netcdf(str(path))
    return path


def corner_plot(result: SampleResult, path, var_names=None, bins: int = 30) -> pathlib.Path:
    """Corner plot (1-D histograms on the diagonal, 2-D histograms below) saved as PNG.

    ``var_names`` defaults to the free parameters followed by the fitted observables.
    """
    from matplotlib.figure import Figure

    cfg = result.config
    names = list(var_names or (list(cfg.names) + list(cfg.observables)))
    post = result.idata.posterior
    data = {n: np.asarray(post[n]).ravel() for n in names}
    k = len(names)
    fig = Figure(figsize=(2.2 * k + 0.6, 2.2 * k + 0.6), layout="constrained")
    axes = fig.subplots(k, k, squeeze=False)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            if i == j:
                ax.hist(data[a], bins=bins, color="tab:blue", histtype="stepfilled", alpha=0.6)
                ax.set_yticks([])
            else:
                ax.hist2d(data[b], data[a], bins=bins, cmap="Blues")
            if i == k - 1:
                ax.set_xlabel(b, fontsize=8)
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(a, fontsize=8)
            elif j > 0:
                ax.set_yticklabels([])
            ax.tick_params(labelsize=6)
    fig.suptitle(
        f"{cfg.name}: NUTS {cfg.sample.chains}x{cfg.sample.samples}, max R-hat {result.max_r_hat:.3f}, "
        f"{result.divergences} divergences",
        fontsize=9,
    )
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


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
        f"{result.ess_per_second:.1f} ESS/s (sampling {result.wall_time['sampling']:.1f} s, warm-up+compile {result.wall_time['warmup']:.1f} s)"
    )
    return lines
