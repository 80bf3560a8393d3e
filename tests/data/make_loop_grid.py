#!/usr/bin/env python
r"""Generate ``tests/data/loop_grid.json``: 50-digit mpmath references for ``gm2jax.loops``.

Run from the repository root (takes ~1-2 minutes)::

    python tests/data/make_loop_grid.py

Independence from the implementation
------------------------------------
The references are computed from the ORIGINAL closed formulas as printed in the sources
(GM2CALC_CONVENTIONS.md sections 6-8, arXiv:1908.03607 eqs. (7)-(8), arXiv:1906.08768 eq. (2.3)
and the f_N of arXiv:1309.3065, arXiv:2003.06633 eqs. (2.5), (2.7), arXiv:2011.05083 eq. (3.6)),
NOT from the divided-difference representation used in ``gm2jax/loops.py``.  First
derivatives are the analytic sympy derivatives of those formulas (for the Z' integral:
``mpmath.diff`` of the hypergeometric closed form, cross-checked against ``mpmath.quad`` of
the integral and of its r-derivative).

Removable singularities are handled by brute force: every expression is evaluated with a
working precision of ``60 + 8 * log10(1/sep)`` digits, where ``sep`` is the smallest
relative distance to a coincidence (x = 1, x = y, a = b, ...), which leaves >= 50 correct
digits after the ``~sep^-6`` cancellation.  Exactly coincident points (x = 1.0, x == y,
a == b == c) are evaluated at a point displaced by ``delta = 1e-40`` (relative), which
changes value and derivative by O(1e-40).

The script also verifies, symbolically (sympy) and numerically (mpmath), the identities and
series coefficients that ``gm2jax/loops.py`` relies on:

* every loop function equals the stated divided difference of ln t, t ln t or t^2 ln t
  (e.g. F1N(x) = -12 phi_2[1,1,1,1,x]; f_N(x, y) = 2 x y Fb(x, y));
* the exact Taylor coefficients c_m = phi_k^{(m)}(1)/m! (``_phi_taylor``) agree with
  ``mpmath.taylor``;
* the large-r coefficients of the Z' integral (``_zprime_large_r_coefficients``) agree with
  the sympy series of the closed form.

Output layout::

    {"meta": {...},
     "functions": {name: {"args": [[...], ...],          # one list per argument
                          "value": [...],                # reference value
                          "grad": [[...], ...],          # d value / d arg_i (null: infinite)
                          "near": [...]}}}               # point at/near a singular point
"""

from __future__ import annotations

import json
import math
import os
import sys
from fractions import Fraction

import mpmath as mp
import numpy as np
import sympy as sp

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "loop_grid.json")
BASE_DPS = 50
DELTA = mp.mpf("1e-40")

x, y, z, t = sp.symbols("x y z t", positive=True)
ln = sp.log

# ------------------------------------------------------------------------------------------
# original closed formulas
# ------------------------------------------------------------------------------------------

ONE_VAR = {
    # GM2CALC_CONVENTIONS.md sec. 6
    "F1N": 2 / (1 - x) ** 4 * (1 - 6 * x + 3 * x**2 + 2 * x**3 - 6 * x**2 * ln(x)),
    "F2N": 3 / (1 - x) ** 3 * (1 - x**2 + 2 * x * ln(x)),
    "F1C": 2 / (1 - x) ** 4 * (2 + 3 * x - 6 * x**2 + x**3 + 6 * x * ln(x)),
    "F2C": -sp.Rational(3, 2) / (1 - x) ** 3 * (3 - 4 * x + x**2 + 2 * ln(x)),
    # arXiv:1908.03607 eqs. (7), (8)
    "f_chargino_mia": (x**2 - 4 * x + 3 + 2 * ln(x)) / (1 - x) ** 3,
    "f_neutralino_mia": (x**2 - 1 - 2 * x * ln(x)) / (1 - x) ** 3,
    # GM2CALC_CONVENTIONS.md sec. 8
    "G3": ((x - 1) * (x - 3) + 2 * ln(x)) / (2 * (x - 1) ** 3),
    "G4": ((x - 1) * (x + 1) - 2 * x * ln(x)) / (2 * (x - 1) ** 3),
    # arXiv:2003.06633 eqs. (2.5), (2.7); x = mu_phi/M_chi (mass ratio)
    "I_m": (1 + 2 * ln(x) - x**2) / (1 - x**2) ** 2,
    "I_Delta_a": -(1 + 4 * x**2 * (1 + 2 * ln(x)) - x**4 * (5 - 4 * ln(x)))
    / (2 * (1 - x**2) ** 4),
}
# removable singularity of the one-variable functions is at x = 1 for all of them
ONE_VAR_ZERO_VALUE_INFINITE = {"F2C", "f_chargino_mia", "G3", "I_m"}

