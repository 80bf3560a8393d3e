"""Tests for gm2jax.linalg: forward accuracy, conventions, derivative rules, batching."""

from __future__ import annotations

import json
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax import linalg
from gm2jax.errors import InvalidInput, PrecisionError

# GM2Calc 2.3.1 reference points (copy of shared/reference/gm2calc_public.json)
REFERENCE = pathlib.Path(__file__).parent / "data" / "gm2calc_public.json"


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def _rng(seed):
    return np.random.default_rng(seed)


def _sym(rng, n):
    x = rng.standard_normal((n, n))
    return x + x.T


def _orth(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))[None, :]


def _unitary(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n)))
    return q * (np.diag(r) / np.abs(np.diag(r)))[None, :]


def _with_spectrum(rng, eigenvalues):
    o = _orth(rng, len(eigenvalues))
    return o @ np.diag(eigenvalues) @ o.T


def _check_eigh(a, w, v, tol=1e-14):
    a, w, v = np.asarray(a), np.asarray(w), np.asarray(v)
    n = a.shape[0]
    scale = max(np.linalg.norm(a, 2), np.finfo(float).tiny)
    assert np.all(np.isfinite(w)) and np.all(np.isfinite(v))
    assert np.all(np.diff(w) >= 0), w
    assert np.linalg.norm(a @ v - v * w[None, :]) <= tol * scale
    assert np.abs(v.T @ v - np.eye(n)).max() <= tol
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a), rtol=0, atol=tol * scale)


def _fd(f, x, d, h):
    """Central finite difference of f at x along d (step h)."""
    return (f(x + h * d) - f(x - h * d)) / (2 * h)


def _fd4(f, x, d, h):
    """Fourth-order central finite difference of f at x along d."""
    return (-f(x + 2 * h * d) + 8 * f(x + h * d) - 8 * f(x - h * d) + f(x - 2 * h * d)) / (12 * h)


# ---------------------------------------------------------------------------------------
# eigh_sym: forward
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7])
def test_eigh_sym_random(n):
    rng = _rng(n)
    for _ in range(3):
        a = _sym(rng, n)
        w, v = linalg.eigh_sym(a)
        assert w.dtype == jnp.float64 and v.dtype == jnp.float64
        _check_eigh(a, w, v)


@pytest.mark.parametrize(
    "spectrum",
    [
        [1.0, 1.0],
        [1.0, 1.0, 1.0, 1.0],
        [1.0, 1.0, 2.0, 3.0],
        [2.0, -1.0, 2.0, 2.0],
        [0.0, 0.0, 0.0],
        [1.0, 1.0 + 1e-12, 5.0, -3.0],
        [1e-8, 2e-8, 1.0, 1e8],
        [1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0],
    ],
)
def test_eigh_sym_degenerate_and_graded(spectrum):
    rng = _rng(len(spectrum))
    for a in (np.diag(spectrum), _with_spectrum(rng, spectrum)):
        w, v = linalg.eigh_sym(a)
        _check_eigh(a, w, v)


def test_eigh_sym_identity_is_exact():
    w, v = linalg.eigh_sym(jnp.eye(4))
    np.testing.assert_array_equal(w, np.ones(4))
    np.testing.assert_array_equal(np.abs(v), np.eye(4))


@pytest.mark.parametrize("scale", [1e-200, 1e200])
@pytest.mark.parametrize("n", [2, 4])
def test_eigh_sym_extreme_scales(n, scale):
    a = _sym(_rng(3), n)
    w, v = linalg.eigh_sym(a * scale)
    assert np.all(np.isfinite(w)) and np.all(np.isfinite(v))
    np.testing.assert_allclose(np.asarray(w) / scale, np.linalg.eigvalsh(a), rtol=1e-13, atol=1e-13)


def test_eigh_sym_nonfinite_input_terminates():
    a = np.full((4, 4), np.nan)
    w, _ = jax.jit(linalg.eigh_sym)(a)
    assert np.all(np.isnan(w))


def test_eigh_sym_symmetrises_input():
    rng = _rng(5)
    x = rng.standard_normal((4, 4))
    w, v = linalg.eigh_sym(x)
    _check_eigh(0.5 * (x + x.T), w, v)


