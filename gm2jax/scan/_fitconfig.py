"""Scans of fit configurations (``fits/*.toml``): the fit's :class:`gm2jax.problem.Problem` at every point.

:func:`spec_from_config` turns a configuration into a :class:`ScanSpec` over its free parameters
(their ranges; ``loguniform`` priors give log axes) that carries the configuration itself
(``config``).  The point function, :class:`ProblemPoint`, is the fit's: ``Problem.predict`` and
``Problem.likelihood.chi2`` of those predictions -- the chi^2 the fit minimises (g-2 terms with
their theory uncertainties, LEP/model constraint terms, ``chi2_failed`` at failed points) -- so a
scan map and a fit agree point by point.  Columns: the derived parameters, the model's outputs
(:meth:`Problem.outputs`: a_l and their parts, masses), the pulls ``R_<l>``, each likelihood
term's ``chi2_<term>`` (:meth:`Likelihood.chi2_parts`; 0 at failed points), ``chi2`` and ``status``.
"""

from __future__ import annotations

import math
import os
import pathlib
import tomllib
from collections.abc import Mapping

import jax
import jax.numpy as jnp

from gm2jax.config import FitConfig, load_config, parse_config
from gm2jax.errors import InvalidInput
from gm2jax.problem import Problem
from gm2jax.scan._builders import thaw
from gm2jax.scan._spec import PROBLEM, Axis, ScanSpec

__all__ = ["DEFAULT_GRID", "DEFAULT_SOBOL", "ProblemPoint", "as_spec", "problem_of", "spec_from_config"]

DEFAULT_GRID = 8
"""Grid points per free parameter when none are given (configurations with <= 3 free parameters)."""
DEFAULT_SOBOL = 512
"""Sobol points when none are given and the configuration has more than 3 free parameters."""


def problem_of(config: Mapping) -> Problem:
    """The :class:`Problem` of a spec's ``config`` record (``{"doc", "name", "base_dir"}``)."""
    c = thaw(config)
    cfg = parse_config(c["doc"], name=c.get("name", "config"), origin=c.get("origin", "<dict>"), base_dir=c.get("base_dir"))
    return Problem(cfg)


class ProblemPoint:
    """Picklable point function of a fit-configuration scan: flat values -> dict of columns.

    ``chi2`` is ``problem.likelihood.chi2(problem.predict(x))``, i.e. :meth:`Problem.chi2`.
    """

    def __init__(self, config: Mapping):
        self.config = thaw(config)
        self._build()

    def _build(self):
        self.problem = problem_of(self.config)
        self.derived = tuple(self.problem.config.derived)
        inputs = set(self.problem.names) | set(self.problem.config.fixed) | set(self.derived)
        # a model output named like an input (flavon: lam1, c_e) echoes it: the scanned value stays
        self.outputs = tuple(k for k in self.problem.outputs() if k not in inputs)

    def __getstate__(self):
        return {"config": self.config}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._build()

    def __call__(self, values: Mapping) -> dict:
        prob = self.problem
        with jax.enable_x64(True):
            x = jnp.stack([jnp.asarray(values[n], dtype=jnp.float64) for n in prob.names])
            pred = prob.predict(x)
            env = prob.values(x)
            out = {n: env[n] for n in self.derived}
            out.update({k: pred[k] for k in self.outputs if k in pred})
            out.update({k: v for k, v in prob.likelihood.pulls(pred).items() if k not in out})
            out.update({f"chi2_{k}": v for k, v in prob.likelihood.chi2_parts(pred).items()})
            out["chi2"] = prob.likelihood.chi2(pred)
            out["status"] = jnp.asarray(pred["status"]).astype(jnp.int32)
        return out


def _config_record(cfg: FitConfig) -> dict:
    origin = pathlib.Path(cfg.origin)
    base = str(origin.resolve().parent) if cfg.origin != "<dict>" else None
    return {"doc": thaw(cfg.raw), "name": cfg.name, "base_dir": base}


def spec_from_config(
    config,
    *,
    grid_points: int | Mapping[str, int] | None = None,
    sobol_points: int | None = None,
    seed: int | None = 0,
    chunk_size: int | None = 4096,
) -> ScanSpec:
    """A :class:`ScanSpec` over the free parameters of a fit configuration (``fits/*.toml``).

    The free parameters become the axes (their ``range``; ``loguniform`` priors give log axes);
    the spec carries the configuration, whose :class:`gm2jax.problem.Problem` computes every
    point (:class:`ProblemPoint`: the fit's predictions and chi^2).  ``[fixed]`` values are
    recorded as constant columns.

    Args:
        config: a :class:`gm2jax.config.FitConfig`, a path to its TOML file, or its mapping.
        grid_points: points per axis of a grid (an int, or name -> int).
        sobol_points: give this instead for a Sobol scan of that many points.  Neither: a grid of
            :data:`DEFAULT_GRID` per axis for up to 3 free parameters, else :data:`DEFAULT_SOBOL`
            Sobol points.
        seed: Sobol scrambling seed.
        chunk_size: points per chunk.

    Raises:
        InvalidInput: an invalid configuration, both ``grid_points`` and ``sobol_points``, or a
            free parameter without a finite range.
    """
    if isinstance(config, (str, os.PathLike)):
        cfg = load_config(config)
    elif isinstance(config, Mapping):
        cfg = parse_config(config)
    else:
        cfg = config
    if grid_points is not None and sobol_points is not None:
        raise InvalidInput("grid_points (--grid) and sobol_points (--sobol) are mutually exclusive: give one")
    if grid_points is None and sobol_points is None:
        if len(cfg.free) <= 3:
            grid_points = DEFAULT_GRID
        else:
            sobol_points = DEFAULT_SOBOL
    method = "sobol" if sobol_points is not None else "grid"
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
    # recorded as constant columns (the Problem applies them itself): [fixed] and the model's
    # finite defaults that are not computed outputs (flavon: g_e, va are outputs when matched)
    outputs = set(Problem(cfg).outputs())
    fixed = dict(cfg.fixed)
    for k, v in cfg.spec.defaults.items():
        if k not in fixed and k not in axes and k not in cfg.derived and k not in outputs and math.isfinite(v):
            fixed[k] = float(v)
    return ScanSpec(
        axes=axes,
        fixed=fixed,
        method=method,
        n_points=sobol_points,
        seed=0 if seed is None else seed,
        chunk_size=4096 if chunk_size is None else chunk_size,
        observable=PROBLEM,
        model=cfg.model,
        config=_config_record(cfg),
    )


def _is_fit_config(d) -> bool:
    return isinstance(d, Mapping) and "parameters" in d and "axes" not in d and "scan" not in d


def as_spec(spec, **sampling) -> ScanSpec:
    """ScanSpec from a ScanSpec, a scan-spec dict/file, or a fit configuration (object/dict/TOML)."""
    sampling = {k: v for k, v in sampling.items() if v is not None}
    if "grid_points" in sampling and "sobol_points" in sampling:
        raise InvalidInput("grid_points (--grid) and sobol_points (--sobol) are mutually exclusive: give one")
    if isinstance(spec, (str, os.PathLike)) and str(spec) != "-":
        path = pathlib.Path(spec)
        if path.suffix == ".toml":
            try:
                doc = tomllib.loads(path.read_text())
            except OSError as err:
                raise InvalidInput(f"cannot read {path}: {err}") from err
            except tomllib.TOMLDecodeError as err:
                raise InvalidInput(f"{path}: invalid TOML: {err}") from err
            if _is_fit_config(doc):
                return spec_from_config(path, **sampling)
    if _is_fit_config(spec) or isinstance(spec, FitConfig):
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
