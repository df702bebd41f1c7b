"""The registry of named body measures: what `measure = "..."` in an exercise file reads.

Why a registry: these are the measures a joint angle or a segment cannot
express (a head turn from the nose and the ears, a tilt against the shoulder
line), each calibrated on rendered clips with a known truth. Each entry of
`MEASURES` is a `Measure`: the function that computes it, the landmarks it
reads (for visibility) and whether it is sided. Angles are in degrees,
percentages of a body width in percent; 2D measures read image pixels, y down
(geometry.py gives the sign conventions). "Left" and "right" are the
subject's own sides.

Built-in measures (`measure = "..."`), their landmarks and signs:
- head_tilt_deg: lateral neck flexion, + toward the subject's LEFT
  shoulder, front view. Where the face mesh was read (Frames.face_deg,
  core/head_pose.py): its tilt against the picture's level, levelled by the
  camera's roll, taken against the picture axis nearest the shoulder line
  (upright: level; lying on a side: vertical). Elsewhere head_tilt_eyes_deg.
  The mesh read rendered tilts within 0.2-0.6 deg on average where the eye
  line erred 0.8-6.4 (a hand by the face moves the pose model's eye points).
- head_tilt_eyes_deg: the same from the pose model alone: the eye line
  (right_eye -> left_eye) against the shoulder line. The model's eye line
  under-reads the true tilt, so the raw angle is multiplied by
  HEAD_TILT_GAIN (measured on rendered clips with known tilt). The head-
  circle rule every exercise gets reads it (no face mesh needed there).
- head_turn_deg: head rotation, + chin toward the subject's LEFT shoulder,
  front view: atan2(nose offset from the ear midpoint, HEAD_TURN_DEPTH_RATIO
  x ear-to-ear distance), in image pixels. The nose sits in front of the ear
  axis, so its sideways offset grows with sin(turn) while the ears' span
  shrinks with cos(turn). Chosen over the world ear line, which read only
  0.59-0.71 of a true 60 degree turn on a rendered clip (and unevenly by
  side); this reads 60 +- 4 there. Past profile (a camera off to one
  side, the head turned away from it) the ears cross: where the ear line
  points against the shoulder line the span counts as negative, so the turn
  reads on past 90 (a camera 25 deg off, a 60 deg turn: 85 and back, not
  folded at 90). NaN beyond HEAD_TURN_MAX_DEG (the face looks away).
- head_turn_face_deg: the head's turn as the face mesh reads it where it
  was read, head_turn_deg elsewhere (a far camera: the mesh found the face
  in no frame of 20 of 23 far front samples), same sign. For small turns
  where a hand touches the head: a hand at the temple moves the pose's ear
  and nose points (presses turned 5 deg into the hand read up to 13-16 deg
  on head_turn_deg, 4-8 here). The two differ by -4 to +8 deg at rest
  (median per sample): a step where one takes over from the other. Not for
  turns to the side: the mesh saturates near profile (51 for a true 60).
- head_nod_deg: head flexion seen from the FRONT: how far the nose sits
  below the ear midpoint along the head's own down axis (square to the eye
  line), as atan2(drop, HEAD_TURN_DEPTH_RATIO x ear span); + chin down. Not
  zero for a level head (the nose is lower than the ears); used where only
  changes matter (the head-circle rules), not for
  thresholds. NaN where the face is turned more than HEAD_NOD_MAX_TURN_DEG
  from the camera (head_turn_deg), and where that axis points away from
  the shoulders (a head seen from behind, its eyes guessed).
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
  face mesh's pitch where it was read (the rotation of its 468 points from a
  face looking into the camera: 0.8-1.7 deg mean error on rendered nods);
  elsewhere the nose's drop below the ear midpoint, asin(drop / (HEAD_TURN_DEPTH_RATIO x
  ear span)) x HEAD_NOD_GAIN, in degrees of pitch (it read 0.88-1.12 of the
  true pitch on five rendered front clips). Not zero for a level head: use
  `relative = true`. NaN where the ear-to-nose line is longer than
  HEAD_FRONT_MAX_PROFILE ear spans (the head turned side-on).
- trunk_side_bend_deg: the trunk (hip midpoint -> shoulder midpoint) against
  the image vertical, + toward the subject's LEFT (front view, facing the
  camera).
- trunk_incline_deg: the trunk's unsigned angle from the image vertical,
  0 upright, 90 lying; any side view.
- trunk_lean_back_deg: the trunk against the image vertical (levelled by
  the camera's roll), + leaning back, - bending forward, side view, either
  facing: which way is read from where the toes point from the heels (both
  feet; NaN when they point neither way).
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

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt

from posecheck.core import geometry as g
from posecheck.core.head_pose import read_first
from posecheck.core.head_profile import profile_line
from posecheck.core.landmarks import Frames

if TYPE_CHECKING:
    from posecheck.spec import Exercise

FloatArray = npt.NDArray[np.float64]

# Calibration of the eye-line tilt against rendered clips with known tilt:
# the model's eye line follows about 0.75 of the true lateral flexion.
HEAD_TILT_GAIN = 1.0 / 0.75
# Nose depth in front of the ear axis over the ear-to-ear span, as MediaPipe
# places them (fitted on a rendered 60-degree turn: tan(48.3) / tan(60)).
HEAD_TURN_DEPTH_RATIO = 0.65
# head_turn_deg is defined up to this far from facing the camera: beyond, the
# face is turned away and the nose's offset is a guess.
HEAD_TURN_MAX_DEG = 135.0
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

# head_nod_deg is defined only while the face is turned at most this far from
# the camera (head_turn_deg): past it the eyes and the nose are seen from the
# side, the eye line is a few pixels long, and a swaying body read as half
# head rolls (hip circles filmed obliquely, face turned 45-70 deg).
HEAD_NOD_MAX_TURN_DEG = 50.0

# Columns of Frames.face_deg (core/head_pose.py).
FACE_TURN, FACE_PITCH, FACE_TILT = 0, 1, 2


def _face_first(f: Frames, from_face: FloatArray, from_pose: FloatArray) -> FloatArray:
    """(T,) the face mesh's reading where it was read, head_pose.read_first."""
    return read_first(from_face, f.face_gap, from_pose)


