"""Where in one metric's readings the person rests (pure: numpy and the
standard library only; the exercise-level parts are in baseline.py).

- `rest_level`: a metric moved one way rests at its far end on the other
  side (the lowest cluster of a chest lift); a metric moved both ways
  (turns left and right, cat then cow) rests in the middle: a still
  cluster between the two extremes when the person pauses there, else the
  midpoint of the extremes.
- `bounded_rest_level`: the same, kept inside the metric's `rest_range` (a
  standing trunk's rest is near upright): a rest found outside is looked
  for again among what lies inside.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from posecheck.core.metrics import change_from

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


def _within_range(level: float, bounds: tuple[float, float]) -> float:
    """A level outside the metric's rest range, moved to its nearest end
    (NaN stays unknown)."""
    return level if math.isnan(level) else min(max(level, bounds[0]), bounds[1])


def bounded_rest_level(
    x: FloatArray,
    t_s: FloatArray,
    directions: set[int],
    band: float,
    bounds: tuple[float, float],
    direction: bool = False,
    so_far: bool = False,
    reach: tuple[float, float] = (0.0, 0.0),
) -> float:
    """`rest_level` kept inside the metric's rest range (`rest_range`; never
    on a direction, whose bounds are then infinite).

    A rest found inside the range stands: the range changes nothing where
    the person rests where the body says (a camera tilted a few degrees
    moves every reading, and cutting the readings at the range's ends cut
    the back bends of a person standing at +14 off, and the rest went with
    them). Found outside (a recording spent mostly folded forward has the
    middle of its readings in the fold), the rest is looked for again: of a
    metric moved both ways, among the still places inside the range (the
    extremes still from all readings); of one moved one way, among the
    readings inside it; with nothing inside (no still place inside, of a
    metric moved both ways), the rest found is moved to the range's nearest
    end. Live (`so_far`), NaN where it cannot tell: a metric moved both ways
    whose history's rest is outside keeps the rest it has, taken inside
    the range (a minute spent folding, standing gone from the history,
    moved it to the lean-back place); one moved one way is looked for among
    the readings inside, as offline.
    """
    level = rest_level(x, t_s, directions, band, direction, so_far, reach)
    if math.isnan(level) or bounds[0] <= level <= bounds[1]:
        return level
    if so_far and directions == {1, -1}:
        return math.nan
    if directions == {1, -1}:
        ok = ~np.isnan(x)
        found = _middle(np.asarray(x[ok], np.float64), np.asarray(t_s[ok], np.float64), band, bounds=bounds)
    else:
        inside = np.where((x >= bounds[0]) & (x <= bounds[1]), x, np.nan)
        found = math.nan if np.isnan(inside).all() else rest_level(inside, t_s, directions, band, so_far=so_far)
    if so_far:
        return found
    return _within_range(level if math.isnan(found) else found, bounds)


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


def _middle(
    x: FloatArray,
    t_s: FloatArray,
    band: float,
    so_far: bool = False,
    bounds: tuple[float, float] = (-math.inf, math.inf),
    reach: tuple[float, float] = (0.0, 0.0),
) -> float:
    """Rest of a metric moved both ways: the place between the extremes the
    person comes back to most often (then longest), else the midpoint of
    the extremes (turns left and right that pass the middle without a
    pause). Only places within `bounds` (the rest range) are candidates,
    and with bounds, one near an extreme rather than none (bounded_rest_level).

    With `so_far` (live: the recording up to now), a place in between must
    have been visited twice and lie at least `reach` (below, above: how far
    the exercise moves each way) from each extreme, and the midpoint is
    trusted only once the person has been at each extreme twice (stayed
    still there; or, where they were never still anywhere, reached it in
    turn with the other): after a rest and one turn, the rest is itself an
    extreme, and their midpoint is no rest. NaN when the history cannot
    tell yet.
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
    # Live (the recording so far), a rest between the extremes lies at least as
    # far from each as the exercise moves that way (its `reach`, from
    # baseline.rest_reaches), and at least a rest band: until the person has
    # moved both ways, one extreme is the rest itself, and a movement's slow way
    # in and out reads as a place in between (a real neck rotation that had
    # turned only left, to 63 then 81 deg, took the 63 for the rest: two of four
    # turns lost; its turns reach 30 deg). Each side has its own reach, as
    # movements go further one way than the other: a head lowered 30 deg and
    # raised 14 (a look-up is kept small) has its level head 14 deg from the
    # lower extreme; a rendered forward bend to 62 deg and back bend to 14 has
    # upright 14 from the upper one. Two and a half bands (20 deg) each side, the
    # rule before, took the midpoint of the extremes for the nod's rest, 8 deg
    # down, and the level head then read "up"; a fifth of the range each side
    # (offline's EDGE_SHARE, for a start part-way into a movement, which live
    # the second visit rules out) left upright out of the bends.
    if so_far:
        below, above = max(band, reach[0]), max(band, reach[1])
    else:
        below = above = max(band, EDGE_SHARE * (hi - lo))
    ok = [p for p in places if bounds[0] <= p[0] <= bounds[1] and (p[2] >= 2 or not so_far)]
    inner = [p for p in ok if lo + below < p[0] < hi - above]
    if inner:
        return max(inner, key=lambda p: (p[2], p[1]))[0]
    if bounds != (-math.inf, math.inf):
        # No still place inside: the caller moves the rest it found to the
        # nearest end (the midpoint of the extremes is where no one rested).
        return max(ok, key=lambda p: (p[2], p[1]))[0] if ok else math.nan
    if so_far:
        if places:
            low_visits = sum(p[2] for p in places if p[0] <= lo + band)
            high_visits = sum(p[2] for p in places if p[0] >= hi - band)
        else:
            # Never still anywhere (hip circles drawn without a pause): the
            # extremes are reached in turn, so each reach counts. A person
            # who rests between turns has a still place, and one turn from
            # it is not an extreme reached twice.
            low_visits, high_visits = _alternate_reaches(x, lo, hi, band)
        if min(low_visits, high_visits) < 2:
            return math.nan
    return (lo + hi) / 2.0


