"""MSSM one- plus two-loop a_l vs GM2Calc 2.3.1 (issue 10).

Reference data: ``tests/data/mssm2l_public.json`` (74 records, full double precision, every piece)
and ``tests/data/mssm2l_points_rejected.json`` (inputs GM2Calc rejects), copied from the project's
shared reference set; ``tests/data/gm2calc_examples/example.gm2(.out)`` (GM2Calc's example).

Tolerance (GM2Calc values are exact doubles): 1e-6 x max(|ref|, 1e-3 x sum of |two-loop pieces|),
the second term because a sum that cancels (``cancellation_ratio_2L`` up to ~1e3) cannot be more
precise, relative to itself, than its pieces.

Every record is evaluated from its literal GM2Calc input file (``gm2calc_input``: electron records
carry the slot substitution -- m_e in the muon slot, generations 1 <-> 2 swapped -- so gm2jax's
``lepton="mu"`` on that file is GM2Calc's number), all in one vmapped call per resummation mode.
The slow tests add gm2jax's own electron (``lepton="e"`` on the physical inputs), gradients against
Richardson finite differences at degeneracies, and the seed papers side by side.
"""

from __future__ import annotations

import json
import math
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gm2jax import amu, read_mssm_file
from gm2jax.errors import PhysicsError, Status
from gm2jax.linalg import svd
from gm2jax.models.mssm import MSSMParams, amu_parts
from gm2jax.models.mssm import spectrum as sp
from gm2jax.models.mssm.amu_2l import PIECES
from gm2jax.models.mssm.uncertainty import uncertainty_0loop, uncertainty_1loop
from gm2jax.sm import SMInputs, couplings

DATA = pathlib.Path(__file__).parent / "data"
RECORDS = json.loads((DATA / "mssm2l_public.json").read_text())
REJECTED = json.loads((DATA / "mssm2l_points_rejected.json").read_text())

# GM2Calc output key -> AmuResult2L field
REF_PIECES = {
    "amu2LFSfapprox": "fsf",
    "amu2LChipmPhotonic": "photonic_chargino",
    "amu2LChi0Photonic": "photonic_neutralino",
    "amu2LaSferm": "barr_zee_sfermion",
    "amu2LaCha": "barr_zee_chargino",
}
REF_RESUMMED = {
    "amu1L": "one_loop",
    "amu2L": "two_loop",
    **REF_PIECES,
    "amu2L_WHnu": "fsf_WHnu",
    "amu2L_WHmuL": "fsf_WHmuL",
    "amu2L_BHmuL": "fsf_BHmuL",
    "amu2L_BHmuR": "fsf_BHmuR",
    "amu2L_BmuLmuR": "fsf_BmuLmuR",
    "amu2LFSfapprox_non_tan_beta_resummed": "fsf_non_tan_beta_resummed",
    "unc_2loop": "uncertainty",
    "tan_beta_cor": "tan_beta_cor",
    "delta_mu": "delta",
    "delta_tau": "delta_tau",
    "delta_bottom": "delta_b",
}


def _scale(out, suffix=""):
    pieces = sum(abs(out[k + suffix]) for k in REF_PIECES)
    return 1e-3 * pieces


def _close(value, ref, scale):
    return abs(value - ref) <= 1e-6 * max(abs(ref), scale)


def _stack(trees):
    return jax.tree_util.tree_map(lambda *x: jnp.stack([jnp.asarray(v) for v in x]), *trees)


@pytest.fixture(scope="module")
def slot_inputs(tmp_path_factory):
    """(params, sm) of every public and rejected record, read from the literal GM2Calc input files."""
    tmp = tmp_path_factory.mktemp("gm2calc_inputs")
    out = []
    for rec in RECORDS + REJECTED:
        path = tmp / f"{rec['id']}.gm2"
        path.write_text(rec["gm2calc_input"])
        f = read_mssm_file(path)
        out.append((f.params, f.sm))
    return out


