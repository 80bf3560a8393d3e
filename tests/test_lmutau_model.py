"""Physics of the supersymmetric U(1)_{L_mu-L_tau} model (seed 002 = arXiv:2011.05083, secs. 2-5)."""

import importlib
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax import loops
from gm2jax.errors import PhysicsError, Status
from gm2jax.models.lmutau import LmutauParams, classify, tree_spectrum
from gm2jax.models.lmutau import spectrum as sp
from gm2jax.models.mssm import MSSMParams, amu_1l_parts
from gm2jax.models.mssm import spectrum as msp
from gm2jax.sm import SMInputs, couplings

amu_mod = importlib.import_module("gm2jax.models.lmutau.amu")

SM = SMInputs.from_convention("pdg")
C = couplings(SM)

# arXiv:2011.05083 Table 3: M0, M1, M2, |mu| (GeV), tan(beta); neutralinos 1-5 and charginos
# 1-2 (GeV); selectron, smuon (GeV), M_Z' (MeV), g_X/1e-4.  mu < 0 (sec. 2), M10 = 0.
TABLE3 = {
    "BP1": (606, 781, 180, 223, 27, (149, 233, 261, 606, 783), (151, 269), 170, 845, 27, 8.26),
    "BP2": (991, 192, 244, 911, 35, (192, 243, 915, 917, 991), (243, 918), 201, 773, 86, 9.74),
    "BP3": (490, 156, 977, 223, 45, (146, 228, 231, 490, 984), (222, 984), 169, 647, 17, 7.91),
    "BP4": (184, 140, 953, 758, 23, (139, 184, 746, 761, 969), (746, 969), 160, 731, 11, 7.09),
}
# sec. 4 ordering class of each BP (sec. 5 calls BP4 "heavy wino heavy higgsino", but its
# M1 < |mu| < M2 is class 3 of sec. 4)
TABLE3_CLASS = {"BP1": 1, "BP2": 2, "BP3": 3, "BP4": 3}


def bp_params(name, **kw):
    M0, M1, M2, mu, tb, _, _, mse, msm, mz, gx = TABLE3[name]
    # the table gives physical selectron/smuon masses, not the soft ones: used as soft masses
    # (L = R) only for the printed a_l; stau = 17.8 x smuon (sec. 2)
    m = MSSMParams(float(tb), -float(mu), float(M1), float(M2), [mse, msm, 17.8 * msm], [mse, msm, 17.8 * msm])
    args = dict(M0=float(M0), g_X=gx * 1e-4, M_Zp=mz * 1e-3)
    args.update(kw)
    return LmutauParams(m, **args)


def generic(**kw):
    m = MSSMParams(40.0, -400.0, 150.0, 300.0, [200.0, 700.0, 3000.0], [250.0, 650.0, 2800.0], [100.0, 200.0, 300.0])
    args = dict(M0=350.0, M10=30.0, g_X=0.3, M_Zp=0.05, tan_gamma=1.7, mu_eta=900.0, g_YX=0.0)
    args.update(kw)
    return LmutauParams(m, **args)


@pytest.mark.parametrize("name", sorted(TABLE3))
def test_table3_masses(name):
    """Table 3: neutralino and chargino masses within 1 GeV (they follow from M0, M1, M2, mu, tan(beta))."""
    p = bp_params(name)
    s = tree_spectrum(p, C, "mu", SM.m_mu)
    neut, cha = TABLE3[name][5], TABLE3[name][6]
    got_n = np.asarray(s.m_neutralino[:5])
    got_c = np.asarray(s.m_chargino)
    r = amu_mod.amu_parts(p, SM, ("e", "mu"))
    print(f"\n{name}: neutralinos {np.round(got_n, 2)} (table {neut}); charginos {np.round(got_c, 2)} (table {cha})")
    print(f"  eta states {np.round(np.asarray(s.m_neutralino[5:]), 2)} GeV (mu_eta = 4 TeV, sec. 4)")
    print(
        f"  not determined by the table's inputs (L/R soft masses, A unknown; soft = table mass): "
        f"a_e = {float(r.total[0]):.3e}, a_mu = {float(r.total[1]):.3e} (Z' {float(r.zprime[1]):.3e})"
    )
    np.testing.assert_allclose(got_n, neut, atol=1.0)
    np.testing.assert_allclose(got_c, cha, atol=1.0)
    comp = classify.lsp_composition(p, C)
    assert int(classify.electroweakino_class(p.M1, p.M2, p.mu)) == TABLE3_CLASS[name]
    assert float(comp["m_neutralino_1"]) == pytest.approx(got_n[0], rel=1e-12, abs=0)
    assert int(comp["lsp_bprime"]) == 0  # the B' is never the LSP in Table 3 (its mass M0 > M1)


