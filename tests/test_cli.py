"""The command line: `gm2jax amu` on GM2Calc and SLHA files (a thin layer over the library)."""

import json
import pathlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

from gm2jax.cli import main

DATA = pathlib.Path(__file__).parent / "data"
REF = {r["id"]: r for r in json.loads((DATA / "gm2calc_public.json").read_text())}


def _write(tmp_path, rid):
    f = tmp_path / f"{rid}.gm2calc"
    f.write_text(REF[rid]["gm2calc_input"])
    return f


def test_amu_json_many_files_matches_gm2calc(tmp_path):
    ids = ["R037_mu", "R042_mu", "BP1_mu", "D_allequal_0_mu"]
    files = [str(_write(tmp_path, i)) for i in ids]
    res = CliRunner().invoke(main, ["amu", *files, "--lepton", "mu", "--no-resum", "--json"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.output.strip().splitlines()]
    assert [r["file"] for r in rows] == files
    for rid, row in zip(ids, rows):
        ref = REF[rid]["outputs"]["amu1L_nonres"]
        assert abs(row["total"] - ref) <= 1e-6 * abs(ref) * max(1.0, 1e-3 * REF[rid]["cancellation_ratio_nonres"])
        assert {"file", "lepton", "total", "neutralino", "chargino"} <= set(row)
        assert row["convention"] == "gm2calc"


def test_amu_electron_uses_first_generation_slots(tmp_path):
    f = _write(tmp_path, "R037_e")
    res = CliRunner().invoke(main, ["amu", str(f), "--lepton", "e", "--no-resum", "--json"])
    assert res.exit_code == 0, res.output
    ref = REF["R037_e"]["outputs"]["amu1L_nonres"]
    assert abs(json.loads(res.output)["total"] - ref) <= 1e-6 * abs(ref) * max(1.0, 1e-3 * REF["R037_e"]["cancellation_ratio_nonres"])


@pytest.mark.parametrize("rid", ["R037_mu", "EY-II_e", "BP1_e"])
def test_resummation_follows_config_and_flags(tmp_path, rid):
    f = _write(tmp_path, rid)  # GM2CalcConfig entry 2 = 1: resummed by default
    rec = REF[rid]
    tol = 1e-6 * max(abs(rec["outputs"]["amu1L_res"]), 1e-3 * rec["cancellation_ratio_res"] * abs(rec["outputs"]["amu1L_res"]))
    lep = rec["lepton"]
    row = json.loads(CliRunner().invoke(main, ["amu", str(f), "--lepton", lep, "--json"]).output)
    assert row["resummed"] and abs(row["total"] - rec["outputs"]["amu1L_res"]) <= tol
    assert row["delta"] == pytest.approx(rec["outputs"]["delta_lepton"], rel=1e-10)
    row = json.loads(CliRunner().invoke(main, ["amu", str(f), "--lepton", lep, "--no-resum", "--json"]).output)
    assert not row["resummed"] and row["delta"] == 0.0


def test_missing_block_names_it(tmp_path):
    f = tmp_path / "bad.gm2calc"
    f.write_text(REF["R037_mu"]["gm2calc_input"].replace("     4     ", "     99     ", 1).replace("    4     ", "    99    "))
    text = "\n".join(line for line in REF["R037_mu"]["gm2calc_input"].splitlines() if "# mu" not in line)
    f.write_text(text)
    res = CliRunner().invoke(main, ["amu", str(f), "--no-resum"])
    assert res.exit_code == 2
    assert "GM2CalcInput entry 4 (mu) is missing" in res.output


def test_unphysical_point_exits_nonzero_with_reason(tmp_path):
    text = REF["R037_mu"]["gm2calc_input"]
    lines = [("     3     -5.0   # tan(beta)" if "# tan(beta)" in line else line) for line in text.splitlines()]
    f = tmp_path / "neg_tanb.gm2calc"
    f.write_text("\n".join(lines))
    res = CliRunner().invoke(main, ["amu", str(f), "--no-resum", "--json"])
    assert res.exit_code == 1
    row = json.loads(res.output)
    assert row["total"] is None and "tan(beta)" in row["problem"]


def test_slha_input(tmp_path):
    f = tmp_path / "point.slha"
    f.write_text(
        """Block SMINPUTS
    1  1.27951e+02   # 1/alpha_em(MZ) MS-bar
    2  1.1663788e-05 # G_F
    4  9.1188e+01    # MZ
   13  1.056583755e-01
Block EXTPAR
    1  2.0e+02   # M1
    2  4.0e+02   # M2
   23  5.0e+02   # mu
   25  4.0e+01   # tan(beta)
   31  3.0e+02   # meL
   32  3.0e+02   # mmuL
   33  3.0e+02   # mtauL
   34  3.0e+02   # meR
   35  3.0e+02   # mmuR
   36  3.0e+02   # mtauR
"""
    )
    res = CliRunner().invoke(main, ["amu", str(f), "--json"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.output)
    from gm2jax import MSSMParams, SMInputs, amu_1l

    p = MSSMParams.universal(tan_beta=40.0, mu=500.0, M1=200.0, M2=400.0, msl=300.0)
    sm = SMInputs.from_convention("pdg", alpha_MZ=1 / 127.951, MZ=91.188, m_mu=0.1056583755)
    assert row["convention"] == "pdg"
    assert row["total"] == pytest.approx(float(amu_1l(p, sm, "mu").total), rel=1e-12)


def test_packaged_benchmark_and_version():
    res = CliRunner().invoke(main, ["amu", "--benchmark", "BP1", "--lepton", "mu", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["total"] == pytest.approx(REF["BP1_mu"]["outputs"]["amu1L_nonres"], rel=1e-6)
    out = subprocess.run([sys.executable, "-m", "gm2jax.cli", "--version"], capture_output=True, text=True)
    assert "gm2jax" in out.stdout
