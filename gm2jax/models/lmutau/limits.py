r"""Z' exclusion limits in the (M_Z', g_X) plane as differentiable likelihood terms.

Every digitised upper-limit curve ``g_lim(M)`` packaged in ``gm2jax/data/lmutau_limits/``
(each file keeps the provenance header of its digitisation; references in the
README there and in :data:`CURVES`) becomes a :class:`ZprimeLimit` term, a pure function of the
prediction keys ``M_Z'`` = ``pred["M_Zp"]`` (GeV) and ``pred["g_X"]`` (and, for the limits that
reach the Z' only through photon-Z' kinetic mixing, ``pred["eps_kin"]``).

Interpolation.  The curves are jagged digitisations; several rows may share a mass.  The
minimum over equal masses is taken, and ``ln g_lim`` is interpolated in ``ln M`` with the
monotone piecewise-cubic Hermite scheme of Fritsch-Carlson (PCHIP; slopes computed once on
the host with :class:`scipy.interpolate.PchipInterpolator`, evaluation in pure ``jnp``): it
passes through every point, is C^1, never overshoots between points, and its derivative is
finite everywhere.

Statistical approximation.  A one-sided exclusion curve at confidence level CL is turned
into

.. math:: \chi^2(M, g) = w(M)\,Q_{\rm CL}\,\rho^{k},\qquad \rho = \frac{s(g)}{s(g_{\rm lim}(M))},

where ``s`` is the new-physics signal (``s ~ g^2`` for every curve here, see below),
``Q_CL = [Phi^{-1}((1 + CL)/2)]^2`` is the Delta chi^2 quantile of one degree of freedom
(3.84 at 95% CL, 2.71 at 90% CL, the usual PDG convention for a limit from
Delta chi^2), so that ``chi2 = Q_CL`` exactly on the curve, and ``k`` is

* ``k = 2`` ("measurement": a Gaussian measurement of a rate that the Z' shifts by
  ``s``, ``chi2 = (s/sigma)^2``): CCFR neutrino tridents (the Z' shifts
  ``sigma/sigma_SM = 0.82(28)`` mainly through interference with the SM amplitude, ``s ~ g^2``),
  Borexino and COHERENT (nu-e and nu-nucleus scattering through the loop mixing:
  interference ``s ~ g_X eps e``), BBN/Delta N_eff (a Gaussian measurement of N_eff;
  thermalisation rate ``~ g^2``).  So ``chi2 = Q (g/g_lim)^4``.
* ``k = 1`` ("search": a resonance search with small background, where ``-2 ln L`` grows
  linearly in the signal yield ``s ~ sigma x BR ~ g^2``): BaBar e+e- -> 4 mu, CMS Z -> 4 mu,
  Belle II e+e- -> mu mu + invisible.  So ``chi2 = Q (g/g_lim)^2``.

For the kinetic-mixing limits (Borexino, COHERENT) the curves assume the lepton-loop mixing
``eps_0 = kappa_0 g_X`` with ``kappa_0`` = :data:`gm2jax.models.lmutau.kinetic.KAPPA_LEPTON`
(``e ln(m_tau^2/m_mu^2)/(12 pi^2)``; README caveat 2: the DarkCast recast evaluates it at
``q^2 = M^2``, valid for ``M << 2 m_mu``, hence the cut at 0.2 GeV); with the model's
``eps_kin`` the signal ratio is ``rho = g_X eps_kin/(kappa_0 g_lim^2)`` (``= (g/g_lim)^2`` when
``eps_kin = eps_0``).  Without ``eps_kin`` in the prediction the reference mixing is used.

Range.  Outside ``[M_min, M_max]`` of a curve the term is exactly 0 (neutral), for any
``M`` including ``M <= 0``, and never NaN (double-``where``).  So that the term stays
continuous, it is switched on over the first and last ``taper = 0.02`` in ``ln M`` inside the
range (2% in mass, below the 5-10% resolution of the digitisations) with the C^1 step
``S(t) = t^2 (3 - 2t)``; ``taper = 0`` gives a hard edge.

Caveats (README): confidence levels are those stated by the sources (CCFR 95%, BaBar 90%,
Belle II 90% credibility, CMS 95%); for Borexino, COHERENT and BBN the sources state none and
95% is assumed.  BBN is a box (M <~ 5.3 MeV excluded for g >~ 5e-6); below its lowest
digitised mass (2.3 MeV) the term is neutral like any other, although BBN excludes that
region too.

Example:
    >>> import math
    >>> term = zprime_constraints()["ccfr"](("e", "mu"))
    >>> m = 0.1
    >>> g = math.exp(float(term.log_g_limit(math.log(m))))
    >>> round(float(term.chi2({"M_Zp": m, "g_X": g})), 4)
    3.8415
"""

