"""gm2jax.separate: a separately compiled piece gives the values and derivatives of the plain function.

The references are the same function without the wrapper (plain JAX autodiff); tolerances are
rounding level (1e-14 relative): the wrappers change only how XLA compiles, not the operations.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.separate import separately


def _f(x, k, y=1.0, *, z):
    # k static (an int power), z keyword-only
    return jnp.sum(jnp.sin(x * y) ** k * z + jnp.log1p(x**2) * y)


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def test_values_gradients_hessians_equal_the_plain_function():
    f = separately(_f, static_argnums=(1,))
    x = jnp.array([0.3, -1.2, 2.5])
    for k in (2, 3):
        np.testing.assert_allclose(f(x, k, 1.5, z=0.7), _f(x, k, 1.5, z=0.7), rtol=1e-14)
        g = jax.grad(f, argnums=(0, 2))(x, k, 1.5, z=0.7)
        g_ref = jax.grad(_f, argnums=(0, 2))(x, k, 1.5, z=0.7)
        for a, b in zip(g, g_ref):
            np.testing.assert_allclose(a, b, rtol=1e-14)
        # keyword-only argument differentiated; default argument left out
        np.testing.assert_allclose(
            jax.grad(lambda z: f(x, k, z=z))(0.7), jax.grad(lambda z: _f(x, k, z=z))(0.7), rtol=1e-14
        )
        # second derivatives (forward over reverse, as the fits' curvature)
        h = jax.hessian(lambda xx: f(xx, k, 1.5, z=0.7))(x)
        np.testing.assert_allclose(h, jax.hessian(lambda xx: _f(xx, k, 1.5, z=0.7))(x), rtol=1e-13, atol=1e-15)


def test_vmap_and_jit():
    f = separately(_f, static_argnums=(1,))
    xs = jnp.linspace(-1.0, 1.0, 12).reshape(4, 3)
    batched = jax.jit(jax.vmap(jax.value_and_grad(lambda x: f(x, 2, 0.5, z=1.3))))
    v, g = batched(xs)
    for i in range(4):
        v_ref, g_ref = jax.value_and_grad(lambda x: _f(x, 2, 0.5, z=1.3))(xs[i])
        np.testing.assert_allclose(v[i], v_ref, rtol=1e-14)
        np.testing.assert_allclose(g[i], g_ref, rtol=1e-14)
