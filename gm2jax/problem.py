"""The inference problem of a configuration: pure functions of the free-parameter vector.

A :class:`Problem` is what every consumer of a :class:`gm2jax.config.FitConfig` works on -- the
fit (:mod:`gm2jax.fit`), NUTS (:mod:`gm2jax.sample`), the gradient analyses
(:mod:`gm2jax.analysis`) and scans: parameter values (free, fixed, derived), the model's
predictions at the config's loop order, the likelihood (chi^2, log-likelihood), the priors and
the bijections to the unconstrained space (:mod:`gm2jax.priors`).  It holds the resolved model
(:class:`gm2jax.modelspec.ModelSpec`, ``config.spec``) and never looks a model up by name.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from gm2jax.errors import InvalidInput
from gm2jax.likelihood import build_likelihood
from gm2jax.sm import SMInputs

__all__ = ["Problem"]

_SHARED: dict = {}
_SHARED_SIZE = 4


class Problem:
    """Pure functions of the free-parameter vector ``x`` (physical, shape (n,)) or ``u`` (unconstrained).

    Every method works on ONE point and is jit/vmap/grad safe; failed points give
    ``chi2 = chi2_failed`` and ``loglike = -inf`` with finite gradients.  Call it with x64
    enabled (``with jax.enable_x64(True):``); :func:`gm2jax.fit.run_fit` and
    :func:`gm2jax.sample.run_nuts` do so themselves.

    Attributes:
        config: the :class:`gm2jax.config.FitConfig`.
        names: free parameter names.
        model: the model's :class:`gm2jax.modelspec.ModelSpec` (``config.spec``).
        sm: :class:`gm2jax.sm.SMInputs` of the configured convention.
        likelihood: the :class:`gm2jax.likelihood.Likelihood`.
    """

    def __init__(self, config):
        self.config = config
        self.names = config.names
        self.model = config.spec
        self.sm = SMInputs.from_convention(config.sm_convention)
        self.likelihood = build_likelihood(
            config.dataset,
            observables=config.observables,
            model=config.spec,
            constraints=config.constraints,
            theory_sigma=config.theory_sigma,
            theory_rel=config.theory_rel,
            chi2_failed=config.chi2_failed,
            theory_model=config.theory_model and config.loops == 2,
        )

    @property
    def ndim(self) -> int:
        """Number of free parameters."""
        return len(self.names)

    @property
    def lower(self) -> np.ndarray:
        """Lower ends of the free parameters' ranges."""
        return np.array([p.lo for p in self.config.free])

    @property
    def upper(self) -> np.ndarray:
        """Upper ends of the free parameters' ranges."""
        return np.array([p.hi for p in self.config.free])

    def values(self, x) -> dict:
        """Every parameter (free, fixed, derived) as a dict of scalars."""
        env = {n: x[i] for i, n in enumerate(self.names)}
        env.update({n: jnp.asarray(v, dtype=jnp.float64) for n, v in self.config.fixed.items()})
        defaults = {n: jnp.asarray(v, dtype=jnp.float64) for n, v in self.model.defaults.items() if n not in env}
        for n, e in self.config.derived.items():
            env[n] = jnp.asarray(e({**defaults, **env}), dtype=jnp.float64)
        return env

    def model_values(self, x) -> dict:
        """Only the model's parameters (what :attr:`model` ``.predict`` takes)."""
        return {n: v for n, v in self.values(x).items() if n in self.model.parameters}

    def predict(self, x) -> dict:
        """Model predictions at ``x`` (the model's ``predict``, at the config's loop order)."""
        return self.predict_values(self.model_values(x))

    def predict_values(self, values) -> dict:
        """Model predictions from a dict of model parameter values, at the config's loop order, with
        the keys the likelihood's constraint terms bring (:meth:`gm2jax.likelihood.Likelihood.extend_prediction`)."""
        extra = {"loops": self.config.loops} if self.model.loops else {}
        pred = self.model.predict(values, self.sm, self.config.leptons, self.config.resummation, **extra)
        return self.likelihood.extend_prediction(pred, values, self.sm, self.config.resummation)

    def chi2(self, x):
        """chi^2 at the physical point ``x``."""
        return self.likelihood.chi2(self.predict(x))

    def loglike(self, x):
        """ln L = -chi^2/2 (-inf at failed points)."""
        return self.likelihood.loglike(self.predict(x))

    def log_prior(self, x):
        """Sum of the normalised log prior densities of the free parameters."""
        return sum((p.log_prior(x[i]) for i, p in enumerate(self.config.free)), jnp.asarray(0.0))

    def from_unconstrained(self, u):
        """Physical point x(u) through the bijections."""
        return jnp.stack([p.bijection.forward(u[i]) for i, p in enumerate(self.config.free)])

    def to_unconstrained(self, x):
        """Unconstrained point u(x) (x strictly inside the ranges)."""
        return jnp.stack([p.bijection.inverse(x[i]) for i, p in enumerate(self.config.free)])

    def log_det_jacobian(self, u):
        """ln |dx/du| of the bijections at u."""
        return sum((p.bijection.log_det_jacobian(u[i]) for i, p in enumerate(self.config.free)), jnp.asarray(0.0))

    def chi2_u(self, u):
        """chi^2 as a function of the unconstrained vector (what the optimiser minimises)."""
        return self.chi2(self.from_unconstrained(u))

    def shared_loglike(self):
        """``x -> ln L(x)`` (one point, shape (n,); jit/vmap/grad safe) whose value AND gradient come
        from ONE compiled program, shared by every caller of an equal problem (same
        ``config.problem_key()``): the fit's optimiser step and NUTS's initialisation and transition
        loop then contain a host call (``jax.pure_callback``; under ``vmap`` the batch is
        evaluated point by point) instead of each compiling its own copy of the model's gradient.
        For models whose gradient compiles slowly (the 2HDM at two loops: ~50 CPU-s per copy,
        three copies in a fit + NUTS run); elsewhere the in-program gradient is faster (no host
        round trip, vectorised).  ``-inf`` with zero gradient at failed points, as :meth:`loglike`.

        The program is compiled here, with x64 enabled, for one point of this problem.
        """
        key = self.config.problem_key()
        if key not in _SHARED:
            if len(_SHARED) >= _SHARED_SIZE:
                _SHARED.pop(next(iter(_SHARED)))
            with jax.enable_x64(True):
                spec = jax.ShapeDtypeStruct((self.ndim,), jnp.float64)
                _SHARED[key] = _shared_value_and_grad(jax.jit(jax.value_and_grad(self.loglike)).lower(spec).compile(), self.ndim)
        return _SHARED[key]

    def outputs(self) -> tuple[str, ...]:
        """Prediction keys worth recording (a_l, parts, masses)."""
        keys = []
        for k in self.model.outputs:
            keys.extend([k.format(l=lep) for lep in self.config.leptons] if "{l}" in k else [k])
        return tuple(keys)

    def check_prior(self, n: int = 8, seed: int = 0) -> None:
        """Cheap check before anything is compiled: every fixed and derived parameter is finite
        at ``n`` prior draws (evaluated eagerly, milliseconds), and every derived parameter with a
        physical domain (``ModelSpec.domain``) is inside it at one draw at least.

        Raises:
            InvalidInput: naming the parameter (and its expression) that is never finite, e.g.
                ``M1 = "M2 / 0"`` or ``"log(-M2)"``, or never inside its domain
                (``tan_beta = "-t"``).
        """
        with jax.enable_x64(True):
            x = jnp.asarray(self.sample_prior(jax.random.key(seed), n))
            with np.errstate(all="ignore"):
                vals = jax.vmap(self.values)(x)
            domain = getattr(self.model, "domain", None) or {}
            for name, v in vals.items():
                v = np.asarray(v)
                if name in self.config.derived and name in domain and np.isfinite(v).any():
                    lo, hi = domain[name]
                    if not ((v > lo) & (v < hi)).any():
                        raise InvalidInput(
                            f"derived.{name} = {self.config.derived[name].text!r} lies outside the physical domain "
                            f"({lo} < {name} < {hi}) at every prior draw (e.g. {float(np.ravel(v)[0])}); fix the expression or the ranges"
                        )
                finite = np.isfinite(v)
                if finite.any():
                    continue
                if name in self.config.derived:
                    what = f"derived.{name} = {self.config.derived[name].text!r}"
                elif name in self.config.fixed:
                    what = f"fixed.{name}"
                else:
                    what = f"parameters.{name}"
                raise InvalidInput(
                    f"{what} is {float(np.ravel(v)[0])} at every prior draw: every point would fail; fix the expression or the ranges"
                )

    def sample_prior(self, key, n: int):
        """``n`` physical points from the prior, shape (n, ndim)."""
        keys = jax.random.split(key, max(self.ndim, 1))
        return jnp.stack([p.sample_prior(keys[i], n) for i, p in enumerate(self.config.free)], axis=-1)


