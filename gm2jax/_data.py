"""The one place that knows where gm2jax's packaged data files live (``gm2jax/data/``).

SM inputs, measurements, benchmark points, fit configurations and digitised limits are data
files next to the code (gm2jax keeps numbers out of code); every module reads them through
:func:`data_file`, so the location is written once.
"""

from __future__ import annotations

import pathlib

DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"
"""Directory of the packaged data files."""


def data_file(*parts: str) -> pathlib.Path:
    """Path of a packaged data file or folder, e.g. ``data_file("benchmarks", "BP1_1908.03607.gm2calc")``.

    Example:
        >>> data_file("sm_inputs.yaml").name
        'sm_inputs.yaml'
    """
    return DATA_DIR.joinpath(*parts)
