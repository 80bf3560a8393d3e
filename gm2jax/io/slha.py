"""SLHA text reading (SLHA 1 and 2, GM2Calc input files, spectrum-generator output).

Why pyslha.  pyslha (A. Buckley, arXiv:1305.4194) is the field's maintained Python SLHA
library; its :class:`pyslha.Block` turns a data line into typed keys and a value (integer
indices, numbers, and free text such as ``SPINFO 1 SOFTSUSY``), which is the part every
reader gets subtly wrong.  gm2jax does not use :func:`pyslha.readSLHA` for whole files,
for three stated reasons, all of which would make it read files differently from GM2Calc
(whose SLHAea parser defines what these files mean for g-2):

* it keeps only the *last* block of a given name, while GM2Calc reads every occurrence in
  file order (later entries override earlier ones) and, for the scale-dependent blocks,
  only the occurrences at the HMIX scale;
* it silently skips data lines that are not indented (GM2Calc reads them);
* it raises on files without a ``MASS`` block unless told otherwise.

So the file is split into sections here (``Block NAME [Q= scale]`` ... up to the next
``Block``/``Decay``/``XSection`` header) and each data line is handed to
``pyslha.Block.add_entry``.  A line pyslha cannot type (a free-text line inside a block)
is kept as text and becomes an error only if gm2jax reads that block -- like GM2Calc,
which parses only the blocks it uses.

Input robustness: a binary file (NUL bytes) is refused by name; bytes that are not
UTF-8 (a Latin-1 ``e`` with accent in a comment) are decoded as Latin-1, since only
ASCII ever carries data in SLHA.
"""

from __future__ import annotations

import dataclasses
import math
import re
import sys

import pyslha

from gm2jax.errors import InvalidInput