def _alternate_reaches(x: FloatArray, lo: float, hi: float, band: float) -> tuple[int, int]:
    """How often the readings reached within `band` of `lo` and of `hi`,
    each reach counted only after one of the other extreme (in turn)."""
    low = high = 0
    last = 0
    for v in x.tolist():
        if v <= lo + band and last != -1:
            low, last = low + 1, -1
        elif v >= hi - band and last != 1:
            high, last = high + 1, 1
    return low, high


def rest_level(
    x: FloatArray,
    t_s: FloatArray,
    directions: set[int],
    band: float,
    direction: bool = False,
    so_far: bool = False,
    reach: tuple[float, float] = (0.0, 0.0),
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
        reach: of a metric moved both ways, how far the exercise moves it
            below and above its rest (baseline.rest_reaches); live only.
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
        level = _middle(x, t_s, band, so_far, reach=reach)
    else:
        still = _still(x, t_s, band)
        level = float(np.median(x[still] if still.any() else x))
    return level + offset


# A rest found from a movement alone (live, a person who never held still)
# is taken once the readings went this many rest bands away from it (the
# least range `_middle` finds a middle in) and came back within one.
SHOWN_BANDS = 4.0


def rest_level_shown(x: FloatArray, level: float, band: float, direction: bool = False) -> bool:
    """The readings so far `x` were at `level` (within `band`), left it by
    SHOWN_BANDS bands and came back: a whole movement out of that rest and
    back was seen, so it is where this person rests (not the turned head or
    the raised chest a recording started in)."""
    ok = ~np.isnan(x)
    if not ok.any():
        return False
    off = np.abs(change_from(np.asarray(x[ok], np.float64), level, direction))
    near = np.flatnonzero(off <= band)
    if not len(near):
        return False
    far = np.flatnonzero(off[near[0] :] >= SHOWN_BANDS * band)
    return bool(len(far)) and bool(np.any(off[near[0] + far[0] :] <= band))
