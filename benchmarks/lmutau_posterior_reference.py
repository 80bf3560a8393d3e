"""Reference posterior of ``fits/lmutau_posterior.toml`` by importance-weighted prior draws (issue 14).

Independent of NUTS: exact draws from the config's prior (``Problem.sample_prior``), weighted by the
likelihood exp(-chi^2/2) (every term of the config: Delta a_e, Delta a_mu, LEP, every Z' limit).
The prior is wide but the weights are benign (ESS ~3.4 % of the draws), so a few million draws
give the posterior's quantiles and the probability of any region to well below the precision of a
NUTS run.  Errors: the spread over ``--blocks`` independent blocks of the draws / sqrt(blocks).

Prints and records (``benchmarks/results/lmutau_posterior_reference.jsonl``): the ESS, the
2.5/5/50/95/97.5 % quantiles of M_Z' (MeV) and g_X (1e-4), P(M_Z' > cut) for the cuts, the
fraction of the posterior with both Delta a_e and Delta a_mu within 2 sigma, and the weighted means
of the chi^2 terms on both sides of 210 MeV.  ``tests/test_notebook_lmutau.py``'s slow test checks
the notebook's NUTS posterior against these numbers.

    python benchmarks/lmutau_posterior_reference.py                 # 5 x 2^20 draws, ~2 CPU-min
    python benchmarks/lmutau_posterior_reference.py --draws 65536 --blocks 2 --out /tmp/ref.jsonl
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _results import environment, report

ROOT = pathlib.Path(__file__).resolve().parents[1]
QUANTILES = (0.025, 0.05, 0.5, 0.95, 0.975)


def weighted_quantiles(v, w, q):
    """Quantiles of the weighted sample (v, w) (midpoint rule on the sorted cumulative weights)."""
    o = np.argsort(v)
    c = np.cumsum(w[o]) - 0.5 * w[o]
    return np.interp(q, c / np.sum(w), v[o])


def summarise(x, names, chi2, parts, pred, cuts, dataset):
    lw = -0.5 * chi2
    w = np.exp(lw - np.max(lw))
    w /= np.sum(w)
    mz = x[:, names.index("M_Zp")] * 1e3
    g = x[:, names.index("g_X")] * 1e4
    ae, amu = dataset["a_e"], dataset["a_mu"]
    both = (np.abs(pred["a_e"] - ae.value) < 2 * ae.error) & (np.abs(pred["a_mu"] - amu.value) < 2 * amu.error)
    out = {
        "n": len(x), "ess": float(1.0 / np.sum(w**2)),
        "M_Zp_MeV_quantiles": weighted_quantiles(mz, w, QUANTILES).tolist(),
        "g_X_1e4_quantiles": weighted_quantiles(g, w, QUANTILES).tolist(),
        "p_M_Zp_above": {f"{c:g}": float(np.sum(w[mz > c * 1e3])) for c in cuts},
        "frac_both_2sigma": float(np.sum(w[both])),
    }
    hi = mz > 210.0
    for side, sel in (("below_210MeV", ~hi), ("above_210MeV", hi)):
        ws = w[sel] / np.sum(w[sel])
        out[f"mean_chi2_terms_{side}"] = {k: float(np.sum(ws * v[sel])) for k, v in parts.items()}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=str(ROOT / "fits" / "lmutau_posterior.toml"))
    ap.add_argument("--draws", type=int, default=2**20, help="prior draws per block")
    ap.add_argument("--blocks", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--cuts", default="0.15,0.21,0.3", help="M_Z' cuts (GeV) for P(M_Z' > cut)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)

    import jax

    from gm2jax.config import load_config
    from gm2jax.inference_data import pointwise

    cfg = load_config(args.config)
    cuts = [float(c) for c in args.cuts.split(",")]
    xs, chi2s, partss, preds = [], [], [], []
    t0, c0 = time.perf_counter(), time.process_time()
    with jax.enable_x64(True):
        prob = cfg.problem()
        names = list(prob.names)
        for b in range(args.blocks):
            x = np.asarray(prob.sample_prior(jax.random.key(args.seed + b), args.draws))
            pred, parts = pointwise(prob, x)
            xs.append(x)
            partss.append(parts)
            chi2s.append(sum(parts.values()))
            preds.append({k: pred[k] for k in ("a_e", "a_mu", "status")})
            print(f"block {b + 1}/{args.blocks}: {args.draws} draws, {time.process_time() - c0:.0f} CPU-s", file=sys.stderr)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    blocks = [summarise(xs[b], names, chi2s[b], partss[b], preds[b], cuts, cfg.dataset) for b in range(args.blocks)]
    cat = lambda ds: {k: np.concatenate([d[k] for d in ds]) for k in ds[0]}
    total = summarise(np.concatenate(xs), names, np.concatenate(chi2s), cat(partss), cat(preds), cuts, cfg.dataset)
    err = lambda f: float(np.std([f(r) for r in blocks], ddof=1) / np.sqrt(len(blocks)))
    total["errors"] = {
        "M_Zp_MeV_quantiles": [err(lambda r, i=i: r["M_Zp_MeV_quantiles"][i]) for i in range(len(QUANTILES))],
        "g_X_1e4_quantiles": [err(lambda r, i=i: r["g_X_1e4_quantiles"][i]) for i in range(len(QUANTILES))],
        "p_M_Zp_above": {k: err(lambda r, k=k: r["p_M_Zp_above"][k]) for k in total["p_M_Zp_above"]},
        "frac_both_2sigma": err(lambda r: r["frac_both_2sigma"]),
    }
    total["failed_points"] = int(np.sum(np.concatenate([p["status"] for p in preds]) != 0))
    record = {**environment("lmutau_posterior_reference"), "config": cfg.name, "quantiles": list(QUANTILES),
              "blocks": args.blocks, "seed": args.seed, "wall_s": wall, "cpu_s": cpu, **total}
    print(f"{total['n']} prior draws, ESS {total['ess']:.0f}, {cpu:.0f} CPU-s")
    print("M_Z' [MeV] quantiles", np.round(total["M_Zp_MeV_quantiles"], 2), "+-", np.round(total["errors"]["M_Zp_MeV_quantiles"], 2))
    print("g_X [1e-4] quantiles", np.round(total["g_X_1e4_quantiles"], 3), "+-", np.round(total["errors"]["g_X_1e4_quantiles"], 3))
    for k, v in total["p_M_Zp_above"].items():
        print(f"P(M_Z' > {k} GeV) = {v:.5f} +- {total['errors']['p_M_Zp_above'][k]:.5f}")
    print(f"fraction with both g-2 within 2 sigma: {total['frac_both_2sigma']:.4f} +- {total['errors']['frac_both_2sigma']:.4f}")
    report(args.out or ROOT / "benchmarks" / "results" / "lmutau_posterior_reference.jsonl", record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
