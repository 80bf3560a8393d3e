"""Sectors (gm2jax.sectors, gm2jax.priors.HalfRange/SubRange): the half-range and sub-range
bijections, the MBAR evidences against closed forms, and the sector NUTS driver on 2-D toy
posteriors whose sector evidences are known by quadrature: a wall at a = 0 (sign sectors), and a
log-uniform range cut at an interior point (splits)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.errors import InvalidInput
from gm2jax.priors import HalfRange, SubRange, param_spec
from gm2jax.sectors import mbar_log_evidences, run_nuts_sectors, sector_pieces, sector_potential


def test_half_range_bijection():
    with jax.enable_x64(True):
        h = HalfRange(-300.0, 2000.0, 85.0)
        u = jnp.linspace(-8.0, 8.0, 17)
        for s in (1.0, -1.0):
            x = h.forward(u, s)
            top = 2000.0 if s > 0 else 300.0
            assert np.all(np.sign(x) == s) and np.all(np.abs(x) > 85.0) and np.all(np.abs(x) < top)
            np.testing.assert_allclose(h.inverse(x, s), u, rtol=0, atol=1e-9)
            jac = jax.vmap(jax.grad(lambda v, s=s: h.forward(v, s)))(u)
            np.testing.assert_allclose(h.log_det_jacobian(u, s), np.log(np.abs(jac)), rtol=0, atol=1e-12)
        assert math.isclose(h.log_prior_mass(1.0), math.log(1915.0 / 2300.0), rel_tol=1e-15)
        assert math.isclose(h.log_prior_mass(-1.0), math.log(215.0 / 2300.0), rel_tol=1e-15)
    with pytest.raises(ValueError, match="lo < -gap"):
        HalfRange(-50.0, 2000.0, 85.0)


def test_mbar_recovers_known_normalisations():
    # state 0: N(0, 1) normalised (reference); state 1: 3 N(0.5, 0.8^2) unnormalised (ln Z = ln 3 +
    # ln(0.8 sqrt(2 pi))); state 2: 0.1 N(-0.7, 1.3^2).  Exact draws, N = 20000 each: the estimator's
    # standard error is ~ sqrt(1/N_0 + 1/N_k) ~ 0.01 for these overlaps; the tolerance is 5 of it.
    rng = np.random.default_rng(1)
    n = 20000
    means, sds, amps = np.array([0.0, 0.5, -0.7]), np.array([1.0, 0.8, 1.3]), np.array([1.0 / math.sqrt(2 * math.pi), 3.0, 0.1])
    draws = np.concatenate([rng.normal(m, s, n) for m, s in zip(means, sds, strict=True)])
    log_q = np.log(amps)[:, None] - 0.5 * ((draws[None, :] - means[:, None]) / sds[:, None]) ** 2
    log_z = mbar_log_evidences(log_q, [n, n, n], 0.0)
    exact = np.log(amps) + np.log(sds * math.sqrt(2 * math.pi))
    np.testing.assert_allclose(log_z, exact, rtol=0, atol=0.05)
    assert log_z[0] == 0.0


class _ToyProblem:
    """2-D problem: a in [-10, 10] (uniform) with a wall chi^2 = softplus((1 - |a|)/0.05)^2 at |a| < 1,
    b in [-5, 5] (uniform); the likelihood prefers a = +3 (sd 1) and a = -4 (sd 0.5) with the
    amplitudes 1 and 0.3, and b = 0 (sd 1)."""

    def __init__(self):
        self.config = type("C", (), {"free": (param_spec("a", -10.0, 10.0), param_spec("b", -5.0, 5.0))})()
        self.names = ("a", "b")
        self.ndim = 2

    def chi2(self, x):
        a, b = x[0], x[1]
        like = jnp.exp(-0.5 * (a - 3.0) ** 2) + 0.3 * jnp.exp(-0.5 * ((a + 4.0) / 0.5) ** 2)
        wall = jax.nn.softplus((1.0 - jnp.abs(a)) / 0.05) ** 2
        return -2.0 * jnp.log(like) + b**2 + wall

    def log_prior(self, x):
        return sum((p.log_prior(x[i]) for i, p in enumerate(self.config.free)), jnp.asarray(0.0))

    def to_unconstrained(self, x):
        return jnp.stack([p.bijection.inverse(x[i]) for i, p in enumerate(self.config.free)])

    def sample_prior(self, key, n):
        keys = jax.random.split(key, 2)
        return jnp.stack([p.sample_prior(keys[i], n) for i, p in enumerate(self.config.free)], axis=-1)


def _toy_exact_log_z(sign: float) -> float:
    """ln of the integral of L pi over the sector (|a| > 0.5 on the side ``sign``), by quadrature."""
    a = np.linspace(0.5, 10.0, 200001) * sign
    like = np.exp(-0.5 * (a - 3.0) ** 2) + 0.3 * np.exp(-0.5 * ((a + 4.0) / 0.5) ** 2)
    wall = np.log1p(np.exp((1.0 - np.abs(a)) / 0.05)) ** 2
    fa = like * np.exp(-0.5 * wall) / 20.0
    ia = np.sum(0.5 * (fa[1:] + fa[:-1]) * np.abs(np.diff(a)))
    ib = math.sqrt(2 * math.pi) * math.erf(5.0 / math.sqrt(2.0)) / 10.0
    return math.log(ia * ib)


def test_sector_nuts_weights_and_convergence_on_a_walled_toy():
    prob = _ToyProblem()
    res = run_nuts_sectors(prob, {"a": 0.5}, chains_per_sector=4, warmup=150, samples=400, max_tree_depth=5,
                           reference_draws=4000, seed=3)
    assert res.labels == ["a+", "a-"]
    assert np.all(res.x[0, ..., 0] > 0.5) and np.all(res.x[1, ..., 0] < -0.5)
    assert np.all(res.max_r_hat < 1.01), res.max_r_hat
    assert np.all(res.min_ess_bulk > 400), res.min_ess_bulk
    exact = np.array([_toy_exact_log_z(1.0), _toy_exact_log_z(-1.0)])
    # MBAR with ~1600 draws per sector of ESS > 400: standard error ~ 1/sqrt(400) = 0.05 per ln Z;
    # tolerance 4 standard errors
    np.testing.assert_allclose(res.log_evidence, exact, rtol=0, atol=0.2)
    w_exact = np.exp(exact - np.logaddexp(*exact))
    np.testing.assert_allclose(res.weights, w_exact, rtol=0, atol=0.05)
    # posterior mean of a in each sector against quadrature
    for k, sign in enumerate((1.0, -1.0)):
        a = np.linspace(0.5, 10.0, 200001) * sign
        like = (np.exp(-0.5 * (a - 3.0) ** 2) + 0.3 * np.exp(-0.5 * ((a + 4.0) / 0.5) ** 2)) * np.exp(-0.5 * np.log1p(np.exp((1.0 - np.abs(a)) / 0.05)) ** 2)
        mean = np.sum(a * like) / np.sum(like)
        sd = math.sqrt(np.sum((a - mean) ** 2 * like) / np.sum(like))
        assert abs(res.x[k, ..., 0].mean() - mean) < 5 * sd / math.sqrt(res.min_ess_bulk[k])


def test_sector_potential_rejects_bad_walls():
    prob = _ToyProblem()
    with pytest.raises(InvalidInput, match="not a free parameter"):
        sector_potential(prob, {"c": 1.0})
    with pytest.raises(InvalidInput, match="walled sign parameter"):
        sector_potential(prob, {"b": 6.0})


def test_sub_range_bijection():
    with jax.enable_x64(True):
        u = jnp.linspace(-8.0, 8.0, 17)
        for prior, lo, hi, pieces in (("uniform", -3.0, 7.0, [(-3.0, 2.0), (2.0, 7.0)]),
                                      ("loguniform", 0.003, 0.5, [(0.003, 0.21), (0.21, 0.5)])):
            s = SubRange(prior, lo, hi)
            for a, b in pieces + [(b, a) for a, b in pieces]:  # either orientation
                x = s.forward(u, a, b)
                assert np.all((x > min(a, b)) & (x < max(a, b)))
                np.testing.assert_allclose(s.inverse(x, a, b), u, rtol=0, atol=1e-8)
                jac = jax.vmap(jax.grad(lambda v, a=a, b=b, s=s: s.forward(v, a, b)))(u)
                np.testing.assert_allclose(s.log_det_jacobian(u, a, b), np.log(np.abs(jac)), rtol=0, atol=1e-12)
            # the pieces partition the range: their prior masses add up to 1
            assert math.isclose(sum(math.exp(s.log_prior_mass(a, b)) for a, b in pieces), 1.0, rel_tol=1e-14)
        # logistic u gives the exact (log-uniform) prior restricted to the piece: median at the geometric mean
        s = SubRange("loguniform", 0.003, 0.5)
        assert math.isclose(float(s.forward(0.0, 0.21, 0.5)), math.sqrt(0.21 * 0.5), rel_tol=1e-14)
        # HalfRange is the uniform piece (s gap, h_s s)
        h = HalfRange(-300.0, 2000.0, 85.0)
        np.testing.assert_allclose(h.forward(u, -1.0), SubRange("uniform", -300.0, 2000.0).forward(u, -85.0, -300.0), rtol=1e-15)
    with pytest.raises(ValueError, match="lo > 0"):
        SubRange("loguniform", 0.0, 1.0)


class _SplitToyProblem(_ToyProblem):
    """2-D problem: m in [1, 100] (log-uniform), b in [-5, 5] (uniform); in t = ln m the likelihood
    has a main peak at ln 10 (sd 0.5) and a small bump at ln 60 (sd 0.15, amplitude 0.05), and
    prefers b = 0 (sd 1).  Cut at m = 30 (between them)."""

    def __init__(self):
        self.config = type("C", (), {"free": (param_spec("m", 1.0, 100.0, "loguniform"), param_spec("b", -5.0, 5.0))})()
        self.names = ("m", "b")
        self.ndim = 2

    @staticmethod
    def like_t(t, xp=jnp):
        return xp.exp(-0.5 * ((t - math.log(10.0)) / 0.5) ** 2) + 0.05 * xp.exp(-0.5 * ((t - math.log(60.0)) / 0.15) ** 2)

    def chi2(self, x):
        return -2.0 * jnp.log(self.like_t(jnp.log(x[0]))) + x[1] ** 2


def _split_exact_log_z(lo: float, hi: float) -> float:
    t = np.linspace(math.log(lo), math.log(hi), 200001)
    f = _SplitToyProblem.like_t(t, np) / math.log(100.0)
    it = np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(t))
    ib = math.sqrt(2 * math.pi) * math.erf(5.0 / math.sqrt(2.0)) / 10.0
    return math.log(it * ib)


def test_sector_pieces_of_splits_and_walls():
    prob = _SplitToyProblem()
    idx, maps, pieces, labels = sector_pieces(prob, {}, {"m": [30.0]})
    assert idx == [0] and maps[0].prior == "loguniform"
    assert pieces == [[(1.0, 30.0), (30.0, 100.0)]] and labels == [["m<30", "m>30"]]
    for cuts in ([0.5], [30.0, 20.0], [], [100.0]):
        with pytest.raises(InvalidInput, match="increasing cuts"):
            sector_pieces(prob, {}, {"m": cuts})
    wall = _ToyProblem()
    with pytest.raises(InvalidInput, match="both walled and split"):
        sector_pieces(wall, {"a": 0.5}, {"a": [3.0]})
    _, _, pieces, labels = sector_pieces(wall, {"a": 0.5}, {"b": [0.0]})
    assert pieces == [[(0.5, 10.0), (-0.5, -10.0)], [(-5.0, 0.0), (0.0, 5.0)]]
    assert labels == [["a+", "a-"], ["b<0", "b>0"]]


def test_split_nuts_weights_and_quantiles_against_quadrature():
    """A connected posterior cut at m = 30: each piece sampled by its own chains, the pieces weighted
    by MBAR, the mixture's quantiles of m against quadrature (exact piece evidences)."""
    prob = _SplitToyProblem()
    res = run_nuts_sectors(prob, {}, splits={"m": [30.0]}, chains_per_sector=4, warmup=150, samples=400,
                           max_tree_depth=5, reference_draws=4000, seed=5)
    assert res.labels == ["m<30", "m>30"] and res.signs.shape == (2, 0)
    assert np.all(res.x[0, ..., 0] < 30.0) and np.all(res.x[1, ..., 0] > 30.0)
    assert np.all(res.max_r_hat < 1.02), res.max_r_hat
    assert res.max_r_hat_above(0.5) == res.max_r_hat[0] and np.all(res.min_ess_bulk > 300), res.min_ess_bulk
    exact = np.array([_split_exact_log_z(1.0, 30.0), _split_exact_log_z(30.0, 100.0)])
    # MBAR standard error ~ 1/sqrt(min ESS) per ln Z (ESS > 300 here): tolerance 4 of it
    np.testing.assert_allclose(res.log_evidence, exact, rtol=0, atol=4 / math.sqrt(300))
    w_exact = np.exp(exact - np.logaddexp(*exact))
    assert abs(res.weights[1] - w_exact[1]) < 4 * w_exact[1] / math.sqrt(300)
    # stratified mixture: the pieces in proportion to their weights
    mix = res.mixture(1500, seed=1)
    assert abs(np.mean(mix[:, 0] > 30.0) - res.weights[1]) <= 1.0 / 1500
    # quantiles of m: P(m < q_exact(p)) of the mixture within 4 binomial standard errors at the ESS
    t = np.linspace(0.0, math.log(100.0), 400001)
    cdf = np.cumsum(_SplitToyProblem.like_t(t, np))
    cdf /= cdf[-1]
    ess = float(res.min_ess_bulk.min())
    for p in (0.05, 0.5, 0.95, 0.99):
        q = math.exp(np.interp(p, cdf, t))
        assert abs(np.mean(mix[:, 0] < q) - p) < 4 * math.sqrt(p * (1 - p) / ess), p
