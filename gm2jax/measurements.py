"""Named lepton g-2 datasets (Delta a_l = a_l^exp - a_l^SM) and LEP mass limits.

The numbers live in ``gm2jax/data/measurements.yaml`` as flavio-style ``value(err) e-XX``
strings, each with its arXiv reference and a comment; the code holds none.  A dataset is
chosen by name (:func:`list_datasets`; default ``"seeds2019"``, the values of
arXiv:1908.03607 eqs. (1)-(2)) or read from a user YAML file with the same layout::

    # my_data.yaml -- either one dataset ...
    description: my numbers
    observables:
      a_mu: {value: "2.49(48) e-9", comment: "arXiv:2308.06230"}
      a_e:  {value: -1.02e-12, error: 0.26e-12}
    # ... or several under `datasets:` (pick one with "my_data.yaml:name")

Example:
    >>> ds = load_dataset("seeds2019")
    >>> ds["a_mu"].value, ds["a_mu"].error
    (2.74e-09, 7.3e-10)
    >>> parse_value_error("0.385(637) e-9")
    (3.85e-10, 6.37e-10)
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pathlib
import re
from collections.abc import Mapping

import yaml

from gm2jax._data import data_file
from gm2jax.errors import InvalidInput

OBSERVABLES = ("a_e", "a_mu", "a_tau")
"""Observable names a dataset may hold (Delta a_l of each lepton)."""

_VALUE_RE = re.compile(
    r"^\s*(?P<val>[+-]?(?:\d+\.?\d*|\.\d+))\s*\(\s*(?P<err>\d+\.?\d*|\.\d+)\s*\)\s*(?:[eE]\s*(?P<exp>[+-]?\d+))?\s*$"
)


def parse_value_error(text: str, where: str = "value") -> tuple[float, float]:
    """Parse a flavio-style ``"value(err) e-XX"`` string into ``(value, error)`` floats.

    Without a decimal point the error digits count in units of the value's last digit
    (``"2.74(73) e-9"`` -> 0.73e-9); with one they are absolute (``"-8.8(3.6) e-13"`` -> 3.6e-13).

    Raises:
        InvalidInput: naming ``where`` when the string does not parse.
    """
    m = _VALUE_RE.match(str(text))
    if m is None:
        raise InvalidInput(f"{where}: cannot parse {text!r}; write 'value(err) e-XX', e.g. '2.74(73) e-9'")
    val, err, exp = m["val"], m["err"], m["exp"]
    scale = 10.0 ** int(exp) if exp else 1.0
    if "." in err:
        error = float(err)
    else:
        decimals = len(val.split(".")[1]) if "." in val else 0
        error = int(err) * 10.0 ** (-decimals)
    # round away representation noise of the products (e.g. 2.74 * 1e-9)
    return float(f"{float(val) * scale:.12g}"), float(f"{error * scale:.12g}")


@dataclasses.dataclass(frozen=True)
class Measurement:
    """One Gaussian measurement of Delta a_l.

    Attributes:
        observable: ``"a_e"``, ``"a_mu"`` or ``"a_tau"`` (the new-physics contribution it constrains).
        value: central value of Delta a_l (dimensionless).
        error: one-sigma uncertainty (dimensionless, > 0).
        text: the value as written in the YAML file.
        status: provenance flag of the measurement (verified, derived, ...; ``gm2jax/data/measurements.yaml``).
        source_id: id in ``gm2_measurements.json`` (empty for user data).
        comment: source and remarks.
    """

    observable: str
    value: float
    error: float
    text: str = ""
    status: str = ""
    source_id: str = ""
    comment: str = ""


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A named set of measurements (read-only).

    Attributes:
        name: dataset name (``"seeds2019"``, ...) or the user file's stem.
        description: one paragraph.
        references: arXiv ids / journal references.
        measurements: observable name -> :class:`Measurement`.
        origin: where it was read from.
    """

    name: str
    description: str
    references: tuple[str, ...]
    measurements: Mapping[str, Measurement]
    origin: str = ""

    def __getitem__(self, observable: str) -> Measurement:
        if observable not in self.measurements:
            raise InvalidInput(f"dataset {self.name!r} has no measurement of {observable!r}; it has {sorted(self.measurements)}")
        return self.measurements[observable]

    def __contains__(self, observable: str) -> bool:
        return observable in self.measurements

    @property
    def observables(self) -> tuple[str, ...]:
        """Observable names present, in the canonical order a_e, a_mu, a_tau."""
        return tuple(o for o in OBSERVABLES if o in self.measurements)

    def to_dict(self) -> dict:
        """JSON-friendly summary (for result files)."""
        return {
            "name": self.name,
            "origin": self.origin,
            "references": list(self.references),
            "measurements": {k: {"value": m.value, "error": m.error, "text": m.text} for k, m in self.measurements.items()},
        }


