"""Datasets, likelihood terms, pulls (arXiv:1908.03607 eqs. 9-10), gradients, failed-point masking, the registry."""

import math
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.config import load_config
from gm2jax.errors import InvalidInput
from gm2jax.likelihood import (
    CHI2_FAILED,
    Likelihood,
    LowerBoundTerm,
    UserTerm,
    build_likelihood,
    pulls,
)
from gm2jax.modelspec import ModelSpec
from gm2jax.registry import MODELS, get_model, known_models
from gm2jax.measurements import default_dataset_name, list_datasets, load_dataset, parse_value_error

FITS = pathlib.Path(__file__).parent.parent / "fits"


# ---------------------------------------------------------------- datasets


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2.74(73) e-9", (2.74e-9, 0.73e-9)),
        ("-8.8(3.6) e-13", (-8.8e-13, 3.6e-13)),
        ("0.385(637) e-9", (0.385e-9, 0.637e-9)),
        ("116592061(41) e-11", (116592061e-11, 41e-11)),
        ("+4.8(3.0)e-13", (4.8e-13, 3.0e-13)),
        ("12(3)", (12.0, 3.0)),
    ],
)
def test_parse_value_error(text, expected):
    v, e = parse_value_error(text)
    assert v == pytest.approx(expected[0], rel=1e-12) and e == pytest.approx(expected[1], rel=1e-12)


@pytest.mark.parametrize("text", ["2.74 e-9", "2.74(-3) e-9", "abc", "1(2)(3)"])
def test_parse_value_error_rejects(text):
    with pytest.raises(InvalidInput, match="where.value"):
        parse_value_error(text, "where.value")


def test_packaged_datasets_match_the_brief():
    assert default_dataset_name() == "seeds2019"
    expect = {
        "seeds2019": {"a_mu": (2.74e-9, 0.73e-9), "a_e": (-8.8e-13, 3.6e-13)},  # arXiv:1908.03607 eqs. (1)-(2)
        "rb2020": {"a_mu": (2.74e-9, 0.73e-9), "a_e": (4.8e-13, 3.0e-13)},
        "wp20_fnal23": {"a_mu": (2.49e-9, 0.48e-9)},
        "wp25_2025": {"a_mu": (0.385e-9, 0.637e-9)},
    }
    assert set(expect) <= set(list_datasets())
    for name, obs in expect.items():
        ds = load_dataset(name)
        assert ds.references and all(m.comment for m in ds.measurements.values())
        for o, (v, e) in obs.items():
            assert (ds[o].value, ds[o].error) == pytest.approx((v, e), rel=1e-12)
    assert load_dataset().name == "seeds2019"


def test_unknown_dataset_is_named():
    with pytest.raises(InvalidInput, match="unknown dataset 'seeds2091'.*seeds2019"):
        load_dataset("seeds2091")


def test_user_yaml(tmp_path):
    one = tmp_path / "one.yaml"
    one.write_text("description: toy\nobservables:\n  a_mu: {value: '1.0(5) e-9'}\n")
    assert load_dataset(one)["a_mu"].error == pytest.approx(0.5e-9)
    many = tmp_path / "many.yaml"
    many.write_text(
        "datasets:\n  A: {observables: {a_e: {value: 1.0e-13, error: 1.0e-13}}}\n"
        "  B: {default: true, observables: {a_e: '3(1) e-13'}}\n"
    )
    assert load_dataset(many).name == "B"
    assert load_dataset(f"{many}:A")["a_e"].value == 1.0e-13
    with pytest.raises(InvalidInput, match="unknown dataset 'C'"):
        load_dataset(f"{many}:C")
    bad = tmp_path / "bad.yaml"
    bad.write_text("observables:\n  a_mu: {value: 1.0e-9}\n")
    with pytest.raises(InvalidInput, match=r"observables\.a_mu\.error"):
        load_dataset(bad)
    bad.write_text("observables:\n  a_x: {value: '1(1)'}\n")
    with pytest.raises(InvalidInput, match=r"observables\.a_x: unknown observable"):
        load_dataset(bad)