def _head_tilt_eyes(f: Frames, side: str) -> FloatArray:
    eyes = g.segment_angle_deg(f.point("right_eye", "image"), f.point("left_eye", "image"))
    shoulders = g.segment_angle_deg(f.point("right_shoulder", "image"), f.point("left_shoulder", "image"))
    # A tilt toward the subject's left lowers the left eye (image right):
    # the eye line turns clockwise, i.e. negative, relative to the shoulders,
    # so the tilt is the shoulder line's angle minus the eye line's.
    return g.wrap_deg(shoulders - eyes) * HEAD_TILT_GAIN


def _head_tilt(f: Frames, side: str) -> FloatArray:
    from_pose = _head_tilt_eyes(f, side)
    shoulders = g.segment_angle_deg(f.point("right_shoulder", "image"), f.point("left_shoulder", "image"))
    # The face mesh's tilt is against the picture's level (the eye line's
    # angle with its sign turned), levelled by the camera's roll (the whole
    # rotation, Frames.face_levelled). It is taken against the picture axis
    # nearest the shoulder line (level upright, vertical lying on a side),
    # not the line itself: a hand raised to the head or text drawn over the
    # shoulders moves the shoulder landmarks by a few degrees (a press read
    # 2 deg "still" while the head was still leaning into the hand), the
    # axis does not.
    if f.face_levelled is None:
        return from_pose
    body = np.round(shoulders / 90.0) * 90.0
    return _face_first(f, g.wrap_deg(body + f.face_levelled[:, FACE_TILT]), from_pose)


def _head_turn(f: Frames, side: str) -> FloatArray:
    left, right = f.point("left_ear", "image"), f.point("right_ear", "image")
    offset_px = f.point("nose", "image")[:, 0] - (left[:, 0] + right[:, 0]) / 2.0
    span_px = g.distance(left, right)
    # Past profile (a head turned away from a camera off to that side) the
    # far ear crosses to the near ear's side of the picture: the ear line
    # then points against the shoulder line. The span is taken as negative
    # there, so the turn reads on past 90 deg and back, not folded at 90
    # (folded, a head starting back from 85 deg read as turning further).
    shoulders = f.point("left_shoulder", "image") - f.point("right_shoulder", "image")
    crossed = np.sum((left - right) * shoulders, axis=-1) < 0.0
    turn = np.degrees(np.arctan2(offset_px, HEAD_TURN_DEPTH_RATIO * np.where(crossed, -span_px, span_px)))
    return np.where(np.abs(turn) <= HEAD_TURN_MAX_DEG, turn, np.nan)


