r"""ArviZ InferenceData of a posterior, complete enough for ``az.loo``, ``az.bfmi`` and papers.

:func:`build_inference_data` turns the draws of a sampler (:func:`gm2jax.sample.run_nuts`)
into an :class:`arviz.InferenceData` with the groups

* ``posterior`` -- every sampled, derived and recorded quantity, plus *scaled copies* of the
  tiny a_l (``a_mu_x1e9`` = a_mu x 1e9, ``a_e_x1e13``; scales from :mod:`gm2jax.labels`) so that
  ``az.summary`` prints readable numbers;
* ``sample_stats`` -- as given by the sampler; must include ``energy`` (for ``az.bfmi`` and
  ``az.plot_energy``) and ``lp``;
* ``log_likelihood`` -- one variable ``loglike`` with a dimension ``term``: the log-likelihood
  of each term of the fit's likelihood (each measured observable, each limit) at every draw,
  ``-chi^2_term / 2`` (Gaussian normalisation constants dropped; they cancel in every LOO/WAIC
  difference).  ``az.loo`` therefore leaves out one *observable* at a time.  Terms constant over
  the posterior (varying by less than 1e-6, e.g. a mass bound far from every draw) are left out
  -- they change no comparison and ArviZ's Pareto fit is undefined for them -- and listed with
  their value in the group attribute ``constant_terms`` (JSON);
* ``observed_data`` -- the measured central value of every Gaussian observable (``a_mu``; its
  ``sigma`` and source in the attributes) and its scaled copy;
* ``prior`` -- prior predictive draws: the free parameters drawn from their priors and every
  derived quantity and prediction at those draws (NaN where the model fails);

and, on every variable, the attributes ``units`` (``"GeV"``, ``"1"``; ``"1e-9"`` for a scaled
copy), ``long_name`` and ``latex`` (from :mod:`gm2jax.labels`).  Every group carries the
provenance (:func:`provenance`: gm2jax version, git commit, config) in its ``attrs``.

Example:
    >>> sorted(provenance())
    ['git_commit', 'git_hash', 'gm2jax_version']
"""

from __future__ import annotations

import functools
import json
import pathlib
import subprocess
import warnings
from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from gm2jax import __version__, labels
from gm2jax.errors import InvalidInput

with warnings.catch_warnings():  # ArviZ warns at import; the test suite turns warnings into errors
    warnings.simplefilter("ignore", FutureWarning)
    import arviz as _az

__all__ = ["arviz", "build_inference_data", "lower_pointwise", "pointwise", "provenance", "variable_attrs"]

_CHUNK = 256  # draws per compiled call of the pointwise evaluation (one compilation for all sizes)
_FLAT = 1e-6  # a term whose log-likelihood varies less than this over the draws is constant


def arviz():
    """The ArviZ module (imported once, without its import-time FutureWarning)."""
    return _az


def _git(args, cwd) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _checkout_commit(where: pathlib.Path) -> str | None:
    """``<sha>`` (``<sha>-dirty`` with uncommitted changes) of the gm2jax checkout containing ``where``."""
    top = _git(["rev-parse", "--show-toplevel"], where)
    if not top or not (pathlib.Path(top) / "gm2jax" / "__init__.py").is_file():
        return None
    sha = _git(["rev-parse", "HEAD"], top)
    if not sha:
        return None
    dirty = _git(["status", "--porcelain", "--untracked-files=no", "--", "gm2jax"], top)
    return f"{sha}-dirty" if dirty else sha


@functools.cache
def _commit() -> str:
    here = _checkout_commit(pathlib.Path(__file__).resolve().parent)  # editable / source install
    if here:
        return here
    return f"gm2jax {__version__}, unknown commit (installed outside a git checkout)"


def provenance(config=None) -> dict:
    """Attributes that say what produced a result: gm2jax version, git commit, config.

    ``git_commit`` is the commit of the gm2jax source checkout in use (suffix ``-dirty`` with
    uncommitted changes under ``gm2jax/``); an installed wheel has no checkout, so it reads
    "gm2jax <version>, unknown commit (...)".
    """
    out = {"gm2jax_version": __version__, "git_commit": _commit(), "git_hash": _commit()}
    if config is not None:
        out.update(
            {
                "config_name": config.name,
                "config_origin": str(config.origin),
                "config": json.dumps(config.raw, default=str),
                "dataset": config.dataset.name,
                "sm_convention": config.sm_convention,
            }
        )
    return out


