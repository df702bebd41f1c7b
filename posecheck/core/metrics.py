"""Named body measures and the metric definitions exercise files declare.

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
(per frame, the side whose landmarks the model sees better, for side views)
or "mean" (the average of the two metric values).

Built-in measures (`measure = "..."`), their landmarks and signs:
- head_tilt_deg: lateral neck flexion, the eye line (right_eye -> left_eye)
  against the shoulder line, + toward the subject's LEFT shoulder, front
  view. The model's eye line under-reads the true tilt, so the raw angle is
  multiplied by HEAD_TILT_GAIN (measured on rendered clips with known tilt).
- head_turn_deg: head rotation, + chin toward the subject's LEFT shoulder,
  front view: atan2(nose offset from the ear midpoint, HEAD_TURN_DEPTH_RATIO
  x ear-to-ear distance), in image pixels. The nose sits in front of the ear
  axis, so its sideways offset grows with sin(turn) while the ears' span
  shrinks with cos(turn). Chosen over the world ear line, which read only
  0.59-0.71 of a true 60 degree turn on a rendered clip (and unevenly by
  side); this reads 60 +- 4 there.
- head_nod_deg: head flexion seen from the FRONT: how far the nose sits
  below the ear midpoint, as atan2(drop, HEAD_TURN_DEPTH_RATIO x ear span);
  + chin down. Not zero for a level head (the nose is lower than the ears);
  used where only changes matter (the head-circle rule), not for thresholds.
- head_pitch_deg: head flexion, side view: the angle between the trunk
  (hip midpoint -> shoulder midpoint) and the face direction (ear midpoint
  -> nose) in image pixels, minus 90 and HEAD_PITCH_NEUTRAL_DEG; + chin
  toward chest, - looking up. On a rendered side-view clip this read
  +31.7 / -29.2 for a true +35 / -25 (the same in world coordinates read
  only +26 / -18.5, so world depth is not used). NaN where the face points
  toward the camera (ear-to-nose line under half the ear span): there the
  line's direction is noise, not a pitch.
- head_pitch_shoulders_deg: head_pitch_deg without the hips, for a camera
  that sees only the head and shoulders (a laptop): the face direction
  against the picture axis (vertical or horizontal) nearest to the line
  from the shoulder midpoint to the ear midpoint, so upright or lying. The
  neck line itself turns with a nod (it read 0.24-0.67 of the pitch), the
  axis does not. Where the trunk stays put it reads as head_pitch_deg on
  the rendered side clips; where the trunk itself bends (a back arch, a
  crunch) it reads that too, so exercises that move the trunk keep
  head_pitch_deg. Use `relative = true` (a tilted camera or a pillow
  shifts it). NaN where head_pitch_deg is.
- head_pitch_front_deg: head flexion FACING the camera, + chin down: the
  nose's drop below the ear midpoint, asin(drop / (HEAD_TURN_DEPTH_RATIO x
  ear span)) x HEAD_NOD_GAIN, in degrees of pitch (it read 0.88-1.12 of the
  true pitch on five rendered front clips). Not zero for a level head: use
  `relative = true`. NaN where the ear-to-nose line is longer than
  HEAD_FRONT_MAX_PROFILE ear spans (the head turned side-on).
- trunk_side_bend_deg: the trunk (hip midpoint -> shoulder midpoint) against
  the image vertical, + toward the subject's LEFT (front view, facing the
  camera).
- trunk_incline_deg: the trunk's unsigned angle from the image vertical,
  0 upright, 90 lying; any side view.
- shoulder_elevation_pct: how high the shoulder (side) sits toward the ear
  midpoint, in percent of the shoulder width; rises with a shrug. Use with
  `relative = true`: people differ in neck length.
- neck_length_pct: height of the ear midpoint above the shoulder midpoint,
  in percent of the shoulder width (head drawn up / sunk).
- hip_flexion_deg: 180 minus the shoulder-hip-knee angle of the side.
- hip_line_deg: the shoulder-hip-knee angle measured on the floor side,
  for lying exercises seen from the side (bridges): 180 when the three are in
  line, below 180 while the hips are lower, ABOVE 180 when the hips are pushed
  above the shoulder-knee line (the lower back arching). Either facing.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import numpy.typing as npt

from posecheck.core import geometry as g
from posecheck.core.landmarks import LANDMARK_NAMES, SIDED_NAMES, landmark_index

FloatArray = npt.NDArray[np.float64]

# Calibration of the eye-line tilt against rendered clips with known tilt:
# the model's eye line follows about 0.75 of the true lateral flexion.
HEAD_TILT_GAIN = 1.0 / 0.75
# Nose depth in front of the ear axis over the ear-to-ear span, as MediaPipe
# places them (fitted on a rendered 60-degree turn: tan(48.3) / tan(60)).
HEAD_TURN_DEPTH_RATIO = 0.65
# The face direction (ear -> nose) sits this far below perpendicular to the
# trunk with the head level, as MediaPipe places ear and nose (rendered clip:
# 5.6 at neutral; 3.0 splits the error between neutral and the end ranges).
HEAD_PITCH_NEUTRAL_DEG = 3.0
# head_pitch_deg is defined only where the ear-to-nose line is at least this
# many ear spans long (the head seen from the side; see _head_pitch).
HEAD_PITCH_MIN_PROFILE = 0.5

# head_pitch_front_deg: the nose's drop below the ears, as asin, follows
# about 0.7 of the true pitch (rendered front clips: 0.58-0.72 raw; with
# this gain 0.88-1.12).
HEAD_NOD_GAIN = 1.0 / 0.7
# head_pitch_front_deg is defined only while the ear-to-nose line is at most
# this many ear spans long (the face toward the camera; see _head_pitch_front).
HEAD_FRONT_MAX_PROFILE = 1.0

# A `visible` metric reads the nearer side when the model puts the two sides
# at least this far apart in depth (metres): side-on samples 0.09-0.26,
# facing the camera 0.00-0.07 (there the better-seen side is read).
SIDE_DEPTH_MIN_M = 0.05

# A point this far (in picture widths/heights) outside the picture is off it.
OFF_FRAME_MARGIN = 0.02
# A limb whose picture length is under this share of its length in the
# world (at the picture's scale) points at the lens: its angle is undefined.
# Measured: limbs seen from the side read 0.8-1.2; a real seated person's
# forearm, flexed toward the camera, 0.46-0.63.
FORESHORTENED_SHARE = 0.3
# Body segments that give the picture's scale (Frames.px_per_m).
SCALE_SEGMENTS = (
    ("left_shoulder", "right_shoulder"), ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_hip", "right_hip"), ("left_hip", "left_knee"), ("right_hip", "right_knee"),
    ("left_shoulder", "left_elbow"), ("right_shoulder", "right_elbow"),
)

METRIC_SIDES = ("left", "right", "visible", "mean")
METRIC_SPACES = ("image", "world")
COMBINE_OPS = ("min", "max", "mean")


@dataclass(frozen=True)
class Frames:
    """The landmark arrays metrics read, for T frames.

    Attributes:
        px: (T, 33, 2) image coordinates in pixels (y down).
        world: (T, 33, 3) world coordinates in metres.
        visibility: (T, 33) visibility 0..1.
        size: (width, height) of the picture in pixels; when known, points
            placed off it make the metrics that read them NaN.
    """

    px: FloatArray
    world: FloatArray
    visibility: FloatArray
    size: tuple[int, int] | None = None

    @functools.cached_property
    def px_per_m(self) -> FloatArray:
        """(T,) the picture's scale at the person, pixels per metre of body:
        the second largest over SCALE_SEGMENTS of image length over world
        length (a segment turned toward the lens only looks shorter, so the
        longer-looking ones give the scale, and one outlier is ignored).
        NaN without world landmarks."""
        a = [landmark_index(x) for x, _ in SCALE_SEGMENTS]
        b = [landmark_index(y) for _, y in SCALE_SEGMENTS]
        image = np.sqrt(((self.px[:, a] - self.px[:, b]) ** 2).sum(axis=2))
        world = np.sqrt(((self.world[:, a] - self.world[:, b]) ** 2).sum(axis=2))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios = np.where(world > 0.05, image / world, -np.inf)
        # The second largest of the eight (a cheap 80th percentile, per
        # frame live); a frame with fewer than two known: NaN.
        known = np.sort(np.nan_to_num(ratios, nan=-np.inf), axis=1)[:, -2]
        return np.where(np.isfinite(known), known, np.nan)

    @functools.cached_property
    def in_picture(self) -> npt.NDArray[np.bool_]:
        """(T, 33) landmarks inside the picture (within OFF_FRAME_MARGIN);
        all True when the size is unknown."""
        if self.size is None:
            return np.ones(self.px.shape[:2], bool)
        size = np.asarray(self.size, np.float64)
        with np.errstate(invalid="ignore"):
            inside = (self.px >= -OFF_FRAME_MARGIN * size) & (self.px <= (1.0 + OFF_FRAME_MARGIN) * size)
        return inside.all(axis=2)


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
        measure: a built-in body measure (see the module docstring).
        combine/of: "min", "max" or "mean" of other metrics of the file.
        side: left / right / visible / mean, for unprefixed landmark names.
        space: "image" (2D pixels) or "world" (3D metres) for joint/between.
        negate: flip the sign (e.g. a right-side copy of a signed measure).
        relative: subtract the value the person starts with (median of the
            calibration window), for measures that differ between people.
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
    landmarks: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_direction(self) -> bool:
        """A direction in the picture (-180..180) that wraps round: differences
        of it must be folded back, or a line near pointing left jumps by 360."""
        return bool(self.segment)


def resolve_landmark(name: str, side: str) -> str:
    """The full landmark name for `name` on `side` ("knee", "left" -> "left_knee").

    Virtual midpoints are written "mid_<sided name>" (mid_hip, mid_shoulder).
    """
    if name.startswith("mid_"):
        return name
    if name in SIDED_NAMES:
        return f"{side}_{name}"
    return name


def _point(frames: Frames, name: str, space: str) -> FloatArray:
    arr = frames.px if space == "image" else frames.world
    if name.startswith("mid_"):
        base = name[len("mid_"):]
        return g.midpoint(
            arr[:, landmark_index("left_" + base)], arr[:, landmark_index("right_" + base)]
        )
    return arr[:, landmark_index(name)]


def _visibility(frames: Frames, name: str) -> FloatArray:
    if name.startswith("mid_"):
        base = name[len("mid_"):]
        return np.minimum(
            frames.visibility[:, landmark_index("left_" + base)],
            frames.visibility[:, landmark_index("right_" + base)],
        )
    return frames.visibility[:, landmark_index(name)]


def is_valid_landmark_name(name: str) -> bool:
    """True for a landmark name an exercise file may use (full, sided or mid_)."""
    if name.startswith("mid_"):
        return name[len("mid_"):] in SIDED_NAMES
    return name in LANDMARK_NAMES or name in SIDED_NAMES


# --- built-in measures -------------------------------------------------------


def _head_tilt(f: Frames, side: str) -> FloatArray:
    eyes = g.segment_angle_deg(_point(f, "right_eye", "image"), _point(f, "left_eye", "image"))
    shoulders = g.segment_angle_deg(
        _point(f, "right_shoulder", "image"), _point(f, "left_shoulder", "image")
    )
    # A tilt toward the subject's left lowers the left eye (image right):
    # the eye line turns clockwise, i.e. negative, relative to the shoulders.
    return -_wrap_deg(eyes - shoulders) * HEAD_TILT_GAIN


def _head_turn(f: Frames, side: str) -> FloatArray:
    left, right = _point(f, "left_ear", "image"), _point(f, "right_ear", "image")
    offset_px = _point(f, "nose", "image")[:, 0] - (left[:, 0] + right[:, 0]) / 2.0
    span_px = g.distance(left, right)
    return np.degrees(np.arctan2(offset_px, HEAD_TURN_DEPTH_RATIO * span_px))


def _head_nod(f: Frames, side: str) -> FloatArray:
    left, right = _point(f, "left_ear", "image"), _point(f, "right_ear", "image")
    drop_px = _point(f, "nose", "image")[:, 1] - (left[:, 1] + right[:, 1]) / 2.0
    return np.degrees(np.arctan2(drop_px, HEAD_TURN_DEPTH_RATIO * g.distance(left, right)))


def _head_pitch(f: Frames, side: str) -> FloatArray:
    trunk_up = _point(f, "mid_shoulder", "image") - _point(f, "mid_hip", "image")
    face = _point(f, "nose", "image") - _point(f, "mid_ear", "image")
    pitch = g.vector_angle_deg(trunk_up, face) - 90.0 - HEAD_PITCH_NEUTRAL_DEG
    # Undefined when the face points at the camera: the ear-to-nose line is
    # then a few pixels long and its direction is noise (a head facing the
    # camera read -150 to -175 here). Side views read an ear-nose length of
    # 1.3-60 ear spans on the rendered samples, faces toward the camera
    # 0.01-0.4 (a head turned 60 deg up to 1.2).
    return np.where(_side_on(f, face), pitch, np.nan)


def _head_pitch_front(f: Frames, side: str) -> FloatArray:
    # The nose drops below the ear midpoint by about its depth in front of
    # the ear axis times sin(pitch); the ear span does not change with a nod.
    left, right = _point(f, "left_ear", "image"), _point(f, "right_ear", "image")
    span_px = g.distance(left, right)
    face = _point(f, "nose", "image") - (left + right) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.clip(face[:, 1] / (HEAD_TURN_DEPTH_RATIO * span_px), -1.0, 1.0)
        facing = np.hypot(face[:, 0], face[:, 1]) <= HEAD_FRONT_MAX_PROFILE * span_px
    return np.where(facing, np.degrees(np.arcsin(share)) * HEAD_NOD_GAIN, np.nan)


def _head_pitch_shoulders(f: Frames, side: str) -> FloatArray:
    # The body's "up" from the shoulders toward the ears, snapped to the
    # nearest picture axis: the neck line itself turns with a nod (it read
    # 0.24-0.67 of the head's pitch on rendered clips), the picture's axis
    # does not, and a person upright or lying is lined up with one.
    neck = _point(f, "mid_ear", "image") - _point(f, "mid_shoulder", "image")
    along_x = np.abs(neck[:, 0]) > np.abs(neck[:, 1])
    up = np.stack([np.where(along_x, np.sign(neck[:, 0]), 0.0), np.where(along_x, 0.0, np.sign(neck[:, 1]))], axis=1)
    face = _point(f, "nose", "image") - _point(f, "mid_ear", "image")
    pitch = g.vector_angle_deg(up, face) - 90.0 - HEAD_PITCH_NEUTRAL_DEG
    return np.where(_side_on(f, face) & np.isfinite(neck).all(axis=1), pitch, np.nan)


def _side_on(f: Frames, face: FloatArray) -> npt.NDArray[np.bool_]:
    """(T,) the head is seen from the side: the ear-to-nose line at least
    HEAD_PITCH_MIN_PROFILE ear spans long."""
    ear_span = g.distance(_point(f, "left_ear", "image"), _point(f, "right_ear", "image"))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.hypot(face[:, 0], face[:, 1]) >= HEAD_PITCH_MIN_PROFILE * ear_span


def _trunk_side_bend(f: Frames, side: str) -> FloatArray:
    return g.segment_angle_deg(
        _point(f, "mid_hip", "image"), _point(f, "mid_shoulder", "image"), "vertical"
    )


def _trunk_incline(f: Frames, side: str) -> FloatArray:
    return np.abs(
        g.segment_angle_deg(
            _point(f, "mid_hip", "image"), _point(f, "mid_shoulder", "image"), "vertical"
        )
    )


def _shoulder_width_px(f: Frames) -> FloatArray:
    return g.distance(_point(f, "left_shoulder", "image"), _point(f, "right_shoulder", "image"))


def _shoulder_elevation(f: Frames, side: str) -> FloatArray:
    ear_y = _point(f, "mid_ear", "image")[:, 1]
    shoulder_y = _point(f, f"{side}_shoulder", "image")[:, 1]
    return 100.0 * (ear_y - shoulder_y) / _shoulder_width_px(f)


def _neck_length(f: Frames, side: str) -> FloatArray:
    ear_y = _point(f, "mid_ear", "image")[:, 1]
    shoulder_y = _point(f, "mid_shoulder", "image")[:, 1]
    return 100.0 * (shoulder_y - ear_y) / _shoulder_width_px(f)


def _hip_flexion(f: Frames, side: str) -> FloatArray:
    return 180.0 - g.joint_angle_deg(
        _point(f, f"{side}_shoulder", "image"),
        _point(f, f"{side}_hip", "image"),
        _point(f, f"{side}_knee", "image"),
    )


def _hip_line(f: Frames, side: str) -> FloatArray:
    sh = _point(f, f"{side}_shoulder", "image")
    hip = _point(f, f"{side}_hip", "image")
    knee = _point(f, f"{side}_knee", "image")
    angle = g.joint_angle_deg(sh, hip, knee)
    # Height of the hip above the shoulder-knee line, image y pointing down.
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (hip[:, 0] - sh[:, 0]) / (knee[:, 0] - sh[:, 0])
    line_y = sh[:, 1] + t * (knee[:, 1] - sh[:, 1])
    above = hip[:, 1] < line_y
    return np.where(above, 360.0 - angle, angle)


# name -> (function, landmarks it reads with "{side}" for sided ones, sided?)
MEASURES: dict[str, tuple[Callable[[Frames, str], FloatArray], tuple[str, ...], bool]] = {
    "head_tilt_deg": (_head_tilt, ("left_eye", "right_eye", "left_shoulder", "right_shoulder"), False),
    "head_turn_deg": (_head_turn, ("nose", "left_ear", "right_ear"), False),
    "head_nod_deg": (_head_nod, ("nose", "left_ear", "right_ear"), False),
    "head_pitch_deg": (
        _head_pitch,
        ("nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_hip", "right_hip"),
        False,
    ),
    "head_pitch_front_deg": (_head_pitch_front, ("nose", "left_ear", "right_ear"), False),
    "head_pitch_shoulders_deg": (
        _head_pitch_shoulders, ("nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder"), False,
    ),
    "trunk_side_bend_deg": (_trunk_side_bend, ("left_shoulder", "right_shoulder", "left_hip", "right_hip"), False),
    "trunk_incline_deg": (_trunk_incline, ("left_shoulder", "right_shoulder", "left_hip", "right_hip"), False),
    "shoulder_elevation_pct": (
        _shoulder_elevation,
        ("left_ear", "right_ear", "left_shoulder", "right_shoulder"),
        True,
    ),
    "neck_length_pct": (_neck_length, ("left_ear", "right_ear", "left_shoulder", "right_shoulder"), False),
    "hip_flexion_deg": (_hip_flexion, ("{side}_shoulder", "{side}_hip", "{side}_knee"), True),
    "hip_line_deg": (_hip_line, ("{side}_shoulder", "{side}_hip", "{side}_knee"), True),
}


def _wrap_deg(a: FloatArray) -> FloatArray:
    return (a + 180.0) % 360.0 - 180.0


# --- evaluation ----------------------------------------------------------------


def _points_of(m: MetricDef) -> tuple[str, ...]:
    for pts in (m.joint, m.segment, m.elevation, m.between, m.distance + m.per):
        if pts:
            return pts
    return ()


def metric_landmarks(m: MetricDef, side: str) -> tuple[str, ...]:
    """The full landmark names a metric reads on one side (for visibility)."""
    if m.measure:
        return tuple(n.replace("{side}", side) for n in MEASURES[m.measure][1])
    return tuple(resolve_landmark(n, side) for n in _points_of(m))


def _is_sided(m: MetricDef) -> bool:
    if m.measure:
        return MEASURES[m.measure][2]
    return any(n in SIDED_NAMES for n in _points_of(m))


def _point_landmarks(m: MetricDef, side: str) -> list[list[int]]:
    """Per point the metric reads on this side, the landmark indices it is
    made of (a midpoint: its left and right landmark)."""
    out = []
    for name in _points_of(m):
        full = resolve_landmark(name, side)
        if full.startswith("mid_"):
            base = full[len("mid_"):]
            out.append([landmark_index("left_" + base), landmark_index("right_" + base)])
        else:
            out.append([landmark_index(full)])
    return out


def _in_frame(f: Frames, m: MetricDef, side: str) -> npt.NDArray[np.bool_]:
    """(T,) frames where every point the metric reads on this side lies in
    the picture (a midpoint: both its landmarks). A landmark placed off the
    frame is the model's guess at a body part it cannot see."""
    idx = [i for point in _point_landmarks(m, side) for i in point]
    return f.in_picture[:, idx].all(axis=1)