def _parse_measurement(obs: str, entry, where: str) -> Measurement:
    if obs not in OBSERVABLES:
        raise InvalidInput(f"{where}: unknown observable {obs!r}; use one of {OBSERVABLES}")
    if isinstance(entry, str):
        entry = {"value": entry}
    if not isinstance(entry, Mapping) or "value" not in entry:
        raise InvalidInput(f"{where}: give a mapping with 'value' ('value(err) e-XX' string, or value + error numbers)")
    unknown = set(entry) - {"value", "error", "status", "source_id", "comment"}
    if unknown:
        raise InvalidInput(f"{where}.{sorted(unknown)[0]}: unknown key; allowed: value, error, status, source_id, comment")
    raw = entry["value"]
    if isinstance(raw, str):
        if "error" in entry:
            raise InvalidInput(f"{where}.error: the value string already carries its error; drop 'error'")
        value, error = parse_value_error(raw, f"{where}.value")
        text = raw
    else:
        if "error" not in entry:
            raise InvalidInput(f"{where}.error: a numeric value needs an 'error' (or write 'value(err) e-XX')")
        try:
            value, error = float(raw), float(entry["error"])
        except (TypeError, ValueError):
            raise InvalidInput(f"{where}: value and error must be numbers") from None
        text = f"{value:g} +- {error:g}"
    if not error > 0:
        raise InvalidInput(f"{where}.error: the uncertainty must be positive (got {error})")
    return Measurement(
        observable=obs,
        value=value,
        error=error,
        text=text,
        status=str(entry.get("status", "")),
        source_id=str(entry.get("source_id", "")),
        comment=" ".join(str(entry.get("comment", "")).split()),
    )


def _parse_dataset(name: str, body, where: str, origin: str) -> Dataset:
    if not isinstance(body, Mapping):
        raise InvalidInput(f"{where}: a dataset must be a mapping with 'observables'")
    unknown = set(body) - {"default", "description", "references", "observables"}
    if unknown:
        raise InvalidInput(f"{where}.{sorted(unknown)[0]}: unknown key; allowed: default, description, references, observables")
    obs = body.get("observables")
    if not isinstance(obs, Mapping) or not obs:
        raise InvalidInput(f"{where}.observables: give at least one of {OBSERVABLES}")
    meas = {k: _parse_measurement(k, v, f"{where}.observables.{k}") for k, v in obs.items()}
    refs = body.get("references", ())
    refs = (refs,) if isinstance(refs, str) else tuple(str(r) for r in refs)
    return Dataset(
        name=name,
        description=" ".join(str(body.get("description", "")).split()),
        references=refs,
        measurements=meas,
        origin=origin,
    )


def _parse_file(doc, origin: str, stem: str) -> tuple[dict[str, Dataset], str | None]:
    """(name -> Dataset, default name) of a YAML document."""
    if not isinstance(doc, Mapping):
        raise InvalidInput(f"{origin}: expected a YAML mapping with 'datasets' or 'observables'")
    if "datasets" in doc:
        sets = doc["datasets"]
        if not isinstance(sets, Mapping) or not sets:
            raise InvalidInput(f"{origin}: datasets: give at least one named dataset")
        out = {str(k): _parse_dataset(str(k), v, f"datasets.{k}", origin) for k, v in sets.items()}
        defaults = [k for k, v in sets.items() if isinstance(v, Mapping) and v.get("default")]
        if len(defaults) > 1:
            raise InvalidInput(f"{origin}: datasets: more than one dataset is marked default ({defaults})")
        return out, (str(defaults[0]) if defaults else None)
    return {stem: _parse_dataset(stem, {k: v for k, v in doc.items() if k != "limits"}, stem, origin)}, stem


@functools.cache
def _packaged_doc() -> dict:
    """The parsed ``gm2jax/data/measurements.yaml`` (read once)."""
    return yaml.safe_load(data_file("measurements.yaml").read_text())


