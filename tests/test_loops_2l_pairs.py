"""The one-pass pairs loops.F3N_F4N / loops.F3C_F4C equal the single functions (issue 10 speed-up)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax import loops

X = np.array([0.0, 1e-8, 0.3, 0.5 - 1e-12, 0.5, 0.9, 1.0, 1.0 + 1e-9, 1.2, 1.5, 1.5 + 1e-12, 3.0, 1e6])


@pytest.mark.parametrize("pair, singles", [("F3N_F4N", ("F3N", "F4N")), ("F3C_F4C", ("F3C", "F4C"))])
def test_pair_equals_singles_value_and_gradient(pair, singles):
    both = getattr(loops, pair)(jnp.asarray(X))
    for got, name in zip(both, singles):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(getattr(loops, name)(jnp.asarray(X))))
    for k, name in enumerate(singles):
        g_pair = jax.vmap(jax.grad(lambda x, k=k: getattr(loops, pair)(x)[k]))(jnp.asarray(X))
        g_one = jax.vmap(jax.grad(getattr(loops, name)))(jnp.asarray(X))
        np.testing.assert_array_equal(np.asarray(g_pair), np.asarray(g_one))


def test_t_series_tail_below_double_precision():
    # exact coefficients: the neglected tail at the window edge |t| = 1/3 is far below 1 ulp
    for name in loops._F2L_DEF:
        b = loops._f2l_t_series(name, loops._N_2L + 30)
        tail = sum(abs(float(c)) * 3.0**-k for k, c in enumerate(b) if k >= loops._N_2L)
        assert tail < 1e-17, (name, tail)
