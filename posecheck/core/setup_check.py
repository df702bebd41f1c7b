"""Is the person set up for this exercise? If not, what exactly to change.

Before counting starts the trainer checks, frame by frame, that the required
landmarks are in view, that the camera sees the expected side of the person
(front, side, or the back from above) and that the person is in the
exercise's position (standing, seated, lying, on hands and knees). Each
failure gives one specific instruction ("Turn side-on to the camera", "Step
back so your knees are in view") instead of counts. Pure: landmark arrays
in, a status out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from posecheck.core import geometry as g
from posecheck.core.landmarks import OFF_FRAME_MARGIN, SIDED_NAMES, Landmark, landmark_index
from posecheck.spec import Exercise

# Shoulder width over torso length (shoulder midpoint to hip midpoint):
# facing the camera about 0.6-0.8, side-on about 0.1-0.25.
FRONT_MIN_RATIO = 0.42
SIDE_MAX_RATIO = 0.32
# Seen from above (the back toward a camera 55-70 deg up) about 0.56-0.66; a
# person on hands and knees facing a camera at floor level 1.8, 25 deg up 2.7.
ABOVE_MAX_RATIO = 1.2
# The trunk's angle from upright: under this standing or seated, over
# FLAT_MIN_DEG lying or on hands and knees (in between: neither).
UPRIGHT_MAX_DEG = 40.0
FLAT_MIN_DEG = 55.0
# Without hips in view: shoulder width over the nose-to-shoulder-line height.
FRONT_MIN_RATIO_UPPER = 1.3
SIDE_MAX_RATIO_UPPER = 0.8
# A view the exercise is not defined for is asked to change only when clearly
# seen: with hips in view, a front or back at this ratio or more. A camera
# 30-50 deg off the side reads 0.43-0.55 (median over each real clip: a back
# extension over a ball, a crunch filmed from the feet end, a knee push-up,
# push-ups and squats front-oblique), where people facing the camera read
# 0.51-0.85 (0.64 or more but for arms overhead and a side bend) and the
# renders facing it 0.52-0.70. The side measures still show such an
# oblique movement (the back extension's lifts read 55-66 deg for a true
# 40-60), so counting runs in the exercise's own view, as for a camera in
# between; told "Turn side-on", the back extension and the crunch counted
# nothing, 0 of 3 each.
CLEAR_FRONT_MIN_RATIO = 0.6

_BODY_PART_HINT = (
    (("ankle", "heel", "foot_index", "knee"), "Step back so your knees and feet are in view."),
    (("hip",), "Step back so your hips are in view."),
    (("wrist", "elbow", "pinky", "index", "thumb"), "Step back so your arms and hands are in view."),
    (("shoulder",), "Move so your shoulders are in view."),
    (("nose", "eye", "ear", "mouth", "eye_inner", "eye_outer"), "Move so your face is in view."),
)
_POSITION_HINT = {
    "standing": "Stand up for this exercise.",
    "seated": "Sit down on a chair for this exercise.",
    "lying": "Lie down on the floor for this exercise.",
    "hands_and_knees": "Get down on your hands and knees for this exercise.",
    "hanging": "Hang from the bar with straight arms for this exercise.",
}


@dataclass(frozen=True)
class SetupStatus:
    """ok, or the one thing to change (message)."""

    ok: bool
    message: str = ""


def part_of(name: str) -> str:
    """A landmark's body part, its side dropped ("left_wrist" -> "wrist")."""
    for prefix in ("left_", "right_"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name.removeprefix("mid_")


def framing_hint(missing: list[str]) -> str:
    """What to change so these landmarks (or body parts) come into view."""
    parts = {part_of(n) for n in missing}
    for names, hint in _BODY_PART_HINT:
        if parts & set(names):
            return hint
    return "Move so your whole body is in view."


def _seen(vis: npt.NDArray[np.floating], xy: npt.NDArray[np.floating], i: int, thr: float) -> bool:
    """Seen well and in the picture as the measures take it (Frames.in_picture:
    up to OFF_FRAME_MARGIN past its edge). A stricter edge held counting
    back for a whole real front squat whose ankles sat at the bottom edge
    (0.98-1.01 of the height) while the squat's measure read them well."""
    x, y = xy[i]
    lo, hi = -OFF_FRAME_MARGIN, 1.0 + OFF_FRAME_MARGIN
    return bool(vis[i] >= thr and lo <= x <= hi and lo <= y <= hi)


def _missing_required(ex: Exercise, xy: npt.NDArray[np.floating], vis: npt.NDArray[np.floating]) -> list[str]:
    thr = ex.min_visibility
    missing = []
    for name in ex.required:
        if name.startswith("mid_"):
            base = name[len("mid_") :]
            idx = [landmark_index("left_" + base), landmark_index("right_" + base)]
            ok = all(_seen(vis, xy, i, thr) for i in idx)
        elif name in SIDED_NAMES:
            idx = [landmark_index("left_" + name), landmark_index("right_" + name)]
            ok = any(_seen(vis, xy, i, thr) for i in idx)
        else:
            ok = _seen(vis, xy, landmark_index(name), thr)
        if not ok:
            missing.append(name)
    return missing


class Facing(NamedTuple):
    """How the person faces the camera, from one frame or a vote.

    Attributes:
        ratio: shoulder width over torso length (over the nose-to-shoulder
            height without hips): large facing the camera or turned away,
            small side-on.
        with_hips: the hips gave the torso length.
        away: the back is toward the camera (seen from behind).
        trunk_incline_3d_deg: the trunk's angle from the camera's vertical
            in the model's 3D landmarks (0 upright, 90 level; NaN without
            them): its slope where the picture foreshortens it.
    """

    ratio: float
    with_hips: bool
    away: bool = False
    trunk_incline_3d_deg: float = math.nan


def facing_ratio(px: npt.NDArray[np.floating], vis: npt.NDArray[np.floating]) -> tuple[float, bool]:
    """(shoulder width over torso length, whether the hips were used).

    Large facing the camera, small side-on; any body orientation (lying too).
    """
    sh_w = float(g.distance(px[Landmark.LEFT_SHOULDER], px[Landmark.RIGHT_SHOULDER]))
    sh_mid = g.midpoint(px[Landmark.LEFT_SHOULDER], px[Landmark.RIGHT_SHOULDER])
    hips_seen = min(vis[Landmark.LEFT_HIP], vis[Landmark.RIGHT_HIP]) >= 0.5
    if hips_seen:
        hip_mid = g.midpoint(px[Landmark.LEFT_HIP], px[Landmark.RIGHT_HIP])
        return sh_w / max(float(g.distance(sh_mid, hip_mid)), 1e-6), True
    return sh_w / max(float(g.distance(sh_mid, px[Landmark.NOSE])), 1e-6), False


# The nose this far (metres, world z: away from the camera) behind the ear
# midpoint means the back is toward the camera. Measured: facing the camera
# -0.105 to -0.121 on every frame of five rendered front clips (mirrored
# ones too), from behind +0.168 on every frame.
AWAY_NOSE_BEHIND_M = 0.04


def faces_away(world: npt.NDArray[np.floating]) -> bool:
    """The back is toward the camera: the model puts the nose behind the
    ears in depth. (Left and right cannot tell it: the model names a back's
    sides as they are, a mirrored front's as they look, so both read the
    left shoulder on the image left.)"""
    ears_z = (float(world[Landmark.LEFT_EAR, 2]) + float(world[Landmark.RIGHT_EAR, 2])) / 2.0
    return bool(float(world[Landmark.NOSE, 2]) - ears_z > AWAY_NOSE_BEHIND_M)


def frame_facing(
    image_xyz: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating],
    frame_size: tuple[int, int],
    world_xyz: npt.NDArray[np.floating] | None = None,
) -> Facing:
    """One frame's facing (a person in view): the ratio, and facing away
    when the world landmarks are given."""
    px = np.asarray(image_xyz[:, :2], np.float64) * np.asarray(frame_size, np.float64)
    vis = np.nan_to_num(np.asarray(visibility, np.float64), nan=0.0)
    if world_xyz is None:
        return Facing(*facing_ratio(px, vis))
    return Facing(*facing_ratio(px, vis), faces_away(world_xyz), trunk_incline_3d_deg(world_xyz))


