"""Threshold corrections Delta_l, the resummed a_l and the QED factor against seed 001.

Seed 001 = Endo & Yin, arXiv:1906.08768.  Everything is evaluated with ``resummation="exact"``
(Delta_l from the tree-level spectrum, y_l -> y_l/(1+Delta_l)) and the leading-log QED factor
1 - delta_QED of :mod:`gm2jax.models.mssm.qed` (M_SUSY = lighter slepton, alpha(0)).

(a) Table 1.  The paper prints its inputs to two significant digits (TeV) and its outputs to
    two (one for a_mu(I)).  Tolerance of each comparison, stated and justified::

        tol = sigma_round + |pdg - gm2calc| + print

    * sigma_round = sum_i |d q/d x_i| h_i, the linear (autodiff, jax.grad) propagation of the
      rounding half-widths h_i = 50 GeV of M1, M2 and the four slepton masses (tan(beta) = 70 and
      mu = -100/-500 TeV are round inputs, taken exact);
    * |pdg - gm2calc|: the spread between our two coupling conventions (MS-bar alpha-hat(MZ),
      sin^2 theta-hat vs on-shell alpha(MZ), MW/MZ): ~2 % of Delta (g_Y^2 differs by 1.9 %);
    * print: half a unit of the last printed digit.

    The second scheme is GM2Calc 2.3.1 itself (its resummed a_l and Delta_l for these points in the
    shared reference data, times our QED factor at its lighter resummed slepton mass); it equals
    our ``"gm2calc"``-convention ``resummation="exact"`` result to <= 2e-6 relative here (saves a
    second compilation).
    Measured (ours-pdg / GM2Calc / paper, tol):   [printed by the test with ``-s``]
      I : Delta_e  -0.970 / -0.951 / -0.97  (0.074)   Delta_mu -0.265 / -0.260 / -0.23 (0.024)
          a_mu -1.16e-10 / -1.13e-10 / -0.1e-9 (5.1e-11)
      II: Delta_e  -1.022 / -1.003 / -0.99  (0.067)   Delta_mu -22.84 / -22.42 / -23   (2.5)
          a_mu  3.18e-9 /  3.19e-9 /  3.1e-9  (3.5e-10)
    Delta_mu(I) is the one miss: 0.035 off for a budget of 0.024 (15 % relative).  Neither the
    mass-insertion formula (-0.284) nor the conventions explain it; the paper runs its parameters
    to the slepton scale, which we do not.  That comparison is a strict xfail (it will start
    failing loudly if the discrepancy is ever explained) plus a 15 % check.

    Delta_e is not in that budget test: its budget (0.07) exceeds |1 + Delta_e| and could not tell
    the side of the pole.  test_table1_side_of_the_pole_at_printed_inputs asserts Delta_e and a_e at
    the printed inputs with tol = scheme + print (0.024): point I on the paper's side (a_e -6.5e-13
    vs -8.8e-13, within the pole-amplified budget); point II on the other side in both schemes
    (a_e = +2.2e-13), the rounding of the inputs being the demonstrated cause (b).

(b) a_e sits at |1 + Delta_e| ~ 0.03 (I) and 0.02 (II): d ln|a_e| / d ln m_selectron ~ -53 (I)
    and +80 (II) (jax.grad), so a 2 % change of the selectron masses flips the sign of a_e.  A
    Gauss-Newton least-squares solve (optimistix) on r = a_paper/a_e - 1 (smooth through the pole)
    with masses m = m_printed + 50 GeV tanh(z) (strictly inside the rounding box) gives, pdg:
      I : msl_e = 2388.50, mse_e = 2288.41 GeV -> a_e = -8.80e-13 (1 + Delta_e = 0.0225);
      II: 1 + Delta_e < 0 on the whole selectron box (a_e > 0, opposite to the paper), so the
          selectron masses alone cannot do it; with M1 free in its own rounding interval too:
          M1 = 1458.80, msl_e = 6018.56, mse_e = 6018.57 GeV -> a_e = -7.30e-13 (1+Delta_e = 0.0065).
    (In GM2Calc's convention, 1 + Delta_e = -0.003 at the printed point II: there the selectron
    masses alone would suffice -- the scheme decides, which is the point of (b).)

(c) Across 1 + Delta_e = 0 (mu through -1.03e5 GeV with point I's masses and through -4.89e5 GeV
    with point II's, tan(beta) = 70, 1 + Delta_e from -0.1 to 0.1): values and jax.grad
    (in mu and in the selectron mass) are finite and agree with 5-point central finite differences
    to <= 1e-5 relative wherever the point is physical.  Note the physics: for
    |1 + Delta_e| < m_e |mu| tan(beta)/(m_L m_R) ~ 7e-4 (I), 5e-4 (II) the resummed L-R mixing
    makes a selectron tachyonic, so a thin window around the pole is flagged TACHYON_SLEPTON; the
    exact pole comes back flagged YUKAWA_POLE; both with finite gradients.  (Inside
    |1 + Delta_e| < m_e/(|mu| tan(beta)) ~ 1e-10 the diagonal (m_e/(1+Delta_e))^2 wins again and
    the point is not flagged, though meaningless: amu_1l_parts' pole threshold is 1e-12.)  The tachyonic smuon of seed 001 Fig. 1
    is a TACHYON_SLEPTON status (the amplitude is NaN by the library's masking convention,
    gradients finite), not an unflagged NaN.

(d) delta_bino_mia (seed 001 eq. 2.2) vs the full Delta_l: their relative difference falls like
    ln(mu^2/m^2)/mu^2 (the higgsino-gaugino pieces), below 2e-4 for |mu| >= 1e6 GeV.

Test-time economy (2 shared cores): one jit-compiled value_and_grad of all four outputs serves
(a)-(c); the solver reaches it through a callback, so its own compilation is tiny; XLA's
optimisation level is lowered for these test compilations only (numerics unchanged to rounding).
"""

