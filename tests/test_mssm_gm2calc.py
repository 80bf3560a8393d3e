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
from gm2jax.models.mssm.amu_1l import amu_1l_parts
from gm2jax.models.mssm.spectrum import spectrum
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


@pytest.fixture(scope="module")
def batched():
    """All records evaluated in one vmapped call (also checks batching)."""
    ids = [r["id"] for r in RECORDS]
    out = {}
    for lep in ("mu", "e"):
        recs = [r for r in RECORDS if r["lepton"] == lep]
        pts = [_point(r) for r in recs]
        params = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[p for p, _ in pts])
        sms = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[s for _, s in pts])
        res = jax.jit(jax.vmap(lambda p, s, lep=lep: amu_1l_parts(p, s, lep)))(params, sms)
        for k, r in enumerate(recs):
            out[r["id"]] = jax.tree_util.tree_map(lambda x, k=k: x[k], res)
    assert set(out) == set(ids)
    return out


@pytest.mark.parametrize("rec", RECORDS, ids=[r["id"] for r in RECORDS])
def test_amu1l_nonres_matches_gm2calc(rec, batched):
    res = batched[rec["id"]]
    assert int(res.status) == 0
    o = rec["outputs"]
    for ours, key in ((res.total, "amu1L_nonres"), (res.neutralino, "amu1L_nonres_chi0"), (res.chargino, "amu1L_nonres_chipm")):
        ref = o[key]
        tol = _tol(rec, o["amu1L_nonres"])
        assert abs(float(ours) - ref) <= tol, f"{key}: ours {float(ours):.12e} ref {ref:.12e} tol {tol:.2e}"


@pytest.mark.parametrize("rec", RECORDS[::4], ids=[r["id"] for r in RECORDS[::4]])
def test_tree_spectrum_matches_gm2calc(rec):
    params, sm = _point(rec)
    lep = rec["lepton"]
    spec = spectrum(params, couplings(sm), lep, sm.lepton_mass(lep))
    m = rec["masses"]
    assert jnp.allclose(spec.m_neutralino, jnp.asarray(m["MChi"]), rtol=1e-9)
    assert jnp.allclose(spec.m_chargino, jnp.asarray(m["MCha"]), rtol=1e-9)
    assert jnp.allclose(spec.m_slepton, jnp.asarray(m["MSl_nonres"]), rtol=1e-9)
    assert jnp.allclose(spec.m_sneutrino, m["MSnu"], rtol=1e-9)
