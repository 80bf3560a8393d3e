"""Input readers: SLHA parsing, GM2Calc files, packaged benchmarks, error messages."""

import pytest

from gm2jax import InvalidInput
from gm2jax.io import benchmarks, parse_slha
from gm2jax.io.gm2calc import read_mssm_file


def test_parse_slha_blocks_comments_and_matrix_entries():
    blocks = parse_slha("Block AE Q= 1000.0\n 1 1 -100.0 # A_e\n 2 2 50  \nDECAY 1000011 1.0\n 0.5 2 11 1000022\n")
    assert blocks["AE"][(1, 1)] == -100.0 and blocks["AE"][(2, 2)] == 50.0
    assert len(blocks) == 1


def test_parse_slha_bad_line_names_file_and_line():
    with pytest.raises(InvalidInput, match=r"f.slha:2: cannot read"):
        parse_slha("Block MINPAR\n 3 ten\n", "f.slha")


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(InvalidInput, match="cannot read input file"):
        read_mssm_file(tmp_path / "nope.slha")
    empty = tmp_path / "empty.slha"
    empty.write_text("# nothing\n")
    with pytest.raises(InvalidInput, match="no SLHA blocks"):
        read_mssm_file(empty)


def test_slha_missing_entry_is_named(tmp_path):
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
