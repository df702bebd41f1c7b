"""The metric definitions exercise files declare, evaluated over frames.

An exercise file declares each metric it needs as data (see `MetricDef`):
a joint angle from three landmarks, a segment's angle to the vertical or
horizontal, its elevation above the horizontal, the angle between two
segments, a distance ratio, a built-in body measure, or a min/max/mean of
other metrics. `evaluate_metrics` turns those definitions into per-frame
arrays for a whole track (vectorised) or for one frame (T = 1) live.

Coordinates: 2D measures use image pixels (so angles are true on any frame
aspect), 3D measures use MediaPipe's world landmarks in metres (x to the
image right, y down, z away from the camera). See geometry.py for the angle
sign conventions.

Sides: "left" and "right" are the subject's own. A landmark name without its
side prefix ("knee") takes the metric's `side`: "left", "right", "visible"
(per frame, the side whose landmarks the model sees better, for side views),
"mean" (the average of the two metric values), or "min" or "max" (the
smaller or larger of the two, either where the other is unknown).

The built-in measures (`measure = "..."`) are a registry of their own, in
measures.py; the landmark arrays they read (`Frames`) are in landmarks.py.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from posecheck.core import geometry as g
from posecheck.core.landmarks import SIDED_NAMES, Frames, landmark_index, resolve_landmark
from posecheck.core.measures import measure_named

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MetricDef:
    """One metric as an exercise file declares it (exactly one kind is set).

    Attributes:
        name: the metric's name in the file, with its unit suffix.
        joint: three landmarks, the angle at the middle one (0..180).
        segment: two landmarks, the segment's signed angle to `reference`.
        reference: "vertical" or "horizontal", for `segment`.
        elevation: two landmarks, how far a->b points above the horizontal.
        between: four landmarks, the unsigned angle between a->b and c->d.
        distance: two landmarks, their distance, divided by the distance of
            the `per` pair (a body-size-free ratio, times 100).
        per: two landmarks, the scale for `distance`.
        measure: a built-in body measure (a name in measures.MEASURES).
        combine/of: "min", "max" or "mean" of other metrics of the file.
        side: left / right / visible / mean, for unprefixed landmark names.
        space: "image" (2D pixels) or "world" (3D metres) for joint/between.
        negate: flip the sign (e.g. a right-side copy of a signed measure).
        relative: subtract the value the person starts with (median of the
            calibration window), for measures that differ between people.
        rest_range: (low, high) where a `relative` metric's rest can be, in
            the metric's own reading before the rest is subtracted (a
            standing trunk is near upright): a rest found outside is looked
            for again among the places inside (core/rest_level.py,
            bounded_rest_level). None: anywhere.
    """

    name: str
    joint: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    reference: str = "vertical"
    elevation: tuple[str, ...] = ()
    between: tuple[str, ...] = ()
    distance: tuple[str, ...] = ()
    per: tuple[str, ...] = ()
    measure: str = ""
    combine: str = ""
    of: tuple[str, ...] = ()
    side: str = "visible"
    space: str = "image"
    negate: bool = False
    relative: bool = False
    rest_range: tuple[float, float] | None = None
    landmarks: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_direction(self) -> bool:
        """A direction in the picture (-180..180) that wraps round: differences
        of it must be folded back, or a line near pointing left jumps by 360."""
        return bool(self.segment)


def measure_key(m: MetricDef) -> MetricDef:
    """The measure behind a metric, whatever its name, sign, baseline or
    rest range: metrics with one key are twins (head down / head up), which
    share one rest."""
    return dataclasses.replace(m, name="", negate=False, relative=False, rest_range=None)


# The values MetricDef.side, .space and .combine may take (the exercise reader checks them).
METRIC_SIDES = ("left", "right", "visible", "mean", "min", "max")
# The sides that read both sides of the body and take one value from the
# two: their mean, the smaller or the larger (`min`, `max`: an exercise made
# with either limb, a curl of one arm or of both; either alone where the
# other is unknown).
BOTH_SIDES = ("mean", "min", "max")
METRIC_SPACES = ("image", "world")
COMBINE_OPS = ("min", "max", "mean")

# A `visible` metric reads the nearer side when the model puts the two sides
# at least this far apart in depth (metres): side-on samples 0.09-0.26,
# facing the camera 0.00-0.07 (there the better-seen side is read).
SIDE_DEPTH_MIN_M = 0.05

# A limb whose picture length is under this share of its length in the
# world (at the picture's scale) points at the lens: its angle is undefined.
# Measured: limbs seen from the side read 0.8-1.2; a real seated person's
# forearm, flexed toward the camera, 0.46-0.63.
FORESHORTENED_SHARE = 0.3
# A limb's angle in the picture sweeps up to 1 / share times faster than the
# limb turns where it is foreshortened to that share; its speed is judged
# only where every limb it reads is seen at least this share of its length
# (metric_broadside). A real arm circle filmed from the front came down in
# front of the body at about 240 deg/s in 3D and read 440-525 in the
# picture, its arms at 0.14-0.61 of their length.
SPEED_BROADSIDE_SHARE = 0.7


# --- evaluation ----------------------------------------------------------------


def _points_of(m: MetricDef) -> tuple[str, ...]:
    for pts in (m.joint, m.segment, m.elevation, m.between, m.distance + m.per):
        if pts:
            return pts
    return ()


def metric_landmarks(m: MetricDef, side: str) -> tuple[str, ...]:
    """The full landmark names a metric reads on one side (for visibility)."""
    if m.measure:
        return measure_named(m.measure).landmarks_on(side)
    return tuple(resolve_landmark(n, side) for n in _points_of(m))


def _is_sided(m: MetricDef) -> bool:
    if m.measure:
        return measure_named(m.measure).sided
    return any(n in SIDED_NAMES for n in _points_of(m))


def _point_landmarks(m: MetricDef, side: str) -> list[list[int]]:
    """Per point the metric reads on this side, the landmark indices it is
    made of (a midpoint: its left and right landmark)."""
    out = []
    for name in _points_of(m):
        full = resolve_landmark(name, side)
        if full.startswith("mid_"):
            base = full[len("mid_") :]
            out.append([landmark_index("left_" + base), landmark_index("right_" + base)])
        else:
            out.append([landmark_index(full)])
    return out


def _in_frame(f: Frames, m: MetricDef, side: str) -> npt.NDArray[np.bool_]:
    """(T,) frames where every point the metric reads on this side lies in
    the picture (a midpoint: both its landmarks). A landmark placed off the
    frame is the model's guess at a body part it cannot see."""
    idx = [i for point in _point_landmarks(m, side) for i in point]
    return np.all(f.in_picture[:, idx], axis=1)


