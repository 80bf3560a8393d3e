"""The static model registry and the shape every model package shares (issue 12, deliverable 1)."""

import math
from types import SimpleNamespace

import equinox as eqx
import jax
import jax.numpy as jnp
import pytest

from gm2jax.errors import InvalidInput, PhysicsError, Status
from gm2jax.models import flavon, lmutau, mssm, thdm
from gm2jax.models.flavon import fitting as flavon_fitting
from gm2jax.models.lmutau import fitting as lmutau_fitting
from gm2jax.models.mssm import fitting as mssm_fitting
from gm2jax.models.thdm import fitting as thdm_fitting
from gm2jax.modelspec import ModelSpec, amu_predictions
from gm2jax.registry import MODELS, get_model, known_models

PACKAGES = {"mssm": (mssm, mssm_fitting), "lmutau": (lmutau, lmutau_fitting), "flavon": (flavon, flavon_fitting),
            "thdm": (thdm, thdm_fitting)}

# one physical point per model (names of the model's PARAMETERS; the rest from DEFAULTS)
POINTS = {
    "mssm": dict(tan_beta=40.0, mu=500.0, M1=200.0, M2=400.0, mL1=400.0, mL2=400.0, mE1=400.0, mE2=400.0),
    "lmutau": dict(tan_beta=27.0, mu=-223.0, M1=781.0, M2=180.0, mL1=170.0, mE1=170.0, mL2=845.0, mE2=845.0,
                   M0=606.0, g_X=8.26e-4, M_Zp=0.027),
    "flavon": {},
    "thdm": dict(mH=300.0, mA=50.0, mHp=300.0, tan_beta=50.0),
}


def test_registry_is_static_and_read_only():
    assert known_models() == ["flavon", "lmutau", "mssm", "thdm"]
    with pytest.raises(TypeError):
        MODELS["toy"] = MODELS["mssm"]
    with pytest.raises(TypeError):
        del MODELS["mssm"]
    with pytest.raises(InvalidInput, match=r"unknown model 'nope': use one of \['flavon', 'lmutau', 'mssm', 'thdm'\]"):
        get_model("nope")
    with pytest.raises(InvalidInput, match="expected a ModelSpec"):
        get_model("x", {"x": object()})
    spec = get_model("mssm")
    with pytest.raises(TypeError):
        spec.defaults["A1"] = 1.0  # read-only mappings inside a frozen spec


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_every_package_has_the_same_shape(name):
    package, fitting = PACKAGES[name]
    spec = get_model(name)
    assert isinstance(spec, ModelSpec) and spec.name == name and fitting.MODEL is spec
    # the same names with the same roles in every fitting module
    assert fitting.PARAMETERS == spec.parameters
    assert set(fitting.DEFAULTS) == set(spec.defaults)
    for k, v in fitting.DEFAULTS.items():
        assert v == spec.defaults[k] or (math.isnan(v) and math.isnan(spec.defaults[k]))
    assert dict(fitting.DOMAIN) == dict(spec.domain)
    assert fitting.model_params is spec.params and fitting.predict is spec.predict
    # the a_l entry point has one name across packages, and the parameters are an eqx.Module pytree
    assert callable(package.amu)
    p = spec.params({**POINTS[name]})
    assert isinstance(p, eqx.Module)
    assert all(x.dtype == jnp.float64 for x in jax.tree_util.tree_leaves(p))


@pytest.mark.parametrize("name", ["mssm", "lmutau", "thdm"])
def test_negative_tan_beta_fails_the_domain_check_naming_it(name):
    spec = get_model(name)
    spec.check_domain({"tan_beta": 60.0, "mu": -500.0})
    with pytest.raises(InvalidInput, match=r"fixed\.tan_beta = -60\.0: outside the physical domain"):
        spec.check_domain({"tan_beta": -60.0}, where="fixed.")
    with pytest.raises(InvalidInput, match="tan_beta = nan"):
        spec.check_domain({"tan_beta": math.nan})


def test_modelspec_rejects_inconsistent_entries():
    kw = dict(name="toy", parameters=("x",), defaults={}, predict=lambda *a: {}, constraints={}, outputs=())
    with pytest.raises(InvalidInput, match="defaults for unknown parameters"):
        ModelSpec(**{**kw, "defaults": {"y": 1.0}})
    with pytest.raises(InvalidInput, match="domain of unknown parameter"):
        ModelSpec(**kw, domain={"y": (0.0, 1.0)})
    with pytest.raises(InvalidInput, match="lo < hi"):
        ModelSpec(**kw, domain={"x": (1.0, 0.0)})
    spec = ModelSpec(**{**kw, "outputs": ("a_{l}", "x", "a_{l}")})
    assert spec.output_keys(("e", "mu")) == ("a_e", "a_mu", "x")


def test_amu_predictions_one_conversion():
    stacked = SimpleNamespace(total=[1.0, 2.0], two_loop=[0.5, 0.25], status=[0, 8], delta=[0.1, 0.2])
    out = amu_predictions(stacked, ("e", "mu"), {"two_loop": "two_loop"})
    assert out == {"a_e": 1.0, "a_e_two_loop": 0.5, "status_e": 0, "delta_e": 0.1,
                   "a_mu": 2.0, "a_mu_two_loop": 0.25, "status_mu": 8, "delta_mu": 0.2, "status": 8}
    per_lepton = [SimpleNamespace(total=3.0, one_loop=1.0, status=2)]
    assert amu_predictions(per_lepton, ("mu",), {"one_loop": "one_loop"}, with_status=False) == {
        "a_mu": 3.0, "a_mu_one_loop": 1.0}
    with pytest.raises(InvalidInput, match="2 results for 1 leptons"):
        amu_predictions(per_lepton * 2, ("mu",), {})


def test_flavon_amu_entry_point_matches_the_fit_prediction():
    p = flavon_fitting.model_params({})  # Table 2
    assert isinstance(p, flavon.FlavonParams)
    pred = flavon_fitting.predict({}, flavon_fitting.PDG)
    for lep in ("e", "mu"):
        r = flavon.amu(p, lepton=lep)
        assert int(r.status) == 0
        assert float(r.total) == float(pred[f"a_{lep}"]) and float(r.mass) == float(pred[f"m_{lep}"])
    bad = flavon_fitting.model_params({"v1": -1.0})
    r = flavon.amu(bad, throw=False)
    assert int(r.status) & int(Status.INVALID_PARAMETER) and math.isnan(float(r.total))
    with pytest.raises(PhysicsError, match="flavon.amu"):
        flavon.amu(bad)
    with pytest.raises(InvalidInput, match="'tau'"):
        flavon.amu(p, lepton="tau")
