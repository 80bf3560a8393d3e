r"""One table of display metadata for every parameter and output name: LaTeX symbol, unit, scale.

Figures (:mod:`gm2jax.plot`), ArviZ variable attributes (:mod:`gm2jax.inference_data`) and
summaries read names from here, so ``mu`` is always :math:`\mu` [GeV] and ``a_mu`` is shown as
:math:`a_\mu \times 10^{9}`.  Names not in the table are matched by pattern (``a_<l>_<part>``,
``m_<...>``, ``R_<l>``); anything else is shown verbatim and reported by :func:`meta` as
``known=False`` (the figure tests require every plotted name to be known).

Example:
    >>> axis_label("mu")
    '$\\mu$ [GeV]'
    >>> axis_label("a_mu")
    '$a_\\mu \\times 10^{9}$'
    >>> meta("a_e").scale == 1e13
    True
"""

from __future__ import annotations

import dataclasses
import math
import re

__all__ = ["Meta", "axis_label", "meta", "scaled_name", "short_label"]


@dataclasses.dataclass(frozen=True)
class Meta:
    """Display metadata of a name.

    Attributes:
        latex: the symbol in math mode, without ``$``.
        unit: ``"GeV"``, or ``""`` for a dimensionless quantity.
        scale: shown values are ``scale * value`` (a_l are tiny); the label says so.
        description: a few words for tables and netCDF attributes.
        known: False when the name matched nothing in the table (shown verbatim).
    """

    latex: str
    unit: str = ""
    scale: float = 1.0
    description: str = ""
    known: bool = True


_LEPTON = {"e": "e", "mu": r"\mu", "tau": r"\tau"}
_LEPTON_NAME = {"e": "electron", "mu": "muon", "tau": "tau"}
# a_l of new physics is ~1e-13 (e), ~1e-9 (mu), ~1e-7 (tau): shown as O(1) numbers
_A_SCALE = {"e": 1e13, "mu": 1e9, "tau": 1e7}
_PART = {
    "neutralino": r"\chi^0",
    "chargino": r"\chi^\pm",
    "zprime": r"Z'",
    "1l": r"1L",
    "2l": r"2L",
    "one_loop": r"1L",
    "two_loop": r"2L",
}

_G = "GeV"
_TABLE: dict[str, Meta] = {
    # MSSM (GM2Calc names; soft masses in GM2Calc's signed-square convention, shown as masses)
    "tan_beta": Meta(r"\tan\beta", description="ratio of the Higgs vevs"),
    "mu": Meta(r"\mu", _G, description="higgsino mass parameter"),
    "abs_mu": Meta(r"|\mu|", _G, description="higgsino mass parameter, absolute value"),
    "M1": Meta(r"M_1", _G, description="bino mass"),
    "M2": Meta(r"M_2", _G, description="wino mass"),
    "M3": Meta(r"M_3", _G, description="gluino mass"),
    "MA": Meta(r"M_A", _G, description="CP-odd Higgs mass"),
    "A": Meta(r"A", _G, description="universal slepton trilinear"),
    "mL": Meta(r"m_L", _G, description="left-handed slepton soft mass"),
    "mR": Meta(r"m_R", _G, description="right-handed slepton soft mass"),
    "mH": Meta(r"m_H", _G, description="heavy Higgs mass scale (Higgs mediation)"),
    "m_sel": Meta(r"m_{\tilde e}", _G, description="selectron soft mass (L = R)"),
    "m_smu": Meta(r"m_{\tilde\mu}", _G, description="smuon soft mass (L = R)"),
    "m_smuR": Meta(r"m_{\tilde\mu_R}", _G, description="right-handed smuon soft mass"),
    "Q": Meta(r"Q", _G, description="renormalisation scale"),
    # U(1)_{Lmu-Ltau}
    "M0": Meta(r"M_{0}", _G, description="B' gaugino mass"),
    "M10": Meta(r"M_{10}", _G, description="B-B' gaugino mass mixing"),
    "M_Zp": Meta(r"M_{Z'}", _G, description="Z' mass"),
    "g_X": Meta(r"g_X", description="U(1)_{Lmu-Ltau} gauge coupling"),
    "g_YX": Meta(r"g_{YX}", description="kinetic-mixing gauge coupling"),
    "tan_gamma": Meta(r"\tan\gamma", description="ratio of the eta vevs"),
    "mu_eta": Meta(r"\mu_\eta", _G, description="eta higgsino mass parameter"),
    "eps_kin": Meta(r"\epsilon", description="kinetic mixing"),
    "ewino_class": Meta(r"\mathrm{class}", description="electroweakino scenario class"),
    "lsp_bprime": Meta(r"\mathrm{LSP}_{B'}", description="1 if the LSP is mostly B'"),
    # flavon model
    "M_chi": Meta(r"M_\chi", _G, description="vector-like mediator mass"),
    "v1": Meta(r"v_1", _G, description="flavon vev <phi_1>"),
    "va": Meta(r"v_a", _G, description="flavon vev <phi_a>"),
    "c_e": Meta(r"c_e", description="electron radiative-mass coefficient"),
    "c_mu": Meta(r"c_\mu", description="muon radiative-mass coefficient"),
    "x_phi": Meta(r"x_\phi", description="flavon mixing parameter"),
    "mu_phi1": Meta(r"\mu_{\phi_1}", _G, description="flavon mass parameter"),
    "mupa": Meta(r"\mu'_a", _G, description="cubic flavon coupling"),
    "cond_3_11": Meta(r"C_{(3.11)}", description="condition (3.11) of arXiv:2003.06633"),
    "mass_matched": Meta(r"\mathrm{matched}", description="1: g_l from the lepton masses"),
    # fit quantities
    "chi2": Meta(r"\chi^2", description="chi^2"),
    "delta_chi2": Meta(r"\Delta\chi^2", description="chi^2 - chi^2_min"),
    "loglike": Meta(r"\ln L", description="log-likelihood"),
}
for _l, _sym in _LEPTON.items():
    _TABLE[f"a_{_l}"] = Meta(f"a_{_sym}", scale=_A_SCALE[_l], description=f"new-physics contribution to the {_LEPTON_NAME[_l]} g-2, a = (g-2)/2")
    _TABLE[f"m_{_l}"] = Meta(f"m_{_sym}", _G, description=f"{_LEPTON_NAME[_l]} mass")
    _TABLE[f"g_{_l}"] = Meta(f"g_{_sym}", description=f"flavon coupling to the {_LEPTON_NAME[_l]}")
    _TABLE[f"R_{_l}"] = Meta(f"R_{_sym}", description="pull (a - Delta a)/sigma, arXiv:1908.03607 eq. (9)")
    _TABLE[f"m_slepton_{_l}"] = Meta(rf"m_{{\tilde {_sym}_1}}", _G, description=f"lightest {_LEPTON_NAME[_l]}-flavoured slepton mass")
