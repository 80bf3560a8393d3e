"""Figure of a fit's profile likelihoods (1-D Delta chi^2 curves and 2-D CL contours)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from gm2jax.labels import axis_label, meta
from gm2jax.plot import canvas
from gm2jax.plot._style import (
    BAND_COLORS,
    BEST_COLOR,
    CL_1D,
    CL_2D,
    FALLBACK_COLORS,
    POST_COLOR,
    is_log,
    log_axis,
    prior_range,
    quiet,
)

__all__ = ["profiles"]


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
        for (lev, cl), ls in zip(CL_1D, (":", "--")):
            ax.axhline(lev, color="0.4", ls=ls, lw=0.8, label=rf"{cl} CL ($\Delta\chi^2={lev:g}$)")
        iv = _interval_1d(grid, d, 1.0)
        if iv is not None:
            ax.axvspan(iv[0], iv[1], color=POST_COLOR, alpha=0.12, lw=0, label="68% interval")
        ax.axvline(best[name], color=BEST_COLOR, lw=1.0, label="best fit")
        rng = prior_range(cfg, name)
        if rng is not None:
            ax.set_xlim(*rng)
        edge = iv is not None and (iv[2] or iv[3])
        if edge:
            ax.text(0.98, 0.97, "68% interval reaches\nthe range edge", transform=ax.transAxes,
                    ha="right", va="top", fontsize=7, color="0.25")
        if is_log(cfg, name):
            ax.set_xscale("log")
            log_axis(ax.xaxis)
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
                inner, outer = BAND_COLORS.get(f"a_{lep}", FALLBACK_COLORS[0])
                r = np.ma.masked_invalid(np.abs(np.asarray(pr[key], float)))
                quiet(ax.contourf, A, B, r, levels=[0, 1, 2], colors=[inner, outer], alpha=0.5)
                sym = meta(f"a_{lep}").latex
                handles += [Patch(color=inner, alpha=0.5, label=rf"${sym}$ within 1$\sigma$"),
                            Patch(color=outer, alpha=0.5, label=rf"${sym}$ within 2$\sigma$")]
        dchi = np.ma.masked_invalid(np.asarray(pr["delta_chi2"], float))
        cs = quiet(ax.contour, A, B, dchi, levels=[lv for lv, _ in CL_2D], colors="k", linestyles=["-", "--"], linewidths=1.1)
        if len(cs.levels):
            ax.clabel(cs, fmt={lv: cl for lv, cl in CL_2D}, fontsize=7)
        handles += [Line2D([], [], color="k", ls="-", label=r"68% CL ($\Delta\chi^2=2.30$)"),
                    Line2D([], [], color="k", ls="--", label=r"95% CL ($\Delta\chi^2=6.18$)")]
        ax.plot(best[a], best[b], marker="*", color=BEST_COLOR, ms=11, ls="none")
        handles.append(Line2D([], [], marker="*", color=BEST_COLOR, ms=9, ls="none", label="best fit"))
        for nm, setlim, setscale, axis in ((a, ax.set_xlim, ax.set_xscale, ax.xaxis), (b, ax.set_ylim, ax.set_yscale, ax.yaxis)):
            rng = prior_range(cfg, nm)
            if rng is not None:
                setlim(*rng)
            if is_log(cfg, nm):
                setscale("log")
                log_axis(axis)
        ax.set_xlabel(axis_label(a))
        ax.set_ylabel(axis_label(b))
        ax.legend(handles=handles, fontsize=6.5, loc="best", framealpha=0.85)
    fig.suptitle(f"{cfg.name}: profile likelihoods, best fit $\\chi^2$ = {result.chi2:.3g}", fontsize=9)
    if save is not None:
        canvas.save_figure(fig, save, dpi=dpi)
    return fig
