"""gm2jax.analysis: modes, Laplace, sensitivities and constrained bounds, checked against finite
differences and an independent scipy solution on a cheap two-parameter toy model.

The toy model has the structure of the MSSM problem (two sign-carrying parameters, a LEP-like
smooth mass wall at mu ~ 0, two g-2 observables in tension) but costs microseconds, so every
derivative can be checked against Richardson-extrapolated central differences of a re-solved
optimum.  The MSSM itself is exercised by benchmarks/ew2025_*.py and the notebook test.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar

from gm2jax import analysis as an
from gm2jax import sensitivity as sn
from gm2jax.config import parse_config
from gm2jax.modelspec import ModelSpec

A_MU, E_E, K_CH = 2.74e-9, 1.8e-13, 120.0  # a_mu = A mu M2; a_e = E (mu^2 + M2^2); m_chi = K |mu|


def _predict(values, sm, leptons, resummation):
    mu, m2 = values["mu"], values["M2"]
    return {
        "a_e": E_E * (mu**2 + m2**2),
        "a_mu": A_MU * mu * m2,
        "m_chargino_1": K_CH * jnp.sqrt(mu**2 + 1e-12),
        "status": jnp.asarray(0),
    }


TOY_MODELS = {"toy_analysis": ModelSpec(
    name="toy_analysis", parameters=("mu", "M2"), defaults={}, predict=_predict,
    constraints={"lep_charginos": (("m_chargino_1",), "m_chargino")},
    outputs=("a_{l}", "m_chargino_1"),
)}


@pytest.fixture(scope="module")
def problem():
    cfg = parse_config({
        "model": "toy_analysis", "dataset": "seeds2019",
        "parameters": {"mu": {"range": [-3.0, 3.0]}, "M2": {"range": [-3.0, 3.0]}},
        "likelihood": {"constraints": ["lep_charginos"]},
    }, models=TOY_MODELS)
    return cfg.problem()


@pytest.fixture(scope="module")
def modes(problem):
    return an.find_modes(problem, sign_params=("mu", "M2"), starts_per_pattern=6, steps=800, seed=0)


def _richardson(f, h):
    """Central difference with one Richardson step (error O(h^4))."""
    d1 = (f(h) - f(-h)) / (2 * h)
    d2 = (f(h / 2) - f(-h / 2)) / h
    return (4 * d2 - d1) / 3


def _chi2_np(mu, m2, value_mu=2.74e-9, value_e=-8.8e-13, bound=100.0):
    """The toy chi^2 in NumPy (independent of gm2jax): seeds2019 data, LEP chargino wall."""
    z = (bound - K_CH * abs(mu)) / 2.0
    wall = np.logaddexp(0.0, z) ** 2
    return ((A_MU * mu * m2 - value_mu) / 7.3e-10) ** 2 + ((E_E * (mu**2 + m2**2) - value_e) / 3.6e-13) ** 2 + wall


def _profile_mu(mu, **kw):
    """min over M2 of the toy chi^2 at fixed mu (M2 with the sign of mu)."""
    s = 1.0 if mu > 0 else -1.0
    r = minimize_scalar(lambda m2: _chi2_np(mu, s * m2, **kw), bounds=(1e-6, 3.0), method="bounded", options={"xatol": 1e-12})
    return r.fun


def _chi2_min_ref(**kw):
    r = minimize_scalar(lambda mu: _profile_mu(mu, **kw), bounds=(0.85, 3.0), method="bounded", options={"xatol": 1e-12})
    return r.fun, r.x


def test_modes_every_sign_pattern_and_the_global_minimum(problem, modes):
    ms, info = modes
    labels = {tuple(m.signs.values()) for m in ms}
    # a_mu > 0 needs mu M2 > 0: both (+,+) and (-,-) are exact mirror modes; the mixed-sign
    # patterns are local minima (a_mu -> 0 at M2 -> 0) with a higher chi^2
    assert {(1, 1), (-1, -1)} <= labels
    ref, _ = _chi2_min_ref()
    best = [m for m in ms if tuple(m.signs.values()) in {(1, 1), (-1, -1)}]
    for m in best:
        assert m.chi2 == pytest.approx(ref, rel=1e-8, abs=1e-10)
        assert m.gradient_norm < 1e-6
    assert ms[0].chi2 == pytest.approx(ref, rel=1e-8)
    assert info["evaluations"] == 800 * 6 * 4


def test_modes_with_lbfgs_reach_the_same_minima_without_newton(problem):
    # optax L-BFGS (zoom line search, exact gradients), no Newton polish: the mirror modes at the
    # independent scipy minimum; evaluations = per-start line-search trials + 1, far below Adam's
    ms, info = an.find_modes(problem, sign_params=("mu", "M2"), starts_per_pattern=6, steps=200, seed=0,
                             optimizer="lbfgs", polish_steps=0)
    ref, _ = _chi2_min_ref()
    best = [m for m in ms if tuple(m.signs.values()) in {(1, 1), (-1, -1)}]
    assert len(best) == 2 and info["hessian_evaluations"] == 0
    for m in best:
        assert m.chi2 == pytest.approx(ref, rel=1e-8, abs=1e-10)
    run = info["run"]
    assert info["evaluations"] == int(run.evaluations[-1].sum()) < 800 * 6 * 4 / 10
    assert np.all(np.diff(run.history, axis=0) <= 0) and np.all(np.diff(run.evaluations, axis=0) >= 0)
    assert np.all(run.evaluations[-1] >= run.iterations + 1)
    with pytest.raises(Exception, match="optimizer"):
        an.find_modes(problem, optimizer="bfgs")


def test_laplace_hessian_matches_finite_differences(problem, modes):
    m = modes[0][0]
    lap = an.laplace(problem, m.u)
    phi = an.neg_log_posterior_u(problem)
    g = jax.grad(phi)
    assert np.linalg.norm(np.asarray(g(jnp.asarray(lap.u)))) < 1e-8
    h = np.linalg.inv(lap.cov_u)
    d = len(lap.u)
    h_fd = np.zeros((d, d))
    for j in range(d):
        e = np.eye(d)[j]
        h_fd[:, j] = _richardson(lambda t: np.asarray(g(jnp.asarray(lap.u + t * e))), 1e-3)
    np.testing.assert_allclose(h, h_fd, rtol=1e-6, atol=1e-8 * np.abs(h).max())
    assert lap.min_eigenvalue > 0
    w = an.mode_weights([lap.log_evidence, lap.log_evidence])
    np.testing.assert_allclose(w, [0.5, 0.5], rtol=0, atol=1e-15)
    s = an.laplace_samples(problem, lap, jax.random.key(3), 20000)
    np.testing.assert_allclose(np.cov(s.T), lap.cov_x, rtol=0.3)  # non-linear map: first order only


def _predict_linear(values, sm, leptons, resummation):
    return {"a_e": E_E * (values["mu"] - values["M2"]), "a_mu": A_MU * (values["mu"] + values["M2"]), "status": jnp.asarray(0)}


LINEAR_MODELS = {"toy_analysis_linear": ModelSpec(name="toy_analysis_linear", parameters=("mu", "M2"), defaults={},
                                                  predict=_predict_linear, constraints={}, outputs=("a_{l}",))}


def test_laplace_evidence_exact_for_a_gaussian_posterior():
    # linear predictions, normal priors on the whole real line (identity bijection): the
    # posterior is exactly Gaussian, so the Laplace ln Z must equal the quadrature to its precision
    cfg = parse_config({
        "model": "toy_analysis_linear", "dataset": "seeds2019",
        "parameters": {"mu": {"prior": "normal", "mean": 0.5, "sigma": 2.0},
                       "M2": {"prior": "normal", "mean": -0.3, "sigma": 1.5}},
        "likelihood": {"constraints": []},
    }, models=LINEAR_MODELS)
    pr = cfg.problem()
    lap = an.laplace(pr, np.zeros(2))
    grid = np.linspace(-12.0, 12.0, 1201)
    xx = np.stack(np.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2)
    lp = -np.asarray(jax.vmap(an.neg_log_posterior_u(pr))(jnp.asarray(xx)))
    log_z = math.log(np.sum(np.exp(lp - lp.max())) * (grid[1] - grid[0]) ** 2) + lp.max()
    assert lap.log_evidence == pytest.approx(log_z, abs=1e-9)
    assert lap.chi2 == pytest.approx(float(pr.chi2(jnp.asarray(lap.x))), rel=1e-12)


def test_sensitivity_matches_refits(problem, modes):
    m = modes[0][0]
    s = an.sensitivity(problem, m.u)
    assert s["hessian_rank"] == 2
    # envelope theorem vs re-minimised chi^2 (independent scipy reference) at shifted inputs
    for name, kw, x0 in (("a_mu.value", "value_mu", 2.74e-9), ("a_e.value", "value_e", -8.8e-13)):
        fd = _richardson(lambda t, kw=kw, x0=x0: _chi2_min_ref(**{kw: x0 + t})[0], 0.02 * abs(x0))
        assert s["dchi2_min"][name] == pytest.approx(fd, rel=1e-5)
    # implicit dx*/d input vs finite differences of the re-solved optimum (gm2jax Newton)
    theta0, rebuild = an.likelihood_inputs(problem)
    f = sn._chi2_with_inputs(problem, rebuild)

    def xstar(t):
        th = {**theta0, "a_mu.value": theta0["a_mu.value"] + t}
        u, *_ = an.newton_polish(lambda u: f(u, th), m.u, steps=50)
        return np.asarray(problem.from_unconstrained(jnp.asarray(u)))

    fd = _richardson(xstar, 0.002 * 2.74e-9)  # x*(input) is curved: 2 % steps leave 2e-4 truncation
    np.testing.assert_allclose(s["dx_dinput"]["a_mu.value"], fd, rtol=1e-5)
    # the best fit sits 6 GeV above the smooth 100 GeV wall (width 2 GeV): a small, non-zero pull
    fd = _richardson(lambda t: _chi2_min_ref(bound=100.0 + t)[0], 0.5)
    assert s["dchi2_min"]["lep_charginos.bound"] == pytest.approx(fd, rel=1e-5)


def test_lightest_chargino_at_95cl_matches_scipy(problem, modes):
    ms, _ = modes
    chi2_min = ms[0].chi2
    starts = np.array([m.u for m in ms])
    r = an.extreme_at_cl(problem, "m_chargino_1", starts, chi2_min, u_best=ms[0].u, cl=0.95)
    # reference: smallest mu with profile chi^2 <= chi2_min + 3.84 (m = K |mu|)
    ref_min, mu_best = _chi2_min_ref()
    mu_lo = brentq(lambda mu: _profile_mu(mu) - ref_min - 3.841458820694124, 0.5, mu_best, xtol=1e-14)
    assert r.converged
    assert r.value == pytest.approx(K_CH * mu_lo, rel=1e-9)
    assert r.kkt_residual < 1e-9
    # d bound / d Delta a_mu: constrained envelope theorem vs re-solved reference
    def bound(t):
        cmin, mub = _chi2_min_ref(value_mu=2.74e-9 + t)
        return K_CH * brentq(lambda mu: _profile_mu(mu, value_mu=2.74e-9 + t) - cmin - 3.841458820694124, 0.5, mub, xtol=1e-14)

    fd = _richardson(bound, 0.002 * 2.74e-9)
    assert r.dbound_dinput["a_mu.value"] == pytest.approx(fd, rel=1e-6)


def test_profile_of_derived_mass(problem, modes):
    ms, _ = modes
    grid = np.array([110.0, 150.0, 200.0])
    p = an.profile_quantity(problem, "m_chargino_1", grid, np.array([m.u for m in ms]), chi2_min=ms[0].chi2)
    np.testing.assert_allclose(p.value, grid, rtol=5e-3)  # held by the penalty width 2e-3
    ref = np.array([_profile_mu(v / K_CH) for v in p.value])
    np.testing.assert_allclose(p.chi2, ref, rtol=1e-4, atol=1e-4)
    assert np.all(p.delta_chi2 >= -1e-9)
    q = an.profile_quantity(problem, "m_chargino_1", grid, np.array([m.u for m in ms]), chi2_min=ms[0].chi2,
                            optimizer="lbfgs", steps=200, polish_steps=0)
    np.testing.assert_allclose(q.value, grid, rtol=5e-3)
    np.testing.assert_allclose(q.chi2, np.array([_profile_mu(v / K_CH) for v in q.value]), rtol=1e-4, atol=1e-4)
    assert 0 < q.evaluations < p.evaluations


def test_vacuum_stability_term_on_the_mssm_problem():
    # a 1-loop ew2025 point whose stau vacuum is unstable (margin < 0): with_vacuum_stability (a
    # thin call: the config's vacuum_stability constraint) adds exactly softplus(-margin/width)^2
    # per generation (e, mu, tau) to the chi^2 of the config
    import pathlib

    from gm2jax.config import load_config
    from gm2jax.models.mssm import vacuum_stability_margin
    from gm2jax.models.mssm.fitting import model_params as mssm_params

    cfg = load_config(pathlib.Path(__file__).parent.parent / "fits" / "mssm_ew_2025.toml").replace(
        loops=1, constraints=("lep_sleptons", "lep_charginos"))
    pr = cfg.problem()
    pv = an.with_vacuum_stability(pr)
    assert pv.likelihood.names[-1] == "vacuum_stability" and an.with_vacuum_stability(pv) is pv
    x = jnp.asarray([47.6, 1662.3, -65.2, 432.2, 146.9, 1548.2, 684.7, 162.6, 1069.5, 304.8, 1980.3, -59.7])
    p = mssm_params(pr.model_values(x))
    m = [float(vacuum_stability_margin(p, pr.sm, lep, resummation=cfg.resummation)) for lep in ("e", "mu", "tau")]
    assert m[2] < 0 < m[1] < m[0]
    extra = sum(np.logaddexp(0.0, -v / 0.1) ** 2 for v in m)
    assert float(pv.chi2(x)) - float(pr.chi2(x)) == pytest.approx(extra, rel=1e-12)
    with pytest.raises(Exception, match="mssm"):
        an.with_vacuum_stability(parse_config({"model": "toy_analysis", "parameters": {"mu": {"range": [-3.0, 3.0]}, "M2": {"range": [-3.0, 3.0]}},
                                               "likelihood": {"constraints": []}}, models=TOY_MODELS).problem())
