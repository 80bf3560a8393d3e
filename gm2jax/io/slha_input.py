"""Spectrum-generator SLHA files read the way GM2Calc 2.3.1's SLHA mode reads them.

What is read (GM2Calc ``GM2_slha_io::fill_slha``; every block name case-insensitive, every
occurrence in file order, later entries overriding earlier ones):

* ``SMINPUTS`` 3 alpha_s(MZ), 4 MZ, 5 m_b(m_b), 6 m_t, 7 m_tau, 9 MW, 11 m_e, 13 m_mu (1 and 2 are
  ignored, as by GM2Calc); missing entries take GM2Calc's built-ins (convention ``"gm2calc_slha"``).
* ``MASS`` 24 (MW; GM2Calc falls back to SMINPUTS 9 without it, gm2jax refuses), 36 (A0), 1000022/23/25/35 (neutralinos),
  1000024/1000037 (charginos), 1000014 (muon sneutrino), 1000013/2000013 (smuons); ``NMIX`` only to
  find the most bino-like pole neutralino (without NMIX: GM2Calc's tree-level choice).
* ``HMIX`` at the scale Q of the last HMIX block: 1 mu (starting value), 2 tan(beta).
* At the same scale: ``MSOFT`` 1, 2 (starting values), 3 M3, 31-36 slepton and 41-49 squark soft
  masses; ``AE``, ``AU``, ``AD`` diagonals (A-terms).
* ``GM2CalcInput`` 1 alpha(MZ), 2 alpha(0) (each only if > 0); ``GM2CalcConfig`` 1 loop order
  (default 2), 2 tan(beta) resummation (default 1), 3 force output, 5 uncertainty (default 0).

Deliberate differences from GM2Calc (also in ``docs/slha.md``):

* SLHA-2 flavour blocks are read where the SLHA-1 entry is absent: ``MSL2``/``MSE2``/``MSQ2``/
  ``MSU2``/``MSD2`` (i,i) (mass^2, kept with its sign) for MSOFT 31-49, and A = T(i,i)/Y(i,i) from
  ``TE``/``TU``/``TD`` with ``YE``/``YU``/``YD`` for AE/AU/AD.  GM2Calc reads zeros there (tachyonic
  staus/sbottoms).  When both are given the SLHA-1 values are used, as by GM2Calc.
* Missing or negative SUSY pole masses, a missing W or A0 mass, soft masses absent at the HMIX scale and
  non-numeric values are refused with a message naming block and entry (GM2Calc substitutes bare
  parameters, prints NaN, or reads zeros).
"""

from __future__ import annotations

import dataclasses
import math

import jax
import numpy as np

from gm2jax import linalg
from gm2jax.errors import InvalidInput, PhysicsError
from gm2jax.io.gm2calc import MSSMInput, from_gm2calc_blocks
from gm2jax.io.slha import SLHADocument, read_document
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.onshell import PoleMasses, convert_to_onshell
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.sm import SMInputs, couplings

EPS = np.finfo(float).eps

_SMINPUTS = {3: "alpha_s", 4: "MZ", 5: "m_b_mb", 6: "m_t", 7: "m_tau", 11: "m_e", 13: "m_mu"}
_NEUTRALINOS = (1000022, 1000023, 1000025, 1000035)
_NAMES = {
    24: "W", 36: "A0", 1000024: "chargino 1", 1000037: "chargino 2", 1000014: "muon sneutrino",
    1000013: "smuon 1 (~mu_L)", 2000013: "smuon 2 (~mu_R)",
    1000022: "neutralino 1", 1000023: "neutralino 2", 1000025: "neutralino 3", 1000035: "neutralino 4",
}
_SOFT_SLHA2 = {31: ("MSL2", 1), 32: ("MSL2", 2), 33: ("MSL2", 3), 34: ("MSE2", 1), 35: ("MSE2", 2), 36: ("MSE2", 3),
               41: ("MSQ2", 1), 42: ("MSQ2", 2), 43: ("MSQ2", 3), 44: ("MSU2", 1), 45: ("MSU2", 2), 46: ("MSU2", 3),
               47: ("MSD2", 1), 48: ("MSD2", 2), 49: ("MSD2", 3)}