from __future__ import annotations

import dataclasses
import functools
import pathlib
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from scipy.interpolate import PchipInterpolator

from gm2jax import loops
from gm2jax._data import data_file
from gm2jax._precision import float64
from gm2jax.errors import InvalidInput
from gm2jax.likelihood import delta_chi2_quantile
from gm2jax.measurements import load_dataset
from gm2jax.models.lmutau.kinetic import KAPPA_LEPTON
from gm2jax.sm import _load_conventions

__all__ = [
    "CURVES",
    "ZprimeLimit",
    "zprime_constraints",
    "limit_curve",
    "quantile",
    "gm2_band",
    "gm2_band_file",
    "coupling_for_amu",
    "allowed_band",
    "DATA_DIR",
]

DATA_DIR = data_file("lmutau_limits")
"""Packaged digitised curves (CSV with ``#`` provenance headers; see the README there)."""

DEFAULT_TAPER = 0.02
"""Width in ln(M) of the C^1 switch-on inside each end of a curve's mass range."""


@dataclasses.dataclass(frozen=True)
class CurveInfo:
    """Metadata of a packaged limit curve.

    Attributes:
        name: constraint name (likelihood term name).
        file: CSV file in :data:`DATA_DIR`.
        cl: confidence level of the curve.
        cl_stated: whether the CL is stated by the source (else assumed, see README).
        power: ``k`` of the statistical approximation (1 = search, 2 = measurement).
        kinetic: the limit reaches the Z' through photon-Z' kinetic mixing (uses ``eps_kin``).
        reference: experiment and curve references.
    """

    name: str
    file: str
    cl: float
    cl_stated: bool
    power: int
    kinetic: bool
    reference: str


CURVES: dict[str, CurveInfo] = {
    c.name: c
    for c in (
        CurveInfo("ccfr", "CCFR_trident.csv", 0.95, True, 2, False,
                  "CCFR, PRL 66 (1991) 3117; L_mu-L_tau recast arXiv:1406.2332 (grid from spinjo/SNforMuTau @6bcd5cc)"),
        CurveInfo("borexino", "Borexino.csv", 0.95, False, 2, True,
                  "Borexino arXiv:1104.1816; curve arXiv:1803.05466 Fig. 13 via DarkCast (arXiv:1801.04847) recast with "
                  "loop mixing arXiv:2006.11225 eq. 7; cut at M <= 0.2 GeV"),
        CurveInfo("babar_4mu", "BaBar_4mu.csv", 0.90, True, 1, False,
                  "BaBar arXiv:1606.03501 Fig. 5 (DarkCast limits/BaBar_TheBABAR2016rlg.lmt)"),
        CurveInfo("coherent", "COHERENT.csv", 0.95, False, 2, True,
                  "COHERENT CsI arXiv:1708.01294 (dataset unverified; SYen-qc/muon_g_minus_2 @641b508)"),
        CurveInfo("cms_z4mu", "CMS_Z4mu.csv", 0.95, True, 1, False,
                  "CMS arXiv:1808.03684 (digitised to g = 0.095; SYen-qc/muon_g_minus_2 @641b508)"),
        CurveInfo("belle2_invisible", "BelleII_invisible_2019.csv", 0.90, True, 1, False,
                  "Belle II arXiv:1912.11276 (DarkCast limits/BelleII_Adachi2019otg.lmt x e)"),
        CurveInfo("bbn", "BBN_Neff.csv", 0.95, False, 2, False,
                  "BBN / Delta N_eff, likely arXiv:1901.02010 (unverified; SYen-qc/muon_g_minus_2 @641b508)"),
    )
}
"""The packaged limits (name -> :class:`CurveInfo`)."""