def _evaluate(slot_inputs, resummation):
    # one point at a time through the public entry point: it compiles once (the same compiled
    # function serves the example file and the other tests of this mode); vmap is tested separately
    rows = [amu(p, sm, "mu", 2, resummation, throw=False) for p, sm in slot_inputs]
    return jax.tree_util.tree_map(lambda *x: np.stack([np.asarray(v) for v in x]), *rows)


@pytest.fixture(scope="module")
def resummed(slot_inputs):
    return _evaluate(slot_inputs, "gm2calc")


@pytest.fixture(scope="module")
def nonresummed(slot_inputs):  # a second compilation: only in the slow tests
    return _evaluate(slot_inputs, None)


def _check_records(results, keys, suffix, select):
    worst, failures = 0.0, []
    for i, rec in enumerate(RECORDS):
        out = rec["outputs"]
        if not select(rec):
            continue
        assert results.status[i] == 0, (rec["id"], Status(int(results.status[i])))
        scale = _scale(out, suffix)
        total_ref = out["amu1L" + suffix] + out["amu2L" + suffix]
        checks = [("total", float(results.total[i]), total_ref)]
        checks += [(k, float(getattr(results, f)[i]), out[k + suffix if k.startswith("amu") else k]) for k, f in keys.items()]
        for name, value, ref in checks:
            dev = abs(value - ref) / max(abs(ref), scale, 1e-300)
            worst = max(worst, dev)
            if not _close(value, ref, scale):
                failures.append((rec["id"], name, value, ref, dev))
    assert not failures, failures[:10]
    return worst


def test_public_records_resummed(resummed, capsys):
    worst = _check_records(resummed, REF_RESUMMED, "", lambda r: True)
    with capsys.disabled():
        print(f"\nMSSM 2L resummed, {len(RECORDS)} records: worst deviation {worst:.2e} (tol 1e-6)")


@pytest.mark.slow
def test_public_records_not_resummed(nonresummed, capsys):
    keys = {"amu1L": "one_loop", "amu2L": "two_loop", **REF_PIECES}
    worst = _check_records(nonresummed, keys, "_nonres", lambda r: r["status"] == "ok")
    with capsys.disabled():
        print(f"\nMSSM 2L non-resummed: worst deviation {worst:.2e} (tol 1e-6)")


def test_uncertainty_at_every_loop_order(resummed):
    for i, rec in enumerate(RECORDS):
        out = rec["outputs"]
        u1 = float(uncertainty_1loop(resummed.two_loop[i], resummed.barr_zee_chargino[i], resummed.barr_zee_sfermion[i]))
        u0 = float(uncertainty_0loop(resummed.one_loop[i]))
        assert _close(u1, out["unc_1loop"], 0.0), (rec["id"], u1, out["unc_1loop"])
        assert _close(u0, out["unc_0loop"], 0.0), (rec["id"], u0, out["unc_0loop"])
        assert resummed.uncertainty[i] < u1  # the estimate shrinks with the loop order


def test_rejected_points_are_flagged(resummed):
    n = len(RECORDS)
    for j, rec in enumerate(REJECTED):
        st = Status(int(resummed.status[n + j]))
        reason = rec["reason"]
        want = Status.OK
        if "St tachyon" in reason or "Sb tachyon" in reason or "Stau tachyon" in reason:
            want |= Status.TACHYON_SFERMION
        if "Sm tachyon" in reason:
            want |= Status.TACHYON_SLEPTON
        assert st & want == want, (rec["id"], reason, st)
        assert np.isnan(resummed.total[n + j])


def test_example_gm2_nine_digits():
    f = read_mssm_file(DATA / "gm2calc_examples" / "example.gm2")
    r = amu(f.params, f.sm, "mu", loops=2, resummation="gm2calc")
    printed = (DATA / "gm2calc_examples" / "example.gm2.out").read_text()
    assert "amu (1-loop + 2-loop best) =  8.62947980e-10 +- 2.31947673e-10" in printed
    assert f"{float(r.total):.8e}" == "8.62947980e-10"
    assert f"{float(r.uncertainty):.8e}" == "2.31947673e-10"
    assert f"{float(r.one_loop):.8e}" == "9.32247587e-10"
    assert float(r.total) == float(r.one_loop) + float(r.two_loop)
    assert math.isclose(float(r.two_loop), sum(float(v) for v in r.pieces().values()), rel_tol=1e-15)