_TRILINEAR = {"AE": ("TE", "YE"), "AU": ("TU", "YU"), "AD": ("TD", "YD")}
_TRILINEAR_USED = {("AE", 2), ("AE", 3), ("AU", 3), ("AD", 3)}  # the A-terms that enter a_mu (1L, 2L)
_CONFIG = {1: ("loop order", (0, 1, 2)), 2: ("tan(beta) resummation", (0, 1)), 3: ("force output", (0, 1)),
           5: ("uncertainty", (0, 1))}


@dataclasses.dataclass(frozen=True)
class Config:
    """GM2CalcConfig as GM2Calc reads it (defaults of the SLHA mode when absent)."""

    loop_order: int = 2
    resummation: bool = True
    force_output: bool = False
    uncertainty: bool = False
    given: frozenset = frozenset()


def read_config(doc: SLHADocument, defaults: Config | None = None) -> Config:
    """GM2CalcConfig entries 1, 2, 3, 5 (all occurrences), validated like GM2Calc.

    Raises:
        InvalidInput: a value outside GM2Calc's allowed set (e.g. loop order 3), naming the entry.
    """
    cfg = doc.merged("GM2CALCCONFIG")
    base = defaults or Config()
    vals = {"loop_order": base.loop_order, "resummation": base.resummation,
            "force_output": base.force_output, "uncertainty": base.uncertainty}
    fields = {1: "loop_order", 2: "resummation", 3: "force_output", 5: "uncertainty"}
    for key, (what, allowed) in _CONFIG.items():
        if (key,) not in cfg:
            continue
        v = cfg[(key,)]
        if v != int(v) or int(v) not in allowed:
            raise InvalidInput(
                f"{doc.source}: Block GM2CalcConfig entry {key} ({what}) = {v:g} is not supported "
                f"(allowed values: {', '.join(map(str, allowed))})"
            )
        vals[fields[key]] = int(v) if key == 1 else bool(int(v))
    return Config(**vals, given=frozenset(k for (k,) in cfg if isinstance(k, int)))


@dataclasses.dataclass(frozen=True)
class SLHAInput:
    """A spectrum file read in GM2Calc's SLHA mode.

    Attributes:
        drbar: :class:`~gm2jax.models.mssm.params.MSSMParams` with the DR-bar values at the HMIX
            scale (mu, M1, M2, msl[1], mse[1] are starting values of the conversion), ``MA`` the A0
            pole mass and ``Q`` the HMIX scale.
        pole: :class:`~gm2jax.models.mssm.onshell.PoleMasses`.
        sm: :class:`~gm2jax.sm.SMInputs`, on-shell scheme, MW from MASS 24.
        config: :class:`Config`.
        source: file name.
        notes: what gm2jax read differently from GM2Calc (SLHA-2 blocks used, ...).
    """

    drbar: object
    pole: object
    sm: object
    config: Config
    source: str
    notes: tuple


def _mass_block(doc: SLHADocument) -> dict:
    if not doc.has("MASS"):
        raise InvalidInput(f"{doc.source}: Block MASS is missing (a spectrum file needs the pole masses)")
    return doc.merged("MASS")


def _pole(mass: dict, pdg: int, source: str, positive: bool = True) -> float:
    v = mass.get((pdg,))
    if v is None or v == 0.0:
        raise InvalidInput(f"{source}: Block MASS entry {pdg} ({_NAMES[pdg]}) is missing")
    if positive and v < 0:
        raise InvalidInput(
            f"{source}: Block MASS entry {pdg} ({_NAMES[pdg]}) = {v:g} is negative; only neutralino "
            "masses carry a sign in SLHA: give the positive pole mass"
        )
    return v


