"""The static model registry: every fittable model of the package, built once at import.

:data:`MODELS` maps a config's ``model = "<name>"`` to the model's
:class:`gm2jax.modelspec.ModelSpec`, each defined by its package as
``gm2jax.models.<name>.fitting.MODEL``.  The mapping is read-only; a new model is a new
package plus one line in ``_SPECS`` below.  Code that needs other models (tests with toy models)
passes its own mapping as ``models=`` (:func:`get_model`, :func:`gm2jax.config.parse_config`).

Example:
    >>> known_models()
    ['flavon', 'lmutau', 'mssm', 'thdm']
    >>> get_model("mssm").domain["tan_beta"]
    (0.0, inf)
"""

from __future__ import annotations

import types
from collections.abc import Mapping

from gm2jax.errors import InvalidInput
from gm2jax.models.flavon import fitting as _flavon
from gm2jax.models.lmutau import fitting as _lmutau
from gm2jax.models.mssm import fitting as _mssm
from gm2jax.models.thdm import fitting as _thdm
from gm2jax.modelspec import ModelSpec

__all__ = ["MODELS", "get_model", "known_models"]

_SPECS = (_mssm.MODEL, _lmutau.MODEL, _flavon.MODEL, _thdm.MODEL)

MODELS: Mapping[str, ModelSpec] = types.MappingProxyType({spec.name: spec for spec in _SPECS})
"""Model name -> :class:`ModelSpec` (read-only)."""


def known_models(models: Mapping[str, ModelSpec] | None = None) -> list[str]:
    """Sorted names of the models in ``models`` (default :data:`MODELS`)."""
    return sorted(MODELS if models is None else models)


def get_model(name: str, models: Mapping[str, ModelSpec] | None = None) -> ModelSpec:
    """The model ``name`` of ``models`` (default :data:`MODELS`).

    Raises:
        InvalidInput: unknown name (the message lists the known ones), or an entry that is not
            a :class:`ModelSpec`.
    """
    table = MODELS if models is None else models
    if not isinstance(name, str) or name not in table:
        raise InvalidInput(f"unknown model {name!r}: use one of {known_models(table)}")
    spec = table[name]
    if not isinstance(spec, ModelSpec):
        raise InvalidInput(f"model {name!r}: expected a ModelSpec, got {type(spec).__name__}")
    return spec
