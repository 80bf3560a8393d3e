"""Flagged points keep finite gradients (issue 15): a masked branch with a NaN cotangent turns
``jnp.where``'s 0 x NaN into NaN and poisons a fit.  Points found by ``benchmarks/fuzz.py``
(flavon, in the parametrisation of its packaged config): tachyonic / unbounded vacua."""

from __future__ import annotations

import pathlib
import sys

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "benchmarks"))
import fuzz  # noqa: E402

FLAVON_POINTS = [
    {"M_chi": -1967.9116190523682, "v1": 1874.922782151181, "lam1": 0.07245358728933393, "lama": 0.1679445505852286,
     "lam13": 0.006592607677651129, "lam1a": -0.0018660856639548876, "lamab": 0.005119334205159935,
     "lam13p": -0.0036495227520428617, "lam1ab": -0.005607635809684329, "mupa": 290.41481113127014,
     "c_e": -5295.343295869735},
    {"M_chi": 8.039443820538525, "v1": -0.6130882493436804, "lam1": 0.0010233947534417475, "lama": 0.2505897638344603,
     "lam13": -0.0019281221999759702, "lam1a": -0.4343234011425274, "lamab": 0.002535021351223787,
     "lam13p": 0.06536032298800482, "lam1ab": 0.026587829605689003, "mupa": -0.03371844696292733,
     "c_e": -0.02530833238080866},
]


def test_flavon_flagged_points_have_finite_gradients():
    with jax.enable_x64(True):
        names, _, f = fuzz.model_functions("flavon", None)
        assert set(FLAVON_POINTS[0]) == set(names)
        batch = {k: jnp.asarray([p[k] for p in FLAVON_POINTS]) for k in names}
        pred, grad = jax.jit(jax.vmap(f))(batch)
        assert np.all(np.asarray(pred["status"]) != 0)
        for k, v in grad.items():
            assert np.all(np.isfinite(np.asarray(v))), k
