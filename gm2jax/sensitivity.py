"""Gradient answers about a fit: sensitivity to the measured inputs, profiles of derived
quantities and the constrained bound ("the lightest smuon mass allowed at 95 % CL").

Built on a :class:`gm2jax.problem.Problem` (re-exported by :mod:`gm2jax.analysis`):

* :func:`sensitivity` -- d chi^2_min / d input for every numeric input of the likelihood (the
  measured Delta a_l, its sigma, the theory uncertainty, LEP bounds) by the envelope theorem
  (d chi^2_min/d theta = d chi^2/d theta at the optimum), and the shift of the optimum
  dx*/d theta = -H^-1 d^2 chi^2/du d theta by implicit differentiation.
* :func:`profile_quantity` -- profile chi^2 of any derived quantity (lightest smuon, lightest
  chargino mass) by a stiff quadratic penalty, one vmapped Adam run over the grid and the modes.
* :func:`extreme_at_cl` -- the inverse question by constrained optimisation: the smallest (or
  largest) value of a derived quantity allowed at confidence level ``cl`` (Delta chi^2 <=
  3.84 at 95 %), by an augmented Lagrangian with vmapped Adam inner solves; the KKT multiplier
  gives the sensitivity of that bound to every likelihood input (envelope theorem of the
  constrained problem).

Every function is float64 (runs inside ``jax.enable_x64(True)``), takes explicit sizes and
returns plain dataclasses of NumPy arrays; evaluation counts (one value-and-gradient = one
evaluation) are reported for the benchmarks.
"""

from __future__ import annotations

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from gm2jax import curvature
from gm2jax.errors import InvalidInput
from gm2jax.fit import adam_run
from gm2jax.lbfgs import lbfgs_run
from gm2jax.likelihood import delta_chi2_quantile
from gm2jax.problem import Problem

__all__ = [
    "BoundResult",
    "ProfileResult",
    "extreme_at_cl",
    "likelihood_inputs",
    "profile_quantity",
    "quantity_fn",
    "sensitivity",
]


# --------------------------------------------------------------------------------------
# Sensitivity to the inputs (envelope theorem + implicit function theorem)
# --------------------------------------------------------------------------------------


def _is_input(v) -> bool:
    return (isinstance(v, float) and not isinstance(v, bool)) or eqx.is_inexact_array(v)


def likelihood_inputs(problem: Problem) -> tuple[dict, object]:
    """The numeric inputs of the problem's likelihood: ({"a_mu.value": 3.85e-10, ...}, rebuild)
    with ``rebuild(dict) -> Likelihood`` (the terms' measured values, sigmas, theory
    uncertainties, bounds and widths; names ``<term>.<field>``)."""
    lik = problem.likelihood
    params, static = eqx.partition(lik, _is_input)
    flat, treedef = jax.tree_util.tree_flatten_with_path(params)
    names = []
    for path, _ in flat:
        term = lik.terms[path[1].idx]
        names.append(f"{term.name}.{path[-1].name}")
    values = {n: float(v) for n, (_, v) in zip(names, flat, strict=True)}

    def rebuild(theta: dict):
        leaves = [jnp.asarray(theta[n], dtype=jnp.float64) for n in names]
        return eqx.combine(jax.tree_util.tree_unflatten(treedef, leaves), static)

    return values, rebuild


def _chi2_with_inputs(problem: Problem, rebuild):
    def f(u, theta):
        return rebuild(theta).chi2(problem.predict(problem.from_unconstrained(u)))

    return f


def sensitivity(problem: Problem, u_star, *, scale: bool = True) -> dict:
    """Sensitivity of the best fit to every likelihood input.

    Args:
        problem: the fit problem.
        u_star: the chi^2 minimum (unconstrained; polish it first, the envelope theorem needs
            d chi^2/du = 0).
        scale: also return ``dchi2_dlog`` = theta d chi^2_min/d theta (per relative change).

    Returns:
        dict with ``inputs`` (name -> value), ``dchi2_min`` (name -> d chi^2_min/d input),
        ``dchi2_dlog`` (optional), ``dx_dinput`` (name -> dx*/d input, shape (d,), physical
        parameters; least-squares solution when the Hessian is singular), ``hessian_rank``.
    """
    with jax.enable_x64(True):
        theta0, rebuild = likelihood_inputs(problem)
        f = _chi2_with_inputs(problem, rebuild)
        u = jnp.asarray(u_star, dtype=jnp.float64)
        th = {k: jnp.asarray(v) for k, v in theta0.items()}
        g_theta = jax.grad(f, argnums=1)(u, th)
        h_uu = np.asarray(jax.hessian(f, argnums=0)(u, th))
        h_ut = jax.jacfwd(jax.grad(f, argnums=0), argnums=1)(u, th)
        jac = np.asarray(jax.jacfwd(problem.from_unconstrained)(u))
        w = np.linalg.eigvalsh(0.5 * (h_uu + h_uu.T))
        rank = int((w > max(w.max(), 0.0) * 1e-10 * len(w)).sum())
        hp = np.linalg.pinv(0.5 * (h_uu + h_uu.T), rcond=1e-10)
        out = {
            "inputs": dict(theta0),
            "dchi2_min": {k: float(v) for k, v in g_theta.items()},
            "dx_dinput": {k: -jac @ hp @ np.asarray(v) for k, v in h_ut.items()},
            "hessian_rank": rank,
        }
        if scale:
            out["dchi2_dlog"] = {k: theta0[k] * out["dchi2_min"][k] for k in theta0}
        return out


