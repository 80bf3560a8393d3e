r"""LHC cross-section recasts from user-supplied grids (arXiv:2011.05083, section 4, eq. 4.4).

arXiv:2011.05083 recasts ATLAS/CMS electroweakino and slepton searches by comparing the model's
cross section ``sigma^X = sigma^G x F_M x prod BR`` (eq. 4.4; ``sigma^G`` the pair-production
cross section of pure gauge eigenstates, ``F_M`` the mixing factor, BR the branching ratios)
with the experiments' 95% CL upper limits on the cross section in the (parent, LSP) mass
plane.  Neither the limit grids nor the NLO cross sections can be computed from the model
alone, and gm2jax ships none of them: the user supplies both as CSV files.  No number here
is invented; the tests use a synthetic toy grid.

File formats (plain CSV; lines starting with ``#`` are comments and should carry the
provenance -- analysis, arXiv id, HEPData record; the first other line is the header):

* **limit grid** -- columns ``m_parent_GeV,m_lsp_GeV,sigma_limit_fb``: the observed upper
  limit on sigma x BR (fb) at each (parent mass, LSP mass) point, in GeV.  The points must form
  a complete rectangular grid (every combination of the distinct parent and LSP masses,
  in any order).  An empty, ``nan`` or ``inf`` entry means "no limit here" (e.g. the
  kinematically forbidden triangle ``m_lsp > m_parent``).  An optional comment line
  ``# cl: 0.95`` states the confidence level (default 0.95).
* **cross-section table** -- columns ``m_parent_GeV,sigma_fb``: the production cross section
  ``sigma^G`` (fb) of the simplified model versus the parent mass (e.g. the LHC SUSY
  cross-section working group's NLO+NLL tables), strictly increasing masses.

Likelihood term (:class:`LHCRecast`).  With ``sigma_pred = sigma^G(m_parent) x f`` (``f`` the
prediction key ``factor_key``, i.e. ``F_M x prod BR``; 1 without one) and ``sigma_lim`` the
grid,

.. math:: \chi^2 = Q_{\rm CL}\,\frac{\sigma_{\rm pred}}{\sigma_{\rm lim}(m_{\rm parent}, m_{\rm LSP})},

the "search" approximation of :mod:`gm2jax.models.lmutau.limits` (``-2 ln L`` linear in the
signal yield; ``chi2 = Q_CL`` = 3.84 at 95% CL exactly on the limit).  ``ln sigma_lim`` is
interpolated bilinearly in ``(ln m_parent, ln m_LSP)``; ``ln sigma^G`` with the monotone
cubic (PCHIP) of the limits module in ``ln m_parent``.  "No limit" grid points are filled with
a limit ``10^6`` times weaker than the weakest finite one, so the term fades to ~0 there
continuously.  Outside the grid (or for a non-positive mass) the term is exactly 0.  Values
and gradients are finite everywhere (double-``where``); the bilinear interpolant is
continuous with piecewise-constant gradients.

Example (a synthetic 2 x 2 grid):
    >>> import numpy as np
    >>> grid = LimitGrid(np.array([100.0, 200.0]), np.array([1.0, 50.0]), np.array([[10.0, 20.0], [5.0, 8.0]]))
    >>> xs = CrossSectionTable(np.array([100.0, 200.0]), np.array([40.0, 10.0]))
    >>> term = LHCRecast.from_tables("toy", grid, xs, parent_key="m_parent", lsp_key="m_lsp")
    >>> round(float(term.chi2({"m_parent": 100.0, "m_lsp": 1.0})), 4)   # 3.84 x 40/10
    15.3658
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from gm2jax._precision import float64
from gm2jax.errors import InvalidInput
from gm2jax.models.lmutau.limits import _hermite, _pchip_slopes, quantile

__all__ = ["LimitGrid", "CrossSectionTable", "load_limit_grid", "load_cross_sections", "LHCRecast", "recast_factory"]

GRID_COLUMNS = ("m_parent_GeV", "m_lsp_GeV", "sigma_limit_fb")
XSEC_COLUMNS = ("m_parent_GeV", "sigma_fb")
NO_LIMIT_FACTOR = 1.0e6
"""A "no limit" grid point gets a limit this many times weaker than the weakest finite one."""


def _read(path, columns):
    path = pathlib.Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    meta, rows, header = {}, [], None
    for n, line in enumerate(path.read_text().splitlines(), 1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            body = s.lstrip("#").strip()
            if ":" in body:
                k, v = body.split(":", 1)
                meta[k.strip().lower()] = v.strip()
            continue
        cells = [c.strip() for c in s.split(",")]
        if header is None:
            header = cells
            if tuple(header) != columns:
                raise InvalidInput(f"{path}: header must be {','.join(columns)}; got {s!r}")
            continue
        if len(cells) != len(columns):
            raise InvalidInput(f"{path}, line {n}: expected {len(columns)} values, got {len(cells)}")
        try:
            rows.append([float(c) if c else np.nan for c in cells])
        except ValueError:
            raise InvalidInput(f"{path}, line {n}: not a number in {s!r}") from None
    if header is None or not rows:
        raise InvalidInput(f"{path}: no data (header {','.join(columns)} then rows)")
    return np.asarray(rows, dtype=float), meta


@dataclasses.dataclass(frozen=True)
class LimitGrid:
    """Upper limits on sigma x BR on a rectangular (parent, LSP) mass grid.

    Attributes:
        m_parent: distinct parent masses (GeV), increasing.
        m_lsp: distinct LSP masses (GeV), increasing.
        sigma_limit: limits (fb), shape (len(m_parent), len(m_lsp)); NaN/inf = no limit.
        cl: confidence level.
        source: file name or description.
    """

    m_parent: np.ndarray
    m_lsp: np.ndarray
    sigma_limit: np.ndarray
    cl: float = 0.95
    source: str = ""

    def __post_init__(self):
        mp, ml, s = (np.asarray(a, dtype=float) for a in (self.m_parent, self.m_lsp, self.sigma_limit))
        if mp.ndim != 1 or ml.ndim != 1 or s.shape != (mp.size, ml.size) or mp.size < 2 or ml.size < 2:
            raise InvalidInput("LimitGrid: need >= 2 parent and >= 2 LSP masses and limits of shape (n_parent, n_lsp)")
        for name, a in (("m_parent", mp), ("m_lsp", ml)):
            if not (np.all(np.isfinite(a)) and np.all(a > 0) and np.all(np.diff(a) > 0)):
                raise InvalidInput(f"LimitGrid.{name}: masses must be finite, > 0 and strictly increasing")
        finite = np.isfinite(s)
        if not finite.any() or np.any(s[finite] <= 0):
            raise InvalidInput("LimitGrid.sigma_limit: finite limits must be > 0 (and at least one is needed)")
        if not 0 < self.cl < 1:
            raise InvalidInput(f"LimitGrid.cl must be in (0, 1); got {self.cl}")


@dataclasses.dataclass(frozen=True)
class CrossSectionTable:
    """Production cross section sigma^G (fb) versus the parent mass (GeV)."""

    m_parent: np.ndarray
    sigma: np.ndarray
    source: str = ""

    def __post_init__(self):
        m, s = np.asarray(self.m_parent, dtype=float), np.asarray(self.sigma, dtype=float)
        if m.ndim != 1 or m.shape != s.shape or m.size < 2:
            raise InvalidInput("CrossSectionTable: need >= 2 masses and as many cross sections")
        if not (np.all(np.isfinite(m)) and np.all(m > 0) and np.all(np.diff(m) > 0)):
            raise InvalidInput("CrossSectionTable.m_parent: masses must be finite, > 0 and strictly increasing")
        if not (np.all(np.isfinite(s)) and np.all(s > 0)):
            raise InvalidInput("CrossSectionTable.sigma: cross sections must be finite and > 0")


def load_limit_grid(path: str | os.PathLike) -> LimitGrid:
    """Read a limit-grid CSV (format in the module docstring)."""
    rows, meta = _read(path, GRID_COLUMNS)
    mp, ml = np.unique(rows[:, 0]), np.unique(rows[:, 1])
    grid = np.full((mp.size, ml.size), np.nan)
    seen = np.zeros(grid.shape, dtype=bool)
    for a, b, s in rows:
        i, j = np.searchsorted(mp, a), np.searchsorted(ml, b)
        if seen[i, j]:
            raise InvalidInput(f"{path}: duplicate grid point ({a}, {b})")
        seen[i, j] = True
        grid[i, j] = s
    if not seen.all():
        raise InvalidInput(f"{path}: the points do not form a complete rectangular grid "
                           f"({int(seen.sum())} of {seen.size}); mark missing limits with nan")
    cl = float(meta.get("cl", 0.95))
    return LimitGrid(mp, ml, grid, cl=cl, source=str(path))


def load_cross_sections(path: str | os.PathLike) -> CrossSectionTable:
    """Read a cross-section CSV (format in the module docstring)."""
    rows, _ = _read(path, XSEC_COLUMNS)
    order = np.argsort(rows[:, 0])
    return CrossSectionTable(rows[order, 0], rows[order, 1], source=str(path))


class LHCRecast(eqx.Module):
    """Cross-section recast as a likelihood term (see the module docstring).

    Attributes:
        name: term name (static).
        log_mp, log_ml: grid knots ln(m/GeV).
        log_lim: ln sigma_limit (fb) on the grid ("no limit" filled, see module docstring).
        xs_log_m, xs_log_s, xs_slope: ln m, ln sigma^G and PCHIP slopes of the cross section.
        q: chi^2 on the limit (Delta chi^2 quantile of the grid's CL).
        parent_key, lsp_key, factor_key: prediction keys (static; factor_key may be None).
    """

    name: str = eqx.field(static=True)
    log_mp: jax.Array
    log_ml: jax.Array
    log_lim: jax.Array
    xs_log_m: jax.Array
    xs_log_s: jax.Array
    xs_slope: jax.Array
    q: float
    parent_key: str = eqx.field(static=True)
    lsp_key: str = eqx.field(static=True)
    factor_key: str | None = eqx.field(static=True, default=None)

    @classmethod
    def from_tables(cls, name: str, grid: LimitGrid, xsec: CrossSectionTable, *, parent_key: str, lsp_key: str,
                    factor_key: str | None = None) -> "LHCRecast":
        """Build the term from a :class:`LimitGrid` and a :class:`CrossSectionTable`."""
        s = np.asarray(grid.sigma_limit, dtype=float)
        finite = np.isfinite(s)
        log_lim = np.where(finite, np.log(np.where(finite, s, 1.0)), np.log(s[finite].max() * NO_LIMIT_FACTOR))
        xm, xl = np.log(np.asarray(xsec.m_parent, float)), np.log(np.asarray(xsec.sigma, float))
        with jax.enable_x64(True):
            return cls(name=name, log_mp=jnp.asarray(np.log(grid.m_parent)), log_ml=jnp.asarray(np.log(grid.m_lsp)),
                       log_lim=jnp.asarray(log_lim), xs_log_m=jnp.asarray(xm), xs_log_s=jnp.asarray(xl),
                       xs_slope=jnp.asarray(_pchip_slopes(xm, xl)), q=quantile(grid.cl),
                       parent_key=parent_key, lsp_key=lsp_key, factor_key=factor_key)

    @classmethod
    def from_files(cls, name: str, grid_path, xsec_path, *, parent_key: str, lsp_key: str,
                   factor_key: str | None = None) -> "LHCRecast":
        """Build the term from the two CSV files (format in the module docstring)."""
        return cls.from_tables(name, load_limit_grid(grid_path), load_cross_sections(xsec_path),
                               parent_key=parent_key, lsp_key=lsp_key, factor_key=factor_key)

    @float64
    def log_sigma_limit(self, lp, ll):
        """Bilinear ln sigma_limit at (ln m_parent, ln m_LSP), clamped to the grid (pure jnp)."""
        def locate(knots, x):
            xc = jnp.clip(x, knots[0], knots[-1])
            i = jnp.clip(jnp.searchsorted(knots, xc, side="right") - 1, 0, knots.shape[0] - 2)
            return i, (xc - knots[i]) / (knots[i + 1] - knots[i])

        i, t = locate(self.log_mp, lp)
        j, u = locate(self.log_ml, ll)
        z = self.log_lim
        return (1 - t) * (1 - u) * z[i, j] + t * (1 - u) * z[i + 1, j] + (1 - t) * u * z[i, j + 1] + t * u * z[i + 1, j + 1]

    @float64
    def log_sigma_production(self, lp):
        """ln sigma^G (fb) at ln m_parent (PCHIP, clamped to the table's range)."""
        return _hermite(self.xs_log_m, self.xs_log_s, self.xs_slope, lp)

    @float64
    def chi2(self, pred: Mapping):
        mp = jnp.asarray(pred[self.parent_key], dtype=jnp.float64)
        ml = jnp.asarray(pred[self.lsp_key], dtype=jnp.float64)
        pos = (mp > 0) & (ml > 0)
        lp = jnp.log(jnp.where(pos, mp, 1.0))
        ll = jnp.log(jnp.where(pos, ml, 1.0))
        inside = (
            pos
            & (lp >= self.log_mp[0]) & (lp <= self.log_mp[-1])
            & (ll >= self.log_ml[0]) & (ll <= self.log_ml[-1])
            & (lp >= self.xs_log_m[0]) & (lp <= self.xs_log_m[-1])
        )
        lp = jnp.where(inside, lp, self.log_mp[0])
        ll = jnp.where(inside, ll, self.log_ml[0])
        factor = jnp.asarray(pred[self.factor_key], dtype=jnp.float64) if self.factor_key else 1.0
        val = self.q * factor * jnp.exp(self.log_sigma_production(lp) - self.log_sigma_limit(lp, ll))
        return jnp.where(inside, val, 0.0)


def recast_factory(name: str, grid_path, xsec_path, *, parent_key: str, lsp_key: str, factor_key: str | None = None):
    """A constraint factory ``factory(leptons) -> LHCRecast`` (for a model's ``constraints`` map)."""
    grid, xsec = load_limit_grid(grid_path), load_cross_sections(xsec_path)

    def make(leptons=("e", "mu")):
        return LHCRecast.from_tables(name, grid, xsec, parent_key=parent_key, lsp_key=lsp_key, factor_key=factor_key)

    return make
