"""Fit/sample configurations in TOML, validated before any computation.

A configuration names the model, the dataset, the SM convention, the free parameters with
ranges and priors, fixed and derived parameters and the likelihood terms (layout: the
files in ``fits/``; every key is documented in :func:`parse_config`).  Every problem is
reported as :class:`gm2jax.errors.InvalidInput` naming the TOML key path, e.g.
``parameters.mu.range: empty range [5000.0, 300.0]; need lo < hi``.  The model is resolved
through :func:`gm2jax.registry.get_model` and carried as ``config.spec``; its ``domain`` (hard
physical limits per parameter, e.g. tan(beta) > 0) is checked here, before anything compiles.

Free parameters reach an unconstrained space by the bijections of :mod:`gm2jax.priors`.
Derived parameters are expressions of other parameters in the language of
:mod:`gm2jax.expressions` (``M1 = "-(M2 - 20)"``, ``mE2 = "sqrt(mR**2 + mH**2)"``); free
parameters that are not model parameters (auxiliary, like ``mH``) are allowed when a derived
expression uses them.  :meth:`FitConfig.problem` gives the :class:`gm2jax.problem.Problem`.

Example:
    >>> cfg = parse_config({"model": "mssm", "parameters": {"mu": {"range": [300.0, 3000.0]}},
    ...     "fixed": {"tan_beta": 60.0, "M2": 150.0, "mL1": 150.0, "mE1": 150.0, "mL2": 150.0},
    ...     "derived": {"M1": "-(M2 - 20)", "mE2": "5 * M2"}})
    >>> [p.name for p in cfg.free], cfg.dataset.name
    (['mu'], 'seeds2019')
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import pathlib
import tomllib
from collections.abc import Mapping

from gm2jax.curvature import HESSIAN_METHODS
from gm2jax.errors import InvalidInput
from gm2jax.expressions import Expression, compile_expression
from gm2jax.measurements import Dataset, load_dataset
from gm2jax.priors import PRIORS, ParamSpec, bijection_for
from gm2jax.problem import Problem
from gm2jax.registry import get_model
from gm2jax.sm import SMInputs

# --------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FitOptions:
    """``[fit]`` options: multi-start optimiser and profiles (defaults in brackets).

    Attributes:
        starts: number of random starts [32].
        steps: maximal Adam steps [800].
        learning_rate: Adam learning rate in the unconstrained space [0.1].
        clip_norm: gradient clipping by global norm [10.0].
        optimizer: ``"adam"`` (clip + Adam) or ``"lbfgs"`` (optax.lbfgs, zoom line search) ["adam"].
        polish_steps: damped Newton steps on the global best with the Hessian [10].
        hessian_method: how the Hessian (Newton polish, covariance) is computed: ``"autodiff"``
            (exact; one more compilation), ``"gradient_differences"`` (Richardson central
            differences of the optimiser's already compiled exact gradient, no new compilation)
            or ``"auto"`` (gradient differences at ``loops = 2``, where the autodiff Hessian of
            the MSSM takes > 17 min to compile, autodiff elsewhere) ["auto"]; see
            :mod:`gm2jax.curvature`.
        seed: PRNG seed of the starts [0].
        target_chi2: a start counts as converged below this chi^2 [0.1] (reporting only).
        profile_1d: parameters to profile in 1-D [all free].
        profile_2d: parameter pairs to profile in 2-D [first two free, if any].
        profile_points: grid points per 1-D profile [25].
        profile_points_2d: grid points per axis of 2-D profiles [15].
        profile_steps: Adam steps per profile point (0: no re-minimisation) [300].
    """

    starts: int = 32
    steps: int = 800
    learning_rate: float = 0.1
    clip_norm: float = 10.0
    optimizer: str = "adam"
    polish_steps: int = 10
    hessian_method: str = "auto"
    seed: int = 0
    target_chi2: float = 0.1
    profile_1d: tuple = None
    profile_2d: tuple = None
    profile_points: int = 25
    profile_points_2d: int = 15
    profile_steps: int = 300


@dataclasses.dataclass(frozen=True)
class SampleOptions:
    """``[sample]`` options: NUTS (defaults in brackets).

    Attributes:
        chains: chains, run vectorized [4].
        warmup: warm-up (adaptation) steps per chain [500].
        samples: kept samples per chain [500].
        seed: PRNG seed [1].
        target_accept: NUTS target acceptance probability [0.8].
        max_tree_depth: NUTS maximal tree depth [8].
        init_jitter: relative scatter of the chain starts around the best fit [0.02].
        thinning: keep every n-th sample [1].
    """

    chains: int = 4
    warmup: int = 500
    samples: int = 500
    seed: int = 1
    target_accept: float = 0.8
    max_tree_depth: int = 8
    init_jitter: float = 0.02
    thinning: int = 1


@dataclasses.dataclass(frozen=True)
class FitConfig:
    """A validated configuration (build with :func:`load_config` or :func:`parse_config`).

    Attributes:
        name: configuration name (``name`` key or the file stem).
        description: free text.
        origin: file path (or ``"<dict>"``).
        model: registered model name.
        dataset: the :class:`gm2jax.measurements.Dataset`.
        sm_convention: SM input convention (``"pdg"`` or ``"gm2calc"``).
        observables: fitted g-2 observables, e.g. ``("a_e", "a_mu")``.
        resummation: ``"none"``, ``"exact"`` or ``"gm2calc"``.
        free: free parameters, in order (the parameter vector).
        fixed: fixed parameter values.
        derived: derived parameters in evaluation order (name -> :class:`Expression`).
        constraints: model constraint names in the likelihood.
        theory_sigma, theory_rel: absolute / relative model theory uncertainties per observable.
        chi2_failed: chi^2 given to failed points.
        fit: :class:`FitOptions`.
        sample: :class:`SampleOptions`.
        raw: the parsed TOML mapping (for result files).
        loops: loop order of the model predictions (``loops`` key; the model's default, 2 for the
            MSSM; None for models with a single order).
        theory_model: add the model's point-by-point theory uncertainty (GM2Calc's estimate for
            the MSSM at two loops) in quadrature (``likelihood.theory_uncertainty_model``, default true).
        spec: the resolved model (:class:`gm2jax.modelspec.ModelSpec` named by ``model``).
    """

    name: str
    description: str
    origin: str
    model: str
    dataset: Dataset
    sm_convention: str
    observables: tuple
    resummation: str
    free: tuple
    fixed: Mapping
    derived: Mapping
    constraints: tuple
    theory_sigma: Mapping
    theory_rel: Mapping
    chi2_failed: float
    fit: FitOptions
    sample: SampleOptions
    raw: Mapping = dataclasses.field(repr=False)
    loops: int | None = None
    theory_model: bool = True
    spec: object = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        """Free parameter names (the order of the parameter vector)."""
        return tuple(p.name for p in self.free)

    @property
    def leptons(self) -> tuple[str, ...]:
        return tuple(o.removeprefix("a_") for o in self.observables)

    def replace(self, **changes) -> "FitConfig":
        """A copy with fields replaced; ``fit={...}`` / ``sample={...}`` update single options."""
        for key in ("fit", "sample"):
            if isinstance(changes.get(key), Mapping):
                changes[key] = _options(
                    {**dataclasses.asdict(getattr(self, key)), **changes[key]},
                    FitOptions if key == "fit" else SampleOptions,
                    key,
                    self.names,
                )
        return dataclasses.replace(self, **changes)

    def problem_key(self) -> str:
        """A string that identifies the likelihood problem (everything but ``[fit]``/``[sample]``);
        equal keys give identical :class:`Problem` functions (used to reuse compilations)."""
        return json.dumps(
            {
                "model": self.model,
                "dataset": self.dataset.to_dict(),
                "sm": self.sm_convention,
                "obs": self.observables,
                "resum": self.resummation,
                "free": [dataclasses.astuple(p) for p in self.free],
                "fixed": self.fixed,
                "derived": {k: e.text for k, e in self.derived.items()},
                "constraints": self.constraints,
                "th": [self.theory_sigma, self.theory_rel],
                "loops": self.loops,
                "th_model": self.theory_model,
                "failed": self.chi2_failed,
            },
            sort_keys=True,
            default=str,
        )

    def problem(self) -> "Problem":
        """The :class:`Problem` (pure functions of the parameter vector) of this config."""
        return Problem(self)


_CHOICES = {"optimizer": ("adam", "lbfgs"), "hessian_method": HESSIAN_METHODS}
_TOP_KEYS = {
    "name", "description", "model", "dataset", "sm_convention", "observables", "leptons", "resummation", "loops",
    "parameters", "fixed", "derived", "likelihood", "fit", "sample",
}
_PARAM_KEYS = {"range", "prior", "mean", "sigma", "start", "unit", "comment"}
_LIK_KEYS = {"constraints", "theory_uncertainty", "theory_uncertainty_rel", "theory_uncertainty_model", "chi2_failed"}


def _number(v, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise InvalidInput(f"{where}: must be a number (got {v!r})")
    return float(v)


def _parse_param(name: str, body, where: str, model_parameter: bool) -> ParamSpec:
    if not isinstance(body, Mapping):
        raise InvalidInput(f"{where}: give a table with 'range' and 'prior' (fixed values go to [fixed])")
    unknown = set(body) - _PARAM_KEYS
    if unknown:
        raise InvalidInput(f"{where}.{sorted(unknown)[0]}: unknown key; allowed: {sorted(_PARAM_KEYS)}")
    prior = body.get("prior", "uniform")
    if prior not in PRIORS:
        raise InvalidInput(f"{where}.prior: unknown prior {prior!r}; use one of {PRIORS}")
    rng = body.get("range")
    if rng is None:
        if prior != "normal":
            raise InvalidInput(f"{where}.range: a {prior} prior needs range = [lo, hi]")
        lo, hi = -math.inf, math.inf
    else:
        if not isinstance(rng, (list, tuple)) or len(rng) != 2:
            raise InvalidInput(f"{where}.range: give [lo, hi]")
        lo, hi = (_number(v, f"{where}.range") for v in rng)
        if math.isnan(lo) or math.isnan(hi) or not lo < hi:
            raise InvalidInput(f"{where}.range: empty range [{lo}, {hi}]; need lo < hi")
    mean = sigma = math.nan
    if prior in ("uniform", "loguniform") and not (math.isfinite(lo) and math.isfinite(hi)):
        raise InvalidInput(f"{where}.range: a {prior} prior needs a finite range (got [{lo}, {hi}])")
    if prior == "loguniform" and lo <= 0:
        raise InvalidInput(f"{where}.range: a loguniform prior needs lo > 0 (got [{lo}, {hi}]); flip the sign with a derived parameter")
    if prior == "normal":
        if "mean" not in body or "sigma" not in body:
            raise InvalidInput(f"{where}.prior: a normal prior needs 'mean' and 'sigma'")
        mean, sigma = _number(body["mean"], f"{where}.mean"), _number(body["sigma"], f"{where}.sigma")
        if not sigma > 0 or not math.isfinite(sigma):
            raise InvalidInput(f"{where}.sigma: must be positive and finite (got {sigma})")
        if not lo < mean < hi:
            raise InvalidInput(f"{where}.mean: prior mean {mean} lies outside the range [{lo}, {hi}]")
    else:
        for k in ("mean", "sigma"):
            if k in body:
                raise InvalidInput(f"{where}.{k}: only a normal prior takes '{k}'")
    start = math.nan
    if "start" in body:
        start = _number(body["start"], f"{where}.start")
        if not lo < start < hi:
            raise InvalidInput(f"{where}.start: {start} lies outside the range [{lo}, {hi}]")
    return ParamSpec(name, lo, hi, prior, mean, sigma, start, bijection_for(prior, lo, hi), model_parameter)


def _check_domain(model, free, fixed) -> None:
    """The model's hard physical domain (``ModelSpec.domain``, e.g. tan(beta) > 0): every free
    range and start and every fixed value must lie inside it -- checked here, before anything is
    compiled.  (Derived values are checked at prior draws by :meth:`gm2jax.problem.Problem.check_prior`.)"""
    domain = getattr(model, "domain", None) or {}
    for p in free:
        if p.name not in domain:
            continue
        lo, hi = domain[p.name]
        if p.lo < lo or p.hi > hi:
            raise InvalidInput(
                f"parameters.{p.name}.range: [{p.lo}, {p.hi}] leaves the physical domain of model {model.name!r} "
                f"({lo} < {p.name} < {hi}); restrict the range"
            )
        if math.isfinite(p.start) and not lo < p.start < hi:
            raise InvalidInput(f"parameters.{p.name}.start: {p.start} outside the physical domain ({lo} < {p.name} < {hi})")
    model.check_domain(fixed, where="fixed.")


def _options(body, cls, where: str, free_names):
    if not isinstance(body, Mapping):
        raise InvalidInput(f"{where}: must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    out = {}
    for k, v in body.items():
        if k not in fields:
            raise InvalidInput(f"{where}.{k}: unknown option; allowed: {sorted(fields)}")
        default = fields[k].default
        if k == "profile_1d":
            if v is None:
                out[k] = None
                continue
            if not isinstance(v, (list, tuple)) or not all(isinstance(n, str) for n in v):
                raise InvalidInput(f"{where}.{k}: give a list of free parameter names")
            for i, n in enumerate(v):
                if n not in free_names:
                    raise InvalidInput(f"{where}.{k}[{i}]: {n!r} is not a free parameter ({list(free_names)})")
            out[k] = tuple(v)
        elif k == "profile_2d":
            if v is None:
                out[k] = None
                continue
            if not isinstance(v, (list, tuple)):
                raise InvalidInput(f"{where}.{k}: give a list of [name, name] pairs")
            pairs = []
            for i, pair in enumerate(v):
                if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and pair[0] != pair[1]):
                    raise InvalidInput(f"{where}.{k}[{i}]: give a pair of two different free parameter names")
                for n in pair:
                    if n not in free_names:
                        raise InvalidInput(f"{where}.{k}[{i}]: {n!r} is not a free parameter ({list(free_names)})")
                pairs.append(tuple(pair))
            out[k] = tuple(pairs)
        elif isinstance(default, str):
            allowed = _CHOICES.get(k, ())
            if v not in allowed:
                raise InvalidInput(f"{where}.{k}: unknown {v!r}; use one of {allowed}")
            out[k] = v
        elif isinstance(default, int) and not isinstance(default, bool):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise InvalidInput(f"{where}.{k}: must be a non-negative integer (got {v!r})")
            out[k] = v
        else:
            x = _number(v, f"{where}.{k}")
            if not (x > 0 and math.isfinite(x)):
                raise InvalidInput(f"{where}.{k}: must be positive and finite (got {v!r})")
            out[k] = x
    for k in ("starts", "chains", "samples", "profile_points", "profile_points_2d", "thinning"):
        if k in out and out[k] < 1:
            raise InvalidInput(f"{where}.{k}: must be at least 1")
    if "target_accept" in out and not out["target_accept"] < 1:
        raise InvalidInput(f"{where}.target_accept: must lie in (0, 1)")
    return cls(**out)


def parse_config(doc: Mapping, *, name: str = "config", origin: str = "<dict>", base_dir=None, models: Mapping | None = None) -> FitConfig:
    """Validate a configuration mapping (the parsed TOML) into a :class:`FitConfig`.

    Top-level keys: ``name``, ``description``, ``model`` (``"mssm"``), ``dataset`` (a name of
    :func:`gm2jax.measurements.list_datasets` or a YAML path relative to the file; default
    ``"seeds2019"``), ``sm_convention`` (``"pdg"``), ``observables`` (default: all of the dataset;
    ``leptons = ["e", "mu"]`` is a synonym), ``resummation`` (``"none"``, ``"exact"``,
    ``"gm2calc"``), ``loops`` (1 or 2 for the MSSM, default 2: GM2Calc's one plus two loops),
    tables ``[parameters.NAME]`` (``range``, ``prior``, ``mean``, ``sigma``,
    ``start``), ``[fixed]`` (NAME = number), ``[derived]`` (NAME = "expression"),
    ``[likelihood]`` (``constraints``: names of the model's constraints, default the model's
    ``default_constraints`` -- for the MSSM the LEP bounds; the MSSM also offers
    ``vacuum_stability`` and ``tau_g2``; ``theory_uncertainty``, ``theory_uncertainty_rel``,
    ``theory_uncertainty_model`` (default true: the model's own estimate, GM2Calc's for the MSSM
    at two loops, added in quadrature), ``chi2_failed``), ``[fit]`` (:class:`FitOptions`) and ``[sample]`` (:class:`SampleOptions`).

    ``models`` maps model names to :class:`gm2jax.modelspec.ModelSpec` in place of the package's
    registry (tests with toy models); None uses :data:`gm2jax.registry.MODELS`.

    Raises:
        InvalidInput: naming the offending key path.
    """
    if not isinstance(doc, Mapping):
        raise InvalidInput(f"{origin}: the configuration must be a TOML table")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise InvalidInput(f"{sorted(unknown)[0]}: unknown top-level key; allowed: {sorted(_TOP_KEYS)}")
    name = str(doc.get("name", name))
    model_name = doc.get("model", "mssm")
    try:
        model = get_model(model_name, models)
    except InvalidInput as err:
        raise InvalidInput(f"model: {err}") from None

    # dataset
    ds_spec = doc.get("dataset")
    if ds_spec is not None and not isinstance(ds_spec, str):
        raise InvalidInput("dataset: give a dataset name or a YAML path")
    if ds_spec is not None and base_dir is not None and (ds_spec.endswith((".yaml", ".yml")) or ".yaml:" in ds_spec or ".yml:" in ds_spec):
        p = pathlib.Path(ds_spec.split(":")[0])
        if not p.is_absolute():
            ds_spec = str(pathlib.Path(base_dir) / ds_spec)
    try:
        dataset = load_dataset(ds_spec)
    except InvalidInput as err:
        raise InvalidInput(f"dataset: {err}") from None

    # SM convention
    conv = doc.get("sm_convention", "pdg")
    try:
        SMInputs.from_convention(conv)
    except InvalidInput as err:
        raise InvalidInput(f"sm_convention: {err}") from None

    # observables
    if "observables" in doc and "leptons" in doc:
        raise InvalidInput("leptons: give either 'observables' or 'leptons', not both")
    key = "observables" if "observables" in doc else "leptons"
    obs = doc.get(key)
    if obs is None:
        obs = dataset.observables
    else:
        if not isinstance(obs, (list, tuple)) or not obs or not all(isinstance(o, str) for o in obs):
            raise InvalidInput(f"{key}: give a non-empty list such as ['e', 'mu']")
        obs = tuple(o if o.startswith("a_") else f"a_{o}" for o in obs)
        for i, o in enumerate(obs):
            if o not in dataset:
                raise InvalidInput(f"{key}[{i}]: dataset {dataset.name!r} has no {o!r} (it has {list(dataset.observables)})")
        if len(set(obs)) != len(obs):
            raise InvalidInput(f"{key}: duplicate entries {list(obs)}")
    resum = doc.get("resummation", "none")
    if resum not in model.resummations:
        raise InvalidInput(f"resummation: unknown {resum!r} for model {model.name!r}; use one of {model.resummations}")
    loops = doc.get("loops", model.default_loops)
    if model.loops and loops not in model.loops:
        raise InvalidInput(f"loops: {loops!r} for model {model.name!r}; use one of {list(model.loops)}")
    if not model.loops and loops is not None:
        raise InvalidInput(f"loops: model {model.name!r} has a single loop order; remove the key")

    # parameters
    params, fixed_doc, derived_doc = doc.get("parameters", {}), doc.get("fixed", {}), doc.get("derived", {})
    for sec, body in (("parameters", params), ("fixed", fixed_doc), ("derived", derived_doc)):
        if not isinstance(body, Mapping):
            raise InvalidInput(f"{sec}: must be a table")
    if not params:
        raise InvalidInput("parameters: give at least one free parameter ([parameters.NAME] with range and prior)")
    seen = {}
    for sec, body in (("parameters", params), ("fixed", fixed_doc), ("derived", derived_doc)):
        for n in body:
            if n in seen:
                raise InvalidInput(f"{sec}.{n}: {n!r} is already set in [{seen[n]}]; set each parameter once")
            seen[n] = sec
    derived = {n: compile_expression(t, f"derived.{n}") for n, t in derived_doc.items()}
    used = set().union(*(e.names for e in derived.values())) if derived else set()
    model_names = set(model.parameters)
    for sec, body in (("parameters", params), ("fixed", fixed_doc), ("derived", derived_doc)):
        for n in body:
            if n not in model_names and (sec == "derived" or n not in used):
                raise InvalidInput(
                    f"{sec}.{n}: unknown parameter {n!r} of model {model.name!r} (known: {list(model.parameters)}); "
                    "auxiliary parameters must be used in a [derived] expression"
                )
    for n, e in derived.items():
        for m in sorted(e.names):
            if m not in seen and m not in model.defaults:
                raise InvalidInput(f"derived.{n}: unknown name {m!r} in {e.text!r}; define it in [parameters], [fixed] or [derived]")
    order = _topological(derived)
    free = tuple(_parse_param(n, b, f"parameters.{n}", n in model_names) for n, b in params.items())
    fixed = {n: _number(v, f"fixed.{n}") for n, v in fixed_doc.items()}
    for n, v in fixed.items():
        if not math.isfinite(v):
            raise InvalidInput(f"fixed.{n}: must be finite (got {v})")
    _check_domain(model, free, fixed)
    missing = [n for n in model.parameters if n not in seen and n not in model.defaults]
    if missing:
        raise InvalidInput(f"parameters: model {model.name!r} needs values for {missing} (free, fixed or derived)")

    # likelihood
    lik = doc.get("likelihood", {})
    if not isinstance(lik, Mapping):
        raise InvalidInput("likelihood: must be a table")
    unknown = set(lik) - _LIK_KEYS
    if unknown:
        raise InvalidInput(f"likelihood.{sorted(unknown)[0]}: unknown key; allowed: {sorted(_LIK_KEYS)}")
    defaults = model.constraints if model.default_constraints is None else model.default_constraints
    constraints = lik.get("constraints", list(defaults))
    if not isinstance(constraints, (list, tuple)):
        raise InvalidInput("likelihood.constraints: give a list of constraint names")
    for i, c in enumerate(constraints):
        if c not in model.constraints:
            raise InvalidInput(f"likelihood.constraints[{i}]: unknown constraint {c!r}; model {model.name!r} offers {sorted(model.constraints)}")
    th = {}
    for k in ("theory_uncertainty", "theory_uncertainty_rel"):
        table = lik.get(k, {})
        if not isinstance(table, Mapping):
            raise InvalidInput(f"likelihood.{k}: must be a table observable = number")
        out = {}
        for o, v in table.items():
            oo = o if o.startswith("a_") else f"a_{o}"
            if oo not in obs:
                raise InvalidInput(f"likelihood.{k}.{o}: not a fitted observable ({list(obs)})")
            x = _number(v, f"likelihood.{k}.{o}")
            if not (x >= 0 and math.isfinite(x)):
                raise InvalidInput(f"likelihood.{k}.{o}: must be >= 0 and finite")
            out[oo] = x
        th[k] = out
    theory_model = lik.get("theory_uncertainty_model", True)
    if not isinstance(theory_model, bool):
        raise InvalidInput("likelihood.theory_uncertainty_model: must be true or false")
    chi2_failed = _number(lik.get("chi2_failed", 1e8), "likelihood.chi2_failed")
    if not chi2_failed > 0:
        raise InvalidInput("likelihood.chi2_failed: must be positive")

    names = tuple(p.name for p in free)
    fit = _options(doc.get("fit", {}), FitOptions, "fit", names)
    if fit.profile_1d is None:
        fit = dataclasses.replace(fit, profile_1d=names)
    if fit.profile_2d is None:
        fit = dataclasses.replace(fit, profile_2d=((names[0], names[1]),) if len(names) >= 2 else ())
    sample = _options(doc.get("sample", {}), SampleOptions, "sample", names)
    return FitConfig(
        name=name,
        description=" ".join(str(doc.get("description", "")).split()),
        origin=origin,
        model=model.name,
        dataset=dataset,
        sm_convention=conv,
        observables=tuple(obs),
        resummation=resum,
        free=free,
        fixed=fixed,
        derived={n: derived[n] for n in order},
        constraints=tuple(constraints),
        theory_sigma=th["theory_uncertainty"],
        theory_rel=th["theory_uncertainty_rel"],
        chi2_failed=chi2_failed,
        fit=fit,
        sample=sample,
        raw=dict(doc),
        loops=loops,
        theory_model=theory_model,
        spec=model,
    )


def _topological(derived: Mapping[str, Expression]) -> list[str]:
    order, state = [], {}

    def visit(n, stack):
        if state.get(n) == "done":
            return
        if state.get(n) == "visiting":
            raise InvalidInput(f"derived.{n}: circular definition ({' -> '.join([*stack, n])})")
        state[n] = "visiting"
        for m in sorted(derived[n].names):
            if m in derived:
                visit(m, [*stack, n])
        state[n] = "done"
        order.append(n)

    for n in derived:
        visit(n, [])
    return order


def load_config(path: str | os.PathLike, *, models: Mapping | None = None) -> FitConfig:
    """Read and validate a TOML configuration file (see :func:`parse_config`; ``models`` as there).

    Raises:
        InvalidInput: missing file, TOML syntax error, or any invalid key (named by its path).
    """
    p = pathlib.Path(path)
    if not p.is_file():
        raise InvalidInput(f"configuration file {str(p)!r} not found")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise InvalidInput(f"{p}: TOML syntax error: {err}") from None
    except UnicodeDecodeError as err:
        raise InvalidInput(
            f"{p}: not a UTF-8 text file (byte {err.start}: {err.reason}); give a TOML configuration"
        ) from None
    except OSError as err:
        raise InvalidInput(f"{p}: cannot read the configuration: {err.strerror or err}") from None
    return parse_config(doc, name=p.stem, origin=str(p), base_dir=p.parent, models=models)
