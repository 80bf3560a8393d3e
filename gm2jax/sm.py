"""Standard Model inputs and the electroweak conventions derived from them.

Two conventions ship with gm2jax (values and sources in ``gm2jax/data/sm_inputs.yaml``):

``"gm2calc"`` -- GM2Calc 2.3.1 one-loop conventions (``GM2CalcInput`` mode), exactly as in
    ``docs/conventions/gm2calc.md`` section 2: ``e = sqrt(4 pi alpha(MZ))``,
    on-shell ``c_W = MW/MZ``, ``g2 = e/s_W``, ``g_Y = e/c_W``, ``v = 2 MW/g2`` (about
    243.14 GeV; G_F is *not* used).  Used whenever the input is a GM2Calc file and for
    every comparison with GM2Calc.

``"pdg"`` -- the convention of the reproduced papers: PDG 2024 MS-bar couplings at MZ
    (``alpha-hat(MZ)``, ``sin^2 theta-hat_W(MZ)``) and ``v = (sqrt(2) G_F)^(-1/2)`` (246.22 GeV), with the
    tree-level ``MW = g2 v/2`` and ``MZ = MW/c_W`` so that the mass matrices are
    gauge-consistent.  This is the default for physics studies (arXiv:1908.03607 works with a
    spectrum generator's electroweak-scale couplings).

Every result states the convention it used through the ``SMInputs`` it was given.
"""

from __future__ import annotations

import functools
import math

import equinox as eqx
import jax.numpy as jnp
import yaml

from gm2jax._data import data_file
from gm2jax._precision import float64
from gm2jax.errors import InvalidInput, Status

LEPTONS = ("e", "mu", "tau")
"""Lepton names; the index into this tuple is the generation index used everywhere."""


def lepton_index(lepton: str | int) -> int:
    """Generation index (0, 1, 2) of ``lepton`` given as ``"e"``, ``"mu"``, ``"tau"`` or an index."""
    if isinstance(lepton, int) and 0 <= lepton < 3:
        return lepton
    if isinstance(lepton, str) and lepton in LEPTONS:
        return LEPTONS.index(lepton)
    raise InvalidInput(f"unknown lepton {lepton!r}: use one of {LEPTONS}")


@functools.cache
def _load_conventions() -> dict:
    text = data_file("sm_inputs.yaml").read_text()
    return yaml.safe_load(text)["conventions"]


def alpha_0(convention: str = "pdg") -> float:
    """Thomson-limit fine-structure constant alpha(0) of a convention (``sm_inputs.yaml``;
    CODATA 2022 for ``"pdg"``, GM2Calc's default for ``"gm2calc"``)."""
    conv = _load_conventions()
    if convention not in conv:
        raise InvalidInput(f"unknown SM convention {convention!r}: use one of {sorted(conv)}")
    return float(conv[convention]["alpha_0"]["value"])


class SMInputs(eqx.Module):
    """Standard Model inputs (a pytree; every float field may be traced).

    Attributes:
        alpha_MZ: electromagnetic coupling used at one loop (alpha(MZ); dimensionless).
        MZ: Z boson mass in GeV.
        MW: W boson mass in GeV (used on shell in the ``onshell`` scheme).
        sin2_theta_W: MS-bar weak mixing angle (``msbar`` scheme only; ignored on shell).
        G_F: Fermi constant in GeV^-2 (``msbar`` scheme: fixes v).
        m_e, m_mu, m_tau: lepton pole masses in GeV.
        alpha_0: Thomson-limit fine-structure constant alpha(0) (two-loop photonic prefactor).
        alpha_s: strong coupling alpha_s(MZ), MS-bar, 5 flavours (two loops: Delta_b, m_b(MZ)).
        m_t: top-quark pole mass in GeV (two loops: stop sector, top Yukawa).
        m_b_mb: bottom-quark MS-bar mass m_b(m_b) in GeV (two loops: sbottom sector, bottom Yukawa).
        scheme: ``"onshell"`` (GM2Calc) or ``"msbar"`` (seeds/PDG); static.
    """

    alpha_MZ: float
    MZ: float
    MW: float
    sin2_theta_W: float
    G_F: float
    m_e: float
    m_mu: float
    m_tau: float
    alpha_0: float
    alpha_s: float
    m_t: float
    m_b_mb: float
    scheme: str = eqx.field(static=True, default="msbar")

    def __check_init__(self):
        if self.scheme not in ("onshell", "msbar"):
            raise InvalidInput(f"SMInputs.scheme={self.scheme!r}: use 'onshell' or 'msbar'")

    @classmethod
    def from_convention(cls, name: str = "pdg", **overrides) -> "SMInputs":
        """Load a named convention (``"pdg"`` or ``"gm2calc"``) and apply keyword overrides.

        Example:
            >>> sm = SMInputs.from_convention("gm2calc")
            >>> round(float(couplings(sm).v), 6)
            243.137993
        """
        conv = _load_conventions()
        if name not in conv:
            raise InvalidInput(f"unknown SM convention {name!r}: use one of {sorted(conv)}")
        c = conv[name]
        fields = {}
        for key in ("alpha_MZ", "MZ", "MW", "G_F", "m_e", "m_mu", "m_tau", "alpha_0", "alpha_s", "m_t", "m_b_mb"):
            fields[key] = float(c[key]["value"])
        s2 = c["sin2_theta_W"]["value"]
        fields["sin2_theta_W"] = float(s2) if s2 is not None else 1.0 - fields["MW"] ** 2 / fields["MZ"] ** 2
        fields["scheme"] = c["scheme"]
        for key, value in overrides.items():
            if key not in fields:
                raise InvalidInput(f"unknown SMInputs field {key!r}")
            fields[key] = value
        return cls(**fields)

    def lepton_mass(self, lepton: str | int):
        """Pole mass (GeV) of ``lepton``."""
        return (self.m_e, self.m_mu, self.m_tau)[lepton_index(lepton)]


