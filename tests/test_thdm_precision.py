"""The 2HDM entry points compute in float64 whatever JAX's global x64 flag says (the package's
promise): a point built and evaluated with x64 switched off gives the float64 result, not a
PrecisionError from float32 default fields (THDMParams' 3x3 matrices were jnp.zeros)."""

import jax
import numpy as np

import gm2jax.models.thdm as thdm
from gm2jax.models.thdm import constraints


def _point():
    return thdm.THDMParams(mh=125.09, mH=150.0, mA=100.0, mHp=150.0, sin_beta_minus_alpha=1.0,
                           tan_beta=20.0, m122=150.0**2 * 20.0 / 401.0, yukawa_type="X")


def test_amu_and_constraints_with_x64_off_equal_x64_on():
    sm = thdm.THDMSMInputs.from_defaults()
    with jax.enable_x64(True):
        on = _point()
        ref = (float(thdm.amu(on, sm).total), float(constraints.bfb_margin(on, sm)),
               float(constraints.unitarity_margin(on, sm)))
    with jax.enable_x64(False):
        off = _point()
        assert np.asarray(off.Delta_u).dtype == np.float64
        got = (thdm.amu(off, sm).total, constraints.bfb_margin(off, sm), constraints.unitarity_margin(off, sm))
        assert all(np.asarray(g).dtype == np.float64 for g in got)
    np.testing.assert_array_equal(np.array([float(g) for g in got]), np.array(ref))
