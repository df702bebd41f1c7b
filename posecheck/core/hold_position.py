"""Why a hold exercise timed nothing: the position the person never took.

A person doing a high plank (on straight arms) for the forearm plank was
seen, set up and read well for 10 s, and the report said "reps: 0" and no
more: each frame failed the hold's elbow condition, which nothing reported.
This tally follows, over the frames where every hold condition could be
read, which conditions were not met and what their metric read, so that a
recording with no hold can say which one kept it from being timed (an info
note, rule "not_counted"). Pure: metric values in, a sentence out.
"""

from __future__ import annotations

import math
from collections import Counter

from posecheck.spec import Exercise
from posecheck.spec.model import Condition

# Judged in at least this many frames, a condition failed in at least this
# share of them: worth a note.
MIN_FRAMES = 15
NOTE_SHARE = 0.5


def _band(c: Condition) -> str:
    if math.isinf(c.min):
        return f"at most {c.max:g}"
    if math.isinf(c.max):
        return f"at least {c.min:g}"
    return f"{c.min:g} to {c.max:g}"


class HoldPositionTally:
    """The hold conditions a static hold's frames did not meet (see the
    module doc); nothing to tally for other kinds of exercise."""

    def __init__(self, exercise: Exercise) -> None:
        hold = exercise.hold
        self._conditions = hold.when if exercise.kind == "hold" and hold is not None else ()
        self.judged_frames = 0
        self._unmet: Counter[int] = Counter()
        self._first_s: float | None = None
        self._range: dict[int, tuple[float, float]] = {}

    def update(self, t_s: float, values: dict[str, float]) -> None:
        """One frame's metric values (a frame with a person, counting on)."""
        verdicts = [c.judge(values) for c in self._conditions]
        if not verdicts or None in verdicts:
            return
        self.judged_frames += 1
        if all(verdicts):
            return
        if self._first_s is None:
            self._first_s = t_s
        for i, (c, met) in enumerate(zip(self._conditions, verdicts)):
            if met:
                continue
            self._unmet[i] += 1
            v = values[c.metric]
            lo, hi = self._range.get(i, (v, v))
            self._range[i] = (min(lo, v), max(hi, v))

    def note(self) -> tuple[float, str] | None:
        """(time, message) naming the condition most often not met, when
        it failed in most frames judged; None otherwise."""
        if self.judged_frames < MIN_FRAMES or not self._unmet:
            return None
        i, n = self._unmet.most_common(1)[0]
        if n < NOTE_SHARE * self.judged_frames:
            return None
        c = self._conditions[i]
        lo, hi = self._range[i]
        share = round(100 * n / self.judged_frames)
        read = f"{c.metric} read {lo:.0f} to {hi:.0f} in {share}% of the frames; the hold needs {_band(c)}"
        what = f"{c.message} ({read})" if c.message else read
        assert self._first_s is not None
        return self._first_s, f"No hold was timed, never in the position: {what}."
