"""Two-loop bosonic 2HDM contributions, arXiv:1607.06292 (Cherchiglia, Kneschke, Stoeckinger,
Stoeckinger-Kim), eqs. (49), (71)-(133), in GM2Calc 2.3.1's form (``gm2_2loop_B.cpp``).

Arguments ``u, w`` are squared masses over ``MZ^2`` and ``cw2 = MW^2/MZ^2``.  The paper's
functions have removable singularities at ``u = 1``, ``u = 4w``, ``w = 1/4``, ``u = 4 cw2``,
``w = cw2`` (``m_H = MZ``, ``m_H = 2 m_H+``, ``m_H+ = MZ/2``, ``m_H = 2 MW``, ``m_H+ = MW``);
as in GM2Calc, an argument within a relative ``1e-8`` of such a point is moved to
``(1 + 1e-8) x`` the point (:func:`_shift`), which reproduces GM2Calc's value there (the
derivative at exactly these points is not reliable).  ``TX`` uses the stable
``(a^2 ln a - b^2 ln b)/(a - b)`` (series for ``|a/b - 1| < 1e-4``) so that
``m_H = m_A = m_H+`` is exact, with finite gradients.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from gm2jax.loops import Phi, dilog
from gm2jax.separate import separately

_PI2 = math.pi**2
_ZETA2 = _PI2 / 6.0
_EPS_SHIFT = 1e-8


def _shift(val, limit, eps=_EPS_SHIFT):
    """GM2Calc ``shift``: ``(1 + eps) limit`` if ``val`` is within a relative ``eps`` of ``limit``."""
    close = jnp.abs(val - limit) <= eps * jnp.maximum(jnp.abs(val), jnp.abs(limit))
    return jnp.where(close, (1.0 + eps) * limit, val)


class LoopCalls:
    """``Phi`` and ``dilog`` for the two passes of :func:`batched` (recording, then replaying)."""

    def __init__(self, values=None):
        self.args = {"Phi": [], "dilog": []}
        self.values = values
        self.used = {"Phi": 0, "dilog": 0}

    def _call(self, name, *args):
        args = jnp.broadcast_arrays(*(jnp.asarray(a) for a in args))
        if self.values is None:
            self.args[name].append(args)
            return jnp.zeros_like(args[0])
        i = self.used[name]
        self.used[name] += 1
        return self.values[name][i]

    def Phi(self, x, y, z):  # noqa: N802 (the paper's name)
        return self._call("Phi", x, y, z)

    def dilog(self, x):
        return self._call("dilog", x)


_PHI, _DILOG = separately(Phi), separately(dilog)
"""``Phi`` and ``dilog`` as :func:`batched` evaluates them: each its own XLA computation (:mod:`gm2jax.separate`)."""


def batched(body, *args):
    """``body(L, *args)`` with every ``L.Phi`` and every ``L.dilog`` evaluated in ONE vectorised call.

    The first pass traces ``body`` with recording stand-ins (its result is discarded: dead code
    for XLA), the second with the values of one ``Phi`` on all recorded arguments stacked (and
    one ``dilog``).  The program then holds one copy of each loop function and of its derivative
    instead of one per call site -- the bosonic pieces call Phi 21 times: with one copy each the
    value+gradient program of the 2HDM compiles several times faster (measured in
    ``benchmarks/thdm_throughput.py``).  ``body`` must call them in the same order in both passes
    (no control flow on values: true of every function here).
    """
    rec = LoopCalls()
    body(rec, *args)
    values = {}
    for name, fn in (("Phi", _PHI), ("dilog", _DILOG)):
        calls = rec.args[name]
        if not calls:
            values[name] = []
            continue
        shape = jnp.broadcast_shapes(*(c[0].shape for c in calls))
        stacked = [jnp.stack([jnp.broadcast_to(c[j], shape) for c in calls]) for j in range(len(calls[0]))]
        out = fn(*stacked)
        values[name] = [out[i] for i in range(len(calls))]
    return body(LoopCalls(values), *args)


def _yf1(L, u, w, cw2):
    """Eq. (102)."""
    u = _shift(u, 4.0 * w)
    w = _shift(w, 0.25)
    u = _shift(u, 1.0)
    cw4 = cw2 * cw2
    c0 = cw2 * (-1.0 + cw2) * (u + 2.0 * w) / u
    return (
        -72.0 * c0
        - 36.0 * c0 * jnp.log(w)
        + 9.0 * (-8.0 * cw4 - 3.0 * u + 2.0 * cw2 * (4.0 + u)) * (u + 2.0 * w) / (2.0 * (u - 1.0) * u) * jnp.log(u)
        - 9.0 * (3.0 - 10.0 * cw2 + 8.0 * cw4) * w * (u + 2.0 * w) / ((4.0 * w - 1.0) * (u - 1.0)) * L.Phi(w, w, 1.0)
        + 9.0 * (8.0 * cw4 + 3.0 * u - 2.0 * cw2 * (4.0 + u)) * w * (u + 2.0 * w)
        / ((4.0 * w - u) * (u - 1.0) * u * u)
        * L.Phi(u, w, w)
    )


def _yfz(L, u, cw2):
    """Eq. (121)."""
    cw4 = cw2 * cw2
    u2 = u * u
    lu = jnp.log(u)
    li = L.dilog(1.0 - u)
    phi = L.Phi(u, 1.0, 1.0)
    z1 = 3.0 * (17.0 - 48.0 * cw2 + 32.0 * cw4)
    z2 = 5.0 - 12.0 * cw2 + 8.0 * cw4
    z3 = 3.0 * (1.0 - 3.0 * cw2 + 2.0 * cw4)
    return (
        z1 * u * li
        + z2 / (2.0 * u2) * (6.0 * (-4.0 + u) * u + _PI2 * (4.0 + 3.0 * u) + 6.0 * u * (4.0 + u) * lu
                             - 6.0 * (4.0 + 3.0 * u) * li + 6.0 * u * (2.0 + u) * phi)
        + z3 * u * (6.0 + _PI2 * (-4.0 + u) * u + 3.0 * lu * (4.0 + (-4.0 + u) * u * lu)
                    + 12.0 * (-4.0 + u) * u * li + 6.0 * (-2.0 + u) * phi)
    )


def _yfw(L, u, cw2):
    """Eq. (125)."""
    cw4 = cw2 * cw2
    cw6 = cw4 * cw2
    u2 = u * u
    u3 = u2 * u
    return (
        -57.0 / 2.0 * cw2
        - 4.0 * cw6 * _PI2 / u2
        + 3.0 * cw4 * (32.0 - 3.0 * _PI2) / (4.0 * u)
        + 3.0 * (16.0 * cw6 + 9.0 * cw4 * u + 12.0 * cw2 * u2 - 19.0 * u3) * L.dilog(1.0 - u / cw2) / (2.0 * u2)
        + 3.0 * cw2 * (16.0 * cw2 + 19.0 * u) * jnp.log(cw2 / u) / (2.0 * u)
        + 3.0 * (4.0 * cw4 - 50.0 * cw2 * u + 19.0 * u2) * L.Phi(u, cw2, cw2) / (2.0 * (4.0 * cw2 - u) * u)
    )


def _yf2(L, u, cw2):
    """Eq. (105) (with YFW + YFZ, eqs. (121), (125))."""
    u = _shift(u, 4.0 * cw2)
    u = _shift(u, 1.0)
    cw4 = cw2 * cw2
    cw6 = cw4 * cw2
    cw8 = cw4 * cw4
    u2 = u * u
    u3 = u2 * u
    f0 = 3.0 / 4.0 * cw4 * (-640.0 + 576.0 * cw2 + 7.0 * _PI2)
    f1 = 96.0 * cw6 * (11.0 - 53.0 * cw2 + 36.0 * cw4)
    f2 = -3.0 / 4.0 * cw2 * (-66.0 * cw2 - 48.0 * cw4 + 672.0 * cw6)
    f3 = -3.0 / 4.0 * cw2 * (109.0 - 430.0 * cw2 + 120.0 * cw4)
    f4 = 96.0 * cw6 * (-11.0 + 9.0 * cw2)
    f5 = 45.0 / 2.0 * cw4 + 192.0 * cw6
    f6 = 3.0 / 4.0 * cw2 * (157.0 + 90.0 * cw2)
    f7 = -3.0 / 4.0 * (18.0 + 61.0 * cw2)
    f8 = -7.0 + 61.0 * cw2 - 162.0 * cw4 + 96.0 * cw6
    f9 = 1.0 - 5.0 * cw2 + 10.0 * cw4
    f10 = -1728.0 * cw8 * (-1.0 + cw2)
    f11 = 3.0 * cw6 * (-899.0 + 768.0 * cw2)
    f12 = 387.0 * cw4 - 363.0 * cw6
    f13 = 9.0 / 2.0 * cw2 * (57.0 + 106.0 * cw2)
    f14 = -15.0 / 2.0 * (7.0 + 45.0 * cw2)
    res = (
        8.0 * cw6 * _PI2 / u2
        + f0 / u
        + 393.0 / 8.0 * cw2
        + (f1 / u + f2 + f3 * u) * jnp.log(cw2) / ((4.0 * cw2 - 1.0) * (4.0 * cw2 - u))
        + (f4 / u + f5 + f6 * u + f7 * u2) * jnp.log(u) / ((u - 1.0) * (4.0 * cw2 - u))
        - 3.0 / 2.0 * (32.0 * cw6 / u2 + 21.0 * cw4 / u + 15.0 * cw2 - 35.0 * u) * L.dilog(1.0 - u / cw2)
        + (f8 + f9 * u) * 9.0 * cw2 * (-3.0 + 4.0 * cw2) / 2.0 * L.Phi(cw2, cw2, 1.0) / ((4.0 * cw2 - 1.0) ** 2 * (u - 1.0))
        + (f10 / u2 + f11 / u + f12 + f13 * u + f14 * u2 + 105.0 / 2.0 * u3) * L.Phi(u, cw2, cw2)
        / ((4.0 * cw2 - u) ** 2 * (u - 1.0))
    )
    return _yfw(L, u, cw2) + _yfz(L, u, cw2) + res


def _yf3(L, u, w, cw2):
    """Eq. (126) with the coefficients of eqs. (127)-(133)."""
    u = _shift(u, 4.0 * cw2)
    w = _shift(w, cw2)
    cw4 = cw2 * cw2
    cw6 = cw4 * cw2
    cw8 = cw4 * cw4
    u2 = u * u
    u3 = u2 * u
    u4 = u2 * u2
    u5 = u4 * u
    w2 = w * w
    lc = jnp.log(cw2)
    lu = jnp.log(u)
    lw = jnp.log(w)
    a1 = -9.0 * cw2 * u3 + 9.0 * cw2 * u2 * (3.0 * cw2 + w) + 27.0 * cw4 * u * (w - cw2) + 9.0 * (
        cw8 - 4.0 * cw6 * w + 3.0 * cw4 * w2
    )
    a2 = 9.0 * cw4 * w / 2.0 - 9.0 * u2 * (5.0 * cw2 + w) + u * (36.0 * cw4 + 153.0 * cw2 * w / 4.0) + 9.0 * u3
    a3 = 9.0 * cw2 * u2 - 9.0 / 2.0 * cw2 * u * (4.0 * cw2 + w)
    a4 = (
        -9.0 / 2.0 * u2 * w * (2.0 * cw4 + 9.0 * cw2 * w + 2.0 * w2)
        + 9.0 / 8.0 * u * w * (32.0 * cw6 + 13.0 * cw4 * w + 35.0 * cw2 * w2)
        + 9.0 * u3 * w2
    )
    a5 = (
        -9.0 * u3 * (cw2 + w)
        - 9.0 * u * (3.0 * cw6 + 2.0 * cw2 * w2)
        + 9.0 * u2 * (3.0 * cw4 + 4.0 * cw2 * w + w2)
        + 9.0 / 2.0 * cw4 * (2.0 * cw4 - 6.0 * cw2 * w + w2)
    )
    a6 = (
        -9.0 * u4 * (9.0 * cw2 + w)
        + u * (81.0 * cw6 * w - 225.0 * cw8)
        + 9.0 * cw8 * (w - cw2)
        - 9.0 / 2.0 * u2 * (3.0 * cw6 + 37.0 * cw4 * w)
        + u3 * (198.0 * cw4 + 72.0 * cw2 * w)
        + 9.0 * u5
    )
    a7 = (
        -9.0 * cw2 * u4
        + 18.0 * cw2 * u3 * (2.0 * cw2 + w)
        + 36.0 * u * (cw8 - 2.0 * cw6 * w)
        - 9.0 * cw2 * u2 * (6.0 * cw4 - cw2 * w + w2)
        - 9.0 * cw2 * (cw2 - 3.0 * w) * (cw6 - 2.0 * cw4 * w + cw2 * w2)
    )
    return (
        9.0 * u * (2.0 * cw2 - u + w) / w
        + (a1 * (lu - lc) + 9.0 * cw4 * (cw4 - 4.0 * cw2 * w + 3.0 * w2) * lc) * (lw - lc) / (2.0 * w2 * (cw2 - w))
        + a2 * lu / (w * (4.0 * cw2 - u))
        + a3 * lw / (w * (cw2 - w))
        + a4 * lc / (w2 * (4.0 * cw2 - u) * (cw2 - w))
        + a5 / (cw2 * w2) * L.dilog(1.0 - u / cw2)
        + a6 / (u * cw2 * (4.0 * cw2 - u) ** 2 * (cw2 - w)) * L.Phi(u, cw2, cw2)
        + a7 / (w2 * (cw2 - w) * (cw4 - 2.0 * cw2 * (u + w) + (u - w) ** 2)) * L.Phi(u, w, cw2)
    )


def _t0(L, u, w, cw2):
    """Eq. (72)."""
    cw4 = cw2 * cw2
    return (
        9.0 / cw4 * (u - w) * (cw2 * (u - w) * (u + 2.0 * w) - (u - w) ** 3 + cw4 * w)
        / (cw4 + (u - w) ** 2 - 2.0 * cw2 * (u + w))
        * L.Phi(u, w, cw2)
    )


def _t1(L, u, w, cw2):
    """Eq. (73)."""
    cw4 = cw2 * cw2
    return 9.0 / cw4 * (u - w) * (cw2 * w - (u - w) ** 2) * L.dilog(1.0 - u / w)


def _dxlog(a, b):
    """(a^2 ln a - b^2 ln b)/(a - b), with GM2Calc's series for |a - b| <= 1e-4 max(a, b)."""
    lb = jnp.log(b)
    close = jnp.abs(a - b) <= 1e-4 * jnp.maximum(jnp.abs(a), jnp.abs(b))
    d = a - b
    series = b * (1.0 + 2.0 * lb) + d * (1.5 + lb) + d * d / (3.0 * b)
    af = jnp.where(close, 2.0 * b, a)
    exact = (af * af * jnp.log(af) - b * b * lb) / (af - b)
    return jnp.where(close, series, exact)


