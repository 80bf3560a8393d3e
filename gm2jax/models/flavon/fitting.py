"""The ``"flavon"`` fit model: the U(1)_f toy model of arXiv:2003.06633 (seed 004) section 3.

Two parametrisations, chosen by the KEYS a config (or a parameter dict) sets -- never by values:

* **vev-based** (:data:`PARAMETERS`; ``fits/flavon_toy.toml``): ``g_e, g_mu`` (eq. (3.1)),
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

  Why one model with key-selected inputs rather than a second registered name: the registry
  loads ``"flavon"`` lazily from this module, a second name would be unknown to a fresh process
  (the CLI) until this module is imported; and the selection is static (dict keys), so each
  config compiles one branch only.  The model's ``outputs`` include the parameters of either
  parametrisation (g_l, va, lam1, c_e, x_phi): NUTS records each name once, as a sample site where
  it is sampled and as a deterministic site where it is derived (:func:`gm2jax.sample.make_model`).

Predictions: ``a_e, a_mu`` (Delta a_l, eqs. (3.9)-(3.10) with the model's lepton masses),
``m_e, m_mu`` (|eqs. (3.7)-(3.8)|, GeV), ``c_e, c_mu``, ``x_phi``, ``mu_phi1`` (GeV), the exact
masses ``m_S1..m_S4`` (ascending) and ``m_P1..m_P4`` (descending, the seed's labels), the
couplings (``g_e, g_mu`` and every quartic, derived ones included), ``v1, va, M_chi`` and ``status``:

* INVALID_PARAMETER: a non-positive vev or M_chi; in the physical parametrisation also
  x_phi <= 0, c_e <= 0, lambda_1ab >= 0 (no v_a), B <= 0, m_l = 0 at g_l = 1 (no g_l), or
  ``mass_matched`` not 0 or 1;
* NO_MINIMUM: mu_1^2 <= 0 from the tadpoles (no x_phi; V has no non-trivial minimum with the
  seed's sign of mu_1^2);
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

Helpers: :func:`chi2_floor` (the exact best chi^2 of the physical parametrisation for
a c_e window), :func:`consistent_point` (single-start Levenberg-Marquardt on a flavon config: a
self-consistent point in seconds) and :func:`repair_vacuum` (the smallest change of chosen
potential parameters that makes given vevs stationary, e.g. Table 2's).
"""

from __future__ import annotations

import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp

from gm2jax import loops
from gm2jax.errors import Status
from gm2jax.likelihood import GaussianTerm
from gm2jax.modelspec import ModelSpec
from gm2jax.models.flavon.general import C_RANGE
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
    _spectrum,
    approximate_minimum,
    higgs_vev,
)

PARAMETERS = ("g_e", "g_mu", "M_chi", "v1", "va", "lam1", "lama", "lam13", "lam1a", "lamab", "lam13p", "lam1ab", "mupa")
"""Vev-based parameters (the default parametrisation)."""

ALTERNATIVE_PARAMETERS = ("c_e", "x_phi", "mass_matched")
"""Inputs that replace ``va``, ``lam1`` and ``(g_e, g_mu)`` (the "physical" parametrisation)."""

