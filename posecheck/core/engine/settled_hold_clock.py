"""Timing the hold at a rep's end position: the time spent still there.

Split from hold_clock.py (the static hold's clock, which this one extends):
a rep's end is moved into and out of, so this clock finds where the
movement settled and where the way back began, and, for a reading noisier
than its band, the corners where the ramps in and out meet the held level.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from posecheck.core.engine.hold_clock import HoldClock, runs_in
from posecheck.core.engine.noise import frame_noise


class SettledHoldClock(HoldClock):
    """Times the hold at a rep's end position as the time spent STILL there.

    Crossing the end threshold is not yet holding: the movement usually goes
    on to the person's own end range. The hold starts when the movement has
    settled (its progress rises by less than `settle_speed` ranges per second
    over `SETTLE_WINDOW_S`) and ends when the way back starts (progress falls
    faster than that). Measured on rendered clips, this keeps the hold within
    a frame or two of the true still period, where timing from the threshold
    crossings added the ramps (about a second per hold). While the hold runs
    (the timer shown, the target check), a window found still counts as still
    up to its end: counted to its start, the timer trailed by the window
    (0.3 s), and a real 0.25 s turn held at 10 fps never reached its target.
    """

    SETTLE_WINDOW_S = 0.3
    # Within this fraction of the movement's range of the hold's level, and
    # at least the exercise's `hold.level_band` in the metric's own units
    # (default 2 deg), counts as at the level: on rendered clips the model's
    # reading of a perfectly still head drifts by up to 1.3 deg during a 10 s
    # hold and creeps the last 1-2 deg into place; a tighter band cut holds
    # short.
    LEVEL_BAND = 0.15

    def __init__(
        self,
        crossed_s: float,
        grace_s: float,
        settle_speed: float,
        range_units: float,
        level_band_units: float,
        still_band_units: float = 2.0,
    ) -> None:
        super().__init__(crossed_s, grace_s, still_band_units)
        self.start_s = None
        self.settle_speed = settle_speed
        self.band = max(self.LEVEL_BAND, level_band_units / abs(range_units))
        self._t: list[float] = []
        self._p: list[float] = []
        self._scan = 0
        self._crossed_s = crossed_s
        self._still_until_s: float | None = None

    def _step(self, i: int, j: int) -> float:
        """Progress change per second from sample i to sample j."""
        return (self._p[j] - self._p[i]) / (self._t[j] - self._t[i])

    def update(self, t_s: float, in_position: bool, progress: float = math.nan, still: tuple[float, ...] = ()) -> bool:
        held = super().update(t_s, in_position, progress, still)
        if math.isnan(progress):
            return held
        self._t.append(t_s)
        self._p.append(progress)
        k = len(self._t) - 1
        # Advance to the sample one window back from now.
        w = self.SETTLE_WINDOW_S - 1e-9
        while self._scan + 1 < k and self._t[k] - self._t[self._scan + 1] >= w:
            self._scan += 1
        i = self._scan
        if k > i and self._t[k] - self._t[i] >= w and self._t[i] >= self._crossed_s:
            step = self._step(i, k)
            if self.start_s is None and step < self.settle_speed:
                self.start_s = self._t[i]
            if self.start_s is not None and abs(step) < self.settle_speed and in_position:
                self._still_until_s = self._t[k]
        return held

    @property
    def elapsed_s(self) -> float:
        if self.start_s is None or self._still_until_s is None:
            return 0.0
        return max(self._still_until_s - self.start_s, 0.0)

    # How long a departure must last at least (a noise spike is not one; the
    # hold's grace time is used when longer). The level it departs from is
    # the median of the LEVEL_WINDOW_S before.
    DEPART_FOR_S = 0.2
    # The hold ended where the reading last sat at its level before leaving
    # it for good: within this share of the band round its trailing median
    # (a turn back from near profile wanders at the band's edge; README).
    AT_LEVEL_SHARE = 0.8

    def _span(self) -> tuple[float, float]:
        """(start_s, end_s) of the movement's own still period, refined once
        the hold is over (_band_span); for a reading noisier than the band,
        where the ramps in and out met the held level (ramp_edges)."""
        assert self.start_s is not None
        t = np.asarray(self._t)
        raw = np.asarray(self._p)
        p, band = self._steadied(t, raw)
        start, end = self._band_span(t, p, band)
        if band <= self.band:
            return start, end
        return ramp_edges(t, raw, p, (start, end), band, self._crossed_s)

    def _band_span(self, t: np.ndarray, p: np.ndarray, band: float) -> tuple[float, float]:
        """(start_s, end_s) of the movement's own still period, refined once
        the hold is over.

        The level is the median progress of the first LEVEL_WINDOW_S after
        the movement settled; the hold starts at the first moment within the
        level band of it (never before the threshold crossing: the model
        creeps the last degree or two into place). It ends where the progress
        last sat at its level (_last_at_level) before it left the band round
        its trailing median (of LEVEL_WINDOW_S) for longer than the grace time:
        the way back, or on further (past the held position) - while a slow
        drift during the hold is followed by the trailing median.

        A reading noisier than the band (3 sigma of its frame-to-frame noise
        over the hold past it: dots drawn on a face made a still head's tilt
        jump +-5 deg a frame, and a 10.8 s hold was cut into 3-7 s pieces)
        is first steadied by a running median of MEDIAN_S, and the band is
        widened to that median's own noise (`p` and `band` as _steadied
        gives them).
        """
        assert self.start_s is not None
        first = (t >= self.start_s) & (t <= self.start_s + self.LEVEL_WINDOW_S)
        if not first.any():
            return self.start_s, self.last_in_s
        level = float(np.median(p[first]))
        near = np.flatnonzero((np.abs(p - level) <= band) & (t >= self._crossed_s) & (t <= self.start_s))
        start = min(float(t[near[0]]), self.start_s) if len(near) else self.start_s
        i0 = int(np.searchsorted(t, self.start_s))
        out_since: int | None = None
        back_since: int | None = None
        trailing_at_out = level
        for i in range(i0, len(t)):
            if t[i] > self.last_in_s + self.grace_s:
                break
            recent = p[(t >= max(t[i] - self.LEVEL_WINDOW_S, self.start_s)) & (t < t[i])]
            trailing = float(np.median(recent)) if len(recent) else level
            if abs(p[i] - trailing) > band and abs(p[i] - level) > band:
                back_since = None
                if out_since is None:
                    out_since, trailing_at_out = i, trailing
                if t[i] - t[out_since] >= max(self.DEPART_FOR_S, self.grace_s):
                    if p[i] > level and self._stays_from(t, p, i, band):
                        # Further out and staying there: the model crept
                        # into the held position late (drawn lines over the
                        # face made a still head read 27 then 34 deg), not a
                        # departure. The hold goes on at the new level.
                        level, out_since = float(p[i]), None
                        continue
                    if self._comes_back(t, p, i, trailing_at_out, band):
                        # A wander of the reading that returns to the level
                        # before the hold is over is not the way back.
                        out_since = None
                        continue
                    return start, max(self._last_at_level(t, p, out_since, band), start)
            elif out_since is not None:
                # Back at the level only counts once it lasts: a head turning
                # back from past profile reads a frame or two at the held
                # angle again on its way.
                back_since = i if back_since is None else back_since
                if t[i] - t[back_since] >= self.DEPART_FOR_S:
                    out_since = back_since = None
        if out_since is not None:
            # Still away when the hold ended (back at neutral, or out past
            # grace): that was the departure.
            return start, max(self._last_at_level(t, p, out_since, band), start)
        return start, self.last_in_s

    def _steadied(self, t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, float]:
        """(progress, band) to find the hold's span on: as read with the
        clock's band, or steadied with a band to match (see _span), the noise
        measured over the hold and only over a hold of 2 x MEDIAN_S at least
        (a sweep through the end is no hold to steady: its median would
        flatten the arc's top into a still span)."""
        inside = (t >= self.start_s) & (t <= self.last_in_s)
        if not inside.any() or t[inside][-1] - t[inside][0] < 2 * self.MEDIAN_S:
            return p, self.band
        return self._steady(t, p, frame_noise(t[inside], p[inside]), self.band)

    def _last_at_level(self, t: np.ndarray, p: np.ndarray, out_since: int, band: float) -> float:
        """When the reading last sat at its level (AT_LEVEL_SHARE) before the
        departure found at `out_since`, never before the hold's start."""
        i = max(out_since - 1, 0)
        while i > 0 and t[i] > self.start_s:
            recent = p[(t >= max(t[i] - self.LEVEL_WINDOW_S, self.start_s)) & (t < t[i])]
            if not len(recent) or abs(p[i] - float(np.median(recent))) <= band * self.AT_LEVEL_SHARE:
                break
            i -= 1
        return float(t[i])

    def _stays_from(self, t: np.ndarray, p: np.ndarray, i: int, band: float) -> bool:
        """From sample i the progress stays within the band of p[i] for the
        next LEVEL_WINDOW_S (or to the end of the hold)."""
        ahead = (t >= t[i]) & (t <= min(t[i] + self.LEVEL_WINDOW_S, self.last_in_s))
        return bool(np.all(np.abs(p[ahead] - p[i]) <= 2 * band))

    def _comes_back(self, t: np.ndarray, p: np.ndarray, i: int, ref: float, band: float) -> bool:
        """After sample i, before the hold's last in-position moment, the
        progress is back within the band of `ref` for DEPART_FOR_S."""
        since: float | None = None
        for k in range(i + 1, len(t)):
            if t[k] > self.last_in_s:
                return False
            if abs(p[k] - ref) <= band:
                since = t[k] if since is None else since
                if t[k] - since >= self.DEPART_FOR_S:
                    return True
            else:
                since = None
        return False

    def _ways_seen(self) -> tuple[bool, bool]:
        """A rep's end is always moved into, and the hold there is closed
        by the counter as the way back starts: both ends may be narrowed."""
        return True, True

    def _rest_span(self, t: npt.NDArray[np.float64], x: npt.NDArray[np.float64]) -> tuple[int | None, int | None]:
        """(first, last) sample of a `still` metric at the level it held
        over the whole hold, for REST_S at least (where it never rested that
        long, each sample at the level counts): a press is held at one level
        of the head's lean, and the head resting at neutral before the hand
        pushes is not the press (a level of its own, ahead of the lean, took
        1-2 s of rest into the hold). Narrowed only where the metric was
        seen away from the level first (or after)."""
        at_rest = np.abs(x - float(np.median(x))) <= self.still_band
        if not at_rest.any():
            return None, None
        runs = runs_in(t, at_rest, self.REST_S)
        return (runs[0][0] or None), (runs[-1][1] if runs[-1][1] < len(t) - 1 else None)

    def end_s(self) -> float:
        return self.final_span()[1] if self.start_s is not None else self.last_in_s


# A ramp into or out of a noisy hold is fitted only where at least this
# many of its samples lie a widened band from the level (see ramp_edges).
RAMP_MIN_SAMPLES = 3


def ramp_edges(
    t: np.ndarray, p: np.ndarray, steady: np.ndarray, span: tuple[float, float], band: float, crossed_s: float
) -> tuple[float, float]:
    """(start_s, end_s) of a hold read through noise: the corners where
    a straight ramp in, and one out, meet the held level, each the best
    least-squares fit of a ramp-then-level (or level-then-ramp) shape to
    the reading's samples about that edge.

    `span` is the hold as SettledHoldClock._band_span found it, `steady`
    the reading steadied and `band` the band widened to its noise
    (SettledHoldClock._steadied), `crossed_s` when the end was crossed.
    The widened band keeps a noisy hold whole, but its edges
    then sit a widened band below the level: on the ramps, 0.3-0.6 s
    early in and late out (dots drawn on a face made a still head's
    tilt jump +-5 deg a frame, in runs of several frames; 10.8 s holds
    read 11.0-12.1). A fit over all the samples about an edge is steady
    where single frames and medians are not. The level is the steadied
    reading's median over the hold; the edge in is looked for from the
    first sample the clock has to LEVEL_WINDOW_S past where the reading
    first came within the widened band of the level, the edge out from
    LEVEL_WINDOW_S before it last was to the clock's last sample. For
    an eased rise the corner falls where the curve is within a few per
    cent of the level. An edge with no clear ramp (fewer than
    RAMP_MIN_SAMPLES samples on it a widened band from the level: a
    crossing seen late, its rise before the clock began) is left as
    SettledHoldClock._band_span found it.
    """
    start, end = span
    inside = (t >= start) & (t <= end) & np.isfinite(steady)
    if not inside.any():
        return start, end
    level = float(np.median(steady[inside]))
    near = np.flatnonzero(np.isfinite(steady) & (np.abs(steady - level) <= band) & (t >= crossed_s))
    if not len(near):
        return start, end
    first, last = t[near[0]], t[near[-1]]
    before = t <= first + HoldClock.LEVEL_WINDOW_S
    rise = _corner(t[before], p[before], level, band, RAMP_MIN_SAMPLES, ramp_first=True)
    after = t >= last - HoldClock.LEVEL_WINDOW_S
    fall = _corner(t[after], p[after], level, band, RAMP_MIN_SAMPLES, ramp_first=False)
    start = start if rise is None else rise
    end = end if fall is None else fall
    return start, max(end, start)


def _corner(
    t: npt.NDArray[np.float64],
    p: npt.NDArray[np.float64],
    level: float,
    depth: float,
    min_samples: int,
    *,
    ramp_first: bool,
) -> float | None:
    """The time tau (a sample's) that best fits, in least squares, the
    samples as a straight ramp meeting `level` at tau and the level after
    it (ramp_first), or the level up to tau and a ramp from it; None where
    no tau leaves min_samples samples on the ramp more than `depth` from
    the level."""
    ok = np.isfinite(p)
    t, x = t[ok], p[ok] - level
    best: tuple[float, float] | None = None
    for k in range(len(t)):
        ramp = np.arange(k) if ramp_first else np.arange(k + 1, len(t))
        flat = np.arange(k, len(t)) if ramp_first else np.arange(k + 1)
        if np.count_nonzero(np.abs(x[ramp]) > depth) < min_samples:
            continue
        d = t[ramp] - t[k]
        slope = float(np.dot(x[ramp], d) / np.dot(d, d))
        sse = float(np.sum((x[ramp] - slope * d) ** 2) + np.sum(x[flat] ** 2))
        if best is None or sse < best[0]:
            best = (sse, float(t[k]))
    return None if best is None else best[1]