def test_bad_input_raises_or_flags():
    p = MSSMParams.universal(tan_beta=40.0, mu=2000.0, M1=200.0, M2=400.0, msl=300.0, msq=300.0, Ad=0.0)
    p = MSSMParams(p.tan_beta, p.mu, p.M1, p.M2, p.msl, p.mse, p.Ae, msq=[300.0, 300.0, 300.0], msd=[300.0] * 3, Q=1000.0)
    with pytest.raises(PhysicsError, match="squark or stau mass"):
        amu(p)
    r = amu(p, throw=False)
    assert Status(int(r.status)) & Status.TACHYON_SFERMION and np.isnan(float(r.total))
    with pytest.raises(Exception, match="loops"):
        amu(p, loops=3)


# ------------------------------------------------------------------------------------------
# slow: gm2jax's own electron, vmap, gradients, seed papers
# ------------------------------------------------------------------------------------------


def _physical(rec):
    i, s = rec["inputs"], rec["sm_inputs"]
    p = MSSMParams(
        i["tan_beta"], i["mu"], i["M1"], i["M2"], i["msl"], i["mse"], i["Ae"],
        M3=i["M3"], MA=i["MA"], msq=i["msq"], msu=i["msu"], msd=i["msd"], Au=i["Au"], Ad=i["Ad"], Q=i["Q"],
    )
    sm = SMInputs.from_convention(
        "gm2calc", alpha_MZ=s["alpha_MZ"], alpha_0=s["alpha_0"], alpha_s=s["alpha_s_MZ"], MZ=s["MZ"], MW=s["MW"],
        m_b_mb=s["mb_mb"], m_t=s["mt"], m_tau=s["mtau"], m_e=s["me"], m_mu=s["mmu"],
    )
    return p, sm


@pytest.mark.slow
def test_electron_physical_inputs_equal_gm2calc_slot_substitution(capsys):
    worst = 0.0
    for rec in RECORDS:
        if rec["lepton"] != "e":
            continue
        p, sm = _physical(rec)
        r = amu(p, sm, "e", 2, "gm2calc")
        out = rec["outputs"]
        scale = _scale(out)
        for k, f in {"amu1L": "one_loop", "amu2L": "two_loop", **REF_PIECES, "unc_2loop": "uncertainty"}.items():
            value, ref = float(getattr(r, f)), out[k]
            worst = max(worst, abs(value - ref) / max(abs(ref), scale))
            assert _close(value, ref, scale), (rec["id"], k, value, ref)
    with capsys.disabled():
        print(f"\nMSSM 2L electron (lepton='e', physical generations): worst deviation {worst:.2e}")


@pytest.mark.slow
def test_vmap_equals_loop_and_lepton_tuple(slot_inputs):
    pts = [_physical(rec) for rec in RECORDS[:6:2]]
    ps = _stack([p for p, _ in pts])
    sms = _stack([sm for _, sm in pts])
    batched = jax.jit(jax.vmap(lambda p, sm: amu_parts(p, sm, ("e", "mu"), 2, "gm2calc")))(ps, sms)
    for k, (p, sm) in enumerate(pts):
        for j, lep in enumerate(("e", "mu")):
            one = amu(p, sm, lep, 2, "gm2calc")
            for f in ("total", "two_loop", "uncertainty", *PIECES):
                a, b = float(getattr(batched, f)[k, j]), float(getattr(one, f))
                assert abs(a - b) <= 1e-12 * abs(b), (k, lep, f, a, b)


# gradient checks: every parameter moved along one random relative direction
_SCALARS = ("tan_beta", "mu", "M1", "M2", "M3", "MA", "Q")
_VECTORS = ("msl", "mse", "Ae", "msq", "msu", "msd", "Au", "Ad")
_OUT = ("total", "one_loop", "two_loop", *PIECES)


def _to_flat(p):
    return jnp.concatenate([jnp.atleast_1d(jnp.asarray(getattr(p, k))) for k in _SCALARS + _VECTORS])


