r"""Radiatively generated photon - Z' kinetic mixing in the (SUSY) U(1)_{Lmu-Ltau} model.

arXiv:2011.05083 (section 2) sets the tree-level kinetic mixing ``g_YX`` to zero
and notes that it is "unavoidably generated radiatively via loops involving the second and
third generation leptons and sleptons", with a logarithmic dependence on
``m_stau/m_smuon`` (its ref. [56], Banerjee-Roy arXiv:1811.00407).  This module computes it.

Convention.  With ``L > -(eps/2) F_{mu nu} X^{mu nu}`` the photon couples to the Z' current
with strength ``eps e``.  A particle of electric charge ``Q`` and U(1)_X charge ``Q_X`` in the
mixed photon-Z' vacuum polarisation contributes ``eps = -e g_X Q Q_X Pi(q^2)`` with the
(mass-dependent part of the) one-loop polarisation functions (e.g. Peskin-Schroeder sec. 7.5
for a Dirac fermion; scalar QED for a complex scalar)

.. math::

    \Pi_F(q^2; m) = -\frac{1}{2\pi^2}\int_0^1 dx\,x(1-x)\ln\frac{m^2 - x(1-x)q^2}{\mu^2},\qquad
    \Pi_S(q^2; m) = -\frac{1}{16\pi^2}\int_0^1 dx\,(1-2x)^2\ln\frac{m^2 - x(1-x)q^2}{\mu^2}.

At ``q^2 = 0``: ``int x(1-x) = 1/6`` and ``int (1-2x)^2 = 1/3``, i.e. a complex scalar carries
1/4 of the log coefficient of a Dirac fermion (the familiar 4/3 vs 1/3 of the QED beta
function).  The mu and tau (``Q = -1``, ``Q_X = +1`` and ``-1``; arXiv:2011.05083 Table 1) enter
with opposite sign, so the scale ``mu`` and all UV divergences cancel in the sum (the
U(1)_{Lmu-Ltau} charges are traceless); neutrinos and sneutrinos are neutral and do not
contribute.  For the sleptons, the left-handed smuon (from L_2, Q_X = +1) and the
right-handed one (the conjugate of mu^c with Q_X(mu^c) = -1, hence again Q_X = +1 with
Q = -1) have the same charges as the muon; staus the opposite U(1)_X charge.  Hence

.. math::

    \varepsilon(0) = \frac{e g_X}{12\pi^2}\ln\frac{m_\tau^2}{m_\mu^2}
        + \frac{e g_X}{48\pi^2}\left[\ln\frac{m_{\tilde\tau_L}^2}{m_{\tilde\mu_L}^2}
        + \ln\frac{m_{\tilde\tau_R}^2}{m_{\tilde\mu_R}^2}\right].

The lepton part is the standard result (e.g. arXiv:1803.05466; arXiv:2006.11225
eq. 7; ``eps ~ g_X/70`` for ``e = sqrt(4 pi alpha(0))``); the slepton part is derived here
from the scalar polarisation above (the paper and its ref. [56] only state that it is
logarithmic in ``m_stau/m_smuon``).  The sleptons are taken in the chiral (L/R) basis,
i.e. left-right mixing is neglected (it is ``O(m_l X_l/m_slepton^2)``).  Nothing else charged
under both U(1)s is light: Higgs(ino)s and eta fields are neutral under U(1)_X or U(1)_em.

Momentum dependence (``q2 != 0``, spacelike ``q2 <= 0`` only, as in the t-channel
scattering of Borexino, COHERENT and CCFR): with ``a = -q2/m^2`` the integrals are

    J1(a) = int x(1-x) ln(1 + a x(1-x)) = [-5/3 + 4/a + (1 - 2/a) b ln((b+1)/(b-1))]/6,
    J0(a) = int ln(1 + a x(1-x))        = -2 + b ln((b+1)/(b-1)),       b = sqrt(1 + 4/a),

(``(1-2x)^2 = 1 - 4x(1-x)`` gives the scalar integral ``J0 - 4 J1``); for ``a < 0.05`` their
Taylor series (``int (x(1-x))^n = (n!)^2/(2n+1)!``, 12 terms) avoid the cancellation.

Coupling: ``e = sqrt(4 pi alpha(0))`` with ``alpha(0)`` from ``gm2jax/data/sm_inputs.yaml``
(CODATA 2022), the Thomson-limit coupling appropriate for ``|q^2| <~ m_mu^2``.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from gm2jax._precision import float64
from gm2jax.errors import InvalidInput
from gm2jax.sm import SMInputs, alpha_0

__all__ = ["epsilon_kinetic", "KAPPA_LEPTON"]

_A_SERIES = 0.05  # series for a = -q2/m^2 below this (12 terms: error < 0.05**13 relative)
_N_SERIES = 12


def _moment(n: int) -> float:
    """``int_0^1 (x(1-x))^n dx = (n!)^2/(2n+1)!``."""
    return math.factorial(n) ** 2 / math.factorial(2 * n + 1)


# ln(1 + a y) = sum_k (-1)^(k+1) a^k y^k / k, y = x(1-x)
_J0_SERIES = [0.0] + [(-1) ** (k + 1) * _moment(k) / k for k in range(1, _N_SERIES + 1)]
_J1_SERIES = [0.0] + [(-1) ** (k + 1) * _moment(k + 1) / k for k in range(1, _N_SERIES + 1)]


def _horner(coefs, x):
    acc = jnp.zeros_like(x)
    for c in reversed(coefs):
        acc = acc * x + c
    return acc


def _j0_j1(a):
    """``(J0(a), J1(a))`` for ``a >= 0`` (see the module docstring); NaN-free."""
    small = a < _A_SERIES
    a_s = jnp.where(small, a, 0.0)
    a_l = jnp.where(small, 1.0, a)
    b = jnp.sqrt(1.0 + 4.0 / a_l)
    lg = jnp.log((b + 1.0) / (b - 1.0))
    j0 = -2.0 + b * lg
    j1 = (-5.0 / 3.0 + 4.0 / a_l + (1.0 - 2.0 / a_l) * b * lg) / 6.0
    return (
        jnp.where(small, _horner(_J0_SERIES, a_s), j0),
        jnp.where(small, _horner(_J1_SERIES, a_s), j1),
    )


def _fermion_log(m_light, m_heavy, q2):
    """``int x(1-x) ln[(m_h^2 - x(1-x) q2)/(m_l^2 - x(1-x) q2)]`` (q2 <= 0)."""
    _, j1h = _j0_j1(-q2 / m_heavy**2)
    _, j1l = _j0_j1(-q2 / m_light**2)
    return jnp.log(m_heavy**2 / m_light**2) / 6.0 + j1h - j1l


def _scalar_log(m_light, m_heavy, q2):
    """``int (1-2x)^2 ln[(m_h^2 - x(1-x) q2)/(m_l^2 - x(1-x) q2)]`` (q2 <= 0)."""
    j0h, j1h = _j0_j1(-q2 / m_heavy**2)
    j0l, j1l = _j0_j1(-q2 / m_light**2)
    return jnp.log(m_heavy**2 / m_light**2) / 3.0 + (j0h - 4.0 * j1h) - (j0l - 4.0 * j1l)


def _concrete(x):
    """``x`` as a NumPy array when it is concrete (not traced), else None."""
    try:
        return np.asarray(x, dtype=float)
    except Exception:  # noqa: BLE001  (a tracer: no eager check possible)
        return None


def _check_concrete(name, x):
    v = _concrete(x)
    if v is not None and not np.all(v > 0):
        raise InvalidInput(f"{name} must be > 0 (GeV); got {x!r}")


@float64
def epsilon_kinetic(g_x, m_mu, m_tau, m_smu_L=None, m_smu_R=None, m_stau_L=None, m_stau_R=None, q2=0.0, *, alpha=None):
    r"""Photon-Z' kinetic mixing from mu, tau (and smuon, stau) loops (see the module docstring).

    .. math:: \varepsilon(q^2) = \frac{e g_X}{2\pi^2}\int_0^1 dx\,x(1-x)
              \ln\frac{m_\tau^2 - x(1-x)q^2}{m_\mu^2 - x(1-x)q^2}
              + \frac{e g_X}{16\pi^2}\sum_{A=L,R}\int_0^1 dx\,(1-2x)^2
              \ln\frac{m_{\tilde\tau_A}^2 - x(1-x)q^2}{m_{\tilde\mu_A}^2 - x(1-x)q^2},

    which at ``q^2 = 0`` is ``e g_X ln(m_tau^2/m_mu^2)/(12 pi^2)`` plus
    ``e g_X [ln(m_stau_L^2/m_smu_L^2) + ln(m_stau_R^2/m_smu_R^2)]/(48 pi^2)``.

    Args:
        g_x: U(1)_{Lmu-Ltau} gauge coupling.
        m_mu, m_tau: lepton masses (GeV).
        m_smu_L, m_smu_R, m_stau_L, m_stau_R: chiral slepton masses (GeV); a chirality enters only
            when both its smuon and stau masses are given (all None: leptons only).
        q2: momentum transfer squared (GeV^2), spacelike ``q2 <= 0`` (default 0).
        alpha: electromagnetic coupling (default alpha(0) from ``sm_inputs.yaml``).

    Returns:
        eps (dimensionless; positive for ``g_x > 0`` and ``m_tau > m_mu``).

    Raises:
        InvalidInput: a non-positive mass, ``q2 > 0``, or only one slepton of a chiral pair given.

    Example:
        >>> eps = epsilon_kinetic(1.0, 0.1056583755, 1.77693)
        >>> round(1.0 / float(eps), 2)   # the often-quoted eps ~ g_X/70
        69.29
    """
    for name, val in (("m_mu", m_mu), ("m_tau", m_tau)):
        _check_concrete(name, val)
    q2v = _concrete(q2)
    if q2v is not None and np.any(q2v > 0):
        raise InvalidInput(f"q2 must be <= 0 (spacelike momentum transfer, GeV^2); got {q2!r}")
    alpha = alpha_0() if alpha is None else alpha
    e = jnp.sqrt(4.0 * math.pi * jnp.asarray(alpha, dtype=jnp.float64))
    g_x = jnp.asarray(g_x, dtype=jnp.float64)
    q2 = jnp.asarray(q2, dtype=jnp.float64)
    q2 = jnp.where(q2 > 0, 0.0, q2)  # (q2 > 0 rejected above when concrete)
    m_mu = jnp.asarray(m_mu, dtype=jnp.float64)
    m_tau = jnp.asarray(m_tau, dtype=jnp.float64)
    eps = e * g_x / (2.0 * math.pi**2) * _fermion_log(m_mu, m_tau, q2)
    for chir, smu, stau in (("L", m_smu_L, m_stau_L), ("R", m_smu_R, m_stau_R)):
        if smu is None and stau is None:
            continue
        if smu is None or stau is None:
            raise InvalidInput(f"give both m_smu_{chir} and m_stau_{chir} (or neither)")
        _check_concrete(f"m_smu_{chir}", smu)
        _check_concrete(f"m_stau_{chir}", stau)
        smu = jnp.asarray(smu, dtype=jnp.float64)
        stau = jnp.asarray(stau, dtype=jnp.float64)
        eps = eps + e * g_x / (16.0 * math.pi**2) * _scalar_log(smu, stau, q2)
    return eps


def _kappa_lepton() -> float:
    """``eps/g_X`` from mu and tau alone at q^2 = 0 with the packaged PDG masses and alpha(0)."""
    sm = SMInputs.from_convention("pdg")
    m_mu, m_tau = float(sm.m_mu), float(sm.m_tau)
    e = math.sqrt(4.0 * math.pi * alpha_0())
    return e * math.log(m_tau**2 / m_mu**2) / (12.0 * math.pi**2)


KAPPA_LEPTON = _kappa_lepton()
"""Reference loop mixing per unit coupling, ``eps/g_X = e ln(m_tau^2/m_mu^2)/(12 pi^2)`` (q^2 = 0,
leptons only; PDG masses, alpha(0)): the mixing the digitised Borexino/COHERENT curves assume."""
