"""Priors and bijections of free parameters: one module for the fit (optax) and NUTS (numpyro).

A free parameter (:class:`ParamSpec`) has a range, a prior and the bijection that maps the
unconstrained real line onto its range (explicit bijections, never clipping):

===========================  =========================================  ==================
prior / range                x = T(u)                                   log |dx/du|
===========================  =========================================  ==================
uniform or normal, [lo, hi]  lo + (hi - lo) sigmoid(u)                  ln(hi-lo) + ln s(u) + ln s(-u)
loguniform, [lo, hi], lo>0   exp(ln lo + ln(hi/lo) sigmoid(u))          ln ln(hi/lo) + ln s(u) + ln s(-u) + ln x
normal, [lo, inf)            lo + exp(u)                                u
normal, (-inf, hi]           hi - exp(u)                                u
normal, (-inf, inf)          u                                          0
===========================  =========================================  ==================

The fit minimises in ``u``; NUTS samples :func:`prior_distribution` (numpyro's own bijection
to the unconstrained space); both use the same normalised prior density.

Signed parameters behind a wall (:class:`HalfRange`): a parameter whose range contains 0 but
whose likelihood forbids a strip |x| < gap (the LEP chargino bound at mu, M2 ~ 0 of the MSSM)
is sampled one sign at a time, x = s (gap + (h_s - gap) sigmoid(u)) with h_+ = hi, h_- = -lo,
so that the wall sits at the far end of u (x - gap ~ (h_s - gap) e^u) instead of in a
0.002-wide band of the sigmoid of the full range (:mod:`gm2jax.sectors`).  The sign ``s`` is
a traced value, so one compiled potential serves every sign sector.  Both are pieces (a, b) of a
uniform or log-uniform range mapped by the range's own sigmoid (:class:`SubRange`), which also
cuts a range at interior points (a posterior sampled piece by piece, :mod:`gm2jax.sectors`).

Example:
    >>> p = param_spec("mu", -400.0, -80.0, "uniform")
    >>> p.bijection.kind, round(float(p.bijection.forward(0.0)), 6)
    ('sigmoid', -240.0)
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpyro.distributions as dist
from jax.scipy.special import ndtr, ndtri

__all__ = ["PRIORS", "Bijection", "HalfRange", "ParamSpec", "SubRange", "bijection_for", "param_spec", "prior_distribution"]

PRIORS = ("uniform", "loguniform", "normal")
"""Prior names a configuration may use."""


def _log_sigmoid(u):
    return -jax.nn.softplus(-u)


@dataclasses.dataclass(frozen=True)
class Bijection:
    """Map from the unconstrained real line to a parameter's range (see the module table).

    Attributes:
        kind: ``"sigmoid"``, ``"logsigmoid"``, ``"lower_exp"``, ``"upper_exp"`` or ``"identity"``.
        lo, hi: the range (may be infinite for the exp / identity kinds).
    """

    kind: str
    lo: float
    hi: float

    def forward(self, u):
        """Physical value x = T(u)."""
        if self.kind == "sigmoid":
            return self.lo + (self.hi - self.lo) * jax.nn.sigmoid(u)
        if self.kind == "logsigmoid":
            a, b = math.log(self.lo), math.log(self.hi)
            return jnp.exp(a + (b - a) * jax.nn.sigmoid(u))
        if self.kind == "lower_exp":
            return self.lo + jnp.exp(u)
        if self.kind == "upper_exp":
            return self.hi - jnp.exp(u)
        return u + 0.0

    def inverse(self, x):
        """u = T^-1(x); x must lie strictly inside the range."""
        if self.kind == "sigmoid":
            t = (x - self.lo) / (self.hi - self.lo)
            return jnp.log(t) - jnp.log1p(-t)
        if self.kind == "logsigmoid":
            a, b = math.log(self.lo), math.log(self.hi)
            t = (jnp.log(x) - a) / (b - a)
            return jnp.log(t) - jnp.log1p(-t)
        if self.kind == "lower_exp":
            return jnp.log(x - self.lo)
        if self.kind == "upper_exp":
            return jnp.log(self.hi - x)
        return x + 0.0

    def log_det_jacobian(self, u):
        """ln |dx/du| at u."""
        if self.kind == "sigmoid":
            return math.log(self.hi - self.lo) + _log_sigmoid(u) + _log_sigmoid(-u)
        if self.kind == "logsigmoid":
            a, b = math.log(self.lo), math.log(self.hi)
            return math.log(b - a) + _log_sigmoid(u) + _log_sigmoid(-u) + jnp.log(self.forward(u))
        if self.kind in ("lower_exp", "upper_exp"):
            return u + 0.0
        return jnp.zeros_like(u)


def bijection_for(prior: str, lo: float, hi: float) -> Bijection:
    """The bijection of a parameter with this prior and range (the module table)."""
    if prior == "loguniform":
        return Bijection("logsigmoid", lo, hi)
    if math.isfinite(lo) and math.isfinite(hi):
        return Bijection("sigmoid", lo, hi)
    if math.isfinite(lo):
        return Bijection("lower_exp", lo, hi)
    if math.isfinite(hi):
        return Bijection("upper_exp", lo, hi)
    return Bijection("identity", lo, hi)


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    """A free parameter.

    Attributes:
        name: parameter name.
        lo, hi: range (GeV for masses; may be infinite for normal priors).
        prior: ``"uniform"``, ``"loguniform"`` or ``"normal"``.
        mean, sigma: normal prior (NaN otherwise).
        start: optional starting value (NaN: random starts from the prior).
        bijection: the map to the unconstrained space.
        model_parameter: False for auxiliary parameters used only by derived expressions.
    """

    name: str
    lo: float
    hi: float
    prior: str
    mean: float
    sigma: float
    start: float
    bijection: Bijection
    model_parameter: bool = True

    def log_prior(self, x):
        """Normalised log prior density at the physical value ``x`` (-inf outside the range)."""
        inside = (x > self.lo) & (x < self.hi)
        xs = jnp.where(inside, x, self.bijection.forward(0.0))
        if self.prior == "uniform":
            lp = -math.log(self.hi - self.lo) + 0.0 * xs
        elif self.prior == "loguniform":
            lp = -jnp.log(xs) - math.log(math.log(self.hi / self.lo))
        else:
            z = (xs - self.mean) / self.sigma
            mass = _normal_mass(self.lo, self.hi, self.mean, self.sigma)
            lp = -0.5 * z**2 - math.log(self.sigma * math.sqrt(2 * math.pi) * mass)
        return jnp.where(inside, lp, -jnp.inf)

    def sample_prior(self, key, n: int):
        """``n`` draws from the prior (float64 array)."""
        u = jax.random.uniform(key, (n,), dtype=jnp.float64, minval=1e-6, maxval=1 - 1e-6)
        if self.prior == "uniform":
            return self.lo + (self.hi - self.lo) * u
        if self.prior == "loguniform":
            return jnp.exp(math.log(self.lo) + math.log(self.hi / self.lo) * u)
        a = ndtr((self.lo - self.mean) / self.sigma) if math.isfinite(self.lo) else 0.0
        b = ndtr((self.hi - self.mean) / self.sigma) if math.isfinite(self.hi) else 1.0
        return self.mean + self.sigma * ndtri(a + (b - a) * u)


def param_spec(name: str, lo: float, hi: float, prior: str = "uniform", *, mean: float = math.nan,
               sigma: float = math.nan, start: float = math.nan, model_parameter: bool = True) -> ParamSpec:
    """A :class:`ParamSpec` with the bijection of its prior and range (no validation: the
    configuration parser validates)."""
    return ParamSpec(name, lo, hi, prior, mean, sigma, start, bijection_for(prior, lo, hi), model_parameter)


def _normal_mass(lo, hi, mean, sigma) -> float:
    """Probability mass of N(mean, sigma) inside [lo, hi]."""

    def cdf(x):
        return 0.5 * (1 + math.erf((x - mean) / (sigma * math.sqrt(2))))

    return (cdf(hi) if math.isfinite(hi) else 1.0) - (cdf(lo) if math.isfinite(lo) else 0.0)


def prior_distribution(p: ParamSpec):
    """The numpyro distribution of a free parameter's prior (the density of :meth:`ParamSpec.log_prior`)."""
    if p.prior == "uniform":
        return dist.Uniform(p.lo, p.hi)
    if p.prior == "loguniform":
        return dist.LogUniform(p.lo, p.hi)
    if math.isinf(p.lo) and math.isinf(p.hi):
        return dist.Normal(p.mean, p.sigma)
    return dist.TruncatedNormal(
        p.mean, p.sigma, low=None if math.isinf(p.lo) else p.lo, high=None if math.isinf(p.hi) else p.hi
    )