def trunk_incline_3d_deg(world: npt.NDArray[np.floating]) -> float:
    """The hip-to-shoulder line's angle from straight up in the model's 3D
    world landmarks (y down, z away from the camera), degrees 0-180."""
    w = np.asarray(world, np.float64)
    up = (w[Landmark.LEFT_SHOULDER] + w[Landmark.RIGHT_SHOULDER] - w[Landmark.LEFT_HIP] - w[Landmark.RIGHT_HIP]) / 2.0
    length = float(np.linalg.norm(up))
    if not length > 0.0:
        return math.nan
    return math.degrees(math.acos(max(-1.0, min(1.0, -float(up[1]) / length))))


# How each view is asked for when the person is seen from another.
VIEW_HINT = {
    "front": "turn to face the camera",
    "side": "turn side-on to the camera",
    "behind": "turn your back to the camera",
    "above": "put the camera up high, looking down on your back",
}


def seen_view(facing: Facing, views: tuple[str, ...]) -> str:
    """The view the camera sees the person from, among what tells views
    apart: "front", "behind", "side", "above" (only where `views` has it:
    from above the back looks like a front), or "" when in between (a
    camera at an angle: any view may be right)."""
    front_min = FRONT_MIN_RATIO if facing.with_hips else FRONT_MIN_RATIO_UPPER
    side_max = SIDE_MAX_RATIO if facing.with_hips else SIDE_MAX_RATIO_UPPER
    if "above" in views and facing.with_hips and side_max < facing.ratio <= ABOVE_MAX_RATIO:
        return "above"
    if facing.ratio >= front_min:
        return "behind" if facing.away else "front"
    if facing.ratio <= side_max:
        return "side"
    return ""