def _one_side(f: Frames, m: MetricDef, side: str, cache: dict[tuple[str, str], FloatArray] | None = None) -> FloatArray:
    if m.measure:
        if cache is None:
            return measure_named(m.measure).compute(f, side)
        key = (m.measure, side)
        if key not in cache:
            cache[key] = measure_named(m.measure).compute(f, side)
        return cache[key]
    p = [f.point(resolve_landmark(n, side), m.space) for n in _points_of(m)]
    if m.joint:
        out = g.joint_angle_deg(p[0], p[1], p[2])
    elif m.segment:
        out = g.segment_angle_deg(p[0], p[1], m.reference)
    elif m.elevation:
        out = g.elevation_deg(p[0], p[1])
    elif m.between:
        out = g.vector_angle_deg(p[1] - p[0], p[3] - p[2])
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            out = 100.0 * g.distance(p[0], p[1]) / g.distance(p[2], p[3])
    if m.space == "image" and m.distance:
        out = np.where(_distance_known(f, m, side), out, np.nan)
    elif m.space == "image":
        out = np.where(_in_frame(f, m, side) & ~_end_on(f, m, side), out, np.nan)
    return out


def _distance_known(f: Frames, m: MetricDef, side: str) -> npt.NDArray[np.bool_]:
    """(T,) frames where a distance metric has a value: both scale points in
    the picture and at least one of the two measured points. A part the
    model places outside the picture is not at a part inside it, and the
    model's guess there (hands lowered out of a head-and-shoulders picture:
    1.6-2.2 shoulder widths from the mouth on four rendered clips) says how
    far as well as anything does; both outside: unknown."""
    points = _point_landmarks(m, side)
    inside = [np.all(f.in_picture[:, idx], axis=1) for idx in points]
    return (inside[0] | inside[1]) & inside[2] & inside[3]


