"""What only gradients give: modes, Laplace approximations, sensitivities and constrained bounds.

Built on a :class:`gm2jax.problem.Problem` (the chi^2 of a configuration as a pure function of the
free-parameter vector, in the physical space ``x`` or the unconstrained space ``u`` of the
config's bijections):

* :func:`find_modes` -- multi-start Adam (the :mod:`gm2jax.fit` step) with the starts spread over
  every sign pattern of the sign-carrying parameters (mu, M1, M2 of the MSSM), a damped Newton
  polish with the autodiff Hessian, and one :class:`Mode` per distinct sign pattern reached.
* :func:`laplace` -- the Laplace (Gaussian) approximation of the posterior at a mode in the
  unconstrained space: posterior mode u*, covariance H^-1 of -ln p(u | data), the evidence
  ln Z ~ ln p(d | u*) + ln pi(u*) + d/2 ln 2 pi - 1/2 ln det H (priors of the config, Jacobian
  of the bijections included) and :func:`laplace_samples` to compare with NUTS.
  :func:`mode_weights` turns the evidences of several modes into mixture weights.
* :func:`sensitivity`, :func:`profile_quantity`, :func:`extreme_at_cl` (d chi^2_min / d input,
  profiles of derived quantities, the constrained bound at a confidence level) live in
  :mod:`gm2jax.sensitivity` and are re-exported here.

Every function is float64 (run inside ``jax.enable_x64(True)``), takes explicit sizes and returns
plain dataclasses of NumPy arrays; evaluation counts (one value-and-gradient = one evaluation)
are reported for the benchmarks.

References:
    arXiv:1908.03607 sec. 2 (sign structure of the MSSM a_l contributions).
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np

from gm2jax import curvature
from gm2jax.errors import InvalidInput
from gm2jax.fit import adam_run
from gm2jax.lbfgs import lbfgs_run
from gm2jax.problem import Problem
from gm2jax.sensitivity import (
    BoundResult,
    ProfileResult,
    extreme_at_cl,
    likelihood_inputs,
    profile_quantity,
    quantity_fn,
    sensitivity,
)

__all__ = [
    "Mode",
    "LaplaceResult",
    "ProfileResult",
    "BoundResult",
    "find_modes",
    "newton_polish",
    "laplace",
    "laplace_samples",
    "mode_weights",
    "likelihood_inputs",
    "sensitivity",
    "quantity_fn",
    "profile_quantity",
    "extreme_at_cl",
    "with_vacuum_stability",
]

# --------------------------------------------------------------------------------------
# Vacuum stability (a constraint of the config language)
# --------------------------------------------------------------------------------------


def with_vacuum_stability(problem: Problem) -> Problem:
    """The problem of the same config with the MSSM's ``vacuum_stability`` constraint added.

    A thin call: the term is the config-language constraint (``[likelihood] constraints =
    [..., "vacuum_stability"]``, :func:`gm2jax.models.mssm.fitting.vacuum_term`: arXiv:1309.3065
    fit, e/mu/tau, softplus(-margin/0.1)^2); the problem is returned unchanged if it has it.

    Raises:
        InvalidInput: the problem's model does not offer ``vacuum_stability``.
    """
    cfg = problem.config
    if "vacuum_stability" not in cfg.spec.constraints:
        raise InvalidInput(f"with_vacuum_stability: model {cfg.model!r} has no vacuum_stability constraint (the 'mssm' has)")
    if "vacuum_stability" in cfg.constraints:
        return problem
    return cfg.replace(constraints=(*cfg.constraints, "vacuum_stability")).problem()


# --------------------------------------------------------------------------------------
# Small numerical pieces
# --------------------------------------------------------------------------------------


_vgh = curvature.value_grad_hessian  # jit(u -> (f, grad, Hessian)), autodiff
newton_polish = curvature.autodiff_newton  # damped Newton with the autodiff Hessian


# --------------------------------------------------------------------------------------
# Modes
# --------------------------------------------------------------------------------------


@dataclasses.dataclass
class Mode:
    """A local minimum of chi^2 labelled by the signs of the sign-carrying parameters.

    Attributes:
        signs: dict parameter -> +1/-1 at the minimum.
        x: physical parameters, shape (d,).
        u: unconstrained parameters, shape (d,).
        chi2: chi^2 at the minimum.
        n_starts: starts of the multi-start run that ended in this sign pattern.
        gradient_norm: |d chi^2/du| after the Newton polish.
    """

    signs: dict
    x: np.ndarray
    u: np.ndarray
    chi2: float
    n_starts: int
    gradient_norm: float

    @property
    def label(self) -> str:
        return " ".join(f"{k}{'+' if s > 0 else '-'}" for k, s in self.signs.items())


def _sign_starts(problem: Problem, key, n_per: int, sign_params):
    """Prior draws, ``n_per`` per sign pattern: the sign-carrying parameters drawn uniformly on the
    side of their range with that sign."""
    idx = [problem.names.index(n) for n in sign_params]
    specs = [problem.config.free[i] for i in idx]
    for s in specs:
        if not (s.lo < 0.0 < s.hi):
            raise InvalidInput(f"parameters.{s.name}.range: a sign parameter needs lo < 0 < hi (got [{s.lo}, {s.hi}])")
    patterns = list(itertools.product((1.0, -1.0), repeat=len(idx)))
    x = np.array(problem.sample_prior(key, n_per * len(patterns)))
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key)).ravel()[-1])
    for k, pat in enumerate(patterns):
        rows = slice(k * n_per, (k + 1) * n_per)
        for j, (i, s) in enumerate(zip(idx, pat, strict=True)):
            lo, hi = (0.0, specs[j].hi) if s > 0 else (specs[j].lo, 0.0)
            x[rows, i] = rng.uniform(lo + 1e-6 * (hi - lo), hi - 1e-6 * (hi - lo), n_per)
    return x, patterns


def find_modes(
    problem: Problem,
    *,
    sign_params=("mu", "M1", "M2"),
    starts_per_pattern: int = 8,
    steps: int = 1500,
    learning_rate: float = 0.05,
    clip_norm: float = 10.0,
    polish_steps: int = 20,
    seed: int = 0,
    optimizer: str = "adam",
) -> tuple[list[Mode], dict]:
    """Every sign-pattern mode of the chi^2 (multi-start Adam or L-BFGS + Newton polish).

    ``starts_per_pattern`` prior starts in each of the 2^k sign patterns of ``sign_params``; all
    starts run at once (vmap).  Each final point is labelled by its sign pattern (a start may
    cross a sign boundary where no wall separates the modes); the best point of each pattern is
    polished with damped Newton and returned.

    Args:
        problem: the fit problem.
        sign_params: free parameters whose sign labels the modes (ranges must contain 0).
        starts_per_pattern: starts per sign pattern.
        steps: Adam steps (L-BFGS: maximum iterations).
        learning_rate, clip_norm: Adam settings (as ``[fit]``).
        polish_steps: Newton iterations per mode (0: none; the autodiff Hessian is then never
            compiled -- L-BFGS ends at |grad| < 1e-7 already).
        seed: PRNG seed of the starts.
        optimizer: ``"adam"`` (:func:`gm2jax.fit.adam_run`) or ``"lbfgs"`` (optax L-BFGS with
            zoom line search and exact gradients, :func:`gm2jax.lbfgs.lbfgs_run`).

    Returns:
        (modes sorted by chi^2, info dict with ``evaluations`` (value+gradient calls of the
        optimiser, summed over starts), ``hessian_evaluations``, ``final_chi2`` per start,
        ``starts_x``; L-BFGS adds ``run``, the :class:`gm2jax.lbfgs.LbfgsRun`).
    """
    if optimizer not in ("adam", "lbfgs"):
        raise InvalidInput(f"find_modes: optimizer={optimizer!r}; use 'adam' or 'lbfgs'")
    with jax.enable_x64(True):
        sign_params = tuple(n for n in sign_params if n in problem.names)
        x0, _ = _sign_starts(problem, jax.random.key(seed), starts_per_pattern, sign_params)
        u0 = jax.vmap(problem.to_unconstrained)(jnp.asarray(x0))
        run = None
        if optimizer == "lbfgs":
            run = lbfgs_run(problem.chi2_u, u0, steps=steps)
            bu, bl, n_opt = run.u, run.loss, int(run.evaluations[-1].sum())
        else:
            bu, bl = adam_run(problem.chi2_u, u0, steps=steps, learning_rate=learning_rate, clip_norm=clip_norm)
            n_opt = int(steps * len(u0))
        idx = [problem.names.index(n) for n in sign_params]
        xf = np.asarray(jax.vmap(problem.from_unconstrained)(jnp.asarray(bu)))
        groups: dict = {}
        for k in range(len(bl)):
            if not np.isfinite(bl[k]) or bl[k] >= problem.config.chi2_failed:
                continue
            pat = tuple(int(np.sign(xf[k, i])) for i in idx)
            groups.setdefault(pat, []).append(k)
        vgh = _vgh(problem.chi2_u) if polish_steps else None
        grad = None if polish_steps else jax.jit(jax.grad(problem.chi2_u))
        modes, n_hess = [], 0
        for pat, ks in groups.items():
            k = min(ks, key=lambda j: bl[j])
            if polish_steps:
                u, val, g, _, ne = newton_polish(problem.chi2_u, bu[k], steps=polish_steps, vgh=vgh)
                n_hess += ne
            else:
                u, val, g = bu[k], float(bl[k]), np.asarray(grad(jnp.asarray(bu[k])))
            x = np.asarray(problem.from_unconstrained(jnp.asarray(u)))
            signs_now = tuple(int(np.sign(x[i])) for i in idx)
            if signs_now != pat:  # the polish crossed a boundary: keep the unpolished point
                u, x, val = bu[k], xf[k], float(bl[k])
            modes.append(Mode(dict(zip(sign_params, pat, strict=True)), x, np.asarray(u), float(val), len(ks), float(np.linalg.norm(g))))
        modes.sort(key=lambda m: m.chi2)
        info = {"evaluations": n_opt, "hessian_evaluations": n_hess, "final_chi2": bl, "starts_x": x0}
        if run is not None:
            info["run"] = run
        return modes, info


# --------------------------------------------------------------------------------------
# Laplace approximation
# --------------------------------------------------------------------------------------


@dataclasses.dataclass
class LaplaceResult:
    """Laplace approximation of the posterior at one mode (unconstrained space).

    Attributes:
        u: posterior mode in u (maximum of ln L + ln prior + ln |dx/du|).
        x: the same point in physical parameters.
        chi2: chi^2 there.
        cov_u: covariance H^-1 of the Gaussian in u.
        cov_x: its linear (delta-method) image in x, J cov_u J^T.
        log_evidence: ln Z of this mode (Laplace), with the config's normalised priors and
            L = exp(-chi^2/2) (so constants of the Gaussian normalisation are dropped alike for
            every mode and sampler).
        log_det_hessian: ln det H.
        min_eigenvalue: smallest eigenvalue of H (> 0 for a proper Gaussian).
    """

    u: np.ndarray
    x: np.ndarray
    chi2: float
    cov_u: np.ndarray
    cov_x: np.ndarray
    log_evidence: float
    log_det_hessian: float
    min_eigenvalue: float


def neg_log_posterior_u(problem: Problem):
    """u -> -ln[L(x(u)) pi(x(u)) |dx/du|] with L = exp(-chi^2/2) (the NUTS potential)."""

    def phi(u):
        x = problem.from_unconstrained(u)
        return 0.5 * problem.chi2(x) - problem.log_prior(x) - problem.log_det_jacobian(u)

    return phi


def laplace(problem: Problem, u0, *, steps: int = 30) -> LaplaceResult:
    """Laplace approximation at the posterior mode nearest ``u0`` (see :class:`LaplaceResult`).

    Args:
        problem: the fit problem.
        u0: start in the unconstrained space (a chi^2 minimum, e.g. :attr:`Mode.u`).
        steps: Newton iterations to the posterior mode.
    """
    with jax.enable_x64(True):
        phi = neg_log_posterior_u(problem)
        u, val, _, h, _ = newton_polish(phi, u0, steps=steps)
        w = np.linalg.eigvalsh(h)
        d = len(u)
        sign, logdet = np.linalg.slogdet(h)
        cov_u = np.linalg.pinv(h)
        jac = np.asarray(jax.jacfwd(problem.from_unconstrained)(jnp.asarray(u)))
        x = np.asarray(problem.from_unconstrained(jnp.asarray(u)))
        log_z = -val + 0.5 * d * math.log(2 * math.pi) - 0.5 * logdet if sign > 0 else -math.inf
        return LaplaceResult(u, x, float(problem.chi2(jnp.asarray(x))), cov_u, jac @ cov_u @ jac.T, float(log_z), float(logdet), float(w.min()))


def laplace_samples(problem: Problem, result: LaplaceResult, key, n: int) -> np.ndarray:
    """``n`` draws (physical, shape (n, d)) of the Laplace Gaussian in u mapped through the bijections
    (``key``: a JAX PRNG key or an integer seed)."""
    with jax.enable_x64(True):
        if isinstance(key, int):
            key = jax.random.key(key)
        z = jax.random.multivariate_normal(key, jnp.asarray(result.u), jnp.asarray(result.cov_u), (n,), method="eigh")
        return np.asarray(jax.vmap(problem.from_unconstrained)(z))


def mode_weights(log_evidences) -> np.ndarray:
    """Mixture weights Z_k / sum Z of modes from their ln Z (e.g. :attr:`LaplaceResult.log_evidence`)."""
    a = np.asarray(log_evidences, dtype=float)
    w = np.exp(a - np.max(a))
    return w / w.sum()