# ---------------------------------------------------------------- terms


def test_gaussian_term_theory_uncertainty_in_quadrature():
    lik = build_likelihood("seeds2019", constraints=(), theory_sigma={"a_mu": 0.5e-9})
    pred = {"a_e": jnp.asarray(-8.8e-13), "a_mu": jnp.asarray(2.74e-9 + 1e-9), "status": jnp.asarray(0)}
    parts = lik.chi2_parts(pred)
    assert float(parts["a_mu"]) == pytest.approx(1.0 / (0.73**2 + 0.5**2), rel=1e-12)
    assert float(parts["a_e"]) == 0.0
    # relative theory uncertainty: chi2 keeps the -2 ln L normalisation term
    lik_rel = build_likelihood("seeds2019", constraints=(), theory_rel={"a_mu": 0.1})
    s2 = 0.73e-9**2 + (0.1 * 3.74e-9) ** 2
    assert float(lik_rel.chi2_parts(pred)["a_mu"]) == pytest.approx(1e-18 / s2 + math.log(s2 / 0.73e-9**2), rel=1e-12)


def test_lep_bound_penalty_shape():
    t = LowerBoundTerm(name="lep", observables=("m",), bound=100.0, width=2.0)
    c = lambda m: float(t.chi2({"m": jnp.asarray(m)}))  # noqa: E731
    assert c(110.0) < 5e-5  # ~0 above m0 + 5 w
    assert c(100.0) == pytest.approx(math.log(2.0) ** 2, rel=1e-12)
    assert c(80.0) == pytest.approx(((100 - 80) / 2.0) ** 2, rel=1e-3)  # one-sided Gaussian of width w
    grad = jax.grad(lambda m: t.chi2({"m": m}))
    assert float(grad(150.0)) <= 0 and np.isfinite(float(grad(50.0)))


def test_user_term_and_unique_names():
    lik = build_likelihood("seeds2019", constraints=(), user_terms={"prefer_small_amu": lambda p: (p["a_mu"] / 1e-9) ** 2})
    pred = {"a_e": jnp.asarray(-8.8e-13), "a_mu": jnp.asarray(2.74e-9), "status": jnp.asarray(0)}
    assert float(lik.chi2(pred)) == pytest.approx(2.74**2)
    with pytest.raises(InvalidInput, match="unique"):
        Likelihood(terms=(UserTerm(name="x", fn=lambda p: 0.0), UserTerm(name="x", fn=lambda p: 0.0)))
    with pytest.raises(InvalidInput, match="unknown constraint"):
        build_likelihood("seeds2019", model=get_model("mssm"), constraints=("lhc",))


def test_pulls_eq_9_10():
    pred = {
        "a_e": jnp.asarray(-6.5e-13), "a_e_neutralino": jnp.asarray(-7.478e-13), "a_e_chargino": jnp.asarray(0.978e-13),
        "a_mu": jnp.asarray(2.36e-9), "a_mu_neutralino": jnp.asarray(-1.829e-9), "a_mu_chargino": jnp.asarray(4.189e-9),
        "status": jnp.asarray(0),
    }
    r = {k: float(v) for k, v in pulls(pred, "seeds2019").items()}
    # eq. (10): R = (a - Delta a)/sigma; BP-1 values of eqs. (12)-(13): R_e = 0.64, R_mu = -0.52
    assert r["R_e"] == pytest.approx((-6.5e-13 + 8.8e-13) / 3.6e-13) and r["R_e"] == pytest.approx(0.64, abs=0.005)
    assert r["R_mu"] == pytest.approx(-0.52, abs=0.005)
    for lep in ("e", "mu"):  # eq. (9): the parts add up to R_l
        assert r[f"R_{lep}_chargino"] + r[f"R_{lep}_neutralino"] == pytest.approx(r[f"R_{lep}"], rel=1e-12)