def choose_view(views: tuple[str, ...], facing: Facing | None, current: str) -> tuple[str, str]:
    """(the view to measure in, the instruction when none of `views` fits).

    `views` are the exercise's, its own first. A view it supports is used;
    in between, or with nobody to judge, the current one stays (counting
    runs: it is probably right); a view it does not support, clearly seen
    (CLEAR_FRONT_MIN_RATIO), keeps the current one and asks for one it does
    ("Turn side-on to the camera."); seen at an angle, the current one
    stays and counting runs.
    A back seen from behind is not taken for a front: an exercise without
    a behind view asks the person to turn round (the front view reads the
    face).
    """
    if "any" in views or facing is None:
        return current, ""
    seen = seen_view(facing, views)
    if not seen:
        return current, ""
    if seen in views:
        return seen, ""
    if seen in ("front", "behind") and facing.with_hips and facing.ratio < CLEAR_FRONT_MIN_RATIO:
        return current, ""  # a camera at an angle to the side: probably the exercise's own view
    hints = [VIEW_HINT[v] for v in views if v in VIEW_HINT]
    return current, " or ".join(hints).capitalize() + "."


def _trunk_incline_deg(px: npt.NDArray[np.floating]) -> float:
    hip = g.midpoint(px[Landmark.LEFT_HIP], px[Landmark.RIGHT_HIP])
    sh = g.midpoint(px[Landmark.LEFT_SHOULDER], px[Landmark.RIGHT_SHOULDER])
    return abs(float(g.segment_angle_deg(hip, sh, "vertical")))


