"""Seed 000 (Badziak-Sakurai, arXiv:1908.03607) benchmarks BP-1 and BP-2.

We compute both points in our tree-level spectrum (GM2Calc convention, no resummation) and
print ours beside GM2Calc and the paper.  Assertions: agreement with GM2Calc to 1e-6
relative, the paper's sign of every part, and the documented size of the difference from
the paper.  Why the paper differs: it used SuSpect's radiatively corrected masses
(Tables 1 and 3).  For example, in BP-1 SuSpect makes the bino the LSP (175.7 GeV) below the
wino (179.7 GeV), but at tree level the wino is the lighter one (169.5 vs 179.9 GeV).  That
moves the bino-smuon part by ~20-40%.  The paper also includes tan(beta) resummation.
"""

import json
import pathlib

import jax.numpy as jnp
import pytest

from gm2jax.io import benchmarks
from gm2jax.io.gm2calc import read_mssm_file
from gm2jax.models.mssm import amu_1l, tree_spectrum
from gm2jax.sm import couplings

REF = {r["id"]: r for r in json.loads((pathlib.Path(__file__).parent / "data" / "gm2calc_public.json").read_text())}

# Paper values: eqs. (12)-(13) and (20)-(21): (total, neutralino, chargino).
PAPER = {
    ("BP1", "e"): (-6.50e-13, -7.478e-13, 0.981e-13),
    ("BP1", "mu"): (2.36e-9, -1.829e-9, 4.193e-9),
    ("BP2", "e"): (-6.71e-13, -10.170e-13, 3.459e-13),
    ("BP2", "mu"): (2.21e-9, -0.336e-9, 2.544e-9),
}
# Largest relative difference |ours/paper - 1| per part, measured (documented, not tuned):
# BP-1: e (0.45, 0.39, 0.024), mu (0.10, 0.19, 0.024);  BP-2: e (0.57, 0.38, 0.023), mu (0.011, 0.25, 0.024).
# The chargino parts agree to ~2%; the bino parts differ by 20-40% (the bino-wino ordering and
# the bino mass shift by radiative corrections, and the paper's resummation: GM2Calc's resummed
# BP-1 a_mu^chi0 is -1.66e-9, closer to the paper's -1.83e-9 than the non-resummed -1.49e-9).
PAPER_RTOL = {
    ("BP1", "e"): (0.5, 0.45, 0.05),
    ("BP1", "mu"): (0.15, 0.25, 0.05),
    ("BP2", "e"): (0.6, 0.45, 0.05),
    ("BP2", "mu"): (0.05, 0.3, 0.05),
}
# Tables 1 and 3 (SuSpect, radiatively corrected): (chi0_1, chi0_2, chi+_1, e~_L, e~_R, nu~_e, mu~_R).
TABLE_MASSES = {
    "BP1": {"chi0": (175.7, 179.7, 1702, 1702), "cha": (179.7, 1703), "snu_e": 189.6, "snu_mu": 189.6},
    "BP2": {"chi0": (121.2, 123.5, 711.9, 713.3), "cha": (123.5, 715.7), "snu_e": 124.7, "snu_mu": 711},
}


@pytest.mark.parametrize("bp", ["BP1", "BP2"])
@pytest.mark.parametrize("lepton", ["e", "mu"])
def test_benchmark_vs_gm2calc_and_paper(bp, lepton, capsys):
    inp = read_mssm_file(benchmarks.benchmark_path(bp))
    r = amu_1l(inp.params, inp.sm, lepton)
    ours = (float(r.total), float(r.neutralino), float(r.chargino))
    ref_rec = REF[f"{bp}_{lepton}"]["outputs"]
    gm2 = (ref_rec["amu1L_nonres"], ref_rec["amu1L_nonres_chi0"], ref_rec["amu1L_nonres_chipm"])
    paper = PAPER[(bp, lepton)]
    with capsys.disabled():
        print(f"\n{bp} a_{lepton}: ours (total, chi0, chi+-) = {ours}\n   GM2Calc nonres = {gm2}\n   paper = {paper}")
    for o, g in zip(ours, gm2):
        assert abs(o - g) <= 1e-6 * abs(gm2[0]) * 3  # parts compared at the scale of the total
    for o, pv, tol in zip(ours, paper, PAPER_RTOL[(bp, lepton)]):
        assert jnp.sign(o) == jnp.sign(pv), "sign of a part differs from the paper"
        assert abs(o / pv - 1) <= tol


@pytest.mark.parametrize("bp", ["BP1", "BP2"])
def test_benchmark_masses_vs_paper_tables(bp, capsys):
    inp = read_mssm_file(benchmarks.benchmark_path(bp))
    c = couplings(inp.sm)
    se = tree_spectrum(inp.params, c, "e", inp.sm.m_e)
    smu = tree_spectrum(inp.params, c, "mu", inp.sm.m_mu)
    tab = TABLE_MASSES[bp]
    with capsys.disabled():
        print(f"\n{bp} tree-level masses vs paper table (SuSpect):")
        print("  chi0:", [round(float(m), 1) for m in se.m_neutralino], tab["chi0"])
        print("  chi+:", [round(float(m), 1) for m in se.m_chargino], tab["cha"])
        print("  snu_e, snu_mu:", round(float(se.m_sneutrino), 1), round(float(smu.m_sneutrino), 1), tab["snu_e"], tab["snu_mu"])
        print("  e~:", [round(float(m), 1) for m in se.m_slepton], " mu~:", [round(float(m), 1) for m in smu.m_slepton])
    # Heavy higgsino-like states and sneutrinos agree to < 1%; the light gaugino-like states differ
    # by the radiative corrections SuSpect includes (up to ~6% in BP-1: 169.5 vs 179.7 GeV).
    assert jnp.allclose(se.m_neutralino[2:], jnp.asarray(tab["chi0"][2:]), rtol=0.01)
    assert jnp.allclose(se.m_chargino, jnp.asarray(tab["cha"]), rtol=0.07)
    assert abs(float(se.m_sneutrino) / tab["snu_e"] - 1) < 0.01
    assert abs(float(smu.m_sneutrino) / tab["snu_mu"] - 1) < 0.01
