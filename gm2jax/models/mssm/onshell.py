"""DR-bar -> on-shell conversion of a spectrum-generator point, as GM2Calc's SLHA mode does it.

GM2Calc 2.3.1 (``MSSMNoFV_onshell::convert_to_onshell``; arXiv:1510.08071 sec. 3) takes tan(beta),
M3, the A-terms and the soft masses as DR-bar values at the HMIX scale, and defines mu, M1, M2 and the
second-generation slepton soft masses on shell, from pole masses:

1. mu, M1, M2 such that the tree-level chargino masses equal the two chargino pole masses (in
   the order of MASS 1000024, 1000037) and the most bino-like tree-level neutralino has the mass of
   the most bino-like pole neutralino (largest |NMIX_i1|^2).  GM2Calc iterates a fixed point; here
   the three conditions are a root problem solved with Newton's method by :func:`optimistix.root_find`
   with :class:`optimistix.ImplicitAdjoint`, so the result is differentiable in the pole masses
   (implicit-function theorem; no unrolled iteration).  Where GM2Calc converges (to 1e-8 GeV) both
   give the same root.
2. ml2(2,2) = m_snu_mu,pole^2 - MZ^2 cos(2 beta)/2, exactly (written with g1, g2, v_u, v_d as GM2Calc).
3. me2(2,2) such that the right-like tree-level smuon has the right-like (ascending) pole mass.  The
   smuon mass^2 matrix depends on me2 only through its (R, R) entry, so the condition
   det(M(me2) - m_pole^2) = 0 is linear in me2 and is solved in closed form,
   me2 = m^2 + M_LR^2/(M_LL - m^2) - M_RR(me2 = 0); the right-like index is checked at the solution.
   GM2Calc quirk kept: the muon Yukawa in this step is resummed with Delta_mu computed from the
   on-shell mu, M1, M2, ml2 but the *DR-bar* me2 (GM2Calc updates the Yukawa only afterwards), so the
   final tree-level smuon masses differ from the pole masses by that Delta_mu update.
4. Delta_mu from the final parameters (:func:`gm2jax.models.mssm.threshold.delta_lepton`, GM2Calc's
   approximations) resums the muon Yukawa used for a_mu.

Couplings are GM2Calc's on-shell ones (``SMInputs`` scheme ``"onshell"``: cW = MW/MZ with the pole
MW of MASS 24, e from alpha(MZ), v = 2 MW/g2).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import optimistix as optx

from gm2jax import linalg
from gm2jax.errors import Status
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.models.mssm.threshold import delta_lepton
from gm2jax.sm import SMInputs, couplings

PRECISION_GOAL = 1e-8
"""Absolute accuracy (GeV) below which a conversion counts as converged (GM2Calc's default)."""


class PoleMasses(eqx.Module):
    """The pole masses GM2Calc's SLHA mode converts from (GeV).

    Attributes:
        MCha: chargino pole masses (MASS 1000024, 1000037), shape (2,), in that order.
        MChi_bino: |mass| of the most bino-like pole neutralino (largest |NMIX_i1|^2).
        MSm: smuon pole masses (MASS 1000013, 2000013), shape (2,), any order (sorted inside).
        MSvm: muon-sneutrino pole mass (MASS 1000014).
    """

    MCha: jax.Array
    MChi_bino: jax.Array
    MSm: jax.Array
    MSvm: jax.Array


class OnshellResult(eqx.Module):
    """Result of :func:`convert_to_onshell`.

    Attributes:
        params: the MSSM parameters with on-shell mu, M1, M2, msl[1], mse[1] (signed masses, GeV).
        delta: Delta_mu of the final parameters (resums the muon Yukawa).
        status: :class:`gm2jax.errors.Status` bits (NO_CONVERGENCE when a condition is not met).
        precision_Mu_M1_M2: reached accuracy of step 1 (GeV; max |m_tree - m_pole|).
        precision_me2: reached accuracy of step 3 (GeV).
    """

    params: MSSMParams
    delta: jax.Array
    status: jax.Array
    precision_Mu_M1_M2: jax.Array
    precision_me2: jax.Array


def _with(p: MSSMParams, **fields) -> MSSMParams:
    names = tuple(fields)
    return eqx.tree_at(lambda q: tuple(getattr(q, n) for n in names), p, tuple(fields[n] for n in names))


def _signed_sqrt(x):
    return jnp.sign(x) * jnp.sqrt(jnp.abs(x))


def chargino_masses(p: MSSMParams, c) -> jax.Array:
    """Tree-level chargino masses (2,), ascending (GeV)."""
    x = sp.chargino_matrix(p, c)
    w, _ = linalg.eigh_sym(x @ x.T)
    return jnp.sqrt(jnp.abs(w))


def bino_like_neutralino_mass(p: MSSMParams, c) -> jax.Array:
    """|mass| (GeV) of the tree-level neutralino with the largest bino component."""
    w, v = linalg.eigh_sym(sp.neutralino_matrix(p, c))
    i = jnp.argmax(v[0, :] ** 2)
    return jnp.abs(w[i])


def _residual_Mu_M1_M2(x, args):
    p, c, pole = args
    q = _with(p, mu=x[0], M1=x[1], M2=x[2])
    return jnp.concatenate([chargino_masses(q, c) - pole.MCha, (bino_like_neutralino_mass(q, c) - pole.MChi_bino)[None]])


def _solve_Mu_M1_M2(p: MSSMParams, c, pole: PoleMasses, max_steps: int):
    x0 = jnp.stack([p.mu, p.M1, p.M2])
    # linalg.SerialLU: one LAPACK call per point under vmap (batched LAPACK can deadlock XLA's pool)
    solver = optx.Newton(rtol=1e-13, atol=1e-10, linear_solver=linalg.SerialLU())
    adjoint = optx.ImplicitAdjoint(linear_solver=linalg.SerialLU())
    sol = optx.root_find(_residual_Mu_M1_M2, solver, x0, (p, c, pole), max_steps=max_steps, throw=False, adjoint=adjoint)
    x = sol.value
    res = jax.lax.stop_gradient(_residual_Mu_M1_M2(x, (p, c, pole)))
    precision = jnp.max(jnp.abs(res))
    precision = jnp.where(jnp.all(jnp.isfinite(res)), precision, jnp.inf)
    return x, precision


def _me2_closed_form(p: MSSMParams, c, m_mu, delta, msm_pole):
    """me2(2,2) (GeV^2) putting the right-like smuon at its pole mass, and the reached accuracy."""
    p0 = _with(p, mse=jnp.asarray(p.mse).at[1].set(0.0))
    m0 = sp.slepton_matrix(p0, c, "mu", m_mu, delta)
    a, cc, b0 = m0[0, 0], m0[0, 1], m0[1, 1]
    s = jnp.sort(jnp.abs(msm_pole))
    # right-like index of the starting point (GM2Calc's find_right_like_smuon on the DR-bar me2)
    _, vec = linalg.eigh_sym(sp.slepton_matrix(p, c, "mu", m_mu, delta))
    r0 = jnp.where(vec[0, 0] ** 2 > vec[1, 0] ** 2, 1, 0)
    cands, valid = [], []
    for k in (0, 1):
        lam = s[k] ** 2
        den = a - lam
        ok_den = jnp.abs(den) > 1e-14 * (jnp.abs(a) + lam)
        safe = jnp.where(ok_den, den, 1.0)
        me2 = lam + cc**2 / safe - b0
        other = a + b0 + me2 - lam  # the second eigenvalue (trace)
        ordered = other >= lam if k == 0 else other <= lam
        right_like = jnp.abs(lam - a) >= jnp.abs(cc) if k == 0 else jnp.abs(lam - a) > jnp.abs(cc)
        cands.append(me2)
        valid.append(ok_den & ordered & right_like)
    cands, valid = jnp.stack(cands), jnp.stack(valid)
    k = jnp.where(valid[r0], r0, 1 - r0)
    me2 = cands[k]
    ok = valid[k]
    q = _with(p, mse=jnp.asarray(p.mse).at[1].set(_signed_sqrt(me2)))
    w, _ = linalg.eigh_sym(sp.slepton_matrix(q, c, "mu", m_mu, delta))
    reached = jax.lax.stop_gradient(jnp.abs(jnp.sqrt(jnp.abs(w[k])) - s[k]))
    return me2, jnp.where(ok & jnp.isfinite(reached), reached, jnp.inf)


def convert_to_onshell(drbar: MSSMParams, pole: PoleMasses, sm: SMInputs, *, max_steps: int = 64) -> OnshellResult:
    """Convert a spectrum-generator point to GM2Calc's mixed on-shell/DR-bar parameters.

    Args:
        drbar: DR-bar parameters at the HMIX scale (tan(beta), M3, A-terms and soft masses used as
            they are; mu, M1, M2, msl[1], mse[1] are only starting values) with ``MA`` the A0 pole mass.
        pole: the pole masses (:class:`PoleMasses`).
        sm: SM inputs in the ``"onshell"`` scheme (MW = pole W mass of the file).
        max_steps: Newton steps for mu, M1, M2 (static).

    Returns:
        :class:`OnshellResult`; ``status`` has ``NO_CONVERGENCE`` where an accuracy exceeds
        :data:`PRECISION_GOAL` (the values are then those reached; never NaN for finite input).

    References:
        arXiv:1510.08071 sec. 3 (GM2Calc's on-shell scheme).
    """
    c = couplings(sm)
    x, prec1 = _solve_Mu_M1_M2(drbar, c, pole, max_steps)
    p1 = _with(drbar, mu=x[0], M1=x[1], M2=x[2])
    cb = 1.0 / jnp.sqrt(1.0 + p1.tan_beta**2)
    sb = p1.tan_beta * cb
    vd2, vu2 = (c.v * cb) ** 2, (c.v * sb) ** 2
    ml2 = pole.MSvm**2 + 0.125 * (c.gY**2 + c.g2**2) * (vu2 - vd2)
    p2 = _with(p1, msl=jnp.asarray(p1.msl).at[1].set(_signed_sqrt(ml2)))
    delta_step = delta_lepton(p2, c, "mu", "gm2calc")
    me2, prec2 = _me2_closed_form(p2, c, sm.m_mu, delta_step, pole.MSm)
    p3 = _with(p2, mse=jnp.asarray(p2.mse).at[1].set(_signed_sqrt(me2)))
    delta = delta_lepton(p3, c, "mu", "gm2calc")
    bad = (prec1 > PRECISION_GOAL) | (prec2 > PRECISION_GOAL)
    status = jnp.where(bad, int(Status.NO_CONVERGENCE), 0)
    return OnshellResult(p3, delta, status, prec1, prec2)

