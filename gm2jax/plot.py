"""Figures from scans: 1 sigma / 2 sigma band maps and R_l curves in the style of seed 000.

All functions take the data of a scan (a scan directory, the :class:`xarray.Dataset` of
:func:`gm2jax.scan.load_grid` or the :class:`pandas.DataFrame` of :func:`gm2jax.scan.load_scan`)
and the measured deviations as :class:`Target` ``(central, sigma)`` values, which the caller
passes in -- :func:`targets` reads them from a dataset of ``gm2jax/data/measurements.yaml``
(gm2jax keeps numbers out of code).  They return a :class:`matplotlib.figure.Figure`
(created without :mod:`matplotlib.pyplot`, so no global figure state) and save a PNG when
``save=`` is given.

* :func:`band_map` -- in any 2-D plane of a grid scan, the regions where each observable lies
  within 1 sigma (dark) and 2 sigma (light) of its target, a_e yellow and a_mu blue as in
  arXiv:1908.03607 Figs. 2, 3, 5, optionally with contour lines of the values themselves and
  hatching where the point is unphysical (``status != 0``).
* :func:`r_curves` -- R_l^SUSY (solid), R_l^chi+- (dashed), R_l^chi0 (dash-dotted) against one
  scanned parameter, electron red and muon blue (arXiv:1908.03607 Figs. 1, 4; eqs. (9)-(10)).

Example:
    >>> import numpy as np, xarray as xr
    >>> mu, m2 = np.linspace(500, 2500, 5), np.linspace(100, 300, 4)
    >>> ds = xr.Dataset({"a_mu": (("mu", "M2"), 3e-9 * np.outer(np.ones(5), 200 / m2))}, coords={"mu": mu, "M2": m2})
    >>> fig = band_map(ds, "mu", "M2", {"a_mu": Target(2.74e-9, 0.73e-9)})
    >>> print(fig.axes[0].get_xlabel())
    $\\mu$ [GeV]
"""

from __future__ import annotations

import itertools
import math
import pathlib
import warnings
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from gm2jax.errors import InvalidInput
from gm2jax.labels import axis_label, meta, short_label

__all__ = [
    "Target", "band_map", "corner", "default_var_names", "figure", "marginals", "profiles", "pull", "r_curves", "r_parts", "save_figure",
    "show", "targets", "within",
]

# (1 sigma, 2 sigma) fill colours per observable; seed 000 draws a_e yellow and a_mu blue.
BAND_COLORS: Mapping[str, tuple[str, str]] = {
    "a_e": ("#e6b800", "#fbe68a"),
    "a_mu": ("#1f4e9c", "#93b7e8"),
    "a_tau": ("#2b8a3e", "#a6dcb0"),
}
_FALLBACK_COLORS = (("#b03a2e", "#f0b5ae"), ("#6c3483", "#d2b4de"), ("#117864", "#a2d9ce"))
LEPTON_COLORS: Mapping[str, str] = {"e": "red", "mu": "blue", "tau": "green"}
_LABELS = {"a_e": r"$a_e$", "a_mu": r"$a_\mu$", "a_tau": r"$a_\tau$"}


class Target(NamedTuple):
    """A measured deviation Delta a = central +- sigma (dimensionless)."""

    central: float
    sigma: float


def targets(dataset=None) -> dict[str, Target]:
    """The measured deviations of a dataset of :mod:`gm2jax.measurements` as ``{obs: Target}``.

    Args:
        dataset: a dataset name (default: the package default, ``"seeds2019"`` = seed 000
            eqs. (1)-(2)), a YAML path, or a :class:`gm2jax.measurements.Dataset`.

    Example:
        >>> targets("seeds2019")["a_mu"]
        Target(central=2.74e-09, sigma=7.3e-10)
    """
    from gm2jax.measurements import load_dataset

    ds = load_dataset(dataset)
    return {obs: Target(ds[obs].value, ds[obs].error) for obs in ds.observables}


def pull(values, target: Target) -> np.ndarray:
    """(value - central) / sigma, elementwise (NaN stays NaN)."""
    return (np.asarray(values, dtype=float) - target.central) / target.sigma


def within(data, targets: Mapping[str, Target], nsigma: float = 1.0) -> np.ndarray:
    """Boolean mask: every observable of ``targets`` lies within ``nsigma`` of its target.

    ``data`` is anything indexable by the observable names (DataFrame, Dataset, dict of arrays);
    NaN (unphysical) is never within.

    Example:
        >>> within({"a": np.array([0.5, 3.0, np.nan])}, {"a": Target(0.0, 1.0)}).tolist()
        [True, False, False]
    """
    masks = [np.abs(pull(np.asarray(data[k]), Target(*t))) < nsigma for k, t in targets.items()]
    return np.logical_and.reduce(masks)


