"""float64 guarantee for every public entry point.

gm2jax never flips JAX's global configuration at import time (that would change the
behaviour of unrelated user code).  Instead every public entry point is wrapped with
:func:`float64`, which

* runs the call (and therefore any tracing it triggers) inside ``jax.enable_x64(True)``,
  so Python scalars and NumPy float64 inputs stay float64 inside gm2jax, and
* rejects floating inputs that already arrive as float32/float16/bfloat16 (for example
  arrays created by the user with x64 switched off, or a ``jax.jit`` boundary that
  truncated them) with :class:`gm2jax.errors.PrecisionError`, naming the argument.

A user therefore can never get a float32 result silently.
"""

from __future__ import annotations

import functools
import inspect

import jax
import jax.numpy as jnp
import numpy as np

from gm2jax.errors import PrecisionError

_LOW_PRECISION = ("float16", "bfloat16", "float32", "complex64")


def _check_leaf(path: str, leaf) -> None:
    dtype = getattr(leaf, "dtype", None)
    if dtype is not None and np.dtype(dtype).name in _LOW_PRECISION:
        raise PrecisionError(
            f"argument {path!r} has dtype {np.dtype(dtype).name}; gm2jax computes in float64 only. "
            "Create inputs with x64 enabled (jax.config.update('jax_enable_x64', True)) "
            "or pass Python floats / NumPy float64 arrays."
        )


def check_float64(tree, name: str = "input") -> None:
    """Raise :class:`PrecisionError` if any floating leaf of ``tree`` is below float64."""
    leaves = jax.tree_util.tree_leaves_with_path(tree)
    for path, leaf in leaves:
        _check_leaf(name + jax.tree_util.keystr(path), leaf)


def all_finite(tree):
    """True (a traced bool) when every leaf of ``tree`` is finite (for status flags)."""
    leaves = jax.tree_util.tree_leaves(tree)
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in leaves]))


def float64(fn):
    """Decorator: run ``fn`` with x64 enabled and reject low-precision floating inputs."""
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with jax.enable_x64(True):
            bound = sig.bind_partial(*args, **kwargs)
            for name, value in bound.arguments.items():
                check_float64(value, name)
            return fn(*args, **kwargs)

    return wrapper


def as_float64(x):
    """Concrete inputs become NumPy float64 (independent of JAX's x64 flag); traced values pass.

    Low-precision JAX arrays are left as they are and rejected by the entry points'
    :func:`gm2jax._precision.float64` check, which names the offending argument.
    """
    if isinstance(x, jax.Array):
        return x
    return np.asarray(x, dtype=np.float64)
