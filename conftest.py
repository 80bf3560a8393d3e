"""Doctests run as a user runs them: with JAX's x64 flag OFF.

``tests/conftest.py`` switches x64 on globally for the test suite; without this fixture a full
``pytest`` run (testpaths ``tests`` then ``gm2jax``) would run the package's doctests with x64
already on and hide an example that only works because of it.  Every example must get float64
through the package itself (the entry points of :mod:`gm2jax._precision`) or a local
``with jax.enable_x64(True):`` block, never through ``jax.config.update``.
"""

import jax
import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctest_without_x64(request):
    if isinstance(request.node, DoctestItem):
        with jax.enable_x64(False):
            yield
    else:
        yield
