"""Photonic two-loop corrections (models/mssm/amu_2l_photonic.py) against GM2Calc 2.3.1
(tests/data/mssm2l_public.json: amu2LChipmPhotonic, amu2LChi0Photonic and their _nonres values).

Tolerance: the issue's 1e-6 * max(|ref|, 1e-3 * sum|five 2L pieces|) (mssm2l_tools.tol).  GM2Calc's
own loop functions are accurate to ~1.5e-9 (6th-order Taylor windows), far inside it.

Resummed values use Delta_l from gm2jax.models.mssm.threshold.delta_lepton(..., "gm2calc") (the
pipeline's own Delta, itself checked against the record's delta_mu here); non-resummed: Delta = 0.
Electron records use the physical generations and lepton="e" (see mssm2l_tools).
"""

import jax
import jax.numpy as jnp
import mssm2l_tools as T
import numpy as np
import pytest

from gm2jax.models.mssm import amu_2l_photonic as P
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.one_loop import amu_1l_neutralino
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.models.mssm.threshold import delta_lepton
from gm2jax.sm import SMInputs, couplings

RECORDS = T.RECORDS
IDS = [r["id"] for r in RECORDS]


def _evaluate(p, sm, aux, lep):
    c = couplings(sm)
    m_l = sm.lepton_mass(lep)
    d = delta_lepton(p, c, lep, "gm2calc")
    out = {"delta": d}
    for suffix, dl in (("", d), ("_nonres", 0.0)):
        out["amu2LChipmPhotonic" + suffix] = P.amu_2l_photonic_chargino(
            p, c, lep, m_l, dl, alpha_0=sm.alpha_0
        )
        out["amu2LChi0Photonic" + suffix] = P.amu_2l_photonic_neutralino(
            p, c, lep, m_l, dl, alpha_0=sm.alpha_0
        )
    return out


@pytest.fixture(scope="module")
def batched():
    return T.evaluate_records(_evaluate)


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_photonic_resummed(rec, batched):
    ours, o = batched[rec["id"]], rec["outputs"]
    # Delta_l of the pipeline equals GM2Calc's (a closed form: 1e-10 relative)
    assert ours["delta"] == pytest.approx(o["delta_mu"], rel=1e-10, abs=1e-16)
    for key in ("amu2LChipmPhotonic", "amu2LChi0Photonic"):
        ref = o[key]
        assert abs(ours[key] - ref) <= T.tol(rec, ref), (key, ours[key], ref, T.tol(rec, ref))


NONRES = [r for r in RECORDS if T.has_nonres(r)]


@pytest.mark.parametrize("rec", NONRES, ids=[r["id"] for r in NONRES])
def test_photonic_nonres(rec, batched):
    ours, o = batched[rec["id"]], rec["outputs"]
    for key in ("amu2LChipmPhotonic_nonres", "amu2LChi0Photonic_nonres"):
        ref = o[key]
        assert abs(ours[key] - ref) <= T.tol(rec, ref, "_nonres"), (key, ours[key], ref)


# ----------------------------------------------------------------------------------------
# gradients (Richardson finite differences) at degenerate spectra
# ----------------------------------------------------------------------------------------

_NAMES = ("tan_beta", "mu", "M1", "M2", "Q")


def _flat(p, delta):
    return jnp.concatenate(
        [jnp.stack([getattr(p, n) for n in _NAMES]), p.msl, p.mse, p.Ae, jnp.atleast_1d(delta)]
    )


def _photonic_of_flat(x, sm, lep):
    p = MSSMParams(x[0], x[1], x[2], x[3], x[5:8], x[8:11], x[11:14], Q=x[4])
    c = couplings(sm)
    m_l = sm.lepton_mass(lep)
    a_c = P.amu_2l_photonic_chargino(p, c, lep, m_l, x[14], alpha_0=sm.alpha_0)
    a_n = P.amu_2l_photonic_neutralino(p, c, lep, m_l, x[14], alpha_0=sm.alpha_0)
    # both pieces, with incommensurate weights so that neither can hide behind the other
    return a_c + 1.7 * a_n


