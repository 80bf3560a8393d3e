"""One-loop MSSM contributions to a_l = (g-2)_l/2: neutralino-slepton and chargino-sneutrino.

The amplitudes are those of GM2Calc (arXiv:1510.08071, eqs. (2.11)-(2.14); identical to
hep-ph/0609168 eq. (2.11) and arXiv:2011.05083 eqs. (3.2)-(3.5) up to the
phase convention of the couplings), written with the Takagi matrix N, the chargino
matrices U, V and the slepton rotation U_l of :mod:`gm2jax.models.mssm.spectrum`::

    n^L_im = (gY N*_i1 + g2 N*_i2)/sqrt2 U_l(m,L) - y_l N*_i3 U_l(m,R)
    n^R_im = -[ sqrt2 gY N_i1 U_l(m,R) + y_l N_i3 U_l(m,L) ]
    c^L_k  = -g2 V*_k1,      c^R_k = y_l U_k2

    a^chi0 = m_l^2/(16 pi^2) sum_im [ -(|n^L|^2+|n^R|^2) F1N(x_im)/(12 m^2_lm)
                                      - m_chi0_i 2Re(n^L* n^R) F2N(x_im)/(6 m_l m^2_lm) ]
    a^chi+ = m_l^2/(16 pi^2 m^2_snu) sum_k [ (|c^L|^2+|c^R|^2) F1C(x_k)/12
                                            + m_chi+_k 2Re(c^L* c^R) F2C(x_k)/(3 m_l) ]

with x_im = m^2_chi0_i/m^2_lm, x_k = m^2_chi+_k/m^2_snu.

Differentiability.  Both sums are smooth symmetric functions of the spectra, so they are
evaluated with :func:`gm2jax.linalg.spectral_sum`, whose derivative is exact also at
degenerate eigenvalues.  For real parameters the Takagi phases only turn m_chi0 into the
*signed* eigenvalue lambda_i of the real symmetric neutralino matrix (m_chi0 Re(eta_i^2) =
lambda_i), and the chargino sum becomes a spectral sum over X X^T (eigenvalues m_chi+^2,
eigenvectors u_k), using X^T u_k = m_k v_k to write V_k1 in terms of u_k.

The pole m_l multiplies the prefactor and divides the chirality-flip terms; only the Yukawa
y_l and the slepton-matrix m~ carry the resummation factor 1/(1+Delta_l) (GM2Calc
convention, ``docs/conventions/gm2calc.md`` sec. 3).
"""

from __future__ import annotations

import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp

from gm2jax import linalg, loops
from gm2jax._precision import all_finite, float64
from gm2jax.errors import PhysicsError, Status, describe_status
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.models.mssm.threshold import POLE_TOL, delta_lepton
from gm2jax.sm import Couplings, SMInputs, couplings, lepton_index, sm_status

_SQRT2 = math.sqrt(2.0)
_LOOP = 1.0 / (16.0 * math.pi**2)

# A harmless point substituted for flagged inputs so that no NaN is ever produced in
# values or gradients of the masked computation (GeV).
SAFE_VALUES = dict(tan_beta=10.0, mu=1000.0, M1=1000.0, M2=1000.0, msl=1000.0, mse=1000.0, A=0.0)

#: MASSLESS_CHARGINO when |det X| <= this x sum(X_ij^2), i.e. m_chi1/m_chi2 <~ this.  Measured
#: (issue 15, tan(beta) = 10, M2 = 200 GeV, mu -> its root): a_l = inf/NaN up to 2.4e-10 and a
#: derivative off by 1e4 at 2.4e-9; 1e-6 leaves a factor >= 400 (and m_chi1 < 1e-6 m_chi2 is far
#: below every collider bound).
MASSLESS_CHARGINO_RTOL = 1e-6
#: NUMERICALLY_UNRELIABLE when the lightest charged slepton or the sneutrino mass^2 is positive but
#: below this x its mass scale (loop-function arguments m_chi^2/m^2 beyond ~1e8 x (m_chi/m_soft)^2:
#: gradients of the masked-safe evaluation lose all digits).
NEAR_MASSLESS_RTOL = 1e-8
#: NONPERTURBATIVE when the (resummed) lepton Yukawa |y_l| exceeds sqrt(4 pi).
YUKAWA_MAX = math.sqrt(4.0 * math.pi)
#: NUMERICALLY_UNRELIABLE when any parameter exceeds this magnitude (GeV or dimensionless): the
#: loop functions contain (1 - x)^4 with x = m_chi^2/m_sl^2, which overflows float64 for mass
#: ratios beyond ~1e35 (the fuzz campaign, benchmarks/fuzz.py, found NaN gradients at |M1| ~
#: 1e54 GeV); 1e25 is 1e6 above the Planck scale.
MAGNITUDE_MAX = 1e25


