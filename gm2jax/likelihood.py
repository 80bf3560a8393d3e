"""Pure-JAX chi^2 / log-likelihood built from named terms (model-agnostic).

A *prediction* is a flat dict of named scalars produced by a model's ``predict`` function
(``ModelSpec.predict``; for the MSSM :func:`gm2jax.models.mssm.fitting.predict`): ``a_e``,
``a_mu``, their parts (``a_mu_neutralino`` ...), masses for the constraints and the combined
``status`` bit-field (:class:`gm2jax.errors.Status`; 0 = physical point).  The models live in
:mod:`gm2jax.registry`; :func:`build_likelihood` takes one (a :class:`gm2jax.modelspec.ModelSpec`).

A :class:`Likelihood` is a tuple of named terms, each a pure function prediction -> chi^2:

* :class:`GaussianTerm` -- a g-2 measurement Delta a_l +- sigma_exp, optionally with a model
  theory uncertainty added in quadrature, sigma^2 = sigma_exp^2 + sigma_th^2 + (rel a_l)^2.
  With a relative part the term adds ln(sigma^2/sigma_0^2) (sigma_0^2 = sigma_exp^2 + sigma_th^2),
  so that ``chi2`` stays -2 ln L up to a constant.
* :class:`LowerBoundTerm` -- a smooth, differentiable LEP lower mass bound.  The penalty is

      chi^2(m) = softplus((m_0 - m)/w)^2,     softplus(z) = ln(1 + e^z),

  i.e. ~0 above the bound (< 5e-5 for m > m_0 + 5 w), (ln 2)^2 = 0.48 at m = m_0 and
  ((m_0 - m)/w)^2 (a one-sided Gaussian of width w) well below it.  The bound m_0 and width w
  come from ``gm2jax/data/measurements.yaml`` (``limits``; m_0 = 100 GeV, w = 2 GeV).
* :class:`UserTerm` -- any callable ``prediction -> chi^2`` (must be JAX-traceable).

Failed points (``status != 0``) get zero likelihood: :meth:`Likelihood.chi2` returns the
large finite ``chi2_failed`` and :meth:`Likelihood.loglike` returns ``-inf``.  Both are built
with the double-``where`` pattern on safe values, so values *and gradients* stay free of NaN
(the gradient at a failed point is exactly 0), as optax and NUTS need.

The pulls of arXiv:1908.03607 (eqs. (9)-(10)) are :meth:`Likelihood.pulls`::

    R_l = (a_l - Delta a_l)/sigma_l,        R_l^{chi+-/chi0} = (2 a_l^{chi+-/chi0} - Delta a_l)/(2 sigma_l)

Example:
    >>> import jax.numpy as jnp
    >>> lik = build_likelihood("seeds2019", constraints=())
    >>> pred = {"a_e": jnp.asarray(-8.8e-13), "a_mu": jnp.asarray(2.74e-9), "status": jnp.asarray(0)}
    >>> float(lik.chi2(pred))
    0.0
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping

import equinox as eqx
import jax
import jax.numpy as jnp

from gm2jax.errors import InvalidInput
from gm2jax.measurements import Dataset, lep_limits, load_dataset
from gm2jax.modelspec import ModelSpec

CHI2_FAILED = 1.0e8
"""Default chi^2 of a failed (status != 0) point: large and finite (never NaN)."""


def delta_chi2_quantile(cl: float) -> float:
    """Delta chi^2 of one degree of freedom at confidence level ``cl``: ``[Phi^-1((1 + cl)/2)]^2``
    (2.706 at 90 %, 3.841 at 95 %).  Every upper-limit term of gm2jax scales to this value on
    its limit (a Gaussian amplitude centred at zero with P(|A| < A_lim) = cl)."""
    if not 0.0 < cl < 1.0:
        raise InvalidInput(f"cl: confidence level must be in (0, 1) (got {cl!r})")
    return statistics.NormalDist().inv_cdf(0.5 * (1.0 + cl)) ** 2


def _safe(x, ok, fill=0.0):
    """Double-where helper: ``x`` where ``ok`` and finite, else ``fill`` (gradient 0 there)."""
    x = jnp.asarray(x)
    good = ok & jnp.isfinite(x)
    return jnp.where(good, x, fill)


# --------------------------------------------------------------------------------------
# Terms
# --------------------------------------------------------------------------------------


class GaussianTerm(eqx.Module):
    """Gaussian measurement of a predicted observable.

    Attributes:
        name: term name (static).
        observable: prediction key, e.g. ``"a_mu"`` (static).
        value: measured central value (Delta a_l).
        sigma: experimental (+ SM theory) one-sigma uncertainty.
        theory_sigma: absolute model theory uncertainty, added in quadrature.
        theory_rel: relative model theory uncertainty (fraction of the prediction).
        theory_key: prediction key of a point-by-point model theory uncertainty (absolute, e.g.
            GM2Calc's ``a_mu_uncertainty`` of the MSSM at two loops), added in quadrature (static;
            None = none).
    """

    name: str = eqx.field(static=True)
    observable: str = eqx.field(static=True)
    value: jax.Array
    sigma: jax.Array
    theory_sigma: jax.Array = 0.0
    theory_rel: jax.Array = 0.0
    theory_key: str | None = eqx.field(static=True, default=None)

    def _sigma2(self, pred):
        s0 = self.sigma**2 + self.theory_sigma**2
        s2 = s0 + (self.theory_rel * pred[self.observable]) ** 2
        if self.theory_key is not None:
            th = pred[self.theory_key]
            s2 = s2 + jnp.where(jnp.isfinite(th), th, 0.0) ** 2
        return s0, s2

    def sigma_total(self, pred):
        return jnp.sqrt(self._sigma2(pred)[1])

    def chi2(self, pred):
        a = pred[self.observable]
        s0, s2 = self._sigma2(pred)
        return (a - self.value) ** 2 / s2 + jnp.log(s2 / s0)

    def pull(self, pred):
        return pull(pred[self.observable], self.value, self.sigma_total(pred))


class LowerBoundTerm(eqx.Module):
    """Smooth lower mass bound: chi^2 = softplus((bound - m)/width)^2 per listed mass.

    Attributes:
        name: term name (static).
        observables: prediction keys of the masses (GeV) bounded (static).
        bound: lower bound m_0 in GeV.
        width: width w in GeV of the quadratic wall below the bound.
    """

    name: str = eqx.field(static=True)
    observables: tuple[str, ...] = eqx.field(static=True)
    bound: jax.Array
    width: jax.Array

    def chi2(self, pred):
        total = 0.0
        for key in self.observables:
            z = (self.bound - pred[key]) / self.width
            total = total + jax.nn.softplus(z) ** 2
        return total


class UserTerm(eqx.Module):
    """A user-supplied chi^2 term ``fn(prediction) -> scalar`` (JAX-traceable)."""

    name: str = eqx.field(static=True)
    fn: Callable = eqx.field(static=True)

    def chi2(self, pred):
        return jnp.asarray(self.fn(pred))


class ModelTerm(eqx.Module):
    """A model constraint that brings its own prediction keys: a term plus the function making them.

    The model's ``predict`` computes what every fit needs; a constraint that needs more (the
    MSSM's vacuum-stability margins of all three generations, a_tau for the tau g-2 limit)
    computes it in ``outputs`` only when the constraint is in the likelihood.
    :meth:`Likelihood.extend_prediction` merges the outputs into the prediction (and ORs their
    ``status`` into the prediction's ``status``) before any ``chi2`` sees it.

    Attributes:
        term: the chi^2 term (any object with ``name`` and a pure ``chi2(prediction)``).
        outputs: ``outputs(values, sm, resummation) -> dict`` of extra prediction keys from the
            flat parameter dict (static; pure, jit/vmap/grad safe; a ``status`` key is OR'ed in).
    """

    term: object
    outputs: Callable = eqx.field(static=True)

    @property
    def name(self) -> str:
        return self.term.name

    def chi2(self, pred):
        return self.term.chi2(pred)


class Likelihood(eqx.Module):
    """Sum of named chi^2 terms with status masking (see the module docstring).

    Attributes:
        terms: the terms (names unique).
        chi2_failed: chi^2 returned for a failed point (static).
    """

    terms: tuple
    chi2_failed: float = eqx.field(static=True, default=CHI2_FAILED)

    def __check_init__(self):
        names = [t.name for t in self.terms]
        if len(set(names)) != len(names):
            raise InvalidInput(f"likelihood terms need unique names; got {names}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.terms)

    @property
    def gaussian(self) -> tuple[GaussianTerm, ...]:
        return tuple(t for t in self.terms if isinstance(t, GaussianTerm))

    def extend_prediction(self, pred: Mapping, values: Mapping, sm, resummation: str = "none") -> dict:
        """``pred`` plus the outputs of every :class:`ModelTerm` (their ``status`` OR'ed into
        ``status``; keys ``pred`` has already are kept); ``pred`` itself when there is none.

        Args:
            pred: the model's prediction.
            values: the flat parameter dict the prediction was made from.
            sm: :class:`gm2jax.sm.SMInputs`.
            resummation: the config's tan(beta) resummation.
        """
        extra = [t.outputs(values, sm, resummation) for t in self.terms if isinstance(t, ModelTerm)]
        if not extra:
            return pred
        out = dict(pred)
        status = jnp.asarray(out.get("status", 0))
        for e in extra:
            e = dict(e)
            status = status | jnp.asarray(e.pop("status", 0))
            for k, v in e.items():
                out.setdefault(k, v)  # the model's own prediction of a key wins
        out["status"] = status
        return out

    def _ok_and_safe(self, pred):
        status = jnp.asarray(pred.get("status", 0))
        ok = status == 0
        for k, v in pred.items():
            if not k.startswith("status"):
                ok = ok & jnp.all(jnp.isfinite(jnp.asarray(v)))
        safe = {k: (v if k.startswith("status") else _safe(v, ok)) for k, v in pred.items()}
        return ok, safe

    def chi2_parts(self, pred: Mapping) -> dict:
        """Term name -> chi^2 (NaN-free; 0 for every term at a failed point)."""
        ok, safe = self._ok_and_safe(pred)
        return {t.name: jnp.where(ok, _safe(t.chi2(safe), ok), 0.0) for t in self.terms}

    def chi2(self, pred: Mapping):
        """Total chi^2 = -2 ln L + const; ``chi2_failed`` where ``status != 0``."""
        ok, safe = self._ok_and_safe(pred)
        total = sum((t.chi2(safe) for t in self.terms), jnp.asarray(0.0))
        good = ok & jnp.isfinite(total)
        return jnp.where(good, jnp.where(good, total, 0.0), self.chi2_failed)

    def loglike(self, pred: Mapping):
        """ln L = -chi^2/2; ``-inf`` where ``status != 0`` (finite zero gradient there)."""
        ok, safe = self._ok_and_safe(pred)
        total = sum((t.chi2(safe) for t in self.terms), jnp.asarray(0.0))
        good = ok & jnp.isfinite(total)
        return jnp.where(good, -0.5 * jnp.where(good, total, 0.0), -jnp.inf)

    def pulls(self, pred: Mapping) -> dict:
        """Pulls (arXiv:1908.03607, eqs. (9)-(10)) of every Gaussian term.

        Returns ``R_<l>`` = (a_l - Delta a_l)/sigma_l and, where the prediction has the parts,
        ``R_<l>_chargino`` / ``R_<l>_neutralino`` = (2 a_l^part - Delta a_l)/(2 sigma_l) (they add up
        to ``R_<l>``).  sigma_l includes the theory uncertainty.  NaN at failed points.
        """
        out = {}
        for t in self.gaussian:
            lep = t.observable.removeprefix("a_")
            s = t.sigma_total(pred)
            out[f"R_{lep}"] = pull(pred[t.observable], t.value, s)
            for part in ("chargino", "neutralino"):
                key = f"{t.observable}_{part}"
                if key in pred:
                    out[f"R_{lep}_{part}"] = part_pull(pred[key], t.value, s)
        return out


def pull(value, central, sigma):
    """R = (a - Delta a)/sigma (arXiv:1908.03607, eq. (10)), elementwise; NumPy in, NumPy out.

    The one pull of the package (likelihood, scans, plots).

    Example:
        >>> float(pull(2.0, 1.0, 0.5))
        2.0
    """
    return (value - central) / sigma


def part_pull(part, central, sigma):
    """R^part = (2 a^part - Delta a)/(2 sigma) (arXiv:1908.03607, eq. (9)) of one of two parts
    (chargino, neutralino) of a = a^chi+- + a^chi0: the two part pulls add up to :func:`pull`.

    Example:
        >>> float(part_pull(0.25, 1.0, 0.5) + part_pull(0.75, 1.0, 0.5)) == float(pull(1.0, 1.0, 0.5))
        True
    """
    return (2.0 * part - central) / (2.0 * sigma)


def pulls(pred: Mapping, dataset: str | Dataset | None = None) -> dict:
    """Pulls R_l (arXiv:1908.03607) of a prediction against a dataset (see :meth:`Likelihood.pulls`)."""
    return build_likelihood(dataset).pulls(pred)


# --------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------


def constraint_term(spec: ModelSpec, constraint: str, leptons=("e", "mu")):
    """The likelihood term of a model's named constraint.

    Args:
        spec: the model (:class:`gm2jax.modelspec.ModelSpec`).
        constraint: a key of ``spec.constraints``.
        leptons: fitted leptons (expand ``{l}`` keys; passed to factories).

    A ``(keys, limit)`` entry gives a :class:`LowerBoundTerm` (bound and width from the YAML
    limits); a callable entry is called with ``leptons`` and its term returned.

    Raises:
        InvalidInput: ``spec`` is not a ModelSpec, unknown constraint, or a factory whose term
            is not named after the constraint or has no ``chi2`` method.
    """
    if not isinstance(spec, ModelSpec):
        raise InvalidInput(f"constraint_term: expected a ModelSpec (gm2jax.registry.get_model), got {type(spec).__name__}")
    if constraint not in spec.constraints:
        raise InvalidInput(f"unknown constraint {constraint!r}: model {spec.name!r} offers {sorted(spec.constraints)}")
    entry = spec.constraints[constraint]
    if callable(entry):
        term = entry(tuple(leptons))
        if getattr(term, "name", None) != constraint or not callable(getattr(term, "chi2", None)):
            raise InvalidInput(
                f"constraint {constraint!r} of model {spec.name!r}: the factory must return a term named {constraint!r} with a chi2 method"
            )
        return term
    keys, limit = entry
    obs = []
    for k in keys:
        obs.extend([k.format(l=lep) for lep in leptons] if "{l}" in k else [k])
    lim = lep_limits()[limit]
    return LowerBoundTerm(name=constraint, observables=tuple(obs), bound=float(lim["value"]), width=float(lim["width"]))


def build_likelihood(
    dataset: str | Dataset | None = None,
    *,
    model: ModelSpec | None = None,
    observables=None,
    constraints=(),
    theory_sigma: Mapping[str, float] | None = None,
    theory_rel: Mapping[str, float] | None = None,
    user_terms: Mapping[str, Callable] | None = None,
    chi2_failed: float = CHI2_FAILED,
    theory_model: bool = False,
) -> Likelihood:
    """Assemble a :class:`Likelihood` from named pieces.

    Args:
        dataset: dataset name, YAML path or :class:`Dataset` (default: ``"seeds2019"``).
        model: the model (:class:`gm2jax.modelspec.ModelSpec`, e.g. ``gm2jax.registry.get_model("mssm")``)
            whose constraints are named in ``constraints`` and whose ``theory_key`` ``theory_model``
            uses; None = no model terms (g-2 measurements and ``user_terms`` only).
        observables: g-2 observables to include (e.g. ``("a_e", "a_mu")``); None = all in the dataset.
        constraints: names of the model's constraints (``"lep_sleptons"``, ``"lep_charginos"`` for
            the MSSM; ``model.constraints`` lists them).
        theory_sigma: observable -> absolute model theory uncertainty (quadrature).
        theory_rel: observable -> relative model theory uncertainty (fraction of the prediction).
        user_terms: name -> callable ``prediction -> chi^2``.
        chi2_failed: chi^2 of a failed point.
        theory_model: add the model's point-by-point theory uncertainty (``ModelSpec.theory_key``,
            e.g. GM2Calc's MSSM estimate at two loops) in quadrature to each g-2 term.

    Raises:
        InvalidInput: unknown dataset / observable / constraint, constraints without a model, or a
            negative uncertainty.
    """
    if model is not None and not isinstance(model, ModelSpec):
        raise InvalidInput(f"build_likelihood: model must be a ModelSpec (gm2jax.registry.get_model), got {model!r}")
    constraints = tuple(constraints)
    if constraints and model is None:
        raise InvalidInput(f"constraints {list(constraints)}: name the model that offers them (model=...)")
    ds = load_dataset(dataset)
    obs = ds.observables if observables is None else tuple(observables)
    leptons = tuple(o.removeprefix("a_") for o in obs)
    theory_sigma, theory_rel = dict(theory_sigma or {}), dict(theory_rel or {})
    for label, table in (("theory_sigma", theory_sigma), ("theory_rel", theory_rel)):
        for k, v in table.items():
            if k not in obs:
                raise InvalidInput(f"{label}.{k}: not a fitted observable (fitted: {list(obs)})")
            if not (isinstance(v, (int, float)) and v >= 0 and math.isfinite(v)):
                raise InvalidInput(f"{label}.{k}: must be a finite number >= 0 (got {v!r})")
    theory_key = model.theory_key if (theory_model and model is not None) else None
    terms = []
    for o in obs:
        m = ds[o]
        terms.append(
            GaussianTerm(
                name=o,
                observable=o,
                value=m.value,
                sigma=m.error,
                theory_sigma=float(theory_sigma.get(o, 0.0)),
                theory_rel=float(theory_rel.get(o, 0.0)),
                theory_key=None if theory_key is None else theory_key.format(l=o.removeprefix("a_")),
            )
        )
    terms.extend(constraint_term(model, c, leptons) for c in constraints)
    for name, fn in (user_terms or {}).items():
        if not callable(fn):
            raise InvalidInput(f"user_terms.{name}: must be a callable prediction -> chi^2")
        terms.append(UserTerm(name=name, fn=fn))
    return Likelihood(terms=tuple(terms), chi2_failed=float(chi2_failed))
