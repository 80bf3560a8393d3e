"""Evaluation: a spec's point function, jit + vmap per chunk, sharded over the local devices.

``point_fn(values)`` (:func:`resolve`) is ``jax.vmap``-ed and ``jax.jit``-ed once for the chunk
size; every chunk is padded to that size (with copies of its last point, then trimmed), placed
with a :class:`jax.sharding.NamedSharding` on a 1-D mesh (axis ``"points"``) over all local
devices, and computed there (on one CPU device the mesh has one element).  With ``batch_size``
each device further runs ``lax.map(..., batch_size=...)`` to bound its memory.  Physics failures
never raise inside a scan: the point function's ``status`` output (0 = fine) comes back next to
the values, as everywhere in gm2jax.  Axis and fixed *values* are inputs of the compiled
function, so specs that differ only in ranges or fixed values (e.g. the two panels of a figure)
share one compilation within a process.
"""

from __future__ import annotations

import collections
import json
import threading
from collections.abc import Callable, Mapping

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from tqdm.auto import tqdm

from gm2jax._precision import check_float64
from gm2jax.errors import InvalidInput
from gm2jax.scan._builders import SpecBuilder, observable_fn, qualname, thaw
from gm2jax.scan._fitconfig import ProblemPoint, as_spec
from gm2jax.scan._spec import ScanSpec

__all__ = ["chunk_rows", "compose", "evaluate_points", "evaluator", "point_function", "resolve", "scan"]

_MESH_AXIS = "points"


class _ChunkEvaluator:
    """Compiles ``point_fn`` once for a padded chunk and evaluates chunks of host arrays."""

    def __init__(self, point_fn, chunk_size: int, devices=None, batch_size: int | None = None):
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


def split_status(out: Mapping, n: int):
    """(values without ``status``, status per point as int32 zeros if absent)."""
    if not isinstance(out, Mapping):
        raise InvalidInput(f"the observable must return a dict of arrays; got {type(out).__name__}")
    values = {k: v for k, v in out.items() if k != "status"}
    status = np.asarray(out["status"]) if "status" in out else np.zeros(n, dtype=np.int32)
    return values, status


def resolve(spec: ScanSpec, observable=None, builder=None):
    """(builder, observable function, identity string for the hash) of ``spec``.

    A fit-configuration spec has no builder: its observable is the configuration's
    :class:`gm2jax.problem.Problem` point function (:class:`gm2jax.scan._fitconfig.ProblemPoint`).
    """
    if spec.config is not None:
        if observable is not None or builder is not None:
            raise InvalidInput("a fit-configuration scan evaluates the fit's Problem: pass no observable or builder")
        return None, ProblemPoint(spec.config), ""
    ident = ""
    if builder is None:
        builder = SpecBuilder(spec.params, spec.names, spec.derived, spec.model)
    else:
        ident += "|builder=" + qualname(builder)
    if observable is None:
        observable = observable_fn(spec.observable, spec.observable_options)
    else:
        ident += "|observable=" + qualname(observable)
    return builder, observable, ident


def compose(builder, observable) -> Callable:
    """``values -> observable(builder(values))`` (just ``observable`` without a builder)."""
    if builder is None:
        return observable
    return lambda values: observable(builder(values))


def point_function(spec, *, observable=None, builder=None) -> Callable:
    """What every point of a scan evaluates: ``values -> dict of columns`` (one point; jit/vmap-able).

    Args:
        spec: a :class:`ScanSpec` or anything :func:`run_scan` accepts (e.g. a fit configuration).
        observable, builder: as in :func:`run_scan`.

    Returns:
        ``f(values)``, ``values`` a dict of the axis and fixed names (scalars); for a fit
        configuration the fit's :class:`gm2jax.problem.Problem` columns (``chi2``, ``chi2_<term>``,
        pulls, outputs, derived parameters, ``status``).  Use it with :func:`evaluate_points` on
        points that are not a grid or Sobol sequence.
    """
    b, f, _ = resolve(as_spec(spec), observable, builder)
    return compose(b, f)


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
    return split_status(out, n)


# Compiled evaluators, reused across scans (and Dask tasks in one process).  Specs built from the
# registry share one compilation when they differ only in axis ranges and fixed *values* (both
# are inputs of the compiled function): the key is the structure, not the numbers.
_EVALUATORS: collections.OrderedDict = collections.OrderedDict()
_EVALUATORS_LOCK = threading.Lock()
_EVALUATORS_MAX = 8


def evaluator(spec: ScanSpec, observable=None, builder=None, devices=None, batch_size=None, token=None):
    """A (cached) :class:`_ChunkEvaluator` for ``spec``'s chunks."""
    devs = tuple(devices) if devices is not None else tuple(jax.local_devices())
    if spec.config is not None:
        key = ("config", json.dumps(thaw(spec.config), sort_keys=True), spec.chunk_size, tuple(d.id for d in devs), batch_size)
    elif observable is None and builder is None:
        key = (
            "registry",
            spec.model,
            json.dumps(thaw(spec.params), sort_keys=True),
            json.dumps(list(thaw(spec.derived).items())),
            spec.observable,
            json.dumps(thaw(spec.observable_options), sort_keys=True),
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
        b, f, _ = resolve(spec, observable, builder)
        ev = _ChunkEvaluator(compose(b, f), spec.chunk_size, devs, batch_size)
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
    spec = as_spec(spec, **sampling)
    ev = evaluator(spec, observable, builder, devices, batch_size)
    parts = []
    with tqdm(total=spec.n_total, unit="pt", disable=not progress, desc="scan") as bar:
        for i in range(spec.n_chunks):
            rows = chunk_rows(spec, i, ev)
            parts.append(rows)
            bar.update(len(rows["index"]))
    values = {k: np.concatenate([p[k] for p in parts]) for k in parts[0] if k not in ("index", "status")}
    return values, np.concatenate([p["status"] for p in parts])




def chunk_rows(spec: ScanSpec, i: int, ev) -> dict:
    """The rows of chunk ``i``: ``index``, the axis values, the outputs and ``status`` (NumPy)."""
    start, stop = spec.chunk_range(i)
    pts = spec.points(start, stop)
    env = {**pts, **{k: np.full(stop - start, v) for k, v in spec.fixed.items()}}
    out, status = split_status(ev(env), stop - start)
    return {"index": np.arange(start, stop, dtype=np.int64), **pts, **out, "status": status}