class AmuResult(eqx.Module):
    """One-loop a_l split by diagram.

    Attributes:
        total: a_l^chi0 + a_l^chi+- (dimensionless); NaN where ``status != 0``.
        neutralino: neutralino-slepton part.
        chargino: chargino-sneutrino part.
        status: :class:`gm2jax.errors.Status` bit-field (0 = physical point).
        delta: the threshold correction Delta_l used (0 without resummation).
    """

    total: jnp.ndarray
    neutralino: jnp.ndarray
    chargino: jnp.ndarray
    status: jnp.ndarray
    delta: jnp.ndarray


def g_neutralino(lam, m2, m_lepton):
    # lam: signed neutralino eigenvalues (n, 1); m2: slepton mass^2 (1, k).
    x = lam**2 / m2
    f1 = -loops.F1N(x) / (12.0 * m2)
    f2 = -lam * loops.F2N(x) / (3.0 * m_lepton * m2)
    return jnp.stack([f1, f1, f2])


def g_chargino(s, m2, m_lepton):
    # s: chargino masses^2 = eigenvalues of X X^T (2, 1); m2: sneutrino mass^2 (1, 1).
    def entry(s, m2):
        x = s / m2
        f1 = loops.F1C(x) / (12.0 * m2)
        return f1 / s, f1, -2.0 * loops.F2C(x) / (3.0 * m_lepton * m2)

    return jnp.stack(loops.per_entry(entry, s, m2))


def neutralino_couplings(c: Couplings, y):
    """(3, 2, 4) arrays p, q with n^L ~ p_0, n^R ~ p_1 in the (slepton L/R) x (B, W3, Hd, Hu) basis."""
    z = jnp.zeros_like(y)
    gy, g2 = c.gY * jnp.ones_like(y), c.g2 * jnp.ones_like(y)
    left = jnp.stack([jnp.stack([gy / _SQRT2, g2 / _SQRT2, z, z]), jnp.stack([z, z, -y, z])])
    right = jnp.stack([jnp.stack([z, z, -y, z]), jnp.stack([-_SQRT2 * gy, z, z, z])])
    return jnp.stack([left, right, left]), jnp.stack([left, right, right])


def chargino_couplings(c: Couplings, x, y):
    """(3, 1, 2) arrays over the left singular vectors u_k of X (eigenvectors of X X^T).

    With X^T u_k = m_k v_k: g2 V_k1 = g2 (X^T u_k)_1/m_k, i.e. c^L ~ g2 X[:, 0] . u_k (the 1/m_k
    sits in the first term of :func:`g_chargino`; m_k V_k1 needs none) and c^R = y u_k2.
    """
    z = jnp.zeros_like(y)
    cl = (c.g2 * x[:, 0])[None, :]
    cr = jnp.stack([z, y])[None, :]
    return jnp.stack([cl, cr, cl]), jnp.stack([cl, cr, cr])


def neutralino_sum(mn, msl, c: Couplings, y, m_lepton):
    pp, qq = neutralino_couplings(c, y)
    return m_lepton**2 * _LOOP * linalg.spectral_sum(g_neutralino, mn, msl, pp, qq, m_lepton)


def chargino_sum(x, msnu2, c: Couplings, y, m_lepton):
    pp, qq = chargino_couplings(c, x, y)
    return m_lepton**2 * _LOOP * linalg.spectral_sum(g_chargino, x @ x.T, msnu2[None, None], pp, qq, m_lepton)


