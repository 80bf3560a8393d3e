r"""General Froggatt-Nielsen mechanism of arXiv:2003.06633, section 2: tree (FN) vs radiative
lepton masses, the chirally enhanced g-2, and the scans behind its Figs. 3 and 4.

A lepton mass from a FN diagram with ``n`` flavon insertions (eq. (2.3)) and its radiative
partner, closed by the quartic ``lambda (phi_a^dagger phi_1)^2`` (eq. (2.4)):

.. math::
    m_\ell^{FN} = g^{n+1}\frac{v_H}{\sqrt2}\,\varepsilon^{n-2}\Big(\frac{v_1}{M_\chi}\Big)^2,\qquad
    m_\ell^{RAD} = g^{n+1}\frac{v_H}{\sqrt2}\,\varepsilon^{n-2}\Big(\frac{v_a}{M_\chi}\Big)^2
                   \frac{\lambda}{16\pi^2} I_m^\times(x_\phi),

and the same diagram with a photon attached (eq. (2.6)):

.. math::
    \Delta a_\ell = g^{n+1}\frac{v_H}{\sqrt2}\frac{m_\ell}{M_\chi^2}\varepsilon^{n-2}
                    \Big(\frac{v_a}{M_\chi}\Big)^2\frac{\lambda}{8\pi^2} I_{\Delta a}^\times(x_\phi),

``x_phi = mu_phi1 / M_chi`` (a ratio of masses), ``I_m`` and ``I_Delta_a`` from
:mod:`gm2jax.loops` (eqs. (2.5), (2.7); both negative, their seed definitions are used
unchanged -- see their docstrings).  ``v_H`` is the Higgs vev of ``gm2jax.sm.couplings``
(246.22 GeV with the PDG convention, ``v_H/sqrt2 = 174.1`` GeV) and ``m_l`` in eq. (2.6) the
measured lepton mass.

Signs (section 2, after Fig. 4): with ``g, v_1, epsilon, lambda > 0`` the radiative mass and
``Delta a`` (eq. (2.6)) are negative while ``m^FN > 0``.  The total mass is
``m = m^FN + m^RAD``; after the rephasing that makes it positive the physical anomaly is
``Delta a_phys = sign(m) Delta a`` (:func:`delta_a_physical`).  The muon is *radiatively
dominated* (``|m^RAD| > m^FN``, ``Delta a_mu > 0``), the electron *FN dominated*
(``|m^RAD| < m^FN``, ``Delta a_e < 0``).  With ``c_l = |m^RAD|/m_l^exp`` (eq. (2.8)):
``m^FN/|m^RAD| = (c_l - 1)/c_l`` (muon) or ``(c_l + 1)/c_l`` (electron).

The two ratios of eqs. (2.9)-(2.10) are independent of ``g``, ``n`` and ``epsilon``:

.. math::
    \frac{|\Delta a_\ell|}{c_\ell m_\ell} = \frac{2 m_\ell}{M_\chi^2}\frac{I_{\Delta a}^\times}{I_m^\times},
    \qquad \lambda\frac{c_\ell\pm1}{c_\ell} = \frac{16\pi^2}{|I_m^\times|}\Big(\frac{v_1}{v_a}\Big)^2

(eq. (2.10) prints ``16 pi^2 / I_m``; with ``I_m < 0`` its modulus is meant).  Fig. 3 is
eq. (2.9) solved for ``M_chi`` (:func:`m_chi_from_delta_a`) for ``Delta a_l`` within
``2 sigma`` and ``c_l in [1, 10]``; Fig. 4 is eq. (2.10) solved for ``v_1/v_a``
(:func:`v1_over_va`) with ``lambda in [pi/6, 2 pi]`` and the FN/RAD windows of its caption.

Example:
    >>> import math
    >>> round(float(m_chi_from_delta_a(2.7e-9, 1.0, 1.0, "mu")), 1)   # GeV, x_phi = 1, c = 1
    1174.0
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from scipy.stats import qmc

from gm2jax._precision import float64
from gm2jax.errors import InvalidInput, Status
from gm2jax.loops import I_Delta_a, I_m
from gm2jax.measurements import load_dataset
from gm2jax.sm import SMInputs, couplings

RAD_DOMINATED = {"mu": True, "e": False}
"""Which leptons have ``|m^RAD| > m^FN`` in the paper's mechanism (section 2, after Fig. 4)."""

