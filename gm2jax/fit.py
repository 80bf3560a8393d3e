"""Multi-start best fit with optax, Hessian covariance and profile likelihoods.

Pipeline of :func:`run_fit` (sizes from the config's ``[fit]`` table):

1. **Starts**: ``starts`` points drawn from the priors (failed points are redrawn), mapped
   to the unconstrained space by the config's bijections (:mod:`gm2jax.priors`).
2. **Adam**: ``optax.chain(optax.clip_by_global_norm(clip_norm), optax.adam(learning_rate))``
   on every start at once -- one jitted, vmapped ``step(params, state) -> (params, state,
   loss)`` (:func:`make_step`).  It stops when no start improves any more.  ``optimizer =
   "lbfgs"`` uses ``optax.lbfgs`` (zoom line search) instead.
3. **Newton polish** of the global best (damped Newton, ``polish_steps`` iterations) with the
   Hessian of ``hessian_method`` (:mod:`gm2jax.curvature`): exact autodiff, or Richardson central
   differences of the exact gradient through the already compiled Adam step (no new compilation;
   ``"auto"`` uses them at two loops, where the autodiff Hessian takes > 17 min to compile).
4. **Covariance**: H_u = d^2 chi^2/du^2 as above; the physical Hessian by the exact chain rule
   H_x = D H_u D + diag(g_u d^2u/dx^2), D = diag(du/dx) (autodiff of the bijections); cov = 2 H^-1
   (pseudo-inverse with the rank reported when H is singular, e.g. along a chi^2 = 0 valley).
   The best-fit summary (outputs, pulls, chi^2 parts) also comes from the compiled step.
5. **Profiles**: 1-D and 2-D profile chi^2 on grids, re-minimising the other parameters
   (vmapped Adam from the best fit; grids are linear, or logarithmic for loguniform priors).

Every model evaluation is counted (a value-and-gradient counts as one evaluation; an autodiff
Hessian as one, a gradient-difference Hessian as its 4 d + 1 gradients) and the wall time of
each phase is recorded.
"""

from __future__ import annotations

import math
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from gm2jax import curvature, plot
from gm2jax.config import FitConfig, load_config
from gm2jax.errors import InvalidInput
from gm2jax.fit_result import FitResult, summary_lines
from gm2jax.problem import Problem
from gm2jax.progress import as_progress

__all__ = ["FitResult", "adam", "adam_run", "make_step", "plot_profiles", "run_fit", "summary_lines"]

# --------------------------------------------------------------------------------------
# Objective and optimiser steps
# --------------------------------------------------------------------------------------


def _objective(problem: Problem, shared: bool = False):
    """u, mask, fixed -> (chi^2, aux): the chi^2 at u with the masked entries replaced by ``fixed``.

    ``aux`` holds the pulls, the fitted observables and ``status`` (recorded along profiles) and
    ``"summary"``: the recorded outputs, pulls and chi^2 parts, so that the best-fit summary comes
    from the compiled step (an eager two-loop evaluation takes minutes).  ``shared``: the chi^2 and
    its gradient come from :meth:`Problem.shared_loglike` (the predictions of ``aux`` are then
    values only)."""
    loglike = problem.shared_loglike() if shared else None

    def fun(u, mask, fixed):
        uu = jnp.where(mask, fixed, u)
        x = problem.from_unconstrained(uu)
        pred = problem.predict(x)
        lik = problem.likelihood
        if shared:
            ll = loglike(x)
            ok = jnp.isfinite(ll)
            chi2 = jnp.where(ok, -2.0 * jnp.where(ok, ll, 0.0), lik.chi2_failed)
        else:
            chi2 = lik.chi2(pred)
        pulls = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in lik.pulls(pred).items()}
        aux = dict(pulls)
        aux.update({o: pred[o] for o in problem.config.observables})
        aux["status"] = pred["status"]
        aux["summary"] = {
            "outputs": {k: pred[k] for k in problem.outputs() if k in pred},
            "pulls": pulls,
            "chi2_parts": {k: jnp.asarray(v, dtype=jnp.float64) for k, v in lik.chi2_parts(pred).items()},
        }
        return chi2, aux

    return fun