DEFAULTS = {
    "g_e": TABLE2["g_e"], "g_mu": TABLE2["g_mu"], "M_chi": TABLE2["M_chi"],
    "v1": TABLE2["vevs"][0], "va": TABLE2["vevs"][2],
    **{k: TABLE2["quartics"][k] for k in ("lam1", "lama", "lam13", "lam1a", "lamab", "lam13p", "lam1ab")},
    "mupa": TABLE2["mu"]["mupa"],
}
"""Table 2 of arXiv:2003.06633 (:data:`gm2jax.models.flavon.toy.TABLE2`) in the fit parameters."""

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
    f = lambda k: jnp.asarray(values.get(k, DEFAULTS[k]), dtype=jnp.float64)  # noqa: E731
    free = {k: f(k) for k in ("lam1", "lama", "lam13", "lam1a", "lamab", "lam13p", "lam1ab")}
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
    from gm2jax.errors import InvalidInput

    for new, old in (("c_e", ("va",)), ("x_phi", ("lam1",)), ("mass_matched", ("g_e", "g_mu"))):
        clash = [k for k in old if k in values]
        if new in values and clash:
            raise InvalidInput(f"flavon: {new!r} replaces {clash} (derived from it); set one of them, not both")
    f = lambda k: jnp.asarray(values.get(k, DEFAULTS[k]), dtype=jnp.float64)  # noqa: E731
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
    f = lambda k: jnp.asarray(values.get(k, DEFAULTS[k]), dtype=jnp.float64)  # noqa: E731
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
    f = lambda k: jnp.asarray(values.get(k, DEFAULTS[k]), dtype=jnp.float64)  # noqa: E731
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


def flavon_predictions(values, sm, leptons=("e", "mu"), resummation: str = "none") -> dict:
    """Predictions of the toy model at a parameter point (pure; jit/vmap/grad safe).

    ``values`` may use any parametrisation of the module docstring (``c_e``, ``x_phi``,
    ``mass_matched``); the derived ``va``, ``lam1``, ``g_e``, ``g_mu`` are in the output.
    A non-finite input sets NONFINITE_INPUT (the point is then evaluated at the Table 2 values,
    so that gradients stay finite); any other non-finite output with status 0 sets
    NUMERICALLY_UNRELIABLE.
    """
    from gm2jax.sm import sm_status

    values = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in values.items()}
    finite = in_range = jnp.asarray(True)
    for k, v in values.items():
        if k != "mass_matched":
            finite = finite & jnp.all(jnp.isfinite(v))
            a = jnp.abs(v)
            in_range = in_range & jnp.all((a == 0) | ((a > _MAGNITUDE[0]) & (a < _MAGNITUDE[1])))
    usable = finite & in_range
    values = {k: v if k == "mass_matched" else jnp.where(usable, v, _SAFE_VALUES.get(k, DEFAULTS.get(k, 1.0)))
              for k, v in values.items()}
    out = _flavon_predictions(values, sm)
    status = out["status"] | jnp.where(finite, 0, int(Status.NONFINITE_INPUT)) | sm_status(sm)
    status = status | jnp.where(~finite | in_range, 0, int(Status.NUMERICALLY_UNRELIABLE))
    ok_values = functools.reduce(
        jnp.logical_and, [jnp.all(jnp.isfinite(v)) for k, v in out.items() if k != "status"], jnp.asarray(True)
    )
    out["status"] = status | jnp.where((status != 0) | ok_values, 0, int(Status.NUMERICALLY_UNRELIABLE))
    return out


_MAGNITUDE = (1e-60, 1e60)
"""Non-zero inputs outside this magnitude range are NUMERICALLY_UNRELIABLE (quartic terms of the
potential overflow float64 beyond ~1e77 GeV, their inverses below ~1e-77)."""
_SAFE_VALUES = {"c_e": 5.0, "x_phi": 0.0736}
"""Harmless values of the parameters without a default (the rest: :data:`DEFAULTS`, Table 2)."""