from __future__ import annotations

import functools
import json
import pathlib

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.errors import Status
from gm2jax.models.mssm import MSSMParams
from gm2jax.models.mssm.qed import amu_1l_qed_parts, delta_qed, qed_factor, susy_scale
from gm2jax.models.mssm.threshold import delta_bino_mia, delta_lepton
from gm2jax.sm import SMInputs, couplings

# x = (tan_beta, mu, M1, M2, msl_e, mse_e, msl_mu, mse_mu, m_tau-generation soft mass), GeV
POINTS = {
    "I": np.array([70.0, -1.0e5, 1500.0, 1000.0, 2400.0, 2300.0, 5000.0, 5000.0, 5000.0]),
    "II": np.array([70.0, -5.0e5, 1500.0, 600.0, 6000.0, 6000.0, 700.0, 700.0, 20000.0]),
}
HALF = np.array([0.0, 0.0, 50.0, 50.0, 50.0, 50.0, 50.0, 50.0, 0.0])
OUT = ("a_e", "a_mu", "delta_e", "delta_mu")
PAPER = {
    "I": {"delta_e": -0.97, "delta_mu": -0.23, "a_e": -8.8e-13, "a_mu": -0.1e-9},
    "II": {"delta_e": -0.99, "delta_mu": -23.0, "a_e": -7.3e-13, "a_mu": 3.1e-9},
}
PRINT = {  # half a unit of the last printed digit
    "I": {"delta_e": 0.005, "delta_mu": 0.005, "a_mu": 0.05e-9},
    "II": {"delta_e": 0.005, "delta_mu": 0.5, "a_mu": 0.05e-9},
}
REFERENCE = pathlib.Path(__file__).parent / "data" / "gm2calc_public.json"
FAST = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}
E, MU = "e", "mu"


def _params(x):
    msl = jnp.stack([x[4], x[6], x[8]])
    mse = jnp.stack([x[5], x[7], x[8]])
    return MSSMParams(x[0], x[1], x[2], x[3], msl, mse)


def _outputs(x, sm):
    r = amu_1l_qed_parts(_params(x), sm, (E, MU), resummation="exact")
    return jnp.concatenate([r.total, r.delta]), r.status


@functools.cache
def _sm(conv):
    return SMInputs.from_convention(conv)


@functools.cache
def _vg(conv):
    """Compiled x, w -> ((w . out, (out, status)), grad_x(w . out)) for convention ``conv``."""
    sm = _sm(conv)

    def f(x, w):
        def scalar(x):
            out, status = _outputs(x, sm)
            return out @ w, (out, status)

        return jax.value_and_grad(scalar, has_aux=True)(x)

    x0, w0 = np.zeros(9), np.zeros(4)
    return jax.jit(f).lower(x0, w0).compile(FAST)


