"""Fit registration of the two-Higgs-doublet model (``model = "thdm"`` in a fit config).

Parameters (:data:`PARAMETERS`): ``mh, mH, mA, mHp`` (GeV), ``sin_beta_minus_alpha``,
``tan_beta``, ``m122`` (GeV^2), ``lambda6``, ``lambda7``, ``zeta_u, zeta_d, zeta_l`` (aligned type
only) and ``yukawa_type`` (1..5 = I, II, X, Y, aligned; a number so that it can be fixed in a
config; the prediction is built on the type-independent :class:`YukawaCore`, so the type never
forces a recompilation).  The general type (3x3 Pi matrices) is not fittable here.

Prediction keys: ``a_<l>`` (one + two loop, GM2Calc 2.3.1), ``a_<l>_one_loop``,
``a_<l>_two_loop``, ``a_<l>_uncertainty`` (GM2Calc's estimate; the model's ``theory_key``),
``unitarity_margin``, ``bfb_margin``, ``perturbativity_margin`` (:mod:`.constraints`), ``status``.

SM inputs: GM2Calc's 2HDM inputs (:meth:`THDMSMInputs.from_defaults`, example.thdm), with the
lepton masses of the fit's SM inputs; alpha(MZ) and MW stay GM2Calc's so that the a_l agree with
GM2Calc.

Constraints (each with its citation in :mod:`.constraints`): ``unitarity``, ``bfb``,
``perturbativity`` -- smooth one-sided chi^2 terms ``softplus(-margin/width)^2`` with
``width = 0.5`` (quartic-coupling units).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp

from gm2jax._precision import float64
from gm2jax.errors import Status
from gm2jax.models.thdm import constraints as cons
from gm2jax.models.thdm.amu import amu, point_status
from gm2jax.models.thdm.couplings import YukawaCore
from gm2jax.models.thdm.params import THDMSMInputs
from gm2jax.modelspec import ModelSpec, amu_predictions

__all__ = ["DEFAULTS", "DOMAIN", "MODEL", "PARAMETERS", "WIDTH", "MarginTerm", "model_params", "predict"]

PARAMETERS = ("mh", "mH", "mA", "mHp", "sin_beta_minus_alpha", "tan_beta", "m122", "lambda6", "lambda7",
              "zeta_u", "zeta_d", "zeta_l", "yukawa_type")
"""Every parameter name a config may set for ``model = "thdm"``."""

DEFAULTS = {"mh": 125.09, "sin_beta_minus_alpha": 1.0, "m122": 0.0, "lambda6": 0.0, "lambda7": 0.0,
            "zeta_u": 0.0, "zeta_d": 0.0, "zeta_l": 0.0, "yukawa_type": 3.0}
"""Defaults: SM-like h (125.09 GeV, exact alignment), Z2-symmetric potential, lepton-specific type X."""

DOMAIN = {"mh": (0.0, math.inf), "mH": (0.0, math.inf), "mA": (0.0, math.inf), "mHp": (0.0, math.inf),
          "tan_beta": (0.0, math.inf)}
"""Hard physical domain (open intervals): the four Higgs pole masses (GeV) and tan(beta) = v2/v1
are positive.  |sin(beta - alpha)| <= 1 and the Yukawa type are checked by ``status``."""

WIDTH = 0.5
"""Width (quartic-coupling units) of the smooth theory-constraint walls."""


def _zetas(code, tb, zu, zd, zl):
    inv, neg = 1.0 / tb, -tb
    c = jnp.round(code)
    zeta_u = jnp.where(c == 5, zu, inv)
    zeta_d = jnp.select([c == 1, c == 2, c == 3, c == 4], [inv, neg, inv, neg], zd)
    zeta_l = jnp.select([c == 1, c == 2, c == 3, c == 4], [inv, neg, neg, inv], zl)
    return zeta_u, zeta_d, zeta_l


@float64
def model_params(values: Mapping) -> YukawaCore:
    """:class:`YukawaCore` from a flat dict of :data:`PARAMETERS` (missing: :data:`DEFAULTS`)."""
    v = {**DEFAULTS, **values}
    f = lambda k: jnp.asarray(v[k], dtype=jnp.float64)  # noqa: E731
    tb = f("tan_beta")
    z = _zetas(f("yukawa_type"), tb, f("zeta_u"), f("zeta_d"), f("zeta_l"))
    return YukawaCore(
        f("mh"), f("mH"), f("mA"), f("mHp"), f("sin_beta_minus_alpha"), tb, f("m122"), f("lambda6"), f("lambda7"),
        z[2], jnp.stack(z), jnp.zeros((3, 3, 3)),
    )


def _sm(sm) -> THDMSMInputs:
    base = THDMSMInputs.from_defaults()
    if sm is None or not hasattr(sm, "m_mu"):
        return base
    return THDMSMInputs.from_defaults(m_e=float(sm.m_e), m_mu=float(sm.m_mu), m_tau=float(sm.m_tau))


_PARTS = {"one_loop": "one_loop", "two_loop": "two_loop", "uncertainty": "uncertainty"}


@float64
def predict(values: Mapping, sm=None, leptons=("mu",), resummation: str = "none", loops: int = 2) -> dict:
    """Predictions of the 2HDM for the likelihood (pure; jit/vmap/grad safe).

    Args:
        values: flat dict of :data:`PARAMETERS`.
        sm: the fit's SM inputs (lepton masses used; see the module docstring).
        leptons: fitted leptons (static).
        resummation: ``"none"`` only.
        loops: 1 or 2 (static).

    Returns:
        dict of scalars (keys in the module docstring).
    """
    del resummation
    s = _sm(sm)
    q0 = jax.lax.stop_gradient(model_params(values))
    code = jnp.round(jnp.asarray({**DEFAULTS, **values}["yukawa_type"], dtype=jnp.float64))
    status = jnp.where((code >= 1) & (code <= 5), 0, int(Status.INVALID_PARAMETER)).astype(jnp.int32)
    status = status | point_status(q0)
    # a rejected point is differentiated at harmless flat values (_SAFE_VALUES): the conversion to
    # the Yukawa core (zeta_f ~ 1/tan(beta), ...) would otherwise put NaN into the cotangents, and
    # masking turns 0 x NaN into NaN; its outputs are NaN (a_l) or its own margins, with zero gradient
    bad = status != 0
    q = model_params({k: jnp.where(bad, _SAFE_VALUES.get(k, DEFAULTS.get(k, 1.0)), v) for k, v in values.items()})
    # amu's status: any non-finite piece at an accepted point (NUMERICALLY_UNRELIABLE)
    results = [amu(q, s, lep, loops=loops, throw=False) for lep in leptons]
    out = {k: jnp.where(bad, jnp.nan, v) for k, v in amu_predictions(results, tuple(leptons), _PARTS, with_status=False).items()}
    for r in results:
        status = status | r.status
    for key, margin in (("unitarity_margin", cons.unitarity_margin), ("bfb_margin", cons.bfb_margin),
                        ("perturbativity_margin", cons.perturbativity_margin)):
        out[key] = jnp.where(bad, margin(q0, s), margin(q, s))
    out["status"] = status
    return out


_SAFE_VALUES = {"mH": 400.0, "mA": 400.0, "mHp": 400.0, "tan_beta": 2.0, "yukawa_type": 2.0}
"""Harmless flat values (type II, 400 GeV, tan(beta) = 2; the rest :data:`DEFAULTS`) at which a
rejected point is evaluated so that its gradient stays finite."""


class MarginTerm(eqx.Module):
    """chi^2 = softplus(-margin/width)^2 of one theory margin (see :mod:`.constraints`)."""

    name: str = eqx.field(static=True)
    key: str = eqx.field(static=True)
    width: float = WIDTH

    def chi2(self, pred):
        return cons.margin_chi2(pred[self.key], self.width)


def _term(name, key):
    return lambda leptons=None: MarginTerm(name, key)


MODEL = ModelSpec(
    name="thdm",
    parameters=PARAMETERS,
    defaults=DEFAULTS,
    predict=predict,
    constraints={
        "unitarity": _term("unitarity", "unitarity_margin"),
        "bfb": _term("bfb", "bfb_margin"),
        "perturbativity": _term("perturbativity", "perturbativity_margin"),
    },
    outputs=("a_{l}", "a_{l}_one_loop", "a_{l}_two_loop", "a_{l}_uncertainty", "unitarity_margin", "bfb_margin",
             "perturbativity_margin"),
    loops=(1, 2),
    default_loops=2,
    theory_key="a_{l}_uncertainty",
    params=model_params,
    domain=DOMAIN,
)
"""The ``"thdm"`` entry of :data:`gm2jax.registry.MODELS`."""
