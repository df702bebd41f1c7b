"""The movement under way, from leaving neutral to the way back, as the rep
counter (reps.py) follows it: its peaks, the progress it kept, when it
reached the end (in sight or out of it), its faults and the frames to replay
into a hold; and which movement a frame shows. Pure: progress values in.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise

from posecheck.core.events import RepRecord


def leading_movement(p: dict[str, float]) -> str:
    """The movement being done. "both" wins when it is at the end, since
    one shoulder reaching the top first is not a one-sided rep."""
    if "both" in p and p["both"] >= 1.0:
        return "both"
    finite = {n: v for n, v in p.items() if not math.isnan(v)}
    one_sided = {n: v for n, v in finite.items() if n != "both"} or finite
    return max(one_sided, key=one_sided.__getitem__)


# The shortest time out of sight that can hide a rep's end passed unseen
# (Excursion.end_out_of_sight): the model loses a person filmed from the
# front on the floor for 0.2-0.4 s at most bottoms (face to the lens); a
# frame or two lost at 30 fps is no bottom. A real dark clip lost one
# push-up at 0.57 of the way down, going deeper, and found it 0.6 s later
# at 0.55 on the way up. This trusts that the model loses a person at the
# bottom, not half way: a half rep whose turn is out of sight that long
# counts too.
UNSEEN_BOTTOM_S = 0.2


@dataclass
class Excursion:
    """The movement under way, from leaving neutral to the way back.

    Attributes:
        left_neutral_s: when it left neutral.
        end_reached_s: when the end position was reached.
        peak: per movement, the highest progress so far.
        held_peak: per movement, the highest progress kept for the end's
            confirmation time (`end_confirm_s`) so far: what a partial rep
            is judged by, as the end is (one misread frame past `partial`,
            a dark picture's jitter, is not an attempt).
        end_since: at the end position since then (None: not there now).
        move: the movement at the end position.
        faults: ids of the form rules broken so far (its rep shares the list).
        steps: the steps of a sequence done in it (a step counts once per
            excursion, however long it stays at its end).
        recent: (t_s, progress, still values) of the last frames, to replay
            into a hold.
    """

    left_neutral_s: float = 0.0
    end_reached_s: float = 0.0
    peak: dict[str, float] = field(default_factory=dict)
    held_peak: dict[str, float] = field(default_factory=dict)
    end_since: float | None = None
    move: str | None = None
    faults: list[str] = field(default_factory=list)
    steps: set[str] = field(default_factory=set)
    recent: deque[tuple[float, dict[str, float], tuple[float, ...]]] = field(default_factory=lambda: deque(maxlen=64))

    def observe(
        self, t_s: float, p: dict[str, float], still: tuple[float, ...], faults_now: list[str], confirm_s: float
    ) -> None:
        """One frame of it: progress per movement, still values, faults;
        `confirm_s` is how long a progress must be kept to count as held."""
        self.faults.extend(f for f in faults_now if f not in self.faults)
        self.recent.append((t_s, p, still))
        for n, v in p.items():
            if not math.isnan(v):
                self.peak[n] = max(self.peak.get(n, -math.inf), v)
        # The lowest progress over the last confirm_s (frames unknown left
        # out), once the excursion's frames reach that far back.
        if self.recent[0][0] > t_s - confirm_s:
            return
        window = [q for t_r, q, _ in self.recent if t_r >= t_s - confirm_s - 1e-9]
        for n in p:
            kept = [v for q in window if not math.isnan(v := q.get(n, math.nan))]
            if len(kept) >= 2:
                self.held_peak[n] = max(self.held_peak.get(n, -math.inf), min(kept))

    def end_out_of_sight(
        self, t_s: float, confirm_s: float, past_partial: dict[str, float], partial: dict[str, float]
    ) -> str | None:
        """The movement whose end was reached out of sight, or None: the
        frame seen before this one (observed) was at the end, the way there
        kept past `partial` (`past_partial`: Movements.past_partial of the
        held peak), and nothing was seen for `confirm_s` or longer until
        now, with a frame or more missed (a step over 1.5 of the shortest
        among the frames kept: at 10 fps one frame at the end, the next
        seen 0.1 s later, is no end reached out of sight). A push-up
        filmed from the front, face to the lens at the bottom: the model
        loses the person for 0.2-0.4 s at each bottom and finds them on the
        way up (a real dark clip: 7 of 15 lost). Or its end was passed out
        of sight: the way there kept past `partial`, the frame seen before
        this one past it too (`partial`: per movement, the progress of its
        mark) and deeper than the frame before it, nothing seen for
        UNSEEN_BOTTOM_S or longer, and this frame past `partial` again.
        Plain reps only: a held rep's hold cannot be timed unseen."""
        if len(self.recent) < 3:
            return None
        times = [r[0] for r in self.recent]
        shortest = min(b - a for a, b in pairwise(times))
        (_, before, _), (seen_s, last, _), (_, now, _) = self.recent[-3], self.recent[-2], self.recent[-1]
        unseen_s = t_s - seen_s if t_s - seen_s > 1.5 * shortest else 0.0  # a frame or more missed
        at_end = {n: v for n, v in last.items() if v >= 1.0 and n in past_partial}
        if self.end_since is not None and at_end and unseen_s >= confirm_s:
            return leading_movement(at_end)
        # The end passed out of sight (see UNSEEN_BOTTOM_S).
        going = {
            n: v
            for n, v in last.items()
            if n in past_partial
            and v >= partial[n]
            and v > before.get(n, math.nan)
            and now.get(n, math.nan) >= partial[n]
        }
        return leading_movement(going) if going and unseen_s >= UNSEEN_BOTTOM_S else None

    def record(self, t_s: float, name: str, side: str | None, peak: float) -> RepRecord:
        """Its rep, counted at t_s for movement `name`. The record shares the
        fault list, so faults seen on the way back still land on the rep."""
        duration_s = self.end_reached_s - self.left_neutral_s
        return RepRecord(t_s, side, peak, self.faults, duration_s, progress=self.peak.get(name, 1.0))

    def mark_steps(self, name: str, steps_done: list[str]) -> None:
        """A sequence's step `name` is done: every step at its end in this
        excursion is done too (a person who raises trunk and legs together
        has done both steps at once); adds them to `steps_done`."""
        for step in [name] + [n for n, v in self.peak.items() if v >= 1.0]:
            self.steps.add(step)
            if step not in steps_done:
                steps_done.append(step)
