"""Multi-start L-BFGS with exact gradients and honest evaluation counts: :func:`lbfgs_run`.

``optax.lbfgs`` with its zoom line search (strong Wolfe conditions) on a loss ``u -> scalar`` from
many starts, counting every value-and-gradient evaluation per start (one for the start, then
every line-search trial; the iterate's value and gradient are the line search's, never
recomputed).  :mod:`gm2jax.analysis` (``find_modes``) and :mod:`gm2jax.sensitivity`
(``profile_quantity``) use it with ``optimizer="lbfgs"``; ``benchmarks/ew2025_fit.py`` compares
it with scipy's optimisers.

References:
    J. Nocedal, S. Wright, Numerical Optimization (2006), Algorithms 3.5-3.6 (zoom) and 7.4-7.5 (L-BFGS).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

__all__ = ["LbfgsRun", "lbfgs_run", "lbfgs_runner"]


class LbfgsRun(NamedTuple):
    """Result of :func:`lbfgs_run` (NumPy arrays; n starts, s iterations).

    Attributes:
        u: best point per start, shape (n, d).
        loss: its loss, shape (n,).
        history: best loss so far after each iteration, shape (s + 1, n) (row 0: the start;
            constant once converged).
        evaluations: value-and-gradient evaluations spent when that loss was known (the start's
            first evaluation, then every line-search evaluation), shape (s + 1, n).
        iterations: iterations until the start converged, shape (n,).
    """

    u: np.ndarray
    loss: np.ndarray
    history: np.ndarray
    evaluations: np.ndarray
    iterations: np.ndarray


def lbfgs_run(loss, u0, *, steps: int = 200, memory_size: int = 10, gtol: float = 1e-7, ftol: float = 1e-12,
              vmap: bool = False) -> LbfgsRun:
    """Vmapped ``optax.lbfgs`` (zoom line search, exact gradients) from every row of ``u0``.

    One jitted ``lax.while_loop`` of at most ``steps`` iterations (under vmap it runs until the
    last start stops; a stopped start's point and counters are frozen).  A start stops when
    |grad|_inf < ``gtol``, one iteration lowers the loss by less than ``ftol`` (1 + |loss|), or
    the line search returns a non-finite point.  Evaluations are counted per start, honestly: one value-and-gradient for
    the start, then every line-search trial (``num_linesearch_steps``); the iterate's value and
    gradient come from the line search, never recomputed.

    Args:
        loss: ``u -> scalar`` (pure, NaN-free; e.g. :meth:`gm2jax.problem.Problem.chi2_u`).
        u0: starts, shape (n, d).
        steps: maximum iterations.
        memory_size: L-BFGS memory.
        gtol, ftol: stopping tolerances (see above).
        vmap: run all starts at once (one vmapped program) instead of one after another (one
            compiled single-start program).  Under vmap the line search's ``lax.cond`` branches
            become selects: every trial evaluates the loss about twice (Rosenbrock: 157 executed
            for 79 counted), so the counts are the algorithm's, not the work done; sequential
            starts execute exactly the counted evaluations (tests/test_fit.py).

    Returns:
        :class:`LbfgsRun`.
    """
    run = lbfgs_runner(loss, steps=steps, memory_size=memory_size, gtol=gtol, ftol=ftol, vmap=vmap)
    u0 = jnp.asarray(u0)
    if vmap:
        out = [np.asarray(a) for a in run(u0)]
    else:
        rows = [[np.asarray(a) for a in run(u)] for u in u0]
        out = [np.stack([r[i] for r in rows]) for i in range(5)]
    bu, bl, hist, used, it = out
    return LbfgsRun(bu, bl, hist.T, used.T, it)


def lbfgs_runner(loss, *, steps: int = 200, memory_size: int = 10, gtol: float = 1e-7, ftol: float = 1e-12,
                 vmap: bool = False):
    """The jitted program behind :func:`lbfgs_run`: one start ``u (d,) -> (u, loss, history,
    evaluations, iterations)`` as JAX arrays, or with ``vmap`` all starts ``u0 (n, d)`` (leading
    axis n on every output).  Benchmarks time its compilation apart with ``.lower(u).compile()``."""
    opt = optax.lbfgs(memory_size=memory_size)
    vg = jax.value_and_grad(loss)

    def one(u):
        v0, g0 = vg(u)
        state = optax.tree_utils.tree_set(opt.init(u), value=v0, grad=g0)
        hist0 = jnp.full((steps + 1,), v0).at[0].set(v0)
        used0 = jnp.ones((steps + 1,), dtype=jnp.int32)
        done0 = jnp.max(jnp.abs(g0)) < gtol

        def body(carry):
            u, st, used, done, bu, bl, it, hist, usedh = carry
            value = optax.tree_utils.tree_get(st, "value")
            grad = optax.tree_utils.tree_get(st, "grad")
            upd, st_new = opt.update(grad, st, u, value=value, grad=grad, value_fn=loss)
            u_new = optax.apply_updates(u, upd)
            v_new = optax.tree_utils.tree_get(st_new, "value")
            ls = jnp.asarray(optax.tree_utils.tree_get(st_new, "num_linesearch_steps"), dtype=jnp.int32)
            ok = jnp.all(jnp.isfinite(u_new)) & jnp.isfinite(v_new)
            used = used + ls
            better = ok & (v_new < bl)
            bu = jnp.where(better, u_new, bu)
            bl = jnp.where(better, v_new, bl)
            u = jnp.where(ok, u_new, u)
            st = jax.tree.map(lambda a, b: jnp.where(ok, b, a), st, st_new)
            stall = ~(value - v_new > ftol * (1.0 + jnp.abs(value)))
            g_new = optax.tree_utils.tree_get(st, "grad")
            done = ~ok | stall | (jnp.max(jnp.abs(g_new)) < gtol)
            it = it + 1
            # entries after the last iteration keep the final best loss and count
            hist = jnp.where(jnp.arange(steps + 1) >= it, bl, hist)
            usedh = jnp.where(jnp.arange(steps + 1) >= it, used, usedh)
            return u, st, used, done, bu, bl, it, hist, usedh

        def cond(carry):
            return ~carry[3] & (carry[6] < steps)

        carry0 = (u, state, jnp.asarray(1, dtype=jnp.int32), done0, u, v0, jnp.asarray(0, dtype=jnp.int32), hist0, used0)
        _, _, _, _, bu, bl, it, hist, usedh = jax.lax.while_loop(cond, body, carry0)
        return bu, bl, hist, usedh, it

    return jax.jit(jax.vmap(one)) if vmap else jax.jit(one)