def _head_turn_face(f: Frames, side: str) -> FloatArray:
    from_pose = _head_turn(f, side)
    if f.face_levelled is None:
        return from_pose
    return _face_first(f, f.face_levelled[:, FACE_TURN], from_pose)


def _head_nod(f: Frames, side: str) -> FloatArray:
    left, right = f.point("left_ear", "image"), f.point("right_ear", "image")
    ears_mid = (left + right) / 2.0
    # The head's own down axis: square to the eye line, toward the chin (the
    # model names the eyes by the face's own sides, so turning the line from
    # the right eye to the left by +90 deg in the picture points chinward
    # for a face toward the camera, however the head is rolled). Taken along
    # the picture's vertical instead, a head tilted to one side with the
    # face turned a little reads its turn as a nod: a real side tilt, face
    # turned 35 deg, read 12-17 deg "chin down" at each shoulder and so a
    # 16 deg dip half way, as much as a half roll through the back.
    across = f.point("left_eye", "image") - f.point("right_eye", "image")
    with np.errstate(invalid="ignore", divide="ignore"):
        down = np.stack([-across[:, 1], across[:, 0]], axis=1) / np.hypot(across[:, 0], across[:, 1])[:, None]
        drop_px = np.sum((f.point("nose", "image") - ears_mid) * down, axis=1)
        nod = np.degrees(np.arctan2(drop_px, HEAD_TURN_DEPTH_RATIO * g.distance(left, right)))
    # Seen from behind, the model still names the eyes, on the other sides:
    # the axis then points up the head (a nod read with its sign turned),
    # and the turn reads near 0. The body lies down the head's axis.
    toward_body = np.sum(down * (f.point("mid_shoulder", "image") - ears_mid), axis=1) > 0.0
    facing = np.abs(_head_turn(f, side)) <= HEAD_NOD_MAX_TURN_DEG
    return np.where(facing & toward_body, nod, np.nan)


def _head_pitch(f: Frames, side: str) -> FloatArray:
    trunk_up = f.point("mid_shoulder", "image") - f.point("mid_hip", "image")
    face = _profile_line(f)
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
    left, right = f.point("left_ear", "image"), f.point("right_ear", "image")
    span_px = g.distance(left, right)
    face = f.point("nose", "image") - (left + right) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.clip(face[:, 1] / (HEAD_TURN_DEPTH_RATIO * span_px), -1.0, 1.0)
        facing = np.hypot(face[:, 0], face[:, 1]) <= HEAD_FRONT_MAX_PROFILE * span_px
    pitch = np.degrees(np.arcsin(share)) * HEAD_NOD_GAIN
    if f.face_levelled is not None:
        pitch = _face_first(f, f.face_levelled[:, FACE_PITCH], pitch)
    return np.where(facing, pitch, np.nan)


def _head_pitch_shoulders(f: Frames, side: str) -> FloatArray:
    # The body's "up" from the shoulders toward the ears, snapped to the
    # nearest picture axis: the neck line itself turns with a nod (it read
    # 0.24-0.67 of the head's pitch on rendered clips), the picture's axis
    # does not, and a person upright or lying is lined up with one.
    neck = f.point("mid_ear", "image") - f.point("mid_shoulder", "image")
    along_x = np.abs(neck[:, 0]) > np.abs(neck[:, 1])
    up = np.stack([np.where(along_x, np.sign(neck[:, 0]), 0.0), np.where(along_x, 0.0, np.sign(neck[:, 1]))], axis=1)
    face = _profile_line(f)
    pitch = g.vector_angle_deg(up, face) - 90.0 - HEAD_PITCH_NEUTRAL_DEG
    return np.where(_side_on(f, face) & np.isfinite(neck).all(axis=1), pitch, np.nan)


