"""Half circles: a swing from one side to the other that dips on the way.

A head rolled from one shoulder to the other through the back (chin up,
face to the sky half way) is a head roll, the movement the sources call the
typical dangerous mistake, even when it never closes into a full circle:
people roll half way and back. The loop meter (safety._LoopMeter) needs
three quarters of a turn, and a half roll winds about half of one, no more
than a head turned left and right seen by a camera to the side. What tells
the half roll apart is its shape: the sideways metric swings from past
-amplitude to past +amplitude (or back) within `window_s`, and the other
metric is, half way, far lower than at either end of the swing (the nod
reads the head back), and reads at most `middle_below` there (the head
tipped back, not a chin held down while the face turns from side to side,
whose turned ends read higher than its middle). A side tilt from one
shoulder to the other passes through the middle at the same nod as at its
ends; a roll through the front (chin to chest) passes higher, not lower.

The ends are the swing's extremes on each side (the frames farthest out of
those read: an unknown frame, NaN, is skipped), not where it crosses the
amplitude: on a round arc the head is already far
back when it crosses. Each reading is the median of three frames, so one
frame misread (an eye line that flips for a frame) is not a side reached.
Pure: numbers in, a yes or no out.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass


@dataclass
class _Run:
    """The latest stretch of frames on one side: its side (+1/-1) and its
    frames (t, x, y) of the last RUN_S."""

    side: int
    frames: deque[tuple[float, float, float]]

    @property
    def last_s(self) -> float:
        return self.frames[-1][0]

    @property
    def extreme(self) -> tuple[float, float, float]:
        """The frame farthest out of the run's last RUN_S."""
        return max(self.frames, key=lambda f: abs(f[1]))


class ArcMeter:
    """Finds swings of x from one side to the other with y dipping by
    `dip` on the way (see the module doc)."""

    # How far back a side's run looks for its extreme (its frame farthest
    # out): a head resting on one shoulder for seconds and then rolling is
    # judged from how it sat just before the roll.
    RUN_S = 1.5
    # Away from a side longer than this and back on it is a new run: the
    # head came back to the middle, the swing (if any) is over.
    GAP_S = 0.5
    # Past this (degrees) a reading is no head position: an eye line upside
    # down is someone else's, or a misread (a bystander crossing in front
    # read -155 to +98 within 0.3 s). The swing so far is not trusted.
    MAX_X = 90.0

    def __init__(self, amplitude: float, dip: float, window_s: float, middle_below: float = math.inf) -> None:
        self.amplitude = amplitude
        self.dip = dip
        self.window_s = window_s
        self.middle_below = middle_below
        self._raw: deque[tuple[float, float]] = deque(maxlen=3)
        # (t, y) of the recent frames, from the swing's first extreme on.
        self._ys: deque[tuple[float, float]] = deque()
        self._before: _Run | None = None
        self._run: _Run | None = None

    def reset(self) -> None:
        """Forget the history (a cut: the two sides of a jump are not one swing)."""
        self._raw.clear()
        self._ys.clear()
        self._before = self._run = None

    def update(self, t_s: float, x: float, y: float) -> tuple[bool | None, float]:
        """Feed one frame; returns (a dipping swing reaches its far side
        now, when that swing started); None for a NaN frame (unknown: it
        neither confirms nor clears a fault), which is skipped."""
        if math.isnan(x) or math.isnan(y):
            # The median goes on over the frames either side: started afresh
            # after every unknown frame, one misread frame just after it
            # would be read alone.
            return None, t_s
        if abs(x) > self.MAX_X or abs(y) > self.MAX_X:
            self.reset()
            return False, t_s
        self._raw.append((x, y))
        x = statistics.median(p[0] for p in self._raw)
        y = statistics.median(p[1] for p in self._raw)
        self._ys.append((t_s, y))
        while self._ys[0][0] < t_s - self.window_s - 2 * self.RUN_S:
            self._ys.popleft()
        side = 1 if x >= self.amplitude else -1 if x <= -self.amplitude else 0
        if side == 0:
            return False, t_s
        run = self._run
        if run is None or run.side != side or t_s - run.last_s > self.GAP_S:
            # A new run: the run before is the far end of a swing only if
            # it was on the other side and recently.
            near = run is not None and run.side == -side and t_s - run.last_s <= self.window_s
            self._before = run if near else None
            self._run = run = _Run(side, deque([(t_s, x, y)]))
            self._trim()
        else:
            run.frames.append((t_s, x, y))
            while t_s - run.frames[0][0] > self.RUN_S:
                run.frames.popleft()
        before = self._before
        if before is None:
            return False, t_s
        (t0, _, y0), (t1, _, y1) = before.extreme, run.extreme
        # Lower half way than at either end: a nod that only falls from one
        # shoulder to the other has no dip between.
        between = [v for tv, v in self._ys if t0 <= tv <= t1]
        lowest = min(between)
        return min(y0, y1) - lowest >= self.dip and lowest <= self.middle_below, t0

    def _trim(self) -> None:
        """Keep the frames from the extreme of the run before on."""
        keep_from = self._before.extreme[0] if self._before is not None else self._ys[-1][0]
        while self._ys and self._ys[0][0] < keep_from:
            self._ys.popleft()
