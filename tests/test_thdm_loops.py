"""2HDM loop functions of gm2jax.loops section 9 vs mpmath (values and derivatives, branch points).

References are computed here with mpmath at 30 digits from the defining closed forms (complex
dilogarithm for Phi, so both threshold sides are checked against one formula).
"""

import math

import jax
import mpmath as mp
import numpy as np
import pytest

from gm2jax import loops as L


@pytest.fixture(autouse=True)
def _mpmath_digits():
    """30 mpmath digits for this module's references, restored afterwards (a module-level
    setting would leak into every other module collected after it)."""
    with mp.workdps(30):
        yield


def phi_mp(x, y, z):
    x, y, z = sorted([mp.mpf(x), mp.mpf(y), mp.mpf(z)])
    u, v = x / z, y / z
    l2 = (1 - u - v) ** 2 - 4 * u * v
    lam = mp.sqrt(l2)
    a, b = (1 - lam + u - v) / 2, (1 - lam - u + v) / 2
    val = (-mp.log(u) * mp.log(v) + 2 * mp.log(a) * mp.log(b) - 2 * mp.polylog(2, a) - 2 * mp.polylog(2, b) + mp.pi**2 / 3) / lam
    return mp.re(val * z * l2 / 2)


def f_ps_mp(z):
    z = mp.mpf(z)
    y = mp.sqrt(1 - 4 * z)
    return mp.re(2 * z / y * (mp.polylog(2, 1 - (1 - y) / (2 * z)) - mp.polylog(2, 1 - (1 + y) / (2 * z))))


def f_s_mp(z):
    return (2 * z - 1) * f_ps_mp(z) - 2 * z * (2 + mp.log(z))


def f_csl_mp(z):
    z = mp.mpf(z)
    return z * (z + z * (z - 1) * (mp.polylog(2, 1 - 1 / z) - mp.pi**2 / 6) + (z - mp.mpf(1) / 2) * mp.log(z))


@pytest.mark.parametrize(
    "args",
    [(1, 2, 10), (0.3, 0.3, 1), (1, 1, 1), (2, 3, 4), (1e-6, 0.5, 1), (0.2, 0.9, 1.0), (5, 5, 5.01), (0.04, 1, 1),
     (0.0025, 1.0, 0.81), (40.0, 1.0, 1.0)],
)
def test_phi_values_and_gradient(args):
    ref = float(phi_mp(*args))
    assert abs(float(L.Phi(*map(float, args))) - ref) <= 1e-12 * max(abs(ref), 1.0)
    g = float(jax.grad(lambda t: L.Phi(t, float(args[1]), float(args[2])))(float(args[0])))
    d = float(mp.diff(lambda t: phi_mp(t, args[1], args[2]), args[0]))
    assert abs(g - d) <= 1e-9 * max(abs(d), 1.0)


def test_phi_symmetry_and_threshold():
    a = float(L.Phi(0.3, 0.7, 2.0))
    for perm in ((0.7, 0.3, 2.0), (2.0, 0.3, 0.7), (0.3, 2.0, 0.7)):
        assert abs(float(L.Phi(*perm)) - a) < 1e-14 * abs(a)
    # threshold sqrt(x) + sqrt(y) = sqrt(z): Phi -> 0
    assert abs(float(L.Phi(0.25, 0.25, 1.0))) < 1e-12


@pytest.mark.parametrize("t", [1e-3, 0.1, 1.0, 2.5, math.pi, 4.0, 6.0, 6.28])
def test_clausen2(t):
    assert abs(float(L.clausen2(t)) - float(mp.clsin(2, t))) < 1e-14
    g = float(jax.grad(L.clausen2)(t))
    assert abs(g + math.log(abs(2 * math.sin(t / 2)))) < 1e-12


@pytest.mark.parametrize("x", [-50.0, -1.0, 0.0, 0.3, 0.5, 0.99])
def test_dilog(x):
    assert abs(float(L.dilog(x)) - float(mp.polylog(2, x))) < 1e-14 * max(1.0, abs(float(mp.polylog(2, x))))
    if x != 0.0:
        assert abs(float(jax.grad(L.dilog)(x)) - float(-mp.log(1 - x) / x)) < 1e-12