def test_classes_cover_all_orderings():
    """Sec. 4: the six orderings of |M1|, |M2|, |mu| fall into classes 1-4."""
    cases = {(1, 2, 3): 2, (1, 3, 2): 3, (2, 1, 3): 1, (3, 1, 2): 1, (2, 3, 1): 4, (3, 2, 1): 4}
    for (a, b, m), cls in cases.items():
        assert int(classify.electroweakino_class(100.0 * a, 100.0 * b, -100.0 * m)) == cls


def test_bprime_lsp_flag():
    p = generic(M0=80.0, M10=0.0)
    comp = classify.lsp_composition(p, C)
    assert int(comp["lsp_bprime"]) == 1
    assert classify.LSP_TYPES[int(comp["lsp_type"])] == "bprime"
    assert float(comp["m_neutralino_1"]) == pytest.approx(80.0, abs=1e-3)


def test_neutralino_matrix_structure():
    """Upper-left 4x4 block = MSSM matrix exactly; decoupled for M10 = g_YX = 0; B'-eta entries."""
    p = generic(M10=0.0)
    m7 = np.asarray(sp.neutralino_matrix(p, C))
    np.testing.assert_array_equal(m7[:4, :4], np.asarray(msp.neutralino_matrix(p.mssm, C)))
    np.testing.assert_array_equal(m7[:4, 4:], 0.0)
    np.testing.assert_array_equal(m7, m7.T)
    ve, vb = (float(v) for v in sp.eta_vevs(p))
    assert float(p.g_X) ** 2 * (ve**2 + vb**2) == pytest.approx(float(p.M_Zp) ** 2, rel=1e-14, abs=0)
    assert ve / vb == pytest.approx(float(p.tan_gamma), rel=1e-14, abs=0)
    assert m7[4, 5] == pytest.approx(-float(p.g_X) * ve, rel=1e-14, abs=0)  # g_X Q_X(eta) v_eta
    assert m7[4, 6] == pytest.approx(float(p.g_X) * vb, rel=1e-14, abs=0)  # g_X Q_X(eta-bar) v_etabar
    assert m7[5, 6] == -float(p.mu_eta) and m7[5, 5] == 0.0 and m7[4, 4] == float(p.M0)
    # kinetic mixing column (eq. 2.3): -g_YX v_d/2, +g_YX v_u/2
    q = np.asarray(sp.neutralino_matrix(generic(g_YX=0.1), C))
    cb = 1.0 / math.sqrt(1.0 + 40.0**2)
    assert q[2, 4] == pytest.approx(-0.05 * float(C.v) * cb, rel=1e-13, abs=0)
    assert q[3, 4] == pytest.approx(0.05 * float(C.v) * 40.0 * cb, rel=1e-13, abs=0)
    # Takagi masses = |eigenvalues|; with M_Z' -> 0 the B' mass is M0 and the eta pair +-mu_eta
    s = tree_spectrum(generic(M10=0.0, M_Zp=0.0), C, "mu", SM.m_mu)
    w = np.sort(np.abs(np.linalg.eigvalsh(m7)))
    np.testing.assert_allclose(np.asarray(tree_spectrum(p, C, "mu", SM.m_mu).m_neutralino), w, rtol=1e-12)
    assert np.min(np.abs(np.asarray(s.m_neutralino) - 350.0)) < 1e-9
    assert np.sum(np.abs(np.asarray(s.m_neutralino) - 900.0) < 1e-9) == 2