@pytest.mark.parametrize("n,batch", [(2, 50), (4, 1024 + 37), (7, 30)])
def test_eigh_sym_vmap_equals_loop(n, batch):
    rng = _rng(10 + n)
    a = np.stack([_sym(rng, n) for _ in range(batch)])
    a[0] = np.eye(n)  # an exactly degenerate member of the batch
    wb, vb = jax.jit(jax.vmap(linalg.eigh_sym))(a)
    single = jax.jit(linalg.eigh_sym)
    for i in range(0, batch, max(1, batch // 25)):
        w, v = single(a[i])
        np.testing.assert_allclose(wb[i], w, rtol=0, atol=1e-13 * np.abs(w).max())
        # eigenvectors agree up to the sign of each column
        s = np.sign(np.sum(np.asarray(vb[i]) * np.asarray(v), axis=0))
        np.testing.assert_allclose(np.asarray(vb[i]) * s[None, :], v, rtol=0, atol=1e-12)
        _check_eigh(a[i], wb[i], vb[i])


def test_eigh_sym_jit_equals_eager():
    a = _sym(_rng(6), 4)
    w1, v1 = linalg.eigh_sym(a)
    w2, v2 = jax.jit(linalg.eigh_sym)(a)
    np.testing.assert_allclose(w1, w2, rtol=0, atol=1e-14)
    np.testing.assert_allclose(np.abs(np.asarray(v1).T @ np.asarray(v2)), np.eye(4), atol=1e-12)


def test_eigh_sym_nested_vmap():
    rng = _rng(7)
    a = np.stack([np.stack([_sym(rng, 3) for _ in range(5)]) for _ in range(4)])
    w, v = jax.jit(jax.vmap(jax.vmap(linalg.eigh_sym)))(a)
    for i in range(4):
        for j in range(5):
            _check_eigh(a[i, j], w[i, j], v[i, j])


def test_eigh_sym_unbatched_matrix_inside_vmap_and_jacfwd():
    a = _with_spectrum(_rng(8), [1.0, 1.0, 2.0, 3.0])
    out = jax.vmap(lambda t: linalg.eigh_sym(a)[0] * t)(jnp.arange(3.0))
    np.testing.assert_allclose(out, np.outer(np.arange(3.0), [1.0, 1.0, 2.0, 3.0]), atol=1e-14)
    jac = jax.jacfwd(lambda x: jnp.sum(linalg.eigh_sym(x)[0]))(a)  # d tr(a)/da = 1
    np.testing.assert_allclose(jac, np.eye(4), atol=1e-13)


def test_eigh_sym_errors():
    with pytest.raises(InvalidInput):
        linalg.eigh_sym(np.ones((2, 3)))
    with pytest.raises(InvalidInput):
        linalg.eigh_sym(np.ones((2, 2, 2)))
    with pytest.raises(InvalidInput):
        linalg.eigh_sym(np.eye(2) * 1j)
    with pytest.raises(PrecisionError):
        linalg.eigh_sym(np.eye(2, dtype=np.float32))


def test_eigh_sym_integer_input_is_promoted():
    w, _ = linalg.eigh_sym(np.array([[2, 1], [1, 2]]))
    assert w.dtype == jnp.float64
    np.testing.assert_allclose(w, [1.0, 3.0], atol=1e-15)


# ---------------------------------------------------------------------------------------
# eigh_sym: derivatives
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_eigh_sym_eigenvalue_grad_matches_jnp(n):
    rng = _rng(20 + n)
    a = _sym(rng, n)
    c = rng.standard_normal(n)

    def ours(x):
        return jnp.dot(linalg.eigh_sym(x)[0], c)

    def ref(x):
        return jnp.dot(jnp.linalg.eigh(0.5 * (x + x.T))[0], c)

    np.testing.assert_allclose(
        jax.jit(jax.grad(ours))(a), jax.jit(jax.grad(ref))(a), rtol=1e-12, atol=1e-13
    )


@pytest.mark.parametrize("n", [2, 4, 7])
def test_eigh_sym_jvp_matches_jnp(n):
    rng = _rng(30 + n)
    a = _sym(rng, n)
    da = _sym(rng, n)
    (w, v), (dw, dv) = jax.jvp(linalg.eigh_sym, (a,), (da,))
    (wr, vr), (dwr, dvr) = jax.jvp(jnp.linalg.eigh, (a,), (da,))
    s = np.sign(np.sum(np.asarray(v) * np.asarray(vr), axis=0))[None, :]
    np.testing.assert_allclose(w, wr, atol=1e-13)
    np.testing.assert_allclose(dw, dwr, atol=1e-12)
    np.testing.assert_allclose(np.asarray(dv) * s, dvr, atol=1e-11)
    # and the tangent preserves orthogonality: v^T dv antisymmetric
    m = np.asarray(v).T @ np.asarray(dv)
    np.testing.assert_allclose(m, -m.T, atol=1e-12)


def test_eigh_sym_eigenvector_grad_vs_finite_difference():
    rng = _rng(40)
    a = _with_spectrum(rng, [1.0, 2.5, 4.0, 7.0])
    c = rng.standard_normal((4, 4))

    @jax.jit
    def f(x):
        w, v = linalg.eigh_sym(x)
        v = v * jnp.sign(v[0])[None, :]  # fix the sign gauge (fine away from v[0] == 0)
        return jnp.sum(c * v) + jnp.sum(w**2)

    d = _sym(rng, 4)
    fd = _fd4(f, a, d, 1e-3)
    an = jnp.sum(jax.jit(jax.grad(f))(a) * d)
    assert abs(fd - an) <= 1e-9 * abs(an)


@jax.jit
@jax.grad
def _eigvec_objective_grad(x):
    w, v = linalg.eigh_sym(x)
    return jnp.sum(w**3) + jnp.sum(v**2 * jnp.arange(4.0)[None, :])


_eigh_sym_jvp = jax.jit(lambda x, t: jax.jvp(linalg.eigh_sym, (x,), (t,)))


@pytest.mark.parametrize(
    "spectrum",
    [
        [1.0, 1.0, 1.0, 1.0],
        [1.0, 1.0, 2.0, 3.0],
        [0.0, 0.0, 0.0, 0.0],
        [3.0, 3.0 + 1e-13, -1.0, 2.0],
    ],
)
def test_eigh_sym_grad_finite_at_degeneracy(spectrum):
    rng = _rng(50)
    a = _with_spectrum(rng, spectrum)
    ga = _eigvec_objective_grad(a)
    assert np.all(np.isfinite(ga))
    _, (dw, dv) = _eigh_sym_jvp(a, _sym(rng, 4))
    assert np.all(np.isfinite(dw)) and np.all(np.isfinite(dv))


def test_eigh_sym_cluster_trace_derivative_exact():
    """At a degeneracy the sum of the eigenvalues of a cluster is differentiable."""
    rng = _rng(51)
    a = _with_spectrum(rng, [1.0, 1.0, 2.0, 3.0])
    d = _sym(rng, 4)

    def cluster_sum(x):
        return jnp.sum(linalg.eigh_sym(x)[0][:2])

    an = jax.jvp(cluster_sum, (a,), (d,))[1]
    fd = _fd(cluster_sum, a, d, 1e-6)
    assert abs(an - fd) <= 1e-7 * abs(an)


def test_eigh_sym_grad_vmap_and_jit():
    rng = _rng(52)
    a = np.stack([_sym(rng, 4) for _ in range(6)])
    a[1] = _with_spectrum(rng, [2.0, 2.0, 2.0, 5.0])

    def f(x):
        # basis-independent for a[1] (the top eigenvalue 5 is simple there)
        w, v = linalg.eigh_sym(x)
        return jnp.sum(jnp.sin(w)) + jnp.sum(v[:, 3] ** 2 * jnp.arange(4.0))

    gb = jax.jit(jax.vmap(jax.grad(f)))(a)
    grad_single = jax.jit(jax.grad(f))
    for i in range(6):
        np.testing.assert_allclose(gb[i], grad_single(a[i]), rtol=1e-10, atol=1e-12)
    assert np.all(np.isfinite(gb))


# ---------------------------------------------------------------------------------------
# spectral_sum
# ---------------------------------------------------------------------------------------


def _g(lam, mu, th):
    """A loop-function-like g: smooth, depends on lam^2/mu, odd and even parts, theta."""
    x = lam**2 / mu
    f1 = jnp.log1p(x) / mu * th["c"][0]
    f2 = lam * jnp.exp(-x) / (mu + th["c"][1])
    return jnp.stack([f1, f2, f1 - 0.5 * f2])


def _theta():
    return {"c": jnp.array([1.3, 0.7]), "flag": jnp.asarray(3, jnp.int32)}


def _reference_sum(a, b, p, q, th):
    lam, v = jnp.linalg.eigh(0.5 * (a + a.T))
    mu, u = jnp.linalg.eigh(0.5 * (b + b.T))
    gv = _g(lam[:, None], mu[None, :], th)
    pm = jnp.einsum("lm,tlj,ji->tmi", u, p, v)
    qm = jnp.einsum("lm,tlj,ji->tmi", u, q, v)
    return jnp.einsum("tim,tmi,tmi->", gv, pm, qm)


def _ss(a, b, p, q, th):
    return linalg.spectral_sum(_g, a, b, p, q, th)


_ss_jit = jax.jit(_ss)
_ss_grad = jax.jit(jax.grad(_ss, argnums=(0, 1, 2, 3, 4), allow_int=True))
_ss_jvp = jax.jit(lambda args, dirs: jax.jvp(_ss, tuple(args), tuple(dirs))[1])


def _problem(seed, a_spectrum=None, b_spectrum=None, n=4, k=2, t_count=3):
    rng = _rng(seed)
    a = _sym(rng, n) if a_spectrum is None else _with_spectrum(rng, a_spectrum)
    if b_spectrum is None:
        y = rng.standard_normal((k, k))
        b = y @ y.T + 2.0 * np.eye(k)
    else:
        b = _with_spectrum(rng, b_spectrum) if len(b_spectrum) > 1 else np.array([b_spectrum])
    p = rng.standard_normal((t_count, b.shape[0], a.shape[0]))
    q = rng.standard_normal((t_count, b.shape[0], a.shape[0]))
    return rng, [jnp.asarray(a), jnp.asarray(b), jnp.asarray(p), jnp.asarray(q), _theta()]


def _directions(rng, args):
    a, b, p, q, _ = args
    return [
        jnp.asarray(_sym(rng, a.shape[0])),
        jnp.asarray(_sym(rng, b.shape[0])),
        jnp.asarray(rng.standard_normal(p.shape)),
        jnp.asarray(rng.standard_normal(q.shape)),
        {"c": jnp.asarray(rng.standard_normal(2)), "flag": np.zeros((), jax.dtypes.float0)},
    ]


def _fd_directional(args, dirs, h, order=2):
    """d/dh of S(args + h dirs) by central differences (all arguments at once)."""

    def shifted(s):
        out = []
        for x, d in zip(args, dirs):
            if isinstance(x, dict):
                out.append({"c": x["c"] + s * d["c"], "flag": x["flag"]})
            else:
                out.append(x + s * d)
        return float(_ss_jit(*out))

    if order == 2:
        return (shifted(h) - shifted(-h)) / (2 * h)
    return (-shifted(2 * h) + 8 * shifted(h) - 8 * shifted(-h) + shifted(-2 * h)) / (12 * h)


def _grad_dot(args, dirs):
    """<grad S, dirs> and the sum of the magnitudes of its per-argument parts (error scale)."""
    grads = _ss_grad(*args)
    parts = [float(jnp.sum(g * d)) for g, d in zip(grads[:4], dirs[:4])]
    parts.append(float(jnp.sum(grads[4]["c"] * dirs[4]["c"])))
    return sum(parts), sum(abs(x) for x in parts), grads


def test_spectral_sum_value_matches_reference():
    _, args = _problem(60)
    np.testing.assert_allclose(_ss(*args), _reference_sum(*args), rtol=1e-13)


def test_spectral_sum_grad_matches_autodiff_nondegenerate():
    _, args = _problem(61)
    ours = _ss_grad(*args)
    ref = jax.jit(jax.grad(_reference_sum, argnums=(0, 1, 2, 3, 4), allow_int=True))(*args)
    for x, y in zip(ours[:4], ref[:4]):
        np.testing.assert_allclose(x, y, rtol=1e-11, atol=1e-12 * np.abs(y).max())
    np.testing.assert_allclose(ours[4]["c"], ref[4]["c"], rtol=1e-12)


_DEGENERATE_CASES = {
    "a_identity": (np.ones(4), None),
    "a_1123": ([1.0, 1.0, 2.0, 3.0], None),
    "a_triple_negative": ([-2.0, -2.0, -2.0, 0.5], None),
    "a_split_1e-9": ([1.0, 1.0 + 1e-9, 2.0, 3.0], None),
    "a_split_1e-5": ([1.0, 1.0 + 1e-5, 2.0, 3.0], None),
    "a_opposite_pair": ([-1.5, 1.5, 0.2, 3.0], None),
    "b_degenerate": ([0.5, 1.0, 2.0, 3.0], [2.0, 2.0]),
    "b_split_1e-9": ([0.5, 1.0, 2.0, 3.0], [2.0, 2.0 * (1 + 1e-9)]),
    "both_degenerate": ([1.0, 1.0, 2.0, 2.0], [3.0, 3.0]),
    "b_scalar_a_degenerate": ([1.0, 1.0, 1.0, 4.0], [2.5]),
}


@pytest.mark.parametrize("case", list(_DEGENERATE_CASES))
def test_spectral_sum_derivative_vs_finite_differences(case):
    a_spec, b_spec = _DEGENERATE_CASES[case]
    rng, args = _problem(70, a_spec, b_spec)
    dirs = _directions(rng, args)
    an, scale, grads = _grad_dot(args, dirs)
    for g in jax.tree_util.tree_leaves(grads[:4]) + [grads[4]["c"]]:
        assert np.all(np.isfinite(g))
    # forward mode through the custom JVP
    jv = float(_ss_jvp(args, dirs))
    # central differences with a ~1e-6 relative step (spec) and a 4th-order check
    fd2 = _fd_directional(args, dirs, 1e-6)
    fd4 = _fd_directional(args, dirs, 3e-4, order=4)
    assert abs(an - fd2) <= 1e-7 * scale
    assert abs(an - fd4) <= 1e-9 * scale
    assert abs(jv - an) <= 1e-12 * scale


def _ss_dir(args, u):
    """<grad S, u> by reverse mode (the first derivative that fits differentiate again)."""
    grads = jax.grad(_ss, argnums=(0, 1, 2, 3, 4), allow_int=True)(*args)
    out = sum(jnp.sum(g * d) for g, d in zip(grads[:4], u[:4]))
    return out + jnp.sum(grads[4]["c"] * u[4]["c"])


_ss_d2_rev = jax.jit(lambda args, u, w: jax.jvp(lambda *xs: _ss_dir(list(xs), u), tuple(args), tuple(w))[1])
_ss_d2_fwd = jax.jit(
    lambda args, u, w: jax.jvp(lambda *xs: jax.jvp(_ss, xs, tuple(u))[1], tuple(args), tuple(w))[1]
)


def _shift(args, w, h):
    return [
        {"c": x["c"] + h * d["c"], "flag": x["flag"]} if isinstance(x, dict) else x + h * d
        for x, d in zip(args, w)
    ]


@pytest.mark.parametrize("case", ["generic", "a_split_1e-6", *_DEGENERATE_CASES])
def test_spectral_sum_second_derivative_at_degeneracy(case):
    """Issue 15: d^2 S[u, w] (forward-over-reverse, as the fits' Hessians, and forward-over-forward)
    against central differences of the exact first derivative, at exact and near degeneracies.

    The previous rule (autodiff through the first-order JVP: eigenvector derivatives with the
    degenerate pairs dropped) was off by O(1) at exact degeneracy and by up to 1e-1 (normalised) in
    the MSSM's near-degenerate selectron sum.  Reference error: Richardson-extrapolated central
    differences with h = 1e-3 (truncation ~h^4 ~ 1e-12 for O(1) eigenvalues and a g varying on
    scale 1) of the first derivative, whose trapezoid divided differences are accurate to 1e-11
    relative (~1e-8 after dividing by h); tolerance 1e-7 of the second derivative's scale.
    """
    a_spec, b_spec = _DEGENERATE_CASES.get(case, (None, None))
    if case == "a_split_1e-6":
        a_spec = [1.0, 1.0 + 1e-6, 2.0, 3.0]
    rng, args = _problem(74, a_spec, b_spec)
    u, w = _directions(rng, args), _directions(rng, args)
    rev = float(_ss_d2_rev(args, u, w))
    fwd = float(_ss_d2_fwd(args, u, w))

    def fd(h):
        return (float(_ss_jvp(_shift(args, w, h), u)) - float(_ss_jvp(_shift(args, w, -h), u))) / (2 * h)

    ref = (4.0 * fd(5e-4) - fd(1e-3)) / 3.0
    scale = abs(fd(1e-3)) + 1.0
    assert np.isfinite(rev) and np.isfinite(fwd)
    assert abs(rev - ref) <= 1e-7 * scale, (rev, ref)
    assert abs(fwd - ref) <= 1e-7 * scale, (fwd, ref)
    # symmetry of the bilinear form d^2 S[u, w] = d^2 S[w, u]
    assert abs(float(_ss_d2_rev(args, w, u)) - rev) <= 1e-9 * scale


def test_spectral_sum_forward_over_partial_reverse():
    """Forward mode over a gradient with respect to ``a`` only, in a direction that also moves b, p, q
    and theta (slots the reverse pass did not differentiate, so the gradient rule holds no
    gradient for them): the value's tangent must still be the full first derivative, and the
    gradient's tangent the full second derivative d^2 S[u_a, w].  Both references are exact rules
    (no differences): agreement to rounding, 1e-10 of the scale."""
    rng, args = _problem(75, [1.0, 1.0, 2.0, 3.0], [2.0, 2.5])
    u, w = _directions(rng, args), _directions(rng, args)
    vg = jax.jit(lambda xs, ws: jax.jvp(lambda *ys: jax.value_and_grad(_ss)(*ys), tuple(xs), tuple(ws)))
    (_, _), (dval, dga) = vg(args, w)
    first = float(_ss_jvp(args, w))
    assert abs(float(dval) - first) <= 1e-10 * (abs(first) + 1.0)
    u_a = [u[0], jnp.zeros_like(args[1]), jnp.zeros_like(args[2]), jnp.zeros_like(args[3]), {"c": jnp.zeros(2), "flag": u[4]["flag"]}]
    second = float(_ss_d2_rev(args, u_a, w))
    assert abs(float(jnp.sum(dga * u[0])) - second) <= 1e-10 * (abs(second) + 1.0)


def test_spectral_sum_reference_autodiff_is_nan_at_degeneracy():
    """The point of spectral_sum: plain eigh autodiff fails where ours is exact."""
    _, args = _problem(71)
    args[0] = jnp.diag(jnp.array([1.0, 1.0, 2.0, 3.0]))
    ref = jax.jit(jax.grad(_reference_sum))(*args)
    assert not np.all(np.isfinite(ref))
    assert all(np.all(np.isfinite(g)) for g in _ss_grad(*args)[:4])


@pytest.mark.parametrize("rel", [1e-3 * (1 - 1e-6), 1e-3 * (1 + 1e-6), 3e-2])
def test_spectral_sum_continuous_across_divided_difference_threshold(rel):
    """Both branches of the divided difference agree where they switch."""
    lam0 = 1.7
    rng, args = _problem(72, [lam0, lam0 * (1 + rel), -0.4, 3.0])
    dirs = _directions(rng, args)
    an, scale, _ = _grad_dot(args, dirs)
    fd4 = _fd_directional(args, dirs, 3e-4, order=4)
    assert abs(an - fd4) <= 1e-10 * scale


def test_spectral_sum_zero_eigenvalues_finite():
    rng, args = _problem(73, [0.0, 0.0, 1.0, -1.0])
    dirs = _directions(rng, args)
    an, scale, grads = _grad_dot(args, dirs)
    assert all(np.all(np.isfinite(g)) for g in jax.tree_util.tree_leaves(grads[:4]))
    fd4 = _fd_directional(args, dirs, 3e-4, order=4)
    assert abs(an - fd4) <= 1e-9 * scale


def test_spectral_sum_vmap_jit_grad_equal_loop():
    cases = [
        _problem(80 + i, spec)[1]
        for i, spec in enumerate([None, [1.0, 1.0, 2.0, 3.0], [2.0] * 4, None])
    ]
    stacked = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *cases)
    vals = jax.jit(jax.vmap(_ss))(*stacked)
    grads = jax.jit(jax.vmap(jax.grad(_ss, argnums=(0, 1, 2, 3))))(*stacked)
    for i, args in enumerate(cases):
        np.testing.assert_allclose(vals[i], _ss_jit(*args), rtol=1e-13)
        for gb, g in zip(grads, _ss_grad(*args)[:4]):
            np.testing.assert_allclose(gb[i], g, rtol=1e-10, atol=1e-12 * np.abs(g).max())
    # jit == no jit (value and gradient)
    np.testing.assert_allclose(_ss_jit(*cases[1]), _ss(*cases[1]), rtol=1e-14)
    eager = jax.grad(_ss, argnums=(0, 1, 2, 3))(*cases[1])
    for gj, g in zip(_ss_grad(*cases[1])[:4], eager):
        np.testing.assert_allclose(gj, g, rtol=1e-12, atol=1e-14)


def test_spectral_sum_k1_scalar_b_matches_closed_form():
    """b = [[m2]]: S = sum_t sum_i g(lam_i, m2) (p_t v_i)(q_t v_i) with a trace identity."""
    rng = _rng(90)
    a = _with_spectrum(rng, [1.0, 1.0, 2.0])
    p = rng.standard_normal((1, 1, 3))

    def g(lam, mu, th):
        return (lam**2 * mu)[None]

    s = linalg.spectral_sum(g, a, np.array([[2.0]]), p, p)
    np.testing.assert_allclose(s, 2.0 * p[0, 0] @ a @ a @ p[0, 0], rtol=1e-13)
    ga = jax.grad(linalg.spectral_sum, argnums=1)(g, a, np.array([[2.0]]), p, p)
    # d/da (2 p^T a^2 p) = 2 (a p p^T + p p^T a)
    pp = np.outer(p[0, 0], p[0, 0])
    np.testing.assert_allclose(ga, 2.0 * (a @ pp + pp @ a), rtol=1e-12)


def test_spectral_sum_errors():
    _, (a, b, p, q, th) = _problem(91)
    with pytest.raises(InvalidInput):
        linalg.spectral_sum(_g, a, b, p[:, :, :3], q, th)
    with pytest.raises(InvalidInput):
        linalg.spectral_sum(_g, a, b, p, q[:2], th)
    with pytest.raises(InvalidInput):
        linalg.spectral_sum(lambda lam, mu, th: jnp.ones((5, 4, 2)), a, b, p, q, th)
    with pytest.raises(InvalidInput):
        linalg.spectral_sum("not callable", a, b, p, q, th)
    with pytest.raises(PrecisionError):
        linalg.spectral_sum(_g, a.astype(jnp.float32), b, p, q, th)


# ---------------------------------------------------------------------------------------
# Takagi
# ---------------------------------------------------------------------------------------


def _check_takagi(m, masses, n_mat, tol=1e-12):
    m, masses, n_mat = np.asarray(m), np.asarray(masses), np.asarray(n_mat)
    k = m.shape[0]
    scale = max(np.abs(m).max(), np.finfo(float).tiny)
    assert np.all(masses >= 0) and np.all(np.diff(masses) >= 0), masses
    assert np.abs(n_mat @ n_mat.conj().T - np.eye(k)).max() <= tol
    diag = n_mat.conj() @ m @ n_mat.conj().T
    assert np.abs(diag - np.diag(masses)).max() <= tol * scale
    np.testing.assert_allclose(
        np.sort(masses), np.sort(np.linalg.svd(m, compute_uv=False)), atol=tol * scale
    )


def _neutralino_matrix(p, mz, mw):
    cw = mw / mz
    sw = np.sqrt(1 - cw**2)
    cb = 1 / np.sqrt(1 + p["tan_beta"] ** 2)
    sb = p["tan_beta"] * cb
    return np.array(
        [
            [p["M1"], 0, -mz * sw * cb, mz * sw * sb],
            [0, p["M2"], mz * cw * cb, -mz * cw * sb],
            [-mz * sw * cb, mz * cw * cb, 0, -p["mu"]],
            [mz * sw * sb, -mz * cw * sb, -p["mu"], 0],
        ]
    )


def _chargino_matrix(p, mw):
    cb = 1 / np.sqrt(1 + p["tan_beta"] ** 2)
    sb = p["tan_beta"] * cb
    return np.array([[p["M2"], np.sqrt(2) * mw * sb], [np.sqrt(2) * mw * cb, p["mu"]]])


def _reference_points():
    records = json.loads(REFERENCE.read_text())
    return [
        r for r in records if r.get("masses") and r["masses"].get("MChi") and r["lepton"] == "mu"
    ]


def test_takagi_and_svd_reproduce_gm2calc_masses():
    points = _reference_points()
    assert len(points) > 20
    mn = np.stack(
        [
            _neutralino_matrix(r["inputs"], r["sm_inputs"]["MZ"], r["sm_inputs"]["MW"])
            for r in points
        ]
    )
    xc = np.stack([_chargino_matrix(r["inputs"], r["sm_inputs"]["MW"]) for r in points])
    mchi, nmix = jax.jit(jax.vmap(linalg.takagi))(mn)
    mcha, u, v = jax.jit(jax.vmap(linalg.svd))(xc)
    for i, r in enumerate(points):
        ref_n = np.array(r["masses"]["MChi"])
        ref_c = np.array(r["masses"]["MCha"])
        np.testing.assert_allclose(
            mchi[i], ref_n, rtol=0, atol=1e-11 * ref_n.max(), err_msg=r["id"]
        )
        np.testing.assert_allclose(
            mcha[i], ref_c, rtol=0, atol=1e-11 * ref_c.max(), err_msg=r["id"]
        )
        _check_takagi(mn[i], mchi[i], nmix[i])
        # GM2Calc: rows of N are real or purely imaginary (i where the eigenvalue < 0)
        row_re = np.abs(np.real(nmix[i])).max(axis=1)
        row_im = np.abs(np.imag(nmix[i])).max(axis=1)
        assert np.all(np.minimum(row_re, row_im) == 0.0)
        # charginos: U* X V^dagger = diag, real U, V for real X
        np.testing.assert_allclose(
            u[i] @ xc[i] @ v[i].T, np.diag(mcha[i]), atol=1e-12 * ref_c.max()
        )


@pytest.mark.parametrize("n", [2, 4, 7])
def test_takagi_real_convention(n):
    rng = _rng(100 + n)
    m = _sym(rng, n)
    masses, nmix = linalg.takagi(m)
    _check_takagi(m, masses, nmix)
    lam, o = linalg.takagi_signed(m)
    np.testing.assert_allclose(np.abs(lam), masses, atol=1e-15)
    assert np.all(np.diff(np.abs(np.asarray(lam))) >= 0)
    np.testing.assert_allclose(
        np.asarray(o).T @ np.diag(lam) @ np.asarray(o), m, atol=1e-13 * np.abs(m).max()
    )
    eta = np.where(np.asarray(lam) < 0, 1j, 1.0)
    np.testing.assert_allclose(nmix, eta[:, None] * np.asarray(o), atol=0)


@pytest.mark.parametrize("n", [4, 7])
def test_takagi_complex_random(n):
    rng = _rng(110 + n)
    z = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    m = z + z.T
    masses, nmix = linalg.takagi(m)
    assert nmix.dtype == jnp.complex128
    _check_takagi(m, masses, nmix)


@pytest.mark.parametrize(
    "sigma",
    [
        [1.0, 1.0, 1.0, 1.0],
        [0.0, 1.0, 2.0, 3.0],
        [0.0, 0.0, 1.0, 2.0],
        [0.0, 0.0, 0.0, 0.0],
        [1e-9, 2.0, 2.0, 5.0],
        [0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 3.0],
    ],
)
def test_takagi_complex_degenerate_and_singular(sigma):
    rng = _rng(120 + len(sigma))
    w = _unitary(rng, len(sigma))
    m = w.T @ np.diag(sigma) @ w  # complex symmetric with Takagi values sigma
    masses, nmix = linalg.takagi(m)
    _check_takagi(m, masses, nmix)
    np.testing.assert_allclose(masses, np.sort(sigma), atol=1e-13)


def test_takagi_vmap_jit_and_grad():
    rng = _rng(130)
    ms = np.stack([_sym(rng, 4) for _ in range(5)])
    mb, nb = jax.jit(jax.vmap(linalg.takagi))(ms)
    for i in range(5):  # vmap (jit) == Python loop (no jit)
        m1, n1 = linalg.takagi(ms[i])
        np.testing.assert_allclose(mb[i], m1, atol=1e-13)
        np.testing.assert_allclose(np.abs(nb[i]), np.abs(n1), atol=1e-12)
    # mass derivative vs finite differences (non-degenerate)
    d = _sym(rng, 4)

    def f(x):
        return jnp.sum(linalg.takagi(x)[0] ** 2 * jnp.arange(1.0, 5.0))

    an = jnp.sum(jax.jit(jax.grad(f))(ms[0]) * d)
    assert abs(an - _fd4(f, ms[0], d, 1e-3)) <= 1e-9 * abs(an)
    # complex input: gradient w.r.t. a real parameter, finite at a degenerate point
    w = _unitary(rng, 3)

    def fc(s):
        m = w.T @ jnp.diag(jnp.array([s, s, 2.0])).astype(jnp.complex128) @ w
        masses, nmix = linalg.takagi(m)
        return jnp.sum(masses**2) + jnp.sum(jnp.abs(nmix[2]) ** 2)

    g = jax.jit(jax.grad(fc))(1.0)
    np.testing.assert_allclose(g, 4.0, atol=1e-9)


def test_takagi_errors():
    with pytest.raises(InvalidInput):
        linalg.takagi(np.ones((3, 2)))
    with pytest.raises(PrecisionError):
        linalg.takagi(np.eye(3, dtype=np.complex64))
    with pytest.raises(InvalidInput):
        linalg.takagi_signed(np.eye(2) * 1j)


# ---------------------------------------------------------------------------------------
# SVD and dilation
# ---------------------------------------------------------------------------------------


def _check_svd(x, s, u, v, tol=1e-12):
    x, s, u, v = (np.asarray(t) for t in (x, s, u, v))
    k = x.shape[0]
    scale = max(np.abs(x).max(), np.finfo(float).tiny)
    assert np.all(s >= 0) and np.all(np.diff(s) >= 0)
    assert np.abs(u @ u.conj().T - np.eye(k)).max() <= tol
    assert np.abs(v @ v.conj().T - np.eye(k)).max() <= tol
    assert np.abs(u.conj() @ x @ v.conj().T - np.diag(s)).max() <= tol * scale
    assert np.abs(u.T @ np.diag(s) @ v - x).max() <= tol * scale
    np.testing.assert_allclose(s, np.sort(np.linalg.svd(x, compute_uv=False)), atol=tol * scale)


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("kind", ["real", "complex"])
def test_svd_random(n, kind):
    rng = _rng(140 + n)
    x = rng.standard_normal((n, n))
    if kind == "complex":
        x = x + 1j * rng.standard_normal((n, n))
    s, u, v = linalg.svd(x)
    if kind == "real":
        assert u.dtype == jnp.float64 and v.dtype == jnp.float64
    _check_svd(x, s, u, v)


@pytest.mark.parametrize(
    "sigma", [[0.0, 0.0], [0.0, 1.0], [2.0, 2.0], [0.0, 0.0, 3.0], [1.0, 1.0, 1.0]]
)
@pytest.mark.parametrize("kind", ["real", "complex"])
def test_svd_degenerate_and_singular(sigma, kind):
    rng = _rng(150 + len(sigma))
    k = len(sigma)
    if kind == "real":
        a, b = _orth(rng, k), _orth(rng, k)
    else:
        a, b = _unitary(rng, k), _unitary(rng, k)
    x = a.T @ np.diag(sigma) @ b
    s, u, v = linalg.svd(x)
    _check_svd(x, s, u, v)
    np.testing.assert_allclose(s, np.sort(sigma), atol=1e-13)


def test_svd_grad_and_vmap():
    rng = _rng(160)
    xs = rng.standard_normal((6, 2, 2))
    sb, ub, vb = jax.jit(jax.vmap(linalg.svd))(xs)
    for i in range(6):
        _check_svd(xs[i], sb[i], ub[i], vb[i])
    f = jax.jit(lambda x: jnp.sum(linalg.svd(x)[0] * jnp.array([1.0, 3.0])))
    grad_f = jax.jit(jax.grad(f))
    d = rng.standard_normal((2, 2))
    an = jnp.sum(grad_f(xs[0]) * d)
    assert abs(an - _fd4(f, xs[0], d, 1e-3)) <= 1e-9 * abs(an)
    # gradient is finite at a degenerate (x = 2 * identity) and at a singular point
    for x in (2.0 * np.eye(2), np.zeros((2, 2)), np.array([[1.0, 2.0], [2.0, 4.0]])):
        assert np.all(np.isfinite(grad_f(x)))


def test_symmetric_dilation_chargino_sum_identity():
    """sum_k h(s_k) (alpha.u_k)(beta.v_k) and sum_k f(s_k^2)(alpha.u_k)^2 as spectral sums."""
    rng = _rng(170)
    x = rng.standard_normal((2, 2))
    alpha, beta = rng.standard_normal(2), rng.standard_normal(2)
    s, u, v = linalg.svd(x)
    h = linalg.symmetric_dilation(x)
    assert h.shape == (4, 4)
    np.testing.assert_allclose(
        np.sort(np.linalg.eigvalsh(h)), np.sort(np.concatenate([-s, s])), atol=1e-14
    )
    zero = np.zeros(2)
    pa = np.concatenate([alpha, zero])
    qb = np.concatenate([zero, beta])

    def g(lam, mu, th):
        # t = 0: odd g(lam) = lam f(lam^2) with p = (alpha, 0), q = (0, beta)
        # t = 1: even g(lam) = f(lam^2) with p = q = (alpha, 0);  f(s) = exp(-s)
        f = jnp.exp(-(lam**2)) + 0.0 * mu
        return jnp.stack([lam * f, f])

    p = np.stack([pa, pa])[:, None, :]
    q = np.stack([qb, pa])[:, None, :]
    direct_odd = sum(s[k] * np.exp(-(s[k] ** 2)) * (alpha @ u[k]) * (beta @ v[k]) for k in range(2))
    direct_even = sum(np.exp(-(s[k] ** 2)) * (alpha @ u[k]) ** 2 for k in range(2))
    total = linalg.spectral_sum(g, h, np.ones((1, 1)), p, q)
    np.testing.assert_allclose(total, direct_odd + direct_even, rtol=1e-12)
    odd_only = linalg.spectral_sum(
        g, h, np.ones((1, 1)), p * np.array([1.0, 0.0])[:, None, None], q
    )
    np.testing.assert_allclose(odd_only, direct_odd, rtol=1e-12)
    with pytest.raises(InvalidInput):
        linalg.symmetric_dilation(np.eye(2) * 1j)


# ---------------------------------------------------------------------------------------
# Hermitian
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spectrum",
    [None, [1.0, 1.0, 1.0], [1.0, 1.0, 2.0], [-1.0, 0.0, 0.0, 0.0], [3.0, 3.0, -1.0, -1.0]],
)
def test_eigh_herm(spectrum):
    rng = _rng(180)
    if spectrum is None:
        z = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
        h = z + z.conj().T
    else:
        w0 = _unitary(rng, len(spectrum))
        h = w0 @ np.diag(spectrum) @ w0.conj().T
    w, v = linalg.eigh_herm(h)
    k = h.shape[0]
    assert np.all(np.diff(w) >= 0)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(h), atol=1e-13)
    assert np.abs(np.asarray(v).conj().T @ np.asarray(v) - np.eye(k)).max() <= 1e-13
    assert (
        np.abs(h @ np.asarray(v) - np.asarray(v) * np.asarray(w)[None, :]).max()
        <= 1e-13 * np.abs(h).max()
    )


