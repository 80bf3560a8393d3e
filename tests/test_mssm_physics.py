"""Physics limits, sign rules and the mass-insertion approximation for the MSSM one loop."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax import MSSMParams, PhysicsError, SMInputs, Status, amu_1l
from gm2jax.models.mssm import amu_1l_parts, amu_bino_mia, amu_chargino_mia

SM = SMInputs.from_convention("pdg")


def test_electron_muon_ratio_scales_as_mass_squared():
    # flavour-universal sleptons, small L-R mixing: a_e/a_mu -> m_e^2/m_mu^2
    p = MSSMParams.universal(tan_beta=10.0, mu=400.0, M1=250.0, M2=300.0, msl=500.0, mse=450.0)
    ae = amu_1l(p, SM, "e").total
    am = amu_1l(p, SM, "mu").total
    ratio = float(ae / am) / (SM.m_e / SM.m_mu) ** 2
    assert abs(ratio - 1) < 1e-4
    # and for the tau the residual grows (m_tau mixing is not negligible) but stays O(1%)
    at = amu_1l(p, SM, "tau").total
    assert abs(float(at / am) / (SM.m_tau / SM.m_mu) ** 2 - 1) < 0.05


def test_decoupling_one_over_mass_squared():
    base = dict(tan_beta=20.0, mu=1.0, M1=0.6, M2=0.8, msl=1.1, mse=0.9)

    def amu_at(scale):
        p = MSSMParams.universal(**{k: (v if k == "tan_beta" else v * scale) for k, v in base.items()})
        return float(amu_1l(p, SM, "mu").total)

    scales = [2e3, 4e3, 8e3, 16e3]
    vals = [amu_at(s) for s in scales]
    ratios = [vals[i + 1] / vals[i] for i in range(3)]
    # electroweak-symmetry-breaking effects ~ MZ^2/M^2 vanish: ratio -> 1/4 monotonically
    devs = [abs(r * 4 - 1) for r in ratios]
    assert devs[-1] < 2e-3
    assert devs[0] > devs[1] > devs[2]


@pytest.mark.parametrize("sign_mu", [1.0, -1.0])
@pytest.mark.parametrize("sign_m2", [1.0, -1.0])
def test_sign_follows_mu_m2_in_chargino_dominance(sign_mu, sign_m2):
    # degenerate light sleptons, heavy bino: wino-higgsino-sneutrino dominates (seed 000 s. 2)
    p = MSSMParams.universal(tan_beta=30.0, mu=sign_mu * 400.0, M1=3000.0, M2=sign_m2 * 300.0, msl=350.0)
    r = amu_1l(p, SM, "mu")
    assert abs(float(r.chargino)) > 3 * abs(float(r.neutralino))
    assert np.sign(float(r.total)) == sign_mu * sign_m2


@pytest.mark.parametrize("sign_mu", [1.0, -1.0])
@pytest.mark.parametrize("sign_m1", [1.0, -1.0])
def test_sign_follows_mu_m1_in_bino_dominance(sign_mu, sign_m1):
    # large mu tan(beta), light bino and smuons, heavy wino: bino-smuon_L-smuon_R dominates
    p = MSSMParams.universal(tan_beta=40.0, mu=sign_mu * 3000.0, M1=sign_m1 * 150.0, M2=4000.0, msl=300.0, mse=250.0)
    r = amu_1l(p, SM, "mu")
    assert abs(float(r.neutralino)) > 3 * abs(float(r.chargino))
    assert np.sign(float(r.total)) == sign_mu * sign_m1


def test_chargino_mass_insertion_matches_full_result():
    # masses >> MZ: wino-higgsino mixing small; the MIA (seed 000 eq. 5) is then accurate
    p = MSSMParams.universal(tan_beta=50.0, mu=1500.0, M1=8000.0, M2=1000.0, msl=1200.0)
    full = float(amu_1l(p, SM, "mu").chargino)
    mia = float(amu_chargino_mia(p, SM, "mu"))
    assert abs(mia / full - 1) < 0.01  # measured 0.3%


def test_bino_mass_insertion_matches_full_result():
    # bino-LR dominance with heavy wino and higgsino (seed 000 eq. 6); the bino-higgsino
    # pieces the MIA omits are suppressed by ~ m_slepton^2/mu^2 ~ 0.4%
    p = MSSMParams(tan_beta=10.0, mu=8000.0, M1=300.0, M2=12000.0, msl=[500.0, 500.0, 500.0], mse=[700.0, 700.0, 700.0])
    full = float(amu_1l(p, SM, "mu").neutralino)
    mia = float(amu_bino_mia(p, SM, "mu"))
    assert abs(mia / full - 1) < 0.02  # measured 1.3%
    # equal L and R diagonal masses: the divided difference is taken at its limit, finite
    p_eq = MSSMParams(tan_beta=20.0, mu=2500.0, M1=300.0, M2=9000.0, msl=[500.0] * 3, mse=[500.0] * 3)
    assert np.isfinite(float(amu_bino_mia(p_eq, SM, "mu")))


BAD = {
    "tachyonic smuon": (dict(tan_beta=60.0, mu=30000.0, M1=200.0, M2=300.0, msl=200.0, mse=200.0), Status.TACHYON_SLEPTON),
    "tan(beta) <= 0": (dict(tan_beta=-1.0, mu=300.0, M1=200.0, M2=300.0, msl=200.0, mse=200.0), Status.TANB_NONPOSITIVE),
    "NaN input": (dict(tan_beta=10.0, mu=float("nan"), M1=200.0, M2=300.0, msl=200.0, mse=200.0), Status.NONFINITE_INPUT),
    "negative soft mass^2": (dict(tan_beta=10.0, mu=300.0, M1=200.0, M2=300.0, msl=-200.0, mse=200.0), Status.NEGATIVE_SOFT_MASS2),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_points_are_flagged_not_silent_nan(case):
    kw, flag = BAD[case]
    p = MSSMParams.universal(**kw)
    r = amu_1l(p, SM, "mu", throw=False)
    assert int(r.status) & int(flag)
    with pytest.raises(PhysicsError):
        amu_1l(p, SM, "mu")
    # inside jit + vmap with a good point next to it: the good one is unaffected, gradients finite
    good = MSSMParams.universal(tan_beta=10.0, mu=300.0, M1=200.0, M2=300.0, msl=200.0, mse=200.0)
    batch = jax.tree_util.tree_map(lambda a, b: jnp.stack([jnp.asarray(a), jnp.asarray(b)]), good, p)
    res = jax.jit(jax.vmap(lambda q: amu_1l_parts(q, SM, "mu")))(batch)
    assert int(res.status[0]) == 0 and np.isfinite(float(res.total[0]))
    assert int(res.status[1]) & int(flag)

    def loss(q):
        r = amu_1l_parts(q, SM, "mu")
        return jnp.where(r.status == 0, r.total, 0.0)

    grads = jax.vmap(jax.grad(loss))(batch)
    assert all(bool(jnp.all(jnp.isfinite(g))) for g in jax.tree_util.tree_leaves(grads))


def test_throw_inside_jit_raises():
    p = MSSMParams.universal(tan_beta=-1.0, mu=300.0, M1=200.0, M2=300.0, msl=200.0)
    with pytest.raises(Exception, match="unphysical"):
        jax.jit(lambda q: amu_1l(q, SM, "mu").total)(p)


def test_float32_input_is_rejected():
    from gm2jax import PrecisionError

    p = MSSMParams.universal(tan_beta=10.0, mu=300.0, M1=200.0, M2=300.0, msl=200.0)
    p32 = jax.tree_util.tree_map(lambda x: np.asarray(x, np.float32), p)
    with pytest.raises(PrecisionError, match="float32"):
        amu_1l(p32, SM, "mu")


def test_results_are_float64_even_with_x64_disabled():
    p = MSSMParams.universal(tan_beta=10.0, mu=300.0, M1=200.0, M2=300.0, msl=200.0)
    with jax.enable_x64(False):
        r = amu_1l(p, SM, "mu")
    assert r.total.dtype == jnp.float64


def test_vmap_equals_loop_and_jit_equals_nojit(key):
    n = 5
    k = jax.random.split(key, 4)
    tb = jax.random.uniform(k[0], (n,), minval=5, maxval=60)
    mu = jax.random.uniform(k[1], (n,), minval=-1500, maxval=1500)
    m2 = jax.random.uniform(k[2], (n,), minval=150, maxval=1000)
    ms = jax.random.uniform(k[3], (n, 3), minval=150, maxval=1000)
    batch = MSSMParams(tan_beta=tb, mu=mu, M1=0.5 * m2, M2=m2, msl=ms, mse=1.1 * ms, Ae=jnp.zeros((n, 3)))
    vm = jax.jit(jax.vmap(lambda q: amu_1l_parts(q, SM, "mu")))(batch).total
    for i in range(n):
        q = jax.tree_util.tree_map(lambda x, i=i: x[i], batch)
        assert jnp.allclose(vm[i], amu_1l_parts(q, SM, "mu").total, rtol=1e-12, atol=0)