def test_masking_of_failed_prediction_dict():
    lik = build_likelihood("seeds2019", constraints=())

    def f(a):
        pred = {"a_e": jnp.where(a > 0, jnp.nan, a * 1e-13), "a_mu": 1e-9 * a, "status": jnp.where(a > 0, 4, 0)}
        return lik.chi2(pred), lik.loglike(pred)

    c, ll = f(jnp.asarray(1.0))
    assert float(c) == CHI2_FAILED and float(ll) == -math.inf
    for i in range(2):
        g = jax.grad(lambda a: f(a)[i])(jnp.asarray(1.0))
        assert float(g) == 0.0


# ---------------------------------------------------------------- through the MSSM


@pytest.fixture(scope="module")
def heavy():
    with jax.enable_x64(True):
        prob = load_config(FITS / "mssm_heavy_smuR.toml").problem()

        def both(x):
            pred = prob.predict(x)
            lik = prob.likelihood
            return jnp.stack([lik.chi2(pred), lik.loglike(pred)])

        vjac = jax.jit(lambda x: (both(x), jax.jacrev(both)(x)))
        yield prob, vjac


@pytest.mark.parametrize("x", [[1700.0, 170.0], [1183.9, 131.0], [900.0, 101.0]], ids=["BP1-like", "best", "LEP-wall"])
def test_likelihood_gradient_matches_finite_differences(heavy, x):
    _, vjac = heavy
    x = jnp.asarray(x)
    (chi2, _), jac = vjac(x)
    assert np.all(np.isfinite(jac))
    for i in range(2):
        h = 1e-5 * float(x[i])
        e = jnp.zeros(2).at[i].set(h)
        fd = (vjac(x + e)[0][0] - vjac(x - e)[0][0]) / (2 * h)
        assert float(jac[0, i]) == pytest.approx(float(fd), rel=1e-5, abs=1e-9 * max(1.0, float(chi2)))
        assert float(jac[1, i]) == pytest.approx(-0.5 * float(jac[0, i]), rel=1e-12)  # ln L = -chi2/2


def test_failed_points_zero_likelihood_finite_gradient(heavy):
    prob, vjac = heavy
    # mu tan(beta) m_mu = 0.106 * 2e4 * 60 GeV^2 > m_L2 m_E2: tachyonic smuon (outside the TOML range)
    x = jnp.asarray([2.0e4, 100.0])
    assert int(prob.predict(x)["status"]) != 0
    (chi2, ll), jac = vjac(x)
    assert float(chi2) == prob.config.chi2_failed and float(ll) == -math.inf
    assert np.all(np.isfinite(jac)) and np.all(jac == 0.0)