GM2_BAND_FILES = {
    "bnl2019": "gm2_band_BNL_2019_274_73.csv",
    "wp20_bnl": "gm2_band_BNL_WP20_279_76.csv",
    "wp20_fnal21": "gm2_band_WP20_FNAL21_251_59.csv",
    "wp20_fnal23": "gm2_band_WP20_FNAL23_249_48.csv",
    "wp25_fnal25": "gm2_WP25_FNAL25_38p5_63p7.csv",
}
"""Precomputed (g-2)_mu bands (columns g_central, g_minus1sigma, ...; see their headers)."""


quantile = delta_chi2_quantile
"""Delta chi^2 of one dof at a confidence level (:func:`gm2jax.likelihood.delta_chi2_quantile`)."""


def _read_csv(path: pathlib.Path):
    lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    header = [h.strip() for h in lines[0].split(",")]
    data = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]], dtype=float)
    comments = [ln for ln in path.read_text().splitlines() if ln.lstrip().startswith("#")]
    return header, data, comments


@functools.lru_cache(maxsize=None)
def _raw_rows(file: str):
    return _read_csv(DATA_DIR / file)[1]


@functools.lru_cache(maxsize=None)
def _curve_arrays(file: str):
    header, data, comments = _read_csv(DATA_DIR / file)
    if header[:2] != ["mass_GeV", "g_X"]:
        raise InvalidInput(f"{file}: expected columns mass_GeV,g_X; got {header}")
    m, g = data[:, 0], data[:, 1]
    mu = np.unique(m)
    gmin = np.array([g[m == v].min() for v in mu])
    return mu, gmin, tuple(comments)


def limit_curve(name: str) -> dict:
    """A packaged limit curve: raw data, the single-valued curve and its reference.

    Args:
        name: constraint name (a key of :data:`CURVES`).

    Returns:
        dict with ``mass_GeV`` and ``g_X`` (single-valued: minimum over equal masses),
        ``raw`` (the CSV rows, shape (n, 2)), ``header`` (the ``#`` provenance lines), and the
        :class:`CurveInfo` fields (``cl``, ``power``, ``kinetic``, ``reference``, ``file``).
    """
    if name not in CURVES:
        raise InvalidInput(f"unknown Z' limit {name!r}: use one of {sorted(CURVES)}")
    info = CURVES[name]
    mu, gmin, comments = _curve_arrays(info.file)
    raw = _raw_rows(info.file)
    return {"mass_GeV": mu.copy(), "g_X": gmin.copy(), "raw": raw.copy(), "header": list(comments), **dataclasses.asdict(info)}


def _pchip_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if len(x) == 1:
        return np.zeros(1)
    return PchipInterpolator(x, y).derivative()(x)


def _hermite(xk, yk, dk, x, xp=jnp):
    """Piecewise-cubic Hermite interpolant through (xk, yk) with slopes dk, at x (clamped).

    ``xp`` is the array module: ``jnp`` (traceable) or ``np`` (host arrays, fast eager use).
    """
    n = xk.shape[0]
    xc = xp.clip(x, xk[0], xk[-1])
    i = xp.clip(xp.searchsorted(xk, xc, side="right") - 1, 0, n - 2)
    h = xk[i + 1] - xk[i]
    t = (xc - xk[i]) / h
    t2, t3 = t * t, t * t * t
    return (
        (2 * t3 - 3 * t2 + 1) * yk[i]
        + (t3 - 2 * t2 + t) * h * dk[i]
        + (-2 * t3 + 3 * t2) * yk[i + 1]
        + (t3 - t2) * h * dk[i + 1]
    )