def variable_attrs(name: str, *, scaled: bool = False) -> dict:
    """``units``, ``long_name`` and ``latex`` of a variable (``scaled``: its scaled copy)."""
    m = labels.meta(name)
    unit = m.unit or "1"
    if scaled:
        unit = f"{1.0 / m.scale:g}"
    latex = labels.axis_label(name, scaled=scaled).split(" [")[0]
    desc = m.description or name
    return {"units": unit, "long_name": desc + (f" x {m.scale:g}" if scaled else ""), "latex": latex}


# --------------------------------------------------------------------------------------
# pointwise evaluation: predictions and per-term chi^2 on many draws, one compilation
# --------------------------------------------------------------------------------------


def _pointwise_fn(problem):
    def one(x):
        pred = problem.predict(x)
        parts = problem.likelihood.chi2_parts(pred)
        return {k: jnp.asarray(v, dtype=jnp.float64) for k, v in pred.items()}, {
            k: jnp.asarray(v, dtype=jnp.float64) for k, v in parts.items()
        }

    return jax.jit(jax.vmap(one))


def lower_pointwise(problem):
    """The pointwise function lowered for one chunk, to compile alongside other programs
    (``.compile()`` it and pass it as ``pointwise=`` to :func:`build_inference_data`)."""
    with jax.enable_x64(True):
        spec = jax.ShapeDtypeStruct((_CHUNK, problem.ndim), np.float64)
        return _pointwise_fn(problem).lower(spec)


