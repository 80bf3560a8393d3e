"""MSSM one-loop a_l against GM2Calc 2.3.1 (shared/reference/gm2calc_public.json).

Tolerance (issue 2): |ours - ref| <= 1e-6 * max(|ref|, 1e-3 * sum|terms|), where
sum|terms| = cancellation_ratio_nonres * |ref| is recorded by the reference.
GM2Calc itself is only accurate to ~1.5e-9 relative in its loop functions
(GM2CALC_CONVENTIONS.md s. 6), far inside this tolerance.
"""

import json
import pathlib

import jax
import jax.numpy as jnp
import pytest

from gm2jax.io.gm2calc import from_gm2calc_blocks
from gm2jax.io.slha import parse_slha
from gm2jax.models.mssm.one_loop import amu_1l_parts
from gm2jax.models.mssm.spectrum import tree_spectrum
from gm2jax.sm import couplings

DATA = pathlib.Path(__file__).parent / "data" / "gm2calc_public.json"
RECORDS = [r for r in json.loads(DATA.read_text()) if r["outputs"].get("amu1L_nonres") is not None]
RTOL = 1e-6


def _point(rec):
    inp = from_gm2calc_blocks(parse_slha(rec["gm2calc_input"]), rec["id"])
    return inp.params, inp.sm


def _tol(rec, ref):
    ratio = rec.get("cancellation_ratio_nonres") or 1.0
    return RTOL * max(abs(ref), 1e-3 * ratio * abs(ref))


def _batched(records, resummation):
    """All records evaluated in one vmapped call per lepton (also checks batching)."""
    out = {}
    for lep in ("mu", "e"):
        recs = [r for r in records if r["lepton"] == lep]
        pts = [_point(r) for r in recs]
        params = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[p for p, _ in pts])
        sms = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[s for _, s in pts])
        fn = jax.jit(jax.vmap(lambda p, s, lep=lep: amu_1l_parts(p, s, lep, resummation=resummation)))
        res = fn(params, sms)
        for k, r in enumerate(recs):
            out[r["id"]] = jax.tree_util.tree_map(lambda x, k=k: x[k], res)
    assert set(out) == {r["id"] for r in records}
    return out


@pytest.fixture(scope="module")
def batched():
    return _batched(RECORDS, None)


@pytest.mark.parametrize("rec", RECORDS, ids=[r["id"] for r in RECORDS])
def test_amu1l_nonres_matches_gm2calc(rec, batched):
    res = batched[rec["id"]]
    assert int(res.status) == 0
    o = rec["outputs"]
    for ours, key in ((res.total, "amu1L_nonres"), (res.neutralino, "amu1L_nonres_chi0"), (res.chargino, "amu1L_nonres_chipm")):
        ref = o[key]
        tol = _tol(rec, o["amu1L_nonres"])
        assert abs(float(ours) - ref) <= tol, f"{key}: ours {float(ours):.12e} ref {ref:.12e} tol {tol:.2e}"


def test_tree_spectrum_matches_gm2calc():
    for rec in RECORDS:
        params, sm = _point(rec)
        lep = rec["lepton"]
        spec = tree_spectrum(params, couplings(sm), lep, sm.lepton_mass(lep))
        m = rec["masses"]
        assert jnp.allclose(spec.m_neutralino, jnp.asarray(m["MChi"]), rtol=1e-9), rec["id"]
        assert jnp.allclose(spec.m_chargino, jnp.asarray(m["MCha"]), rtol=1e-9), rec["id"]
        assert jnp.allclose(spec.m_slepton, jnp.asarray(m["MSl_nonres"]), rtol=1e-9), rec["id"]
        assert jnp.allclose(spec.m_sneutrino, m["MSnu"], rtol=1e-9), rec["id"]


RES_RECORDS = [r for r in json.loads(DATA.read_text()) if r["outputs"].get("amu1L_res") is not None]


@pytest.fixture(scope="module")
def batched_res():
    return _batched(RES_RECORDS, "gm2calc")


@pytest.mark.parametrize("rec", RES_RECORDS, ids=[r["id"] for r in RES_RECORDS])
def test_amu1l_resummed_and_delta_match_gm2calc(rec, batched_res):
    """GM2Calc 'with tan(beta) resummation' (issue 3, item 1): Delta_l in GM2Calc's approximations."""
    res = batched_res[rec["id"]]
    assert int(res.status) == 0
    o = rec["outputs"]
    assert abs(float(res.delta) - o["delta_lepton"]) <= 1e-10 * abs(o["delta_lepton"])
    ratio = rec.get("cancellation_ratio_res") or 1.0
    tol = RTOL * max(abs(o["amu1L_res"]), 1e-3 * ratio * abs(o["amu1L_res"]))
    for ours, key in ((res.total, "amu1L_res"), (res.neutralino, "amu1L_res_chi0"), (res.chargino, "amu1L_res_chipm")):
        assert abs(float(ours) - o[key]) <= tol, f"{key}: ours {float(ours):.12e} ref {o[key]:.12e}"


def test_exact_spectrum_delta_differs_from_gm2calc_approximation_by_percent_at_most():
    """Documented size of the GM2Calc large-tan(beta) approximation in Delta_l (<= ~4% here)."""
    from gm2jax.models.mssm.threshold import delta_lepton

    rel = []
    for rec in RECORDS:
        params, sm = _point(rec)
        c = couplings(sm)
        d_g = float(delta_lepton(params, c, rec["lepton"], "gm2calc"))
        d_e = float(delta_lepton(params, c, rec["lepton"], "exact"))
        rel.append(abs(d_e / d_g - 1))
    assert 1e-6 < max(rel) < 0.05