def _smoothstep(t):
    t = jnp.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


class ZprimeLimit(eqx.Module):
    """One digitised Z' limit as a likelihood term (see the module docstring).

    Attributes:
        name: term name (static).
        log_m: knots ln(M/GeV) (strictly increasing).
        log_g: ln g_lim at the knots.
        slope: PCHIP slopes d ln g/d ln M at the knots.
        q: chi^2 on the curve (Delta chi^2 quantile of the curve's CL).
        power: k of chi2 = Q rho^k (static).
        kinetic: signal through kinetic mixing (uses ``eps_kin``; static).
        kappa0: reference eps/g_X the curve assumes (kinetic limits).
        taper: switch-on width in ln M inside each range end (static).
        mass_key, coupling_key, eps_key: prediction keys (static).
    """

    name: str = eqx.field(static=True)
    log_m: jax.Array
    log_g: jax.Array
    slope: jax.Array
    q: float
    power: int = eqx.field(static=True)
    kinetic: bool = eqx.field(static=True, default=False)
    kappa0: float = KAPPA_LEPTON
    taper: float = eqx.field(static=True, default=DEFAULT_TAPER)
    mass_key: str = eqx.field(static=True, default="M_Zp")
    coupling_key: str = eqx.field(static=True, default="g_X")
    eps_key: str = eqx.field(static=True, default="eps_kin")

    @classmethod
    def from_curve(cls, mass_GeV, g_X, *, name: str, cl: float, power: int, kinetic: bool = False,
                   taper: float = DEFAULT_TAPER, **kw) -> "ZprimeLimit":
        """Build a term from an upper-limit curve (masses in GeV; duplicates -> minimum)."""
        m = np.asarray(mass_GeV, dtype=float)
        g = np.asarray(g_X, dtype=float)
        if m.ndim != 1 or m.shape != g.shape or m.size < 2:
            raise InvalidInput(f"{name}: need 1-d mass and g arrays of equal length >= 2")
        if not (np.all(m > 0) and np.all(g > 0) and np.all(np.isfinite(m)) and np.all(np.isfinite(g))):
            raise InvalidInput(f"{name}: masses and couplings must be finite and > 0")
        if power not in (1, 2):
            raise InvalidInput(f"{name}: power must be 1 (search) or 2 (measurement)")
        mu = np.unique(m)
        gmin = np.array([g[m == v].min() for v in mu])
        x, y = np.log(mu), np.log(gmin)
        with jax.enable_x64(True):  # float64 knots whatever the caller's JAX mode
            return cls(name=name, log_m=jnp.asarray(x), log_g=jnp.asarray(y), slope=jnp.asarray(_pchip_slopes(x, y)),
                       q=quantile(cl), power=power, kinetic=kinetic, taper=taper, **kw)

    @property
    def mass_range(self) -> tuple[float, float]:
        """(M_min, M_max) in GeV."""
        return float(np.exp(self.log_m[0])), float(np.exp(self.log_m[-1]))

    @float64
    def log_g_limit(self, log_m):
        """ln g_lim at ln(M/GeV) (clamped to the range; pure jnp)."""
        return _hermite(self.log_m, self.log_g, self.slope, log_m)

    @float64
    def weight(self, log_m):
        """Range indicator with C^1 switch-on: 1 inside, 0 outside (pure jnp)."""
        lo, hi = self.log_m[0], self.log_m[-1]
        inside = (log_m >= lo) & (log_m <= hi)
        if self.taper > 0:
            w = _smoothstep((log_m - lo) / self.taper) * _smoothstep((hi - log_m) / self.taper)
        else:
            w = jnp.asarray(1.0)
        return jnp.where(inside, w, 0.0)

    @float64
    def chi2(self, pred: Mapping):
        m = jnp.asarray(pred[self.mass_key], dtype=jnp.float64)
        g = jnp.asarray(pred[self.coupling_key], dtype=jnp.float64)
        pos = m > 0
        log_m = jnp.log(jnp.where(pos, m, 1.0))
        inside = pos & (log_m >= self.log_m[0]) & (log_m <= self.log_m[-1])
        log_m_safe = jnp.where(inside, log_m, self.log_m[0])
        g_lim2 = jnp.exp(2.0 * self.log_g_limit(log_m_safe))
        if self.kinetic:
            eps = jnp.asarray(pred[self.eps_key], dtype=jnp.float64) if self.eps_key in pred else self.kappa0 * g
            rho = g * eps / (self.kappa0 * g_lim2)
        else:
            rho = g * g / g_lim2
        val = self.q * rho**self.power * self.weight(log_m_safe)
        return jnp.where(inside, val, 0.0)