for _i in (1, 2, 3):
    _TABLE[f"mL{_i}"] = Meta(rf"m_{{L_{_i}}}", _G, description=f"left-handed slepton soft mass, generation {_i}")
    _TABLE[f"mE{_i}"] = Meta(rf"m_{{E_{_i}}}", _G, description=f"right-handed slepton soft mass, generation {_i}")
    _TABLE[f"A{_i}"] = Meta(rf"A_{_i}", _G, description=f"slepton trilinear, generation {_i}")
    _TABLE[f"lam{_i}"] = Meta(rf"\lambda_{_i}", description="flavon quartic")
for _n, _tex in {"lama": r"\lambda_a", "lam13": r"\lambda_{13}", "lam1a": r"\lambda_{1a}", "lamab": r"\lambda_{ab}",
                 "lam13p": r"\lambda'_{13}", "lam1ab": r"\lambda_{1ab}"}.items():
    _TABLE[_n] = Meta(_tex, description="flavon quartic")

def _verbatim(name: str) -> str:
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def _part_meta(m) -> Meta:
    part = _PART.get(m[2], _verbatim(m[2]))
    return Meta(f"a_{_LEPTON[m[1]]}^{{{part}}}", scale=_A_SCALE[m[1]], description=f"{m[2]} part of a_{m[1]}")


def _pull_meta(m) -> Meta:
    part = _PART.get(m[2], _verbatim(m[2]))
    return Meta(f"R_{_LEPTON[m[1]]}^{{{part}}}", description=f"{m[2]} pull, arXiv:1908.03607 eq. (10)")


def _ino_meta(m) -> Meta:
    charge = r"\pm" if m[1] == "chargino" else "0"
    return Meta(f"m_{{\\chi^{{{charge}}}_{m[2]}}}", _G, description=f"{m[1]} {m[2]} mass")


_PATTERNS = (
    (re.compile(r"^a_(e|mu|tau)_(\w+)$"), _part_meta),
    (re.compile(r"^R_(e|mu|tau)_(\w+)$"), _pull_meta),
    (re.compile(r"^m_(chargino|neutralino)_(\d)$"), _ino_meta),
    (re.compile(r"^m_(S|P)(\d)$"), lambda m: Meta(f"m_{{{m[1]}_{m[2]}}}", _G, description="flavon scalar mass")),
)


def meta(name: str) -> Meta:
    """Display metadata of a parameter or output ``name`` (see the module docstring)."""
    if name in _TABLE:
        return _TABLE[name]
    for pattern, make in _PATTERNS:
        m = pattern.match(name)
        if m:
            return make(m)
    return Meta(_verbatim(name), known=False)


def _times(scale: float) -> str:
    if scale == 1.0:
        return ""
    return rf" \times 10^{{{round(math.log10(scale))}}}"


def axis_label(name: str, *, scaled: bool = True) -> str:
    r"""Axis label: ``$\mu$ [GeV]``, ``$\tan\beta$``, ``$a_\mu \times 10^{9}$`` (``scaled``: the
    values plotted are ``meta(name).scale * value``)."""
    m = meta(name)
    unit = f" [{m.unit}]" if m.unit else ""
    return f"${m.latex}{_times(m.scale) if scaled else ''}${unit}"


def short_label(name: str) -> str:
    """The symbol alone in math mode (legends, titles): ``$\\mu$``."""
    return f"${meta(name).latex}$"


def scaled_name(name: str) -> str | None:
    """Name of the scaled copy of ``name`` (``a_mu`` -> ``a_mu_x1e9``), None if not scaled."""
    s = meta(name).scale
    return None if s == 1.0 else f"{name}_x1e{round(math.log10(s))}"
