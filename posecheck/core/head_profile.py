"""A side-on head's ear-to-nose line read from its pixels (io/head_patch.py).

The reading is the line's direction in the picture, in degrees as
atan2(dy, dx) with y down, NaN where the head was not side-on or its patch
not found. Pure helpers for what the pure stages do with it: mirror it with
a selfie picture, level it with a rolled camera, and give the measures the
line to read (core/measures.py: head_pitch_deg, head_pitch_shoulders_deg).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from posecheck.core.head_pose import read_first

FloatArray = npt.NDArray[np.float64]


def wrap_direction_deg(deg: npt.ArrayLike) -> FloatArray:
    """Directions wrapped to -180..180."""
    return (np.asarray(deg, np.float64) + 180.0) % 360.0 - 180.0


def mirrored_direction_deg(deg: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """The direction in a mirrored picture (x flipped): (dx, dy) -> (-dx, dy),
    i.e. a -> 180 - a. NaN stays NaN."""
    return wrap_direction_deg(180.0 - np.asarray(deg, np.float64)).astype(np.float32)


def profile_line(
    direction_deg: FloatArray, roll_deg: float, pose_line: FloatArray, gap: npt.NDArray[np.bool_] | None
) -> FloatArray:
    """(T, 2) the ear-to-nose line the side-view measures read: the pose
    model's line's length along the direction read from the pixels (turned
    to level by the camera's roll, as core/level.py turns the points);
    unknown in a gap just after a frame read (the two differ by up to 20
    deg on a far head), the pose model's line elsewhere (read_first)."""
    a = np.radians(np.asarray(direction_deg, np.float64) + roll_deg)
    length = np.hypot(pose_line[:, 0], pose_line[:, 1])
    along = np.stack([np.cos(a) * length, np.sin(a) * length], axis=1)
    return read_first(along, gap, pose_line)