def _onehot(name):
    w = np.zeros(4)
    w[OUT.index(name)] = 1.0
    return w


def evaluate(x, wrt="a_e"):
    """(outputs dict, status (2,), gradient of output ``wrt``), pdg convention."""
    (_, (out, status)), grad = _vg("pdg")(np.asarray(x, dtype=float), _onehot(wrt))
    return dict(zip(OUT, np.asarray(out))), np.asarray(status), np.asarray(grad)


@functools.cache
def _gm2calc(point):
    """GM2Calc 2.3.1's own numbers for the point (shared reference data), times our QED factor."""
    recs = {r["id"]: r for r in json.loads(REFERENCE.read_text())}
    sm = _sm("gm2calc")
    out = {}
    for lep, m_l in ((E, sm.m_e), (MU, sm.m_mu)):
        rec = recs[f"EY-{point}_{lep}"]
        m_light = rec["masses"]["MSl_res"][0]
        out[f"a_{lep}"] = rec["outputs"]["amu1L_res"] * float(qed_factor(m_light, m_l))
        out[f"delta_{lep}"] = rec["outputs"]["delta_lepton"]
    return out


def fd5(f, x, i, h):
    """5-point central finite difference of scalar f along coordinate i."""

    def at(k):
        y = np.array(x, dtype=float)
        y[i] += k * h
        return f(y)

    return (at(-2) - 8 * at(-1) + 8 * at(1) - at(2)) / (12 * h)


# ------------------------------------------------------------------------------------------
# QED factor
# ------------------------------------------------------------------------------------------


def test_qed_factor_formula_and_scale():
    m_mu = _sm("pdg").m_mu
    # (4 alpha/pi) ln(M/m) with alpha(0)
    assert np.isclose(
        float(delta_qed(1000.0, m_mu)), 4 / 137.035999177 / np.pi * np.log(1000.0 / m_mu), rtol=1e-9
    )
    assert float(qed_factor(m_mu, m_mu)) == 1.0
    # default M_SUSY = the lighter resummed smuon: GM2Calc's for point II is 565.19 GeV
    rec = {r["id"]: r for r in json.loads(REFERENCE.read_text())}["EY-II_mu"]
    p, sm = _params(POINTS["II"]), _sm("gm2calc")
    m_light = float(susy_scale(p, sm, MU, "light_slepton", rec["outputs"]["delta_lepton"]))
    assert abs(m_light / rec["masses"]["MSl_res"][0] - 1.0) < 1e-9
    m_geo = float(susy_scale(p, sm, MU, "geometric", rec["outputs"]["delta_lepton"]))
    assert abs(m_geo**2 / np.prod(rec["masses"]["MSl_res"]) - 1.0) < 1e-9
    assert float(susy_scale(p, sm, MU, 1234.0)) == 1234.0
    # a tachyonic point gets a finite stand-in scale (its amplitude is flagged anyway)
    q = _params(np.array([70.0, -1e5, 1500.0, 1000.0, 2400.0, 2300.0, 2400.0, 2300.0, 5000.0]))
    assert float(susy_scale(q, sm, MU, "light_slepton", -0.97)) == 1000.0


# ------------------------------------------------------------------------------------------
# (a) Table 1
# ------------------------------------------------------------------------------------------


def _budget(point, name):
    x = POINTS[point]
    ours, _, grad = evaluate(x, wrt=name)
    other = _gm2calc(point)
    sigma_round = float(np.abs(grad) @ HALF)
    scheme = abs(ours[name] - other[name])
    tol = sigma_round + scheme + PRINT[point][name]
    print(
        f"\n[{point}] {name:9s} ours(pdg) {ours[name]: .4g}  GM2Calc {other[name]: .4g}  "
        f"paper {PAPER[point][name]: .3g}  |diff| {abs(ours[name] - PAPER[point][name]):.3g}  "
        f"tol {tol:.3g} (round {sigma_round:.2g} + scheme {scheme:.2g} "
        f"+ print {PRINT[point][name]:.2g})"
    )
    return ours[name], tol