class Couplings(eqx.Module):
    """Electroweak couplings derived from :class:`SMInputs` (all dimensionless except GeV masses).

    Attributes:
        e: electromagnetic coupling.
        g2: SU(2)_L coupling.
        gY: U(1)_Y coupling (not GUT normalised; g1 = sqrt(5/3) gY).
        sW, cW: sine and cosine of the weak angle.
        v: Higgs vev in GeV with MW = g2 v / 2 (v_d = v cos(beta), v_u = v sin(beta)).
        MW, MZ: gauge-boson masses in GeV entering the tree-level mass matrices.
    """

    e: float
    g2: float
    gY: float
    sW: float
    cW: float
    v: float
    MW: float
    MZ: float


@float64
def couplings(sm: SMInputs) -> Couplings:
    """Electroweak couplings in the scheme of ``sm`` (see the module docstring).

    References:
        GM2Calc conventions: arXiv:1510.08071, sec. 2 (on-shell scheme).
    """
    e = jnp.sqrt(4.0 * math.pi * jnp.asarray(sm.alpha_MZ))
    if sm.scheme == "onshell":
        cW = jnp.asarray(sm.MW) / sm.MZ
        sW = jnp.sqrt(1.0 - cW**2)
        g2 = e / sW
        v = 2.0 * sm.MW / g2
        MW, MZ = jnp.asarray(sm.MW), jnp.asarray(sm.MZ)
    else:
        sW = jnp.sqrt(jnp.asarray(sm.sin2_theta_W))
        cW = jnp.sqrt(1.0 - sW**2)
        g2 = e / sW
        v = 1.0 / jnp.sqrt(math.sqrt(2.0) * jnp.asarray(sm.G_F))
        MW = g2 * v / 2.0
        MZ = MW / cW
    gY = e / cW
    return Couplings(e=e, g2=g2, gY=gY, sW=sW, cW=cW, v=v, MW=MW, MZ=MZ)


@float64
def sm_status(sm: SMInputs):
    """Status bit-field of the SM inputs: ``Status.INVALID_SM_INPUT`` unless alpha(MZ), alpha(0),
    MZ, MW, G_F and the three lepton masses are finite and positive, MW < MZ and, in the
    ``msbar`` scheme, 0 < sin^2(theta_W) < 1 (pure; jit/vmap safe; NaN counts as invalid).

    Example:
        >>> int(sm_status(SMInputs.from_convention("pdg", MZ=0.0))) != 0
        True
    """
    positive = ("alpha_MZ", "alpha_0", "MZ", "MW", "G_F", "m_e", "m_mu", "m_tau")
    ok = jnp.asarray(True)
    for name in positive:
        x = jnp.asarray(getattr(sm, name), dtype=jnp.float64)
        ok &= jnp.isfinite(x) & (x > 0)
    ok &= jnp.asarray(sm.MW, dtype=jnp.float64) < jnp.asarray(sm.MZ, dtype=jnp.float64)
    if sm.scheme == "msbar":
        s2 = jnp.asarray(sm.sin2_theta_W, dtype=jnp.float64)
        ok &= (s2 > 0) & (s2 < 1)
    return jnp.where(ok, 0, int(Status.INVALID_SM_INPUT))
