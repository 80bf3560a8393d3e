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
  :func:`spectral_sum`, whose first and second derivatives are exact also at exact
  degeneracies (it never differentiates eigenvectors: the eigenbasis is held fixed and two
  custom JVP rules give the Daleckii-Krein first- and second-order terms with divided
  differences; third and higher derivatives differentiate the second-order rule and are
  exact only away from degeneracies).
* :func:`takagi`, :func:`takagi_signed`, :func:`svd`, :func:`eigh_herm` are built on
  :func:`eigh_sym` and inherit that rule.

Length: above 600 lines because the forward solvers, their JVP rules, the spectral sum
built on them and the LAPACK-under-vmap wrappers share private helpers and one convention.

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

import equinox.internal as eqxi
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import lineax as lx
import numpy as np
from jax import lax
from lineax._solver.misc import pack_structures, ravel_vector, unravel_solution
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


def _gl01(m: int):
    """Gauss-Legendre nodes and weights on [0, 1] (m points, exact for degree 2m - 1)."""
    x, w = np.polynomial.legendre.leggauss(m)
    return 0.5 * (x + 1.0), 0.5 * w


_GL_PAIR = _gl01(8)
_GL_TRIPLE = _gl01(5)
#: Second-order divided differences of spectral_sum: a pair of nodes within this relative distance
#: uses 8-point Gauss-Legendre quadrature of g' (error ~ (0.1/4)^16), farther the quotient
#: (rounding ~ eps/0.1); a triple within _TRIPLE_RTOL uses the Hermite-Genocchi simplex integral of
#: g'' (5 x 5 collapsed Gauss rule, error ~ (0.05/4)^10), farther the quotient of two pair
#: differences (rounding ~ eps/0.05^2).  Pairs/triples below _DD_ATOL x the spectrum's scale count
#: as coincident in both.
_PAIR_RTOL = 0.1
_TRIPLE_RTOL = 0.05


def _trailing(c, ndim: int):
    """A 1-d constant (N,) as an array of rank ndim + 1 along the last axis (explicit broadcasting)."""
    return jnp.reshape(jnp.asarray(c), (1,) * ndim + (-1,))


def _pair_functional(x0, x1, atol):
    """Nodes y (..., 10) and weights c (3, ..., 10) with f[x0, x1] = sum_d sum_q c[d, q] f^(d)(y_q).

    Near pairs: Gauss-Legendre on the integral of f' over [x1, x0]; far pairs: the quotient.
    Unused nodes sit on x1 (a point where f is finite) with weight 0.
    """
    x0, x1 = jnp.broadcast_arrays(x0, x1)
    d = x0 - x1
    near = (jnp.abs(d) <= _PAIR_RTOL * jnp.maximum(jnp.abs(x0), jnp.abs(x1))) | (jnp.abs(d) <= atol)
    s, w = (_trailing(c, d.ndim) for c in _GL_PAIR)
    yq = x1[..., None] + s * jnp.where(near, d, 0.0)[..., None]
    inv = jnp.where(near, 0.0, 1.0 / jnp.where(near, 1.0, d))
    y = jnp.concatenate([yq, jnp.where(near, x1, x0)[..., None], x1[..., None]], axis=-1)
    zeros8 = jnp.zeros(yq.shape, yq.dtype)
    c0 = jnp.concatenate([zeros8, inv[..., None], -inv[..., None]], axis=-1)
    c1 = jnp.concatenate([jnp.where(near[..., None], w, 0.0), jnp.zeros(d.shape + (2,))], axis=-1)
    return y, jnp.stack([c0, c1, jnp.zeros_like(c0)])