CASES = [
    pytest.param(
        "I",
        "delta_mu",
        marks=pytest.mark.xfail(
            strict=True,
            reason="known: Delta_mu(I) -0.265 vs paper -0.23, outside rounding+scheme (module doc)",
        ),
    ),
    ("I", "a_mu"),
    ("II", "delta_mu"),
    ("II", "a_mu"),
]


@pytest.mark.parametrize(("point", "name"), CASES)
def test_table1_within_rounding_and_scheme(point, name):
    ours, tol = _budget(point, name)
    assert abs(ours - PAPER[point][name]) <= tol


def test_table1_side_of_the_pole_at_printed_inputs():
    """Delta_e and a_e of Table 1 at the printed inputs, where 1 + Delta_e ~ 0.03 decides a_e's sign.

    The budget of test_table1_within_rounding_and_scheme (with the input rounding) is larger than
    |1 + Delta_e| and cannot tell the side of the pole, so here the printed inputs are taken as
    they are: tol = scheme (|pdg - GM2Calc|) + print.  Point I: 1 + Delta_e = 0.030 (pdg) / 0.049
    (GM2Calc) vs the paper's 0.03: tol 0.024 < |1 + Delta_e|, the side is determined and is the
    paper's; a_e < 0 like the paper's, |a_e| within the pole amplification (tol/|1 + Delta_e|) of
    the same budget.  Point II: 1 + Delta_e = -0.022 (pdg) / -0.003 (GM2Calc) vs the paper's
    +0.01: both schemes put the printed point on the other side of the pole (a_e = +2.2e-13 > 0
    against the paper's -7.3e-13), a miss of 0.032 > tol 0.024.  The cause, demonstrated by
    test_a_e_selectron_sensitivity and test_a_e_solve_inside_rounding_box: the inputs are printed
    to 50 GeV, d ln|a_e| / d ln m_sel = +81 (jax.grad), and the paper's a_e lies inside the
    rounding box (M1 = 1458.8 GeV, 1 + Delta_e = +0.0065).
    """
    for point in ("I", "II"):
        out, status, grad = evaluate(POINTS[point], wrt="a_e")
        assert list(status) == [0, 0]
        other = _gm2calc(point)
        tol = abs(out["delta_e"] - other["delta_e"]) + PRINT[point]["delta_e"]
        one_plus, paper_one_plus = 1.0 + out["delta_e"], 1.0 + PAPER[point]["delta_e"]
        print(f"\n[{point}] 1+Delta_e: pdg {one_plus:.4f}, GM2Calc {1 + other['delta_e']:.4f}, paper "
              f"{paper_one_plus:.2f} (tol {tol:.3f});  a_e: pdg {out['a_e']:.3e}, GM2Calc {other['a_e']:.3e}, "
              f"paper {PAPER[point]['a_e']:.2e};  d a_e/d m_sel (L, R) = {grad[4]:.3e}, {grad[5]:.3e} /GeV")
        if point == "I":
            assert tol < abs(one_plus) and np.sign(one_plus) == np.sign(paper_one_plus)
            assert abs(out["delta_e"] - PAPER[point]["delta_e"]) <= tol
            assert np.sign(out["a_e"]) == np.sign(PAPER[point]["a_e"]) == np.sign(other["a_e"])
            a_tol = 0.5 * 0.1e-13 + abs(out["a_e"]) * tol / abs(one_plus)
            assert abs(out["a_e"] - PAPER[point]["a_e"]) <= a_tol
            # the sensitivity: both selectron masses pull a_e the same way (the pole moves with them)
            assert np.sign(grad[4]) == np.sign(grad[5]) and abs(grad[4] + grad[5]) * 50.0 > 0.5 * abs(out["a_e"])
        else:
            assert one_plus < 0 and 1.0 + other["delta_e"] < 0 < paper_one_plus
            assert abs(out["delta_e"] - PAPER[point]["delta_e"]) > tol
            assert out["a_e"] > 0 and other["a_e"] > 0 > PAPER[point]["a_e"]


def test_table1_delta_mu_point1_known_discrepancy_bounded():
    ours, _, _ = evaluate(POINTS["I"])
    for val in (ours["delta_mu"], _gm2calc("I")["delta_mu"]):
        assert abs(val / PAPER["I"]["delta_mu"] - 1.0) < 0.16


