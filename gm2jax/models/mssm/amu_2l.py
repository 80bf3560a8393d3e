"""MSSM a_l at one plus two loops as GM2Calc 2.3.1 computes it, with its theory uncertainty.

The two-loop part is the explicit sum of five named pieces (arXiv:1510.08071)::

    two_loop = fsf                    fermion/sfermion loops, leading logs (arXiv:1311.1775 eq. 6.5)
             + photonic_chargino      QED logs of the chargino diagram      (arXiv:1003.5820 eq. 35)
             + photonic_neutralino    QED logs of the neutralino diagram    (arXiv:1003.5820 eq. 36)
             + barr_zee_sfermion      2L(a) stop/sbottom/stau loops         (hep-ph/0609168 eq. 64)
             + barr_zee_chargino      2L(a) chargino loops                  (hep-ph/0609168 eq. 63)

and ``total = one_loop + two_loop`` (``loops=2``), ``one_loop`` (``loops=1``) or 0 (``loops=0``).

tan(beta) resummation (static ``resummation``):

* ``"gm2calc"`` (default) or ``"exact"``: GM2Calc's resummed result (``calculate_amu_1loop`` +
  ``calculate_amu_2loop``).  Delta_l of the lepton's Yukawa (:func:`gm2jax.models.mssm.threshold.
  delta_lepton`, GM2Calc's or the exact spectrum), Delta_tau and Delta_b (arXiv:0901.2065) in the
  tau and bottom Yukawas of the sfermion matrices and couplings; ``fsf`` carries 1/(1 + Delta_l).
  The result also gives ``fsf_non_tan_beta_resummed`` = fsf (1 + Delta_l), GM2Calc's API function
  ``amu2LFSfapprox_non_tan_beta_resummed`` evaluated on the resummed model.
* None: GM2Calc's non-resummed result (``calculate_amu_1loop_non_tan_beta_resummed`` +
  ``calculate_amu_2loop_non_tan_beta_resummed``): every Delta = 0 *and* tree-level y_b, y_tau in
  all pieces (so ``fsf`` here is ``amu2LFSfapprox_nonres``, which differs from the
  ``fsf_non_tan_beta_resummed`` of the resummed call).  Sfermion tachyons are checked with these
  tree-level Yukawas, as GM2Calc does.

The uncertainty is GM2Calc's estimate for the chosen loop order (:mod:`.uncertainty`); the
two-loop pieces are evaluated at every loop order, because the one-loop uncertainty needs them.

Statuses (:class:`gm2jax.errors.Status`): everything :func:`gm2jax.models.mssm.one_loop.point_status`
flags, plus what GM2Calc rejects beyond one loop: NEGATIVE_SOFT_MASS2 for any negative soft
squark/slepton mass^2 (all generations), TACHYON_SFERMION (stop, sbottom or stau), TACHYON_HIGGS
(M_A <= 0), YUKAWA_POLE (1 + Delta_b or 1 + Delta_tau = 0), INVALID_SM_INPUT (m_b(M_Z) not
computable).  A flagged point gives NaN values but finite gradients (safe substitute point).

Electron and tau: ``lepton="e"`` uses the electron's own sleptons (generation 1) where GM2Calc
uses its muon slot; this equals GM2Calc run with the slot substitution of
``docs/conventions/gm2calc_2l.md`` sec. 2 (generations 1 <-> 2 swapped), whose generation sums are symmetric.

References:
    arXiv:1510.08071 (GM2Calc 1); arXiv:2110.13238 (GM2Calc 2); arXiv:1311.1775; arXiv:1003.5820;
    hep-ph/0609168.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from gm2jax._precision import float64
from gm2jax.errors import InvalidInput, Status
from gm2jax.separate import separately
from gm2jax.models.mssm.one_loop import (
    global_status,
    _lepton_status,
    raise_on_status,
    _safe_params,
    amu_1l_chargino,
    lepton_setup,
)
from gm2jax.models.mssm import higgs, sfermions
from gm2jax.models.mssm.amu_2l_barr_zee import amu_2l_barr_zee_chargino, amu_2l_barr_zee_sfermion
from gm2jax.models.mssm.amu_2l_fsf import amu_2l_fsf_terms
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.amu_2l_photonic import amu_2l_photonic_chargino, neutralino_sums
from gm2jax.models.mssm.params import MSSMParams
from gm2jax.models.mssm.threshold import SPECTRA
from gm2jax.models.mssm.uncertainty import uncertainty as _uncertainty
from gm2jax.sm import Couplings, SMInputs, lepton_index, sm_status

# The pieces as amu_parts evaluates them: each its own XLA computation (gm2jax.separate): XLA
# CPU's fusion of one large computation is superlinear in its size and fused the pieces badly;
# apart, value 2.62e5 -> 3.25e5 points/s, value+grad 7.56e4 -> 9.61e4 points/s, value+grad
# compile 61 -> 46 CPU-s (benchmarks/amu_throughput.py --loops 2 --leptons mu --resum --chunk 1000).
_third_generation = separately(sfermions.third_generation, static_argnums=(3,))
_neutralino_sums = separately(neutralino_sums)
_chargino_1l = separately(amu_1l_chargino, static_argnums=(2,))
_fsf_terms = separately(amu_2l_fsf_terms, static_argnums=(2,))
_photonic_chargino = separately(amu_2l_photonic_chargino, static_argnums=(2,))
_bz_sfermion = separately(amu_2l_barr_zee_sfermion)
_bz_chargino = separately(amu_2l_barr_zee_chargino)

PIECES = ("fsf", "photonic_chargino", "photonic_neutralino", "barr_zee_sfermion", "barr_zee_chargino")
"""Names of the five two-loop pieces, in GM2Calc's order; ``two_loop`` is their sum."""
FSF_TERMS = ("WHnu", "WHmuL", "BHmuL", "BHmuR", "BmuLmuR")
"""The five terms of ``fsf`` (arXiv:1311.1775 eq. 6.5), fields ``fsf_<term>`` of the result."""
LOOP_ORDERS = (0, 1, 2)