def _one_side(f: Frames, m: MetricDef, side: str, cache: dict[tuple[str, str], FloatArray] | None = None) -> FloatArray:
    if m.measure:
        if cache is None:
            return MEASURES[m.measure][0](f, side)
        key = (m.measure, side)
        if key not in cache:
            cache[key] = MEASURES[m.measure][0](f, side)
        return cache[key]
    p = [_point(f, resolve_landmark(n, side), m.space) for n in _points_of(m)]
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
    inside = [f.in_picture[:, idx].all(axis=1) for idx in points]
    return (inside[0] | inside[1]) & inside[2] & inside[3]


def _end_on(f: Frames, m: MetricDef, side: str) -> npt.NDArray[np.bool_]:
    """(T,) frames where a limb the metric measures points at the lens: its
    image length under FORESHORTENED_SHARE of its world length at the
    picture's scale. Its direction in the picture is then noise (an upper
    arm pointing at the lens is a dot), so the angle is undefined."""
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
        image = g.distance(_point(f, a, "image"), _point(f, b, "image"))
        world = g.distance(_point(f, a, "world"), _point(f, b, "world"))
        with np.errstate(invalid="ignore"):
            out |= image < FORESHORTENED_SHARE * world * f.px_per_m  # NaN compares False: kept
    return out


