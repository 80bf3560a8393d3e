"""Measured targets of the figures and the pulls drawn against them.

:class:`Target` ``(central, sigma)`` is a measured deviation Delta a_l; :func:`targets` reads
them from a dataset of ``gm2jax/data/measurements.yaml`` (gm2jax keeps numbers out of code).
The pulls are those of the likelihood (:func:`gm2jax.likelihood.pull`,
:func:`gm2jax.likelihood.part_pull`), as NumPy arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from gm2jax import likelihood
from gm2jax.measurements import load_dataset

__all__ = ["Target", "pull", "r_parts", "targets", "within"]


class Target(NamedTuple):
    """A measured deviation Delta a = central +- sigma (dimensionless)."""

    central: float
    sigma: float


def targets(dataset=None) -> dict[str, Target]:
    """The measured deviations of a dataset of :mod:`gm2jax.measurements` as ``{obs: Target}``.

    Args:
        dataset: a dataset name (default: the package default, ``"seeds2019"`` =
            arXiv:1908.03607 eqs. (1)-(2)), a YAML path, or a :class:`gm2jax.measurements.Dataset`.

    Example:
        >>> targets("seeds2019")["a_mu"]
        Target(central=2.74e-09, sigma=7.3e-10)
    """
    ds = load_dataset(dataset)
    return {obs: Target(ds[obs].value, ds[obs].error) for obs in ds.observables}


def pull(values, target: Target) -> np.ndarray:
    """(value - central) / sigma, elementwise (NaN stays NaN)."""
    return likelihood.pull(np.asarray(values, dtype=float), target.central, target.sigma)


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
        "susy": likelihood.pull(np.asarray(total, dtype=float), d, s),
        "chargino": likelihood.part_pull(np.asarray(chargino, dtype=float), d, s),
        "neutralino": likelihood.part_pull(np.asarray(neutralino, dtype=float), d, s),
    }
