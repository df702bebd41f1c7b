"""A return to neutral that comes faster than a body moves is not taken at
once: it has to stay.

In a small or dark picture the model sometimes misreads a body for a few
frames: a bridge held at the top reads 172, 146, 126, 121, 76 and then 178
again (a 202x360 clip, mirrored). The dip passes neutral, so the counter
re-armed and counted the same bridge twice. A person does not lower the
hips 50 deg in a tenth of a second and lift them back: the way into neutral
was faster than the exercise's own speed limit (its sudden-movement rule),
which no rep at a normal pace reaches (posecheck would say "slow down"). Such
an arrival is held back until the reading has stayed at neutral for
CONFIRM_S; a misread is back out by then and is ignored, a real (if sudden)
return counts CONFIRM_S late. Arrivals within the speed limit count at once
(a brisk cow-to-cat turn, fast squats). The speed is judged over the
sudden-movement rule's window and over the whole way from the last frame
at the end position: a movement of small span is misread by less than the
window allows (a bridge, span 15 deg, limit 200 deg/s: one frame 25 deg
down and back is 190 deg/s over 0.13 s at 30 fps, 750 deg/s from the top),
and a way that fast from the end would have said "slow down".

A movement whose metric has no speed rule (a share of a body length, not an
angle: a shrug, a squat seen from the front) has no limit to compare with;
there an arrival is too fast when the reading came from the end position
(progress 1) to neutral within SPEED_WINDOW_S. Filmed from behind, the model
flipped its idea of which way a person faced for a frame or a few at the top
of shoulder circles, and the shrug read -68 % between 12 % and 5 %: each
such frame re-armed the counter (15 circles counted for 10).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from itertools import pairwise

from posecheck.core.safety import SPEED_WINDOW_S
from posecheck.spec import Exercise

# The misreads seen last 1-5 frames (up to 0.17 s at 30 fps).
CONFIRM_S = 0.2
# A fast set's way back past `partial` must be seen this long (one frame at
# 15 fps stands for 0.067 s; at 30 fps one frame is a misread's length).
BACK_SEEN_S = 0.06
# Staying must be seen: a step between frames fed over this many of the
# usual interval (frames unknown or without the pose) restarts the wait.
MAX_GAP_FRAMES = 1.5


class _Stay:
    """Whether a reading arrived somewhere (neutral, or back past `partial`)
    may be taken: at once if it came within the speed limit, else once it
    stayed CONFIRM_S, seen without a gap."""

    def __init__(self) -> None:
        self._since: float | None = None

    def taken(self, t_s: float, there: bool, gap: bool, too_fast: Callable[[], bool]) -> bool:
        """Feed every frame: is the reading `there`, and may that be taken now."""
        if not there:
            self._since = None
            return True
        if self._since is not None and gap:
            # Frames were missed (unknown, or the pose not seen): staying
            # is timed again from here, it was not seen to stay.
            self._since = t_s
        if self._since is not None:
            if t_s - self._since >= CONFIRM_S:
                self._since = None
                return True
            return False
        if too_fast():
            self._since = t_s
            return False
        return True


class NeutralGuard:
    """Tells the rep counter whether a frame at neutral may be taken as the
    return (see the module's docstring). Movements without a speed rule on
    their metric are always trusted."""

    def __init__(self, exercise: Exercise) -> None:
        limits = {r.metric: r.above for r in exercise.safety if r.kind == "speed" and r.id == "sudden_movement"}
        rule = exercise.reps
        # Per movement: (its metric's speed limit in deg/s, neutral-to-end span in deg).
        self._limits: dict[str, tuple[float, float]] = {}
        # Movements without a speed rule: judged by the end-to-neutral time.
        self._unlimited: list[str] = []
        if rule is not None:
            for m in rule.movements:
                if m.metric in limits:
                    self._limits[m.name] = (limits[m.metric], abs(m.end - m.neutral))
                else:
                    self._unlimited.append(m.name)
        self._hist: deque[tuple[float, dict[str, float]]] = deque()
        self._at_neutral = _Stay()
        self._past_partial = _Stay()
        # How long the frames in a row up to this one, and up to the one
        # before, were back past `partial` (back_past_partial; a frame held
        # back or unknown ends the run).
        self._back_run_s = self._run_before_s = 0.0
        # When a frame was last unknown or held back at neutral: the
        # reading was in doubt then (back_past_partial).
        self._doubted_s = -math.inf
        # Frames were skipped before the latest one (see _gap).
        self._gap_now = False
        # The last frame fed had no reading at all.
        self._unknown = False
        # The last frame with a movement at its end: (t_s, progress).
        self._at_end: tuple[float, dict[str, float]] | None = None

    def holds_back(self, t_s: float, progress: dict[str, float], at_neutral: bool, under_way: bool) -> bool:
        """Feed every frame's progress (0 at neutral, 1 at the end); True
        when this frame, at neutral while a movement is `under_way`, is not
        to be taken yet (it arrived too fast and has not stayed)."""
        self._gap_now = self._gap(t_s) or self._unknown
        self._run_before_s, self._back_run_s = self._back_run_s, 0.0
        self._hist.append((t_s, progress))
        while len(self._hist) > 2 and t_s - self._hist[1][0] >= SPEED_WINDOW_S:
            self._hist.popleft()
        self._unknown = all(math.isnan(v) for v in progress.values())
        if self._unknown:
            self._doubted_s = t_s
            return False  # (the counter skips it; a wait under way restarts after it)
        held = not self._at_neutral.taken(t_s, at_neutral and under_way, self._gap_now, self._arrived_too_fast)
        if held:
            self._doubted_s = t_s
        elif any(v >= 1.0 for v in progress.values()):
            self._at_end = (t_s, progress)
        return held

    def back_past_partial(self, t_s: float, back: bool) -> bool:
        """Whether a way back past the `partial` mark (a fast set's next rep,
        fast_set.py) is taken in this frame, already fed to holds_back: back
        on frames in a row that stand for BACK_SEEN_S (each the time since
        the frame before), within the speed limit or stayed (as at neutral),
        none with a frame unknown or held back at neutral within 0.12 s
        before it. A fast rep's top at 15 fps is past `partial` on one frame
        only; a misread dip lasts a frame at 30 fps, or comes among frames in
        doubt (a bridge held at the top of a 202x360 clip read 172, 146,
        three held back at neutral, 178, 146, 158, 165)."""
        taken = self._past_partial.taken(t_s, back, self._gap_now, self._arrived_too_fast)
        trusted = t_s - self._doubted_s > SPEED_WINDOW_S and not self._gap_now and len(self._hist) >= 2
        if back and taken and trusted:
            self._back_run_s = self._run_before_s + (t_s - self._hist[-2][0])
        return self._back_run_s >= BACK_SEEN_S

    def _gap(self, t_s: float) -> bool:
        """Whether frames were skipped before t_s: the step from the last
        frame fed is over MAX_GAP_FRAMES of the recent frame interval."""
        times = [t for t, _ in self._hist]
        steps = [b - a for a, b in pairwise(times)]
        return bool(times and steps) and t_s - times[-1] > MAX_GAP_FRAMES * min(steps)

    def _arrived_too_fast(self) -> bool:
        if len(self._hist) < 2:
            return False
        (t0, p0), (t1, p1) = self._hist[0], self._hist[-1]
        if t1 - t0 <= 0.0:
            return False
        for name, (limit, span) in self._limits.items():
            a, b = p0.get(name, math.nan), p1.get(name, math.nan)
            if not (math.isnan(a) or math.isnan(b)) and abs(b - a) * span / (t1 - t0) > limit:
                return True
        if self._at_end is not None and t1 > self._at_end[0]:
            # The whole way from the end position, not only the window's
            # part of it: one misread frame 25 deg down is within the limit
            # over the window (0.13 s at 30 fps) but not over one frame.
            t_end, p_end = self._at_end
            for name, (limit, span) in self._limits.items():
                a, b = p_end.get(name, math.nan), p1.get(name, math.nan)
                if a - b > limit * (t1 - t_end) / span:
                    return True
        # From the end position to here (neutral) within the window.
        return any(p.get(name, math.nan) >= 1.0 for name in self._unlimited for _, p in self._hist)
