"""Strict numerics for the whole test suite (as in the equinox/diffrax conftests)."""

import gc

import jax
import pytest

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def key():
    """A fixed PRNG key: no global seeding anywhere in the tests."""
    return jax.random.key(20190808)


@pytest.fixture(autouse=True, scope="module")
def _free_compiled_programs():
    """Drop JAX's compiled programs after each test file: a worker otherwise keeps every program of
    every file it ran (8.7 GB resident measured), which the OOM killer ends on a 2-core CI machine."""
    yield
    jax.clear_caches()
    gc.collect()
