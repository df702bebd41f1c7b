"""A fast set's next rep: back part way, not to neutral, and at the end again.

The rep machine re-arms at neutral, and a rep done in full starts there. In
a fast set people rarely get back that far: 76 push-ups in a minute (a
real clip) went to 60-70 deg at each bottom and back only to 123-141, short
of the push-up's neutral 145; 14 were counted. What makes those reps is the
amplitude, so that is kept and only the lockout is not asked for: back past
the movement's `partial` mark and by at least its own span (neutral to
end) from the deepest point, then at the end again, risen by a span from
the lowest point between. Smaller wobbles at the end stay one rep: a bridge
held at the top of a 202x360 clip that sagged 17 deg and rose 13 (its span
is 15).

The way back is taken as a return to neutral is (NeutralGuard): within the
speed limit or kept, and seen for 0.06 s (a frame at 15 fps, two at 30),
with no frame in doubt just before it. It is no way back
while another movement is past its own `partial` mark: the right leg down
while the left reads up is the model swapping the legs' labels. Plain reps
only (a hold's rep is its hold; a sequence's steps have neutral between).
Pure: progress values in, the next rep out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from posecheck.core.engine.neutral_guard import NeutralGuard
from posecheck.spec import RepRule


@dataclass(frozen=True)
class NextRep:
    """The next rep of a fast set, its end confirmed.

    Attributes:
        risen: the movements at their end again, risen by a span, with their
            progress (the caller picks the one done, as for any rep:
            reps.leading_movement, so both shoulders raised stay "both").
        end_s: when it reached the end again.
        back_s: when its way back was taken (where its movement began).
        peak: per movement, its highest progress since the way back.
    """

    risen: dict[str, float]
    end_s: float
    back_s: float
    peak: dict[str, float]


class FastSetWatch:
    """Watches one rep's end position for the next rep of a fast set (see
    the module doc); `reset` for every new movement."""

    def __init__(self, rule: RepRule | None, guard: NeutralGuard) -> None:
        movements = rule.movements if rule is not None else ()
        # Per movement, the progress of its `partial` mark.
        self._partial = {m.name: m.partial_progress for m in movements}
        self._confirm_s = rule.end_confirm_s if rule is not None else 0.0
        self._guard = guard
        self.reset()

    def reset(self) -> None:
        self._back_s: float | None = None
        # Per movement, the lowest and the highest progress since the way back.
        self._valley: dict[str, float] = {}
        self._rise_peak: dict[str, float] = {}
        self._again_s: float | None = None

    def update(self, t_s: float, p: dict[str, float], move: str, deepest: float, may_count: bool) -> NextRep | None:
        """Feed a frame at a counted rep's end (after NeutralGuard.holds_back):
        progress per movement, the movement at the end and its deepest
        progress in this rep; `may_count` whether a rep may count now (set
        up, and the rep's minimum time since the last). The next rep once
        its end is kept for `confirm_s`."""
        v = p.get(move, math.nan)
        others_back = all(not x >= self._partial[n] for n, x in p.items() if n != move)
        back = others_back and v < self._partial[move] and deepest - v >= 1.0
        taken = self._guard.back_past_partial(t_s, back)
        if self._back_s is None:
            if not taken:
                return None
            self._back_s = t_s
        for n, x in p.items():
            if not math.isnan(x):
                self._valley[n] = min(self._valley.get(n, x), x)
                self._rise_peak[n] = max(self._rise_peak.get(n, x), x)
        risen = {n: x for n, x in p.items() if x >= 1.0 and x - self._valley[n] >= 1.0}
        if not risen:
            self._again_s = None
            return None
        if self._again_s is None:
            self._again_s = t_s
        if t_s - self._again_s < self._confirm_s or not may_count:
            return None
        return NextRep(risen, self._again_s, self._back_s, dict(self._rise_peak))
