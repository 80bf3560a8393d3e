"""Strict numerics for the whole test suite (as in the equinox/diffrax conftests)."""

import jax
import pytest

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def key():
    """A fixed PRNG key: no global seeding anywhere in the tests."""
    return jax.random.key(20190808)
