"""Tree-level bounce (tests/tools/bounce.py) vs the vacuum-stability fit formulas (vacuum.py).

Usage::

    python benchmarks/vacuum_bounce_vs_fit.py [--quick] [--n 1000]

For a grid of soft slepton masses (m_L, m_R) the critical trilinear
T_crit = |m_l mu tan(beta)/(1 + Delta_l)| at which the O(4) bounce action of the EW vacuum equals
S_crit = 4 ln(100 GeV/H_0) (= 403.8) is found by root finding on the tree-level bounce of the
(h, l~_L, l~_R) potential, and compared with ``vacuum_bound(m_L, m_R, "ehky2013")`` (smuon and
stau) and ``vacuum_bound(..., "ky2013", m_tau)`` (stau).  Each row (one grid point) is appended
as one JSON line to ``benchmarks/results/vacuum_bounce.jsonl`` together with run metadata.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)  # script, not library: float64 for vacuum_bound

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))  # tests/tools/bounce.py

from gm2jax.models.mssm.vacuum import vacuum_bound  # noqa: E402
from gm2jax.sm import SMInputs  # noqa: E402
from tools import bounce as bn  # noqa: E402
from _results import append_result, environment  # noqa: E402 (benchmarks/_results.py; the script's folder is on sys.path)

OUT = pathlib.Path(__file__).parent / "results" / "vacuum_bounce.jsonl"


def grid(quick: bool):
    masses = (300.0, 1000.0) if quick else (200.0, 300.0, 500.0, 1000.0, 2000.0)
    ratios = (1.0,) if quick else (1.0, 2.5, 1.0 / 2.5)
    cases = [("mu", 50.0), ("tau", 40.0)]
    for lepton, tb in cases:
        for m in masses:
            for r in ratios:
                yield lepton, tb, m, m * r
    if not quick:  # tan(beta) dependence of the stau (y_tau^2 quartic)
        for tb in (20.0, 70.0):
            for m, r in ((500.0, 1.0), (1000.0, 1.0), (1000.0, 2.5)):
                yield "tau", tb, m, m * r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=1000, help="radial grid points of the Newton bounce")
    args = ap.parse_args()
    sm = SMInputs.from_convention("pdg")
    s_crit = bn.critical_action()
    meta = {
        **environment("vacuum_bounce_vs_fit"),
        "s_crit": s_crit,
        "sm_convention": "pdg",
        "m_h": bn.M_HIGGS_GEV,
        "n_grid": args.n,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    for lepton, tb, m_L, m_R in grid(args.quick):
        m_l = float(sm.lepton_mass(lepton))
        b_ehky = float(vacuum_bound(m_L, m_R, "ehky2013"))
        b_ky = float(vacuum_bound(m_L, m_R, "ky2013", m_lepton=m_l)) if lepton == "tau" else None
        t0 = time.perf_counter()
        out = bn.critical_trilinear(
            m_L, m_R, m_l, tb, s_crit=s_crit, T_guess=b_ehky, sm=sm, n=args.n
        )
        dt = time.perf_counter() - t0
        # straight-line action at T_crit (upper bound; shows how much the path bends)
        s_at, pot, cb = bn.slepton_action(m_L, m_R, out["T_crit"], m_l, tb, sm=sm, n=args.n)
        row = dict(
            meta,
            lepton=lepton,
            tan_beta=tb,
            m_L=m_L,
            m_R=m_R,
            T_crit_GeV2=out["T_crit"],
            mu_tanb_crit_GeV=out["T_crit"] / m_l,
            S_at_T_crit=out["S_at"],
            n_eval=out["n_eval"],
            tachyon_edge_GeV2=out["tachyon_edge"],
            B_ehky2013_GeV2=b_ehky,
            ratio_bounce_over_ehky2013=out["T_crit"] / b_ehky,
            B_ky2013_GeV2=b_ky,
            ratio_bounce_over_ky2013=(out["T_crit"] / b_ky) if b_ky else None,
            cb_minimum_GeV=None if cb is None else [float(x) for x in cb[0]],
            wall_s=dt,
        )
        print(
            f"{lepton:3s} tb={tb:4.0f} mL={m_L:6.0f} mR={m_R:6.0f}  T_crit={out['T_crit']:.4e}  "
            f"ehky={b_ehky:.4e} ratio={row['ratio_bounce_over_ehky2013']:.3f}"
            + (f"  ky={b_ky:.4e} ratio={row['ratio_bounce_over_ky2013']:.3f}" if b_ky else "")
            + f"  S={out['S_at']:.1f} ({dt:.0f}s)",
            flush=True,
        )
        append_result(OUT, row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
