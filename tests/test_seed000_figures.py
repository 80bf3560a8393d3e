"""arXiv:1908.03607 (heavy right-handed smuon), BP-1 of eq. (11): the one-loop parts behind Fig. 1.

The paper prints (eqs. (12)-(13)) a^chi0, a^chi+- for e and mu at BP-1.  gm2jax (GM2Calc's
one-loop formulas, arXiv:1510.08071 eqs. (2.11)-(2.14), no tan(beta) resummation) reproduces the
chargino parts to 2-5% but its bino (neutralino) parts are 39% (e) and 19% (mu) smaller; this is
why a_mu enters the 1 sigma band of Fig. 1 only at a larger m_smuR.  Status of issue 14: the cause is
NOT found yet.  This file asserts our numbers, the size of the gap, and the candidate causes that
a computation excludes (each as large as the paper-vs-us gap would need, and each fails):

* the SM coupling scheme (pdg vs GM2Calc on-shell): moves the bino parts by < 2%;
* the bino mass (the paper's SuSpect spectrum has m_chi1 = 175.7 GeV, tree level here 180 GeV):
  1.1% (e);
* tan(beta) resummation (Delta_e = -0.27 at mu tan(beta) = 1.0e5 GeV): raises the bino parts to
  0.83-0.91 of the paper's, but the chargino parts to 1.06-1.33, away from the paper's: no single
  Delta explains both.

Paper values carry 4 printed digits (relative precision 7e-4 for 7.478, 1e-3 for 0.981): the gap
checks below use bounds far outside that.
"""

from __future__ import annotations

import numpy as np
import pytest

from gm2jax import MSSMParams, SMInputs
from gm2jax.models.mssm import amu_1l_parts

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
