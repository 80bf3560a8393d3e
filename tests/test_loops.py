"""Tests of gm2jax.loops against 50-digit mpmath references (tests/data/loop_grid.json).

Acceptance criterion: values AND first derivatives (jax.grad, every argument) agree with the
references to a relative 1e-10 away from removable singularities and 1e-8 at/near them, with
no NaN/inf anywhere (also exactly at x = 1, x == y, a == b == c, x = 0).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate

from gm2jax import loops
from gm2jax.errors import PrecisionError

GRID_FILE = os.path.join(os.path.dirname(__file__), "data", "loop_grid.json")
TOL_AWAY = 1e-10
TOL_NEAR = 1e-8
M_MU = 0.1056583745

with open(GRID_FILE) as _fh:
    GRID = json.load(_fh)["functions"]

ONE_ARG = [
    "F1N",
    "F2N",
    "F1C",
    "F2C",
    "f_chargino_mia",
    "f_neutralino_mia",
    "G3",
    "G4",
    "I_m",
    "I_Delta_a",
    "zprime_loop",
]
TWO_ARG = ["Fa", "Fb", "divdiff_f_chargino", "f_N"]
ALL = ONE_ARG + TWO_ARG + ["I_abc"]


@functools.cache
def _jit_value_and_grads(name):
    """jit of: elementwise values and d f/d arg_i for every argument (grad of the sum)."""
    fn = getattr(loops, name)

    def vg(*args):
        grads = jax.grad(lambda *a: jnp.sum(fn(*a)), argnums=tuple(range(len(args))))(*args)
        return fn(*args), grads

    return jax.jit(vg)


def _value_and_grads(name, args):
    val, grads = _jit_value_and_grads(name)(*args)
    return np.asarray(val), [np.asarray(g) for g in grads]


def _dense_points():
    """Points approaching every singular point from both sides, plus 0 and huge values."""
    k = np.arange(1, 16)
    return np.concatenate(
        [[0.0, 1.0], 1 + 10.0**-k, 1 - 10.0**-k, np.logspace(-12, 9, 106), [0.6, 0.75, 1.25, 1.4]]
    )


def _extra_points(name):
    """Argument tuples without references, where only finiteness is required."""
    p = _dense_points()
    if name in ONE_ARG:
        return [p]
    q = p[::3]
    grid = np.array(list(itertools.product(q, q)))
    if name == "I_abc":  # b == c exactly everywhere, a == b == c on the diagonal, zeros
        grid = grid[(grid[:, 0] > 0) | (grid[:, 1] > 0)]
        return [grid[:, 0], grid[:, 1], grid[:, 1]]
    return [grid[:, 0], grid[:, 1]]


N_PAD = 4096  # every function is evaluated on arrays of this length (shared compilations)


@functools.cache
def _full_args(name):
    """Grid points, then the extra (reference-free) points, padded with 2.0 to N_PAD."""
    d = GRID[name]
    out = []
    for a, e in zip(d["args"], _extra_points(name)):
        v = np.concatenate([a, e])
        assert len(v) <= N_PAD
        out.append(np.concatenate([v, np.full(N_PAD - len(v), 2.0)]))
    return tuple(out)


@functools.cache
def _full_result(name):
    return _value_and_grads(name, [jnp.asarray(a) for a in _full_args(name)])


def _rel(a, ref):
    return np.abs(a - ref) / np.abs(ref)


def _check(name, what, got, ref, near):
    mask = np.array([r is not None for r in ref])
    refa = np.array([np.nan if r is None else r for r in ref], dtype=float)
    assert np.all(np.isfinite(got)), f"{name} {what}: non-finite output"
    err = _rel(got[mask], refa[mask])
    tol = np.where(near[mask], TOL_NEAR, TOL_AWAY)
    bad = err > tol
    assert not bad.any(), (
        f"{name} {what}: {bad.sum()} points fail, worst rel. err {err.max():.3e} "
        f"(near: {err[near[mask]].max(initial=0):.3e}, away: {err[~near[mask]].max(initial=0):.3e})"
    )
    return err


# --------------------------------------------------------------------------------------
# the acceptance test: values and gradients against the mpmath grid
# --------------------------------------------------------------------------------------


def test_grid_file_is_complete_and_small():
    assert os.path.getsize(GRID_FILE) < 1.5e6
    assert set(ALL) <= set(GRID)
    assert sum(len(GRID[n]["value"]) for n in ALL) > 4000


@pytest.mark.parametrize("name", ALL)
def test_values_and_gradients_against_mpmath(name):
    """Acceptance test; also: no NaN/inf in value or gradient on dense singular grids."""
    d = GRID[name]
    n_ref = len(d["value"])
    near = np.asarray(d["near"], dtype=bool)
    assert near.any() and (~near).any()
    val, grads = _full_result(name)
    assert val.shape == (N_PAD,) and n_ref > 150
    assert np.all(np.isfinite(val)), f"{name}: non-finite value"
    for g in grads:
        assert np.all(np.isfinite(g)), f"{name}: non-finite gradient"
    _check(name, "value", val[:n_ref], d["value"], near)
    for i, g in enumerate(grads):
        _check(name, f"d/darg{i}", g[:n_ref], d["grad"][i], near)


@pytest.mark.parametrize("name", TWO_ARG + ["I_abc"])
def test_symmetry_under_permutations(name):
    """f(x, y) = f(y, x); I_abc invariant under all 6 permutations (values and gradients)."""
    args = _full_args(name)
    val, grads = _full_result(name)
    n = len(args)
    for perm in itertools.permutations(range(n)):
        if perm == tuple(range(n)):
            continue
        pval, pgrads = _value_and_grads(name, [jnp.asarray(args[i]) for i in perm])
        np.testing.assert_allclose(pval, val, rtol=1e-13, atol=0)
        for j, i in enumerate(perm):
            np.testing.assert_allclose(pgrads[j], grads[i], rtol=1e-11, atol=0)


@pytest.mark.parametrize("name", ALL)
def test_jit_equals_eager(name):
    fn = getattr(loops, name)
    args = [jnp.asarray(a) for a in _full_args(name)]
    eager = np.asarray(fn(*args))
    val, _ = _full_result(name)
    # jit may fuse/reassociate; the Newton recursion just outside the 0.15 series window
    # amplifies that rounding by up to ~1/0.15^4 (measured 2.7e-13 for I_Delta_a)
    np.testing.assert_allclose(val, eager, rtol=1e-12, atol=0)
    assert np.all(np.isfinite(eager))


@pytest.mark.parametrize("name", ALL)
def test_vmap_of_scalar_function(name):
    fn = getattr(loops, name)
    args = [jnp.asarray(a) for a in _full_args(name)]
    vval = jax.jit(jax.vmap(fn))(*args)
    val, _ = _full_result(name)
    np.testing.assert_allclose(np.asarray(vval), val, rtol=1e-13, atol=0)


@pytest.mark.parametrize("name", ["F1N", "I_abc", "zprime_loop"])
def test_vmap_of_scalar_gradient(name):
    fn = getattr(loops, name)
    args = [jnp.asarray(a) for a in _full_args(name)]
    vgrads = jax.jit(jax.vmap(jax.grad(fn, argnums=tuple(range(len(args))))))(*args)
    _, grads = _full_result(name)
    for a, b in zip(vgrads, grads):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-13, atol=0)


# --------------------------------------------------------------------------------------
# exact limits and values at the singular points (scalar jax.grad)
# --------------------------------------------------------------------------------------

# f(1), f'(1) from the exact Taylor coefficients (GM2Calc: F1N = 1 - 2/5 d + ..., etc.)
AT_ONE = {
    "F1N": (1.0, -0.4),
    "F2N": (1.0, -0.5),
    "F1C": (1.0, -0.6),
    "F2C": (1.0, -0.75),
    "f_chargino_mia": (-2 / 3, 0.5),
    "f_neutralino_mia": (-1 / 3, 1 / 6),
    "G3": (1 / 3, -0.25),
    "G4": (1 / 6, -1 / 12),
    "I_m": (-0.5, 2 * (1 / 3)),  # d/dx lam[1,1,x^2] at x = 1: 2 lam[1,1,1,1] = 2 * 1/3
    "I_Delta_a": (-1 / 12, 2 * (1 / 15)),
}


@pytest.mark.parametrize("name", sorted(AT_ONE))
def test_exact_value_and_slope_at_one(name):
    fn = getattr(loops, name)
    v, s = AT_ONE[name]
    assert float(fn(1.0)) == pytest.approx(v, rel=1e-15, abs=0)
    assert float(jax.grad(fn)(1.0)) == pytest.approx(s, rel=1e-14, abs=0)
    assert float(jax.jit(jax.grad(fn))(1.0)) == pytest.approx(s, rel=1e-14, abs=0)


@pytest.mark.parametrize(
    "name,limit",
    [
        ("F1N", 2.0),
        ("F2N", 3.0),
        ("F1C", 4.0),
        ("f_neutralino_mia", -1.0),
        ("G4", 0.5),
        ("I_Delta_a", -0.5),
    ],
)
def test_limits_at_zero(name, limit):
    fn = getattr(loops, name)
    assert float(fn(0.0)) == pytest.approx(limit, rel=1e-14)
    assert float(fn(1e-300)) == pytest.approx(limit, rel=1e-14)
    assert float(fn(1e-12)) == pytest.approx(limit, rel=1e-9)
    assert np.isfinite(float(jax.grad(fn)(0.0)))


@pytest.mark.parametrize("name", ["F2C", "f_chargino_mia", "G3", "I_m"])
def test_log_divergent_at_zero_is_finite_and_follows_the_formula(name):
    fn = getattr(loops, name)
    # leading behaviour: a + b ln x
    lead = {
        "F2C": lambda x: -4.5 - 3 * math.log(x),
        "f_chargino_mia": lambda x: 3 + 2 * math.log(x),
        "G3": lambda x: -1.5 - math.log(x),
        "I_m": lambda x: 1 + 2 * math.log(x),
    }[name]
    for x in (1e-30, 1e-45):
        assert float(fn(x)) == pytest.approx(lead(x), rel=1e-12)
    assert np.isfinite(float(fn(0.0))) and np.isfinite(float(jax.grad(fn)(0.0)))


def test_large_x_asymptotics():
    x = 1e9
    assert float(loops.F1N(x)) * x == pytest.approx(4.0, rel=1e-7)
    assert float(loops.F2N(x)) * x == pytest.approx(3.0, rel=1e-7)
    assert float(loops.F1C(x)) * x == pytest.approx(2.0, rel=1e-7)
    assert float(loops.F2C(x)) * x == pytest.approx(1.5, rel=1e-7)
    x = 1e4  # I_Delta_a ~ -(2 ln x - 5/2)/x^4 (1 + O(ln x / x^2))
    assert float(loops.I_Delta_a(x)) == pytest.approx(-(2 * math.log(x) - 2.5) / x**4, rel=1e-6)


def test_two_argument_limits_and_identities():
    assert float(loops.Fa(1.0, 1.0)) == pytest.approx(0.25, rel=1e-15)
    assert float(loops.Fb(1.0, 1.0)) == pytest.approx(1 / 12, rel=1e-15)
    assert float(loops.f_N(1.0, 1.0)) == pytest.approx(1 / 6, rel=1e-15)
    assert float(loops.divdiff_f_chargino(1.0, 1.0)) == pytest.approx(0.5, rel=1e-15)
    assert float(loops.f_N(0.0, 2.0)) == 0.0
    x, y = _full_args("Fa")
    fa, (fax, fay) = _full_result("Fa")
    fb, _ = _full_result("Fb")
    dd, (ddx, ddy) = _full_result("divdiff_f_chargino")
    fn, _ = _full_result("f_N")
    np.testing.assert_allclose(dd, 2 * fa, rtol=1e-14)
    np.testing.assert_allclose(ddx, 2 * fax, rtol=1e-14)
    np.testing.assert_allclose(ddy, 2 * fay, rtol=1e-14)
    np.testing.assert_allclose(fn, 2 * x * y * fb, rtol=1e-14)
    (x1,) = _full_args("G3")
    res = {n: _full_result(n) for n in ("F2C", "G3", "G4", "F2N", "f_chargino_mia",
                                        "f_neutralino_mia")}
    np.testing.assert_allclose(res["F2C"][0], 3 * res["G3"][0], rtol=1e-14)
    np.testing.assert_allclose(res["f_chargino_mia"][0], -2 / 3 * res["F2C"][0], rtol=1e-14)
    np.testing.assert_allclose(res["f_neutralino_mia"][0], -res["F2N"][0] / 3, rtol=1e-14)
    # on the diagonal x == y the divided differences are derivatives of one-argument functions
    pos = {v: i for i, v in enumerate(x1)}
    diag = np.flatnonzero((x == y) & (x > 0) & np.isin(x, x1))
    idx = np.array([pos[v] for v in x[diag]])
    assert len(diag) > 40 and np.any(x[diag] == 1.0)
    np.testing.assert_allclose(fa[diag], -res["G3"][1][0][idx], rtol=1e-12)
    np.testing.assert_allclose(fb[diag], -res["G4"][1][0][idx], rtol=1e-12)
    np.testing.assert_allclose(dd[diag], res["f_chargino_mia"][1][0][idx], rtol=1e-12)


@pytest.mark.parametrize("name", TWO_ARG)
def test_two_argument_exact_coincidences(name):
    """On x == y exactly (incl. x = y = 1): finite, and equal partial derivatives."""
    x, y = _full_args(name)
    _, (gx, gy) = _full_result(name)
    diag = (x == y) & (x > 0)
    np.testing.assert_allclose(gx[diag], gy[diag], rtol=1e-12)
    g = jax.grad(getattr(loops, name), argnums=(0, 1))(1.0, 1.0)  # scalar API
    assert float(g[0]) == float(g[1]) and np.isfinite(float(g[0]))


def test_I_abc_limits():
    for a in (1e-4, 1.0, 250.0, 1e6):
        assert float(loops.I_abc(a, a, a)) == pytest.approx(1 / (2 * a), rel=1e-15)
        g = jax.grad(loops.I_abc, argnums=(0, 1, 2))(a, a, a)
        # d/da phi[a,a,a] summed over the three nodes = phi'''(a)/2 = -1/(2 a^2)
        assert sum(float(v) for v in g) == pytest.approx(-1 / (2 * a * a), rel=1e-13)
        assert float(g[0]) == pytest.approx(-1 / (6 * a * a), rel=1e-13)
    b, c = 3.0, 11.0
    assert float(loops.I_abc(0.0, b, c)) == pytest.approx(math.log(b / c) / (b - c), rel=1e-14)
    assert float(loops.I_abc(b, 0.0, b)) == pytest.approx(1 / b, rel=1e-14)
    assert float(loops.I_abc(b, b, c)) == pytest.approx(
        (c * math.log(c / b) + b - c) / (b - c) ** 2, rel=1e-13
    )
    g = jax.grad(loops.I_abc, argnums=(0, 1, 2))(0.0, b, c)
    assert all(np.isfinite(float(v)) for v in g)
    # conventions doc: I(m, m, m) = 1/(2 m^2) with masses -> squared arguments
    m = 123.0
    assert float(loops.I_abc(m**2, m**2, m**2)) == pytest.approx(1 / (2 * m**2), rel=1e-15)


def test_I_abc_homogeneity_and_sign(key):
    abc = jnp.exp(jax.random.uniform(key, (3, 64), minval=-6.0, maxval=6.0))
    ref = loops.I_abc(*abc)
    np.testing.assert_allclose(loops.I_abc(*(7.5 * abc)), ref / 7.5, rtol=1e-14)
    assert np.all(np.asarray(ref) > 0)


# --------------------------------------------------------------------------------------
# no NaN/inf anywhere in the physical domain, jit/vmap
# --------------------------------------------------------------------------------------


def test_broadcasting_and_dtype():
    x = jnp.linspace(0.5, 2.0, 4)[None, :]
    y = jnp.linspace(0.1, 3.0, 3)[:, None]
    for name in TWO_ARG:
        out = jax.eval_shape(getattr(loops, name), x, y)
        assert out.shape == (3, 4) and out.dtype == jnp.float64
    out = jax.eval_shape(loops.I_abc, jnp.ones((2, 1)), jnp.ones((1, 3)), 2.0)
    assert out.shape == (2, 3) and out.dtype == jnp.float64
    out = jax.eval_shape(loops.zprime_loop, jnp.ones((2, 5)))
    assert out.shape == (2, 5) and out.dtype == jnp.float64
    assert loops.F1N(2).dtype == jnp.float64  # integers are promoted to float64
    assert float(loops.F1N(2)) == pytest.approx(float(loops.F1N(2.0)), rel=0)
    with pytest.raises(PrecisionError):
        loops.F1N(jnp.asarray([0.5, 2.0], dtype=jnp.float32))


# --------------------------------------------------------------------------------------
# Z' (seed 002, eq. 3.6)
# --------------------------------------------------------------------------------------


def _quad_I(r):
    def f(x):
        return 2 * x**2 * (1 - x) / (x**2 + (1 - x) * r)

    pts = [p for p in (math.sqrt(r) / 10, math.sqrt(r), 10 * math.sqrt(r)) if p < 1]
    val, _ = integrate.quad(f, 0.0, 1.0, points=pts or None, epsabs=0.0, epsrel=1e-13, limit=500)
    return val


def _quad_dI(r):
    def f(x):
        return -2 * x**2 * (1 - x) ** 2 / (x**2 + (1 - x) * r) ** 2

    pts = [p for p in (math.sqrt(r) / 10, math.sqrt(r), 10 * math.sqrt(r)) if p < 1]
    val, _ = integrate.quad(f, 0.0, 1.0, points=pts or None, epsabs=0.0, epsrel=1e-13, limit=500)
    return val


def test_zprime_against_numerical_integration_muon():
    m_z = np.logspace(-3, 2, 41)  # 1 MeV .. 100 GeV
    r = (m_z / M_MU) ** 2
    got, (dgot,) = _value_and_grads("zprime_loop", [jnp.asarray(r)])
    ref = np.array([_quad_I(v) for v in r])
    dref = np.array([_quad_dI(v) for v in r])
    assert np.max(_rel(got, ref)) < 1e-10
    assert np.max(_rel(dgot, dref)) < 1e-10
    g_x = 7e-4
    amu_and_grad = jax.jit(
        jax.vmap(jax.value_and_grad(loops.amu_zprime, argnums=1), (None, 0, None))
    )
    amu, dm = amu_and_grad(g_x, jnp.asarray(m_z), M_MU)
    np.testing.assert_allclose(amu, g_x**2 / (8 * math.pi**2) * ref, rtol=1e-10)
    # d amu / d M_Z' by the chain rule
    np.testing.assert_allclose(dm, g_x**2 / (8 * math.pi**2) * dref * 2 * m_z / M_MU**2,
                               rtol=1e-10)


def test_zprime_branch_points_and_asymptotics():
    # r = 4 (closed form switches between arctan and log/atanh forms)
    assert float(loops.zprime_loop(4.0)) == pytest.approx(16 * math.log(2) - 11, rel=1e-13)
    for r in (4 - 1e-12, 4 + 1e-12, 3.6, 4.4, 6.0 * (1 - 1e-15), 6.0 * (1 + 1e-15)):
        assert float(loops.zprime_loop(r)) == pytest.approx(_quad_I(r), rel=1e-12)
        assert float(jax.grad(loops.zprime_loop)(r)) == pytest.approx(_quad_dI(r), rel=1e-11)
    # r -> 0: I -> 1 - pi sqrt(r) + O(r ln r)
    for r in (1e-10, 1e-14):
        v = float(loops.zprime_loop(r))
        assert abs((1 - v) / (math.pi * math.sqrt(r)) - 1) < 10 * math.sqrt(r) * abs(math.log(r))
    assert float(loops.zprime_loop(0.0)) == 1.0
    assert np.isfinite(float(jax.grad(loops.zprime_loop)(0.0)))
    # r -> inf: I -> 2/(3r) - (2 ln r - 25/6)/r^2
    for r in (1e6, 1e8, 1e12):
        v = float(loops.zprime_loop(r))
        assert v * 1.5 * r == pytest.approx(1.0, abs=4 * math.log(r) / r)
        assert v == pytest.approx(2 / (3 * r) - (2 * math.log(r) - 25 / 6) / r**2, rel=50 / r**2)
    # Schwinger-like normalisation: massless Z' with g_X^2 = 4 pi alpha gives alpha/(2 pi)
    alpha = 1 / 137.035999
    amu = float(loops.amu_zprime(math.sqrt(4 * math.pi * alpha), 0.0, M_MU))
    assert amu == pytest.approx(alpha / (2 * math.pi), rel=1e-15)


# --------------------------------------------------------------------------------------
# generic divided difference (used by gm2jax.models.mssm.mia)
# --------------------------------------------------------------------------------------


def test_generic_divided_difference():
    """loops.divided_difference against closed forms, at and near x == y."""

    def f(s, c):  # (x ln x - y ln y)/(x - y) = ln y + x ln(x/y)/(x - y); f'(x) = c (ln x + 1)
        return c * s * jnp.log(s)

    x = jnp.asarray([0.3, 1.0, 1.0, 1.0 + 1e-9, 2.5, 40.0, 40.0, 0.02, 7.0])
    y = jnp.asarray([0.3, 1.0, 1.0 + 1e-7, 1.0, 2.4, 40.0 * (1 + 1e-12), 3.0, 5.0, 7.0 * (1 + 1e-3)])
    c = 1.7

    @jax.jit
    def run(a, b):
        dd = loops.divided_difference(f, a, b, c)
        g = jax.grad(lambda u, v: jnp.sum(loops.divided_difference(f, u, v, c)), argnums=(0, 1))
        return dd, g(a, b)

    dd, (gx, gy) = run(x, y)
    xn, yn = np.asarray(x), np.asarray(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(xn == yn, 1 / xn, np.log1p((xn - yn) / yn) / (xn - yn))
        ref = c * (np.log(yn) + xn * lam)
        # d/dx of psi[x, y] = psi[x, x, y] = (psi'(x) - psi[x, y])/(x - y)
        dref = (c * (np.log(xn) + 1) - ref) / (xn - yn)
    np.testing.assert_allclose(dd, ref, rtol=1e-12)
    far = np.abs(xn - yn) > 1e-5 * xn
    np.testing.assert_allclose(np.asarray(gx)[far], dref[far], rtol=1e-9)
    np.testing.assert_allclose(np.asarray(gx)[~far], c / (2 * xn[~far]), rtol=1e-6)
    assert np.all(np.isfinite(gy))


def test_per_entry_equals_direct_evaluation():
    # per_entry evaluates small arrays entry by entry (issue 10, value throughput): same values,
    # shapes, tuple outputs and gradients as one array call; large arrays are passed through whole
    x = jnp.array([[0.3], [1.0], [7.0]])
    y = jnp.array([[0.5, 2.0]])
    np.testing.assert_array_equal(loops.per_entry(loops.Fb, x, y), loops.Fb(x, y))
    f3, f4 = loops.per_entry(loops.F3N_F4N, x * y)
    g3, g4 = loops.F3N_F4N(x * y)
    np.testing.assert_array_equal(f3, g3)
    np.testing.assert_array_equal(f4, g4)
    big = jnp.linspace(0.1, 9.0, loops.PER_ENTRY_MAX + 1)
    np.testing.assert_array_equal(loops.per_entry(loops.F1N, big), loops.F1N(big))

    def total(x, y):
        return jnp.sum(jnp.stack(loops.per_entry(lambda a, b: (loops.Fb(a, b), a * loops.G3(b)), x, y)))

    def direct(x, y):
        return jnp.sum(loops.Fb(x, y)) + jnp.sum(x * loops.G3(y))

    # the same formulas, fused differently by XLA: rounding differences of a few eps, amplified by
    # the derivative recursions (whose own accuracy is ~3e-12, module docstring): 1e-13
    for a, b in zip(jax.grad(total, argnums=(0, 1))(x, y), jax.grad(direct, argnums=(0, 1))(x, y)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=0.0)
    per_point = jax.vmap(lambda u: loops.per_entry(loops.f_sferm, u))(jnp.array([[0.2, 3.0], [40.0, 0.25]]))
    np.testing.assert_array_equal(per_point, loops.f_sferm(jnp.array([[0.2, 3.0], [40.0, 0.25]])))