def r_parts(total, neutralino, chargino, target: Target) -> dict[str, np.ndarray]:
    """R_l of arXiv:1908.03607 eqs. (9)-(10).

    Returns:
        ``{"susy": (a - Delta)/sigma, "chargino": (2 a^chi+- - Delta)/(2 sigma),
        "neutralino": (2 a^chi0 - Delta)/(2 sigma)}``; ``susy = chargino + neutralino``
        whenever ``a = a^chi0 + a^chi+-``.

    Example:
        >>> r = r_parts(1.0, 0.25, 0.75, Target(1.0, 0.5))
        >>> float(r["susy"]), float(r["chargino"] + r["neutralino"])
        (0.0, 0.0)
    """
    d, s = target.central, target.sigma
    return {
        "susy": (np.asarray(total, dtype=float) - d) / s,
        "chargino": (2.0 * np.asarray(chargino, dtype=float) - d) / (2.0 * s),
        "neutralino": (2.0 * np.asarray(neutralino, dtype=float) - d) / (2.0 * s),
    }


# ---------------------------------------------------------------------------------------------
# data access
# ---------------------------------------------------------------------------------------------


def _as_dataset(data, x: str, y: str | None, sel: Mapping | None):
    """A Dataset with exactly the dims (x[, y]) from a scan dir, Dataset or DataFrame."""
    import pandas as pd
    import xarray as xr

    if isinstance(data, (str, pathlib.Path)):
        from gm2jax.scan import load_grid

        data = load_grid(data)
    if isinstance(data, pd.DataFrame):
        keys = [x] if y is None else [x, y]
        missing = [k for k in keys if k not in data.columns]
        if missing:
            raise InvalidInput(f"columns {missing} not in the data; have {list(data.columns)}")
        df = data
        if sel:
            for k, v in sel.items():
                df = df[np.isclose(df[k], v)]
        if df.duplicated(subset=keys).any():
            raise InvalidInput(
                f"several rows share the same {keys}: the data vary in other columns too; pass sel={{name: value}}"
            )
        data = xr.Dataset.from_dataframe(df.set_index(keys))
    if not isinstance(data, xr.Dataset):
        raise InvalidInput(f"data: give a scan directory, an xarray.Dataset or a pandas.DataFrame; got {type(data).__name__}")
    if sel:
        data = data.sel({k: v for k, v in sel.items() if k in data.dims}, method="nearest")
    want = (x,) if y is None else (x, y)
    for k in want:
        if k not in data.dims:
            raise InvalidInput(f"{k!r} is not a dimension of the scan; dimensions: {list(data.dims)}")
    # scanned dimensions have coordinates; the extra dimensions of vector outputs have none
    other = [d for d in data.dims if d not in want and d in data.coords]
    extra = [d for d in other if data.sizes[d] > 1]
    if extra:
        raise InvalidInput(f"the scan also varies {extra}: choose a slice with sel={{{extra[0]!r}: value}}")
    return data.isel({d: 0 for d in other}, drop=True) if other else data


def _field(ds, name: str, dims: Sequence[str]) -> np.ndarray:
    if name not in ds:
        raise InvalidInput(f"{name!r} not in the scan outputs; have {sorted(ds.data_vars)}")
    return np.asarray(ds[name].transpose(*dims).values, dtype=float)


def _colors(i: int, name: str, colors: Mapping | None):
    if colors and name in colors:
        return colors[name]
    return BAND_COLORS.get(name, _FALLBACK_COLORS[i % len(_FALLBACK_COLORS)])


def _unit(target: Target) -> float:
    scale = abs(target.central) or abs(target.sigma) or 1.0
    return 10.0 ** math.floor(math.log10(scale))


def _new_axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _quiet(fn, *args, **kwargs):
    # empty levels (e.g. an observable nowhere within 2 sigma) are not an error
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="No contour levels were found", category=UserWarning)
        return fn(*args, **kwargs)


# ---------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------