def _from_flat(x):
    s = {k: x[i] for i, k in enumerate(_SCALARS)}
    v = {k: x[7 + 3 * j: 10 + 3 * j] for j, k in enumerate(_VECTORS)}
    return MSSMParams(s["tan_beta"], s["mu"], s["M1"], s["M2"], v["msl"], v["mse"], v["Ae"],
                      M3=s["M3"], MA=s["MA"], msq=v["msq"], msu=v["msu"], msd=v["msd"], Au=v["Au"], Ad=v["Ad"], Q=s["Q"])


def _degenerate_points():
    sm = SMInputs.from_convention("gm2calc")
    c = couplings(sm)
    pts = {}
    for rid in ("D_M2eqmu_4_mu", "D_msleqmse_0_mu", "D_flavuniv_1_mu"):
        pts[rid] = _physical(next(r for r in RECORDS if r["id"] == rid))
    # equal stop masses: X_t = A_t - mu/t_b = 0 and the D-terms absorbed in msu3
    tb, mu, mq3 = 10.0, 500.0, 1500.0
    c2b = (1.0 - tb**2) / (1.0 + tb**2)
    mu3 = math.sqrt(mq3**2 + float(c.MZ) ** 2 * c2b * (0.5 - 4.0 / 3.0 * float(c.sW) ** 2))
    pts["equal_stops"] = (MSSMParams.universal(tb, mu, 300.0, 600.0, 400.0, msq=[2000.0, 2000.0, mq3],
                                               msu=[2000.0, 2000.0, mu3], Au=[0.0, 0.0, mu / tb], MA=800.0), sm)
    # M_A equal to the lighter chargino mass; M2 = |mu|
    base = MSSMParams.universal(20.0, -450.0, 250.0, 300.0, 500.0, MA=800.0)
    mcha = float(svd(sp.chargino_matrix(base, c))[0][0])
    pts["MA_eq_mcha1"] = (MSSMParams.universal(20.0, -450.0, 250.0, 300.0, 500.0, MA=mcha), sm)
    pts["M2_eq_abs_mu"] = (MSSMParams.universal(30.0, -600.0, 250.0, 600.0, 500.0, MA=900.0), sm)
    m = 1000.0
    pts["all_equal"] = (MSSMParams.universal(10.0, m, m, m, m, M3=m, MA=m, msq=m, msu=m, msd=m, Q=m), sm)
    return pts


