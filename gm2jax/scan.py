"""Parameter scans: grids and Sobol sequences, chunked, sharded, streamed to disk, resumable.

A scan is described by a :class:`ScanSpec` -- pure data, so that it can come from a TOML/JSON
file, be hashed, and be shipped to Dask workers:

* ``axes``: the scanned names, each an :class:`Axis` ``(lo, hi, n)`` (``n`` points for a grid;
  ``log=True`` for logarithmic spacing) -- the flat named values of every point;
* ``fixed``: named constants, available to the builder like the axes;
* ``derived``: optional named expressions of those (``{"mE2": "sqrt(mR**2 + mH**2)"}``);
* ``params``: how to build the model's parameter pytree from those names, field by field, as
  arithmetic expressions (``{"M1": "-(M2 - 20)", "mse": ["M2", "5*M2", "3000"]}``; see
  :func:`mssm_builder`) -- this is how ties such as seed 000's M1 = -(M2 - 20 GeV) are written;
* ``observable`` and ``observable_options``: a name in :data:`OBSERVABLES` (the default,
  ``"mssm_amu_1l"``, returns ``a_e``, ``a_mu``, their neutralino/chargino parts and ``status``);
* ``method`` (``"grid"`` or ``"sobol"``), ``n_points`` and ``seed`` (Sobol), ``chunk_size``.

Point order.  A grid is the cartesian product of the axes in C order: the *first* axis varies
slowest and point ``i`` is ``np.unravel_index(i, spec.grid_shape)``.  A Sobol scan uses
``scipy.stats.qmc.Sobol(d, scramble=True, seed=seed)`` over the unit cube (axis order = the
order of ``axes``), point ``i`` being the ``i``-th draw; log axes map ``u -> lo (hi/lo)^u``.
Any chunk of points can be produced on its own, so a chunk is a self-contained task.

A fit configuration (``fits/*.toml``, :mod:`gm2jax.config`) is turned into a spec over its free
parameters by :func:`spec_from_config`; :func:`run_scan` accepts either.

Evaluation.  ``observable(builder(values))`` is ``jax.vmap``-ed and ``jax.jit``-ed once for the
chunk size; every chunk is padded to that size (with copies of its last point, then trimmed),
placed with a :class:`jax.sharding.NamedSharding` on a 1-D mesh (axis ``"points"``) over all
local devices, and computed there (on one CPU device the mesh has one element).  With
``batch_size`` each device further runs ``lax.map(..., batch_size=...)`` to bound its memory.
Physics failures never raise inside a scan: the observable's ``status`` output (0 = fine)
comes back next to the values, as everywhere in gm2jax.  Axis and fixed *values* are inputs of
the compiled function, so registry-based specs that differ only in ranges or fixed values
(e.g. the two panels of a figure) share one compilation within a process.

On disk (:func:`run_scan`).  ``out_dir/manifest.json`` holds the spec, its hash, the chunk size,
the number of points and chunks, and the output columns; ``out_dir/chunk_000000.npz``, ... hold
the rows of one chunk each (``index``, the axis values, the outputs, ``status``).  Chunk files
are written atomically (temporary file + :func:`os.replace`), so an interrupted scan leaves only
complete chunks; running it again with the same spec skips them and computes the rest -- no row
lost or duplicated.  A different spec in the same directory raises
:class:`gm2jax.errors.InvalidInput`.  :func:`load_scan` returns a :class:`pandas.DataFrame`
(rows sorted by ``index``), :func:`load_grid` an :class:`xarray.Dataset` with one dimension per
axis.  With a ``dask.distributed`` client, each chunk is one task on the cluster and the driver
writes the files (no shared file system needed).

Example:
    >>> import tempfile
    >>> from gm2jax.scan import ScanSpec, run_scan, load_scan
    >>> spec = ScanSpec.from_dict({
    ...     "axes": {"mu": [500.0, 1500.0, 3], "M2": [150.0, 250.0, 2]},
    ...     "fixed": {"tan_beta": 60.0},
    ...     "params": {"M1": "-(M2 - 20)", "msl": ["M2", "M2", "3000"], "mse": ["M2", "5*M2", "3000"]},
    ...     "chunk_size": 4})
    >>> out = tempfile.mkdtemp()
    >>> summary = run_scan(spec, out, progress=False)
    >>> df = load_scan(out)
    >>> len(df), bool((df["a_mu"] > 0).all())
    (6, True)
"""

from __future__ import annotations

import ast
import collections
import dataclasses
import datetime
import functools
import hashlib
import json
import math
import os
import pathlib
import threading
import time
import types
import uuid
import warnings
from collections.abc import Callable, Mapping

import numpy as np

from gm2jax._precision import check_float64
from gm2jax.errors import InvalidInput

__all__ = [
    "OBSERVABLES",
    "Axis",
    "ScanSpec",
    "ScanSummary",
    "evaluate_points",
    "load_grid",
    "load_manifest",
    "load_scan",
    "mssm_amu_1l",
    "mssm_builder",
    "run_scan",
    "scan",
    "spec_from_config",
]

FORMAT = "gm2jax-scan"
FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_CHUNK = "chunk_{:06d}.npz"
_MESH_AXIS = "points"
# Columns every chunk file carries besides the outputs.
_RESERVED = ("index", "status")


# --------------------------------------------------------------------------------------------
# The specification
# --------------------------------------------------------------------------------------------


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


