"""Counting again when the rest is found or corrected (live).

Live, a `relative` metric is unknown until the person's rest is found
(baseline.py: held still, or shown by the movement itself), and the rest
found first can be wrong: a head turned at the start and held a moment is
taken for the rest until the turns to both sides show the middle. People
start at once, as recordings show, so by then reps were done, and they
were seen in full: the issue's rule is that the first rep seen in full
counts, live as offline. So the frames of a session's first HISTORY_S (the
history the rest is found in) are kept, and when the rest is found or
corrected within them, the whole session is counted again from its first
frame with that rest, by a new engine that then carries on. Safety rules
are not run again: a warning for a moment already past is no use to the
person. Pure: numpy and the stdlib only.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from posecheck.core.baseline import HISTORY_S
from posecheck.core.engine import ExerciseEngine
from posecheck.core.events import Event, EventKind
from posecheck.core.landmarks import Frames
from posecheck.core.metrics import FloatArray, MetricDef, evaluate_metrics
from posecheck.spec import Exercise


class SessionReplay:
    """The frames of a session's first HISTORY_S, for `recount`."""

    def __init__(self) -> None:
        # (time, the frame's landmarks, the engine judged it usable, its
        # values were withheld from the engine: out of position).
        self._frames: list[tuple[float, Frames, bool, bool]] = []
        # Every frame since the session's first is kept (False once the
        # session outgrew HISTORY_S: a rest corrected later applies from
        # then on only).
        self.complete = True

    def keep(self, t_s: float, frames: Frames, usable: bool, withheld: bool) -> None:
        """Keep one frame (while the session is within HISTORY_S)."""
        if not self.complete:
            return
        if self._frames and t_s - self._frames[0][0] > HISTORY_S:
            self.complete = False
            self._frames.clear()
            return
        self._frames.append((t_s, frames, usable, withheld))

    def recount(
        self, ex: Exercise, relative: Callable[[MetricDef, FloatArray], FloatArray]
    ) -> tuple[ExerciseEngine, list[Event]]:
        """A new engine run over every kept frame with the rest as now known
        (`relative`: a metric's values made relative to it), and the events
        it gave. The frames stay kept: the rest may be corrected again."""
        engine = ExerciseEngine(ex)
        events: list[Event] = []
        for t_s, frames, usable, withheld in self._frames:
            with np.errstate(invalid="ignore", divide="ignore"):
                arrays = evaluate_metrics(frames, ex.metrics, relative)
            values = {n: math.nan if withheld else float(v[0]) for n, v in arrays.items()}
            events += engine.update(t_s, values, usable)
        # What it could not count was noted when those frames came.
        engine.notes.clear()
        return engine, events


def new_counts(events: list[Event], reps_before: int, holds_before: int) -> list[Event]:
    """Of a recount's events, the reps and completed holds beyond the
    counts the person already heard: those are announced; the rest of the
    recount only corrects what is shown."""
    out: list[Event] = []
    seen = {EventKind.REP: 0, EventKind.HOLD_COMPLETED: 0}
    before = {EventKind.REP: reps_before, EventKind.HOLD_COMPLETED: holds_before}
    for e in events:
        if e.kind in seen:
            seen[e.kind] += 1
            if seen[e.kind] > before[e.kind]:
                out.append(e)
    return out