# --------------------------------------------------------------------------------------
# Derived quantities: profiles and constrained extremes
# --------------------------------------------------------------------------------------


def quantity_fn(problem: Problem, quantity):
    """u -> derived quantity: ``quantity`` is a prediction key (``"m_slepton_mu"``,
    ``"m_chargino_1"``, ``"a_mu"``, ...) or a callable ``(prediction dict, parameter values dict) -> scalar``."""
    if isinstance(quantity, str):
        key = quantity

        def q(u):
            return problem.predict(problem.from_unconstrained(u))[key]

        return q

    def q(u):
        x = problem.from_unconstrained(u)
        return quantity(problem.predict(x), problem.values(x))

    return q


@dataclasses.dataclass
class ProfileResult:
    """Profile chi^2 of a derived quantity.

    Attributes:
        target: requested values of the quantity (grid).
        value: values reached (the penalty holds them within ``width``).
        chi2: profile chi^2 (without the penalty) at the reached values.
        delta_chi2: chi2 - chi2_min (chi2_min = min of the fit and of the profile).
        x: the profiled parameters, shape (grid, d).
        evaluations: value+gradient evaluations spent.
    """

    target: np.ndarray
    value: np.ndarray
    chi2: np.ndarray
    delta_chi2: np.ndarray
    x: np.ndarray
    evaluations: int


def profile_quantity(
    problem: Problem,
    quantity,
    grid,
    u_starts,
    *,
    chi2_min: float | None = None,
    rel_width: float = 2e-3,
    steps: int = 600,
    learning_rate: float = 0.05,
    polish_steps: int = 10,
    optimizer: str = "adam",
) -> ProfileResult:
    """Profile chi^2 of a derived quantity q: min over u of chi^2(u) + ((q(u) - q0)/(rel_width q0))^2.

    Every grid value is started from every point of ``u_starts`` (e.g. each mode's best fit); the
    best per grid value is kept.  One vmapped Adam run.

    Args:
        problem: the fit problem.
        quantity: prediction key or callable (see :func:`quantity_fn`).
        grid: values of q, shape (m,).
        u_starts: starting points (unconstrained), shape (k, d).
        chi2_min: global chi^2 minimum (default: the smallest of the profile).
        rel_width: penalty width relative to |q0|.
        steps, learning_rate: Adam settings (L-BFGS: ``steps`` = maximum iterations).
        polish_steps: damped Newton iterations per point after the optimiser (0: none).
        optimizer: ``"adam"`` (:func:`gm2jax.fit.adam_run`) or ``"lbfgs"`` (optax L-BFGS, zoom
            line search, exact gradients: :func:`gm2jax.lbfgs.lbfgs_run`; evaluations counted per
            line-search trial).
    """
    if optimizer not in ("adam", "lbfgs"):
        raise InvalidInput(f"profile_quantity: optimizer={optimizer!r}; use 'adam' or 'lbfgs'")
    with jax.enable_x64(True):
        q = quantity_fn(problem, quantity)
        grid = np.asarray(grid, dtype=float)
        us = np.atleast_2d(np.asarray(u_starts, dtype=float))
        m, k = len(grid), len(us)
        targets = np.repeat(grid, k)
        starts = np.tile(us, (m, 1))

        def loss(z):
            u, t = z[:-1], jax.lax.stop_gradient(z[-1])
            return problem.chi2_u(u) + ((q(u) - t) / (rel_width * jnp.abs(t))) ** 2

        z0 = np.concatenate([starts, targets[:, None]], axis=1)
        if optimizer == "lbfgs":
            run = lbfgs_run(loss, z0, steps=steps)
            bz, n_eval = np.array(run.u), int(run.evaluations[-1].sum())
        else:
            bz, _ = adam_run(loss, z0, steps=steps, learning_rate=learning_rate)
            bz, n_eval = np.array(bz), steps * m * k
        if polish_steps:
            vgh = curvature.value_grad_hessian(loss)
            for j in range(len(bz)):
                bz[j], *_, ne = curvature.autodiff_newton(loss, bz[j], steps=polish_steps, vgh=vgh)
                n_eval += ne
        bu = jnp.asarray(bz[:, :-1])
        chi2 = np.asarray(jax.jit(jax.vmap(problem.chi2_u))(bu)).reshape(m, k)
        val = np.asarray(jax.jit(jax.vmap(q))(bu)).reshape(m, k)
        pen = chi2 + ((val - grid[:, None]) / (rel_width * np.abs(grid[:, None]))) ** 2
        best = np.argmin(np.where(np.isfinite(pen), pen, np.inf), axis=1)
        rows = np.arange(m)
        c = chi2[rows, best]
        cmin = float(np.min(c)) if chi2_min is None else min(float(chi2_min), float(np.min(c)))
        x = np.asarray(jax.vmap(problem.from_unconstrained)(bu)).reshape(m, k, -1)[rows, best]
        return ProfileResult(grid, val[rows, best], c, c - cmin, x, int(n_eval))


