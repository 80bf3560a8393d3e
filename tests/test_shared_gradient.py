"""Problem.shared_loglike: one compiled value-and-gradient shared by the fit and NUTS (issue 13).

Checked on the one-loop heavy-smuon config (both tests slow: 41 s and 2 min on the loaded 2-core
VM); the 2HDM notebook (tests/test_notebook_thdm.py) is where it matters.  Tolerances: the shared function evaluates the same operations as
``Problem.loglike`` in another compiled program, so only the summation order of XLA's fusion may
differ (a few ulps of the chi^2 terms, ~1e-15 relative); 1e-12 leaves room for the gradient's
cancellations and nothing for a wrong derivative.
"""

import concurrent.futures
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.config import load_config
from gm2jax.fit import run_fit
from gm2jax.sample import run_nuts

CONFIG = pathlib.Path(__file__).parents[1] / "fits" / "mssm_heavy_smuR.toml"


def _points(prob, n=3):
    with jax.enable_x64(True):
        return np.asarray(prob.sample_prior(jax.random.key(3), n))


@pytest.mark.slow
def test_shared_loglike_equals_loglike_value_and_gradient():
    prob = load_config(CONFIG).problem()
    x = _points(prob)
    with jax.enable_x64(True):
        f = prob.shared_loglike()
        assert prob.shared_loglike() is f  # one compiled program per problem
        v, g = jax.jit(jax.vmap(jax.value_and_grad(f)))(jnp.asarray(x))
        v0, g0 = jax.vmap(jax.value_and_grad(prob.loglike))(jnp.asarray(x))
        v1, g1 = jax.value_and_grad(f)(jnp.asarray(x[0]))  # unbatched, eager
    assert v.dtype == jnp.float64 and g.dtype == jnp.float64
    np.testing.assert_allclose(v, v0, rtol=1e-12)
    np.testing.assert_allclose(g, g0, rtol=1e-12, atol=1e-12 * float(np.max(np.abs(g0))))
    np.testing.assert_allclose(v1, v0[0], rtol=1e-12)
    np.testing.assert_allclose(g1, g0[0], rtol=1e-12, atol=1e-12 * float(np.max(np.abs(g0))))


@pytest.mark.slow
def test_fit_and_nuts_with_the_shared_gradient():
    """~2 min on the 2-core VM (three compilations of the fit, one of NUTS)."""
    small = {"starts": 2, "steps": 30}
    plain = run_fit(CONFIG, hessian=False, profiles=False, **small)
    shared = run_fit(CONFIG, hessian=False, profiles=False, share_gradient=True, **small)
    # the same Adam path up to rounding: 30 steps amplify ulps by far less than 1e-6
    np.testing.assert_allclose(shared.chi2, plain.chi2, rtol=1e-6)
    np.testing.assert_allclose(shared.x, plain.x, rtol=1e-6)
    nuts = run_nuts(CONFIG, init=shared.x, chains=2, warmup=5, samples=5, share_gradient=True)
    for name in shared.names:
        draws = np.asarray(nuts.idata.posterior[name])
        assert draws.shape == (2, 5) and np.all(np.isfinite(draws))
    assert nuts.n_gradient_evals > 0


@pytest.mark.slow
def test_shared_loglike_nested_execution_does_not_hang():
    """The host call runs a compiled program from inside a running one (as NUTS's transition loop
    does): 5 x 400 value-and-gradient steps of 4 vmapped points in a jitted loop, with two such
    loops in concurrent threads, must finish (a deadlock on the CPU client's thread pool would
    hang: issue 15 was a NUTS hang).  Limit: 300 s for work that took 13 s."""
    prob = load_config(CONFIG).problem()
    x0 = _points(prob, 4)
    with jax.enable_x64(True):
        f = prob.shared_loglike()

        def walk(x):
            def body(i, y):
                v, g = jax.value_and_grad(f)(y)
                return y + 1e-6 * jnp.where(jnp.isfinite(g), g, 0.0) * jnp.abs(y)
            return jax.lax.fori_loop(0, 400, body, x)

        run = jax.jit(jax.vmap(walk))

        def five():
            with jax.enable_x64(True):
                y = jnp.asarray(x0)
                for _ in range(5):
                    y = run(y)
                return np.asarray(y)

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(five) for _ in range(2)]
            results = [fut.result(timeout=300) for fut in futures]
    assert all(np.all(np.isfinite(r)) for r in results)
    np.testing.assert_array_equal(results[0], results[1])