def _triple_functional(x0, x1, x2, atol):
    """Nodes y (..., 45) and weights c (3, ..., 45) with f[x0, x1, x2] = sum_d sum_q c[d, q] f^(d)(y_q).

    The points are sorted (lo <= mid <= hi).  A cluster (hi - lo small) uses the Hermite-Genocchi
    integral of f'' over the simplex (collapsed 5 x 5 Gauss rule); otherwise
    (f[mid, hi] - f[lo, mid]) / (hi - lo) with :func:`_pair_functional`.
    """
    x0, x1, x2 = jnp.broadcast_arrays(x0, x1, x2)
    lo = jnp.minimum(jnp.minimum(x0, x1), x2)
    hi = jnp.maximum(jnp.maximum(x0, x1), x2)
    mid = jnp.maximum(jnp.minimum(x0, x1), jnp.minimum(jnp.maximum(x0, x1), x2))
    spread = hi - lo
    clus = (spread <= _TRIPLE_RTOL * jnp.maximum(jnp.abs(lo), jnp.abs(hi))) | (spread <= atol)
    u, wu = _GL_TRIPLE
    s = np.repeat(u, u.size)  # s = u_a, t = (1 - u_a) v_b; weight w_a w_b (1 - u_a)
    t = (1.0 - np.repeat(u, u.size)) * np.tile(u, u.size)
    wq = np.repeat(wu, u.size) * np.tile(wu, u.size) * (1.0 - np.repeat(u, u.size))
    ds = jnp.where(clus, mid - lo, 0.0)[..., None]
    dt = jnp.where(clus, hi - lo, 0.0)[..., None]
    yq = lo[..., None] + _trailing(s, lo.ndim) * ds + _trailing(t, lo.ndim) * dt
    c2q = jnp.where(clus[..., None], _trailing(wq, lo.ndim), 0.0)
    inv = jnp.where(clus, 0.0, 1.0 / jnp.where(clus, 1.0, spread))[..., None]
    ya, ca = _pair_functional(mid, hi, atol)
    yb, cb = _pair_functional(lo, mid, atol)
    y = jnp.concatenate([yq, ya, yb], axis=-1)
    zq = jnp.zeros_like(c2q)
    c = jnp.stack(
        [
            jnp.concatenate([zq, inv * ca[0], -inv * cb[0]], axis=-1),
            jnp.concatenate([zq, inv * ca[1], -inv * cb[1]], axis=-1),
            jnp.concatenate([c2q, jnp.zeros_like(ca[0]), jnp.zeros_like(cb[0])], axis=-1),
        ]
    )
    return y, c


def _float_leaves(theta):
    """The inexact leaves of theta (differentiable) and a function rebuilding theta from new ones."""
    leaves, tdef = jax.tree_util.tree_flatten(theta)
    idx = tuple(i for i, x in enumerate(leaves) if jnp.issubdtype(jnp.result_type(x), jnp.inexact))

    def rebuild(new):
        out = list(leaves)
        for i, x in zip(idx, new):
            out[i] = x
        return jax.tree_util.tree_unflatten(tdef, out)

    return tuple(leaves[i] for i in idx), rebuild


class _Kernel:
    """g on 1-d node arrays: ``k(l, m, fl)`` -> (T, len(l), len(m)); ``k.d(dl, dm)`` its partials.

    ``g`` acts elementwise in lam and mu (the spectral_sum contract), so the derivative of an
    entry along the all-ones tangent of ``l`` is its partial derivative in its own node.
    """

    def __init__(self, g, t_count: int, rebuild):
        self.g, self.t, self.rebuild = g, t_count, rebuild

    def __call__(self, l, m, fl):
        return _g_full(self.g, l, m, self.rebuild(fl), self.t, l.shape[0], m.shape[0])

    def d(self, dl: int, dm: int):
        f = self
        for _ in range(dl):
            f = functools.partial(_d_lam, f)
        for _ in range(dm):
            f = functools.partial(_d_mu, f)
        return f


def _d_lam(f, l, m, fl):
    return jax.jvp(lambda x: f(x, m, fl), (l,), (jnp.ones_like(l),))[1]


def _d_mu(f, l, m, fl):
    return jax.jvp(lambda x: f(l, x, fl), (m,), (jnp.ones_like(m),))[1]


def _dd_lam(k, y, c, mu, fl, orders: int):
    """sum_d c[d] . d^d/dlam^d g at lam-nodes y (..., N), every mu: (T, ..., k)."""
    out = 0.0
    for d in range(orders + 1):
        vals = k.d(d, 0)(jnp.reshape(y, (-1,)), mu, fl).reshape((k.t,) + y.shape + (mu.shape[0],))
        out = out + jnp.einsum("...q,t...qm->t...m", c[d], vals)
    return out


def _dd_mu(k, y, c, lam, fl, orders: int):
    """sum_d c[d] . d^d/dmu^d g at mu-nodes y (..., N), every lam: (T, n, ...)."""
    out = 0.0
    for d in range(orders + 1):
        vals = k.d(0, d)(lam, jnp.reshape(y, (-1,)), fl).reshape((k.t, lam.shape[0]) + y.shape)
        out = out + jnp.einsum("...q,ti...q->ti...", c[d], vals)
    return out