def test_table1_signs_and_status():
    for point, x in POINTS.items():
        out, status, _ = evaluate(x)
        assert list(status) == [0, 0]
        # the muon: < 0 for point I (heavy smuons, |Delta_mu| < 1), > 0 for II (Delta_mu << -1)
        assert np.sign(out["a_mu"]) == np.sign(PAPER[point]["a_mu"])
        # the electron sits next to the pole in both
        assert abs(1.0 + out["delta_e"]) < 0.04


# ------------------------------------------------------------------------------------------
# (b) a_e: sensitivity and the solve inside the rounding box
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("point", ["I", "II"])
def test_a_e_selectron_sensitivity(point):
    x = POINTS[point]
    out, _status, grad = evaluate(x, wrt="a_e")
    a = out["a_e"]
    # logarithmic sensitivity to a common rescaling of both selectron masses, from jax.grad
    s = (grad[4] * x[4] + grad[5] * x[5]) / a
    print(
        f"\n[{point}] a_e {a:.3e}  1+Delta_e {1 + out['delta_e']:.4f}  d ln|a_e|/d ln m_sel {s:.1f}"
    )
    assert abs(0.02 * s) > 1.0
    # ... and it is real: a 2 % shift of both selectron masses flips a_e's sign or changes it 2x
    ratios = []
    for f in (0.98, 1.02):
        y = x.copy()
        y[4:6] *= f
        ratios.append(evaluate(y)[0]["a_e"] / a)
    assert any(r < 0 or abs(r) > 2 or abs(r) < 0.5 for r in ratios), ratios
    # the gradient itself is right (5-point finite differences, relative 1e-5)
    for i in (4, 5):
        fd = fd5(lambda y: evaluate(y)[0]["a_e"], x, i, 0.05)
        assert abs(fd - grad[i]) <= 1e-5 * abs(grad[i])


def _host_a_e(v, base, free):
    x = np.array(base, dtype=float)
    x[np.asarray(free)] = np.asarray(v)
    (_, (out, _)), g = _vg("pdg")(x, _onehot("a_e"))
    return np.asarray(out[0]), np.asarray(g)[np.asarray(free)]


def _a_e_callback(free):
    """a_e(v) with v the free inputs, value and gradient from the compiled autodiff function."""
    n = len(free)

    @jax.custom_jvp
    def a_e(v, base):
        return jax.pure_callback(
            lambda v, b: _host_a_e(v, b, free)[0], jax.ShapeDtypeStruct((), jnp.float64), v, base
        )

    @a_e.defjvp
    def _jvp(primals, tangents):
        v, base = primals
        dv, _ = tangents
        shapes = (jax.ShapeDtypeStruct((), jnp.float64), jax.ShapeDtypeStruct((n,), jnp.float64))
        val, g = jax.pure_callback(lambda v, b: _host_a_e(v, b, free), shapes, v, base)
        return val, g @ dv

    return a_e


@functools.cache
def _solver(free):
    optx = pytest.importorskip("optimistix")  # not (yet) a declared dependency of gm2jax
    a_e = _a_e_callback(free)

    def residual(z, args):
        center, half, target, base = args
        v = center + half * jnp.tanh(z)  # strictly inside the rounding box
        # target/a_e is smooth through the pole of a_e (~ 1 + Delta_e): Gauss-Newton converges
        return jnp.atleast_1d(target / a_e(v, base) - 1.0)

    @eqx.filter_jit
    def solve(center, half, target, base):
        sol = optx.least_squares(
            residual,
            optx.GaussNewton(rtol=1e-12, atol=1e-12),
            jnp.zeros(len(free)),
            args=(center, half, target, base),
            max_steps=50,
            throw=False,
            options={"jac": "bwd"},
        )
        return center + half * jnp.tanh(sol.value), sol.result == optx.RESULTS.successful

    return solve


