"""The ``"flavon"`` fit model: the U(1)_f toy model of arXiv:2003.06633 (seed 004) section 3.

Parametrisation (vev-based; :data:`PARAMETERS`): ``g_e, g_mu`` (eq. (3.1)), ``M_chi`` (GeV),
the vevs ``v1, va`` (GeV; ``v3 = -2 v1``, ``vb = va``), the seven free quartics of Appendix A
and ``mupa`` (mu'_a, GeV).  The 8 relations of Appendix A fix the rest
(:func:`gm2jax.models.flavon.potential.apply_relations`); with them ``(v1, -2 v1, va, va)`` is
an EXACT stationary point once mu_1^2 = mu_3^2 and mu_a^2 = mu_b^2 are solved from the
tadpoles, and ``x_phi = mu_1 / M_chi``.

Predictions: ``a_e, a_mu`` (Delta a_l, eqs. (3.9)-(3.10) with the model's lepton masses),
``m_e, m_mu`` (|eqs. (3.7)-(3.8)|, GeV), ``c_e, c_mu``, ``x_phi``, ``mu_phi1`` (GeV), the exact
masses ``m_S1..m_S4`` (ascending) and ``m_P1..m_P4`` (descending, the seed's labels), the
couplings, and ``status``:

* INVALID_PARAMETER: a non-positive vev or M_chi;
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
  (1 %: the leading-order accuracy claimed for eqs. (3.7)-(3.8)); pole masses of the config's SM inputs.
* ``"perturbativity"``: smooth walls |g_l| < sqrt(4 pi), |lambda| < 4 pi for every quartic (also
  the derived ones), width 5 % of the bound.
* ``"tuning"``: smooth walls 1 < c_l < 10 (eq. (2.8)), width 0.1 (the range of Figs. 3-4).

* ``"mu_e_gamma"``, ``"electron_edm"``: the MEG 2016 / ACME 2018 limits of :mod:`gm2jax.dipole`
  on the predictions ``br_mu_e_gamma`` and ``d_e_ecm`` (dipole matrix C = diag(C_ee, C_mumu, 0)).
  The Z_2 of Table 1 forbids mu -> e gamma at any order and the couplings are real, so both
  vanish identically in this model: the terms are included for completeness (chi^2 = 0).

Helpers: :func:`consistent_point` (single-start Levenberg-Marquardt on a flavon config: a
self-consistent point in seconds) and :func:`repair_vacuum` (the smallest change of chosen
potential parameters that makes given vevs stationary, e.g. Table 2's).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from gm2jax.errors import Status
from gm2jax.likelihood import GaussianTerm, ModelSpec
from gm2jax.models.flavon.potential import (
    PAPER,
    QUARTIC_NAMES,
    apply_relations,
    bounded_below,
    fields_from_vevs,
    potential,
    solve_mu2,
)
from gm2jax.models.flavon.toy import _lepton_sector, _spectrum, approximate_minimum, higgs_vev

PARAMETERS = ("g_e", "g_mu", "M_chi", "v1", "va", "lam1", "lama", "lam13", "lam1a", "lamab", "lam13p", "lam1ab", "mupa")

DEFAULTS = {
    # Table 2 of arXiv:2003.06633
    "g_e": 0.72, "g_mu": 0.85, "M_chi": 1658.0, "v1": 42.0, "va": 262.0,
    "lam1": 5.93, "lama": 6.54, "lam13": 6.08, "lam1a": 0.97, "lamab": 1.82, "lam13p": 0.65, "lam1ab": -2.50,
    "mupa": 9.0,
}

LEPTON_MASS_REL = 0.01
"""Relative width of the lepton-mass term (leading-order eqs. (3.7)-(3.8))."""

G_MAX = math.sqrt(4.0 * math.pi)
"""Perturbativity bound on the Yukawa-like couplings g_e, g_mu."""

LAMBDA_MAX = 4.0 * math.pi
"""Perturbativity bound on the quartic couplings."""

C_RANGE = (1.0, 10.0)
"""Allowed c_l = |m_l^RAD| / m_l, eq. (2.8) of arXiv:2003.06633."""


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


def flavon_predictions(values, sm, leptons=("e", "mu"), resummation: str = "none") -> dict:
    """Predictions of the toy model at a parameter point (pure; jit/vmap/grad safe)."""
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
    status = jnp.where(bad, int(Status.INVALID_PARAMETER), 0)
    status = status | jnp.where(mu1_ok, 0, int(Status.NO_MINIMUM))
    status = status | spec.status
    status = status | jnp.where(unb, int(Status.UNBOUNDED_POTENTIAL), 0)
    status = status | jnp.where(deeper, int(Status.NOT_GLOBAL_MINIMUM), 0)
    status = status | jnp.where(v1 > va, int(Status.VEV_ORDERING), 0)
    lep = _lepton_sector(v1s, -2.0 * v1s, vas, Ms, f("g_e"), f("g_mu"), free["lam1ab"], mu_phi1, higgs_vev(sm), None, None)
    out = {
        "a_e": lep["da_e"], "a_mu": lep["da_mu"], "m_e": jnp.abs(lep["m_e"]), "m_mu": jnp.abs(lep["m_mu"]),
        "c_e": lep["c_e"], "c_mu": lep["c_mu"], "x_phi": lep["x_phi"], "mu_phi1": mu_phi1, "cond_3_11": lep["cond_3_11"],
        "g_e": f("g_e"), "g_mu": f("g_mu"),
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
    parameters=PARAMETERS,
    defaults=DEFAULTS,
    predict=flavon_predictions,
    constraints={
        "lepton_masses": lepton_mass_term,
        "perturbativity": perturbativity_term,
        "tuning": tuning_term,
        "mu_e_gamma": meg_term,
        "electron_edm": edm_term,
    },
    outputs=("a_{l}", "m_{l}", "c_{l}", "x_phi", "mu_phi1", "m_S1", "m_S2", "m_P1", "m_P2"),
)
"""The registered ``"flavon"`` model (lazily imported by :func:`gm2jax.likelihood.get_model`)."""


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
