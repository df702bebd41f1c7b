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

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from posecheck import geometry as g
from posecheck.landmarks import SIDED_NAMES, Landmark, landmark_index
from posecheck.spec import Exercise

# Shoulder width over torso length (shoulder midpoint to hip midpoint):
# facing the camera about 0.6-0.8, side-on about 0.1-0.25.
FRONT_MIN_RATIO = 0.42
SIDE_MAX_RATIO = 0.32
# Seen from above (the back toward a camera 55-70 deg up) about 0.56-0.66; a
# person on hands and knees facing a camera at floor level 1.8, 25 deg up 2.7.
ABOVE_MAX_RATIO = 1.2
# Without hips in view: shoulder width over the nose-to-shoulder-line height.
FRONT_MIN_RATIO_UPPER = 1.3
SIDE_MAX_RATIO_UPPER = 0.8
# Landmarks this close to the image edge (normalised) are cut off.
EDGE = 0.01

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


def _part_of(name: str) -> str:
    for prefix in ("left_", "right_"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name.removeprefix("mid_")


def _hint_for(missing: list[str]) -> str:
    parts = {_part_of(n) for n in missing}
    for names, hint in _BODY_PART_HINT:
        if parts & set(names):
            return hint
    return "Move so your whole body is in view."


def _seen(vis: npt.NDArray[np.floating], xy: npt.NDArray[np.floating], i: int, thr: float) -> bool:
    x, y = xy[i]
    return bool(vis[i] >= thr and EDGE <= x <= 1 - EDGE and EDGE <= y <= 1 - EDGE)


def _missing_required(ex: Exercise, xy: npt.NDArray[np.floating], vis: npt.NDArray[np.floating]) -> list[str]:
    thr = ex.min_visibility
    missing = []
    for name in ex.required:
        if name.startswith("mid_"):
            base = name[len("mid_"):]
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


def _view_message(ex: Exercise, ratio: float, with_hips: bool) -> str:
    """The instruction when the view is clearly wrong; "" when it is right
    or in between (a camera at an angle: counting runs, it is probably
    right). Side-on is only refused once the person clearly faces the
    camera (past the front threshold), and the other way round."""
    if ex.camera_view == "any":
        return ""
    front_min = FRONT_MIN_RATIO if with_hips else FRONT_MIN_RATIO_UPPER
    side_max = SIDE_MAX_RATIO if with_hips else SIDE_MAX_RATIO_UPPER
    if ex.camera_view == "front" and ratio <= side_max:
        return "Turn to face the camera."
    if ex.camera_view == "side" and ratio >= front_min:
        return "Turn side-on to the camera."
    if ex.camera_view == "above" and not (side_max < ratio <= ABOVE_MAX_RATIO and with_hips):
        return "Put the camera up high, looking down on your back."
    return ""


def _trunk_incline_deg(px: npt.NDArray[np.floating]) -> float:
    hip = g.midpoint(px[Landmark.LEFT_HIP], px[Landmark.RIGHT_HIP])
    sh = g.midpoint(px[Landmark.LEFT_SHOULDER], px[Landmark.RIGHT_SHOULDER])
    return abs(float(g.segment_angle_deg(hip, sh, "vertical")))


def _position_message(ex: Exercise, px: npt.NDArray[np.floating], vis: npt.NDArray[np.floating]) -> str:
    if ex.camera_view == "above":
        return ""  # from above the trunk lies any way in the picture: the view check covers it
    if min(vis[Landmark.LEFT_HIP], vis[Landmark.RIGHT_HIP]) < 0.5 and max(
        vis[Landmark.LEFT_HIP], vis[Landmark.RIGHT_HIP]
    ) < 0.5:
        return ""  # upper-body framing: the position cannot be told, so not judged
    incline = _trunk_incline_deg(px)
    upright = incline < 40.0
    flat = incline > 55.0
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
    facing: tuple[float, bool] | None = None,
) -> SetupStatus:
    """Whether this frame shows the person set up for the exercise.

    Args:
        image_xyz: (33, 3) normalised landmarks (NaN: nobody in view).
        visibility: (33,) visibility.
        frame_size: (width, height) in pixels.
        facing: (shoulder width over torso length, hips used) judged over
            several frames (`FacingVote`); default: this frame's alone.
    """
    if np.isnan(image_xyz[0, 0]):
        return SetupStatus(False, "Step into the picture.")
    xy = np.asarray(image_xyz[:, :2], np.float64)
    vis = np.nan_to_num(np.asarray(visibility, np.float64), nan=0.0)
    missing = _missing_required(ex, xy, vis)
    if missing:
        return SetupStatus(False, _hint_for(missing))
    px = xy * np.asarray(frame_size, np.float64)
    ratio, with_hips = facing if facing is not None else facing_ratio(px, vis)
    for message in (_position_message(ex, px, vis), _view_message(ex, ratio, with_hips)):
        if message:
            return SetupStatus(False, message)
    return SetupStatus(True)


# The view is judged over this many seconds of frames, not one: a single
# frame's shoulder width flickers (a 202x360 clip of a bridge filmed at an
# angle read 0.28-0.39 from frame to frame).
VIEW_VOTE_S = 0.5


class FacingVote:
    """The median facing ratio over the last VIEW_VOTE_S of frames with a
    person, so the view is decided from several frames."""

    def __init__(self) -> None:
        self._t: list[float] = []
        self._ratio: list[float] = []
        self._hips: list[bool] = []

    def update(self, t_s: float, image_xyz: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating],
               frame_size: tuple[int, int]) -> tuple[float, bool] | None:
        """Feed one frame; the (ratio, hips used) to judge, None if nobody."""
        if np.isnan(image_xyz[0, 0]):
            return None
        px = np.asarray(image_xyz[:, :2], np.float64) * np.asarray(frame_size, np.float64)
        ratio, hips = facing_ratio(px, np.nan_to_num(np.asarray(visibility, np.float64), nan=0.0))
        self._t.append(t_s)
        self._ratio.append(ratio)
        self._hips.append(hips)
        while self._t and self._t[0] < t_s - VIEW_VOTE_S:
            self._t.pop(0)
            self._ratio.pop(0)
            self._hips.pop(0)
        same = [r for r, h in zip(self._ratio, self._hips) if h == hips]
        return float(np.median(same)), hips
