"""The command line `gm2jax amu`: GM2Calc input, SLHA spectrum and parameter files, batches with bad
files, SLHA output, exit codes, clean messages (issues 11 and 15)."""

import json
import pathlib
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from gm2jax.cli import main
from gm2jax.io.amu_batch import two_loop_available
from gm2jax.io.slha import parse_document

DATA = pathlib.Path(__file__).parent / "data"
REF = {r["id"]: r for r in json.loads((DATA / "gm2calc_public.json").read_text())}
EXAMPLE = DATA / "slha" / "example.slha"


def _write(tmp_path, rid, text=None):
    f = tmp_path / f"{rid}.gm2calc"
    f.write_text(REF[rid]["gm2calc_input"] if text is None else text)
    return f


def _tol(rec, ref, key="cancellation_ratio_nonres"):
    return 1e-6 * abs(ref) * max(1.0, 1e-3 * rec[key])


def _run(args):
    res = CliRunner().invoke(main, ["amu", *args])
    assert "Traceback" not in res.output and res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res


def _json_rows(res):
    return [json.loads(line) for line in res.stdout.strip().splitlines() if line.startswith("{")]


def test_amu_json_many_files_matches_gm2calc(tmp_path):
    ids = ["R037_mu", "R042_mu", "BP1_mu", "D_allequal_0_mu"]
    files = [str(_write(tmp_path, i)) for i in ids]
    res = _run([*files, "--lepton", "mu", "--no-resum", "--loops", "1", "--json"])
    assert res.exit_code == 0, res.output
    rows = _json_rows(res)
    assert [r["file"] for r in rows] == files
    for rid, row in zip(ids, rows):
        ref = REF[rid]["outputs"]["amu1L_nonres"]
        assert abs(row["total"] - ref) <= _tol(REF[rid], ref)
        assert row["total"] == row["one_loop"] and row["loops"] == 1
        assert {"file", "model", "lepton", "total", "one_loop", "two_loop", "two_loop_parts", "uncertainty",
                "neutralino", "chargino", "status", "problem"} <= set(row)
        assert row["convention"] == "gm2calc" and row["model"] == "mssm"


def test_amu_electron_uses_first_generation_slots(tmp_path):
    f = _write(tmp_path, "R037_e")
    res = _run([str(f), "--lepton", "e", "--no-resum", "--loops", "1", "--json"])
    assert res.exit_code == 0, res.output
    ref = REF["R037_e"]["outputs"]["amu1L_nonres"]
    assert abs(_json_rows(res)[0]["total"] - ref) <= _tol(REF["R037_e"], ref)


@pytest.mark.parametrize("rid", ["R037_mu", "BP1_e"])
def test_resummation_follows_config_and_flags(tmp_path, rid):
    f = _write(tmp_path, rid)  # GM2CalcConfig entry 2 = 1: resummed by default
    rec = REF[rid]
    ref = rec["outputs"]["amu1L_res"]
    lep = rec["lepton"]
    row = _json_rows(_run([str(f), "--lepton", lep, "--loops", "1", "--json"]))[0]
    assert row["resummed"] and abs(row["total"] - ref) <= _tol(rec, ref, "cancellation_ratio_res")
    assert row["delta"] == pytest.approx(rec["outputs"]["delta_lepton"], rel=1e-10)
    row = _json_rows(_run([str(f), "--lepton", lep, "--loops", "1", "--no-resum", "--json"]))[0]
    assert not row["resummed"] and row["delta"] == 0.0


def test_missing_block_names_it(tmp_path):
    text = "\n".join(line for line in REF["R037_mu"]["gm2calc_input"].splitlines() if "# mu" not in line)
    res = _run([str(_write(tmp_path, "nomu", text)), "--no-resum"])
    assert res.exit_code == 2
    assert "GM2CalcInput entry 4 (mu) is missing" in res.output


def test_unphysical_point_exits_nonzero_with_reason(tmp_path):
    text = REF["R037_mu"]["gm2calc_input"]
    lines = [("     3     -5.0   # tan(beta)" if "# tan(beta)" in line else line) for line in text.splitlines()]
    res = _run([str(_write(tmp_path, "neg_tanb", "\n".join(lines))), "--no-resum", "--loops", "1", "--json"])
    assert res.exit_code == 1
    row = _json_rows(res)[0]
    assert row["total"] is None and "tan(beta)" in row["problem"]


def test_slha_parameter_file(tmp_path):
    f = tmp_path / "point.slha"
    f.write_text(
        "Block SMINPUTS\n 1 1.27951e+02\n 2 1.1663788e-05\n 4 9.1188e+01\n 13 1.056583755e-01\n"
        "Block EXTPAR\n 1 2.0e+02\n 2 4.0e+02\n 23 5.0e+02\n 25 4.0e+01\n"
        + "".join(f" {k} 3.0e+02\n" for k in range(31, 37))
    )
    res = _run([str(f), "--json"])
    assert res.exit_code == 0, res.output
    row = _json_rows(res)[0]
    from gm2jax import MSSMParams, SMInputs, amu_1l

    p = MSSMParams.universal(tan_beta=40.0, mu=500.0, M1=200.0, M2=400.0, msl=300.0)
    sm = SMInputs.from_convention("pdg", alpha_MZ=1 / 127.951, MZ=91.188, m_mu=0.1056583755)
    assert row["convention"] == "pdg" and row["format"] == "slha-params"
    assert row["total"] == pytest.approx(float(amu_1l(p, sm, "mu").total), rel=1e-12)


