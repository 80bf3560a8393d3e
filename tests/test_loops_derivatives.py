"""Closed-form derivative rules of gm2jax.loops against mpmath (values and first derivatives).

``I_abc`` (custom JVP: dI/da = phi_1[a, a, b, c], the confluent third divided difference of
t ln t) is checked on random triples spanning 12 decades, on exact coincidences (a = b, b = c,
a = c, a = b = c), next to them (relative gaps 1e-3 .. 1e-12), on both sides of the series
switch (max - min)/max = 0.3, and at a -> 0 (a = 0 is the value at 1e-100).

References: the closed form at 200 mpmath digits; at coincident nodes the tied arguments are
split by 1e-60 relative (the closed form then cancels ~3 x 60 digits, leaving > 20; the split
changes the result by ~1e-60).  Derivatives by mpmath.diff at that precision.

Tolerance 1e-13 relative: both branches divide differences of O(1) quantities (logarithms,
1-node series) by the gap 1 - min/max >= 0.3 at most twice, ~eps/0.3^2 ~ 2.5e-15 per term plus
the rounding of ~10 such terms; the symmetric series' truncation is < 1e-19.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest

from gm2jax import loops

TOL = 1e-13
_SPLIT = mpmath.mpf("1e-60")


def _i_closed(a, b, c):
    return (a * b * mpmath.log(a / b) + b * c * mpmath.log(b / c) + c * a * mpmath.log(c / a)) / (
        (a - b) * (b - c) * (a - c)
    )


def _split(args):
    """Tied arguments moved apart by 1e-60 relative (distinct nodes for the closed form)."""
    out = []
    for k, x in enumerate(args):
        x = mpmath.mpf(x)
        if any(x == y for y in out) or any(mpmath.almosteq(x, y, rel_eps=1e-59) for y in out):
            x = x * (1 + (k + 1) * _SPLIT)
        out.append(x)
    return out


def _ref_i_abc(a, b, c):
    with mpmath.workdps(200):
        s = _split((max(a, 1e-100), max(b, 1e-100), max(c, 1e-100)))
        val = _i_closed(*s)
        grads = []
        for i in range(3):
            def f(x, i=i):
                t = list(s)
                t[i] = x
                return _i_closed(*t)
            grads.append(mpmath.diff(f, s[i], h=s[i] * mpmath.mpf("1e-45")))
        return float(val), [float(g) for g in grads]


def _triples():
    rng = np.random.default_rng(20261205)
    pts = [tuple(10.0 ** rng.uniform(-6, 6, 3)) for _ in range(40)]
    pts += [tuple(rng.uniform(0.5, 2.0, 3)) for _ in range(20)]  # mostly the series window
    for x, y in itertools.product((1e-6, 0.3, 0.69, 0.7, 0.71, 1.0, 3.7, 1e5), repeat=2):
        pts += [(x, x, y), (x, y, x), (y, x, x), (x, y, 1.0)]
    for g in (1e-3, 1e-6, 1e-9, 1e-12):
        pts += [(2.0, 2.0 * (1 + g), 5.0), (0.1, 3.0, 3.0 * (1 - g)), (1.0, 1.0 + g, 1.0 - g)]
    for e in (1e-12, 1e-13, 0.0):  # either side of the switch (1 - p = 0.3), and on it
        pts += [(0.7 + e, 0.9, 1.0), (0.7 - e, 0.9, 1.0), (1.0, 0.7 + e, 0.7 + e)]
    pts += [(0.0, 3.0, 11.0), (0.0, 3.0, 3.0), (1e-100, 2.0, 7.0), (1e-30, 1e-29, 1.0), (0.0, 1e-20, 1.0)]
    pts += [(4.0, 4.0, 4.0), (1e-4, 1e-4, 1e-4), (250.0**2, 250.0**2, 250.0**2)]
    return pts


@pytest.fixture(scope="module")
def i_abc_cases():
    pts = _triples()
    refs = [_ref_i_abc(*t) for t in pts]
    args = [jnp.asarray(col) for col in zip(*pts)]

    def vg(a, b, c):
        return loops.I_abc(a, b, c), jax.grad(lambda *x: jnp.sum(loops.I_abc(*x)), argnums=(0, 1, 2))(a, b, c)

    val, grads = jax.jit(vg)(*args)
    return pts, refs, np.asarray(val), [np.asarray(g) for g in grads]


def test_i_abc_value_and_gradient_vs_mpmath(i_abc_cases):
    pts, refs, val, grads = i_abc_cases
    ref_v = np.array([r[0] for r in refs])
    ref_g = np.array([r[1] for r in refs])
    assert np.all(np.isfinite(val)) and all(np.all(np.isfinite(g)) for g in grads)
    err_v = np.abs(val - ref_v) / np.abs(ref_v)
    assert err_v.max() < TOL, (pts[int(err_v.argmax())], err_v.max())
    for i in range(3):
        err = np.abs(grads[i] - ref_g[:, i]) / np.abs(ref_g[:, i])
        assert err.max() < TOL, (i, pts[int(err.argmax())], err.max())


def test_i_abc_gradient_at_exact_coincidences():
    # phi_1[a, a, a, a] = phi_1'''(a)/3! = -1/(6 a^2) for each argument; tied partials equal
    for a in (1e-4, 1.0, 250.0**2):
        g = jax.grad(loops.I_abc, argnums=(0, 1, 2))(a, a, a)
        for gi in g:
            assert float(gi) == pytest.approx(-1.0 / (6.0 * a * a), rel=TOL)
    g = jax.grad(loops.I_abc, argnums=(0, 1, 2))(2.0, 2.0, 9.0)
    assert float(g[0]) == pytest.approx(float(g[1]), rel=TOL)


def _ref_i_abc_hessian(a, b, c):
    with mpmath.workdps(200):
        s = _split((a, b, c))
        out = np.zeros((3, 3))
        for i in range(3):
            for j in range(3):
                order = [0, 0, 0]
                order[i] += 1
                order[j] += 1
                out[i, j] = float(mpmath.diff(_i_closed, s, tuple(order), h=mpmath.mpf("1e-45")))
        return out


def test_i_abc_hessian_vs_mpmath_incl_ties():
    # the JVP rule is itself differentiated for Hessians (forward over reverse); its roles are
    # assigned by selection, so the second derivatives are exact at ties too (e.g. d2I/da db at
    # a = b is phi_1[a, a, b, b, c], d2I/da2 = 2 phi_1[a, a, a, b, c])
    pts = [(1.0, 2.0, 5.0), (2.0, 2.0, 5.0), (5.0, 2.0, 2.0), (2.0, 5.0, 2.0), (2.0, 2.0, 2.0), (0.9, 0.95, 1.0), (0.95, 0.9, 0.95)]
    h = jax.jit(jax.vmap(jax.jacfwd(jax.grad(lambda x: loops.I_abc(x[0], x[1], x[2])))))
    got = np.asarray(h(jnp.asarray(pts)))
    for t, g in zip(pts, got):
        ref = _ref_i_abc_hessian(*t)
        np.testing.assert_allclose(g, ref, rtol=1e-11, err_msg=str(t))
