"""Sectors: a posterior cut into pieces -- by walls at a parameter's zero, or at chosen points of
a parameter's range -- sampled by NUTS in every piece at once and weighted by bridge sampling.

Why (measured on ``fits/mssm_ew_2025.toml`` at one loop, ``benchmarks/ew2025_samplers.py``):
the LEP chargino bound (chi^2 = softplus((100 GeV - m_chi1)/2 GeV)^2) forbids the cross
|mu| < ~100 GeV or |M2| < ~100 GeV, so the four (sign mu, sign M2) quadrants are separate
pieces of the posterior (chi^2 >= 52 everywhere in |mu| < 85 GeV or |M2| < 85 GeV, measured
at 4000 prior draws; m_chi1 <= sqrt(gap^2 + 2 m_W^2 cos^2 beta)).  In the sigmoid coordinate of
the full range [-2000, 2000] GeV the 2 GeV wall is 0.002 wide, against a posterior width ~1.8:
NUTS on the full range adapted step sizes 0.006-0.1, hit the maximum tree depth in 40-90 % of
its transitions and diverged in up to 80 % of them, and no chain crossed a wall.  M1 has no
wall: its sign is crossed freely and stays an ordinary (sigmoid) coordinate.

The cure at the mechanism: each sector samples the walled parameters on their own side of the
gap with :class:`gm2jax.priors.HalfRange` (x = s (gap + (h - gap) sigmoid(u))), which puts the
wall at the far end of u where it is smooth on the scale of the posterior; the strip
|x| < gap is left out (its posterior mass is below e^-26 of a sector's, from the bound above).
All sectors run in ONE vectorized NUTS program (numpyro's functional ``hmc`` kernel with the
sector pieces as traced model arguments, per-sector pooled adaptation), and their weights come
from the sectors' evidences, estimated by MBAR (the multistate bridge-sampling estimator)
with exact prior draws as a reference of known normalisation: all sector densities live on the
same u space, so every draw is evaluated under every sector's density.  The Laplace evidence
is no use here: the posterior is dominated by prior volume (a plateau at chi^2 ~ 15), not by a
Gaussian peak.

Splits (``splits={"M_Zp": [0.21]}``): the same machinery cuts a uniform or log-uniform range at
interior points (:class:`gm2jax.priors.SubRange`).  Cutting a connected posterior is exact
(stratified sampling: each piece's chains need only mix inside it, the evidences weigh the
pieces), and it is the cure where regions of small weight trap chains.  Measured on
``fits/lmutau_posterior.toml`` (arXiv:2011.05083's ranges): M_Z' > 210 MeV holds 0.215 % of the
posterior (importance-weighted prior draws, ``benchmarks/lmutau_posterior_reference.py``), yet one
of 4 chains started at the best fit wandered there and stayed (R-hat 1.15, M_Z' 95 % upper end 390
instead of the reference's 143 MeV).  Cut at 210 MeV, 4 chains x (500 + 1000) per piece: R-hat
1.003 below, 1.045 above the cut; MBAR weight of the upper piece 0.236 % (reference 0.215 %);
M_Z' 95 % interval 12.1 - 146 MeV (reference 12.3 - 143).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections.abc import Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp
from numpyro.infer.hmc import hmc
from numpyro.infer.hmc_util import _initialize_mass_matrix

from gm2jax.errors import InvalidInput
from gm2jax.inference_data import arviz as _arviz
from gm2jax.priors import HalfRange, SubRange
from gm2jax.problem import Problem

__all__ = [
    "MSSM_WALLS",
    "SectorResult",
    "mbar_log_evidences",
    "run_nuts_sectors",
    "sector_patterns",
    "sector_pieces",
    "sector_potential",
    "sector_transform",
]

MSSM_WALLS = {"mu": 85.0, "M2": 85.0}
"""Gaps (GeV) of the MSSM's walled sign parameters: the LEP chargino bound (100 GeV, width 2 GeV)
gives chi^2 >= 52 for |mu| or |M2| < 85 GeV (m_chi1 <= 85.6 GeV there, measured)."""


def _free(problem: Problem, name: str):
    if name not in problem.names:
        raise InvalidInput(f"sectors: {name!r} is not a free parameter (free: {list(problem.names)})")
    i = problem.names.index(name)
    return i, problem.config.free[i]


def sector_pieces(problem: Problem, walls: Mapping[str, float], splits: Mapping[str, Sequence[float]] | None = None):
    """The sectioned parameters and their pieces.

    Args:
        problem: the inference problem.
        walls: walled sign parameter -> gap (uniform prior, lo < -gap < 0 < gap < hi): pieces
            (gap, hi) and (-gap, lo), labelled ``+`` and ``-`` (:class:`gm2jax.priors.HalfRange`).
        splits: parameter -> increasing cut points inside its uniform or log-uniform range: pieces
            (lo, c1), (c1, c2), ..., (ck, hi), labelled ``<c1``, ``c1-c2``, ..., ``>ck``.

    Returns:
        ``(idx, maps, pieces, labels)``: free-parameter indices, one :class:`SubRange` each, and
        per parameter its list of (a, b) pieces and their labels.

    Raises:
        InvalidInput: an unknown parameter, a wrong prior, a gap or cut outside the range, or a
            parameter both walled and split.
    """
    splits = dict(splits or {})
    idx, maps, pieces, labels = [], [], [], []
    for name, gap in walls.items():
        i, p = _free(problem, name)
        if p.prior != "uniform" or not (p.lo < -gap < 0.0 < gap < p.hi):
            raise InvalidInput(f"parameters.{name}: a walled sign parameter needs a uniform prior and lo < -{gap} < 0 < {gap} < hi "
                               f"(got {p.prior} on [{p.lo}, {p.hi}])")
        if name in splits:
            raise InvalidInput(f"sectors: {name!r} is both walled and split; give it once")
        h = HalfRange(p.lo, p.hi, float(gap))
        idx.append(i)
        maps.append(SubRange("uniform", p.lo, p.hi))
        pieces.append([tuple(float(v) for v in h.piece(s)) for s in (1.0, -1.0)])
        labels.append([f"{name}+", f"{name}-"])
    for name, cuts in splits.items():
        i, p = _free(problem, name)
        cuts = [float(c) for c in cuts]
        edges = [p.lo, *cuts, p.hi]
        if p.prior not in ("uniform", "loguniform") or not cuts or not all(a < b for a, b in itertools.pairwise(edges)):
            raise InvalidInput(f"splits.{name}: need a uniform or log-uniform prior and increasing cuts inside [{p.lo}, {p.hi}] "
                               f"(got {p.prior}, cuts {cuts})")
        idx.append(i)
        maps.append(SubRange(p.prior, p.lo, p.hi))
        pieces.append(list(itertools.pairwise(edges)))
        labels.append([f"{name}<{cuts[0]:g}"] + [f"{name}{a:g}-{b:g}" for a, b in itertools.pairwise(cuts)]
                      + [f"{name}>{cuts[-1]:g}"])
    return idx, maps, pieces, labels


def sector_patterns(walls: Mapping[str, float]) -> list[tuple[float, ...]]:
    """The 2^k sign patterns of the walled parameters, (+, +, ...) first."""
    return list(itertools.product((1.0, -1.0), repeat=len(walls)))


def sector_transform(problem: Problem, walls: Mapping[str, float], splits: Mapping[str, Sequence[float]] | None = None):
    """``(to_x, log_det)``: u -> x and u -> ln |dx/du| in a sector given by ``bounds`` (traced,
    shape (m, 2): the (a, b) piece of each sectioned parameter, in :func:`sector_pieces` order):
    sectioned parameters through :class:`SubRange`, the others through their config bijection."""
    idx, maps, _, _ = sector_pieces(problem, walls, splits)
    where = {i: k for k, i in enumerate(idx)}
    free = problem.config.free

    def to_x(u, bounds):
        return jnp.stack([maps[where[i]].forward(u[i], *bounds[where[i]]) if i in where else p.bijection.forward(u[i])
                          for i, p in enumerate(free)])

    def log_det(u, bounds):
        return sum((maps[where[i]].log_det_jacobian(u[i], *bounds[where[i]]) if i in where else p.bijection.log_det_jacobian(u[i])
                    for i, p in enumerate(free)), jnp.asarray(0.0))

    return to_x, log_det


def sector_potential(problem: Problem, walls: Mapping[str, float], splits: Mapping[str, Sequence[float]] | None = None):
    """``phi(u, bounds) = chi^2/2 - ln pi(x) - ln |dx/du|`` in a sector, with the FULL prior's
    normalised density pi, so that exp(-phi) integrates to the sector's share of the evidence."""
    to_x, log_det = sector_transform(problem, walls, splits)

    def phi(u, bounds):
        x = to_x(u, bounds)
        return 0.5 * problem.chi2(x) - problem.log_prior(x) - log_det(u, bounds)

    return phi