def amu_1l_neutralino(p: MSSMParams, c: Couplings, lepton, m_lepton, delta=0.0):
    """Neutralino-slepton one-loop a_l (no status handling; see :func:`amu_1l`)."""
    y = sp.yukawa(c, p.tan_beta, m_lepton, delta)
    msl = sp.slepton_matrix(p, c, lepton, m_lepton, delta)
    return neutralino_sum(sp.neutralino_matrix(p, c), msl, c, y, m_lepton)


def amu_1l_chargino(p: MSSMParams, c: Couplings, lepton, m_lepton, delta=0.0):
    """Chargino-sneutrino one-loop a_l (no status handling; see :func:`amu_1l`)."""
    y = sp.yukawa(c, p.tan_beta, m_lepton, delta)
    return chargino_sum(sp.chargino_matrix(p, c), sp.sneutrino_mass2(p, c, lepton), c, y, m_lepton)


def global_status(p: MSSMParams, c: Couplings):
    """Problems shared by all leptons: non-finite input, tan(beta) <= 0, massless chargino."""
    finite = all_finite(p)
    status = jnp.where(p.tan_beta > 0, 0, int(Status.TANB_NONPOSITIVE))
    x = sp.chargino_matrix(p, c)
    detx = x[0, 0] * x[1, 1] - x[0, 1] * x[1, 0]
    status |= jnp.where(jnp.abs(detx) > MASSLESS_CHARGINO_RTOL * jnp.sum(x**2), 0, int(Status.MASSLESS_CHARGINO))
    return jnp.where(finite, status, int(Status.NONFINITE_INPUT))


def slepton_status(ml2, me2, slepton_mass2_matrix, msnu2, finite):
    """Status bits of one lepton's sleptons from its soft masses^2, charged-slepton mass^2 matrix
    and sneutrino mass^2: negative soft mass^2, tachyonic slepton or sneutrino (any model)."""
    status = jnp.where((ml2 >= 0) & (me2 >= 0), 0, int(Status.NEGATIVE_SOFT_MASS2))
    lam_min, lam_max = linalg.eigvalsh2(slepton_mass2_matrix)
    status |= jnp.where(lam_min > 0, 0, int(Status.TACHYON_SLEPTON))
    status |= jnp.where(msnu2 > 0, 0, int(Status.TACHYON_SNEUTRINO))
    # positive but numerically massless: relative to the soft masses and the D-term shift
    tiny_l = (lam_min > 0) & (lam_min <= NEAR_MASSLESS_RTOL * jnp.abs(lam_max))
    tiny_n = (msnu2 > 0) & (msnu2 <= NEAR_MASSLESS_RTOL * (jnp.abs(ml2) + jnp.abs(msnu2 - ml2)))
    status |= jnp.where(tiny_l | tiny_n, int(Status.NUMERICALLY_UNRELIABLE), 0)
    return jnp.where(finite, status, int(Status.NONFINITE_INPUT))


def _lepton_status(p: MSSMParams, c: Couplings, lepton, m_lepton, delta):
    """Problems of one lepton's sleptons: negative soft mass^2, tachyonic slepton or sneutrino."""
    ml2, me2 = sp.soft_masses2(p, lepton)
    return slepton_status(
        ml2, me2, sp.slepton_matrix(p, c, lepton, m_lepton, delta), sp.sneutrino_mass2(p, c, lepton),
        jnp.isfinite(m_lepton) & jnp.isfinite(delta),
    )


def point_status(p: MSSMParams, c: Couplings, lepton, m_lepton, delta=0.0):
    """Status bit-field of a point for lepton ``lepton`` (see :class:`gm2jax.errors.Status`)."""
    return global_status(p, c) | _lepton_status(p, c, lepton, m_lepton, delta)


def _safe_params(p: MSSMParams, ok):
    """Replace a flagged point by a harmless one (keeps values and gradients finite)."""
    safe = MSSMParams.universal(**SAFE_VALUES)
    return jax.tree_util.tree_map(lambda leaf, s: jnp.where(ok, leaf, s), p, safe)


