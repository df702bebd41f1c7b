"""Where the person is at rest: the baseline that `relative` metrics subtract.

A relative metric reads the change from the person's own rest position
(chests, necks and camera angles differ by more than the thresholds). Real
recordings start anywhere: mid-rep, in the end position, mid-hold, with the
first raise 0.3 s in. Taking the baseline from the first second then reads a
raised chest as rest, and every later raise comes out negative. So the rest
is looked for where it is, using what the exercise file says about the
movement (pure: numpy and the standard library only):

- `rest_directions`: which way each relative metric moves away from rest,
  from the movements and hold conditions that use it (directly, through a
  `combine`, or through a negated twin of the same measure: cat-cow's
  head-down and head-up metrics are one measure used both ways).
- `rest_level`: offline, from the whole recording. A metric moved one way
  rests at its far end on the other side (the lowest cluster of a chest
  lift); a metric moved both ways (turns left and right, cat then cow) rests
  in the middle: a still cluster between the two extremes when the person
  pauses there, else the midpoint of the extremes.
- `StreamingBaseline`: live, where the future is unknown. It waits for the
  metrics to be still for `calibrate_s` (the trainer asks the person to hold
  still only while it waits), then runs `rest_level` over the recording so
  far every second and takes its answer when it corrects the rest.
- `recording_rest_levels`: the offline first pass over a whole track.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict

import numpy as np
import numpy.typing as npt

from posecheck.core.landmarks import Frames
from posecheck.core.metrics import MetricDef, baseline_of, change_from, evaluate_metrics
from posecheck.spec import Exercise

FloatArray = npt.NDArray[np.float64]

# A metric's extremes (of a metric moved both ways, see _middle): these
# percentiles, not the minimum and maximum: a glitch frame or two must not
# become an extreme.
REST_PERCENTILE = 5.0
# The rest cluster of a metric moved one way: frames within the rest band of
# this low percentile. The model's misreads scatter past the rest side in up
# to 1 frame in 12 on real clips: an app's skeleton drawn over a front squat
# read standing at -16 to -51 % with spikes above, and a moving handheld
# camera filming elbow circles; at the 5th percentile the rest sat on the
# spikes and returns never reached `neutral` (squats 3 of 4, circles 2 of 5;
# at the 10th, 4 and 5). Measured on 44 new real clips 34 -> 36 right, the
# samples 151 -> 152, the 12 real clips and 177 real variants unchanged.
ONE_WAY_REST_PERCENTILE = 10.0
# Still stays at one level with gaps shorter than this between them are one
# visit there (a pause broken by a moment of jitter; see _still_episodes).
MIDDLE_PAUSE_S = 0.5
# Still: the metric changes by less than half the rest band over this window.
STILL_WINDOW_S = 0.3
# Live: the rest is found again this often, over the last HISTORY_S of the
# recording (a minute: several reps of any exercise here).
REESTIMATE_S = 1.0
HISTORY_S = 60.0


def _twin_key(m: MetricDef) -> MetricDef:
    """The measure behind a metric, whatever its name, sign or baseline."""
    return dataclasses.replace(m, name="", negate=False, relative=False)


def rest_directions(ex: Exercise) -> dict[str, set[int]]:
    """Per relative metric, the directions (+1 rising, -1 falling) in which
    the exercise moves it away from rest; empty when nothing says."""
    defs = {m.name: m for m in ex.metrics}
    used: dict[str, set[int]] = defaultdict(set)

    def mark(name: str, direction: int) -> None:
        used[name].add(direction)
        m = defs[name]
        if m.combine:  # min, max and mean all rise with what they combine
            for other in m.of:
                mark(other, direction)

    if ex.reps is not None:
        for mv in ex.reps.movements:
            mark(mv.metric, 1 if mv.end > mv.neutral else -1)
    if ex.hold is not None:
        for c in ex.hold.readings:
            lower, upper = math.isfinite(c.min), math.isfinite(c.max)
            if lower != upper:  # a band (both bounds) says no direction
                mark(c.metric, 1 if lower else -1)
    # Twins: the same measure in another name or sign shares its rest.
    by_measure: dict[MetricDef, set[int]] = defaultdict(set)
    for name, dirs in used.items():
        sign = -1 if defs[name].negate else 1
        by_measure[_twin_key(defs[name])].update(d * sign for d in dirs)
    out = {}
    for m in ex.metrics:
        if m.relative:
            sign = -1 if m.negate else 1
            out[m.name] = {d * sign for d in by_measure.get(_twin_key(m), set())}
    return out


def rest_band(ex: Exercise, name: str) -> float:
    """How far from rest (metric units) still counts as at rest: the
    smallest `neutral` offset of the movements that use the metric (what the
    exercise itself calls back at rest), else a third of a movement's range,
    else 2 units."""
    bands = []
    if ex.reps is not None:
        for mv in ex.reps.movements:
            if mv.metric == name:
                bands.append(abs(mv.neutral) if mv.neutral else abs(mv.end - mv.neutral) / 3.0)
    return min(bands) if bands else 2.0


def _still(x: FloatArray, t_s: FloatArray, band: float) -> npt.NDArray[np.bool_]:
    """Frames where x changes by less than band/2 over STILL_WINDOW_S."""
    half = STILL_WINDOW_S / 2.0
    lo = np.searchsorted(t_s, t_s - half)
    hi = np.clip(np.searchsorted(t_s, t_s + half, side="right") - 1, 0, len(x) - 1)
    return np.abs(x[hi] - x[lo]) < band / 2.0


def _low_cluster(x: FloatArray, band: float) -> float:
    p = float(np.percentile(x, ONE_WAY_REST_PERCENTILE))
    return float(np.median(x[x <= p + band]))


# Share of a metric's range the person must move away from a place for the
# next stay there to count as another visit (see _middle).
LEAVE_SHARE = 0.25
# A rest between a metric's extremes lies at least this share of its range
# from each (see _middle).
EDGE_SHARE = 0.2


def _still_episodes(
    x: FloatArray, t_s: FloatArray, band: float, leave: float | None = None
) -> list[tuple[float, float, int]]:
    """(level, seconds, visits) of each place the person stayed still.

    Still runs shorter than STILL_WINDOW_S are passes, not stays. Stays at
    one level (within `band`) with gaps under MIDDLE_PAUSE_S, or with
    nothing in between that left the level by more than `leave` (default
    `band`: a hold the model's jitter breaks into pieces), are one visit.
    Visits within `band` of each other's level are one place.
    """
    still = _still(x, t_s, band)
    stays: list[tuple[int, int]] = []
    i, n = 0, len(x)
    while i < n:
        if not still[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and still[j + 1]:
            j += 1
        if t_s[j] - t_s[i] >= STILL_WINDOW_S:
            stays.append((i, j))
        i = j + 1
    runs: list[list[float]] = []  # [start_s, end_s, level, end index]
    for i, j in stays:
        level = float(np.median(x[i : j + 1]))
        if (
            runs
            and abs(runs[-1][2] - level) <= band
            and (
                t_s[i] - runs[-1][1] <= MIDDLE_PAUSE_S
                or bool(np.all(np.abs(x[int(runs[-1][3]) : i] - runs[-1][2]) <= (leave or band)))
            )
        ):
            runs[-1][1] = float(t_s[j])
            runs[-1][3] = j
        else:
            runs.append([float(t_s[i]), float(t_s[j]), level, j])
    visits = sorted((r[2], r[1] - r[0]) for r in runs)
    places: list[tuple[float, float, int]] = []
    for level, secs in visits:
        if places and level - places[-1][0] <= band:
            lv, total, count = places[-1]
            places[-1] = ((lv * total + level * secs) / max(total + secs, 1e-9), total + secs, count + 1)
        else:
            places.append((level, secs, 1))
    return places


def _middle(x: FloatArray, t_s: FloatArray, band: float, so_far: bool = False) -> float:
    """Rest of a metric moved both ways: the place between the extremes the
    person comes back to most often (then longest), else the midpoint of
    the extremes (turns left and right that pass the middle without a
    pause).

    With `so_far` (live: the recording up to now), a place in between must
    have been visited twice, and the midpoint is trusted only once the
    person has been at each extreme twice: after a rest and one turn, the
    rest is itself an extreme, and their midpoint is no rest. NaN when the
    history cannot tell yet.
    """
    lo = float(np.percentile(x, REST_PERCENTILE))
    hi = float(np.percentile(x, 100.0 - REST_PERCENTILE))
    if hi - lo < 4.0 * band:
        return math.nan if so_far else float(np.median(x))
    # A visit ends when the person leaves the place for a quarter of the
    # range: the model's jitter in a long hold (a close-up side view of a
    # flexed head swung 27-34 deg) is not a return.
    places = _still_episodes(x, t_s, band, max(band, LEAVE_SHARE * (hi - lo)))
    # Live, a place counts as the rest once the person came back to it: a
    # slow movement on its way reads as one still visit in between.
    # A place near an extreme is a shallow end or a start part-way into a
    # movement, not the rest (a recording began with the head turned 38
    # deg for 0.4 s, the turns' ends at -52 and 68: taken for the rest, half
    # the turns went unseen).
    edge = max(band, EDGE_SHARE * (hi - lo))
    inner = [p for p in places if lo + edge < p[0] < hi - edge and (p[2] >= 2 or not so_far)]
    if inner:
        return max(inner, key=lambda p: (p[2], p[1]))[0]
    if so_far:
        low_visits = sum(p[2] for p in places if p[0] <= lo + band)
        high_visits = sum(p[2] for p in places if p[0] >= hi - band)
        if min(low_visits, high_visits) < 2:
            return math.nan
    return (lo + hi) / 2.0


def rest_level(
    x: FloatArray, t_s: FloatArray, directions: set[int], band: float, direction: bool = False, so_far: bool = False
) -> float:
    """The rest value of one metric over a whole recording.

    Args:
        x: the metric's raw values on usable frames (NaN allowed).
        t_s: their times, increasing.
        directions: from `rest_directions`.
        band: from `rest_band`.
        direction: the metric is a direction in the picture (wraps at 180).
        so_far: x is the recording up to now (live): NaN where it cannot
            tell yet (see `_middle`).
    """
    ok = ~np.isnan(x)
    if not ok.any():
        return math.nan
    x, t_s = np.asarray(x[ok], np.float64), np.asarray(t_s[ok], np.float64)
    offset = 0.0
    if direction:  # unwrap round the first value so clusters do not split at 180
        offset = float(x[0])
        x = change_from(x, offset, True)
    if directions == {1}:
        level = _low_cluster(x, band)
    elif directions == {-1}:
        level = -_low_cluster(-x, band)
    elif directions == {1, -1}:
        level = _middle(x, t_s, band, so_far)
    else:
        still = _still(x, t_s, band)
        level = float(np.median(x[still] if still.any() else x))
    return level + offset


class StreamingBaseline:
    """The rest of `relative` metrics, estimated as frames arrive (live).

    Modes:
        fixed: rest levels known in advance (offline: `rest_level` over the
            whole recording); ready from the first frame.
        at: the median over `calibrate_s` seconds of usable frames from
            `start_at_s` on, whatever the person does then (`--calibrate-at`:
            the user names when they were at rest).
        live (default): the first `calibrate_s` seconds over which every
            relative metric stayed within its rest band give the first rest;
            until then the metrics are NaN and `waiting` is True, so the
            trainer can ask the person to hold still. From then on, every
            REESTIMATE_S, the rest is found again by `rest_level` over the
            recording so far (the last HISTORY_S): the same rules as offline,
            so a person who started raised or turned is corrected as soon as
            their movement shows where the rest is.
    """

    def __init__(self, ex: Exercise, *, fixed: dict[str, float] | None = None, start_at_s: float | None = None) -> None:
        self.calibrate_s = ex.calibrate_s
        self.start_at_s = start_at_s
        self._defs = [m for m in ex.metrics if m.relative]
        self._dirs = rest_directions(ex)
        self._band = {m.name: rest_band(ex, m.name) for m in self._defs}
        self._base: dict[str, float] = dict(fixed) if fixed is not None else {}
        self.ready = fixed is not None or not self._defs
        self._fixed = fixed is not None
        self.t0_s: float | None = None
        # Usable frames so far (the last HISTORY_S): times and raw values.
        self._t: list[float] = []
        self._samples: dict[str, list[float]] = {m.name: [] for m in self._defs}
        self._estimated_s = -math.inf
        self._t_s = 0.0
        self._usable = False
        self._was_ready = self.ready

    @property
    def waiting(self) -> bool:
        """Still looking for the person at rest (the metrics read NaN)."""
        return not self.ready

    @property
    def levels(self) -> dict[str, float]:
        """The rest level per relative metric (empty until ready)."""
        return dict(self._base)

    def frame(self, t_s: float, usable: bool) -> None:
        """Advance the clock; call once per frame before `adjust`."""
        self._t_s = t_s
        self._usable = usable
        # Decided on the previous frame's values: every metric of a frame is
        # relative to the same rest, or NaN.
        self._was_ready = self.ready
        if self._fixed:
            return
        if usable and self.t0_s is None and t_s >= (self.start_at_s or 0.0):
            self.t0_s = t_s

    def adjust(self, m: MetricDef, values: FloatArray) -> FloatArray:
        """`values` (one frame) of metric m relative to its rest, NaN while
        the rest is not known yet."""
        if not m.relative:
            return values
        if not self._fixed and self._usable and self.t0_s is not None:
            self._collect(m, float(values[0]))
        if not self._was_ready:
            return np.full_like(values, np.nan)
        return change_from(values, self._base.get(m.name, math.nan), m.is_direction)

    def _collect(self, m: MetricDef, value: float) -> None:
        """Keep the history; decide the rest when the frame is complete."""
        if m is self._defs[0]:
            self._t.append(self._t_s)
        self._samples[m.name].append(value)
        if m is not self._defs[-1]:
            return
        # All relative metrics of this frame are in.
        keep_s = self.calibrate_s if self.start_at_s is not None else max(HISTORY_S, self.calibrate_s)
        while self._t and self._t[0] < self._t_s - keep_s:
            self._t.pop(0)
            for xs in self._samples.values():
                xs.pop(0)
        if self._t_s - (self.t0_s or 0.0) < self.calibrate_s:
            return
        if self.start_at_s is not None:
            if not self.ready:
                self._settle()
            return
        if not self.ready:
            window = sum(1 for t in self._t if t >= self._t_s - self.calibrate_s)
            if all(self._window_still(d, window) for d in self._defs):
                self._settle(window)
            return
        if self._t_s - self._estimated_s >= REESTIMATE_S:
            self._reestimate()

    def _window_still(self, d: MetricDef, last: int) -> bool:
        """The metric stayed within its rest band over its `last` samples."""
        xs = np.asarray(self._samples[d.name][-last:], np.float64)
        xs = xs[~np.isnan(xs)]
        if len(xs) < 2:
            return False
        if d.is_direction:
            xs = change_from(xs, float(xs[0]), True)
        return float(np.ptp(xs)) <= self._band[d.name]

    def _settle(self, last: int = 0) -> None:
        """The first rest: the median of the window."""
        self.ready = True
        self._estimated_s = self._t_s
        for d in self._defs:
            xs = self._samples[d.name][-last:] if last else self._samples[d.name]
            self._base[d.name] = baseline_of(xs, d.is_direction)

    def _reestimate(self) -> None:
        """The rest found again over the history, as offline (twins share
        one, found on the first)."""
        self._estimated_s = self._t_s
        t = np.asarray(self._t, np.float64)
        found: dict[MetricDef, tuple[float, bool]] = {}
        for d in self._defs:
            if not self._dirs.get(d.name):
                continue  # no movement says where its rest is: the first stays
            key = _twin_key(d)
            if key in found:
                level, negated = found[key]
                self._base[d.name] = -level if negated != d.negate else level
                continue
            level = rest_level(
                np.asarray(self._samples[d.name], np.float64),
                t,
                self._dirs.get(d.name, set()),
                self._band[d.name],
                d.is_direction,
                so_far=True,
            )
            # Only a correction is taken (the rest off by more than its
            # band: a start raised or turned); a small shift is noise, and
            # moving the rest under a hold would move the hold.
            current = self._base[d.name]
            off = change_from(np.array([level]), current, d.is_direction)[0] if not math.isnan(level) else 0.0
            if abs(off) > self._band[d.name]:
                self._base[d.name] = level
            found[key] = (self._base[d.name], d.negate)


def recording_rest_levels(
    ex: Exercise, frames: Frames, usable: npt.NDArray[np.bool_], t_s: FloatArray
) -> dict[str, float]:
    """Rest level of every relative metric over a whole recording (the
    offline analysis's first pass).

    Args:
        frames: the smoothed landmarks of every frame.
        usable: (T,) frames with the person's required landmarks seen.
        t_s: (T,) frame times.
    """
    dirs = rest_directions(ex)
    levels: dict[str, float] = {}
    # Twins (one measure under two names or signs) share one rest: found on
    # the first, the others take it with their sign.
    by_measure: dict[MetricDef, tuple[float, bool]] = {}

    def adjust(m: MetricDef, values: FloatArray) -> FloatArray:
        # In declaration order, so a combine of relative metrics combines
        # their relative values, as the per-frame pass will.
        if not m.relative:
            return values
        key = _twin_key(m)
        if key in by_measure:
            level, negated = by_measure[key]
            levels[m.name] = -level if negated != m.negate else level
        else:
            x = np.where(usable, values, np.nan)
            levels[m.name] = rest_level(x, t_s, dirs.get(m.name, set()), rest_band(ex, m.name), m.is_direction)
            by_measure[key] = (levels[m.name], m.negate)
        return change_from(values, levels[m.name], m.is_direction)

    with np.errstate(invalid="ignore", divide="ignore"):
        evaluate_metrics(frames, ex.metrics, adjust)
    return levels
