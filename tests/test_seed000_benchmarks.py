"""Seed 000 (Badziak-Sakurai, arXiv:1908.03607) benchmarks BP-1 and BP-2, eqs. (11)-(13), (19)-(21), Tables 1, 3.

What holds and what does not, each asserted (none of the tolerances is a measured difference):

* Ours = GM2Calc 2.3.1 for every part, with and without tan(beta) resummation: 1e-6 relative at
  the scale of the total (GM2Calc's printed precision).
* Chargino-sneutrino parts: ours / paper = 0.9762, 0.9765, 0.9769, 0.9764 (BP-1 e, mu, BP-2 e, mu):
  one common factor, equal within the paper's printed precision (4 digits of the part, plus the
  sneutrino masses of Tables 1/3 printed to 0.1 GeV, d ln a / d ln m_snu ~ -2).  A common factor is a
  coupling normalisation (the paper does not state its g_2 scheme), not a spectrum effect: feeding the
  paper's light gaugino and higgsino masses (Tables 1, 3; M1, M2, mu solved so that our tree-level
  masses equal the printed ones) moves the four parts by different amounts (-3.8 % ... +0.7 %) and
  breaks the common factor, so the paper's a_l used the tree-level gaugino masses.
* Bino-slepton parts: not reproduced.  Ours (= GM2Calc, non-resummed) are 18-39 % smaller in
  magnitude than the paper's; tan(beta) resummation (Delta_l, GM2Calc's "res") closes part of it
  (BP-1 e: -4.54 -> -6.19 vs the paper's -7.48 x 1e-13) but not all; the fed spectrum moves them by
  < 4 %, GM2Calc's two-loop corrections (gm2jax.models.mssm.amu(loops=2)) move the totals by < 25 % of
  the gap (for a_e away from the paper).  Asserted: |nonres| < |res| < |paper| for every bino part,
  the fed-spectrum and two-loop shifts smaller than the gap.  Cause of the remainder not identified
  (see notebooks/README.md).
* Light gaugino masses (Tables 1, 3 come from SuSpect, with radiative corrections): at tree level
  the wino-like states are the lighter ones (BP-1: 169.5 vs bino 179.9 GeV), in the tables the bino
  is the LSP (175.7 < 179.7).  Asserted: the ordering flip, the heavy higgsino-like states and
  sneutrinos at the tables' precision plus the same one-loop size, and that M1, M2, mu reproducing
  the tables' light masses to their printed 0.05 GeV differ from the inputs by less than a one-loop
  gaugino-mass correction (10 %).
"""

import functools
import json
import pathlib

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.io import benchmarks
from gm2jax.io import read_mssm_file
from gm2jax.models.mssm import amu_1l, tree_spectrum
from gm2jax.sm import couplings

REF = {r["id"]: r for r in json.loads((pathlib.Path(__file__).parent / "data" / "gm2calc_public.json").read_text())}

# Paper values, eqs. (12)-(13) and (20)-(21): (total, neutralino, chargino), and the unit of the last digit.
PAPER = {
    ("BP1", "e"): ((-6.50e-13, -7.478e-13, 0.981e-13), (0.01e-13, 0.001e-13, 0.001e-13)),
    ("BP1", "mu"): ((2.36e-9, -1.829e-9, 4.193e-9), (0.01e-9, 0.001e-9, 0.001e-9)),
    ("BP2", "e"): ((-6.71e-13, -10.170e-13, 3.459e-13), (0.01e-13, 0.001e-13, 0.001e-13)),
    ("BP2", "mu"): ((2.21e-9, -0.336e-9, 2.544e-9), (0.01e-9, 0.001e-9, 0.001e-9)),
}
# Tables 1 and 3 (SuSpect): chi0_1..4, chi+_1,2, snu_e, snu_mu; printed to 0.1 GeV (heavy ones to 1 GeV in BP-1).
TABLE = {
    "BP1": {"chi0": (175.7, 179.7, 1702.0, 1702.0), "cha": (179.7, 1703.0), "snu": (189.6, 189.6), "unit_heavy": 1.0},
    "BP2": {"chi0": (121.2, 123.5, 711.9, 713.3), "cha": (123.5, 715.7), "snu": (124.7, 711.0), "unit_heavy": 0.1},
}
ONE_LOOP = 0.10  # bound on a one-loop electroweakino mass correction (relative)


def _inp(bp):
    return read_mssm_file(benchmarks.benchmark_path(bp))


def _parts(r):
    return np.array([float(r.total), float(r.neutralino), float(r.chargino)])


