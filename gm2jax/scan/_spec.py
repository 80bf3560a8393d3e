"""What a scan computes: the :class:`ScanSpec` (pure data) and the order of its points.

A scan is described by a :class:`ScanSpec` -- pure data, so that it can come from a TOML/JSON
file, be hashed, and be shipped to Dask workers:

* ``axes``: the scanned names, each an :class:`Axis` ``(lo, hi, n)`` (``n`` points for a grid;
  ``log=True`` for logarithmic spacing) -- the flat named values of every point;
* ``fixed``: named constants, available to the builder like the axes;
* ``derived``: optional named expressions of those (``{"mE2": "sqrt(mR**2 + mH**2)"}``;
  the language of :mod:`gm2jax.expressions`);
* ``model`` and ``params``: how to build the model's parameter pytree from those names (the
  model package's builder, :data:`gm2jax.scan.BUILDERS`; the MSSM's takes field-wise
  expressions such as ``{"M1": "-(M2 - 20)", "mse": ["M2", "5*M2", "3000"]}``); ``"none"`` hands
  the flat dict to the observable;
* ``observable`` and ``observable_options``: a name in :data:`gm2jax.scan.OBSERVABLES`;
* ``config``: instead of the three above, a fit configuration (``fits/*.toml``): the point
  function is then the fit's :class:`gm2jax.problem.Problem` (see :func:`gm2jax.scan.spec_from_config`);
* ``method`` (``"grid"`` or ``"sobol"``), ``n_points`` and ``seed`` (Sobol), ``chunk_size``.

Point order.  A grid is the cartesian product of the axes in C order: the *first* axis varies
slowest and point ``i`` is ``np.unravel_index(i, spec.grid_shape)``.  A Sobol scan uses
``scipy.stats.qmc.Sobol(d, scramble=True, seed=seed)`` over the unit cube (axis order = the
order of ``axes``), point ``i`` being the ``i``-th draw; log axes map ``u -> lo (hi/lo)^u``.
Any chunk of points can be produced on its own, so a chunk is a self-contained task.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import pathlib
import sys
import tomllib
import types
import warnings
from collections.abc import Mapping

import numpy as np
from scipy.stats import qmc

from gm2jax.errors import InvalidInput
from gm2jax.scan._builders import MODELS, SpecBuilder, thaw

__all__ = ["RESERVED", "Axis", "ScanSpec"]

RESERVED = ("index", "status")
"""Column names every scan carries besides the outputs (not allowed as axis/fixed names)."""
PROBLEM = "problem"
"""The ``observable`` of a spec with a fit ``config`` (the fit's Problem)."""


@dataclasses.dataclass(frozen=True)
class Axis:
    """One scanned name.

    Attributes:
        lo, hi: range (inclusive for grids; the unit of the name, e.g. GeV).
        n: number of grid points (grids only; ignored by Sobol scans).
        log: logarithmic spacing (grid: ``np.geomspace``; Sobol: ``lo (hi/lo)^u``); needs lo, hi > 0.
    """

    lo: float
    hi: float
    n: int | None = None
    log: bool = False

    @classmethod
    def parse(cls, value, path: str = "axis") -> Axis:
        """``Axis`` from ``(lo, hi[, n][, "log"])`` or ``{"lo":, "hi":, "n":, "log":}``."""
        if isinstance(value, Axis):
            return value
        try:
            if isinstance(value, Mapping):
                unknown = set(value) - {"lo", "hi", "n", "log"}
                if unknown:
                    raise InvalidInput(f"{path}: unknown keys {sorted(unknown)}; use lo, hi, n, log")
                lo, hi, n, log = value["lo"], value["hi"], value.get("n"), bool(value.get("log", False))
            else:
                items = list(value)
                log = False
                if items and isinstance(items[-1], str):
                    if items[-1] not in ("log", "lin"):
                        raise InvalidInput(f"{path}: last entry {items[-1]!r} must be 'log' or 'lin'")
                    log = items.pop() == "log"
                if len(items) not in (2, 3):
                    raise InvalidInput(f"{path}: give (lo, hi, n[, 'log']) or (lo, hi[, 'log']); got {value!r}")
                lo, hi = items[0], items[1]
                n = items[2] if len(items) == 3 else None
        except (TypeError, KeyError) as err:
            raise InvalidInput(f"{path}: give (lo, hi, n[, 'log']) or a table with lo, hi, n, log; got {value!r}") from err
        if isinstance(lo, bool) or isinstance(hi, bool) or not all(isinstance(v, (int, float)) for v in (lo, hi)):
            raise InvalidInput(f"{path}: lo and hi must be numbers; got {lo!r}, {hi!r}")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise InvalidInput(f"{path}: lo and hi must be finite")
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise InvalidInput(f"{path}: n must be a positive integer; got {n!r}")
        if log and (lo <= 0 or hi <= 0):
            raise InvalidInput(f"{path}: a log axis needs lo > 0 and hi > 0; got {lo}, {hi}")
        return cls(float(lo), float(hi), n, log)

    def grid(self) -> np.ndarray:
        """The grid values (float64, shape (n,))."""
        if self.n is None:
            raise InvalidInput("a grid axis needs n: give (lo, hi, n)")
        if self.log:
            return np.geomspace(self.lo, self.hi, self.n)
        return np.linspace(self.lo, self.hi, self.n)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map u in [0, 1) onto the axis (linear or logarithmic)."""
        if self.log:
            return self.lo * (self.hi / self.lo) ** u
        return self.lo + (self.hi - self.lo) * u

    def to_json(self) -> dict:
        return {"lo": self.lo, "hi": self.hi, "n": self.n, "log": self.log}


def _freeze(x):
    if isinstance(x, Mapping):
        return types.MappingProxyType({k: _freeze(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return tuple(_freeze(v) for v in x)
    return x


@dataclasses.dataclass(frozen=True)
class ScanSpec:
    """What to scan (pure data; see the module docstring).

    Attributes:
        axes: ordered mapping name -> :class:`Axis` (grid: first axis varies slowest).
        fixed: name -> constant, visible to the ``params`` expressions like an axis.
        params: the model builder's description of its parameter pytree (the MSSM's,
            :func:`gm2jax.models.mssm.scan_builder.mssm_builder`: field -> expression, or a list
            of 3 for msl/mse/Ae); None = the names are the fields themselves.
        derived: ordered name -> expression, evaluated before ``params`` (each may use the
            axes, the fixed names and earlier derived names); with ``model="none"`` the derived
            values are added to the dict the observable receives.
        method: ``"grid"`` or ``"sobol"``.
        n_points: number of Sobol points (Sobol only).
        seed: Sobol scrambling seed.
        chunk_size: points per chunk (= per zarr chunk = per compiled call = per Dask task).
        observable: a name in :data:`gm2jax.scan.OBSERVABLES`.
        observable_options: keyword arguments of that observable factory.
        model: what ``params`` builds: a name in :data:`gm2jax.scan.BUILDERS` (``"mssm"``:
            :class:`gm2jax.models.mssm.MSSMParams`) or ``"none"`` (the observable receives the flat
            dict of named values); with ``config``, the configuration's model (informational).
        config: a fit configuration ``{"doc": parsed TOML, "name": str, "base_dir": str | None}``
            (:func:`gm2jax.scan.spec_from_config`); the point function is then its Problem
            (``observable = "problem"``, no ``params``/``derived``).
    """

    axes: Mapping[str, Axis]
    fixed: Mapping[str, float] = dataclasses.field(default_factory=dict)
    params: Mapping | None = None
    derived: Mapping = dataclasses.field(default_factory=dict)
    method: str = "grid"
    n_points: int | None = None
    seed: int = 0
    chunk_size: int = 4096
    observable: str = "mssm_amu_1l"
    observable_options: Mapping = dataclasses.field(default_factory=dict)
    model: str = "mssm"
    config: Mapping | None = None

    def __post_init__(self):
        axes = {str(k): Axis.parse(v, f"axes.{k}") for k, v in dict(self.axes).items()}
        if not axes:
            raise InvalidInput("axes: give at least one scanned name")
        fixed = {}
        for k, v in dict(self.fixed).items():
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise InvalidInput(f"fixed.{k}: must be a number; got {v!r}")
            fixed[str(k)] = float(v)
        both = set(axes) & set(fixed)
        if both:
            raise InvalidInput(f"fixed: {sorted(both)} are also axes; give each name once")
        bad = [k for k in list(axes) + list(fixed) if not k.isidentifier() or k in RESERVED]
        if bad:
            raise InvalidInput(f"axes/fixed: names {bad} must be identifiers other than {RESERVED}")
        if self.method not in ("grid", "sobol"):
            raise InvalidInput(f"method={self.method!r}: use 'grid' or 'sobol'")
        if self.method == "grid":
            missing = [k for k, a in axes.items() if a.n is None]
            if missing:
                raise InvalidInput(f"axes {missing}: a grid axis needs n: give (lo, hi, n)")
            if self.n_points is not None:
                raise InvalidInput("n_points is for Sobol scans; a grid has prod(n) points")
        else:
            if isinstance(self.n_points, bool) or not isinstance(self.n_points, int) or self.n_points < 1:
                raise InvalidInput(f"n_points={self.n_points!r}: a Sobol scan needs a positive integer n_points")
        if isinstance(self.chunk_size, bool) or not isinstance(self.chunk_size, int) or self.chunk_size < 1:
            raise InvalidInput(f"chunk_size={self.chunk_size!r}: give a positive integer")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise InvalidInput(f"seed={self.seed!r}: give an integer")
        if not isinstance(self.observable, str):
            raise InvalidInput("observable: give a name from gm2jax.scan.OBSERVABLES (pass Python callables to run_scan)")
        if self.config is not None:
            if not isinstance(self.config, Mapping) or not isinstance(self.config.get("doc"), Mapping):
                raise InvalidInput("config: give {'doc': <fit configuration table>, 'name': ..., 'base_dir': ...}")
            if self.params is not None or self.derived or self.observable != PROBLEM:
                raise InvalidInput(f"config: a fit-configuration scan takes no params/derived and observable={PROBLEM!r}")
        elif self.model not in MODELS:
            raise InvalidInput(f"model={self.model!r}: use one of {list(MODELS)}")
        object.__setattr__(self, "axes", types.MappingProxyType(axes))
        object.__setattr__(self, "fixed", types.MappingProxyType(fixed))
        object.__setattr__(self, "params", None if self.params is None else _freeze(dict(self.params)))
        object.__setattr__(self, "observable_options", _freeze(dict(self.observable_options)))
        object.__setattr__(self, "derived", _freeze(dict(self.derived or {})))
        object.__setattr__(self, "config", None if self.config is None else _freeze(dict(self.config)))
        if self.config is None:
            SpecBuilder(self.params, self.names, self.derived, self.model)  # validates the expressions

    # ---- construction and identity -------------------------------------------------------

    @classmethod
    def from_dict(cls, d: Mapping) -> ScanSpec:
        """Spec from a dict (as read from JSON/TOML); a top-level ``scan`` table is accepted."""
        if "scan" in d and isinstance(d["scan"], Mapping):
            d = d["scan"]
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise InvalidInput(f"scan spec: unknown keys {sorted(unknown)}; use {sorted(known)}")
        if "axes" not in d:
            raise InvalidInput("scan spec: missing 'axes'")
        return cls(**dict(d))

    @classmethod
    def from_file(cls, path) -> ScanSpec:
        """Spec from a ``.toml`` or ``.json`` file (``-`` = JSON on stdin)."""
        if str(path) == "-":
            return cls.from_dict(json.load(sys.stdin))
        path = pathlib.Path(path)
        try:
            text = path.read_text()
        except OSError as err:
            raise InvalidInput(f"cannot read scan spec {path}: {err}") from err
        if path.suffix == ".toml":
            try:
                return cls.from_dict(tomllib.loads(text))
            except tomllib.TOMLDecodeError as err:
                raise InvalidInput(f"{path}: invalid TOML: {err}") from err
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as err:
            raise InvalidInput(f"{path}: invalid JSON: {err}") from err

    def to_dict(self) -> dict:
        """JSON-able dict; ``ScanSpec.from_dict(spec.to_dict()) == spec``."""
        return {
            "axes": {k: a.to_json() for k, a in self.axes.items()},
            "fixed": dict(self.fixed),
            "params": thaw(self.params),
            "derived": thaw(self.derived),
            "method": self.method,
            "n_points": self.n_points,
            "seed": self.seed,
            "chunk_size": self.chunk_size,
            "observable": self.observable,
            "observable_options": thaw(self.observable_options),
            "model": self.model,
            "config": thaw(self.config),
        }

    def spec_hash(self, extra: str = "") -> str:
        """sha256 (first 16 hex digits) of the canonical JSON of :meth:`to_dict` (+ ``extra``)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":")) + extra
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def __reduce__(self):
        return (ScanSpec.from_dict, (self.to_dict(),))

    def replace(self, **changes) -> ScanSpec:
        """A copy with some fields changed (e.g. ``chunk_size``)."""
        d = self.to_dict()
        d.update(changes)
        return ScanSpec.from_dict(d)

    # ---- the points ----------------------------------------------------------------------

    @property
    def names(self) -> tuple[str, ...]:
        """Axis names then fixed names (the names the builder sees)."""
        return tuple(self.axes) + tuple(self.fixed)

    @property
    def grid_shape(self) -> tuple[int, ...]:
        """Grid shape (one entry per axis); raises for Sobol scans."""
        if self.method != "grid":
            raise InvalidInput("grid_shape: this is a Sobol scan, not a grid")
        return tuple(a.n for a in self.axes.values())

    @property
    def n_total(self) -> int:
        """Number of points."""
        return int(np.prod(self.grid_shape)) if self.method == "grid" else int(self.n_points)

    @property
    def n_chunks(self) -> int:
        return -(-self.n_total // self.chunk_size)

    def chunk_range(self, i: int) -> tuple[int, int]:
        """[start, stop) point indices of chunk ``i``."""
        if not 0 <= i < self.n_chunks:
            raise InvalidInput(f"chunk {i} out of range: the scan has {self.n_chunks} chunks")
        return i * self.chunk_size, min((i + 1) * self.chunk_size, self.n_total)

    def coords(self) -> dict[str, np.ndarray]:
        """Grid coordinates, one 1-D array per axis."""
        self.grid_shape  # noqa: B018 (raises for Sobol)
        return {k: a.grid() for k, a in self.axes.items()}

    def points(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """Axis values (float64 arrays of length stop - start) of points [start, stop)."""
        stop = self.n_total if stop is None else stop
        if not 0 <= start <= stop <= self.n_total:
            raise InvalidInput(f"points[{start}:{stop}] outside [0, {self.n_total}]")
        if self.method == "grid":
            idx = np.unravel_index(np.arange(start, stop), self.grid_shape)
            return {k: a.grid()[i] for (k, a), i in zip(self.axes.items(), idx)}
        engine = qmc.Sobol(d=len(self.axes), scramble=True, seed=self.seed)
        if start:
            engine.fast_forward(start)
        with warnings.catch_warnings():
            # chunk sizes need not be powers of 2: the sequence is the same either way
            warnings.filterwarnings("ignore", message="The balance properties of Sobol", category=UserWarning)
            u = engine.random(stop - start) if stop > start else np.zeros((0, len(self.axes)))
        return {k: a.from_unit(u[:, j]) for j, (k, a) in enumerate(self.axes.items())}