def make_step(fun, optimizer: optax.GradientTransformation):
    """One optimiser step for a batch of points: ``step(params, state, *args) -> (params, state, loss, aux)``.

    ``fun(params, *args) -> (loss, aux)``; the step is vmapped over the leading axis of
    ``params``, ``state`` and ``args`` and jitted.  ``loss`` and ``aux`` are evaluated at the
    *incoming* params (one value-and-gradient evaluation per point); ``aux`` gains ``"grad"``,
    the exact gradient d loss/d params there (the gradient-difference Hessian reuses this
    compiled program, :mod:`gm2jax.curvature`).
    """
    vg = jax.value_and_grad(fun, has_aux=True)

    def step(params, state, *args):
        (loss, aux), grad = vg(params, *args)
        updates, state = optimizer.update(grad, state, params)
        return optax.apply_updates(params, updates), state, loss, {**aux, "grad": grad}

    return jax.jit(jax.vmap(step))


def adam(learning_rate: float, clip_norm: float) -> optax.GradientTransformation:
    """The default optimiser: ``optax.chain(clip_by_global_norm, adam)``."""
    return optax.chain(optax.clip_by_global_norm(clip_norm), optax.adam(learning_rate))


def adam_run(loss, u0, *, steps: int, learning_rate: float, clip_norm: float = 10.0):
    """Vmapped Adam (the :func:`adam` chain) on ``loss`` from every row of ``u0`` for ``steps``
    steps in one ``lax.scan`` (non-finite gradients zeroed); returns the best point seen per
    start and its loss (NumPy).  Used by :mod:`gm2jax.analysis` and :mod:`gm2jax.sensitivity`."""
    opt = adam(learning_rate, clip_norm)
    vg = jax.value_and_grad(loss)

    def one(u):
        def body(carry, _):
            u, st, bu, bl = carry
            val, g = vg(u)
            g = jnp.where(jnp.isfinite(g), g, 0.0)
            upd, st = opt.update(g, st, u)
            better = val < bl
            bu = jnp.where(better, u, bu)
            bl = jnp.where(better, val, bl)
            return (u + upd, st, bu, bl), None

        (u, _, bu, bl), _ = jax.lax.scan(body, (u, opt.init(u), u, jnp.asarray(jnp.inf)), None, length=steps)
        return bu, bl

    bu, bl = jax.jit(jax.vmap(one))(jnp.asarray(u0))
    return np.asarray(bu), np.asarray(bl)


def _make_lbfgs_step(fun):
    opt = optax.lbfgs()

    def single(params, state, *args):
        f = lambda p: fun(p, *args)[0]  # noqa: E731
        value, grad = optax.value_and_grad_from_state(f)(params, state=state)
        updates, state = opt.update(grad, state, params, value=value, grad=grad, value_fn=f)
        aux = fun(params, *args)[1]
        return optax.apply_updates(params, updates), state, value, aux

    return opt, jax.jit(jax.vmap(single))


_CACHE: dict = {}
_CACHE_SIZE = 8


def _cached(kind: str, config: FitConfig, build, *extra):
    """Compiled functions per (kind, problem, extra): repeated fits of the same problem (a
    notebook, the CLI after a library call, ``gm2jax sample`` after ``fit``) compile once."""
    key = (kind, config.problem_key(), *extra)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = build()
    return _CACHE[key]


def _problem_and_objective(config: FitConfig, shared: bool = False):
    def build():
        problem = config.problem()
        return problem, _objective(problem, shared)

    problem, fun = _cached("objective", config, build, shared)
    return problem, fun


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------


def _draw_starts(problem: Problem, key, n: int, step, init_state, counter: dict):
    """``n`` prior draws that are physical (chi^2 < chi2_failed), evaluated through ``step``."""
    d = problem.ndim
    mask = jnp.zeros((n, d), dtype=bool)
    fixed = jnp.zeros((n, d))
    fixed_start = np.array([p.start for p in problem.config.free])
    good = []
    for attempt in range(8):
        key, sub = jax.random.split(key)
        x = np.array(problem.sample_prior(sub, n))
        if attempt == 0 and np.any(np.isfinite(fixed_start)):
            x[0] = np.where(np.isfinite(fixed_start), fixed_start, x[0])
        u = jax.vmap(problem.to_unconstrained)(jnp.asarray(x))
        _, _, loss, _ = step(u, init_state(u), mask, fixed)
        counter["starts"] += n
        ok = np.asarray(loss) < problem.config.chi2_failed
        good.extend(x[ok])
        if len(good) >= n:
            break
    if len(good) < n:
        raise InvalidInput(
            f"parameters: only {len(good)} of {n} starting points are physical after {8 * n} prior draws "
            "(status != 0 elsewhere); narrow the ranges or set 'start' values"
        )
    return np.array(good[:n])