def _tx(xH, xA, xHp, cw2):
    """Combination of the T2 functions, eq. (74) (GM2Calc ``TX``)."""
    cw4 = cw2 * cw2
    sw2 = 1.0 - cw2
    f6 = (7.0 - 14.0 * cw2 + 4.0 * cw4) / (4.0 * cw2 * sw2)
    f7 = 1.0 - 6.0 * cw2 + 4.0 * cw4
    f8 = (13.0 - 20.0 * cw2 + 4.0 * cw4) / (cw2 * sw2)
    f9 = 7.0 - 12.0 * cw2 + 8.0 * cw4
    lH = jnp.log(xH)
    lA = jnp.log(xA)

    def part(x, lx):
        return (
            (cw2 + 2.0 * cw4 - 3.0 * f9 * x) * lx / 2.0
            + (3.0 * cw2 * f6 - 1.5 * f8 * x) * (x - xHp) * lx
            + 3.0 * f6 * (x - xHp) ** 2 * lx
            + f6 * (x - xHp) ** 3 * lx / cw2
        )

    return part(xA, lA) + part(xH, lH) + 3.0 * (f7 * _dxlog(xA, xH) + _dxlog(xA, xHp) + _dxlog(xH, xHp))


def _t4(u, cw2, xH, xA):
    """Eq. (75) without the prefactor (u - v)."""
    cw4 = cw2 * cw2
    f5 = cw2 * (5.0 - 16.0 * cw2 + 8.0 * cw4) / (1.0 - cw2)
    return jnp.log(u) / 4.0 * f5 * (xA * (3.0 + 2.0 * xH) - xA**2 + 3.0 * xH - xH**2 - 3.0)