def test_zprime_dterms():
    """Sleptons/sneutrinos get Q_X D_X, D_X = M_Z'^2 cos(2 gamma)/2; l~_R has Q_X(E^c) = -Q_X(L)."""
    p = generic()
    tg = float(p.tan_gamma)
    d = 0.5 * float(p.M_Zp) ** 2 * (1 - tg**2) / (1 + tg**2)
    for lep, q in (("e", 0), ("mu", 1), ("tau", -1)):
        m_l = SM.lepton_mass(lep)
        diff = np.asarray(sp.slepton_matrix(p, C, lep, m_l)) - np.asarray(msp.slepton_matrix(p.mssm, C, lep, m_l))
        np.testing.assert_allclose(diff, np.diag([q * d, -q * d]), atol=1e-9)
        dsn = float(sp.sneutrino_mass2(p, C, lep)) - float(msp.sneutrino_mass2(p.mssm, C, lep))
        assert dsn == pytest.approx(q * d, abs=1e-9)


@pytest.mark.parametrize("resummation", [None, "exact"])
def test_mssm_limit(resummation):
    """g_X = 0, M10 = g_YX = 0, D_X = 0: neutralino and chargino parts = MSSM amu_1l_parts to 1e-12."""
    p = generic(g_X=0.0, M10=0.0, tan_gamma=1.0)
    leps = ("e", "mu", "tau")
    r = amu_mod.amu_parts(p, SM, leps, resummation=resummation)
    ref = amu_1l_parts(p.mssm, SM, leps, resummation=resummation)
    assert np.all(np.asarray(r.status) == 0)
    for part in ("neutralino", "chargino"):
        a, b = np.asarray(getattr(r, part)), np.asarray(getattr(ref, part))
        rel = np.max(np.abs(a - b) / np.abs(b))
        print(f"\nMSSM limit ({resummation}) {part}: max relative residual {rel:.2e}")
        assert rel < 1e-12
    np.testing.assert_array_equal(np.asarray(r.zprime), 0.0)
    np.testing.assert_array_equal(np.asarray(r.delta), np.asarray(ref.delta))


def test_electron_has_no_bprime_contribution():
    """a_e does not depend on g_X, M_Z', tan(gamma), M0 (M10 = g_YX = 0): it is the MSSM value."""
    base = amu_1l_parts(generic().mssm, SM, "e")
    for kw in (dict(), dict(g_X=0.9, M_Zp=0.3), dict(M0=120.0, tan_gamma=0.2), dict(g_X=0.0)):
        r = amu_mod.amu_parts(generic(M10=0.0, **kw), SM, "e")
        assert float(r.zprime) == 0.0
        assert float(r.total) == pytest.approx(float(base.total), rel=1e-12, abs=0)
    # with B-B' mass mixing the B' reaches the electron only through the bino admixture
    r = amu_mod.amu_parts(generic(M10=30.0), SM, "e")
    assert float(r.total) != pytest.approx(float(base.total), rel=1e-9, abs=0)


