"""Figures of posterior samples (ArviZ InferenceData): corner plots and 1-D marginals."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from scipy.ndimage import gaussian_filter

from gm2jax.errors import InvalidInput
from gm2jax.labels import axis_label, meta, short_label
from gm2jax.plot import canvas
from gm2jax.plot._style import (
    BEST_COLOR,
    DATA_COLOR,
    POST_COLOR,
    is_log,
    log_axis,
    plain_ticks,
    prior_range,
)

__all__ = ["corner", "default_var_names", "marginals"]


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
            x = np.log(x) if is_log(config, n) and np.all(x > 0) else x
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


def _mark_median_band_best(ax, x, name: str, best) -> None:
    """Vertical lines: the median (solid), the 16 %/84 % quantiles (dashed) and the best fit."""
    q16, q50, q84 = np.nanquantile(x, [0.16, 0.5, 0.84])
    ax.axvline(q50, color=POST_COLOR, lw=1.2)
    for q in (q16, q84):
        ax.axvline(q, color=POST_COLOR, lw=1.0, ls="--")
    if best and name in best and np.isfinite(best[name]):
        ax.axvline(best[name] * meta(name).scale, color=BEST_COLOR, lw=1.2)


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
    names = list(var_names) if var_names is not None else default_var_names(idata, config, max_vars)
    k = len(names)
    if k == 0:
        raise InvalidInput("var_names: give at least one variable")
    data = {n: _draws(idata, n) for n in names}
    logs = {n: is_log(config, n) and bool(np.all(data[n] > 0)) for n in names}
    priors = {n: prior_range(config, n) for n in names}
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
                ax.hist(x, bins=_hist_edges(x, logs[a], bins, ranges[a]), color=POST_COLOR, histtype="stepfilled", alpha=0.35)
                ax.hist(x, bins=_hist_edges(x, logs[a], bins, ranges[a]), color=POST_COLOR, histtype="step", lw=1.0)
                _mark_median_band_best(ax, x, a, best)
                ax.set_title(_summary_text(a, x), fontsize=8)
                ax.set_yticks([])
                edges |= _mark_prior_edges(ax, priors[a], ranges[a])
                seen = _observed(idata, a)
                if seen is not None:
                    ax.axvspan(seen[0] - seen[1], seen[0] + seen[1], color=DATA_COLOR, alpha=0.25, lw=0)
                    ax.axvline(seen[0], color=DATA_COLOR, lw=1.0)
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
                    ax.contourf(cx, cy, h.T, levels=[levels[0], h.max()], colors=[POST_COLOR], alpha=0.18)
                    ax.contourf(cx, cy, h.T, levels=[levels[1], h.max()], colors=[POST_COLOR], alpha=0.35)
                    cs = ax.contour(cx, cy, h.T, levels=levels, colors=POST_COLOR, linewidths=[0.8, 1.1], linestyles=["--", "-"])
                    if k <= 4:
                        ax.clabel(cs, fmt={levels[0]: "95%", levels[1]: "68%"}, fontsize=6)
                else:
                    ax.plot(x[ok], y[ok], ",", color=POST_COLOR, alpha=0.3)
                if best and a in best and b in best:
                    ax.plot(best[b] * meta(b).scale, best[a] * meta(a).scale, marker="*", color=BEST_COLOR, ms=8, ls="none")
                ax.set_ylim(*ranges[a])
                if logs[a]:
                    ax.set_yscale("log")
                    log_axis(ax.yaxis)
                else:
                    plain_ticks(ax.yaxis)
            ax.set_xlim(*ranges[xb])
            if logs[xb]:
                ax.set_xscale("log")
                log_axis(ax.xaxis)
            else:
                plain_ticks(ax.xaxis)
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
        Line2D([], [], color=POST_COLOR, lw=1.2, label="median"),
        Line2D([], [], color=POST_COLOR, lw=1.0, ls="--", label="68% credible interval"),
        Line2D([], [], color=POST_COLOR, lw=1.1, ls="-", marker="s", ms=0, label="2-D: 68% (solid), 95% (dashed) of the draws"),
    ]
    if measured:
        handles.append(Patch(color=DATA_COLOR, alpha=0.35, label=r"measured $\pm1\sigma$"))
    if edges:
        handles.append(Patch(facecolor="0.85", edgecolor="0.5", hatch="////", label="outside the prior range"))
    if best:
        handles.append(Line2D([], [], color=BEST_COLOR, marker="*", ms=8, lw=1.2, label="best fit"))
    legend_ax = axes[0, k - 1] if k > 1 else axes[0, 0]
    if k > 1:
        legend_ax.legend(handles=handles, loc="upper right", fontsize=7, frameon=False)
    else:
        legend_ax.legend(handles=handles, loc="upper right", fontsize=6)
    if title:
        fig.suptitle(title, fontsize=9)
    if save is not None:
        canvas.save_figure(fig, save, dpi=dpi)
    return fig


def marginals(idata, config, *, var_names: Sequence[str] | None = None, best: Mapping[str, float] | None = None,
              ncols: int = 4, bins: int = 40, title: str | None = None, save=None, dpi: int = 110):
    """1-D posterior marginals of many variables on a grid (every free parameter and observable
    by default): histogram, median, 68 % interval, prior edges, best fit -- the overview that a
    corner plot of 14 variables cannot give.

    Returns:
        The :class:`matplotlib.figure.Figure`.
    """
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
        log = is_log(config, name) and bool(np.all(x > 0))
        pr = prior_range(config, name)
        rng = _data_range(x, log, pr)
        ax.hist(x, bins=_hist_edges(x, log, bins, rng), color=POST_COLOR, histtype="stepfilled", alpha=0.35)
        _mark_median_band_best(ax, x, name, best)
        _mark_prior_edges(ax, pr, rng)
        seen = _observed(idata, name)
        if seen is not None:
            ax.axvspan(seen[0] - seen[1], seen[0] + seen[1], color=DATA_COLOR, alpha=0.25, lw=0)
        ax.set_xlim(*rng)
        if log:
            ax.set_xscale("log")
            log_axis(ax.xaxis)
        else:
            plain_ticks(ax.xaxis)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
        ax.set_xlabel(axis_label(name), fontsize=9)
        ax.set_title(_summary_text(name, x), fontsize=8)
    fig.suptitle(title or "posterior marginals: median (solid), 68% credible interval (dashed), best fit (red), "
                 "measured $\\pm1\\sigma$ (green), outside the prior range (hatched)", fontsize=9)
    if save is not None:
        canvas.save_figure(fig, save, dpi=dpi)
    return fig
