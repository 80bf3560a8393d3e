"""Evaluate many input files in batched, jit-compiled calls (the engine of ``gm2jax amu``).

Each file becomes one result row (a dict, JSON-ready).  A file that cannot be read or
understood gives a row with ``error`` set (file and problem named) and the other files are
still computed; a point that is read but unphysical gives a row with a non-zero ``status``
and ``problem``, and ``total = None``.  No NaN is ever returned as a number.

Formats (``fmt``; detected from the blocks when None):

* ``"slha"`` -- spectrum-generator output (Block MASS or HMIX present, even with a GM2CalcInput
  block): read as GM2Calc's SLHA mode does (:mod:`gm2jax.io.slha_input`) and converted on shell
  (:func:`gm2jax.models.mssm.onshell.convert_to_onshell`).  Gives a_mu only.
* ``"gm2calc"`` -- GM2Calc input files (Block GM2CalcInput, no MASS/HMIX).
* ``"slha-params"`` -- parameter-only SLHA (EXTPAR/MSOFT without MASS/HMIX; gm2jax's own
  reading, PDG convention, one loop).
* 2HDM input files (GM2Calc's THDM format) go to :func:`gm2jax.io.thdm.amu_row`.

Loop order (``loops``): None follows GM2CalcConfig entry 1 (GM2Calc's default 2 when absent);
0 gives GM2Calc's loop order 0 (a_mu = 0, uncertainty = |a_mu^1L|).
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp

from gm2jax.errors import Gm2jaxError, InvalidInput, Status, describe_status
from gm2jax.io.gm2calc import from_gm2calc_blocks
from gm2jax.io.slha import parse_document, read_text
from gm2jax.io.slha_input import Config, detect_format, from_slha_parameters, from_slha_spectrum, read_config
from gm2jax.io.thdm import amu_row, is_thdm
from gm2jax.models.mssm import amu_2l
from gm2jax.models.mssm.amu_2l import PIECES
from gm2jax.models.mssm.one_loop import amu_1l_parts
from gm2jax.models.mssm.onshell import convert_to_onshell
from gm2jax.models.mssm.sfermions import sfermion_status, third_generation
from gm2jax.models.mssm.threshold import delta_lepton
from gm2jax.models.mssm.uncertainty import uncertainty
from gm2jax.sm import couplings

_PARAM_PROBLEMS = (("mu", "mu parameter is zero"), ("M1", "Bino mass M1 is zero"), ("M2", "Wino mass M2 is zero"))


@dataclasses.dataclass
class _Job:
    index: int
    source: str
    kind: str
    data: object = None
    loops: int = 2
    resum: bool = True
    uncertainty: bool = False
    notes: tuple = ()
    text: str = ""


def _two_loop_module():
    """The two-loop MSSM module (:mod:`gm2jax.models.mssm.amu_2l`)."""
    return amu_2l


def two_loop_available() -> bool:
    """True when the two-loop MSSM contributions can be computed."""
    return _two_loop_module() is not None


def _read(path, fmt, lepton, loops, resum, model) -> _Job:
    text, source = read_text(path)
    doc = parse_document(text, source)
    doc.check_lines()
    if model == "thdm" or (model is None and _is_thdm(doc, text)):
        return _Job(-1, source, "thdm", text=text, loops=loops)
    job = _read_kind(doc, text, source, fmt, lepton, loops, resum)
    job.text = text
    return job


def _read_kind(doc, text, source, fmt, lepton, loops, resum) -> _Job:
    kind = fmt or detect_format(doc)
    if kind == "slha":
        if lepton != "mu":
            raise InvalidInput(f"{source}: spectrum (SLHA) files give a_mu only: the on-shell conversion uses the smuon masses (use --lepton mu)")
        inp = from_slha_spectrum(doc)
        cfg = inp.config
        return _Job(-1, source, "slha", inp, _pick(loops, cfg.loop_order), _pick(resum, cfg.resummation), cfg.uncertainty, inp.notes)
    if kind == "gm2calc":
        cfg = read_config(doc, Config(loop_order=2, resummation=True))
        _check_sm_entries(doc)
        inp = from_gm2calc_blocks({n: doc.merged(n) for n in ("GM2CALCINPUT", "GM2CALCCONFIG", "SMINPUTS") if doc.has(n)}, source)
        return _Job(-1, source, "gm2calc", inp, _pick(loops, cfg.loop_order), _pick(resum, cfg.resummation), cfg.uncertainty)
    inp = from_slha_parameters(doc)
    return _Job(-1, source, "slha-params", inp, _pick(loops, 1), bool(resum), False, ("gm2jax parameter-only SLHA reading (PDG convention)",))


_POSITIVE = (("SMINPUTS", 4, "MZ"), ("SMINPUTS", 9, "MW"), ("SMINPUTS", 13, "m_mu"), ("SMINPUTS", 11, "m_e"),
             ("SMINPUTS", 7, "m_tau"), ("SMINPUTS", 3, "alpha_s(MZ)"), ("SMINPUTS", 5, "m_b(m_b)"), ("SMINPUTS", 6, "m_t"),
             ("GM2CALCINPUT", 1, "alpha(MZ)"), ("GM2CALCINPUT", 2, "alpha(0)"))


def _check_sm_entries(doc) -> None:
    """SM inputs of a GM2Calc input file that would make the computation meaningless: named errors
    (GM2Calc itself prints NaN or divides by zero)."""
    for block, key, what in _POSITIVE:
        vals = doc.merged(block) if doc.has(block) else {}
        if (key,) in vals and not vals[(key,)] > 0:
            raise InvalidInput(f"{doc.source}: Block {block} entry {key} ({what}) = {vals[(key,)]:g} must be positive")
    smi = doc.merged("SMINPUTS") if doc.has("SMINPUTS") else {}
    if (4,) in smi and (9,) in smi and smi[(9,)] >= smi[(4,)]:
        raise InvalidInput(f"{doc.source}: Block SMINPUTS entry 9 (MW) = {smi[(9,)]:g} >= entry 4 (MZ) = {smi[(4,)]:g}: MW < MZ is needed")


def _pick(override, default):
    return default if override is None else override


def _is_thdm(doc, text) -> bool:
    return bool(is_thdm(text))


def amu_files(paths, lepton: str = "mu", resum: bool | None = None, loops: int | None = None,
              fmt: str | None = None, model: str | None = None, keep_text: bool = False) -> list[dict]:
    """a_l for each file; files of one kind are evaluated in one jit-compiled vmap.

    Args:
        paths: file paths ('-' = stdin).
        lepton: "e", "mu" or "tau" (spectrum files: "mu" only).
        resum: force tan(beta) resummation on/off; None follows GM2CalcConfig entry 2 (default on).
        loops: 0, 1 or 2; None follows GM2CalcConfig entry 1 (default 2).
        fmt: ``"slha"``, ``"gm2calc"`` or None (detect from the blocks).
        model: ``"mssm"``, ``"thdm"`` or None (detect).
        keep_text: add each readable file's text as ``input_text`` (for SLHA output; not JSON data).

    Returns:
        One dict per file, in order (see :func:`gm2jax.cli.amu` for the fields).  Rows of files
        that failed have ``error`` (a message naming file, block and entry) and ``status = None``.
    """
    with jax.enable_x64(True):
        return _amu_files(paths, lepton, resum, loops, fmt, model, keep_text)


def _amu_files(paths, lepton, resum, loops, fmt, model, keep_text) -> list[dict]:
    rows: list[dict | None] = [None] * len(paths)
    jobs: list[_Job] = []
    for i, path in enumerate(paths):
        try:
            job = _read(path, fmt, lepton, loops, resum, model)
        except Gm2jaxError as err:
            rows[i] = _error_row(str(path), lepton, str(err))
            continue
        except (ValueError, ArithmeticError, KeyError, IndexError, TypeError) as err:
            rows[i] = _error_row(str(path), lepton, f"{path}: cannot interpret the file ({type(err).__name__}: {err})")
            continue
        job.index = i
        jobs.append(job)
    for kind, evaluate in (("slha", _eval_slha), ("gm2calc", _eval_gm2calc), ("slha-params", _eval_params), ("thdm", _eval_thdm)):
        group = [j for j in jobs if j.kind == kind]  # one compilation per kind (non-resummed part only if needed)
        if not group:
            continue
        try:
            for job, row in zip(group, evaluate(group, lepton)):
                rows[job.index] = row
        except Gm2jaxError as err:
            for job in group:
                rows[job.index] = _error_row(job.source, lepton, f"{job.source}: {err}")
    if keep_text:
        for job in jobs:
            rows[job.index]["input_text"] = job.text
        for i, path in enumerate(paths):
            if "input_text" not in rows[i] and str(path) != "-":
                try:
                    rows[i]["input_text"] = read_text(path)[0]
                except Gm2jaxError:
                    rows[i]["input_text"] = ""
    return rows  # type: ignore[return-value]


def _error_row(source, lepton, message) -> dict:
    return {"file": source, "lepton": lepton, "total": None, "status": None, "problem": message, "error": message}


def _num(x) -> float | None:
    x = float(x)
    return None if not math.isfinite(x) else x


_BUCKET = 8


def _stack(items):
    """Stack points along a batch axis, padded (repeating the first point) to a multiple of 8, so
    that batches of 1..8 (9..16, ...) points share one compilation."""
    items = list(items) + [items[0]] * (-len(items) % _BUCKET)
    return jax.tree_util.tree_map(lambda *xs: jnp.stack([jnp.asarray(x) for x in xs]), *items)


def _mssm_point(p, sm, lepton, delta, with_non=True):
    """Resummed (and with ``with_non`` also non-resummed) one-loop and, where available, two-loop
    results of one point.  The resummed result is always needed: GM2Calc's uncertainty uses it."""
    mod = _two_loop_module()
    if mod is not None:
        out = {"res": mod.amu_parts(p, sm, lepton, 2, "gm2calc")}
        if with_non:
            out["non"] = mod.amu_parts(p, sm, lepton, 2, None)
        return out
    c = couplings(sm)
    out = {"res": amu_1l_parts(p, sm, lepton, delta=delta), "non": amu_1l_parts(p, sm, lepton, delta=0.0)}
    out["sf_res"] = sfermion_status(p, third_generation(p, sm, c, "gm2calc"))
    out["sf_non"] = sfermion_status(p, third_generation(p, sm, c, None))
    return out


