r"""The map at the end of a scan: Delta chi^2 in the plane of two scanned parameters.

:func:`scan_map` draws chi^2 - chi^2_min of a scan with a ``chi2`` column (every scan of a fit
configuration, :func:`gm2jax.scan.spec_from_config`) in the plane of two scanned names -- by
default the first two axes of the scan.  A grid scan is drawn as a colour mesh (the minimum over
any further axes: a profile), a Sobol scan as points; contours of the 68 % / 95 % regions of two
parameters (Delta chi^2 = 2.30, 6.18) are drawn on a grid, the best point is marked, and points
with ``status != 0`` are grey.  A scan of one parameter gives Delta chi^2 against it.  Labels
come from :mod:`gm2jax.labels` (LaTeX, GeV).
"""

from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm

from gm2jax.errors import InvalidInput
from gm2jax.labels import axis_label
from gm2jax.plot import canvas
from gm2jax.plot._style import BEST_COLOR, CL_1D, CL_2D, new_axes, quiet
from gm2jax.scan import load_manifest, load_scan

__all__ = ["scan_map"]

_FAILED = "#bdbdbd"
_DCHI2 = r"$\Delta\chi^2$"


def _frame(data, axes):
    """(DataFrame, scanned names, log axes, grid shape or None) from a directory or DataFrame."""
    if isinstance(data, (str, pathlib.Path)):
        man = load_manifest(data)
        spec = man["spec"]
        df = load_scan(data, allow_partial=True)
        names = tuple(spec["axes"])
        logs = {k: bool(a["log"]) for k, a in spec["axes"].items()}
        grid = spec["method"] == "grid" and len(df) == man["n_points"]
        return df, names, logs, grid
    if isinstance(data, pd.DataFrame):
        names = tuple(axes or data.attrs.get("axes", ()))
        return data, names, {}, False
    raise InvalidInput(f"data: give a scan directory or a load_scan DataFrame; got {type(data).__name__}")


