"""tan(beta)-enhanced threshold correction Delta_l to the lepton Yukawa coupling.

The SUSY-QCD-like correction to the lepton Yukawa, y_l = m_l/(v_d (1 + Delta_l))
(arXiv:1906.08768, eq. (2.1)), at one loop with general masses::

    Delta_l = -(mu tb)/(16 pi^2) * { g2^2 M2 [ I(m_C1, m_C2, m_snu) + 1/2 I(m_C1, m_C2, m_L) ]
                                    + gY^2 M1 [ I(mu, M1, m_R) - 1/2 I(mu, M1, m_L) - I(M1, m_L, m_R) ] }

(I = :func:`gm2jax.loops.I_abc` in squared masses).  The five pieces are the wino-higgsino-
sneutrino, wino-higgsino-slepton_L, bino-higgsino-slepton_R, bino-higgsino-slepton_L and
bino-slepton_L-slepton_R loops (arXiv:0808.1530; GM2Calc, arXiv:1510.08071 eq. (4.5)).
The last term alone is the mass-insertion formula of arXiv:1906.08768 eq. (2.2),
:func:`delta_bino_mia`.

Two spectra are offered (static ``spectrum`` argument):

``"gm2calc"`` -- GM2Calc 2.3.1 exactly (``docs/conventions/gm2calc.md`` sec. 7): chargino masses
    with sin(2 beta) -> 0, slepton and sneutrino D-terms with cos(2 beta) -> -1, s_W from MW/MZ.
    Used for GM2Calc input files and for every comparison with GM2Calc.
``"exact"`` -- the tree-level spectrum of :mod:`gm2jax.models.mssm.spectrum` (exact
    sin(2 beta), cos(2 beta)).  The default for physics.  On random points the two differ by up
    to ~3% relative in Delta_l (median 2e-4), i.e. up to ~1e-3 in the resummed a_l.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from gm2jax import loops
from gm2jax.errors import InvalidInput
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.sm import Couplings

_LOOP = 1.0 / (16.0 * math.pi**2)
SPECTRA = ("exact", "gm2calc")
POLE_TOL = 1e-6
"""|1 + Delta_l| at or below which the resummed Yukawa counts as divergent (Status.YUKAWA_POLE).

Delta_l carries rounding errors ~1e-16 |Delta_l|, and y_l, a_l scale with 1/(1 + Delta_l): at
|1 + Delta_l| = 1e-6 a_l is enhanced 1e6-fold and keeps ~10 digits.  Points between this and the
perturbativity bound are flagged NONPERTURBATIVE by the Yukawa check
(:data:`gm2jax.models.mssm.one_loop.YUKAWA_MAX`), which for the muon at tan(beta) = 40 already
acts below |1 + Delta_mu| ~ 5e-3 (issue 15: 1e-12 passed with a_mu = 6e7)."""


def _chargino_masses2(p: MSSMParams, c: Couplings, spectrum: str):
    cb, sb = sp._beta(p.tan_beta)
    s = p.M2**2 + p.mu**2 + 2.0 * c.MW**2
    if spectrum == "gm2calc":
        det = p.M2 * p.mu
    else:
        det = p.M2 * p.mu - 2.0 * c.MW**2 * sb * cb
    root = jnp.sqrt(jnp.abs(s**2 - 4.0 * det**2))
    m1 = 2.0 * det**2 / (s + root)  # = (s - root)/2 without cancellation
    return m1, 0.5 * (s + root)


def _slepton_masses2(p: MSSMParams, c: Couplings, lepton, spectrum: str):
    mL2, mE2 = sp.soft_masses2(p, lepton)
    if spectrum == "gm2calc":
        c2b = -1.0
        sw2 = 1.0 - c.MW**2 / c.MZ**2
    else:
        cb, _ = sp._beta(p.tan_beta)
        c2b = 2.0 * cb**2 - 1.0
        sw2 = c.sW**2
    snu = jnp.abs(mL2 + 0.5 * c.MZ**2 * c2b)
    left = jnp.abs(mL2 + c.MZ**2 * c2b * (sw2 - 0.5))
    right = jnp.abs(mE2 - c.MZ**2 * c2b * sw2)
    return snu, left, right


def delta_lepton(p: MSSMParams, c: Couplings, lepton, spectrum: str = "exact"):
    """Delta_l (dimensionless) for lepton ``lepton`` (its own generation's soft masses).

    Args:
        p: MSSM parameters.
        c: electroweak couplings.
        lepton: "e", "mu" or "tau" (static).
        spectrum: ``"exact"`` or ``"gm2calc"`` (static; see module docstring).

    References:
        arXiv:1906.08768 eq. (2.1); arXiv:1510.08071 eq. (4.5); docs/conventions/gm2calc.md sec. 7.
    """
    if spectrum not in SPECTRA:
        raise InvalidInput(f"delta_lepton: spectrum={spectrum!r}; use one of {SPECTRA}")
    mc1, mc2 = _chargino_masses2(p, c, spectrum)
    snu, left, right = _slepton_masses2(p, c, lepton, spectrum)
    mu2, m12 = p.mu**2, p.M1**2
    wino = c.g2**2 * p.M2 * (loops.I_abc(mc1, mc2, snu) + 0.5 * loops.I_abc(mc1, mc2, left))
    bino = c.gY**2 * p.M1 * (
        loops.I_abc(mu2, m12, right) - 0.5 * loops.I_abc(mu2, m12, left) - loops.I_abc(m12, left, right)
    )
    return -p.mu * p.tan_beta * _LOOP * (wino + bino)


def delta_bino_mia(p: MSSMParams, c: Couplings, lepton, spectrum: str = "exact"):
    """Bino-slepton mass-insertion approximation of arXiv:1906.08768 eq. (2.2): mu tb gY^2 M1/(16 pi^2) I(M1^2, mL^2, mR^2).

    Note the sign: eq. (2.2) as printed has no minus sign; the full formula above has
    ``-(mu tb)(-gY^2 M1 I(M1, mL, mR))`` = ``+mu tb gY^2 M1 I``, which agrees.
    """
    _, left, right = _slepton_masses2(p, c, lepton, spectrum)
    return p.mu * p.tan_beta * c.gY**2 * p.M1 * _LOOP * loops.I_abc(p.M1**2, left, right)
