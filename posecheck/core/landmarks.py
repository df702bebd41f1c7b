"""The 33 MediaPipe pose landmarks, by name, and the skeleton drawn over them.

Exercise files refer to landmarks by these lowercase names, never by index.
"Left" and "right" are the subject's own sides, as MediaPipe labels them on
an unmirrored image.
"""

from __future__ import annotations

from enum import IntEnum


class Landmark(IntEnum):
    """MediaPipe pose landmark indices (BlazePose topology)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


NUM_LANDMARKS = len(Landmark)
LANDMARK_NAMES: tuple[str, ...] = tuple(m.name.lower() for m in Landmark)

# Names that exist on both sides without their prefix ("knee" -> left_knee /
# right_knee); exercise files may use them together with a metric's `side`.
SIDED_NAMES: tuple[str, ...] = tuple(
    n[len("left_"):] for n in LANDMARK_NAMES if n.startswith("left_")
)

CONNECTIONS: tuple[tuple[Landmark, Landmark], ...] = (
    (Landmark.LEFT_EAR, Landmark.LEFT_EYE),
    (Landmark.LEFT_EYE, Landmark.NOSE),
    (Landmark.NOSE, Landmark.RIGHT_EYE),
    (Landmark.RIGHT_EYE, Landmark.RIGHT_EAR),
    (Landmark.MOUTH_LEFT, Landmark.MOUTH_RIGHT),
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW),
    (Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW),
    (Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.LEFT_KNEE),
    (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL),
    (Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_FOOT_INDEX),
    (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE),
    (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL),
    (Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_FOOT_INDEX),
)


def _swap_name(name: str) -> str:
    if name.startswith("left_"):
        return "right_" + name[len("left_"):]
    if name.startswith("right_"):
        return "left_" + name[len("right_"):]
    if name == "mouth_left":
        return "mouth_right"
    if name == "mouth_right":
        return "mouth_left"
    return name


# LEFT_RIGHT_SWAP[i] is the index of landmark i's mirror twin: indexing a
# (..., 33, k) array with it relabels a mirrored image's landmarks.
LEFT_RIGHT_SWAP: tuple[int, ...] = tuple(
    LANDMARK_NAMES.index(_swap_name(n)) for n in LANDMARK_NAMES
)


_INDEX = {n: i for i, n in enumerate(LANDMARK_NAMES)}


def landmark_index(name: str) -> int:
    """Index of a landmark given its lowercase MediaPipe name.

    Raises:
        KeyError: the name is not one of the 33 landmarks.
    """
    return _INDEX[name]
