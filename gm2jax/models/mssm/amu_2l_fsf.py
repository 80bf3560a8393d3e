"""Two-loop fermion/sfermion-loop corrections in the leading-log approximation (GM2Calc's ``amu2LFSfapprox``).

Each of the five one-loop leading-log terms of arXiv:1311.1775 eq. (6.1)
(:data:`gm2jax.models.mssm.mia.APPROX_TERMS`: bare soft masses, spectrum sneutrino mass, pole m_l)
is multiplied by a constant plus logarithmic corrections, eq. (6.5)::

    a^2L_WHnu    = a^1L_WHnu    (0.015 + D_g2 + D_yuk^H + D_yuk^WH + D_tb)
    a^2L_WHmuL   = a^1L_WHmuL   (0.015 + D_g2 + D_yuk^H + D_yuk^WH + D_tb)
    a^2L_BHmuL   = a^1L_BHmuL   (0.015 + D_g1 + D_yuk^H + D_yuk^BH + D_tb)
    a^2L_BHmuR   = a^1L_BHmuR   (0.04  + D_g1 + D_yuk^H + D_yuk^BH + D_tb)
    a^2L_BmuLmuR = a^1L_BmuLmuR (0.03  + D_g1 + D_tb)

and the sum is multiplied by 1/(1 + Delta_l) (``delta`` argument; 0 = without resummation).  The
Delta's, eqs. (6.6a-f), with L(m) = ln(|m|/m_SUSY), m_SUSY = min(|M1|, |M2|, |mu|, |m_L|, |m_E|)
of the lepton's own generation (:func:`log_scale`), all soft masses bare (GeV, GM2Calc's
sqrt of the signed squares)::

    D_g1     = gY^2/(16pi^2) 4/3 sum_gen [4/3 L(mU) + 1/3 L(mD) + 1/6 L(mQ) + L(mE) + 1/2 L(mL)]
    D_g2     = g2^2/(16pi^2) 4/3 sum_gen [3/2 L(mQ) + 1/2 L(mL)]
    D_yuk^H  = 1/(16pi^2) 1/2 [3 yt^2 L(mU3) + 3 yb^2 L(mD3) + 3 (yt^2 + yb^2) L(mQ3)
                               + ytau^2 (L(mE3) + L(mL3))]
    D_yuk^BH = yt^2/(16pi^2) [-8 L(mU3) + 2 L(mQ3)]
    D_yuk^WH = -6 yt^2/(16pi^2) L(mQ3)
    D_tb     = (ytau^2 - 3 yt^2 + 3 yb^2)/(16pi^2) ln(Q/m_SUSY)

D_g1 and D_g2 include the first- and second-generation sleptons, as GM2Calc does (beyond the
paper).  g2, gY come from alpha(M_Z) (:class:`gm2jax.sm.Couplings`).  The third-generation
Yukawas are inputs, because the two "non-resummed" definitions differ only in them:

* resummed (GM2Calc ``amu2LFSfapprox``): y_tau = sqrt2 m_tau/v_d/(1 + Delta_tau),
  y_b = sqrt2 m_b^DR(M_Z)/v_d/(1 + Delta_b), y_t = sqrt2 m_t/v_u, and ``delta = Delta_l``;
* ``amu2LFSfapprox_nonres`` (inside GM2Calc's non-resummed total): tree y_tau, y_b, ``delta = 0``;
* ``amu2LFSfapprox_non_tan_beta_resummed``: the resummed Yukawas with ``delta = 0``.

The electron works like the muon with its own generation: the generation sums are symmetric, so
GM2Calc's slot substitution (generations 1 <-> 2 swapped) gives the same numbers.

References:
    Fargnoli, Gnendiger, Passehr, Stoeckinger, Stoeckinger-Kim, arXiv:1311.1775, eqs. (6.1),
    (6.5), (6.6a)-(6.6f); Athron et al., arXiv:1510.08071 (GM2Calc).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from gm2jax._precision import float64
from gm2jax.models.mssm import mia
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.sm import Couplings, lepton_index

_LOOP = 1.0 / (16.0 * math.pi**2)

# constant parts of eq. (6.5)
_CONST = {"WHnu": 0.015, "WHmuL": 0.015, "BHmuL": 0.015, "BHmuR": 0.04, "BmuLmuR": 0.03}


@jax.custom_jvp
def _tie_min(v):
    """min over the last axis; at a tie of k >= 2 entries each gets weight 1/2 in the derivative.

    The minimum has no derivative at a tie; 1/2 per tied entry is the central (symmetric)
    derivative along each single coordinate, i.e. what a central finite difference in one
    parameter measures (``jnp.min`` would give 1/k).
    """
    return jnp.min(v, axis=-1)


@_tie_min.defjvp
def _tie_min_jvp(primals, tangents):
    (v,), (dv,) = primals, tangents
    m = jnp.min(v, axis=-1)
    tied = v == m[..., None]
    k = jnp.sum(tied, axis=-1, keepdims=True)
    w = jnp.where(tied, jnp.where(k > 1, 0.5, 1.0), 0.0)
    return m, jnp.sum(w * dv, axis=-1)


def log_scale(p: MSSMParams, lepton):
    """m_SUSY = min(|M1|, |M2|, |mu|, |m_L|, |m_E|) in GeV (lepton's own generation), arXiv:1311.1775 p. 37."""
    g = lepton_index(lepton)
    return _tie_min(
        jnp.stack(
            [
                jnp.abs(p.M1),
                jnp.abs(p.M2),
                jnp.abs(p.mu),
                jnp.abs(p.mse[..., g]),
                jnp.abs(p.msl[..., g]),
            ],
            axis=-1,
        )
    )


_FIELDS = ("msq", "msu", "msd", "msl", "mse")


def _logs(p: MSSMParams, lepton):
    """L(m) = ln(|m|/m_SUSY) for each soft-mass field: a list over the three generations.

    One array per generation, not a (..., 3) array: under ``jax.vmap`` XLA's CPU backend vectorises
    the innermost axis, and a per-point axis of 3 made these 16 logarithms cost 0.3 us per point.
    """
    ls = jnp.log(log_scale(p, lepton))
    return {name: [jnp.log(jnp.abs(getattr(p, name)[..., g])) - ls for g in range(3)] for name in _FIELDS}


def _gen_sum(lg, weights):
    """sum over generations of sum_name weights[name] L(m_name)."""
    return sum(w * lg[name][g] for g in range(3) for name, w in weights.items())


def delta_g1(p: MSSMParams, c: Couplings, lepton):
    """Delta_g1, arXiv:1311.1775 eq. (6.6a) (all three generations of squarks and sleptons)."""
    s = _gen_sum(_logs(p, lepton), {"msu": 4.0 / 3.0, "msd": 1.0 / 3.0, "msq": 1.0 / 6.0, "mse": 1.0, "msl": 0.5})
    return c.gY**2 * _LOOP * 4.0 / 3.0 * s


def delta_g2(p: MSSMParams, c: Couplings, lepton):
    """Delta_g2, arXiv:1311.1775 eq. (6.6b) (all three generations of squarks and sleptons)."""
    return c.g2**2 * _LOOP * 4.0 / 3.0 * _gen_sum(_logs(p, lepton), {"msq": 1.5, "msl": 0.5})


def delta_yuk_higgsino(p: MSSMParams, lepton, y_t, y_b, y_tau):
    """Delta_yuk^H (higgsino), arXiv:1311.1775 eq. (6.6c); third-generation logs."""
    lg = _logs(p, lepton)
    return (
        _LOOP
        * 0.5
        * (
            3.0 * y_t**2 * lg["msu"][2]
            + 3.0 * y_b**2 * lg["msd"][2]
            + 3.0 * (y_t**2 + y_b**2) * lg["msq"][2]
            + y_tau**2 * (lg["mse"][2] + lg["msl"][2])
        )
    )


def delta_yuk_bino_higgsino(p: MSSMParams, lepton, y_t):
    """Delta_yuk^BH (bino-higgsino), arXiv:1311.1775 eq. (6.6d)."""
    lg = _logs(p, lepton)
    return _LOOP * y_t**2 * (-8.0 * lg["msu"][2] + 2.0 * lg["msq"][2])


def delta_yuk_wino_higgsino(p: MSSMParams, lepton, y_t):
    """Delta_yuk^WH (wino-higgsino), arXiv:1311.1775 eq. (6.6e)."""
    return -6.0 * _LOOP * y_t**2 * _logs(p, lepton)["msq"][2]


def delta_tan_beta(p: MSSMParams, lepton, y_t, y_b, y_tau):
    """Delta_tb, arXiv:1311.1775 eq. (6.6f): (y_tau^2 - 3 y_t^2 + 3 y_b^2)/(16 pi^2) ln(Q/m_SUSY)."""
    return _LOOP * (y_tau**2 - 3.0 * y_t**2 + 3.0 * y_b**2) * jnp.log(p.Q / log_scale(p, lepton))


def fsf_factors(p: MSSMParams, c: Couplings, lepton, y_t, y_b, y_tau):
    """The five two-loop factors of eq. (6.5) (constant + Delta's), keyed like :data:`mia.APPROX_TERMS`."""
    d_tb = delta_tan_beta(p, lepton, y_t, y_b, y_tau)
    d_h = delta_yuk_higgsino(p, lepton, y_t, y_b, y_tau)
    wino = delta_g2(p, c, lepton) + d_h + delta_yuk_wino_higgsino(p, lepton, y_t) + d_tb
    dg1 = delta_g1(p, c, lepton)
    bino = dg1 + d_h + delta_yuk_bino_higgsino(p, lepton, y_t) + d_tb
    corr = {"WHnu": wino, "WHmuL": wino, "BHmuL": bino, "BHmuR": bino, "BmuLmuR": dg1 + d_tb}
    return {k: _CONST[k] + v for k, v in corr.items()}


def _term(name):
    one_loop = mia.APPROX_TERMS[name]
    ref = {"WHnu": "1st", "WHmuL": "2nd", "BHmuL": "3rd", "BHmuR": "4th", "BmuLmuR": "5th"}[name]

    def term(p: MSSMParams, c: Couplings, lepton, m_lepton, y_t, y_b, y_tau, delta=0.0):
        return (
            one_loop(p, c, lepton, m_lepton)
            * fsf_factors(p, c, lepton, y_t, y_b, y_tau)[name]
            / (1.0 + delta)
        )

    term.__name__ = term.__qualname__ = f"amu_2l_{name}"
    term.__doc__ = (
        f"{ref} line of arXiv:1311.1775 eq. (6.5): :func:`gm2jax.models.mssm.mia.{one_loop.__name__}` times its\n"
        "    two-loop factor, times 1/(1 + delta) (GM2Calc ``amu2L"
        + name
        + "`` x ``tan_beta_cor``).\n\n"
        "    Args: p, c (couplings from alpha(M_Z)), lepton (static), m_lepton (pole, GeV), y_t, y_b, y_tau\n"
        "    (third-generation Yukawas, see the module docstring), delta (Delta_l; 0 = no resummation).\n"
    )
    return term


amu_2l_WHnu = _term("WHnu")
amu_2l_WHmuL = _term("WHmuL")
amu_2l_BHmuL = _term("BHmuL")
amu_2l_BHmuR = _term("BHmuR")
amu_2l_BmuLmuR = _term("BmuLmuR")


def amu_2l_fsf_terms(
    p: MSSMParams, c: Couplings, lepton, m_lepton, y_t, y_b, y_tau, delta=0.0
) -> dict:
    """The five terms of eq. (6.5), each times 1/(1 + delta), keyed ``WHnu``, ``WHmuL``, ``BHmuL``,
    ``BHmuR``, ``BmuLmuR`` (GM2Calc's detailed output ``amu2L_WHnu`` ... ); shared Delta's."""
    fac = fsf_factors(p, c, lepton, y_t, y_b, y_tau)
    one_loop = mia.amu_1l_approx_terms(p, c, lepton, m_lepton)
    return {k: one_loop[k] * fac[k] / (1.0 + delta) for k in one_loop}


@float64
def amu_2l_fsf(p: MSSMParams, c: Couplings, lepton, m_lepton, y_t, y_b, y_tau, delta=0.0):
    """Leading-log two-loop fermion/sfermion-loop a_l, arXiv:1311.1775 eq. (6.5), times 1/(1 + delta).

    Pure and unchecked (no status; the caller masks unphysical points).  Vectorise with ``jax.vmap``.

    Args:
        p: MSSM parameters (uses tan_beta, mu, M1, M2, msl, mse, msq, msu, msd, Q).
        c: electroweak couplings (from alpha(M_Z); GM2Calc convention for comparisons).
        lepton: "e", "mu" or "tau" (static).
        m_lepton: lepton pole mass in GeV.
        y_t, y_b, y_tau: third-generation Yukawa couplings (see the module docstring for the
            resummed and non-resummed choices).
        delta: Delta_l of the tan(beta) resummation (0 = GM2Calc's ``_non_tan_beta_resummed``).

    Returns:
        a_l^{2L, FSf} (dimensionless) = the sum of :func:`amu_2l_fsf_terms`.

    References:
        arXiv:1311.1775, eqs. (6.5), (6.6a)-(6.6f).
    """
    return sum(amu_2l_fsf_terms(p, c, lepton, m_lepton, y_t, y_b, y_tau, delta).values())