def _hmix_scale(doc: SLHADocument) -> float:
    occ = doc.occurrences("HMIX")
    if not occ:
        raise InvalidInput(f"{doc.source}: Block HMIX is missing (needed for mu and tan(beta))")
    q = occ[-1].q
    if q is None or q == 0.0:
        raise InvalidInput(
            f"{doc.source}:{occ[-1].line}: Block HMIX has no scale 'Q=' (GM2Calc: could not determine the "
            "renormalization scale from the HMIX block): write 'Block HMIX Q= <scale in GeV>'"
        )
    return q


def _at_scale(doc: SLHADocument, name: str, q: float) -> dict:
    return doc.merged(name, scale=q) if doc.has(name) else {}


def _soft_masses(doc: SLHADocument, q: float, notes: list) -> dict:
    """MSOFT 31-36, 41-49 as signed masses (GeV), SLHA-2 MSx2 where MSOFT lacks them."""
    msoft = _at_scale(doc, "MSOFT", q)
    slha2 = {name: _at_scale(doc, name, q) for name in {b for b, _ in _SOFT_SLHA2.values()}}
    out, used2 = {}, set()
    for key, (blk, i) in _SOFT_SLHA2.items():
        if (key,) in msoft:
            out[key] = msoft[(key,)]
        elif (i, i) in slha2[blk]:
            m2 = slha2[blk][(i, i)]
            out[key] = math.copysign(math.sqrt(abs(m2)), m2)
            used2.add(blk)
    if used2:
        notes.append("soft masses from SLHA-2 block(s) " + ", ".join(sorted(used2)) + " (GM2Calc reads 0 there)")
    return out


def _trilinears(doc: SLHADocument, q: float, notes: list) -> dict:
    out = {}
    for a_name, (t_name, y_name) in _TRILINEAR.items():
        a = _at_scale(doc, a_name, q)
        t = _at_scale(doc, t_name, q)
        y = _at_scale(doc, y_name, q)
        vals = []
        for i in (1, 2, 3):
            if (i, i) in a:
                vals.append(a[(i, i)])
            elif (i, i) in t and t[(i, i)] != 0.0:
                if y.get((i, i), 0.0) == 0.0 and (a_name, i) not in _TRILINEAR_USED:
                    notes.append(f"{a_name}({i},{i}) set to 0: {y_name}({i},{i}) missing (does not enter a_mu)")
                    vals.append(0.0)
                    continue
                if y.get((i, i), 0.0) == 0.0:
                    raise InvalidInput(
                        f"{doc.source}: Block {t_name} entry {i} {i} is given but Block {y_name} entry {i} {i} "
                        f"(needed for A = T/Y) is missing or zero at Q= {q:g}"
                    )
                vals.append(t[(i, i)] / y[(i, i)])
                notes.append(f"{a_name}({i},{i}) = {t_name}/{y_name} (SLHA-2)")
            else:
                vals.append(0.0)
        out[a_name] = vals
    return out


def _bino_pole_mass(doc: SLHADocument, mass: dict, chi: list, drbar, sm) -> float:
    nmix = doc.merged("NMIX") if doc.has("NMIX") else {}
    col = [nmix.get((i, 1), 0.0) for i in (1, 2, 3, 4)]
    if max(abs(x) for x in col) > EPS:
        idx = int(np.argmax(np.square(col)))
    else:  # GM2Calc: the tree-level mixing of the DR-bar parameters decides
        with jax.enable_x64(True):
            w, v = linalg.eigh_sym(sp.neutralino_matrix(drbar, couplings(sm)))
        order = np.argsort(np.abs(np.asarray(w)))
        idx = int(np.argmax(np.asarray(v)[0, order] ** 2))
    return abs(chi[idx])


