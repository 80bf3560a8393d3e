"""Self-consistent points of the ``"flavon"`` fit model (arXiv:2003.06633, section 3).

* :func:`repair_vacuum` -- the smallest change of chosen potential parameters that makes given
  vevs stationary (e.g. Table 2's), Levenberg-Marquardt on the tadpoles.
* :func:`consistent_point` -- single-start Levenberg-Marquardt on the chi^2 terms of a flavon
  config: a self-consistent point in seconds (an alternative to the multi-start fit).
* :func:`chi2_floor` -- the exact best chi^2 of the physical parametrisation for a c_e window.

These use the fit machinery (:mod:`gm2jax.config`, :mod:`gm2jax.problem`) on top of the model
(:mod:`gm2jax.models.flavon.fitting`), so they live outside it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

from gm2jax.config import FitConfig, load_config
from gm2jax.likelihood import GaussianTerm
from gm2jax.measurements import load_dataset
from gm2jax.models.flavon.fitting import C_RANGE, LeptonMassTerm, WallTerm
from gm2jax.models.flavon.potential import QUARTIC_NAMES, tadpole_gradient
from gm2jax.sm import SMInputs

__all__ = ["chi2_floor", "consistent_point", "repair_vacuum"]


def repair_vacuum(params, target_vevs, free=("mu1_sq", "mu3_sq", "mua_sq"), tie=(("mub_sq", "mua_sq"),), max_steps: int = 50):
    """Change only the ``free`` parameters so that ``target_vevs`` becomes a stationary point.

    Least squares (optimistix Levenberg-Marquardt, gradients by autodiff) on the four
    tadpoles dV/dsigma_i at ``target_vevs`` in units of lambda_max v^3, starting from the
    given parameters (so the solution found is the one nearest to them along the LM path).
    Parameters in ``tie`` follow their partner (``mub_sq = mua_sq`` keeps a <-> b symmetry).
    The caller checks that the stationary point is the global minimum
    (:func:`gm2jax.models.flavon.vacuum.find_vacua`).

    Returns:
        (new params dict, tadpole residuals (GeV^3), optimistix result code).
    """
    base = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in params.items()}
    target = jnp.asarray(target_vevs, dtype=jnp.float64)
    scale = jnp.asarray([base[k] for k in free])
    unit = max(abs(float(base[k])) for k in QUARTIC_NAMES) * float(jnp.max(jnp.abs(target))) ** 3

    def build(theta):
        q = dict(base)
        for i, k in enumerate(free):
            q[k] = theta[i] * scale[i]
        for k, src in tie:
            q[k] = q[src]
        return q

    def resid(theta, _):
        return tadpole_gradient(target, build(theta)) / unit

    sol = optx.least_squares(resid, optx.LevenbergMarquardt(rtol=1e-12, atol=1e-12), jnp.ones(len(free)), max_steps=max_steps, throw=False)
    q = build(sol.value)
    return q, resid(sol.value, None) * unit, sol.result


def consistent_point(config, start=None, max_steps: int = 200):
    """Levenberg-Marquardt on the sqrt of every chi^2 term of a flavon config (single start).

    A fast alternative to the multi-start Adam of :func:`gm2jax.fit.run_fit` for finding one
    self-consistent point: the residuals are the signed pulls of the Gaussian terms and
    sqrt(chi^2) of the others, in the config's unconstrained coordinates.

    Args:
        config: :class:`gm2jax.config.FitConfig` or TOML path (model ``"flavon"``).
        start: dict of free-parameter start values (default: the config's ``start`` values).
        max_steps: LM steps.

    Returns:
        (best-fit dict of free parameters, prediction dict, chi^2).
    """
    if not isinstance(config, FitConfig):
        config = load_config(config)
    with jax.enable_x64(True):
        prob = config.problem()
        x0 = np.array([start[n] if start else p.start for n, p in zip(prob.names, config.free, strict=True)], dtype=np.float64)
        u0 = prob.to_unconstrained(jnp.asarray(x0))

        def resid(u, _):
            pred = prob.predict(prob.from_unconstrained(u))
            r = []
            for t in prob.likelihood.terms:
                if isinstance(t, GaussianTerm):
                    r.append((pred[t.observable] - t.value) / t.sigma_total(pred))
                elif isinstance(t, LeptonMassTerm):
                    r.append((pred["m_e"] - t.m_e) / (t.rel * t.m_e))
                    r.append((pred["m_mu"] - t.m_mu) / (t.rel * t.m_mu))
                elif isinstance(t, WallTerm):
                    for k, lo, hi, w in zip(t.keys, t.lo, t.hi, t.width, strict=True):
                        r.append(jax.nn.softplus((lo - pred[k]) / w))
                        r.append(jax.nn.softplus((pred[k] - hi) / w))
                else:
                    r.append(jnp.sqrt(t.chi2(pred) + 1e-30))
            r = jnp.stack(r)
            ok = (pred["status"] == 0) & jnp.all(jnp.isfinite(r))
            return jnp.where(ok, jnp.where(ok, r, 0.0), 1e3)

        sol = optx.least_squares(resid, optx.LevenbergMarquardt(rtol=1e-10, atol=1e-10), u0, max_steps=max_steps, throw=False)
        x = prob.from_unconstrained(sol.value)
        pred = prob.predict(x)
        chi2 = float(prob.likelihood.chi2(pred))
        return {n: float(x[i]) for i, n in enumerate(prob.names)}, {k: np.asarray(v) for k, v in pred.items()}, chi2


def chi2_floor(c_e_max: float = C_RANGE[1], dataset: str = "flavor2020", sm_convention: str = "pdg") -> dict:
    """Exact minimum of the g-2 chi^2 of the toy model with c_e <= ``c_e_max`` (physical masses).

    With exact lepton masses (``mass_matched = 1``) Delta a_e / Delta a_mu = -(c_e / c_mu)
    m_e^2 / m_mu^2 with c_mu = 3 c_e / (2 c_e - 1) (module docstring), while M_chi^2 / (I_Da/I_m)
    sets the overall size freely.  So chi^2 = min over s = Delta a_mu of
    ((s - D_mu)/sigma_mu)^2 + ((-rho s - D_e)/sigma_e)^2, rho = (c_e/c_mu) m_e^2/m_mu^2 (a linear
    least-squares problem), minimised over c_e in [1, c_e_max] (rho grows with c_e).  This is
    the floor any fit of ``fits/flavon_mfix.toml`` can reach, assuming the M_chi and x_phi
    ranges allow the required overall size (they do for the file's ranges).

    Returns:
        dict: ``chi2``, ``c_e``, ``c_mu``, ``a_e``, ``a_mu``, ``R_e``, ``R_mu`` at the floor and
        ``c_e_exact``, the c_e explaining both central values (chi^2 = 0) when unconstrained.
    """
    ds, sm = load_dataset(dataset), SMInputs.from_convention(sm_convention)
    de, se = ds["a_e"].value, ds["a_e"].error
    dm, sg = ds["a_mu"].value, ds["a_mu"].error
    q = (sm.m_e / sm.m_mu) ** 2

    def best(c):
        rho = c * (2.0 * c - 1.0) / (3.0 * c) * q
        a = np.array([1.0 / sg, -rho / se])
        b = np.array([dm / sg, de / se])
        s = a @ b / (a @ a)
        return float(np.sum((s * a - b) ** 2)), s, rho

    # rho(c) = (2c - 1) q / 3 is increasing: the exact c_e has rho = -D_e / D_mu
    c_exact = (1.0 + 3.0 * (-de / dm) / q) / 2.0
    c = min(max(c_exact, 1.0), float(c_e_max))
    chi2, s, rho = best(c)
    return {
        "chi2": chi2, "c_e": c, "c_mu": 3.0 * c / (2.0 * c - 1.0), "a_mu": float(s), "a_e": float(-rho * s),
        "R_mu": float((s - dm) / sg), "R_e": float((-rho * s - de) / se), "c_e_exact": c_exact,
    }
