"""The GM2Calc 2.3.1 two-loop MSSM reference records (tests/data/mssm2l_public.json) as gm2jax inputs.

Parameters are built from each record's ``inputs`` (PHYSICAL generations: index 0 = e, 1 = mu,
2 = tau) and ``sm_inputs``; the lepton is ``record["lepton"]``.  GM2Calc's slot substitution for
electron records (generations 1 <-> 2 swapped, m_e in the muon slot) is then not needed: gm2jax
evaluates the electron with its own generation, and the generation sums of the two-loop terms are
symmetric under the swap.

Tolerance of the issue: |ours - ref| <= 1e-6 * max(|ref|, 1e-3 * S), S = sum of |five 2L pieces|
= ``cancellation_ratio_2L`` * |amu2L| (the records' own measure of cancellation).
"""

from __future__ import annotations

import json
import pathlib

from gm2jax.models.mssm.params import MSSMParams
from gm2jax.sm import SMInputs

DATA = pathlib.Path(__file__).parent / "data" / "mssm2l_public.json"
RECORDS = json.loads(DATA.read_text())
RTOL = 1e-6
TWO_LOOP_PIECES = (
    "amu2LFSfapprox",
    "amu2LChipmPhotonic",
    "amu2LChi0Photonic",
    "amu2LaSferm",
    "amu2LaCha",
)


def params(rec) -> MSSMParams:
    i = rec["inputs"]
    gen = {k: i[k] for k in ("msq", "msu", "msd", "Au", "Ad")}
    return MSSMParams(
        i["tan_beta"],
        i["mu"],
        i["M1"],
        i["M2"],
        i["msl"],
        i["mse"],
        i["Ae"],
        M3=i["M3"],
        MA=i["MA"],
        Q=i["Q"],
        **gen,
    )


def sm_inputs(rec) -> SMInputs:
    s = rec["sm_inputs"]
    return SMInputs.from_convention(
        "gm2calc",
        alpha_MZ=s["alpha_MZ"],
        alpha_0=s["alpha_0"],
        alpha_s=s["alpha_s_MZ"],
        MZ=s["MZ"],
        MW=s["MW"],
        m_e=s["me"],
        m_mu=s["mmu"],
        m_tau=s["mtau"],
        m_t=s["mt"],
        m_b_mb=s["mb_mb"],
    )


def pieces_sum(rec, suffix: str = "") -> float:
    """S = sum |five 2L pieces| (with ``suffix="_nonres"`` the non-resummed pieces)."""
    o = rec["outputs"]
    return sum(abs(o[k + suffix]) for k in TWO_LOOP_PIECES)


def tol(rec, ref: float, suffix: str = "") -> float:
    """The issue's tolerance for one quantity of this record."""
    return RTOL * max(abs(ref), 1e-3 * pieces_sum(rec, suffix))


def has_nonres(rec) -> bool:
    return rec["outputs"].get("amu2L_nonres") is not None


def stack(trees):
    """Stack a list of pytrees along a new leading axis."""
    import jax
    import jax.numpy as jnp

    return jax.tree_util.tree_map(lambda *a: jnp.stack([jnp.asarray(v) for v in a]), *trees)


def evaluate_records(evaluate, aux_of=lambda rec: 0.0):
    """``{record id: {key: float}}`` of ``evaluate(p, sm, aux, lepton) -> dict`` over all records,
    one jitted vmap per lepton (which also checks batching); ``aux = aux_of(record)``."""
    import jax

    res = {}
    for lep in ("mu", "e"):
        recs = [r for r in RECORDS if r["lepton"] == lep]
        args = (
            stack([params(r) for r in recs]),
            stack([sm_inputs(r) for r in recs]),
            stack([aux_of(r) for r in recs]),
        )
        out = jax.jit(jax.vmap(lambda p, sm, aux, lep=lep: evaluate(p, sm, aux, lep)))(*args)
        for k, r in enumerate(recs):
            res[r["id"]] = {key: float(v[k]) for key, v in out.items()}
    return res


# ----------------------------------------------------------------------------------------
# gradients against finite differences
# ----------------------------------------------------------------------------------------


def assert_gradients(f, xs, auxs, scales, rtol=RTOL, labels=None, kinks=False):
    """Check ``jax.grad`` of ``f(x, aux)`` (R^n -> R) at several points against finite differences.

    Smooth ``f`` (default): central differences with steps h, h/2, h/4 (h = 1e-2 * scale),
    Richardson-extrapolated twice (error O(h^6) ~ 1e-12); the large step keeps the rounding noise of
    ``f`` (up to ~1e-12 |f| where its terms cancel, e.g. for the electron) below 1e-9 |f|.
    ``kinks=True``: both one-sided derivatives (h = 1e-3 * scale, extrapolated to O(h^3)) are
    averaged, i.e. the symmetric derivative at a kink (a tie in a minimum), the central one elsewhere.
    Compared are the sensitivities g_i * scale_i, within rtol * max(|g_i scale_i|, 1e-3 |f|).  All points are evaluated in one vmapped call (one compilation for values, one
    for gradients), ``aux`` being a pytree with a leading point axis.

    Returns:
        The worst relative deviation found.
    """
    import jax
    import jax.numpy as jnp
    import numpy as np

    xs = np.asarray(xs, dtype=float)
    scales = np.asarray(scales, dtype=float)
    npts, n = xs.shape
    fracs = np.array([0.0, 1.0, 0.5, 0.25, -1.0, -0.5, -0.25])
    steps = (1e-3 if kinks else 1e-2) * scales
    shifts = np.zeros((npts, n, len(fracs), n))
    for i in range(n):
        shifts[:, i, :, i] = fracs[None, :] * steps[:, i : i + 1]
    pts = (xs[:, None, None, :] + shifts).reshape(npts, n * len(fracs), n)
    vals = jax.jit(jax.vmap(jax.vmap(f, in_axes=(0, None))))(jnp.asarray(pts), auxs)
    vals = np.asarray(vals).reshape(npts, n, len(fracs))
    grads = np.asarray(jax.jit(jax.vmap(jax.grad(f)))(jnp.asarray(xs), auxs))
    worst = 0.0
    for k in range(npts):
        f0 = vals[k, 0, 0]
        d = (vals[k, :, 1:] - f0) / (fracs[None, 1:] * steps[k][:, None])

        def side(dh, dh2, dh4):
            return (4 * (2 * dh4 - dh2) - (2 * dh2 - dh)) / 3

        if kinks:
            fd = 0.5 * (side(d[:, 0], d[:, 1], d[:, 2]) + side(d[:, 3], d[:, 4], d[:, 5]))
        else:
            c1, c2, c4 = (
                0.5 * (d[:, j] + d[:, j + 3]) for j in range(3)
            )  # central, steps h, h/2, h/4
            r1a, r1b = (4 * c2 - c1) / 3, (4 * c4 - c2) / 3
            fd = (16 * r1b - r1a) / 15
        g = grads[k]
        label = labels[k] if labels else k
        assert np.all(np.isfinite(g)), (label, g)
        sg, sf = g * scales[k], fd * scales[k]
        den = np.maximum(np.abs(sg), 1e-3 * abs(f0))
        err = np.abs(sg - sf) / den
        bad = err > rtol
        assert not np.any(bad), (label, np.nonzero(bad)[0], sg[bad], sf[bad], err[bad])
        worst = max(worst, float(np.max(err)))
    return worst