_G3 = ONE_VAR["G3"]
_G4 = ONE_VAR["G4"]
_fc = ONE_VAR["f_chargino_mia"]
TWO_VAR = {
    "Fa": -(_G3 - _G3.subs(x, y)) / (x - y),
    "Fb": -(_G4 - _G4.subs(x, y)) / (x - y),
    "divdiff_f_chargino": (_fc - _fc.subs(x, y)) / (x - y),
    # Endo, Hamaguchi, Kitahara, Yoshinaga, arXiv:1309.3065 (ref. [20] of arXiv:1906.08768)
    "f_N": x
    * y
    * (
        (-3 + x + y + x * y) / ((x - 1) ** 2 * (y - 1) ** 2)
        + 2 * x * ln(x) / ((x - y) * (x - 1) ** 3)
        - 2 * y * ln(y) / ((x - y) * (y - 1) ** 3)
    ),
}
# arXiv:1906.08768 eq. (2.3) / GM2CALC_CONVENTIONS.md sec. 7, squared masses
I3 = (x * y * ln(x / y) + y * z * ln(y / z) + z * x * ln(z / x)) / ((x - y) * (y - z) * (x - z))


def lambdify(expr, args):
    return sp.lambdify(args, expr, modules="mpmath")


def dps_for(sep):
    sep = abs(sep)
    if sep >= 1:
        return BASE_DPS + 10
    return BASE_DPS + 10 + int(8 * math.ceil(-math.log10(float(sep)) + 1))


# ------------------------------------------------------------------------------------------
# symbolic / numeric verification of the identities used by gm2jax.loops
# ------------------------------------------------------------------------------------------


def dd_ones_x(phi, n):
    """phi[1^n, x] by the Newton recursion (symbolic)."""
    e = phi.subs(t, x)
    for k in range(1, n + 1):
        ck = sp.diff(phi, t, k - 1).subs(t, 1) / sp.factorial(k - 1)
        e = (e - ck) / (x - 1)
    return e


def verify_identities():
    lam, psi, chi = ln(t), t * ln(t), t**2 * ln(t)
    checks = {
        "F1N": -12 * dd_ones_x(chi, 4),
        "F2N": -6 * dd_ones_x(psi, 3),
        "F1C": 12 * dd_ones_x(psi, 4),
        "F2C": 3 * dd_ones_x(lam, 3),
        "f_chargino_mia": -2 * dd_ones_x(lam, 3),
        "f_neutralino_mia": 2 * dd_ones_x(psi, 3),
        "G3": dd_ones_x(lam, 3),
        "G4": -dd_ones_x(psi, 3),
        "I_m": dd_ones_x(lam, 2).subs(x, x**2),
        "I_Delta_a": -(dd_ones_x(chi, 4) + 2 * dd_ones_x(psi, 4)).subs(x, x**2),
    }
    for name, rep in checks.items():
        diff = sp.simplify(sp.expand_log(ONE_VAR[name] - rep, force=True))
        assert diff == 0, (name, diff)
    # f_N = 2 x y Fb(x, y)
    assert sp.simplify(TWO_VAR["f_N"] - 2 * x * y * TWO_VAR["Fb"]) == 0
    # I(a,b,c) = second divided difference of t ln t (numerically, 60 digits)
    with mp.workdps(60):
        a, b, c = mp.mpf(2), mp.mpf(3), mp.mpf(7)
        p = lambda u: u * mp.log(u)  # noqa: E731
        dd = p(a) / ((a - b) * (a - c)) + p(b) / ((b - a) * (b - c)) + p(c) / ((c - a) * (c - b))
        assert abs(lambdify(I3, (x, y, z))(a, b, c) - dd) < mp.mpf("1e-55")
    print("identities: OK")


