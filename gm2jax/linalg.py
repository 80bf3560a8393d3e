"""Diagonalisation for gm2jax: the only module of the project that diagonalises.

Every function takes ONE unbatched matrix; use :func:`jax.vmap` for batches.  All of them
work under ``jit``, ``vmap`` and ``grad`` and compute in float64 (float32 inputs raise
:class:`gm2jax.errors.PrecisionError`).

Conventions (GM2Calc ``fs_`` functions of ``gm2_linalg.hpp``; Haber-Kane; SLHA-1 signs):

* Eigenvalues and masses come back in **ascending** order; masses are **non-negative**.
* :func:`eigh_sym` and :func:`eigh_herm` return eigenvectors as **columns**:
  ``a = v @ diag(w) @ v^H`` (the numpy / LAPACK convention).
* :func:`takagi`, :func:`takagi_signed` and :func:`svd` return mixing matrices whose
  **rows** are the mass eigenstates (GM2Calc, SLHA):

  - ``masses, N = takagi(M)``: ``conj(N) @ M @ N^H = diag(masses)``.  For a real ``M``
    the rows of the real orthogonal eigenvector matrix whose eigenvalue is negative are
    multiplied by ``1j`` (GM2Calc's neutralino convention), so ``N`` is complex.
  - ``lam, O = takagi_signed(M)``: the same factorisation with real ``O`` and signed
    eigenvalues, ``M = O^T diag(lam) O``, ordered by ``|lam|``; ``N = diag(eta) O`` with
    ``eta = 1`` or ``1j``.
  - ``sigma, U, V = svd(X)``: ``X = U^T diag(sigma) V``, i.e. ``conj(U) X V^H = diag(sigma)``
    (GM2Calc's ``UM`` = U, ``UP`` = V for the charginos).

* Phases and signs of eigenvectors are **not** unique (a column of ``eigh_sym`` may flip
  sign; a Takagi row is fixed only up to a sign; degenerate eigenvalues mix their
  eigenvectors arbitrarily).  Never identify a state by the sign of an entry: pick mixing
  matrix entries by ``abs`` (e.g. "the slepton with the larger ``|U(m, L)|`` is the
  left-handed-like one"), and write observables as quantities that do not depend on these
  choices -- ideally through :func:`spectral_sum`.

Differentiation:

* :func:`eigh_sym` has a :func:`jax.custom_jvp`: ``dw = diag(v^T da v)``,
  ``dv = v (F o (v^T da v))`` with ``F_ij = 1/(w_j - w_i)`` for separated pairs and 0 for
  (near-)degenerate pairs.  At a degeneracy the eigenvectors are not differentiable (not
  even continuous) and the individual eigenvalues only have one-sided derivatives; the
  rule then returns a finite, basis-dependent answer.  Only quantities that are smooth
  symmetric functions of the spectrum have a derivative there: compute them with
  :func:`spectral_sum`, whose derivative is exact also at exact degeneracies.
* :func:`takagi`, :func:`takagi_signed`, :func:`svd`, :func:`eigh_herm` are built on
  :func:`eigh_sym` and inherit that rule.

Forward algorithms (float64, measured on one CPU core with ``benchmarks/eigh_speed.py``):

* ``n = 1, 2``: closed form (one Jacobi rotation; Rutishauser's stable formula).
* ``3 <= n <= 5``: cyclic Jacobi written element-wise, so that under ``vmap`` every
  operation is a vector operation over the batch.  Batches are processed in chunks of
  ``1024`` matrices (a :func:`jax.custom_batching.custom_vmap` rule) so that the working
  set stays in cache; sweeps stop when the off-diagonal norm of every matrix of the chunk
  is below ``2^-50`` of its Frobenius norm (at most 30 sweeps).  Residuals
  ``|a v - v w| / |a|`` and ``|v^T v - 1|`` are ~1e-15.
* ``n >= 6``: LAPACK (``jnp.linalg.eigh``); XLA-compiled Jacobi is no faster there and
  compiles slowly.  Under ``vmap`` LAPACK gets one matrix per call (``lax.map``), never a
  batch: jaxlib's batched CPU kernels can deadlock XLA's thread pool (:func:`_lapack_eigh_serial`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax
from jax.custom_derivatives import SymbolicZero

from gm2jax._precision import float64
from gm2jax.errors import InvalidInput

__all__ = [
    "eigh_herm",
    "eigvalsh2",
    "eigh_sym",
    "spectral_sum",
    "svd",
    "symmetric_dilation",
    "takagi",
    "takagi_signed",
]

# --------------------------------------------------------------------------------------
# Tunable constants (documented in the function docstrings)
# --------------------------------------------------------------------------------------

#: Largest n for which the Jacobi forward pass is used (LAPACK above; see the benchmark).
_JACOBI_MAX_N = 5
#: A sweep loop stops when sum_{i != j} a_ij^2 <= (_JACOBI_TOL)^2 * sum_ij a_ij^2.
_JACOBI_TOL = 2.0**-50
#: Safety cap on the number of sweeps (typical: 4 for n = 3, 5-6 for n = 4, 6-7 for n = 5).
_JACOBI_MAX_SWEEPS = 30
#: Matrices per chunk under vmap (keeps the element-wise working set in L1/L2 cache).
_JACOBI_CHUNK = 1024

#: eigh_sym JVP: pairs with |w_i - w_j| <= _EIGVEC_DEGEN_RTOL * max|w| count as degenerate.
_EIGVEC_DEGEN_RTOL = 1e-10

#: spectral_sum: divided differences switch to the trapezoid rule on g' when
#: |x_i - x_j| <= _DD_RTOL * max(|x_i|, |x_j|)  or  |x_i - x_j| <= _DD_ATOL * max_k |x_k|.
_DD_RTOL = 1e-5
_DD_ATOL = 1e-9

#: Minimum norm of a Gram-Schmidt residual for a candidate vector to be accepted.
_GS_ACCEPT = 0.25

_SQRT2 = math.sqrt(2.0)


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _is_zero(t) -> bool:
    return isinstance(t, SymbolicZero)


def _as_real_matrix(x, name: str):
    x = jnp.asarray(x)
    if jnp.iscomplexobj(x):
        raise InvalidInput(f"{name} must be real; got dtype {x.dtype} (use the complex routines)")
    return x.astype(jnp.float64)


def _check_square(x, name: str) -> int:
    if x.ndim != 2 or x.shape[0] != x.shape[1] or x.shape[0] < 1:
        raise InvalidInput(
            f"{name} must be a single square (n, n) matrix, got shape {tuple(x.shape)}; "
            "use jax.vmap for batches"
        )
    return int(x.shape[0])


@functools.cache
def _sorting_network(n: int) -> tuple[tuple[int, int], ...]:
    """Batcher's odd-even merge sort comparators (i < j) for n keys (checked for n <= 16)."""
    pairs = []
    p = 1
    while p < n:
        k = p
        while k >= 1:
            for j in range(k % p, n - k, 2 * k):
                for i in range(min(k, n - j - k)):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p):
                        pairs.append((i + j, i + j + k))
            k //= 2
        p *= 2
    return tuple(pairs)


