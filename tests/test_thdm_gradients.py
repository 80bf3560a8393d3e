"""Gradients of the 2HDM a_mu vs Richardson-extrapolated central finite differences (float64).

Points: a generic type-II point, and the degenerate m_H = m_A = m_H+- (type X) at
sin(beta - alpha) = 0.99 (all six inputs) and at exactly 1 (masses, tan(beta), m12^2; the
derivative in sin(beta - alpha) is infinite there because cos(beta - alpha) = sqrt(1 - s^2)).
The points go through the fit's type-independent core (:func:`gm2jax.models.thdm.fitting.model_params`,
Yukawa type as a number), so that all finite-difference values are one vmapped evaluation and all
gradients one vmapped ``jax.grad``.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.models.thdm import THDMSMInputs, amu_parts
from gm2jax.models.thdm.fitting import model_params

# One reverse-mode compilation of the full 1L + 2L a_mu costs ~160 s of CPU (measured on the 2-core VM,
# 588 s wall at load ~15): slow.  Run with ``pytest -m slow tests/test_thdm_gradients.py``.
pytestmark = pytest.mark.slow

SM = THDMSMInputs.from_defaults()
NAMES = ("mH", "mA", "mHp", "tan_beta", "m122", "sin_beta_minus_alpha")

# (Yukawa type code, lambda6, lambda7, theta in NAMES order, number of leading components tested)
POINTS = {
    "generic_II": (2.0, 0.2, 0.1, [400.0, 420.0, 440.0, 3.0, 40000.0, 0.98], 6),
    "degenerate_X_sba099": (3.0, 0.0, 0.0, [400.0, 400.0, 400.0, 10.0, 15000.0, 0.99], 6),
    "degenerate_X_sba1": (3.0, 0.0, 0.0, [400.0, 400.0, 400.0, 10.0, 15000.0, 1.0], 5),
}


def _total(theta, extra):
    values = dict(zip(NAMES, theta))
    values.update(mh=125.09, yukawa_type=extra[0], lambda6=extra[1], lambda7=extra[2])
    return amu_parts(model_params(values), SM).total


@pytest.fixture(scope="module")
def results():
    thetas, extras, meta = [], [], []
    for name, (code, l6, l7, theta, n) in POINTS.items():
        theta = np.array(theta)
        thetas.append(theta)
        extras.append([code, l6, l7])
        meta.append((name, -1, 0.0))
        for i in range(n):
            h = 1e-4 if NAMES[i] == "sin_beta_minus_alpha" else 1e-3 * abs(theta[i])
            for step in (h, -h, h / 2, -h / 2):
                t = theta.copy()
                t[i] += step
                thetas.append(t)
                extras.append([code, l6, l7])
                meta.append((name, i, step))
    values = np.asarray(jax.vmap(_total)(jnp.asarray(np.array(thetas)), jnp.asarray(np.array(extras))))
    centre = [k for k, m in enumerate(meta) if m[1] == -1]
    grads = np.asarray(jax.vmap(jax.grad(_total))(jnp.asarray(np.array(thetas)[centre]), jnp.asarray(np.array(extras)[centre])))
    return values, meta, dict(zip(POINTS, grads))


@pytest.mark.parametrize("point", list(POINTS))
def test_gradient_vs_richardson(results, point):
    values, meta, grads = results
    f0 = next(v for v, (n, i, _) in zip(values, meta) if n == point and i == -1)
    n = POINTS[point][4]
    theta = np.array(POINTS[point][3])
    for i in range(n):
        rows = [(s, v) for v, (nm, j, s) in zip(values, meta) if nm == point and j == i]
        (h, fp), (_, fm), (h2, fp2), (_, fm2) = rows
        rich = (4 * (fp2 - fm2) / (2 * h2) - (fp - fm) / (2 * h)) / 3
        g = grads[point][i]
        tol = 1e-6 * max(abs(rich), 1e-4 * abs(f0) / abs(theta[i]))
        assert np.isfinite(g)
        assert abs(g - rich) <= tol, (point, NAMES[i], g, rich, abs(g - rich) / max(abs(rich), 1e-300))