C_RANGE = (1.0, 10.0)
"""``c_l = |m^RAD|/m^exp`` window of eq. (2.8) (Fig. 3)."""

LAMBDA_RANGE = (math.pi / 6.0, 2.0 * math.pi)
"""Quartic ``lambda`` window of Fig. 4's caption."""

FIG4_FN_OVER_RAD = {"mu": (0.5, 0.9), "e": (10.0 / 9.0, 2.0)}
"""``|m^FN/m^RAD|`` windows of Fig. 4's caption (muon: c in [2, 10]; electron: c in [1, 9])."""

N_SIGMA = 2.0
"""Figs. 3-4: Delta a_l within 2 sigma of eqs. (1.1)-(1.2)."""

X_RANGE = (0.05, 2.0)
"""x_phi range of the scans (the paper does not print its axis range; chosen to contain the
maximum of ``I_Delta_a/I_m`` at x = 0.567 and the x = 1 benchmark of section 4)."""


def _sm(sm):
    return SMInputs.from_convention("pdg") if sm is None else sm


def _check(name: str, value, ok, what: str) -> None:
    """Raise InvalidInput naming ``name`` when a concrete ``value`` violates ``ok`` (tracers pass)."""
    try:
        arr = np.asarray(value)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return
    if arr.dtype.kind in "fiu" and not np.all(ok(arr)):
        raise InvalidInput(f"{name}={value!r}: {what}")


def _positive(name, value):
    _check(name, value, lambda a: a > 0, f"{name} must be positive")


def _rad_dominated(lepton: str, rad_dominated: bool | None) -> bool:
    if rad_dominated is not None:
        return bool(rad_dominated)
    if lepton not in RAD_DOMINATED:
        raise InvalidInput(f"lepton={lepton!r}: the paper fixes the cancellation pattern only for 'e' and 'mu'; pass rad_dominated=True/False")
    return RAD_DOMINATED[lepton]


def _prefactor(g, m_chi, n: int, eps, sm):
    if not isinstance(n, int) or n < 2:
        raise InvalidInput(f"n={n!r}: the number of flavon insertions must be an integer >= 2 (eq. (2.3))")
    v_h = couplings(_sm(sm)).v
    return jnp.asarray(g) ** (n + 1) * v_h / math.sqrt(2.0) * jnp.asarray(eps) ** (n - 2) / jnp.asarray(m_chi) ** 2


@float64
def m_fn(g, v1, m_chi, n: int = 2, eps=1.0, sm: SMInputs | None = None):
    r"""Tree-level FN lepton mass (GeV), arXiv:2003.06633 eq. (2.3).

    Args:
        g: O(1) coupling ``g_l``.
        v1: flavon vev ``v_1`` (GeV).
        m_chi: mediator mass ``M_chi`` (GeV, > 0).
        n: number of flavon insertions (static int >= 2).
        eps: ``epsilon = v/M_chi`` of the extra insertions.
        sm: SM inputs (``v_H``); default PDG.
    """
    _positive("m_chi", m_chi)
    return _prefactor(g, m_chi, n, eps, sm) * jnp.asarray(v1) ** 2


@float64
def m_rad(g, va, m_chi, lam, x_phi, n: int = 2, eps=1.0, sm: SMInputs | None = None):
    r"""Radiative lepton mass (GeV), eq. (2.4): negative for ``lambda > 0`` (``I_m < 0``).

    Args:
        g, m_chi, n, eps, sm: as in :func:`m_fn`.
        va: vev ``v_a`` of the flavon closing the loop (GeV).
        lam: quartic ``lambda`` of ``(phi_a^dagger phi_1)^2``.
        x_phi: ``mu_phi1 / M_chi`` (>= 0).
    """
    _positive("m_chi", m_chi)
    _check("x_phi", x_phi, lambda a: a >= 0, "x_phi = mu_phi1/M_chi must be >= 0")
    return _prefactor(g, m_chi, n, eps, sm) * jnp.asarray(va) ** 2 * lam / (16.0 * math.pi**2) * I_m(x_phi)


