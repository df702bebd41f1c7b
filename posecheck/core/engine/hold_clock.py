"""Timing a hold: when a static hold, or the hold at a rep's end, began and ended.

Out of the engine so the timing rules (the grace time, settling, the still
metrics) can be read and tested on their own: a clock sees (time, in
position, progress) per frame and knows nothing of reps or setup.
`HoldTimer` (hold_timer.py) keeps the hold under way and the holds done, for
the engine and the rep counter alike.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from posecheck.core.engine.noise import frame_noise, running_median


class HoldClock:
    """Times a static hold with the grace rule: in position from `start_s`
    to the last in-position frame; dips shorter than `grace_s` do not end it.

    With `still` metrics (HoldRule.still) the finished hold is narrowed to
    when they were at rest too: it starts where they settled and ends where
    they left (see final_span). Getting into position is not holding it,
    lowering out of it is not either, and one frame passing through the
    level (a hand sweeping over the face reads the head's tilt wrong for a
    frame) is not resting there.
    """

    REST_S = 0.2
    # A static hold is not broken by frames where its position cannot be
    # judged because the model lost the person (the engine's call; a
    # condition unknown while the person is seen keeps the grace rule) for
    # up to this long, when the first frame judged after is in position
    # again: it was held all the while. A dark home plank lost by the model for 2.2 s
    # mid-hold was two holds (17.3 + 4.5 s of 29); a person cannot lower
    # out of a plank and get back into it unseen in a few seconds. A frame
    # judged out of position still ends the hold after the grace time.
    UNSEEN_S = 3.0

    def __init__(self, start_s: float, grace_s: float, still_band_units: float = 2.0, entered: bool = True) -> None:
        self.start_s: float | None = start_s
        # The person was seen out of the position before this hold began
        # (getting into it): only then can its start be a ramp to cut.
        self.entered = entered
        # Broken by a frame judged out of position past the grace time (the
        # way out was seen), not closed by the end of the recording, a loss
        # of the pose or a stop.
        self.broken = False
        self.last_in_s = start_s
        self.grace_s = grace_s
        self.still_band = still_band_units
        # Seconds timed through where the position could not be judged
        # (gaps longer than the grace time), for the report.
        self.unseen_s = 0.0
        # Since the last in-position frame, no frame was judged out of it.
        self._unjudged_since_in = True
        # Per frame seen: its time and the values of the `still` metrics.
        self._still_t: list[float] = []
        self._still: list[tuple[float, ...]] = []

    def update(self, t_s: float, in_position: bool, progress: float = math.nan, still: tuple[float, ...] = ()) -> bool:
        """Feed one frame; False once the hold is broken (out past grace)."""
        if still:
            self._still_t.append(t_s)
            self._still.append(still)
        if in_position:
            if self._unjudged_since_in and t_s - self.last_in_s > self.grace_s:
                self.unseen_s += t_s - self.last_in_s
            self.last_in_s = t_s
            self._unjudged_since_in = True
            return True
        self._unjudged_since_in = False
        self.broken = t_s - self.last_in_s > self.grace_s
        return not self.broken

    def unjudged(self, t_s: float) -> bool:
        """Feed a frame where the position cannot be judged (see UNSEEN_S);
        False once it has gone unjudged, or out, too long since last in
        position: the hold ended then."""
        limit_s = max(self.UNSEEN_S, self.grace_s) if self._unjudged_since_in else self.grace_s
        return t_s - self.last_in_s <= limit_s

    @property
    def elapsed_s(self) -> float:
        """Seconds held so far (what the timer shows)."""
        return 0.0 if self.start_s is None else max(self.last_in_s - self.start_s, 0.0)

    def end_s(self) -> float:
        """When the hold ended, once it is broken."""
        return self.last_in_s

    # The level a `still` metric rests at is its median over this long:
    # ahead of a frame for the hold's start (where it settled), behind it
    # for its end (where it left). A whole-hold median cut holds whose level
    # drifts: a real oblique plank read 30.6 s of 31.5, a real half hang 4.7
    # of 6.2 (its knees settling on as it hung).
    LEVEL_WINDOW_S = 1.0
    # Noise within 1/NOISE_K of the band is left as it is; a noisier reading
    # is steadied over MEDIAN_S (0.5 s: a still head's jitter, not the 1-2 s
    # ramp into or out of a hold; see _steady).
    NOISE_K = 3.0
    MEDIAN_S = 0.5

    def final_span(self) -> tuple[float, float]:
        """(start_s, end_s) of the hold once it is over, narrowed to when the
        `still` metrics were at rest as well (see _rest_span)."""
        start, end = self._span()
        if not self._still:
            return start, end
        # Only a way in or out that was seen can be cut: a hold already under
        # way when the recording (or its shot) begins, or still held when
        # it ends, has none at that end (a real plank held for a whole 6.9 s
        # clip, its hips' reading wandering 2-9 deg when the clip was
        # mirrored, darkened or turned, lost up to 2.3 s to "ramps" of noise).
        entered, left = self._ways_seen()
        t = np.asarray(self._still_t)
        values = np.asarray(self._still, dtype=float)
        inside = (t >= start) & (t <= end)
        for column in values.T:
            ok = inside & ~np.isnan(column)
            if not ok.any():
                continue
            seen = np.flatnonzero(ok)
            first, last = self._rest_span(t[seen], column[seen])
            if first is not None and entered:
                start = max(start, float(t[seen[first]]))
            if last is not None and left:
                end = min(end, float(t[seen[last]]))
        return start, max(end, start)

    def _ways_seen(self) -> tuple[bool, bool]:
        """(way in, way out) of the position seen: the ends final_span may
        narrow."""
        return self.entered, self.broken

    def _rest_span(self, t: npt.NDArray[np.float64], x: npt.NDArray[np.float64]) -> tuple[int | None, int | None]:
        """(first, last) sample of a `still` metric over a static hold where
        it was at rest: from where it settled after the way into the
        position to where the way out of it began; None where it was at
        rest from the first sample (or to the last).

        A sample is at rest within `still_band` of the metric's level, its
        median over LEVEL_WINDOW_S: the window ahead for the start (the rise
        into a plank reads 8-10 deg/s, then the hips settle), the window
        behind for the end (the lowering leaves the level it held); a run at
        rest lasts REST_S at least. A slow settle or drift stays within the
        band of its own window and is held. A reading noisier than the band
        frame to frame is steadied first, as for the hold at a rep's end
        (SettledHoldClock._steadied).
        """
        x, band = self._steady(t, x, frame_noise(t, x), self.still_band)
        first: int | None = None
        last: int | None = None
        settled = _at_level(t, x, self.LEVEL_WINDOW_S, band, ahead=True)
        if settled.any():
            first = _runs_in(t, settled, self.REST_S)[0][0] or None
        staying = _at_level(t, x, self.LEVEL_WINDOW_S, band, ahead=False)
        if staying.any():
            k = _runs_in(t, staying, self.REST_S)[-1][1]
            last = k if k < len(t) - 1 else None
        if first is not None and last is not None and last < first:
            last = first
        return first, last

    def _steady(
        self, t: npt.NDArray[np.float64], x: npt.NDArray[np.float64], sigma: float, band: float
    ) -> tuple[npt.NDArray[np.float64], float]:
        """(reading, band) as they are where the reading's frame-to-frame
        noise `sigma` is within 1/NOISE_K of the band; else the reading
        steadied by a running median of MEDIAN_S and the band widened to
        that median's own noise."""
        if math.isnan(sigma) or self.NOISE_K * sigma <= band:
            return x, band
        steady, samples = running_median(t, x, self.MEDIAN_S)
        return steady, max(band, self.NOISE_K * sigma * 1.25 / np.sqrt(max(1.0, samples)))

    def _span(self) -> tuple[float, float]:
        """(start_s, end_s) before narrowing."""
        assert self.start_s is not None
        return self.start_s, self.end_s()