def _import_loops():
    """Import gm2jax.loops (falling back to a bare package stub if gm2jax/__init__ fails)."""
    root = os.path.dirname(os.path.dirname(HERE))
    sys.path.insert(0, root)
    try:
        from gm2jax import loops
    except ImportError:
        import importlib
        import types

        for key in [k for k in sys.modules if k == "gm2jax" or k.startswith("gm2jax.")]:
            del sys.modules[key]
        pkg = types.ModuleType("gm2jax")
        pkg.__path__ = [os.path.join(root, "gm2jax")]
        sys.modules["gm2jax"] = pkg
        loops = importlib.import_module("gm2jax.loops")
    return loops


def verify_coefficients():
    loops = _import_loops()
    with mp.workdps(60):
        for k in (0, 1, 2):
            f = (lambda u, k=k: u**k * mp.log(u)) if k else mp.log
            tay = mp.taylor(f, 1, 40)
            for m in range(41):
                c = loops._phi_taylor(k, m)
                assert abs(mp.mpf(c.numerator) / c.denominator - tay[m]) < mp.mpf("1e-40"), (k, m)
    # large-r Z' series against sympy series of the closed form
    eps = sp.symbols("eps", positive=True)
    yy = sp.sqrt(1 - 4 * eps)
    r = 1 / eps
    P = 1 - 2 * r - (r**2 - 4 * r + 2) / yy * 2 * ln((1 + yy) / 2)
    Q = r * (r - 2) - (r**2 - 4 * r + 2) / yy
    nchk = 12
    ps = sp.series(P, eps, 0, nchk + 1).removeO()
    qs = sp.series(Q, eps, 0, nchk + 1).removeO()
    p, q = loops._zprime_large_r_coefficients(nchk)
    for k in range(1, nchk + 1):
        assert Fraction(str(ps.coeff(eps, k))) == p[k - 1], k
        assert Fraction(str(qs.coeff(eps, k))) == q[k - 1], k
    assert ps.coeff(eps, 0) == 0 and qs.coeff(eps, 0) == 0
    # the resummed series in u = 1 - sqrt(1 - 4/r) actually used (truncated as in the code)
    a, b = loops._zprime_u_coefficients(loops._N_ZP)
    with mp.workdps(60):
        for rv in ("4.5", "5", "10", "1e3", "1e8"):
            r = mp.mpf(rv)
            u = 1 - mp.sqrt(1 - 4 / r)
            sa = sum(mp.mpf(c.numerator) / c.denominator * u ** (m + 1) for m, c in enumerate(a))
            sb = sum(mp.mpf(c.numerator) / c.denominator * u ** (m + 1) for m, c in enumerate(b))
            val = (sa + mp.log(r) * sb) / (1 - u)
            assert abs(val / zp_closed(r) - 1) < mp.mpf("1e-16"), (rv, val)
    print("series coefficients: OK")


# ------------------------------------------------------------------------------------------
# reference evaluation
# ------------------------------------------------------------------------------------------


def ref_one_var(name):
    expr = ONE_VAR[name]
    f = lambdify(expr, (x,))
    df = lambdify(sp.diff(expr, x), (x,))

    def ev(xv):
        xm = mp.mpf(xv)
        sep = min(abs(xm - 1), 1) if xv != 1.0 else DELTA
        with mp.workdps(dps_for(sep)):
            xm = mp.mpf(xv)
            if xv == 1.0:
                xm = 1 + DELTA
            return f(xm), df(xm)

    return ev


def ref_two_var(name):
    expr = TWO_VAR[name]
    f = lambdify(expr, (x, y))
    dfx = lambdify(sp.diff(expr, x), (x, y))
    dfy = lambdify(sp.diff(expr, y), (x, y))

    def ev(xv, yv):
        xm, ym = mp.mpf(xv), mp.mpf(yv)
        seps = [abs(xm - 1), abs(ym - 1), abs(xm - ym) / max(xm, ym, 1)]
        seps = [s if s != 0 else DELTA for s in seps]
        with mp.workdps(dps_for(min(seps))):
            xm, ym = mp.mpf(xv), mp.mpf(yv)
            if xm == 1:
                xm += DELTA
            if ym == 1:
                ym += 2 * DELTA
            if xm == ym:
                ym *= 1 + 3 * DELTA
            return f(xm, ym), (dfx(xm, ym), dfy(xm, ym))

    return ev


