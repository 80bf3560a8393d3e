"""Verification tools used by the tests and the validation benchmarks, not by the package.

``bounce`` -- tree-level bounce of the slepton-Higgs potential (NumPy/SciPy), the independent
check of the vacuum-stability fits of :mod:`gm2jax.models.mssm.vacuum`.  Import it as
``from tools import bounce`` (``tests/`` is on ``sys.path`` under pytest;
``benchmarks/vacuum_bounce_vs_fit.py`` puts it there itself).
"""