def test_toy_model_with_callable_constraint():
    """A user model plugs into configs through its own mapping: callable constraint factories give any term."""
    import dataclasses

    import equinox as eqx

    from gm2jax.config import parse_config
    from gm2jax.likelihood import constraint_term

    class Above(eqx.Module):
        name: str
        bound: float

        def chi2(self, pred):  # one-sided Gaussian below the bound
            return jnp.where(pred["x"] < self.bound, (pred["x"] - self.bound) ** 2, 0.0)

    def predict(values, sm, leptons, resummation):
        x = values["x"]
        return {"a_mu": x * 1e-9, "a_e": -x * 1e-13, "x": x, "status": jnp.asarray(0)}

    spec = ModelSpec(name="toy_x", parameters=("x",), defaults={}, predict=predict,
                     constraints={"x_above_1": lambda leptons: Above("x_above_1", 1.0)}, outputs=("a_{l}", "x"))
    models = {"toy_x": spec}
    with pytest.raises(TypeError):
        MODELS["toy_x"] = spec  # the package registry is read-only
    assert "toy_x" not in known_models() and known_models(models) == ["toy_x"]
    assert get_model("toy_x", models) is spec
    with pytest.raises(InvalidInput, match="unknown model 'toy_x'"):
        get_model("toy_x")
    assert float(constraint_term(spec, "x_above_1").chi2({"x": jnp.asarray(0.5)})) == 0.25
    cfg = parse_config({"model": "toy_x", "parameters": {"x": {"range": [0.0, 5.0], "prior": "uniform"}},
                        "likelihood": {"constraints": ["x_above_1"]}}, models=models)
    with pytest.raises(InvalidInput, match="resummation"):
        parse_config({"model": "toy_x", "resummation": "exact",
                      "parameters": {"x": {"range": [0.0, 5.0], "prior": "uniform"}}}, models=models)
    prob = cfg.problem()
    with jax.enable_x64(True):
        # chi2 = ((x - 2.74)/0.73)^2 + ((-x*1e-13 + 8.8e-13)/3.6e-13)^2 + penalty
        x = 0.5
        expect = ((x - 2.74) / 0.73) ** 2 + ((-x + 8.8) / 3.6) ** 2 + (x - 1.0) ** 2
        assert math.isclose(float(prob.chi2(jnp.asarray([x]))), expect, rel_tol=1e-12)
    bad = dataclasses.replace(spec, name="toy_bad", constraints={"c": lambda leptons: Above("other", 1.0)})
    with pytest.raises(InvalidInput, match="named 'c'"):
        constraint_term(bad, "c")


# ---------------------------------------------------------------- MSSM vacuum-stability and tau g-2 constraints


def _mssm_constraint_point():
    # light staus (not tachyonic) and large mu tan(beta): the stau vacuum is unstable, the smuon/selectron ones stable
    return {"tan_beta": 40.0, "mu": 2000.0, "M1": 300.0, "M2": 600.0, "mL1": 300.0, "mL2": 500.0, "mL3": 400.0,
            "mE1": 300.0, "mE2": 500.0, "mE3": 400.0}


def _ehky_bound(m_l, m_r):
    # arXiv:1309.3065 fit as written in gm2jax/models/mssm/vacuum.py (GeV^2), typed in independently
    return (1.01e2 * math.sqrt(m_l * m_r) + 1.01e2 * (m_l + 1.03 * m_r) - 2.27e4 + 2.97e6 / (m_l + m_r)
            - 1.14e8 * (1.0 / m_l**2 + 0.983 / m_r**2))


def test_vacuum_stability_term_value_at_a_known_point():
    from gm2jax.models.mssm.fitting import MODEL as MSSM
    from gm2jax.sm import SMInputs

    sm = SMInputs.from_convention("pdg")
    v = _mssm_constraint_point()
    lik = build_likelihood("wp25_2025", model=MSSM, observables=("a_mu",), constraints=("vacuum_stability",))
    pred = lik.extend_prediction({"status": jnp.asarray(0)}, v, sm, "none")
    expected, margins = 0.0, {}
    for g, lep in enumerate(("e", "mu", "tau"), start=1):
        # resummation "none": Delta_l = 0, T_l = m_l mu tan(beta); |T_l| regularised as
        # sqrt(T_l^2 + (1e-8 B)^2) (vacuum.py docstring: 1.5e-10 for the electron here)
        b, t = _ehky_bound(v[f"mL{g}"], v[f"mE{g}"]), sm.lepton_mass(lep) * v["mu"] * v["tan_beta"]
        m = math.log(b) - 0.5 * math.log(t**2 + (1e-8 * b) ** 2)
        margins[lep] = m
        # margins are float64 closed forms: agreement to rounding (1e-12 relative to |margin| >= 0.5)
        assert float(pred[f"vacuum_margin_{lep}"]) == pytest.approx(m, rel=1e-12)
        expected += math.log1p(math.exp(-m / 0.1)) ** 2  # softplus(-margin/width)^2, width 0.1
    assert margins["tau"] < 0 < margins["mu"] < margins["e"]
    assert int(pred["status"]) == 0
    parts = lik.chi2_parts({**pred, "a_mu": jnp.asarray(0.385e-9)})
    assert float(parts["vacuum_stability"]) == pytest.approx(expected, rel=1e-12)


