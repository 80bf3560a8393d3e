"""SLHA output: the input file echoed with GM2Calc's ``Block GM2CalcOutput`` (and ``SPINFO``).

GM2Calc 2.3.1's SLHA writer (output format 4; ``gm2calc.cpp`` ``SLHA_writer``) prints the whole input
followed by::

    Block GM2CalcOutput
         0     2.30368509E-09   # Delta(g-2)_muon/2
         1     2.33327662E-10   # uncertainty of Delta(g-2)_muon/2

Lines as ``%6d   %16.8E   # comment`` (GM2Calc's layout).  A problem goes into ``Block SPINFO`` (``4`` = error, ``3`` = warning) placed
first, and a failed point gets no GM2CalcOutput.  gm2jax does the same, with its own name and
version in SPINFO 1, 2; an existing GM2CalcOutput/SPINFO block of gm2jax or GM2Calc in the input is
replaced, so the output can be fed back in.
"""

from __future__ import annotations

import re

from gm2jax import __version__

_OWN_BLOCK = re.compile(r"^\s*BLOCK\s+(GM2CALCOUTPUT)\b", re.IGNORECASE)
_ANY_HEADER = re.compile(r"^\s*(BLOCK|DECAY|XSECTION)\b", re.IGNORECASE)


def _strip_output_blocks(text: str) -> str:
    out, skipping = [], False
    for line in text.splitlines():
        if _ANY_HEADER.match(line):
            skipping = bool(_OWN_BLOCK.match(line))
        if not skipping:
            out.append(line)
    return "\n".join(out).rstrip("\n") + "\n"


def _clean(msg: str) -> str:
    return " ".join(str(msg).split())


def gm2calc_output_text(text: str, row: dict) -> str:
    """The input ``text`` with ``Block GM2CalcOutput`` (entry 0 = a_mu at the row's loop order, 1 = its
    uncertainty when computed) and, for a problem, ``Block SPINFO`` first.

    Args:
        text: the input file as read.
        row: a result row of :func:`gm2jax.io.amu_batch.amu_files`.

    Example:
        >>> print(gm2calc_output_text("Block MASS\\n 24 80.4\\n", {"total": 2.5e-9, "uncertainty": 2.3e-10}), end="")
        Block MASS
         24 80.4
        Block GM2CalcOutput
             0     2.50000000E-09   # Delta(g-2)_muon/2
             1     2.30000000E-10   # uncertainty of Delta(g-2)_muon/2
    """
    body = _strip_output_blocks(text)
    head = ""
    error = row.get("error") or (row.get("problem") if row.get("status") else None)
    warnings = [] if error else [n for n in row.get("notes", []) if n]
    if error or warnings:
        head = "Block SPINFO\n     1   gm2jax\n     2   " + __version__ + "\n"
        for w in warnings:
            head += f"     3   {_clean(w)}\n"
        if error:
            head += f"     4   {_clean(error)}\n"
    out = head + body
    if error or row.get("total") is None:
        return out
    out += "Block GM2CalcOutput\n"
    out += f"{0:6d}   {row['total']:16.8E}   # Delta(g-2)_muon/2\n"
    if row.get("uncertainty") is not None:
        out += f"{1:6d}   {row['uncertainty']:16.8E}   # uncertainty of Delta(g-2)_muon/2\n"
    return out