def test_complex_routines_grad_finite_at_exact_dependencies():
    """Exactly dependent Gram-Schmidt candidates (identity, zero matrix) give no NaN."""

    def f_herm(t):
        w, v = linalg.eigh_herm(t * jnp.eye(3, dtype=jnp.complex128))
        return jnp.sum(w**2) + jnp.sum(jnp.abs(v[0]) ** 2)

    def f_takagi(t):
        m, n = linalg.takagi(t * jnp.diag(jnp.array([0.0, 0.0, 1.0 + 1.0j])))
        return jnp.sum(m**2) + jnp.sum(jnp.real(n * jnp.conj(n))[2])

    def f_svd(t):
        s, u, v = linalg.svd(t * jnp.zeros((2, 2), jnp.complex128))
        return jnp.sum(s) + jnp.sum(jnp.real(u * jnp.conj(u))) + jnp.sum(jnp.real(v * jnp.conj(v)))

    for f, expected in ((f_herm, 6.0), (f_takagi, 4.0), (f_svd, 0.0)):
        g = jax.jit(jax.grad(f))(1.0)
        assert np.isfinite(g)
        np.testing.assert_allclose(g, expected, atol=1e-12)


def test_eigh_herm_grad_and_identity():
    w, v = linalg.eigh_herm(np.eye(3, dtype=complex))
    np.testing.assert_allclose(w, np.ones(3))
    np.testing.assert_allclose(np.asarray(v).conj().T @ np.asarray(v), np.eye(3), atol=1e-15)
    rng = _rng(181)
    z = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    z = z + z.conj().T
    f = jax.jit(
        lambda t: jnp.sum(linalg.eigh_herm(z + t * jnp.diag(jnp.array([1.0, 2.0, 0.0])))[0] ** 2)
    )
    np.testing.assert_allclose(jax.jit(jax.grad(f))(0.0), _fd4(f, 0.0, 1.0, 1e-3), rtol=1e-9)


def test_eigvalsh2_closed_form_matches_eigh_and_keeps_small_eigenvalue_precise():
    from gm2jax.linalg import eigvalsh2

    m = jnp.array([[4.0e6, 1.9999e3], [1.9999e3, 1.0]])  # det tiny relative to trace^2
    lo, hi = eigvalsh2(m)
    w = np.linalg.eigvalsh(np.asarray(m))
    assert float(hi) == pytest.approx(w[1], rel=1e-14)
    exact = (4.0e6 * 1.0 - 1.9999e3**2) / float(hi)
    assert float(lo) == pytest.approx(exact, rel=1e-12)
    g = jax.grad(lambda a: eigvalsh2(a)[0])(jnp.eye(2))  # exact degeneracy: finite gradient
    assert bool(jnp.all(jnp.isfinite(g)))
