"""The description of a fittable model: :class:`ModelSpec`.

Every model package owns one, ``gm2jax.models.<name>.fitting.MODEL``; the static registry
:mod:`gm2jax.registry` collects them at import.  A spec is plain data (names, defaults, the
physical domain) plus pure functions (``params``, ``predict``) and constraint entries that
:func:`gm2jax.likelihood.constraint_term` turns into likelihood terms.

Example:
    >>> spec = ModelSpec(name="toy", parameters=("x",), defaults={}, predict=lambda v, sm, leptons, res: {},
    ...                  constraints={}, outputs=(), domain={"x": (0.0, float("inf"))})
    >>> spec.check_domain({"x": 2.0})
    >>> spec.check_domain({"x": -1.0}, where="parameters.")
    Traceback (most recent call last):
    ...
    gm2jax.errors.InvalidInput: parameters.x = -1.0: outside the physical domain of model 'toy' (0.0 < x < inf)
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Mapping

from gm2jax.errors import InvalidInput

__all__ = ["ModelSpec", "amu_predictions"]


def _frozen(mapping) -> Mapping:
    return types.MappingProxyType(dict(mapping or {}))


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A model for the likelihood: parameter names, defaults, domain, prediction and constraints.

    Attributes:
        name: registry name (``"mssm"``).
        parameters: every parameter name a config may set.
        defaults: parameters with a default value (read-only mapping).
        predict: ``predict(values, sm, leptons, resummation) -> prediction dict`` (pure, jit/vmap/grad
            safe; ``values`` a flat dict of parameter scalars; the dict must hold ``a_<l>`` for the
            fitted leptons and a ``status`` bit-field, 0 = physical point).
        constraints: constraint name -> either ``(prediction keys, limit name in measurements.yaml)``
            for a smooth LEP-style lower mass bound (:class:`gm2jax.likelihood.LowerBoundTerm`), or a
            callable ``factory(leptons) -> term`` returning any likelihood term (an object with
            ``name`` equal to the constraint name and a pure ``chi2(prediction)`` method).
        outputs: prediction keys worth recording (numpyro deterministic sites, result files);
            ``{l}`` is replaced by each lepton.
        resummations: values of the config's ``resummation`` key the model understands.
        loops: loop orders the model's ``predict`` accepts as a ``loops=`` keyword (empty: the
            model has one order and ``predict`` takes no such keyword).
        default_loops: the order configs use when they do not set ``loops``.
        theory_key: prediction key (``{l}`` = lepton) of a point-by-point theory uncertainty that
            fits add in quadrature to the measurement error (config option
            ``likelihood.theory_uncertainty_model``, on by default); None = the model has none.
        params: ``params(values) -> parameter pytree`` (the model's ``eqx.Module``; missing
            values take ``defaults``); None for toy models without one.
        domain: parameter -> ``(lo, hi)``, the hard physical domain lo < value < hi (open
            interval; +-inf for no bound), checked when a config is parsed
            (:meth:`check_domain`).  Parameters not listed are unrestricted there (their
            prediction still flags unphysical values through ``status``).
        default_constraints: the constraints of a config that lists none (None = every one of
            :attr:`constraints`).
    """

    name: str
    parameters: tuple[str, ...]
    defaults: Mapping[str, float]
    predict: Callable
    constraints: Mapping[str, object]
    outputs: tuple[str, ...]
    resummations: tuple[str, ...] = ("none",)
    loops: tuple[int, ...] = ()
    default_loops: int | None = None
    theory_key: str | None = None
    params: Callable | None = None
    domain: Mapping[str, tuple[float, float]] = dataclasses.field(default_factory=dict)
    default_constraints: tuple[str, ...] | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise InvalidInput(f"ModelSpec.name: a non-empty string (got {self.name!r})")
        object.__setattr__(self, "parameters", tuple(self.parameters))
        object.__setattr__(self, "outputs", tuple(self.outputs))
        object.__setattr__(self, "resummations", tuple(self.resummations))
        object.__setattr__(self, "loops", tuple(self.loops))
        for field in ("defaults", "constraints", "domain"):
            object.__setattr__(self, field, _frozen(getattr(self, field)))
        if self.default_constraints is not None:  # None stays None (= every constraint, also after dataclasses.replace)
            object.__setattr__(self, "default_constraints", tuple(self.default_constraints))
        unknown = sorted(set(self.default_constraints or ()) - set(self.constraints))
        if unknown:
            raise InvalidInput(f"model {self.name!r}: default_constraints {unknown} are not constraints of the model")
        unknown = sorted(set(self.defaults) - set(self.parameters))
        if unknown:
            raise InvalidInput(f"model {self.name!r}: defaults for unknown parameters {unknown}")
        for key, bounds in self.domain.items():
            if key not in self.parameters:
                raise InvalidInput(f"model {self.name!r}: domain of unknown parameter {key!r}")
            if len(bounds) != 2 or not float(bounds[0]) < float(bounds[1]):
                raise InvalidInput(f"model {self.name!r}: domain.{key} must be (lo, hi) with lo < hi (got {bounds!r})")

    def check_domain(self, values: Mapping[str, float], where: str = "") -> None:
        """Raise :class:`InvalidInput` naming the first value outside :attr:`domain`.

        Args:
            values: parameter name -> number (names without a domain entry are ignored).
            where: prefix of the key path in the message (e.g. ``"parameters."``).

        Raises:
            InvalidInput: a value is NaN or not strictly inside its ``(lo, hi)``.
        """
        for key, value in values.items():
            if key not in self.domain:
                continue
            lo, hi = self.domain[key]
            v = float(value)
            if not (lo < v < hi):
                raise InvalidInput(
                    f"{where}{key} = {value!r}: outside the physical domain of model {self.name!r} ({lo} < {key} < {hi})"
                )

    def output_keys(self, leptons) -> tuple[str, ...]:
        """:attr:`outputs` with ``{l}`` expanded over ``leptons`` (order kept, no duplicates)."""
        out: list[str] = []
        for key in self.outputs:
            for k in ([key.format(l=lep) for lep in leptons] if "{l}" in key else [key]):
                if k not in out:
                    out.append(k)
        return tuple(out)