class AmuResult2L(eqx.Module):
    """MSSM a_l (dimensionless) at one plus two loops, split by piece; NaN where ``status != 0``.

    Attributes:
        total: one_loop + two_loop at the requested loop order (``loops``: 2 both, 1 one_loop, 0 zero).
        one_loop: one-loop a_l (neutralino + chargino).
        two_loop: sum of the five pieces (always evaluated; in ``total`` only for ``loops=2``).
        uncertainty: GM2Calc's theory uncertainty of ``total`` at that loop order.
        one_loop_neutralino, one_loop_chargino: the one-loop diagrams.
        fsf, photonic_chargino, photonic_neutralino, barr_zee_sfermion, barr_zee_chargino: the
            two-loop pieces (:data:`PIECES`).
        fsf_WHnu, fsf_WHmuL, fsf_BHmuL, fsf_BHmuR, fsf_BmuLmuR: the five terms of ``fsf``.
        fsf_non_tan_beta_resummed: fsf (1 + Delta_l) (GM2Calc API function on the resummed model).
        delta: Delta_l of the lepton (0 without resummation).
        delta_b, delta_tau: Delta_b and Delta_tau (0 without resummation).
        tan_beta_cor: 1/(1 + Delta_l).
        status: :class:`gm2jax.errors.Status` bit-field (0 = physical point).
    """

    total: jnp.ndarray
    one_loop: jnp.ndarray
    two_loop: jnp.ndarray
    uncertainty: jnp.ndarray
    one_loop_neutralino: jnp.ndarray
    one_loop_chargino: jnp.ndarray
    fsf: jnp.ndarray
    photonic_chargino: jnp.ndarray
    photonic_neutralino: jnp.ndarray
    barr_zee_sfermion: jnp.ndarray
    barr_zee_chargino: jnp.ndarray
    fsf_WHnu: jnp.ndarray
    fsf_WHmuL: jnp.ndarray
    fsf_BHmuL: jnp.ndarray
    fsf_BHmuR: jnp.ndarray
    fsf_BmuLmuR: jnp.ndarray
    fsf_non_tan_beta_resummed: jnp.ndarray
    delta: jnp.ndarray
    delta_b: jnp.ndarray
    delta_tau: jnp.ndarray
    tan_beta_cor: jnp.ndarray
    status: jnp.ndarray

    def pieces(self) -> dict:
        """The five two-loop pieces as a dict (:data:`PIECES` order)."""
        return {k: getattr(self, k) for k in PIECES}