def _flavon_predictions(values, sm) -> dict:
    values, status0 = _resolve_inputs(values, sm)
    f = lambda k: jnp.asarray(values.get(k, DEFAULTS[k]), dtype=jnp.float64)  # noqa: E731
    v1, va, M = f("v1"), f("va"), f("M_chi")
    bad = (v1 <= 0) | (va <= 0) | (M <= 0)
    v1s, vas, Ms = _pos(v1, ~bad), _pos(va, ~bad), _pos(M, ~bad)
    p, vevs = potential_parameters({**values, "v1": v1s, "va": vas})
    free = {k: p[k] for k in ("lam1", "lama", "lam13", "lam1a", "lamab", "lam13p", "lam1ab", "mupa_sq")}
    mu1_ok = p["mu1_sq"] > 0
    mu_phi1 = jnp.sqrt(jnp.where(mu1_ok, p["mu1_sq"], 1.0))
    spec = _spectrum(vevs, p, PAPER)
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
    status = status0 | jnp.where(bad, int(Status.INVALID_PARAMETER), 0)
    status = status | jnp.where(mu1_ok, 0, int(Status.NO_MINIMUM))
    status = status | spec.status
    status = status | jnp.where(unb, int(Status.UNBOUNDED_POTENTIAL), 0)
    status = status | jnp.where(deeper, int(Status.NOT_GLOBAL_MINIMUM), 0)
    status = status | jnp.where(v1 > va, int(Status.VEV_ORDERING), 0)
    g_e, g_mu, lep, st_g = _leptons(values, v1s, vas, Ms, free["lam1ab"], mu_phi1, sm)
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
    from gm2jax import dipole

    c_ee = dipole.c_from_amu(out["a_e"], "e", sm)
    c_mm = dipole.c_from_amu(out["a_mu"], "mu", sm)
    z = jnp.zeros_like(c_ee)
    cmat = jnp.array([[c_ee, z, z], [z, c_mm, z], [z, z, z]])
    dp = dipole.dipole_predictions(cmat, sm)
    out["br_mu_e_gamma"] = dp["br_mu_e_gamma"]
    out["d_e_ecm"] = dp["d_e_ecm"]
    out["status"] = status
    return out


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
    from gm2jax.sm import SMInputs

    sm = SMInputs.from_convention("pdg")
    return LeptonMassTerm(name="lepton_masses", m_e=jnp.asarray(sm.m_e), m_mu=jnp.asarray(sm.m_mu), rel=jnp.asarray(LEPTON_MASS_REL))


def perturbativity_term(leptons=("e", "mu")):
    """The ``perturbativity`` constraint: |g| < sqrt(4 pi), |lambda| < 4 pi (5 % wide walls)."""
    keys = ("g_e", "g_mu") + QUARTIC_NAMES
    lo = tuple(-G_MAX if k.startswith("g_") else -LAMBDA_MAX for k in keys)
    hi = tuple(-x for x in lo)
    return WallTerm(name="perturbativity", keys=keys, lo=lo, hi=hi, width=tuple(0.05 * h for h in hi))


def meg_term(leptons=("e", "mu")):
    """The ``mu_e_gamma`` constraint (MEG 2016, :func:`gm2jax.dipole.lfv_constraint`); zero in this model."""
    from gm2jax.dipole import lfv_constraint

    return lfv_constraint(term_name="mu_e_gamma")


def edm_term(leptons=("e", "mu")):
    """The ``electron_edm`` constraint (ACME 2018, :func:`gm2jax.dipole.edm_constraint`); zero in this model."""
    from gm2jax.dipole import edm_constraint

    return edm_constraint(term_name="electron_edm")


def tuning_term(leptons=("e", "mu")):
    """The ``tuning`` constraint: 1 < c_l < 10 (eq. (2.8)), walls of width 0.1."""
    return WallTerm(name="tuning", keys=("c_e", "c_mu"), lo=(C_RANGE[0],) * 2, hi=(C_RANGE[1],) * 2, width=(0.1, 0.1))


MODEL = ModelSpec(
    name="flavon",
    parameters=PARAMETERS + ALTERNATIVE_PARAMETERS,
    # NaN: c_e and x_phi have no default -- they act only when a config sets them
    defaults={**DEFAULTS, "c_e": math.nan, "x_phi": math.nan, "mass_matched": 0.0},
    predict=flavon_predictions,
    constraints={
        "lepton_masses": lepton_mass_term,
        "perturbativity": perturbativity_term,
        "tuning": tuning_term,
        "mu_e_gamma": meg_term,
        "electron_edm": edm_term,
    },
    outputs=("a_{l}", "m_{l}", "c_e", "c_mu", "x_phi", "g_e", "g_mu", "va", "lam1", "mu_phi1", "cond_3_11",
             "m_S1", "m_S2", "m_P1", "m_P2"),
)
"""The ``"flavon"`` entry of :data:`gm2jax.registry.MODELS`."""