def _end_on(f: Frames, m: MetricDef, side: str, share: float = FORESHORTENED_SHARE) -> npt.NDArray[np.bool_]:
    """(T,) frames where a limb the metric measures points at the lens: its
    image length under `share` of its world length at the picture's scale.
    Its direction in the picture is then noise (an upper arm pointing at the
    lens is a dot), so the angle is undefined."""
    names = [resolve_landmark(n, side) for n in _points_of(m)]
    if m.joint:
        pairs = [(names[0], names[1]), (names[1], names[2])]
    elif m.between:
        pairs = [(names[0], names[1]), (names[2], names[3])]
    elif m.segment or m.elevation:
        pairs = [(names[0], names[1])]
    else:
        return np.zeros(len(f.px), bool)
    out = np.zeros(len(f.px), bool)
    for a, b in pairs:
        image = g.distance(f.point(a, "image"), f.point(b, "image"))
        world = g.distance(f.point(a, "world"), f.point(b, "world"))
        with np.errstate(invalid="ignore"):
            out |= image < share * world * f.px_per_m  # NaN compares False: kept
    return out


def _side_visibility(f: Frames, m: MetricDef, side: str) -> FloatArray:
    names = metric_landmarks(m, side)
    total = f.visibility_of(names[0])
    for n in names[1:]:
        total = total + f.visibility_of(n)
    return total / len(names)


def _side_depth_m(f: Frames, m: MetricDef, side: str) -> FloatArray:
    """Mean depth (world z, metres, smaller is nearer the camera) of the
    landmarks a metric reads on one side."""
    return np.mean([f.point(n, "world")[:, 2] for n in metric_landmarks(m, side)], axis=0)


def _reads_left(f: Frames, m: MetricDef) -> npt.NDArray[np.bool_]:
    """(T,) frames where a `visible` metric reads the left side: the side
    nearer the camera where the model's depth tells them apart by
    SIDE_DEPTH_MIN_M, else the side seen at least as well as the right.
    The model rates both sides of a close-up about equally visible, so the
    visibility choice flipped frame by frame between two sides that read
    differently (a lifted head's shoulder-to-ear line 34 near, 20 far: 132
    flips in a 37 s close-up), while the depth choice held the near side on
    every side-on sample (near and far sides 0.09-0.26 m apart)."""
    nearer = _side_depth_m(f, m, "right") - _side_depth_m(f, m, "left")
    by_visibility = _side_visibility(f, m, "left") >= _side_visibility(f, m, "right")
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(nearer) >= SIDE_DEPTH_MIN_M, nearer > 0, by_visibility)


def evaluate_metric(
    f: Frames,
    m: MetricDef,
    done: dict[str, FloatArray],
    cache: dict[tuple[str, str], FloatArray] | None = None,
) -> FloatArray:
    """Per-frame values (T,) of one metric; `done` holds metrics it may
    combine, `cache` built-in measures already computed for these frames.
    A landmark-based metric is NaN where a point it reads lies off the
    picture (Frames.size known); of `mean`, the side in the picture is used."""
    if m.combine:
        stack = np.stack([done[n] for n in m.of])
        with np.errstate(invalid="ignore"):
            if m.combine == "min":
                out = np.min(stack, axis=0)
            elif m.combine == "max":
                out = np.max(stack, axis=0)
            else:
                out = np.mean(stack, axis=0)
    elif not _is_sided(m) or m.side in ("left", "right"):
        out = _one_side(f, m, m.side if m.side in ("left", "right") else "left", cache)
    elif m.side == "visible" and len(f.px) == 1:
        # One frame (live, and the analysis frame by frame): pick the side
        # first and compute only it - the same value, half the work.
        use_left = bool(_reads_left(f, m)[0])
        out = _one_side(f, m, "left" if use_left else "right", cache)
    else:
        left = _one_side(f, m, "left", cache)
        right = _one_side(f, m, "right", cache)
        if m.side == "mean":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # both NaN: NaN
                out = np.nanmean(np.stack([left, right]), axis=0)
        elif m.side == "min":
            out = np.fmin(left, right)  # fmin and fmax take the known one of a NaN and a number
        elif m.side == "max":
            out = np.fmax(left, right)
        else:
            out = np.where(_reads_left(f, m), left, right)
    return -out if m.negate else out


def evaluate_metrics(
    f: Frames,
    defs: tuple[MetricDef, ...],
    adjust: Callable[[MetricDef, FloatArray], FloatArray] | None = None,
) -> dict[str, FloatArray]:
    """All metrics of an exercise, in declaration order (combines come after
    what they combine, which validation guarantees).

    Args:
        adjust: applied to each metric as soon as it is computed, before any
            later metric combines it (the analysis uses it to make `relative`
            metrics relative to the person's start).
    """
    out: dict[str, FloatArray] = {}
    cache: dict[tuple[str, str], FloatArray] = {}
    for m in defs:
        value = evaluate_metric(f, m, out, cache)
        out[m.name] = adjust(m, value) if adjust is not None else value
    return out


