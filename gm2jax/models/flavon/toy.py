r"""U(1)_f toy model of arXiv:2003.06633 section 3: spectrum, lepton masses, g-2.

* :func:`table2_parameters`, :data:`TABLE2` -- the benchmark of Table 2 as printed.
* the exact spectrum at given vevs is :func:`gm2jax.models.flavon.spectrum.spectrum`.
* :func:`approximate_masses` (A.10-A.13 and eq. (3.5)), :func:`approximate_minimum` (A.3).
* :func:`lepton_sector` -- eqs. (3.7)-(3.10) and the sign condition (3.11).

Lepton sector conventions.  Eqs. (3.7)-(3.8) are used in their first (exact-in-v_3) form with
``eps_i = v_i / M_chi``, ``x_phi = mu_1 / M_chi`` (mu_phi1 = mu_1, eq. (2.5)) and
``v_H = (sqrt2 G_F)^(-1/2)`` from :class:`gm2jax.sm.SMInputs`.  Eqs. (3.9)-(3.10) are the same
diagram with a photon attached; in the physical basis (m_l > 0) they read

    Delta a_l = 2 (m_l^RAD / m_l) m_l^2 / M_chi^2 * I_Delta_a(x) / I_m(x)          (eq. 2.9)

with m_l^RAD the lambda_1ab part of (3.7)/(3.8); for v_3 = -2 v_1 and m_l > 0 this is exactly
(3.9) and (3.10).  ``c_l = |m_l^RAD| / m_l``.  Which m_l enters is a choice
(``masses="model"``: the model's own eq. (3.7)-(3.8) values; ``"pdg"``: the pole masses of
SMInputs).  Table 2's caption (Delta a_mu = 1.6e-9, Delta a_e = -1.8e-13, (c_e, c_mu) =
(7.1, 1.6)) is reproduced to < 2 % with ``masses="model"`` at the table's rounded vevs; there
the model masses are 5.9 % (mu) and 9.9 % (e) above the PDG ones, and with ``"pdg"`` the
numbers move by those factors (tests/test_flavon_toy.py).
"""

from __future__ import annotations

import functools
import math

import jax.numpy as jnp
import numpy as np
import yaml

from gm2jax import loops
from gm2jax._data import data_file
from gm2jax._precision import float64
from gm2jax.errors import InvalidInput, Status
from gm2jax.models.flavon.potential import apply_relations
from gm2jax.sm import SMInputs, sm_status


def _load_table2() -> dict:
    """Table 2 from its one copy, ``gm2jax/data/benchmarks/flavon_table2_2003.06633.yaml``."""
    path = data_file("benchmarks", "flavon_table2_2003.06633.yaml")
    table = yaml.safe_load(path.read_text())
    del table["source"]
    table["vevs"] = tuple(table["vevs"])
    return table


TABLE2 = _load_table2()
"""Table 2 of arXiv:2003.06633 (GeV), as printed (mu's are the square roots of the mu^2);
keys ``M_chi``, ``masses``, ``vevs`` (v1, v3, va, vb), ``g_e``, ``g_mu``, ``quartics``, ``mu``,
``caption``."""


def table2_parameters() -> dict:
    """General potential parameters of Table 2 as printed (mu^2 = (printed mu)^2, GeV^2)."""
    p = {k: np.float64(v) for k, v in TABLE2["quartics"].items()}
    for k in ("1", "3", "a", "b"):
        p[f"mu{k}_sq"] = np.float64(TABLE2["mu"][f"mu{k}"] ** 2)
    for k in ("a", "b"):
        p[f"mup{k}_sq"] = np.float64(TABLE2["mu"][f"mup{k}"] ** 2)
    return p


def tilde_couplings(free) -> dict:
    """lambda~_1, lambda~_a, lambda~_1a of Appendix A (below A.3); mu~_a^2 = mu_a^2 + 2 mu'^2_a."""
    return {
        "lt1": free["lam1"] + 2.0 * free["lam13"] - 3.0 * free["lam13p"],
        "lta": 2.0 * free["lama"] + free["lamab"],
        "lt1a": free["lam1a"] + 0.5 * free["lam1ab"],
        "mta_sq": free["mua_sq"] + 2.0 * free["mupa_sq"],
    }