def band_map(
    data,
    x: str,
    y: str,
    targets: Mapping[str, Target],
    *,
    levels: Sequence[float] = (1.0, 2.0),
    lines: Mapping[str, Sequence[float]] | None = None,
    colors: Mapping[str, tuple[str, str]] | None = None,
    sel: Mapping[str, float] | None = None,
    status: str | None = "status",
    alpha: float = 0.65,
    xlog: bool = False,
    ylog: bool = False,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    legend: bool = True,
    ax=None,
    figsize=(5.0, 4.2),
    save=None,
    dpi: int = 150,
):
    """Filled 1 sigma / 2 sigma bands of observables in the (x, y) plane of a grid scan.

    Args:
        data: scan directory, :func:`gm2jax.scan.load_grid` Dataset, or a DataFrame on a full grid.
        x, y: the two scanned names spanning the plane (x horizontal).
        targets: observable column -> :class:`Target`; each is drawn as the regions
            |value - central| < levels[0] sigma (dark) and < levels[1] sigma (light).
        levels: pull levels of the bands (ascending; 1 or 2 entries).
        lines: observable -> values at which to draw labelled contour lines of the observable
            itself (labels in units of the power of ten of its target, shown in the legend).
        colors: observable -> (inner colour, outer colour); defaults: a_e yellow, a_mu blue.
        sel: values of the other scanned names, if the scan has more than two (nearest point).
        status: status column; points with non-zero status are hatched grey (None: skip).
        alpha: opacity of the fills (overlaps stay visible).
        xlog, ylog: logarithmic axes.
        title, xlabel, ylabel: text (labels default to the names).
        legend: draw a legend.
        ax: draw into this axes instead of a new figure.
        figsize: size of a new figure (inches).
        save: path of a PNG to write.
        dpi: resolution of the PNG.

    Returns:
        The :class:`matplotlib.figure.Figure`.

    Raises:
        InvalidInput: unknown names, or a scan with more varying names than (x, y) and no ``sel``.

    References:
        arXiv:1908.03607, Figs. 2, 3 and 5.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if not targets:
        raise InvalidInput("targets: give at least one observable -> Target(central, sigma)")
    levels = tuple(float(v) for v in levels)
    if not 1 <= len(levels) <= 2 or any(b <= a for a, b in itertools.pairwise(levels)) or levels[0] <= 0:
        raise InvalidInput(f"levels={levels}: give one or two ascending positive pull levels")
    ds = _as_dataset(data, x, y, sel)
    dims = (y, x)  # rows = y, columns = x
    xs, ys = np.asarray(ds[x].values, dtype=float), np.asarray(ds[y].values, dtype=float)
    fig, ax = _new_axes(ax, figsize)
    handles = []
    for i, (name, target) in enumerate(targets.items()):
        target = Target(*target)
        val = _field(ds, name, dims)
        apull = np.abs(pull(val, target))
        inner, outer = _colors(i, name, colors)
        fills = [inner, outer][: len(levels)]
        _quiet(ax.contourf, xs, ys, np.ma.masked_invalid(apull), levels=(0.0,) + levels, colors=fills, alpha=alpha)
        lab = _LABELS.get(name, name)
        for lev, col in zip(levels, fills):
            handles.append(Patch(facecolor=col, alpha=alpha, label=f"{lab} within {lev:g}$\\sigma$"))
        if lines and name in lines:
            unit = _unit(target)
            cs = _quiet(ax.contour, xs, ys, np.ma.masked_invalid(val), levels=sorted(lines[name]), colors=inner, linewidths=0.9, linestyles="solid")
            if len(cs.levels):
                ax.clabel(cs, fmt=lambda v, u=unit: f"{v / u:g}", fontsize=7)
            exp = round(math.log10(unit))
            handles.append(Line2D([], [], color=inner, lw=0.9, label=f"{lab} $\\times 10^{{{-exp}}}$"))
    if status and status in ds:
        bad = _field(ds, status, dims) != 0
        if bad.any():
            _quiet(ax.contourf, xs, ys, bad.astype(float), levels=[0.5, 1.5], colors="none", hatches=["///"])
            ax.contour(xs, ys, bad.astype(float), levels=[0.5], colors="grey", linewidths=0.6)
            handles.append(Patch(facecolor="none", edgecolor="grey", hatch="///", label="unphysical"))
    ax.set_xlim(xs.min(), xs.max())
    ax.set_ylim(ys.min(), ys.max())
    if xlog:
        ax.set_xscale("log")
    if ylog:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel or axis_label(x))
    ax.set_ylabel(ylabel or axis_label(y))
    if title:
        ax.set_title(title, fontsize=10)
    if legend and handles:
        ax.legend(handles=handles, fontsize=7, loc="best", framealpha=0.8)
    if save is not None:
        save_figure(fig, save, dpi=dpi)
    return fig


def r_curves(
    data,
    x: str,
    targets: Mapping[str, Target],
    *,
    leptons: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    sel: Mapping[str, float] | None = None,
    band: bool = True,
    xlog: bool = False,
    ylim: tuple[float, float] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    legend: bool = True,
    ax=None,
    figsize=(5.0, 4.0),
    save=None,
    dpi: int = 150,
):
    """R_l^SUSY (solid), R_l^chi+- (dashed) and R_l^chi0 (dash-dotted) against one scanned name.

    Args:
        data: scan directory, Dataset or DataFrame with columns ``a_<l>``, ``a_<l>_neutralino``,
            ``a_<l>_chargino`` for every lepton ``l``.
        x: the scanned name on the horizontal axis.
        targets: ``"a_e"``/``"a_mu"`` -> :class:`Target` (Delta a_l, sigma_l).
        leptons: leptons to draw (default: those of ``targets``).
        colors: lepton -> colour (default electron red, muon blue).
        sel: values of other scanned names, if any.
        band: shade |R| < 1 and draw the decoupling limits -Delta a_l/(2 sigma_l) (thin dotted).
        ylim: vertical range (default: all of the curves).
        xlog, title, xlabel, legend, ax, figsize, save, dpi: as in :func:`band_map`.

    Returns:
        The :class:`matplotlib.figure.Figure`.

    References:
        arXiv:1908.03607, eqs. (9)-(10) and Figs. 1, 4.
    """
    from matplotlib.lines import Line2D

    if leptons is None:
        leptons = [k[2:] for k in targets if k.startswith("a_")]
    ds = _as_dataset(data, x, None, sel)
    xs = np.asarray(ds[x].values, dtype=float)
    order = np.argsort(xs)
    fig, ax = _new_axes(ax, figsize)
    if band:
        ax.axhspan(-1.0, 1.0, color="0.9", zorder=0)
    ax.axhline(0.0, color="0.5", lw=0.5)
    for lep in leptons:
        key = f"a_{lep}"
        if key not in targets:
            raise InvalidInput(f"targets: no Target for {key!r}")
        t = Target(*targets[key])
        r = r_parts(_field(ds, key, (x,)), _field(ds, f"{key}_neutralino", (x,)), _field(ds, f"{key}_chargino", (x,)), t)
        col = (colors or {}).get(lep, LEPTON_COLORS.get(lep, "k"))
        ax.plot(xs[order], r["susy"][order], color=col, ls="-", lw=1.6)
        ax.plot(xs[order], r["chargino"][order], color=col, ls="--", lw=1.1)
        ax.plot(xs[order], r["neutralino"][order], color=col, ls="-.", lw=1.1)
        if band:
            ax.axhline(-t.central / (2.0 * t.sigma), color=col, ls=":", lw=0.6)
    if xlog:
        ax.set_xscale("log")
    ax.set_xlim(xs.min(), xs.max())
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel or axis_label(x))
    ax.set_ylabel(r"$R_\ell$")
    if title:
        ax.set_title(title, fontsize=10)
    if legend:
        handles = [
            Line2D([], [], color="k", ls="-", label=r"$R^{\rm SUSY}$"),
            Line2D([], [], color="k", ls="--", label=r"$R^{\chi^\pm}$"),
            Line2D([], [], color="k", ls="-.", label=r"$R^{\chi^0}$"),
        ] + [Line2D([], [], color=(colors or {}).get(lep, LEPTON_COLORS.get(lep, "k")), label=_LABELS.get(f"a_{lep}", lep)) for lep in leptons]
        if band:
            from matplotlib.patches import Patch

            handles += [
                Patch(color="0.9", label=r"$|R| < 1$"),
                Line2D([], [], color="k", ls=":", lw=0.6, label=r"decoupling: $-\Delta a_\ell/(2\sigma_\ell)$"),
            ]
        ax.legend(handles=handles, fontsize=7, loc="best", framealpha=0.8)
    if save is not None:
        save_figure(fig, save, dpi=dpi)
    return fig


def figure(ncols: int = 1, nrows: int = 1, size=(5.0, 4.2)):
    """A new :class:`~matplotlib.figure.Figure` with a grid of axes (no pyplot state).

    Returns:
        ``(fig, axes)``: ``axes`` is a flat list of ``nrows * ncols`` axes, to pass as ``ax=``.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, [a for row in axes for a in row]