@pytest.mark.parametrize(("point", "free"), [("I", (4, 5)), ("II", (2, 4, 5))])
def test_a_e_solve_inside_rounding_box(point, free):
    x = POINTS[point]
    target = PAPER[point]["a_e"]
    if point == "II":
        # the selectron masses alone cannot do it in the pdg convention: 1 + Delta_e < 0 on the
        # whole selectron box (a_e > 0, the paper's is < 0); the corner nearest the pole shows it
        y = x.copy()
        y[4:6] += HALF[4:6]
        out, _, _ = evaluate(y)
        assert out["delta_e"] < -1.0 and out["a_e"] > 0
    idx = np.asarray(free)
    solve = _solver(free)
    v, ok = solve(jnp.asarray(x[idx]), jnp.asarray(HALF[idx]), jnp.asarray(target), jnp.asarray(x))
    v = np.asarray(v)
    y = x.copy()
    y[idx] = v
    out, status, _ = evaluate(y)
    names = np.array(["tan_beta", "mu", "M1", "M2", "msl_e", "mse_e"])[idx]
    print(
        f"\n[{point}] solved {dict(zip(names, np.round(v, 3)))}: a_e {out['a_e']:.4e} "
        f"(paper {target:.2e}), "
        f"1+Delta_e {1 + out['delta_e']:.5f}"
    )
    assert bool(ok)
    assert list(status) == [0, 0]
    assert np.all(np.abs(v - x[idx]) < HALF[idx])  # inside the rounding interval (open box)
    assert abs(out["a_e"] / target - 1.0) < 1e-8
    # not by construction: the solve fixes a_e only; the paper's Delta_e (printed -0.97/-0.99) must
    # come out too, within print + scheme, on the paper's side of the pole
    tol = PRINT[point]["delta_e"] + abs(evaluate(x)[0]["delta_e"] - _gm2calc(point)["delta_e"])
    assert abs(out["delta_e"] - PAPER[point]["delta_e"]) <= tol and 1.0 + out["delta_e"] > 0
    # and the muon outputs stay within their Table 1 budget (M1 moves a_mu(II) by 4 %)
    for name in ("a_mu", "delta_mu") if point == "II" else ("a_mu",):
        assert abs(out[name] - PAPER[point][name]) <= _budget(point, name)[1]


# ------------------------------------------------------------------------------------------
# (c) across 1 + Delta_e = 0
# ------------------------------------------------------------------------------------------


@functools.cache
def _pole(point="I"):
    """mu* with 1 + Delta_e(mu*) = 0 (Newton on the autodiff derivative), and dDelta_e/dmu there."""
    x = POINTS[point].copy()
    for _ in range(30):
        out, _, g = evaluate(x, wrt="delta_e")
        step = (1.0 + out["delta_e"]) / g[1]
        x[1] -= step
        if abs(step) < 1e-9 * abs(x[1]):
            break
    out, _, g = evaluate(x, wrt="delta_e")
    return x, g[1]


S_PHYSICAL = (-0.1, -0.01, -3e-3, -1.5e-3, 1.5e-3, 3e-3, 0.01, 0.1)
S_TACHYON = (-3e-4, -1e-6, 1e-6, 3e-4)


@pytest.mark.parametrize("point", ["I", "II"])
@pytest.mark.parametrize("s", S_PHYSICAL)
def test_near_pole_values_and_gradients(point, s):
    xp, slope = _pole(point)
    x = xp.copy()
    x[1] += s / slope  # 1 + Delta_e ~ s
    out, status, grad = evaluate(x, wrt="a_e")
    assert list(status) == [0, 0], status
    assert np.isfinite(out["a_e"]) and np.all(np.isfinite(grad))
    assert abs((1.0 + out["delta_e"]) / s - 1.0) < 0.05
    # a_e ~ C/(1 + Delta_e): the sign follows 1 + Delta_e, and (1 + Delta_e) a_e stays smooth
    assert np.sign(out["a_e"]) == -np.sign(s)
    f = lambda y: evaluate(y)[0]["a_e"]
    # steps a thousandth of the distance to the pole (in mu and in the selectron mass)
    h_mu = 1e-3 * abs(s / slope)
    h_m = 1e-3 * abs(s / (evaluate(x, wrt="delta_e")[2][4]))
    for i, h in ((1, h_mu), (4, h_m)):
        fd = fd5(f, x, i, h)
        assert abs(fd - grad[i]) <= 1e-5 * abs(grad[i]), (i, fd, grad[i])


