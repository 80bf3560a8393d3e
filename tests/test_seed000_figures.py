"""arXiv:1908.03607 (heavy right-handed smuon), BP-1 of eq. (11): the one-loop parts behind Fig. 1.

The paper prints (eqs. (12)-(13)) a^chi0, a^chi+- for e and mu at BP-1.  gm2jax (GM2Calc's
one-loop formulas, arXiv:1510.08071 eqs. (2.11)-(2.14), no tan(beta) resummation) reproduces the
chargino parts to 2-5% (the coupling scheme) but its bino (neutralino) parts are 0.61 (e) and 0.81
(mu) of the paper's.  Cause, demonstrated below: the paper's neutralino part uses the
GUT-normalised g1 = sqrt(5/3) g' where g' (hypercharge) belongs.  With gY -> sqrt(5/3) gY in the
neutralino part (couplings and mass matrix), gm2jax gives 0.996 (e) and 0.987 (mu) of the printed
bino parts, and a_e^SUSY = -6.49e-13 (paper -6.50e-13).

Excluded by computation (each far smaller than the 23-64% the gap needs): the SM coupling scheme
(pdg vs GM2Calc on-shell, < 2%), the SuSpect bino mass 175.7 GeV instead of |M1| = 180 GeV (1.1%),
and tan(beta) resummation alone (Delta_e = -0.27: bino parts to 0.83-0.91, but chargino parts to
1.06-1.33, away from the paper's).

Fig. 1 itself (R_l against m_smuR) is drawn at parameters that are not BP-1 and not printed in the
text (at BP-1, m_smuR = 2 TeV, the paper's own a_mu is inside 1 sigma, whereas Fig. 1 leaves the
band above 1100 GeV), so its band edges are not asserted here.

Tolerances: the paper prints 4 digits (<= 1e-3 relative); gm2jax's two coupling schemes differ by
1-2% in the bino parts and 3% in the chargino parts, so paper-vs-gm2jax agreement is asserted to 2%
(bino) and the chargino parts to the 2-6% band of the schemes.
"""

from __future__ import annotations

import numpy as np
import pytest

import equinox as eqx

from gm2jax import MSSMParams, SMInputs
from gm2jax.models.mssm import amu_1l_parts
from gm2jax.models.mssm.one_loop import amu_1l_neutralino
from gm2jax.sm import couplings

# eq. (11); third generation (not given) decoupled at 2 TeV
BP1 = dict(tan_beta=60.0, mu=1700.0, M1=-180.0, M2=170.0)
SLEPTONS = dict(msl=np.array([200.0, 200.0, 2000.0]), mse=np.array([200.0, 2000.0, 2000.0]), Ae=np.zeros(3))
#: eqs. (12)-(13): (a^chi0, a^chi+-)
PAPER = {"e": (-7.478e-13, 0.981e-13), "mu": (-1.829e-9, 4.193e-9)}
#: our values (measured; no resummation): convention -> lepton -> (chi0, chi+-)
OURS = {
    "pdg": {"e": (-4.6096e-13, 9.3028e-14), "mu": (-1.4772e-09, 3.9773e-09)},
    "gm2calc": {"e": (-4.5360e-13, 9.5767e-14), "mu": (-1.4902e-09, 4.0943e-09)},
}


def _parts(conv, lepton, resummation=None, **change):
    p = MSSMParams(**{**BP1, **change}, **SLEPTONS)
    r = amu_1l_parts(p, SMInputs.from_convention(conv), lepton, resummation=resummation)
    return float(r.neutralino), float(r.chargino), float(r.delta)


@pytest.mark.parametrize("conv", ["pdg", "gm2calc"])
@pytest.mark.parametrize("lepton", ["e", "mu"])
def test_bp1_parts_and_gap_to_paper(conv, lepton):
    chi0, chic, _ = _parts(conv, lepton)
    # our numbers: 5 printed digits -> 1e-4 relative
    np.testing.assert_allclose([chi0, chic], OURS[conv][lepton], rtol=1e-4)
    r0, rc = chi0 / PAPER[lepton][0], chic / PAPER[lepton][1]
    # the chargino part agrees within the coupling-scheme spread (2-5%)
    assert 0.94 <= rc <= 0.98, rc
    # the gap: bino parts well below the paper's, more for e (light smuon_R absent, selectron_R light)
    assert (0.59 <= r0 <= 0.63) if lepton == "e" else (0.79 <= r0 <= 0.83), r0


@pytest.mark.parametrize("lepton", ["e", "mu"])
def test_bp1_gap_not_from_coupling_scheme_or_bino_mass(lepton):
    base = _parts("gm2calc", lepton)[0]
    scheme = _parts("pdg", lepton)[0]
    lighter_bino = _parts("gm2calc", lepton, M1=-175.7)[0]  # the paper's m_chi1 (Table 1)
    assert abs(scheme / base - 1.0) < 0.02
    assert abs(lighter_bino / base - 1.0) < 0.02  # measured 1.1% (e), far below the 23-64% needed
    # the paper's value needs +23% (mu) / +64% (e)
    assert PAPER[lepton][0] / base > 1.2


@pytest.mark.parametrize("lepton", ["e", "mu"])
def test_bp1_gap_not_from_resummation_alone(lepton):
    chi0, chic, delta = _parts("gm2calc", lepton, resummation="gm2calc")
    assert delta < -0.1
    r0, rc = chi0 / PAPER[lepton][0], chic / PAPER[lepton][1]
    # resummation closes part of the bino gap but overshoots the chargino part (e: +33%)
    assert r0 < 0.92
    assert rc > 1.05


def _bino_gut(conv, lepton, factor):
    """Neutralino part with gY -> factor gY (couplings and mass matrix)."""
    sm = SMInputs.from_convention(conv)
    c = couplings(sm)
    c = eqx.tree_at(lambda x: x.gY, c, c.gY * factor)
    return float(amu_1l_neutralino(MSSMParams(**BP1, **SLEPTONS), c, lepton, sm.lepton_mass(lepton)))


@pytest.mark.parametrize("conv", ["pdg", "gm2calc"])
@pytest.mark.parametrize("lepton", ["e", "mu"])
def test_bp1_bino_gap_is_gut_normalised_g1(conv, lepton):
    """The cause: g1 = sqrt(5/3) g' in the paper's neutralino part reproduces eqs. (12)-(13)."""
    plain = _bino_gut(conv, lepton, 1.0)
    np.testing.assert_allclose(plain, OURS[conv][lepton][0], rtol=1e-4)  # the same part as amu_1l_parts
    gut = _bino_gut(conv, lepton, np.sqrt(5.0 / 3.0))
    assert abs(gut / PAPER[lepton][0] - 1.0) <= 0.02, gut / PAPER[lepton][0]
    if lepton == "e":
        # total a_e^SUSY with the paper's g1: eq. (12) prints -6.50e-13
        chic = _parts(conv, "e")[1]
        # error budget: 2% of the bino part plus the schemes' 6% of the chargino part
        tol = (0.02 * abs(gut) + 0.06 * abs(chic)) / abs(gut + chic)
        assert abs((gut + chic) / -6.50e-13 - 1.0) <= tol