def _slha_one(drbar, pole, sm, with_non):
    conv = convert_to_onshell(drbar, pole, sm)
    out = _mssm_point(conv.params, sm, "mu", conv.delta, with_non)
    out["conv"] = conv
    return out


def _gm2calc_one(p, sm, lepton, with_non):
    return _mssm_point(p, sm, lepton, delta_lepton(p, couplings(sm), lepton, "gm2calc"), with_non)


def _slha_batch(drbar, pole, sm, with_non):
    fn = _jitted(("slha", with_non), lambda: jax.jit(jax.vmap(lambda d, q, s: _slha_one(d, q, s, with_non))))
    return fn(drbar, pole, sm)


def _gm2calc_batch(params, sm, lepton, with_non):
    fn = _jitted(("gm2calc", lepton, with_non), lambda: jax.jit(jax.vmap(lambda p, s: _gm2calc_one(p, s, lepton, with_non))))
    return fn(params, sm)


_JITTED: dict = {}


def _jitted(key, make):
    """One compiled function per kind (re-used across calls; recompiled only for new batch sizes)."""
    if key not in _JITTED:
        _JITTED[key] = make()
    return _JITTED[key]


def _finish(job: _Job, lepton: str, r: dict, k: int, extra: dict) -> dict:
    """A result row from the batched arrays ``r`` (index ``k``) of ``job``."""
    key = "res" if job.resum else "non"
    one = r[key]
    two_loop = hasattr(one, "two_loop")
    status = int(one.status[k]) | int(extra.pop("status", 0))
    if not two_loop:
        status |= int(r["sf_" + key][k])
    problems = [describe_status(status)] if status else []
    problems += extra.pop("problems", [])
    ok = status == 0
    notes = list(job.notes)
    if two_loop:
        one_loop = _num(one.one_loop[k])
        parts = {name: _num(getattr(one, name)[k]) for name in PIECES}
        two = _num(one.two_loop[k])
        res = r["res"]
        unc = _num(uncertainty(job.loops, float(res.one_loop[k]), float(res.two_loop[k]),
                               float(res.barr_zee_chargino[k]), float(res.barr_zee_sfermion[k])))
        total = {0: 0.0, 1: one_loop, 2: None if (one_loop is None or two is None) else one_loop + two}[job.loops]
        neutralino, chargino = _num(one.one_loop_neutralino[k]), _num(one.one_loop_chargino[k])
    else:
        one_loop = _num(one.total[k])
        parts, two, unc = None, None, (abs(float(r["res"].total[k])) if job.loops == 0 else None)
        total = {0: 0.0, 1: one_loop, 2: one_loop}[job.loops]
        neutralino, chargino = _num(one.neutralino[k]), _num(one.chargino[k])
        if job.loops == 2:
            notes.append("two-loop MSSM terms not available in this gm2jax build: total is the ONE-LOOP result")
        elif job.loops == 1:
            notes.append("two-loop MSSM terms not available: the uncertainty of the one-loop result is not computed")
    row = {
        "file": job.source,
        "model": "mssm",
        "format": job.kind,
        "lepton": lepton,
        "loops": job.loops,
        "resummed": job.resum,
        "total": total if ok else None,
        "one_loop": one_loop if ok else None,
        "two_loop": two if ok else None,
        "two_loop_computed": two_loop,
        "two_loop_parts": parts if ok else None,
        "uncertainty": _num(unc) if (ok and unc is not None) else None,
        "neutralino": neutralino if ok else None,
        "chargino": chargino if ok else None,
        "delta": float(r["res"].delta[k]) if job.resum else 0.0,
        "status": status,
        "problem": "; ".join(dict.fromkeys(problems)) if (status or problems) else None,
    }
    row.update(extra)
    if notes:
        row["notes"] = notes
    return row