def baseline_of(samples: list[float], direction: bool) -> float:
    """A `relative` metric's baseline: the median of its calibration samples
    (NaN when none), taken round the circle for a direction (179 and -179
    are 2 degrees apart, their middle is 180, not 0)."""
    finite = np.array([x for x in samples if not math.isnan(x)])
    if not len(finite):
        return math.nan
    if direction:
        return float(g.wrap_deg(finite[0] + np.median(g.wrap_deg(finite - finite[0]))))
    return float(np.median(finite))


def change_from(values: FloatArray, base: float, direction: bool) -> FloatArray:
    """`values` relative to `base`; a direction's change folded into (-180, 180]."""
    change = values - base
    return g.wrap_deg(change) if direction else change


def _points_seen(f: Frames, m: MetricDef, side: str, min_visibility: float) -> npt.NDArray[np.bool_]:
    """(T,) every point the metric reads on this side is seen at
    min_visibility (a midpoint: either of its two landmarks)."""
    ok = np.ones(len(f.visibility), bool)
    for point in _point_landmarks(m, side):
        ok &= (f.visibility[:, point] >= min_visibility).any(axis=1)  # NaN is never seen
    return ok


def _on_read_sides(
    f: Frames,
    m: MetricDef,
    defs_by_name: dict[str, MetricDef],
    on_side: Callable[[MetricDef, str], npt.NDArray[np.bool_]],
    on_measure: Callable[[MetricDef], npt.NDArray[np.bool_]],
    needs_both: bool,
) -> npt.NDArray[np.bool_]:
    """(T,) a per-side check of a metric where it reads: `on_side(m, side)`
    on the side a one-sided or `visible` metric reads, on both of one that
    reads both (BOTH_SIDES: either or both, `needs_both`); `on_measure(m)`
    for a built-in measure; for a combine, every metric it combines."""
    if m.combine:
        parts = [_on_read_sides(f, defs_by_name[n], defs_by_name, on_side, on_measure, needs_both) for n in m.of]
        return np.all(parts, axis=0)
    if m.measure:
        return on_measure(m)
    if not _is_sided(m) or m.side in ("left", "right"):
        return on_side(m, m.side if m.side in ("left", "right") else "left")
    left, right = on_side(m, "left"), on_side(m, "right")
    if m.side in BOTH_SIDES:
        return left & right if needs_both else left | right
    return np.where(_reads_left(f, m), left, right)


def metric_seen(
    f: Frames, m: MetricDef, defs_by_name: dict[str, MetricDef], min_visibility: float
) -> npt.NDArray[np.bool_]:
    """(T,) frames where the metric's reading rests on landmarks the model
    sees at `min_visibility`: every point it reads (of a `visible` metric on
    the side it reads, of a `mean`, `min` or `max` one on either side), a
    built-in measure the mean of its landmarks, a combine everything it
    combines.

    The safety rules judge only such readings: a landmark the model barely
    sees is a guess that can jump from frame to frame (a hidden wrist under
    lines an app drew read an elbow at 25 then 160 deg), and a warning must
    not rest on a guess. Counting keeps reading guesses where an exercise is
    made for them (hands laced behind the head)."""
    return _on_read_sides(
        f,
        m,
        defs_by_name,
        lambda d, side: _points_seen(f, d, side, min_visibility),
        lambda d: _side_visibility(f, d, d.side if d.side in ("left", "right") else "left") >= min_visibility,
        needs_both=False,
    )


def metric_broadside(f: Frames, m: MetricDef, defs_by_name: dict[str, MetricDef]) -> npt.NDArray[np.bool_]:
    """(T,) frames where every limb the metric's angle reads is seen at least
    SPEED_BROADSIDE_SHARE of its length (a `mean`, `min` or `max` metric: on
    both sides, as it switches to one side where the other is lost): where
    its speed in the picture is the limb's own, not swept up by
    foreshortening. Always True for built-in measures and distances (no
    limb's direction is read)."""
    return _on_read_sides(
        f,
        m,
        defs_by_name,
        lambda d, side: ~_end_on(f, d, side, SPEED_BROADSIDE_SHARE),
        lambda d: np.ones(len(f.px), bool),
        needs_both=True,
    )