def ref_I3():
    f = lambdify(I3, (x, y, z))
    dfs = [lambdify(sp.diff(I3, v), (x, y, z)) for v in (x, y, z)]

    def ev(av, bv, cv):
        vals = [mp.mpf(av), mp.mpf(bv), mp.mpf(cv)]
        mx = max(vals)
        seps = [abs(vals[i] - vals[j]) / mx for i, j in ((0, 1), (1, 2), (0, 2))]
        seps = [s if s != 0 else DELTA for s in seps]
        with mp.workdps(dps_for(min(seps))):
            vals = [mp.mpf(av), mp.mpf(bv), mp.mpf(cv)]
            zero = [v == 0 for v in vals]
            vals = [v if v != 0 else mx * mp.mpf("1e-80") for v in vals]
            for i, j, k in ((0, 1, 1), (1, 2, 2), (0, 2, 3)):
                if vals[i] == vals[j]:
                    vals[j] *= 1 + k * DELTA
            if vals[0] == vals[2] or vals[1] == vals[2]:
                vals[2] *= 1 + 5 * DELTA
            val = f(*vals)
            grads = tuple(None if zero[i] else dfs[i](*vals) for i in range(3))
            return val, grads

    return ev


def zp_closed(r):
    """I(r) = 1 - 2r + r(r-2) ln r - 2(r^2 - 4r + 2) 2F1(1/2, 1; 3/2; -(4-r)/r)."""
    w = (4 - r) / r
    return 1 - 2 * r + r * (r - 2) * mp.log(r) - 2 * (r * r - 4 * r + 2) * mp.hyp2f1(
        mp.mpf(1) / 2, 1, mp.mpf(3) / 2, -w
    )


def zp_quad(r, deriv=False):
    if deriv:

        def g(u):
            return -2 * u**2 * (1 - u) ** 2 / (u**2 + (1 - u) * r) ** 2

    else:

        def g(u):
            return 2 * u**2 * (1 - u) / (u**2 + (1 - u) * r)

    s = mp.sqrt(r)
    pts = sorted({mp.mpf(0), mp.mpf(1)} | {p for p in (s / 10, s, 10 * s) if 0 < p < 1})
    return mp.quad(g, pts)


def ref_zprime(rv):
    rm = mp.mpf(rv)
    digits = BASE_DPS + 10 + 4 * max(0, int(math.log10(max(float(rv), 1.0))) + 1)
    with mp.workdps(digits + 40):
        rm = mp.mpf(rv)
        val = zp_closed(rm)
        der = mp.diff(zp_closed, rm)
    return val, der


# ------------------------------------------------------------------------------------------
# point sets
# ------------------------------------------------------------------------------------------


def pts_one_var():
    p = {1.0}
    for k in range(1, 16):
        p |= {1.0 + 10.0**-k, 1.0 - 10.0**-k}
    p |= {float(v) for v in np.logspace(-6, 6, 97)}
    p |= {float(v) for v in np.linspace(0.5, 1.5, 41)}
    for e in (0.75, 1.25, math.sqrt(0.75), math.sqrt(1.25)):  # series windows (x and x^2)
        p |= {e, e * (1 - 1e-12), e * (1 + 1e-12), e - 1e-4, e + 1e-4}
    p |= {1e-12, 1e-9, 1e7, 1e8, 0.0}
    return sorted(p)


def pts_two_var(rng):
    p = set()
    for v in np.logspace(-4, 4, 33):
        p.add((float(v), float(v)))
    for k in range(1, 16):
        for s in (1, -1):
            p.add((1 + s * 10.0**-k, 1 + s * 10.0**-k))
            for x0 in (1e-3, 0.3, 0.9, 1.0, 1.1, 3.0, 1e3):
                p.add((x0, x0 * (1 + s * 10.0**-k)))
    ks = (1, 2, 4, 8, 12, 15)
    for k in ks:
        for j in ks:
            for s1 in (1, -1):
                for s2 in (1, -1):
                    p.add((1 + s1 * 10.0**-k, 1 + s2 * 10.0**-j))
    for v in np.logspace(-4, 4, 17):
        p.add((1.0, float(v)))
        p.add((float(v), 1.0))
    p |= {(1.0, 1.0), (0.75, 1.25), (1.2499, 1.2501), (1.24, 1.26), (0.76, 0.74), (1.25, 1.25)}
    for _ in range(100):
        a, b = 10.0 ** rng.uniform(-4, 4, 2)
        p.add((float(a), float(b)))
    for _ in range(40):
        a, b = 10.0 ** rng.uniform(-0.3, 0.3, 2)
        p.add((float(a), float(b)))
    # extreme ratios (large-argument regimes of f_N and of the recursions)
    p |= {(1e6, 2e6), (1e8, 1e-4), (4e8, 0.3), (1e9, 1e9), (1e7, 1e7 * (1 + 1e-9)), (3.9, 4.1),
          (4.0, 4.0), (4.0, 1e-8), (1e-6, 1e-6), (1e-6, 2e-6), (1e5, 1e-5), (5.0, 2.0e4)}
    for _ in range(160):  # all branch boundaries of the two-argument evaluation
        a, b = 10.0 ** rng.uniform(-0.5, 0.5, 2)
        p.add((float(a), float(b)))
    return sorted(p)