def _abs(x):
    return None if x is None else abs(x)


def _eval_slha(jobs, lepton):
    drbar = _stack([j.data.drbar for j in jobs])
    pole = _stack([j.data.pole for j in jobs])
    sm = _stack([j.data.sm for j in jobs])
    r = jax.device_get(_slha_batch(drbar, pole, sm, not all(j.resum for j in jobs)))
    rows = []
    for k, job in enumerate(jobs):
        conv = r["conv"]
        st = int(conv.status[k])
        problems = []
        if st:
            problems.append(
                "DR-bar to on-shell conversion failed (reached accuracy: mu/M1/M2 "
                f"{float(conv.precision_Mu_M1_M2[k]):.3g} GeV, me2 {float(conv.precision_me2[k]):.3g} GeV; goal 1e-8 GeV): "
                "check that the chargino, bino-like neutralino and smuon pole masses are reachable at tree level"
            )
        p = conv.params
        onshell = {"mu": float(p.mu[k]), "M1": float(p.M1[k]), "M2": float(p.M2[k]),
                   "msl2": float(p.msl[k][1]), "mse2": float(p.mse[k][1]),
                   "precision_Mu_M1_M2": _num(conv.precision_Mu_M1_M2[k]), "precision_me2": _num(conv.precision_me2[k])}
        rows.append(_finish(job, "mu", r, k, {"status": st, "problems": problems, "onshell": onshell, "convention": "gm2calc-slha"}))
    return rows