def _t5(u, w, cw2):
    """Eq. (76)."""
    cw4 = cw2 * cw2
    sw2 = 1.0 - cw2
    f6 = (7.0 - 14.0 * cw2 + 4.0 * cw4) / (4.0 * cw2 * sw2)
    f8 = (13.0 - 20.0 * cw2 + 4.0 * cw4) / (cw2 * sw2)
    return jnp.log(u) * (
        1.5 * u
        + f6 / cw2 * ((u - w) ** 3 + 3.0 * cw2 * (u - w) ** 2 + 3.0 * cw4 * (u - w))
        - 1.5 * f8 * u * (u - w)
        - cw2 / 2.0
        - cw4
    )


def _t6(u, w, cw2):
    """Eq. (77)."""
    cw4 = cw2 * cw2
    return 4.5 * (
        (u - w) * (u * u - 2.0 * u * w + w * (w - cw2)) / cw4 * jnp.log(u / w) * jnp.log(w / cw2)
        + jnp.log(cw2) / cw2 * (2.0 * u * u + u * (cw2 - 4.0 * w) - w * (cw2 - 2.0 * w))
    )


def _t7(u, w, cw2):
    """Eq. (78) (with the overall -1/2 missing in arXiv:1607.06292v2, as GM2Calc)."""
    cw4 = cw2 * cw2
    f5 = cw2 * (5.0 - 16.0 * cw2 + 8.0 * cw4) / (1.0 - cw2)
    ra = jnp.asarray(1.0 + (u - w) ** 2 - 2.0 * (u + w)).astype(complex)
    s1 = u + w - 1.0 + jnp.sqrt(ra)
    res = (
        -0.5 * f5 * (2.0 * (u + w) - (u - w) ** 2 - 1.0)
        * jnp.log(s1 / (2.0 * jnp.sqrt(u * w)))
        * (u + w - 1.0 - 4.0 * u * w / s1)
    )
    return jnp.real(res)


