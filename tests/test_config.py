"""Fit configurations: the seed-000 TOML files, bijections, priors and bad configs (key paths)."""

import copy
import dataclasses
import math
import pathlib
import tomllib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.config import load_config, parse_config
from gm2jax.expressions import compile_expression
from gm2jax.priors import Bijection
from gm2jax.registry import get_model
from gm2jax.errors import InvalidInput

FITS = pathlib.Path(__file__).parent.parent / "fits"
HEAVY = tomllib.loads((FITS / "mssm_heavy_smuR.toml").read_text())


def test_seed000_configs_load():
    heavy = load_config(FITS / "mssm_heavy_smuR.toml")
    assert heavy.names == ("mu", "M2")
    assert heavy.dataset.name == "seeds2019" and heavy.observables == ("a_e", "a_mu")
    assert heavy.fixed == {"tan_beta": 60.0}
    assert heavy.constraints == ("lep_sleptons", "lep_charginos")
    hm = load_config(FITS / "mssm_higgs_mediation.toml")
    assert hm.names == ("mL", "mR", "mH", "mu", "M1", "M2", "tan_beta")
    assert not hm.free[0].model_parameter and hm.free[3].model_parameter  # mL auxiliary, mu a model parameter


def test_derived_parameters_follow_the_seed():
    heavy = load_config(FITS / "mssm_heavy_smuR.toml").problem()
    v = heavy.values(jnp.array([1700.0, 170.0]))
    # seed 000 Fig. 2: M1 = -(M2 - 20 GeV), m_E1 = m_L1 = m_L2 = M2, m_E2 = 5 M2
    assert float(v["M1"]) == -150.0 and float(v["mE2"]) == 850.0
    assert float(v["mL1"]) == float(v["mE1"]) == float(v["mL2"]) == 170.0
    hm = load_config(FITS / "mssm_higgs_mediation.toml").problem()
    v = hm.values(jnp.array([140.0, 120.0, 700.0, 700.0, -125.0, 118.0, 60.0]))  # BP-2, eq. (19)
    # eq. (15): m_E2^2 = m_R^2 + m_H^2, m_L2^2 = m_L^2 + m_H^2
    assert float(v["mE2"]) == pytest.approx(math.sqrt(120.0**2 + 700.0**2), rel=1e-14)
    assert float(v["mL2"]) == pytest.approx(math.sqrt(140.0**2 + 700.0**2), rel=1e-14)
    assert float(v["mE1"]) == 120.0 and float(v["mL1"]) == 140.0


@pytest.mark.parametrize(
    "bij",
    [Bijection("sigmoid", -400.0, -80.0), Bijection("logsigmoid", 200.0, 5000.0), Bijection("lower_exp", 10.0, math.inf),
     Bijection("upper_exp", -math.inf, 3.0), Bijection("identity", -math.inf, math.inf)],
    ids=lambda b: b.kind,
)
def test_bijections_round_trip_and_jacobian(bij):
    u = jnp.linspace(-4.0, 4.0, 9)
    x = jax.vmap(bij.forward)(u)
    assert np.all((x > bij.lo) & (x < bij.hi))
    np.testing.assert_allclose(jax.vmap(bij.inverse)(x), u, atol=1e-10)
    dx = jax.vmap(jax.grad(bij.forward))(u)
    np.testing.assert_allclose(jax.vmap(bij.log_det_jacobian)(u), jnp.log(jnp.abs(dx)), rtol=1e-12, atol=1e-12)


def test_priors_sample_inside_and_normalise(key):
    cfg = parse_config(
        {**HEAVY, "parameters": {"mu": {"range": [200.0, 5000.0], "prior": "loguniform"},
                                 "M2": {"range": [100.0, 400.0], "prior": "normal", "mean": 150.0, "sigma": 30.0}}}
    )
    prob = cfg.problem()
    x = np.asarray(prob.sample_prior(key, 2000))
    assert np.all((x > prob.lower) & (x < prob.upper))
    for i, spec in enumerate(cfg.free):  # density integrates to 1 over the range
        grid = np.linspace(spec.lo, spec.hi, 200001)
        dens = np.exp(np.asarray(jax.vmap(spec.log_prior)(jnp.asarray(grid[1:-1]))))
        assert np.trapezoid(dens, grid[1:-1]) == pytest.approx(1.0, abs=2e-3)


def _bad(mutate):
    doc = copy.deepcopy(HEAVY)
    mutate(doc)
    return doc