# ----------------------------------------------------------------------------------------
# gradient-based repairs (Levenberg-Marquardt, optimistix) used by the tests and notebooks
# ----------------------------------------------------------------------------------------


def repair_vacuum(params, target_vevs, free=("mu1_sq", "mu3_sq", "mua_sq"), tie=(("mub_sq", "mua_sq"),), max_steps: int = 50):
    """Change only the ``free`` parameters so that ``target_vevs`` becomes a stationary point.

    Least squares (optimistix Levenberg-Marquardt, gradients by autodiff) on the four
    tadpoles dV/dsigma_i at ``target_vevs`` in units of lambda_max v^3, starting from the
    given parameters (so the solution found is the one nearest to them along the LM path).
    Parameters in ``tie`` follow their partner (``mub_sq = mua_sq`` keeps a <-> b symmetry).
    The caller checks that the stationary point is the global minimum
    (:func:`gm2jax.models.flavon.vacuum.find_vacua`).

    Returns:
        (new params dict, tadpole residuals (GeV^3), optimistix result code).
    """
    import optimistix as optx

    from gm2jax.models.flavon.potential import tadpole_gradient

    base = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in params.items()}
    target = jnp.asarray(target_vevs, dtype=jnp.float64)
    scale = jnp.asarray([base[k] for k in free])
    unit = max(abs(float(base[k])) for k in QUARTIC_NAMES) * float(jnp.max(jnp.abs(target))) ** 3

    def build(theta):
        q = dict(base)
        for i, k in enumerate(free):
            q[k] = theta[i] * scale[i]
        for k, src in tie:
            q[k] = q[src]
        return q

    def resid(theta, _):
        return tadpole_gradient(target, build(theta)) / unit

    sol = optx.least_squares(resid, optx.LevenbergMarquardt(rtol=1e-12, atol=1e-12), jnp.ones(len(free)), max_steps=max_steps, throw=False)
    q = build(sol.value)
    return q, resid(sol.value, None) * unit, sol.result


def consistent_point(config, start=None, max_steps: int = 200):
    """Levenberg-Marquardt on the sqrt of every chi^2 term of a flavon config (single start).

    A fast alternative to the multi-start Adam of :func:`gm2jax.fit.run_fit` for finding one
    self-consistent point: the residuals are the signed pulls of the Gaussian terms and
    sqrt(chi^2) of the others, in the config's unconstrained coordinates.

    Args:
        config: :class:`gm2jax.config.FitConfig` or TOML path (model ``"flavon"``).
        start: dict of free-parameter start values (default: the config's ``start`` values).
        max_steps: LM steps.

    Returns:
        (best-fit dict of free parameters, prediction dict, chi^2).
    """
    import numpy as np
    import optimistix as optx

    from gm2jax.config import FitConfig, load_config

    if not isinstance(config, FitConfig):
        config = load_config(config)
    with jax.enable_x64(True):
        prob = config.problem()
        x0 = np.array([start[n] if start else p.start for n, p in zip(prob.names, config.free, strict=True)], dtype=np.float64)
        u0 = prob.to_unconstrained(jnp.asarray(x0))

        def resid(u, _):
            pred = prob.predict(prob.from_unconstrained(u))
            r = []
            for t in prob.likelihood.terms:
                if isinstance(t, GaussianTerm):
                    r.append((pred[t.observable] - t.value) / t.sigma_total(pred))
                elif isinstance(t, LeptonMassTerm):
                    r.append((pred["m_e"] - t.m_e) / (t.rel * t.m_e))
                    r.append((pred["m_mu"] - t.m_mu) / (t.rel * t.m_mu))
                elif isinstance(t, WallTerm):
                    for k, lo, hi, w in zip(t.keys, t.lo, t.hi, t.width, strict=True):
                        r.append(jax.nn.softplus((lo - pred[k]) / w))
                        r.append(jax.nn.softplus((pred[k] - hi) / w))
                else:
                    r.append(jnp.sqrt(t.chi2(pred) + 1e-30))
            r = jnp.stack(r)
            ok = (pred["status"] == 0) & jnp.all(jnp.isfinite(r))
            return jnp.where(ok, jnp.where(ok, r, 0.0), 1e3)

        sol = optx.least_squares(resid, optx.LevenbergMarquardt(rtol=1e-10, atol=1e-10), u0, max_steps=max_steps, throw=False)
        x = prob.from_unconstrained(sol.value)
        pred = prob.predict(x)
        chi2 = float(prob.likelihood.chi2(pred))
        return {n: float(x[i]) for i, n in enumerate(prob.names)}, {k: np.asarray(v) for k, v in pred.items()}, chi2