def _t8(u, w, cw2):
    """Eq. (80)."""
    cw4 = cw2 * cw2
    sw2 = 1.0 - cw2
    f6 = (7.0 - 14.0 * cw2 + 4.0 * cw4) / (4.0 * cw2 * sw2)
    ra = jnp.asarray((u + w - cw2) ** 2 - 4.0 * u * w).astype(complex)
    s2 = u + w - cw2 + jnp.sqrt(ra)
    res = (
        2.0 * f6 * (4.0 * u * w - (u + w - cw2) ** 2)
        * jnp.log(s2 / (2.0 * jnp.sqrt(u * w)))
        * ((u + w) / cw2 - 4.0 * u * w / (cw2 * s2) - 1.0)
    )
    return jnp.real(res)


def _t9(L, u, w, cw2):
    """Eq. (103)."""
    u = _shift(u, 4.0 * w)
    w = _shift(w, cw2)
    cw4 = cw2 * cw2
    u2 = u * u
    w2 = w * w
    return (
        -2.0 * (cw4 * w + cw2 * (u2 + u * w - 2.0 * w2) - (u - w) ** 3) * L.Phi(u, w, cw2)
        / ((cw2 - w) * (cw4 - 2.0 * cw2 * (u + w) + (u - w) ** 2))
        + 2.0 * cw4 * (u2 - 4.0 * u * w + 2.0 * w2) * L.Phi(u, w, w) / (w2 * (w - cw2) * (u - 4.0 * w))
        - 2.0 * (cw2 * u * (u - 2.0 * w) + w * (u - w) ** 2) * L.dilog(1.0 - u / w) / w2
    )