def test_bprime_loop_matches_direct_formula():
    """M10 = 0, M_Z' = 0: the B' is a mass eigenstate (mass M0) with n^L = -sqrt2 g_X Q U_L,
    n^R = +sqrt2 g_X Q U_R; its loop, evaluated directly with F1N/F2N, is the g_X-dependent part."""
    for lep, q in (("mu", 1.0), ("tau", -1.0)):
        gx = 0.4
        p = generic(M10=0.0, M_Zp=0.0, g_X=gx)
        p0 = generic(M10=0.0, M_Zp=0.0, g_X=0.0)
        m_l = SM.lepton_mass(lep)
        diff = float(amu_mod.amu_parts(p, SM, lep).neutralino) - float(amu_mod.amu_parts(p0, SM, lep).neutralino)
        w, v = np.linalg.eigh(np.asarray(sp.slepton_matrix(p, C, lep, m_l)))
        M0 = float(p.M0)
        direct = 0.0
        for m in range(2):
            uL, uR = v[0, m], v[1, m]
            nl, nr = -math.sqrt(2) * gx * q * uL, math.sqrt(2) * gx * q * uR
            x = M0**2 / w[m]
            direct += -(nl**2 + nr**2) * float(loops.F1N(x)) / (12 * w[m])
            direct += -M0 * 2 * nl * nr * float(loops.F2N(x)) / (6 * m_l * w[m])
        direct *= m_l**2 / (16 * math.pi**2)
        print(f"\nB' loop {lep}: {diff:.6e} vs direct {direct:.6e}")
        assert diff == pytest.approx(direct, rel=1e-9, abs=0)


def test_gx_to_zero_limit():
    """g_X -> 0: the B' part vanishes like g_X^2 and the Z' loop like g_X^2 (M10 = 0)."""
    p0 = amu_mod.amu_parts(generic(M10=0.0, g_X=0.0), SM, "mu")
    r1 = amu_mod.amu_parts(generic(M10=0.0, g_X=1e-2), SM, "mu")
    r2 = amu_mod.amu_parts(generic(M10=0.0, g_X=2e-2), SM, "mu")
    d1 = float(r1.neutralino) - float(p0.neutralino)
    d2 = float(r2.neutralino) - float(p0.neutralino)
    assert d2 / d1 == pytest.approx(4.0, rel=1e-3, abs=0)
    assert float(r2.zprime) / float(r1.zprime) == pytest.approx(4.0, rel=1e-12, abs=0)
    assert float(p0.zprime) == 0.0
    assert float(r1.chargino) == pytest.approx(float(p0.chargino), rel=1e-12, abs=0)


def test_zprime_part_is_the_loop_function():
    p = generic()
    for lep in ("mu", "tau"):
        r = amu_mod.amu_parts(p, SM, lep)
        ref = float(loops.amu_zprime(float(p.g_X), float(p.M_Zp), SM.lepton_mass(lep)))
        assert float(r.zprime) == pytest.approx(ref, rel=1e-14, abs=0) and ref > 0


NAMES = ("tan_beta", "mu", "M1", "M2", "M0", "M10", "g_X", "M_Zp", "mL2", "mE2", "mu_eta")


def _amu_of(x, rest):
    """(a_e, a_mu, a_tau) as a function of the parameter vector x (order NAMES)."""
    d = dict(zip(NAMES, x))
    msl, mse, ae, tan_gamma, g_yx = rest
    mssm = MSSMParams(d["tan_beta"], d["mu"], d["M1"], d["M2"], msl.at[1].set(d["mL2"]), mse.at[1].set(d["mE2"]), ae)
    p = LmutauParams(mssm, M0=d["M0"], M10=d["M10"], g_X=d["g_X"], M_Zp=d["M_Zp"],
                     tan_gamma=tan_gamma, mu_eta=d["mu_eta"], g_YX=g_yx)
    return amu_mod.amu_parts(p, SM, ("e", "mu", "tau")).total


_AMU = jax.jit(_amu_of)
_JAC = jax.jit(jax.jacfwd(_amu_of))
_GRAD_MU = jax.jit(jax.grad(lambda x, rest: _amu_of(x, rest)[1]))


def _split(p):
    m = p.mssm
    vals = dict(tan_beta=m.tan_beta, mu=m.mu, M1=m.M1, M2=m.M2, M0=p.M0, M10=p.M10, g_X=p.g_X,
                M_Zp=p.M_Zp, mL2=m.msl[1], mE2=m.mse[1], mu_eta=p.mu_eta)
    x0 = jnp.asarray([float(vals[n]) for n in NAMES])
    rest = tuple(jnp.asarray(v) for v in (m.msl, m.mse, m.Ae, p.tan_gamma, p.g_YX))
    return x0, rest


