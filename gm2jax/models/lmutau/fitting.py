"""Fit registration of the supersymmetric U(1)_{L_mu-L_tau} model (``model = "lmutau"``).

:data:`MODEL` is the :class:`gm2jax.modelspec.ModelSpec` that :data:`gm2jax.registry.MODELS`
holds for ``model = "lmutau"`` in a fit config.

Parameters (:data:`PARAMETERS`): the MSSM ones of :data:`gm2jax.models.mssm.fitting.PARAMETERS`
(tan_beta; mu, M1, M2, soft slepton masses mL1..3, mE1..3, trilinears A1..3, all GeV) plus
``M0``, ``M10`` (GeV), ``g_X``, ``M_Zp`` (GeV), ``tan_gamma``, ``mu_eta`` (GeV), ``g_YX``
(:class:`gm2jax.models.lmutau.LmutauParams`, built by :func:`model_params`).

Prediction keys (:func:`predict`): ``a_<l>`` and its parts ``a_<l>_neutralino``,
``a_<l>_chargino``, ``a_<l>_zprime``, ``status_<l>``, ``delta_<l>``, ``m_slepton_<l>`` (lightest
charged slepton of generation l, GeV) per fitted lepton; ``m_chargino_1``, ``m_neutralino_1``
(GeV); ``ewino_class`` (arXiv:2011.05083 sec. 4, class 1-4), ``lsp_type`` (index into
:data:`gm2jax.models.lmutau.classify.LSP_TYPES`), ``lsp_bprime`` (1: B'-dominated LSP),
``bprime_fraction``; ``M_Zp``, ``g_X``; ``eps_kin`` (radiative photon-Z' kinetic mixing at
q^2 = 0 from mu, tau and the chiral smuon/stau masses,
:func:`gm2jax.models.lmutau.kinetic.epsilon_kinetic`) and ``status``.

Constraints: ``lep_sleptons`` and ``lep_charginos`` (the MSSM's smooth LEP bounds on the fitted
leptons' lightest sleptons and the lightest chargino) and every Z' limit of
:func:`gm2jax.models.lmutau.limits.zprime_constraints` (``ccfr``, ``borexino``, ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import jax.numpy as jnp

from gm2jax._precision import float64
from gm2jax.errors import InvalidInput, Status
from gm2jax.models.lmutau import classify
from gm2jax.models.lmutau import spectrum as sp
from gm2jax.models.lmutau.amu import amu_parts
from gm2jax.models.lmutau.kinetic import epsilon_kinetic
from gm2jax.models.lmutau.limits import zprime_constraints
from gm2jax.models.lmutau.params import LmutauParams
from gm2jax.models.mssm import fitting as mssm_fitting
from gm2jax.modelspec import ModelSpec, amu_predictions
from gm2jax.sm import couplings

__all__ = ["DEFAULTS", "DOMAIN", "LMUTAU_PARAMETERS", "MODEL", "PARAMETERS", "model_params", "predict"]

LMUTAU_PARAMETERS = ("M0", "M10", "g_X", "M_Zp", "tan_gamma", "mu_eta", "g_YX")
"""Parameters beyond the MSSM (see :class:`gm2jax.models.lmutau.LmutauParams`)."""

PARAMETERS = mssm_fitting.PARAMETERS + LMUTAU_PARAMETERS
"""Every parameter name a config may set for ``model = "lmutau"``."""

DEFAULTS = {**mssm_fitting.DEFAULTS, "M10": 0.0, "g_YX": 0.0, "tan_gamma": 1.0, "mu_eta": 4000.0}
"""Defaults: the MSSM ones (A = 0, staus at 3 TeV -- the configs derive them as 17.8 x smuon,
arXiv:2011.05083 sec. 2), no B-B' mass mixing and no tree-level kinetic mixing (sec. 2),
tan(gamma) = 1 (no Z' D-term; the paper quotes none), eta fermions at 4 TeV (sec. 4)."""

DOMAIN = {**mssm_fitting.DOMAIN, "M_Zp": (0.0, math.inf), "tan_gamma": (0.0, math.inf)}
"""Hard physical domain (open intervals): the MSSM's (tan(beta) > 0), a Z' mass M_Z' > 0 and
the vev ratio tan(gamma) = <eta>/<eta-bar> > 0."""


@float64
def model_params(values: Mapping) -> LmutauParams:
    """:class:`LmutauParams` from a flat dict of :data:`PARAMETERS` (missing: :data:`DEFAULTS`)."""
    v = {**DEFAULTS, **values}
    f = lambda k: jnp.asarray(v[k], dtype=jnp.float64)  # noqa: E731
    return LmutauParams(
        mssm_fitting.model_params({k: v[k] for k in mssm_fitting.PARAMETERS if k in v}),
        M0=f("M0"),
        M10=f("M10"),
        g_X=f("g_X"),
        M_Zp=f("M_Zp"),
        tan_gamma=f("tan_gamma"),
        mu_eta=f("mu_eta"),
        g_YX=f("g_YX"),
    )


_PARTS = {"neutralino": "neutralino", "chargino": "chargino", "zprime": "zprime"}


@float64
def predict(values: Mapping, sm, leptons=("e", "mu"), resummation: str = "none") -> dict:
    """Predictions of the lmutau model for the likelihood (pure; jit/vmap/grad safe).

    Args:
        values: flat dict of :data:`PARAMETERS` (missing ones take :data:`DEFAULTS`).
        sm: :class:`gm2jax.sm.SMInputs`.
        leptons: fitted leptons (static tuple).
        resummation: ``"none"``, ``"exact"`` or ``"gm2calc"`` (MSSM Delta_l; static).

    Returns:
        dict of scalars (keys in the module docstring).

    Example:
        >>> from gm2jax.sm import SMInputs
        >>> v = dict(tan_beta=27.0, mu=-223.0, M1=781.0, M2=180.0, mL1=170.0, mE1=170.0,
        ...          mL2=845.0, mE2=845.0, M0=606.0, g_X=8.26e-4, M_Zp=0.027)
        >>> out = predict(v, SMInputs.from_convention("pdg"))
        >>> int(out["status"]), int(out["ewino_class"]), float(out["a_mu_zprime"]) > 0
        (0, 1, True)
    """
    if resummation not in mssm_fitting.RESUMMATIONS:
        raise InvalidInput(f"resummation={resummation!r}: use one of {mssm_fitting.RESUMMATIONS}")
    leptons = tuple(leptons)
    p = model_params(values)
    r = amu_parts(p, sm, leptons, resummation=None if resummation == "none" else resummation)
    c = couplings(sm)
    out = amu_predictions(r, leptons, _PARTS)
    status = out.pop("status")
    out.update(mssm_fitting.light_masses(p, sm, leptons, r, spectrum=sp))
    comp = classify.lsp_composition(p, c)
    out["m_neutralino_1"] = comp["m_neutralino_1"]
    out["bprime_fraction"] = comp["bprime"]
    out["lsp_type"] = comp["lsp_type"]
    out["lsp_bprime"] = comp["lsp_bprime"]
    out["ewino_class"] = classify.electroweakino_class(p.M1, p.M2, p.mu)
    out["M_Zp"] = p.M_Zp
    out["g_X"] = p.g_X
    # radiative kinetic mixing from the chiral (diagonal) smuon and stau masses (tree level)
    m_mu, m_tau = sm.lepton_mass("mu"), sm.lepton_mass("tau")
    chiral = []
    for lep, m_l in (("mu", m_mu), ("tau", m_tau)):
        ms = sp.slepton_matrix(p, c, lep, m_l)
        chiral.append((ms[0, 0], ms[1, 1]))
    m2s = jnp.stack([chiral[0][0], chiral[0][1], chiral[1][0], chiral[1][1]])
    ok_kin = jnp.all(m2s > 0)
    status = status | jnp.where(ok_kin, 0, int(Status.TACHYON_SLEPTON))
    masses = jnp.sqrt(jnp.where(m2s > 0, m2s, 1.0))
    out["eps_kin"] = epsilon_kinetic(p.g_X, m_mu, m_tau, masses[0], masses[1], masses[2], masses[3])
    out["status"] = status
    return out


def _constraints() -> dict:
    """LEP bounds (as the MSSM) plus the Z' limits of :mod:`gm2jax.models.lmutau.limits`."""
    return {**mssm_fitting.LEP_CONSTRAINTS, **zprime_constraints()}


MODEL = ModelSpec(
    name="lmutau",
    parameters=PARAMETERS,
    defaults=DEFAULTS,
    predict=predict,
    constraints=_constraints(),
    outputs=(
        "a_{l}",
        "a_{l}_neutralino",
        "a_{l}_chargino",
        "a_{l}_zprime",
        "m_slepton_{l}",
        "m_chargino_1",
        "m_neutralino_1",
        "ewino_class",
        "lsp_bprime",
        "M_Zp",
        "g_X",
        "eps_kin",
    ),
    resummations=mssm_fitting.RESUMMATIONS,
    params=model_params,
    domain=DOMAIN,
)
"""The registry entry of the lmutau model (see the module docstring)."""
