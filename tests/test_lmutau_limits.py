"""Z' limits as likelihood terms, the (g-2)_mu band, kinetic mixing and LHC recast grids (issue 5, items 3-5).

* every packaged limit curve: chi^2 equals the CL quantile on the curve (3.84 at 95% CL,
  2.71 at 90% CL), scales like (g/g_lim)^(2k), is exactly 0 outside its mass range (also for
  M <= 0), and has finite gradients at, inside and outside the range edges;
* the band where the Z' alone explains Delta a_mu = 2.79(76)e-9 (wp20_bnl, seed 002 Fig. 2),
  cut by the limits, compared with seed 002 Table 2 (M_Z' 10-210 MeV, g_X 3.76-10 x 1e-4);
* the radiative kinetic mixing against its closed form at q^2 = 0 and mpmath at q^2 < 0;
* user-supplied LHC grids (a synthetic toy grid written here; no real numbers).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest

from gm2jax.errors import InvalidInput
from gm2jax.likelihood import Likelihood
from gm2jax.models.lmutau import kinetic, lhc, limits
from gm2jax.sm import _load_conventions, alpha_0

_PDG = _load_conventions()["pdg"]
M_MU = float(_PDG["m_mu"]["value"])
M_TAU = float(_PDG["m_tau"]["value"])
NAMES = ("ccfr", "borexino", "babar_4mu", "coherent", "cms_z4mu", "belle2_invisible", "bbn")


@pytest.fixture(scope="module")
def terms():
    return {name: f(("e", "mu")) for name, f in limits.zprime_constraints().items()}


def _pred(m, g, **kw):
    return {"M_Zp": jnp.asarray(m, dtype=jnp.float64), "g_X": jnp.asarray(g, dtype=jnp.float64), **kw}


def test_registry_names_and_metadata(terms):
    assert tuple(terms) == NAMES
    for name, t in terms.items():
        assert t.name == name
        info = limits.CURVES[name]
        assert t.q == pytest.approx({0.95: 3.841458820694124, 0.90: 2.705543454095404}[info.cl], rel=1e-12)
        c = limits.limit_curve(name)
        assert c["reference"] and c["header"] and c["raw"].shape[1] == 2
        assert t.mass_range == pytest.approx((c["mass_GeV"][0], c["mass_GeV"][-1]), rel=1e-14)
        # the single-valued curve is the minimum over equal masses of the raw rows
        raw = c["raw"]
        assert np.all(c["g_X"] <= np.array([raw[raw[:, 0] == m, 1].max() for m in c["mass_GeV"]]))
    assert limits.CURVES["babar_4mu"].cl == 0.90 and limits.CURVES["ccfr"].cl == 0.95
    assert limits.CURVES["borexino"].kinetic and limits.CURVES["coherent"].kinetic


@pytest.mark.parametrize("name", NAMES)
def test_chi2_on_curve_scaling_and_range(terms, name):
    with jax.enable_x64(True):
        t = terms[name]
        c = limits.limit_curve(name)
        m, g = c["mass_GeV"], c["g_X"]
        lo, hi = np.log(m[0]), np.log(m[-1])
        # interior knots (away from the 2% edge tapers): the interpolant passes through the data
        inner = np.where((np.log(m) > lo + 2 * limits.DEFAULT_TAPER) & (np.log(m) < hi - 2 * limits.DEFAULT_TAPER))[0]
        pick = inner[np.linspace(0, len(inner) - 1, min(6, len(inner))).astype(int)]
        chi2 = jax.jit(lambda p: t.chi2(p))
        k = t.power
        for i in pick:
            assert float(jnp.exp(t.log_g_limit(jnp.log(m[i])))) == pytest.approx(g[i], rel=1e-12)
            assert float(chi2(_pred(m[i], g[i]))) == pytest.approx(t.q, rel=1e-10)
            for f in (0.5, 2.0, 10.0):
                assert float(chi2(_pred(m[i], f * g[i]))) == pytest.approx(t.q * f ** (2 * k), rel=1e-10)
        # between knots: chi2 = q exactly on the interpolated curve, and monotone in g
        mid = np.sqrt(m[pick[0]] * m[pick[0] + 1])
        gl = float(jnp.exp(t.log_g_limit(jnp.log(mid))))
        assert min(g[pick[0]], g[pick[0] + 1]) * 0.999 <= gl <= max(g[pick[0]], g[pick[0] + 1]) * 1.001  # no overshoot
        assert float(chi2(_pred(mid, gl))) == pytest.approx(t.q, rel=1e-10)
        # exactly neutral outside the range, also for M = 0, M < 0 and g = 0
        for mm in (m[0] * 0.999, m[-1] * 1.001, 0.0, -1.0, 1e-9, 1e9):
            v = chi2(_pred(mm, 0.1))
            assert float(v) == 0.0
        assert float(chi2(_pred(m[inner[0]], 0.0))) == 0.0
        # gradients finite at, just inside and outside both edges, and inside
        grad = jax.jit(jax.grad(lambda mm, gg: t.chi2(_pred(mm, gg)), argnums=(0, 1)))
        for mm in (m[0], m[-1], m[0] * (1 + 1e-3), m[-1] * (1 - 1e-3), m[0] * 0.99, m[-1] * 1.01, 0.0, -1.0, mid):
            dm, dg = grad(jnp.asarray(mm), jnp.asarray(gl))
            assert np.isfinite(float(dm)) and np.isfinite(float(dg))
        # gradient vs central finite differences inside (between knots)
        dm, dg = grad(jnp.asarray(mid), jnp.asarray(gl))
        h = 1e-6
        fd_g = (float(chi2(_pred(mid, gl * (1 + h)))) - float(chi2(_pred(mid, gl * (1 - h))))) / (2 * h * gl)
        fd_m = (float(chi2(_pred(mid * (1 + h), gl))) - float(chi2(_pred(mid * (1 - h), gl)))) / (2 * h * mid)
        assert float(dg) == pytest.approx(fd_g, rel=1e-6)
        assert float(dg) == pytest.approx(2 * k * t.q / gl, rel=1e-9)
        assert float(dm) == pytest.approx(fd_m, rel=1e-5, abs=1e-6 * abs(float(dg)) * gl / mid)


def test_edge_taper_is_continuous(terms):
    """The C^1 switch-on S(t) = t^2(3 - 2t) over 2% in M inside the edge makes chi2 continuous in M."""
    t = terms["ccfr"]
    c = limits.limit_curve("ccfr")
    hard = limits.ZprimeLimit.from_curve(c["mass_GeV"], c["g_X"], name="ccfr", cl=0.95, power=2, taper=0.0)
    lo, tau, g = t.mass_range[0], limits.DEFAULT_TAPER, 1e-3
    assert float(t.chi2(_pred(lo * 0.999, g))) == 0.0 == float(hard.chi2(_pred(lo * 0.999, g)))
    assert float(t.chi2(_pred(lo, g))) == 0.0 < float(hard.chi2(_pred(lo, g)))
    for frac in (0.005, 0.25, 0.5, 0.9):
        m = lo * math.exp(frac * tau)
        s = frac**2 * (3 - 2 * frac)
        assert float(t.chi2(_pred(m, g))) == pytest.approx(s * float(hard.chi2(_pred(m, g))), rel=1e-9)
    m = lo * math.exp(1.5 * tau)
    assert float(t.chi2(_pred(m, g))) == float(hard.chi2(_pred(m, g)))
    # hard edge: chi2 jumps to 0 just outside; the tapered term's slope in M vanishes at the edge
    d = jax.grad(lambda mm: t.chi2(_pred(mm, g)))(jnp.asarray(lo * (1 + 1e-12)))
    assert abs(float(d) * lo) < 1e-6 * float(hard.chi2(_pred(lo, g)))  # d chi2/d ln M ~ 6 t/tau -> 0


def test_kinetic_limits_use_eps(terms):
    """Borexino/COHERENT: chi2 = Q (g eps/(kappa0 g_lim^2))^2; eps = kappa0 g gives the plain curve."""
    for name in ("borexino", "coherent"):
        t = terms[name]
        m = math.sqrt(t.mass_range[0] * t.mass_range[1])
        g = float(jnp.exp(t.log_g_limit(jnp.log(m))))
        eps0 = kinetic.KAPPA_LEPTON * g
        base = float(t.chi2(_pred(m, g)))
        assert base == pytest.approx(t.q, rel=1e-10)
        assert float(t.chi2(_pred(m, g, eps_kin=jnp.asarray(eps0)))) == pytest.approx(base, rel=1e-12)
        assert float(t.chi2(_pred(m, g, eps_kin=jnp.asarray(2 * eps0)))) == pytest.approx(4 * base, rel=1e-12)
        deps = jax.grad(lambda e: t.chi2(_pred(m, g, eps_kin=e)))(jnp.asarray(eps0))
        assert float(deps) == pytest.approx(2 * base / eps0, rel=1e-9)
    # the non-kinetic limits ignore eps_kin
    t = terms["ccfr"]
    assert float(t.chi2(_pred(0.1, 1e-3, eps_kin=jnp.asarray(1.0)))) == float(t.chi2(_pred(0.1, 1e-3)))


def test_terms_in_likelihood_and_vmap(terms):
    lik = Likelihood(terms=tuple(terms.values()))
    pred = _pred(0.05, 6e-4, eps_kin=jnp.asarray(kinetic.KAPPA_LEPTON * 6e-4), status=jnp.asarray(0))
    parts = lik.chi2_parts(pred)
    total = float(lik.chi2(pred))
    assert total == pytest.approx(sum(float(v) for v in parts.values()), rel=1e-12)
    assert float(parts["cms_z4mu"]) == 0.0 and float(parts["bbn"]) == 0.0  # out of range
    ms = jnp.logspace(-4, 2, 101)
    v, g = jax.jit(jax.vmap(jax.value_and_grad(lambda m: lik.chi2(_pred(m, 1e-3)))))(ms)
    assert np.all(np.isfinite(v)) and np.all(np.isfinite(g)) and np.all(np.asarray(v) >= 0)


def test_bad_curve_input():
    with pytest.raises(InvalidInput):
        limits.limit_curve("na64mu")
    with pytest.raises(InvalidInput):
        limits.ZprimeLimit.from_curve([1.0, 2.0], [1e-3, -1.0], name="x", cl=0.95, power=2)
    with pytest.raises(InvalidInput):
        limits.ZprimeLimit.from_curve([1.0, 2.0], [1e-3, 1e-3], name="x", cl=0.95, power=3)
    with pytest.raises(InvalidInput):
        limits.allowed_band([0.1], nsigma=3)


# ------------------------------------------------------------------------------------------------
# the Delta a_mu band (seed 002 Fig. 2 and Table 2)
# ------------------------------------------------------------------------------------------------


def test_band_cut_by_limits_vs_table2():
    """Allowed (M_Z', g_X) where the Z' alone gives Delta a_mu = 2.79(76)e-9 within 1/2 sigma.

    Measured here (CCFR, Borexino, BaBar, COHERENT, BBN as packaged):
    1 sigma: M_Z' ~ 7.6 - 203 MeV, g_X ~ (4.4 - 13.0) x 1e-4;
    2 sigma: M_Z' ~ 5.8 - 268 MeV, g_X ~ (3.4 - 13.5) x 1e-4.
    Seed 002 Table 2 (full model, both g-2, its own COHERENT CsI+Ar likelihood [54]):
    M_Z' 10 - 210 MeV, g_X (3.76 - 10) x 1e-4.  The upper mass edge (CCFR meets the band) agrees
    at 1 sigma to 4%; the packaged COHERENT curve is weaker than the seed's CsI+Ar analysis, which
    is why our largest allowed g_X (at M ~ 0.2 GeV, 1.3e-3) exceeds the seed's 1.0e-3, and our
    lower mass edge (Borexino) is at 7.6 MeV, not 10 MeV.
    """
    m = np.geomspace(1e-3, 1.0, 400)
    edges = {}
    for ns in (1, 2):
        a = limits.allowed_band(m, "wp20_bnl", nsigma=ns)
        # the main connected allowed interval (the one containing 0.1 GeV); the jagged BaBar
        # digitisation leaves a few isolated allowed masses above it at 2 sigma (printed)
        i0 = int(np.searchsorted(m, 0.1))
        assert a["allowed"][i0]
        lo_i, hi_i = i0, i0
        while lo_i > 0 and a["allowed"][lo_i - 1]:
            lo_i -= 1
        while hi_i < m.size - 1 and a["allowed"][hi_i + 1]:
            hi_i += 1
        ok = np.zeros(m.size, dtype=bool)
        ok[lo_i : hi_i + 1] = True
        islands = m[a["allowed"] & ~ok]
        print(f"{ns} sigma: isolated allowed masses outside the main interval [GeV]: {np.round(islands, 3)}")
        assert np.all(islands > m[hi_i])  # only above the CCFR/BaBar edge
        edges[ns] = (m[ok].min(), m[ok].max(), a["g_low"][ok].min(), a["g_max"][ok].max())
        print(f"{ns} sigma: M_Z' {1e3 * edges[ns][0]:.1f}-{1e3 * edges[ns][1]:.1f} MeV, "
              f"g_X {1e4 * edges[ns][2]:.2f}-{1e4 * edges[ns][3]:.2f} x 1e-4")
    m_lo, m_hi, _, g_hi = edges[1]
    # Table 2 prints M_Z' 10 - 210 MeV and g_X (3.76 - 10) x 1e-4 without the sigma level of "explain":
    # every edge must lie between our 1 and 2 sigma edges, widened by half a unit of its last digit
    half = {"m_lo": 0.5e-3, "m_hi": 5e-3, "g_lo": 0.005e-4, "g_hi": 0.5e-4}
    paper = {"m_lo": 10e-3, "m_hi": 210e-3, "g_lo": 3.76e-4, "g_hi": 10e-4}
    br = {k: sorted((edges[1][i], edges[2][i])) for i, k in enumerate(("m_lo", "m_hi", "g_lo", "g_hi"))}
    inside = {k: br[k][0] - half[k] <= paper[k] <= br[k][1] + half[k] for k in paper}
    print("Table 2 edge inside our [1 sigma, 2 sigma] bracket:", inside)
    assert inside["m_hi"] and inside["g_lo"]  # CCFR meets the band; the band's lower edge
    # not reproduced: the lower mass edge (Borexino as packaged allows 7.6 MeV at 1 sigma) and g_X max
    assert not inside["m_lo"] and m_lo < paper["m_lo"] and not inside["g_hi"] and g_hi > paper["g_hi"]
    # ... and the g_X one is explained by a limit cutting the band above ~1e-3 near 200 MeV (the seed's
    # COHERENT CsI+Ar likelihood; ours is weaker): the seed's largest g_X is the Z'-only band's lower
    # 2 sigma edge at the seed's largest M_Z'
    b210 = limits.gm2_band(np.array([paper["m_hi"]]), "wp20_bnl")
    assert abs(float(b210["g_minus2sigma"][0]) - paper["g_hi"]) <= half["g_hi"]
    assert edges[2][0] < m_lo and edges[2][1] > m_hi
    # at 10, 100, 200 MeV: the band itself is the packaged file's, the cut is the strongest limit
    f = limits.gm2_band_file("wp20_bnl")
    pts = np.array([0.01, 0.1, 0.2])
    a = limits.allowed_band(pts, "wp20_bnl", nsigma=2)
    for key, col in (("g_low", "g_minus2sigma"), ("g_high", "g_plus2sigma")):
        ref = np.exp(np.interp(np.log(pts), np.log(f["mass_GeV"]), np.log(f[col])))
        np.testing.assert_allclose(a[key], ref, rtol=2e-3)  # log-log interpolation of the 162-point file
    for mm, lo_, mx in zip(pts, a["g_low"], a["g_max"]):
        print(f"M_Z' = {1e3 * mm:.0f} MeV: 2 sigma band g_X in [{lo_:.3e}, {mx:.3e}] after limits")
    assert np.all(a["allowed"])
    assert np.all(a["g_max"] < a["g_high"])  # every one of the three is cut by a limit


def test_gm2_band_gradient():
    """gm2_band is jnp and differentiable in M: g ~ M at large M (g^2 m^2/(12 pi^2 M^2) = Delta)."""
    with jax.enable_x64(True):
        d = jax.grad(lambda m: limits.gm2_band(m)["g_central"])(jnp.asarray(50.0))
        g = float(limits.gm2_band(50.0)["g_central"])
        h = 1e-4
        fd = (float(limits.gm2_band(50.0 + h)["g_central"]) - float(limits.gm2_band(50.0 - h)["g_central"])) / (2 * h)
    assert float(d) == pytest.approx(fd, rel=1e-8)
    assert float(d) == pytest.approx(g / 50.0, rel=1e-3)  # g ~ M up to O(ln r/r) = 1e-4


# ------------------------------------------------------------------------------------------------
# kinetic mixing
# ------------------------------------------------------------------------------------------------


def _eps_mp(g, q2, pairs):
    """Direct mpmath integration of the polarisation integrals (module docstring of kinetic)."""
    with mp.workdps(30):
        e = mp.sqrt(4 * mp.pi * mp.mpf(alpha_0()))
        q2 = mp.mpf(q2)
        tot = mp.mpf(0)
        for kind, ml, mh in pairs:
            w = (lambda x: x * (1 - x)) if kind == "f" else (lambda x: (1 - 2 * x) ** 2)
            pref = 1 / (2 * mp.pi**2) if kind == "f" else 1 / (16 * mp.pi**2)
            f = lambda x: w(x) * mp.log((mh**2 - x * (1 - x) * q2) / (ml**2 - x * (1 - x) * q2))  # noqa: E731
            tot += pref * mp.quad(f, [0, mp.mpf("1e-6"), mp.mpf("1e-3"), 0.5, 1 - mp.mpf("1e-3"), 1 - mp.mpf("1e-6"), 1])
        return float(e * g * tot)


def test_kinetic_mixing_closed_form_and_sleptons():
    e = math.sqrt(4 * math.pi * alpha_0())
    lep = e * math.log(M_TAU**2 / M_MU**2) / (12 * math.pi**2)
    assert float(kinetic.epsilon_kinetic(1.0, M_MU, M_TAU)) == pytest.approx(lep, rel=1e-14)
    assert kinetic.KAPPA_LEPTON == pytest.approx(lep, rel=1e-14)
    assert 1 / lep == pytest.approx(69.3, abs=0.05)  # the quoted "eps ~ g/70"
    # a complex scalar carries 1/4 of a Dirac fermion's log: stau/smuon = m_tau/m_mu in both
    # chiralities adds 2 x 1/4 of the lepton part (seed 002 footnote 2: ratio 17.8 ~ m_tau/m_mu)
    r = M_TAU / M_MU
    eps = float(kinetic.epsilon_kinetic(1e-3, M_MU, M_TAU, 600.0, 700.0, 600.0 * r, 700.0 * r))
    assert eps == pytest.approx(1.5 * 1e-3 * lep, rel=1e-13)
    # degenerate sleptons: no slepton contribution; only L given: 1/4
    assert float(kinetic.epsilon_kinetic(1e-3, M_MU, M_TAU, 500.0, None, 500.0, None)) == pytest.approx(1e-3 * lep, rel=1e-14)
    assert float(kinetic.epsilon_kinetic(1e-3, M_MU, M_TAU, 500.0, None, 500.0 * r, None)) == pytest.approx(1.25e-3 * lep, rel=1e-13)
    # the mild (logarithmic) dependence on the stau/smuon ratio noted in seed 002 section 3
    e10 = float(kinetic.epsilon_kinetic(1e-3, M_MU, M_TAU, 500.0, 500.0, 5000.0, 5000.0))
    e30 = float(kinetic.epsilon_kinetic(1e-3, M_MU, M_TAU, 500.0, 500.0, 15000.0, 15000.0))
    assert e30 - e10 == pytest.approx(1e-3 * e * 2 * math.log(9.0) / (48 * math.pi**2), rel=1e-12)
    # gradients: linear in g_X; d eps/d ln m_stau_L = e g/(24 pi^2)
    d = jax.grad(lambda m: kinetic.epsilon_kinetic(1e-3, M_MU, M_TAU, 500.0, None, m, None))(jnp.asarray(5000.0))
    assert float(d) * 5000.0 == pytest.approx(1e-3 * e / (24 * math.pi**2), rel=1e-12)


@pytest.mark.parametrize("q2", [-1e-6, -1e-3, -0.01, -0.3, -10.0, -1e4])
def test_kinetic_mixing_momentum_dependence(q2):
    got = float(kinetic.epsilon_kinetic(1e-3, M_MU, M_TAU, 300.0, 400.0, 900.0, 1000.0, q2=q2))
    ref = _eps_mp(1e-3, q2, [("f", M_MU, M_TAU), ("s", 300.0, 900.0), ("s", 400.0, 1000.0)])
    assert got == pytest.approx(ref, rel=1e-10)


def test_kinetic_mixing_q2_limits_and_errors():
    e0 = float(kinetic.epsilon_kinetic(1.0, M_MU, M_TAU))
    # |q^2| >> m_tau^2: the logs cancel, eps -> 0 like (m_tau^2/|q^2|) ln(|q^2|/m_tau^2)
    assert abs(float(kinetic.epsilon_kinetic(1.0, M_MU, M_TAU, q2=-1e6))) < 1e-4 * e0
    # q^2 -> 0 continuity across the series switch and a finite gradient at q^2 = 0
    a = float(kinetic.epsilon_kinetic(1.0, M_MU, M_TAU, q2=-0.05 * M_MU**2 * (1 - 1e-9)))
    b = float(kinetic.epsilon_kinetic(1.0, M_MU, M_TAU, q2=-0.05 * M_MU**2 * (1 + 1e-9)))
    assert a == pytest.approx(b, rel=1e-12)
    with jax.enable_x64(True):
        dq = jax.grad(lambda q: kinetic.epsilon_kinetic(1.0, M_MU, M_TAU, q2=q))(jnp.asarray(0.0))
    # d eps/d q2 at 0 = e g/(2 pi^2) (1/30)(1/m_mu^2 - 1/m_tau^2)   (J1(a) = a/30 + ...)
    e = math.sqrt(4 * math.pi * alpha_0())
    assert float(dq) == pytest.approx(e / (2 * math.pi**2) / 30 * (1 / M_MU**2 - 1 / M_TAU**2), rel=1e-10)
    with pytest.raises(InvalidInput, match="q2"):
        kinetic.epsilon_kinetic(1.0, M_MU, M_TAU, q2=0.1)
    with pytest.raises(InvalidInput, match="m_tau"):
        kinetic.epsilon_kinetic(1.0, M_MU, -1.0)
    with pytest.raises(InvalidInput, match="m_stau_R"):
        kinetic.epsilon_kinetic(1.0, M_MU, M_TAU, None, 500.0, None, None)


# ------------------------------------------------------------------------------------------------
# LHC recasts from user grids (synthetic toy numbers, invented for the test only)
# ------------------------------------------------------------------------------------------------

TOY_MP = [200.0, 300.0, 400.0, 500.0]
TOY_ML = [1.0, 100.0, 200.0]


def _toy_limit(mp_, ml_):
    return 10.0 * (mp_ / 200.0) ** -1.5 * (1.0 + ml_ / 300.0)


def _toy_xsec(mp_):
    return 1000.0 * (mp_ / 200.0) ** -4


@pytest.fixture()
def toy_files(tmp_path):
    grid = tmp_path / "toy_grid.csv"
    rows = ["# synthetic toy grid for tests (NOT a real analysis)", "# cl: 0.95", ",".join(lhc.GRID_COLUMNS)]
    for b in TOY_ML[::-1]:  # any order
        for a in TOY_MP:
            s = "nan" if b >= a else f"{_toy_limit(a, b):.12g}"
            rows.append(f"{a},{b},{s}")
    grid.write_text("\n".join(rows) + "\n")
    xs = tmp_path / "toy_xsec.csv"
    xs.write_text("# synthetic\n" + ",".join(lhc.XSEC_COLUMNS) + "\n" + "\n".join(f"{a},{_toy_xsec(a):.12g}" for a in (150.0, *TOY_MP, 600.0)) + "\n")
    return grid, xs


def test_lhc_grid_loading_and_chi2(toy_files):
    grid_path, xs_path = toy_files
    grid = lhc.load_limit_grid(grid_path)
    assert grid.cl == 0.95 and grid.sigma_limit.shape == (4, 3)
    assert np.isnan(grid.sigma_limit[0, 2])  # 200 GeV parent, 200 GeV LSP: no limit
    term = lhc.LHCRecast.from_files("toy", grid_path, xs_path, parent_key="m_c1", lsp_key="m_n1", factor_key="br")
    q = limits.quantile(0.95)
    chi2 = jax.jit(lambda p: term.chi2(p))
    for a in TOY_MP:
        for b in TOY_ML:
            if b < a:
                p = {"m_c1": jnp.asarray(a), "m_n1": jnp.asarray(b), "br": jnp.asarray(0.5)}
                assert float(chi2(p)) == pytest.approx(q * 0.5 * _toy_xsec(a) / _toy_limit(a, b), rel=1e-9)
    # bilinear in logs between grid points: exact for a power law in m_parent at fixed m_lsp
    a, b = math.sqrt(300.0 * 400.0), 1.0
    p = {"m_c1": jnp.asarray(a), "m_n1": jnp.asarray(b), "br": jnp.asarray(1.0)}
    assert float(chi2(p)) == pytest.approx(q * _toy_xsec(a) / _toy_limit(a, b), rel=1e-3)
    # "no limit" cells fade out; outside the grid exactly 0
    p = {"m_c1": jnp.asarray(200.0), "m_n1": jnp.asarray(200.0), "br": jnp.asarray(1.0)}
    weakest = np.nanmax(grid.sigma_limit) * lhc.NO_LIMIT_FACTOR
    assert float(chi2(p)) == pytest.approx(q * _toy_xsec(200.0) / weakest, rel=1e-9)  # ~3e-4: negligible
    for mc, mn in ((150.0, 1.0), (600.0, 1.0), (300.0, 0.5), (300.0, 250.0), (0.0, 1.0), (-5.0, -5.0)):
        assert float(chi2({"m_c1": jnp.asarray(mc), "m_n1": jnp.asarray(mn), "br": jnp.asarray(1.0)})) == 0.0
    # finite gradients everywhere, equal to finite differences inside a cell
    grad = jax.jit(jax.grad(lambda mc, mn: term.chi2({"m_c1": mc, "m_n1": mn, "br": jnp.asarray(1.0)}), argnums=(0, 1)))
    for mc, mn in ((250.0, 50.0), (200.0, 1.0), (500.0, 200.0), (150.0, 1.0), (0.0, 0.0)):
        assert all(np.isfinite(float(x)) for x in grad(jnp.asarray(mc), jnp.asarray(mn)))
    dmc, dmn = grad(jnp.asarray(250.0), jnp.asarray(50.0))
    f = lambda mc, mn: float(chi2({"m_c1": jnp.asarray(mc), "m_n1": jnp.asarray(mn), "br": jnp.asarray(1.0)}))  # noqa: E731
    h = 1e-4
    assert float(dmc) == pytest.approx((f(250 + h, 50) - f(250 - h, 50)) / (2 * h), rel=1e-6)
    assert float(dmn) == pytest.approx((f(250, 50 + h) - f(250, 50 - h)) / (2 * h), rel=1e-6)
    # as a model constraint factory
    make = lhc.recast_factory("toy", grid_path, xs_path, parent_key="m_c1", lsp_key="m_n1")
    assert make(("e", "mu")).name == "toy"


def test_lhc_file_format_errors(tmp_path, toy_files):
    grid_path, xs_path = toy_files
    bad = tmp_path / "bad.csv"
    bad.write_text("m_parent,m_lsp,limit\n1,2,3\n")
    with pytest.raises(InvalidInput, match="header"):
        lhc.load_limit_grid(bad)
    lines = grid_path.read_text().splitlines()
    bad.write_text("\n".join(lines[:-1]) + "\n")  # drop one point: not rectangular
    with pytest.raises(InvalidInput, match="rectangular"):
        lhc.load_limit_grid(bad)
    bad.write_text("\n".join(lines + [lines[-1]]) + "\n")
    with pytest.raises(InvalidInput, match="duplicate"):
        lhc.load_limit_grid(bad)
    bad.write_text("m_parent_GeV,sigma_fb\n100,1\n200,-1\n")
    with pytest.raises(InvalidInput, match="sigma"):
        lhc.load_cross_sections(bad)
    with pytest.raises(InvalidInput, match="no such file"):
        lhc.load_limit_grid(tmp_path / "missing.csv")