@float64
def delta_a(g, va, m_chi, lam, x_phi, lepton: str = "mu", n: int = 2, eps=1.0, sm: SMInputs | None = None):
    r"""``Delta a_l`` of eq. (2.6) before rephasing (sign of ``m^RAD``; see :func:`delta_a_physical`).

    Args:
        g, va, m_chi, lam, x_phi, n, eps, sm: as in :func:`m_rad`.
        lepton: ``"e"``, ``"mu"`` or ``"tau"`` (its measured mass enters).
    """
    sm = _sm(sm)
    _positive("m_chi", m_chi)
    _check("x_phi", x_phi, lambda a: a >= 0, "x_phi = mu_phi1/M_chi must be >= 0")
    m_l = sm.lepton_mass(lepton)
    pref = _prefactor(g, m_chi, n, eps, sm)
    return pref * m_l / jnp.asarray(m_chi) ** 2 * jnp.asarray(va) ** 2 * lam / (8.0 * math.pi**2) * I_Delta_a(x_phi)


@float64
def lepton_mass(g, v1, va, m_chi, lam, x_phi, n: int = 2, eps=1.0, sm: SMInputs | None = None):
    """Total (signed) lepton mass ``m^FN + m^RAD`` in GeV (section 2, Fig. 1)."""
    return m_fn(g, v1, m_chi, n, eps, sm) + m_rad(g, va, m_chi, lam, x_phi, n, eps, sm)


@float64
def delta_a_physical(g, v1, va, m_chi, lam, x_phi, lepton: str = "mu", n: int = 2, eps=1.0, sm: SMInputs | None = None):
    """``sign(m^FN + m^RAD) * Delta a_l`` (eq. (2.6)): the anomaly after rephasing to a positive mass."""
    m = lepton_mass(g, v1, va, m_chi, lam, x_phi, n, eps, sm)
    return jnp.sign(m) * delta_a(g, va, m_chi, lam, x_phi, lepton, n, eps, sm)


@float64
def c_factor(m_rad_gev, m_exp):
    """``c_l = |m^RAD| / m_l^exp`` (eq. (2.8)); ``m_exp`` in GeV (> 0)."""
    _positive("m_exp", m_exp)
    return jnp.abs(jnp.asarray(m_rad_gev)) / m_exp


@float64
def loop_ratio(x_phi):
    r"""``I_Delta_a(x)/I_m(x)`` (> 0), the x-dependence of eq. (2.9); maximal (0.17927) at x = 0.567."""
    _check("x_phi", x_phi, lambda a: a >= 0, "x_phi must be >= 0")
    return I_Delta_a(x_phi) / I_m(x_phi)


@float64
def delta_a_over_m_rad(m_chi, x_phi, lepton: str = "mu", sm: SMInputs | None = None):
    r"""Right-hand side of eq. (2.9): ``Delta a_l / m_l^RAD = 2 m_l/M_chi^2 I_Delta_a/I_m`` (GeV^-1)."""
    _positive("m_chi", m_chi)
    m_l = _sm(sm).lepton_mass(lepton)
    return 2.0 * m_l / jnp.asarray(m_chi) ** 2 * loop_ratio(x_phi)


@float64
def m_chi_from_delta_a(delta_a_l, c, x_phi, lepton: str = "mu", sm: SMInputs | None = None):
    r"""Eq. (2.9) solved for the mediator mass (GeV): ``M_chi^2 = 2 c_l m_l^2 (I_Delta_a/I_m)/|Delta a_l|``.

    Args:
        delta_a_l: Delta a_l (non-zero; only |Delta a_l| enters).
        c: ``c_l = |m^RAD|/m^exp`` (> 0).
        x_phi: ``mu_phi1/M_chi``.
        lepton: ``"e"``, ``"mu"`` or ``"tau"``.
        sm: SM inputs; default PDG.
    """
    _check("delta_a_l", delta_a_l, lambda a: a != 0, "Delta a_l must be non-zero")
    _positive("c", c)
    m_l = _sm(sm).lepton_mass(lepton)
    return jnp.sqrt(2.0 * c * m_l**2 * loop_ratio(x_phi) / jnp.abs(jnp.asarray(delta_a_l)))