def _t10(u, w, cw2):
    """Eq. (104)."""
    w = _shift(w, cw2)
    lwu = jnp.log(w / u)
    lwc = jnp.log(w / cw2)
    return (
        (u * u - cw2 * w - 2.0 * u * w + w * w) / (2.0 * (cw2 - w)) * lwu * lwc
        + cw2 * (cw2 + 2.0 * u - 2.0 * w) / (2.0 * (cw2 - w)) * lwc
        + cw2 * u / w * lwu
        + cw2 / w * (w - u)
    )


def _fb(u, w, al, cw2):
    """Eq. (99)."""
    return al * math.pi / (cw2 * (-1.0 + cw2)) * (u + 2.0 * w)


def _fm0(L, u, w, al, cw2):
    """Eq. (100)."""
    return 1.0 / (al * math.pi) * cw2 * (-1.0 + cw2) / (u + 2.0 * w) * _yf1(L, u, w, cw2)


def _fmp(L, u, w, al, cw2):
    """Eq. (101)."""
    return -9.0 * (-1.0 + cw2) / (al * math.pi) * (_t9(L, u, w, cw2) / 2.0 + _t10(u, w, cw2))


def ewadd(mh, mZ, mW, alpha, m_lepton, cba, zeta_l):
    """Two-loop bosonic electroweak 'additional' contribution, arXiv:1607.06292 eq. (49).

    Args:
        mh: light CP-even Higgs mass; mZ, mW: gauge boson masses (GeV).
        alpha: alpha(MZ); m_lepton: external lepton mass (GeV).
        cba: cos(beta - alpha); zeta_l: lepton alignment parameter.

    Returns:
        The contribution to a_l.
    """
    return batched(_ewadd, mh, mZ, mW, alpha, m_lepton, cba, zeta_l)


