"""Fit registration of the supersymmetric U(1)_{L_mu-L_tau} model (``model = "lmutau"``).

:data:`MODEL` is the :class:`gm2jax.likelihood.ModelSpec` that
:func:`gm2jax.likelihood.get_model` registers lazily for ``model = "lmutau"`` in a fit config.

Parameters (:data:`PARAMETERS`): the MSSM ones of :data:`gm2jax.likelihood.MSSM_PARAMETERS`
(tan_beta; mu, M1, M2, soft slepton masses mL1..3, mE1..3, trilinears A1..3, all GeV) plus
``M0``, ``M10`` (GeV), ``g_X``, ``M_Zp`` (GeV), ``tan_gamma``, ``mu_eta`` (GeV), ``g_YX``
(:class:`gm2jax.models.lmutau.LmutauParams`).

Prediction keys (:func:`predict`): ``a_<l>`` and its parts ``a_<l>_neutralino``,
``a_<l>_chargino``, ``a_<l>_zprime``, ``status_<l>``, ``delta_<l>``, ``m_slepton_<l>`` (lightest
charged slepton of generation l, GeV) per fitted lepton; ``m_chargino_1``, ``m_neutralino_1``
(GeV); ``ewino_class`` (seed sec. 4 class 1-4), ``lsp_type`` (index into
:data:`gm2jax.models.lmutau.classify.LSP_TYPES`), ``lsp_bprime`` (1: B'-dominated LSP),
``bprime_fraction``; ``M_Zp``, ``g_X``; ``eps_kin`` (radiative photon-Z' kinetic mixing at
q^2 = 0 from mu, tau and the chiral smuon/stau masses,
:func:`gm2jax.models.lmutau.kinetic.epsilon_kinetic`) and ``status``.

Constraints: ``lep_sleptons`` and ``lep_charginos`` (the MSSM's smooth LEP bounds on the fitted
leptons' lightest sleptons and the lightest chargino) and, when
:mod:`gm2jax.models.lmutau.limits` is installed, every Z' limit of its
:func:`~gm2jax.models.lmutau.limits.zprime_constraints` (``ccfr``, ``borexino``, ...).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

import jax.numpy as jnp

from gm2jax import linalg
from gm2jax.errors import InvalidInput, Status
from gm2jax.likelihood import MSSM_DEFAULTS, MSSM_PARAMETERS, RESUMMATIONS, ModelSpec, mssm_params
from gm2jax.models.lmutau import classify
from gm2jax.models.lmutau import spectrum as sp
from gm2jax.models.lmutau.params import LmutauParams

_amu = importlib.import_module("gm2jax.models.lmutau.amu")

LMUTAU_PARAMETERS = ("M0", "M10", "g_X", "M_Zp", "tan_gamma", "mu_eta", "g_YX")
"""Parameters beyond the MSSM (see :class:`gm2jax.models.lmutau.LmutauParams`)."""

PARAMETERS = MSSM_PARAMETERS + LMUTAU_PARAMETERS
"""Every parameter name a config may set for ``model = "lmutau"``."""

DEFAULTS = {**MSSM_DEFAULTS, "M10": 0.0, "g_YX": 0.0, "tan_gamma": 1.0, "mu_eta": 4000.0}
"""Defaults: the MSSM ones (A = 0, staus at 3 TeV -- the configs derive them as 17.8 x smuon,
seed sec. 2), no B-B' mass mixing and no tree-level kinetic mixing (seed sec. 2), tan(gamma) = 1
(no Z' D-term; the seed quotes none), eta fermions at 4 TeV (seed sec. 4)."""


def lmutau_params(values: Mapping) -> LmutauParams:
    """:class:`LmutauParams` from a flat dict of :data:`PARAMETERS` (missing: :data:`DEFAULTS`)."""
    v = {**DEFAULTS, **values}
    f = lambda k: jnp.asarray(v[k], dtype=jnp.float64)  # noqa: E731
    return LmutauParams(
        mssm_params({k: v[k] for k in MSSM_PARAMETERS if k in v}),
        M0=f("M0"),
        M10=f("M10"),
        g_X=f("g_X"),
        M_Zp=f("M_Zp"),
        tan_gamma=f("tan_gamma"),
        mu_eta=f("mu_eta"),
        g_YX=f("g_YX"),
    )


def _sqrt_pos(x):
    pos = x > 0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, x, 1.0)), 0.0)


def _kinetic():
    try:
        return importlib.import_module("gm2jax.models.lmutau.kinetic")
    except ModuleNotFoundError as err:  # pragma: no cover - only without helper B's module
        raise InvalidInput(
            "lmutau: gm2jax.models.lmutau.kinetic (radiative kinetic mixing) is missing; "
            f"eps_kin cannot be computed ({err})"
        ) from None


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
        >>> import jax
        >>> jax.config.update("jax_enable_x64", True)  # results are float64 arrays
        >>> from gm2jax.sm import SMInputs
        >>> v = dict(tan_beta=27.0, mu=-223.0, M1=781.0, M2=180.0, mL1=170.0, mE1=170.0,
        ...          mL2=845.0, mE2=845.0, M0=606.0, g_X=8.26e-4, M_Zp=0.027)
        >>> out = predict(v, SMInputs.from_convention("pdg"))
        >>> int(out["status"]), int(out["ewino_class"]), bool(out["a_mu_zprime"] > 0)
        (0, 1, True)
    """
    from gm2jax.sm import couplings

    if resummation not in RESUMMATIONS:
        raise InvalidInput(f"resummation={resummation!r}: use one of {RESUMMATIONS}")
    leptons = tuple(leptons)
    p = lmutau_params(values)
    r = _amu.amu_parts(p, sm, leptons, resummation=None if resummation == "none" else resummation)
    c = couplings(sm)
    out = {}
    status = jnp.asarray(0)
    for i, lep in enumerate(leptons):
        for part in ("neutralino", "chargino", "zprime"):
            out[f"a_{lep}_{part}"] = getattr(r, part)[i]
        out[f"a_{lep}"] = r.total[i]
        out[f"status_{lep}"] = r.status[i]
        out[f"delta_{lep}"] = r.delta[i]
        status = status | r.status[i]
        d = jnp.where(r.status[i] == 0, r.delta[i], 0.0)
        m2 = linalg.eigh_sym(sp.slepton_matrix(p, c, lep, sm.lepton_mass(lep), d))[0][0]
        out[f"m_slepton_{lep}"] = _sqrt_pos(m2)
    x = sp.chargino_matrix(p, c)
    out["m_chargino_1"] = _sqrt_pos(linalg.eigh_sym(x.T @ x)[0][0])
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
    out["eps_kin"] = _kinetic().epsilon_kinetic(p.g_X, m_mu, m_tau, masses[0], masses[1], masses[2], masses[3])
    out["status"] = status
    return out


def _constraints() -> dict:
    """LEP bounds (as the MSSM) plus the Z' limits of :mod:`gm2jax.models.lmutau.limits`."""
    cons = {
        "lep_sleptons": (("m_slepton_{l}",), "m_slepton"),
        "lep_charginos": (("m_chargino_1",), "m_chargino"),
    }
    try:
        limits = importlib.import_module("gm2jax.models.lmutau.limits")
    except ModuleNotFoundError as err:  # pragma: no cover - only without helper B's module
        if err.name != "gm2jax.models.lmutau.limits":
            raise
        return cons
    cons.update(limits.zprime_constraints())
    return cons


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
    resummations=RESUMMATIONS,
)
"""The registry entry of the lmutau model (see the module docstring)."""