def save_figure(fig, path, dpi: int = 150) -> pathlib.Path:
    """Write ``fig`` as PNG (parent directories created); returns the path."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, format="png")
    return path


def show(fig):
    """Display ``fig`` inline when running in IPython/Jupyter (no-op elsewhere); returns ``fig``."""
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:
        return fig
    if get_ipython() is None:
        return fig
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    display(Image(buf.getvalue()))
    return fig


# ---------------------------------------------------------------------------------------------
# fits and posteriors: profiles, corner plots, marginals
# ---------------------------------------------------------------------------------------------

_CL_2D = ((2.30, "68%"), (6.18, "95%"))  # Delta chi^2 of 2 parameters at 68.27 % / 95.45 % CL
_CL_1D = ((1.0, "68%"), (4.0, "95%"))
_POST = "#1f4e9c"  # posterior colour
_BEST = "#c0392b"  # best-fit colour
_DATA = "#2b8a3e"  # measurement band


def _log_axis(axis) -> None:
    """Readable log axis: labels at 1, 2, 5 x 10^n (a range under two decades otherwise shows
    a single labelled tick), plain numbers, no minor labels."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _is_log(config, name: str) -> bool:
    spec = {p.name: p for p in config.free}.get(name)
    return spec is not None and spec.prior == "loguniform"


def _prior_range(config, name: str):
    spec = {p.name: p for p in config.free}.get(name)
    return None if spec is None else (spec.lo, spec.hi)


def _plain_ticks(axis, n: int = 4) -> None:
    from matplotlib.ticker import MaxNLocator, ScalarFormatter

    axis.set_major_locator(MaxNLocator(n, prune="both"))
    fmt = ScalarFormatter(useOffset=False)
    fmt.set_powerlimits((-4, 5))
    axis.set_major_formatter(fmt)


def _interval_1d(grid, dchi2, level):
    """[lo, hi] where the profile Delta chi^2 <= level (linear interpolation), NaN-safe."""
    g, d = np.asarray(grid, float), np.asarray(dchi2, float)
    ok = np.isfinite(d)
    g, d = g[ok], d[ok]
    inside = np.nonzero(d <= level)[0]
    if inside.size == 0:
        return None
    i, j = inside[0], inside[-1]
    lo = g[i] if i == 0 else np.interp(level, [d[i], d[i - 1]], [g[i], g[i - 1]])
    hi = g[j] if j == len(g) - 1 else np.interp(level, [d[j], d[j + 1]], [g[j], g[j + 1]])
    return lo, hi, i == 0, j == len(g) - 1