def amu_predictions(results, leptons, parts: Mapping[str, str], with_status: bool = True) -> dict:
    """The prediction entries of an a_l result, the one conversion every model's ``predict`` uses.

    Args:
        results: one result with a leading lepton axis (``results.total[i]`` is lepton i), or a
            list of per-lepton results (one per lepton, scalar fields).
        leptons: lepton names, in the order of ``results``.
        parts: prediction suffix -> result attribute, e.g. ``{"neutralino": "neutralino"}``
            gives ``a_<l>_neutralino``.
        with_status: also return ``status_<l>`` (``results.status``), ``delta_<l>`` (if the
            result has ``delta``) and ``status``, the bit-wise OR over the leptons.

    Returns:
        dict with ``a_<l>`` (``results.total``) and ``a_<l>_<suffix>`` per lepton (+ the statuses).

    Example:
        >>> from types import SimpleNamespace
        >>> r = SimpleNamespace(total=[3.0, 4.0], one_loop=[1.0, 2.0], status=[0, 4])
        >>> amu_predictions(r, ("e", "mu"), {"one_loop": "one_loop"})
        {'a_e': 3.0, 'a_e_one_loop': 1.0, 'status_e': 0, 'a_mu': 4.0, 'a_mu_one_loop': 2.0, 'status_mu': 4, 'status': 4}
    """
    per_lepton = isinstance(results, list)  # (a NamedTuple result is one result, not a sequence)
    if per_lepton and len(results) != len(leptons):
        raise InvalidInput(f"amu_predictions: {len(results)} results for {len(leptons)} leptons")
    out: dict = {}
    status = 0
    for i, lep in enumerate(leptons):
        r = results[i] if per_lepton else results

        def field(name, r=r):
            v = getattr(r, name)
            return v if per_lepton else v[i]

        out[f"a_{lep}"] = field("total")
        for suffix, attr in parts.items():
            out[f"a_{lep}_{suffix}"] = field(attr)
        if with_status:
            out[f"status_{lep}"] = field("status")
            if hasattr(r, "delta"):
                out[f"delta_{lep}"] = field("delta")
            status = status | out[f"status_{lep}"]
    if with_status:
        out["status"] = status
    return out