def pointwise(problem, x: np.ndarray, *, fn=None):
    """Predictions and per-term chi^2 of a :class:`gm2jax.problem.Problem` at the points ``x`` (n, d).

    Evaluated in chunks of a fixed size (one compilation for any ``n``).

    Returns:
        ``(pred, chi2_parts)``: dicts name -> NumPy array (n, ...).
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1, problem.ndim)
    n = len(x)
    fn = fn or _pointwise_fn(problem)
    preds, parts = [], []
    with jax.enable_x64(True):
        for i in range(0, max(n, 1), _CHUNK):
            block = x[i : i + _CHUNK]
            pad = _CHUNK - len(block)
            if pad:
                block = np.concatenate([block, np.repeat(x[:1], pad, axis=0)], axis=0)
            p, c = jax.device_get(fn(block))
            preds.append({k: np.asarray(v)[: _CHUNK - pad] for k, v in p.items()})
            parts.append({k: np.asarray(v)[: _CHUNK - pad] for k, v in c.items()})
    cat = lambda ds: {k: np.concatenate([d[k] for d in ds], axis=0) for k in ds[0]}  # noqa: E731
    return cat(preds), cat(parts)


# --------------------------------------------------------------------------------------
# the builder
# --------------------------------------------------------------------------------------


def _with_scaled(group: dict) -> dict:
    out = dict(group)
    for k, v in group.items():
        s = labels.scaled_name(k)
        if s is not None and s not in group:
            out[s] = np.asarray(v, dtype=np.float64) * labels.meta(k).scale
    return out


def _annotate(ds, extra: Mapping) -> None:
    for k in ds.data_vars:
        base = str(k)
        scaled = False
        for orig in list(ds.data_vars):
            if labels.scaled_name(str(orig)) == base:
                base, scaled = str(orig), True
                break
        ds[k].attrs.update(variable_attrs(base, scaled=scaled))
    ds.attrs.update(extra)


def build_inference_data(
    config,
    posterior: Mapping[str, np.ndarray],
    sample_stats: Mapping[str, np.ndarray],
    *,
    attrs: Mapping | None = None,
    prior_draws: int = 500,
    seed: int = 0,
    pointwise_fn=None,
):
    """The :class:`arviz.InferenceData` of a posterior (groups as in the module docstring).

    Args:
        config: the :class:`gm2jax.config.FitConfig` sampled.
        posterior: name -> array (chains, draws, ...): the free parameters (physical values)
            and any deterministic quantities already computed.
        sample_stats: name -> array (chains, draws); must contain ``energy`` (the Hamiltonian
            of each transition) and ``lp``.
        attrs: extra attributes for every group (sampler settings).
        prior_draws: number of prior predictive draws (0: no ``prior`` group).
        seed: PRNG seed of the prior draws.
        pointwise_fn: the compiled :func:`lower_pointwise` of the config's problem (default:
            compiled here).

    Returns:
        ``arviz.InferenceData``.

    Raises:
        InvalidInput: a free parameter missing from ``posterior``, or no ``energy``.
    """
    az = arviz()
    problem = config.problem()
    names = list(problem.names)
    missing = [n for n in names if n not in posterior]
    if missing:
        raise InvalidInput(f"posterior: the free parameters {missing} are missing")
    if "energy" not in sample_stats:
        raise InvalidInput("sample_stats: record the Hamiltonian 'energy' of each transition (az.bfmi needs it)")
    chains, draws = np.shape(posterior[names[0]])[:2]
    x = np.stack([np.asarray(posterior[n], dtype=np.float64).reshape(chains * draws) for n in names], axis=-1)

    fn = pointwise_fn or _pointwise_fn(problem)
    pred, parts = pointwise(problem, x, fn=fn)
    # A term that is constant over the posterior (a limit far from every draw) changes no LOO or
    # WAIC comparison, and ArviZ's Pareto-tail fit is undefined for it (elpd NaN): it is left out
    # of log_likelihood and recorded in the attribute ``constant_terms``.
    all_terms = list(problem.likelihood.names)
    lls = {t: -0.5 * parts[t] for t in all_terms}
    constant = {t: float(np.mean(v)) for t, v in lls.items() if np.ptp(v) < _FLAT}
    terms = [t for t in all_terms if t not in constant] or all_terms
    constant = {t: v for t, v in constant.items() if t not in terms}
    loglike = np.stack([lls[t] for t in terms], axis=-1).reshape(chains, draws, len(terms))

    post = {k: np.asarray(v) for k, v in posterior.items()}
    for k in problem.outputs():
        if k not in post and k in pred:
            post[k] = pred[k].reshape(chains, draws, *pred[k].shape[1:])
    post = _with_scaled(post)

    observed = {}
    obs_attrs = {}
    for t in problem.likelihood.gaussian:
        observed[t.observable] = np.asarray(float(t.value))
        obs_attrs[t.observable] = {"sigma": float(t.sigma), "term": t.name}
    observed = _with_scaled(observed)

    groups = {
        "posterior": post,
        "sample_stats": {k: np.asarray(v) for k, v in sample_stats.items()},
        "log_likelihood": {"loglike": loglike},
    }
    if prior_draws > 0:
        with jax.enable_x64(True):
            xp = np.asarray(problem.sample_prior(jax.random.key(seed), prior_draws))
        ppred, _ = pointwise(problem, xp, fn=fn)
        prior = {n: xp[None, :, i] for i, n in enumerate(names)}
        with jax.enable_x64(True):
            vals = jax.vmap(problem.values)(xp)
        for k in config.derived:
            prior[k] = np.asarray(vals[k])[None]
        for k in problem.outputs():
            if k not in prior and k in ppred:
                prior[k] = np.where(ppred["status"].reshape(-1, *[1] * (ppred[k].ndim - 1)) == 0, ppred[k], np.nan)[None]
        groups["prior"] = _with_scaled(prior)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        idata = az.from_dict(
            **groups,
            coords={"term": terms},
            dims={"loglike": ["term"]},
        )
        # scalars stay scalars (from_dict would give each a dimension of length 1)
        idata.add_groups(observed_data=xr.Dataset({k: ((), float(v)) for k, v in observed.items()}))
    extra = {**provenance(config), **(attrs or {})}
    extra["loglike"] = "log_likelihood.loglike[term] = -chi2_term/2 (Gaussian normalisation dropped)"
    for group in idata.groups():
        _annotate(getattr(idata, group), extra)
    for k, a in obs_attrs.items():
        idata.observed_data[k].attrs.update(a)
    idata.log_likelihood["loglike"].attrs.update(
        {"units": "1", "long_name": "log-likelihood of each term, -chi2/2", "latex": r"$\ln L$"}
    )
    idata.log_likelihood.attrs["constant_terms"] = json.dumps(constant)
    return idata