@float64
def c_from_delta_a(delta_a_l, m_chi, x_phi, lepton: str = "mu", sm: SMInputs | None = None):
    r"""Eq. (2.9) solved for ``c_l = M_chi^2 |Delta a_l| / (2 m_l^2 I_Delta_a/I_m)``."""
    _positive("m_chi", m_chi)
    m_l = _sm(sm).lepton_mass(lepton)
    return jnp.asarray(m_chi) ** 2 * jnp.abs(jnp.asarray(delta_a_l)) / (2.0 * m_l**2 * loop_ratio(x_phi))


@float64
def fn_over_rad(c, lepton: str = "mu", rad_dominated: bool | None = None):
    r"""``|m^FN/m^RAD| = (c_l -+ 1)/c_l``: ``-`` for a radiatively dominated lepton (muon), ``+``
    for a FN-dominated one (electron) (eq. (2.10))."""
    _positive("c", c)
    s = -1.0 if _rad_dominated(lepton, rad_dominated) else 1.0
    return (jnp.asarray(c) + s) / c


@float64
def v1_over_va(c, lam, x_phi, lepton: str = "mu", rad_dominated: bool | None = None):
    r"""Eq. (2.10) solved for ``v_1/v_a = sqrt(lambda (c_l -+ 1)/c_l |I_m(x)| / (16 pi^2))``.

    Args:
        c: ``c_l`` (muon: >= 1).
        lam: quartic ``lambda`` (> 0).
        x_phi: ``mu_phi1/M_chi``.
        lepton: ``"e"`` or ``"mu"`` (fixes the sign, see :func:`fn_over_rad`).
        rad_dominated: override of the lepton's cancellation pattern.
    """
    _positive("lam", lam)
    r = fn_over_rad(c, lepton, rad_dominated)
    _check("c", r, lambda a: a >= 0, "c_l < 1 for a radiatively dominated lepton gives m^FN < 0")
    return jnp.sqrt(lam * r * jnp.abs(I_m(x_phi)) / (16.0 * math.pi**2))


@float64
def y_phi(m_fn_gev, v1, n_phi: int = 2):
    r"""Flavon coupling to ``l_L l_R``: ``y_phi_l ~ n_phi m_l^FN / v_1`` (eq. (4.1))."""
    _positive("v1", v1)
    return n_phi * jnp.asarray(m_fn_gev) / v1


@float64
def y_phi_from_c(c, v1, lepton: str = "mu", n_phi: int = 2, sm: SMInputs | None = None, approximate: bool = True):
    r"""Flavon coupling from ``c_l`` (eqs. (4.2)-(4.3)).

    ``approximate=True`` uses ``m^FN ~ c_l m_l`` as the paper does for its numbers
    (``y_phi_e = 2.0e-4``, ``y_phi_mu = 4.2e-2`` at ``c = 10``, ``v_1 = 50`` GeV, ``n_phi = 2``);
    ``False`` uses the exact ``m^FN = (c_l -+ 1) m_l`` of eq. (2.10) (10% off at c = 10).
    """
    m_l = _sm(sm).lepton_mass(lepton)
    m = jnp.asarray(c) * m_l if approximate else fn_over_rad(c, lepton) * jnp.asarray(c) * m_l
    return y_phi(m, v1, n_phi)


# ----------------------------------------------------------------------------------------
# Figs. 3 and 4: scans and exact envelopes
# ----------------------------------------------------------------------------------------


def _band(lepton: str, dataset, n_sigma: float):
    meas = load_dataset(dataset)[f"a_{lepton}"]
    return meas.value - n_sigma * meas.error, meas.value + n_sigma * meas.error, meas