@pytest.mark.slow
@pytest.mark.parametrize("resummation", ["gm2calc", None])
def test_gradients_at_degeneracies_vs_richardson(resummation, capsys):
    def outputs(x, sm):
        r = amu_parts(_from_flat(x), sm, "mu", 2, resummation)
        return jnp.stack([getattr(r, k) for k in _OUT])

    jvp = jax.jit(lambda x, v, sm: jax.jvp(lambda y: outputs(y, sm), (x,), (v,))[1])
    values = jax.jit(jax.vmap(outputs, in_axes=(0, None)))
    rng = np.random.default_rng(7)
    worst = 0.0
    for name, (p, sm) in _degenerate_points().items():
        x = _to_flat(p)
        u = rng.uniform(-1.0, 1.0, x.shape)
        if name == "all_equal":
            # m_SUSY = min(|M1|, |M2|, |mu|, m_L, m_E) of the FSf logs has a genuine kink where they
            # are tied: keep the tied five fixed here (every other input moves); the kink is checked below
            u[[1, 2, 3, 8, 11]] = 0.0
        v = x * u
        h = 1e-3
        ts = np.array([h, -h, h / 2, -h / 2])
        f = np.asarray(values(x[None, :] + ts[:, None] * v[None, :], sm))
        d1 = (f[0] - f[1]) / (2 * h)
        d2 = (f[2] - f[3]) / h
        fd = (4.0 * d2 - d1) / 3.0
        ad = np.asarray(jvp(x, v, sm))
        assert np.all(np.isfinite(ad)), (name, ad)
        scale = 1e-3 * np.sum(np.abs(fd[3:]))
        dev = np.abs(ad - fd) / np.maximum(np.abs(fd), scale)
        worst = max(worst, float(dev.max()))
        assert np.all(dev <= 1e-6), (name, dict(zip(_OUT, dev)))
    # at the kink, moving one tied mass (mu) alone: the gradient is the mean of the one-sided
    # derivatives (the central difference of that coordinate; fsf's tie rule), each one-sided
    # derivative extrapolated to O(h^2)
    p, sm = _degenerate_points()["all_equal"]
    x = _to_flat(p)
    v = np.zeros(x.shape)
    v[1] = float(x[1])
    h = 1e-4
    f = np.asarray(values(x[None, :] + np.array([h, h / 2, 0.0, -h / 2, -h])[:, None] * v[None, :], sm))
    d_plus = 2 * (f[1] - f[2]) / (h / 2) - (f[0] - f[2]) / h
    d_minus = 2 * (f[2] - f[3]) / (h / 2) - (f[2] - f[4]) / h
    central = 0.5 * (d_plus + d_minus)
    ad = np.asarray(jvp(x, v, sm))
    scale = 1e-3 * np.sum(np.abs(central[3:]))
    dev = np.abs(ad - central) / np.maximum(np.abs(central), scale)
    assert np.all(np.isfinite(ad)) and np.all(dev <= 1e-6), dict(zip(_OUT, dev))
    # a flagged point (stau tachyon) has NaN values but a finite (zero) gradient
    rec = next(r for r in REJECTED if r["reason"] == "Problem: Stau tachyon")
    p, sm = _physical(rec)
    x = _to_flat(p)
    g = jax.grad(lambda y: amu_parts(_from_flat(y), sm, "mu", 2, resummation).total)(x)
    assert np.all(np.isfinite(np.asarray(g)))
    with capsys.disabled():
        print(f"\nMSSM 2L gradients (resummation={resummation}) vs Richardson FD at 7 degenerate points: worst {worst:.1e}")


@pytest.mark.slow
def test_seed_benchmarks_side_by_side(capsys):
    """Seed 000 (arXiv:1908.03607) BP-1, BP-2: the paper's one-loop a_l beside ours at 1L and 1L+2L.

    The paper is one-loop only; the two-loop shift is GM2Calc's (photonic logs dominate).
    """
    from gm2jax.io.benchmarks import benchmark_path

    paper = {("BP1", "e"): -6.50e-13, ("BP1", "mu"): 2.36e-9, ("BP2", "e"): -6.71e-13, ("BP2", "mu"): 2.21e-9}
    lines = ["\nseed 000 (arXiv:1908.03607) | lepton | 1L no resum. | 1L resummed | 1L+2L resummed +- unc | paper (1L, SuSpect spectrum)"]
    for bp in ("BP1", "BP2"):
        f = read_mssm_file(benchmark_path(bp))
        for lep in ("e", "mu"):
            r0 = amu(f.params, f.sm, lep, 2, None)
            r2 = amu(f.params, f.sm, lep, 2, "gm2calc")
            lines.append(f"  {bp} | {lep:2s} | {float(r0.one_loop): .4e} | {float(r2.one_loop): .4e} | {float(r2.total): .4e}"
                         f" +- {float(r2.uncertainty):.2e} | {paper[(bp, lep)]: .3e}")
            assert np.sign(float(r2.total)) == np.sign(paper[(bp, lep)])
            assert abs(float(r2.two_loop) / float(r2.one_loop)) < 0.3
    with capsys.disabled():
        print("\n".join(lines))