def _side_visibility(f: Frames, m: MetricDef, side: str) -> FloatArray:
    names = metric_landmarks(m, side)
    total = _visibility(f, names[0])
    for n in names[1:]:
        total = total + _visibility(f, n)
    return total / len(names)


def _side_depth_m(f: Frames, m: MetricDef, side: str) -> FloatArray:
    """Mean depth (world z, metres, smaller is nearer the camera) of the
    landmarks a metric reads on one side."""
    return np.mean([_point(f, n, "world")[:, 2] for n in metric_landmarks(m, side)], axis=0)


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
    f: Frames, m: MetricDef, done: dict[str, FloatArray],
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


def metric_seen(f: Frames, m: MetricDef, defs_by_name: dict[str, MetricDef],
                min_visibility: float) -> npt.NDArray[np.bool_]:
    """(T,) frames where the metric's reading rests on landmarks the model
    sees at `min_visibility`: every point it reads (of a `visible` metric on
    the side it reads, of a `mean` one on either side), a built-in measure
    the mean of its landmarks, a combine everything it combines.

    The safety rules judge only such readings: a landmark the model barely
    sees is a guess that can jump from frame to frame (a hidden wrist under
    lines an app drew read an elbow at 25 then 160 deg), and a warning must
    not rest on a guess. Counting keeps reading guesses where an exercise is
    made for them (hands laced behind the head)."""
    if m.combine:
        return np.all([metric_seen(f, defs_by_name[n], defs_by_name, min_visibility) for n in m.of], axis=0)
    if m.measure:
        return _side_visibility(f, m, m.side if m.side in ("left", "right") else "left") >= min_visibility
    if not _is_sided(m) or m.side in ("left", "right"):
        return _points_seen(f, m, m.side if m.side in ("left", "right") else "left", min_visibility)
    left = _points_seen(f, m, "left", min_visibility)
    right = _points_seen(f, m, "right", min_visibility)
    if m.side == "mean":
        return left | right
    return np.where(_reads_left(f, m), left, right)