@pytest.mark.parametrize("point", ["I", "II"])
@pytest.mark.parametrize("s", S_TACHYON)
def test_near_pole_tachyonic_window_is_flagged(point, s):
    xp, slope = _pole(point)
    x = xp.copy()
    x[1] += s / slope
    out, status, grad = evaluate(x, wrt="a_e")
    assert status[0] & int(Status.TACHYON_SLEPTON)
    assert status[1] == 0  # the muon is unaffected
    assert np.isfinite(out["delta_e"]) and np.isfinite(out["a_mu"])
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("point", ["I", "II"])
def test_exact_pole_is_flagged_with_finite_gradients(point):
    xp, _ = _pole(point)
    for wrt in ("a_e", "delta_e", "a_mu"):
        out, status, grad = evaluate(xp, wrt=wrt)
        assert abs(1.0 + out["delta_e"]) <= 1e-12
        assert status[0] & int(Status.YUKAWA_POLE)
        assert np.all(np.isfinite(grad)), wrt
    assert np.isfinite(out["a_mu"]) and status[1] == 0


def test_tachyonic_smuon_is_a_flagged_status_not_a_bare_nan():
    # seed 001 Fig. 1: smuons at the mass where 1 + Delta_mu -> 0 (mu = -100 TeV: ~2.35 TeV)
    x = POINTS["I"].copy()
    x[6:8] = (2400.0, 2300.0)
    out, status, grad = evaluate(x, wrt="a_mu")
    assert status[1] & int(Status.TACHYON_SLEPTON)
    assert np.isnan(out["a_mu"])  # masked by convention, and flagged
    assert np.isfinite(out["delta_mu"]) and np.all(np.isfinite(grad))
    assert status[0] == 0 and np.isfinite(out["a_e"])


# ------------------------------------------------------------------------------------------
# (d) mass insertion vs full Delta
# ------------------------------------------------------------------------------------------


def test_delta_bino_mia_converges_to_full_delta_at_large_mu():
    c = couplings(_sm("pdg"))

    @jax.jit
    def both(mu):
        p = MSSMParams(70.0, mu, 1500.0, 500.0, jnp.full(3, 2000.0), jnp.full(3, 2000.0))
        return delta_lepton(p, c, MU, "exact"), delta_bino_mia(p, c, MU, "exact")

    mus = (-1e5, -1e6, -1e7)
    rel = []
    for mu in mus:
        full, mia = (float(v) for v in both(mu))
        assert np.sign(full) == np.sign(mia) == 1.0 * np.sign(mu * 1500.0)
        rel.append(abs(full / mia - 1.0))
    scaled = [r * mu**2 / np.log(mu**2 / 2000.0**2) for r, mu in zip(rel, mus)]
    print("\nMIA vs full: relative differences", rel, "scaled by mu^2/ln(mu^2/m^2):", scaled)
    assert rel[0] < 0.02 and rel[1] < 2e-4 and rel[2] < 3e-6
    assert max(scaled) / min(scaled) < 1.1  # ~ ln(mu^2/m^2)/mu^2
    # seed 001 eq. (2.4), "Delta ~ -1" at m_L = m_R = M1 = 2 TeV, mu = -100 TeV, tb = 70: with
    # I(x, x, x) = 1/(2x) (x a squared mass; the seed's "1/2x^2" is in masses) the MIA is exactly
    # mu tb gY^2/(32 pi^2 M1) = -1.42 (pdg couplings; D-terms make m_L != m_R by ~0.1 %)
    p = MSSMParams(70.0, -1e5, 2000.0, 500.0, jnp.full(3, 2000.0), jnp.full(3, 2000.0))
    exact = -1e5 * 70.0 * float(c.gY) ** 2 / (32 * np.pi**2 * 2000.0)
    assert abs(float(delta_bino_mia(p, c, MU)) / exact - 1.0) < 2e-3
    assert -1.5 < exact < -1.0


@pytest.mark.parametrize("point", ["I", "II"])
def test_resummed_product_is_continuous_through_the_pole(point):
    """(1 + Delta_e) a_e is the smooth part: equal to <= 1 % on the two sides of the pole."""
    xp, slope = _pole(point)
    prods = []
    for s in (-1.5e-3, 1.5e-3):
        x = xp.copy()
        x[1] += s / slope
        out, _, _ = evaluate(x)
        prods.append(out["a_e"] * (1.0 + out["delta_e"]))
    assert abs(prods[0] / prods[1] - 1.0) < 0.01