def _ewadd(L, mh, mZ, mW, alpha, m_lepton, cba, zeta_l):
    cw2 = (mW / mZ) ** 2
    cw4 = cw2 * cw2
    cw6 = cw4 * cw2
    cw8 = cw4 * cw4
    cw10 = cw8 * cw2
    cw12 = cw8 * cw4
    cw14 = cw8 * cw6
    xh = _shift((mh / mZ) ** 2, 1.0)
    xw = xh / cw2
    lh = jnp.log(xh)
    lw = jnp.log(cw2)
    liw = L.dilog(1.0 - xw)
    lih = L.dilog(1.0 - xh)
    lh2 = lh * lh
    pi2 = _PI2
    phi1 = 6.0 * L.Phi(xh, 1.0, 1.0)
    phi3 = 6.0 * (-liw + _ZETA2)
    phi4 = 6.0 * (lh2 / 2.0 + 2.0 * lih + _ZETA2)
    phi5 = 6.0 * (-L.Phi(cw2, cw2, 1.0) / (4.0 * cw2 - 1.0))
    phi6 = 6.0 * (-lih + _ZETA2)
    phi7 = 6.0 * cw2 * L.Phi(xw, 1.0, 1.0)

    xm2 = (
        256.0 * (32.0 * cw10 - 5.0 * cw4 + 32.0 * cw6 - 56.0 * cw8) * phi6
        - 2304.0 * (5.0 * cw10 - 4.0 * cw12 - cw8) * phi7
        - 512.0 * (cw10 - 4.0 * cw12) * phi3
    )
    xm1 = 64.0 * (
        24.0 * (144.0 * cw12 + 5.0 * cw4 - 32.0 * cw6 + 94.0 * cw8)
        - 2.0 * (
            (5.0 * cw4 - 32.0 * cw6) * (12.0 * lh + phi1)
            + 8.0 * cw10 * (330.0 + 147.0 * lw - 195.0 * lh - 4.0 * phi1 - phi3)
            + 16.0 * cw12 * (-54.0 * lw + 54.0 * lh + phi3)
            + cw8 * (-240.0 * lw + 912.0 * lh + 56.0 * phi1 + phi3)
        )
        + (-32.0 * cw10 + 10.0 * cw2 - 59.0 * cw4 + 80.0 * cw6 - 8.0 * cw8) * phi6
    ) - 4.0 * (3072.0 * cw10 + 907.0 * cw6 - 4396.0 * cw8) * phi7
    x0 = (
        96.0 * (730.0 * cw10 - 936.0 * cw12 + 384.0 * cw14 + 21.0 * cw6 - 211.0 * cw8) * phi5
        + 4.0 * (231.0 * cw4 - 1037.0 * cw6 + 452.0 * cw8) * phi7
        + 16.0 * (
            -837.0 * cw6 + 852.0 * cw8 + 6672.0 * cw10 * lw - 6912.0 * cw12 * (2.0 + lw)
            + 20.0 * cw2 * (-12.0 + 12.0 * lh + phi1) - 5.0 * phi6 + 22.0 * cw2 * phi6
            - 32.0 * cw10 * (-468.0 + 42.0 * lh + 4.0 * phi1 + phi3 + 12.0 * phi6)
            + 2.0 * cw4 * (468.0 - 588.0 * lh - 54.0 * phi1 + 34.0 * phi6)
            + 4.0 * cw8 * (306.0 * lw - 141.0 * lh + 24.0 * phi1 - 2.0 * phi3 + 184.0 * phi6 - 6.0 * pi2)
            + cw6 * (-561.0 * lw + 1089.0 * lh + 96.0 * phi1 + 4.0 * phi3 - 464.0 * phi6 + 6.0 * pi2)
        )
    )
    x1 = (
        32.0 * cw2 * (54.0 + 6.0 * lh + 3.0 * phi1 - 19.0 * phi6)
        + 90.0 * cw2 * phi7
        + 64.0 * cw10 * (1824.0 + 684.0 * lw + 384.0 * lh - 128.0 * phi1 + 627.0 * phi5 - 128.0 * phi6 + 128.0 * pi2)
        - 4.0 * (
            120.0 * lh + 10.0 * phi1 + 3648.0 * cw12 * phi5 - 5.0 * (24.0 + phi6)
            + 16.0 * cw8 * (2853.0 + 768.0 * lw + 291.0 * lh - 240.0 * phi1 - 4.0 * phi3 + 519.0 * phi5
                            - 272.0 * phi6 + 218.0 * pi2)
            + cw4 * (5190.0 + 345.0 * lw - 3081.0 * lh - 416.0 * phi1 - 134.0 * phi3 + 252.0 * phi5
                     - 1096.0 * phi6 + 33.0 * phi7 + 412.0 * pi2)
            - 4.0 * cw6 * (3939.0 + 780.0 * lw - 1158.0 * lh - 560.0 * phi1 - 138.0 * phi3 + 615.0 * phi5
                           - 808.0 * phi6 - 57.0 * phi7 + 598.0 * pi2)
        )
    )
    x2 = (
        cw2 * (3867.0 + 426.0 * lw - 2106.0 * lh - 1392.0 * lh2 - 672.0 * phi1 - 262.0 * phi3
               + 464.0 * phi4 + 126.0 * phi5 - 70.0 * phi7 - 586.0 * pi2)
        - 128.0 * cw10 * (144.0 + 288.0 * lh - 96.0 * lh2 - 72.0 * phi1 + 128.0 * phi4 - 3.0 * phi5 - 32.0 * pi2)
        + 2.0 * cw4 * (-5322.0 - 144.0 * lw + 1434.0 * lh + 2472.0 * lh2 + 1392.0 * phi1 + 256.0 * phi3
                       - 56.0 * phi4 - 561.0 * phi5 + 396.0 * phi7 + 916.0 * pi2)
        - 4.0 * (
            -5.0 * (-30.0 + 18.0 * lh + phi1 + 3.0 * phi6) + 8.0 * phi7
            + 4.0 * cw8 * (72.0 * lw - 3264.0 * lh + 960.0 * lh2 + 752.0 * phi1 - 1664.0 * phi4
                           + 201.0 * phi5 + 320.0 * (-3.0 + pi2))
            + cw6 * (-4104.0 + 696.0 * lw + 2892.0 * lh + 48.0 * lh2 - 192.0 * phi1 - 536.0 * phi3
                     + 2672.0 * phi4 - 867.0 * phi5 + 672.0 * pi2)
        )
    )
    x3 = (
        -24.0 - 60.0 * lh + 102.0 * lh2 + 68.0 * phi1 - 3072.0 * cw10 * phi1 + 32.0 * phi3
        - 34.0 * phi4 + 15360.0 * cw10 * phi4
        - 6.0 * (3.0 * cw2 - 19.0 * cw4 + 50.0 * cw6 - 40.0 * cw8) * phi5
        + 32.0 * phi7
        - 16.0 * cw6 * (45.0 * lw + 8.0 * (123.0 + 240.0 * lh - 78.0 * lh2 - 38.0 * phi1 + 5.0 * phi4 - 26.0 * pi2))
        + 4.0 * cw4 * (1683.0 + 417.0 * lw + 3222.0 * lh - 1056.0 * lh2 - 688.0 * phi1 - 262.0 * phi3
                       + 1216.0 * phi4 - 90.0 * pi2)
        + 256.0 * cw8 * (36.0 + 72.0 * lh - 24.0 * lh2 + 3.0 * phi1 - 73.0 * phi4 - 8.0 * pi2)
        + 2.0 * pi2
        - cw2 * (747.0 + 426.0 * lw + 1350.0 * lh - 120.0 * lh2 - 112.0 * phi1 - 134.0 * phi3 + 808.0 * phi4
                 + 128.0 * phi7 + 94.0 * pi2)
    )
    x4 = -2.0 * (
        -72.0 - 144.0 * lh + 51.0 * lh2 + 36.0 * phi1 + 16.0 * phi3 - 65.0 * phi4
        + 1536.0 * cw10 * phi4
        + 32.0 * (-24.0 * cw8 * phi1 + 36.0 * cw8 * phi4
                  + cw6 * (18.0 + 36.0 * lh - 12.0 * lh2 + 33.0 * phi1 - 152.0 * phi4 - 4.0 * pi2))
        - 8.0 * cw4 * (126.0 + 252.0 * lh - 84.0 * lh2 + 21.0 * phi1 - 284.0 * phi4 - 28.0 * pi2)
        + 4.0 * cw2 * (126.0 + 252.0 * lh - 87.0 * lh2 - 39.0 * phi1 - 16.0 * phi3 - 7.0 * phi4 - 13.0 * pi2)
        + pi2
    )
    x5 = 24.0 * (
        (-5.0 + 27.0 * cw2 - 14.0 * cw4 - 72.0 * cw6 + 64.0 * cw8) * phi4
        + (1.0 - 7.0 * cw2 + 14.0 * cw4 - 8.0 * cw6) * phi1
    )
    x6 = -24.0 * (-1.0 + 7.0 * cw2 - 14.0 * cw4 + 8.0 * cw6) * phi4
    res = (xm2 / xh + xm1) / xh + x0 + xh * (x1 + xh * (x2 + xh * (x3 + xh * (x4 + xh * (x5 + xh * x6)))))
    pref = (alpha * m_lepton / (48.0 * mZ * math.pi * cw2 * (4.0 * cw2 - xh) * (1.0 - cw2))) ** 2 / (
        2.0 * (-1.0 + 4.0 * cw2) * (-1.0 + xh)
    )
    return pref * res * cba * zeta_l