def _profile_line(f: Frames) -> FloatArray:
    """(T, 2) the ear-to-nose line of a side-on head: its direction read
    from the head's pixels where the track has it (core/head_profile.py;
    within a degree of the true nod on rendered clips, where the pose
    model's two points erred 2-10 deg); unknown where not read within 1 s
    after a frame that was; else the pose model's."""
    line = f.point("nose", "image") - f.point("mid_ear", "image")
    if f.head_dir_deg is None:
        return line
    return profile_line(f.head_dir_deg, f.roll_deg, line, f.head_dir_gap)


def _side_on(f: Frames, face: FloatArray) -> npt.NDArray[np.bool_]:
    """(T,) the head is seen from the side: the ear-to-nose line at least
    HEAD_PITCH_MIN_PROFILE ear spans long."""
    ear_span = g.distance(f.point("left_ear", "image"), f.point("right_ear", "image"))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.hypot(face[:, 0], face[:, 1]) >= HEAD_PITCH_MIN_PROFILE * ear_span


def _trunk_side_bend(f: Frames, side: str) -> FloatArray:
    return g.segment_angle_deg(f.point("mid_hip", "image"), f.point("mid_shoulder", "image"), "vertical")


def _trunk_incline(f: Frames, side: str) -> FloatArray:
    return np.abs(g.segment_angle_deg(f.point("mid_hip", "image"), f.point("mid_shoulder", "image"), "vertical"))


def _trunk_lean_back(f: Frames, side: str) -> FloatArray:
    # Which way the person faces: where the toes point from the heels, both
    # feet together. Only the sign is taken: a foot is 30-40 px long in a
    # wide shot and its direction wobbles by 20 deg from frame to frame
    # (hands on the floor beside it), so a lean read against the foot line
    # jerked while the trunk was still.
    toes_x = sum(f.point(f"{s}_foot_index", "image")[:, 0] - f.point(f"{s}_heel", "image")[:, 0] for s in _SIDES)
    facing = np.where(toes_x > 0, 1.0, np.where(toes_x < 0, -1.0, np.nan))
    return -facing * _trunk_side_bend(f, side)


def _shoulder_width_px(f: Frames) -> FloatArray:
    return g.distance(f.point("left_shoulder", "image"), f.point("right_shoulder", "image"))


def _shoulder_elevation(f: Frames, side: str) -> FloatArray:
    ear_y = f.point("mid_ear", "image")[:, 1]
    shoulder_y = f.point(f"{side}_shoulder", "image")[:, 1]
    return 100.0 * (ear_y - shoulder_y) / _shoulder_width_px(f)


def _neck_length(f: Frames, side: str) -> FloatArray:
    ear_y = f.point("mid_ear", "image")[:, 1]
    shoulder_y = f.point("mid_shoulder", "image")[:, 1]
    return 100.0 * (shoulder_y - ear_y) / _shoulder_width_px(f)


def _hip_flexion(f: Frames, side: str) -> FloatArray:
    return 180.0 - g.joint_angle_deg(
        f.point(f"{side}_shoulder", "image"),
        f.point(f"{side}_hip", "image"),
        f.point(f"{side}_knee", "image"),
    )


def _hip_line(f: Frames, side: str) -> FloatArray:
    sh = f.point(f"{side}_shoulder", "image")
    hip = f.point(f"{side}_hip", "image")
    knee = f.point(f"{side}_knee", "image")
    angle = g.joint_angle_deg(sh, hip, knee)
    # Height of the hip above the shoulder-knee line, image y pointing down.
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (hip[:, 0] - sh[:, 0]) / (knee[:, 0] - sh[:, 0])
    line_y = sh[:, 1] + t * (knee[:, 1] - sh[:, 1])
    above = hip[:, 1] < line_y
    return np.where(above, 360.0 - angle, angle)


class Measure(NamedTuple):
    """One built-in body measure.

    Attributes:
        compute: (frames, side) -> (T,) values; `side` is "left" or "right"
            (an unsided measure ignores it).
        landmarks: the landmarks it reads, "{side}_..." for those of the
            side it is computed on (the metric's visibility is theirs).
        sided: it reads one side of the body, so a metric's `side` applies.
    """

    compute: Callable[[Frames, str], FloatArray]
    landmarks: tuple[str, ...]
    sided: bool

    def landmarks_on(self, side: str) -> tuple[str, ...]:
        """The full landmark names it reads when computed on `side`."""
        return tuple(n.replace("{side}", side) for n in self.landmarks)