def _thaw(x):
    if isinstance(x, Mapping):
        return {k: _thaw(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return [_thaw(v) for v in x]
    return x


@dataclasses.dataclass(frozen=True)
class ScanSpec:
    """What to scan (pure data; see the module docstring).

    Attributes:
        axes: ordered mapping name -> :class:`Axis` (grid: first axis varies slowest).
        fixed: name -> constant, visible to the ``params`` expressions like an axis.
        params: field -> expression (str or number, or a list of 3 for msl/mse/Ae) for
            :func:`mssm_builder`; None = the names are the fields themselves.
        derived: ordered name -> expression, evaluated before ``params`` (each may use the
            axes, the fixed names and earlier derived names); with ``model="none"`` the derived
            values are added to the dict the observable receives.
        method: ``"grid"`` or ``"sobol"``.
        n_points: number of Sobol points (Sobol only).
        seed: Sobol scrambling seed.
        chunk_size: points per chunk (= per file = per compiled call = per Dask task).
        observable: a name in :data:`OBSERVABLES`.
        observable_options: keyword arguments of that observable factory.
        model: what ``params`` builds: ``"mssm"`` (:class:`gm2jax.models.mssm.MSSMParams`) or
            ``"none"`` (the observable receives the flat dict of named values).
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
        bad = [k for k in list(axes) + list(fixed) if not k.isidentifier() or k in _RESERVED]
        if bad:
            raise InvalidInput(f"axes/fixed: names {bad} must be identifiers other than {_RESERVED}")
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
        if self.model not in ("mssm", "none"):
            raise InvalidInput(f"model={self.model!r}: use 'mssm' or 'none'")
        if not isinstance(self.observable, str):
            raise InvalidInput("observable: give a name from gm2jax.scan.OBSERVABLES (pass Python callables to run_scan)")
        object.__setattr__(self, "axes", types.MappingProxyType(axes))
        object.__setattr__(self, "fixed", types.MappingProxyType(fixed))
        object.__setattr__(self, "params", None if self.params is None else _freeze(dict(self.params)))
        object.__setattr__(self, "observable_options", _freeze(dict(self.observable_options)))
        object.__setattr__(self, "derived", _freeze(dict(self.derived or {})))
        _Builder(self.params, self.names, self.derived, self.model)  # validates the expressions

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
        import sys

        if str(path) == "-":
            return cls.from_dict(json.load(sys.stdin))
        path = pathlib.Path(path)
        try:
            text = path.read_text()
        except OSError as err:
            raise InvalidInput(f"cannot read scan spec {path}: {err}") from err
        if path.suffix == ".toml":
            import tomllib

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
            "params": _thaw(self.params),
            "derived": _thaw(self.derived),
            "method": self.method,
            "n_points": self.n_points,
            "seed": self.seed,
            "chunk_size": self.chunk_size,
            "observable": self.observable,
            "observable_options": _thaw(self.observable_options),
            "model": self.model,
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
        from scipy.stats import qmc

        engine = qmc.Sobol(d=len(self.axes), scramble=True, seed=self.seed)
        if start:
            engine.fast_forward(start)
        with warnings.catch_warnings():
            # chunk sizes need not be powers of 2: the sequence is the same either way
            warnings.filterwarnings("ignore", message="The balance properties of Sobol", category=UserWarning)
            u = engine.random(stop - start) if stop > start else np.zeros((0, len(self.axes)))
        return {k: a.from_unit(u[:, j]) for j, (k, a) in enumerate(self.axes.items())}


# --------------------------------------------------------------------------------------------
# Builders: flat named values -> parameter pytree
# --------------------------------------------------------------------------------------------

_FUNCS = ("sqrt", "exp", "log", "log10", "abs", "minimum", "maximum", "hypot")
_BINOPS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide", ast.Pow: "power"}


def _compile_expr(src, names, path: str) -> Callable[[Mapping], object]:
    """Compile an arithmetic expression over ``names`` into ``env -> value`` (jnp functions)."""
    if isinstance(src, bool):
        raise InvalidInput(f"{path}: expected a number or an expression string; got {src!r}")
    if isinstance(src, (int, float)):
        value = float(src)
        return lambda env: value
    if not isinstance(src, str):
        raise InvalidInput(f"{path}: expected a number or an expression string; got {src!r}")
    try:
        tree = ast.parse(src, mode="eval").body
    except SyntaxError as err:
        raise InvalidInput(f"{path}: cannot parse {src!r}: {err.msg}") from err

    def build(node):
        import jax.numpy as jnp

        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            value = float(node.value)
            return lambda env: value
        if isinstance(node, ast.Name):
            if node.id not in names:
                raise InvalidInput(f"{path}: unknown name {node.id!r} in {src!r}; available: {sorted(names)}")
            return lambda env, k=node.id: env[k]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = build(node.operand)
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
            return lambda env: sign * inner(env)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right, op = build(node.left), build(node.right), getattr(jnp, _BINOPS[type(node.op)])
            return lambda env: op(left(env), right(env))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS and not node.keywords:
            args = [build(a) for a in node.args]
            fn = getattr(jnp, node.func.id)
            return lambda env: fn(*[a(env) for a in args])
        raise InvalidInput(
            f"{path}: {ast.unparse(node)!r} is not allowed in {src!r}; use numbers, names, + - * / ** and {_FUNCS}"
        )

    return build(tree)


_SCALAR_FIELDS = ("tan_beta", "mu", "M1", "M2")
_VECTOR_FIELDS = ("msl", "mse", "Ae")


def _compile_derived(derived, names, path="derived"):
    """[(name, fn)] evaluated in order; each expression sees the names and earlier derived ones."""
    seen = set(names)
    out = []
    for k, src in (derived or {}).items():
        if not str(k).isidentifier() or k in seen:
            raise InvalidInput(f"{path}.{k}: must be a new identifier (not an axis, fixed or earlier derived name)")
        out.append((k, _compile_expr(src, seen, f"{path}.{k}")))
        seen.add(k)
    return out, seen


class _Builder:
    """Picklable builder: named values -> (derived values) -> MSSMParams (``model="mssm"``) or dict."""

    def __init__(self, params, names, derived=None, model="mssm"):
        self.params = _thaw(params) if params is not None else None
        self.names = tuple(names)
        self.derived = _thaw(derived) if derived else {}
        self.model = model
        self._compile()

    def _compile(self):
        self._derived, names = _compile_derived(self.derived, self.names)
        if self.model != "mssm":
            if self.params is not None:
                raise InvalidInput("params: only for model='mssm'; use derived for model='none'")
            self._exprs = None
            return
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
            exprs[f] = _compile_expr(src, names, f"params.{f}")
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
                exprs[f] = tuple(_compile_expr(v, names, f"params.{f}[{i}]") for i, v in enumerate(src))
            else:
                exprs[f] = (_compile_expr(src, names, f"params.{f}"),) * 3
        self._exprs = exprs

    def __getstate__(self):
        return {"params": self.params, "names": self.names, "derived": self.derived, "model": self.model}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._compile()

    def __call__(self, values: Mapping):
        import jax
        import jax.numpy as jnp

        from gm2jax.models.mssm import MSSMParams

        with jax.enable_x64(True):
            env = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in values.items()}
            ones = jnp.ones_like(next(iter(env.values())))
            for k, fn in self._derived:
                env[k] = fn(env) * ones
            if self._exprs is None:
                return env

            def scalar(fn):
                return fn(env) * ones

            kw = {f: scalar(self._exprs[f]) for f in _SCALAR_FIELDS}
            for f in _VECTOR_FIELDS:
                kw[f] = jnp.stack([scalar(fn) for fn in self._exprs[f]], axis=-1)
            return MSSMParams(**kw)


def mssm_builder(params: Mapping | None, names, derived: Mapping | None = None) -> Callable[[Mapping], object]:
    """Builder turning a flat dict of named values into :class:`~gm2jax.models.mssm.MSSMParams`.

    Args:
        params: field -> expression over ``names``: a number, a string such as ``"-(M2 - 20)"``
            or ``"sqrt(mR**2 + mH**2)"`` (numbers, names, ``+ - * / **`` and ``sqrt exp log log10
            abs minimum maximum hypot``), or a list of 3 of them for ``msl``, ``mse``, ``Ae``
            (e, mu, tau).  A field missing from ``params`` is taken from the name of the same
            name (``msl``, ``mse``: flavour universal, or ``msl_0``, ``msl_1``, ``msl_2``);
            ``Ae`` defaults to 0.  All in GeV.
        names: the names available (axes and fixed values).
        derived: optional ordered name -> expression, evaluated first; each may use the names
            and the derived names before it, and ``params`` may use all of them.

    Returns:
        ``builder(values) -> MSSMParams`` (pure; works under jit/vmap; picklable).

    Raises:
        InvalidInput: unknown field or name, forbidden syntax, missing field.

    Example:
        >>> b = mssm_builder({"M1": "-(M2 - 20)", "msl": ["M2", "M2", 3000], "mse": ["M2", "5*M2", 3000]},
        ...                  ["mu", "M2", "tan_beta"])
        >>> p = b({"mu": 1000.0, "M2": 150.0, "tan_beta": 60.0})
        >>> float(p.M1), [float(x) for x in p.mse]
        (-130.0, [150.0, 750.0, 3000.0])
    """
    return _Builder(params, names, derived, "mssm")


# --------------------------------------------------------------------------------------------
# Observables (read-only registry of factories)
# --------------------------------------------------------------------------------------------


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
        targets: optional ``{"a_mu": [Delta, sigma], ...}`` (numbers, e.g. from
            :func:`gm2jax.measurements.load_dataset`): adds ``pull_<obs>`` = (a - Delta)/sigma
            and ``chi2`` = sum of squared pulls (NaN at unphysical points).

    Returns:
        ``f(p: MSSMParams) -> dict`` with, per lepton ``l``: ``a_l`` (total), ``a_l_neutralino``,
        ``a_l_chargino``, ``status_l``; ``delta_l`` with resummation; and ``status`` (bitwise OR
        over leptons; 0 = physical).  Values are NaN where the status is non-zero.

    References:
        arXiv:1510.08071 eqs. (2.11)-(2.14).
    """
    from gm2jax.models.mssm import amu_1l_parts
    from gm2jax.sm import SMInputs, lepton_index

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
        import jax.numpy as jnp

        r = amu_1l_parts(p, sm, leptons, resummation=resummation)
        out = {}
        for i, lep in enumerate(leptons):
            out[f"a_{lep}"] = r.total[i]
            out[f"a_{lep}_neutralino"] = r.neutralino[i]
            out[f"a_{lep}_chargino"] = r.chargino[i]
            out[f"status_{lep}"] = r.status[i].astype(jnp.int32)
            if resummation is not None:
                out[f"delta_{lep}"] = r.delta[i]
        for k, (central, sigma) in tg.items():
            out[f"pull_{k}"] = (out[k] - central) / sigma
        if tg:
            out["chi2"] = sum(out[f"pull_{k}"] ** 2 for k in tg)
        if with_params:
            for k in _SCALAR_FIELDS + _VECTOR_FIELDS:
                out[k] = getattr(p, k)
        out["status"] = functools.reduce(jnp.bitwise_or, [out[f"status_{lep}"] for lep in leptons])
        return out

    return f


OBSERVABLES: Mapping[str, Callable] = types.MappingProxyType({"mssm_amu_1l": mssm_amu_1l})
"""Read-only registry: observable name -> factory(**observable_options) -> f(point) -> dict."""


def _resolve(spec: ScanSpec, observable, builder):
    """(builder, observable function, identity string for the hash)."""
    ident = ""
    if builder is None:
        builder = _Builder(spec.params, spec.names, spec.derived, spec.model)
    else:
        ident += "|builder=" + _qualname(builder)
    if observable is None:
        if spec.observable not in OBSERVABLES:
            raise InvalidInput(f"observable={spec.observable!r}: use one of {sorted(OBSERVABLES)} or pass a function")
        try:
            observable = OBSERVABLES[spec.observable](**_thaw(spec.observable_options))
        except TypeError as err:
            raise InvalidInput(f"observable_options {dict(spec.observable_options)}: {err}") from err
    else:
        ident += "|observable=" + _qualname(observable)
    return builder, observable, ident


def _qualname(fn) -> str:
    fn = getattr(fn, "func", fn)  # functools.partial
    return f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', type(fn).__qualname__)}"


# --------------------------------------------------------------------------------------------
# Evaluation core: jit + vmap per chunk, NamedSharding on a 1-D mesh
# --------------------------------------------------------------------------------------------


class _ChunkEvaluator:
    """Compiles ``point_fn`` once for a padded chunk and evaluates chunks of host arrays."""

    def __init__(self, point_fn, chunk_size: int, devices=None, batch_size: int | None = None):
        import jax
        from jax.sharding import Mesh, NamedSharding, PartitionSpec

        devs = list(devices) if devices is not None else jax.local_devices()
        self.n_dev = len(devs)
        self.padded = -(-chunk_size // self.n_dev) * self.n_dev
        mesh = Mesh(np.asarray(devs), (_MESH_AXIS,))
        self.sharding = NamedSharding(mesh, PartitionSpec(_MESH_AXIS))
        if batch_size is None:
            body = jax.vmap(point_fn)
        else:
            local = lambda xs: jax.lax.map(point_fn, xs, batch_size=batch_size)
            body = jax.shard_map(local, mesh=mesh, in_specs=PartitionSpec(_MESH_AXIS), out_specs=PartitionSpec(_MESH_AXIS))
        self._fn = jax.jit(body, in_shardings=self.sharding, out_shardings=self.sharding)

    def __call__(self, points):
        """Evaluate a pytree of host arrays with leading length n <= chunk_size; returns host arrays."""
        import jax

        leaves = jax.tree_util.tree_leaves(points)
        n = leaves[0].shape[0]
        if n == 0:
            raise InvalidInput("empty chunk")
        pad = self.padded - n
        if pad < 0:
            raise InvalidInput(f"chunk of {n} points exceeds the compiled size {self.padded}")

        check_float64(points, "points")  # PrecisionError for float32 inputs

        def padded(x):
            x = np.asarray(x)
            return np.concatenate([x, np.repeat(x[-1:], pad, axis=0)]) if pad else x

        with jax.enable_x64(True):
            dev = jax.device_put(jax.tree_util.tree_map(padded, points), self.sharding)
            out = jax.device_get(self._fn(dev))
        return jax.tree_util.tree_map(lambda x: np.asarray(x)[:n], out)


def _split_status(out: Mapping, n: int):
    """(values without ``status``, status per point as int32 zeros if absent)."""
    if not isinstance(out, Mapping):
        raise InvalidInput(f"the observable must return a dict of arrays; got {type(out).__name__}")
    values = {k: v for k, v in out.items() if k != "status"}
    status = np.asarray(out["status"]) if "status" in out else np.zeros(n, dtype=np.int32)
    return values, status


def evaluate_points(
    fn: Callable,
    points,
    *,
    chunk_size: int = 4096,
    batch_size: int | None = None,
    devices=None,
    progress: bool = False,
):
    """Evaluate ``fn`` on every point of a batched pytree, in jit+vmap chunks (bounded memory).

    Args:
        fn: ``fn(point) -> dict`` of arrays for one point (pure, jit/vmap-able; its ``status``
            entry, if any, is returned separately).
        points: pytree whose leaves have a leading axis of length n (float64 host arrays;
            float32 raises :class:`gm2jax.errors.PrecisionError`).
        chunk_size: points per compiled call (host and device memory ~ chunk_size).
        batch_size: optional per-device ``lax.map`` batch inside a chunk.
        devices: devices of the 1-D mesh (default: all local devices).
        progress: show a tqdm bar.

    Returns:
        ``(values, status)``: ``fn``'s outputs stacked over points (NumPy), and the int status
        per point (zeros if ``fn`` returns none).  Never raises on unphysical points.

    Example:
        >>> import jax.numpy as jnp, numpy as np
        >>> vals, status = evaluate_points(lambda p: {"y": jnp.sin(p["x"])}, {"x": np.linspace(0, 1, 5)}, chunk_size=2)
        >>> vals["y"].shape, int(status.sum())
        ((5,), 0)
    """
    import jax
    from tqdm.auto import tqdm

    leaves = jax.tree_util.tree_leaves(points)
    if not leaves:
        raise InvalidInput("points: empty pytree")
    n = np.shape(leaves[0])[0]
    chunk_size = max(1, min(chunk_size, n))
    ev = _ChunkEvaluator(fn, chunk_size, devices, batch_size)
    parts = []
    with tqdm(total=n, unit="pt", disable=not progress, desc="scan") as bar:
        for start in range(0, n, chunk_size):
            stop = min(start + chunk_size, n)
            parts.append(ev(jax.tree_util.tree_map(lambda x, a=start, b=stop: np.asarray(x)[a:b], points)))
            bar.update(stop - start)
    out = jax.tree_util.tree_map(lambda *xs: np.concatenate(xs), *parts)
    return _split_status(out, n)


def _point_fn(builder, observable):
    return lambda values: observable(builder(values))


# Compiled evaluators, reused across scans (and Dask tasks in one process).  Specs built from the
# registry share one compilation when they differ only in axis ranges and fixed *values* (both
# are inputs of the compiled function): the key is the structure, not the numbers.
_EVALUATORS: collections.OrderedDict = collections.OrderedDict()
_EVALUATORS_LOCK = threading.Lock()
_EVALUATORS_MAX = 8


def _evaluator(spec: ScanSpec, observable=None, builder=None, devices=None, batch_size=None, token=None):
    """A (cached) :class:`_ChunkEvaluator` for ``spec``'s chunks."""
    import jax

    devs = tuple(devices) if devices is not None else tuple(jax.local_devices())
    if observable is None and builder is None:
        key = (
            "registry",
            spec.model,
            json.dumps(_thaw(spec.params), sort_keys=True),
            json.dumps(list(_thaw(spec.derived).items())),
            spec.observable,
            json.dumps(_thaw(spec.observable_options), sort_keys=True),
            tuple(sorted(spec.names)),
            spec.chunk_size,
            tuple(d.id for d in devs),
            batch_size,
        )
    elif token is not None:
        key = ("token", token, tuple(d.id for d in devs), batch_size)
    else:
        key = None
    with _EVALUATORS_LOCK:
        if key is not None and key in _EVALUATORS:
            _EVALUATORS.move_to_end(key)
            return _EVALUATORS[key]
        b, f, _ = _resolve(spec, observable, builder)
        ev = _ChunkEvaluator(_point_fn(b, f), spec.chunk_size, devs, batch_size)
        if key is not None:
            _EVALUATORS[key] = ev
            while len(_EVALUATORS) > _EVALUATORS_MAX:
                _EVALUATORS.popitem(last=False)
        return ev


def scan(spec, *, observable=None, builder=None, batch_size=None, devices=None, progress=False, **sampling):
    """Run a (small) scan in memory.

    Args:
        spec: :class:`ScanSpec`, dict, or path of a TOML/JSON spec.
        observable: optional ``f(point) -> dict`` replacing ``spec.observable``.
        builder: optional ``builder(values) -> point`` replacing ``spec.params``.
        batch_size, devices, progress: as in :func:`evaluate_points`.
        **sampling: ``grid_points``, ``sobol_points``, ``seed``, ``chunk_size`` for fit
            configurations (see :func:`spec_from_config`); ``chunk_size`` also overrides a spec's.

    Returns:
        ``(values, status)``: a dict with the axis values and the outputs (NumPy, one row per
        point in scan order), and the status per point.
    """
    from tqdm.auto import tqdm

    spec = _as_spec(spec, **sampling)
    _resolve(spec, observable, builder)  # validates before compiling
    ev = _evaluator(spec, observable, builder, devices, batch_size)
    parts = []
    with tqdm(total=spec.n_total, unit="pt", disable=not progress, desc="scan") as bar:
        for i in range(spec.n_chunks):
            rows = _chunk_rows(spec, i, ev)
            parts.append(rows)
            bar.update(len(rows["index"]))
    values = {k: np.concatenate([p[k] for p in parts]) for k in parts[0] if k not in ("index", "status")}
    return values, np.concatenate([p["status"] for p in parts])


# --------------------------------------------------------------------------------------------
# Disk: manifest, chunk files, resume
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ScanSummary:
    """What :func:`run_scan` did.

    Attributes:
        out_dir: the scan directory.
        spec_hash: hash recorded in the manifest.
        n_points, n_chunks: size of the whole scan.
        computed: chunks computed in this call; skipped: chunks already on disk.
        complete: every chunk is on disk.
        n_bad: points with non-zero status among those computed in this call.
        seconds: wall time of this call; points_per_second: computed points / seconds.
    """

    out_dir: str
    spec_hash: str
    n_points: int
    n_chunks: int
    computed: int
    skipped: int
    complete: bool
    n_bad: int
    seconds: float
    points_per_second: float

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


# Fit-configuration names (gm2jax.config / fits/*.toml) -> MSSMParams fields.
_CONFIG_MSSM_PARAMS = {
    "tan_beta": "tan_beta",
    "mu": "mu",
    "M1": "M1",
    "M2": "M2",
    "msl": ["mL1", "mL2", "mL3"],
    "mse": ["mE1", "mE2", "mE3"],
    "Ae": ["A1", "A2", "A3"],
}


def spec_from_config(
    config,
    *,
    grid_points: int | Mapping[str, int] | None = 8,
    sobol_points: int | None = None,
    seed: int | None = 0,
    chunk_size: int | None = 4096,
) -> ScanSpec:
    """A :class:`ScanSpec` over the free parameters of a fit configuration (``fits/*.toml``).

    The free parameters become the axes (their ``range``; ``loguniform`` priors give log axes),
    ``[fixed]`` and the model defaults the fixed values, ``[derived]`` the derived expressions;
    the observable computes the configured leptons with the configured SM convention and
    resummation, plus ``pull_<obs>`` and ``chi2`` against the configured dataset (g-2 terms only:
    no LEP penalties, no theory uncertainty).

    Args:
        config: a :class:`gm2jax.config.FitConfig`, a path to its TOML file, or its mapping.
        grid_points: points per axis of a grid (an int, or name -> int).
        sobol_points: give this instead for a Sobol scan of that many points.
        seed: Sobol scrambling seed.
        chunk_size: points per chunk.

    Raises:
        InvalidInput: a model other than ``"mssm"``, or a free parameter without a finite range.
    """
    from gm2jax import config as _config

    if isinstance(config, (str, os.PathLike)):
        cfg = _config.load_config(config)
    elif isinstance(config, Mapping):
        cfg = _config.parse_config(config)
    else:
        cfg = config
    if cfg.model != "mssm":
        raise InvalidInput(f"model={cfg.model!r}: scans of fit configurations support 'mssm' only")
    method = "sobol" if sobol_points is not None else "grid"
    if method == "grid" and grid_points is None:
        raise InvalidInput("give grid_points (grid) or sobol_points (Sobol scan)")
    axes = {}
    for p in cfg.free:
        if not (math.isfinite(p.lo) and math.isfinite(p.hi)):
            raise InvalidInput(f"parameters.{p.name}.range: a scan needs a finite range (got [{p.lo}, {p.hi}])")
        n = None
        if method == "grid":
            n = grid_points.get(p.name) if isinstance(grid_points, Mapping) else grid_points
            if n is None:
                raise InvalidInput(f"grid_points: no number of points for {p.name!r}")
        axes[p.name] = Axis.parse({"lo": p.lo, "hi": p.hi, "n": n, "log": p.prior == "loguniform"}, f"parameters.{p.name}")
    from gm2jax.likelihood import get_model

    model = get_model(cfg.model)
    fixed = dict(cfg.fixed)
    for k, v in model.defaults.items():
        if k not in fixed and k not in axes and k not in cfg.derived:
            fixed[k] = float(v)
    return ScanSpec(
        axes=axes,
        fixed=fixed,
        derived={k: e.text for k, e in cfg.derived.items()},
        params=_CONFIG_MSSM_PARAMS,
        method=method,
        n_points=sobol_points,
        seed=0 if seed is None else seed,
        chunk_size=4096 if chunk_size is None else chunk_size,
        observable="mssm_amu_1l",
        observable_options={
            "convention": cfg.sm_convention,
            "leptons": list(cfg.leptons),
            "resummation": None if cfg.resummation == "none" else cfg.resummation,
            "targets": {o: [cfg.dataset[o].value, cfg.dataset[o].error] for o in cfg.observables},
        },
        model="mssm",
    )


def _is_fit_config(d) -> bool:
    return isinstance(d, Mapping) and "parameters" in d and "axes" not in d and "scan" not in d


def _as_spec(spec, **sampling) -> ScanSpec:
    """ScanSpec from a ScanSpec, a scan-spec dict/file, or a fit configuration (object/dict/TOML)."""
    sampling = {k: v for k, v in sampling.items() if v is not None}
    if "grid_points" in sampling and "sobol_points" in sampling:
        raise InvalidInput("grid_points (--grid) and sobol_points (--sobol) are mutually exclusive: give one")
    if isinstance(spec, (str, os.PathLike)) and str(spec) != "-":
        path = pathlib.Path(spec)
        if path.suffix == ".toml":
            import tomllib

            try:
                doc = tomllib.loads(path.read_text())
            except OSError as err:
                raise InvalidInput(f"cannot read {path}: {err}") from err
            except tomllib.TOMLDecodeError as err:
                raise InvalidInput(f"{path}: invalid TOML: {err}") from err
            if _is_fit_config(doc):
                return spec_from_config(path, **sampling)
    if _is_fit_config(spec) or (hasattr(spec, "free") and hasattr(spec, "derived") and hasattr(spec, "dataset")):
        return spec_from_config(spec, **sampling)
    if isinstance(spec, ScanSpec):
        out = spec
    elif isinstance(spec, Mapping):
        out = ScanSpec.from_dict(spec)
    elif isinstance(spec, (str, os.PathLike)):
        out = ScanSpec.from_file(spec)
    else:
        raise InvalidInput(f"spec: give a ScanSpec, a dict, a TOML/JSON path or a fit configuration; got {type(spec).__name__}")
    extra = set(sampling) - {"chunk_size"}
    if extra:
        raise InvalidInput(f"{sorted(extra)}: only for fit configurations; a scan spec sets its own sampling")
    if "chunk_size" in sampling:
        out = out.replace(chunk_size=sampling["chunk_size"])
    return out


def _atomic_write_bytes(path: pathlib.Path, write: Callable) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _write_json(path: pathlib.Path, obj) -> None:
    _atomic_write_bytes(path, lambda fh: fh.write((json.dumps(obj, indent=2, sort_keys=False) + "\n").encode()))


def load_manifest(out_dir) -> dict:
    """The manifest of a scan directory (raises InvalidInput if there is none)."""
    path = pathlib.Path(out_dir) / _MANIFEST
    try:
        man = json.loads(path.read_text())
    except FileNotFoundError as err:
        raise InvalidInput(f"{out_dir}: no {_MANIFEST}; is this a gm2jax scan directory?") from err
    except json.JSONDecodeError as err:
        raise InvalidInput(f"{path}: corrupt manifest ({err}); remove the directory and rerun the scan") from err
    if man.get("format") != FORMAT or man.get("format_version") != FORMAT_VERSION:
        raise InvalidInput(f"{path}: not a {FORMAT} v{FORMAT_VERSION} manifest")
    return man


def _output_columns(point_fn, spec: ScanSpec) -> dict:
    """Output names, trailing shapes and dtypes (via jax.eval_shape; nothing is computed)."""
    import jax

    env = {k: jax.ShapeDtypeStruct((), np.float64) for k in spec.names}
    with jax.enable_x64(True):
        shapes = jax.eval_shape(point_fn, env)
    if not isinstance(shapes, Mapping):
        raise InvalidInput("the observable must return a dict of arrays")
    clash = set(shapes) & (set(spec.names) | {"index"})
    if clash:
        raise InvalidInput(f"observable outputs {sorted(clash)} clash with axis/fixed names or 'index'; rename them")
    cols = {k: {"shape": list(v.shape), "dtype": np.dtype(v.dtype).name} for k, v in shapes.items()}
    cols.setdefault("status", {"shape": [], "dtype": "int32"})
    return cols


_CHECKSUM = "_sha256"
"""Key of the per-chunk checksum: SHA-256 over every other array (name, dtype, shape, bytes)."""
_MAX_CHUNKS = 10_000_000
"""Largest number of chunks a scan may have (the chunk bookkeeping is O(n_chunks))."""


def _rows_digest(rows: Mapping) -> np.ndarray:
    h = hashlib.sha256()
    for k in sorted(rows):
        if k == _CHECKSUM:
            continue
        a = np.ascontiguousarray(rows[k])
        h.update(f"{k}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return np.frombuffer(h.digest(), dtype=np.uint8)


def _chunk_ok(path: pathlib.Path, start: int, stop: int) -> bool:
    """The chunk file exists, holds rows start..stop-1 and its checksum matches its contents."""
    try:
        with np.load(path) as z:
            rows = {k: z[k] for k in z.files}
        idx = rows["index"]
        if not (idx.shape == (stop - start,) and int(idx[0]) == start and int(idx[-1]) == stop - 1):
            return False
        return _CHECKSUM in rows and np.array_equal(rows[_CHECKSUM], _rows_digest(rows))
    except Exception:  # noqa: BLE001 -- any unreadable or altered file is recomputed
        return False


def _write_chunk(out_dir: pathlib.Path, i: int, rows: dict) -> None:
    rows = {**rows, _CHECKSUM: _rows_digest(rows)}
    _atomic_write_bytes(out_dir / _CHUNK.format(i), lambda fh: np.savez(fh, **rows))


class _ScanLock:
    """Exclusive lock of a scan directory (``out_dir/.lock``, ``fcntl.flock``): a second writer is
    refused at once; the kernel releases the lock when the holder exits, even after ``kill -9``."""

    def __init__(self, out: pathlib.Path):
        self.path = out / ".lock"
        self.fh = None

    def __enter__(self):
        import fcntl

        fh = open(self.path, "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise InvalidInput(
                f"{self.path.parent}: another scan is writing there ({holder}); wait for it to finish "
                "or give another output directory"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        self.fh = fh
        return self

    def __exit__(self, *exc):
        import fcntl

        fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
        self.fh.close()


def _chunk_rows(spec: ScanSpec, i: int, evaluator) -> dict:
    start, stop = spec.chunk_range(i)
    pts = spec.points(start, stop)
    env = {**pts, **{k: np.full(stop - start, v) for k, v in spec.fixed.items()}}
    out, status = _split_status(evaluator(env), stop - start)
    rows = {"index": np.arange(start, stop, dtype=np.int64), **pts, **out, "status": status}
    return rows


def _dask_chunk(payload: dict, i: int) -> dict:
    """Dask task: compute the rows of chunk ``i`` (on a worker; the driver writes the file)."""
    spec = ScanSpec.from_dict(payload["spec"])
    ev = _evaluator(spec, payload["observable"], payload["builder"], None, payload["batch_size"], payload["token"])
    return _chunk_rows(spec, i, ev)


def run_scan(
    spec,
    out_dir,
    *,
    observable: Callable | None = None,
    builder: Callable | None = None,
    resume: bool = True,
    overwrite: bool = False,
    max_chunks: int | None = None,
    batch_size: int | None = None,
    devices=None,
    client=None,
    progress: bool = True,
    on_chunk: Callable[[int], None] | None = None,
    grid_points: int | Mapping[str, int] | None = None,
    sobol_points: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
) -> ScanSummary:
    """Run a scan chunk by chunk, streaming one file per chunk into ``out_dir`` (resumable).

    Args:
        spec: :class:`ScanSpec`, a scan-spec dict or TOML/JSON path, or a fit configuration
            (``fits/*.toml`` path, :class:`gm2jax.config.FitConfig` or its dict), which is turned
            into a spec by :func:`spec_from_config` (the CLI's ``config``).
        out_dir: scan directory (created).  Holds ``manifest.json`` and ``chunk_*.npz``.
        observable: optional Python ``f(point) -> dict`` replacing ``spec.observable``
            (its ``module:qualname`` enters the hash; a changed body is not detected).
        builder: optional ``builder(values) -> point`` replacing ``spec.params``.
        resume: skip chunks already on disk (default).  ``False`` with existing chunks raises
            unless ``overwrite``.
        overwrite: delete an existing scan in ``out_dir`` (any spec) and start afresh.
        max_chunks: compute at most this many new chunks in this call (then return).
        batch_size: per-device ``lax.map`` batch inside a chunk (device-memory bound).
        devices: devices of the 1-D mesh (default: all local devices).
        client: a ``dask.distributed.Client``: each chunk becomes one task on the cluster.
        progress: tqdm progress bar (points).
        on_chunk: called with the chunk number after each chunk file is written.
        grid_points, sobol_points, seed: sampling of a fit configuration (default: grid of 8
            points per free parameter); not allowed with a scan spec.
        chunk_size: points per chunk (overrides the spec's; part of the spec hash).

    Returns:
        :class:`ScanSummary`.

    Raises:
        InvalidInput: bad spec, or ``out_dir`` holds a scan with a different spec.
    """
    import jax
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    spec = _as_spec(spec, grid_points=grid_points, sobol_points=sobol_points, seed=seed, chunk_size=chunk_size)
    b, f, ident = _resolve(spec, observable, builder)
    point_fn = _point_fn(b, f)
    shash = spec.spec_hash(ident)
    out = pathlib.Path(out_dir)
    if spec.n_chunks > _MAX_CHUNKS:
        raise InvalidInput(
            f"scan of {spec.n_total:.3g} points in {spec.n_chunks:.3g} chunks is too large (at most {_MAX_CHUNKS:.0e} "
            "chunks): use fewer grid points per axis or a larger chunk size"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        with _ScanLock(out):
            for tmp in out.glob(".chunk_*.tmp-*"):
                tmp.unlink(missing_ok=True)  # leftovers of an interrupted write
            mpath = out / _MANIFEST
            if overwrite:
                for p in out.glob("chunk_*.npz"):
                    p.unlink()
                mpath.unlink(missing_ok=True)
            if mpath.exists():
                man = load_manifest(out)
                if man.get("spec_hash") != shash:
                    raise InvalidInput(
                        f"{out} holds a different scan (spec hash {man.get('spec_hash')} != {shash}); "
                        "use a new out_dir, or pass overwrite=True to replace it"
                    )
                if not resume and any(out.glob("chunk_*.npz")):
                    raise InvalidInput(f"{out} already holds chunks of this scan: pass resume=True or overwrite=True")
            else:
                man = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "spec": spec.to_dict(),
                    "spec_hash": shash,
                    "observable": _qualname(observable) if observable is not None else spec.observable,
                    "builder": _qualname(builder) if builder is not None else f"params:{spec.model}",
                    "chunk_size": spec.chunk_size,
                    "n_points": spec.n_total,
                    "n_chunks": spec.n_chunks,
                    "grid_shape": list(spec.grid_shape) if spec.method == "grid" else None,
                    "columns": {
                        "index": {"shape": [], "dtype": "int64"},
                        **{k: {"shape": [], "dtype": "float64"} for k in spec.axes},
                        **_output_columns(point_fn, spec),
                    },
                    "chunk_file": _CHUNK,
                    "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                    "gm2jax_version": _gm2jax_version(),
                    "jax_version": jax.__version__,
                    "complete": False,
                }
                _write_json(mpath, man)

            todo, skipped_rows = [], 0
            for i in range(spec.n_chunks):
                start, stop = spec.chunk_range(i)
                if resume and _chunk_ok(out / _CHUNK.format(i), start, stop):
                    skipped_rows += stop - start
                else:
                    todo.append(i)
            skipped = spec.n_chunks - len(todo)
            if max_chunks is not None:
                todo = todo[: max(0, max_chunks)]

            n_bad = 0
            computed_rows = 0
            with tqdm(total=spec.n_total, initial=skipped_rows, unit="pt", disable=not progress, desc=f"scan {out.name}") as bar:

                def done(i, rows):
                    nonlocal n_bad, computed_rows
                    _write_chunk(out, i, rows)
                    n_bad += int(np.count_nonzero(rows["status"]))
                    computed_rows += len(rows["index"])
                    bar.update(len(rows["index"]))
                    if on_chunk is not None:
                        on_chunk(i)

                if client is None:
                    ev = _evaluator(spec, observable, builder, devices, batch_size) if todo else None
                    for i in todo:
                        done(i, _chunk_rows(spec, i, ev))
                else:
                    _run_dask(client, spec, observable, builder, batch_size, todo, done)

            complete = skipped + len(todo) == spec.n_chunks
            if complete and not man.get("complete"):
                man = {**man, "complete": True, "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}
                _write_json(mpath, man)
            secs = time.perf_counter() - t0
            return ScanSummary(
                out_dir=str(out),
                spec_hash=shash,
                n_points=spec.n_total,
                n_chunks=spec.n_chunks,
                computed=len(todo),
                skipped=skipped,
                complete=complete,
                n_bad=n_bad,
                seconds=secs,
                points_per_second=computed_rows / secs if secs > 0 else float("nan"),
            )
    except TimeoutError:  # an OSError subclass, but a cluster/timeout problem, not the directory
        raise
    except OSError as err:
        raise InvalidInput(
            f"{out}: cannot use the scan directory ({err.strerror or err}"
            f"{': ' + str(err.filename) if err.filename else ''}); give a writable directory"
        ) from None


def _run_dask(client, spec, observable, builder, batch_size, todo, done) -> None:
    """Submit chunks as tasks, at most ~2 per worker thread in flight; write as they finish."""
    from distributed import as_completed

    payload = {
        "spec": spec.to_dict(),
        "observable": observable,
        "builder": builder,
        "batch_size": batch_size,
        "token": uuid.uuid4().hex,
    }
    [payload_f] = client.scatter([payload], broadcast=True)
    nthreads = sum(client.nthreads().values()) or 1
    window = 2 * nthreads
    pending = list(todo)
    futures = {}

    def submit(i):
        fut = client.submit(_dask_chunk, payload_f, i, pure=False, key=f"gm2jax-chunk-{payload['token']}-{i}")
        futures[fut] = i
        return fut

    ac = as_completed([submit(pending.pop(0)) for _ in range(min(window, len(pending)))])
    for fut in ac:
        i = futures.pop(fut)
        done(i, fut.result())
        fut.release()
        if pending:
            ac.add(submit(pending.pop(0)))


def _gm2jax_version() -> str:
    from gm2jax import __version__

    return __version__


# --------------------------------------------------------------------------------------------
# Reading results
# --------------------------------------------------------------------------------------------


def _read_chunks(out_dir, allow_partial: bool):
    man = load_manifest(out_dir)
    out = pathlib.Path(out_dir)
    parts, missing = [], []
    for i in range(man["n_chunks"]):
        path = out / man["chunk_file"].format(i)
        start = i * man["chunk_size"]
        stop = min(start + man["chunk_size"], man["n_points"])
        if not _chunk_ok(path, start, stop):
            missing.append(i)
            continue
        with np.load(path) as z:
            parts.append({k: z[k] for k in z.files if k != _CHECKSUM})
    if missing and not allow_partial:
        raise InvalidInput(
            f"{out_dir}: {len(missing)} of {man['n_chunks']} chunks missing (first: {missing[:5]}); "
            "rerun run_scan with the same spec to finish it, or pass allow_partial=True"
        )
    return man, parts


def load_scan(out_dir, *, allow_partial: bool = False):
    """The rows of a scan directory as a :class:`pandas.DataFrame`, sorted by ``index``.

    Columns: ``index``, the axis values, the fixed values (constant columns), the outputs
    (an output of trailing shape (k,) becomes ``name_0`` ... ``name_{k-1}``) and ``status``.

    Raises:
        InvalidInput: no manifest, or missing chunks (unless ``allow_partial``).
    """
    import pandas as pd

    man, parts = _read_chunks(out_dir, allow_partial)
    cols: dict[str, np.ndarray] = {}
    if parts:
        for k in parts[0]:
            arr = np.concatenate([p[k] for p in parts])
            if arr.ndim == 1:
                cols[k] = arr
            else:
                flat = arr.reshape(arr.shape[0], -1)
                for j in range(flat.shape[1]):
                    cols[f"{k}_{j}"] = flat[:, j]
    n = len(cols.get("index", ()))
    for k, v in man["spec"]["fixed"].items():
        cols[k] = np.full(n, v)
    df = pd.DataFrame(cols)
    if "index" in df:
        df = df.sort_values("index", kind="stable").reset_index(drop=True)
    return df


def load_grid(out_dir):
    """A complete grid scan as an :class:`xarray.Dataset` (one dimension per axis, in spec order).

    Outputs of trailing shape (k,) get an extra dimension ``<name>_dim0``.  Fixed values are
    stored in ``attrs`` with the spec hash and the manifest.

    Raises:
        InvalidInput: not a grid scan, or chunks missing.
    """
    import xarray as xr

    man, parts = _read_chunks(out_dir, allow_partial=False)
    spec = ScanSpec.from_dict(man["spec"])
    if spec.method != "grid":
        raise InvalidInput(f"{out_dir}: a Sobol scan has no grid; use load_scan")
    shape = spec.grid_shape
    dims = tuple(spec.axes)
    data = {}
    for k in parts[0]:
        if k in spec.axes or k == "index":
            continue
        arr = np.concatenate([p[k] for p in parts])
        order = np.argsort(np.concatenate([p["index"] for p in parts]), kind="stable")
        arr = arr[order].reshape(shape + arr.shape[1:])
        extra = tuple(f"{k}_dim{j}" for j in range(arr.ndim - len(shape)))
        data[k] = (dims + extra, arr)
    attrs = {
        "spec_hash": man["spec_hash"],
        "manifest": json.dumps(man),
        **{f"fixed_{k}": v for k, v in spec.fixed.items()},
    }
    return xr.Dataset(data, coords=spec.coords(), attrs=attrs)