def lepton_setup(p, sm: SMInputs, lepton, delta, resummation, global_status, lepton_status, safe_params, mssm_of=None):
    """Shared prologue of the one-loop a_l cores of the MSSM and the models built on it.

    Computes the couplings, the lepton tuple, the global status, Delta_l (given or from
    :func:`gm2jax.models.mssm.threshold.delta_lepton` of ``mssm_of(p)``) and, per lepton, the
    status (global | lepton | YUKAWA_POLE) and NaN-safe inputs: a flagged lepton's Delta, mass and
    parameters are replaced by harmless ones so that values and gradients stay finite.

    Returns:
        ``(c, leptons, ps, deltas, rows)`` with ``ps`` the globally safe parameters and ``rows`` one
        ``(status, delta_safe, m_lepton_safe, params_safe)`` per lepton.
    """
    c = couplings(sm)
    leptons = tuple(lepton) if isinstance(lepton, (tuple, list)) else (lepton,)
    m_ls = [sm.lepton_mass(lep) for lep in leptons]
    sm_bad = sm_status(sm)  # invalid SM inputs: that alone is reported (the rest follows from it)
    in_range = functools.reduce(
        jnp.logical_and, [jnp.all(jnp.abs(leaf) < MAGNITUDE_MAX) for leaf in jax.tree_util.tree_leaves(p)]
    )  # every model's parameters (MSSM, lmutau, ...); NaN fails here too and is reported by global_status
    g_status = global_status(p, c)
    g_status = g_status | jnp.where(in_range | (g_status != 0), 0, int(Status.NUMERICALLY_UNRELIABLE))
    g_status = jnp.where(sm_bad != 0, sm_bad, g_status)
    ps = safe_params(p, g_status == 0)
    if resummation is None:
        deltas = jnp.broadcast_to(jnp.asarray(delta, dtype=float), (len(leptons),))
    else:
        m = ps if mssm_of is None else mssm_of(ps)
        deltas = jnp.stack([delta_lepton(m, c, lep, resummation) for lep in leptons])
    rows = []
    tan_beta = (p if mssm_of is None else mssm_of(p)).tan_beta
    for lep, m_l, d in zip(leptons, m_ls, deltas):
        st = g_status | jnp.where(sm_bad != 0, 0, lepton_status(p, c, lep, m_l, d))
        st |= jnp.where(jnp.abs(1.0 + d) > POLE_TOL, 0, int(Status.YUKAWA_POLE))
        st |= jnp.where(jnp.isfinite(d), 0, int(Status.NUMERICALLY_UNRELIABLE))
        # the (resummed) Yukawa, at the input point; NaN counts as non-perturbative
        tb_ok = jnp.isfinite(tan_beta) & (tan_beta > 0) & (sm_bad == 0)
        y = sp.yukawa(c, jnp.where(tb_ok, tan_beta, 1.0), m_l, jnp.where(jnp.isfinite(d), d, 0.0))
        st |= jnp.where(~tb_ok | (jnp.abs(y) <= YUKAWA_MAX), 0, int(Status.NONPERTURBATIVE))
        ok = st == 0
        rows.append((st, jnp.where(ok, d, 0.0), jnp.where(ok, m_l, 1.0), safe_params(ps, ok)))
    return c, leptons, ps, deltas, rows


def amu_1l_parts(p: MSSMParams, sm: SMInputs, lepton, delta=0.0, resummation: str | None = None) -> AmuResult:
    """Unchecked core of :func:`amu_1l` (pure; use under jit/vmap; never raises, never NaN in gradients).

    ``lepton`` may be a tuple such as ``("e", "mu")``: the leptons then share one neutralino and
    one chargino diagonalisation and every field of the result gets a leading lepton axis
    (``delta`` is then one value per lepton or a scalar).  ``resummation`` (static) is None
    (use ``delta`` as given) or a spectrum name of :func:`gm2jax.models.mssm.threshold.delta_lepton`
    (``"exact"`` or ``"gm2calc"``), which then computes Delta_l.
    """
    c, leptons, ps, deltas, rows = lepton_setup(p, sm, lepton, delta, resummation, global_status, _lepton_status, _safe_params)
    # shared diagonalisations
    mn = sp.neutralino_matrix(ps, c)
    xch = sp.chargino_matrix(ps, c)
    statuses, msls, msnus, ys, mls = [], [], [], [], []
    for lep, (st, d_s, m_l_s, p_l) in zip(leptons, rows):
        statuses.append(st)
        msls.append(sp.slepton_matrix(p_l, c, lep, m_l_s, d_s))
        msnus.append(sp.sneutrino_mass2(p_l, c, lep))
        ys.append(sp.yukawa(c, p_l.tan_beta, m_l_s, d_s))
        mls.append(m_l_s)

    def one(msl, msnu2, y, m_l):
        return neutralino_sum(mn, msl, c, y, m_l), chargino_sum(xch, msnu2, c, y, m_l)

    a0, ac = jax.vmap(one)(jnp.stack(msls), jnp.stack(msnus), jnp.stack(ys), jnp.stack(mls))
    return finish_result(AmuResult, lepton, jnp.stack(statuses), deltas, neutralino=a0, chargino=ac)