def mbar_log_evidences(log_q, counts, ref_log_z: float, *, iterations: int = 2000, tol: float = 1e-10) -> np.ndarray:
    """MBAR / multistate bridge sampling: ln Z_k of unnormalised densities q_k from draws of all.

    Args:
        log_q: (K, N) ln q_k at every draw n (draws of state j stacked in order, ``counts[j]`` each).
        counts: draws per state (sum = N).
        ref_log_z: the known ln Z of state 0 (the reference), which fixes the scale.

    Returns:
        ln Z_k, shape (K,), from the fixed point ln Z_k = ln sum_n q_k(n) / sum_j N_j q_j(n) / Z_j.
    """
    log_q = np.asarray(log_q, dtype=np.float64)
    log_n = np.log(np.asarray(counts, dtype=np.float64))
    log_z = np.zeros(len(log_q))
    for _ in range(iterations):
        denom = logsumexp(np.asarray(log_n[:, None] + log_q - log_z[:, None]), axis=0)
        new = np.asarray(logsumexp(np.asarray(log_q - denom[None, :]), axis=1))
        new = new - new[0] + ref_log_z
        if np.max(np.abs(new - log_z)) < tol:
            log_z = new
            break
        log_z = new
    return log_z


@dataclasses.dataclass
class SectorResult:
    """Outcome of :func:`run_nuts_sectors`.

    Attributes:
        labels: sector labels (``"mu+ M2-"``, ``"M_Zp<0.21"``).
        signs: (K, k) sign patterns of the walled parameters.
        bounds: (K, m, 2) the (a, b) piece of every sectioned parameter (walls, then splits).
        x, u: draws (K, chains, samples, d), physical and unconstrained (sector coordinates).
        names: free parameter names.
        max_r_hat, min_ess_bulk: per sector, over the free parameters (ArviZ, physical x).
        divergences: per sector, after warm-up.
        step_size: per sector (pooled after warm-up).
        mean_steps, max_depth_fraction: per sector: mean leapfrog steps per transition and the
            fraction of transitions that hit the maximum tree depth.
        log_evidence, log_evidence_err: per sector ln Z (MBAR, full-prior normalisation; error
            from 4 consecutive blocks of the draws), and ``log_evidence_total`` (sum of the sectors).
        weights: sector weights Z_k / sum Z.
        n_gradient_evals: leapfrog steps after warm-up, all chains; ``n_gradient_evals_lockstep``:
            what the lock-step vectorized chains computed (longest trajectory x chains).
        wall_time: ``compile``, ``warmup``, ``sampling`` (+ ``_cpu`` process CPU time), ``evidence``.
        settings: kernel settings.
    """

    labels: list
    signs: np.ndarray
    bounds: np.ndarray
    x: np.ndarray
    u: np.ndarray
    names: tuple
    max_r_hat: np.ndarray
    min_ess_bulk: np.ndarray
    divergences: np.ndarray
    step_size: np.ndarray
    mean_steps: np.ndarray
    max_depth_fraction: np.ndarray
    log_evidence: np.ndarray
    log_evidence_err: np.ndarray
    log_evidence_total: float
    weights: np.ndarray
    n_gradient_evals: int
    n_gradient_evals_lockstep: int
    wall_time: dict
    settings: dict

    def max_r_hat_above(self, min_weight: float) -> float:
        """Largest R-hat over the sectors of weight >= ``min_weight``.  A sector of weight w moves
        any posterior probability of the mixture by at most w however its chains mix, so sectors
        below ``min_weight`` need not gate convergence (their R-hat stays in :attr:`max_r_hat`)."""
        major = np.asarray(self.weights) >= min_weight
        return float(np.max(self.max_r_hat[major])) if major.any() else math.nan

    def mixture(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` physical draws of the whole posterior, shape (n, d): from each sector a share
        proportional to its weight (largest remainders), its draws taken without replacement
        while it has enough (stratified: no sector-choice noise, no repeated draws)."""
        rng = np.random.default_rng(seed)
        flat = self.x.reshape(len(self.labels), -1, self.x.shape[-1])
        share = n * np.asarray(self.weights, dtype=np.float64)
        counts = np.floor(share).astype(int)
        counts[np.argsort(counts - share)[: n - counts.sum()]] += 1
        parts = [flat[k, rng.choice(flat.shape[1], size=m, replace=m > flat.shape[1])] for k, m in enumerate(counts)]
        return rng.permutation(np.concatenate(parts, axis=0))


def _pool_by_sector(adapt_state, n_sectors: int):
    """Chain-averaged inverse mass matrix and geometric-mean step size within each sector."""
    def pooled(m):
        g = m.reshape(n_sectors, -1, *m.shape[1:])
        mean = jnp.mean(g, axis=1)
        parts = jax.vmap(lambda a: _initialize_mass_matrix(None, a, a.ndim == 2))(mean)
        return tuple(jnp.broadcast_to(v[:, None], g.shape).reshape(m.shape) for v in parts)

    inv, sq, sq_inv = pooled(adapt_state.inverse_mass_matrix)
    log_step = jnp.log(adapt_state.step_size).reshape(n_sectors, -1)
    step = jnp.broadcast_to(jnp.exp(jnp.mean(log_step, axis=1, keepdims=True)), log_step.shape).reshape(-1)
    return adapt_state._replace(step_size=step, inverse_mass_matrix=inv, mass_matrix_sqrt=sq, mass_matrix_sqrt_inv=sq_inv)


def _initial_u(problem: Problem, idx, key, n: int) -> np.ndarray:
    """Prior draws in sector coordinates: config bijections for the ordinary parameters, the exact
    prior of a sectioned parameter's piece (u ~ logistic) for the sectioned ones."""
    k1, k2 = jax.random.split(key)
    u = np.array(jax.vmap(problem.to_unconstrained)(problem.sample_prior(k1, n)))
    t = np.asarray(jax.random.uniform(k2, (n, len(idx)), dtype=jnp.float64, minval=1e-6, maxval=1 - 1e-6))
    u[:, idx] = np.log(t) - np.log1p(-t)
    return u


def run_nuts_sectors(
    problem: Problem,
    walls: Mapping[str, float] = MSSM_WALLS,
    *,
    splits: Mapping[str, Sequence[float]] | None = None,
    chains_per_sector: int = 4,
    warmup: int = 300,
    samples: int = 300,
    max_tree_depth: int = 6,
    target_accept: float = 0.8,
    dense_mass: bool = True,
    reference_draws: int = 4000,
    seed: int = 0,
) -> SectorResult:
    """NUTS in every sector (sign of the walled parameters x piece of the split ones), one
    vectorized program, with MBAR weights.

    Args:
        problem: the inference problem (its config's priors and likelihood).
        walls: walled sign parameter -> gap (GeV), e.g. :data:`MSSM_WALLS`; ``{}`` for none.
        splits: parameter -> cut points of its range (:func:`sector_pieces`), e.g. ``{"M_Zp": [0.21]}``.
        chains_per_sector: chains per sector (R-hat per sector needs >= 2).
        warmup, samples: transitions per chain (numpyro's windowed adaptation in warm-up).
        max_tree_depth, target_accept, dense_mass: NUTS settings.
        reference_draws: exact prior draws per sector-free reference for MBAR (0: no evidences).
        seed: PRNG seed.

    Returns:
        :class:`SectorResult`.
    """
    az = _arviz()
    if chains_per_sector < 2:
        raise InvalidInput(f"chains_per_sector: need >= 2 for R-hat (got {chains_per_sector})")
    with jax.enable_x64(True):
        idx, maps, pieces, piece_labels = sector_pieces(problem, walls, splits)
        combos = list(itertools.product(*(range(len(p)) for p in pieces)))  # walls' (+, -) first
        bounds_k = np.array([[pieces[j][i] for j, i in enumerate(co)] for co in combos], dtype=np.float64).reshape(len(combos), len(idx), 2)
        patterns = np.array([[1.0 - 2.0 * co[j] for j in range(len(walls))] for co in combos]).reshape(len(combos), len(walls))
        n_sec, c, d = len(combos), chains_per_sector, problem.ndim
        labels = [" ".join(piece_labels[j][i] for j, i in enumerate(co)) for co in combos]
        phi = sector_potential(problem, walls, splits)
        to_x, log_det = sector_transform(problem, walls, splits)
        args = jnp.asarray(np.repeat(bounds_k, c, axis=0))  # the traced sector argument: (a, b) pieces
        key = jax.random.key(seed)
        k_init, k_chain, k_ref = jax.random.split(key, 3)
        u0 = jnp.asarray(_initial_u(problem, idx, k_init, n_sec * c))
        init_kernel, sample_kernel = hmc(potential_fn_gen=lambda s: (lambda u: phi(u, s)), algo="NUTS")
        opts = {"dense_mass": dense_mass, "target_accept_prob": target_accept, "max_tree_depth": max_tree_depth}

        def init_one(u, s, k):
            return init_kernel(u, warmup, model_args=(s,), rng_key=k, **opts)

        keys = jax.random.split(k_chain, n_sec * c)
        block = math.gcd(warmup, samples)

        def run_block(state):
            def body(st, _):
                st = jax.vmap(lambda a, s: sample_kernel(a, model_args=(s,)))(st, args)
                return st, (st.z, st.diverging, st.num_steps)
            return jax.lax.scan(body, state, None, length=block)

        wall = {}
        t0 = time.perf_counter()
        init_c = jax.jit(jax.vmap(init_one)).lower(u0, args, keys).compile()
        state = init_c(u0, args, keys)
        step_c = jax.jit(run_block).lower(state).compile()
        wall["compile"] = time.perf_counter() - t0

        def advance(st, n):
            out = []
            for _ in range(n // block):
                st, rec = step_c(st)
                out.append(jax.tree.map(np.asarray, rec))
            jax.block_until_ready(st)
            return st, out

        t0, c0 = time.perf_counter(), time.process_time()
        state, _ = advance(state, warmup)
        state = state._replace(adapt_state=_pool_by_sector(state.adapt_state, n_sec))
        wall["warmup"], wall["warmup_cpu"] = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        state, recs = advance(state, samples)
        wall["sampling"], wall["sampling_cpu"] = time.perf_counter() - t0, time.process_time() - c0
        z, div, steps = (np.concatenate([r[i] for r in recs], axis=0).swapaxes(0, 1) for i in range(3))  # (chains, S, ...)
        u = z.reshape(n_sec, c, samples, d)
        x = np.asarray(jax.jit(jax.vmap(jax.vmap(to_x, in_axes=(0, None))))(jnp.asarray(z), args)).reshape(n_sec, c, samples, d)

        r_hat, ess = np.zeros(n_sec), np.zeros(n_sec)
        for k in range(n_sec):
            ds = az.convert_to_dataset({n: x[k, ..., i] for i, n in enumerate(problem.names)})
            r_hat[k] = float(az.rhat(ds).to_array().max())
            ess[k] = float(az.ess(ds, method="bulk").to_array().min())
        steps = steps.reshape(n_sec, c, samples)
        n_grad = int(steps.sum())
        lockstep = int(steps.reshape(n_sec * c, samples).max(axis=0).sum()) * n_sec * c

        # ---- evidences: MBAR over the sector densities and an exact prior reference ----------------
        t0 = time.perf_counter()
        log_z, log_z_err = np.full(n_sec, np.nan), np.full(n_sec, np.nan)
        if reference_draws > 0:
            u_ref = _initial_u(problem, idx, k_ref, reference_draws)
            ref_log_z = float(sum(m.log_prior_mass(*ab) for m, ab in zip(maps, bounds_k[0], strict=True)))

            def log_q_all(uu):  # ln q of the reference (prior in sector 0's coordinates) and every sector
                s0 = jnp.asarray(bounds_k[0])
                ref = problem.log_prior(to_x(uu, s0)) + log_det(uu, s0)
                return jnp.concatenate([ref[None], jax.vmap(lambda s: -phi(uu, s))(jnp.asarray(bounds_k))])

            draws = np.concatenate([u_ref, u.reshape(-1, d)])
            lq = np.asarray(jax.jit(jax.vmap(log_q_all))(jnp.asarray(draws))).T  # (1 + K, N)
            lq = np.where(np.isfinite(lq), lq, -np.inf)
            counts = [reference_draws] + [c * samples] * n_sec
            log_z = mbar_log_evidences(lq, counts, ref_log_z)[1:]
            # error: 4 blocks of consecutive draws of every chain (the reference split alike)
            blocks = []
            for b in range(4):
                cols = [np.arange(reference_draws)[b::4]]
                for k in range(n_sec):
                    base = reference_draws + k * c * samples
                    s_idx = np.arange(samples)[b * samples // 4:(b + 1) * samples // 4]
                    cols.append((base + np.arange(c)[:, None] * samples + s_idx[None, :]).ravel())
                cols_all = np.concatenate(cols)
                cnt = [len(cols[0])] + [len(cc) for cc in cols[1:]]
                blocks.append(mbar_log_evidences(lq[:, cols_all], cnt, ref_log_z)[1:])
            log_z_err = np.std(np.array(blocks), axis=0, ddof=1) / 2.0
        wall["evidence"] = time.perf_counter() - t0
        zmax = np.max(log_z) if np.all(np.isfinite(log_z)) else 0.0
        w = np.exp(log_z - zmax)
        total = float(np.log(np.sum(w)) + zmax)
        return SectorResult(
            labels=labels, signs=patterns, bounds=bounds_k, x=x, u=u, names=tuple(problem.names),
            max_r_hat=r_hat, min_ess_bulk=ess, divergences=div.reshape(n_sec, -1).sum(axis=1),
            step_size=np.asarray(state.adapt_state.step_size).reshape(n_sec, c)[:, 0],
            mean_steps=steps.mean(axis=(1, 2)), max_depth_fraction=(steps >= 2**max_tree_depth - 1).mean(axis=(1, 2)),
            log_evidence=log_z, log_evidence_err=log_z_err, log_evidence_total=total, weights=w / w.sum(),
            n_gradient_evals=n_grad, n_gradient_evals_lockstep=lockstep, wall_time=wall,
            settings={"walls": dict(walls), "splits": {k: list(v) for k, v in (splits or {}).items()}, "chains_per_sector": c, "warmup": warmup, "samples": samples,
                      "max_tree_depth": max_tree_depth, "target_accept": target_accept, "dense_mass": dense_mass,
                      "reference_draws": reference_draws, "seed": seed},
        )