def profiles(result, *, save=None, dpi: int = 130):
    """1-D and 2-D profile likelihoods of a fit (:class:`gm2jax.fit.FitResult`).

    1-D panels: profile Delta chi^2 with the 68 % / 95 % levels (Delta chi^2 = 1, 4), the 68 %
    interval shaded, the best fit marked, and a note when an interval runs into the edge of the
    parameter's range (prior edge).  2-D panels: the 68 % / 95 % CL contours (Delta chi^2 = 2.30,
    6.18; labelled), the 1 sigma / 2 sigma bands |R_l| < 1, 2 of each measured anomaly (colours of
    :data:`BAND_COLORS`), the best fit.  Axes are labelled with units (:mod:`gm2jax.labels`),
    logarithmic for log-uniform priors, and span the parameter ranges.

    Returns:
        The :class:`matplotlib.figure.Figure` (saved as PNG when ``save`` is given).
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    cfg = result.config
    p1, p2 = result.profiles_1d, result.profiles_2d
    panels = max(len(p1) + len(p2), 1)
    ncol = min(panels, 3)
    nrow = -(-panels // ncol)
    fig = Figure(figsize=(4.4 * ncol, 3.9 * nrow), layout="constrained")
    axes = list(fig.subplots(nrow, ncol, squeeze=False).ravel())
    for ax in axes[panels:]:
        ax.set_axis_off()
    best = result.best
    for ax, (name, pr) in zip(axes, p1.items()):
        grid, d = np.asarray(pr["grid"], float), np.asarray(pr["delta_chi2"], float)
        ax.plot(grid, d, color="k", lw=1.4, marker=".", ms=3, label=r"profile $\Delta\chi^2$")
        for (lev, cl), ls in zip(_CL_1D, (":", "--")):
            ax.axhline(lev, color="0.4", ls=ls, lw=0.8, label=rf"{cl} CL ($\Delta\chi^2={lev:g}$)")
        iv = _interval_1d(grid, d, 1.0)
        if iv is not None:
            ax.axvspan(iv[0], iv[1], color=_POST, alpha=0.12, lw=0, label="68% interval")
        ax.axvline(best[name], color=_BEST, lw=1.0, label="best fit")
        rng = _prior_range(cfg, name)
        if rng is not None:
            ax.set_xlim(*rng)
        edge = iv is not None and (iv[2] or iv[3])
        if edge:
            ax.text(0.98, 0.97, "68% interval reaches\nthe range edge", transform=ax.transAxes,
                    ha="right", va="top", fontsize=7, color="0.25")
        if _is_log(cfg, name):
            ax.set_xscale("log")
            _log_axis(ax.xaxis)
        ax.set_xlabel(axis_label(name))
        ax.set_ylabel(r"profile $\Delta\chi^2$")
        finite = d[np.isfinite(d)]
        ax.set_ylim(-0.2, max(9.0, min(float(finite.max()) if finite.size else 9.0, 25.0)))
        ax.legend(fontsize=7, loc="best", framealpha=0.85)
    for ax, (label, pr) in zip(axes[len(p1):], p2.items()):
        a, b = label.split(",")
        A, B = np.meshgrid(pr["grid_a"], pr["grid_b"], indexing="ij")
        handles = []
        for lep in ("e", "mu", "tau"):
            key = f"R_{lep}"
            if key in pr:
                inner, outer = BAND_COLORS.get(f"a_{lep}", _FALLBACK_COLORS[0])
                r = np.ma.masked_invalid(np.abs(np.asarray(pr[key], float)))
                _quiet(ax.contourf, A, B, r, levels=[0, 1, 2], colors=[inner, outer], alpha=0.5)
                sym = meta(f"a_{lep}").latex
                handles += [Patch(color=inner, alpha=0.5, label=rf"${sym}$ within 1$\sigma$"),
                            Patch(color=outer, alpha=0.5, label=rf"${sym}$ within 2$\sigma$")]
        dchi = np.ma.masked_invalid(np.asarray(pr["delta_chi2"], float))
        cs = _quiet(ax.contour, A, B, dchi, levels=[lv for lv, _ in _CL_2D], colors="k", linestyles=["-", "--"], linewidths=1.1)
        if len(cs.levels):
            ax.clabel(cs, fmt={lv: cl for lv, cl in _CL_2D}, fontsize=7)
        handles += [Line2D([], [], color="k", ls="-", label=r"68% CL ($\Delta\chi^2=2.30$)"),
                    Line2D([], [], color="k", ls="--", label=r"95% CL ($\Delta\chi^2=6.18$)")]
        ax.plot(best[a], best[b], marker="*", color=_BEST, ms=11, ls="none")
        handles.append(Line2D([], [], marker="*", color=_BEST, ms=9, ls="none", label="best fit"))
        for nm, setlim, setscale, axis in ((a, ax.set_xlim, ax.set_xscale, ax.xaxis), (b, ax.set_ylim, ax.set_yscale, ax.yaxis)):
            rng = _prior_range(cfg, nm)
            if rng is not None:
                setlim(*rng)
            if _is_log(cfg, nm):
                setscale("log")
                _log_axis(axis)
        ax.set_xlabel(axis_label(a))
        ax.set_ylabel(axis_label(b))
        ax.legend(handles=handles, fontsize=6.5, loc="best", framealpha=0.85)
    fig.suptitle(f"{cfg.name}: profile likelihoods, best fit $\\chi^2$ = {result.chi2:.3g}", fontsize=9)
    if save is not None:
        save_figure(fig, save, dpi=dpi)
    return fig


def _draws(idata, name: str) -> np.ndarray:
    post = idata.posterior
    if name not in post:
        raise InvalidInput(f"{name!r} is not a posterior variable; have {sorted(post.data_vars)}")
    return np.asarray(post[name], dtype=float).ravel() * meta(name).scale


def default_var_names(idata, config, max_vars: int = 8) -> list[str]:
    """The variables of a corner plot: the fitted observables and the free parameters; with more
    than ``max_vars``, the parameters most correlated with the observables (readable panels)."""
    obs = [o for o in config.observables if o in idata.posterior]
    params = list(config.names)
    room = max(max_vars - len(obs), 2)
    if len(params) > room:
        y = np.stack([_draws(idata, o) for o in obs], axis=-1) if obs else None

        def score(n):
            x = _draws(idata, n)
            x = np.log(x) if _is_log(config, n) and np.all(x > 0) else x
            if y is None or np.std(x) == 0:
                return 0.0
            return max(abs(np.corrcoef(x, y[:, k])[0, 1]) for k in range(y.shape[1]))

        ranked = sorted(params, key=score, reverse=True)[:room]
        params = [p for p in params if p in ranked]  # keep the config's order
    return params + obs


def _hist_edges(x, log: bool, bins: int, rng=None):
    lo, hi = (np.nanmin(x), np.nanmax(x)) if rng is None else rng
    if log and lo > 0:
        return np.geomspace(lo, hi, bins + 1)
    if hi <= lo:
        hi = lo + 1.0
    return np.linspace(lo, hi, bins + 1)


def _mass_levels(h, fractions=(0.6827, 0.9545)):
    """Density thresholds enclosing the given probability fractions of a 2-D histogram."""
    flat = np.sort(h.ravel())[::-1]
    cum = np.cumsum(flat)
    cum /= cum[-1] if cum[-1] > 0 else 1.0
    levels = [flat[min(np.searchsorted(cum, f), len(flat) - 1)] for f in fractions]
    return sorted(set(levels))


def _data_range(x, log: bool, prior):
    """Plotted range: the draws padded by 5 %; where that crosses a prior edge, the axis stops
    just beyond the edge (so the edge, shaded by :func:`_mark_prior_edges`, stays visible)."""
    lo, hi = np.nanquantile(x, [0.0005, 0.9995])
    if log and lo > 0:
        pad = (hi / lo) ** 0.05
        lo, hi = lo / pad, hi * pad
    else:
        pad = 0.05 * (hi - lo if hi > lo else abs(lo) + 1.0)
        lo, hi = lo - pad, hi + pad
    if prior is not None:
        plo, phi = prior
        if log and plo > 0:
            margin = (hi / lo) ** 0.03
            lo = max(lo, plo / margin)
            hi = min(hi, phi * margin)
        else:
            margin = 0.03 * (hi - lo)
            lo = max(lo, plo - margin)
            hi = min(hi, phi + margin)
    return lo, hi


def _mark_prior_edges(ax, prior, rng) -> bool:
    """Shade (grey, hatched) the part of the plotted range outside the prior range."""
    if prior is None:
        return False
    marked = False
    if rng[0] < prior[0] < rng[1]:
        ax.axvspan(rng[0], prior[0], facecolor="0.85", edgecolor="0.5", hatch="////", lw=0)
        marked = True
    if rng[0] < prior[1] < rng[1]:
        ax.axvspan(prior[1], rng[1], facecolor="0.85", edgecolor="0.5", hatch="////", lw=0)
        marked = True
    return marked


def _fmt_value(q50: float, up: float, down: float) -> str:
    """median^{+up}_{-down} rounded to two significant digits of the smaller error, one common
    power of ten when the numbers are large or small."""
    err = min(abs(up), abs(down)) or max(abs(up), abs(down)) or abs(q50) or 1.0
    mag = max(abs(q50), abs(up), abs(down))
    exp = math.floor(math.log10(mag)) if mag > 0 else 0
    factor = 1.0
    suffix = ""
    if exp >= 5 or exp <= -3:
        factor, suffix = 10.0**exp, rf" \times 10^{{{exp}}}"
    digits = max(0, 1 - math.floor(math.log10(err / factor)))
    f = lambda v: f"{v / factor:.{digits}f}"  # noqa: E731
    return f"${f(q50)}^{{+{f(up)}}}_{{-{f(down)}}}{suffix}$"


def _summary_text(name: str, x) -> str:
    q16, q50, q84 = np.nanquantile(x, [0.16, 0.5, 0.84])
    unit = meta(name).unit
    return f"{short_label(name)} = {_fmt_value(q50, q84 - q50, q50 - q16)}" + (f" {unit}" if unit else "")


def _observed(idata, name: str):
    """(central, sigma) of a measured observable from ``observed_data`` (scaled), else None."""
    obs = getattr(idata, "observed_data", None)
    if obs is None or name not in obs:
        return None
    sigma = obs[name].attrs.get("sigma")
    if sigma is None:
        return None
    s = meta(name).scale
    return float(obs[name]) * s, float(sigma) * s


def corner(
    idata,
    config,
    *,
    var_names: Sequence[str] | None = None,
    best: Mapping[str, float] | None = None,
    max_vars: int = 8,
    bins: int = 30,
    title: str | None = None,
    save=None,
    dpi: int = 110,
):
    """Corner plot of a posterior: 1-D marginals on the diagonal, 68 % / 95 % credible contours below.

    Diagonal: histogram, median and the 68 % equal-tailed credible interval (dashed), the value
    printed above the panel; the best fit (red) when ``best`` is given; a grey bar on the
    horizontal axis where the prior range ends inside the plotted range.  Off-diagonal: the
    regions holding 68 % and 95 % of the draws (smoothed 2-D histogram; contours labelled).
    a_l are shown scaled (``a_mu`` x 1e9), axes labelled with units and logarithmic where the
    prior is log-uniform.

    Args:
        idata: ``arviz.InferenceData`` (its ``posterior``).
        config: the :class:`gm2jax.config.FitConfig` (priors, observables).
        var_names: variables to show; default :func:`default_var_names` (at most ``max_vars``,
            so a 14-parameter posterior stays readable: pass subsets for more pair plots).
        best: name -> best-fit value (unscaled), e.g. ``FitResult.values``.
        max_vars: limit of the default selection.
        bins: histogram bins per axis.
        title, save, dpi: figure title, PNG path, resolution.

    Returns:
        The :class:`matplotlib.figure.Figure`.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from scipy.ndimage import gaussian_filter

    names = list(var_names) if var_names is not None else default_var_names(idata, config, max_vars)
    k = len(names)
    if k == 0:
        raise InvalidInput("var_names: give at least one variable")
    data = {n: _draws(idata, n) for n in names}
    logs = {n: _is_log(config, n) and bool(np.all(data[n] > 0)) for n in names}
    priors = {n: _prior_range(config, n) for n in names}
    ranges = {n: _data_range(data[n], logs[n], priors[n]) for n in names}
    size = 1.9 if k > 4 else 2.4
    fig = Figure(figsize=(size * k + 0.8, size * k + 0.9), layout="constrained")
    axes = fig.subplots(k, k, squeeze=False)
    edges = measured = False
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            xb = b
            if i == j:
                x = data[a][np.isfinite(data[a])]
                ax.hist(x, bins=_hist_edges(x, logs[a], bins, ranges[a]), color=_POST, histtype="stepfilled", alpha=0.35)
                ax.hist(x, bins=_hist_edges(x, logs[a], bins, ranges[a]), color=_POST, histtype="step", lw=1.0)
                q16, q50, q84 = np.nanquantile(x, [0.16, 0.5, 0.84])
                ax.axvline(q50, color=_POST, lw=1.2)
                for q in (q16, q84):
                    ax.axvline(q, color=_POST, lw=1.0, ls="--")
                if best and a in best and np.isfinite(best[a]):
                    ax.axvline(best[a] * meta(a).scale, color=_BEST, lw=1.2)
                ax.set_title(_summary_text(a, x), fontsize=8)
                ax.set_yticks([])
                edges |= _mark_prior_edges(ax, priors[a], ranges[a])
                seen = _observed(idata, a)
                if seen is not None:
                    ax.axvspan(seen[0] - seen[1], seen[0] + seen[1], color=_DATA, alpha=0.25, lw=0)
                    ax.axvline(seen[0], color=_DATA, lw=1.0)
                    measured = True
            else:
                x, y = data[b], data[a]
                ok = np.isfinite(x) & np.isfinite(y)
                ex = _hist_edges(x[ok], logs[b], bins, ranges[b])
                ey = _hist_edges(y[ok], logs[a], bins, ranges[a])
                h, _, _ = np.histogram2d(x[ok], y[ok], bins=[ex, ey])
                h = gaussian_filter(h, 1.0)
                cx = np.sqrt(ex[1:] * ex[:-1]) if logs[b] else 0.5 * (ex[1:] + ex[:-1])
                cy = np.sqrt(ey[1:] * ey[:-1]) if logs[a] else 0.5 * (ey[1:] + ey[:-1])
                levels = _mass_levels(h)
                if len(levels) == 2 and levels[0] < levels[1] and h.max() > levels[1]:
                    ax.contourf(cx, cy, h.T, levels=[levels[0], h.max()], colors=[_POST], alpha=0.18)
                    ax.contourf(cx, cy, h.T, levels=[levels[1], h.max()], colors=[_POST], alpha=0.35)
                    cs = ax.contour(cx, cy, h.T, levels=levels, colors=_POST, linewidths=[0.8, 1.1], linestyles=["--", "-"])
                    if k <= 4:
                        ax.clabel(cs, fmt={levels[0]: "95%", levels[1]: "68%"}, fontsize=6)
                else:
                    ax.plot(x[ok], y[ok], ",", color=_POST, alpha=0.3)
                if best and a in best and b in best:
                    ax.plot(best[b] * meta(b).scale, best[a] * meta(a).scale, marker="*", color=_BEST, ms=8, ls="none")
                ax.set_ylim(*ranges[a])
                if logs[a]:
                    ax.set_yscale("log")
                    _log_axis(ax.yaxis)
                else:
                    _plain_ticks(ax.yaxis)
            ax.set_xlim(*ranges[xb])
            if logs[xb]:
                ax.set_xscale("log")
                _log_axis(ax.xaxis)
            else:
                _plain_ticks(ax.xaxis)
            ax.tick_params(labelsize=6.5)
            if i == k - 1:
                ax.set_xlabel(axis_label(b), fontsize=9)
                for t in ax.get_xticklabels():
                    t.set_rotation(40)
                    t.set_ha("right")
            else:
                ax.tick_params(labelbottom=False)
            if j == 0 and i > 0:
                ax.set_ylabel(axis_label(a), fontsize=9)
            elif i != j:
                ax.tick_params(labelleft=False)
    handles = [
        Line2D([], [], color=_POST, lw=1.2, label="median"),
        Line2D([], [], color=_POST, lw=1.0, ls="--", label="68% credible interval"),
        Line2D([], [], color=_POST, lw=1.1, ls="-", marker="s", ms=0, label="2-D: 68% (solid), 95% (dashed) of the draws"),
    ]
    if measured:
        handles.append(Patch(color=_DATA, alpha=0.35, label=r"measured $\pm1\sigma$"))
    if edges:
        handles.append(Patch(facecolor="0.85", edgecolor="0.5", hatch="////", label="outside the prior range"))
    if best:
        handles.append(Line2D([], [], color=_BEST, marker="*", ms=8, lw=1.2, label="best fit"))
    legend_ax = axes[0, k - 1] if k > 1 else axes[0, 0]
    if k > 1:
        legend_ax.legend(handles=handles, loc="upper right", fontsize=7, frameon=False)
    else:
        legend_ax.legend(handles=handles, loc="upper right", fontsize=6)
    if title:
        fig.suptitle(title, fontsize=9)
    if save is not None:
        save_figure(fig, save, dpi=dpi)
    return fig