@float64
def approximate_masses(v1, va, free) -> dict:
    """Approximate masses^2 (GeV^2) of A.10-A.13 (keys S1..S4, P1..P4) and eq. (3.5) (``S2_eq35``).

    ``S2`` is A.11 as printed; ``S2_corrected`` = 2 v1^2 (2 lt1 - 10 lt1a^2 / lta) is the
    second-order eigenvalue of the corrected A.5 (the radial mode (1, -2)/sqrt5 couples to
    (sigma_a + sigma_b)/sqrt2 with 2 sqrt10 v_a v_1 lt1a; the same level repulsion as in A.13's
    ``+10 v1^2 lt1a^2/(va^2 lta)``, and m_S2^2 = 2 v1^2 x the A.3 denominator).

    Args:
        v1, va: vevs (GeV).
        free: dict holding at least lam1, lama, lam13, lam1a, lamab, lam13p, lam1ab, mupa_sq.
    """
    t = tilde_couplings({**{"mua_sq": 0.0}, **free})
    l1, la, l13, lab, lp, lx = (free[k] for k in ("lam1", "lama", "lam13", "lamab", "lam13p", "lam1ab"))
    return {
        "S1": 2 * v1**2 * (2 * l1 - l13 - 9.0 / 4.0 * lp),
        "S2": 2 * v1**2 * (2 * t["lt1"] - 5 * t["lt1a"] ** 2 / (2 * t["lta"])),
        "S2_corrected": 2 * v1**2 * (2 * t["lt1"] - 10 * t["lt1a"] ** 2 / t["lta"]),
        "S2_eq35": 2 * v1**2 * (2 * l1 + 4 * l13 - 6 * lp - 5 * (2 * free["lam1a"] + lx) ** 2 / (4 * (2 * la + lab))),
        "S3": 2 * va**2 * (2 * la - lab - v1**2 / (2 * va**2) * lx),
        "S4": 2 * va**2 * (2 * la + lab + 10 * v1**2 * t["lt1a"] ** 2 / (va**2 * t["lta"])),
        "P1": -2 * va**2 * (lx + v1**2 / (2 * va**2) * (lx - 18 * lp)),
        "P2": v1**2 * lp / 2,
        "P3": 4 * free["mupa_sq"],
        "P4": 4 * free["mupa_sq"],
    }


@float64
def approximate_minimum(free) -> dict:
    """The four stationary points of A.3 of the reduced model (v1^2, va^2 in GeV^2, V in GeV^4).

    Returns:
        dict ``{"V0": (0, 0, 0), "V1": (v1^2, 0, V1), "V2": (0, va^2, V2), "V3": (v1^2, va^2, V3)}``.
        With the relations (:func:`~gm2jax.models.flavon.potential.apply_relations`) these are
        EXACT stationary points of eq. (3.3) on the line v_3 = -2 v_1, v_b = v_a.
    """
    t = tilde_couplings(free)
    m1 = free["mu1_sq"]
    lt1, lta, lt1a, mta = t["lt1"], t["lta"], t["lt1a"], t["mta_sq"]
    den = 2 * lt1 - 10 * lt1a**2 / lta
    v13 = (m1 - 2 * lt1a * mta / lta) / den
    va3 = (2 * lt1 * mta / lta - 5 * lt1a * m1 / lta) / den
    v3 = (-(mta**2) / lta - 5 * m1**2 / (4 * lt1) + 5 * lt1a / (lta * lt1) * m1 * mta) / (1 - 5 * lt1a**2 / (lta * lt1))
    return {
        "V0": (0.0, 0.0, 0.0),
        "V1": (m1 / (2 * lt1), 0.0, -5 * m1**2 / (4 * lt1)),
        "V2": (0.0, mta / lta, -(mta**2) / lta),
        "V3": (v13, va3, v3),
    }


# ----------------------------------------------------------------------------------------
# lepton masses and g-2, eqs. (3.7)-(3.11)
# ----------------------------------------------------------------------------------------