# ----------------------------------------------------------------------------------------
# physical parametrisation: exact chi^2 floor and posterior post-processing
# ----------------------------------------------------------------------------------------


def chi2_floor(c_e_max: float = C_RANGE[1], dataset: str = "flavor2020", sm_convention: str = "pdg") -> dict:
    """Exact minimum of the g-2 chi^2 of the toy model with c_e <= ``c_e_max`` (physical masses).

    With exact lepton masses (``mass_matched = 1``) Delta a_e / Delta a_mu = -(c_e / c_mu)
    m_e^2 / m_mu^2 with c_mu = 3 c_e / (2 c_e - 1) (module docstring), while M_chi^2 / (I_Da/I_m)
    sets the overall size freely.  So chi^2 = min over s = Delta a_mu of
    ((s - D_mu)/sigma_mu)^2 + ((-rho s - D_e)/sigma_e)^2, rho = (c_e/c_mu) m_e^2/m_mu^2 (a linear
    least-squares problem), minimised over c_e in [1, c_e_max] (rho grows with c_e).  This is
    the floor any fit of ``fits/flavon_mfix.toml`` can reach, assuming the M_chi and x_phi
    ranges allow the required overall size (they do for the file's ranges).

    Returns:
        dict: ``chi2``, ``c_e``, ``c_mu``, ``a_e``, ``a_mu``, ``R_e``, ``R_mu`` at the floor and
        ``c_e_exact``, the c_e explaining both central values (chi^2 = 0) when unconstrained.
    """
    import numpy as np

    from gm2jax.measurements import load_dataset
    from gm2jax.sm import SMInputs

    ds, sm = load_dataset(dataset), SMInputs.from_convention(sm_convention)
    de, se = ds["a_e"].value, ds["a_e"].error
    dm, sg = ds["a_mu"].value, ds["a_mu"].error
    q = (sm.m_e / sm.m_mu) ** 2

    def best(c):
        rho = c * (2.0 * c - 1.0) / (3.0 * c) * q
        a = np.array([1.0 / sg, -rho / se])
        b = np.array([dm / sg, de / se])
        s = a @ b / (a @ a)
        return float(np.sum((s * a - b) ** 2)), s, rho

    # rho(c) = (2c - 1) q / 3 is increasing: the exact c_e has rho = -D_e / D_mu
    c_exact = (1.0 + 3.0 * (-de / dm) / q) / 2.0
    c = min(max(c_exact, 1.0), float(c_e_max))
    chi2, s, rho = best(c)
    return {
        "chi2": chi2, "c_e": c, "c_mu": 3.0 * c / (2.0 * c - 1.0), "a_mu": float(s), "a_e": float(-rho * s),
        "R_mu": float((s - dm) / sg), "R_e": float((-rho * s - de) / se), "c_e_exact": c_exact,
    }
