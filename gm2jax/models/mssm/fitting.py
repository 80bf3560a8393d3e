"""The MSSM for the likelihood (``model = "mssm"`` in a fit config): :data:`MODEL`.

Parameters (:data:`PARAMETERS`): tan(beta); mu, M1, M2 (GeV); soft masses m_L_i, m_E_i of
generation i = 1, 2, 3 (GeV, GM2Calc signed-square convention); trilinears A_i (GeV).
:func:`model_params` turns a flat dict of them into :class:`gm2jax.models.mssm.MSSMParams`.

Prediction keys (:func:`predict`): ``a_<l>``, ``a_<l>_neutralino``, ``a_<l>_chargino`` (one-loop
diagrams), ``a_<l>_two_loop``, ``a_<l>_uncertainty``, ``status_<l>``, ``delta_<l>``,
``m_slepton_<l>`` per lepton, ``m_chargino_1`` and ``status``.

Constraints (config ``[likelihood] constraints``; a config that lists none gets the two LEP ones):

* ``lep_sleptons``, ``lep_charginos`` -- the smooth LEP lower bounds on the fitted leptons'
  lightest charged sleptons and on the lightest chargino (:class:`gm2jax.likelihood.LowerBoundTerm`;
  arXiv:1908.03607 sec. 1, its ref. [18]).
* ``vacuum_stability`` -- the charge-breaking-vacuum bound of arXiv:1309.3065 (the fit used by
  arXiv:1906.08768) for the sleptons of all three generations: the margins
  ``vacuum_margin_<e|mu|tau>`` = ln(B/|T_l|) of :func:`gm2jax.models.mssm.vacuum.vacuum_stability`
  enter as softplus(-margin/w)^2, w = :data:`gm2jax.models.mssm.vacuum.MARGIN_WIDTH` (the
  form of the LEP walls at margin 0).
* ``tau_g2`` -- the DELPHI bound -0.052 < a_tau < 0.013 at 95 % CL (hep-ex/0406010;
  ``gm2jax/data/measurements.yaml``, ``tau_g2``) as the Gaussian it was derived from: centre and
  half-width of the interval, sigma = half-width / 1.96, compared with a_tau^SM + Delta a_tau
  (Delta a_tau at one loop, ``a_tau``).

The last two compute their prediction keys only when they are in the likelihood
(:class:`gm2jax.likelihood.ModelTerm`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import jax
import jax.numpy as jnp

from gm2jax import linalg
from gm2jax._precision import float64
from gm2jax.errors import InvalidInput, Status
from gm2jax.likelihood import GaussianTerm, LowerBoundTerm, ModelTerm, delta_chi2_quantile
from gm2jax.measurements import tau_g2_interval
from gm2jax.modelspec import ModelSpec, amu_predictions
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.amu_2l import amu_parts
from gm2jax.models.mssm.one_loop import amu_1l_parts
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.models.mssm.uncertainty import fit_uncertainty
from gm2jax.models.mssm.vacuum import MARGIN_WIDTH, vacuum_stability
from gm2jax.sm import couplings

__all__ = ["DEFAULTS", "DOMAIN", "LEP_CONSTRAINTS", "MODEL", "PARAMETERS", "RESUMMATIONS", "VACUUM_LEPTONS", "AmuView",
           "light_masses", "model_params", "predict", "sqrt_pos", "tau_g2_outputs", "tau_g2_term", "vacuum_outputs",
           "vacuum_term"]

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


# --------------------------------------------------------------------------------------
# Constraints beyond the LEP bounds (they bring their own prediction keys)
# --------------------------------------------------------------------------------------

VACUUM_LEPTONS = ("e", "mu", "tau")
"""Generations whose slepton-Higgs vacuum the ``vacuum_stability`` constraint checks."""

_VACUUM_FAILURES = int(Status.YUKAWA_POLE | Status.NEGATIVE_SOFT_MASS2 | Status.NONFINITE_INPUT)


def _resummation(resummation: str):
    if resummation not in RESUMMATIONS:
        raise InvalidInput(f"resummation={resummation!r}: use one of {RESUMMATIONS}")
    return None if resummation == "none" else resummation


def vacuum_outputs(values: Mapping, sm, resummation: str = "none") -> dict:
    """``vacuum_margin_<l>`` (ln(B/|T_l|), > 0 stable) and ``status_vacuum_<l>`` of every
    generation in :data:`VACUUM_LEPTONS` (:func:`gm2jax.models.mssm.vacuum.vacuum_stability`,
    arXiv:1309.3065 fit; Delta_l with the config's resummation) and ``status``: the failure bits
    (Yukawa pole, negative soft mass^2, non-finite input).  Outside the fit's range (both sleptons
    below ~100 GeV) the margin stays finite and very negative: the penalty, not a failed point.
    """
    p = model_params(values)
    res = _resummation(resummation)
    out, status = {}, jnp.asarray(0)
    for lep in VACUUM_LEPTONS:
        r = vacuum_stability(p, sm, lep, resummation=res)
        out[f"vacuum_margin_{lep}"] = r.margin
        out[f"status_vacuum_{lep}"] = r.status
        status = status | (r.status & _VACUUM_FAILURES)
    out["status"] = status
    return out


def vacuum_term(leptons=()) -> ModelTerm:
    """The ``vacuum_stability`` constraint: softplus(-margin_l/w)^2 summed over e, mu, tau
    (:class:`gm2jax.likelihood.LowerBoundTerm` at margin 0, width
    :data:`gm2jax.models.mssm.vacuum.MARGIN_WIDTH`), whatever leptons are fitted.

    References:
        arXiv:1309.3065; arXiv:1906.08768 (Fig. 2).
    """
    del leptons  # every generation's vacuum is checked
    wall = LowerBoundTerm(name="vacuum_stability", observables=tuple(f"vacuum_margin_{lep}" for lep in VACUUM_LEPTONS),
                          bound=0.0, width=float(MARGIN_WIDTH))
    return ModelTerm(term=wall, outputs=vacuum_outputs)


def tau_g2_outputs(values: Mapping, sm, resummation: str = "none") -> dict:
    """``a_tau`` (the MSSM Delta a_tau at one loop, :func:`gm2jax.models.mssm.amu_1l_parts`), its
    ``status_tau`` and ``status``.  One loop suffices: |Delta a_tau| < 1e-5 here, three orders
    below the bound's sigma (1.7e-2)."""
    r = amu_1l_parts(model_params(values), sm, "tau", resummation=_resummation(resummation))
    return {"a_tau": r.total, "status_tau": r.status, "status": r.status}