def higgs_vev(sm=None):
    """v_H = (sqrt2 G_F)^(-1/2) in GeV (246.22) from :class:`gm2jax.sm.SMInputs`."""
    sm = SMInputs.from_convention("pdg") if sm is None else sm
    return 1.0 / jnp.sqrt(math.sqrt(2.0) * jnp.asarray(sm.G_F))


def _lepton_sector(v1, v3, va, M_chi, g_e, g_mu, lam1ab, mu_phi1, v_H, m_e_ref, m_mu_ref):
    e1, e3, ea = v1 / M_chi, v3 / M_chi, va / M_chi
    x = mu_phi1 / M_chi
    im = loops.I_m(x)
    ida = loops.I_Delta_a(x)
    pre = v_H / math.sqrt(2.0)
    rad = lam1ab * ea**2 / (16.0 * math.pi**2 * e1**2) * im
    mu_fn = g_mu**3 * pre * e1**2 * (e3 / e1 + 1.0)
    mu_rad = g_mu**3 * pre * e1**2 * rad
    e_fn = g_e**4 * pre * e1**2 * e3 * (2.0 * e3 / e1 + 1.0)
    e_rad = g_e**4 * pre * e1**2 * e3 * rad
    m_mu, m_e = mu_fn + mu_rad, e_fn + e_rad
    out = {"m_mu": m_mu, "m_e": m_e, "m_mu_FN": mu_fn, "m_mu_RAD": mu_rad, "m_e_FN": e_fn, "m_e_RAD": e_rad, "x_phi": x}
    for lep, mtot, mrad, mref in (("mu", m_mu, mu_rad, m_mu_ref), ("e", m_e, e_rad, m_e_ref)):
        mabs = jnp.abs(mtot) if mref is None else mref
        sgn = jnp.sign(mtot)
        out[f"da_{lep}"] = 2.0 * mrad * sgn * mabs / M_chi**2 * ida / im
        out[f"c_{lep}"] = jnp.abs(mrad) / mabs
    out["cond_3_11"] = 4.0 * math.pi / jnp.sqrt(jnp.abs(lam1ab * im)) * e1 / ea
    return out