def _kkt_newton(obj, g, u, lam: float, *, steps: int):
    """Newton on the KKT system of min obj s.t. g = 0: [H_obj + lam H_g, grad g; grad g^T, 0]."""
    vgh_o, vgh_g = curvature.value_grad_hessian(obj), curvature.value_grad_hessian(g)
    n = 0
    for _ in range(steps):
        _, go, ho = (np.asarray(a) for a in vgh_o(u))
        gval, gg, hg = (np.asarray(a) for a in vgh_g(u))
        n += 1
        r = np.concatenate([go + lam * gg, [gval]])
        if np.linalg.norm(r[:-1]) < 1e-12 * max(np.linalg.norm(go), 1e-300) and abs(gval) < 1e-10:
            break
        d = len(go)
        jm = np.zeros((d + 1, d + 1))
        jm[:d, :d] = ho + lam * hg
        jm[:d, d] = gg
        jm[d, :d] = gg
        try:
            step = np.linalg.solve(jm, -r)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or np.linalg.norm(step[:d]) > 1.0:  # leave it to the AL solution
            break
        u = u + jnp.asarray(step[:d])
        lam = max(0.0, lam + float(step[d]))
    return u, lam, n


@dataclasses.dataclass
class BoundResult:
    """Smallest (or largest) value of a derived quantity allowed at a confidence level.

    Attributes:
        value: the bound (quantity at the constrained optimum).
        x, u: the point that attains it.
        chi2: chi^2 there (= chi2_min + delta_chi2 when the constraint is active).
        delta_chi2: the allowed Delta chi^2 (3.84 at 95 % CL, one parameter of interest).
        multiplier: KKT multiplier lambda of chi^2 - chi2_min - delta_chi2 <= 0 (dq/d delta_chi2 = -lambda
            for ``minimize``).
        kkt_residual: |grad q + lambda grad chi^2| / |grad q| at the solution (0 at a KKT point).
        dbound_dinput: input name -> d bound/d input (envelope theorem of the constrained problem,
            including the shift of chi2_min).
        evaluations: value+gradient evaluations spent.
        converged: constraint satisfied to 1e-3 and KKT residual < 1e-2.
    """

    value: float
    x: np.ndarray
    u: np.ndarray
    chi2: float
    delta_chi2: float
    multiplier: float
    kkt_residual: float
    dbound_dinput: dict
    evaluations: int
    converged: bool