GRADIENT_POINTS = [
    ("generic", generic()),
    # B' exactly degenerate with the eta-like state (M0 = mu_eta, tiny B'-eta mixing)
    ("M0=mu_eta", generic(M0=900.0, M10=0.0, M_Zp=1e-3)),
    # B' degenerate with the higgsinos (M0 = |mu|), mixed through M10
    ("M0=|mu|", generic(M0=400.0, M10=5.0)),
]


@pytest.mark.parametrize("label,point", GRADIENT_POINTS)
def test_gradient_vs_finite_differences(label, point):
    """jax.jacfwd of (a_e, a_mu, a_tau) vs central finite differences (float64)."""
    x0, rest = _split(point)
    jac = np.asarray(_JAC(x0, rest))
    assert np.all(np.isfinite(jac))
    fd = np.zeros_like(jac)
    for j in range(len(NAMES)):
        h = 1e-4 * max(abs(float(x0[j])), 1e-3 if NAMES[j] in ("g_X", "M_Zp") else 1.0)
        e = jnp.zeros_like(x0).at[j].set(h)
        fd[:, j] = (np.asarray(_AMU(x0 + e, rest)) - np.asarray(_AMU(x0 - e, rest))) / (2 * h)
    scale = np.max(np.abs(fd), axis=1, keepdims=True)
    err = np.max(np.abs(jac - fd) / scale)
    print(f"\ngradient {label}: max |AD - FD| / max|FD| per lepton = {err:.2e}")
    assert err < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("label,point", GRADIENT_POINTS)
def test_reverse_mode_matches_forward(label, point):
    """jax.grad (reverse mode, custom-JVP transposition) = jacfwd for a_mu."""
    x0, rest = _split(point)
    g = np.asarray(_GRAD_MU(x0, rest))
    j = np.asarray(_JAC(x0, rest))[1]
    np.testing.assert_allclose(g, j, rtol=1e-9, atol=1e-12 * np.max(np.abs(j)))


def test_status_on_tachyonic_slepton():
    """A tachyonic smuon flags TACHYON_SLEPTON (NaN value, finite gradient); throw=True raises."""
    m = MSSMParams(50.0, -3000.0, 150.0, 300.0, [300.0, 110.0, 3000.0], [300.0, 100.0, 2800.0])
    p = LmutauParams(m, M0=350.0, g_X=8e-4, M_Zp=0.05)
    r = amu_mod.amu_parts(p, SM, ("e", "mu"))
    st = np.asarray(r.status)
    assert st[1] & int(Status.TACHYON_SLEPTON) and st[0] == 0
    assert np.isnan(float(r.total[1])) and np.isfinite(float(r.total[0]))

    def f(g_x):
        return jnp.nan_to_num(amu_mod.amu_parts(LmutauParams(m, M0=350.0, g_X=g_x, M_Zp=0.05), SM, "mu").total)

    assert np.isfinite(float(jax.grad(f)(8e-4)))
    with pytest.raises(PhysicsError, match="slepton"):
        amu_mod.amu(p, SM, "mu")
    bad = amu_mod.amu_parts(generic(g_X=-1.0), SM, "mu")
    assert int(bad.status) & int(Status.INVALID_PARAMETER)
    assert np.isnan(float(bad.total))


def test_public_amu_doc_point():
    """The BP1-like example: a_e < 0 (mu < 0), positive Z' part for the muon only."""
    r = amu_mod.amu(bp_params("BP1"), lepton=("e", "mu", "tau"))
    assert float(r.total[0]) < 0 and float(r.zprime[0]) == 0.0
    assert float(r.zprime[1]) > 0 and float(r.zprime[2]) > 0
    total = np.asarray(r.neutralino + r.chargino + r.zprime)
    np.testing.assert_allclose(np.asarray(r.total), total, rtol=1e-15)
