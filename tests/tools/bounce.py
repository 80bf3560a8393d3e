r"""Tree-level bounce of the slepton-Higgs potential: an independent check of the vacuum fits.

This module is a **verification tool** of the tests (``tests/tools``; NumPy/SciPy, not JAX, not
differentiable, not part of the gm2jax package; no float64 wrapper is needed since nothing is
traced).  ``tests/test_vacuum_bounce.py`` validates it and ``tests/test_vacuum.py`` and
``benchmarks/vacuum_bounce_vs_fit.py`` use it.  It recomputes, from the MSSM
Lagrangian, the quantity that the fit formulas of :mod:`gm2jax.models.mssm.vacuum` parametrise --
the largest trilinear ``T_l`` for which the
electroweak (EW) vacuum outlives the universe -- so that the recalled fit coefficients there
(arXiv:1309.3065 and arXiv:1303.0461, see that module's warning) can be tested numerically.

Field space and potential
-------------------------
Decoupling limit of the Higgs sector: the SM-like doublet is the only light one, with
``H_u^0 = sin(beta) h/sqrt2`` and ``H_d^0 = cos(beta) h/sqrt2`` (h real, <h> = v = 246 GeV,
``v = (sqrt2 G_F)^(-1/2)`` from :func:`gm2jax.sm.couplings`).  The charged sleptons of one
generation are ``l~_L = x/sqrt2`` (the T3 = -1/2 member of the doublet L) and
``l~_R = y/sqrt2``; all fields are taken real (the phase of the trilinear is rotated into the
sign of y, which the potential is symmetric under together with T -> -T).  In Martin's
conventions (hep-ph/9709356: MSSM superpotential sec. 6.1, ``W = mu H_u H_d - e-bar y_e L H_d``;
F-terms ``V_F = sum_i |dW/dphi_i|^2`` sec. 3.2; D-terms ``V_D = 1/2 sum_a g_a^2 (phi^* T^a phi)^2``
sec. 3.3) the terms are::

    V(h, x, y) = lambda/4 (h^2 - v^2)^2                                        [SM Higgs]
               + m_L^2 x^2/2 + m_R^2 y^2/2                                     [soft masses]
               - (T/v) h x y                                        [|F_{H_d}|^2 cross term]
               + y_l^2 x^2 y^2 / 4                                  [|F_{H_d}|^2 quartic]
               + y_l^2 cos^2(beta) h^2 (x^2 + y^2) / 4                         [|F_L|^2 + |F_e|^2]
               + g^2/8  [ (c h^2/2 + x^2/2)^2       - (c h^2/2)^2 ]            [SU(2) D-term]
               + g'^2/8 [ (c h^2/2 - x^2/2 + y^2)^2 - (c h^2/2)^2 ]            [U(1)_Y D-term]

with ``c = -cos(2 beta)`` (-> 1 at large tan(beta)).

* ``|F_{H_d^0}|^2 = |mu H_u^0 - y_l l~_L l~_R^*|^2`` (up to phases) gives the trilinear
  ``-(y_l mu^* H_u^{0*} l~_L l~_R^* + h.c.) = -(y_l mu sin(beta)/sqrt2) h x y`` and the quartic
  ``|y_l|^2 |l~_L|^2 |l~_R|^2``; its ``|mu|^2 |H_u|^2`` piece is part of the Higgs mass
  parameter.  Writing ``T = y_l mu v sin(beta)/sqrt2 = m_l mu tan(beta)/(1 + Delta_l)`` (SUSY
  Yukawa ``y_l = sqrt2 m_l/(v cos(beta)(1 + Delta_l))``,
  :func:`gm2jax.models.mssm.spectrum.yukawa`),
  the trilinear is ``-(T/v) h x y`` and T is exactly minus the L-R entry of
  :func:`gm2jax.models.mssm.spectrum.slepton_matrix` at A_l = 0.  The A-term ``y_l A_l H_d l l``
  is neglected (cos(beta)-suppressed; neglected in arXiv:1906.08768 footnote 2 and in the fits).
* ``|F_L|^2 + |F_e|^2 = |y_l H_d^0|^2 (|l~_R|^2 + |l~_L|^2)``: the ``m_l^2/(1+Delta)^2`` in the
  slepton masses.
* D-terms: hypercharges Y(H_u) = +1/2, Y(L) = -1/2, Y(e-bar) = +1 with ``|e-bar|^2 = |l~_R|^2``;
  H_u^0, H_d^0-bar and l~_L are T3 = -1/2 states, so only D^3 and D_Y are non-zero on this
  field space.  The pure-Higgs D-term quartic ``(g^2 + g'^2) c^2 h^4/32`` is removed and the
  whole Higgs quartic is taken as the SM one, ``lambda = m_h^2/(2 v^2)`` (the MSSM tree value
  would give m_h <= m_Z; radiative corrections make it the measured 125 GeV -- the standard
  treatment of the metastability studies, e.g. arXiv:1303.0461 sec. 3).

At the EW vacuum (v, 0, 0) the slepton mass matrix is
``[[m_L^2 + m~_l^2 + (1/2 - s_W^2) c m_Z^2, -T], [-T, m_R^2 + m~_l^2 + s_W^2 c m_Z^2]]``, i.e.
exactly :func:`gm2jax.models.mssm.spectrum.slepton_matrix` (tested).  The potential is bounded
below on this field space (D-terms plus y_l^2 quartic), so a charge-breaking (CB) minimum exists
for large |T|.

Bounce action
-------------
The O(4) bounce (S. Coleman, Phys. Rev. D 15 (1977) 2929; C. Callan, S. Coleman, Phys. Rev. D 16
(1977) 1762) solves ``phi_i'' + (3/r) phi_i' = dV/dphi_i`` with ``phi'(0) = 0`` and
``phi(inf) = phi_FV``; ``S_E = 2 pi^2 int r^3 (|phi'|^2/2 + V - V_FV) dr``.  It is computed in two
steps (:func:`bounce_action_path`):

1. **Straight path, 1-D shooting.**  V restricted to the segment from the EW vacuum to the
   charge-breaking (CB) minimum is solved by overshoot/undershoot bisection on phi(0)
   (:func:`bounce_1d_shooting`, scipy ``solve_ivp`` DOP853).  By the Coleman-Glaser-Martin
   characterisation (Commun. Math. Phys. 58 (1978) 211: the bounce minimises the kinetic term at
   fixed negative potential term, S_E = min K^2/(4|P|) in d = 4), a bounce restricted to one path
   is an upper bound, ``action_line >= S_E``.
2. **Newton relaxation in the full field space.**  That profile starts a Newton iteration for the
   discretised multi-field Euler-Lagrange equations on a uniform radial grid (block-tridiagonal
   Hessian, sparse LU; the bounce is a saddle of S, which Newton finds from a nearby start).  The
   converged solution satisfies the virial identity K = -2 P (Derrick; K, P the kinetic and
   potential terms) to <= 1e-4, and S_E changes by <= 1e-4 between 1000 and 2000 grid points
   (tests).  Typically S_E ~ 0.6-0.8 action_line: the path bends substantially.

This is a numpy/scipy verification tool (not JAX, not differentiable): about 2 s per action.

Lifetime criterion
------------------
The decay rate per volume is ``Gamma/V = A exp(-S_E)`` with ``A ~ (100 GeV)^4`` (the scale used
by arXiv:1303.0461/1309.3065; the prefactor is not computed).  Requiring less than one decay in
the Hubble volume over the Hubble time, ``A exp(-S_E) H_0^-4 < 1``, gives
``S_crit = 4 ln(100 GeV/H_0)`` = 403.8 for H_0 = 67.4 km/s/Mpc (Planck 2018,
arXiv:1807.06209, Table 2), see :func:`critical_action`; a factor 10 in A^(1/4) moves it by
4 ln 10 = 9.2.

Results (``benchmarks/vacuum_bounce_vs_fit.py`` -> ``benchmarks/results/vacuum_bounce.jsonl``)
-----------------------------------------------------------------------------------------------
T_crit(bounce)/B(fit) on m_L in 200-2000 GeV, m_R/m_L = 0.4, 1, 2.5 (S_crit = 403.8):
``ehky2013`` 0.906-0.940 for the smuon (tan(beta) = 50), 0.952-0.971 for the stau
(tan(beta) = 40; 0.92-0.94 at tan(beta) = 20, 1.02-1.03 at 70 through the y_tau^2 quartic);
``ky2013`` 0.86-0.96 for m_L ~ m_R but 0.58-0.78 for m_R/m_L = 2.5 or 0.4 at m_L >= 1 TeV:
its (m_L - m_R)^2 coefficient as recalled (4.52e-2 GeV^-1) is about ten times too large
(4.52e-3 brings all points to 0.89-1.05).  Outside the fits (m_R = 80 GeV) the EW vacuum turns
tachyonic before it becomes short-lived.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize

from gm2jax.errors import InvalidInput
from gm2jax.sm import SMInputs, couplings

H0_KM_S_MPC = 67.4
"""Hubble constant in km/s/Mpc (Planck 2018, arXiv:1807.06209, Table 2, TT,TE,EE+lowE+lensing)."""

_HBAR_GEV_S = 6.582119569e-25
"""hbar in GeV s (PDG 2024, Physical constants table; exact in SI)."""

_MPC_KM = 3.0856775814913673e19
"""1 Mpc in km (IAU 2012/2015: 1 pc = 648000/pi au, au = 149597870.7 km)."""

M_HIGGS_GEV = 125.20
"""Higgs boson mass in GeV (PDG 2024, Higgs boson summary, 125.20 +- 0.11)."""

PREFACTOR_SCALE_GEV = 100.0
"""A^(1/4) in Gamma/V = A exp(-S_E) (order-of-magnitude; arXiv:1303.0461 sec. 3)."""


def hubble_gev(h0_km_s_mpc: float = H0_KM_S_MPC) -> float:
    """H_0 in GeV from km/s/Mpc (1.44e-42 GeV for 67.4)."""
    return h0_km_s_mpc / _MPC_KM * _HBAR_GEV_S


def critical_action(
    scale_gev: float = PREFACTOR_SCALE_GEV, h0_km_s_mpc: float = H0_KM_S_MPC
) -> float:
    """S_crit = 4 ln(A^(1/4)/H_0): lifetime of the EW vacuum = age (Hubble time) of the universe.

    Example:
        >>> round(critical_action(), 1)
        403.8
    """
    return 4.0 * math.log(scale_gev / hubble_gev(h0_km_s_mpc))


# ----------------------------------------------------------------------------------------------
# The slepton-Higgs potential
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SleptonHiggsPotential:
    """V(h, x, y) of the module docstring (GeV units; fields are real, canonically normalised).

    Attributes:
        m_L, m_R: soft slepton masses in GeV.
        T: trilinear m_l mu tan(beta)/(1 + Delta_l) in GeV^2 (sign irrelevant).
        y_l: SUSY lepton Yukawa (dimensionless).
        cos_beta: cos(beta) (the m~_l^2 F-term and c = -cos(2 beta) = 1 - 2 cos^2(beta)).
        g2, gY: SU(2) and U(1)_Y couplings.
        v: Higgs vev in GeV (246 GeV normalisation).
        m_h: Higgs mass in GeV (fixes lambda = m_h^2/(2 v^2)).
    """

    m_L: float
    m_R: float
    T: float
    y_l: float
    cos_beta: float
    g2: float
    gY: float
    v: float
    m_h: float = M_HIGGS_GEV

    @property
    def lam(self) -> float:
        return self.m_h**2 / (2.0 * self.v**2)

    @property
    def c(self) -> float:
        return 1.0 - 2.0 * self.cos_beta**2

    @property
    def false_vacuum(self) -> np.ndarray:
        return np.array([self.v, 0.0, 0.0])

    def __call__(self, phi) -> np.ndarray:
        """V in GeV^4 at phi[..., 3] = (h, x, y) in GeV, relative to V(EW vacuum) = 0."""
        phi = np.asarray(phi, dtype=float)
        h, x, y = phi[..., 0], phi[..., 1], phi[..., 2]
        a = 0.5 * self.c * h**2
        yc2 = (self.y_l * self.cos_beta) ** 2
        return (
            0.25 * self.lam * (h**2 - self.v**2) ** 2
            + 0.5 * self.m_L**2 * x**2
            + 0.5 * self.m_R**2 * y**2
            - (self.T / self.v) * h * x * y
            + 0.25 * self.y_l**2 * x**2 * y**2
            + 0.25 * yc2 * h**2 * (x**2 + y**2)
            + self.g2**2 / 8.0 * ((a + 0.5 * x**2) ** 2 - a**2)
            + self.gY**2 / 8.0 * ((a - 0.5 * x**2 + y**2) ** 2 - a**2)
        )

    def gradient(self, phi) -> np.ndarray:
        """dV/dphi, same shape as phi (GeV^3)."""
        phi = np.asarray(phi, dtype=float)
        h, x, y = phi[..., 0], phi[..., 1], phi[..., 2]
        a = 0.5 * self.c * h**2
        da = self.c * h
        yc2 = (self.y_l * self.cos_beta) ** 2
        d2 = a + 0.5 * x**2
        dy_ = a - 0.5 * x**2 + y**2
        g2q, gYq = self.g2**2 / 4.0, self.gY**2 / 4.0
        dh = (
            self.lam * h * (h**2 - self.v**2)
            - (self.T / self.v) * x * y
            + 0.5 * yc2 * h * (x**2 + y**2)
            + g2q * (d2 - a) * da
            + gYq * (dy_ - a) * da
        )
        dx = (
            self.m_L**2 * x
            - (self.T / self.v) * h * y
            + 0.5 * self.y_l**2 * x * y**2
            + 0.5 * yc2 * h**2 * x
            + g2q * d2 * x
            - gYq * dy_ * x
        )
        dy = (
            self.m_R**2 * y
            - (self.T / self.v) * h * x
            + 0.5 * self.y_l**2 * x**2 * y
            + 0.5 * yc2 * h**2 * y
            + 2.0 * gYq * dy_ * y
        )
        return np.stack([dh, dx, dy], axis=-1)

    def hessian_fd(self, phi, eps: float = 1e-4) -> np.ndarray:
        """Hessian (GeV^2): central differences of the gradient (step eps max(1, |phi|))."""
        phi = np.asarray(phi, dtype=float)
        hsn = np.zeros((3, 3))
        for i in range(3):
            step = eps * max(1.0, abs(phi[i]))
            e = np.zeros(3)
            e[i] = step
            hsn[:, i] = (self.gradient(phi + e) - self.gradient(phi - e)) / (2 * step)
        return 0.5 * (hsn + hsn.T)

    def ew_slepton_matrix(self) -> np.ndarray:
        """Analytic slepton mass^2 matrix (x, y) at the EW vacuum, GeV^2."""
        mt2 = 0.5 * (self.y_l * self.cos_beta * self.v) ** 2
        mz2 = 0.25 * (self.g2**2 + self.gY**2) * self.v**2
        s2 = self.gY**2 / (self.g2**2 + self.gY**2)
        return np.array(
            [
                [self.m_L**2 + mt2 + (0.5 - s2) * self.c * mz2, -self.T],
                [-self.T, self.m_R**2 + mt2 + s2 * self.c * mz2],
            ]
        )

    def charge_breaking_minimum(self) -> tuple[np.ndarray, float] | None:
        """Deepest minimum with x y != 0 from a set of starts; None if none lies below the EW one.

        Returns:
            (phi_CB in GeV, V(phi_CB) in GeV^4 < 0) or None.
        """
        best = None
        scale = max(abs(self.T) / self.v, self.v)
        for fh in (0.3, 1.0, 2.0):
            for fx in (0.5, 1.0, 2.0, 4.0):
                for r in (0.5, 1.0, 2.0):
                    ratio = r * math.sqrt(self.m_L / self.m_R)
                    x0 = np.array([fh * self.v, fx * scale, fx * scale * ratio])
                    res = optimize.minimize(
                        self, x0, jac=self.gradient, method="BFGS",
                        options={"gtol": 1e-8 * scale**3},
                    )
                    if best is None or res.fun < best[1]:
                        best = (res.x, float(res.fun))
        trivial = abs(best[0][1] * best[0][2]) < 1e-6 * scale**2
        if best[1] >= -1e-12 * scale**4 or trivial:
            return None
        phi = best[0].copy()
        phi[0] = abs(phi[0])
        if phi[1] < 0:
            phi[1:] = -phi[1:]
        return phi, best[1]


def potential_from_sm(m_L, m_R, T, m_lepton, tan_beta, sm=None, delta=0.0, m_h=M_HIGGS_GEV):
    """Build :class:`SleptonHiggsPotential` with gm2jax couplings (default: PDG MS-bar convention).

    Args:
        m_L, m_R: soft masses (GeV); T: trilinear m_l mu tan(beta)/(1+Delta) (GeV^2);
        m_lepton: lepton mass (GeV); tan_beta; sm: :class:`gm2jax.sm.SMInputs` or None (pdg);
        delta: Delta_l (enters y_l only); m_h: Higgs mass (GeV).
    """
    if m_L <= 0 or m_R <= 0:
        raise InvalidInput(f"potential_from_sm: m_L={m_L}, m_R={m_R} must be > 0 GeV")
    if tan_beta <= 0:
        raise InvalidInput(f"potential_from_sm: tan_beta={tan_beta} must be > 0")
    sm = SMInputs.from_convention("pdg") if sm is None else sm
    c = couplings(sm)
    cb = 1.0 / math.sqrt(1.0 + tan_beta**2)
    v = float(c.v)
    y_l = math.sqrt(2.0) * m_lepton / (v * cb * (1.0 + delta))
    return SleptonHiggsPotential(
        m_L=float(m_L), m_R=float(m_R), T=float(T), y_l=y_l, cos_beta=cb,
        g2=float(c.g2), gY=float(c.gY), v=v, m_h=float(m_h),
    )


# ----------------------------------------------------------------------------------------------
# Bounce: Coleman-Glaser-Martin minimisation (multi-field) and 1-D shooting (validation)
# ----------------------------------------------------------------------------------------------


@dataclass
class BounceResult:
    """O(4) bounce.

    Attributes:
        action: S_E (dimensionless).
        r: radial grid in GeV^-1; profile: fields on it (GeV), shape (n, n_fields).
        kinetic, potential: K = 2 pi^2 int r^3 |phi'|^2/2 and P = 2 pi^2 int r^3 (V - V_FV)
            (action = K + P; virial K = -2 P at convergence).
        r_half: radius (GeV^-1) where |phi - phi_FV| drops to half its central value.
        converged: Newton success flag.
        action_line: 1-D bounce action along the straight FV -> CB path (upper bound on action).
    """

    action: float
    r: np.ndarray
    profile: np.ndarray
    kinetic: float
    potential: float
    r_half: float
    converged: bool
    action_line: float = math.nan


def _hess_blocks(dV, phi, step):
    """Per-node Hessian of the potential, shape (n, nf, nf), by central differences of dV."""
    n, nf = phi.shape
    out = np.empty((n, nf, nf))
    for k in range(nf):
        e = np.zeros(nf)
        e[k] = step
        out[:, :, k] = (dV(phi + e) - dV(phi - e)) / (2.0 * step)
    return 0.5 * (out + np.transpose(out, (0, 2, 1)))


def _newton_bounce(V, dV, phi_fv, phi, R, tol=1e-11, max_iter=40):
    """Newton iteration on the discretised O(4) Euler-Lagrange equations (a saddle of S).

    Grid r_j = j R/n (j = 0..n, phi_n = phi_FV).
    S_h = 2 pi^2 [sum_j rm_j^3 |phi_{j+1}-phi_j|^2/(2 dr) + sum_j r_j^3 dr V(phi_j)];
    the block-tridiagonal Hessian is solved with a sparse LU.
    Returns (phi, K, P, converged).
    """
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    n, nf = phi.shape
    dr = R / n
    r = np.arange(n) * dr
    rm = (np.arange(n) + 0.5) * dr
    wk = rm**3 / dr
    wp = r**3 * dr
    E = float(np.max(np.linalg.norm(phi - phi_fv, axis=1)))
    step = 1e-6 * E

    def grad(ph):
        full = np.vstack([ph, phi_fv[None, :]])
        d = np.diff(full, axis=0) * wk[:, None]
        g = -d.copy()
        g[1:] += d[:-1]
        return g + wp[:, None] * dV(ph)

    rows, cols = [], []
    idx = np.arange(n * nf).reshape(n, nf)
    # sparsity pattern: diagonal blocks (full nf x nf) and off-diagonal identities
    bi = np.repeat(idx[:, :, None], nf, axis=2)
    bj = np.repeat(idx[:, None, :], nf, axis=1)
    rows.append(bi.ravel())
    cols.append(bj.ravel())
    off_r = idx[:-1].ravel()
    off_c = idx[1:].ravel()
    ok = False
    g = grad(phi)
    gnorm0 = np.linalg.norm(g)
    for _ in range(max_iter):
        hb = wp[:, None, None] * _hess_blocks(dV, phi, step)
        diag_k = wk.copy()
        diag_k[1:] += wk[:-1]
        hb = hb + diag_k[:, None, None] * np.eye(nf)[None, :, :]
        data = [hb.ravel(), -np.repeat(wk[:-1], nf), -np.repeat(wk[:-1], nf)]
        H = sparse.csc_matrix(
            (
                np.concatenate(data),
                (np.concatenate([rows[0], off_r, off_c]), np.concatenate([cols[0], off_c, off_r])),
            ),
            shape=(n * nf, n * nf),
        )
        delta = spsolve(H, -g.ravel()).reshape(n, nf)
        lam = 1.0
        for _ls in range(20):
            trial = phi + lam * delta
            gt = grad(trial)
            if np.linalg.norm(gt) < np.linalg.norm(g) * (1 - 1e-4 * lam) or lam < 1e-3:
                break
            lam *= 0.5
        phi, g = trial, gt
        if np.max(np.abs(lam * delta)) < tol * E:
            ok = True
            break
    full = np.vstack([phi, phi_fv[None, :]])
    K = 2 * math.pi**2 * 0.5 * np.sum(wk[:, None] * np.diff(full, axis=0) ** 2)
    P = 2 * math.pi**2 * np.sum(wp * (V(phi)))
    collapsed = np.linalg.norm(phi[0] - phi_fv) < 1e-3 * E
    return phi, K, P, ok and not collapsed and gnorm0 > 0


def bounce_1d_shooting(V, dV, phi_fv, phi_tv, *, rtol=1e-10, max_iter=60, return_profile=False):
    """Single-field O(4) bounce by overshoot/undershoot shooting.

    Solves phi'' + (3/r) phi' = V'(phi), phi'(0) = 0, phi(inf) = phi_fv, bisecting on phi(0)
    between the escape point and phi_tv, and returns S_E = 2 pi^2 int r^3 (phi'^2/2 + V - V_fv) dr
    (integrated up to the point of closest approach to phi_fv of the last undershoot).

    Returns:
        S_E, or (S_E, r, phi(r)) with ``return_profile``.
    """
    v_fv = V(phi_fv)
    sgn = 1.0 if phi_tv > phi_fv else -1.0
    grid = np.linspace(phi_fv, phi_tv, 20001)
    vals = V(grid) - v_fv
    top = int(np.argmax(vals))
    esc = top + int(np.argmax(vals[top:] < 0))
    lo, hi = grid[esc], phi_tv  # undershoot at lo, overshoot near hi
    scale_r = abs(phi_tv - phi_fv) / math.sqrt(max(abs(V(phi_tv) - v_fv), 1e-300))
    span = abs(phi_tv - phi_fv)

    def shoot(p0):
        r0 = 1e-6 * scale_r
        a = dV(p0)
        y0 = [p0 + a * r0**2 / 8.0, a * r0 / 4.0]

        def rhs(r, yy):
            return [yy[1], dV(yy[0]) - 3.0 * yy[1] / r]

        def over(r, yy):
            return sgn * (yy[0] - phi_fv)

        over.terminal = True

        def under(r, yy):
            return sgn * yy[1]

        under.terminal = True
        under.direction = 1
        sol = integrate.solve_ivp(
            rhs, (r0, 1e4 * scale_r), y0, events=(over, under), rtol=rtol, atol=1e-13 * span,
            dense_output=True, method="DOP853",
        )
        return (1 if sol.t_events[0].size else -1), sol

    for _ in range(max_iter):
        mid = 0.5 * (lo + hi)
        kind, sol = shoot(mid)
        if kind > 0:
            hi = mid
        else:
            lo = mid
        if abs(hi - lo) < 1e-14 * span:
            break
    kind, sol = shoot(lo)
    r = np.linspace(sol.t[0], sol.t[-1], 20001)
    y = sol.sol(r)
    integrand = r**3 * (0.5 * y[1] ** 2 + V(y[0]) - v_fv)
    action = 2.0 * math.pi**2 * integrate.trapezoid(integrand, r)
    if return_profile:
        return action, r, y[0]
    return action


def bounce_action_path(V, dV, phi_fv, phi_tv, *, n=1500, tail=12.0):
    """Multi-field O(4) bounce: straight-line 1-D shooting, then Newton on the full field space.

    1. The potential along the straight segment phi_fv -> phi_tv is solved with
       :func:`bounce_1d_shooting`; its action ``action_line`` is an upper bound on S_E (a
       restriction of the Coleman-Glaser-Martin minimisation to one path).
    2. That profile is the start of :func:`_newton_bounce` for the discretised multi-field
       Euler-Lagrange equations on r in [0, R] (R = the 1-D bubble's extent + ``tail`` / m_min,
       m_min the lightest mass at the false vacuum), which relaxes the path.

    Returns:
        :class:`BounceResult` (``converged`` False if Newton failed: then the straight-line
        result is returned).  ``kinetic``/``potential`` satisfy K = -2 P (virial) at convergence
        up to the box/discretisation error, a check reported by the tests.
    """
    phi_fv = np.atleast_1d(np.asarray(phi_fv, dtype=float))
    phi_tv = np.atleast_1d(np.asarray(phi_tv, dtype=float))
    d = phi_tv - phi_fv
    L = float(np.linalg.norm(d))
    e = d / L
    v_fv = float(V(phi_fv))

    def v1(t):
        t = np.asarray(t, dtype=float)
        return V(phi_fv + t[..., None] * e) - v_fv

    def dv1(t):
        t = np.asarray(t, dtype=float)
        return dV(phi_fv + t[..., None] * e) @ e

    s_line, r1, t1 = bounce_1d_shooting(v1, dv1, 0.0, L, return_profile=True)
    nf = phi_fv.size
    hess = np.zeros((nf, nf))
    step = 1e-6 * L
    for k in range(nf):
        dk = np.zeros(nf)
        dk[k] = step
        hess[:, k] = (dV(phi_fv + dk) - dV(phi_fv - dk)) / (2 * step)
    m_min = math.sqrt(max(np.linalg.eigvalsh(0.5 * (hess + hess.T))[0], 1e-300))
    t1 = np.clip(t1, 0.0, None)
    idx = np.nonzero(t1 < 0.5 * t1[0])[0]
    r_half = r1[idx[0]] if idx.size else r1[-1]
    R = r_half + tail / m_min
    r = np.linspace(0.0, R, n + 1)[:-1]
    prof = np.interp(r, r1, t1, right=0.0)
    phi0 = phi_fv + prof[:, None] * e[None, :]
    phi_n, K, P, ok = _newton_bounce(lambda p: V(p) - v_fv, dV, phi_fv, phi0, R)
    if ok:
        amp = np.linalg.norm(phi_n - phi_fv, axis=1)
        idx = np.nonzero(amp < 0.5 * amp[0])[0]
        res = BounceResult(
            action=K + P, r=r, profile=phi_n, kinetic=K, potential=P,
            r_half=r[idx[0]] if idx.size else R, converged=True,
        )
    else:
        res = BounceResult(
            action=s_line, r=r, profile=phi0, kinetic=math.nan, potential=math.nan, r_half=r_half,
            converged=False,
        )
    res.action_line = s_line
    return res


# ----------------------------------------------------------------------------------------------
# Critical trilinear
# ----------------------------------------------------------------------------------------------


def slepton_action(m_L, m_R, T, m_lepton, tan_beta, sm=None, delta=0.0, n=1500, m_h=M_HIGGS_GEV):
    """S_E for tunnelling from the EW vacuum to the CB minimum (inf if no deeper CB minimum).

    Returns:
        (S_E, potential, CB minimum or None).  S_E = 0 if the EW vacuum is itself unstable
        (tachyonic slepton at (v, 0, 0)).
    """
    pot = potential_from_sm(m_L, m_R, T, m_lepton, tan_beta, sm=sm, delta=delta, m_h=m_h)
    if np.linalg.eigvalsh(pot.ew_slepton_matrix())[0] <= 0:
        return 0.0, pot, None
    cb = pot.charge_breaking_minimum()
    if cb is None:
        return math.inf, pot, None
    res = bounce_action_path(pot, pot.gradient, pot.false_vacuum, cb[0], n=n)
    return res.action, pot, cb


def critical_trilinear(m_L, m_R, m_lepton, tan_beta, *, s_crit=None, T_guess=None, sm=None,
                       rel_tol=2e-3, n=1500, m_h=M_HIGGS_GEV):
    """Largest |T| = |m_l mu tan(beta)/(1+Delta)| (GeV^2) with S_E >= s_crit.

    Log-log secant/bisection on ln S_E(ln T) started from ``T_guess`` (e.g. the fit); the EW
    vacuum must stay a local minimum, so the result is capped at the tachyon edge.

    Returns:
        dict(T_crit, S_at, n_eval, tachyon_edge).
    """
    s_crit = critical_action() if s_crit is None else s_crit
    pot0 = potential_from_sm(m_L, m_R, 0.0, m_lepton, tan_beta, sm=sm, m_h=m_h)
    m0 = pot0.ew_slepton_matrix()
    t_tach = math.sqrt(m0[0, 0] * m0[1, 1])
    T = min(T_guess if T_guess else 0.5 * t_tach, 0.999 * t_tach)
    cache = {}

    def f(t):
        if t not in cache:
            s_val = slepton_action(m_L, m_R, t, m_lepton, tan_beta, sm=sm, n=n, m_h=m_h)[0]
            if 0 < s_val < math.inf:
                cache[t] = math.log(s_val / s_crit)
            else:  # stable (no CB minimum) or tachyonic EW vacuum: saturated values
                cache[t] = 50.0 if s_val == math.inf else -50.0
        return cache[t]

    lo = hi = None
    t = T
    for _ in range(30):
        val = f(t)
        if val > 0:
            lo = t
            if hi is not None:
                break
            if t >= 0.999 * t_tach:
                return dict(
                    T_crit=t, S_at=s_crit * math.exp(val), n_eval=len(cache), tachyon_edge=t_tach
                )
            t = min(t * 1.15, 0.999 * t_tach)
        else:
            hi = t
            if lo is not None:
                break
            t = t / 1.15
    # secant in ln T on the bracket, safeguarded by bisection
    a, b = math.log(lo), math.log(hi)
    fa, fb = f(lo), f(hi)
    for _ in range(30):
        if fa < 50 and fb > -50 and fa != fb and abs(fa) < 49 and abs(fb) < 49:
            c = b - fb * (b - a) / (fb - fa)
            if not (min(a, b) + 0.02 * abs(b - a) < c < max(a, b) - 0.02 * abs(b - a)):
                c = 0.5 * (a + b)
        else:
            c = 0.5 * (a + b)
        fc = f(math.exp(c))
        if fc > 0:
            a, fa = c, fc
        else:
            b, fb = c, fc
        if abs(b - a) < rel_tol or abs(fc) < 1e-3:
            break
    t_c = math.exp(c)
    return dict(T_crit=t_c, S_at=s_crit * math.exp(fc), n_eval=len(cache), tachyon_edge=t_tach)


__all__ = [
    "BounceResult",
    "SleptonHiggsPotential",
    "bounce_1d_shooting",
    "bounce_action_path",
    "critical_action",
    "critical_trilinear",
    "hubble_gev",
    "potential_from_sm",
    "slepton_action",
]
