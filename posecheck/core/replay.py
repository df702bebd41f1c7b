"""Counting what was done before the rest was known (live).

Live, a `relative` metric is unknown until the person's rest is found
(baseline.py: held still, or shown by the movement itself). Someone who
starts at once, as people do, has done their first reps by then, and those
were seen in full: the issue's rule is that the first rep seen in full
counts, live as offline. So the frames of that wait are kept, and once the
rest is known they are run again through a new engine that knows it; the
engine then carries on from there, and the reps found on the way are
announced at once. Safety rules are not run again: a warning for a moment
already past is no use to the person (offline sees the whole recording
with the rest known from the start). Pure: numpy and the stdlib only.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import numpy as np

from posecheck.core.baseline import HISTORY_S
from posecheck.core.engine import ExerciseEngine
from posecheck.core.events import Event
from posecheck.core.landmarks import Frames
from posecheck.core.metrics import FloatArray, MetricDef, evaluate_metrics
from posecheck.spec import Exercise


class WaitingReplay:
    """The frames seen while the rest was unknown (at most the last
    HISTORY_S, the history the rest is found in), for `replay`."""

    def __init__(self) -> None:
        # (time, the frame's landmarks, the engine judged it usable, its
        # values were withheld from the engine: out of position).
        self._frames: deque[tuple[float, Frames, bool, bool]] = deque()

    @property
    def pending(self) -> bool:
        """Frames are kept that no engine has counted with the rest yet."""
        return bool(self._frames)

    def keep(self, t_s: float, frames: Frames, usable: bool, withheld: bool) -> None:
        """Keep one frame of the wait."""
        self._frames.append((t_s, frames, usable, withheld))
        while self._frames and self._frames[0][0] < t_s - HISTORY_S:
            self._frames.popleft()

    def clear(self) -> None:
        """Forget the wait (the view or the camera's roll changed: the
        frames were measured differently)."""
        self._frames.clear()

    def replay(
        self, ex: Exercise, relative: Callable[[MetricDef, FloatArray], FloatArray]
    ) -> tuple[ExerciseEngine, list[Event]]:
        """A new engine run over the kept frames with the rest now known
        (`relative`: a metric's values made relative to it), and the events
        it gave; the frames are then forgotten."""
        engine = ExerciseEngine(ex)
        events: list[Event] = []
        for t_s, frames, usable, withheld in self._frames:
            with np.errstate(invalid="ignore", divide="ignore"):
                arrays = evaluate_metrics(frames, ex.metrics, relative)
            values = {n: math.nan if withheld else float(v[0]) for n, v in arrays.items()}
            events += engine.update(t_s, values, usable)
        self._frames.clear()
        return engine, events