@functools.cache
def _fed(bp):
    """(M1, M2, mu) for which our tree-level bino-like chi0, chi+_1 and chi+_2 equal Table 1/3's."""
    from scipy.optimize import fsolve

    inp = _inp(bp)
    p, sm = inp.params, inp.sm
    c = couplings(sm)
    tab = TABLE[bp]

    def mk(v):
        return eqx.tree_at(lambda q: (q.M1, q.M2, q.mu), p, tuple(jnp.asarray(x) for x in v))

    def resid(v):
        s = tree_spectrum(mk(v), c, "e", sm.m_e)
        ch, mn = np.asarray(s.m_chargino), np.asarray(s.m_neutralino)
        bino = mn[0] if abs(mn[0] - ch[0]) > abs(mn[1] - ch[0]) else mn[1]  # the one not degenerate with chi+_1
        return [bino - tab["chi0"][0], ch[0] - tab["cha"][0], ch[1] - tab["cha"][1]]

    v = fsolve(resid, [float(p.M1), 1.06 * float(p.M2), float(p.mu)], xtol=1e-12)
    return mk(v), v, np.asarray(resid(v))


@pytest.mark.parametrize("bp", ["BP1", "BP2"])
@pytest.mark.parametrize("lepton", ["e", "mu"])
def test_benchmark_vs_gm2calc_resummed_and_not(bp, lepton):
    inp = _inp(bp)
    rec = REF[f"{bp}_{lepton}"]["outputs"]
    for res, key in ((None, "nonres"), ("gm2calc", "res")):
        ours = _parts(amu_1l(inp.params, inp.sm, lepton, resummation=res))
        gm2 = np.array([rec[f"amu1L_{key}"], rec[f"amu1L_{key}_chi0"], rec[f"amu1L_{key}_chipm"]])
        assert np.all(np.abs(ours - gm2) <= 1e-6 * abs(gm2[0]) * 3), (res, ours, gm2)


def test_chargino_parts_one_common_factor_and_fed_spectrum_breaks_it(capsys):
    ratios, tols, fed_ratios = [], [], []
    for (bp, lep), (vals, units) in PAPER.items():
        inp = _inp(bp)
        ours = _parts(amu_1l(inp.params, inp.sm, lep))
        ratios.append(ours[2] / vals[2])
        # printed precision: half a unit of the part, and the sneutrino mass to 0.05 GeV (a ~ m_snu^-2)
        snu = TABLE[bp]["snu"][0 if lep == "e" else 1]
        tols.append(0.5 * units[2] / abs(vals[2]) + 2 * 0.05 / snu)
        q, _, _ = _fed(bp)
        fed_ratios.append(float(amu_1l(q, inp.sm, lep).chargino) / vals[2])
    ratios, tols, fed_ratios = map(np.asarray, (ratios, tols, fed_ratios))
    with capsys.disabled():
        print(f"\nchargino parts ours/paper (BP1 e, mu, BP2 e, mu): tree {np.round(ratios, 5)} (tol {np.round(tols, 5)})"
              f"\n  fed Tables 1/3 gaugino/higgsino masses: {np.round(fed_ratios, 5)}")
    # the paper's sign (mu M2 > 0: positive) and one common factor within the printed precision ...
    assert np.all(ratios > 0)
    assert np.all(np.abs(ratios[:, None] - ratios[None, :]) <= tols[:, None] + tols[None, :])
    # ... that is not 1 (a normalisation, stated in the module docstring) ...
    assert np.all(np.abs(ratios - 1.0) > tols)
    # ... and that the paper's spectrum would break: the fed ratios are not one common factor
    spread = fed_ratios.max() - fed_ratios.min()
    assert spread > 2 * tols.max()


@pytest.mark.parametrize("bp", ["BP1", "BP2"])
@pytest.mark.parametrize("lepton", ["e", "mu"])
def test_bino_parts_not_reproduced_bracketed(bp, lepton, capsys):
    inp = _inp(bp)
    (vals, units) = PAPER[(bp, lepton)]
    nonres = _parts(amu_1l(inp.params, inp.sm, lepton))
    res = _parts(amu_1l(inp.params, inp.sm, lepton, resummation="gm2calc"))
    q, _, _ = _fed(bp)
    fed = _parts(amu_1l(q, inp.sm, lepton))
    with capsys.disabled():
        print(f"\n{bp} a_{lepton} chi0: nonres {nonres[1]:.4e}, res {res[1]:.4e}, fed {fed[1]:.4e}, paper {vals[1]:.4e}"
              f"; total: nonres {nonres[0]:.3e}, res {res[0]:.3e}, paper {vals[0]:.3e}")
    # every part has the paper's sign (mu M1 < 0: bino part < 0; mu M2 > 0: chargino part > 0)
    assert np.all(np.sign(nonres) == np.sign(vals)) and np.all(np.sign(res[1:]) == np.sign(vals[1:]))
    # bino part: |nonres| < |res| < |paper|, the paper's outside our value by more than its print
    assert abs(nonres[1]) < abs(res[1]) < abs(vals[1]) - 0.5 * units[1]
    # the spectrum is not the cause: feeding the tables' masses moves it by less than the gap
    assert abs(fed[1] - nonres[1]) < 0.25 * abs(vals[1] - nonres[1])


