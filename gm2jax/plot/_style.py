"""Shared look of gm2jax's figures: colours, confidence levels and axis helpers (private).

Used by every figure module of :mod:`gm2jax.plot`; nothing here is public API.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter, ScalarFormatter

# (1 sigma, 2 sigma) fill colours per observable; arXiv:1908.03607 draws a_e yellow and a_mu blue.
BAND_COLORS: Mapping[str, tuple[str, str]] = {
    "a_e": ("#e6b800", "#fbe68a"),
    "a_mu": ("#1f4e9c", "#93b7e8"),
    "a_tau": ("#2b8a3e", "#a6dcb0"),
}
FALLBACK_COLORS = (("#b03a2e", "#f0b5ae"), ("#6c3483", "#d2b4de"), ("#117864", "#a2d9ce"))
LEPTON_COLORS: Mapping[str, str] = {"e": "red", "mu": "blue", "tau": "green"}
OBS_LABELS = {"a_e": r"$a_e$", "a_mu": r"$a_\mu$", "a_tau": r"$a_\tau$"}

CL_2D = ((2.30, "68%"), (6.18, "95%"))  # Delta chi^2 of 2 parameters at 68.27 % / 95.45 % CL
CL_1D = ((1.0, "68%"), (4.0, "95%"))
POST_COLOR = "#1f4e9c"  # posterior
BEST_COLOR = "#c0392b"  # best fit
DATA_COLOR = "#2b8a3e"  # measurement band


def new_axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def quiet(fn, *args, **kwargs):
    # empty levels (e.g. an observable nowhere within 2 sigma) are not an error
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="No contour levels were found", category=UserWarning)
        return fn(*args, **kwargs)


def log_axis(axis) -> None:
    """Readable log axis: labels at 1, 2, 5 x 10^n (a range under two decades otherwise shows
    a single labelled tick), plain numbers, no minor labels."""
    axis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def is_log(config, name: str) -> bool:
    spec = {p.name: p for p in config.free}.get(name)
    return spec is not None and spec.prior == "loguniform"


def prior_range(config, name: str):
    spec = {p.name: p for p in config.free}.get(name)
    return None if spec is None else (spec.lo, spec.hi)


def plain_ticks(axis, n: int = 4) -> None:
    axis.set_major_locator(MaxNLocator(n, prune="both"))
    fmt = ScalarFormatter(useOffset=False)
    fmt.set_powerlimits((-4, 5))
    axis.set_major_formatter(fmt)
