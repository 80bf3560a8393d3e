"""2HDM a_mu vs GM2Calc 2.3.1 (tests/data/thdm_public.json, example.thdm), reader, statuses.

All records (and example.thdm) are evaluated in one vmapped call (one compilation, shared by the
parametrised tests).  Tolerance (GM2CALC_2L_THDM.md): each quantity within
``1e-6 * max(|ref|, 1e-3 * scale)``, ``scale = |amu1L| + sum |2L sub-pieces|``, with the absolute
floor 1e-20 for one-loop values that are rounding noise (``eps * 2.2e-14``, the subtracted
SM-Higgs term).
"""

import json
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax.errors import Status
from gm2jax.io.thdm import amu_row, is_thdm, read_thdm
from gm2jax.models.thdm import (
    THDMParams,
    THDMSMInputs,
    amu_parts,
    gauge_from_mass,
    mass_from_gauge,
    point_status,
    yukawa_type_from_int,
)
from gm2jax.models.thdm.couplings import as_core

DATA = pathlib.Path(__file__).parent / "data"
RECORDS = json.loads((DATA / "thdm_public.json").read_text())
REJECTED = json.loads((DATA / "thdm_points_rejected.json").read_text())
EXAMPLE = (DATA / "example.thdm").read_text()
SM = THDMSMInputs.from_defaults()

# result field -> GM2Calc output key
PIECES = {
    "one_loop": "amu1L",
    "two_loop": "amu2L",
    "two_loop_bosonic": "amu2L_bosonic",
    "two_loop_fermionic": "amu2L_fermionic",
    "ewadd": "amu2L_B_EWadd",
    "nonyuk": "amu2L_B_nonYuk",
    "yuk": "amu2L_B_Yuk",
    "fermionic_neutral": "amu2L_F_neutral",
    "fermionic_charged": "amu2L_F_charged",
    "uncertainty": "unc_2loop",
}


def params_of(rec) -> THDMParams:
    i = rec["inputs"]
    kw = {k: i[k] for k in ("mh", "mH", "mA", "mHp", "tan_beta", "m122", "lambda6", "lambda7", "zeta_u", "zeta_d", "zeta_l")}
    kw.update({m: np.array(i[m]) for m in ("Delta_u", "Delta_d", "Delta_l", "Pi_u", "Pi_d", "Pi_l")})
    return THDMParams(sin_beta_minus_alpha=i["sin_beta_minus_alpha"], yukawa_type=yukawa_type_from_int(rec["yukawa_type_int"]), **kw)


@pytest.fixture(scope="module")
def batch():
    """amu_parts of every public record plus example.thdm (last row), one vmapped evaluation."""
    ps = [params_of(r) for r in RECORDS] + [read_thdm(EXAMPLE, "example.thdm")[0]]
    cores = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[as_core(p) for p in ps])
    res = jax.vmap(lambda q: amu_parts(q, SM))(cores)
    return jax.tree_util.tree_map(np.asarray, res)


def _tolerance(out):
    scale = abs(out["amu1L"]) + sum(
        abs(out[k]) for k in ("amu2L_B_EWadd", "amu2L_B_nonYuk", "amu2L_B_Yuk", "amu2L_F_charged", "amu2L_F_neutral")
    )
    return lambda ref: max(1e-6 * max(abs(ref), 1e-3 * scale), 1e-20)


@pytest.mark.parametrize("idx", range(len(RECORDS)), ids=[r["id"] for r in RECORDS])
def test_public_record(batch, idx):
    out = RECORDS[idx]["outputs"]
    tol = _tolerance(out)
    for field, key in PIECES.items():
        got = float(getattr(batch, field)[idx])
        assert abs(got - out[key]) <= tol(out[key]), (field, got, out[key])
    ref_total = out["amu1L"] + out["amu2L"]
    assert abs(float(batch.total[idx]) - ref_total) <= tol(ref_total)


def test_example_thdm_gm2calc_digits(batch):
    # GM2Calc 2.3.1 prints 1.04546415E-11 +- 2.85757286E-12 for input/example.thdm
    assert f"{float(batch.total[-1]):.8e}" == "1.04546415e-11"
    assert f"{float(batch.uncertainty[-1]):.8e}" == "2.85757286e-12"


def test_reader_reproduces_record_inputs():
    for rec in RECORDS:
        p, sm, cfg = read_thdm(rec["gm2calc_input"], rec["id"])
        q = params_of(rec)
        assert p.yukawa_type == q.yukawa_type
        for f in ("mh", "mH", "mA", "mHp", "sin_beta_minus_alpha", "tan_beta", "m122", "lambda6", "lambda7"):
            assert float(getattr(p, f)) == float(getattr(q, f)), (rec["id"], f)
        for f in ("Delta_u", "Delta_d", "Delta_l", "Pi_u", "Pi_d", "Pi_l"):
            np.testing.assert_array_equal(np.asarray(getattr(p, f)), np.asarray(getattr(q, f)))
        assert cfg == {"loops": 2, "running_couplings": True, "uncertainty": True}
        assert float(sm.alpha_MZ) == 1.0 / 127.934 and float(sm.MW) == 80.3773317


