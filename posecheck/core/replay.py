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
from typing import Any

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
        # Per frame: time, landmarks, the engine judged it usable, counting
        # was paused for the position (its values withheld, a movement under
        # way voided), a stop warning fired (a movement voided) and the
        # recording cut to it.
        self._t: list[float] = []
        self._frames: list[Frames] = []
        self._flags: list[tuple[bool, bool, bool, bool]] = []
        # Every frame since the session's first is kept (False once the
        # session outgrew HISTORY_S: a rest corrected later applies from
        # then on only).
        self.complete = True

    def keep(self, t_s: float, frames: Frames, usable: bool, paused: bool, stopped: bool, cut: bool = False) -> None:
        """Keep one frame (while the session is within HISTORY_S)."""
        if not self.complete:
            return
        if self._t and t_s - self._t[0] > HISTORY_S:
            self.complete = False
            self._t, self._frames, self._flags = [], [], []
            return
        self._t.append(t_s)
        self._frames.append(frames)
        self._flags.append((usable, paused, stopped, cut))

    def recount(
        self, ex: Exercise, relative: Callable[[MetricDef, FloatArray], FloatArray]
    ) -> tuple[ExerciseEngine, list[Event]]:
        """A new engine run over every kept frame with the rest as now known
        (`relative`: a metric's values made relative to it), as the session
        ran the old one (pauses and stop warnings void the movement under
        way), and the events it gave. The metrics are computed once over the
        stacked frames, as offline (frame by frame, a minute at 60 fps took
        over 3 s). The frames stay kept: the rest may be corrected again."""
        engine = ExerciseEngine(ex)
        events: list[Event] = []
        if not self._t:
            return engine, events
        with np.errstate(invalid="ignore", divide="ignore"):
            arrays = evaluate_metrics(_stacked(self._frames), ex.metrics, relative)
        for k, (t_s, (usable, paused, stopped, cut)) in enumerate(zip(self._t, self._flags, strict=True)):
            if paused:
                engine.pause_for_position()
            if stopped:
                engine.void_excursion()
            values = {n: math.nan if paused or not usable else float(v[k]) for n, v in arrays.items()}
            events += engine.update(t_s, values, usable, cut)
        # What it could not count was noted when those frames came.
        engine.notes.clear()
        return engine, events


def _stacked(frames: list[Frames]) -> Frames:
    """One Frames of many one-frame ones (one session: one size and roll)."""

    def joined(name: str) -> Any:
        parts = [getattr(f, name) for f in frames]
        return None if parts[0] is None else np.concatenate(parts)

    first = frames[0]
    return Frames(
        joined("px"),
        joined("world"),
        joined("visibility"),
        first.size,
        first.roll_deg,
        joined("face_deg"),
        joined("face_gap"),
        joined("head_dir_deg"),
        joined("head_dir_gap"),
    )


def counts(engine: ExerciseEngine) -> tuple[int, int, int]:
    """(reps, completed holds, partial reps) an engine has counted."""
    return len(engine.reps), sum(h.completed for h in engine.holds), engine.partial_reps


def takes_nothing_back(engine: ExerciseEngine, reps: int, holds: int, partial_reps: int) -> bool:
    """A recount is taken only when it keeps every rep and completed hold
    already counted, and as many movements (a partial rep may become a whole
    one): the person heard them, and a count that drops and is announced
    again teaches them to distrust it. Otherwise the old count goes on with
    the corrected rest from now on."""
    now_reps, done, now_partial = counts(engine)
    return now_reps >= reps and done >= holds and now_reps + now_partial >= reps + partial_reps


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


def recount_notes(t_s: float, events: list[Event], was_holding: bool, engine: ExerciseEngine) -> list[Event]:
    """What the session log needs of a recount taken at t_s (`events` and
    `engine` the recount's): a `recount` line with the counts as now known
    (the rep lines before it are what was announced; `exercise_end` has the
    final count), and the hold event that keeps its hold lines paired: the
    log said hold_started for a hold the old count had open, which the
    recount may have ended, or the recount opened one the log never heard
    of."""
    reps, done, partial_reps = counts(engine)
    detail = {"reps": reps, "partial_reps": partial_reps, "holds_completed": done}
    out = [Event(t_s, EventKind.RECOUNT, None, detail)]
    holding = engine.state.holding
    if was_holding != holding:
        kind = EventKind.HOLD_STARTED if holding else EventKind.HOLD_ENDED
        out += [e for e in events if e.kind == kind][-1:]
    return out