def from_slha_spectrum(doc: SLHADocument) -> SLHAInput:
    """Read a spectrum-generator SLHA file as GM2Calc's SLHA mode does (see module docstring).

    Raises:
        InvalidInput: missing or non-numeric entries, invalid GM2CalcConfig, MW >= MZ, zero or
            non-finite tan(beta), zero mu/M1/M2 starting values -- each message names block and entry.
    """
    src = doc.source
    notes: list[str] = []
    config = read_config(doc)
    smi = doc.merged("SMINPUTS") if doc.has("SMINPUTS") else {}
    overrides = {name: smi[(k,)] for k, name in _SMINPUTS.items() if (k,) in smi}
    gi = doc.merged("GM2CALCINPUT") if doc.has("GM2CALCINPUT") else {}
    if gi.get((1,), 0.0) > EPS:
        overrides["alpha_MZ"] = gi[(1,)]
    if gi.get((2,), 0.0) > EPS:
        overrides["alpha_0"] = gi[(2,)]
    mass = _mass_block(doc)
    mw = mass.get((24,), 0.0)
    if mw == 0.0:
        raise InvalidInput(
            f"{src}: Block MASS entry 24 (W) is missing: a spectrum file gives the W pole mass there "
            "(GM2Calc would silently fall back to SMINPUTS 9 or 80.385 GeV)"
        )
    overrides["MW"] = mw
    base = SMInputs.from_convention("gm2calc_slha", **overrides)
    if not base.MZ > 0:
        raise InvalidInput(f"{src}: Block SMINPUTS entry 4 (MZ) = {base.MZ:g} must be positive")
    if not mw > 0:
        raise InvalidInput(f"{src}: MW = {mw:g} (Block MASS entry 24) must be positive")
    if mw >= base.MZ:
        raise InvalidInput(f"{src}: MW = {mw:g} >= MZ = {base.MZ:g} (Block MASS 24 / SMINPUTS 4): GM2Calc's on-shell scheme needs MW < MZ")
    for name, key in (("m_mu", 13), ("alpha_MZ", None)):
        if not getattr(base, name) > 0:
            where = f"Block SMINPUTS entry {key}" if key else "Block GM2CalcInput entry 1"
            raise InvalidInput(f"{src}: {where} ({name}) must be positive")
    sm = SMInputs(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base) if f.name != "sin2_theta_W"},
                  sin2_theta_W=1.0 - mw**2 / base.MZ**2)

    q = _hmix_scale(doc)
    hmix = doc.merged("HMIX", scale=q)
    if (2,) not in hmix:
        raise InvalidInput(f"{src}: Block HMIX entry 2 (tan(beta)) is missing at Q= {q:g}")
    tb = hmix[(2,)]
    if not tb > 0:
        raise InvalidInput(f"{src}: Block HMIX entry 2 (tan(beta)) = {tb:g} must be positive")
    mu = hmix.get((1,), 0.0)
    if mu == 0.0:
        raise InvalidInput(f"{src}: Block HMIX entry 1 (mu) is missing or zero (mu parameter is zero)")
    if not any(b.q is not None and abs(b.q - q) < 0.01 for b in doc.occurrences("MSOFT")):
        scales = sorted({b.q for b in doc.occurrences("MSOFT") if b.q is not None})
        raise InvalidInput(
            f"{src}: Block MSOFT is missing at the HMIX scale Q= {q:g}"
            + (f" (found at Q= {', '.join(f'{s:g}' for s in scales)})" if scales else "")
            + ": write the soft parameters at the scale of HMIX"
        )
    msoft = doc.merged("MSOFT", scale=q)
    m1, m2 = msoft.get((1,), 0.0), msoft.get((2,), 0.0)
    for val, key, what in ((m1, 1, "M1 (bino mass)"), (m2, 2, "M2 (wino mass)")):
        if val == 0.0:
            raise InvalidInput(f"{src}: Block MSOFT entry {key} {what} is missing or zero at Q= {q:g}")
    soft = _soft_masses(doc, q, notes)
    pole_chi = [_pole(mass, pdg, src, positive=False) for pdg in _NEUTRALINOS]
    msm = [_pole(mass, 1000013, src), _pole(mass, 2000013, src)]
    msvm = _pole(mass, 1000014, src)
    for key in (32, 35):  # starting values only: fall back to the pole masses
        soft.setdefault(key, msvm if key == 32 else max(msm))
    missing = [k for k in list(range(31, 37)) + list(range(41, 50)) if k not in soft]
    if missing:
        raise InvalidInput(
            f"{src}: Block MSOFT entries {', '.join(map(str, missing))} (soft masses) are missing at Q= {q:g} "
            "and no SLHA-2 MSL2/MSE2/MSQ2/MSU2/MSD2 entry replaces them"
        )
    a = _trilinears(doc, q, notes)
    ma = _pole(mass, 36, src)
    drbar = MSSMParams(
        tan_beta=tb, mu=mu, M1=m1, M2=m2,
        msl=[soft[31], soft[32], soft[33]], mse=[soft[34], soft[35], soft[36]], Ae=a["AE"],
        M3=msoft.get((3,), 0.0), MA=ma, msq=[soft[41], soft[42], soft[43]], msu=[soft[44], soft[45], soft[46]],
        msd=[soft[47], soft[48], soft[49]], Au=a["AU"], Ad=a["AD"], Q=q,
    )
    pole = PoleMasses(
        MCha=np.array([_pole(mass, 1000024, src), _pole(mass, 1000037, src)]),
        MChi_bino=np.float64(_bino_pole_mass(doc, mass, pole_chi, drbar, sm)),
        MSm=np.array(msm),
        MSvm=np.float64(msvm),
    )
    return SLHAInput(drbar, pole, sm, config, src, tuple(notes))