def two_loop_status(p: MSSMParams, sm: SMInputs, c: Couplings, resummation: str | None, third=None):
    """Status bits beyond one loop (sfermion sector, Higgs sector, SM inputs) for any lepton
    (``third``: :func:`gm2jax.models.mssm.sfermions.third_generation` of ``p`` if already computed)."""
    if third is None:
        third = sfermions.third_generation(p, sm, c, resummation)
    return sfermions.sfermion_status(p, third) | higgs.higgs_status(p)


def _check_static(lepton, loops, resummation):
    for lep in lepton if isinstance(lepton, (tuple, list)) else (lepton,):
        lepton_index(lep)
    if loops not in LOOP_ORDERS:
        raise InvalidInput(f"loops={loops!r}: use 0, 1 or 2")
    if resummation is not None and resummation not in SPECTRA:
        raise InvalidInput(f"resummation={resummation!r}: use None (no tan(beta) resummation) or one of {SPECTRA}")


def amu_parts(
    p: MSSMParams, sm: SMInputs, lepton="mu", loops: int = 2, resummation: str | None = "gm2calc"
) -> AmuResult2L:
    """Unchecked core of :func:`amu` (pure; jit/vmap/grad safe; never raises, no NaN in gradients).

    ``lepton`` may be a tuple such as ``("e", "mu")``: every field then gets a leading lepton axis.
    ``loops`` and ``resummation`` are static (see the module docstring).
    """
    _check_static(lepton, loops, resummation)

    # one-loop problems first; the third generation (Delta_b, Delta_tau: 9 three-mass loop
    # functions) is then computed ONCE, on those safe parameters, for the two-loop status and,
    # with NaN-safe Deltas, for the values
    c, leptons, ps1, deltas, rows = lepton_setup(
        p, sm, lepton, 0.0, resummation, global_status, _lepton_status, _safe_params
    )
    third1 = _third_generation(ps1, sm, c, resummation)
    # where ps1 != p the point is flagged already; invalid SM inputs are reported alone
    st2 = jnp.where(sm_status(sm) != 0, 0, two_loop_status(ps1, sm, c, resummation, third1))
    ok2 = st2 == 0
    third = _third_generation(
        _safe_params(ps1, ok2), sm, c, resummation,
        deltas=(jnp.where(ok2, third1.delta_b, 0.0), jnp.where(ok2, third1.delta_tau, 0.0)),
    )
    rows = [
        (st | st2, jnp.where(ok2, d, 0.0), jnp.where(ok2, m_l, 1.0), _safe_params(q, ok2)) for st, d, m_l, q in rows
    ]
    fields = {k: [] for k in AmuResult2L.__dataclass_fields__ if k not in ("total",)}
    for lep, (st, d, m_l, q) in zip(leptons, rows):
        d_use = d if resummation is not None else jnp.zeros_like(d)
        y = sp.yukawa(c, q.tan_beta, m_l, d_use)
        a_n, photonic_n = _neutralino_sums(
            sp.neutralino_matrix(q, c), sp.slepton_matrix(q, c, lep, m_l, d_use), c, y, m_l, sm.alpha_0, q.Q
        )
        a_c = _chargino_1l(q, c, lep, m_l, d_use)
        terms = _fsf_terms(q, c, lep, m_l, third.y_t, third.y_b, third.y_tau, d_use)
        fsf = sum(terms.values())
        pieces = {
            "fsf": fsf,
            "photonic_chargino": _photonic_chargino(q, c, lep, m_l, d_use, alpha_0=sm.alpha_0),
            "photonic_neutralino": photonic_n,
            "barr_zee_sfermion": _bz_sfermion(q, c, m_l, third, d_use),
            "barr_zee_chargino": _bz_chargino(q, c, m_l, d_use),
        }
        one_loop = a_n + a_c
        two_loop = (
            pieces["fsf"]
            + pieces["photonic_chargino"]
            + pieces["photonic_neutralino"]
            + pieces["barr_zee_sfermion"]
            + pieces["barr_zee_chargino"]
        )
        row = {
            "one_loop": one_loop,
            "two_loop": two_loop,
            "uncertainty": _uncertainty(loops, one_loop, two_loop, pieces["barr_zee_chargino"], pieces["barr_zee_sfermion"]),
            "one_loop_neutralino": a_n,
            "one_loop_chargino": a_c,
            **pieces,
            **{f"fsf_{k}": terms[k] for k in FSF_TERMS},
            "fsf_non_tan_beta_resummed": fsf * (1.0 + d_use),
            "delta": d_use,
            "delta_b": third.delta_b,
            "delta_tau": third.delta_tau,
            "tan_beta_cor": 1.0 / (1.0 + d_use),
            "status": st,
        }
        for k in fields:
            fields[k].append(row[k])
    stacked = {k: jnp.stack(v) for k, v in fields.items()}
    status = stacked.pop("status")
    ok = status == 0
    total = {2: stacked["one_loop"] + stacked["two_loop"], 1: stacked["one_loop"], 0: jnp.zeros_like(stacked["one_loop"])}[loops]
    values = {k: jnp.where(ok, v, jnp.nan) for k, v in stacked.items()}
    res = AmuResult2L(total=jnp.where(ok, total, jnp.nan), status=status, **values)
    if isinstance(lepton, (tuple, list)):
        return res
    return jax.tree_util.tree_map(lambda x: x[0], res)


