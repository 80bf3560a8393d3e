"""Functions compiled as their own XLA computation inside a larger program: :func:`separately`.

Why: XLA CPU's fusion pass is superlinear in the size of one computation -- each time it
considers fusing a reduction into a growing fusion it recounts that fusion's instructions -- so
the value-and-gradient of the whole 2HDM a_mu as one computation compiles slowly and needs much
memory (the chi^2 of ``fits/thdm_typeX_light_A.toml`` at 2 points: 182 CPU-s, 6.3 GB on the 2-core
VM), while the same operations split into separate computations compile in a fraction of that
(47 CPU-s, 2.8 GB with the six a_mu pieces apart) and run faster (4.8 -> 2.4 ms).  The MSSM
two-loop a_mu with its seven pieces apart (:mod:`gm2jax.models.mssm.amu_2l`): value 2.62e5 ->
3.25e5 points/s, value+gradient 7.56e4 -> 9.61e4 points/s, value+gradient compile 61 -> 46 CPU-s
(``benchmarks/amu_throughput.py --loops 2 --leptons mu --resum --chunk 1000``, one core, load 8).

Designed by the 2HDM work (issue 13); package level so that every model uses the same helper.

How: a ``jax.jit`` call carrying the frontend attribute ``inlineable = "false"``
(``jax.experimental.xla_metadata``), which XLA's call inliner honours.  Under ``jax.grad`` the
transposed call (the piece's pullback) inherits the attribute, so the backward pass is split the
same way; under ``jax.vmap`` the call is batched as a whole.  The operations, hence the values,
are those of ``fn``.  This is a property of one call, not a global setting: nothing in JAX's
configuration changes.
"""

from __future__ import annotations

import functools

import jax
from jax.experimental.xla_metadata import set_xla_metadata

__all__ = ["separately"]


def separately(fn=None, *, static_argnums=()):
    """``fn`` as a separately compiled XLA computation (see the module docstring).

    Args:
        fn: the function (pure, traceable); used as a decorator with or without arguments.
        static_argnums: positional arguments that are static (as for ``jax.jit``).

    Returns:
        A function with ``fn``'s signature and values.

    Example:
        >>> import jax.numpy as jnp
        >>> f = separately(lambda x: jnp.sin(x) ** 2)
        >>> print(f"{float(jax.grad(f)(0.5)):.6f}")
        0.841471
    """
    if fn is None:
        return functools.partial(separately, static_argnums=static_argnums)
    jitted = jax.jit(fn, static_argnums=static_argnums)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        with set_xla_metadata(inlineable="false"):
            return jitted(*args, **kwargs)

    return call
