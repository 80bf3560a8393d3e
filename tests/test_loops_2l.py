"""Photonic two-loop loop functions F3C, F4C, F3N, F4N (gm2jax.loops, arXiv:1003.5820 eqs. 35-36).

References are computed here with mpmath at 50 digits from the closed forms (the same integer
polynomials as GM2Calc 2.3.1, ``loops._F2L_DEF``), values and first derivatives, on a grid that
approaches x = 1 from both sides, crosses the series switch |x - 1| = 0.5 and spans 1e-8..1e8.
Tolerance: |ours - ref| <= 1e-11 * max(|ref|, s) with s = max|ref| over the unit neighbourhood
(the functions and their slopes pass through zero, so a pure relative test would be ill posed
there): the closed form cancels to ~ (numerator size) * eps/(x - 1)^n, at most ~1e-12 at the switch.
"""

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest

from gm2jax import loops

NAMES = ("F3C", "F4C", "F3N", "F4N")

@pytest.fixture(autouse=True)
def _mpmath_digits():
    """50 mpmath digits for this module's references, restored afterwards (a module-level
    setting would leak into every other module collected after it)."""
    with mpmath.workdps(50):
        yield

GRID = sorted(
    {
        1e-8,
        1e-4,
        0.01,
        0.1,
        0.3,
        0.499,
        0.4999999,
        0.5,
        0.5000001,
        0.501,
        0.7,
        0.75,
        0.9,
        0.97,
        0.99,
        0.999,
        1.0 - 1e-6,
        1.0 - 1e-12,
        1.0,
        1.0 + 1e-12,
        1.0 + 1e-6,
        1.001,
        1.01,
        1.03,
        1.1,
        1.25,
        1.499,
        1.4999999,
        1.5,
        1.5000001,
        1.501,
        2.0,
        3.0,
        10.0,
        100.0,
        1e4,
        1e8,
    }
)


def _closed(name, x):
    pref, n, p0, p1, p2, p3 = loops._F2L_DEF[name]
    x = mpmath.mpf(x)
    lx = mpmath.log(x)
    poly = lambda p: sum(c * x**j for j, c in enumerate(p))
    num = poly(p0) + poly(p1) * lx + poly(p2) * lx**2 + poly(p3) * mpmath.polylog(2, 1 - x)
    return mpmath.mpf(pref.numerator) / pref.denominator * num / (1 - x) ** n


def _ref(name, x):
    if x == 1.0:  # removable singularity: the exact series
        c = loops._f2l_series(name, 2)
        return float(c[0]), float(c[1])
    return float(_closed(name, x)), float(mpmath.diff(lambda t: _closed(name, t), x))


@pytest.mark.parametrize("name", NAMES)
def test_values_and_derivatives_vs_mpmath(name):
    f = getattr(loops, name)
    xs = jnp.asarray(GRID)
    val = np.asarray(jax.jit(f)(xs))
    der = np.asarray(jax.jit(jax.vmap(jax.grad(f)))(xs))
    refs = np.array([_ref(name, x) for x in GRID])
    scale_v = np.max(np.abs(refs[(xs > 0.3) & (xs < 3.0), 0]))
    scale_d = np.max(np.abs(refs[(xs > 0.3) & (xs < 3.0), 1]))
    err_v = np.abs(val - refs[:, 0]) / np.maximum(np.abs(refs[:, 0]), scale_v)
    err_d = np.abs(der - refs[:, 1]) / np.maximum(np.abs(refs[:, 1]), scale_d)
    assert np.max(err_v) <= 1e-11, (name, GRID[int(np.argmax(err_v))], np.max(err_v))
    assert np.max(err_d) <= 1e-11, (name, GRID[int(np.argmax(err_d))], np.max(err_d))


@pytest.mark.parametrize("name", NAMES)
def test_normalised_and_gm2calc_taylor_coefficients(name):
    """F(1) = 1 exactly, and the exact series starts with GM2Calc's 6th-order Taylor coefficients."""
    gm2calc = {
        "F3C": [
            "1",
            "1059/1175",
            "-4313/3525",
            "70701/57575",
            "-265541/230300",
            "48919/46060",
            "-80755/82908",
        ],
        "F4C": ["1", "-45/122", "941/6100", "-17/305", "282/74725", "177/6832", "-47021/1076040"],
        "F3N": ["1", "76/875", "-431/2625", "5858/42875", "-3561/34300", "23/294", "-4381/73500"],
        "F4N": ["1", "0", "-111/800", "59/400", "-129/980", "177/1568", "-775/8064"],
    }[name]
    assert [str(c) for c in loops._f2l_series(name, 7)] == gm2calc
    f = getattr(loops, name)
    assert float(f(1.0)) == 1.0
    assert float(jax.grad(f)(1.0)) == float(loops._f2l_series(name, 2)[1])


def test_limits_at_zero_and_infinity():
    x = 1e10
    lx, pi2 = np.log(x), np.pi**2
    asym = {
        "F3C": 4 / 141 * (126 * lx + 18 * pi2 - 151) / x,
        "F4C": 9 / 122 * (11 * lx + 8 + 2 * pi2 / 3) / x,
        "F3N": 4 / 105 * (78 * lx + 97) / x,
        "F4N": 9 / 4 * (lx + 1) / x,
    }
    for name, a in asym.items():  # next order is O(ln^2 x / x^2) relative ~ 1e-8
        assert float(getattr(loops, name)(x)) == pytest.approx(a, rel=1e-7)
    assert float(loops.F3N(0.0)) == pytest.approx(8.0 / 105.0, rel=1e-14)
    assert float(loops.F4N(0.0)) == pytest.approx(-0.75 * (np.pi**2 - 9.0), rel=1e-13)
    # F3C and F4C diverge logarithmically; x = 0 returns the (finite) value at 1e-100
    for name in NAMES:
        f = getattr(loops, name)
        assert np.isfinite(float(f(0.0))) and np.isfinite(float(jax.grad(f)(0.0)))
        assert float(f(0.0)) == float(f(1e-100))


@pytest.mark.parametrize("name", NAMES)
def test_branch_points_continuous_and_finite(name):
    """Value and slope are continuous across the series switch (|x - 1| = 0.5) and never NaN."""
    f = getattr(loops, name)
    g = jax.grad(f)
    for x0 in (0.5, 1.5):
        lo, hi = np.nextafter(x0, 0.0), np.nextafter(x0, 2.0)
        vals = [float(f(x)) for x in (lo, x0, hi)]
        ders = [float(g(x)) for x in (lo, x0, hi)]
        assert np.all(np.isfinite(vals + ders))
        assert max(vals) - min(vals) <= 1e-12 * max(1.0, abs(vals[1]))
        assert max(ders) - min(ders) <= 1e-11 * max(1.0, abs(ders[1]))


def test_vmap_matches_loop():
    xs = jnp.asarray([0.2, 1.0, 1.1, 7.0])
    for name in NAMES:
        f = getattr(loops, name)
        batched = np.asarray(jax.vmap(f)(xs))
        single = np.array([float(f(x)) for x in xs])
        assert np.array_equal(batched, single)
