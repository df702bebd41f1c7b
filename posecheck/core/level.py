"""A camera that is not held level: its roll, found from the picture's
vertical lines, and the landmarks turned back to level.

Elevations and angles to the vertical (a plank's hips off the floor, a
trunk's incline) are read against the picture's axes. A phone propped a few
degrees off level turns every one of them by its roll: 6 deg is enough to
read a forearm plank's hips as resting on the floor. The roll is not in the
landmarks (a body can lean any way), but it is in the room: door frames,
window bars, wall corners and furniture edges are vertical, and in a
picture they all point at one vanishing point. Its direction from the
picture's centre is the camera's true "down"; a camera pitched up or down
moves the point along that direction, so the roll comes out right without
knowing the pitch. A video turned in an editor (black corners) gives the
same answer from the edges of its picture.

The line segments come from the frames (io/camera_roll.py, cv2); everything
here is numpy on their end points, so it is tested without video.

Conventions: `roll_deg` is the direction of true down in the picture,
measured from the picture's down axis (+y, pixels) toward its right (+x):
positive when the picture is turned counter-clockwise on screen (the camera
clockwise).
Levelling turns points by `roll_deg` about the picture's centre (image) or
the hips (world landmarks, whose x and y follow the picture's), so that
true down becomes +y.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# A segment within this of the picture's vertical may be a vertical line of
# the room; so the largest roll that can be found (a phone held upright
# within 20 deg: more is a picture taken sideways, not a tilt).
MAX_ROLL_DEG = 20.0
# Below this the estimate is within its own scatter (measured: level real
# clips read -0.8 to +0.9): readings are left as they are.
MIN_ROLL_DEG = 1.2
# A segment is shorter than this (share of the picture's longer side): text,
# texture and noise rather than an edge of the room.
MIN_SEGMENT_SHARE = 0.08
# A segment points at the vanishing point within this.
INLIER_DEG = 1.5
# The vanishing point lies at least this far from the centre, in longer
# sides (a camera pitched up to about 40 deg); nearer is lines of things that
# are not vertical meeting by chance.
MIN_VP_DISTANCE = 1.0
# Evidence needed: the agreeing segments' length per frame sampled, in
# picture heights, and their share of all near-vertical segments' length.
MIN_INLIER_HEIGHTS = 0.5
MIN_INLIER_SHARE = 0.5
# The rolls scoring within SHARP_LEVEL of the best span at most this, or the
# roll is not determined (measured: 0.6-1.9 deg where the lines show it,
# 11-12 deg on a staircase's lines alone at 320 px, which fit 0 to 10).
SHARP_LEVEL = 0.9
MAX_SPREAD_DEG = 2.0
ROLL_GRID_DEG = np.arange(-MAX_ROLL_DEG, MAX_ROLL_DEG + 0.05, 0.1)
INVERSE_DISTANCES = np.linspace(-1.0 / MIN_VP_DISTANCE, 1.0 / MIN_VP_DISTANCE, 101)


def near_vertical(segments_px: npt.ArrayLike, frame_size: tuple[int, int]) -> FloatArray:
    """The segments (N, 4: x1, y1, x2, y2 in pixels) long enough and within
    MAX_ROLL_DEG of the picture's vertical: the candidates."""
    s = np.asarray(segments_px, np.float64).reshape(-1, 4)
    d = s[:, 2:] - s[:, :2]
    length = np.hypot(d[:, 0], d[:, 1])
    tilt_deg = np.degrees(np.arctan2(np.abs(d[:, 0]), np.abs(d[:, 1])))
    keep = (length >= MIN_SEGMENT_SHARE * max(frame_size)) & (tilt_deg <= MAX_ROLL_DEG)
    return s[keep]


