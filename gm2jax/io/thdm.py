"""GM2Calc 2HDM input files (``gm2calc.x --thdm-input-file``): reading and a_mu rows.

Blocks read (GM2Calc 2.3.1 ``gm2_slha_io.cpp`` / ``input/example.thdm``):

* ``GM2CalcConfig``: 1 loop order (default 2), 5 uncertainty, 6 running couplings (default 1);
* ``SMINPUTS``: 1 ``1/alpha(MZ)``, 3 ``alpha_s(MZ)``, 4 ``MZ``, 5 ``m_b(m_b)``, 6 ``m_t``,
  7 ``m_tau``, 9 ``MW``, 11 ``m_e``, 13 ``m_mu``, 21-24 ``m_d, m_u, m_s, m_c`` (2 GeV);
* ``GM2CalcInput`` 33: the SM Higgs mass; ``VCKMIN`` 1-4: Wolfenstein parameters;
* ``MINPAR``: 3 tan(beta), 16 lambda6, 17 lambda7, 18 m12^2, 20 sin(beta - alpha),
  21-23 zeta_u, zeta_d, zeta_l, 24 Yukawa type (1..6 = I, II, X, Y, aligned, general);
* ``MASS``: 25 mh, 35 mH, 36 mA, 37 mH+;
* ``GM2CalcTHDM{Delta,Pi}{u,d,l}Input`` (i, j): the 3x3 matrices.

SM entries that are missing take the ``example.thdm`` values (``gm2jax/data/thdm_sm_inputs.yaml``).
"""

from __future__ import annotations

import math

import numpy as np

from gm2jax.errors import InvalidInput, describe_status
from gm2jax.io import slha
from gm2jax.models.thdm import THDMParams, THDMSMInputs, amu, yukawa_type_from_int

_SM_KEYS = {
    3: "alpha_s_MZ", 4: "MZ", 5: "m_b_mb", 6: "m_t", 7: "m_tau", 9: "MW", 11: "m_e", 13: "m_mu",
    21: "m_d", 22: "m_u", 23: "m_s", 24: "m_c",
}
_CKM_KEYS = {1: "ckm_lambda", 2: "ckm_A", 3: "ckm_rhobar", 4: "ckm_etabar"}
_MINPAR = {3: "tan_beta", 16: "lambda6", 17: "lambda7", 18: "m122", 20: "sin_beta_minus_alpha",
           21: "zeta_u", 22: "zeta_d", 23: "zeta_l"}
_MASS = {25: "mh", 35: "mH", 36: "mA", 37: "mHp"}
_MATRICES = {"Delta_u": "GM2CALCTHDMDELTAUINPUT", "Delta_d": "GM2CALCTHDMDELTADINPUT",
             "Delta_l": "GM2CALCTHDMDELTALINPUT", "Pi_u": "GM2CALCTHDMPIUINPUT",
             "Pi_d": "GM2CALCTHDMPIDINPUT", "Pi_l": "GM2CALCTHDMPILINPUT"}


def _blocks(text_or_blocks, source: str = "<thdm>") -> dict:
    if isinstance(text_or_blocks, dict):
        return {str(k).upper(): v for k, v in text_or_blocks.items()}
    return slha.parse_slha(text_or_blocks, source)


def is_thdm(text_or_blocks) -> bool:
    """True if SLHA text (or a parsed ``{BLOCK: {key: value}}`` dict) is a GM2Calc 2HDM input.

    Criteria: a ``GM2CalcTHDM...`` block, or ``MINPAR`` entry 24 (Yukawa type) or 20
    (sin(beta - alpha)), which MSSM files never carry.  Unparsable text gives False.
    """
    try:
        blocks = _blocks(text_or_blocks)
    except InvalidInput:
        return False
    if any(name.startswith("GM2CALCTHDM") for name in blocks):
        return True
    minpar = blocks.get("MINPAR", {})
    return (24,) in minpar or (20,) in minpar


def _get(block: dict, key: int, default=None):
    return block.get((key,), default)