def _grid(spec, n: int) -> np.ndarray:
    """``n`` grid points strictly inside the parameter's range (log-spaced for loguniform)."""
    lo, hi = spec.lo, spec.hi
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = spec.mean - 3 * spec.sigma, spec.mean + 3 * spec.sigma
        lo, hi = max(lo, spec.lo + 1e-9 * abs(spec.sigma)), min(hi, spec.hi - 1e-9 * abs(spec.sigma))
    t = (np.arange(n) + 0.5) / n
    if spec.prior == "loguniform":
        return np.exp(np.log(lo) + (np.log(hi) - np.log(lo)) * t)
    return lo + (hi - lo) * t


def _gradient_batch(problem: Problem, step, init, n: int):
    """points (m, d) -> (chi^2 (m,), exact gradients (m, d)) through the compiled optimiser step
    (batches of its size ``n``, padded: no new compilation)."""
    d = problem.ndim
    mask, fixed = jnp.zeros((n, d), dtype=bool), jnp.zeros((n, d))

    def batch(points):
        points = np.asarray(points, dtype=np.float64)
        vals, grads = [], []
        for start in range(0, len(points), n):
            block = points[start : start + n]
            k = len(block)
            u = jnp.asarray(np.concatenate([block, np.repeat(block[-1:], n - k, axis=0)]))
            _, _, loss, aux = step(u, init(u), mask, fixed)
            vals.append(np.asarray(loss)[:k])
            grads.append(np.asarray(aux["grad"])[:k])
        return np.concatenate(vals), np.concatenate(grads)

    return batch


class _DifferenceHessian:
    """u -> (chi^2, gradient, Hessian) by gradient differences; the step per coordinate follows
    the last Hessian (1-sigma width sqrt(2/H_ii), capped at max(1, |u_i|)); ``error`` holds the
    last error estimate and ``calls`` the gradient evaluations spent."""

    def __init__(self, batch):
        self.batch, self.width, self.error, self.calls = batch, None, None, 0

    def __call__(self, u):
        u = np.asarray(u, dtype=np.float64)
        scale = np.maximum(1.0, np.abs(u))
        if self.width is not None:
            scale = np.minimum(scale, self.width)
        value, g, h, self.error = curvature.gradient_difference_hessian(self.batch, u, scale)
        self.calls += 4 * len(u) + 1
        diag = np.diag(h)
        self.width = np.where(diag > 0, np.sqrt(2.0 / np.where(diag > 0, diag, 1.0)), np.inf)
        return value, g, h


def _autodiff_hessian(vgh):
    def call(u):
        value, g, h = vgh(jnp.asarray(u))
        return float(value), np.asarray(g), np.asarray(h)

    return call


def run_fit(
    config: FitConfig | str,
    *,
    hessian: bool = True,
    profiles: bool = True,
    progress: bool = False,
    share_gradient: bool = False,
    **overrides,
) -> FitResult:
    """Multi-start best fit, covariance and profiles of a configuration (see the module docstring).

    Args:
        config: a :class:`gm2jax.config.FitConfig` or the path of a TOML file.
        hessian: compute the autodiff Hessian, the Newton polish and the covariance.
        profiles: compute the 1-D and 2-D profiles listed in the config.
        progress: print a line per phase.
        share_gradient: take the chi^2 and its gradient from the problem's one compiled program
            (:meth:`gm2jax.problem.Problem.shared_loglike`), which a later
            :func:`gm2jax.sample.run_nuts` with ``share_gradient=True`` reuses: one compilation of
            the model's gradient instead of one per program (the 2HDM notebook).
        **overrides: replace ``[fit]`` options (``starts=8``, ``steps=200``, ...).

    Returns:
        :class:`FitResult`.

    Raises:
        InvalidInput: invalid configuration (before any computation).
    """
    if not isinstance(config, FitConfig):
        config = load_config(config)
    if overrides:
        config = config.replace(fit=overrides)
    with jax.enable_x64(True):
        return _run_fit(config, hessian=hessian, profiles=profiles, progress=as_progress(progress),
                        shared=bool(share_gradient))


