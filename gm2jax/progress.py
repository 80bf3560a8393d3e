"""Progress lines for long commands: one line per phase with the elapsed time, tqdm for loops.

``gm2jax fit`` and ``gm2jax sample`` spend their first 20-60 s compiling; a user should see
from the first second what is happening.  :class:`Progress` prints, to stderr::

    [   0.0 s] compile + random starts: tracing and compiling the model (first call only) ...
    [  21.4 s] compile + random starts: done in 21.4 s
    [  21.4 s] fit: 32 starts ...

Library functions take ``progress: bool | Progress`` and call :func:`as_progress`; a disabled
:class:`Progress` prints nothing, so the library stays quiet by default.

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> p = Progress(stream=out)
    >>> with p.phase("fit"):
    ...     pass
    >>> out.getvalue().splitlines()[0].endswith("fit ...")
    True
"""

from __future__ import annotations

import contextlib
import sys
import time

from tqdm.auto import tqdm

__all__ = ["Progress", "as_progress"]


class Progress:
    """Phase lines with elapsed time (see the module docstring).

    Args:
        enabled: print (False: every method is a no-op; :meth:`bar` gives a disabled bar).
        stream: where to write (default ``sys.stderr``, so stdout stays machine-readable).
    """

    def __init__(self, enabled: bool = True, stream=None):
        self.enabled = bool(enabled)
        self.stream = stream
        self.t0 = time.perf_counter()

    @property
    def elapsed(self) -> float:
        """Seconds since this object was created."""
        return time.perf_counter() - self.t0

    def say(self, message: str) -> None:
        """One line ``[elapsed s] message``."""
        if self.enabled:
            print(f"[{self.elapsed:7.1f} s] {message}", file=self.stream or sys.stderr, flush=True)

    @contextlib.contextmanager
    def phase(self, name: str, detail: str = ""):
        """Announce ``name`` (and ``detail``) now and its duration when the block ends."""
        start = time.perf_counter()
        self.say(f"{name}{': ' + detail if detail else ''} ...")
        yield self
        self.say(f"{name}: done in {time.perf_counter() - start:.1f} s")

    def bar(self, total: int, desc: str, unit: str = "it"):
        """A tqdm bar (to stderr) for a long loop; disabled when this Progress is."""
        # disable=None: tqdm draws only on a terminal (a log file gets the phase lines alone)
        return tqdm(total=total, desc=desc, unit=unit, disable=None if self.enabled else True,
                    file=self.stream or sys.stderr, leave=False, mininterval=1.0)


def as_progress(progress) -> Progress:
    """``True``/``False`` -> a new (enabled/disabled) :class:`Progress`; a Progress as it is."""
    return progress if isinstance(progress, Progress) else Progress(enabled=bool(progress))
