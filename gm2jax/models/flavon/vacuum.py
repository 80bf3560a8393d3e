"""Minimisation of the U(1)_f toy-model potential (arXiv:2003.06633 eq. (3.3), Appendix A).

Two tools:

* :func:`solve_vevs` -- Newton root-finding of the four tadpoles dV/dsigma_i = 0 in the real
  (CP-conserving) directions from a start point, with **implicit differentiation**: the
  derivative of the stationary vevs w.r.t. the potential parameters is
  ``dv/dtheta = -(d^2V/dsigma^2)^{-1} d^2V/dsigma dtheta`` (optimistix
  ``ImplicitAdjoint``; forward and reverse mode).  Jit/vmap/grad safe.
* :func:`find_vacua` -- multi-start BFGS (optimistix) in all eight real field components
  (phases included) to identify the GLOBAL minimum among the stationary points, plus a
  boundedness check first.  Host-side analysis tool (not jittable: it groups the minima).

Statuses (:class:`gm2jax.errors.Status`): UNBOUNDED_POTENTIAL (quartic part not positive,
:func:`gm2jax.models.flavon.potential.min_quartic`), NO_MINIMUM (the global minimum is the
trivial vacuum or has v_1 = 0 or v_a = 0, the first three rows of A.3), NO_CONVERGENCE,
TACHYON_SCALAR (a stationary point that is not a minimum), VEV_ORDERING (v_1 > v_a).
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

from gm2jax import linalg
from gm2jax._precision import float64
from gm2jax.errors import InvalidInput, PhysicsError, Status, describe_status
from gm2jax.models.flavon.potential import (
    PAPER,
    QUARTIC_NAMES,
    Convention,
    fields_from_vevs,
    mass_matrices,
    min_quartic,
    potential,
    tadpole_gradient,
)

_ROOT_TOL = 1e-12
_MIN_TOL = 1e-10
_BATCH = 32
_TRIVIAL_REL = 1e-3
"""A vev below 1e-3 of the field scale counts as zero (trivial / partial vacuum)."""


def _scale(params):
    """Field scale sqrt(max|mu^2| / max|lambda|) in GeV (for starts and tolerances)."""
    mu = jnp.max(jnp.abs(jnp.stack([jnp.asarray(params[k], dtype=jnp.float64) for k in ("mu1_sq", "mu3_sq", "mua_sq", "mub_sq")])))
    lam = jnp.max(jnp.abs(jnp.stack([jnp.asarray(params[k], dtype=jnp.float64) for k in QUARTIC_NAMES])))
    return jnp.sqrt(mu / lam)


def _solve_vevs(params, start, convention: Convention):
    start = jnp.asarray(start, dtype=jnp.float64)
    lam = jnp.max(jnp.abs(jnp.stack([jnp.asarray(params[k], dtype=jnp.float64) for k in QUARTIC_NAMES])))
    sc = jax.lax.stop_gradient(jnp.max(jnp.abs(start)))

    def fn(y, p):  # dimensionless tadpoles in units of lambda_max * scale^3
        return tadpole_gradient(y * sc, p, convention) / (lam * sc**3)

    # LAPACK one matrix per call under vmap (gm2jax.linalg.serial: batched CPU LAPACK can deadlock)
    solver = optx.Newton(rtol=_ROOT_TOL, atol=_ROOT_TOL, linear_solver=linalg.SerialLU())
    adjoint = optx.ImplicitAdjoint(linear_solver=linalg.SerialLU())
    sol = optx.root_find(fn, solver, start / sc, args=params, adjoint=adjoint, throw=False, max_steps=100)
    v = sol.value * sc
    ok = sol.result == optx.RESULTS.successful
    ms, mp = mass_matrices(v, params, convention)
    ws = linalg.eigh_sym(ms)[0]
    wp = linalg.eigh_sym(mp)[0]
    tol = 1e-9 * jnp.maximum(jnp.max(jnp.abs(ws)), 1.0)
    tach = (ws[0] < -tol) | (wp[0] < -tol)
    status = jnp.where(ok, 0, int(Status.NO_CONVERGENCE)) | jnp.where(tach, int(Status.TACHYON_SCALAR), 0)
    status = status | jnp.where(jnp.abs(v[0]) > jnp.abs(v[2]), int(Status.VEV_ORDERING), 0)
    return v, status


@float64
def solve_vevs(params, start, convention: Convention = PAPER, *, throw: bool = False):
    """Real stationary vacuum ``(v1, v3, va, vb)`` (GeV) reached by Newton from ``start``.

    Differentiable w.r.t. ``params`` by implicit differentiation (see the module docstring).

    Args:
        params: general potential parameters (:data:`~gm2jax.models.flavon.potential.POTENTIAL_PARAMETERS`).
        start: (4,) start vevs in GeV.
        convention: reading of eq. (3.3).
        throw: raise :class:`PhysicsError` on a non-zero status (concrete inputs only).

    Returns:
        ``(vevs, status)``; status flags NO_CONVERGENCE, TACHYON_SCALAR (saddle / maximum),
        VEV_ORDERING (|v1| > |va|).
    """
    v, status = _solve_vevs(params, start, convention)
    if throw and not isinstance(status, jax.core.Tracer) and int(status) != 0:
        raise PhysicsError(f"solve_vevs: {describe_status(int(status))}")
    return v, status


@functools.partial(jax.jit, static_argnums=(2,))
def _bfgs_batch(params, starts, convention: Convention, scale):
    lam = jnp.max(jnp.abs(jnp.stack([jnp.asarray(params[k], dtype=jnp.float64) for k in QUARTIC_NAMES])))
    norm = lam * scale**4

    def f(y, p):
        return potential(y * scale, p, convention) / norm

    solver = optx.BFGS(rtol=_MIN_TOL, atol=_MIN_TOL)

    def one(y0):
        sol = optx.minimise(f, solver, y0, args=params, throw=False, max_steps=2000)
        return sol.value * scale, sol.result == optx.RESULTS.successful

    return jax.vmap(one)(starts / scale)


_min_quartic_jit = jax.jit(min_quartic, static_argnums=(1, 2))


@dataclasses.dataclass
class VacuumResult:
    """Global-minimum search result (host-side numbers).

    Attributes:
        fields: (8,) real field components of the global minimum (GeV).
        value: V at the global minimum (GeV^4).
        moduli: (|phi_1|, |phi_3|, |phi_a|, |phi_b|) at the global minimum (GeV).
        vevs: real representative (v1, v3, va, vb) (GeV): v1, va >= 0, v3 and vb carrying the signs
            of the invariants Re(phi_3^* phi_1^3) and Re(phi_a^* phi_b^* phi_1^2) (None when
            the minimum is not CP-aligned).
        cp_aligned: the phase invariants of the minimum are real (no spontaneous CP violation).
        minima: list of (V, moduli) of the distinct local minima found, lowest first.
        status: :class:`Status` bit-field.
        n_converged: number of converged starts.
    """

    fields: np.ndarray
    value: float
    moduli: np.ndarray
    vevs: np.ndarray | None
    cp_aligned: bool
    minima: list
    status: int
    n_converged: int

    @property
    def message(self) -> str:
        return describe_status(self.status)


def real_representative(fields):
    """(vevs, cp_aligned) of a field configuration: see :class:`VacuumResult`."""
    x = np.asarray(fields, dtype=np.float64)
    p1, p3, pa, pb = (x[2 * i] + 1j * x[2 * i + 1] for i in range(4))
    mod = np.abs([p1, p3, pa, pb])
    i31 = np.conj(p3) * p1**3
    iab = np.conj(pa) * np.conj(pb) * p1**2
    tol = 1e-6
    aligned = all(abs(z.imag) <= tol * max(abs(z), 1e-300) for z in (i31, iab, pa**2, pb**2))
    vevs = np.array([mod[0], np.sign(i31.real) * mod[1], mod[2], np.sign(iab.real) * mod[3]]) if aligned else None
    return vevs, aligned


@float64
def find_vacua(params, convention: Convention = PAPER, *, n_starts: int = 64, seed: int = 0, extra_starts=None, throw: bool = False) -> VacuumResult:
    """Global minimum of V among the local minima reached from ``n_starts`` random starts.

    The starts are Gaussian in the 8 field components with widths ``scale x (0.1, 0.3, 1, 3)``
    (``scale = sqrt(max|mu^2|/max|lambda|)``), plus the trivial-vacuum neighbourhood and any
    ``extra_starts`` (list of (8,) field vectors or (4,) real vevs).  Each runs BFGS to
    convergence; minima are grouped by V (relative 1e-9).

    Args:
        params: general parameters (dict).
        convention: reading of eq. (3.3).
        n_starts: random starts.
        seed: PRNG seed.
        extra_starts: additional starts.
        throw: raise :class:`PhysicsError` on a non-zero status.

    Returns:
        :class:`VacuumResult` (status UNBOUNDED_POTENTIAL without minimisation when the quartic
        part is not positive; NO_MINIMUM when the global minimum has v_1 = 0 or v_a = 0;
        VEV_ORDERING when |v_1| > |v_a|; NO_CONVERGENCE when no start converged).

    Raises:
        InvalidInput: a non-finite parameter or ``n_starts < 1``.
    """
    if n_starts < 1:
        raise InvalidInput(f"find_vacua: n_starts must be >= 1, got {n_starts}")
    for k, val in params.items():
        if not np.all(np.isfinite(np.asarray(val, dtype=np.float64))):
            raise InvalidInput(f"find_vacua: parameter {k!r} is not finite")
    qmin, _ = _min_quartic_jit(params, convention)
    nan8 = np.full(8, np.nan)
    if not float(qmin) > 0.0:
        res = VacuumResult(nan8, np.nan, np.full(4, np.nan), None, False, [], int(Status.UNBOUNDED_POTENTIAL), 0)
        if throw:
            raise PhysicsError(f"find_vacua: {res.message} (min of the quartic form on the unit sphere = {float(qmin):.4g})")
        return res
    scale = float(_scale(params))
    key = jax.random.PRNGKey(seed)
    k1, k2 = jax.random.split(key)
    widths = jnp.asarray([0.1, 0.3, 1.0, 3.0])[jax.random.randint(k2, (n_starts,), 0, 4)]
    starts = jax.random.normal(k1, (n_starts, 8)) * widths[:, None] * scale
    starts = jnp.concatenate([starts, 1e-3 * scale * jnp.ones((1, 8))])
    if extra_starts is not None:
        ex = [np.asarray(fields_from_vevs(s)) if np.shape(s) == (4,) else np.asarray(s, dtype=np.float64) for s in extra_starts]
        starts = jnp.concatenate([starts, jnp.asarray(np.stack(ex))])
    params = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in params.items()}
    n_real = starts.shape[0]
    n_pad = -(-n_real // _BATCH) * _BATCH  # fixed batch sizes: one compilation for all calls
    starts = jnp.concatenate([starts, jnp.broadcast_to(starts[:1], (n_pad - n_real, 8))])
    xs, ok = _bfgs_batch(params, starts, convention, jnp.asarray(scale))
    xs, ok = np.asarray(xs)[:n_real], np.asarray(ok)[:n_real]
    vals = np.asarray(jax.vmap(lambda x: potential(x, params, convention))(jnp.asarray(xs)))
    good = ok & np.isfinite(vals)
    if not good.any():
        res = VacuumResult(nan8, np.nan, np.full(4, np.nan), None, False, [], int(Status.NO_CONVERGENCE), 0)
        if throw:
            raise PhysicsError(f"find_vacua: {res.message}")
        return res
    order = np.argsort(np.where(good, vals, np.inf))
    minima = []
    for i in order:
        if not good[i]:
            break
        mod = np.hypot(xs[i, 0::2], xs[i, 1::2])
        if not minima or all(abs(vals[i] - m[0]) > 1e-9 * max(abs(m[0]), 1.0) for m in minima):
            minima.append((float(vals[i]), mod))
    best = xs[order[0]]
    mod = np.hypot(best[0::2], best[1::2])
    vevs, aligned = real_representative(best)
    status = 0
    if mod[0] < _TRIVIAL_REL * scale or mod[2] < _TRIVIAL_REL * scale:
        status |= int(Status.NO_MINIMUM)
    elif mod[0] > mod[2]:
        status |= int(Status.VEV_ORDERING)
    res = VacuumResult(best, float(vals[order[0]]), mod, vevs, aligned, minima, status, int(good.sum()))
    if throw and status:
        raise PhysicsError(f"find_vacua: {res.message}; global minimum at |phi| = {np.round(mod, 3).tolist()} GeV")
    return res