def _shared_value_and_grad(compiled, n: int):
    """The differentiable function of :meth:`Problem.shared_loglike` around the compiled
    ``x -> (ln L, d ln L/dx)`` of one point.

    The host call returns the float64 results as their bits (two uint32 per number): XLA runs
    it on a thread where JAX's thread-local ``enable_x64`` may be off, and JAX would then round
    float64 results to float32 before checking them."""

    def host(x):
        x = np.asarray(x, dtype=np.float64)
        rows = x.reshape(-1, n)
        with jax.enable_x64(True):
            out = [compiled(r) for r in rows]
        both = np.array([[float(v), *np.asarray(g, dtype=np.float64)] for v, g in out], dtype=np.float64)
        return np.ascontiguousarray(both).view(np.uint32).reshape(*x.shape[:-1], 2 * (n + 1))

    def both(x):
        shape = jax.ShapeDtypeStruct((*x.shape[:-1], 2 * (n + 1)), jnp.uint32)
        bits = jax.pure_callback(host, shape, x, vmap_method="expand_dims")
        out = jax.lax.bitcast_convert_type(bits.reshape(*x.shape[:-1], n + 1, 2), jnp.float64)
        return out[..., 0], out[..., 1:]

    @jax.custom_vjp
    def loglike(x):
        return both(x)[0]

    def fwd(x):
        return both(x)

    def bwd(grad, ct):
        return (ct * grad,)

    loglike.defvjp(fwd, bwd)
    return loglike