def detect_format(doc: SLHADocument) -> str:
    """``"slha"`` (Block MASS or HMIX present: a spectrum file, even with a GM2CalcInput block),
    ``"gm2calc"`` (Block GM2CalcInput) or ``"slha-params"`` (EXTPAR/MSOFT parameters only).

    Raises:
        InvalidInput: none of these blocks (an empty or non-SLHA file).
    """
    names = doc.names()
    if names & {"MASS", "HMIX"}:
        return "slha"
    if "GM2CALCINPUT" in names:
        return "gm2calc"
    if names & {"EXTPAR", "MSOFT"}:
        return "slha-params"
    found = f" (found: {', '.join(sorted(names))})" if names else ""
    raise InvalidInput(
        f"{doc.source}: no SLHA blocks gm2jax can use{found}: expected Block MASS/HMIX (spectrum), "
        "GM2CalcInput (GM2Calc input) or EXTPAR/MSOFT (parameters)"
    )


def _first(blocks: dict, options, what: str, source: str) -> float:
    for block, key in options:
        if block in blocks and key in blocks[block]:
            return blocks[block][key]
    where = ", ".join(f"{b} {' '.join(map(str, k))}" for b, k in options)
    raise InvalidInput(f"{source}: {what} not found (looked in {where})")


def from_slha_parameters(doc: SLHADocument):
    """A parameter-only SLHA file (no MASS/HMIX) as gm2jax reads it: tan(beta) from ``EXTPAR 25`` or
    ``MINPAR 3``; mu from ``EXTPAR 23``; M1, M2 from ``EXTPAR 1, 2`` or ``MSOFT 1, 2``; slepton soft masses
    from ``EXTPAR 31-36`` or ``MSOFT 31-36``; A_l from ``AE (i,i)`` (or ``EXTPAR 13`` for A_tau);
    ``SMINPUTS`` 1 (1/alpha(MZ) MS-bar), 2 (G_F), 4 (MZ), 7, 11, 13.  Evaluated at one loop with the tree
    spectrum in the ``"pdg"`` (MS-bar) convention with these overrides; GM2Calc cannot read such files.

    Returns:
        :class:`gm2jax.io.gm2calc.MSSMInput` with ``fmt = "slha-params"``.
    """
    source = doc.source
    blocks = {n: doc.merged(n) for n in ("EXTPAR", "MINPAR", "MSOFT", "AE", "SMINPUTS") if doc.has(n)}
    tb = _first(blocks, [("EXTPAR", (25,)), ("MINPAR", (3,))], "tan(beta)", source)
    mu = _first(blocks, [("EXTPAR", (23,))], "mu", source)
    m1 = _first(blocks, [("EXTPAR", (1,)), ("MSOFT", (1,))], "M1", source)
    m2 = _first(blocks, [("EXTPAR", (2,)), ("MSOFT", (2,))], "M2", source)
    msl = [_first(blocks, [("EXTPAR", (31 + i,)), ("MSOFT", (31 + i,))], f"mL{i + 1}", source) for i in range(3)]
    mse = [_first(blocks, [("EXTPAR", (34 + i,)), ("MSOFT", (34 + i,))], f"mE{i + 1}", source) for i in range(3)]
    ae = [blocks.get("AE", {}).get((i + 1, i + 1), 0.0) for i in range(3)]
    if ae[2] == 0.0 and (13,) in blocks.get("EXTPAR", {}):
        ae[2] = blocks["EXTPAR"][(13,)]
    overrides = {}
    smi = blocks.get("SMINPUTS", {})
    if (1,) in smi:
        if not smi[(1,)] > 0:
            raise InvalidInput(f"{source}: Block SMINPUTS entry 1 (1/alpha(MZ)) = {smi[(1,)]:g} must be positive")
        overrides["alpha_MZ"] = 1.0 / smi[(1,)]
    for k, name in {2: "G_F", 4: "MZ", 7: "m_tau", 11: "m_e", 13: "m_mu"}.items():
        if (k,) in smi:
            if not smi[(k,)] > 0:
                raise InvalidInput(f"{source}: Block SMINPUTS entry {k} ({name}) = {smi[(k,)]:g} must be positive")
            overrides[name] = smi[(k,)]
    sm = SMInputs.from_convention("pdg", **overrides)
    params = MSSMParams(tan_beta=tb, mu=mu, M1=m1, M2=m2, msl=msl, mse=mse, Ae=ae)
    return MSSMInput(params, sm, None, None, source, "slha-params")


