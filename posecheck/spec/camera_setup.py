"""Where to put the camera for an exercise, in words (`posecheck show`):
from its position, its views and the landmarks it needs."""

from __future__ import annotations

from posecheck.spec.model import Exercise

CAMERA_DISTANCE = {
    "standing": "about 2.5 m away so you are seen from head to feet",
    "seated": "about 1.5 m away so head, shoulders and hips are in view",
    "lying": "at floor level, about 2.5 m away so you are seen from head to feet",
    "hands_and_knees": "low, about 2.5 m away so hands, knees and feet are in view",
    "hanging": "about 3 m away so hands and feet are in view",
}
CAMERA_VIEW = {
    "front": "face the camera",
    "side": "turn side-on to the camera",
    "behind": "turn your back to the camera",
    "above": "put the camera up high, looking down on your back",
    "any": "face the camera or stand side-on",
}
# Only the head and shoulders need to be in the picture (no hip, knee,
# ankle, foot, elbow, wrist or hand required).
HEAD_AND_SHOULDERS = ("nose", "eye", "ear", "mouth", "shoulder", "eye_inner", "eye_outer")


def _needs_only_head_and_shoulders(ex: Exercise) -> bool:
    parts = {n.removeprefix("left_").removeprefix("right_").removeprefix("mid_") for n in ex.required}
    return parts <= set(HEAD_AND_SHOULDERS)


def camera_setup(ex: Exercise) -> str:
    """Where to put the camera, in words, from the exercise's position and views."""
    views = " or ".join(CAMERA_VIEW[v] for v in ex.supported_views)
    if ex.camera_view == "above":
        return f"{views}, far enough that hands, knees and feet are in view"
    if _needs_only_head_and_shoulders(ex):
        return (
            f"{views}; camera at head height, near enough that head and shoulders fill the picture (a laptop is fine)"
        )
    return f"{views}; camera {CAMERA_DISTANCE[ex.position]}"
