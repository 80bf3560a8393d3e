"""Named exceptions (static problems) and status codes (runtime physics problems).

Static problems -- a wrong shape, an unknown lepton, a malformed input file -- raise a
named exception at trace time.  Runtime physics problems (a tachyonic slepton, a
non-positive tan(beta), a non-finite number) cannot raise inside ``jit``/``vmap``; they
come back as an integer *status* bit-field next to the result (:class:`Status`).  A
status of 0 means the point is fine; :func:`describe_status` turns a non-zero status
into an instruction naming the parameter to change.  Single-point entry points take
``throw=True`` by default and then turn a bad status into an error with
:func:`equinox.error_if`; scans and samplers pass ``throw=False`` and mask.
"""

from __future__ import annotations

import enum


class Gm2jaxError(Exception):
    """Base class of every gm2jax exception."""


class InvalidInput(Gm2jaxError, ValueError):
    """Static input is wrong: bad file, missing block, unknown option, bad shape."""


class PrecisionError(Gm2jaxError, TypeError):
    """A floating input arrived with less than float64 precision."""


class PhysicsError(Gm2jaxError, ValueError):
    """A single point is unphysical (raised only by entry points called with throw=True)."""


class Status(enum.IntFlag):
    """Bit flags describing why a point is unphysical.  0 (``OK``) means no problem."""

    OK = 0
    NONFINITE_INPUT = 1 << 0
    TANB_NONPOSITIVE = 1 << 1
    TACHYON_SLEPTON = 1 << 2
    TACHYON_SNEUTRINO = 1 << 3
    NEGATIVE_SOFT_MASS2 = 1 << 4
    MASSLESS_CHARGINO = 1 << 5
    NO_CONVERGENCE = 1 << 6
    TACHYON_SCALAR = 1 << 7
    UNBOUNDED_POTENTIAL = 1 << 8
    NO_MINIMUM = 1 << 9
    INVALID_PARAMETER = 1 << 10
    YUKAWA_POLE = 1 << 11
    FOLD = 1 << 12
    VEV_ORDERING = 1 << 13
    NOT_GLOBAL_MINIMUM = 1 << 14
    TACHYON_SFERMION = 1 << 15
    TACHYON_HIGGS = 1 << 16
    NONPERTURBATIVE = 1 << 17
    NUMERICALLY_UNRELIABLE = 1 << 18
    INVALID_SM_INPUT = 1 << 19
    UNITARITY_VIOLATED = 1 << 20
    ALIGNED_YUKAWA_POLE = 1 << 21


_MESSAGES = {
    Status.NONFINITE_INPUT: "an input is NaN or infinite: give finite numbers",
    Status.TANB_NONPOSITIVE: "tan(beta) <= 0: tan_beta must be positive",
    Status.TACHYON_SLEPTON: "charged-slepton mass^2 < 0: raise msl/mse or reduce |mu tan(beta) - A|",
    Status.TACHYON_SNEUTRINO: "sneutrino mass^2 < 0: raise msl",
    Status.NEGATIVE_SOFT_MASS2: "a soft slepton mass^2 is negative: give positive msl/mse",
    Status.MASSLESS_CHARGINO: "lightest chargino is massless: change M2 or mu",
    Status.NO_CONVERGENCE: "iteration did not converge: increase max_steps or change the start",
    Status.TACHYON_SCALAR: "a scalar mass^2 < 0: the stationary point is not a minimum",
    Status.UNBOUNDED_POTENTIAL: "the potential is unbounded from below: change the quartic couplings",
    Status.NO_MINIMUM: "no non-trivial minimum found: change the mass parameters",
    Status.INVALID_PARAMETER: "a parameter is outside its physical domain",
    Status.FOLD: "self-consistent solution at a fold (double root): its derivative is infinite; move the inputs off the fold",
    Status.VEV_ORDERING: "flavon vevs in the wrong order (v1 > va): the mechanism of arXiv:2003.06633 needs v1 < va; lower v1 or raise va",
    Status.NOT_GLOBAL_MINIMUM: "the requested vacuum is only a local minimum (a deeper stationary point exists): change the mu^2 or quartic parameters",
    Status.TACHYON_SFERMION: "a squark or stau mass^2 < 0: raise the third-generation soft masses or reduce the A terms / mu tan(beta)",
    Status.TACHYON_HIGGS: "a Higgs boson mass^2 < 0: change M_A (MSSM) or the 2HDM mass parameters",
    Status.NONPERTURBATIVE: "a coupling is non-perturbative (|y| or |lambda| beyond its bound): change tan(beta), mu or the quartic couplings",
    Status.NUMERICALLY_UNRELIABLE: "the result is numerically unreliable (near-massless state or near a pole): move the masses away from zero / the pole",
    Status.INVALID_SM_INPUT: "an SM input is unphysical (alpha, MZ, MW, G_F and lepton masses must be positive, MW < MZ): fix the SM inputs",
    Status.UNITARITY_VIOLATED: "tree-level perturbative unitarity is violated: reduce the quartic couplings",
    Status.ALIGNED_YUKAWA_POLE: "aligned 2HDM with zeta_f = 1/tan(beta) (1 - tan(beta) zeta_f = 0): GM2Calc's aligned Yukawa construction divides by zero (it returns NaN); move zeta_f off 1/tan(beta)",
    Status.YUKAWA_POLE: "1 + Delta_l = 0: the resummed lepton Yukawa diverges; move mu tan(beta), M1 or the slepton masses",
}


def describe_status(status: int) -> str:
    """Human-readable, instruction-style description of a status bit-field."""
    status = int(status)
    if status == 0:
        return "ok"
    parts = [msg for flag, msg in _MESSAGES.items() if status & int(flag)]
    return "; ".join(parts) if parts else f"unknown status {status}"
