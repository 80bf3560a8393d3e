"""The MSSM for the likelihood (``model = "mssm"`` in a fit config): :data:`MODEL`.

Parameters (:data:`PARAMETERS`): tan(beta); mu, M1, M2 (GeV); soft masses m_L_i, m_E_i of
generation i = 1, 2, 3 (GeV, GM2Calc signed-square convention); trilinears A_i (GeV).
:func:`model_params` turns a flat dict of them into :class:`gm2jax.models.mssm.MSSMParams`.

Prediction keys (:func:`predict`): ``a_<l>``, ``a_<l>_neutralino``, ``a_<l>_chargino`` (one-loop
diagrams), ``a_<l>_two_loop``, ``a_<l>_uncertainty``, ``status_<l>``, ``delta_<l>``,
``m_slepton_<l>`` per lepton, ``m_chargino_1`` and ``status``.

Constraints: ``lep_sleptons`` and ``lep_charginos``, the smooth LEP lower bounds on the fitted
leptons' lightest charged sleptons and on the lightest chargino
(:class:`gm2jax.likelihood.LowerBoundTerm`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import jax
import jax.numpy as jnp

from gm2jax import linalg
from gm2jax._precision import float64
from gm2jax.errors import InvalidInput
from gm2jax.modelspec import ModelSpec, amu_predictions
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.amu_2l import amu_parts
from gm2jax.models.mssm.one_loop import amu_1l_parts
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.models.mssm.uncertainty import fit_uncertainty
from gm2jax.sm import couplings

__all__ = ["DEFAULTS", "DOMAIN", "MODEL", "PARAMETERS", "RESUMMATIONS", "AmuView", "light_masses", "model_params", "predict", "sqrt_pos"]

PARAMETERS = ("tan_beta", "mu", "M1", "M2", "mL1", "mL2", "mL3", "mE1", "mE2", "mE3", "A1", "A2", "A3")
"""MSSM parameter names of configs: tan(beta); mu, M1, M2 (GeV); soft masses m_L_i, m_E_i of
generation i = 1, 2, 3 (GeV, GM2Calc signed-square convention); trilinears A_i (GeV)."""

DEFAULTS = {"A1": 0.0, "A2": 0.0, "A3": 0.0, "mL3": 3000.0, "mE3": 3000.0}
"""Defaults: vanishing A-terms (arXiv:1908.03607) and decoupled third-generation sleptons (GeV)."""

DOMAIN = {"tan_beta": (0.0, math.inf)}
"""Hard physical domain (open intervals): tan(beta) = v_u/v_d > 0.  The signed parameters (mu,
M1, M2, A_i) and the signed-square soft masses have none (a tachyon is flagged by ``status``)."""

RESUMMATIONS = ("none", "exact", "gm2calc")
"""Values of a config's ``resummation``: no tan(beta) resummation, the exact one or GM2Calc's."""


@float64
def model_params(values: Mapping) -> MSSMParams:
    """:class:`MSSMParams` from a flat dict of :data:`PARAMETERS` (missing: :data:`DEFAULTS`)."""
    v = {**DEFAULTS, **values}
    f = lambda k: jnp.asarray(v[k], dtype=jnp.float64)  # noqa: E731
    return MSSMParams(
        f("tan_beta"),
        f("mu"),
        f("M1"),
        f("M2"),
        jnp.stack([f("mL1"), f("mL2"), f("mL3")]),
        jnp.stack([f("mE1"), f("mE2"), f("mE3")]),
        jnp.stack([f("A1"), f("A2"), f("A3")]),
    )


def sqrt_pos(x):
    """sqrt(x) for x > 0, else 0 (double-where: finite gradient everywhere); a mass from a mass^2."""
    pos = x > 0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, x, 1.0)), 0.0)


class AmuView(NamedTuple):
    """The a_l fields :func:`predict` reads, at either loop order (leading lepton axis)."""

    total: jax.Array
    neutralino: jax.Array
    chargino: jax.Array
    two_loop: jax.Array
    uncertainty: jax.Array
    status: jax.Array
    delta: jax.Array


_PARTS = {"neutralino": "neutralino", "chargino": "chargino", "two_loop": "two_loop", "uncertainty": "uncertainty"}


def light_masses(p, sm, leptons, results, spectrum=sp) -> dict:
    """``m_slepton_<l>`` (lightest charged slepton of each lepton's generation, with the
    result's Delta_l where its status is 0) and ``m_chargino_1`` (GeV) of an MSSM-like point.

    Args:
        p: the model's parameter pytree (:class:`MSSMParams`, or lmutau's).
        sm: :class:`gm2jax.sm.SMInputs`.
        leptons: lepton names, in the order of ``results``.
        results: a_l result with ``status`` and ``delta`` (leading lepton axis).
        spectrum: module with ``slepton_matrix(p, c, lepton, m_lepton, delta)`` and
            ``chargino_matrix(p, c)`` (default :mod:`gm2jax.models.mssm.spectrum`).
    """
    c = couplings(sm)
    out = {}
    for i, lep in enumerate(leptons):
        d = jnp.where(results.status[i] == 0, results.delta[i], 0.0)
        m2 = linalg.eigh_sym(spectrum.slepton_matrix(p, c, lep, sm.lepton_mass(lep), d))[0][0]
        out[f"m_slepton_{lep}"] = sqrt_pos(m2)
    x = spectrum.chargino_matrix(p, c)
    out["m_chargino_1"] = sqrt_pos(linalg.eigh_sym(x.T @ x)[0][0])
    return out


@float64
def predict(values: Mapping, sm, leptons=("e", "mu"), resummation: str = "none", loops: int = 1) -> dict:
    """MSSM predictions for the likelihood at one or two loops (pure; jit/vmap/grad safe).

    Args:
        values: flat dict of :data:`PARAMETERS` (missing ones take :data:`DEFAULTS`;
            the fields entering only at two loops -- M3, M_A, squarks, Q -- take
            :data:`gm2jax.models.mssm.params.TWO_LOOP_DEFAULTS`).
        sm: :class:`gm2jax.sm.SMInputs`.
        leptons: leptons to predict (static tuple).
        resummation: ``"none"``, ``"exact"`` or ``"gm2calc"`` tan(beta) resummation (static).
        loops: 1 (one loop, :func:`gm2jax.models.mssm.amu_1l_parts`) or 2 (GM2Calc's one plus two
            loops, :func:`gm2jax.models.mssm.amu_parts`); static.

    Returns:
        dict with ``a_<l>``, ``a_<l>_neutralino``, ``a_<l>_chargino`` (one-loop diagrams),
        ``a_<l>_two_loop`` and ``a_<l>_uncertainty`` (GM2Calc's theory uncertainty at two loops
        with its constant scaled by (m_l/m_mu)^2, :func:`gm2jax.models.mssm.uncertainty.fit_uncertainty`;
        both 0 at one loop), ``status_<l>``, ``delta_<l>``, ``m_slepton_<l>`` (lightest charged
        slepton of that generation, GeV) per lepton, ``m_chargino_1`` (GeV) and ``status``
        (bit-wise OR over the leptons).
    """
    if resummation not in RESUMMATIONS:
        raise InvalidInput(f"resummation={resummation!r}: use one of {RESUMMATIONS}")
    if loops not in (1, 2):
        raise InvalidInput(f"loops={loops!r}: use 1 or 2")
    leptons = tuple(leptons)
    p = model_params(values)
    res = None if resummation == "none" else resummation
    if loops == 2:
        r2 = amu_parts(p, sm, leptons, 2, res)
        m_l = jnp.stack([jnp.asarray(sm.lepton_mass(lep)) for lep in leptons])
        unc = fit_uncertainty(r2.uncertainty, 2, m_l, sm.m_mu)
        r = AmuView(total=r2.total, neutralino=r2.one_loop_neutralino, chargino=r2.one_loop_chargino,
                    two_loop=r2.two_loop, uncertainty=unc, status=r2.status, delta=r2.delta)
    else:
        r1 = amu_1l_parts(p, sm, leptons, resummation=res)
        zero = jnp.zeros_like(r1.total)
        r = AmuView(total=r1.total, neutralino=r1.neutralino, chargino=r1.chargino,
                    two_loop=zero, uncertainty=zero, status=r1.status, delta=r1.delta)
    out = amu_predictions(r, leptons, _PARTS)
    status = out.pop("status")
    out.update(light_masses(p, sm, leptons, r))
    out["status"] = status
    return out


MODEL = ModelSpec(
    name="mssm",
    parameters=PARAMETERS,
    defaults=DEFAULTS,
    predict=predict,
    constraints={
        "lep_sleptons": (("m_slepton_{l}",), "m_slepton"),
        "lep_charginos": (("m_chargino_1",), "m_chargino"),
    },
    outputs=("a_{l}", "a_{l}_neutralino", "a_{l}_chargino", "a_{l}_two_loop", "a_{l}_uncertainty", "m_slepton_{l}",
             "m_chargino_1"),
    resummations=RESUMMATIONS,
    loops=(1, 2),
    default_loops=2,
    theory_key="a_{l}_uncertainty",
    params=model_params,
    domain=DOMAIN,
)
"""The registry entry of the MSSM (see the module docstring)."""