def _say(progress, msg):
    as_progress(progress).say(msg)


def _run_fit(config: FitConfig, *, hessian: bool, profiles: bool, progress: bool, shared: bool = False) -> FitResult:
    opts = config.fit
    problem, fun = _problem_and_objective(config, shared)
    # the config object may differ (fit options) -- keep the caller's for the result
    problem.config = config
    problem.check_prior()  # a never-finite derived parameter: a clean error before compiling
    d, n = problem.ndim, opts.starts
    evals = {"starts": 0, "optimizer": 0, "polish": 0, "hessian": 0, "profiles": 0}
    wall = {}
    t_all = time.perf_counter()

    # -- starts and main optimisation ------------------------------------------------
    t0 = time.perf_counter()
    use_lbfgs = opts.optimizer == "lbfgs"
    opt = adam(opts.learning_rate, opts.clip_norm)
    step = adam_step = _cached("adam", config, lambda: make_step(fun, opt), opts.learning_rate, opts.clip_norm, shared)
    init = adam_init = jax.vmap(opt.init)
    key = jax.random.key(opts.seed)
    _say(progress, f"compile + {n} random starts: tracing and compiling the model (first run only; 10-60 s) ...")
    x0 = _draw_starts(problem, key, n, step, init, evals)
    _say(progress, f"optimiser ({'L-BFGS' if use_lbfgs else 'Adam'}, up to {opts.steps} steps x {n} starts) ...")
    u = jax.vmap(problem.to_unconstrained)(jnp.asarray(x0))
    mask = jnp.zeros((n, d), dtype=bool)
    fixed = jnp.zeros((n, d))
    if use_lbfgs:
        opt, step = _cached("lbfgs", config, lambda: _make_lbfgs_step(fun), shared)
        init = jax.vmap(opt.init)
    state = init(u)
    best_l = np.full(n, np.inf)
    best_u = np.array(u)
    hit = np.full(n, -1)
    used = np.zeros(n, dtype=np.int64)  # evaluations per start
    history = []
    steps_run = 0
    for k in range(opts.steps):
        u_in = np.asarray(u)
        u, state, loss, _ = step(u, state, mask, fixed)
        loss = np.asarray(loss)
        steps_run = k + 1
        # evaluations spent when the loss at u_in was known: Adam evaluates it now; L-BFGS
        # evaluated it in the previous line search (or now, on the first iteration)
        known_at = used + 1 if (not use_lbfgs or k == 0) else used.copy()
        if use_lbfgs:
            used += np.asarray(optax.tree_utils.tree_get(state, "num_linesearch_steps")) + (k == 0)
        else:
            used += 1
        better = loss < best_l
        best_l = np.where(better, loss, best_l)
        best_u[better] = u_in[better]
        newly = (hit < 0) & (loss < opts.target_chi2)
        hit[newly] = known_at[newly]
        history.append(best_l.copy())
        window = 10 if use_lbfgs else 50
        if k >= 2 * window and k % window == 0:
            old = history[-window - 1]
            if np.all(old - best_l <= 1e-4 * (1.0 + best_l)):
                break
    evals["optimizer"] += int(used.sum())
    wall["optimizer"] = time.perf_counter() - t0
    _say(progress, f"adam: {steps_run} steps x {n} starts, best chi2 {best_l.min():.3g} "
                   f"({int((hit >= 0).sum())}/{n} below {opts.target_chi2}) in {wall['optimizer']:.1f} s")

    ibest = int(np.argmin(best_l))
    u_best = jnp.asarray(best_u[ibest])

    # -- Newton polish, Hessian, covariance ---------------------------------------------
    hu = hx = cov_u = cov_x = errors = h_err = None
    rank = None
    method = curvature.choose_method(opts.hessian_method, config.loops) if hessian else None
    if hessian:
        t0 = time.perf_counter()
        if method == "autodiff":
            _say(progress, "hessian + Newton polish: compiling the autodiff Hessian ...")
            vgh = _autodiff_hessian(_cached("hessian", config, lambda: curvature.value_grad_hessian(problem.chi2_u)))
            per_call = 1  # one value-gradient-Hessian evaluation
        else:
            _say(progress, "hessian + Newton polish: gradient differences (the optimiser's compiled gradient) ...")
            vgh = _DifferenceHessian(_gradient_batch(problem, adam_step, adam_init, n))
            per_call = 4 * d + 1  # gradient evaluations per Hessian
        u_best, value, g, _, n_calls = curvature.newton_polish(vgh, u_best, steps=opts.polish_steps, gtol=1e-12, ftol=1e-20)
        evals["hessian"] += per_call
        evals["polish"] += per_call * (n_calls - 1)
        value, g, hu = vgh(u_best)  # final Hessian (gradient differences: with the adapted steps)
        evals["hessian"] += per_call
        h_err = None if method == "autodiff" else vgh.error
        u_best = jnp.asarray(u_best)
        hx = curvature.physical_hessian(problem, u_best, g, hu)
        cov_u, _, _ = curvature.covariance(hu)
        cov_x, rank, errors = curvature.covariance(hx)
        wall["hessian"] = time.perf_counter() - t0
        _say(progress, f"hessian ({method}) + polish: chi2 {value:.3g}, rank {rank}/{d} in {wall['hessian']:.1f} s")

    # -- best-fit summary ----------------------------------------------------------------
    _say(progress, "best-fit predictions, pulls and chi2 parts ...")
    x_best = problem.from_unconstrained(u_best)
    ub = jnp.broadcast_to(jnp.asarray(u_best), (n, d))
    _, _, loss, aux = adam_step(ub, adam_init(ub), mask, jnp.zeros((n, d)))
    best = jax.tree.map(lambda a: np.asarray(a)[0], aux)
    chi2 = float(np.asarray(loss)[0])
    result_pred = {k: float(v) for k, v in best["summary"]["outputs"].items()}
    result_pred["status"] = int(best["status"])
    values = {k: float(v) for k, v in problem.values(x_best).items()}

    # -- profiles -------------------------------------------------------------------------
    prof1, prof2 = {}, {}
    if profiles and (opts.profile_1d or opts.profile_2d):
        _say(progress, f"profiles: {len(opts.profile_1d)} 1-D, {len(opts.profile_2d)} 2-D ...")
        t0 = time.perf_counter()
        prof1, prof2 = _profiles(problem, adam_step, adam_init, n, u_best, chi2, opts, evals)
        wall["profiles"] = time.perf_counter() - t0
        _say(progress, f"profiles: {len(prof1)} 1-D, {len(prof2)} 2-D in {wall['profiles']:.1f} s")

    evals["total"] = sum(evals.values())
    wall["total"] = time.perf_counter() - t_all
    final_x = np.asarray(jax.vmap(problem.from_unconstrained)(jnp.asarray(best_u)))
    return FitResult(
        names=problem.names,
        x=np.asarray(x_best),
        u=np.asarray(u_best),
        chi2=chi2,
        chi2_parts={k: float(v) for k, v in best["summary"]["chi2_parts"].items()},
        pulls={k: float(v) for k, v in best["summary"]["pulls"].items()},
        predictions=result_pred,
        values=values,
        hessian_u=hu,
        hessian_x=hx,
        cov_u=cov_u,
        cov_x=cov_x,
        errors=errors,
        hessian_rank=rank,
        hessian_method=method,
        hessian_error=h_err,
        starts_x=x0,
        final_chi2=best_l,
        final_x=final_x,
        evals_to_target=hit,
        n_evaluations=evals,
        wall_time=wall,
        steps=steps_run,
        profiles_1d=prof1,
        profiles_2d=prof2,
        config=problem.config,
    )