@float64
def lepton_sector(v1, v3, va, M_chi, g_e, g_mu, lam1ab, mu_phi1, *, masses: str = "model", sm=None) -> dict:
    r"""Lepton masses eqs. (3.7)-(3.8) and Delta a_l eqs. (3.9)-(3.10) of the toy model.

    .. math:: m_\mu = g_\mu^3 \frac{v_H}{\sqrt2}\varepsilon_1^2\Big[\Big(\frac{\varepsilon_3}{\varepsilon_1}+1\Big)
              + \frac{\lambda_{1ab}\varepsilon_a^2}{16\pi^2\varepsilon_1^2} I_m^\times(x_\phi)\Big],\quad
              m_e = g_e^4 \frac{v_H}{\sqrt2}\varepsilon_1^2\varepsilon_3\Big[\Big(2\frac{\varepsilon_3}{\varepsilon_1}+1\Big)
              + \frac{\lambda_{1ab}\varepsilon_a^2}{16\pi^2\varepsilon_1^2} I_m^\times(x_\phi)\Big]

    Args:
        v1, v3, va: flavon vevs (GeV).
        M_chi: common mediator mass (GeV).
        g_e, g_mu: couplings of eq. (3.1).
        lam1ab: lambda_1ab.
        mu_phi1: mu_1 = sqrt(mu_1^2) (GeV), x_phi = mu_phi1 / M_chi.
        masses: lepton masses in Delta a_l and c_l: ``"model"`` (eqs. (3.7)-(3.8), the caption's
            choice) or ``"pdg"`` (pole masses of ``sm``).
        sm: :class:`gm2jax.sm.SMInputs` (default PDG): G_F for v_H, pole masses.

    Returns:
        dict: m_mu, m_e (signed, before rephasing, GeV), their FN and RAD parts, da_mu, da_e
        (physical basis), c_mu, c_e, x_phi and ``cond_3_11`` (the middle of eq. (3.11), which
        must lie in (1/sqrt3, 1) for opposite signs of Delta a_mu and Delta a_e), and ``status``
        (:class:`gm2jax.errors.Status`): NONFINITE_INPUT, INVALID_PARAMETER (M_chi <= 0,
        mu_phi1 < 0, v1 = 0 or va = 0), INVALID_SM_INPUT, NUMERICALLY_UNRELIABLE (any other
        non-finite output, e.g. a vanishing lepton mass or I_m); flagged points return NaN
        values with finite gradients (evaluated at a harmless point).

    Raises:
        InvalidInput: unknown ``masses``.

    Example:
        >>> from gm2jax.models.flavon import lepton_sector
        >>> r = lepton_sector(42.0, -84.0, 262.0, 1658.0, 0.72, 0.85, -2.5, 122.0)
        >>> round(float(r["da_mu"]) * 1e9, 2), round(float(r["da_e"]) * 1e13, 2)
        (1.6, -1.78)
    """
    if masses not in ("model", "pdg"):
        raise InvalidInput(f"lepton_sector: masses must be 'model' or 'pdg', got {masses!r}")
    sm = SMInputs.from_convention("pdg") if sm is None else sm
    f = lambda z: jnp.asarray(z, dtype=jnp.float64)  # noqa: E731
    me_ref = None if masses == "model" else f(sm.m_e)
    mmu_ref = None if masses == "model" else f(sm.m_mu)
    args = jnp.broadcast_arrays(*(f(a) for a in (v1, v3, va, M_chi, g_e, g_mu, lam1ab, mu_phi1)))
    st = jnp.where(functools.reduce(jnp.logical_and, [jnp.isfinite(a) for a in args]), 0, int(Status.NONFINITE_INPUT))
    v1_, _, va_, m_, _, _, _, mu_ = args
    valid = (m_ > 0) & (mu_ >= 0) & (v1_ != 0) & (va_ != 0)
    st = st | jnp.where((st != 0) | valid, 0, int(Status.INVALID_PARAMETER)) | sm_status(sm)
    v_h = higgs_vev(sm)

    def run(ok):
        safe = [jnp.where(ok, a, s) for a, s in zip(args, _SAFE_TOY)]
        return _lepton_sector(*safe, jnp.where(ok, v_h, 246.0), me_ref, mmu_ref)

    # double evaluation: the second one at a harmless point wherever the first is not finite,
    # so that flagged points have NaN values but finite gradients
    first = run(st == 0)
    finite = functools.reduce(jnp.logical_and, [jnp.isfinite(v) for v in first.values()])
    st = st | jnp.where((st != 0) | finite, 0, int(Status.NUMERICALLY_UNRELIABLE))
    ok = st == 0
    out = {k: jnp.where(ok, v, jnp.nan) for k, v in run(ok).items()}
    out["status"] = st
    return out


_SAFE_TOY = (42.0, -84.0, 262.0, 1658.0, 0.72, 0.85, -2.5, 122.0)
"""A harmless toy point (the docstring example) substituted for flagged inputs."""


def sign_condition(cond_3_11):
    """True where eq. (3.11) holds: 1/sqrt3 < cond < 1 (opposite-sign Delta a_mu, Delta a_e)."""
    return (cond_3_11 > 1.0 / math.sqrt(3.0)) & (cond_3_11 < 1.0)


def reduced_parameters(**free) -> dict:
    """General parameters from keyword free parameters (see :func:`~gm2jax.models.flavon.potential.apply_relations`)."""
    missing = [k for k in ("lam1", "lama", "lam13", "lam1a", "lamab", "lam13p", "lam1ab", "mu1_sq", "mua_sq", "mupa_sq") if k not in free]
    if missing:
        raise InvalidInput(f"reduced_parameters: missing {missing}")
    return apply_relations({k: jnp.asarray(v, dtype=jnp.float64) for k, v in free.items()})


def table2_free_parameters() -> dict:
    """The 10 free parameters of Table 2 (mu^2 as printed, GeV^2)."""
    q = TABLE2["quartics"]
    d = {k: q[k] for k in ("lam1", "lama", "lam13", "lam1a", "lamab", "lam13p", "lam1ab")}
    d.update(mu1_sq=TABLE2["mu"]["mu1"] ** 2, mua_sq=TABLE2["mu"]["mua"] ** 2, mupa_sq=TABLE2["mu"]["mupa"] ** 2)
    return {k: np.float64(v) for k, v in d.items()}