def extreme_at_cl(
    problem: Problem,
    quantity,
    u_starts,
    chi2_min: float,
    *,
    u_best=None,
    cl: float = 0.95,
    minimize: bool = True,
    outer: int = 12,
    inner: int = 300,
    learning_rate: float = 0.03,
    rho: float = 10.0,
    kkt_steps: int = 8,
) -> BoundResult:
    """Inverse question: min (or max) of a derived quantity subject to chi^2 <= chi2_min + Delta chi^2(cl).

    Augmented Lagrangian on the inequality g(u) = chi^2(u) - chi2_min - Delta chi^2 <= 0 with the
    quantity scaled by its start value: inner solves by vmapped Adam from every start, multiplier
    update lambda <- max(0, lambda + rho g); the best feasible start wins.

    Args:
        problem: the fit problem.
        quantity: prediction key or callable (see :func:`quantity_fn`).
        u_starts: starts (unconstrained), shape (k, d): e.g. the modes and low-mass profile points.
        chi2_min: the global chi^2 minimum.
        u_best: the global best fit (for the input sensitivities; None skips them).
        cl: confidence level (one parameter of interest: Delta chi^2 = 3.84 at 95 %).
        minimize: True for the lower bound, False for the upper bound.
        outer, inner, learning_rate, rho: solver settings.
        kkt_steps: Newton iterations on the KKT system (grad q + lambda grad chi^2 = 0,
            chi^2 = chi2_min + Delta chi^2) after the augmented Lagrangian, when the constraint is active.
    """
    with jax.enable_x64(True):
        dq = delta_chi2_quantile(cl)
        q = quantity_fn(problem, quantity)
        us = np.atleast_2d(np.asarray(u_starts, dtype=float))
        k = len(us)
        sgn = 1.0 if minimize else -1.0
        qs = float(np.median(np.abs(np.asarray(jax.vmap(q)(jnp.asarray(us))))))
        qs = qs if qs > 0 else 1.0

        def obj(u):
            return sgn * q(u) / qs

        def g(u):
            return problem.chi2_u(u) - chi2_min - dq

        def aug(z):
            u, lam, r = z[:-2], jax.lax.stop_gradient(z[-2]), jax.lax.stop_gradient(z[-1])
            return obj(u) + (jnp.maximum(0.0, lam + r * g(u)) ** 2 - lam**2) / (2.0 * r)

        lam = np.zeros(k)
        r = np.full(k, rho)
        u = us.copy()
        n_eval = 0
        g_v = jax.jit(jax.vmap(g))
        for _ in range(outer):
            z0 = np.concatenate([u, lam[:, None], r[:, None]], axis=1)
            bz, _ = adam_run(aug, z0, steps=inner, learning_rate=learning_rate)
            n_eval += inner * k
            u = bz[:, :-2]
            gv = np.asarray(g_v(jnp.asarray(u)))
            lam = np.maximum(0.0, lam + r * gv)
            r = np.where(gv > 1e-2, r * 2.0, r)
        # polish: Newton on the Lagrangian stationarity is not needed; pick the best feasible
        qv = np.array(jax.vmap(q)(jnp.asarray(u)))
        gv = np.array(g_v(jnp.asarray(u)))
        feas = gv <= 1e-3
        score = np.where(feas, sgn * qv, np.inf)
        if not np.isfinite(score).any():
            score = np.where(np.isfinite(gv), gv, np.inf)
        i = int(np.argmin(score))
        ui = jnp.asarray(u[i])
        grad_q = np.asarray(jax.grad(obj)(ui))
        grad_c = np.asarray(jax.grad(problem.chi2_u)(ui))
        lam_i = float(lam[i])
        if gv[i] > -1e-3:  # active constraint: least-squares KKT multiplier, then Newton on the KKT system
            lam_i = float(max(0.0, -grad_q @ grad_c / max(grad_c @ grad_c, 1e-300)))
            ui, lam_i, ne = _kkt_newton(obj, g, ui, lam_i, steps=kkt_steps)
            n_eval += ne
            qv[i], gv[i] = float(q(ui)), float(g(ui))
            grad_q = np.asarray(jax.grad(obj)(ui))
            grad_c = np.asarray(jax.grad(problem.chi2_u)(ui))
        kkt = float(np.linalg.norm(grad_q + lam_i * grad_c) / max(np.linalg.norm(grad_q), 1e-300))
        sens = {}
        if u_best is not None:
            theta0, rebuild = likelihood_inputs(problem)
            f = _chi2_with_inputs(problem, rebuild)
            th = {kk: jnp.asarray(v) for kk, v in theta0.items()}
            d_at = jax.grad(f, argnums=1)(ui, th)
            d_best = jax.grad(f, argnums=1)(jnp.asarray(u_best, dtype=jnp.float64), th)
            # L = s q/qs + lam g  =>  d(s q*/qs)/d theta = lam (dchi2/dtheta at u* - dchi2_min/dtheta)
            sens = {kk: sgn * qs * lam_i * float(d_at[kk] - d_best[kk]) for kk in theta0}
        x = np.asarray(problem.from_unconstrained(ui))
        return BoundResult(
            value=float(qv[i]),
            x=x,
            u=np.asarray(ui),
            chi2=float(gv[i] + chi2_min + dq),
            delta_chi2=dq,
            multiplier=lam_i * qs,
            kkt_residual=kkt,
            dbound_dinput=sens,
            evaluations=n_eval,
            converged=bool(abs(gv[i]) < 1e-3 or (gv[i] < 0 and lam_i == 0.0)) and kkt < 1e-2,
        )