@pytest.mark.slow
def test_seed001_points_side_by_side(capsys):
    """Seed 001 (arXiv:1906.08768) Table 2 points I and III at the self-consistent SUSY Yukawa: the
    paper's a_l beside ours at 1L and 1L+2L (exact Delta_l; squarks, gluino and M_A, which the paper
    does not fix, at 20, 20 and 5 TeV).  GM2Calc's 2L estimates were not made for |Delta_l| ~ 1."""
    import equinox as eqx

    from gm2jax.models.mssm import mediation as md

    table = {"I": (1.0e5, 70.0, 2000.0, 1000.0, 600.0), "III": (3.5e5, 80.0, 280.0, 1600.0, 600.0)}
    paper = {("I", "e"): -6.9e-13, ("I", "mu"): -0.2e-9, ("III", "e"): -5.6e-13, ("III", "mu"): -0.01e-9}
    sm = SMInputs.from_convention("pdg")
    lines = ["\nseed 001 (arXiv:1906.08768) | lepton | Delta_l | 1L | 1L+2L +- unc | status | paper"]
    for point, (mbar, tb, sd, m1, m2) in table.items():
        hp = md.HiggsMediationParams.from_mbar(mbar, tb, sd**2, sd**2, m1, m2)
        for lep in ("e", "mu"):
            y = jnp.ravel(md.solve_yukawa(hp, sm, lep).y)[0]  # the first root slot (the paper's branch)
            p = md.mssm_params(hp, y)
            heavy = jnp.full(3, 2.0e4)
            p = eqx.tree_at(lambda q: (q.msq, q.msu, q.msd, q.M3, q.MA), p, (heavy, heavy, heavy, jnp.asarray(2.0e4), jnp.asarray(5.0e3)))
            r = amu(p, sm, lep, 2, "exact", throw=False)
            lines.append(f"  {point} | {lep:2s} | {float(r.delta): .4f} | {float(r.one_loop): .3e} | {float(r.total): .3e}"
                         f" +- {float(r.uncertainty):.1e} | {int(r.status)} | {paper[(point, lep)]: .1e}")
    with capsys.disabled():
        print("\n".join(lines))


def test_likelihood_adds_model_uncertainty_and_config_loops():
    from gm2jax.config import parse_config
    from gm2jax.likelihood import GaussianTerm
    from gm2jax.registry import get_model

    term = GaussianTerm(name="a_mu", observable="a_mu", value=2.5e-9, sigma=0.6e-9, theory_key="a_mu_uncertainty")
    pred = {"a_mu": jnp.asarray(1.9e-9), "a_mu_uncertainty": jnp.asarray(0.8e-9)}
    s2 = 0.6e-9**2 + 0.8e-9**2
    assert math.isclose(float(term.chi2(pred)), 0.6e-9**2 / s2 + math.log(s2 / 0.6e-9**2), rel_tol=1e-12)
    assert get_model("mssm").default_loops == 2
    doc = {"model": "mssm", "parameters": {"tan_beta": {"range": [5.0, 60.0]}, "mu": {"range": [200.0, 2000.0]}},
           "fixed": {"M1": 200.0, "M2": 400.0, "mL1": 400.0, "mL2": 400.0, "mE1": 400.0, "mE2": 400.0}}
    cfg = parse_config(doc)
    assert cfg.loops == 2 and cfg.theory_model
    assert parse_config({**doc, "loops": 1}).loops == 1
    with pytest.raises(Exception, match="loops"):
        parse_config({**doc, "loops": 3})
    lik = cfg.problem().likelihood
    assert [t.theory_key for t in lik.terms if isinstance(t, GaussianTerm)] == ["a_e_uncertainty", "a_mu_uncertainty"]
    off = parse_config({**doc, "likelihood": {"theory_uncertainty_model": False}}).problem().likelihood
    assert all(t.theory_key is None for t in off.terms if isinstance(t, GaussianTerm))


def test_fit_uncertainty_scales_the_constant_for_the_electron():
    from gm2jax.models.mssm.uncertainty import fit_uncertainty, uncertainty

    sm = SMInputs.from_convention("gm2calc")
    u_mu = float(uncertainty(2, 0.0, 0.0, 1e-12, 2e-12))
    assert float(fit_uncertainty(u_mu, 2, sm.m_mu, sm.m_mu)) == u_mu
    u_e = float(fit_uncertainty(u_mu, 2, sm.m_e, sm.m_mu))
    assert math.isclose(u_e, 2.3e-10 * (sm.m_e / sm.m_mu) ** 2 + 0.3 * 3e-12, rel_tol=1e-12)