_amu_parts_jit = jax.jit(amu_parts, static_argnums=(2, 3, 4))


@float64
def amu(
    p: MSSMParams,
    sm: SMInputs | None = None,
    lepton="mu",
    loops: int = 2,
    resummation: str | None = "gm2calc",
    *,
    throw: bool = True,
) -> AmuResult2L:
    """MSSM a_l at one plus two loops, every named piece and GM2Calc's uncertainty.

    Args:
        p: MSSM parameters, including the two-loop fields (M3, MA, msq, msu, msd, Au, Ad, Q);
            unbatched (``jax.vmap`` :func:`amu_parts` with ``throw=False`` semantics for batches).
            The computation is compiled once per (shapes, lepton, loops, resummation) and cached.
        sm: SM inputs (default: :meth:`SMInputs.from_convention` ``"gm2calc"``, GM2Calc's inputs).
        lepton: ``"e"``, ``"mu"`` or ``"tau"`` (static), or a tuple of them (leading lepton axis).
        loops: loop order of ``total`` and ``uncertainty``: 2 (default), 1 or 0 (static).
        resummation: ``"gm2calc"`` (default; GM2Calc's Delta_l), ``"exact"`` (Delta_l from the
            tree-level spectrum) or None (GM2Calc's non-resummed result); static.
        throw: raise :class:`gm2jax.errors.PhysicsError` on an unphysical point (default); with
            ``throw=False`` the result carries ``status`` and NaN values instead.

    Returns:
        :class:`AmuResult2L`.

    References:
        arXiv:1510.08071; arXiv:2110.13238; arXiv:1311.1775; arXiv:1003.5820; hep-ph/0609168.

    Example:
        >>> from gm2jax.models.mssm import MSSMParams, amu
        >>> p = MSSMParams.universal(tan_beta=40.0, mu=500.0, M1=200.0, M2=400.0, msl=300.0)
        >>> r = amu(p, lepton="mu")
        >>> abs(float(r.total) - float(r.one_loop + r.two_loop)) < 1e-20, float(r.uncertainty) > 2.3e-10
        (True, True)
    """
    _check_static(lepton, loops, resummation)
    if sm is None:
        sm = SMInputs.from_convention("gm2calc")
    lepton = tuple(lepton) if isinstance(lepton, list) else lepton
    result = _amu_parts_jit(p, sm, lepton, loops, resummation)
    return raise_on_status(result, f"amu(lepton={lepton!r}, loops={loops})") if throw else result
