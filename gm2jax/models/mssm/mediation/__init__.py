r"""Higgs-mediation slepton spectra: arXiv:1908.03607 eq. (15); self-consistent arXiv:1906.08768 eqs. (3.1)-(3.4).

Two jobs, one module each:

* :mod:`~gm2jax.models.mssm.mediation.soft_masses` -- the parametrisations of flavour-aligned
  (MFV) slepton soft masses: Badziak-Sakurai's (m_L, m_R, m_H) (:func:`higgs_mediation_params`)
  and Endo-Yin's Yukawa-dependent m^2 = d + c y^2 (:class:`HiggsMediationParams`,
  :func:`mediation_coefficients`, :func:`mediated_soft_masses2`, :func:`mssm_params`);
* :mod:`~gm2jax.models.mssm.mediation.fixed_point` -- the self-consistent SUSY Yukawa
  y = y0/(1 + Delta(y^2)) of every flavour, all roots and folds, differentiable by the implicit
  function theorem (:func:`solve_yukawa`, :class:`YukawaSolution`, :func:`yukawa_residual`),
  and a_l at each root (:func:`amu_at_roots`; times :func:`qed_factor` for the paper's
  (1 - delta_QED)).

References:
    M. Endo, W. Yin, arXiv:1906.08768; M. Badziak, K. Sakurai, arXiv:1908.03607.
"""

from gm2jax.models.mssm.mediation.fixed_point import (
    YukawaSolution as YukawaSolution,
    amu_at_roots as amu_at_roots,
    solve_yukawa as solve_yukawa,
    yukawa_residual as yukawa_residual,
)
from gm2jax.models.mssm.mediation.soft_masses import (
    M_GUT as M_GUT,
    HiggsMediationParams as HiggsMediationParams,
    higgs_mediation_params as higgs_mediation_params,
    mediated_soft_masses2 as mediated_soft_masses2,
    mediation_coefficients as mediation_coefficients,
    mssm_params as mssm_params,
)
from gm2jax.models.mssm.qed import qed_factor as qed_factor

__all__ = [
    "M_GUT",
    "HiggsMediationParams",
    "YukawaSolution",
    "amu_at_roots",
    "higgs_mediation_params",
    "mediated_soft_masses2",
    "mediation_coefficients",
    "mssm_params",
    "qed_factor",
    "solve_yukawa",
    "yukawa_residual",
]
