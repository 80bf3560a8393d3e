"""The result of a fit (:func:`gm2jax.fit.run_fit`): :class:`FitResult`, its JSON form and a
human summary.

Example:
    >>> FitResult.__dataclass_fields__["hessian_method"].default is None
    True
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from gm2jax import __version__
from gm2jax.config import FitConfig

__all__ = ["FitResult", "summary_lines"]


@dataclasses.dataclass
class FitResult:
    """Outcome of :func:`run_fit` (NumPy arrays; ``to_dict()`` for JSON).

    Attributes:
        names: free parameter names.
        x: best-fit physical parameters (n,).
        u: best fit in the unconstrained space (n,).
        chi2: best-fit chi^2.
        chi2_parts: term name -> chi^2 at the best fit.
        pulls: the pulls R_l of arXiv:1908.03607 (and R_l^{chi0/chi+-}) at the best fit.
        predictions: model outputs at the best fit (a_l, parts, masses).
        values: every parameter (free, fixed, derived) at the best fit.
        hessian_u, hessian_x: d^2 chi^2 in the unconstrained / physical space (None if skipped).
        cov_u, cov_x: 2 H^-1 (pseudo-inverse if singular).
        errors: sqrt(diag(cov_x)) (NaN along singular directions).
        hessian_rank: numerical rank of H_x.
        hessian_method: ``"autodiff"`` or ``"gradient_differences"`` (None if skipped).
        hessian_error: per-element error estimate of hessian_u (gradient differences only).
        starts_x: the starting points (physical), (starts, n).
        final_chi2: best chi^2 reached by each start.
        final_x: each start's best point (physical).
        evals_to_target: per start, evaluations until chi^2 < target_chi2 first (-1: never).
        n_evaluations: model evaluations by phase (``starts``, ``optimizer``, ``polish``,
            ``hessian``, ``profiles``, ``total``).
        wall_time: seconds by phase (``optimizer`` includes its compilation; ``total``).
        steps: optimiser iterations run.
        profiles_1d: name -> {grid, chi2, delta_chi2, x (points, n)}.
        profiles_2d: "a,b" -> {grid_a, grid_b, chi2, delta_chi2, aux pulls}.
        config: the config.
    """

    names: tuple
    x: np.ndarray
    u: np.ndarray
    chi2: float
    chi2_parts: dict
    pulls: dict
    predictions: dict
    values: dict
    hessian_u: np.ndarray | None
    hessian_x: np.ndarray | None
    cov_u: np.ndarray | None
    cov_x: np.ndarray | None
    errors: np.ndarray | None
    hessian_rank: int | None
    starts_x: np.ndarray
    final_chi2: np.ndarray
    final_x: np.ndarray
    evals_to_target: np.ndarray
    n_evaluations: dict
    wall_time: dict
    steps: int
    profiles_1d: dict
    profiles_2d: dict
    config: FitConfig = dataclasses.field(repr=False)
    hessian_method: str | None = None
    hessian_error: np.ndarray | None = None

    @property
    def best(self) -> dict:
        """Best-fit free parameters as a dict."""
        return {n: float(v) for n, v in zip(self.names, self.x)}

    @property
    def n_converged(self) -> int:
        """Starts that reached chi^2 < target_chi2."""
        return int(np.sum(self.evals_to_target >= 0))

    def to_dict(self) -> dict:
        """JSON-ready dict (NaN -> None)."""
        def clean(v):
            if isinstance(v, dict):
                return {str(k): clean(w) for k, w in v.items()}
            if isinstance(v, (list, tuple)):
                return [clean(w) for w in v]
            if isinstance(v, np.ndarray):
                return clean(v.tolist())
            if isinstance(v, (np.floating, float)):
                return float(v) if math.isfinite(v) else None
            if isinstance(v, (np.integer,)):
                return int(v)
            return v

        cfg = self.config
        return clean(
            {
                "gm2jax_version": __version__,
                "config": {"name": cfg.name, "origin": cfg.origin, "model": cfg.model, "sm_convention": cfg.sm_convention,
                           "resummation": cfg.resummation, "observables": list(cfg.observables), "constraints": list(cfg.constraints)},
                "dataset": cfg.dataset.to_dict(),
                "best_fit": self.best,
                "chi2": self.chi2,
                "chi2_parts": self.chi2_parts,
                "pulls": self.pulls,
                "predictions": self.predictions,
                "parameters": self.values,
                "errors": None if self.errors is None else dict(zip(self.names, self.errors)),
                "cov_x": self.cov_x,
                "cov_u": self.cov_u,
                "hessian_x": self.hessian_x,
                "hessian_u": self.hessian_u,
                "hessian_rank": self.hessian_rank,
                "hessian_method": self.hessian_method,
                "hessian_error_u": self.hessian_error,
                "starts": {
                    "n": len(self.final_chi2),
                    "converged": self.n_converged,
                    "target_chi2": cfg.fit.target_chi2,
                    "final_chi2": self.final_chi2,
                    "evals_to_target": self.evals_to_target,
                },
                "n_evaluations": self.n_evaluations,
                "wall_time_s": self.wall_time,
                "steps": self.steps,
                "profiles_1d": self.profiles_1d,
                "profiles_2d": self.profiles_2d,
            }
        )


def _missing_error_reason(result: FitResult, i: int) -> str | None:
    """Why parameter ``i`` has no error, or None if it has one."""
    if result.errors is None:
        return "no error: Hessian not computed (--no-hessian)"
    if np.isfinite(result.errors[i]):
        return None
    spec = result.config.free[i]
    x = float(result.x[i])
    lo, hi = spec.lo, spec.hi
    if spec.prior == "loguniform" and lo > 0:
        near = lambda a, b: abs(math.log(a / b)) < 1e-3 * math.log(hi / lo)  # noqa: E731
    else:
        near = lambda a, b: abs(a - b) < 1e-3 * (hi - lo)  # noqa: E731
    if math.isfinite(lo) and near(x, lo) or math.isfinite(hi) and near(x, hi):
        edge = "lower" if math.isfinite(lo) and near(x, lo) else "upper"
        return (f"no error: at the {edge} edge of its range [{lo:g}, {hi:g}] (the minimum is at or beyond "
                "the edge; widen the range or read the profile)")
    rank = result.hessian_rank
    return (f"no error: the Hessian is singular (rank {rank}/{len(result.names)}): chi2 is flat along a "
            "direction through this parameter (e.g. a chi2 = 0 valley); see the profiles")


def summary_lines(result: FitResult) -> list[str]:
    """A short human summary of a fit: parameters with errors (or why there is none), pulls,
    observables, and the chi^2 of every likelihood term (largest first)."""
    lines = [f"best fit of {result.config.name} (dataset {result.config.dataset.name}): chi2 = {result.chi2:.4g}"]
    notes = []
    for i, n in enumerate(result.names):
        err = "" if result.errors is None or not np.isfinite(result.errors[i]) else f" +- {result.errors[i]:.4g}"
        why = _missing_error_reason(result, i)
        mark = "" if why is None or result.errors is None else " (*)"
        if why is not None and result.errors is not None:
            notes.append(f"    (*) {n}: {why}")
        lines.append(f"  {n:>10s} = {result.x[i]:.6g}{err}{mark}")
    lines.extend(notes)
    if result.errors is None:
        lines.append("    no errors: Hessian not computed (run without --no-hessian)")
    lines.append("  " + ", ".join(f"{k} = {v:+.3f}" for k, v in result.pulls.items() if k.count("_") == 1))
    lines.append("  " + ", ".join(f"{k} = {result.predictions[k]:.4g}" for k in result.config.observables))
    parts = sorted(result.chi2_parts.items(), key=lambda kv: -kv[1])
    lines.append("  chi2 parts: " + ", ".join(f"{k} {v:.3g}" for k, v in parts))
    lines.append(
        f"  starts: {result.n_converged}/{len(result.final_chi2)} below chi2 {result.config.fit.target_chi2}; "
        f"{result.n_evaluations['total']} model evaluations; {result.wall_time['total']:.1f} s"
    )
    return lines
