"""Minimal SLHA block reader (SLHA 1/2 text format, the format GM2Calc input files use too).

Only what gm2jax needs: ``Block NAME`` sections with integer keys and one real value per
line; comments after ``#``; ``DECAY`` sections and anything else are skipped.
"""

from __future__ import annotations

from gm2jax.errors import InvalidInput


def parse_slha(text: str, source: str = "<string>") -> dict[str, dict[tuple[int, ...], float]]:
    """Parse SLHA text into ``{BLOCK: {(i, j, ...): value}}`` (block names upper-cased).

    Raises:
        InvalidInput: a data line that is not ``int... real``, naming file and line.

    Example:
        >>> parse_slha("Block MINPAR\\n 3 10.0 # tan(beta)\\n")["MINPAR"][(3,)]
        10.0
    """
    blocks: dict[str, dict[tuple[int, ...], float]] = {}
    current: dict[tuple[int, ...], float] | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        head = line.split()
        if head[0].upper() == "BLOCK":
            if len(head) < 2:
                raise InvalidInput(f"{source}:{lineno}: 'Block' without a name")
            current = blocks.setdefault(head[1].upper(), {})
            continue
        if head[0].upper() == "DECAY":
            current = None
            continue
        if current is None:
            continue
        try:
            *keys, value = head
            current[tuple(int(k) for k in keys)] = float(value)
        except ValueError:
            raise InvalidInput(f"{source}:{lineno}: cannot read {raw.strip()!r} as 'index... value'") from None
    return blocks


def read_slha_file(path) -> dict[str, dict[tuple[int, ...], float]]:
    """Read and parse an SLHA file (``'-'`` reads standard input)."""
    import sys

    if str(path) == "-":
        return parse_slha(sys.stdin.read(), "<stdin>")
    try:
        with open(path) as fh:
            return parse_slha(fh.read(), str(path))
    except OSError as err:
        raise InvalidInput(f"cannot read input file {str(path)!r}: {err.strerror}") from None