@dataclasses.dataclass(frozen=True)
class SubRange:
    """A piece (a, b) of a uniform or log-uniform range, mapped by the sigmoid in the prior's
    coordinate t (t = x uniform, t = ln x log-uniform): t(x) = t(a) + (t(b) - t(a)) sigmoid(u).

    The endpoints may be traced (one compiled potential serves every piece) and may be given in
    either order (a is where u -> -inf).  A logistic u gives the exact prior restricted to the
    piece; :meth:`log_prior_mass` is the piece's prior probability under the full range's prior.

    Attributes:
        prior: ``"uniform"`` or ``"loguniform"``.
        lo, hi: the full range.

    Example:
        >>> s = SubRange("loguniform", 0.003, 0.5)
        >>> round(float(s.forward(0.0, 0.003, 0.03)), 6), round(s.log_prior_mass(0.21, 0.5), 6)
        (0.009487, -1.774511)
    """

    prior: str
    lo: float
    hi: float

    def __post_init__(self):
        if self.prior not in ("uniform", "loguniform") or not (self.lo < self.hi) or (self.prior == "loguniform" and self.lo <= 0):
            raise ValueError(f"SubRange: need a uniform or log-uniform prior on lo < hi (lo > 0 if log-uniform); "
                             f"got {self.prior} on [{self.lo}, {self.hi}]")

    def _t(self, x):
        return jnp.log(x) if self.prior == "loguniform" else jnp.asarray(x)

    def forward(self, u, a, b):
        """Physical value x(u) in the piece (a, b)."""
        ta, tb = self._t(a), self._t(b)
        t = ta + (tb - ta) * jax.nn.sigmoid(u)
        return jnp.exp(t) if self.prior == "loguniform" else t

    def inverse(self, x, a, b):
        """u(x) for x strictly inside the piece (a, b)."""
        ta, tb = self._t(a), self._t(b)
        r = (self._t(x) - ta) / (tb - ta)
        return jnp.log(r) - jnp.log1p(-r)

    def log_det_jacobian(self, u, a, b):
        """ln |dx/du| at u."""
        ld = jnp.log(jnp.abs(self._t(b) - self._t(a))) + _log_sigmoid(u) + _log_sigmoid(-u)
        return ld + jnp.log(self.forward(u, a, b)) if self.prior == "loguniform" else ld

    def log_prior_mass(self, a: float, b: float) -> float:
        """ln P(x in the piece) under the prior on [lo, hi]."""
        t = math.log if self.prior == "loguniform" else float
        return math.log(abs(t(b) - t(a)) / (t(self.hi) - t(self.lo)))


