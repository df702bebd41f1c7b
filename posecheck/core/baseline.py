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
- `rest_level` (core/rest_level.py): offline, from the whole recording. A
  metric moved one way rests at its far end on the other side (the lowest
  cluster of a chest lift); a metric moved both ways (turns left and right,
  cat then cow) rests in the middle: a still cluster between the two
  extremes when the person pauses there, else the midpoint of the extremes.
- `StreamingBaseline`: live, where the future is unknown. It waits for the
  metrics to be still for `calibrate_s`, or for a movement out of a rest and
  back (`rest_level_shown`: someone who never holds still; the trainer asks
  the person to hold still only while it waits), then runs `rest_level`
  over the recording so far every second and takes its answer when it
  corrects the rest (the session then counts again: core/replay.py).
- `recording_rest_levels`: the offline first pass over a whole track.

Where the file gives a metric a `rest_range` (a standing trunk's rest is
near upright), a rest found outside it is looked for again inside it,
offline and live (`bounded_rest_level`): a recording that is mostly a deep
forward fold, entered at once, otherwise takes the fold for the rest.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import numpy.typing as npt

from posecheck.core.landmarks import Frames
from posecheck.core.metrics import MetricDef, baseline_of, change_from, evaluate_metrics, measure_key
from posecheck.core.rest_level import bounded_rest_level, rest_level_shown
from posecheck.spec import Exercise

FloatArray = npt.NDArray[np.float64]

# Live: the rest is found again this often, over the last HISTORY_S of the
# recording (a minute: several reps of any exercise here).
REESTIMATE_S = 1.0
HISTORY_S = 60.0


def rest_reaches(ex: Exercise) -> dict[str, dict[int, float]]:
    """Per relative metric, the directions (+1 rising, -1 falling) in which
    the exercise moves it away from rest, each with the least distance from
    the rest it asks for there (a movement's `end`, a hold's or form rule's
    bound; 0 for a bound on the rest's side of it); empty when nothing says.
    Live, a rest found from the movements is only taken where every
    direction's reach lies within the readings (rest_level._middle)."""
    defs = {m.name: m for m in ex.metrics}
    used: dict[str, dict[int, float]] = defaultdict(dict)

    def mark(name: str, direction: int, bound: float) -> None:
        reach = max(direction * bound, 0.0)
        used[name][direction] = min(used[name].get(direction, math.inf), reach)
        m = defs[name]
        if m.combine:  # min, max and mean all rise with what they combine
            for other in m.of:
                mark(other, direction, bound)

    if ex.reps is not None:
        for mv in ex.reps.movements:
            mark(mv.metric, 1 if mv.end > mv.neutral else -1, mv.end)
    if ex.hold is not None:
        for c in ex.hold.readings:
            lower, upper = math.isfinite(c.min), math.isfinite(c.max)
            if lower != upper:  # a band (both bounds) says no direction
                mark(c.metric, 1 if lower else -1, c.min if lower else c.max)
    for f in ex.form:
        # A form rule that asks for the metric past its rest ("chin at least
        # 12 deg down") says which way the exercise holds it; a floor below
        # the rest or a ceiling above it ("no more than 30 deg") says nothing.
        if f.min > 0.0 and math.isinf(f.max):
            mark(f.metric, 1, f.min)
        elif f.max < 0.0 and math.isinf(f.min):
            mark(f.metric, -1, f.max)
    # Twins: the same measure in another name or sign shares its rest.
    by_measure: dict[MetricDef, dict[int, float]] = defaultdict(dict)
    for name, reaches in used.items():
        sign = -1 if defs[name].negate else 1
        shared = by_measure[measure_key(defs[name])]
        for d, reach in reaches.items():
            shared[d * sign] = min(shared.get(d * sign, math.inf), reach)
    out = {}
    for m in ex.metrics:
        if m.relative:
            sign = -1 if m.negate else 1
            out[m.name] = {d * sign: reach for d, reach in by_measure.get(measure_key(m), {}).items()}
    return out


def rest_directions(ex: Exercise) -> dict[str, set[int]]:
    """Per relative metric, the directions (+1 rising, -1 falling) in which
    the exercise moves it away from rest (rest_reaches); empty when nothing
    says."""
    return {name: set(reaches) for name, reaches in rest_reaches(ex).items()}


def rest_range(ex: Exercise, m: MetricDef) -> tuple[float, float]:
    """Where metric m's rest can be (MetricDef.rest_range), in m's sign:
    what the file says on m and on its twins, all at once."""
    low, high = -math.inf, math.inf
    for other in ex.metrics:
        if other.rest_range is None or measure_key(other) != measure_key(m):
            continue
        lo, hi = other.rest_range
        if other.negate != m.negate:
            lo, hi = -hi, -lo
        low, high = max(low, lo), min(high, hi)
    return low, high


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