def test_tau_g2_term_value_at_a_known_point():
    from gm2jax.models.mssm import amu_1l
    from gm2jax.models.mssm.fitting import MODEL as MSSM, model_params
    from gm2jax.sm import SMInputs

    sm = SMInputs.from_convention("pdg")
    v = _mssm_constraint_point()
    lik = build_likelihood("wp25_2025", model=MSSM, observables=("a_mu",), constraints=("tau_g2",))
    pred = lik.extend_prediction({"status": jnp.asarray(0), "a_mu": jnp.asarray(0.0)}, v, sm, "none")
    a_tau = float(amu_1l(model_params(v), sm, "tau").total)
    assert float(pred["a_tau"]) == a_tau and 0 < abs(a_tau) < 1e-5
    # DELPHI (hep-ex/0406010): -0.052 < a_tau < 0.013 at 95 % CL; a_tau^SM = 117721(5)e-8
    centre, half, q = -0.0195, 0.0325, 1.959963984540054**2
    sigma2 = half**2 / q + 5e-8**2
    chi2 = float(lik.chi2_parts(pred)["tau_g2"])
    assert chi2 == pytest.approx((0.00117721 + a_tau - centre) ** 2 / sigma2, rel=1e-12)
    # on either end of the interval chi^2 is q above its value at the centre
    for end in (-0.052, 0.013):
        at_end = float(lik.chi2_parts({**pred, "a_tau": jnp.asarray(end - 0.00117721)})["tau_g2"])
        assert at_end == pytest.approx(q * half**2 / (half**2 + q * 5e-8**2), rel=1e-12)


def test_vacuum_and_tau_terms_gradient_matches_finite_differences():
    # the vacuum term through its margins in the parameters (Delta_l = 0); the tau term
    # in Delta a_tau (the a_tau gradient itself is amu_1l's, checked in test_mssm_gradients.py)
    from gm2jax.models.mssm.fitting import MODEL as MSSM
    from gm2jax.sm import SMInputs

    sm = SMInputs.from_convention("pdg")
    vac = build_likelihood("wp25_2025", model=MSSM, observables=(), constraints=("vacuum_stability",))
    tau = build_likelihood("wp25_2025", model=MSSM, observables=(), constraints=("tau_g2",))
    names = ("tan_beta", "mu", "mL3", "mE3", "mL1")
    base = _mssm_constraint_point()

    @jax.jit
    def chi2(x):
        v = {**base, **dict(zip(names, x[:-1], strict=True))}
        pred = vac.extend_prediction({"status": jnp.asarray(0)}, v, sm, "none")
        return vac.chi2(pred) + tau.chi2({"a_tau": x[-1], "status": jnp.asarray(0)})

    x = jnp.asarray([base[n] for n in names] + [0.01])
    g = jax.grad(chi2)(x)
    assert np.all(np.isfinite(g)) and float(chi2(x)) > 1.0 and np.all(g != 0.0)
    for i in range(len(x)):
        # central differences, relative step 1e-5: truncation (1e-5)^2 x O(1/width^2 = 100) = 1e-8
        # relative, rounding 1e-16 x chi2/(1e-5 |x g|) < 1e-9: rel 1e-5 leaves a wide margin
        h = 1e-5 * abs(float(x[i]))
        e = jnp.zeros(len(x)).at[i].set(h)
        fd = (float(chi2(x + e)) - float(chi2(x - e))) / (2 * h)
        assert float(g[i]) == pytest.approx(fd, rel=1e-5)
