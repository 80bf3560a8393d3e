"""The MSSM's adapters for :mod:`gm2jax.scan` specs: a field-wise parameter builder and the one-loop observable.

A scan spec (:class:`gm2jax.scan.ScanSpec`) with ``model = "mssm"`` builds
:class:`~gm2jax.models.mssm.MSSMParams` from its flat named values field by field with
:func:`mssm_builder` (``params``: field -> expression of :mod:`gm2jax.expressions`), which is
how ties such as arXiv:1908.03607's M1 = -(M2 - 20 GeV) are written; its ``observable`` is a
name in :data:`OBSERVABLES`.  Scans of fit configurations do not use these: they go through
:class:`gm2jax.problem.Problem` (the fit's predictions and chi^2).

Example:
    >>> b = mssm_builder({"M1": "-(M2 - 20)", "msl": ["M2", "M2", 3000], "mse": ["M2", "5*M2", 3000]},
    ...                  ["mu", "M2", "tan_beta"])
    >>> p = b({"mu": 1000.0, "M2": 150.0, "tan_beta": 60.0})
    >>> float(p.M1), [float(x) for x in p.mse]
    (-130.0, [150.0, 750.0, 3000.0])
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp

from gm2jax.errors import InvalidInput
from gm2jax.expressions import compile_expression
from gm2jax.likelihood import pull
from gm2jax.models.mssm.one_loop import amu_1l_parts
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.modelspec import amu_predictions
from gm2jax.sm import SMInputs, lepton_index

__all__ = ["OBSERVABLES", "mssm_amu_1l", "mssm_builder"]

_SCALAR_FIELDS = ("tan_beta", "mu", "M1", "M2")
_VECTOR_FIELDS = ("msl", "mse", "Ae")


def _thaw(x):
    if isinstance(x, Mapping):
        return {k: _thaw(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_thaw(v) for v in x]
    return x


class _MSSMBuilder:
    """Picklable ``values -> MSSMParams`` (recompiled from its data after unpickling)."""

    def __init__(self, params, names):
        self.params = _thaw(params) if params is not None else None
        self.names = tuple(names)
        self._compile()

    def _compile(self):
        names = set(self.names)
        params = dict(self.params or {})
        unknown = set(params) - set(_SCALAR_FIELDS) - set(_VECTOR_FIELDS)
        if unknown:
            raise InvalidInput(f"params: unknown MSSMParams fields {sorted(unknown)}; use {_SCALAR_FIELDS + _VECTOR_FIELDS}")
        exprs = {}
        for f in _SCALAR_FIELDS:
            src = params.get(f, f)
            if src == f and f not in names:
                raise InvalidInput(f"params.{f}: not given; add it to axes, fixed, derived or params")
            if isinstance(src, (list, tuple)):
                raise InvalidInput(f"params.{f}: must be one expression, not a list")
            exprs[f] = (compile_expression(src, f"params.{f}", names),)
        for f in _VECTOR_FIELDS:
            if f in params:
                src = params[f]
            elif all(f"{f}_{i}" in names for i in range(3)):
                src = [f"{f}_{i}" for i in range(3)]
            elif f in names:
                src = f  # flavour universal
            elif f == "Ae":
                src = 0.0
            else:
                raise InvalidInput(f"params.{f}: not given; add {f} (universal) or {f}_0, {f}_1, {f}_2 to axes/fixed, or params.{f}")
            if isinstance(src, (list, tuple)):
                if len(src) != 3:
                    raise InvalidInput(f"params.{f}: give 3 entries (e, mu, tau); got {len(src)}")
                exprs[f] = tuple(compile_expression(v, f"params.{f}[{i}]", names) for i, v in enumerate(src))
            else:
                exprs[f] = (compile_expression(src, f"params.{f}", names),) * 3
        self._exprs = exprs

    def __getstate__(self):
        return {"params": self.params, "names": self.names}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._compile()

    def __call__(self, values: Mapping) -> MSSMParams:
        with jax.enable_x64(True):
            env = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in values.items()}
            ones = jnp.ones_like(next(iter(env.values())))
            kw = {f: self._exprs[f][0](env) * ones for f in _SCALAR_FIELDS}
            for f in _VECTOR_FIELDS:
                kw[f] = jnp.stack([e(env) * ones for e in self._exprs[f]], axis=-1)
            return MSSMParams(**kw)


def mssm_builder(params: Mapping | None, names) -> Callable[[Mapping], MSSMParams]:
    """Builder turning a flat dict of named values into :class:`~gm2jax.models.mssm.MSSMParams`.

    Args:
        params: field -> expression over ``names`` (:func:`gm2jax.expressions.compile_expression`:
            a number, or a string such as ``"-(M2 - 20)"`` or ``"hypot(M2, mH)"``), or a list of 3
            of them for ``msl``, ``mse``, ``Ae`` (e, mu, tau).  A field missing from ``params`` is
            taken from the name of the same name (``msl``, ``mse``: flavour universal, or ``msl_0``,
            ``msl_1``, ``msl_2``); ``Ae`` defaults to 0.  All in GeV.  None: every field by name.
        names: the names available (a scan's axes, fixed and derived names).

    Returns:
        ``builder(values) -> MSSMParams`` (pure; works under jit/vmap; picklable).

    Raises:
        InvalidInput: unknown field or name, forbidden syntax, missing field.
    """
    return _MSSMBuilder(params, names)


def mssm_amu_1l(
    convention: str = "pdg",
    leptons=("e", "mu"),
    resummation: str | None = None,
    with_params: bool = False,
    targets: Mapping | None = None,
):
    """Observable factory: MSSM one-loop a_l for several leptons (tree-level spectrum).

    Args:
        convention: SM convention of :meth:`gm2jax.SMInputs.from_convention` (``"pdg"``, ``"gm2calc"``).
        leptons: leptons to compute (they share the diagonalisations).
        resummation: None (or ``"none"``), ``"exact"`` or ``"gm2calc"`` (see :func:`gm2jax.models.mssm.amu_1l`).
        with_params: also return the MSSMParams fields (``msl``, ``mse``, ``Ae`` as (3,) columns).
        targets: optional ``{"a_mu": [Delta, sigma], ...}``: adds ``pull_<obs>`` = (a - Delta)/sigma
            (NaN at unphysical points).  Fit configurations get the full chi^2 from
            :class:`gm2jax.problem.Problem` instead.

    Returns:
        ``f(p: MSSMParams) -> dict`` with, per lepton ``l``: ``a_l`` (total), ``a_l_neutralino``,
        ``a_l_chargino``, ``status_l``, ``delta_l`` (0 without resummation); and ``status`` (bitwise OR
        over leptons; 0 = physical).  Values are NaN where the status is non-zero.

    References:
        arXiv:1510.08071 eqs. (2.11)-(2.14).
    """
    leptons = tuple(leptons)
    for lep in leptons:
        lepton_index(lep)
    if resummation == "none":
        resummation = None
    if resummation not in (None, "exact", "gm2calc"):
        raise InvalidInput(f"observable_options.resummation={resummation!r}: use None, 'none', 'exact' or 'gm2calc'")
    tg = {}
    for k, v in dict(targets or {}).items():
        if k not in {f"a_{lep}" for lep in leptons}:
            raise InvalidInput(f"observable_options.targets.{k}: not a computed observable (a_l for l in {leptons})")
        try:
            central, sigma = (float(x) for x in v)
        except (TypeError, ValueError) as err:
            raise InvalidInput(f"observable_options.targets.{k}: give [central, sigma]; got {v!r}") from err
        if not sigma > 0:
            raise InvalidInput(f"observable_options.targets.{k}: sigma must be > 0")
        tg[k] = (central, sigma)
    sm = SMInputs.from_convention(convention)

    def f(p):
        r = amu_1l_parts(p, sm, leptons, resummation=resummation)
        out = amu_predictions(r, leptons, {"neutralino": "neutralino", "chargino": "chargino"})
        for k in [f"status_{lep}" for lep in leptons] + ["status"]:
            out[k] = jnp.asarray(out[k]).astype(jnp.int32)
        for k, (central, sigma) in tg.items():
            out[f"pull_{k}"] = pull(out[k], central, sigma)
        if with_params:
            for k in _SCALAR_FIELDS + _VECTOR_FIELDS:
                out[k] = getattr(p, k)
        return out

    return f


OBSERVABLES: Mapping[str, Callable] = types.MappingProxyType({"mssm_amu_1l": mssm_amu_1l})
"""Read-only: scan observable name -> factory(**observable_options) -> f(MSSMParams) -> dict."""