@dataclasses.dataclass(frozen=True)
class HalfRange:
    """One sign of a parameter's range beyond a gap: |x| in (gap, h_s), sign s = +1 or -1.

    x = s (gap + (h_s - gap) sigmoid(u)), h_+ = hi, h_- = -lo; ``sign`` may be a traced array.
    The prior density stays the full range's (:meth:`ParamSpec.log_prior`), so the evidence of
    a sector is its share of the full posterior's; :meth:`log_prior_mass` is the prior
    probability of the half range under the full prior (uniform priors).

    Attributes:
        lo, hi: the full range (lo < -gap < 0 < gap < hi).
        gap: half-width of the excluded strip around 0.

    Example:
        >>> h = HalfRange(-2000.0, 2000.0, 85.0)
        >>> round(float(h.forward(0.0, -1.0)), 3), round(h.log_prior_mass(1.0), 6)
        (-1042.5, -0.736577)
    """

    lo: float
    hi: float
    gap: float

    def __post_init__(self):
        if not (self.lo < -self.gap < 0.0 < self.gap < self.hi):
            raise ValueError(f"HalfRange: need lo < -gap < 0 < gap < hi (got lo={self.lo}, hi={self.hi}, gap={self.gap})")

    def piece(self, sign):
        """The half range of ``sign`` as the :class:`SubRange` piece (a, b): (s gap, h_s s)."""
        s = jnp.asarray(sign)
        return s * self.gap, jnp.where(s > 0, self.hi, self.lo)

    def forward(self, u, sign):
        """Physical value x(u) on the side ``sign``."""
        return SubRange("uniform", self.lo, self.hi).forward(u, *self.piece(sign))

    def inverse(self, x, sign):
        """u(x) for x strictly inside the half range of ``sign``."""
        return SubRange("uniform", self.lo, self.hi).inverse(x, *self.piece(sign))

    def log_det_jacobian(self, u, sign):
        """ln |dx/du| at u."""
        return SubRange("uniform", self.lo, self.hi).log_det_jacobian(u, *self.piece(sign))

    def log_prior_mass(self, sign: float) -> float:
        """ln P(x in the half range of ``sign``) under the uniform prior on [lo, hi]."""
        a, b = (self.gap, self.hi) if sign > 0 else (-self.gap, self.lo)
        return SubRange("uniform", self.lo, self.hi).log_prior_mass(a, b)
