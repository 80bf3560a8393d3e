"""Fuzz campaign (issue 15): random, extreme and non-finite inputs for every registered model;
counts of unflagged non-finite values and gradients (must be 0).

For each model of :func:`gm2jax.likelihood.known_models`, points are drawn as in :func:`draw`:
every parameter "typical" (log-uniform magnitude 1e-2 - 1e4 with a random sign; tan(beta)-like
names 1e-1 - 1e3; coupling-like names 1e-3 - 10), and in 40 % of the points 1-3 parameters
replaced by "wide" (magnitude 1e-300 - 1e300) or "special" values (0, +-1e-300, +-1e300, +-inf,
NaN, the model default).  The prediction
(``ModelSpec.predict``) and the gradient of the sum of its ``a_<l>`` outputs with respect to every
parameter are computed under ``jit(vmap)`` in chunks.  A point is *unflagged non-finite* when its
``status`` is 0 but a float output or a gradient component is NaN or inf.

    python benchmarks/fuzz.py                    # 1e6 points per model -> benchmarks/results/fuzz.json
    python benchmarks/fuzz.py --points 20000 --models mssm,flavon
    python benchmarks/fuzz.py --models thdm --merge  # one model at a time, into the same fuzz.json

Progress (points done, counts so far, rate, time left) goes to stderr after every chunk (``--quiet``: off).

``tests/test_fuzz.py`` runs the same harness at ~1e4 points per model.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import sys
import time

import numpy as np

SPECIAL = (0.0, 1e-300, -1e-300, 1e300, -1e300, math.inf, -math.inf, math.nan)


def _typical_range(name: str) -> tuple[float, float]:
    n = name.lower()
    if "tan" in n:
        return 1e-1, 1e3
    if n.startswith(("g_", "lam", "zeta", "sin")) or n in ("g_x", "g_yx"):
        return 1e-3, 10.0
    return 1e-2, 1e4


def draw(names, defaults, n: int, rng: np.random.Generator) -> dict:
    """``n`` fuzz points (dict name -> float64 array): every parameter "typical" (log-uniform
    magnitude over :func:`_typical_range`, random sign; for a third of the points the model
    default +- 10 % instead, where it has one); then in 40 % of the points 1-3 random
    parameters are replaced by "wide" values (magnitude 1e-300 - 1e300) or "special" ones (0,
    +-1e-300, +-1e300, +-inf, NaN, the model default)."""
    k = len(names)
    vals = np.empty((n, k))
    for j, name in enumerate(names):
        lo, hi = _typical_range(name)
        sign = np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)
        vals[:, j] = sign * np.exp(rng.uniform(np.log(lo), np.log(hi), n))
    # a third of the points scatter around the model defaults (where a model's physical region is narrow)
    near = rng.uniform(size=n) < 1.0 / 3.0
    for j, name in enumerate(names):
        if math.isfinite(defaults.get(name, 0.0)) and defaults.get(name, 0.0) != 0.0:
            vals[near, j] = float(defaults[name]) * (1.0 + 0.1 * rng.normal(size=int(near.sum())))
    special = np.array(SPECIAL)
    for i in np.flatnonzero(rng.uniform(size=n) < 0.4):
        for j in rng.choice(k, size=min(k, int(rng.integers(1, 4))), replace=False):
            if rng.uniform() < 0.5:
                vals[i, j] = (-1.0 if rng.uniform() < 0.5 else 1.0) * 10.0 ** rng.uniform(-300, 300)
            else:
                vals[i, j] = special[rng.integers(0, len(special))] if rng.uniform() < 0.9 else float(defaults.get(names[j], 1.0))
    return {name: vals[:, j] for j, name in enumerate(names)}


def parameter_names(name: str) -> tuple[tuple[str, ...], dict]:
    """The parameters to fuzz and their centre values.  A packaged fit configuration of the model
    fixes one consistent parametrisation (e.g. the flavon's ``c_e`` instead of ``va``): its free,
    fixed and derived model parameters are fuzzed, centred on the fixed values and on the middle
    of the free ranges, and its switches (``mass_matched``) keep their values.  Without a
    configuration every parameter of the model, centred on its defaults."""
    import tomllib

    from gm2jax.registry import get_model

    spec = get_model(name)
    fits = pathlib.Path(__file__).resolve().parent.parent / "fits"
    for path in sorted(fits.glob("*.toml")):
        doc = tomllib.loads(path.read_text())
        if doc.get("model") != name:
            continue
        centre = {k: float(v) for k, v in doc.get("fixed", {}).items() if k in spec.parameters}
        for k, v in doc.get("parameters", {}).items():
            lo, hi = v.get("range", (v.get("mean", 1.0), v.get("mean", 1.0)))
            centre[k] = math.sqrt(lo * hi) if lo > 0 and hi > 0 else 0.5 * (lo + hi)
        keys = set(centre) | set(doc.get("derived", {}))
        switches = {k: centre.pop(k) for k in ("mass_matched",) if k in centre}
        return tuple(k for k in spec.parameters if k in keys and k not in switches), {**centre, "_switches": switches}
    return tuple(spec.parameters), {k: float(v) for k, v in spec.defaults.items()}


def model_functions(name: str, loops: int | None = None):
    """``(names, defaults, f)`` with ``f(values) -> (outputs dict, gradient dict)`` for ONE point."""
    import jax
    import jax.numpy as jnp

    from gm2jax.registry import get_model
    from gm2jax.sm import SMInputs

    spec = get_model(name)
    sm = SMInputs.from_convention("pdg")
    leptons = ("e", "mu")
    extra = {}
    if spec.loops:
        extra["loops"] = loops if loops is not None else min(spec.loops)

    def predict(values):
        return spec.predict(values, sm, leptons, "none", **extra)

    def objective(values):
        pred = predict(values)
        return sum(jnp.where(pred["status"] == 0, pred[f"a_{lep}"], 0.0) for lep in leptons if f"a_{lep}" in pred)

    def f(values):
        return predict(values), jax.grad(objective)(values)

    names, centre = parameter_names(name)
    switches = centre.pop("_switches", {})

    def g(values):
        return f({**values, **{k: jnp.asarray(v, dtype=jnp.float64) for k, v in switches.items()}})

    return names, centre, g


BOUNDARY_GRADIENTS = {"thdm": ("sin_beta_minus_alpha", lambda v: np.abs(v) == 1.0)}
"""Gradient components that are mathematically infinite on the boundary of a parameter's domain
(not a numerical failure): model -> (parameter, predicate on its values).  The 2HDM's derivative
in sin(beta - alpha) at |sin(beta - alpha)| = 1 (exact alignment, the configs' fixed value):
cos(beta - alpha) = sqrt(1 - s^2) has a vertical tangent there.  Such components are counted as
``boundary_infinite_gradient``, not as unflagged non-finite gradients; every other component of
the same point is still checked."""


def fuzz_model(name: str, n: int, *, seed: int = 0, chunk: int = 4096, loops: int | None = None,
               progress: bool = False) -> dict:
    """Counts for ``n`` fuzz points of model ``name`` (see the module docstring); ``progress``: one line
    per chunk on stderr (points done, counts so far, rate, time left)."""
    import jax
    import jax.numpy as jnp

    names, defaults, f = model_functions(name, loops)
    rng = np.random.default_rng(seed)
    fn = jax.jit(jax.vmap(f))
    counts = {"model": name, "points": 0, "flagged": 0, "unflagged_nonfinite_value": 0, "unflagged_nonfinite_gradient": 0,
              "flagged_nonfinite_gradient": 0, "boundary_infinite_gradient": 0, "examples": []}
    t0 = time.perf_counter()
    with jax.enable_x64(True):
        done = 0
        while done < n:
            m = min(chunk, n - done)
            vals = draw(names, defaults, chunk, rng)  # fixed chunk shape: one compilation
            pred, grad = fn({k: jnp.asarray(v) for k, v in vals.items()})
            status = np.asarray(pred["status"])[:m]
            ok = status == 0
            bad_v = np.zeros(m, dtype=bool)
            for k, v in pred.items():
                a = np.asarray(v)[:m]
                if np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.complexfloating):
                    bad_v |= ~np.isfinite(a).reshape(m, -1).all(axis=1)
            bad_g = np.zeros(m, dtype=bool)
            boundary = np.zeros(m, dtype=bool)
            exempt_name, on_boundary = BOUNDARY_GRADIENTS.get(name, (None, None))
            for k, v in grad.items():
                nonfinite = ~np.isfinite(np.asarray(v)[:m]).reshape(m, -1).all(axis=1)
                if k == exempt_name:
                    edge = on_boundary(np.asarray(vals[k])[:m])
                    boundary |= nonfinite & edge
                    nonfinite &= ~edge
                bad_g |= nonfinite
            counts["points"] += m
            counts["flagged"] += int(np.count_nonzero(~ok))
            counts["unflagged_nonfinite_value"] += int(np.count_nonzero(ok & bad_v))
            counts["unflagged_nonfinite_gradient"] += int(np.count_nonzero(ok & bad_g))
            counts["flagged_nonfinite_gradient"] += int(np.count_nonzero(~ok & bad_g))
            counts["boundary_infinite_gradient"] += int(np.count_nonzero(ok & boundary))
            for i in np.flatnonzero(ok & (bad_v | bad_g))[: max(0, 5 - len(counts["examples"]))]:
                counts["examples"].append({k: float(v[i]) for k, v in vals.items()})
            done += m
            if progress:
                rate = done / max(time.perf_counter() - t0, 1e-9)
                print(f"  {name}: {done}/{n} points, {counts['flagged']} flagged, "
                      f"{counts['unflagged_nonfinite_value'] + counts['unflagged_nonfinite_gradient']} unflagged non-finite "
                      f"({rate:.0f} points/s incl. compile, ~{(n - done) / rate:.0f} s left)", file=sys.stderr, flush=True)
    counts["seconds"] = time.perf_counter() - t0
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000, help="points per model (default 1e6)")
    ap.add_argument("--models", default=None, help="comma-separated (default: every registered model)")
    ap.add_argument("--chunk", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--loops", type=int, default=None, help="loop order for models with several (default: lowest)")
    ap.add_argument("--merge", action="store_true",
                    help="keep the other models' records already in --out (run models one at a time)")
    ap.add_argument("--quiet", action="store_true", help="no per-chunk progress lines on stderr")
    ap.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "fuzz.json"))
    args = ap.parse_args(argv)
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    from _results import environment

    import jax

    jax.config.update("jax_enable_x64", True)
    from gm2jax.registry import known_models

    models = args.models.split(",") if args.models else known_models()
    record = {**environment("fuzz"), "points_per_model": {}, "seed": args.seed, "models": {}}
    out = pathlib.Path(args.out)
    if args.merge and out.exists():
        old = json.loads(out.read_text())
        record["models"] = old.get("models", {})
        ppm = old.get("points_per_model", {})
        record["points_per_model"] = ppm if isinstance(ppm, dict) else {m: ppm for m in record["models"]}
        record["earlier_runs"] = old.get("earlier_runs", []) + [{k: old[k] for k in ("date", "loadavg_1_5_15") if k in old}]
    total_bad = 0
    for name in models:
        print(f"{name}: compiling value + gradient under jit(vmap) (chunk {args.chunk}) ...", file=sys.stderr, flush=True)
        c = fuzz_model(name, args.points, seed=args.seed, chunk=args.chunk, loops=args.loops, progress=not args.quiet)
        record["models"][name] = c
        record["points_per_model"][name] = c["points"]
        bad = c["unflagged_nonfinite_value"] + c["unflagged_nonfinite_gradient"]
        total_bad += bad
        print(
            f"{name:>8s}: {c['points']} points, {c['flagged']} flagged, unflagged non-finite: {c['unflagged_nonfinite_value']} "
            f"values, {c['unflagged_nonfinite_gradient']} gradients; flagged with non-finite gradient: "
            f"{c['flagged_nonfinite_gradient']} ({c['seconds']:.0f} s)",
            flush=True,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {out}")
    return 1 if total_bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