def scan_map(
    data,
    x: str | None = None,
    y: str | None = None,
    *,
    axes=None,
    vmax: float = 100.0,
    title: str | None = None,
    ax=None,
    figsize=(5.4, 4.2),
    save=None,
    dpi: int = 150,
):
    r"""Delta chi^2 = chi^2 - chi^2_min of a scan in the (x, y) plane (or against x).

    Args:
        data: scan directory (:func:`gm2jax.scan.run_scan`), or a :func:`gm2jax.scan.load_scan`
            DataFrame (its scanned names from ``axes`` or ``df.attrs["axes"]``).
        x, y: scanned names (default: the first two axes; a one-axis scan gives a curve).
        axes: the scanned names of a DataFrame (ignored for a directory).
        vmax: colour scale up to this Delta chi^2 (logarithmic from 0.1).
        title: axes title.
        ax: draw into this axes instead of a new figure.
        figsize: size of a new figure (inches).
        save: path of a PNG to write.
        dpi: resolution of the PNG.

    Returns:
        The :class:`matplotlib.figure.Figure`.

    Raises:
        InvalidInput: no ``chi2`` column, no physical point, or unknown names.

    Example:
        >>> import numpy as np, pandas as pd
        >>> m = np.linspace(100.0, 300.0, 5)
        >>> df = pd.DataFrame({"M2": m, "chi2": (m - 200.0) ** 2 / 100.0, "status": np.zeros(5, int)})
        >>> fig = scan_map(df, "M2")
        >>> fig.axes[0].get_xlabel()
        '$M_2$ [GeV]'
    """
    df, names, logs, grid = _frame(data, axes)
    if "chi2" not in df:
        raise InvalidInput("the scan has no chi2 column: scan a fit configuration (gm2jax scan CONFIG)")
    x = x or (names[0] if names else None)
    if y is None and len(names) >= 2 and x == names[0]:
        y = names[1]
    for k in (x, y):
        if k is not None and k not in df:
            raise InvalidInput(f"{k!r} is not a column of the scan; scanned: {list(names)}")
    if x is None:
        raise InvalidInput("give x (the scan does not name its axes)")
    status = df["status"].to_numpy() if "status" in df else np.zeros(len(df), dtype=int)
    ok = status == 0
    if not ok.any():
        raise InvalidInput("no physical point (every status != 0): nothing to map")
    chi2 = df["chi2"].to_numpy(dtype=float)
    d = np.where(ok, chi2 - chi2[ok].min(), np.nan)
    best = int(np.nanargmin(d))
    fig, ax = new_axes(ax, figsize)
    if y is None:
        _curve(ax, df[x].to_numpy(float), d, ok)
        ax.plot([df[x].iloc[best]], [0.0], "*", color=BEST_COLOR, ms=12, label="best point")
    else:
        xs, ys = df[x].to_numpy(float), df[y].to_numpy(float)
        norm = LogNorm(vmin=0.1, vmax=vmax, clip=True)
        if grid:
            _mesh(fig, ax, xs, ys, d, norm)
        else:
            ax.scatter(xs[~ok], ys[~ok], s=6, color=_FAILED, label=f"status $\\neq$ 0 ({int((~ok).sum())})")
            sc = ax.scatter(xs[ok], ys[ok], c=np.maximum(d[ok], 0.1), s=10, norm=norm, cmap="viridis_r")
            fig.colorbar(sc, ax=ax, label=_DCHI2)
        ax.plot([xs[best]], [ys[best]], "*", color=BEST_COLOR, ms=13, mec="white", label="best point")
        ax.set_ylabel(axis_label(y))
        if logs.get(y):
            ax.set_yscale("log")
    ax.set_xlabel(axis_label(x))
    if logs.get(x):
        ax.set_xscale("log")
    ax.set_title(title if title is not None else f"$\\chi^2_{{min}}$ = {chi2[best]:.4g}")
    ax.legend(loc="best", fontsize="small")
    if save is not None:
        canvas.save_figure(fig, save, dpi)
    return fig


def _curve(ax, xs, d, ok):
    """Delta chi^2 against one parameter: the lower envelope (profile) of the points."""
    order = np.argsort(xs, kind="stable")
    prof = pd.Series(d[order]).groupby(xs[order]).min()
    ax.plot(prof.index, prof.to_numpy(), "-", color="#1f4e9c", label=r"min $\Delta\chi^2$")
    for level, label in CL_1D:
        ax.axhline(level, color="grey", lw=0.8, ls="--")
        ax.text(ax.get_xlim()[0], level, f" {label}", va="bottom", fontsize="small", color="grey")
    ax.set_ylabel(_DCHI2)


def _mesh(fig, ax, xs, ys, d, norm):
    """Grid: the minimum of Delta chi^2 over the other axes at each (x, y) node (a profile)."""
    table = pd.DataFrame({"x": xs, "y": ys, "d": d}).groupby(["y", "x"])["d"].min().unstack("x")
    gx, gy, z = table.columns.to_numpy(), table.index.to_numpy(), table.to_numpy()
    failed = np.isnan(z)
    if failed.any():
        ax.pcolormesh(gx, gy, np.where(failed, 1.0, np.nan), cmap="Greys", vmin=0, vmax=4, shading="nearest")
    m = ax.pcolormesh(gx, gy, np.maximum(z, 0.1), norm=norm, cmap="viridis_r", shading="nearest")
    fig.colorbar(m, ax=ax, label=_DCHI2)
    if len(gx) > 1 and len(gy) > 1:
        cs = quiet(ax.contour, gx, gy, z, levels=[lv for lv, _ in CL_2D], colors=["white", "white"], linestyles=["-", "--"])
        quiet(ax.clabel, cs, fmt={lv: lab for lv, lab in CL_2D}, fontsize="small")