def _param_status(p, k) -> tuple[int, list[str]]:
    st, problems = 0, []
    for name, msg in _PARAM_PROBLEMS:
        if float(getattr(p, name)[k]) == 0.0:
            st |= int(Status.INVALID_PARAMETER)
            problems.append(f"{name} = 0 (GM2Calc: {msg}): give a non-zero {name}")
    return st, problems


def _eval_gm2calc(jobs, lepton):
    params = _stack([j.data.params for j in jobs])
    sm = _stack([j.data.sm for j in jobs])
    r = jax.device_get(_gm2calc_batch(params, sm, lepton, not all(j.resum for j in jobs)))
    rows = []
    for k, job in enumerate(jobs):
        st, problems = _param_status(params, k)
        rows.append(_finish(job, lepton, r, k, {"status": st, "problems": problems, "convention": "gm2calc"}))
    return rows


def _eval_params(jobs, lepton):

    def one(p, sm, resum):
        return amu_1l_parts(p, sm, lepton, resummation="exact") if resum else amu_1l_parts(p, sm, lepton)

    rows = []
    for job in jobs:
        a = jax.device_get(jax.jit(one, static_argnums=2)(job.data.params, job.data.sm, job.resum))
        st = int(a.status)
        rows.append({
            "file": job.source, "model": "mssm", "format": job.kind, "lepton": lepton, "loops": 1,
            "resummed": job.resum, "total": _num(a.total) if st == 0 else None, "one_loop": _num(a.total) if st == 0 else None,
            "two_loop": None, "two_loop_computed": False, "two_loop_parts": None, "uncertainty": None,
            "neutralino": _num(a.neutralino) if st == 0 else None, "chargino": _num(a.chargino) if st == 0 else None,
            "delta": float(a.delta), "status": st, "problem": describe_status(st) if st else None,
            "convention": "pdg", "notes": list(job.notes) + ["parameter-only SLHA: one loop, tree-level spectrum"],
        })
    return rows


def _eval_thdm(jobs, lepton):
    rows = []
    for job in jobs:
        if lepton != "mu":
            rows.append(_error_row(job.source, lepton, f"{job.source}: 2HDM input files give a_mu only (use --lepton mu)"))
            continue
        try:
            row = dict(amu_row(job.text, job.source, job.loops))
        except Gm2jaxError as err:
            rows.append(_error_row(job.source, lepton, f"{job.source}: {err}"))
            continue
        row = {"file": job.source, "model": "thdm", "format": "thdm", "lepton": "mu", **row}
        for key, value in list(row.items()):
            if isinstance(value, float) and not math.isfinite(value):
                row[key] = None
        rows.append(row)
    return rows


def failed(row: dict) -> bool:
    """True when a row is an error or an unphysical/unconverged point."""
    return row.get("error") is not None or bool(row.get("status"))