def _scale(x):
    x = np.abs(np.asarray(x))
    s = np.where(x > 0, x, 100.0)
    s[0] = max(x[0], 1.0)  # tan(beta)
    s[14] = max(x[14], 0.01)  # Delta_l (dimensionless; 0 at the non-resummed points)
    return s


SM = SMInputs.from_convention("gm2calc")
C = couplings(SM)


def _snu_eq_cha(tb, mu, m1, m2, g):
    """msl of generation g tuned so that m_snu = m_chi+_1 (x_1 = 1 in F1C..F4C)."""
    p = MSSMParams.universal(tan_beta=tb, mu=mu, M1=m1, M2=m2, msl=800.0, mse=600.0, Q=900.0)
    mcha = np.linalg.svd(np.asarray(sp.chargino_matrix(p, C)), compute_uv=False)[-1]
    cb = 1.0 / np.sqrt(1.0 + tb**2)
    ml2 = mcha**2 - 0.5 * float(C.MZ) ** 2 * (2.0 * cb**2 - 1.0)
    msl = np.full(3, 800.0)
    msl[g] = np.sqrt(ml2)
    return MSSMParams(tb, mu, m1, m2, msl, np.full(3, 600.0), Q=900.0)


def _sleptons_degenerate_and_eq_neutralino(tb, mu, m1, m2, g, m_l):
    """No L-R mixing (A = mu tb), m_L = m_R exactly, and both equal to the lightest neutralino mass
    (x = 1 in F1N..F4N, degenerate slepton eigenvalues)."""
    p0 = MSSMParams.universal(tan_beta=tb, mu=mu, M1=m1, M2=m2, msl=800.0)
    lam = np.min(np.abs(np.linalg.eigvalsh(np.asarray(sp.neutralino_matrix(p0, C)))))
    cb = 1.0 / np.sqrt(1.0 + tb**2)
    c2b = 2.0 * cb**2 - 1.0
    mz2, sw2 = float(C.MZ) ** 2, float(C.sW) ** 2
    ml2 = lam**2 - m_l**2 - mz2 * c2b * (sw2 - 0.5)
    me2 = lam**2 - m_l**2 + mz2 * c2b * sw2
    msl, mse, ae = np.full(3, 900.0), np.full(3, 700.0), np.zeros(3)
    msl[g], mse[g], ae[g] = np.sqrt(ml2), np.sqrt(me2), mu * tb
    return MSSMParams(tb, mu, m1, m2, msl, mse, ae, Q=600.0)


PUBLIC = {
    "mu": ["D_M2eqmu_4_mu", "D_msleqmse_0_mu", "D_flavuniv_1_mu", "R011_mu"],
    "e": ["D_M2eqmu_4_e", "D_msleqmse_0_e", "D_flavuniv_1_e", "R011_e"],
}


def _handmade(lep):
    g = {"e": 0, "mu": 1}[lep]
    m_l = float(SM.lepton_mass(lep))
    return {
        "M2_eq_mu": MSSMParams.universal(
            tan_beta=30.0, mu=400.0, M1=250.0, M2=400.0, msl=350.0, mse=300.0, A=100.0, Q=500.0
        ),
        "M2_eq_minus_mu": MSSMParams.universal(
            tan_beta=8.0, mu=-400.0, M1=250.0, M2=400.0, msl=350.0, mse=300.0, Q=500.0
        ),
        "all_equal": MSSMParams.universal(
            tan_beta=10.0, mu=500.0, M1=500.0, M2=500.0, msl=500.0, mse=500.0, Q=500.0
        ),
        "snu_eq_cha1": _snu_eq_cha(20.0, 300.0, 200.0, 500.0, g),
        "snu_eq_cha1_M2_eq_mu": _snu_eq_cha(12.0, -350.0, 200.0, 350.0, g),
        "slep_eq_neu1_mL_eq_mR": _sleptons_degenerate_and_eq_neutralino(
            25.0, 600.0, 300.0, 700.0, g, m_l
        ),
    }