def _profiles(problem: Problem, step, init, chunk: int, u_best, chi2_min: float, opts, evals: dict):
    """Every 1-D and 2-D profile in one vmapped Adam run (or a plain evaluation if nothing is free)."""
    d = problem.ndim
    specs = {p.name: p for p in problem.config.free}
    idx = {n: i for i, n in enumerate(problem.names)}
    jobs = []  # (kind, label, grids, mask (m, d), fixed (m, d))
    for name in opts.profile_1d:
        g = _grid(specs[name], opts.profile_points)
        m = np.zeros((len(g), d), dtype=bool)
        m[:, idx[name]] = True
        fx = np.zeros((len(g), d))
        fx[:, idx[name]] = np.asarray(jax.vmap(specs[name].bijection.inverse)(jnp.asarray(g)))
        jobs.append(("1d", name, (g,), m, fx))
    for a, b in opts.profile_2d:
        ga, gb = _grid(specs[a], opts.profile_points_2d), _grid(specs[b], opts.profile_points_2d)
        A, B = np.meshgrid(ga, gb, indexing="ij")
        m = np.zeros((A.size, d), dtype=bool)
        m[:, [idx[a], idx[b]]] = True
        fx = np.zeros((A.size, d))
        fx[:, idx[a]] = np.asarray(jax.vmap(specs[a].bijection.inverse)(jnp.asarray(A.ravel())))
        fx[:, idx[b]] = np.asarray(jax.vmap(specs[b].bijection.inverse)(jnp.asarray(B.ravel())))
        jobs.append(("2d", f"{a},{b}", (ga, gb), m, fx))
    mask = np.concatenate([j[3] for j in jobs])
    fixed = np.concatenate([j[4] for j in jobs])
    m_all = len(mask)
    u0 = np.broadcast_to(np.asarray(u_best), (m_all, d)).copy()
    best_l = np.full(m_all, np.inf)
    best_u = u0.copy()
    best_aux = None
    # chunks of the main fit's batch size reuse its compiled step; points with nothing left
    # free are evaluated once, the others minimised for profile_steps Adam steps
    order = np.argsort(mask.all(axis=1), kind="stable")
    for start in range(0, m_all, chunk):
        sel = order[start : start + chunk]
        pad = np.concatenate([sel, np.full(chunk - len(sel), sel[-1])])
        mk, fx = jnp.asarray(mask[pad]), jnp.asarray(fixed[pad])
        u = jnp.asarray(u0[pad])
        state = init(u)
        minimise = bool(np.any(~mask[sel])) and opts.profile_steps > 0
        hist = []
        for k in range(opts.profile_steps if minimise else 1):
            u_in = np.asarray(u)
            u, state, loss, aux = step(u, state, mk, fx)
            loss = np.asarray(loss)[: len(sel)]
            evals["profiles"] += len(sel)
            better = loss < best_l[sel]
            idx_b = sel[better]
            best_l[idx_b] = loss[better]
            best_u[idx_b] = u_in[: len(sel)][better]
            aux = {kk: np.asarray(v)[: len(sel)] for kk, v in aux.items() if kk not in ("grad", "summary")}
            if best_aux is None:
                best_aux = {kk: np.full((m_all,) + v.shape[1:], np.nan) for kk, v in aux.items()}
            for kk in best_aux:
                best_aux[kk][idx_b] = aux[kk][better]
            hist.append(best_l[sel].copy())
            if k >= 100 and k % 25 == 0 and np.all(hist[-26] - best_l[sel] <= 1e-5 * (1.0 + best_l[sel])):
                break
    xs = np.asarray(jax.vmap(problem.from_unconstrained)(jnp.asarray(np.where(mask, fixed, best_u))))
    prof1, prof2, start = {}, {}, 0
    for kind, label, grids, m, _ in jobs:
        sl = slice(start, start + len(m))
        start += len(m)
        c = best_l[sl]
        c = np.where(c >= problem.config.chi2_failed, np.nan, c)
        aux = {k: np.where(np.isnan(c), np.nan, v[sl]) for k, v in best_aux.items() if k != "status"}
        if kind == "1d":
            prof1[label] = {"grid": grids[0], "chi2": c, "delta_chi2": c - chi2_min, "x": xs[sl], **aux}
        else:
            shape = (len(grids[0]), len(grids[1]))
            prof2[label] = {
                "grid_a": grids[0],
                "grid_b": grids[1],
                "chi2": c.reshape(shape),
                "delta_chi2": (c - chi2_min).reshape(shape),
                **{k: v.reshape(shape) for k, v in aux.items()},
            }
    return prof1, prof2


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


def plot_profiles(result: FitResult, path) -> None:
    """Save the profile-likelihood figure of :func:`gm2jax.plot.profiles` (1-D Delta chi^2 with
    68 %/95 % levels and intervals; 2-D CL contours with the |R_l| < 1, 2 bands of
    arXiv:1908.03607 Fig. 2) as a PNG."""
    plot.profiles(result, save=path)