@pytest.mark.parametrize("x,y", [(0.1, 0.3), (0.2, 0.2), (0.2, 0.2 * (1 + 1e-9)), (1e-5, 2e-5), (3.0, 3.0), (1e-9, 0.5)])
def test_fsz_fpz_fcwl_divided_differences(x, y):
    for fn, g in ((L.FSZ, f_s_mp), (L.FPZ, f_ps_mp), (L.FCWl, f_csl_mp)):
        if x == y:
            ref = x * x * mp.diff(lambda t: g(t) / t, x)
        else:
            ref = (y * g(x) - x * g(y)) / (x - y)
        assert abs(float(fn(x, y)) - float(ref)) <= 1e-10 * max(abs(float(ref)), 1e-12), (fn.__name__, x, y)


def test_fcw_quark_at_mhp_equal_mw():
    # r = m_H+^2/m_W^2 -> 1: the divided difference is taken in the common scale, finite and smooth
    xu, xd = 0.3, 0.01
    vals = [float(L.FCWu(xu, xd, xu * r, xd * r, 2 / 3, -1 / 3)) for r in (1 - 1e-6, 1.0, 1 + 1e-6)]
    assert np.all(np.isfinite(vals)) and abs(vals[0] - vals[2]) < 1e-5 * abs(vals[1])
    vals = [float(L.FCWd(xu, xd, xu * r, xd * r, 2 / 3, -1 / 3)) for r in (1 - 1e-6, 1.0, 1 + 1e-6)]
    assert np.all(np.isfinite(vals)) and abs(vals[0] - vals[2]) < 1e-5 * abs(vals[1])


@pytest.mark.parametrize(
    "args",
    [(1, 2, 10), (0.3, 0.3, 1), (1, 1, 1), (3e-5, 0.9, 1.2), (0.01, 0.81, 1.0), (40.0, 1.0, 1.0),
     # within 1e-9 of the threshold sqrt(x) + sqrt(y) = sqrt(z), both sides, and exactly on it
     (0.25, 0.25, 1 + 1e-9), (0.25, 0.25, 1 - 1e-9), (4 * (1 + 1e-8), 1.0, 1.0), (0.25, 0.25, 1.0), (4.0, 1.0, 1.0)],
)
def test_phi_closed_form_derivative_every_argument(args):
    """Phi's custom JVP (closed form) vs mpmath's numerical derivative of the defining formula.

    On the threshold itself the reference is taken 1e-20 (relative) beside it, where the
    difference is O(1e-20).  Tolerance as test_phi_values_and_gradient: 1e-9 relative."""
    g = jax.grad(lambda a: L.Phi(a[0], a[1], a[2]))(np.array(args, dtype=float))
    for i in range(3):
        p = [mp.mpf(a) for a in args]
        x2 = (p[0] + p[1] + p[2]) ** 2 - 4 * (p[0] * p[1] + p[1] * p[2] + p[2] * p[0])  # Kallen function
        if x2 == 0:
            p[2] *= 1 + mp.mpf("1e-20")

        def f(t, i=i, p=p):
            q = list(p)
            q[i] = t
            return phi_mp(*q)

        d = mp.diff(f, p[i])
        assert abs(float(g[i]) - float(d)) <= 1e-9 * max(abs(float(d)), 1.0), (args, i, float(g[i]), float(d))


def test_phi_second_derivative():
    # the JVP rule calls Phi itself, so second derivatives (a jvp inside grad, as in the H+- W
    # Barr-Zee divided differences) stay closed form; mpmath second derivative, 1e-7 relative
    for args in ((1.0, 2.0, 10.0), (0.3, 0.7, 2.0), (0.2, 0.2, 1.0)):
        h = float(jax.grad(jax.grad(lambda t: L.Phi(t, args[1], args[2])))(args[0]))
        d = float(mp.diff(lambda t: phi_mp(t, args[1], args[2]), args[0], 2))
        assert abs(h - d) <= 1e-7 * max(abs(d), 1.0), (args, h, d)
