"""Point functions of scan specs: derived names, the model's builder, the observable.

A spec's point function is ``observable(builder(derive(values)))``:

* ``derive`` adds the spec's ``derived`` names (expressions of :mod:`gm2jax.expressions`, in
  order; each sees the axes, the fixed names and the derived names before it);
* ``builder`` is :data:`BUILDERS` ``[spec.model](spec.params, names)`` -- each model package
  provides its own (the MSSM's field-wise :func:`gm2jax.models.mssm.scan_builder.mssm_builder`);
  ``model = "none"`` hands the flat dict on;
* ``observable`` is :data:`OBSERVABLES` ``[spec.observable](**spec.observable_options)``.

Fit configurations do not use these tables: their point function is the fit's
:class:`gm2jax.problem.Problem` (:mod:`gm2jax.scan._fitconfig`).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp

from gm2jax.errors import InvalidInput
from gm2jax.expressions import compile_expression
from gm2jax.models.mssm import scan_builder as _mssm

BUILDERS: Mapping[str, Callable] = types.MappingProxyType({"mssm": _mssm.mssm_builder})
"""Read-only: spec ``model`` -> ``builder_factory(params, names) -> builder(values) -> point``."""

OBSERVABLES: Mapping[str, Callable] = types.MappingProxyType(dict(_mssm.OBSERVABLES))
"""Read-only: spec ``observable`` -> ``factory(**observable_options) -> f(point) -> dict``."""

MODELS = ("none", *BUILDERS)
"""Values of a spec's ``model`` (``"none"``: the observable receives the flat dict of values)."""


def thaw(x):
    """Plain dicts and lists from the read-only mappings and tuples of a frozen spec."""
    if isinstance(x, Mapping):
        return {k: thaw(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return [thaw(v) for v in x]
    return x


class Derive:
    """Picklable ``values -> values + derived names`` (expressions compiled after unpickling too)."""

    def __init__(self, derived: Mapping, names):
        self.derived = thaw(derived) if derived else {}
        self.names = tuple(names)
        self._compile()

    def _compile(self):
        seen = set(self.names)
        self._exprs = []
        for k, src in self.derived.items():
            if not str(k).isidentifier() or k in seen:
                raise InvalidInput(f"derived.{k}: must be a new identifier (not an axis, fixed or earlier derived name)")
            self._exprs.append((k, compile_expression(src, f"derived.{k}", seen)))
            seen.add(k)
        self.all_names = tuple(seen)

    def __getstate__(self):
        return {"derived": self.derived, "names": self.names}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._compile()

    def __call__(self, values: Mapping) -> dict:
        with jax.enable_x64(True):
            env = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in values.items()}
            ones = jnp.ones_like(next(iter(env.values())))
            for k, e in self._exprs:
                env[k] = e(env) * ones
            return env


class SpecBuilder:
    """``values -> point`` of a spec: derived names, then the model's builder (picklable)."""

    def __init__(self, params, names, derived, model: str):
        if model not in MODELS:
            raise InvalidInput(f"model={model!r}: use one of {list(MODELS)}")
        if model == "none" and params is not None:
            raise InvalidInput("params: only for a model with a builder (model='mssm'); use derived for model='none'")
        self.derive = Derive(derived, names)
        self.model = model
        self.build = BUILDERS[model](params, self.derive.all_names) if model != "none" else None

    def __call__(self, values: Mapping):
        env = self.derive(values)
        return env if self.build is None else self.build(env)


def observable_fn(name: str, options: Mapping) -> Callable:
    """The observable function ``OBSERVABLES[name](**options)`` (InvalidInput on a bad name/option)."""
    if name not in OBSERVABLES:
        raise InvalidInput(f"observable={name!r}: use one of {sorted(OBSERVABLES)} or pass a function")
    try:
        return OBSERVABLES[name](**thaw(options))
    except TypeError as err:
        raise InvalidInput(f"observable_options {dict(options)}: {err}") from err


def qualname(fn) -> str:
    """``module:qualname`` of a function (of a ``functools.partial``'s function) for hashes."""
    fn = getattr(fn, "func", fn)
    return f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', type(fn).__qualname__)}"
