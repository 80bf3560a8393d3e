"""Evaluate many input files in one batched, jit-compiled call (used by ``gm2jax amu``)."""

from __future__ import annotations

import math

from gm2jax.errors import InvalidInput, describe_status
from gm2jax.io.gm2calc import MSSMInput, read_mssm_file


def _resummation_for(inp: MSSMInput, resum: bool | None) -> bool:
    if resum is not None:
        return resum
    return bool(inp.resummation)


def amu_files(paths, lepton: str = "mu", resum: bool | None = None) -> list[dict]:
    """One-loop a_l for each file; files sharing a convention are evaluated in one vmap.

    Args:
        paths: file paths ('-' = stdin).
        lepton: "e", "mu" or "tau".
        resum: force tan(beta) resummation on/off; None follows GM2CalcConfig entry 2.

    Returns:
        One dict per file, in order: file, lepton, total, neutralino, chargino, status,
        problem, convention, resummed.

    Raises:
        InvalidInput: unreadable files, missing blocks, or resummation requested (not yet available).
    """
    import jax
    import jax.numpy as jnp

    from gm2jax.models.mssm.amu_1l import amu_1l_parts

    inputs = [read_mssm_file(p) for p in paths]
    for inp in inputs:
        if _resummation_for(inp, resum):
            raise InvalidInput(
                f"{inp.source}: tan(beta) resummation requested "
                f"({'--resum' if resum else 'GM2CalcConfig entry 2 = 1'}), which is not implemented yet; "
                "pass --no-resum for the non-resummed one-loop result"
            )
    rows: list[dict | None] = [None] * len(inputs)
    groups: dict[str, list[int]] = {}
    for i, inp in enumerate(inputs):
        groups.setdefault(inp.sm.scheme, []).append(i)
    with jax.enable_x64(True):
        for idx in groups.values():
            params = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[inputs[i].params for i in idx])
            sms = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[inputs[i].sm for i in idx])
            fn = jax.jit(jax.vmap(lambda p, s: amu_1l_parts(p, s, lepton)))
            res = jax.device_get(fn(params, sms))
            for j, i in enumerate(idx):
                status = int(res.status[j])
                rows[i] = {
                    "file": inputs[i].source,
                    "lepton": lepton,
                    "total": _num(res.total[j]),
                    "neutralino": _num(res.neutralino[j]),
                    "chargino": _num(res.chargino[j]),
                    "status": status,
                    "problem": describe_status(status) if status else None,
                    "convention": "gm2calc" if inputs[i].fmt == "gm2calc" else "pdg",
                    "resummed": False,
                }
    return rows  # type: ignore[return-value]


def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x