def _network_sort(keys: list, payloads: list[list]):
    """Sort ``keys`` ascending with a static compare-exchange network (element-wise ops).

    ``payloads[m][i]`` travels with ``keys[i]``.  Ties keep their order.  Works for any
    (broadcast-compatible) shapes of the list entries, so it vectorises under vmap.
    """
    keys = list(keys)
    payloads = [list(p) for p in payloads]
    for i, j in _sorting_network(len(keys)):
        swap = keys[i] > keys[j]
        keys[i], keys[j] = jnp.where(swap, keys[j], keys[i]), jnp.where(swap, keys[i], keys[j])
        for pl in payloads:
            s = jnp.reshape(swap, jnp.shape(swap) + (1,) * (jnp.ndim(pl[i]) - jnp.ndim(swap)))
            pl[i], pl[j] = jnp.where(s, pl[j], pl[i]), jnp.where(s, pl[i], pl[j])
    return keys, payloads


def _sort_columns(key, w, v):
    """Reorder w (n,) and the columns of v (m, n) so that ``key`` (n,) ascends."""
    n = w.shape[0]
    _, (ws, cols) = _network_sort(
        [key[i] for i in range(n)], [[w[i] for i in range(n)], [v[:, i] for i in range(n)]]
    )
    return jnp.stack(ws), jnp.stack(cols, axis=1)


# --------------------------------------------------------------------------------------
# Forward eigen-solvers (no derivative rules here)
# --------------------------------------------------------------------------------------


def _rotation(app, aqq, apq, safe: bool = False):
    """Jacobi rotation annihilating apq (Rutishauser): returns (t*apq, c, s).

    ``safe=True`` uses ``hypot`` (no overflow/underflow of the squares; for unscaled input).
    """
    d = aqq - app
    root = jnp.hypot(d, 2.0 * apq) if safe else jnp.sqrt(d * d + 4.0 * apq * apq)
    den = jnp.abs(d) + root
    t = 2.0 * jnp.where(d >= 0, apq, -apq) / jnp.where(den > 0, den, 1.0)
    c = lax.rsqrt(1.0 + t * t)
    return t * apq, c, t * c


def _pow2_scale(a):
    """Power of two ~ max|a_ij| per matrix (1 for a zero matrix): exact rescaling factor."""
    amax = jnp.max(jnp.abs(a), axis=(-2, -1))
    _, expo = jnp.frexp(amax)
    return jnp.ldexp(jnp.ones_like(amax), expo)


def _eigh2(a):
    """Closed form for symmetric 2x2 matrices a (..., 2, 2): ascending w (..., 2), v (..., 2, 2)."""
    app, aqq, apq = a[..., 0, 0], a[..., 1, 1], a[..., 0, 1]
    tapq, c, s = _rotation(app, aqq, apq, safe=True)
    # one rotation diagonalises exactly: columns (c, -s) -> app - t apq, (s, c) -> aqq + t apq
    e0, e1 = app - tapq, aqq + tapq
    swap = e0 > e1
    w0, w1 = jnp.where(swap, e1, e0), jnp.where(swap, e0, e1)
    v00, v01 = jnp.where(swap, s, c), jnp.where(swap, c, s)
    v10, v11 = jnp.where(swap, c, -s), jnp.where(swap, -s, c)
    w = jnp.stack([w0, w1], axis=-1)
    v = jnp.stack([jnp.stack([v00, v01], axis=-1), jnp.stack([v10, v11], axis=-1)], axis=-2)
    return w, v


def _jacobi(a):
    """Cyclic Jacobi for symmetric a (..., n, n); leading axes are an element-wise batch.

    Returns ascending w (..., n) and v (..., n, n) with eigenvectors as columns.
    """
    n = a.shape[-1]
    # exact power-of-two scaling: no overflow/underflow in the rotation formula
    scale = _pow2_scale(a)
    a = a / scale[..., None, None]

    A = {(i, j): a[..., i, j] for i in range(n) for j in range(i, n)}
    zero = jnp.zeros_like(scale)
    one = jnp.ones_like(scale)
    V = {(i, j): (one if i == j else zero) for i in range(n) for j in range(n)}
    pairs = [(p, q) for p in range(n - 1) for q in range(p + 1, n)]

    def key(i, j):
        return (i, j) if i <= j else (j, i)

    fro2 = sum(A[k] * A[k] * (1.0 if k[0] == k[1] else 2.0) for k in A)
    lim2 = (_JACOBI_TOL**2) * fro2

    def not_converged(A):
        off2 = sum(A[k] * A[k] for k in A if k[0] != k[1])
        return jnp.any(2.0 * off2 > lim2)

    def sweep(A, V):
        A, V = dict(A), dict(V)
        for p, q in pairs:
            app, aqq, apq = A[(p, p)], A[(q, q)], A[(p, q)]
            tapq, c, s = _rotation(app, aqq, apq)
            A[(p, p)] = app - tapq
            A[(q, q)] = aqq + tapq
            A[(p, q)] = zero
            for r in range(n):
                if r == p or r == q:
                    continue
                arp, arq = A[key(r, p)], A[key(r, q)]
                A[key(r, p)] = c * arp - s * arq
                A[key(r, q)] = s * arp + c * arq
            for r in range(n):
                vrp, vrq = V[(r, p)], V[(r, q)]
                V[(r, p)] = c * vrp - s * vrq
                V[(r, q)] = s * vrp + c * vrq
        return A, V

    def cond(state):
        k, A, _ = state
        return (k < _JACOBI_MAX_SWEEPS) & not_converged(A)

    def body(state):
        k, A, V = state
        A, V = sweep(A, V)
        return k + 1, A, V

    _, A, V = lax.while_loop(cond, body, (jnp.asarray(0, jnp.int32), A, V))
    ws = [A[(i, i)] * scale for i in range(n)]
    cols = [jnp.stack([V[(r, j)] for r in range(n)], axis=-1) for j in range(n)]
    ws, (cols,) = _network_sort(ws, [cols])
    return jnp.stack(ws, axis=-1), jnp.stack(cols, axis=-1)