def pts_three_var(rng):
    p = set()
    for s in (1e-4, 1.0, 1e2, 1e6):
        p.add((s, s, s))
        for k in (1, 3, 6, 9, 12, 15):
            p.add((s, s * (1 + 10.0**-k), s * (1 - 10.0**-k)))
            p.add((s, s, s * (1 + 10.0**-k)))
            p.add((s * (1 + 2 * 10.0**-k), s, s * (1 + 10.0**-k)))
    for _ in range(100):
        a, b, c = 10.0 ** rng.uniform(-3, 3, 3)
        p.add((float(a), float(b), float(c)))
    for _ in range(40):
        a, b, c = 10.0 ** rng.uniform(-0.15, 0.15, 3)  # all close: series branch
        p.add((float(a), float(b), float(c)))
    for _ in range(40):
        a, c = 10.0 ** rng.uniform(-3, 3, 2)
        p.add((float(a), float(a), float(c)))  # two equal
        p.add((float(c), float(a), float(a * (1 + 1e-9))))
    for _ in range(20):
        b, c = 10.0 ** rng.uniform(-3, 3, 2)
        p.add((0.0, float(b), float(c)))
        p.add((float(b), 0.0, float(b)))
    # window edges of the series: (max - min)/max = 0.3
    for e in (0.7, 0.7 * (1 + 1e-12), 0.7 * (1 - 1e-12), 0.69, 0.71):
        p.add((e, 0.85, 1.0))
        p.add((1.0, e, e))
    return sorted(p)


def pts_zprime():
    p = {float(v) for v in np.logspace(-10, 8, 181)}
    p.add(4.0)
    for k in range(1, 16):
        p |= {4.0 + 4.0 * 10.0**-k, 4.0 - 4.0 * 10.0**-k}
    for e in (3.6, 4.4, 10.0):  # T-series window (|w| = 0.1) and the r = 10 switch
        p |= {e, e * (1 + 1e-12), e * (1 - 1e-12), e * (1 + 1e-3), e * (1 - 1e-3)}
    p |= {float(v) for v in np.linspace(1, 20, 39)}
    return sorted(p)


def precision_selfcheck(rng):
    """Re-evaluate a sample of the hardest points with 40 more digits: must agree to 1e-45."""
    global BASE_DPS
    samples1 = [1.0, 1 + 1e-15, 1 - 1e-15, 1 + 1e-8, 0.75, 1e-6, 1e6]
    samples2 = [(1.0, 1.0), (1 + 1e-15, 1 - 1e-12), (3.0, 3.0), (1e-3, 1e-3 * (1 + 1e-15))]
    samples3 = [(2.0, 2.0, 2.0), (1.0, 1 + 1e-15, 1 - 1e-15), (0.0, 3.0, 3.0), (5.0, 5.0, 1e-3)]

    def run():
        r = []
        for name in ONE_VAR:
            r += [ref_one_var(name)(v) for v in samples1]
        for name in TWO_VAR:
            r += [ref_two_var(name)(*v) for v in samples2]
        r += [ref_I3()(*v) for v in samples3]
        r += [ref_zprime(v) for v in (1e-10, 4.0, 1e8)]
        return r

    lo = run()
    BASE_DPS += 40
    try:
        hi = run()
    finally:
        BASE_DPS -= 40
    flat = []
    for a, b in zip(lo, hi):
        flat.append((a[0], b[0]))
        ga = a[1] if isinstance(a[1], tuple) else (a[1],)
        gb = b[1] if isinstance(b[1], tuple) else (b[1],)
        flat += [(u, v) for u, v in zip(ga, gb) if u is not None]
    with mp.workdps(120):
        worst = max(abs(u / v - 1) for u, v in flat)
        assert worst < mp.mpf("1e-45"), worst
    print("precision self-check: OK (worst %s)" % mp.nstr(worst, 3))