class StreamingBaseline:
    """The rest of `relative` metrics, estimated as frames arrive (live).

    Modes:
        fixed: rest levels known in advance (offline: `rest_level` over the
            whole recording); ready from the first frame.
        at: the median over `calibrate_s` seconds of usable frames from
            `start_at_s` on, whatever the person does then (`--calibrate-at`:
            the user names when they were at rest).
        live (default): the first `calibrate_s` seconds over which every
            relative metric stayed within its rest band give the first rest,
            or, for a person who never holds still, the rest a movement out
            and back has shown (`_settle_from_movement`); until then the
            metrics are NaN and `waiting` is True, so the trainer can ask
            the person to hold still. From then on, every
            REESTIMATE_S, the rest is found again by `rest_level` over the
            recording so far (the last HISTORY_S): the same rules as offline,
            so a person who started raised or turned is corrected as soon as
            their movement shows where the rest is.
    """

    def __init__(self, ex: Exercise, *, fixed: dict[str, float] | None = None, start_at_s: float | None = None) -> None:
        self.calibrate_s = ex.calibrate_s
        self.start_at_s = start_at_s
        self._defs = [m for m in ex.metrics if m.relative]
        reaches = rest_reaches(ex)
        self._dirs = {name: set(r) for name, r in reaches.items()}
        self._reach = {name: (r.get(-1, 0.0), r.get(1, 0.0)) for name, r in reaches.items()}
        self._band = {m.name: rest_band(ex, m.name) for m in self._defs}
        self._range = {m.name: rest_range(ex, m) for m in self._defs}
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
        # The rest was corrected on this frame: every relative reading
        # steps, which no speed may read as a movement.
        self.moved = False

    @property
    def fixed(self) -> bool:
        """The rest was known in advance (offline): it never changes."""
        return self._fixed

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
        self.moved = False
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
        return self.relative(m, values)

    def relative(self, m: MetricDef, values: FloatArray) -> FloatArray:
        """`values` of metric m relative to the rest as now known; nothing
        is kept (core/replay.py runs the wait's frames again with it)."""
        if not m.relative:
            return values
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
            if all(self._window_still(d, window) and self._window_in_range(d, window) for d in self._defs):
                self._settle(window)
            elif self._t_s - self._estimated_s >= REESTIMATE_S:
                self._settle_from_movement()
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

    def _window_in_range(self, d: MetricDef, last: int) -> bool:
        """The window's level is inside the metric's rest range: a person
        still in a deep fold is not at rest yet ("Hold still a moment in
        the start position" stays up until they stand)."""
        low, high = self._range[d.name]
        return low <= baseline_of(self._samples[d.name][-last:], d.is_direction) <= high

    def _settle(self, last: int = 0) -> None:
        """The first rest: the median of the window."""
        self.ready = True
        self._estimated_s = self._t_s
        for d in self._defs:
            xs = self._samples[d.name][-last:] if last else self._samples[d.name]
            # Live, only a window inside the rest range settles (the user's
            # --calibrate-at is taken as said).
            self._base[d.name] = baseline_of(xs, d.is_direction)

    def _settle_from_movement(self) -> None:
        """The first rest of a person who never holds still: where the
        movement itself shows it, as offline, once every metric that moves
        has left that rest and come back to it (rest_level_shown). Metrics
        no movement uses take the rest found over their still frames."""
        self._estimated_s = self._t_s
        if not any(self._dirs.get(d.name) for d in self._defs):
            return  # nothing moves: only stillness says where the rest is
        t = np.asarray(self._t, np.float64)
        levels: dict[str, float] = {}
        for d in self._defs:
            level = self._history_level(d, t)
            x = np.asarray(self._samples[d.name], np.float64)
            if math.isnan(level) or (
                self._dirs.get(d.name) and not rest_level_shown(x, level, self._band[d.name], d.is_direction)
            ):
                return
            levels[d.name] = level
        self._base.update(levels)
        self.ready = True

    def _history_level(self, d: MetricDef, t: FloatArray) -> float:
        """Metric d's rest over the history so far (offline's rules,
        `so_far`: NaN where the history cannot tell yet)."""
        return bounded_rest_level(
            np.asarray(self._samples[d.name], np.float64),
            t,
            self._dirs.get(d.name, set()),
            self._band[d.name],
            self._range[d.name],
            d.is_direction,
            so_far=True,
            reach=self._reach.get(d.name, (0.0, 0.0)),
        )

    def _reestimate(self) -> None:
        """The rest found again over the history, as offline (twins share
        one, found on the first)."""
        self._estimated_s = self._t_s
        t = np.asarray(self._t, np.float64)
        found: dict[MetricDef, tuple[float, bool]] = {}
        for d in self._defs:
            if not self._dirs.get(d.name):
                continue  # no movement says where its rest is: the first stays
            key = measure_key(d)
            if key in found:
                level, negated = found[key]
                self._base[d.name] = -level if negated != d.negate else level
                continue
            level = self._history_level(d, t)
            # Only a correction is taken (the rest off by more than its
            # band: a start raised or turned); a small shift is noise, and
            # moving the rest under a hold would move the hold.
            current = self._base[d.name]
            off = change_from(np.array([level]), current, d.is_direction)[0] if not math.isnan(level) else 0.0
            if abs(off) > self._band[d.name]:
                self._base[d.name] = level
                self.moved = True
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
        key = measure_key(m)
        if key in by_measure:
            level, negated = by_measure[key]
            levels[m.name] = -level if negated != m.negate else level
        else:
            x = np.where(usable, values, np.nan)
            levels[m.name] = bounded_rest_level(
                x, t_s, dirs.get(m.name, set()), rest_band(ex, m.name), rest_range(ex, m), m.is_direction
            )
            by_measure[key] = (levels[m.name], m.negate)
        return change_from(values, levels[m.name], m.is_direction)

    with np.errstate(invalid="ignore", divide="ignore"):
        evaluate_metrics(frames, ex.metrics, adjust)
    return levels
