r"""Figures of scans: 1 sigma / 2 sigma band maps and R_l curves in the style of arXiv:1908.03607.

Both take the data of a scan (a scan directory, the :class:`xarray.Dataset` of
:func:`gm2jax.scan.load_grid` or the :class:`pandas.DataFrame` of :func:`gm2jax.scan.load_scan`)
and the measured deviations as :class:`~gm2jax.plot.measured.Target` values.

* :func:`band_map` -- in any 2-D plane of a grid scan, the regions where each observable lies
  within 1 sigma (dark) and 2 sigma (light) of its target, a_e yellow and a_mu blue as in
  arXiv:1908.03607 Figs. 2, 3, 5, optionally with contour lines of the values themselves and
  hatching where the point is unphysical (``status != 0``).
* :func:`r_curves` -- R_l^SUSY (solid), R_l^chi+- (dashed), R_l^chi0 (dash-dotted) against one
  scanned parameter, electron red and muon blue (arXiv:1908.03607 Figs. 1, 4; eqs. (9)-(10)).
"""

from __future__ import annotations

import itertools
import math
import pathlib
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from gm2jax.errors import InvalidInput
from gm2jax.labels import axis_label
from gm2jax.plot import canvas
from gm2jax.plot._style import (
    BAND_COLORS,
    FALLBACK_COLORS,
    LEPTON_COLORS,
    OBS_LABELS,
    new_axes,
    quiet,
)
from gm2jax.plot.measured import Target, pull, r_parts
from gm2jax.scan import load_grid

__all__ = ["band_map", "r_curves"]


def _as_dataset(data, x: str, y: str | None, sel: Mapping | None):
    """A Dataset with exactly the dims (x[, y]) from a scan dir, Dataset or DataFrame."""
    if isinstance(data, (str, pathlib.Path)):
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
    return BAND_COLORS.get(name, FALLBACK_COLORS[i % len(FALLBACK_COLORS)])


def _unit(target: Target) -> float:
    scale = abs(target.central) or abs(target.sigma) or 1.0
    return 10.0 ** math.floor(math.log10(scale))


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
    if not targets:
        raise InvalidInput("targets: give at least one observable -> Target(central, sigma)")
    levels = tuple(float(v) for v in levels)
    if not 1 <= len(levels) <= 2 or any(b <= a for a, b in itertools.pairwise(levels)) or levels[0] <= 0:
        raise InvalidInput(f"levels={levels}: give one or two ascending positive pull levels")
    ds = _as_dataset(data, x, y, sel)
    dims = (y, x)  # rows = y, columns = x
    xs, ys = np.asarray(ds[x].values, dtype=float), np.asarray(ds[y].values, dtype=float)
    fig, ax = new_axes(ax, figsize)
    handles = []
    for i, (name, target) in enumerate(targets.items()):
        target = Target(*target)
        val = _field(ds, name, dims)
        apull = np.abs(pull(val, target))
        inner, outer = _colors(i, name, colors)
        fills = [inner, outer][: len(levels)]
        quiet(ax.contourf, xs, ys, np.ma.masked_invalid(apull), levels=(0.0,) + levels, colors=fills, alpha=alpha)
        lab = OBS_LABELS.get(name, name)
        for lev, col in zip(levels, fills):
            handles.append(Patch(facecolor=col, alpha=alpha, label=f"{lab} within {lev:g}$\\sigma$"))
        if lines and name in lines:
            unit = _unit(target)
            cs = quiet(ax.contour, xs, ys, np.ma.masked_invalid(val), levels=sorted(lines[name]), colors=inner, linewidths=0.9, linestyles="solid")
            if len(cs.levels):
                ax.clabel(cs, fmt=lambda v, u=unit: f"{v / u:g}", fontsize=7)
            exp = round(math.log10(unit))
            handles.append(Line2D([], [], color=inner, lw=0.9, label=f"{lab} $\\times 10^{{{-exp}}}$"))
    if status and status in ds:
        bad = _field(ds, status, dims) != 0
        if bad.any():
            quiet(ax.contourf, xs, ys, bad.astype(float), levels=[0.5, 1.5], colors="none", hatches=["///"])
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
        canvas.save_figure(fig, save, dpi=dpi)
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
    if leptons is None:
        leptons = [k[2:] for k in targets if k.startswith("a_")]
    ds = _as_dataset(data, x, None, sel)
    xs = np.asarray(ds[x].values, dtype=float)
    order = np.argsort(xs)
    fig, ax = new_axes(ax, figsize)
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
        ] + [Line2D([], [], color=(colors or {}).get(lep, LEPTON_COLORS.get(lep, "k")), label=OBS_LABELS.get(f"a_{lep}", lep)) for lep in leptons]
        if band:
            handles += [
                Patch(color="0.9", label=r"$|R| < 1$"),
                Line2D([], [], color="k", ls=":", lw=0.6, label=r"decoupling: $-\Delta a_\ell/(2\sigma_\ell)$"),
            ]
        ax.legend(handles=handles, fontsize=7, loc="best", framealpha=0.8)
    if save is not None:
        canvas.save_figure(fig, save, dpi=dpi)
    return fig