def camera_roll_deg(segments_px: npt.ArrayLike, frame_size: tuple[int, int], frames: int) -> float | None:
    """The camera's roll from near-vertical segments pooled over `frames`
    sampled frames (the person's own lines left out by the caller), or None
    when the picture does not show it clearly (a plain wall, too few or
    disagreeing lines) or it is under MIN_ROLL_DEG.

    A search over vanishing points (a Hough transform in their space): each
    roll within MAX_ROLL_DEG and each distance from the centre beyond
    MIN_VP_DISTANCE, above or below (or at infinity), is scored by the
    length of the segments pointing at it within INLIER_DEG (a smooth
    kernel). A grid, not random pairs: the same recording always gives the
    same answer, and two sets of lines that disagree (an editor's black
    corners and a pitched room) cannot be averaged into a point neither
    points at.
    """
    s = near_vertical(segments_px, frame_size)
    if len(s) < 2 or frames < 1:
        return None
    w, h = frame_size
    scale = float(max(w, h))
    centre = np.array([w / 2.0, h / 2.0])
    p1, p2 = (s[:, :2] - centre) / scale, (s[:, 2:] - centre) / scale
    length = np.hypot(*(p2 - p1).T)
    mid, direction = (p1 + p2) / 2.0, (p2 - p1) / length[:, None]
    profile = np.zeros(len(ROLL_GRID_DEG))
    agreeing = np.zeros(len(ROLL_GRID_DEG))
    for i, r_deg in enumerate(ROLL_GRID_DEG):
        weights = _agreement(math.radians(float(r_deg)), mid, direction)
        scores = weights @ length
        k = int(np.argmax(scores))
        profile[i], agreeing[i] = scores[k], length[weights[k] > 0].sum()
    best = int(np.argmax(profile))
    if profile[best] <= 0.0:
        return None
    roll, agree = float(ROLL_GRID_DEG[best]), float(agreeing[best])
    if agree * scale / frames < MIN_INLIER_HEIGHTS * h or agree < MIN_INLIER_SHARE * float(length.sum()):
        return None
    # Lines all on one side of the picture fit a range of rolls, each with
    # its own pitch, almost equally well: then the roll is not known.
    near_best = ROLL_GRID_DEG[profile >= SHARP_LEVEL * profile[best]]
    if near_best.max() - near_best.min() > MAX_SPREAD_DEG:
        return None
    if abs(roll) < MIN_ROLL_DEG:
        return None
    return round(roll, 1)


def _agreement(roll_rad: float, mid: FloatArray, direction: FloatArray) -> FloatArray:
    """(U, N) how well each segment points at the vanishing point of this
    roll at each inverse distance in INVERSE_DISTANCES: Tukey's biweight of
    the angle, 1 when exact, 0 from INLIER_DEG."""
    down = np.array([math.sin(roll_rad), math.cos(roll_rad)])
    # From each middle towards the point down / u (homogeneous: u = 0 is the
    # point at infinity, u < 0 a point above the picture).
    towards = down[None, None, :] - INVERSE_DISTANCES[:, None, None] * mid[None, :, :]
    cross = towards[..., 0] * direction[None, :, 1] - towards[..., 1] * direction[None, :, 0]
    sin_err = np.abs(cross) / np.hypot(towards[..., 0], towards[..., 1])
    x = sin_err / math.sin(math.radians(INLIER_DEG))
    return np.where(x < 1.0, (1.0 - x**2) ** 2, 0.0)


def check_roll(roll_deg: float | None) -> None:
    """A roll given through the API (a track, a session): None, or a finite
    number of degrees within MAX_ROLL_DEG (a NaN would blank every reading)."""
    if roll_deg is not None and not (math.isfinite(roll_deg) and abs(roll_deg) <= MAX_ROLL_DEG):
        raise ValueError(f"camera_roll_deg must be None or within +-{MAX_ROLL_DEG:g} deg, got {roll_deg!r}")


def _turn(xy: FloatArray, roll_deg: float) -> FloatArray:
    r = math.radians(roll_deg)
    c, s = math.cos(r), math.sin(r)
    out = np.array(xy, np.float64, copy=True)
    out[..., 0] = c * xy[..., 0] - s * xy[..., 1]
    out[..., 1] = s * xy[..., 0] + c * xy[..., 1]
    return out


def level_px(px: FloatArray, frame_size: tuple[int, int], roll_deg: float) -> FloatArray:
    """Image points (..., 2 pixels) as a level camera would place them
    (turned about the picture's centre)."""
    if roll_deg == 0.0:
        return px
    centre = np.asarray(frame_size, np.float64) / 2.0
    return _turn(np.asarray(px, np.float64) - centre, roll_deg) + centre


def unlevel_px(px: FloatArray, frame_size: tuple[int, int], roll_deg: float) -> FloatArray:
    """The inverse of level_px: where the points lie in the picture."""
    return level_px(px, frame_size, -roll_deg)


def level_world(world: FloatArray, roll_deg: float) -> FloatArray:
    """World landmarks (..., 3 metres; x and y follow the picture's axes)
    turned as level_px turns the picture."""
    if roll_deg == 0.0:
        return world
    out = np.array(world, np.float64, copy=True)
    out[..., :2] = _turn(out[..., :2], roll_deg)
    return out