def test_is_thdm():
    assert is_thdm(EXAMPLE)
    assert all(is_thdm(r["gm2calc_input"]) for r in RECORDS[:3])
    mssm = "Block GM2CalcInput\n 1 91.1876\n 3 10\nBlock MINPAR\n 3 10.0\n"
    assert not is_thdm(mssm)
    assert not is_thdm("not an slha file \x00")


def test_rejected_inputs_get_a_status():
    expected = {
        "D_aligned_eqII": Status.ALIGNED_YUKAWA_POLE,
        "D_aligned_zetaXI": Status.ALIGNED_YUKAWA_POLE,
        "X_mh_gt_mH": Status.INVALID_PARAMETER,
        "X_sba_gt_1": Status.INVALID_PARAMETER,
        "X_tb_neg": Status.TANB_NONPOSITIVE,
        "X_mA_neg": Status.TACHYON_HIGGS,
    }
    for rec in REJECTED:
        p, _, _ = read_thdm(rec["gm2calc_input"], rec["id"])
        st = int(point_status(p))
        assert st & int(expected[rec["id"]]), (rec["id"], st)


def test_point_status_flags_every_fuzz_hole():
    """Inputs for which the pieces are non-finite (found by benchmarks/fuzz.py) get a status, on
    THDMParams and on the fit's YukawaCore alike; the window edges themselves are accepted."""
    import equinox as eqx

    from gm2jax.models.thdm.amu import COUPLING_MAX, MASS_RANGE, TAN_BETA_RANGE

    base = THDMParams(125.09, 400.0, 50.0, 420.0, 0.999, 40.0, m122=4000.0, lambda6=0.1, yukawa_type="X")
    U, N = int(Status.NUMERICALLY_UNRELIABLE), int(Status.NONFINITE_INPUT)
    cases = [("mHp", 1e-5, U), ("mHp", 1e-300, U), ("mA", 1e45, U), ("mH", 1e35, U), ("mh", 1e-100, U),
             ("tan_beta", 1e25, U), ("tan_beta", 1e-97, U), ("lambda6", 1e30, U), ("m122", -1e300, U),
             ("mH", float("nan"), N), ("lambda7", float("inf"), N), ("sin_beta_minus_alpha", float("nan"), N),
             ("mHp", MASS_RANGE[0], 0), ("mHp", MASS_RANGE[1], 0), ("tan_beta", TAN_BETA_RANGE[0], 0),
             ("tan_beta", TAN_BETA_RANGE[1], 0), ("lambda7", -COUPLING_MAX, 0)]
    for name, value, bit in cases:
        p = eqx.tree_at(lambda q: getattr(q, name), base, value)
        if name == "mH":
            p = eqx.tree_at(lambda q: q.mh, p, 1.0)  # keep m_h <= m_H out of the way
        for st in (int(point_status(p)), int(point_status(as_core(p)))):
            assert (st & bit) if bit else st == 0, (name, value, st)


def test_gauge_basis_round_trip():
    for rec in RECORDS[::4]:
        p = params_of(rec)
        g = gauge_from_mass(p, SM)
        lam_ref = [rec["derived"][f"lambda{k}"] for k in range(1, 8)]
        np.testing.assert_allclose(np.asarray(g.lambdas), lam_ref, rtol=1e-10, atol=1e-10)
        q = mass_from_gauge(g, SM)
        for f in ("mh", "mH", "mA", "mHp"):
            assert abs(float(getattr(q, f)) / float(getattr(p, f)) - 1) < 1e-10
        # the pure tree-level inverse recovers the input mixing
        assert abs(float(q.sin_beta_minus_alpha) - p.sin_beta_minus_alpha) < 1e-9


def test_gm2calc_mixing_convention():
    """sin(beta - alpha) as GM2Calc reconstructs it (type_X_025: 0.751 for an input of 0.565)."""
    from gm2jax.models.thdm.spectrum import mixing

    for rec in RECORDS:
        sba, cba = mixing(params_of(rec), SM)
        assert abs(float(sba) - rec["derived"]["sin_beta_minus_alpha"]) < 1e-9, rec["id"]
        assert abs(float(cba) - rec["derived"]["cos_beta_minus_alpha"]) < 1e-9, rec["id"]


@pytest.mark.slow
def test_amu_row_end_to_end():
    row = amu_row(EXAMPLE, "example.thdm")
    assert f"{row['total']:.8e}" == "1.04546415e-11" and f"{row['uncertainty']:.8e}" == "2.85757286e-12"
    assert row["status"] == 0 and row["problem"] is None and row["model"] == "thdm"
    for rec in REJECTED:
        row = amu_row(rec["gm2calc_input"], rec["id"])
        assert row["status"] != 0 and row["problem"] and row["total"] is None