def _spectral_sum_value(k, lam, mu, p, q, fl):
    return _pq_sum(k(lam, mu, fl), p, q)


def _pq_sum(gv, p, q):
    """sum_{t,i,m} gv[t,i,m] p[t,m,i] q[t,m,i], unrolled (no batched dot under vmap: see :func:`_sandwich`).

    Only used inside the custom-JVP functions (never transposed by JAX: scalar indexing is cheap here).
    """
    t_count, n, m_count = gv.shape
    return sum(gv[t, i, m] * p[t, m, i] * q[t, m, i] for t in range(t_count) for i in range(n) for m in range(m_count))


def _first_order(k, lam, mu, p, q, fl, t1, accurate: bool):
    """First derivative of the spectral sum at a diagonal point along t1 = (X, Y, dP, dQ, dfl).

    Daleckii-Krein in the eigenbasis (``X = V^T da V``, ``Y = U^T db U``); ``None`` entries are
    zero directions (skipped).  ``accurate=False`` uses the trapezoid divided differences of
    :func:`_divided_differences` (n evaluations of g', the first-order rule), ``True`` the
    quadrature/quotient functionals (inside the second-order rule, where their derivatives in
    theta, p, q are needed to ~eps).
    """
    x, y, dp, dq, dfl = t1
    atl, atm = _DD_ATOL * jnp.max(jnp.abs(lam)), _DD_ATOL * jnp.max(jnp.abs(mu))
    gv = k(lam, mu, fl)
    terms = []
    if x is not None:
        if accurate:
            ya, ca = _pair_functional(lam[:, None], lam[None, :], atl)
            da = _dd_lam(k, ya, ca, mu, fl, 1)  # (T, n, n, k)
        else:
            da = _divided_differences(gv, lam, k.d(1, 0)(lam, mu, fl), "lam")
        terms.append(jnp.einsum("tijm,ij,tmi,tmj->", da, x, p, q))
    if y is not None:
        if accurate:
            yb, cb = _pair_functional(mu[:, None], mu[None, :], atm)
            db = _dd_mu(k, yb, cb, lam, fl, 1)  # (T, n, k, k)
        else:
            db = _divided_differences(gv, mu, k.d(0, 1)(lam, mu, fl), "mu")
        terms.append(jnp.einsum("timl,ml,tmi,tli->", db, y, p, q))
    if dp is not None:
        terms.append(jnp.einsum("tim,tmi,tmi->", gv, dp, q))
    if dq is not None:
        terms.append(jnp.einsum("tim,tmi,tmi->", gv, p, dq))
    if dfl is not None and fl:
        dgv = jax.jvp(lambda ff: k(lam, mu, ff), (fl,), (dfl,))[1]
        terms.append(jnp.einsum("tim,tmi,tmi->", dgv, p, q))
    return functools.reduce(jnp.add, terms) if terms else jnp.zeros(())


