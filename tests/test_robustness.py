"""Robustness (issue 15): no silent inf/NaN, no traceback, no hang."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax import linalg


def _batched_lapack(hlo: str) -> list[str]:
    return re.findall(r"custom_call @(lapack_\w+)\([^\n]*num_batch_dims = \"[1-9]\d*\"", hlo)


# --------------------------------------------------------------------------------------
# LAPACK under vmap: one matrix per call (the NUTS-hang mechanism, tests/test_sample.py)
# --------------------------------------------------------------------------------------


def test_serial_runs_lapack_once_per_element_and_matches():
    rng = np.random.default_rng(1)
    a = jnp.asarray(rng.normal(size=(20, 3, 3)) + 3.0 * np.eye(3))
    f = jax.jit(jax.vmap(linalg.serial(jnp.linalg.inv)))
    assert _batched_lapack(jax.jit(jax.vmap(jnp.linalg.inv)).lower(a).as_text())  # the detector sees a batch
    assert not _batched_lapack(f.lower(a).as_text())
    np.testing.assert_allclose(f(a), np.linalg.inv(np.asarray(a)), rtol=1e-12, atol=1e-15)
    # an unbatched argument next to a batched one is broadcast
    g = jax.vmap(linalg.serial(lambda m, v: jnp.linalg.solve(m, v)), in_axes=(0, None))
    np.testing.assert_allclose(g(a, jnp.ones(3)), np.linalg.solve(np.asarray(a), np.ones((20, 3, 1)))[..., 0], rtol=1e-12)


def test_serial_lu_newton_values_and_implicit_gradients():
    """optimistix Newton with linalg.SerialLU (solver and implicit adjoint): no batched LAPACK
    in value or gradient, and the same numbers as lineax's LU."""
    import lineax as lx
    import optimistix as optx

    rng = np.random.default_rng(2)
    a = jnp.asarray(rng.normal(size=(16, 3, 3)) + 3.0 * np.eye(3))

    def root(m, solver):
        fn = lambda y, m: m @ y + y**3 - 1.0  # noqa: E731
        sol = optx.root_find(fn, optx.Newton(1e-12, 1e-12, linear_solver=solver), jnp.zeros(3), args=m,
                             throw=False, adjoint=optx.ImplicitAdjoint(linear_solver=solver))
        return sol.value

    def loss(m, solver):
        return jnp.sum(jax.vmap(lambda x: root(x, solver))(m) ** 2)

    serial_grad = jax.jit(jax.value_and_grad(lambda m: loss(m, linalg.SerialLU())))
    assert not _batched_lapack(serial_grad.lower(a).as_text())
    v1, g1 = serial_grad(a)
    v2, g2 = jax.value_and_grad(lambda m: loss(m, lx.LU()))(a)
    np.testing.assert_allclose(v1, v2, rtol=1e-13)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-14)


def test_flavon_vacuum_solve_hands_lapack_no_batch():
    from gm2jax.models import flavon as F

    p = F.table2_parameters()
    v0 = jnp.asarray(F.TABLE2["vevs"])
    batch = jax.tree_util.tree_map(lambda x: jnp.broadcast_to(jnp.asarray(x, dtype=jnp.float64), (64,)), dict(p))
    f = jax.jit(jax.vmap(lambda q: F.solve_vevs(q, v0)[0]))
    assert not _batched_lapack(f.lower(batch).as_text())
    g = jax.jit(jax.vmap(jax.grad(lambda q: F.solve_vevs(q, v0)[0][0])))
    assert not _batched_lapack(g.lower(batch).as_text())
