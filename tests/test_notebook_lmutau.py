"""notebooks/lmutau.ipynb (seed 002 Fig. 2 and Table 2) runs at a small size and only calls gm2jax.

The code cells are exec'd in order in one namespace (no Jupyter kernel needed; the notebook uses
no IPython magics), with matplotlib's Agg backend and ``plt.show`` a no-op, after the first
(``parameters``-tagged) cell is overridden with ``N_POINTS = 40``, ``N_SCAN = 2048`` and a NUTS run of
2 chains per piece of the M_Z' range x (5 warm-up + 5 draws), started from prior draws (no best fit
first).  It must finish in < BUDGET_S of CPU time (the process's, all threads); nearly all of the
NUTS section is the one-off tracing and compilation of the model's gradient (the 7x7 neutralino
Takagi factorisation), which no smaller run avoids.  CPU time rather than wall time, because the
machine is shared.  So the small run checks the section's structure and outputs, and the slow test
runs the notebook's full-size posterior (2 pieces x 4 chains x (500 + 1000)) and checks it against
seed Table 2 and against an independent reference (importance-weighted prior draws).  Both assert Table 3
(BP4's neutralino-dominated a_e): the one check that fails when the neutralino loop's sign is wrong.
"""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest

import nbtools

NAME = "lmutau.ipynb"
BUDGET_S = 150.0  # CPU seconds: NUTS compilation ~60 s, the 2048-point Table 2 scan, LHC and Fig. 4 sections

SMALL = "N_POINTS = 40\nN_SCAN = 2048\nNUTS_CHAINS = 2\nNUTS_WARMUP = 5\nNUTS_SAMPLES = 5\n"
POSTERIOR_KEYS = ("m_neutralino_1", "m_slepton_e", "m_slepton_mu", "M_Zp", "g_X")
# Reference posterior of fits/lmutau_posterior.toml (benchmarks/lmutau_posterior_reference.py, 5 x 2^20
# importance-weighted prior draws, benchmarks/results/lmutau_posterior_reference.jsonl): P(M_Z' > 210 MeV) and the
# 2.5 / 50 / 97.5 % quantiles of M_Z' (MeV)
REF_P_ABOVE_210MEV = 0.00215
REF_M_ZP_MEV = (12.28, 35.05, 143.21)


def test_notebook_structure_and_library_calls():
    nb, cells, _ = nbtools.load(NAME)
    nbtools.assert_clean(nb, cells)
    assert re.search(r"^N_POINTS = 300\b", cells[0], flags=re.MULTILINE)
    assert re.search(r"^N_SCAN = 262144\b", cells[0], flags=re.MULTILINE)
    assert re.search(r'^DATASET = "wp20_bnl"', cells[0], flags=re.MULTILINE)
    assert re.search(r"^NUTS_CHAINS = 4\b", cells[0], flags=re.MULTILINE)
    assert re.search(r"^NUTS_WARMUP = 500\b", cells[0], flags=re.MULTILINE)
    assert re.search(r"^NUTS_SAMPLES = 1000\b", cells[0], flags=re.MULTILINE)
    assert re.search(r"^NUTS_SPLIT = 0\.21\b", cells[0], flags=re.MULTILINE)
    assert re.search(r'^POSTERIOR_CONFIG = "fits/lmutau_posterior.toml"', cells[0], flags=re.MULTILINE)
    body = "\n".join(cells)
    # the physics comes from the library: no JAX, no re-implemented loop function
    for forbidden in ("import jax", "jnp.", "mpmath", "quad(", "qmc."):  # the scan is gm2jax.scan's, no hand Sobol loop
        assert forbidden not in body, forbidden
    for call in ("limits.gm2_band", "limits.limit_curve", "limits.allowed_band", "limits.coupling_for_amu",
                 "kinetic.epsilon_kinetic", "evaluate_points", "Problem(", "run_nuts_sectors(", "posterior_predictions(", "spec_from_config(", "point_function("):
        assert call in body, call