def _at_level(
    t: npt.NDArray[np.float64], x: npt.NDArray[np.float64], window_s: float, band: float, *, ahead: bool
) -> npt.NDArray[np.bool_]:
    """Per sample: within `band` of the median of the samples in the
    window_s ahead of it (ahead=True) or behind it, the sample included."""
    if ahead:
        lo = np.arange(len(t))
        hi = np.searchsorted(t, t + window_s + 1e-9, side="right")
    else:
        lo = np.searchsorted(t, t - window_s - 1e-9, side="left")
        hi = np.arange(1, len(t) + 1)
    level = np.array([np.median(x[a:b]) for a, b in zip(lo, hi, strict=True)])
    return np.asarray(np.abs(x - level) <= band)


def _runs_in(t: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_], min_s: float) -> list[tuple[int, int]]:
    """(first, last) indices of the runs of True in `mask` (over every
    sample of t) that last min_s at least; where none does, each True
    sample alone."""
    every = np.arange(len(t))
    return _runs(t, every, mask, min_s) or [(int(i), int(i)) for i in np.flatnonzero(mask)]


def _runs(
    t: npt.NDArray[np.float64], seen: npt.NDArray[np.intp], at_rest: npt.NDArray[np.bool_], min_s: float
) -> list[tuple[int, int]]:
    """(first, last) frame indices of the runs of seen frames at rest that
    last min_s at least. A gap in the frames seen (an unknown reading for
    longer than two frames) ends a run: rest is not assumed across it."""
    out: list[tuple[int, int]] = []
    times = t[seen]
    step = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    k = 0
    while k < len(seen):
        if not at_rest[k]:
            k += 1
            continue
        m = k
        while m + 1 < len(seen) and at_rest[m + 1] and times[m + 1] - times[m] <= 2.0 * step + 1e-9:
            m += 1
        if times[m] - times[k] >= min_s - 1e-9:
            out.append((int(seen[k]), int(seen[m])))
        k = m + 1
    return out


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
        widened to that median's own noise.
        """
        assert self.start_s is not None
        t = np.asarray(self._t)
        p, band = self._steadied(t, np.asarray(self._p))
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
        runs = _runs_in(t, at_rest, self.REST_S)
        return (runs[0][0] or None), (runs[-1][1] if runs[-1][1] < len(t) - 1 else None)

    def end_s(self) -> float:
        return self.final_span()[1] if self.start_s is not None else self.last_in_s