def _eigh_batched(a):
    """Forward pass for a batch a (B, n, n): chunked Jacobi or batched LAPACK."""
    bsz, n, _ = a.shape
    if n <= 2:
        return _eigh_small(a)
    if n > _JACOBI_MAX_N:
        return _lapack_eigh_serial(a)
    if bsz <= _JACOBI_CHUNK:
        return _jacobi(a)
    nchunk = -(-bsz // _JACOBI_CHUNK)
    pad = nchunk * _JACOBI_CHUNK - bsz
    if pad:
        a = jnp.concatenate([a, jnp.zeros((pad, n, n), a.dtype)], axis=0)
    w, v = lax.map(_jacobi, a.reshape(nchunk, _JACOBI_CHUNK, n, n))
    return w.reshape(-1, n)[:bsz], v.reshape(-1, n, n)[:bsz]


def _lapack_eigh_serial(a):
    """LAPACK eigh of a batch (B, n, n), one matrix per LAPACK call (``lax.map``).

    Never hand LAPACK a batch: jaxlib's CPU kernels (0.10.x) split a large batch into
    chunks on XLA's intra-op thread pool and block the calling pool thread until the
    chunks are done (``jax::ParallelBatchMap`` -> ``BlockingCounter::Wait``).  When as many
    independent batched LAPACK calls are ready as the pool has threads (2 on a 2-core
    machine; e.g. the lmutau 7x7 neutralino matrix, diagonalised independently for the
    spectrum and for the LSP classification, over 4000 posterior draws), every pool
    thread waits for chunks that no thread is left to run: a deadlock at 0 CPU (the NUTS hang of issue 15).  One matrix per call never
    fans out, and costs the same (measured: 4e5 7x7 matrices, 13 us vs 12 us per matrix).
    """
    w, v = lax.map(lambda m: tuple(jnp.linalg.eigh(m)), a)
    return w, v


def _eigh_small(a):
    n = a.shape[-1]
    if n == 1:
        return a[..., 0], jnp.ones_like(a)
    return _eigh2(a)


@jax.custom_batching.custom_vmap
def _eigh_forward(a):
    """Forward eigen-decomposition of one symmetric matrix (no derivative rule)."""
    n = a.shape[-1]
    if n <= 2:
        return _eigh_small(a)
    if n > _JACOBI_MAX_N:
        return tuple(jnp.linalg.eigh(a))
    return _jacobi(a)


@_eigh_forward.def_vmap
def _eigh_forward_vmap(axis_size, in_batched, a):
    del axis_size
    (batched,) = in_batched
    if not batched:
        return _eigh_forward(a), (False, False)
    return _eigh_batched(a), (True, True)


# --------------------------------------------------------------------------------------
# eigh_sym
# --------------------------------------------------------------------------------------


@jax.custom_jvp
def _eigh_sym(a):
    return _eigh_forward(a)


@_eigh_sym.defjvp
def _eigh_sym_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    w, v = _eigh_sym(a)  # via the custom_jvp itself: higher orders reuse this rule
    x = v.T @ da @ v
    diff = w[None, :] - w[:, None]  # diff[i, j] = w_j - w_i
    scale = jnp.max(jnp.abs(w))
    degenerate = jnp.abs(diff) <= _EIGVEC_DEGEN_RTOL * scale
    f = jnp.where(degenerate, 0.0, 1.0 / jnp.where(degenerate, 1.0, diff))
    dw = jnp.diagonal(x)
    dv = v @ (f * x)
    return (w, v), (dw, dv)


@float64
def eigh_sym(a) -> tuple[jax.Array, jax.Array]:
    """Eigen-decomposition of one real symmetric matrix, ascending, differentiable.

    The input is symmetrised, ``(a + a^T) / 2``.  Forward algorithm: closed form for
    ``n <= 2``, element-wise cyclic Jacobi for ``3 <= n <= 5`` (fast under ``vmap``),
    LAPACK above (see the module docstring).

    Derivative (``jax.custom_jvp``, linear in ``da``, so ``jax.grad`` works)::

        X  = v^T da v
        dw = diag(X)
        dv = v (F o X),  F_ij = 1/(w_j - w_i) if |w_i - w_j| > 1e-10 max|w|, else 0

    Eigenvector derivatives are undefined at degenerate eigenvalues (and eigenvalue
    derivatives are only one-sided there); the rule then drops the within-cluster
    rotation and returns finite numbers that depend on the arbitrary basis.  Observables
    must be written with :func:`spectral_sum` to have exact derivatives there.  Never
    returns NaN or inf for finite input.

    Args:
        a: real (n, n) symmetric matrix (unbatched; use ``jax.vmap`` for batches).

    Returns:
        ``(w, v)``: eigenvalues (n,) in ascending order and the orthogonal (n, n) matrix
        whose columns are the eigenvectors, ``a = v @ diag(w) @ v.T``.  Column signs are
        arbitrary (never select states by sign).

    Raises:
        InvalidInput: ``a`` is not a single square matrix, or is complex.
        PrecisionError: ``a`` is float32 or lower.

    Example:
        >>> import numpy as np
        >>> from gm2jax.linalg import eigh_sym
        >>> w, v = eigh_sym(np.array([[2.0, 1.0], [1.0, 2.0]]))
        >>> [round(float(x), 12) for x in w]
        [1.0, 3.0]
    """
    a = _as_real_matrix(a, "a")
    _check_square(a, "a")
    return _eigh_sym_impl(a)


@jax.jit
def _eigh_sym_impl(a):
    return _eigh_sym(0.5 * (a + a.T))


# --------------------------------------------------------------------------------------
# spectral_sum
# --------------------------------------------------------------------------------------


def _g_full(g, lam, mu, theta, t_count: int, n: int, k: int):
    out = jnp.asarray(g(lam[:, None], mu[None, :], theta))
    try:
        return jnp.broadcast_to(out, (t_count, n, k))
    except ValueError as err:
        raise InvalidInput(
            f"g(lam, mu, theta) must return an array broadcastable to (T, n, k) = "
            f"{(t_count, n, k)}; got shape {tuple(out.shape)}"
        ) from err


def _divided_differences(gvals, x, gprime, axis_pair: str):
    """Divided-difference tensor of g along one spectrum.

    Off the (near-)diagonal: (g(x_i) - g(x_j))/(x_i - x_j).  For |x_i - x_j| below
    ``_DD_RTOL * max(|x_i|, |x_j|)`` (or ``_DD_ATOL * max|x|``): the trapezoid
    (g'(x_i) + g'(x_j))/2, whose error is |x_i - x_j|^2 |g^(3)|/12, i.e. ~1e-11 relative
    at the switch, where the difference quotient's rounding error is ~eps/_DD_RTOL ~ 2e-11.
    Only g' at the eigenvalues themselves is needed (n, not n^2, derivative evaluations,
    which dominate the cost of the JVP).

    Args:
        gvals: g at the eigenvalues, (T, n, k).
        x: the spectrum (L,) along which to take differences (lam: L = n, mu: L = k).
        gprime: dg/dx at the eigenvalues, shaped like ``gvals``.
        axis_pair: ``"lam"`` -> result (T, n, n, k) indexed [t, i, j, m];
            ``"mu"`` -> result (T, n, k, k) indexed [t, i, m, l].
    """
    diff = x[:, None] - x[None, :]
    absx = jnp.abs(x)
    local = jnp.maximum(absx[:, None], absx[None, :])
    near = (jnp.abs(diff) <= _DD_RTOL * local) | (jnp.abs(diff) <= _DD_ATOL * jnp.max(absx))
    safe = jnp.where(near, 1.0, diff)
    if axis_pair == "lam":
        trap = 0.5 * (gprime[:, :, None, :] + gprime[:, None, :, :])
        dd = (gvals[:, :, None, :] - gvals[:, None, :, :]) / safe[None, :, :, None]
        return jnp.where(near[None, :, :, None], trap, dd)
    trap = 0.5 * (gprime[:, :, :, None] + gprime[:, :, None, :])
    dd = (gvals[:, :, :, None] - gvals[:, :, None, :]) / safe[None, None, :, :]
    return jnp.where(near[None, None, :, :], trap, dd)


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _spectral_sum(g, a, b, p, q, theta):
    lam, v = eigh_sym(a)
    mu, u = eigh_sym(b)
    t_count, k, n = p.shape
    gv = _g_full(g, lam, mu, theta, t_count, n, k)
    pm = jnp.einsum("lm,tlj,ji->tmi", u, p, v)
    qm = jnp.einsum("lm,tlj,ji->tmi", u, q, v)
    return jnp.einsum("tim,tmi,tmi->", gv, pm, qm)


def _spectral_sum_jvp(g, primals, tangents):
    a, b, p, q, theta = primals
    da, db, dp, dq, dtheta = tangents
    lam, v = eigh_sym(a)
    mu, u = eigh_sym(b)
    t_count, k, n = p.shape

    def gfun(l, m, th):
        return _g_full(g, l, m, th, t_count, n, k)

    gv = gfun(lam, mu, theta)
    pm = jnp.einsum("lm,tlj,ji->tmi", u, p, v)
    qm = jnp.einsum("lm,tlj,ji->tmi", u, q, v)
    out = jnp.einsum("tim,tmi,tmi->", gv, pm, qm)

    terms = []
    if not _is_zero(da):
        x = v.T @ da @ v

        gp = jax.jvp(lambda l: gfun(l, mu, theta), (lam,), (jnp.ones_like(lam),))[1]
        d = _divided_differences(gv, lam, gp, "lam")
        terms.append(jnp.einsum("tijm,ij,tmi,tmj->", d, x, pm, qm))
    if not _is_zero(db):
        y = u.T @ db @ u

        gp = jax.jvp(lambda m: gfun(lam, m, theta), (mu,), (jnp.ones_like(mu),))[1]
        e = _divided_differences(gv, mu, gp, "mu")
        terms.append(jnp.einsum("timl,ml,tmi,tli->", e, y, pm, qm))
    if not _is_zero(dp):
        dpm = jnp.einsum("lm,tlj,ji->tmi", u, dp, v)
        terms.append(jnp.einsum("tim,tmi,tmi->", gv, dpm, qm))
    if not _is_zero(dq):
        dqm = jnp.einsum("lm,tlj,ji->tmi", u, dq, v)
        terms.append(jnp.einsum("tim,tmi,tmi->", gv, pm, dqm))
    th_leaves, th_def = jax.tree_util.tree_flatten(theta)
    dth_leaves = th_def.flatten_up_to(dtheta)
    live = [
        i
        for i, t in enumerate(dth_leaves)
        if not _is_zero(t) and jnp.result_type(t) != jax.dtypes.float0
    ]
    if live:

        def g_of_live(*vals):
            leaves = list(th_leaves)
            for i, val in zip(live, vals):
                leaves[i] = val
            return gfun(lam, mu, jax.tree_util.tree_unflatten(th_def, leaves))

        _, dgv = jax.jvp(
            g_of_live, tuple(th_leaves[i] for i in live), tuple(dth_leaves[i] for i in live)
        )
        terms.append(jnp.einsum("tim,tmi,tmi->", dgv, pm, qm))
    dout = functools.reduce(jnp.add, terms) if terms else jnp.zeros_like(out)
    return out, dout


_spectral_sum.defjvp(_spectral_sum_jvp, symbolic_zeros=True)


@float64
def spectral_sum(
    g: Callable[[jax.Array, jax.Array, Any], jax.Array],
    a,
    b,
    p,
    q,
    theta=None,
) -> jax.Array:
    """Differentiable sum over two spectra with eigenvector-weighted couplings.

    With the eigen-decompositions ``a = V diag(lam) V^T`` (signed ``lam``) and
    ``b = U diag(mu) U^T``::

        S = sum_t sum_{i, m} g(lam, mu, theta)[t, i, m] * (U^T p_t V)[m, i] * (U^T q_t V)[m, i]

    ``S`` does not depend on the sign or degenerate-subspace choices of ``V`` and ``U``
    (as long as ``g`` treats every eigenvalue alike), and it is a smooth function of
    ``a, b, p, q, theta`` wherever ``g`` is smooth -- also where eigenvalues coincide,
    where ``jnp.linalg.eigh`` gradients are NaN.  Its JVP (a ``jax.custom_jvp``, linear
    in the tangents so ``jax.grad`` works by transposition) is exact there:

    * a-direction (Daleckii-Krein), ``X = V^T da V``::

          dS_a = sum_{t, m, i, j} D[t, i, j, m] X_ij (U^T p_t V)[m, i] (U^T q_t V)[m, j]

      with the divided difference ``D[t,i,j,m] = (g_i - g_j)/(lam_i - lam_j)`` of
      ``g(., mu_m)[t]``.  When ``delta = |lam_i - lam_j| <= 1e-5 max(|lam_i|, |lam_j|)``
      or ``delta <= 1e-9 max|lam|`` (this includes exact degeneracy and noise-level
      eigenvalues near zero) the quotient is replaced by the trapezoid rule for the mean of
      ``g'`` over ``[lam_j, lam_i]``, ``(g'(lam_i) + g'(lam_j)) / 2`` (``g'`` by
      ``jax.jvp`` of ``g`` at the eigenvalues only; ``D_ii = g'(lam_i)``).  If ``g`` varies
      on a scale ``L``, the trapezoid error is ``~ (delta/L)^2 / 12`` and the rounding error
      of the quotient ``~ eps (|g|/|g'|) / delta``; at the switch both are ~1e-11 for
      ``L ~ |lam|``.  (Simpson with midpoint derivatives would need n^2 evaluations of
      ``g'`` instead of n; those dominated the cost of the JVP.)
    * b-direction: the same with ``Y = U^T db U`` and divided differences in ``mu``.
    * p, q: ``S`` is bilinear in them; theta: ``jax.jvp`` of ``g``.

    Args:
        g: static callable ``g(lam, mu, theta)`` returning (T, n, k) (or broadcastable),
            evaluated with ``lam`` of shape (n, 1) and ``mu`` of shape (1, k).  Entry
            ``[t, i, m]`` must depend on ``lam`` only through ``lam[i]`` and on ``mu``
            only through ``mu[m]`` (the same function for every index), and ``g`` must
            be differentiable in ``lam``, ``mu`` and ``theta``.  It must not close over
            traced values (pass them in ``theta``).
        a: real symmetric (n, n) matrix (symmetrised internally).
        b: real symmetric (k, k) matrix; ``k = 1`` is allowed (``b = [[m^2]]``).
        p: real (T, k, n) couplings.
        q: real (T, k, n) couplings.
        theta: any pytree of parameters passed to ``g`` (default None).

    Returns:
        Scalar ``S`` (float64).

    Raises:
        InvalidInput: wrong shapes, complex matrices, or ``g`` returning a wrong shape.
        PrecisionError: a floating input is float32 or lower.

    Example:
        >>> import jax, numpy as np
        >>> from gm2jax.linalg import spectral_sum
        >>> g = lambda lam, mu, th: (lam**2 + 0 * mu)[None]   # S = p^T a^2 p for b = [[1]]
        >>> a = np.eye(3)                                     # exactly degenerate
        >>> p = np.ones((1, 1, 3))
        >>> float(spectral_sum(g, a, np.ones((1, 1)), p, p))
        3.0
        >>> with jax.enable_x64(True):  # jax.grad's tracers are made outside spectral_sum
        ...     da = jax.grad(spectral_sum, argnums=1)(g, a, np.ones((1, 1)), p, p)
        >>> bool(np.allclose(da, 2.0 * np.ones((3, 3)))), da.dtype
        (True, dtype('float64'))
    """
    if not callable(g):
        raise InvalidInput("g must be a callable g(lam, mu, theta)")
    a = _as_real_matrix(a, "a")
    b = _as_real_matrix(b, "b")
    n = _check_square(a, "a")
    k = _check_square(b, "b")
    p = jnp.asarray(p)
    q = jnp.asarray(q)
    for name, x in (("p", p), ("q", q)):
        if jnp.iscomplexobj(x):
            raise InvalidInput(f"{name} must be real; got dtype {x.dtype}")
        if x.ndim != 3 or x.shape[1:] != (k, n):
            raise InvalidInput(
                f"{name} must have shape (T, k, n) = (T, {k}, {n}); got {tuple(x.shape)}"
            )
    if p.shape != q.shape:
        raise InvalidInput(
            f"p and q must have the same shape; got {tuple(p.shape)} and {tuple(q.shape)}"
        )
    return _spectral_sum_impl(g, a, b, p.astype(jnp.float64), q.astype(jnp.float64), theta)


@functools.partial(jax.jit, static_argnums=0)
def _spectral_sum_impl(g, a, b, p, q, theta):
    return _spectral_sum(g, 0.5 * (a + a.T), 0.5 * (b + b.T), p, q, theta)


# --------------------------------------------------------------------------------------
# Orthonormal selection (used to turn real embeddings into complex bases)
# --------------------------------------------------------------------------------------


def _select_orthonormal(cands, vals, n: int):
    """Greedy Gram-Schmidt: pick n orthonormal vectors from the ordered columns of ``cands``.

    A candidate is accepted when the norm of its component orthogonal to the vectors
    already accepted exceeds ``_GS_ACCEPT`` (0.25); it is orthogonalised twice
    ("twice is enough") and normalised.  If the candidate list spans the space and every
    accepted set is completed within a cluster of candidates that spans a subspace
    (eigen-vectors of one eigenvalue, canonical basis vectors), the selection always fills
    all n slots for n <= 15: the squared residuals of the candidates of a cluster add up to
    the dimension still missing.

    Args:
        cands: (d, C) real or complex candidate columns, in order of preference.
        vals: (C,) value carried along with each candidate.
        n: number of vectors to select (static).

    Returns:
        ``(Q, qvals)``: (d, n) orthonormal columns and the (n,) values of the accepted
        candidates, in order of acceptance.
    """
    d, count = cands.shape
    slots = jnp.arange(n, dtype=jnp.int32)

    def body(c, state):
        qmat, qvals, filled = state
        x = lax.dynamic_index_in_dim(cands, c, axis=1, keepdims=False)
        for _ in range(2):
            x = x - qmat @ (jnp.conj(qmat).T @ x)
        nrm2 = jnp.sum(jnp.real(x * jnp.conj(x)))
        nrm = jnp.sqrt(jnp.where(nrm2 > 0, nrm2, 1.0))  # finite gradient also for x == 0
        accept = (nrm2 > 0) & (nrm > _GS_ACCEPT) & (filled < n)
        xn = x / jnp.where(accept, nrm, 1.0).astype(x.dtype)
        put = (slots == filled) & accept
        qmat = jnp.where(put[None, :], xn[:, None], qmat)
        qvals = jnp.where(put, lax.dynamic_index_in_dim(vals, c, keepdims=False), qvals)
        return qmat, qvals, filled + accept.astype(jnp.int32)

    init = (jnp.zeros((d, n), cands.dtype), jnp.zeros((n,), vals.dtype), jnp.asarray(0, jnp.int32))
    qmat, qvals, _ = lax.fori_loop(0, count, body, init)
    return qmat, qvals


def _unit_phase(d):
    """d / |d| for complex d (1 where d == 0), with finite derivatives everywhere."""
    ad2 = jnp.real(d * jnp.conj(d))
    ok = ad2 > 0
    ad = jnp.sqrt(jnp.where(ok, ad2, 1.0))
    return jnp.where(ok, d / ad.astype(d.dtype), jnp.ones_like(d))


def _sqrt_unit_phase(d):
    """exp(i arg(d) / 2) for complex d (1 where d == 0), with finite derivatives.

    The principal root is used; its branch cut (d < 0) is never approached here, because
    d = z^T M z is close to the positive singular value for the selected Takagi vectors.
    """
    return jnp.sqrt(_unit_phase(d))


# --------------------------------------------------------------------------------------
# Hermitian eigenproblem
# --------------------------------------------------------------------------------------


@float64
def eigh_herm(h) -> tuple[jax.Array, jax.Array]:
    """Eigen-decomposition of one complex Hermitian matrix, ascending, differentiable.

    Uses the real symmetric embedding ``R = [[Re h, -Im h], [Im h, Re h]]`` (every
    eigenvalue of ``h`` appears twice, with eigenvectors ``(x, y)`` and ``(-y, x)``, both
    representing ``x + i y`` up to a phase) and :func:`eigh_sym`; one complex vector per
    eigenvalue is then selected by Gram-Schmidt, which also handles degenerate
    eigenvalues of ``h`` (e.g. the identity).  Derivatives follow from the
    :func:`eigh_sym` rule (eigenvectors: undefined at degeneracies, see there).

    Args:
        h: complex (or real) Hermitian (n, n) matrix; it is Hermitised, ``(h + h^H)/2``.

    Returns:
        ``(w, v)``: real eigenvalues (n,) ascending and the unitary complex (n, n) matrix
        with the eigenvectors as **columns**, ``h = v @ diag(w) @ v^H``.  Phases of the
        columns are arbitrary.

    Raises:
        InvalidInput: ``h`` is not a single square matrix.
        PrecisionError: ``h`` is complex64/float32 or lower.
    """
    h = jnp.asarray(h)
    _check_square(h, "h")
    if not jnp.iscomplexobj(h):
        w, v = eigh_sym(h)
        return w, v.astype(jnp.complex128)
    return _eigh_herm_impl(h.astype(jnp.complex128))


@jax.jit
def _eigh_herm_impl(h):
    n = h.shape[0]
    h = 0.5 * (h + jnp.conj(h).T)
    hr, hi = jnp.real(h), jnp.imag(h)
    r = jnp.block([[hr, -hi], [hi, hr]])
    w, e = _eigh_sym_impl(r)
    z = (e[:n, :] + 1j * e[n:, :]).astype(jnp.complex128)
    q, qw = _select_orthonormal(z, w, n)
    return qw, q


# --------------------------------------------------------------------------------------
# Takagi factorisation
# --------------------------------------------------------------------------------------


@float64
def takagi_signed(m) -> tuple[jax.Array, jax.Array]:
    """Signed real eigen-decomposition of a real symmetric mass matrix, ordered by |lam|.

    ``M = O^T diag(lam) O`` with real orthogonal ``O`` whose **rows** are the mass
    eigenstates, ordered by ``|lam|`` ascending.  The Takagi factorisation of GM2Calc is
    ``masses = |lam|``, ``N = diag(eta) O`` with ``eta_i = 1j`` where ``lam_i < 0``
    (this is exactly what :func:`takagi` returns for real input).  Observables written
    with the signed ``lam`` and real ``O`` (``m_i eta_i^2 = lam_i``) avoid complex
    arithmetic and can be passed to :func:`spectral_sum`.

    Args:
        m: real symmetric (n, n) matrix (symmetrised internally).

    Returns:
        ``(lam, O)``: signed eigenvalues (n,) with ``|lam|`` ascending, and (n, n) ``O``.

    Raises:
        InvalidInput: ``m`` is not a single real square matrix.
        PrecisionError: ``m`` is float32 or lower.
    """
    m = _as_real_matrix(m, "m")
    _check_square(m, "m")
    return _takagi_signed_impl(m)


@jax.jit
def _takagi_signed_impl(m):
    w, v = _eigh_sym_impl(m)
    lam, vs = _sort_columns(jnp.abs(w), w, v)
    return lam, vs.T


@float64
def takagi(m) -> tuple[jax.Array, jax.Array]:
    """Takagi factorisation of a complex- or real-symmetric matrix (GM2Calc convention).

    Finds masses ``>= 0`` ascending and a unitary ``N`` with
    ``conj(N) @ M @ N^H = diag(masses)``, i.e. ``M = N^T diag(masses) N``; the rows of
    ``N`` are the mass eigenstates (the neutralino ``N`` of SLHA/GM2Calc).

    * Real ``M`` (fast path): :func:`takagi_signed`, then rows with a negative eigenvalue
      are multiplied by ``1j`` (GM2Calc, ``docs/conventions/gm2calc.md`` sec. 4).
    * Complex ``M = A + i B``: the real symmetric embedding ``[[A, B], [B, -A]]`` has
      eigenvalues ``+-sigma``; an eigenvector ``(x, w)`` of ``+sigma`` gives the Takagi
      vector ``z = x - i w`` (``M z = sigma conj(z)``), and its partner ``(-w, x)`` of
      ``-sigma`` gives ``-i z``.  n vectors are selected by Gram-Schmidt in order of
      decreasing eigenvalue (robust for degenerate and for zero singular values), and each
      phase is polished so that ``z^T M z`` is real and non-negative.

    Args:
        m: complex or real symmetric (n, n) matrix (symmetrised internally).

    Returns:
        ``(masses, N)``: (n,) non-negative ascending masses and the complex128 unitary
        (n, n) ``N``.  Each row is fixed up to a sign (and degenerate rows up to an
        orthogonal mixing); select states by ``abs`` of entries, never by sign.

    Raises:
        InvalidInput: ``m`` is not a single square matrix.
        PrecisionError: ``m`` is float32/complex64 or lower.
    """
    m = jnp.asarray(m)
    _check_square(m, "m")
    if not jnp.iscomplexobj(m):
        return _takagi_real_impl(_as_real_matrix(m, "m"))
    return _takagi_complex_impl(m.astype(jnp.complex128))


@jax.jit
def _takagi_real_impl(m):
    lam, o = _takagi_signed_impl(m)
    eta = jnp.where(lam < 0, 1j, 1.0 + 0j).astype(jnp.complex128)
    return jnp.abs(lam), eta[:, None] * o.astype(jnp.complex128)


@jax.jit
def _takagi_complex_impl(m):
    n = m.shape[0]
    m = 0.5 * (m + m.T)
    ar, ai = jnp.real(m), jnp.imag(m)
    h = jnp.block([[ar, ai], [ai, -ar]])
    w, e = _eigh_sym_impl(h)
    z = (e[:n, :] - 1j * e[n:, :]).astype(jnp.complex128)
    q, qw = _select_orthonormal(z[:, ::-1], w[::-1], n)  # decreasing eigenvalue
    d = jnp.einsum("ji,jk,ki->i", q, m, q)  # z_i^T M z_i
    q = q * jnp.conj(_sqrt_unit_phase(d))[None, :]
    masses, q = _sort_columns(jnp.abs(qw), jnp.abs(qw), q)  # ascending (also for noise-level zeros)
    return masses, jnp.conj(q).T


# --------------------------------------------------------------------------------------
# Singular value decomposition
# --------------------------------------------------------------------------------------


@float64
def symmetric_dilation(x) -> jax.Array:
    """The real symmetric dilation ``[[0, x], [x^T, 0]]`` of a real (n, m) matrix.

    Its eigenvalues are ``+-sigma_k`` (the singular values of ``x``, plus ``|n - m|``
    zeros) with eigenvectors ``(u_k, +-v_k) / sqrt(2)``, where ``x v_k = sigma_k u_k``.
    In GM2Calc's convention ``x = U^T diag(sigma) V`` (see :func:`svd`) ``u_k = U[k, :]``
    and ``v_k = V[k, :]``.

    This turns chargino-type sums into a :func:`spectral_sum` over the dilation, which is
    then differentiable also at degenerate or vanishing singular values.  With signed
    eigenvalues ``lam = +-sigma_k``, couplings ``alpha`` acting on the ``u`` side and
    ``beta`` on the ``v`` side, and ``P = [alpha, 0]``, ``Q = [0, beta]`` (length n + m):

    * ``sum_k h(sigma_k) (alpha . u_k)(beta . v_k)`` with ``h(s) = s f(s^2)`` equals the
      spectral sum with the odd ``g(lam) = lam f(lam^2)`` and ``p = P, q = Q``: the two
      eigenvectors of ``+-sigma_k`` contribute ``(g(sigma) - g(-sigma))/2 = h(sigma)``.
    * ``sum_k f(sigma_k^2) (alpha . u_k)^2`` equals the spectral sum with the even
      ``g(lam) = f(lam^2)`` and ``p = q = P`` (two halves of ``f(sigma^2)``); likewise
      ``p = q = Q`` for the ``v`` side.

    Args:
        x: real (n, m) matrix.

    Returns:
        (n + m, n + m) real symmetric matrix.

    Raises:
        InvalidInput: ``x`` is not a real 2-d array.
        PrecisionError: ``x`` is float32 or lower.
    """
    x = jnp.asarray(x)
    if x.ndim != 2:
        raise InvalidInput(f"x must be a single (n, m) matrix, got shape {tuple(x.shape)}")
    if jnp.iscomplexobj(x):
        raise InvalidInput("symmetric_dilation needs a real x; for complex x use svd()")
    x = x.astype(jnp.float64) if not jnp.issubdtype(x.dtype, jnp.floating) else x
    n, m = x.shape
    return jnp.block([[jnp.zeros((n, n), x.dtype), x], [x.T, jnp.zeros((m, m), x.dtype)]])


@float64
def svd(x) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Singular value decomposition in GM2Calc's chargino convention.

    ``x = U^T diag(sigma) V``, i.e. ``conj(U) @ x @ V^H = diag(sigma)``, with
    ``sigma >= 0`` ascending; GM2Calc's ``UM`` = ``U`` and ``UP`` = ``V``.

    Real ``x``: eigen-decomposition of :func:`symmetric_dilation` by :func:`eigh_sym`;
    the eigenvectors ``(u, v)/sqrt(2)`` of the positive eigenvalues give the singular
    vectors.  Complex ``x``: the same with the Hermitian dilation ``[[0, x], [x^H, 0]]``
    and :func:`eigh_herm`.  The u- and v-halves are re-orthonormalised by Gram-Schmidt and
    completed with unit vectors, so zero singular values are handled; signs/phases are
    fixed so that ``conj(U) x V^H`` has a non-negative real diagonal.

    Args:
        x: real or complex (n, n) matrix.

    Returns:
        ``(sigma, U, V)``: (n,) ascending singular values and (n, n) unitary ``U``, ``V``
        (real for real ``x``) whose rows are the mass eigenstates.

    Raises:
        InvalidInput: ``x`` is not a single square matrix.
        PrecisionError: ``x`` is float32/complex64 or lower.
    """
    x = jnp.asarray(x)
    _check_square(x, "x")
    if jnp.iscomplexobj(x):
        return _svd_impl(x.astype(jnp.complex128))
    return _svd_impl(_as_real_matrix(x, "x"))


@jax.jit
def _svd_impl(x):
    n = x.shape[0]
    if jnp.iscomplexobj(x):
        z = jnp.zeros((n, n), jnp.complex128)
        w, e = _eigh_herm_impl(jnp.block([[z, x], [jnp.conj(x).T, z]]))
        eye = jnp.eye(n, dtype=jnp.complex128)
    else:
        z = jnp.zeros((n, n), jnp.float64)
        w, e = _eigh_sym_impl(jnp.block([[z, x], [x.T, z]]))
        eye = jnp.eye(n, dtype=jnp.float64)
    top = e[:, n:][:, ::-1]  # decreasing eigenvalue
    vals = jnp.concatenate([jnp.abs(w[n:][::-1]), jnp.zeros((n,), w.dtype)])
    ucand = jnp.concatenate([_SQRT2 * top[:n, :], eye], axis=1)
    vcand = jnp.concatenate([_SQRT2 * top[n:, :], eye], axis=1)
    ua, sig = _select_orthonormal(ucand, vals, n)
    vb, _ = _select_orthonormal(vcand, vals, n)
    d = jnp.einsum("ji,jk,ki->i", jnp.conj(ua), x, vb)  # a_i^H x b_i
    if jnp.iscomplexobj(x):
        vb = vb * jnp.conj(_unit_phase(d))[None, :]
    else:
        vb = vb * jnp.where(d < 0, -1.0, 1.0)[None, :]
    _, (sig, ucols, vcols) = _network_sort(
        [sig[i] for i in range(n)],
        [[sig[i] for i in range(n)], [ua[:, i] for i in range(n)], [vb[:, i] for i in range(n)]],
    )
    u = jnp.stack(ucols, axis=0)  # rows a_i^T
    v = jnp.conj(jnp.stack(vcols, axis=0))  # rows b_i^H
    return jnp.stack(sig), u, v


def eigvalsh2(m):
    """Eigenvalues (lower, upper) of a real symmetric 2x2 matrix in closed form, without cancellation.

    The lower one is written as det/upper when the trace is positive, so that a small
    eigenvalue next to a large one (e.g. a nearly tachyonic slepton) keeps full relative
    precision; a tiny regulator keeps the gradient finite at exact degeneracy.  Used for
    status checks and scales; observables go through :func:`spectral_sum`.

    Args:
        m: (2, 2) real symmetric.

    Returns:
        (lower, upper) eigenvalues.
    """
    half_tr = 0.5 * (m[0, 0] + m[1, 1])
    root = jnp.sqrt(0.25 * (m[0, 0] - m[1, 1]) ** 2 + m[0, 1] ** 2 + (1e-30 * half_tr) ** 2)
    det = m[0, 0] * m[1, 1] - m[0, 1] ** 2
    pos = half_tr > 0
    upper = half_tr + root
    lower = jnp.where(pos, det / jnp.where(pos, upper, 1.0), half_tr - root)
    return lower, upper


# --------------------------------------------------------------------------------------
# LAPACK under vmap: one matrix per call
# --------------------------------------------------------------------------------------


def serial(fn: Callable) -> Callable:
    """``fn`` (arrays of ONE problem -> arrays) that under ``jax.vmap`` runs once per batch
    element (``lax.map``) instead of once on the batch.

    The mechanism for every LAPACK-backed operation (``jnp.linalg.*``, ``jax.scipy.linalg.*``)
    in vmapped model code: jaxlib's batched CPU kernels split a large batch over XLA's intra-op
    thread pool and block the calling pool thread until it is done; as many independent batched
    calls as pool threads deadlock the pool (see :func:`_lapack_eigh_serial`).  One problem per
    call never fans out.  Not differentiable by itself: call it from a primal computation (a
    ``custom_jvp`` rule, or a lineax solver's ``init``/``compute`` as in :class:`SerialLU`).

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from gm2jax.linalg import serial
        >>> det = serial(jnp.linalg.det)
        >>> [float(d) for d in jax.vmap(det)(jnp.stack([2.0 * jnp.eye(2), 3.0 * jnp.eye(2)]))]
        [4.0, 9.0]
    """
    f = jax.custom_batching.custom_vmap(fn)

    @f.def_vmap
    def _rule(axis_size, in_batched, *args):
        args = jax.tree_util.tree_map(
            lambda a, b: a if b else jnp.broadcast_to(a, (axis_size, *jnp.shape(a))), tuple(args), tuple(in_batched)
        )
        out = lax.map(lambda xs: f(*xs), tuple(args))
        return out, jax.tree_util.tree_map(lambda _: True, out)

    return f


def _lu_factor(a):
    import jax.scipy.linalg as jsl

    return jsl.lu_factor(a)


def _lu_solve(lu, piv, b, trans: int):
    import jax.scipy.linalg as jsl

    return jsl.lu_solve((lu, piv), b, trans=trans)


_serial_lu_factor = serial(_lu_factor)
_serial_lu_solve = (serial(functools.partial(_lu_solve, trans=0)), serial(functools.partial(_lu_solve, trans=1)))


def _serial_lu_class():
    import equinox.internal as eqxi
    import lineax as lx
    from lineax._solver.misc import pack_structures, ravel_vector, unravel_solution

    class SerialLU(lx.LU):
        """lineax LU solver whose LAPACK calls run one matrix at a time under ``vmap``
        (:func:`serial`).  Pass it to optimistix/lineax solves in vmapped model code:
        ``optx.Newton(rtol, atol, linear_solver=gm2jax.linalg.SerialLU())``."""

        def init(self, operator, options):
            del options
            if operator.in_size() != operator.out_size():
                raise InvalidInput("SerialLU: the operator must be square")
            return _serial_lu_factor(operator.as_matrix()), pack_structures(operator), eqxi.Static(False)

        def compute(self, state, vector, options):
            del options
            (lu, piv), packed, transpose = state
            x = _serial_lu_solve[1 if transpose.value else 0](lu, piv, ravel_vector(vector, packed))
            return unravel_solution(x, packed), lx.RESULTS.successful, {}

    return SerialLU


def __getattr__(name):
    # lineax is imported only when the solver is used
    if name == "SerialLU":
        cls = _serial_lu_class()
        globals()["SerialLU"] = cls
        return cls
    raise AttributeError(name)
