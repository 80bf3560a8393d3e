"""Figures without pyplot state: a new figure, saving it as PNG, showing it in Jupyter."""

from __future__ import annotations

import io
import pathlib

from matplotlib.figure import Figure

try:  # IPython is optional: show() is a no-op without it
    from IPython import get_ipython
    from IPython.display import Image, display
except ImportError:  # pragma: no cover - depends on the environment
    get_ipython = None

__all__ = ["figure", "save_figure", "show"]


def figure(ncols: int = 1, nrows: int = 1, size=(5.0, 4.2)):
    """A new :class:`~matplotlib.figure.Figure` with a grid of axes (no pyplot state).

    Returns:
        ``(fig, axes)``: ``axes`` is a flat list of ``nrows * ncols`` axes, to pass as ``ax=``.
    """
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
    if get_ipython is None or get_ipython() is None:
        return fig
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    display(Image(buf.getvalue()))
    return fig