# A body this straight at the hips (shoulder-hip-ankle) is in one line, as
# in a plank or a push-up (the push-up's own form limit); a squat, a seated
# person or a bend forward fold at the hips.
BODY_LINE_MIN_DEG = 150.0


def _body_incline_deg(px: npt.NDArray[np.floating], vis: npt.NDArray[np.floating]) -> float | None:
    """The whole body's slope from upright when shoulder, hip and ankle (the
    better-seen side, each seen at 0.5 or better) are in one line: the
    lower of the trunk's slope and the legs'; None when they are not."""
    sides = (
        (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP, Landmark.LEFT_ANKLE),
        (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP, Landmark.RIGHT_ANKLE),
    )
    seen = [side for side in sides if min(vis[i] for i in side) >= 0.5]
    if not seen:
        return None
    sh, hip, ankle = max(seen, key=lambda side: min(vis[i] for i in side))
    if float(g.joint_angle_deg(px[sh], px[hip], px[ankle])) < BODY_LINE_MIN_DEG:
        return None
    legs = abs(float(g.segment_angle_deg(px[ankle], px[hip], "vertical")))
    return min(_trunk_incline_deg(px), legs)


def _trunk_toward_camera(facing: Facing) -> bool:
    """The picture shows the trunk foreshortened (a front or back view) and
    the 3D landmarks gave its slope."""
    front_min = FRONT_MIN_RATIO if facing.with_hips else FRONT_MIN_RATIO_UPPER
    return facing.ratio >= front_min and not math.isnan(facing.trunk_incline_3d_deg)


def position_message(
    ex: Exercise,
    px: npt.NDArray[np.floating],
    vis: npt.NDArray[np.floating],
    facing: Facing,
    clearly: bool = False,
) -> str:
    """What to change so the person is in `ex`'s position ("" when in it, or
    when the picture cannot tell): `px` pixel landmarks, `vis` visibility.

    `clearly`: refuse only the clearly other position (an upright exercise
    past FLAT_MIN_DEG, a lying or hands-and-knees one under
    UPRIGHT_MAX_DEG), not the band in between. Once counting runs the body
    passes through that band by design: a real side-on squat's trunk leans
    41-47 deg before the knees reach the end, a half hang leans back 43.
    """
    if ex.camera_view == "above":
        return ""  # from above the trunk lies any way in the picture: the view check covers it
    flat_min, upright_max = FLAT_MIN_DEG, UPRIGHT_MAX_DEG
    if _trunk_toward_camera(facing):
        # Seen from the head or the feet the trunk points at the camera and
        # its slope is in depth: a push-up filmed from the front reads 0-6
        # deg in the picture. The model's 3D landmarks keep it: 63-84 there
        # (rendered, near and 20 deg to one side), while people upright
        # facing the camera read 38 at the most (every front sample, the
        # real front squat and seated clips), hips in the picture or not
        # (the model places them either way). The slope is from the
        # camera's vertical: a camera pitched up or down shifts it as much.
        # Upright exercises are refused only on a body clearly down (a
        # laptop user leaning in must not be told to sit up).
        incline = facing.trunk_incline_3d_deg
        upright = not incline > FLAT_MIN_DEG
    elif (
        min(vis[Landmark.LEFT_HIP], vis[Landmark.RIGHT_HIP]) < 0.5
        and max(vis[Landmark.LEFT_HIP], vis[Landmark.RIGHT_HIP]) < 0.5
    ):
        return ""  # upper-body framing: the position cannot be told, so not judged
    else:
        incline = _trunk_incline_deg(px)
        upright = incline < UPRIGHT_MAX_DEG
        # Across the picture the slope is the trunk's own: an exercise done
        # on an incline (push-ups with the hands on a bed) moves the whole
        # band down to its own least incline, for a body leaning in one line
        # from shoulders to ankles (its slope the lower of the trunk's and
        # the legs'): a squat leans its trunk as far (10-47 deg) over
        # upright legs. (Along the line of sight the 3D slope of people
        # upright reaches 38: the defaults stay.)
        if ex.min_trunk_incline_deg is not None and (body := _body_incline_deg(px, vis)) is not None:
            incline = body
            flat_min = ex.min_trunk_incline_deg
            upright_max = flat_min - (FLAT_MIN_DEG - UPRIGHT_MAX_DEG)
    flat = incline > flat_min
    if clearly:
        upright, flat = not flat, not incline < upright_max
    if ex.position in ("standing", "seated", "hanging") and not upright:
        return _POSITION_HINT[ex.position]
    if ex.position in ("lying", "hands_and_knees") and not flat:
        return _POSITION_HINT[ex.position]
    return ""


