"""SM inputs and the two electroweak conventions."""

import json
import pathlib

import pytest

from gm2jax import InvalidInput, SMInputs, couplings
from gm2jax.io.gm2calc import from_gm2calc_blocks
from gm2jax.io.slha import parse_slha

REF = json.loads((pathlib.Path(__file__).parent / "data" / "gm2calc_public.json").read_text())


def test_gm2calc_convention_reproduces_gm2calc_derived_couplings():
    # GM2CALC_CONVENTIONS.md s. 2 and the 'derived' block of every reference record
    for rec in REF[:6]:
        inp = from_gm2calc_blocks(parse_slha(rec["gm2calc_input"]))
        c = couplings(inp.sm)
        d = rec["derived"]
        assert float(c.e) == pytest.approx(d["e_from_alpha_MZ"], rel=1e-15)
        assert float(c.g2) == pytest.approx(d["g2"], rel=1e-14)
        assert float(c.gY) == pytest.approx(d["gY"], rel=1e-14)
        assert float(c.v) == pytest.approx(d["v"], rel=1e-14)


def test_tree_level_mz_consistency_in_both_schemes():
    for name in ("gm2calc", "pdg"):
        c = couplings(SMInputs.from_convention(name))
        mz_tree = 0.5 * (c.g2**2 + c.gY**2) ** 0.5 * c.v
        assert float(mz_tree) == pytest.approx(float(c.MZ), rel=1e-12)


def test_pdg_convention_values():
    sm = SMInputs.from_convention("pdg")
    c = couplings(sm)
    assert float(c.v) == pytest.approx(246.22, abs=0.01)  # (sqrt2 G_F)^-1/2
    assert float(c.sW**2) == pytest.approx(0.23129, rel=1e-12)
    assert sm.scheme == "msbar"


def test_bad_convention_and_field_names():
    with pytest.raises(InvalidInput, match="unknown SM convention"):
        SMInputs.from_convention("nope")
    with pytest.raises(InvalidInput, match="unknown SMInputs field 'mz'"):
        SMInputs.from_convention("pdg", mz=91.0)
    with pytest.raises(InvalidInput, match="unknown lepton"):
        SMInputs.from_convention("pdg").lepton_mass("nu")
