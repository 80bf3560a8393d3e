r"""Model-independent dipole language: Delta a_l, BR(l -> l' gamma) and d_e from C_ll'.

Effective Lagrangian (arXiv:2003.06633, eq. (1.3))

.. math:: \mathcal{L} \supset \frac{e\, m_\ell}{8\pi^2}\, C_{\ell\ell'}\,
          (\bar\ell\,\sigma_{\mu\nu} P_R\,\ell')\,F^{\mu\nu} + \mathrm{h.c.},

with ``C_ll'`` in GeV^-2, defined in the basis where the lepton mass matrix is diagonal, at
the low scale ``mu ~ m_l`` (no running between the new-physics scale and ``m_l`` is applied:
the QED running of the dipole is an ``O(alpha/pi log)`` effect the paper neglects too).
``m_l`` is the measured (pole) mass of ``gm2jax.sm.SMInputs``; for ``l != l'`` both ``C_ll'``
and ``C_l'l`` are normalised with the mass of the *heavier* (decaying) lepton: that is the
normalisation under which eq. (1.7) holds as printed (symmetric in ``C_ll'``, ``C_l'l``).

Conventions, re-derived from eq. (1.3) with ``L = -(e a/4m) psi-bar sigma psi F - (i/2) d
psi-bar sigma gamma5 psi F``:

* ``Delta a_l = m_l^2 Re(C_ll) / (2 pi^2)``.  **The paper's eq. (1.4) prints
  ``m_l^2/(2 pi)^2``, a factor 2 smaller**; its own eqs. (1.5)-(1.6) (``Re C_ee ~ -7e-5``,
  ``Re C_mumu ~ 5e-6`` GeV^-2 for the central values of eqs. (1.1)-(1.2)) and eq. (4.5) follow
  from ``1/(2 pi^2)`` (the printed form would give -1.3e-4 and 9.6e-6), so eq. (1.4) has a typo.
* ``BR(l -> l' gamma) / BR(l -> l' nu nu') = 3 alpha/(pi G_F^2) (|C_ll'|^2 + |C_l'l|^2)``
  (eq. (1.7); re-derived: ``Gamma = alpha m^5 |C|^2/(64 pi^4)`` per chirality), with
  ``alpha = alpha(0)`` (on-shell photon; ``alpha_0`` of ``gm2jax/data/sm_inputs.yaml``),
  ``G_F`` of ``SMInputs`` and the measured BR(l -> l' nu nu') of ``measurements.yaml``.
* ``d_e = e m_e Im(C_ee)/(4 pi^2)`` (eq. (4.5)), returned in e cm (``hbar c`` below).

Limits as likelihood terms (:class:`UpperLimitTerm`): an upper limit ``x_lim`` at confidence
level ``CL`` is read as a Gaussian likelihood of the *amplitude* (``C`` or ``Im C``, real,
centred at zero) with ``P(|A| < A_lim) = CL``, i.e. ``A_lim = q sigma_A``,
``q = Phi^-1((1 + CL)/2)`` (1.645 at 90% CL).  Hence

* BR (quadratic in the amplitude): ``chi2 = q^2 BR/BR_lim``  (= 2.71 at the limit);
* d_e (linear in the amplitude):   ``chi2 = q^2 (d_e/d_lim)^2``.

Both are smooth (differentiable everywhere, including at zero) and NaN-free for finite
predictions.  The approximation ignores the small non-zero central values of the experiments.

Example:
    >>> round(float(c_from_amu(2.7e-9, "mu")), 8)   # eq. (1.6): ~5e-6 GeV^-2
    4.77e-06
    >>> float(c_lfv_bound(4.2e-13, "mu_e")) < 1e-10  # eq. (1.8)
    True
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from gm2jax._precision import float64
from gm2jax.errors import InvalidInput
from gm2jax.likelihood import delta_chi2_quantile
from gm2jax.measurements import UpperLimit, edm_limit, lepton_decay_br, lfv_limit
from gm2jax.sm import LEPTONS, SMInputs, lepton_index

HBARC_GEV_CM = 1.973269804e-14
"""hbar c in GeV cm (exact since the 2019 SI: 197.3269804 MeV fm; CODATA 2018)."""

DECAYS = {
    "mu_e": ("mu", "e", "mu_e_nu_nu"),
    "tau_mu": ("tau", "mu", "tau_mu_nu_nu"),
    "tau_e": ("tau", "e", "tau_e_nu_nu"),
}
"""Radiative LFV decays l -> l' gamma: name -> (l, l', name of BR(l -> l' nu nu') in measurements.yaml)."""

PREDICTION_KEYS = {"mu_e": "br_mu_e_gamma", "tau_mu": "br_tau_mu_gamma", "tau_e": "br_tau_e_gamma"}
"""Prediction-dict keys of the branching ratios (and ``"d_e_ecm"`` for |d_e| in e cm)."""


def _sm(sm):
    return SMInputs.from_convention("pdg") if sm is None else sm


def _decay(decay: str):
    if decay not in DECAYS:
        raise InvalidInput(f"unknown decay {decay!r}: use one of {sorted(DECAYS)}")
    return DECAYS[decay]


@float64
def amu_from_c(c_ll, lepton: str = "mu", sm: SMInputs | None = None):
    r"""``Delta a_l = m_l^2 Re(C_ll) / (2 pi^2)`` (arXiv:2003.06633 eq. (1.4), corrected; module docstring).

    Args:
        c_ll: diagonal dipole coefficient ``C_ll`` in GeV^-2 (real or complex, any shape).
        lepton: ``"e"``, ``"mu"`` or ``"tau"``.
        sm: SM inputs (lepton masses); default PDG.

    Returns:
        Delta a_l (dimensionless).

    Example:
        >>> round(float(amu_from_c(-7e-5, "e")), 15)
        -9.26e-13
    """
    m = _sm(sm).lepton_mass(lepton)
    return m**2 * jnp.real(jnp.asarray(c_ll)) / (2.0 * math.pi**2)


@float64
def c_from_amu(a_l, lepton: str = "mu", sm: SMInputs | None = None):
    r"""``Re(C_ll) = 2 pi^2 Delta a_l / m_l^2`` in GeV^-2: the inverse of :func:`amu_from_c`.

    Any model can map its ``a_l`` to the model-independent ``C_ll`` with this function.

    Args:
        a_l: Delta a_l (dimensionless, any shape).
        lepton: ``"e"``, ``"mu"`` or ``"tau"``.
        sm: SM inputs (lepton masses); default PDG.

    Returns:
        Re C_ll in GeV^-2 (eqs. (1.5)-(1.6): -6.7e-5 for Delta a_e = -8.8e-13, 4.8e-6 for
        Delta a_mu = 2.7e-9).
    """
    m = _sm(sm).lepton_mass(lepton)
    return 2.0 * math.pi**2 * jnp.asarray(a_l) / m**2


def _lfv_prefactor(decay: str, sm: SMInputs, alpha=None):
    _, _, nunu = DECAYS[decay]
    a = sm.alpha_0 if alpha is None else alpha
    return lepton_decay_br(nunu) * 3.0 * a / (math.pi * jnp.asarray(sm.G_F) ** 2)


@float64
def br_lfv(c_ij, c_ji=0.0, decay: str = "mu_e", sm: SMInputs | None = None, alpha=None):
    r"""BR(l -> l' gamma) from the off-diagonal dipoles (arXiv:2003.06633, eq. (1.7)).

    .. math:: \mathrm{BR}(\ell\to\ell'\gamma) = \mathrm{BR}(\ell\to\ell'\nu\bar\nu')\,
              \frac{3\alpha}{\pi G_F^2}\,(|C_{\ell\ell'}|^2 + |C_{\ell'\ell}|^2).

    Args:
        c_ij, c_ji: ``C_ll'`` and ``C_l'l`` in GeV^-2 (real or complex; normalised with the
            heavier lepton's mass, module docstring).
        decay: ``"mu_e"``, ``"tau_mu"`` or ``"tau_e"``.
        sm: SM inputs (``G_F``); default PDG.
        alpha: fine-structure constant; default ``sm.alpha_0`` (alpha(0) of the ``sm`` convention).

    Returns:
        The branching ratio (dimensionless).

    Example:
        >>> round(float(br_lfv(1e-10, 0.0, "mu_e")) / 1e-13, 2)   # MEG 2016 limit: 4.2e-13
        5.12
    """
    _decay(decay)
    sm = _sm(sm)
    ci, cj = jnp.asarray(c_ij), jnp.asarray(c_ji)
    return _lfv_prefactor(decay, sm, alpha) * (jnp.real(ci * jnp.conj(ci)) + jnp.real(cj * jnp.conj(cj)))


@float64
def c_lfv_bound(br_limit, decay: str = "mu_e", sm: SMInputs | None = None, alpha=None):
    r"""Largest ``|C_ll'|`` (GeV^-2) allowed by ``BR(l -> l' gamma) < br_limit`` with ``C_l'l = 0``.

    The eq. (1.8)-type statement: MEG 2016 (4.2e-13) gives 9.0e-11 GeV^-2 (seed: ``<~ 1e-10``).
    With ``|C_ll'| = |C_l'l|`` each is smaller by ``sqrt(2)``.

    Args:
        br_limit: upper limit on the branching ratio.
        decay: ``"mu_e"``, ``"tau_mu"`` or ``"tau_e"``.
        sm: SM inputs; default PDG.
        alpha: fine-structure constant; default ``sm.alpha_0``.
    """
    _decay(decay)
    sm = _sm(sm)
    return jnp.sqrt(jnp.asarray(br_limit) / _lfv_prefactor(decay, sm, alpha))


@float64
def edm_from_c(c_ee, sm: SMInputs | None = None):
    r"""Electron EDM ``d_e = e m_e Im(C_ee)/(4 pi^2)`` in e cm (arXiv:2003.06633, eq. (4.5)).

    Args:
        c_ee: ``C_ee`` in GeV^-2 (complex; a real input gives 0) or its imaginary part passed
            as ``1j * im``.
        sm: SM inputs (m_e); default PDG.

    Returns:
        d_e / e in cm (signed).

    Example:
        >>> f"{float(edm_from_c(4.3e-11j)):.2e}"
        '1.10e-29'
    """
    m = _sm(sm).lepton_mass("e")
    return m * jnp.imag(jnp.asarray(c_ee)) / (4.0 * math.pi**2) * HBARC_GEV_CM


@float64
def im_c_from_edm(d_e_ecm, sm: SMInputs | None = None):
    r"""``Im(C_ee) = 4 pi^2 (d_e/e) / m_e`` in GeV^-2 from ``d_e`` in e cm (inverse of eq. (4.5)).

    ACME 2018 (``|d_e| < 1.1e-29`` e cm) gives ``|Im C_ee| < 4.3e-11`` GeV^-2.  **The paper's
    eq. (4.6) prints ``6e-7 GeV^-2``**: that number is the bound on the *ratio*
    ``|Im C_ee / Re C_ee|`` (see :func:`edm_phase_bound`), not on ``Im C_ee`` itself.
    """
    m = _sm(sm).lepton_mass("e")
    return 4.0 * math.pi**2 * (jnp.asarray(d_e_ecm) / HBARC_GEV_CM) / m


@float64
def edm_phase_bound(delta_a_e, d_limit_ecm, sm: SMInputs | None = None):
    r"""Largest ``|Im C_ee / Re C_ee| = |tan(arg C_ee)|`` allowed by ``|d_e| < d_limit`` when
    ``Re C_ee`` explains ``delta_a_e``: ``2 m_e (d_lim/e) / |Delta a_e|`` (eqs. (1.4), (4.5)).

    With Delta a_e = -8.8e-13 (eq. (1.1)) and ACME 2018 this is 6.5e-7, the paper's "6e-7"
    of eq. (4.6) (which it labels GeV^-2 and calls a percent-level suppression; it is a
    suppression of the CP phase to below 1e-6).
    """
    m = _sm(sm).lepton_mass("e")
    return 2.0 * m * (jnp.asarray(d_limit_ecm) / HBARC_GEV_CM) / jnp.abs(jnp.asarray(delta_a_e))


@float64
def dipole_predictions(c, sm: SMInputs | None = None) -> dict:
    r"""All dipole observables of a 3x3 (complex) coefficient matrix ``C[l, l']`` (GeV^-2).

    Args:
        c: array (3, 3), index order ``e, mu, tau`` (:data:`gm2jax.sm.LEPTONS`).
        sm: SM inputs; default PDG.

    Returns:
        dict with ``a_e``, ``a_mu``, ``a_tau`` (Delta a_l), ``br_mu_e_gamma``, ``br_tau_mu_gamma``,
        ``br_tau_e_gamma`` and ``d_e_ecm`` (signed d_e/e in cm); all jit/vmap/grad safe.
    """
    c = jnp.asarray(c)
    if c.shape[-2:] != (3, 3):
        raise InvalidInput(f"c: expected shape (..., 3, 3), got {c.shape}")
    sm = _sm(sm)
    out = {f"a_{lep}": amu_from_c(c[..., i, i], lep, sm) for i, lep in enumerate(LEPTONS)}
    for decay, (hi, lo, _) in DECAYS.items():
        i, j = lepton_index(hi), lepton_index(lo)
        out[PREDICTION_KEYS[decay]] = br_lfv(c[..., i, j], c[..., j, i], decay, sm)
    out["d_e_ecm"] = edm_from_c(c[..., 0, 0], sm)
    return out


class UpperLimitTerm(eqx.Module):
    r"""One-sided limit as a chi^2 term: ``chi2 = q2 (x/x_lim)^(2/k)`` (module docstring).

    ``k = 2`` for observables quadratic in the amplitude (branching ratios: ``chi2 = q2
    BR/BR_lim``), ``k = 1`` for linear ones (EDMs: ``chi2 = q2 (d/d_lim)^2``).

    Attributes:
        name: term name (static).
        observable: prediction key (static), e.g. ``"br_mu_e_gamma"``, ``"d_e_ecm"``.
        limit: the upper limit x_lim (units of the observable).
        q2: Delta chi^2 on the limit, :func:`gm2jax.likelihood.delta_chi2_quantile` (2.706 at 90 % CL).
        power: k (static): 2 = quadratic in the amplitude, 1 = linear.
    """

    name: str = eqx.field(static=True)
    observable: str = eqx.field(static=True)
    limit: jax.Array
    q2: jax.Array
    power: int = eqx.field(static=True, default=2)

    def chi2(self, pred):
        x = jnp.asarray(pred[self.observable]) / self.limit
        shape = x if self.power == 2 else x**2
        return self.q2 * shape


def _term(lim: UpperLimit, term_name: str, power: int) -> UpperLimitTerm:
    return UpperLimitTerm(name=term_name, observable=lim.observable, limit=lim.value, q2=delta_chi2_quantile(lim.cl), power=power)


def lfv_constraint(limit: str | None = None, *, term_name: str = "mu_e_gamma") -> UpperLimitTerm:
    """Likelihood term of a BR(mu -> e gamma) limit (prediction key ``"br_mu_e_gamma"``).

    Args:
        limit: limit name (:func:`gm2jax.measurements.lfv_limit`); None = MEG 2016 (the paper's),
            ``"latest"`` = MEG II 2025.
        term_name: the term's ``name`` (a ModelSpec constraint factory must match its key).

    Example:
        >>> t = lfv_constraint()
        >>> round(float(t.chi2({"br_mu_e_gamma": 4.2e-13})), 3)   # q^2 = 1.645^2 at the limit
        2.706
    """
    return _term(lfv_limit(limit), term_name, power=2)


def edm_constraint(limit: str | None = None, *, term_name: str = "electron_edm") -> UpperLimitTerm:
    """Likelihood term of an electron-EDM limit (prediction key ``"d_e_ecm"``, d_e/e in cm).

    Args:
        limit: limit name (:func:`gm2jax.measurements.edm_limit`); None = ACME 2018 (the paper's),
            ``"latest"`` = JILA 2023.
        term_name: the term's ``name``.
    """
    return _term(edm_limit(limit), term_name, power=1)
