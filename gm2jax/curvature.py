"""Second derivatives of a chi^2 for fits: Hessian (autodiff or gradient differences), chain rule
to physical parameters, covariance, damped Newton.

Two ways to the Hessian H_u = d^2 chi^2/du^2 in the unconstrained space:

* ``"autodiff"`` -- exact, forward-over-reverse Hessian-vector products on the unit vectors
  (:func:`value_grad_hessian`).  One more compilation of the model; cheap at one loop, but the
  two-loop MSSM chi^2 takes more than 17 min to compile on two CPU cores.
* ``"gradient_differences"`` -- central differences of the exact (autodiff) gradient, which the
  optimiser has already compiled (:func:`gradient_difference_hessian`): column i is
  D_i(h) = [g(u + h e_i) - g(u - h e_i)] / (2h), with error O(h^2); Richardson extrapolation
  R = [4 D(h/2) - D(h)] / 3 removes the h^2 term (error O(h^4)).  4d gradients, evaluated as one
  batch.  The step per unconstrained coordinate is h_i = eta s_i with s_i = max(1, |u_i|),
  narrowed to the 1-sigma width sqrt(2/H_ii) once a Hessian estimate is known, and
  eta = 3e-3: for a gradient with relative rounding delta ~ 1e-13 the rounding error of H is
  ~ delta/eta ~ 3e-11 and the truncation error ~ eta^4 ~ 1e-10 (relative, in units of the
  curvature scale).  The error estimate returned per element is |R - D(h/2)| (= |D(h/2) - D(h)|/3,
  a bound on the O(h^4) error of R in the asymptotic regime) plus half the asymmetry |R - R^T|
  (rounding shows up there); H is returned symmetrised.

``"auto"`` (the ``[fit]`` default) picks gradient differences where the autodiff Hessian is
expensive to compile (the MSSM at two loops) and autodiff elsewhere (:func:`choose_method`).

Example:
    >>> import jax.numpy as jnp, numpy as np
    >>> f = lambda u: jnp.sum(u**2) + u[0] * u[1] ** 2
    >>> batch = lambda us: (np.array([float(f(u)) for u in us]),
    ...                     np.array([[2 * u[0] + u[1] ** 2, 2 * u[1] + 2 * u[0] * u[1]] for u in us]))
    >>> value, g, h, err = gradient_difference_hessian(batch, np.array([1.0, 2.0]))
    >>> np.round(h, 8).tolist()
    [[2.0, 4.0], [4.0, 4.0]]
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from gm2jax.errors import InvalidInput

__all__ = [
    "ETA",
    "HESSIAN_METHODS",
    "autodiff_newton",
    "choose_method",
    "covariance",
    "gradient_difference_hessian",
    "newton_polish",
    "physical_hessian",
    "value_grad_hessian",
]

HESSIAN_METHODS = ("auto", "autodiff", "gradient_differences")
"""Values of the ``[fit]`` option ``hessian_method``."""

ETA = 3e-3
"""Relative step of the gradient differences (see the module docstring)."""


def choose_method(method: str, loops: int | None) -> str:
    """The Hessian method to use: ``"auto"`` -> ``"gradient_differences"`` at two loops (the
    autodiff Hessian of the two-loop chi^2 compiles for > 17 min on two cores), else ``"autodiff"``."""
    if method not in HESSIAN_METHODS:
        raise InvalidInput(f"fit.hessian_method: unknown {method!r}; use one of {HESSIAN_METHODS}")
    if method != "auto":
        return method
    return "gradient_differences" if loops == 2 else "autodiff"


def value_grad_hessian(f: Callable) -> Callable:
    """jit(u -> (f, grad f, Hessian f)): forward-over-reverse Hessian-vector products on the unit
    vectors (exact autodiff; compiles faster than ``jax.hessian`` here), Hessian symmetrised."""
    vg = jax.value_and_grad(f)

    def vgh(u):
        d = u.shape[0]
        (vals, grads), (_, hess) = jax.vmap(lambda v: jax.jvp(vg, (u,), (v,)))(jnp.eye(d, dtype=u.dtype))
        return vals[0], grads[0], 0.5 * (hess + hess.T)

    return jax.jit(vgh)


def gradient_difference_hessian(value_and_grads: Callable, u, scale=None, eta: float = ETA):
    """Hessian by Richardson-extrapolated central differences of an exact gradient.

    Args:
        value_and_grads: ``points (m, d) -> (values (m,), gradients (m, d))`` (NumPy), evaluated
            as one batch (the caller pads to its compiled batch size).
        u: the point, shape (d,).
        scale: optional per-coordinate length scale s_i (default max(1, |u_i|)); the step is
            ``eta * s_i``.
        eta: relative step.

    Returns:
        ``(value, gradient, H, error)`` at ``u``: H symmetrised (d, d) and the per-element error
        estimate (module docstring).
    """
    u = np.asarray(u, dtype=np.float64)
    d = u.shape[0]
    s = np.maximum(1.0, np.abs(u)) if scale is None else np.asarray(scale, dtype=np.float64)
    h = eta * s
    eye = np.eye(d)
    pts = [u[None, :]]
    for f in (1.0, 0.5):
        pts += [u + f * h[:, None] * eye, u - f * h[:, None] * eye]
    values, grads = value_and_grads(np.concatenate(pts, axis=0))
    values, grads = np.asarray(values), np.asarray(grads)
    gp1, gm1, gp2, gm2 = (grads[1 + k * d : 1 + (k + 1) * d] for k in range(4))
    d1 = ((gp1 - gm1) / (2.0 * h[:, None])).T  # column i = d g / d u_i
    d2 = ((gp2 - gm2) / h[:, None]).T
    r = (4.0 * d2 - d1) / 3.0
    err = np.abs(r - d2) + 0.5 * np.abs(r - r.T)
    return float(values[0]), grads[0], 0.5 * (r + r.T), err


def physical_hessian(problem, u, g, hu) -> np.ndarray:
    """H_x from H_u by the exact chain rule through the bijections:
    H_x = D H_u D + diag(g_u d^2u/dx^2), D = diag(du/dx) (autodiff of the bijections)."""
    x = problem.from_unconstrained(jnp.asarray(u))
    du, d2u = [], []
    for i, p in enumerate(problem.config.free):
        inv = p.bijection.inverse
        du.append(jax.grad(inv)(x[i]))
        d2u.append(jax.grad(jax.grad(inv))(x[i]))
    du, d2u = np.asarray(jnp.stack(du)), np.asarray(jnp.stack(d2u))
    hu = np.asarray(hu)
    return du[:, None] * hu * du[None, :] + np.diag(np.asarray(g) * d2u)


def covariance(h: np.ndarray):
    """2 H^-1 (pseudo-inverse), rank, and errors (NaN along null directions)."""
    h = 0.5 * (h + h.T)
    w, v = np.linalg.eigh(h)
    tol = max(w.max(), 0.0) * 1e-10 * len(w)
    keep = w > tol
    rank = int(keep.sum())
    winv = np.where(keep, 1.0 / np.where(keep, w, 1.0), 0.0)
    cov = 2.0 * (v * winv) @ v.T
    err = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    if rank < len(w):
        # directions with (numerically) zero curvature: the error is unbounded
        null = v[:, ~keep]
        err = np.where(np.abs(null).max(axis=1) > 1e-6, np.nan, err)
    return cov, rank, err


def newton_polish(vgh: Callable, u0, *, steps: int, gtol: float = 1e-10, ftol: float = 0.0):
    """Damped (Levenberg) Newton minimisation from ``u0``.

    Args:
        vgh: ``u -> (value, gradient, Hessian)`` (autodiff or gradient differences).
        u0: start, shape (d,).
        steps: maximal Newton iterations.
        gtol: stop when |gradient| < gtol.
        ftol: stop when the value is below ftol (a chi^2 = 0 valley).

    Returns:
        (u, value, gradient, Hessian, evaluations) with NumPy arrays; an evaluation is one
        ``vgh`` call.
    """
    u = np.asarray(u0, dtype=np.float64)
    val, g, h = vgh(u)
    val, g, h = float(val), np.asarray(g), np.asarray(h)
    n_eval = 1
    d = u.shape[0]
    lam = 1e-3 * max(float(np.abs(np.diag(h)).max()), 1e-12)
    for _ in range(steps):
        if val < ftol or np.linalg.norm(g) < gtol:
            break
        try:
            delta = np.linalg.solve(h + lam * np.eye(d), g)
        except np.linalg.LinAlgError:
            lam *= 10.0
            continue
        trial = u - delta
        v2, g2, h2 = vgh(trial)
        n_eval += 1
        v2 = float(v2)
        if math.isfinite(v2) and v2 <= val:
            u, val, g, h = trial, v2, np.asarray(g2), np.asarray(h2)
            lam = max(lam / 10.0, 1e-12)
        else:
            lam *= 10.0
            if lam > 1e12:
                break
    return u, val, g, h, n_eval


def autodiff_newton(f: Callable, u0, *, steps: int = 20, vgh: Callable | None = None):
    """:func:`newton_polish` of a scalar function ``f`` with its autodiff Hessian.

    Args:
        f: scalar function of a vector (jit-able).
        u0: start, shape (d,).
        steps: maximal Newton iterations.
        vgh: optional precompiled :func:`value_grad_hessian` of ``f``.

    Returns:
        (u, f(u), grad, Hessian, evaluations) with NumPy arrays; an evaluation is one
        value-gradient-Hessian call.
    """
    vgh = value_grad_hessian(f) if vgh is None else vgh
    return newton_polish(lambda u: vgh(jnp.asarray(u, dtype=jnp.float64)), u0, steps=steps)