def _second_order(k, lam, mu, p, q, fl, t1, t2):
    """Second derivative D^2 S[t1, t2] at a diagonal point (exact also at degeneracies).

    Matrix-matrix part (second-order Daleckii-Krein with second divided differences; no
    eigenvector derivatives anywhere)::

        sum g[l_i, l_j, l_l; mu_m] (X1_ij X2_jl + X2_ij X1_jl) P_mi Q_ml
      + sum g[l_i; mu_m, mu_r, mu_s] (Y1_mr Y2_rs + Y2_mr Y1_rs) P_mi Q_si
      + sum g[l_i, l_j; mu_m, mu_r] (X1_ij Y2_mr + X2_ij Y1_mr) P_mi Q_rj

    plus the (p, q, theta) parts by forward differentiation of the accurate first-order form.
    ``None`` entries of t1, t2 are zero directions.
    """
    x1, y1, dp1, dq1, dfl1 = t1
    x2, y2, dp2, dq2, dfl2 = t2
    atl, atm = _DD_ATOL * jnp.max(jnp.abs(lam)), _DD_ATOL * jnp.max(jnp.abs(mu))
    terms = []
    if x1 is not None and x2 is not None:
        ya3, ca3 = _triple_functional(lam[:, None, None], lam[None, :, None], lam[None, None, :], atl)
        d2a = _dd_lam(k, ya3, ca3, mu, fl, 2)  # (T, n, n, n, k)
        terms.append(jnp.einsum("tijlm,ij,jl,tmi,tml->", d2a, x1, x2, p, q))
        terms.append(jnp.einsum("tijlm,ij,jl,tmi,tml->", d2a, x2, x1, p, q))
    if y1 is not None and y2 is not None:
        yb3, cb3 = _triple_functional(mu[:, None, None], mu[None, :, None], mu[None, None, :], atm)
        d2b = _dd_mu(k, yb3, cb3, lam, fl, 2)  # (T, n, k, k, k)
        terms.append(jnp.einsum("timrs,mr,rs,tmi,tsi->", d2b, y1, y2, p, q))
        terms.append(jnp.einsum("timrs,mr,rs,tmi,tsi->", d2b, y2, y1, p, q))
    mixed = [(xa, yb) for xa, yb in ((x1, y2), (x2, y1)) if xa is not None and yb is not None]
    if mixed:
        ya, ca = _pair_functional(lam[:, None], lam[None, :], atl)
        yb, cb = _pair_functional(mu[:, None], mu[None, :], atm)
        d11 = 0.0
        for dl in range(2):
            for dm in range(2):
                vals = k.d(dl, dm)(jnp.reshape(ya, (-1,)), jnp.reshape(yb, (-1,)), fl)
                vals = vals.reshape((k.t,) + ya.shape + yb.shape)
                d11 = d11 + jnp.einsum("ijq,mrs,tijqmrs->tijmr", ca[dl], cb[dm], vals)
        for xa, yb_ in mixed:
            terms.append(jnp.einsum("tijmr,ij,mr,tmi,trj->", d11, xa, yb_, p, q))

    def w_part(t):
        return (t[2], t[3], t[4])

    def along(t_mat, t_w):
        """d/dw of the first-order form along t_mat, in the w-direction t_w (None if zero)."""
        if all(v is None for v in t_w) or all(v is None for v in t_mat):
            return None
        prim = (p, q, fl)
        tan = tuple(jax.tree_util.tree_map(jnp.zeros_like, pr) if v is None else v for pr, v in zip(prim, t_w))
        return jax.jvp(lambda pp, qq, ff: _first_order(k, lam, mu, pp, qq, ff, t_mat, True), prim, tan)[1]

    # d/dw of the matrix-direction part of t1 along w2, of t2 along w1, and the (w, w) part
    for t_mat, t_w in (
        ((x1, y1, None, None, None), w_part(t2)),
        ((x2, y2, None, None, None), w_part(t1)),
        ((None, None) + w_part(t1), w_part(t2)),
    ):
        term = along(t_mat, t_w)
        if term is not None:
            terms.append(term)
    return functools.reduce(jnp.add, terms) if terms else jnp.zeros(())


def _directions(which, lam, mu, p, q, fl):
    """Zero directions for the slots in ``which`` (static bools for A, B, P, Q, theta), None elsewhere."""
    n, m = lam.shape[0], mu.shape[0]
    zeros = (jnp.zeros((n, n)), jnp.zeros((m, m)), jnp.zeros_like(p), jnp.zeros_like(q), tuple(jnp.zeros_like(f) for f in fl))
    return tuple(z if w else None for z, w in zip(zeros, which))


def _grad_of(linear_fn, zero):
    """Gradient of a linear scalar function of a pytree (its coefficients); None slots stay None."""
    _, vjp = jax.vjp(linear_fn, zero)
    return vjp(jnp.ones(()))[0]


def _float_tangents(theta, dtheta):
    """The tangents of theta's inexact leaves (None where symbolically zero), or None if all are."""
    leaves, tdef = jax.tree_util.tree_flatten(theta)
    dleaves = tdef.flatten_up_to(dtheta) if not _is_zero(dtheta) else [dtheta] * len(leaves)
    out = tuple(
        None if _is_zero(d) or jnp.result_type(d) == jax.dtypes.float0 else d
        for x, d in zip(leaves, dleaves)
        if jnp.issubdtype(jnp.result_type(x), jnp.inexact)
    )
    if all(d is None for d in out):
        return None
    return tuple(jnp.zeros_like(x) if d is None else d for x, d in zip(_float_leaves(theta)[0], out))


def _none_if_zero(t):
    return None if _is_zero(t) else t


def _filled(out, lam, mu, p, q, fl):
    zeros = _directions((True,) * 5, lam, mu, p, q, fl)
    return tuple(z if o is None else o for o, z in zip(out, zeros))