def check_setup(
    ex: Exercise,
    image_xyz: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating],
    frame_size: tuple[int, int],
    facing: Facing | tuple[float, bool] | tuple[float, bool, bool] | None = None,
    views: tuple[str, ...] = (),
) -> SetupStatus:
    """Whether this frame shows the person set up for the exercise.

    Args:
        image_xyz: (33, 3) normalised landmarks (NaN: nobody in view).
        visibility: (33,) visibility.
        frame_size: (width, height) in pixels.
        facing: (shoulder width over torso length, hips used[, facing
            away[, the trunk's 3D slope]]) judged over several frames
            (`FacingVote`); default: this frame's ratio alone, not facing
            away, no 3D slope.
        views: the views the exercise supports (default: `ex`'s own; a
            view's definition passes its exercise's).
    """
    if np.isnan(image_xyz[0, 0]):
        return SetupStatus(False, "Step into the picture.")
    xy = np.asarray(image_xyz[:, :2], np.float64)
    vis = np.nan_to_num(np.asarray(visibility, np.float64), nan=0.0)
    missing = _missing_required(ex, xy, vis)
    if missing:
        return SetupStatus(False, framing_hint(missing))
    px = xy * np.asarray(frame_size, np.float64)
    judged = Facing(*facing) if facing is not None else Facing(*facing_ratio(px, vis))
    _, view_message = choose_view(views or ex.supported_views, judged, ex.camera_view)
    for message in (position_message(ex, px, vis, judged), view_message):
        if message:
            return SetupStatus(False, message)
    return SetupStatus(True)


# The view is judged over this many seconds of frames, not one: a single
# frame's shoulder width flickers (a 202x360 clip of a bridge filmed at an
# angle read 0.28-0.39 from frame to frame).
VIEW_VOTE_S = 0.5


class FacingVote:
    """The median facing ratio (and the majority on facing away) over the
    last VIEW_VOTE_S of frames with a person, so the view is decided from
    several frames."""

    def __init__(self) -> None:
        self._frames: list[tuple[float, Facing]] = []  # t_s, the frame's facing

    def update(
        self,
        t_s: float,
        image_xyz: npt.NDArray[np.floating],
        visibility: npt.NDArray[np.floating],
        frame_size: tuple[int, int],
        world_xyz: npt.NDArray[np.floating] | None = None,
    ) -> Facing | None:
        """Feed one frame; the facing to judge, None if nobody."""
        if np.isnan(image_xyz[0, 0]):
            return None
        now = frame_facing(image_xyz, visibility, frame_size, world_xyz)
        self._frames.append((t_s, now))
        while self._frames[0][0] < t_s - VIEW_VOTE_S:
            self._frames.pop(0)
        same = [f for _, f in self._frames if f.with_hips == now.with_hips]
        away = sum(f.away for f in same) * 2 > len(same)
        slopes = [f.trunk_incline_3d_deg for f in same if not math.isnan(f.trunk_incline_3d_deg)]
        slope = float(np.median(slopes)) if slopes else math.nan
        return Facing(float(np.median([f.ratio for f in same])), now.with_hips, away, slope)