def _expected_sign(lepton: str, rad_dominated: bool | None) -> float:
    # radiatively dominated: sign(m) = sign(m^RAD) -> Delta a_phys > 0; FN dominated: < 0
    return 1.0 if _rad_dominated(lepton, rad_dominated) else -1.0


def _point(x, c, da, lam, m_l, sign, rad_dom):
    r = loop_ratio(x)
    ok = (jnp.sign(da) == sign) & (c > 0) & (lam > 0) & (x > 0)
    ada = jnp.where(ok, jnp.abs(da), 1.0)
    m_chi = jnp.sqrt(2.0 * jnp.where(ok, c, 1.0) * m_l**2 * r / ada)
    ratio = (c + (-1.0 if rad_dom else 1.0)) / jnp.where(ok, c, 1.0)
    ok2 = ok & (ratio >= 0)
    v = jnp.sqrt(jnp.where(ok2, lam * ratio, 1.0) * jnp.abs(I_m(x)) / (16.0 * math.pi**2))
    status = jnp.where(ok2, 0, int(Status.INVALID_PARAMETER))
    nan = jnp.nan
    return jnp.where(ok2, m_chi, nan), jnp.where(ok2, v, nan), jnp.where(ok2, ratio, nan), status


@float64
def mechanism_scan(
    lepton: str = "mu",
    n_points: int = 4096,
    *,
    dataset="flavor2020",
    n_sigma: float = N_SIGMA,
    x_range=X_RANGE,
    c_range=C_RANGE,
    lam_range=LAMBDA_RANGE,
    seed: int = 0,
    sm: SMInputs | None = None,
) -> dict:
    r"""Scrambled-Sobol scan of Figs. 3-4 for one lepton (jit + vmap over the points).

    Samples ``(x_phi, c_l, Delta a_l, lambda)`` uniformly in ``x_range x c_range x
    [Delta a - n sigma, Delta a + n sigma] x lam_range`` and evaluates ``M_chi`` (eq. (2.9),
    Fig. 3) and ``v_1/v_a`` (eq. (2.10), Fig. 4).  ``fig4`` marks the points inside the
    ``|m^FN/m^RAD|`` window of Fig. 4's caption (:data:`FIG4_FN_OVER_RAD`).

    Returns:
        dict of NumPy arrays (length ``n_points``): ``x_phi``, ``c``, ``delta_a``, ``lam``,
        ``m_chi`` (GeV), ``v1_over_va``, ``fn_over_rad``, ``status`` (non-zero: Delta a_l of the
        wrong sign for the mechanism, values NaN), ``fig4`` (bool); plus ``lepton``.
    """
    if n_points < 1:
        raise InvalidInput(f"n_points={n_points}: give at least 1 point")
    rad_dom = _rad_dominated(lepton, None)
    lo, hi, _ = _band(lepton, dataset, n_sigma)
    m = max(0, math.ceil(math.log2(n_points)))
    u = qmc.Sobol(d=4, scramble=True, seed=seed).random_base2(m)[:n_points]
    span = lambda r, t: r[0] + (r[1] - r[0]) * t  # noqa: E731
    x = span(x_range, u[:, 0])
    c = span(c_range, u[:, 1])
    da = span((lo, hi), u[:, 2])
    lam = span(lam_range, u[:, 3])
    m_l = _sm(sm).lepton_mass(lepton)
    sign = _expected_sign(lepton, None)
    f = jax.jit(jax.vmap(lambda a, b, d, e: _point(a, b, d, e, m_l, sign, rad_dom)))
    m_chi, v, ratio, status = (np.asarray(t) for t in f(jnp.asarray(x), jnp.asarray(c), jnp.asarray(da), jnp.asarray(lam)))
    w_lo, w_hi = FIG4_FN_OVER_RAD[lepton]
    fig4 = (status == 0) & (ratio > w_lo) & (ratio < w_hi)
    return {
        "lepton": lepton,
        "x_phi": x,
        "c": c,
        "delta_a": da,
        "lam": lam,
        "m_chi": m_chi,
        "v1_over_va": v,
        "fn_over_rad": ratio,
        "status": status,
        "fig4": fig4,
    }


