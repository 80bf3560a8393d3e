r"""Figures of scans, fits and posteriors (matplotlib :class:`~matplotlib.figure.Figure` objects
created without :mod:`matplotlib.pyplot`, so no global figure state; ``save=`` writes a PNG).

One module per job:

* :mod:`~gm2jax.plot.measured` -- :class:`Target` ``(central, sigma)``, :func:`targets` (from a
  dataset of ``gm2jax/data/measurements.yaml``), :func:`pull`, :func:`within`, :func:`r_parts`;
* :mod:`~gm2jax.plot.scan_bands` -- scans: :func:`band_map` (1 sigma / 2 sigma regions in a
  plane, arXiv:1908.03607 Figs. 2, 3, 5) and :func:`r_curves` (R_l against one parameter,
  Figs. 1, 4);
* :mod:`~gm2jax.plot.chi2_map` -- the map at the end of a scan: :func:`scan_map` (Delta chi^2
  in the plane of two scanned parameters);
* :mod:`~gm2jax.plot.fit_profiles` -- fits: :func:`profiles` (1-D / 2-D profile likelihoods);
* :mod:`~gm2jax.plot.posterior` -- posteriors: :func:`corner`, :func:`marginals`,
  :func:`default_var_names`;
* :mod:`~gm2jax.plot.canvas` -- :func:`figure`, :func:`save_figure`, :func:`show`.

Example:
    >>> import numpy as np, xarray as xr
    >>> mu, m2 = np.linspace(500, 2500, 5), np.linspace(100, 300, 4)
    >>> ds = xr.Dataset({"a_mu": (("mu", "M2"), 3e-9 * np.outer(np.ones(5), 200 / m2))}, coords={"mu": mu, "M2": m2})
    >>> fig = band_map(ds, "mu", "M2", {"a_mu": Target(2.74e-9, 0.73e-9)})
    >>> print(fig.axes[0].get_xlabel())
    $\mu$ [GeV]
"""

from gm2jax.plot._style import BAND_COLORS as BAND_COLORS
from gm2jax.plot._style import LEPTON_COLORS as LEPTON_COLORS
from gm2jax.plot.canvas import figure as figure
from gm2jax.plot.canvas import save_figure as save_figure
from gm2jax.plot.canvas import show as show
from gm2jax.plot.chi2_map import scan_map as scan_map
from gm2jax.plot.fit_profiles import profiles as profiles
from gm2jax.plot.measured import (
    Target as Target,
)
from gm2jax.plot.measured import (
    pull as pull,
)
from gm2jax.plot.measured import (
    r_parts as r_parts,
)
from gm2jax.plot.measured import (
    targets as targets,
)
from gm2jax.plot.measured import (
    within as within,
)
from gm2jax.plot.posterior import (
    corner as corner,
)
from gm2jax.plot.posterior import (
    default_var_names as default_var_names,
)
from gm2jax.plot.posterior import (
    marginals as marginals,
)
from gm2jax.plot.scan_bands import band_map as band_map
from gm2jax.plot.scan_bands import r_curves as r_curves

__all__ = [
    "Target", "band_map", "corner", "default_var_names", "figure", "marginals", "profiles", "pull",
    "r_curves", "r_parts", "save_figure", "scan_map", "show", "targets", "within",
]
