"""Parameter scans: grids and Sobol sequences, chunked, sharded, streamed to a zarr store, resumable.

One job per module:

* :mod:`gm2jax.scan._spec` -- :class:`ScanSpec` (pure data: axes, fixed and derived names, the
  model's builder and observable, or a fit configuration) and the order of its points;
* :mod:`gm2jax.scan._builders` -- a spec's point function from the model packages' builders
  and observables (:data:`BUILDERS`, :data:`OBSERVABLES`; the MSSM's live in
  :mod:`gm2jax.models.mssm.scan_builder`);
* :mod:`gm2jax.scan._fitconfig` -- scans of fit configurations (``fits/*.toml``) through the
  fit's :class:`gm2jax.problem.Problem`: the scan's chi^2 is the fit's (:func:`spec_from_config`);
* :mod:`gm2jax.scan._evaluation` -- jit + vmap per chunk on a 1-D device mesh
  (:func:`evaluate_points`, the in-memory :func:`scan`);
* :mod:`gm2jax.scan._store` -- the zarr store (one array per column, a SHA-256 completion
  record per chunk; :func:`load_scan` -> pandas, :func:`load_grid` -> xarray);
* :mod:`gm2jax.scan._run` -- :func:`run_scan` (resumable, kill -9 safe, optionally on Dask);
* :mod:`gm2jax.scan._summary` -- :func:`summarize`: best point, chi^2_min, allowed fractions,
  flagged points by reason.

Example:
    >>> import tempfile
    >>> from gm2jax.scan import ScanSpec, run_scan, load_scan
    >>> spec = ScanSpec.from_dict({
    ...     "axes": {"mu": [500.0, 1500.0, 3], "M2": [150.0, 250.0, 2]},
    ...     "fixed": {"tan_beta": 60.0},
    ...     "params": {"M1": "-(M2 - 20)", "msl": ["M2", "M2", "3000"], "mse": ["M2", "5*M2", "3000"]},
    ...     "chunk_size": 4})
    >>> out = tempfile.mkdtemp()
    >>> summary = run_scan(spec, out, progress=False)
    >>> df = load_scan(out)
    >>> len(df), bool((df["a_mu"] > 0).all())
    (6, True)
"""

from gm2jax.scan._builders import BUILDERS as BUILDERS
from gm2jax.scan._builders import OBSERVABLES as OBSERVABLES
from gm2jax.scan._evaluation import evaluate_points as evaluate_points
from gm2jax.scan._evaluation import point_function as point_function
from gm2jax.scan._evaluation import scan as scan
from gm2jax.scan._fitconfig import problem_of as problem_of
from gm2jax.scan._fitconfig import spec_from_config as spec_from_config
from gm2jax.scan._run import ScanSummary as ScanSummary
from gm2jax.scan._run import run_scan as run_scan
from gm2jax.scan._spec import Axis as Axis
from gm2jax.scan._spec import ScanSpec as ScanSpec
from gm2jax.scan._store import done_chunks as done_chunks
from gm2jax.scan._store import load_grid as load_grid
from gm2jax.scan._store import load_manifest as load_manifest
from gm2jax.scan._store import load_scan as load_scan
from gm2jax.scan._summary import ScanReport as ScanReport
from gm2jax.scan._summary import summarize as summarize

__all__ = [
    "BUILDERS",
    "OBSERVABLES",
    "Axis",
    "ScanReport",
    "ScanSpec",
    "ScanSummary",
    "done_chunks",
    "evaluate_points",
    "load_grid",
    "load_manifest",
    "load_scan",
    "point_function",
    "problem_of",
    "run_scan",
    "scan",
    "spec_from_config",
    "summarize",
]