def _first_order_grads(k, which, lam, mu, p, q, fl):
    """Value and gradient of the spectral sum in the eigenbasis from ONE linearisation of g.

    ``jax.linearize`` traces g once at the eigenvalues: its value, and the derivative factors of
    every operation (``1/x`` of a log, the derivative of a series), are computed once and shared
    by the eigenvalue directions (forward tangents ``dg/dlam``, ``dg/dmu``, the trapezoid divided
    differences of :func:`_divided_differences`) and the theta direction (the transposed tangent
    map).  Separate ``jax.jvp`` / ``jax.vjp`` calls would each re-trace g, and XLA does not merge
    those copies (custom-JVP rules of the loop functions compute their primal differently).

    Returns ``(S, grads)`` with grads = (dS/dA, dS/dB, dS/dP, dS/dQ, dS/dtheta_float), the slots
    not in ``which`` (static bools) as None.  Equal to the gradient of :func:`_first_order` with
    ``accurate=False``.
    """
    wa, wb, wp, wq, wth = which
    gv, lin = jax.linearize(k, lam, mu, fl)
    zl, zm, zf = jnp.zeros_like(lam), jnp.zeros_like(mu), tuple(jnp.zeros_like(f) for f in fl)
    # contractions as broadcast products and sums (no batched dot under vmap: see _sandwich)
    pt, qt, gt = jnp.swapaxes(p, 1, 2), jnp.swapaxes(q, 1, 2), jnp.swapaxes(gv, 1, 2)  # (T, n, k), (T, k, n)
    value = _pq_sum(gv, p, q)
    out = [None] * 5
    if wa:
        out[0] = _dd_contract(gv, lin(jnp.ones_like(lam), zm, zf), lam, p, q)
    if wb:
        sw = functools.partial(jnp.swapaxes, axis1=1, axis2=2)
        out[1] = _dd_contract(sw(gv), sw(lin(zl, jnp.ones_like(mu), zf)), mu, sw(p), sw(q))
    if wp:
        out[2] = gt * q
    if wq:
        out[3] = gt * p
    if wth and fl:
        out[4] = jax.linear_transpose(lambda d: lin(zl, zm, d), zf)(pt * qt)[0]
    return value, tuple(out)


def _dd_contract(gv, gp, x, p, q):
    """sum_{t,m} D[t,i,j,m] p[t,m,i] q[t,m,j] with D the divided differences of
    :func:`_divided_differences` (same switch to the trapezoid rule), written out entry by entry.

    gv, gp: g and g' at the spectrum x, (T, L, K); p, q: (T, K, L); returns (L, L).  Per-entry code
    on batch-shaped scalars (see :func:`_sandwich`); only used where JAX never transposes it.
    """
    t_count, size, k_count = gv.shape
    absx = [jnp.abs(x[i]) for i in range(size)]
    xmax = functools.reduce(jnp.maximum, absx)
    dd = {}
    for i in range(size):
        dd[i, i] = [[gp[t, i, m] for m in range(k_count)] for t in range(t_count)]
        for j in range(i + 1, size):
            diff = x[i] - x[j]
            near = (jnp.abs(diff) <= _DD_RTOL * jnp.maximum(absx[i], absx[j])) | (jnp.abs(diff) <= _DD_ATOL * xmax)
            inv = 1.0 / jnp.where(near, 1.0, diff)
            dd[i, j] = [
                [jnp.where(near, 0.5 * (gp[t, i, m] + gp[t, j, m]), (gv[t, i, m] - gv[t, j, m]) * inv) for m in range(k_count)]
                for t in range(t_count)
            ]
    rows = []
    for i in range(size):
        row = []
        for j in range(size):
            d = dd[min(i, j), max(i, j)]
            row.append(sum(d[t][m] * p[t, m, i] * q[t, m, j] for t in range(t_count) for m in range(k_count)))
        rows.append(jnp.stack(row))
    return jnp.stack(rows)


def _contract(grads, tans):
    """sum over slots of <grads, tans> (None tangents skipped; theta slot: a tuple of leaves)."""
    terms = [jnp.sum(gr * t) for gr, t in zip(grads[:4], tans[:4]) if t is not None]
    if tans[4] is not None:
        terms += [jnp.sum(x * dx) for x, dx in zip(grads[4], tans[4])]
    return functools.reduce(jnp.add, terms) if terms else None