def tau_g2_term(leptons=()) -> ModelTerm:
    """The ``tau_g2`` constraint: the DELPHI interval lo < a_tau < hi at confidence level cl
    (hep-ex/0406010) as a Gaussian in Delta a_tau: centre (lo + hi)/2 - a_tau^SM, sigma^2 =
    [(hi - lo)/2]^2 / q(cl) + sigma_SM^2 (q = :func:`gm2jax.likelihood.delta_chi2_quantile`, 3.84
    at 95 %: chi^2 rises by q from the centre to either end).  At Delta a_tau = 0 it is
    ((centre - a_tau^SM)/sigma)^2 = 1.55, a constant of every MSSM point.

    References:
        hep-ex/0406010 (DELPHI); hep-ph/0701260 (a_tau^SM).
    """
    del leptons
    lim = tau_g2_interval()
    half = 0.5 * (lim["hi"] - lim["lo"])
    sigma = math.sqrt(half**2 / delta_chi2_quantile(lim["cl"]) + lim["sm_error"] ** 2)
    gauss = GaussianTerm(name="tau_g2", observable="a_tau", value=0.5 * (lim["hi"] + lim["lo"]) - lim["sm"], sigma=sigma)
    return ModelTerm(term=gauss, outputs=tau_g2_outputs)


LEP_CONSTRAINTS = {
    "lep_sleptons": (("m_slepton_{l}",), "m_slepton"),
    "lep_charginos": (("m_chargino_1",), "m_chargino"),
}
"""The LEP lower mass bounds (constraint entries of :class:`gm2jax.modelspec.ModelSpec`)."""


MODEL = ModelSpec(
    name="mssm",
    parameters=PARAMETERS,
    defaults=DEFAULTS,
    predict=predict,
    constraints={**LEP_CONSTRAINTS, "vacuum_stability": vacuum_term, "tau_g2": tau_g2_term},
    default_constraints=tuple(LEP_CONSTRAINTS),
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