def test_notebook_runs_small(monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(nbtools.NOTEBOOKS)  # the notebook finds fits/ by walking up from the working directory
    _, cells, _ = nbtools.load(NAME)
    t0, c0 = time.perf_counter(), time.process_time()
    ns = nbtools.run_in_process(NAME, cells, monkeypatch, SMALL)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert cpu < BUDGET_S, f"notebook took {cpu:.1f} s of CPU time ({elapsed:.1f} s wall) at the small size"
    # Fig. 2: the Z'-only band and its cut by the limits (coarse 40-point grid)
    band = ns["band"]
    assert band["g_central"].shape == (40,)
    assert np.all(band["g_minus2sigma"] < band["g_minus1sigma"]) and np.all(band["g_minus1sigma"] < band["g_central"])
    assert np.all(band["g_central"] < band["g_plus1sigma"]) and np.all(band["g_plus1sigma"] < band["g_plus2sigma"])
    m_lo, m_hi, g_lo, g_hi = ns["fig2_ranges"][1]
    assert 5e-3 < m_lo < 12e-3 and 0.15 < m_hi < 0.25  # seed Table 2: 10 - 210 MeV
    assert 3.5e-4 < g_lo < 5e-4 and 1.0e-3 < g_hi < 1.4e-3  # seed Table 2: 3.76 - 10 x 1e-4
    assert 1.3 < ns["eps_ratio"] < 1.7  # sleptons add 2 x 1/4 of the lepton log (stau/smuon ~ m_tau/m_mu)
    # Table 2 scan: runs wherever the lmutau model is installed
    if not ns["have_model"]:
        pytest.skip("lmutau model not available: Table 2 section shows its placeholder")
    _check_table2_and_fig4(ns, n_min=2)
    _check_table3(ns)
    _check_posterior_structure(ns, draws=2 * 5)


def _check_table2_and_fig4(ns, n_min):
    """Seed 002 Table 2 and Fig. 4 from the notebook's scan, at half a unit of Table 2's last digits.

    The allowed points of any scan size are a subset of the allowed region, so each must satisfy the
    bounds the region satisfies.  Reproduced (asserted): chi1^0 < 400, selectron < 385 GeV, M_Z' 10 - 210
    MeV, g_X > 3.76e-4.  Not reproduced: smuon > 605 GeV without LHC limits (ours: down to 160 GeV),
    g_X < 10e-4 (ours up to 10.7e-4; the packaged COHERENT curve, tests/test_lmutau_limits.py).  With the
    user-supplied LHC limit (seed 000's flat 0.12 fb per generation, sigma(700 GeV) = 0.12 fb) every
    surviving smuon is heavier than 700 GeV (less one cell of the 61-point limit grid, 5 %): the cause of
    the seed's bound, demonstrated; 700 rather than 605 GeV because the seed's own ATLAS grids depend on
    the LSP mass.
    """
    t2 = ns["table2"]
    assert t2 is not None and t2["n_allowed"] >= n_min
    assert np.all(t2["chi2_a_e"] < 4.0) and np.all(t2["chi2_a_mu"] < 4.0)
    assert np.all(t2["m_neutralino_1"] < 400.5) and np.all(t2["m_selectron"] < 385.5)
    assert np.all((t2["M_Zp_MeV"] > 9.5) & (t2["M_Zp_MeV"] < 215.0)) and np.all(t2["g_X_1e4"] > 3.755)
    assert np.all(np.isin(t2["ewino_class"], [1, 2, 3, 4]))
    # seed sec. 2: mu < 0 makes the SUSY parts negative; the chargino part has the sign of mu M2 (< 0 here)
    # (the small scan's two points are chargino-dominated, |a_e^chi0| < 3e-14)
    assert np.all(t2["a_e_chargino"] < 0)
    # without LHC limits light smuons survive (the seed: > 605 GeV): at least one below, or none found at this size
    lhc = ns["table2_lhc"]
    assert lhc is not None and 0 < lhc["n_allowed"] <= t2["n_allowed"]
    assert np.all(lhc["m_smuon"] > 700.0 / 1.051)
    assert t2["m_smuon"].min() < 605.0 or t2["n_allowed"] == lhc["n_allowed"]
    # Fig. 4 (a-f): the same points, parameters inside the seed's scan ranges, B'-like LSPs with an NLSP gap
    f4 = ns["fig4"]
    assert f4 is not None and all(len(v) == t2["n_allowed"] for v in f4.values())
    for k in ("M1", "M2", "abs_mu"):
        assert np.all((f4[k] >= 100.0) & (f4[k] <= 1000.0)), k
    assert np.all((f4["tan_beta"] >= 10.0) & (f4["tan_beta"] <= 50.0))
    assert np.all(f4["ratio"] > 1.0)  # Fig. 4(e): smuons heavier than selectrons at every allowed point
    gap = f4["nlsp_gap"][f4["lsp_bprime"]]
    assert np.all(np.isfinite(gap) & (gap >= 0.0)) and np.all(np.isnan(f4["nlsp_gap"][~f4["lsp_bprime"]]))


def _check_table3(ns):
    """Seed 002 Table 3 benchmarks: a_e < 0 at all four (mu < 0, seed sec. 2) and, at BP4, neutralino-dominated.

    The seed (sec. 5) on BP4: the (g-2) requirements "are met entirely by a light Bino-like LSP and a very light
    selectron"; "entirely" read at its weakest, the neutralino part is more than half of a_e (measured 0.87:
    a_e = -1.60e-13, a_e^chi0 = -1.39e-13, soft = printed masses, A = 750 GeV; over A = 500 - 1000 GeV
    0.87 - 0.87).  The small scan's allowed points are chargino-dominated, so this is the check that fails when
    the sign of the neutralino loop is wrong (a_e^chi0 > 0 at BP4).
    """
    t3 = ns["table3"]
    assert t3 is not None and sorted(t3) == ["BP1", "BP2", "BP3", "BP4"]
    for bp, row in t3.items():
        assert row["status"] == 0 and row["a_e"] < 0.0, bp
        assert row["a_mu_zprime"] > 0.0, bp  # the Z' carries a_mu at every benchmark (M_Z' = 11 - 86 MeV)
    bp4 = t3["BP4"]
    assert bp4["a_e_neutralino"] < 0.0 and bp4["a_e_neutralino"] / bp4["a_e"] > 0.5


def _check_posterior_structure(ns, draws):
    """The posterior section's outputs: draws of the Table 2 quantities inside the priors, ordered intervals."""
    post, table = ns["posterior"], ns["posterior_table"]
    assert post is not None, "posterior section did not run"
    for k in POSTERIOR_KEYS:
        v = post[k]
        assert v.shape == (draws,) and np.all(np.isfinite(v)), k
        t = table[k]
        assert t["ci95"][0] <= t["ci90"][0] <= t["median"] <= t["ci90"][1] <= t["ci95"][1], k
        assert t["min"] <= t["ci95"][0] and t["ci95"][1] <= t["max"] and 0.0 <= t["p_seed_range"] <= 1.0, k
    # draws stay inside the log-uniform priors of fits/lmutau_posterior.toml (M_Z' 3 - 500 MeV, g_X 1 - 30 x 1e-4)
    assert np.all((post["M_Zp"] >= 3.0) & (post["M_Zp"] <= 500.0))
    assert np.all((post["g_X"] >= 1.0) & (post["g_X"] <= 30.0))
    # soft masses 100 GeV - 1 TeV; the physical sleptons lie within the D-term and L-R mixing shifts of them
    for k in ("m_slepton_e", "m_slepton_mu", "m_neutralino_1"):
        assert np.all((post[k] > 50.0) & (post[k] < 1100.0)), k
    assert np.all(np.isin(post["ewino_class"], [1, 2, 3, 4]))
    assert np.isfinite(post["max_r_hat"]) and 0 <= post["divergences"] <= draws


@pytest.mark.slow
def test_notebook_posterior_full_size(monkeypatch):
    """The notebook's full-size NUTS posterior (2 pieces of the M_Z' range x 4 chains x (500 + 1000))
    against an independent reference and against seed Table 2.

    Runs the whole notebook with the small Fig. 2 grid and Table 2 scan but the parameters cell's own
    NUTS sizes.  The measured numbers (in the notebook's comparison cell) are asserted with margins;
    the differences from Table 2 are asserted at their documented size.

    The large-M_Z' region is a sampling artefact, not posterior mass (issue 14).  A run of 4 chains
    started at the best fit gave max R-hat 1.146, 141 divergences and an M_Z' 95 % interval of
    12.2 - 389.6 MeV: one chain had wandered above 210 MeV and stayed.  Integrated directly
    (``benchmarks/lmutau_posterior_reference.py``: 5 x 2^20 exact prior draws weighted by the
    likelihood, ESS 1.8e5), M_Z' > 210 MeV holds P = 0.215 % of the posterior (its mean chi^2 there:
    a_mu 8.5, CCFR 2.8, BaBar 4 mu 1.6; below: 1.7, 1.7, 0), and the 95 % interval is 12.28 - 143.2
    MeV (block errors 0.03 and 0.3 MeV), inside Table 2's 10 - 210 MeV.  So Table 2's bound stands and
    the sampling was fixed: the M_Z' range is sampled in two pieces cut at 210 MeV (~2 m_mu, where
    BaBar's 4 mu search starts; ``gm2jax.sectors`` splits), each by its own chains, and the pieces are
    combined with their MBAR evidences.  Checked here against the reference: the upper piece's weight
    (within 4 MBAR block errors of ln Z) and the fractions of draws below the reference's 2.5 / 50 /
    97.5 % quantiles of M_Z' (within 4 standard errors sqrt(p (1 - p) / ESS), ESS = the smallest bulk
    ESS of the main piece's parameters).  R-hat is required (< 1.05) of every piece of weight >= 1 %:
    a piece of weight w moves any probability by at most w, however its chains mix.  Seed scatter of the
    same sector run (seeds 1 = the config's, 3, 7): upper-piece weight 0.236 / 0.211 / 0.214 %, M_Z'
    97.5 % quantile 146 / 138 / 130 MeV (reference 143.2), max R-hat of the main piece 1.003 / 1.003 / 1.001.
    Break-tested: with the log-uniform Jacobian of ``SubRange`` flipped, R-hat still passes (1.003) and the
    weight check fails (ln(w / w_ref) = -5.06).
    """
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(nbtools.NOTEBOOKS)
    _, cells, _ = nbtools.load(NAME)
    ns = nbtools.run_in_process(NAME, cells, monkeypatch, "N_POINTS = 40\nN_SCAN = 2048\n")
    if not ns["have_model"]:
        pytest.skip("lmutau model not available")
    _check_table2_and_fig4(ns, n_min=2)
    _check_table3(ns)
    _check_posterior_structure(ns, draws=4 * 1000)
    post, table, both = ns["posterior"], ns["posterior_table"], ns["posterior_table_both"]
    assert post["max_r_hat"] < 1.05  # measured 1.003 (the upper piece, weight 0.24 %: 1.045)
    assert post["divergences"] < 0.05 * 4000  # measured 11 in 8000 transitions (both pieces)
    # against the reference (importance-weighted prior draws, see the docstring)
    nuts = ns["nuts"]
    assert nuts.labels == ["M_Zp<0.21", "M_Zp>0.21"]
    assert abs(math.log(nuts.weights[1] / REF_P_ABOVE_210MEV)) < 4 * math.hypot(*nuts.log_evidence_err)
    ess = float(nuts.min_ess_bulk[0])
    for p, q in zip((0.025, 0.5, 0.975), REF_M_ZP_MEV, strict=True):
        assert abs(np.mean(post["M_Zp"] < q) - p) < 4 * math.sqrt(p * (1 - p) / ess), (p, q)
    # M_Z' is fixed by Delta a_mu and the Z' limits: the 95 % interval lies inside Table 2's 10 - 210 MeV
    # (measured 12.1 - 146.0 MeV; reference 12.3 - 143.2)
    lo, hi = table["M_Zp"]["ci95"]
    assert 10.0 < lo and hi < 210.0
    # g_X: measured 95 % interval 4.29 - 11.88 x 1e-4 (reference 4.37 - 12.06) vs Table 2's 3.76 - 10: the lower end agrees within 20 %,
    # the upper end lies up to 30 % above (weaker packaged COHERENT curve, light smuons offset by a larger g_X)
    lo, hi = table["g_X"]["ci95"]
    assert 3.76 < lo < 4.5 and 10.0 < hi < 13.0
    # documented difference: the posterior does not impose Delta a_e (a 2.4 sigma effect outweighed by prior
    # volume): measured 5.1 % of the draws explain both within 2 sigma (reference 5.09 %), selectron 95 % upper end 976 GeV
    assert 0.02 < post["frac_both"] < 0.15
    assert table["m_slepton_e"]["ci95"][1] > 385.0
    # draws meeting Table 2's criterion: selectron < 385 GeV and neutralino < 400 GeV at 95 %
    # (measured 247 and 315 GeV), M_Z' inside 10 - 210 MeV (measured 14.6 - 131.2 MeV)
    assert both["m_slepton_e"]["ci95"][1] < 385.0 and both["m_neutralino_1"]["ci95"][1] < 400.0
    assert 10.0 < both["M_Zp"]["ci95"][0] and both["M_Zp"]["ci95"][1] < 210.0
    # documented difference: no smuon lower bound at 605 GeV without the LHC recasts (measured min 312 GeV)
    assert both["m_slepton_mu"]["min"] < 605.0