@float64
def m_chi_envelope(x_phi, lepton: str = "mu", *, dataset="flavor2020", n_sigma: float = N_SIGMA, c_range=C_RANGE, sm: SMInputs | None = None):
    r"""Exact lower/upper edge of Fig. 3 at ``x_phi``: ``M_chi`` from eq. (2.9) with
    ``(c_min, |Delta a|_max)`` and ``(c_max, |Delta a|_min)`` over the ``n_sigma`` band.

    Returns:
        ``(lower, upper)`` in GeV.

    Raises:
        InvalidInput: when the band contains Delta a_l = 0 or only the wrong sign (no upper edge).
    """
    lo, hi, meas = _band(lepton, dataset, n_sigma)
    sign = _expected_sign(lepton, None)
    if lo * hi <= 0 or np.sign(meas.value) != sign:
        raise InvalidInput(
            f"dataset {load_dataset(dataset).name!r}: the {n_sigma} sigma band of a_{lepton} [{lo:.3g}, {hi:.3g}] "
            "contains 0 or has the wrong sign for the mechanism: M_chi is unbounded; lower n_sigma"
        )
    a_min, a_max = sorted((abs(lo), abs(hi)))
    return (
        m_chi_from_delta_a(a_max, c_range[0], x_phi, lepton, sm),
        m_chi_from_delta_a(a_min, c_range[1], x_phi, lepton, sm),
    )


@float64
def loop_ratio_max(x_range=(0.1, 2.0)) -> tuple[float, float]:
    """``(x*, R*)``: maximum of ``I_Delta_a(x)/I_m(x)`` (grid of 2001 points, then Newton on R')."""
    x = jnp.linspace(x_range[0], x_range[1], 2001)
    x0 = x[jnp.argmax(loop_ratio(x))]
    d1 = jax.grad(lambda t: loop_ratio(t))
    d2 = jax.grad(d1)
    for _ in range(6):
        x0 = x0 - d1(x0) / d2(x0)
    return float(x0), float(loop_ratio(x0))


@float64
def combined_reach(*, dataset="flavor2020", n_sigma: float = N_SIGMA, c_range=C_RANGE, sm: SMInputs | None = None) -> dict:
    r"""Largest ``M_chi`` explaining both Delta a_e and Delta a_mu within ``n_sigma`` (section 4).

    Every edge of Fig. 3 scales as ``sqrt(I_Delta_a/I_m)``, so the overlap of the electron and
    muon bands is largest at the maximum ``x*`` of that ratio (:func:`loop_ratio_max`).

    Returns:
        dict: ``x_phi`` (x*), ``m_chi_max`` (GeV, the smaller upper edge), ``limited_by``
        (lepton), ``m_chi_max_e``, ``m_chi_max_mu`` (each lepton alone), ``m_chi_min`` (larger
        lower edge), ``c_e``, ``c_mu_range`` (c values at ``(x*, m_chi_max)`` over the bands,
        clipped to ``c_range``).
    """
    x_star, r_star = loop_ratio_max()
    edges = {lep: [float(v) for v in m_chi_envelope(x_star, lep, dataset=dataset, n_sigma=n_sigma, c_range=c_range, sm=sm)] for lep in ("e", "mu")}
    upper = {lep: e[1] for lep, e in edges.items()}
    limited = min(upper, key=upper.get)
    m_max = upper[limited]
    out = {"x_phi": x_star, "loop_ratio": r_star, "m_chi_max": m_max, "limited_by": limited, "m_chi_min": max(e[0] for e in edges.values())}
    out.update({f"m_chi_max_{lep}": upper[lep] for lep in upper})
    for lep in ("e", "mu"):
        lo, hi, _ = _band(lep, dataset, n_sigma)
        cs = sorted(float(c_from_delta_a(a, m_max, x_star, lep, sm)) for a in (lo, hi))
        cs = (max(cs[0], c_range[0]), min(cs[1], c_range[1]))
        out[f"c_{lep}_range"] = cs
    out["c_e"] = out["c_e_range"][1]
    return out
