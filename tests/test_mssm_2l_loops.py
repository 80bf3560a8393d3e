"""Barr-Zee loop functions f_PS, f_S, f_sferm (hep-ph/0609168 eqs. 70-72) vs 40-digit mpmath.

Values and first derivatives on a grid that includes every branch point of
:func:`gm2jax.loops.f_PS` (z = 1/4 and the Taylor-window edges 0.2, 0.3, the large-z switch 4),
the limits z -> 0 and z -> infinity, and the defining integral at a few points.
"""

from __future__ import annotations

import jax
import mpmath as mp
import numpy as np
import pytest

from gm2jax import loops


@pytest.fixture(autouse=True)
def _mpmath_digits():
    """40 mpmath digits for this module's references, restored afterwards (a module-level
    setting would leak into every other module collected after it)."""
    with mp.workdps(40):
        yield

GRID = [0.0, 1e-12, 1e-4, 0.05, 0.19999, 0.2, 0.20001, 0.23, 0.25, 0.26, 0.29999, 0.3, 0.30001,
        0.7, 1.0, 2.5, 3.99999, 4.0, 4.00001, 30.0, 1e3, 1e6, 1e9]


def _f_ps(z):
    # the closed form is 0/0 at z = 1/4; evaluated at z + i 1e-30 (f is analytic: error ~1e-60)
    z = mp.mpf(z)
    if z == 0:
        return mp.mpf(0)
    zc = z + mp.mpc(0, "1e-30")
    y = mp.sqrt(1 - 4 * zc)
    return mp.re(2 * zc / y * (mp.polylog(2, 1 - (1 - y) / (2 * zc)) - mp.polylog(2, 1 - (1 + y) / (2 * zc))))


def _f_s(z):
    z = mp.mpf(z)
    return mp.mpf(0) if z == 0 else (2 * z - 1) * _f_ps(z) - 2 * z * (2 + mp.log(z))


def _f_sferm(z):
    z = mp.mpf(z)
    return mp.mpf(0) if z == 0 else z / 2 * (2 + mp.log(z) - _f_ps(z))


REF = {"f_PS": _f_ps, "f_S": _f_s, "f_sferm": _f_sferm}


@pytest.mark.parametrize("name", sorted(REF))
def test_values_and_derivatives_vs_mpmath(name):
    fn, ref = getattr(loops, name), REF[name]
    grad = jax.jit(jax.vmap(jax.grad(fn)))
    z = np.array(GRID)
    vals = np.asarray(jax.jit(fn)(z))
    ders = np.asarray(grad(z))
    for zi, v, d in zip(GRID, vals, ders):
        r = ref(zi)
        assert abs(v - float(r)) <= 1e-13 * max(abs(float(r)), 1e-300) + (1e-94 if zi == 0 else 0.0), (name, zi, v, r)  # z = 0 -> the value at 1e-100
        if zi > 0:
            rd = mp.diff(ref, mp.mpf(zi))
            assert abs(d - float(rd)) <= 1e-10 * abs(float(rd)), (name, zi, d, rd)
        assert np.isfinite(d)


def test_integral_representation_and_limits():
    for z in (0.1, 0.2501, 1.0, 9.0):
        zz = mp.mpf(z)
        integral = zz * mp.quad(lambda x: mp.log(x * (1 - x) / zz) / (x * (1 - x) - zz), [0, 0.5, 1])
        assert abs(float(loops.f_PS(z)) - float(integral)) <= 1e-12 * abs(float(integral))
    assert float(loops.f_PS(0.25)) == pytest.approx(np.log(4.0), rel=1e-15)
    z = 1e8
    assert float(loops.f_S(z)) == pytest.approx(-13 / 9 - 2 / 3 * np.log(z), rel=1e-7)
    assert float(loops.f_sferm(z)) == pytest.approx(-(np.log(z) + 5 / 3) / 12, rel=1e-7)
    # outside the domain: treated like z = 0, never NaN
    assert np.isfinite(float(loops.f_PS(-1.0))) and np.isfinite(float(jax.grad(loops.f_S)(-1.0)))


def test_li2_bernoulli_series_vs_mpmath():
    # Li2(1 - x) = Li2(1 - e^-t) by its Bernoulli series (z < 1/4 branch of f_PS, t in (-0.324, 0]):
    # truncation < 1e-22 relative, so the error is rounding: a few eps (1e-15 allows 4.5 eps)
    t = np.concatenate([np.linspace(-0.33, 0.33, 601), [0.0, 1e-300, -1e-12, np.log(0.5 * (1.0 + np.sqrt(0.2)))]])
    t = np.concatenate([t, np.linspace(-np.log(2.0), np.log(2.0), 101)])  # the range _li2_one_minus uses
    vals = np.asarray(loops._li2_one_minus_log(t))
    for ti, v in zip(t, vals):
        ref = mp.polylog(2, -mp.expm1(-mp.mpf(ti)))
        assert abs(v - float(ref)) <= 1e-15 * abs(float(ref)), (ti, v, ref)


def test_li2_one_minus_full_domain_vs_mpmath():
    # Li2(1 - x) for every x >= 0 (photonic F3/F4 functions, dilog): the series above after
    # reflection (x <= 1/2) or inversion (x > 2), |t| <= ln 2 (first omitted term 4.3e-19).  Values
    # are O(1) or larger except near x = 1 (where Li2(1 - x) ~ 1 - x is the series itself): the
    # error is the rounding of ~10 operations, <= 1e-14 relative (45 eps).  Derivatives are the
    # closed form -ln(x)/(1 - x) (-phi_0[1, x]).
    x = np.concatenate([
        [0.0, 1e-300, 1e-100, 1e-20, 1e-8, 1e-3, 0.49999999, 0.5, 0.50000001, 0.999999, 1.0, 1.000001],
        [1.99999999, 2.0, 2.00000001, 1e3, 1e8, 1e20, 1e100, 1e300],
        np.linspace(0.01, 5.0, 300), np.logspace(-12, 12, 97),
    ])
    li2 = jax.jit(loops._li2_one_minus)
    vals = np.asarray(li2(x))
    grads = np.asarray(jax.jit(jax.vmap(jax.grad(loops._li2_one_minus)))(x[x > 0]))
    for xi, v in zip(x, vals):
        ref = mp.polylog(2, 1 - mp.mpf(xi))
        assert abs(v - float(ref)) <= 1e-14 * abs(float(ref)), (xi, v, ref)
    for xi, g in zip(x[x > 0], grads):
        xm = mp.mpf(xi)
        ref = mp.log(xm) / (1 - xm) if xi != 1.0 else mp.mpf(-1)
        assert abs(g - float(ref)) <= 1e-14 * abs(float(ref)), (xi, g, ref)
    # the public dilog: Li2(y) = Li2(1 - (1 - y)) for y <= 1, incl. y = 1 (pi^2/6) and y -> -inf
    y = np.array([1.0, 0.999, 0.5, 0.0, -0.5, -1.0, -3.0, -1e6])
    for yi, v in zip(y, np.asarray(loops.dilog(y))):
        ref = mp.polylog(2, mp.mpf(yi))
        assert abs(v - float(ref)) <= 1e-14 * max(abs(float(ref)), 1e-300), (yi, v, ref)
