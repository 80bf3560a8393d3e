r"""Leading-logarithm QED correction to the SUSY contribution to a_l.

Formula
-------
Photonic two-loop corrections to any heavy new-physics contribution to a_l are dominated by the
large logarithm of the ratio of the heavy scale to the lepton mass, i.e. by the QED running of the
dipole operator from M_SUSY down to m_l (G. Degrassi, G.F. Giudice, "QED logarithms in the
electroweak corrections to the muon anomalous magnetic moment", Phys. Rev. D 58 (1998) 053007,
hep-ph/9803384 = arXiv:1906.08768 ref. [26])::

    a_l^SUSY -> (1 - delta_QED) a_l^SUSY(1L),      delta_QED = (4 alpha / pi) ln(M_SUSY / m_l).

This is the factor of arXiv:1906.08768 eq. (2.5); multiplying a one-loop result
that is already resummed (``resummation="exact"``: y_l -> y_l/(1+Delta_l)) gives that equation's
(1 - delta_QED)/(1 + Delta_l) structure with the full one-loop amplitude in place of the
mass-insertion formula (which is what the paper does for its numbers, its footnote 4).

Choices (documented, both overridable)
--------------------------------------
* ``alpha``: the Thomson-limit fine-structure constant alpha(0) = 1/137.035999177 (CODATA 2022,
  the ``alpha_0`` entry of ``gm2jax/data/sm_inputs.yaml``), because the logarithm resums soft
  photons between m_l and M_SUSY, and alpha(0) is also the coupling of GM2Calc's two-loop terms
  (``docs/conventions/gm2calc_2l.md`` sec. 1).  The default is :func:`gm2jax.sm.alpha_0` of
  the ``"pdg"`` convention for every ``sm``; pass ``alpha=`` (e.g. ``sm.alpha_0``) to change it.
  alpha(m_mu) ~ 1/135.9 instead would raise delta_QED by ~1 %, i.e.
  change a_l by ~1e-3.
* ``scale`` (M_SUSY): by default the *lighter charged slepton of the lepton's own flavour*
  (tree-level mass matrix with the same m_l/(1+Delta_l) as the amplitude): in arXiv:1906.08768's regime the
  bino-slepton diagram dominates and the slepton is the particle whose mass sets the matching scale
  of the dipole operator.  ``"geometric"`` uses sqrt(m_l~1 m_l~2) (smooth even at an exact L-R
  degeneracy), ``"bino"`` uses max(|M1|, lighter slepton), and a number is a user scale in GeV.  For
  arXiv:1906.08768 Table 1 the choices differ by <= 1 % in a_l (ln of an O(1) ratio times 4 alpha/pi).

delta_QED ~ 0.08 for the muon at M_SUSY ~ 0.6 TeV and ~ 0.14 for the electron at 2.4 TeV.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from gm2jax import linalg
from gm2jax._precision import float64
from gm2jax.errors import InvalidInput
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.one_loop import AmuResult, amu_1l_parts
from gm2jax.models.mssm.threshold import POLE_TOL
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.sm import SMInputs, alpha_0, couplings

SCALES = ("light_slepton", "geometric", "bino")


@float64
def delta_qed(m_susy, m_lepton, alpha=None):
    """delta_QED = (4 alpha/pi) ln(M_SUSY/m_l) (Degrassi & Giudice, hep-ph/9803384).

    Args:
        m_susy: heavy scale in GeV (> 0).
        m_lepton: lepton mass in GeV.
        alpha: QED coupling (default ``gm2jax.sm.alpha_0("pdg")``).
    """
    alpha = alpha_0("pdg") if alpha is None else alpha
    return 4.0 * alpha / math.pi * jnp.log(jnp.asarray(m_susy) / m_lepton)


@float64
def qed_factor(m_susy, m_lepton, alpha=None):
    """The multiplicative factor 1 - delta_QED of arXiv:1906.08768 eq. (2.5)."""
    return 1.0 - delta_qed(m_susy, m_lepton, alpha)


def _slepton_masses2(p: MSSMParams, sm: SMInputs, lepton, delta):
    """(lighter, heavier) tree-level charged-slepton mass^2 [GeV^2] (no cancellation), ok flag."""
    c = couplings(sm)
    m_l = sm.lepton_mass(lepton)
    d = jnp.where(jnp.abs(1.0 + delta) > POLE_TOL, delta, 0.0)
    light, heavy = linalg.eigvalsh2(sp.slepton_matrix(p, c, lepton, m_l, d))
    ok = (light > 0) & (heavy > 0)
    return jnp.where(ok, light, 1.0), jnp.where(ok, heavy, 1.0), ok


def susy_scale(p: MSSMParams, sm: SMInputs, lepton, scale="light_slepton", delta=0.0):
    """M_SUSY in GeV for the QED logarithm (see the module docstring for ``scale``).

    Always finite and positive: for a tachyonic or otherwise flagged point it returns 1 TeV
    (the amplitude is NaN and flagged there anyway).
    """
    if not isinstance(scale, str):
        return jnp.asarray(scale, dtype=float)
    if scale not in SCALES:
        raise InvalidInput(f"susy_scale: scale={scale!r}; use a number (GeV) or one of {SCALES}")
    light, heavy, ok = _slepton_masses2(p, sm, lepton, delta)
    if scale == "light_slepton":
        m2 = light
    elif scale == "geometric":
        m2 = jnp.sqrt(light * heavy)
    else:
        m2 = jnp.maximum(light, p.M1**2)
    return jnp.where(ok, jnp.sqrt(m2), 1000.0)


@float64
def amu_1l_qed_parts(
    p: MSSMParams,
    sm: SMInputs,
    lepton,
    delta=0.0,
    resummation: str | None = None,
    *,
    scale="light_slepton",
    alpha=None,
) -> AmuResult:
    """One-loop a_l times (1 - delta_QED): arXiv:1906.08768 eq. (2.5) with the full one-loop amplitude.

    Same arguments and result as :func:`gm2jax.models.mssm.one_loop.amu_1l_parts` (pure, never
    raises, NaN + status on flagged points, tuple ``lepton`` allowed); ``total``, ``neutralino``
    and ``chargino`` are multiplied by 1 - delta_QED, ``delta`` and ``status`` are unchanged.

    Args:
        p, sm, lepton, delta, resummation: as for ``amu_1l_parts`` (use ``resummation="exact"``
            for arXiv:1906.08768).
        scale: M_SUSY choice (``"light_slepton"``, ``"geometric"``, ``"bino"`` or GeV); static
            if a str.
        alpha: QED coupling of the logarithm (default ``gm2jax.sm.alpha_0("pdg")``).

    References:
        hep-ph/9803384; arXiv:1906.08768 eq. (2.5).

    Example:
        >>> from gm2jax.models.mssm import MSSMParams, amu_1l
        >>> from gm2jax.sm import SMInputs
        >>> p = MSSMParams(40.0, 500.0, 200.0, 400.0, msl=[300.0] * 3, mse=[300.0] * 3)
        >>> sm = SMInputs.from_convention("pdg")
        >>> r0 = amu_1l(p, sm, "mu")
        >>> r = amu_1l_qed_parts(p, sm, "mu")
        >>> 0.9 < float(r.total / r0.total) < 0.95
        True
    """
    res = amu_1l_parts(p, sm, lepton, delta, resummation)
    leptons = tuple(lepton) if isinstance(lepton, (tuple, list)) else (lepton,)
    deltas = jnp.reshape(res.delta, (len(leptons),))
    factors = jnp.stack(
        [
            qed_factor(susy_scale(p, sm, lep, scale, d), sm.lepton_mass(lep), alpha)
            for lep, d in zip(leptons, deltas)
        ]
    )
    if not isinstance(lepton, (tuple, list)):
        factors = factors[0]
    ok = res.status == 0

    def scaled(a):
        # double where: a flagged (NaN) amplitude must not turn the factor's gradient into NaN
        return jnp.where(ok, jnp.where(ok, a, 0.0) * factors, jnp.nan)

    return AmuResult(
        total=scaled(res.total),
        neutralino=scaled(res.neutralino),
        chargino=scaled(res.chargino),
        status=res.status,
        delta=res.delta,
    )


__all__ = ["SCALES", "amu_1l_qed_parts", "delta_qed", "qed_factor", "susy_scale"]