@pytest.mark.slow
def test_two_loop_is_not_the_cause(capsys):
    """GM2Calc's two-loop corrections (gm2jax.models.mssm.amu(loops=2)) close < 1/4 of the gap to the paper.

    Measured (non-resummed totals, one-loop -> two-loop, paper): BP-1 e -3.58 -> -3.38 (-6.50) x 1e-13,
    mu 2.604 -> 2.647 (2.36) x 1e-9; BP-2 e -2.89 -> -2.72 (-6.71) x 1e-13, mu 2.233 -> 2.292 (2.21) x 1e-9:
    for a_e they point away from the paper.  Slow: the two-loop compilation takes ~1 min on 2 cores.
    """
    from gm2jax.models.mssm import amu

    for (bp, lepton), (vals, _) in PAPER.items():
        inp = _inp(bp)
        one = float(amu_1l(inp.params, inp.sm, lepton).total)
        two = float(amu(inp.params, inp.sm, lepton, loops=2, resummation=None).total)
        with capsys.disabled():
            print(f"\n{bp} a_{lepton}: one-loop {one:.4e}, two-loop {two:.4e}, paper {vals[0]:.3e}")
        assert abs(two - vals[0]) > 0.75 * abs(one - vals[0])


@pytest.mark.parametrize("bp", ["BP1", "BP2"])
def test_benchmark_masses_vs_paper_tables(bp, capsys):
    inp = _inp(bp)
    c = couplings(inp.sm)
    se = tree_spectrum(inp.params, c, "e", inp.sm.m_e)
    smu = tree_spectrum(inp.params, c, "mu", inp.sm.m_mu)
    tab = TABLE[bp]
    mn, mc = np.asarray(se.m_neutralino), np.asarray(se.m_chargino)
    _, v, resid = _fed(bp)
    with capsys.disabled():
        print(f"\n{bp} tree-level masses vs paper table (SuSpect):")
        print("  chi0:", np.round(mn, 1), tab["chi0"])
        print("  chi+:", np.round(mc, 1), tab["cha"])
        print("  snu_e, snu_mu:", round(float(se.m_sneutrino), 1), round(float(smu.m_sneutrino), 1), tab["snu"])
        print(f"  fed (M1, M2, mu) = {np.round(v, 2)} (inputs {float(inp.params.M1)}, {float(inp.params.M2)}, "
              f"{float(inp.params.mu)}), residual {resid}")
    # light states: at tree level the wino-like chi0 (degenerate with chi+_1) is the LSP, in the table the bino
    wino_tree = mn[np.argmin(np.abs(mn[:2] - mc[0]))]
    assert wino_tree == mn[0] and abs(mn[0] - mc[0]) < 0.05
    assert tab["chi0"][0] < tab["chi0"][1] == tab["cha"][0]
    # the shifts are one-loop sized, and they are what separates tree level from the table
    for ours, table in ((mn[0], tab["chi0"][1]), (mn[1], tab["chi0"][0]), (mc[0], tab["cha"][0])):
        assert 0.05 < abs(ours - table) <= ONE_LOOP * table
    # heavy higgsino-like states and sneutrinos: printed precision plus a one-loop correction
    for ours, table in zip([*mn[2:], mc[1]], [*tab["chi0"][2:], tab["cha"][1]]):
        assert abs(ours - table) <= 0.5 * tab["unit_heavy"] + ONE_LOOP * table
    for ours, table in ((float(se.m_sneutrino), tab["snu"][0]), (float(smu.m_sneutrino), tab["snu"][1])):
        assert abs(ours - table) <= 0.05 + 0.01 * table  # sleptons: 1 % (hypercharge-only loop corrections)
    # the fed parameters reproduce the tables' light masses at their printed precision, one-loop sized shifts
    assert np.all(np.abs(resid) < 0.05)
    inputs = np.array([float(inp.params.M1), float(inp.params.M2), float(inp.params.mu)])
    assert np.all(np.abs(v / inputs - 1.0) < ONE_LOOP)