def read_thdm(text_or_blocks, source: str = "<thdm>"):
    """Parse a GM2Calc 2HDM input into ``(THDMParams, THDMSMInputs, config)``.

    Args:
        text_or_blocks: file text or a parsed block dict.
        source: file name for messages.

    Returns:
        ``(params, sm, config)`` with ``config = {"loops": int, "running_couplings": bool,
        "uncertainty": bool}``.

    Raises:
        InvalidInput: missing ``MINPAR``/``MASS`` entries or an invalid Yukawa type, naming the file.
    """
    blocks = _blocks(text_or_blocks, source)
    smin = blocks.get("SMINPUTS", {})
    sm_kw = {}
    if (1,) in smin:
        sm_kw["alpha_MZ"] = 1.0 / smin[(1,)]
    for key, name in _SM_KEYS.items():
        if (key,) in smin:
            sm_kw[name] = smin[(key,)]
    mh_sm = _get(blocks.get("GM2CALCINPUT", {}), 33)
    if mh_sm is not None:
        sm_kw["mh_SM"] = mh_sm
    for key, name in _CKM_KEYS.items():
        if (key,) in blocks.get("VCKMIN", {}):
            sm_kw[name] = blocks["VCKMIN"][(key,)]
    sm = THDMSMInputs.from_defaults(**sm_kw)

    minpar = blocks.get("MINPAR", {})
    mass = blocks.get("MASS", {})
    if (24,) not in minpar:
        raise InvalidInput(f"{source}: MINPAR entry 24 (Yukawa type 1..6) is missing")
    try:
        ytype = yukawa_type_from_int(minpar[(24,)])
    except InvalidInput as err:
        raise InvalidInput(f"{source}: {err}") from None
    kw = {}
    for key, name in _MINPAR.items():
        if (key,) in minpar:
            kw[name] = float(minpar[(key,)])
        elif key in (3, 20):
            raise InvalidInput(f"{source}: MINPAR entry {key} ({name}) is missing")
    for key, name in _MASS.items():
        if (key,) not in mass:
            raise InvalidInput(f"{source}: MASS entry {key} ({name}) is missing")
        kw[name] = float(mass[(key,)])
    for name, block in _MATRICES.items():
        m = np.zeros((3, 3))
        for (i, j), value in blocks.get(block, {}).items() if block in blocks else ():
            if not (1 <= i <= 3 and 1 <= j <= 3):
                raise InvalidInput(f"{source}: {block} index ({i}, {j}) outside 1..3")
            m[i - 1, j - 1] = value
        kw[name] = m
    params = THDMParams(yukawa_type=ytype, **kw)
    cfg = blocks.get("GM2CALCCONFIG", {})
    config = {
        "loops": int(_get(cfg, 1, 2)),
        "running_couplings": bool(_get(cfg, 6, 1)),
        "uncertainty": bool(_get(cfg, 5, 1)),
    }
    if config["loops"] not in (0, 1, 2):
        raise InvalidInput(f"{source}: GM2CalcConfig loop order {config['loops']} (allowed: 0, 1, 2)")
    return params, sm, config


def _gm2calc_problem(p) -> str | None:
    """GM2Calc's own refusal message for an invalid mass-basis input (``THDM::set_basis``)."""
    if p.mh > p.mH:
        return "mh must be less than or equal to mH."
    if p.tan_beta <= 0:
        return "tan(beta) must be greater than zero."
    if abs(p.sin_beta_minus_alpha) > 1:
        return "|sin(beta - alpha_h)| must be less than or equal to 1."
    for name in ("mh", "mH", "mA", "mHp"):
        if getattr(p, name) < 0:
            return f"{name} must be greater than or equal to zero."
    return None


def amu_row(text: str, source: str = "<thdm>", loops: int | None = None) -> dict:
    """a_mu of one GM2Calc 2HDM input file as a JSON-ready row.

    Args:
        text: the file text.
        source: file name (messages).
        loops: loop order override (0, 1, 2); None = the file's ``GM2CalcConfig[1]`` (default 2).

    Returns:
        ``{"total", "one_loop", "two_loop", "two_loop_bosonic", "two_loop_fermionic",
        "uncertainty", "status", "problem", "model": "thdm", "loops", "pieces": {...}}``;
        floats are None when the point is rejected (``status != 0``, ``problem`` says why).

    Raises:
        InvalidInput: unreadable file or missing entries.
    """
    params, sm, config = read_thdm(text, source)
    nloops = config["loops"] if loops is None else int(loops)
    if nloops not in (0, 1, 2):
        raise InvalidInput(f"{source}: loops must be 0, 1 or 2, not {loops!r}")
    r = amu(params, sm, "mu", loops=nloops, running_couplings=config["running_couplings"], throw=False)
    status = int(r.status)

    def num(x):
        x = float(x)
        return x if math.isfinite(x) else None

    problem = None
    if status:
        own = _gm2calc_problem(params)
        problem = f"{own} ({describe_status(status)})" if own else describe_status(status)
    pieces = {
        "ewadd": num(r.ewadd), "nonyuk": num(r.nonyuk), "yuk": num(r.yuk),
        "fermionic_neutral": num(r.fermionic_neutral), "fermionic_charged": num(r.fermionic_charged),
    }
    two = num(r.two_loop) if nloops == 2 else (num(r.two_loop) if status == 0 else None)
    return {
        "total": num(r.total),
        "one_loop": num(r.one_loop),
        "two_loop": two,
        "two_loop_bosonic": num(r.two_loop_bosonic),
        "two_loop_fermionic": num(r.two_loop_fermionic),
        "uncertainty": num(r.uncertainty) if config["uncertainty"] else None,
        "status": status,
        "problem": problem,
        "model": "thdm",
        "loops": nloops,
        "pieces": pieces,
    }


__all__ = ["amu_row", "is_thdm", "read_thdm"]