def _to_basis(t, eig):
    """Tangents/cotangents (da, db, dp, dq, dtheta) in the eigenbases: V^T da V, U^T db U, U^T dp V, U^T dq V."""
    _, v, _, u = eig
    da, db, dp, dq, dth = t
    return (
        None if da is None else _sandwich(v, da, v),
        None if db is None else _sandwich(u, db, u),
        None if dp is None else _sandwich(u, dp, v),
        None if dq is None else _sandwich(u, dq, v),
        dth,
    )


def _from_basis(gr, eig):
    """Gradients in the eigenbases back to a, b, p, q: V G_a V^T, U G_b U^T, U G_p V^T, U G_q V^T."""
    _, v, _, u = eig
    ga, gb, gp, gq, gth = gr
    return (
        None if ga is None else _sandwich(v.T, ga, v.T),
        None if gb is None else _sandwich(u.T, gb, u.T),
        None if gp is None else _sandwich(u.T, gp, v.T),
        None if gq is None else _sandwich(u.T, gq, v.T),
        gth,
    )


def _eig_setup(g, p, theta, eig):
    fl, rebuild = _float_leaves(theta)
    lam, v, mu, u = eig
    return _Kernel(g, p.shape[0], rebuild), lam, mu, fl


@functools.partial(jax.custom_jvp, nondiff_argnums=(0, 1))
def _eig_value_grads(g, which, a, b, p, q, theta, eig):
    """The spectral sum AND its gradient (dS/da, dS/db, dS/dp, dS/dq, dS/dtheta_float) for the
    slots in ``which`` (static), zeros elsewhere; ``eig = (lam, V, mu, U)`` are the eigensystems of
    ``a`` and ``b``, held fixed (their tangents are ignored: the caller stops their gradients).

    One evaluation of g serves both (:func:`_first_order_grads`); the changes of basis are done
    here, in straight-line code, so that JAX never transposes them (reverse mode only multiplies
    these gradients by a cotangent).  Forward-over-reverse differentiates them through their own
    rule (below), never through eigenvectors or the trapezoid divided differences.
    """
    k, lam, mu, fl = _eig_setup(g, p, theta, eig)
    _, v, _, u = eig
    pm, qm = _sandwich(u, p, v), _sandwich(u, q, v)
    value, out = _first_order_grads(k, which, lam, mu, pm, qm, fl)
    return value, _filled(_from_basis(out, eig), lam, mu, p, q, fl)  # same shapes in both bases


def _eig_value_grads_jvp(g, which, primals, tangents):
    a, b, p, q, theta, eig = primals
    k, lam, mu, fl = _eig_setup(g, p, theta, eig)
    _, v, _, u = eig
    pm, qm = _sandwich(u, p, v), _sandwich(u, q, v)
    value, out = _eig_value_grads(g, which, *primals)
    t_orig = tuple(_none_if_zero(t) for t in tangents[:4]) + (_float_tangents(theta, tangents[4]),)
    t2 = _to_basis(t_orig, eig)
    # value: the gradient slots computed above, plus a first-order JVP for tangent slots outside `which`
    inside = tuple(t if w else None for t, w in zip(t_orig, which))
    outside = tuple(None if w else t for t, w in zip(t2, which))
    dvalue = [d for d in (_contract(out, inside),) if d is not None]
    if any(t is not None for t in outside):
        dvalue.append(_first_order(k, lam, mu, pm, qm, fl, outside, False))
    dvalue = functools.reduce(jnp.add, dvalue) if dvalue else jnp.zeros_like(value)
    dout = _grad_of(lambda t: _second_order(k, lam, mu, pm, qm, fl, t, t2), _directions(which, lam, mu, pm, qm, fl))
    return (value, out), (dvalue, _filled(_from_basis(dout, eig), lam, mu, p, q, fl))


_eig_value_grads.defjvp(_eig_value_grads_jvp, symbolic_zeros=True)


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _eig_sum(g, a, b, p, q, theta, eig):
    """The spectral sum from the fixed eigensystems ``eig = (lam, V, mu, U)`` of ``a`` and ``b``:
    the value uses only ``eig``, ``p``, ``q``, ``theta``; ``a`` and ``b`` enter through the rule
    (their tangents, off-diagonal parts in the eigenbasis included: Daleckii-Krein)."""
    k, lam, mu, fl = _eig_setup(g, p, theta, eig)
    _, v, _, u = eig
    return _spectral_sum_value(k, lam, mu, _sandwich(u, p, v), _sandwich(u, q, v), fl)