@functools.cache
def _packaged() -> tuple[dict[str, Dataset], str, dict]:
    doc = _packaged_doc()
    sets, default = _parse_file(doc, "gm2jax/data/measurements.yaml", "measurements")
    return sets, default, doc.get("limits", {})


def list_datasets() -> dict[str, str]:
    """Packaged dataset name -> description."""
    return {k: v.description for k, v in _packaged()[0].items()}


def default_dataset_name() -> str:
    """Name of the default packaged dataset (``"seeds2019"``)."""
    return _packaged()[1]


def lep_limits() -> dict[str, dict]:
    """Packaged LEP lower mass bounds: name -> {value (GeV), width (GeV), comment}."""
    return {k: dict(v) for k, v in _packaged()[2].items()}


def _looks_like_file(spec: str) -> bool:
    base = spec.rsplit(":", 1)[0] if re.search(r"\.ya?ml:[^/\\]+$", spec) else spec
    return base.endswith((".yaml", ".yml")) or os.path.sep in base or os.path.exists(base)


def load_dataset(spec: str | os.PathLike | Dataset | None = None) -> Dataset:
    """A dataset by packaged name, or from a user YAML file (``"file.yaml"`` or ``"file.yaml:name"``).

    Args:
        spec: None (the default dataset), a packaged name (see :func:`list_datasets`), a path
            to a YAML file, or an existing :class:`Dataset` (returned unchanged).

    Raises:
        InvalidInput: unknown dataset name (the message lists the known ones), missing file,
            or a malformed file (the message names the key path).
    """
    if isinstance(spec, Dataset):
        return spec
    sets, default, _ = _packaged()
    if spec is None:
        return sets[default]
    spec = os.fspath(spec)
    if not _looks_like_file(spec):
        if spec not in sets:
            raise InvalidInput(
                f"unknown dataset {spec!r}: use one of {sorted(sets)} or the path of a YAML file "
                "(see gm2jax/data/measurements.yaml for the layout)"
            )
        return sets[spec]
    path, _, pick = spec.partition(":") if re.search(r"\.ya?ml:[^/\\]+$", spec) else (spec, "", "")
    p = pathlib.Path(path)
    if not p.is_file():
        raise InvalidInput(f"dataset file {path!r} not found")
    try:
        doc = yaml.safe_load(p.read_text())
    except yaml.YAMLError as err:
        raise InvalidInput(f"{path}: not valid YAML ({err})") from None
    user, udefault = _parse_file(doc, str(p), p.stem)
    if pick:
        if pick not in user:
            raise InvalidInput(f"unknown dataset {pick!r} in {path}: it has {sorted(user)}")
        return user[pick]
    if len(user) == 1:
        return next(iter(user.values()))
    if udefault is None:
        raise InvalidInput(f"{path} holds several datasets {sorted(user)}: pick one with '{path}:NAME' or mark one 'default: true'")
    return user[udefault]


# --------------------------------------------------------------------------------------
# Upper limits (LFV radiative decays, electron EDM) and normalising lepton decays
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class UpperLimit:
    """One experimental upper limit (read-only).

    Attributes:
        name: id (``"meg_2016"``, ``"de_ACME2018"``, ...), as in ``gm2jax/data/measurements.yaml``.
        observable: prediction key it bounds (``"br_mu_e_gamma"``; ``"d_e_ecm"`` = |d_e| in e cm).
        value: the upper limit (same units as the observable).
        cl: confidence level of the limit (0.9 = 90%).
        status: provenance flag (verified, partially_verified, ...).
        source_id: id in ``gm2_measurements.json``.
        comment: source and remarks.
    """

    name: str
    observable: str
    value: float
    cl: float
    status: str = ""
    source_id: str = ""
    comment: str = ""


_LIMIT_KEYS = {"default", "latest", "observable", "value", "cl", "status", "source_id", "comment"}


@functools.cache
def _packaged_limits(section: str) -> tuple[dict[str, UpperLimit], str, str]:
    body = _packaged_doc().get(section, {})
    out, default, latest = {}, None, None
    for name, e in body.items():
        where = f"measurements.yaml:{section}.{name}"
        unknown = set(e) - _LIMIT_KEYS
        if unknown:
            raise InvalidInput(f"{where}.{sorted(unknown)[0]}: unknown key; allowed: {sorted(_LIMIT_KEYS)}")
        value, cl = float(e["value"]), float(e["cl"])
        if not (value > 0 and 0 < cl < 1):
            raise InvalidInput(f"{where}: the limit must be > 0 and cl in (0, 1)")
        out[name] = UpperLimit(
            name=name,
            observable=str(e["observable"]),
            value=value,
            cl=cl,
            status=str(e.get("status", "")),
            source_id=str(e.get("source_id", "")),
            comment=" ".join(str(e.get("comment", "")).split()),
        )
        default = name if e.get("default") else default
        latest = name if e.get("latest") else latest
    return out, default, latest