_HEAD = ("nose", "left_ear", "right_ear")
_SHOULDERS = ("left_shoulder", "right_shoulder")
_TRUNK = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
_EARS_SHOULDERS = ("left_ear", "right_ear", "left_shoulder", "right_shoulder")
_SIDES = ("left", "right")
_FEET = ("left_heel", "right_heel", "left_foot_index", "right_foot_index")
_SIDE_HIP = ("{side}_shoulder", "{side}_hip", "{side}_knee")

MEASURES: dict[str, Measure] = {
    "head_tilt_deg": Measure(_head_tilt, ("left_eye", "right_eye", *_SHOULDERS), sided=False),
    "head_tilt_eyes_deg": Measure(_head_tilt_eyes, ("left_eye", "right_eye", *_SHOULDERS), sided=False),
    "head_turn_deg": Measure(_head_turn, _HEAD, sided=False),
    "head_turn_face_deg": Measure(_head_turn_face, _HEAD, sided=False),
    "head_nod_deg": Measure(_head_nod, (*_HEAD, "left_eye", "right_eye"), sided=False),
    "head_pitch_deg": Measure(_head_pitch, (*_HEAD, *_TRUNK), sided=False),
    "head_pitch_front_deg": Measure(_head_pitch_front, _HEAD, sided=False),
    "head_pitch_shoulders_deg": Measure(_head_pitch_shoulders, (*_HEAD, *_SHOULDERS), sided=False),
    "trunk_side_bend_deg": Measure(_trunk_side_bend, _TRUNK, sided=False),
    "trunk_incline_deg": Measure(_trunk_incline, _TRUNK, sided=False),
    "trunk_lean_back_deg": Measure(_trunk_lean_back, (*_TRUNK, *_FEET), sided=False),
    "shoulder_elevation_pct": Measure(_shoulder_elevation, _EARS_SHOULDERS, sided=True),
    "neck_length_pct": Measure(_neck_length, _EARS_SHOULDERS, sided=False),
    "hip_flexion_deg": Measure(_hip_flexion, _SIDE_HIP, sided=True),
    "hip_line_deg": Measure(_hip_line, _SIDE_HIP, sided=True),
}


# The measures that read the face mesh (Frames.face_deg) where it was read.
# (The head-circle rule every exercise gets reads head_tilt_eyes_deg: its 12
# deg loops need no face.)
FACE_MEASURES = frozenset({"head_tilt_deg", "head_pitch_front_deg", "head_turn_face_deg"})


# The measures that read a side-on head's line from its pixels
# (Frames.head_dir_deg) where it was read.
PROFILE_MEASURES = frozenset({"head_pitch_deg", "head_pitch_shoulders_deg"})


class HeadReads(NamedTuple):
    """Which readings of the head from the picture's pixels a video is read
    with (io/extract.py): the face mesh (`face_deg`), the side-on head's
    patch (`head_dir_deg`)."""

    face: bool
    profile: bool


ALL_HEAD_READS = HeadReads(face=True, profile=True)


def head_reads(exercises: Iterable[Exercise]) -> HeadReads:
    """The readings these exercises' measures use: each costs time a frame
    (the mesh about 2 ms, a fifth of the pose model's on 2 cores; the patch
    under 1 ms where a head is side-on), spent only where used."""
    chosen = list(exercises)
    return HeadReads(face=_reads(chosen, FACE_MEASURES), profile=_reads(chosen, PROFILE_MEASURES))


def _reads(exercises: Iterable[Exercise], measures: frozenset[str]) -> bool:
    return any(
        m.measure in measures for ex in exercises for view in ex.supported_views for m in ex.for_view(view).metrics
    )


def measure_named(name: str) -> Measure:
    """The registry entry of a built-in measure.

    Raises:
        KeyError: `name` is not in MEASURES (the message lists the valid names).
    """
    try:
        return MEASURES[name]
    except KeyError:
        raise KeyError(f"unknown measure {name!r}: one of {sorted(MEASURES)}") from None