def test_batch_with_bad_files_computes_the_others(tmp_path):
    """Each bad file gets its own error line naming file and problem; good files are still computed;
    exit code 2; no traceback (binary file, Latin-1 comment, MZ = 0, SMINPUTS 1 = 0, missing file)."""
    good = _write(tmp_path, "R037_mu")
    latin = tmp_path / "latin1.gm2calc"
    latin.write_bytes(("# r\xe9sum\xe9 -- Latin-1 comment\n" + REF["R042_mu"]["gm2calc_input"]).encode("latin-1"))
    binary = tmp_path / "binary.slha"
    binary.write_bytes(bytes(range(256)) * 4)
    head, sminputs = REF["R037_mu"]["gm2calc_input"].split("Block SMINPUTS", 1)
    mz0 = _write(tmp_path, "mz0", head + "Block SMINPUTS" + re.sub(r"(?m)^(\s+4\s+)\S+", r"\g<1>0.0", sminputs, count=1))
    alpha0 = tmp_path / "alpha_zero.slha"
    alpha0.write_text("Block SMINPUTS\n 1 0\nBlock EXTPAR\n 1 200\n 2 400\n 23 500\n 25 40\n" + "".join(f" {k} 300\n" for k in range(31, 37)))
    files = [str(good), str(binary), str(latin), str(mz0), str(alpha0), str(tmp_path / "missing.slha")]
    res = _run([*files, "--no-resum", "--loops", "1", "--json"])
    assert res.exit_code == 2
    rows = _json_rows(res)
    assert [r["file"] for r in rows] == files
    assert rows[0]["status"] == 0 and rows[0]["total"] is not None
    assert rows[2]["status"] == 0 and rows[2]["total"] is not None  # the Latin-1 comment is harmless
    expect = {1: "binary file", 3: "Block SMINPUTS entry 4 (MZ) = 0 must be positive",
              4: "Block SMINPUTS entry 1 (1/alpha(MZ)) = 0 must be positive", 5: "cannot read input file"}
    for i, text in expect.items():
        assert rows[i]["total"] is None and text in rows[i]["error"] and files[i] in rows[i]["error"]
        assert text in res.stderr


def test_unknown_benchmark_is_a_clean_error():
    res = _run(["--benchmark", "NOPE"])
    assert res.exit_code == 2 and "unknown or ambiguous benchmark 'NOPE'" in res.output


def test_spectrum_file_format_detection_and_override(tmp_path):
    """example.slha carries GM2CalcInput 1-3 but Block MASS/HMIX make it a spectrum file; forcing
    --format gm2calc reads it as an input file (and names what is missing)."""
    res = _run([str(EXAMPLE), "--format", "gm2calc", "--loops", "1"])
    assert res.exit_code == 2 and "GM2CalcInput entry 4 (mu) is missing" in res.output
    f = _write(tmp_path, "R037_mu")
    res = _run([str(f), "--format", "slha"])
    assert res.exit_code == 2 and "Block MASS is missing" in res.output
    res = _run([str(EXAMPLE), "--lepton", "e"])
    assert res.exit_code == 2 and "give a_mu only" in res.output


def test_slha_output_example_and_round_trip(tmp_path):
    """--slha writes the input back with Block GM2CalcOutput (0 = a_mu, 1 = uncertainty); the output
    read again gives the same block once (not duplicated)."""
    res = _run([str(EXAMPLE), "--slha"])
    assert res.exit_code == 0, res.output
    doc = parse_document(res.stdout)
    assert doc.merged("MASS") == parse_document(EXAMPLE.read_text()).merged("MASS")
    out = doc.merged("GM2CALCOUTPUT")
    if two_loop_available():
        assert f"{out[(0,)]:.8e}" == "2.30368509e-09" and f"{out[(1,)]:.8e}" == "2.33327662e-10"
        gm2calc = (DATA / "slha" / "example.slha.out").read_text()
        # the same block, byte for byte, as GM2Calc's own output
        assert res.stdout.split("Block GM2CalcOutput")[1].strip() == gm2calc.split("Block GM2CalcOutput")[1].strip()
    else:
        assert "ONE-LOOP" in res.stdout  # never silently one loop: SPINFO 3 says so
    again = tmp_path / "again.slha"
    again.write_text(res.stdout)
    res2 = _run([str(again), "--slha"])
    assert res2.stdout.upper().count("BLOCK GM2CALCOUTPUT") == 1
    assert parse_document(res2.stdout).merged("GM2CALCOUTPUT") == out


def test_broken_spectrum_file_slha_output_has_spinfo_error():
    res = _run([str(DATA / "slha" / "points" / "broken_mu_zero.slha"), "--slha"])
    assert res.exit_code == 2
    doc = parse_document(res.stdout)
    spinfo = "\n".join(res.stdout.splitlines()[:4])
    assert res.stdout.startswith("Block SPINFO") and "mu parameter is zero" in spinfo and not doc.has("GM2CalcOutput")
    assert doc.has("MASS")  # the input is echoed, as by GM2Calc


@pytest.mark.slow  # compiles the 2HDM two-loop model (~1-2 min on a loaded 2-core VM)
def test_thdm_files_go_to_the_2hdm_reader():
    pytest.importorskip("gm2jax.io.thdm")
    f = DATA / "real_files" / "files" / "thdm_mass-basis_test_point_1.in"
    res = _run([str(f), "--json"])
    row = _json_rows(res)[0]
    assert row["model"] == "thdm", row


def test_packaged_benchmark_and_version():
    res = _run(["--benchmark", "BP1", "--lepton", "mu", "--loops", "1", "--json"])
    assert res.exit_code == 0, res.output
    assert _json_rows(res)[0]["total"] == pytest.approx(REF["BP1_mu"]["outputs"]["amu1L_nonres"], rel=1e-6)
    out = subprocess.run([sys.executable, "-m", "gm2jax.cli", "--version"], capture_output=True, text=True, check=False)
    assert "gm2jax" in out.stdout
