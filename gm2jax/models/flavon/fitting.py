"""The ``"flavon"`` fit model: the U(1)_f toy model of arXiv:2003.06633, section 3.

Two parametrisations, chosen by the KEYS a config (or a parameter dict) sets -- never by values:

* **vev-based** (:data:`VEV_PARAMETERS`; ``fits/flavon_toy.toml``): ``g_e, g_mu`` (eq. (3.1)),
  ``M_chi`` (GeV), the vevs ``v1, va`` (GeV; ``v3 = -2 v1``, ``vb = va``), the seven free
  quartics of Appendix A and ``mupa`` (mu'_a, GeV).  The 8 relations of Appendix A fix the rest
  (:func:`gm2jax.models.flavon.potential.apply_relations`); with them ``(v1, -2 v1, va, va)`` is
  an EXACT stationary point once mu_1^2 = mu_3^2 and mu_a^2 = mu_b^2 are solved from the
  tadpoles, and ``x_phi = mu_1 / M_chi``.  The 1 % lepton-mass Gaussians make the posterior a
  thin curved valley (m_mu ~ g_mu^3 v1^2 / M_chi^2 ...): NUTS mixes badly there.
* **physical** (:data:`ALTERNATIVE_PARAMETERS`; ``fits/flavon_mfix.toml``), three independent
  replacements, closed-form except the one 1-D root below (exact first derivatives throughout):

  - ``mass_matched = 1`` replaces ``g_e, g_mu``: eqs. (3.7)-(3.8) are m_mu = g_mu^3 A_mu,
    m_e = g_e^4 A_e with A_l independent of g_l, so g_mu = (m_mu / |A_mu|)^(1/3),
    g_e = (m_e / |A_e|)^(1/4) at the pole masses of the config's SM inputs: m_e, m_mu are
    reproduced exactly (``mass_matched = 0`` keeps the defaults' g_l).
  - ``x_phi`` = mu_1 / M_chi replaces ``lam1``: mu_1^2 from the tadpoles is affine in lambda_1
    (V is linear in every coupling), mu_1^2 = A + B lambda_1, so lambda_1 = ((x_phi M_chi)^2 - A) / B.
  - ``c_e`` = |m_e^RAD| / m_e replaces ``va``: at v3 = -2 v1, eqs. (3.7)-(3.8) are
    m_mu ~ (r - 1), m_e ~ (3 - r) with r = lambda_1ab v_a^2 I_m(x_phi) / (16 pi^2 v_1^2)
    = m^RAD/|m^FN|, so on the branch 0 < r < 3 (m_e^RAD against m_e^FN) c_e = r / (3 - r),
    c_mu = r / (r - 1) = 3 c_e / (2 c_e - 1), and v_a^2 = 16 pi^2 v_1^2 r / (lambda_1ab I_m(x_phi)),
    r = 3 c_e / (1 + c_e).  The sign condition eq. (3.11) is 1 < r < 3, i.e. c_e > 1/2.
    With ``x_phi`` also set this is explicit; with ``lam1`` instead (``fits/flavon_mfix.toml``),
    x_phi solves the 1-D equation (x M_chi)^2 = A0 + B lambda_1 + A1 v_a^2(x)
    (:func:`_solve_x_phi`: Newton in ln x^2, first derivatives exact by the implicit-function
    theorem; NO_MINIMUM when it has no root, i.e. mu_1^2 <= 0).  Where lambda_1ab < -2 lambda_1a,
    A1 = 2 lambda_1a + lambda_1ab < 0 and the root is unique; for A1 > 0 a second root may exist
    and Newton, started at the A1 = 0 solution, takes the nearer one.

  With ``mass_matched`` and ``c_e``, Delta a_mu = 2 c_mu m_mu^2 (I_Da/I_m)(x_phi) / M_chi^2 and
  Delta a_e = -2 c_e m_e^2 (I_Da/I_m)(x_phi) / M_chi^2 (eq. (2.9) with the physical masses):
  the g-2 data constrain (c_e, M_chi^2 / (I_Da/I_m)(x_phi)) only, the other parameters enter
  through the vacuum statuses and perturbativity, and the posterior has no thin valley.  The
  prior is then flat in the physical parameters (not in g_l, va): a different, explicit prior.

  Setting a replacement together with what it replaces (``c_e`` with ``va`` ...) raises
  :class:`gm2jax.errors.InvalidInput`.  The model's ``defaults`` hold NaN for ``c_e`` and
  ``x_phi`` (they act only when set) and 0 for ``mass_matched``.

  Why one model with key-selected inputs rather than a second registered name: both
  parametrisations describe the same parameter point (:class:`FlavonParams`, :func:`resolve`),
  and the selection is static (dict keys), so each config compiles one branch only.  The model's ``outputs`` include the parameters of either
  parametrisation (g_l, va, lam1, c_e, x_phi): NUTS records each name once, as a sample site where
  it is sampled and as a deterministic site where it is derived (:func:`gm2jax.sample.make_model`).

Predictions: ``a_e, a_mu`` (Delta a_l, eqs. (3.9)-(3.10) with the model's lepton masses),
``m_e, m_mu`` (|eqs. (3.7)-(3.8)|, GeV), ``c_e, c_mu``, ``x_phi``, ``mu_phi1`` (GeV), the exact
masses ``m_S1..m_S4`` (ascending) and ``m_P1..m_P4`` (descending, the paper's labels), the
couplings (``g_e, g_mu`` and every quartic, derived ones included), ``v1, va, M_chi`` and ``status``:

* INVALID_PARAMETER: a non-positive vev or M_chi; in the physical parametrisation also
  x_phi <= 0, c_e <= 0, lambda_1ab >= 0 (no v_a), B <= 0, m_l = 0 at g_l = 1 (no g_l), or
  ``mass_matched`` not 0 or 1;
* NO_MINIMUM: mu_1^2 <= 0 from the tadpoles (no x_phi; V has no non-trivial minimum with the
  paper's sign of mu_1^2);
* TACHYON_SCALAR: the stationary point is a saddle (negative Hessian eigenvalue);
* UNBOUNDED_POTENTIAL: quartic part not positive (:func:`~gm2jax.models.flavon.potential.min_quartic`);
* NOT_GLOBAL_MINIMUM: a trivial / partial vacuum of A.3 (V0 = 0, V1, V2) lies deeper -- a
  necessary condition for globality checked in the fit; the full 8-field multi-start
  (:func:`gm2jax.models.flavon.vacuum.find_vacua`) is run on the best-fit point afterwards;
* VEV_ORDERING: v1 > va.

Constraints (``[likelihood] constraints``):

* ``"lepton_masses"``: Gaussian m_l = m_l^PDG with relative width :data:`LEPTON_MASS_REL`
  (1 %: the leading-order accuracy claimed for eqs. (3.7)-(3.8)); PDG pole masses (vev-based
  parametrisation; identically zero with ``mass_matched = 1``).
* ``"perturbativity"``: smooth walls |g_l| < sqrt(4 pi), |lambda| < 4 pi for every quartic (also
  the derived ones), width 5 % of the bound.
* ``"tuning"``: smooth walls 1 < c_l < 10 (eq. (2.8)), width 0.1 (the range of Figs. 3-4).

* ``"mu_e_gamma"``, ``"electron_edm"``: the MEG 2016 / ACME 2018 limits of :mod:`gm2jax.dipole`
  on the predictions ``br_mu_e_gamma`` and ``d_e_ecm`` (dipole matrix C = diag(C_ee, C_mumu, 0)).
  The Z_2 of Table 1 forbids mu -> e gamma at any order and the couplings are real, so both
  vanish identically in this model: the terms are included for completeness (chi^2 = 0).

Parameters and a_l: :func:`resolve` / :func:`model_params` turn a flat dict in either
parametrisation into :class:`gm2jax.models.flavon.params.FlavonParams`; :func:`amu` is the
model's a_l entry point on that pytree (exported as ``gm2jax.models.flavon.amu``).  The fit
helpers :func:`~gm2jax.models.flavon.consistency.chi2_floor`,
:func:`~gm2jax.models.flavon.consistency.consistent_point` and
:func:`~gm2jax.models.flavon.consistency.repair_vacuum` live in :mod:`gm2jax.models.flavon.consistency`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp

from gm2jax import dipole, loops
from gm2jax._precision import float64
from gm2jax.dipole import edm_constraint, lfv_constraint
from gm2jax.errors import InvalidInput, Status
from gm2jax.models.flavon.general import C_RANGE
from gm2jax.models.flavon.params import FIELDS, FREE_QUARTICS, FlavonParams
from gm2jax.models.flavon.potential import (
    PAPER,
    QUARTIC_NAMES,
    apply_relations,
    bounded_below,
    fields_from_vevs,
    potential,
    solve_mu2,
)
from gm2jax.models.flavon.toy import (
    TABLE2,
    _lepton_sector,
    approximate_minimum,
    higgs_vev,
)
from gm2jax.models.flavon.spectrum import scalar_spectrum
from gm2jax.models.mssm.one_loop import raise_on_status
from gm2jax.modelspec import ModelSpec
from gm2jax.sm import SMInputs, sm_status

__all__ = [
    "ALTERNATIVE_PARAMETERS", "C_RANGE", "DEFAULTS", "DOMAIN", "G_MAX", "LAMBDA_MAX", "LEPTON_MASS_REL", "MODEL",
    "PARAMETERS", "VEV_DEFAULTS", "VEV_PARAMETERS", "FlavonAmuResult", "LeptonMassTerm", "WallTerm", "amu", "lepton_observables", "model_params",
    "potential_parameters", "predict", "resolve",
]

VEV_PARAMETERS = FIELDS
"""Vev-based parameters (the default parametrisation; the fields of :class:`FlavonParams`)."""

ALTERNATIVE_PARAMETERS = ("c_e", "x_phi", "mass_matched")
"""Inputs that replace ``va``, ``lam1`` and ``(g_e, g_mu)`` (the "physical" parametrisation)."""

VEV_DEFAULTS = {
    "g_e": TABLE2["g_e"], "g_mu": TABLE2["g_mu"], "M_chi": TABLE2["M_chi"],
    "v1": TABLE2["vevs"][0], "va": TABLE2["vevs"][2],
    **{k: TABLE2["quartics"][k] for k in ("lam1", "lama", "lam13", "lam1a", "lamab", "lam13p", "lam1ab")},
    "mupa": TABLE2["mu"]["mupa"],
}
"""Table 2 of arXiv:2003.06633 (:data:`gm2jax.models.flavon.toy.TABLE2`) in the fit parameters."""

PARAMETERS = VEV_PARAMETERS + ALTERNATIVE_PARAMETERS
"""Every parameter name a config may set for ``model = "flavon"``."""

DEFAULTS = {**VEV_DEFAULTS, "c_e": math.nan, "x_phi": math.nan, "mass_matched": 0.0}
"""The model's defaults: :data:`VEV_DEFAULTS`, and NaN for ``c_e`` and ``x_phi`` (no default: they act
only when a config sets them) and 0 for ``mass_matched``."""

DOMAIN = {"M_chi": (0.0, math.inf), "v1": (0.0, math.inf), "va": (0.0, math.inf), "c_e": (0.0, math.inf),
          "x_phi": (0.0, math.inf)}
"""Hard physical domain (open intervals): the vector-like mass M_chi, the vevs v1, va (GeV), the
tuning c_e = |m_e^RAD|/m_e and x_phi = mu_1/M_chi are positive.  Everything else (a non-global
vacuum, a saddle, ...) is flagged by ``status``."""

PDG = SMInputs.from_convention("pdg")
"""SM inputs (PDG pole masses) of :func:`model_params`, :func:`amu` and the lepton-mass term by default."""

LEPTON_MASS_REL = 0.01
"""Relative width of the lepton-mass term (leading-order eqs. (3.7)-(3.8))."""

G_MAX = math.sqrt(4.0 * math.pi)
"""Perturbativity bound on the Yukawa-like couplings g_e, g_mu."""

LAMBDA_MAX = 4.0 * math.pi
"""Perturbativity bound on the quartic couplings."""


def _pos(x, ok):
    return jnp.where(ok, x, 1.0)


def potential_parameters(values):
    """(general potential parameters, vevs (v1, -2 v1, va, va)) of a fit-parameter dict.

    The relations of Appendix A are applied and mu_1^2 = mu_3^2, mu_a^2 = mu_b^2 solved from the
    tadpoles; feed the result to :func:`gm2jax.models.flavon.vacuum.find_vacua` to check that
    the fitted vacuum is the global minimum.
    """
    f = lambda k: jnp.asarray(values.get(k, VEV_DEFAULTS[k]), dtype=jnp.float64)  # noqa: E731
    free = {k: f(k) for k in FREE_QUARTICS}
    free.update(mu1_sq=jnp.asarray(0.0), mua_sq=jnp.asarray(0.0), mupa_sq=f("mupa") ** 2)
    p = apply_relations(free)
    vevs = jnp.stack([f("v1"), -2.0 * f("v1"), f("va"), f("va")])
    return solve_mu2(vevs, p), vevs


X_SOLVE_STEPS = 40
"""Newton steps in ln(x_phi^2) of the implicit solve for x_phi (``c_e`` with ``lam1``)."""


def _mu1_sq_coefficients(values, v1):
    """(A0, A1, B) with mu_1^2 = A0 + A1 v_a^2 + B lambda_1 from the tadpoles (exact: V is
    linear in every coupling and the phi_1 tadpole is linear in v_a^2)."""
    base = {k: v for k, v in values.items() if k not in ALTERNATIVE_PARAMETERS}
    mu = lambda lam1, va: potential_parameters({**base, "v1": v1, "va": va, "lam1": lam1})[0]["mu1_sq"]  # noqa: E731
    m01, m02 = mu(0.0, 1.0), mu(0.0, 2.0)
    a1 = (m02 - m01) / 3.0
    return m01 - a1, a1, mu(1.0, 1.0) - m01


def _solve_x_phi(M, c0, a1, k):
    """x_phi solving M^2 x^2 = c0 + a1 k / I_m(x) (mu_1^2 from the tadpoles with v_a^2 = k / I_m).

    Newton in s = ln x^2 (step clipped to |ds| <= 2) with the iterate's gradient stopped,
    then one differentiable Newton step: exact first derivatives by the implicit-function
    theorem.  Returns (x, converged).
    """

    def g(s, M, c0, a1, k):
        x = jnp.exp(0.5 * s)
        return (M**2 * jnp.exp(s) - c0 - a1 * k / loops.I_m(x)) / (M**2 * jnp.exp(s))

    dg = jax.grad(g)
    sg = jax.lax.stop_gradient
    args = tuple(sg(z) for z in (M, c0, a1, k))
    s0 = jnp.log(jnp.maximum(args[1], 1e-6 * args[0] ** 2) / args[0] ** 2)

    def body(_, s):
        d = dg(s, *args)
        step = g(s, *args) / jnp.where(d != 0, d, 1.0)
        return s - jnp.clip(step, -2.0, 2.0)

    s = sg(jax.lax.fori_loop(0, X_SOLVE_STEPS, body, s0))
    d = dg(s, *args)
    ok = jnp.isfinite(s) & (d != 0)
    s_safe = jnp.where(ok, s, 0.0)
    s1 = s_safe - g(s_safe, M, c0, a1, k) / jnp.where(ok, d, 1.0)
    conv = ok & (jnp.abs(g(s_safe, *args)) < 1e-10)
    return jnp.exp(0.5 * s1), conv


def _resolve_inputs(values, sm):
    """Vev-based inputs (va, lam1) of a parameter dict in any parametrisation, and a status.

    Static rules (on the KEYS present, never on traced values): ``c_e`` replaces ``va``;
    ``x_phi`` replaces ``lam1``; ``mass_matched`` replaces ``g_e, g_mu``.
    """
    for new, old in (("c_e", ("va",)), ("x_phi", ("lam1",)), ("mass_matched", ("g_e", "g_mu"))):
        clash = [k for k in old if k in values]
        if new in values and clash:
            raise InvalidInput(f"flavon: {new!r} replaces {clash} (derived from it); set one of them, not both")
    f = lambda k: jnp.asarray(values.get(k, VEV_DEFAULTS[k]), dtype=jnp.float64)  # noqa: E731
    v1, M = f("v1"), f("M_chi")
    v1s, Ms = _pos(v1, v1 > 0), _pos(M, M > 0)
    out = {k: v for k, v in values.items() if k not in ("c_e", "x_phi")}
    status = jnp.asarray(0)
    if "c_e" not in values and "x_phi" not in values:
        return out, status
    a0, a1, b = _mu1_sq_coefficients(values, v1s)
    bad = ~(b > 0)
    status = status | jnp.where(bad, int(Status.INVALID_PARAMETER), 0)
    b = _pos(b, ~bad)
    if "c_e" in values:
        # eqs. (3.7)-(3.8) at v3 = -2 v1: m_mu ~ (r - 1), m_e ~ (3 - r) with
        # r = lambda_1ab v_a^2 I_m(x) / (16 pi^2 v_1^2); c_e = r / (3 - r) on 0 < r < 3
        c = jnp.asarray(values["c_e"], dtype=jnp.float64)
        lam1ab = f("lam1ab")
        bad = ~(c > 0) | ~(lam1ab < 0)
        status = status | jnp.where(bad, int(Status.INVALID_PARAMETER), 0)
        r = 3.0 * _pos(c, ~bad) / (1.0 + _pos(c, ~bad))
        k = 16.0 * math.pi**2 * v1s**2 * r / jnp.where(bad, -1.0, lam1ab)  # v_a^2 = k / I_m(x) (I_m < 0)
    if "x_phi" in values:
        x = jnp.asarray(values["x_phi"], dtype=jnp.float64)
        bad = ~(x > 0)
        status = status | jnp.where(bad, int(Status.INVALID_PARAMETER), 0)
        x = _pos(x, ~bad)
    else:
        # lambda_1 given: x_phi solves (x M)^2 = A0 + B lambda_1 + A1 k / I_m(x) (implicit)
        x, conv = _solve_x_phi(Ms, a0 + b * f("lam1"), a1, k)
        status = status | jnp.where(conv, 0, int(Status.NO_MINIMUM))
        x = _pos(x, conv)
    if "c_e" in values:
        out["va"] = jnp.sqrt(k / loops.I_m(x))
    if "x_phi" in values:
        # mu_1^2 = A0 + A1 v_a^2 + B lambda_1 solved for lambda_1 at mu_1^2 = (x_phi M_chi)^2
        va2 = f("va") ** 2 if "c_e" not in values else out["va"] ** 2
        out["lam1"] = ((x * Ms) ** 2 - a0 - a1 * va2) / b
    return out, status


def _leptons(values, v1, va, M, lam1ab, mu_phi1, sm):
    """(g_e, g_mu, eqs. (3.7)-(3.10) dict, status); g_l derived when ``mass_matched`` is set."""
    f = lambda k: jnp.asarray(values.get(k, VEV_DEFAULTS[k]), dtype=jnp.float64)  # noqa: E731
    v_h = higgs_vev(sm)
    g_e, g_mu = f("g_e"), f("g_mu")
    status = jnp.asarray(0)
    if "mass_matched" in values:
        # eqs. (3.7)-(3.8): m_mu = g_mu^3 A_mu, m_e = g_e^4 A_e; solved for g_l at the pole masses
        mm = jnp.asarray(values["mass_matched"], dtype=jnp.float64)
        unit = _lepton_sector(v1, -2.0 * v1, va, M, 1.0, 1.0, lam1ab, mu_phi1, v_h, None, None)
        ae, amu = jnp.abs(unit["m_e"]), jnp.abs(unit["m_mu"])
        ok = (ae > 0) & (amu > 0) & jnp.isfinite(ae) & jnp.isfinite(amu)
        status = jnp.where(ok & ((mm == 0) | (mm == 1)), 0, int(Status.INVALID_PARAMETER))
        g_e = jnp.where(mm == 1, (jnp.asarray(sm.m_e) / _pos(ae, ok)) ** 0.25, g_e)
        g_mu = jnp.where(mm == 1, (jnp.asarray(sm.m_mu) / _pos(amu, ok)) ** (1.0 / 3.0), g_mu)
    lep = _lepton_sector(v1, -2.0 * v1, va, M, g_e, g_mu, lam1ab, mu_phi1, v_h, None, None)
    return g_e, g_mu, lep, status


def lepton_observables(values, sm) -> dict:
    """Lepton sector only (no spectrum or vacuum checks): derived va, lambda_1, x_phi, g_l and
    eqs. (3.7)-(3.10) at a parameter dict in any parametrisation (pure; cheap to differentiate).

    Returns:
        dict with ``va, lam1, x_phi, g_e, g_mu, m_e, m_mu, a_e, a_mu, c_e, c_mu`` and ``status``
        (of the reparametrisation and the g_l solve only).
    """
    values, status = _resolve_inputs(values, sm)
    f = lambda k: jnp.asarray(values.get(k, VEV_DEFAULTS[k]), dtype=jnp.float64)  # noqa: E731
    v1, va, M = f("v1"), f("va"), f("M_chi")
    p, _ = potential_parameters(values)
    mu1_ok = p["mu1_sq"] > 0
    mu_phi1 = jnp.sqrt(jnp.where(mu1_ok, p["mu1_sq"], 1.0))
    g_e, g_mu, lep, st = _leptons(values, v1, va, M, p["lam1ab"], mu_phi1, sm)
    status = status | st | jnp.where(mu1_ok, 0, int(Status.NO_MINIMUM))
    return {
        "va": va, "lam1": p["lam1"], "x_phi": lep["x_phi"], "g_e": g_e, "g_mu": g_mu, "m_e": jnp.abs(lep["m_e"]),
        "m_mu": jnp.abs(lep["m_mu"]), "a_e": lep["da_e"], "a_mu": lep["da_mu"], "c_e": lep["c_e"], "c_mu": lep["c_mu"],
        "status": status,
    }


def _vev_point(values: Mapping, sm):
    """(:class:`FlavonParams` with the given or default g_l, status of the ``c_e`` / ``x_phi``
    reparametrisation, the ``mass_matched`` switch or None)."""
    values, status = _resolve_inputs(values, sm)
    f = lambda k: jnp.asarray(values.get(k, VEV_DEFAULTS[k]), dtype=jnp.float64)  # noqa: E731
    return FlavonParams(**{k: f(k) for k in FIELDS}), status, values.get("mass_matched")


@float64
def resolve(values: Mapping, sm) -> tuple[FlavonParams, jax.Array]:
    """The vev-based :class:`FlavonParams` of a parameter dict in any parametrisation, and the
    status of the reparametrisation (``c_e``, ``x_phi``) and of the g_l solve (``mass_matched``).

    Missing parameters take :data:`VEV_DEFAULTS`; ``sm`` gives the pole masses g_l are matched to.
    """
    q, status, mass_matched = _vev_point(values, sm)
    if mass_matched is None:
        return q, status
    bad = (q.v1 <= 0) | (q.va <= 0) | (q.M_chi <= 0)
    v1s, vas, Ms = _pos(q.v1, ~bad), _pos(q.va, ~bad), _pos(q.M_chi, ~bad)
    p, _ = potential_parameters({**q.as_dict(), "v1": v1s, "va": vas})
    mu_phi1 = jnp.sqrt(jnp.where(p["mu1_sq"] > 0, p["mu1_sq"], 1.0))
    inputs = {"g_e": q.g_e, "g_mu": q.g_mu, "mass_matched": mass_matched}
    g_e, g_mu, _, st = _leptons(inputs, v1s, vas, Ms, p["lam1ab"], mu_phi1, sm)
    return eqx.tree_at(lambda r: (r.g_e, r.g_mu), q, (g_e, g_mu)), status | st


@float64
def model_params(values: Mapping, sm=None) -> FlavonParams:
    """:class:`FlavonParams` of a flat parameter dict in any parametrisation (missing:
    :data:`VEV_DEFAULTS`); ``sm`` (default :data:`PDG`) matters only with ``mass_matched``."""
    return resolve(values, PDG if sm is None else sm)[0]


@float64
def predict(values: Mapping, sm, leptons=("e", "mu"), resummation: str = "none") -> dict:
    """Predictions of the toy model at a parameter point (pure; jit/vmap/grad safe).

    ``values`` may use any parametrisation of the module docstring (``c_e``, ``x_phi``,
    ``mass_matched``); it is resolved to :class:`FlavonParams` (:func:`resolve`) and the derived
    ``va``, ``lam1``, ``g_e``, ``g_mu`` are in the output.  A non-finite input sets
    NONFINITE_INPUT (the point is then evaluated at the Table 2 values, so that gradients stay
    finite); any other non-finite output with status 0 sets NUMERICALLY_UNRELIABLE.

    Gradients are finite at every point, flagged ones included: the status is found in a first,
    gradient-free pass (:func:`jax.lax.stop_gradient`); the differentiated pass evaluates a flagged
    point at the harmless values instead (a tachyonic or unbounded vacuum would otherwise put
    NaN into the cotangents, and ``jnp.where`` masking turns 0 x NaN into NaN).  The outputs of a
    flagged point are those of the first pass, with zero gradient.
    """
    del leptons, resummation  # a_e and a_mu always; no resummation in this model
    values = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in values.items()}
    finite = in_range = jnp.asarray(True)
    for k, v in values.items():
        if k != "mass_matched":
            finite = finite & jnp.all(jnp.isfinite(v))
            a = jnp.abs(v)
            in_range = in_range & jnp.all((a == 0) | ((a > _MAGNITUDE[0]) & (a < _MAGNITUDE[1])))
    first = _checked(_safe_where(finite & in_range, jax.lax.stop_gradient(values)), sm)
    status = first["status"] | jnp.where(finite, 0, int(Status.NONFINITE_INPUT))
    status = status | jnp.where(~finite | in_range, 0, int(Status.NUMERICALLY_UNRELIABLE))
    ok = status == 0
    out = _checked(_safe_where(ok, values), sm)
    out = {k: jnp.where(ok, v, first[k]) for k, v in out.items()}
    out["status"] = status
    return out


def _safe_where(ok, values: Mapping) -> dict:
    """``values`` where ``ok``, else the harmless point (:data:`_SAFE_VALUES`, :data:`VEV_DEFAULTS`)."""
    return {k: v if k == "mass_matched" else jnp.where(ok, v, _SAFE_VALUES.get(k, VEV_DEFAULTS.get(k, 1.0)))
            for k, v in values.items()}


def _checked(values: Mapping, sm) -> dict:
    """Every prediction at finite, in-range ``values`` with the status of the point (any
    non-finite output with status 0 sets NUMERICALLY_UNRELIABLE)."""
    q, status0, mass_matched = _vev_point(values, sm)
    out = _evaluate(q, sm, mass_matched)
    status = out["status"] | status0 | sm_status(sm)
    ok_values = functools.reduce(
        jnp.logical_and, [jnp.all(jnp.isfinite(v)) for k, v in out.items() if k != "status"], jnp.asarray(True)
    )
    out["status"] = status | jnp.where((status != 0) | ok_values, 0, int(Status.NUMERICALLY_UNRELIABLE))
    return out


_MAGNITUDE = (1e-60, 1e60)
"""Non-zero inputs outside this magnitude range are NUMERICALLY_UNRELIABLE (quartic terms of the
potential overflow float64 beyond ~1e77 GeV, their inverses below ~1e-77)."""
_SAFE_VALUES = {"c_e": 5.0, "x_phi": 0.0736}
"""Harmless values of the parameters without a default (the rest: :data:`VEV_DEFAULTS`, Table 2)."""


def _evaluate(q: FlavonParams, sm, mass_matched=None) -> dict:
    """Every prediction of a :class:`FlavonParams` point (status of the vacuum and parameters);
    with ``mass_matched`` (0 or 1) g_l are first matched to the pole masses of ``sm``."""
    v1, va, M = q.v1, q.va, q.M_chi
    bad = (v1 <= 0) | (va <= 0) | (M <= 0)
    v1s, vas, Ms = _pos(v1, ~bad), _pos(va, ~bad), _pos(M, ~bad)
    p, vevs = potential_parameters({**q.as_dict(), "v1": v1s, "va": vas})
    free = {k: p[k] for k in (*FREE_QUARTICS, "mupa_sq")}
    mu1_ok = p["mu1_sq"] > 0
    mu_phi1 = jnp.sqrt(jnp.where(mu1_ok, p["mu1_sq"], 1.0))
    spec = scalar_spectrum(vevs, p, PAPER)
    unb = ~bounded_below(jax.lax.stop_gradient(p))
    # globality among the A.3 stationary points (exact with the relations)
    fr = {**free, "mu1_sq": p["mu1_sq"], "mua_sq": p["mua_sq"]}
    st = approximate_minimum(fr)
    vvac = potential(fields_from_vevs(vevs), p)
    deeper = vvac > 0.0
    for key in ("V1", "V2"):
        a, b, val = st[key]
        valid = (a >= 0) & (b >= 0)
        deeper = deeper | (valid & (val < vvac))
    status = jnp.where(bad, int(Status.INVALID_PARAMETER), 0)
    status = status | jnp.where(mu1_ok, 0, int(Status.NO_MINIMUM))
    status = status | spec.status
    status = status | jnp.where(unb, int(Status.UNBOUNDED_POTENTIAL), 0)
    status = status | jnp.where(deeper, int(Status.NOT_GLOBAL_MINIMUM), 0)
    status = status | jnp.where(v1 > va, int(Status.VEV_ORDERING), 0)
    inputs = {"g_e": q.g_e, "g_mu": q.g_mu}
    if mass_matched is not None:
        inputs["mass_matched"] = mass_matched
    g_e, g_mu, lep, st_g = _leptons(inputs, v1s, vas, Ms, free["lam1ab"], mu_phi1, sm)
    status = status | st_g
    out = {
        "a_e": lep["da_e"], "a_mu": lep["da_mu"], "m_e": jnp.abs(lep["m_e"]), "m_mu": jnp.abs(lep["m_mu"]),
        "c_e": lep["c_e"], "c_mu": lep["c_mu"], "x_phi": lep["x_phi"], "mu_phi1": mu_phi1, "cond_3_11": lep["cond_3_11"],
        "g_e": g_e, "g_mu": g_mu, "v1": v1, "va": va, "M_chi": M,
    }
    pos = lambda m2: jnp.sqrt(jnp.where(m2 > 0, m2, 0.0))  # noqa: E731
    for i in range(4):
        out[f"m_S{i + 1}"] = pos(spec.mS2[i])
        out[f"m_P{i + 1}"] = pos(spec.mP2[i])
    for k in QUARTIC_NAMES:
        out[k] = p[k]
    # dipole language (gm2jax.dipole): C = diag(C_ee, C_mumu, 0); the Z_2 of Table 1 forbids C_emu,
    # C_mue at any order and the couplings are real, so BR(mu -> e gamma) = d_e = 0 identically
    c_ee = dipole.c_from_amu(out["a_e"], "e", sm)
    c_mm = dipole.c_from_amu(out["a_mu"], "mu", sm)
    z = jnp.zeros_like(c_ee)
    cmat = jnp.array([[c_ee, z, z], [z, c_mm, z], [z, z, z]])
    dp = dipole.dipole_predictions(cmat, sm)
    out["br_mu_e_gamma"] = dp["br_mu_e_gamma"]
    out["d_e_ecm"] = dp["d_e_ecm"]
    out["status"] = status
    return out


class FlavonAmuResult(eqx.Module):
    """a_l of the toy model at a :class:`FlavonParams` point.

    Attributes:
        total: Delta a_l of eqs. (3.9)-(3.10) (dimensionless; NaN where ``status != 0``).
        mass: the model's lepton mass |m_l| of eqs. (3.7)-(3.8) (GeV).
        tuning: c_l = |m_l^RAD| / |m_l^FN| (eq. (2.8)).
        status: :class:`gm2jax.errors.Status` bit-field of the point (vacuum, parameters).
    """

    total: jax.Array
    mass: jax.Array
    tuning: jax.Array
    status: jax.Array


@float64
def amu(p: FlavonParams, sm: SMInputs | None = None, lepton="mu", *, throw: bool = True) -> FlavonAmuResult:
    """a_l of the U(1)_f toy model (arXiv:2003.06633, eqs. (3.7)-(3.10)), the model's a_l entry point.

    Args:
        p: parameters (unbatched; ``jax.vmap`` for batches); :func:`model_params` builds them
            from a flat dict in either parametrisation.
        sm: SM inputs (default :data:`PDG`; G_F sets v_H).
        lepton: ``"e"`` or ``"mu"`` (static).
        throw: raise :class:`gm2jax.errors.PhysicsError` on an unphysical point (default); with
            ``throw=False`` the result carries ``status`` and a NaN ``total``.

    Raises:
        InvalidInput: ``lepton`` is not ``"e"`` or ``"mu"``.

    Example:
        >>> r = amu(model_params({}))  # Table 2
        >>> int(r.status), round(float(r.total) * 1e9, 3)
        (0, 1.452)
    """
    if lepton not in ("e", "mu"):
        raise InvalidInput(f"lepton={lepton!r}: the flavon toy model predicts 'e' and 'mu'")
    sm = PDG if sm is None else sm
    out = _evaluate(p, sm)
    status = (out["status"] | sm_status(sm)).astype(jnp.int32)
    total = jnp.where(status == 0, out[f"a_{lepton}"], jnp.nan)
    result = FlavonAmuResult(total=total, mass=out[f"m_{lepton}"], tuning=out[f"c_{lepton}"], status=status)
    return raise_on_status(result, f"flavon.amu(lepton={lepton!r})") if throw else result


class LeptonMassTerm(eqx.Module):
    """chi^2 = sum_l ((m_l - m_l^PDG) / (rel m_l^PDG))^2 for l = e, mu."""

    name: str = eqx.field(static=True)
    m_e: jax.Array
    m_mu: jax.Array
    rel: jax.Array

    def chi2(self, pred):
        return ((pred["m_e"] - self.m_e) / (self.rel * self.m_e)) ** 2 + ((pred["m_mu"] - self.m_mu) / (self.rel * self.m_mu)) ** 2


class WallTerm(eqx.Module):
    """Smooth bounds lo < pred[key] < hi: chi^2 = sum softplus((lo - x)/w)^2 + softplus((x - hi)/w)^2."""

    name: str = eqx.field(static=True)
    keys: tuple = eqx.field(static=True)
    lo: tuple = eqx.field(static=True)
    hi: tuple = eqx.field(static=True)
    width: tuple = eqx.field(static=True)

    def chi2(self, pred):
        total = 0.0
        for k, lo, hi, w in zip(self.keys, self.lo, self.hi, self.width, strict=True):
            x = pred[k]
            total = total + jax.nn.softplus((lo - x) / w) ** 2 + jax.nn.softplus((x - hi) / w) ** 2
        return total


def lepton_mass_term(leptons=("e", "mu")):
    """The ``lepton_masses`` constraint (PDG pole masses of gm2jax/data/sm_inputs.yaml)."""
    return LeptonMassTerm(name="lepton_masses", m_e=jnp.asarray(PDG.m_e), m_mu=jnp.asarray(PDG.m_mu), rel=jnp.asarray(LEPTON_MASS_REL))


def perturbativity_term(leptons=("e", "mu")):
    """The ``perturbativity`` constraint: |g| < sqrt(4 pi), |lambda| < 4 pi (5 % wide walls)."""
    keys = ("g_e", "g_mu") + QUARTIC_NAMES
    lo = tuple(-G_MAX if k.startswith("g_") else -LAMBDA_MAX for k in keys)
    hi = tuple(-x for x in lo)
    return WallTerm(name="perturbativity", keys=keys, lo=lo, hi=hi, width=tuple(0.05 * h for h in hi))


def meg_term(leptons=("e", "mu")):
    """The ``mu_e_gamma`` constraint (MEG 2016, :func:`gm2jax.dipole.lfv_constraint`); zero in this model."""
    return lfv_constraint(term_name="mu_e_gamma")


def edm_term(leptons=("e", "mu")):
    """The ``electron_edm`` constraint (ACME 2018, :func:`gm2jax.dipole.edm_constraint`); zero in this model."""
    return edm_constraint(term_name="electron_edm")


def tuning_term(leptons=("e", "mu")):
    """The ``tuning`` constraint: 1 < c_l < 10 (eq. (2.8)), walls of width 0.1."""
    return WallTerm(name="tuning", keys=("c_e", "c_mu"), lo=(C_RANGE[0],) * 2, hi=(C_RANGE[1],) * 2, width=(0.1, 0.1))


MODEL = ModelSpec(
    name="flavon",
    parameters=PARAMETERS,
    defaults=DEFAULTS,
    predict=predict,
    constraints={
        "lepton_masses": lepton_mass_term,
        "perturbativity": perturbativity_term,
        "tuning": tuning_term,
        "mu_e_gamma": meg_term,
        "electron_edm": edm_term,
    },
    outputs=("a_{l}", "m_{l}", "c_e", "c_mu", "x_phi", "g_e", "g_mu", "va", "lam1", "mu_phi1", "cond_3_11",
             "m_S1", "m_S2", "m_P1", "m_P2"),
    params=model_params,
    domain=DOMAIN,
)
"""The ``"flavon"`` entry of :data:`gm2jax.registry.MODELS`."""
