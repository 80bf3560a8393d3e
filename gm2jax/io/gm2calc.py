"""Read MSSM points from GM2Calc input files and from SLHA files.

GM2Calc format (``--gm2calc-input-file``; GM2Calc 2.3.1, arXiv:2110.13238 app. A):
``Block GM2CalcConfig`` (entry 1 loop order, entry 2 tan(beta) resummation),
``Block GM2CalcInput`` (0 Q, 1 alpha(MZ), 2 alpha(0), 3 tan(beta), 4 mu, 5 M1, 6 M2, 7 M3,
8 M_A, 9-11 msl(1..3), 12-14 mse(1..3), 15-17 msq, 18-20 msu, 21-23 msd, 24-26 Ae(1..3),
27-29 Ad, 30-32 Au; soft masses in GeV, squared with their sign; absent two-loop entries take
:data:`gm2jax.models.mssm.params.TWO_LOOP_DEFAULTS`) and ``Block SMINPUTS`` (3 alpha_s(MZ),
4 MZ, 5 m_b(m_b), 6 m_t, 9 MW, 7 m_tau, 11 m_e, 13 m_mu).  Such files are evaluated in
GM2Calc's one-loop convention (:func:`gm2jax.sm.SMInputs.from_convention` ``"gm2calc"``).

SLHA files (spectrum-generator output and parameter-only files) are read by
:mod:`gm2jax.io.slha_input`; :func:`gm2jax.io.read_mssm_file` dispatches on the blocks present.
"""

from __future__ import annotations

import dataclasses

from gm2jax.errors import InvalidInput
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.sm import SMInputs


@dataclasses.dataclass(frozen=True)
class MSSMInput:
    """A point read from a file.

    Attributes:
        params: the MSSM parameters.
        sm: SM inputs in the convention the file implies.
        resummation: tan(beta) resummation requested by the file (GM2CalcConfig entry 2), or None.
        loop_order: GM2CalcConfig entry 1, or None.
        source: the path as given.
        fmt: ``"gm2calc"`` or ``"slha"``.
    """

    params: MSSMParams
    sm: SMInputs
    resummation: bool | None
    loop_order: int | None
    source: str
    fmt: str


_GM2CALC_REQUIRED = {3: "tan(beta)", 4: "mu", 5: "M1", 6: "M2"}
_SMINPUTS_GM2CALC = {3: "alpha_s", 4: "MZ", 5: "m_b_mb", 6: "m_t", 9: "MW", 7: "m_tau", 11: "m_e", 13: "m_mu"}
# GM2CalcInput entries of the two-loop inputs (GM2Calc 2.3.1 gm2_slha_io.cpp fill_gm2calc):
# 0 Q, 7 M3, 8 M_A(pole), 15-17 msq, 18-20 msu, 21-23 msd, 27-29 Ad, 30-32 Au (2 = alpha(0)).
_GM2CALC_TWO_LOOP = {"Q": 0, "M3": 7, "MA": 8}
_GM2CALC_TWO_LOOP_GEN = {"msq": 15, "msu": 18, "msd": 21, "Ad": 27, "Au": 30}


def _need(block: dict, key: int, block_name: str, what: str, source: str) -> float:
    try:
        return block[(key,)]
    except KeyError:
        raise InvalidInput(f"{source}: Block {block_name} entry {key} ({what}) is missing") from None


def from_gm2calc_blocks(blocks: dict, source: str = "<gm2calc>") -> MSSMInput:
    """Build an :class:`MSSMInput` from parsed GM2Calc-format blocks."""
    if "GM2CALCINPUT" not in blocks:
        raise InvalidInput(f"{source}: Block GM2CalcInput is missing (not a GM2Calc input file)")
    gi = blocks["GM2CALCINPUT"]
    vals = {name: _need(gi, k, "GM2CalcInput", name, source) for k, name in _GM2CALC_REQUIRED.items()}
    msl = [_need(gi, 9 + i, "GM2CalcInput", f"msl({i + 1},{i + 1})", source) for i in range(3)]
    mse = [_need(gi, 12 + i, "GM2CalcInput", f"mse({i + 1},{i + 1})", source) for i in range(3)]
    ae = [gi.get((24 + i,), 0.0) for i in range(3)]
    two_loop = {name: gi[(k,)] for name, k in _GM2CALC_TWO_LOOP.items() if (k,) in gi}
    for name, k in _GM2CALC_TWO_LOOP_GEN.items():
        if any((k + i,) in gi for i in range(3)):
            two_loop[name] = [gi.get((k + i,), 0.0) for i in range(3)]
    overrides = {}
    if (1,) in gi:
        overrides["alpha_MZ"] = gi[(1,)]
    if (2,) in gi:
        overrides["alpha_0"] = gi[(2,)]
    for k, name in _SMINPUTS_GM2CALC.items():
        if (k,) in blocks.get("SMINPUTS", {}):
            overrides[name] = blocks["SMINPUTS"][(k,)]
    sm = SMInputs.from_convention("gm2calc", **overrides)
    sm = SMInputs(
        **{f.name: getattr(sm, f.name) for f in dataclasses.fields(sm) if f.name != "sin2_theta_W"},
        sin2_theta_W=1.0 - sm.MW**2 / sm.MZ**2,
    )
    cfg = blocks.get("GM2CALCCONFIG", {})
    resum = bool(int(cfg[(2,)])) if (2,) in cfg else None
    loop = int(cfg[(1,)]) if (1,) in cfg else None
    params = MSSMParams(
        tan_beta=vals["tan(beta)"], mu=vals["mu"], M1=vals["M1"], M2=vals["M2"], msl=msl, mse=mse, Ae=ae, **two_loop
    )
    return MSSMInput(params, sm, resum, loop, source, "gm2calc")