def _factory(name: str, taper: float = DEFAULT_TAPER):
    def make(leptons=("e", "mu")):
        info = CURVES[name]
        mu, gmin, _ = _curve_arrays(info.file)
        return ZprimeLimit.from_curve(mu, gmin, name=name, cl=info.cl, power=info.power,
                                      kinetic=info.kinetic, taper=taper)

    make.__name__ = f"make_{name}"
    make.__doc__ = f"Likelihood term {name!r}: {CURVES[name].reference}"
    return make


def zprime_constraints() -> dict:
    """Constraint name -> factory ``factory(leptons) -> ZprimeLimit`` for every packaged curve.

    The names (``ccfr``, ``borexino``, ``babar_4mu``, ``coherent``, ``cms_z4mu``,
    ``belle2_invisible``, ``bbn``) are the keys of :data:`CURVES`; the factories ignore
    ``leptons`` (the Z' limits do not depend on the fitted g-2 observables).
    """
    return {name: _factory(name) for name in CURVES}


# --------------------------------------------------------------------------------------
# the (g-2)_mu band
# --------------------------------------------------------------------------------------


def _m_mu_pdg() -> float:
    return float(_load_conventions()["pdg"]["m_mu"]["value"])


@float64
def gm2_band(m_zprime, dataset="wp20_bnl", m_lepton=None) -> dict:
    r"""Couplings g_X for which the one-loop Z' alone gives Delta a_mu within 1 and 2 sigma.

    Solves ``amu_zprime(g, M, m_mu) = Delta a_mu + n sigma`` (:func:`gm2jax.loops.amu_zprime`,
    arXiv:2011.05083 eq. 3.6) for ``g = sqrt((Delta + n sigma)/amu_zprime(1, M, m_mu))``.

    Args:
        m_zprime: Z' masses (GeV).
        dataset: name / path / :class:`gm2jax.measurements.Dataset` with an ``a_mu`` measurement
            (default ``"wp20_bnl"`` = 2.79(76)e-9, the paper's Fig. 2 input).
        m_lepton: muon mass (GeV; default PDG from ``sm_inputs.yaml``).

    Returns:
        dict with ``mass_GeV`` and ``g_central``, ``g_minus1sigma``, ``g_plus1sigma``,
        ``g_minus2sigma``, ``g_plus2sigma`` (0 where that Delta a_mu <= 0), like the files of
        :func:`gm2_band_file`.
    """
    meas = load_dataset(dataset)["a_mu"]
    m_l = _m_mu_pdg() if m_lepton is None else m_lepton
    m = jnp.asarray(m_zprime, dtype=jnp.float64)
    unit = loops.amu_zprime(1.0, m, m_l)
    out = {"mass_GeV": m}
    for key, n in (("g_central", 0), ("g_minus1sigma", -1), ("g_plus1sigma", 1), ("g_minus2sigma", -2), ("g_plus2sigma", 2)):
        target = meas.value + n * meas.error
        out[key] = jnp.sqrt(jnp.maximum(target, 0.0) / unit)
    return out