BAD = [
    ("unknown parameter", lambda d: d["parameters"].update(mX={"range": [1.0, 2.0]}), "parameters.mX"),
    ("empty range", lambda d: d["parameters"]["mu"].update(range=[5000.0, 300.0]), "parameters.mu.range"),
    ("equal bounds", lambda d: d["parameters"]["M2"].update(range=[100.0, 100.0]), "parameters.M2.range"),
    ("loguniform lo <= 0", lambda d: d["parameters"]["mu"].update(range=[-10.0, 100.0]), "parameters.mu.range"),
    ("normal mean outside", lambda d: d["parameters"]["M2"].update(prior="normal", mean=900.0, sigma=10.0), "parameters.M2.mean"),
    ("normal without sigma", lambda d: d["parameters"]["M2"].update(prior="normal", mean=200.0), "parameters.M2.prior"),
    ("start outside", lambda d: d["parameters"]["M2"].update(start=50.0), "parameters.M2.start"),
    ("unknown prior", lambda d: d["parameters"]["M2"].update(prior="cauchy"), "parameters.M2.prior"),
    ("unknown key", lambda d: d["parameters"]["M2"].update(ranges=[1, 2]), "parameters.M2.ranges"),
    ("unknown dataset", lambda d: d.update(dataset="nope2031"), "dataset"),
    ("unknown top-level key", lambda d: d.update(datset="seeds2019"), "datset"),
    ("unknown model", lambda d: d.update(model="nmssm"), "model"),
    ("unknown convention", lambda d: d.update(sm_convention="msbar2"), "sm_convention"),
    ("observable not in dataset", lambda d: d.update(observables=["a_e", "a_tau"]), "observables[1]"),
    ("unknown constraint", lambda d: d["likelihood"].update(constraints=["lep_sleptons", "lhc"]), "likelihood.constraints[1]"),
    ("negative theory", lambda d: d["likelihood"].update(theory_uncertainty={"a_mu": -1e-10}), "likelihood.theory_uncertainty.a_mu"),
    ("derived unknown name", lambda d: d["derived"].update(M1="-(M3 - 20)"), "derived.M1"),
    ("derived bad syntax", lambda d: d["derived"].update(M1="-(M2 - "), "derived.M1"),
    ("derived forbidden call", lambda d: d["derived"].update(M1="__import__(M2)"), "derived.M1"),
    ("circular", lambda d: d["derived"].update(mL1="mE1", mE1="mL1"), "derived.mL1"),
    ("set twice", lambda d: d["fixed"].update(M2=150.0), "fixed.M2"),
    ("missing model parameter", lambda d: d["derived"].pop("mE2"), "parameters"),
    ("fixed not a number", lambda d: d["fixed"].update(tan_beta="sixty"), "fixed.tan_beta"),
    ("bad fit option", lambda d: d["fit"].update(starts=0), "fit.starts"),
    ("unknown fit option", lambda d: d["fit"].update(iterations=3), "fit.iterations"),
    ("bad profile name", lambda d: d["fit"].update(profile_1d=["tan_beta"]), "fit.profile_1d[0]"),
    ("bad optimizer", lambda d: d["fit"].update(optimizer="sgd"), "fit.optimizer"),
    ("bad sample option", lambda d: d["sample"].update(target_accept=1.5), "sample.target_accept"),
    ("bad hessian method", lambda d: d["fit"].update(hessian_method="numeric"), "fit.hessian_method"),
    # the model's physical domain (tan(beta) > 0), checked at parse time, before any compilation
    ("fixed outside the domain", lambda d: d["fixed"].update(tan_beta=-60.0), "fixed.tan_beta"),
    ("range outside the domain", lambda d: (d["fixed"].pop("tan_beta"), d["parameters"].update(tan_beta={"range": [-60.0, 60.0]})),
     "parameters.tan_beta.range"),
]


@pytest.mark.parametrize("mutate, path", [(m, p) for _, m, p in BAD], ids=[b[0] for b in BAD])
def test_bad_config_names_the_key(mutate, path):
    with pytest.raises(InvalidInput) as err:
        parse_config(_bad(mutate))
    assert str(err.value).startswith(path + ":") or str(err.value).startswith(path + " "), str(err.value)


def test_derived_parameter_never_in_its_domain_is_named_before_compiling():
    doc = _bad(lambda d: (d["fixed"].pop("tan_beta"), d["derived"].update(tan_beta="-M2 / 10")))
    prob = parse_config(doc).problem()
    with pytest.raises(InvalidInput, match=r"derived.tan_beta = '-M2 / 10' lies outside the physical domain"):
        prob.check_prior()


