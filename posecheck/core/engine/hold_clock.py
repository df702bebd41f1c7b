"""Timing a static hold: when it began and ended (the hold at a rep's end
extends this clock: settled_hold_clock.py).

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
        (settled_hold_clock.py, SettledHoldClock._steadied).
        """
        x, band = self._steady(t, x, frame_noise(t, x), self.still_band)
        first: int | None = None
        last: int | None = None
        settled = _at_level(t, x, self.LEVEL_WINDOW_S, band, ahead=True)
        if settled.any():
            first = runs_in(t, settled, self.REST_S)[0][0] or None
        staying = _at_level(t, x, self.LEVEL_WINDOW_S, band, ahead=False)
        if staying.any():
            k = runs_in(t, staying, self.REST_S)[-1][1]
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


def runs_in(t: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_], min_s: float) -> list[tuple[int, int]]:
    """(first, last) indices of the runs of True in `mask` (one per sample
    of t) that last min_s at least; where none does, each True sample
    alone. A gap in t (an unknown reading for longer than two frames) ends
    a run: rest is not assumed across it."""
    out: list[tuple[int, int]] = []
    step = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    k = 0
    while k < len(t):
        if not mask[k]:
            k += 1
            continue
        m = k
        while m + 1 < len(t) and mask[m + 1] and t[m + 1] - t[m] <= 2.0 * step + 1e-9:
            m += 1
        if t[m] - t[k] >= min_s - 1e-9:
            out.append((k, m))
        k = m + 1
    return out or [(int(i), int(i)) for i in np.flatnonzero(mask)]