def finish_result(cls, lepton, status, deltas, **parts):
    """Result of a model's a_l core: ``cls(total=sum(parts), **parts, status, delta)`` with NaN where
    ``status != 0``; the leading lepton axis is dropped when ``lepton`` is a single name."""
    total = sum(parts.values())
    # last line of defence: a non-finite number that no specific check caught is flagged
    status = status | jnp.where((status != 0) | jnp.isfinite(total), 0, int(Status.NUMERICALLY_UNRELIABLE))
    ok = status == 0
    masked = {k: jnp.where(ok, v, jnp.nan) for k, v in parts.items()}
    res = cls(total=jnp.where(ok, total, jnp.nan), status=status, delta=deltas, **masked)
    if isinstance(lepton, (tuple, list)):
        return res
    return jax.tree_util.tree_map(lambda x: x[0], res)


def raise_on_status(result: AmuResult, what: str) -> AmuResult:
    status = result.status
    if isinstance(status, jax.core.Tracer):
        total = eqx.error_if(
            result.total,
            status != 0,
            f"{what}: unphysical point (non-zero status); call with throw=False and "
            "inspect gm2jax.describe_status(result.status)",
        )
        return eqx.tree_at(lambda r: r.total, result, total)
    if jnp.any(status != 0):
        codes = sorted({int(s) for s in jnp.ravel(status) if int(s) != 0})
        raise PhysicsError(f"{what}: " + " | ".join(describe_status(s) for s in codes))
    return result


@float64
def amu_1l(
    p: MSSMParams, sm: SMInputs | None = None, lepton="mu", *, delta=0.0, resummation: str | None = None, throw=True
) -> AmuResult:
    """MSSM one-loop a_l (neutralino + chargino), tree-level spectrum, optional Delta_l.

    Args:
        p: MSSM parameters (unbatched; ``jax.vmap`` for batches).
        sm: SM inputs and convention (default: :meth:`SMInputs.from_convention` ``"pdg"``).
        lepton: ``"e"``, ``"mu"`` or ``"tau"`` (static), or a tuple of them (shared
            diagonalisations; results get a leading lepton axis).
        delta: threshold correction Delta_l used as y_l -> y_l/(1+Delta_l); 0 = no resummation.
        resummation: None (use ``delta``), ``"exact"`` (Delta_l from the tree-level spectrum) or
            ``"gm2calc"`` (Delta_l with GM2Calc's large-tan(beta) approximations); static.
        throw: raise :class:`gm2jax.errors.PhysicsError` on an unphysical point (default);
            with ``throw=False`` the result carries ``status`` and NaN values instead.

    Returns:
        :class:`AmuResult` with ``total``, ``neutralino``, ``chargino``, ``status``.

    References:
        arXiv:1510.08071 eqs. (2.11)-(2.14); arXiv:2011.05083 eqs. (3.2)-(3.5).

    Example:
        >>> from gm2jax.models.mssm import MSSMParams, amu_1l
        >>> p = MSSMParams.universal(tan_beta=40.0, mu=500.0, M1=200.0, M2=400.0, msl=300.0)
        >>> r = amu_1l(p, lepton="mu")
        >>> bool(float(r.total) > 0), r.total.dtype  # float64 whatever JAX's x64 flag
        (True, dtype('float64'))
    """
    for lep in lepton if isinstance(lepton, (tuple, list)) else (lepton,):
        lepton_index(lep)
    if sm is None:
        sm = SMInputs.from_convention("pdg")
    result = amu_1l_parts(p, sm, lepton, delta, resummation)
    return raise_on_status(result, f"amu_1l(lepton={lepton!r})") if throw else result
