"""Ctrl-C, SIGTERM and SIGHUP end a live session as the q key does.

The running exercise's `exercise_end` and history row are written, then
`session_end`; the handler only records the signal, so a second one during
that shutdown cannot cut it short.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any, final

# The signals that end a session as q does (SIGHUP: the terminal closed).
# The exit status is then 128 + the signal's number, as a shell reports a
# process a signal ended: Ctrl-C 130, SIGHUP 129, SIGTERM 143.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
EXIT_SIGNAL_BASE = 128


@final
class StopOnSignals:
    """While a session runs, SIGINT, SIGTERM and SIGHUP only ask it to stop.

    The handler records the signal and returns: it raises nothing and takes
    no lock, so neither the first signal nor a second one during the
    shutdown (a double Ctrl-C) can interrupt the writing of the exercise's
    end. A signal the process was started with ignored (nohup, a background
    job) stays ignored. Installed only from the main thread (Python's rule);
    the previous handlers come back on exit.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self.received: list[int] = []
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopOnSignals:
        if threading.current_thread() is threading.main_thread():
            for s in STOP_SIGNALS:
                if s not in self._previous and signal.getsignal(s) is not signal.SIG_IGN:  # entered once
                    self._previous[s] = signal.signal(s, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if self.signum is None:
            self.signum = signum

    def __exit__(self, *exc: object) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        self._previous.clear()

    @property
    def name(self) -> str | None:
        """The first signal's name (SIGTERM), None when none came."""
        return signal.Signals(self.signum).name if self.signum is not None else None