def near_one(xv):
    return xv == 0.0 or abs(xv - 1) < 0.3 or xv < 1e-3 or xv > 1e3


def fnum(v):
    return None if v is None else float(v)


def main():
    verify_identities()
    verify_coefficients()
    rng = np.random.default_rng(20190808)
    precision_selfcheck(rng)
    out = {
        "meta": {
            "generator": "tests/data/make_loop_grid.py",
            "digits": BASE_DPS,
            "note": "values rounded to float64; grad = d value / d arg (None: divergent)",
        },
        "functions": {},
    }
    xs = pts_one_var()
    for name in ONE_VAR:
        ev = ref_one_var(name)
        vals, grads, args, near = [], [], [], []
        for xv in xs:
            arg = xv
            if name in ("I_m", "I_Delta_a"):
                near_flag = near_one(xv * xv)
            else:
                near_flag = near_one(xv)
            if xv == 0.0:
                # the x -> 0 limit, evaluated at x = 1e-60 (error ~1e-57); None: divergent.
                # The slope is stored only where it has a finite non-zero limit (F1N).
                v0, g0 = ev(1e-60)
                v = None if name in ONE_VAR_ZERO_VALUE_INFINITE else float(v0)
                g = float(g0) if name == "F1N" else None
                args.append(arg)
                vals.append(v)
                grads.append(g)
                near.append(True)
                continue
            v, g = ev(xv)
            args.append(arg)
            vals.append(float(v))
            grads.append(float(g))
            near.append(near_flag)
        out["functions"][name] = {"args": [args], "value": vals, "grad": [grads], "near": near}
        print(name, len(args))

    pairs = pts_two_var(rng)
    for name in TWO_VAR:
        ev = ref_two_var(name)
        ax, ay, vals, gx, gy, near = [], [], [], [], [], []
        for xv, yv in pairs:
            v, (dx, dy) = ev(xv, yv)
            ax.append(xv)
            ay.append(yv)
            vals.append(float(v))
            gx.append(float(dx))
            gy.append(float(dy))
            near.append(
                near_one(xv) or near_one(yv) or abs(xv - yv) < 0.3 * max(xv, yv)
            )
        out["functions"][name] = {
            "args": [ax, ay],
            "value": vals,
            "grad": [gx, gy],
            "near": near,
        }
        print(name, len(ax))

    triples = pts_three_var(rng)
    ev = ref_I3()
    cols = [[], [], []]
    vals, grads, near = [], [[], [], []], []
    for tr in triples:
        v, g = ev(*tr)
        for i in range(3):
            cols[i].append(tr[i])
            grads[i].append(fnum(g[i]))
        vals.append(float(v))
        mx = max(tr)
        near.append(min(tr) == 0 or (mx - min(tr)) < 0.3 * mx or
                    min(abs(tr[0] - tr[1]), abs(tr[1] - tr[2]), abs(tr[0] - tr[2])) < 0.3 * mx)
    out["functions"]["I_abc"] = {"args": cols, "value": vals, "grad": grads, "near": near}
    print("I_abc", len(vals))

    rs = pts_zprime()
    vals, grads, near = [], [], []
    for rv in rs:
        v, g = ref_zprime(rv)
        vals.append(float(v))
        grads.append(float(g))
        near.append(rv < 1e-3 or rv > 1e3 or abs(rv - 4) < 0.5)
    # cross-check the closed form against direct quadrature of I and dI/dr
    with mp.workdps(40):
        for rv in (1e-10, 1e-6, 1e-3, 0.5, 3.9, 4.0, 4.1, 10.0, 1e3, 1e8):
            rm = mp.mpf(rv)
            v1, d1 = ref_zprime(rv)
            v2, d2 = zp_quad(rm), zp_quad(rm, deriv=True)
            assert abs(v1 / v2 - 1) < mp.mpf("1e-25"), (rv, v1, v2)
            assert abs(d1 / d2 - 1) < mp.mpf("1e-25"), (rv, d1, d2)
    print("zprime closed form vs quad: OK")
    out["functions"]["zprime_loop"] = {"args": [rs], "value": vals, "grad": [grads], "near": near}
    print("zprime_loop", len(rs))

    with open(OUT, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
        fh.write("\n")
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
