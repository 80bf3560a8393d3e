"""Taylor coefficients of the Barr-Zee function f_PS(z) about z = 1/4 for gm2jax.loops.f_PS.

f_PS(z) = 2z/y [Li2(1 - (1-y)/(2z)) - Li2(1 - (1+y)/(2z))],  y = sqrt(1 - 4z)
(hep-ph/0609168, eq. (70)) is even in y, hence analytic at z = 1/4 where both closed forms
(real y below, imaginary y above) are 0/0.  Its Taylor coefficients c_k of
f_PS(1/4 + w) = sum_k c_k w^k are computed here by the Cauchy integral on the circle
|w| = 0.1 (trapezoid rule with 256 nodes, exact up to aliasing ~0.4^256; 60 digits) and
printed as Python float literals for ``_FPS_QUARTER`` in gm2jax/loops.py.

Run:  python3 tests/data/make_barr_zee_series.py
"""

import mpmath as mp

mp.mp.dps = 60


def f_ps(z):
    y = mp.sqrt(1 - 4 * z)
    return 2 * z / y * (mp.polylog(2, 1 - (1 - y) / (2 * z)) - mp.polylog(2, 1 - (1 + y) / (2 * z)))


def coefficients(n=30, radius=mp.mpf("0.1"), nodes=256):
    z0 = mp.mpf(1) / 4
    vals = [f_ps(z0 + radius * mp.expj(2 * mp.pi * j / nodes)) for j in range(nodes)]
    out = []
    for k in range(n):
        s = mp.fsum(v * mp.expj(-2 * mp.pi * j * k / nodes) for j, v in enumerate(vals))
        out.append(mp.re(s) / nodes / radius**k)
    return out


if __name__ == "__main__":
    print("_FPS_QUARTER = (")
    for c in coefficients():
        print(f"    {float(c)!r},")
    print(")")
