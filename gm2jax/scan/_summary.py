"""What a finished scan found: best point, chi^2_min, allowed fractions, flagged points by reason.

:func:`summarize` reads a scan directory (or its :func:`load_scan` DataFrame) and returns a
:class:`ScanReport`; ``str(report)`` is the human summary the CLI prints at the end of a scan.

* best point and chi^2_min: the row of smallest ``chi2`` among the points with ``status == 0``;
* allowed at n sigma (n = 1, 2): the fraction of all points with
  chi^2 - chi^2_min < Q_k(p_n), the chi^2 quantile of k = number of scanned parameters degrees of
  freedom at the n-sigma probability p_n = erf(n/sqrt 2) (68.27 %, 95.45 %), and the fraction
  with every g-2 pull ``|R_l| < n`` (arXiv:1908.03607 eqs. (9)-(10));
* flagged points: counts per :class:`gm2jax.errors.Status` bit, with its instruction.
"""

from __future__ import annotations

import dataclasses
import math
import pathlib

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist

from gm2jax.errors import Status, describe_status
from gm2jax.scan._store import load_manifest, load_scan

__all__ = ["ScanReport", "summarize"]

SIGMAS = (1, 2)


def _pulls(df: pd.DataFrame) -> list[str]:
    """The total g-2 pull columns ``R_<l>`` (not their ``_chargino``/``_neutralino`` parts)."""
    return [c for c in df.columns if c.startswith("R_") and c.count("_") == 1]


@dataclasses.dataclass(frozen=True)
class ScanReport:
    """Summary of a scan (see the module docstring).

    Attributes:
        n_points: rows; n_ok: rows with ``status == 0``.
        axes: the scanned names.
        chi2_min: smallest chi^2 of the physical points (NaN without a ``chi2`` column).
        best: the best row (axis values, chi^2 and the a_l), empty without ``chi2``.
        allowed_chi2: n -> fraction of points with chi^2 - chi^2_min below the n-sigma quantile.
        allowed_pulls: n -> fraction of points with every ``|R_l| < n``.
        flagged: status bit name -> number of points with that bit set.
    """

    n_points: int
    n_ok: int
    axes: tuple
    chi2_min: float
    best: dict
    allowed_chi2: dict
    allowed_pulls: dict
    flagged: dict

    def __str__(self) -> str:
        lines = [f"{self.n_points} points over {', '.join(self.axes)}: {self.n_ok} physical (status 0)"]
        if self.best:
            lines.append(f"chi2_min = {self.chi2_min:.6g} at " + ", ".join(f"{k} = {v:.6g}" for k, v in self.best.items() if k != "chi2"))
        k = len(self.axes)
        for n in SIGMAS:
            parts = []
            if n in self.allowed_chi2:
                q = chi2_dist.ppf(math.erf(n / math.sqrt(2)), k)
                parts.append(f"{100 * self.allowed_chi2[n]:.1f}% with Delta chi2 < {q:.3g} ({k} parameters)")
            if n in self.allowed_pulls:
                parts.append(f"{100 * self.allowed_pulls[n]:.1f}% with every |R_l| < {n}")
            if parts:
                lines.append(f"allowed at {n} sigma: " + "; ".join(parts))
        for name, count in self.flagged.items():
            lines.append(f"flagged {name}: {count} points ({describe_status(int(Status[name]))})")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def summarize(scan) -> ScanReport:
    """Summary of a scan directory or of its :func:`load_scan` DataFrame (with ``axes`` in ``attrs``).

    Args:
        scan: scan directory (path) or DataFrame (its scanned names from ``df.attrs["axes"]``;
            none if absent: then the best point lists only the a_l and chi^2).
    """
    if isinstance(scan, pd.DataFrame):
        df = scan
        axes = tuple(df.attrs.get("axes", ()))
    else:
        df = load_scan(pathlib.Path(scan), allow_partial=True)
        axes = tuple(load_manifest(scan)["spec"]["axes"])
    status = df["status"].to_numpy().astype(np.int64) if "status" in df else np.zeros(len(df), dtype=np.int64)
    ok = status == 0
    n = len(df)
    best, chi2_min, allowed_chi2 = {}, float("nan"), {}
    if "chi2" in df and ok.any():
        chi2 = df["chi2"].to_numpy()
        i = int(np.flatnonzero(ok)[np.argmin(chi2[ok])])
        chi2_min = float(chi2[i])
        row = df.iloc[i]
        best = {a: float(row[a]) for a in axes if a in df}
        best.update({c: float(row[c]) for c in df.columns if c.startswith("a_") and c.count("_") == 1})
        best["chi2"] = chi2_min
        k = max(len(axes), 1)
        for s in SIGMAS:
            allowed_chi2[s] = float(np.mean(ok & (chi2 - chi2_min < chi2_dist.ppf(math.erf(s / math.sqrt(2)), k))))
    allowed_pulls = {}
    pulls = _pulls(df)
    if pulls and n:
        r = np.abs(df[pulls].to_numpy())
        for s in SIGMAS:
            allowed_pulls[s] = float(np.mean(ok & np.all(r < s, axis=1)))
    flagged = {}
    for flag in Status:
        if flag.value:
            count = int(np.count_nonzero(status & flag.value))
            if count:
                flagged[flag.name] = count
    return ScanReport(
        n_points=n,
        n_ok=int(ok.sum()),
        axes=axes,
        chi2_min=chi2_min,
        best=best,
        allowed_chi2=allowed_chi2,
        allowed_pulls=allowed_pulls,
        flagged=flagged,
    )