def marginals(idata, config, *, var_names: Sequence[str] | None = None, best: Mapping[str, float] | None = None,
              ncols: int = 4, bins: int = 40, title: str | None = None, save=None, dpi: int = 110):
    """1-D posterior marginals of many variables on a grid (every free parameter and observable
    by default): histogram, median, 68 % interval, prior edges, best fit -- the overview that a
    corner plot of 14 variables cannot give.

    Returns:
        The :class:`matplotlib.figure.Figure`.
    """
    from matplotlib.figure import Figure

    names = list(var_names) if var_names is not None else [*config.names, *[o for o in config.observables if o in idata.posterior]]
    n = len(names)
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = Figure(figsize=(3.1 * ncols, 2.5 * nrows), layout="constrained")
    axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_axis_off()
    for ax, name in zip(axes, names):
        x = _draws(idata, name)
        x = x[np.isfinite(x)]
        log = _is_log(config, name) and bool(np.all(x > 0))
        pr = _prior_range(config, name)
        rng = _data_range(x, log, pr)
        ax.hist(x, bins=_hist_edges(x, log, bins, rng), color=_POST, histtype="stepfilled", alpha=0.35)
        q16, q50, q84 = np.nanquantile(x, [0.16, 0.5, 0.84])
        ax.axvline(q50, color=_POST, lw=1.2)
        for q in (q16, q84):
            ax.axvline(q, color=_POST, lw=1.0, ls="--")
        if best and name in best and np.isfinite(best[name]):
            ax.axvline(best[name] * meta(name).scale, color=_BEST, lw=1.2)
        _mark_prior_edges(ax, pr, rng)
        seen = _observed(idata, name)
        if seen is not None:
            ax.axvspan(seen[0] - seen[1], seen[0] + seen[1], color=_DATA, alpha=0.25, lw=0)
        ax.set_xlim(*rng)
        if log:
            ax.set_xscale("log")
            _log_axis(ax.xaxis)
        else:
            _plain_ticks(ax.xaxis)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
        ax.set_xlabel(axis_label(name), fontsize=9)
        ax.set_title(_summary_text(name, x), fontsize=8)
    fig.suptitle(title or "posterior marginals: median (solid), 68% credible interval (dashed), best fit (red), "
                 "measured $\\pm1\\sigma$ (green), outside the prior range (hatched)", fontsize=9)
    if save is not None:
        save_figure(fig, save, dpi=dpi)
    return fig