def _pick_limit(section: str, name: str | None, what: str) -> UpperLimit:
    limits, default, latest = _packaged_limits(section)
    key = default if name is None else (latest if name == "latest" else name)
    if key not in limits:
        raise InvalidInput(f"unknown {what} limit {name!r}: use one of {sorted(limits)}, 'latest' or None (the paper's)")
    return limits[key]


def lfv_limit(name: str | None = None) -> UpperLimit:
    """An upper limit on BR(mu -> e gamma) from ``measurements.yaml`` (``lfv_limits``).

    Args:
        name: ``"meg_2016"``, ``"megII_2023"``, ``"megII_2025"``; ``None`` gives the limit
            arXiv:2003.06633 used (MEG 2016, 4.2e-13, after its eq. (1.7)); ``"latest"`` the newest one.

    Example:
        >>> lfv_limit().value, lfv_limit("latest").name
        (4.2e-13, 'megII_2025')
    """
    return _pick_limit("lfv_limits", name, "LFV")


def edm_limit(name: str | None = None) -> UpperLimit:
    """An upper limit on the electron EDM |d_e| (e cm) from ``measurements.yaml`` (``edm_limits``).

    Args:
        name: ``"de_ACME2014"``, ``"de_ACME2018"``, ``"de_JILA2023"``; ``None`` gives the limit of
            arXiv:2003.06633 eq. (4.6) (ACME 2018, 1.1e-29 e cm); ``"latest"`` the newest one (JILA 2023).

    Example:
        >>> edm_limit().value, edm_limit("latest").value
        (1.1e-29, 4.1e-30)
    """
    return _pick_limit("edm_limits", name, "EDM")


def tau_g2_interval() -> dict:
    """The direct bound on a_tau = (g_tau - 2)/2 from ``measurements.yaml`` (``tau_g2``).

    Returns:
        dict with ``name``, ``lo``, ``hi`` (the allowed interval of the total a_tau), ``cl``,
        ``sm`` and ``sm_error`` (a_tau^SM it is compared with), ``status``, ``source_id``.

    References:
        hep-ex/0406010 (DELPHI); hep-ph/0701260 (a_tau^SM).

    Example:
        >>> d = tau_g2_interval()
        >>> d["lo"], d["hi"], d["cl"]
        (-0.052, 0.013, 0.95)
    """
    (name, e), = _packaged_doc()["tau_g2"].items()
    lo, hi = (float(v) for v in e["interval"])
    sm, sm_err = parse_value_error(e["sm"], f"measurements.yaml:tau_g2.{name}.sm")
    return {"name": name, "lo": lo, "hi": hi, "cl": float(e["cl"]), "sm": sm, "sm_error": sm_err,
            "status": str(e.get("status", "")), "source_id": str(e.get("source_id", ""))}


def list_limits() -> dict[str, list[str]]:
    """Names of the packaged LFV and EDM limits: ``{"lfv": [...], "edm": [...]}``."""
    return {"lfv": sorted(_packaged_limits("lfv_limits")[0]), "edm": sorted(_packaged_limits("edm_limits")[0])}


def lepton_decay_br(name: str) -> float:
    """Measured BR(l -> l' nu nu') (fraction) that normalises BR(l -> l' gamma), arXiv:2003.06633 eq. (1.7).

    Args:
        name: ``"mu_e_nu_nu"`` (1, PDG 2024), ``"tau_mu_nu_nu"`` (0.1739), ``"tau_e_nu_nu"`` (0.1782).

    Example:
        >>> lepton_decay_br("tau_mu_nu_nu")
        0.1739
    """
    body = _packaged_doc()["lepton_decays"]
    if name not in body:
        raise InvalidInput(f"unknown lepton decay {name!r}: use one of {sorted(body)}")
    return parse_value_error(body[name]["value"], f"lepton_decays.{name}.value")[0]