@float64
def coupling_for_amu(delta_amu, m_zprime, m_lepton=None):
    r"""The coupling g_X whose one-loop Z' contribution equals ``delta_amu``.

    ``g = sqrt(delta_amu/amu_zprime(1, M, m_mu))`` (:func:`gm2jax.loops.amu_zprime`, arXiv:2011.05083
    eq. 3.6); 0 where ``delta_amu <= 0`` (the Z' contribution is positive).

    Args:
        delta_amu: the a_mu the Z' must supply (dimensionless).
        m_zprime: Z' mass (GeV).
        m_lepton: muon mass (GeV; default PDG from ``sm_inputs.yaml``).

    Returns:
        g_X (array, broadcast of the inputs).

    Example:
        >>> round(float(coupling_for_amu(2.79e-9, 0.0)) * 1e4, 4)   # sqrt(8 pi^2 x 2.79e-9)
        4.6935
    """
    m_l = _m_mu_pdg() if m_lepton is None else m_lepton
    unit = loops.amu_zprime(1.0, jnp.asarray(m_zprime, dtype=jnp.float64), m_l)
    return jnp.sqrt(jnp.maximum(jnp.asarray(delta_amu, dtype=jnp.float64), 0.0) / unit)


def gm2_band_file(name: str = "wp20_bnl") -> dict:
    """A packaged precomputed band (``gm2_band_*.csv``): column name -> array, plus ``header``."""
    if name not in GM2_BAND_FILES:
        raise InvalidInput(f"unknown band {name!r}: use one of {sorted(GM2_BAND_FILES)}")
    header, data, comments = _read_csv(DATA_DIR / GM2_BAND_FILES[name])
    out = {h: data[:, i] for i, h in enumerate(header)}
    out["header"] = comments
    return out


def allowed_band(m_zprime, dataset="wp20_bnl", nsigma: int = 2, constraints=("ccfr", "borexino", "babar_4mu", "coherent", "bbn")) -> dict:
    r"""Where the Z' explains Delta a_mu within ``nsigma`` and no listed limit excludes it.

    At each mass the band ``[g_-n, g_+n]`` of :func:`gm2_band` is cut from above by the
    strongest listed limit ``g_lim(M)`` (the curve itself, i.e. chi^2 < Q of the term, with the
    reference kinetic mixing for Borexino and COHERENT; the edge tapers are not applied).

    Args:
        m_zprime: Z' masses (GeV), 1-d.
        dataset: the a_mu dataset (see :func:`gm2_band`).
        nsigma: 1 or 2.
        constraints: names of :data:`CURVES` to apply.

    Returns:
        dict with ``mass_GeV``, ``g_low``, ``g_high`` (the band), ``g_limit`` (strongest limit,
        inf where none applies) and ``g_max`` = min(g_high, g_limit); ``allowed`` is
        ``g_max > g_low``.
    """
    if nsigma not in (1, 2):
        raise InvalidInput(f"nsigma must be 1 or 2; got {nsigma!r}")
    m = np.atleast_1d(np.asarray(m_zprime, dtype=float))
    band = {k: np.asarray(v) for k, v in gm2_band(m, dataset).items()}
    lo, hi = band[f"g_minus{nsigma}sigma"], band[f"g_plus{nsigma}sigma"]
    glim = np.full_like(m, np.inf)
    for name in constraints:
        c = limit_curve(name)
        x, y = np.log(c["mass_GeV"]), np.log(c["g_X"])
        inside = (m >= c["mass_GeV"][0]) & (m <= c["mass_GeV"][-1])
        gl = np.exp(_hermite(x, y, _pchip_slopes(x, y), np.log(m), xp=np))
        glim = np.where(inside, np.minimum(glim, gl), glim)
    gmax = np.minimum(hi, glim)
    return {"mass_GeV": m, "g_low": lo, "g_high": hi, "g_limit": glim, "g_max": gmax, "allowed": gmax > lo}


__all__ += ["CurveInfo", "GM2_BAND_FILES", "DEFAULT_TAPER"]
