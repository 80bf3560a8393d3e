"""Input readers: SLHA parsing (pyslha-typed, every block occurrence), format detection, GM2Calc files,
packaged benchmarks, error messages."""

import pytest

from gm2jax import InvalidInput
from gm2jax.io import benchmarks, parse_slha
from gm2jax.io import read_mssm_file
from gm2jax.io.slha import parse_document, read_document
from gm2jax.io.slha_input import detect_format


def test_parse_slha_blocks_comments_and_matrix_entries():
    blocks = parse_slha("Block AE Q= 1000.0\n 1 1 -100.0 # A_e\n 2 2 50  \nDECAY 1000011 1.0\n 0.5 2 11 1000022\n")
    assert blocks["AE"][(1, 1)] == -100.0 and blocks["AE"][(2, 2)] == 50.0
    assert len(blocks) == 1


def test_parse_slha_bad_value_names_file_line_block_and_entry():
    with pytest.raises(InvalidInput, match=r"f.slha:2: Block MINPAR entry 3: 'ten' is not a number"):
        parse_slha("Block MINPAR\n 3 ten\n", "f.slha")
    with pytest.raises(InvalidInput, match=r"f.slha:3: Block MASS: cannot read 'free text here'"):
        parse_slha("Block MASS\n 24 80.4\n free text here\n", "f.slha")


def test_every_occurrence_in_file_order_scale_filter_and_unindented_lines():
    doc = parse_document(
        "BLOCK msoft Q= 2.0e16\n1 100\nBlock MSOFT Q=1000 # low\n1 200\n 2 300\nBlock MSOFT Q= 1000\n 2 310\n"
        "Block SPINFO\n 1 SOFTSUSY\n 2 4.1.7\n"
    )
    assert doc.merged("MSOFT") == {(1,): 200.0, (2,): 310.0}
    assert doc.merged("MSOFT", scale=2e16) == {(1,): 100.0}
    assert doc.merged("MSOFT", scale=1000.005) == {(1,): 200.0, (2,): 310.0}
    assert doc.merged("SPINFO", numeric=False)[(1,)] == "SOFTSUSY"  # text in blocks gm2jax does not read is fine
    with pytest.raises(InvalidInput, match="Block SPINFO entry 1: 'SOFTSUSY' is not a number"):
        doc.merged("SPINFO")


def test_free_text_is_reported_with_its_line():
    doc = parse_document("some text before any block\nBlock MASS\n 24 80.4\n this is free text\nDECAY 6 1.4\n 1.0 2 5 24\n", "f.slha")
    assert doc.merged("MASS", numeric=False)[(24,)] == 80.4  # the typed entries are kept
    with pytest.raises(InvalidInput, match=r"f.slha:1: cannot read 'some text before any block' \(text outside any Block\)"):
        doc.check_lines()
    with pytest.raises(InvalidInput, match=r"f.slha:4: Block MASS: cannot read 'this is free text'"):
        parse_document("Block MASS\n 24 80.4\n\n this is free text\n", "f.slha").check_lines()


def test_non_finite_and_bad_scale():
    with pytest.raises(InvalidInput, match="not finite"):
        parse_slha("Block MASS\n 24 1e999\n")
    with pytest.raises(InvalidInput, match=r"cannot read the scale Q= 'abc'"):
        parse_document("Block HMIX Q= abc\n 1 500\n")


def test_binary_and_latin1_files(tmp_path):
    b = tmp_path / "bin.slha"
    b.write_bytes(b"\x7fELF\x00\x01\x02garbage")
    with pytest.raises(InvalidInput, match="binary file"):
        read_document(b)
    lat = tmp_path / "latin1.slha"
    lat.write_bytes("# r\xe9sum\xe9 (Latin-1 comment)\nBlock MINPAR\n 3 10.0\n".encode("latin-1"))
    assert read_document(lat).merged("MINPAR") == {(3,): 10.0}


def test_detect_format_spectrum_wins_over_gm2calcinput():
    assert detect_format(parse_document("Block GM2CalcInput\n 1 0.0077\nBlock MASS\n 24 80\n")) == "slha"
    assert detect_format(parse_document("Block GM2CalcInput\n 3 10\n")) == "gm2calc"
    assert detect_format(parse_document("Block EXTPAR\n 1 200\n")) == "slha-params"
    with pytest.raises(InvalidInput, match="no SLHA blocks gm2jax can use"):
        detect_format(parse_document("# nothing\n"))


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(InvalidInput, match="cannot read input file"):
        read_mssm_file(tmp_path / "nope.slha")
    empty = tmp_path / "empty.slha"
    empty.write_text("# nothing\n")
    with pytest.raises(InvalidInput, match="no SLHA blocks"):
        read_mssm_file(empty)


def test_slha_parameter_file_missing_entry_is_named(tmp_path):
    f = tmp_path / "p.slha"
    f.write_text("Block EXTPAR\n 1 200\n 2 300\n 25 10\n")
    with pytest.raises(InvalidInput, match="mu not found"):
        read_mssm_file(f)


def test_packaged_benchmarks():
    names = benchmarks.list_benchmarks()
    assert {"BP1_1908.03607", "BP2_1908.03607"} <= set(names)
    inp = read_mssm_file(benchmarks.benchmark_path("BP1"))
    assert float(inp.params.tan_beta) == 60.0 and float(inp.params.mse[1]) == 2000.0
    assert inp.resummation is False and inp.sm.scheme == "onshell"
    with pytest.raises(InvalidInput, match="unknown or ambiguous benchmark"):
        benchmarks.benchmark_path("BP")