def non_yukawa(mH, mA, mHp, mZ, mW, alpha, m_lepton):
    """Two-loop bosonic non-Yukawa contribution, arXiv:1607.06292 eq. (71)."""
    return batched(_non_yukawa, mH, mA, mHp, mZ, mW, alpha, m_lepton)


def _non_yukawa(L, mH, mA, mHp, mZ, mW, alpha, m_lepton):
    cw2 = (mW / mZ) ** 2
    cw4 = cw2 * cw2
    cw6 = cw4 * cw2
    cw8 = cw4 * cw4
    sw2 = 1.0 - cw2
    sw4 = sw2 * sw2
    xH = (mH / mZ) ** 2
    xA = (mA / mZ) ** 2
    xHp = (mHp / mZ) ** 2
    f1 = 7.0 / 2.0 - 25.0 / (2.0 * cw2) + 4.0 * cw2 - 4.0 * cw4
    f2 = 2.0 * (17.0 - 24.0 * cw2 + 56.0 * cw4 - 128.0 * cw6 + 64.0 * cw8)
    f3 = (25.0 - 32.0 * cw2 + 4.0 * cw4) / (cw2 * sw2)
    f4 = 13.0 / 2.0 - 15.0 * cw2 + 10.0 * cw4
    f5 = cw2 * (5.0 - 16.0 * cw2 + 8.0 * cw4) / sw2
    res = (
        _tx(xH, xA, xHp, cw2)
        + (xA - xH) * (_t4(xA, cw2, xH, xA) - _t4(xH, cw2, xH, xA))
        + _t5(xHp, xH, cw2)
        + _t5(xHp, xA, cw2)
        + _t6(xA, xHp, cw2)
        + _t6(xH, xHp, cw2)
        + _t7(xA, xH, cw2)
        + _t7(xHp, xHp, cw2) * (1.0 - 2.0 * cw2) ** 2
        + _t8(xA, xHp, cw2)
        + _t8(xH, xHp, cw2)
        - 16.0 / 3.0 * cw2 * sw2 * (1.0 + 8.0 * cw2 - 8.0 * cw4)
        + 8.0 * cw4 * sw4 / (5.0 * xHp)
        + f2 * xHp
        - f3 * xHp**2
        + f1 * (xA**2 + xH**2)
        + f3 * xHp * (xA + xH)
        + f4 * (xA + xH)
        - f5 * xA * xH
        + _t1(L, xA, xHp, cw2)
        + _t1(L, xH, xHp, cw2)
        + _t0(L, xA, xHp, cw2)
        + _t0(L, xH, xHp, cw2)
    )
    pref = (alpha / (24.0 * math.pi * cw2 * sw2) * m_lepton / mZ) ** 2
    return pref * res