def _eig_sum_jvp(g, primals, tangents):
    dth = _float_tangents(primals[4], tangents[4])
    tans = tuple(_none_if_zero(t) for t in tangents[:4]) + (dth,)
    which = tuple(t is not None for t in tans)
    out, grads = _eig_value_grads(g, which, *primals)
    dout = _contract(grads, tans)
    return out, jnp.zeros_like(out) if dout is None else dout


_eig_sum.defjvp(_eig_sum_jvp, symbolic_zeros=True)


def _spectral_sum(g, a, b, p, q, theta):
    """spectral_sum with the eigensystems of a and b held fixed (stop_gradient): every derivative,
    of any order the rules cover, comes from :func:`_eig_sum` / :func:`_eig_value_grads`."""
    lam, v = eigh_sym(lax.stop_gradient(a))
    mu, u = eigh_sym(lax.stop_gradient(b))
    return _eig_sum(g, a, b, p, q, theta, (lam, v, mu, u))


def _sandwich(u, x, v):
    """``u^T x v`` (x: (r, c) or a stack (T, r, c)), written out entry by entry.

    The matrices are tiny (n <= 7): under ``vmap`` XLA's CPU backend runs a batched ``dot`` per
    matrix product (measured: 0.7 us per point for the four products of the MSSM neutralino sum),
    and small trailing axes vectorise poorly, while per-entry products of batch-shaped scalars
    fuse into the surrounding elementwise code (0.1 us).  Only used where JAX never transposes
    it (inside the custom-JVP functions: a transposed scalar index is a full-size pad).
    """
    if x.ndim == 3:
        return jnp.stack([_sandwich(u, xt, v) for xt in x])
    r, cdim = x.shape
    xv = [[sum(x[l, j] * v[j, i] for j in range(cdim)) for i in range(v.shape[1])] for l in range(r)]
    return jnp.stack(
        [jnp.stack([sum(u[l, m] * xv[l][i] for l in range(r)) for i in range(v.shape[1])]) for m in range(u.shape[1])]
    )


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
      ``g'`` over ``[lam_j, lam_i]``, ``(g'(lam_i) + g'(lam_j)) / 2`` (``g'`` from one
      ``jax.linearize`` of ``g`` at the eigenvalues only, shared with the value and the
      theta direction; ``D_ii = g'(lam_i)``).  If ``g`` varies
      on a scale ``L``, the trapezoid error is ``~ (delta/L)^2 / 12`` and the rounding error
      of the quotient ``~ eps (|g|/|g'|) / delta``; at the switch both are ~1e-11 for
      ``L ~ |lam|``.  (Simpson with midpoint derivatives would need n^2 evaluations of
      ``g'`` instead of n; those dominated the cost of the JVP.)
    * b-direction: the same with ``Y = U^T db U`` and divided differences in ``mu``.
    * p, q: ``S`` is bilinear in them; theta: the same linearisation of ``g``, transposed.

    Second derivatives (forward-over-reverse as in the fits' Hessians, or forward-over-forward)
    are exact as well, also at exact and near degeneracies: the eigenbases are held fixed
    (``stop_gradient``), the gradient is returned by a second custom JVP function whose rule is
    the second-order Daleckii-Krein formula with second divided differences
    ``g[lam_i, lam_j, lam_l; mu_m]``, ``g[lam_i; mu_m, mu_r, mu_s]``, ``g[lam_i, lam_j; mu_m, mu_r]``
    (pairs within 10%: 8-point Gauss-Legendre of ``g'``; triples within 5%: the
    Hermite-Genocchi simplex integral of ``g''``; otherwise quotients), so no eigenvector
    derivative (``1/(lam_i - lam_j)``) ever appears.  (Differentiating the first-order rule
    through the eigenvectors instead misses the within-cluster rotation at exact degeneracy and
    loses ``eps/delta^2`` near it: issue 15 measured 1e-1 normalised in the selectron sum.)
    Third and higher derivatives differentiate the second-order rule: exact away from
    degeneracies only.

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
    return jsl.lu_factor(a)


def _lu_solve(lu, piv, b, trans: int):
    return jsl.lu_solve((lu, piv), b, trans=trans)


_serial_lu_factor = serial(_lu_factor)
_serial_lu_solve = (serial(functools.partial(_lu_solve, trans=0)), serial(functools.partial(_lu_solve, trans=1)))


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