def read_point(path, fmt: str | None = None):
    """Read any MSSM input file into :class:`gm2jax.io.gm2calc.MSSMInput`; a spectrum file is
    converted on shell (GM2Calc's SLHA mode), so ``params`` are the parameters GM2Calc uses.

    Raises:
        InvalidInput: unreadable file or missing/non-numeric entries (named in the message).
        PhysicsError: the on-shell conversion of a spectrum file did not converge.
    """
    doc = read_document(path)
    doc.check_lines()
    kind = fmt or detect_format(doc)
    if kind == "gm2calc":
        return from_gm2calc_blocks({n: doc.merged(n) for n in ("GM2CALCINPUT", "GM2CALCCONFIG", "SMINPUTS") if doc.has(n)}, doc.source)
    if kind == "slha-params":
        return from_slha_parameters(doc)
    if kind != "slha":
        raise InvalidInput(f"unknown input format {kind!r}: use 'slha' or 'gm2calc'")

    inp = from_slha_spectrum(doc)
    with jax.enable_x64(True):
        conv = convert_to_onshell(inp.drbar, inp.pole, inp.sm)
    if int(conv.status):
        raise PhysicsError(
            f"{doc.source}: DR-bar to on-shell conversion failed (reached accuracy {float(conv.precision_Mu_M1_M2):.3g} GeV "
            f"for mu/M1/M2, {float(conv.precision_me2):.3g} GeV for me2)"
        )
    return MSSMInput(conv.params, inp.sm, inp.config.resummation, inp.config.loop_order, doc.source, "slha")


def read_mssm_file(path, fmt: str | None = None) -> MSSMInput:
    """Read a GM2Calc input file or an SLHA file (format detected from its blocks; ``'-'`` = stdin).

    Spectrum files (Block MASS/HMIX) are read as GM2Calc's SLHA mode does and converted on shell;
    see :func:`read_point`.

    Raises:
        InvalidInput: unreadable file, or missing required blocks/entries (named in the message).
    """
    return read_point(path, fmt)