def test_handmade_points_are_degenerate():
    for lep in ("mu", "e"):
        m_l = SM.lepton_mass(lep)
        pts = _handmade(lep)
        spec = sp.tree_spectrum(pts["snu_eq_cha1"], C, lep, m_l)
        assert float(spec.m_sneutrino) == pytest.approx(float(spec.m_chargino[0]), rel=1e-14)
        spec = sp.tree_spectrum(pts["slep_eq_neu1_mL_eq_mR"], C, lep, m_l)
        ms = np.asarray(spec.m_slepton)
        assert ms[0] == pytest.approx(ms[1], rel=1e-14)
        assert ms[0] == pytest.approx(float(spec.m_neutralino[0]), rel=1e-13)


@pytest.mark.parametrize("lep", ["mu", pytest.param("e", marks=pytest.mark.slow)])
def test_gradients_at_degenerate_points(lep):
    xs, sms, labels = [], [], []
    for rid in PUBLIC[lep]:
        rec = next(r for r in RECORDS if r["id"] == rid)
        xs.append(_flat(T.params(rec), rec["outputs"]["delta_mu"]))
        sms.append(T.sm_inputs(rec))
        labels.append(rid)
    for name, p in _handmade(lep).items():
        for d in (0.0, -0.08):
            xs.append(_flat(p, d))
            sms.append(SM)
            labels.append(f"{name}/delta={d}")
    xs = np.stack([np.asarray(x) for x in xs])
    sms = T.stack(sms)
    scales = np.stack([_scale(x) for x in xs])
    T.assert_gradients(lambda x, sm: _photonic_of_flat(x, sm, lep), xs, sms, scales, labels=labels)


@pytest.mark.slow  # 40-80 s (two gradient compilations); the 74 records check the shared sums' values by default
def test_shared_neutralino_sums_equal_the_separate_ones():
    # amu_2l computes the one-loop and photonic neutralino sums from one diagonalisation
    # (P.neutralino_sums, a vmap over a selector): same values and gradients as the two functions
    sm = SMInputs.from_convention("gm2calc")
    c = couplings(sm)
    m_l = sm.lepton_mass("mu")

    def shared(p):
        y = sp.yukawa(c, p.tan_beta, m_l, 0.01)
        msl = sp.slepton_matrix(p, c, "mu", m_l, 0.01)
        return jnp.stack(P.neutralino_sums(sp.neutralino_matrix(p, c), msl, c, y, m_l, sm.alpha_0, p.Q))

    def separate(p):
        return jnp.stack([
            amu_1l_neutralino(p, c, "mu", m_l, 0.01),
            P.amu_2l_photonic_neutralino(p, c, "mu", m_l, 0.01, alpha_0=sm.alpha_0),
        ])

    # generic point and an exactly degenerate one (M2 = |mu|, equal slepton soft masses)
    for p in (
        MSSMParams.universal(tan_beta=30.0, mu=-700.0, M1=250.0, M2=450.0, msl=400.0, mse=350.0, A=100.0),
        MSSMParams.universal(tan_beta=20.0, mu=500.0, M1=200.0, M2=500.0, msl=300.0),
    ):
        # the same terms summed in another order (the mapped sum): 24 terms that cancel by up to
        # ~1e2 (bino against higgsino parts), 24 x 1e2 x eps ~ 5e-13 -> 1e-12; gradients: the same,
        # amplified by the divided differences of the derivative rules (their accuracy ~1e-11)
        np.testing.assert_allclose(shared(p), separate(p), rtol=1e-12, atol=0.0)
        jac_s, jac_d = jax.jacrev(shared)(p), jax.jacrev(separate)(p)
        for a, b in zip(jax.tree_util.tree_leaves(jac_s), jax.tree_util.tree_leaves(jac_d)):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12 * float(jnp.max(jnp.abs(b))) + 1e-300)