def yukawa(mH, mHp, mZ, mW, mh_sm, alpha, m_lepton, tan_beta, zeta_l, lambda5, lambda67, cba):
    """Two-loop bosonic Yukawa contribution, arXiv:1607.06292 eqs. (52), (91)-(133).

    Args:
        lambda5: capital Lambda_5; lambda67: (Lambda_567 - Lambda_5)(t_b - 1/t_b).
    """
    return batched(_yukawa, mH, mHp, mZ, mW, mh_sm, alpha, m_lepton, tan_beta, zeta_l, lambda5, lambda67, cba)


def _yukawa(L, mH, mHp, mZ, mW, mh_sm, alpha, m_lepton, tan_beta, zeta_l, lambda5, lambda67, cba):
    sc = tan_beta - 1.0 / tan_beta
    al = alpha
    cw2 = (mW / mZ) ** 2
    xhSM = (mh_sm / mZ) ** 2
    xHp = (mHp / mZ) ** 2
    xH = (mH / mZ) ** 2
    fm0_h, fmp_h = _fm0(L, xH, xHp, al, cw2), _fmp(L, xH, xHp, al, cw2)
    fm0_s, fmp_s = _fm0(L, xhSM, xHp, al, cw2), _fmp(L, xhSM, xHp, al, cw2)
    a000 = _fb(xhSM, xHp, al, cw2) * fm0_s
    a0z0 = -_fb(xH, 0.0, al, cw2) * (fm0_h + fmp_h)
    a500 = fm0_s
    a5z0 = -0.5 * (fm0_h + fmp_h)
    a001 = _fb(xH, 0.0, al, cw2) * fm0_h - _fb(xhSM, 0.0, al, cw2) * fm0_s
    a0z1 = -(
        _fb(xH, xHp, al, cw2) * (fm0_h + fmp_h)
        - _yf3(L, xH, xHp, cw2)
        - _fb(xhSM, xHp, al, cw2) * (fm0_s + fmp_s)
        + _yf3(L, xhSM, xHp, cw2)
    ) + _yf2(L, xH, cw2)
    a501 = fm0_h / 2.0 - fm0_s / 2.0
    a5z1 = -fm0_h - fmp_h + fm0_s + fmp_s
    res = (
        a000
        + a0z0 * sc * zeta_l
        + a500 * lambda5
        + a5z0 * (sc * lambda5 + lambda67) * zeta_l
        + (a001 * sc + a0z1 * zeta_l + a501 * (sc * lambda5 + lambda67) + a5z1 * lambda5 * zeta_l) * cba
    )
    pref = (al / (24.0 * math.pi * cw2 * (1.0 - cw2)) * m_lepton / mZ) ** 2
    return pref * res