_HEADER = re.compile(r"^\s*(BLOCK|DECAY|XSECTION)\b(.*)$", re.IGNORECASE)
_BLOCK = re.compile(r"^\s*(\S+)(?:\s+Q\s*=\s*(\S+))?", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Block:
    """One occurrence of an SLHA block.

    Attributes:
        name: block name, upper-cased.
        q: the ``Q=`` scale in GeV, or None when the header has none.
        entries: ``{(i, j, ...): value}``; a value is a float, an int or a str (text pyslha could
            not read as a number).  A line that is not ``index... value`` is stored under the key
            ``("line", n)`` with its text.
        line: line number of the header.
    """

    name: str
    q: float | None
    entries: dict
    line: int
    lines: dict


@dataclasses.dataclass(frozen=True)
class SLHADocument:
    """A parsed SLHA file: every block occurrence in file order.

    Attributes:
        source: file name for messages.
        text: the text as read.
        blocks: tuple of :class:`Block`, in file order.
    """

    source: str
    text: str
    blocks: tuple
    stray: tuple = ()

    def check_lines(self) -> None:
        """Raise :class:`InvalidInput` at the first line that is neither a comment, a header nor an
        ``index... value`` entry (free text inside a block, or data before the first block)."""
        bad = list(self.stray)
        for b in self.blocks:
            bad += [(key[1], f"Block {b.name}: cannot read {value!r} as 'index... value'")
                    for key, value in b.entries.items() if key and key[0] == "line"]
        if bad:
            lineno, what = min(bad)
            raise InvalidInput(f"{self.source}:{lineno}: {what}")

    def names(self) -> set[str]:
        """Upper-case names of the blocks present."""
        return {b.name for b in self.blocks}

    def has(self, name: str) -> bool:
        return name.upper() in self.names()

    def occurrences(self, name: str) -> list[Block]:
        return [b for b in self.blocks if b.name == name.upper()]

    def merged(self, name: str, scale: float | None = None, numeric: bool = True) -> dict:
        """Entries of every occurrence of ``name`` (later ones override), optionally only those
        at ``scale`` (|Q - scale| < 0.01 GeV, GM2Calc's rule).  With ``numeric`` every entry must
        be a finite number (GM2Calc: ``non-numeric input``), else :class:`InvalidInput` names
        block, entry and line."""
        out: dict = {}
        for b in self.occurrences(name):
            if scale is not None and (b.q is None or abs(b.q - scale) >= 0.01):
                continue
            for key, value in b.entries.items():
                if numeric:
                    value = self._number(b, key, value)
                out[key] = value
        return out

    def _number(self, b: Block, key, value) -> float:
        where = f"{self.source}:{b.lines.get(key, b.line)}: Block {b.name}"
        if key and key[0] == "line":
            raise InvalidInput(f"{where}: cannot read {value!r} as 'index... value'")
        entry = " ".join(str(k) for k in key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidInput(f"{where} entry {entry}: {value!r} is not a number")
        if not math.isfinite(value):
            raise InvalidInput(f"{where} entry {entry}: value {value!r} is not finite")
        return float(value)


def _parse_scale(text: str, source: str, lineno: int, name: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{source}:{lineno}: Block {name}: cannot read the scale Q= {text!r}") from None


def parse_document(text: str, source: str = "<string>") -> SLHADocument:
    """Split SLHA text into block occurrences and type each data line with pyslha.

    Raises:
        InvalidInput: a ``Block`` header without a name or with an unreadable ``Q=``.

    Example:
        >>> doc = parse_document("Block HMIX Q= 1000\\n 1 500 # mu\\nBlock SPINFO\\n 1 SOFTSUSY\\n")
        >>> doc.merged("HMIX", scale=1000.0)[(1,)], doc.merged("SPINFO", numeric=False)[(1,)]
        (500.0, 'SOFTSUSY')
    """
    blocks = []
    stray = []
    current = None
    in_section = False  # inside a Block, Decay or XSection section
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        if not line.strip():
            continue
        head = _HEADER.match(line)
        if head:
            current = None
            in_section = True
            if head.group(1).upper() != "BLOCK":
                continue
            m = _BLOCK.match(head.group(2))
            if not m:
                raise InvalidInput(f"{source}:{lineno}: 'Block' without a name")
            name = m.group(1).upper()
            q = _parse_scale(m.group(2), source, lineno, name) if m.group(2) else None
            current = Block(name, q, {}, lineno, {})
            blocks.append(current)
            continue
        if current is None:
            if not in_section:
                stray.append((lineno, f"cannot read {line.strip()!r} (text outside any Block)"))
            continue
        pb = pyslha.Block(current.name)
        try:
            pb.add_entry(line.split())
            ((key, value),) = list(pb.items())
        except (pyslha.AccessError, pyslha.ParseError, ValueError, TypeError):  # an untypeable line
            key, value = ("line", lineno), line.strip()
        else:
            if key is None and isinstance(value, str):
                key, value = ("line", lineno), line.strip()
            elif key is None:
                key = ()
            elif not isinstance(key, tuple):
                key = (key,)
            if key[:1] != ("line",) and not all(isinstance(k, int) and not isinstance(k, bool) for k in key):
                key, value = ("line", lineno), line.strip()
        current.entries[key] = value
        current.lines[key] = lineno
    return SLHADocument(source, text, tuple(blocks), tuple(stray))


def read_text(path) -> tuple[str, str]:
    """``(text, source)`` of an input file (``'-'`` = standard input).

    Raises:
        InvalidInput: the file cannot be opened, or is binary (contains NUL bytes).
    """
    if str(path) == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        source = "<stdin>"
    else:
        source = str(path)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as err:
            raise InvalidInput(f"cannot read input file {source!r}: {err.strerror}") from None
    if b"\x00" in data:
        raise InvalidInput(f"{source}: binary file (contains NUL bytes), not SLHA text")
    try:
        return data.decode("utf-8"), source
    except UnicodeDecodeError:
        return data.decode("latin-1"), source


def read_document(path) -> SLHADocument:
    """Read and split an SLHA file (see :func:`parse_document`)."""
    text, source = read_text(path)
    return parse_document(text, source)


def parse_slha(text: str, source: str = "<string>") -> dict[str, dict[tuple[int, ...], float]]:
    """Merged numeric view ``{BLOCK: {(i, j, ...): value}}`` of SLHA text (block names upper-cased;
    repeated blocks merged in file order, later entries win).

    Raises:
        InvalidInput: a data line in any block that is not ``index... number``, naming file and line.

    Example:
        >>> parse_slha("Block MINPAR\\n 3 10.0 # tan(beta)\\n")["MINPAR"][(3,)]
        10.0
    """
    doc = parse_document(text, source)
    return {name: doc.merged(name) for name in sorted(doc.names())}


def read_slha_file(path) -> dict[str, dict[tuple[int, ...], float]]:
    """Read a file and return :func:`parse_slha`'s merged numeric view (``'-'`` = stdin)."""
    text, source = read_text(path)
    return parse_slha(text, source)
