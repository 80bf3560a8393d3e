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

Figs. 1, 3 and 4 recomputed in the paper's convention (the tests after ``_paper_evaluator``):
a_l = a^chi0(g1 = sqrt(5/3) g') + k_c a^chi+-, with k_c the chargino normalisation that eqs.
(12)-(13) print at BP-1 (one factor for e and mu: 1.024 at GM2Calc couplings, 1.054 at pdg ones;
its cause is not identified), no tan(beta) resummation (the paper's one-loop formulas of
hep-ph/0103067).  Fig. 3 (smallest tan(beta) at 1 sigma, paper 20 / 15) and Fig. 4 (a_mu in 1 sigma
for m_H ~ 300-700 GeV, a_e in agreement) reproduce in that convention and not in gm2jax's; Fig. 1's
parameters are not printed in the text (not BP-1: at BP-1 the paper's own eq. (13) is inside
1 sigma at m_smuR = 2 TeV while Fig. 1 leaves the band above 1100 GeV), and reconstructing them in
the section's Fig. 2 parametrisation is consistent with the text in the paper's convention only.

Tolerances: the paper prints 4 digits (<= 1e-3 relative); gm2jax's two coupling schemes differ by
1-2% in the bino parts and 3% in the chargino parts, so paper-vs-gm2jax agreement is asserted to 2%
(bino) and the chargino parts to the 2-6% band of the schemes.
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize

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


# ------------------------------------------------------------------------------------------
# Figs. 1, 3, 4 in the paper's convention (GUT-normalised g1 in the bino couplings, chargino
# parts normalised to eqs. (12)-(13)) and in gm2jax's
# ------------------------------------------------------------------------------------------

GUT_G1 = float(np.sqrt(5.0 / 3.0))
#: eqs. (1)-(2): Delta a_e, sigma_e, Delta a_mu, sigma_mu
DELTA = {"e": (-8.8e-13, 3.6e-13), "mu": (2.74e-9, 0.73e-9)}
_CHUNK = 4096  # every batch padded to this size: one compilation per SM convention


@functools.cache
def _paper_evaluator(conv):
    """jit(vmap) of rows (tan_beta, mu, M1, M2, msl[3], mse[3]) -> (n, 3, 2) [gm2jax chi0, chi0 with
    g1 = sqrt(5/3) g', chi+-] x (e, mu), and the status of gm2jax's own evaluation."""
    sm = SMInputs.from_convention(conv)
    c = couplings(sm)
    c_gut = eqx.tree_at(lambda x: x.gY, c, c.gY * GUT_G1)

    def one(row):
        p = MSSMParams(tan_beta=row[0], mu=row[1], M1=row[2], M2=row[3], msl=row[4:7], mse=row[7:10], Ae=jnp.zeros(3))
        r = amu_1l_parts(p, sm, ("e", "mu"))
        gut = jnp.stack([amu_1l_neutralino(p, c_gut, lep, sm.lepton_mass(lep)) for lep in ("e", "mu")])
        return jnp.stack([r.neutralino, gut, r.chargino]), jnp.max(r.status)

    return jax.jit(jax.vmap(one))


def _evaluate(conv, rows):
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    f = _paper_evaluator(conv)
    out, status = [], []
    for i in range(0, len(rows), _CHUNK):
        chunk = rows[i : i + _CHUNK]
        pad = np.concatenate([chunk, np.repeat(chunk[-1:], _CHUNK - len(chunk), axis=0)])
        a, s = f(jnp.asarray(pad))
        out.append(np.asarray(a)[: len(chunk)])
        status.append(np.asarray(s)[: len(chunk)])
    out, status = np.concatenate(out), np.concatenate(status)
    assert (status == 0).all()
    return out


def _rows(tan_beta, mu, M1, M2, msl, mse):
    """Broadcast the inputs to rows (msl, mse: 3-tuples of scalars or arrays)."""
    cols = np.broadcast_arrays(tan_beta, mu, M1, M2, *msl, *mse)
    return np.stack([np.ravel(c) for c in cols], axis=-1)


@functools.cache
def _k_chargino(conv):
    """(k_e, k_mu): eqs. (12)-(13) chargino parts / ours at BP-1."""
    a = _evaluate(conv, _rows(BP1["tan_beta"], BP1["mu"], BP1["M1"], BP1["M2"], SLEPTONS["msl"], SLEPTONS["mse"]))[0]
    return PAPER["e"][1] / a[2, 0], PAPER["mu"][1] / a[2, 1]


def _pulls(conv, rows, paper):
    """R_l^SUSY (eq. (10)) for l = e, mu: the paper's convention (GUT g1, k_c) or gm2jax's; + the parts."""
    a = _evaluate(conv, rows)
    k = float(np.mean(_k_chargino(conv))) if paper else 1.0
    chi0, chic = (a[:, 1] if paper else a[:, 0]), k * a[:, 2]
    r = {lep: (chi0[:, i] + chic[:, i] - DELTA[lep][0]) / DELTA[lep][1] for i, lep in enumerate(("e", "mu"))}
    return r, chi0, chic


@pytest.mark.parametrize("conv", ["pdg", "gm2calc"])
def test_chargino_normalisation_is_one_factor(conv):
    """The paper's chargino parts are ours times one factor for e and mu (eqs. (12)-(13), BP-1).

    Tolerance: 0.981 and 4.193 are printed to half a unit of 1e-3 -> 5.1e-4 and 1.2e-4 relative.
    Measured k = 1.0244 / 1.0241 (GM2Calc couplings), 1.0545 / 1.0542 (pdg)."""
    k_e, k_mu = _k_chargino(conv)
    assert abs(k_e / k_mu - 1.0) <= 0.0005 / 0.981 + 0.0005 / 4.193
    assert (1.02 < k_e < 1.03) if conv == "gm2calc" else (1.05 < k_e < 1.06)


@pytest.mark.parametrize("conv", ["pdg", "gm2calc"])
def test_fig3_smallest_tan_beta_paper_convention(conv):
    """Fig. 3 (M2 = m_E1 = m_L1 = m_L2 = 110 GeV, M1 = -90 GeV, A = 0): smallest tan(beta) with a_e and
    a_mu both within 1 sigma; the paper: 20 (m_smuR = 5 M2) and 15 (20 M2).

    Measured on this grid (mu 400-2600 GeV step 20, tan(beta) 10-30 step 0.1), paper's convention |
    gm2jax's: 20.4 / 14.1 | 26.6 / 18.3 (GM2Calc couplings), 20.1 / 13.9 | 26.6 / 18.4 (pdg).
    Tolerance: half a unit of the printed integer (0.5) + the paper's figure-reading resolution, which
    its own Fig. 2 numbers show (M2 boundaries quoted to 10 GeV on a 300 GeV axis: 1/30 of an axis),
    on a tan(beta) axis of 5-60 (the range of Figs. 2-3 of the notebook) 1.8, + our grid step 0.1.
    Not asserted as a tolerance, the tip's shape: at tan(beta) = 15 (m_smuR = 20 M2) the 1 sigma
    overlap is only ~120 GeV wide in mu, so the tip of the region is hard to read off a contour plot.
    """
    tol = 0.5 + 55.0 / 30.0 + 0.1
    mu, tb = np.meshgrid(np.arange(400.0, 2600.1, 20.0), np.arange(10.0, 30.01, 0.1), indexing="ij")
    got = {}
    for r, paper in ((5.0, 20.0), (20.0, 15.0)):
        rows = _rows(tb, mu, -90.0, 110.0, (110.0, 110.0, 3000.0), (110.0, r * 110.0, 3000.0))
        for conv_paper in (True, False):
            pulls, _, _ = _pulls(conv, rows, conv_paper)
            both = (np.abs(pulls["e"]) < 1) & (np.abs(pulls["mu"]) < 1)
            assert both.any()
            tb_min = tb.ravel()[both].min()
            assert tb_min > 10.0 and mu.ravel()[both].min() > 400.0 and mu.ravel()[both].max() < 2600.0  # inside the grid
            got[r, conv_paper] = tb_min
        print(f"Fig. 3 m_smuR = {r:g} M2 ({conv}): paper {paper}, paper's convention {got[r, True]:.1f}, gm2jax {got[r, False]:.1f}")
        assert abs(got[r, True] - paper) <= tol
        # gm2jax's convention: its smaller bino parts need more L-R mixing (measured 26.6 / 18.4)
        assert got[r, False] - paper > tol
    ours = {"gm2calc": [26.6, 18.3], "pdg": [26.6, 18.4]}[conv]
    np.testing.assert_allclose([got[5.0, False], got[20.0, False]], ours, atol=0.05)


@pytest.mark.parametrize("conv", ["pdg", "gm2calc"])
def test_fig4_r_curves_vs_m_h_paper_convention(conv):
    """Fig. 4 (Higgs mediation: selectron, wino and bino soft masses 130 GeV, M1 = -130 GeV, mu = 800 GeV;
    smuon soft masses^2 = 130^2 + m_H^2, eq. (15); tan(beta) = 60, printed only above the plot, taken as
    in every other figure of the paper).  The paper: a_mu within 1 sigma "between about 300 and 700"
    GeV; a_e "in a good agreement with the experimental value".

    Measured (m_H step 1 GeV), paper's convention | gm2jax's: a_mu window 319-686 | 228-701 GeV
    (GM2Calc couplings), 321-686 | 238-681 (pdg); R_e = 0.14 | 1.32 (GM2Calc), 0.09 | 1.27 (pdg).
    Tolerance: "about 300", "700" printed to one significant digit: 50 GeV, + our grid step 1 GeV.
    """
    tol = 50.0 + 1.0
    m_h = np.arange(0.0, 1500.1, 1.0)
    m_smu = np.sqrt(130.0**2 + m_h**2)
    rows = _rows(60.0, 800.0, -130.0, 130.0, (130.0, m_smu, 3000.0), (130.0, m_smu, 3000.0))
    for conv_paper in (True, False):
        pulls, chi0, chic = _pulls(conv, rows, conv_paper)
        in1 = np.abs(pulls["mu"]) < 1
        lo, hi = m_h[in1].min(), m_h[in1].max()
        assert np.all(in1[(m_h >= lo) & (m_h <= hi)])  # one window
        print(f"Fig. 4 ({conv}, {'paper' if conv_paper else 'gm2jax'}): a_mu in 1 sigma for m_H = {lo:g}-{hi:g} GeV, R_e = {pulls['e'][0]:.2f}")
        np.testing.assert_allclose(pulls["e"], pulls["e"][0], rtol=1e-12)  # the selectrons do not depend on m_H
        if conv_paper:
            assert abs(lo - 300.0) <= tol and abs(hi - 700.0) <= tol
            assert abs(pulls["e"][0]) < 1.0
        else:
            # gm2jax's smaller bino-smuon part (negative) lets a_mu into the band at lighter smuons,
            # and its smaller bino-selectron part leaves a_e outside 1 sigma
            assert 300.0 - lo > tol and abs(hi - 700.0) <= tol
            assert pulls["e"][0] > 1.0
        # the bino part dominates a_mu at m_H = 0 (a_mu < 0), the chargino part in the window
        assert -chi0[0, 1] > chic[0, 1] and np.all(chic[in1, 1] > -chi0[in1, 1])


def _fig1_window_solution(conv, paper, lo=800.0, hi=1100.0):
    """(mu, M2) of the section's Fig. 2 parametrisation (M1 = -(M2 - 20 GeV), m_E1 = m_L1 = m_L2 = M2,
    tan(beta) = 60, A = 0) where R_mu = -1 at m_smuR = lo and +1 at hi; returns (mu, M2, R_e)."""

    def rows(x, m):
        return _rows(60.0, x[0], -(x[1] - 20.0), x[1], (x[1], x[1], 3000.0), (x[1], np.asarray(m), 3000.0))

    def eqs(x):
        r = _pulls(conv, rows(x, [lo, hi]), paper)[0]["mu"]
        return [r[0] + 1.0, r[1] - 1.0]

    sol, _, ier, msg = scipy.optimize.fsolve(eqs, [1200.0, 150.0], full_output=True)
    assert ier == 1, msg
    return sol[0], sol[1], float(_pulls(conv, rows(sol, [lo]), paper)[0]["e"][0])


@pytest.mark.parametrize("conv", ["pdg", "gm2calc"])
def test_fig1_window_not_bp1_and_reconstructed(conv):
    """Fig. 1: a_mu within 1 sigma for m_smuR ~ 800-1100 GeV, a_e "in a good agreement", "even a point"
    with both at their central values.  Its parameters are printed only above the plot.

    1. Not BP-1: at BP-1 R_mu rises monotonically with m_smuR, and eq. (13) (m_smuR = 2 TeV) is reproduced
       in the paper's convention (R_mu = -0.48 | -0.52 printed; tolerance: half a unit of 2.36e-9 plus
       2 % of the bino part, the residual of ``test_bp1_bino_gap_is_gut_normalised_g1``), so R_mu < 1 up
       to 2 TeV: a window closing at 1100 GeV is impossible there.  Measured windows at BP-1: paper's
       convention from 1560 GeV up, gm2jax's from 1284 GeV (pdg).
    2. Reconstructed: in the section's Fig. 2 parametrisation, the window 800-1100 GeV fixes (mu, M2);
       measured (mu, M2, R_e) = (1192, 151.1, -0.34) in the paper's convention (GM2Calc couplings; pdg
       (1184, 152.8, -0.28)): a_e within 1 sigma as the text says; in gm2jax's (1575, 121.4, -1.85)
       (pdg (1536, 120.6, -1.90)): outside, contradicting it.  Weak evidence: the window's printed edges
       (+-50 GeV) move R_e of the solution over -2.7 .. +0.9 (paper's convention) and -5.3 .. -0.05
       (gm2jax's), so neither is excluded by Fig. 1 alone (Figs. 3 and 4 are the discriminating checks).
    """
    m = np.arange(200.0, 3000.1, 10.0)
    bp1 = _rows(60.0, 1700.0, -180.0, 170.0, (200.0, 200.0, 2000.0), (200.0, m, 2000.0))
    at2000 = m == 2000.0
    for paper in (True, False):
        pulls, _, _ = _pulls(conv, bp1, paper)
        assert np.all(np.diff(pulls["mu"]) > 0)
        window = m[np.abs(pulls["mu"]) < 1]
        assert window.min() > 1100.0 and window.max() == m[-1]
        if paper:
            tol = (0.005e-9 + 0.02 * abs(PAPER["mu"][0])) / DELTA["mu"][1]
            assert abs(pulls["mu"][at2000][0] - (-0.52)) <= tol
            assert abs(pulls["e"][0] - 0.64) <= (0.005e-13 + 0.02 * abs(PAPER["e"][0])) / DELTA["e"][1]
    mu_p, m2_p, re_p = _fig1_window_solution(conv, True)
    mu_g, m2_g, re_g = _fig1_window_solution(conv, False)
    print(f"Fig. 1 ({conv}) window 800-1100 GeV: paper's convention mu = {mu_p:.0f}, M2 = {m2_p:.1f}, R_e = {re_p:.2f}; "
          f"gm2jax mu = {mu_g:.0f}, M2 = {m2_g:.1f}, R_e = {re_g:.2f}")
    assert abs(re_p) < 1.0 < abs(re_g)
    # the reconstructed point lies where Fig. 2 (left) puts both within 1 sigma: M2 < 180 GeV, mu ~ 1 TeV
    assert 100.0 < m2_p < 180.0 and 1000.0 / 1.5 < mu_p < 1500.0


def _higgs_rows(tan_beta, mu, M2, M1, m_sl, m_h):
    """Sec. 4 (eq. (15)): m_L1 = m_E1 = m_sl, smuon soft masses^2 = m_sl^2 + m_H^2, third generation decoupled."""
    m_smu = np.sqrt(np.asarray(m_sl) ** 2 + np.asarray(m_h) ** 2)
    return _rows(tan_beta, mu, M1, M2, (m_sl, m_smu, 3000.0), (m_sl, m_smu, 3000.0))


def _both_within_1(conv, rows, paper):
    pulls = _pulls(conv, rows, paper)[0]
    return (np.abs(pulls["e"]) < 1) & (np.abs(pulls["mu"]) < 1), (np.abs(pulls["e"]) < 2) & (np.abs(pulls["mu"]) < 2)


def test_fig5_and_higgs_mediation_tan_beta_paper_convention():
    """Fig. 5 and the text of Sec. 4 (tan(beta) = 60 unless scanned; GM2Calc couplings, whose chargino factor
    is the closest to 1; the pdg ones differ by < 2 % in k_c, test_chargino_normalisation_is_one_factor).

    Paper vs measured, paper's convention | gm2jax's:

    * Fig. 5 left (m_H = 700 GeV, M1 = -(M2 - 20 GeV), M2 = m_L = m_R): M2 max at 1 sigma [2 sigma] "150 (250)"
      GeV: 150 [244] | 124 [212]; mu at 1 sigma "around 400-800" GeV: 420-780 | 580-800.
      Tolerance: half a unit of the printed tens (5 GeV) + the grid step (2 GeV in M2); for mu one significant
      digit (50 GeV) + the grid step (20 GeV).
    * Fig. 5 right (M2 = m_L = m_R = 110 GeV, M1 = -90 GeV): m_H "below 1 TeV" at 1 sigma: 920 | 780 (both hold).
    * "even for the selectron and wino masses equal to 110 GeV, tan(beta) has to be above 40", read at Fig. 5's
      m_H = 700 GeV: smallest tan(beta) at 1 sigma 43 | 53.5.  Tolerance: half a unit of the one printed digit
      (5) + the figure-reading resolution of test_fig3 (1.8) + the grid step (0.5).
    """
    conv = "gm2calc"
    got = {}
    mu, m2 = (x.ravel() for x in np.meshgrid(np.arange(100.0, 2000.1, 20.0), np.arange(100.0, 400.1, 2.0), indexing="ij"))
    for paper in (True, False):
        b1, b2 = _both_within_1(conv, _higgs_rows(60.0, mu, m2, -(m2 - 20.0), m2, 700.0), paper)
        got[paper, "5l"] = (m2[b1].max(), m2[b2].max(), mu[b1].min(), mu[b1].max())
    mu, mh = (x.ravel() for x in np.meshgrid(np.arange(100.0, 2000.1, 20.0), np.arange(100.0, 2000.1, 20.0), indexing="ij"))
    for paper in (True, False):
        b1, _ = _both_within_1(conv, _higgs_rows(60.0, mu, 110.0, -90.0, 110.0, mh), paper)
        got[paper, "5r"] = mh[b1].max()
    mu, tb = (x.ravel() for x in np.meshgrid(np.arange(100.0, 2000.1, 10.0), np.arange(20.0, 60.1, 0.5), indexing="ij"))
    for paper in (True, False):
        b1, _ = _both_within_1(conv, _higgs_rows(tb, mu, 110.0, -90.0, 110.0, 700.0), paper)
        got[paper, "tb"] = tb[b1].min()
    print("Sec. 4 / Fig. 5 (paper's convention, gm2jax's):", {k: v for k, v in got.items()})
    m2_1, m2_2, mu_lo, mu_hi = got[True, "5l"]
    assert abs(m2_1 - 150.0) <= 5.0 + 2.0 and abs(m2_2 - 250.0) <= 5.0 + 2.0
    assert abs(mu_lo - 400.0) <= 50.0 + 20.0 and abs(mu_hi - 800.0) <= 50.0 + 20.0
    assert got[True, "5r"] < 1000.0 and got[False, "5r"] < 1000.0
    assert abs(got[True, "tb"] - 40.0) <= 5.0 + 1.8 + 0.5
    # gm2jax's convention misses the M2 reach, the lower end of mu and the tan(beta) bound
    m2_1, m2_2, mu_lo, _ = got[False, "5l"]
    assert 150.0 - m2_1 > 5.0 + 2.0 and 250.0 - m2_2 > 5.0 + 2.0 and mu_lo - 400.0 > 50.0 + 20.0
    assert got[False, "tb"] - 40.0 > 5.0 + 1.8 + 0.5