def test_toy_models_come_from_the_callers_mapping():
    """parse_config(..., models=) resolves the model from the given mapping, not the registry."""
    toy = dataclasses.replace(get_model("mssm"), name="toy")
    cfg = parse_config({**HEAVY, "model": "toy"}, models={"toy": toy})
    assert cfg.spec is toy and cfg.model == "toy"
    with pytest.raises(InvalidInput, match="^model: .*'toy'"):
        parse_config({**HEAVY, "model": "toy"})


def test_bad_files(tmp_path):
    with pytest.raises(InvalidInput, match="not found"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("model = 'mssm'\n[parameters.mu\n")
    with pytest.raises(InvalidInput, match="TOML syntax"):
        load_config(bad)


def test_user_dataset_path_relative_to_config(tmp_path):
    (tmp_path / "mine.yaml").write_text("observables:\n  a_mu: {value: '2.49(48) e-9'}\n  a_e: {value: -1.0e-12, error: 0.3e-12}\n")
    text = (FITS / "mssm_heavy_smuR.toml").read_text().replace('dataset = "seeds2019"', 'dataset = "mine.yaml"')
    (tmp_path / "fit.toml").write_text(text)
    cfg = load_config(tmp_path / "fit.toml")
    assert cfg.dataset.name == "mine" and cfg.dataset["a_mu"].error == pytest.approx(0.48e-9)


def test_expressions():
    e = compile_expression("sqrt(mR**2 + mH**2) - 2 * abs(x) / 4", "derived.t")
    assert e.names == frozenset({"mR", "mH", "x"})
    assert float(e({"mR": 3.0, "mH": 4.0, "x": -2.0})) == 4.0
    with pytest.raises(InvalidInput, match="derived.t"):
        compile_expression("mR if mH else 1", "derived.t")
    with pytest.raises(InvalidInput, match="derived.t"):
        compile_expression("mR.real", "derived.t")


def test_expression_language_is_one_for_configs_and_scans():
    """The two-argument functions of scans work in configs too; arity, names and syntax are checked."""
    e = compile_expression("minimum(a, b) + maximum(a, b) + hypot(a, b)", "derived.t")
    assert float(e({"a": 3.0, "b": 4.0})) == 3.0 + 4.0 + 5.0
    assert float(compile_expression(2.5, "x")({})) == 2.5
    with pytest.raises(InvalidInput, match="derived.t: hypot takes 2 argument"):
        compile_expression("hypot(a)", "derived.t")
    with pytest.raises(InvalidInput, match="derived.t: unknown name 'c'"):
        compile_expression("a + c", "derived.t", names=("a", "b"))
    with pytest.raises(InvalidInput, match="derived.t: cannot parse"):
        compile_expression("a +", "derived.t")
    for bad in ("__import__('os')", "a < b", "a // b", "True", "f(a)"):
        with pytest.raises(InvalidInput, match="not allowed"):
            compile_expression(bad, "derived.t")


def test_mssm_constraint_names_round_trip(tmp_path):
    """vacuum_stability and tau_g2 are config-language constraints: TOML -> FitConfig -> likelihood
    terms -> the fit record's config -> the same FitConfig; a config listing none gets the LEP ones."""
    from gm2jax.likelihood import ModelTerm

    names = ["lep_sleptons", "lep_charginos", "vacuum_stability", "tau_g2"]
    for packaged in ("mssm_ew_2025.toml", "mssm_ew_2025_rb.toml"):
        assert list(load_config(FITS / packaged).constraints) == names
    doc = copy.deepcopy(HEAVY)
    doc["likelihood"]["constraints"] = names
    (tmp_path / "c.toml").write_text(
        (FITS / "mssm_heavy_smuR.toml").read_text().replace(
            'constraints = ["lep_sleptons", "lep_charginos"]', f"constraints = {names!r}".replace("'", '"')))
    cfg = load_config(tmp_path / "c.toml")
    assert cfg.constraints == tuple(names)
    lik = cfg.problem().likelihood
    assert lik.names[-4:] == tuple(names)
    assert [isinstance(t, ModelTerm) for t in lik.terms[-4:]] == [False, False, True, True]
    record = {"likelihood": {"constraints": list(cfg.constraints)}}  # what FitResult.to_dict writes
    again = parse_config({**doc, "likelihood": {**doc["likelihood"], **record["likelihood"]}})
    assert again.problem_key() == cfg.problem_key()
    del doc["likelihood"]["constraints"]
    assert parse_config(doc).constraints == ("lep_sleptons", "lep_charginos")
    with pytest.raises(InvalidInput, match=r"likelihood.constraints\[0\].*tau_g2.*vacuum_stability"):
        parse_config({**doc, "likelihood": {"constraints": ["vacuum"]}})
    assert "vacuum_stability" not in get_model("lmutau").constraints
