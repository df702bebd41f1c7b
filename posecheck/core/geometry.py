"""Pure, vectorised angle geometry on landmark coordinates.

Conventions (every function here):
- Points are arrays of shape (..., 2) or (..., 3); leading axes broadcast, so
  one call handles a single frame (2,) or a whole track (T, 2).
- 2D points are image pixels with y pointing DOWN, as images store them.
  Signed 2D angles are computed with y flipped to point up, so they read the
  way a person sees the picture: counter-clockwise is positive.
- Angles are in degrees. NaN in any input point gives NaN out, never an error.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _up(v: FloatArray) -> FloatArray:
    """2D image vectors with y flipped to point up."""
    out = np.array(v, dtype=np.float64, copy=True)
    out[..., 1] = -out[..., 1]
    return out


def joint_angle_deg(a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike) -> FloatArray:
    """Angle at vertex b between b->a and b->c, 0..180 degrees (2D or 3D).

    A straight limb (hip-knee-ankle in line) is 180; a fully folded one is 0.
    """
    u = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    v = np.asarray(c, np.float64) - np.asarray(b, np.float64)
    return vector_angle_deg(u, v)


def vector_angle_deg(u: npt.ArrayLike, v: npt.ArrayLike) -> FloatArray:
    """Unsigned angle between vectors u and v, 0..180 degrees (2D or 3D)."""
    u = np.asarray(u, np.float64)
    v = np.asarray(v, np.float64)
    dot = np.sum(u * v, axis=-1)
    norm = np.sqrt(np.sum(u * u, axis=-1) * np.sum(v * v, axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.clip(dot / norm, -1.0, 1.0)
    return np.degrees(np.arccos(cos))


def segment_angle_deg(a: npt.ArrayLike, b: npt.ArrayLike, reference: str = "horizontal") -> FloatArray:
    """Signed angle of the 2D segment a->b against a reference direction.

    Args:
        a, b: (..., 2) image points (y down).
        reference: "horizontal": 0 when b is straight to the right of a,
            positive when b is above that line (counter-clockwise), range
            (-180, 180]. "vertical": 0 when b is straight above a, positive
            when b leans to the image right, range (-180, 180].
    """
    d = _up(np.asarray(b, np.float64) - np.asarray(a, np.float64))
    if reference == "horizontal":
        return np.degrees(np.arctan2(d[..., 1], d[..., 0]))
    if reference == "vertical":
        return np.degrees(np.arctan2(d[..., 0], d[..., 1]))
    raise ValueError(f"reference must be 'horizontal' or 'vertical', got {reference!r}")


def wrap_deg(angle_deg: npt.ArrayLike) -> FloatArray:
    """Angles folded into (-180, 180], the range of `segment_angle_deg`: the
    difference of two directions. The one angle wrap of the package: +180
    stays +180 and -180 becomes +180 (a half turn reads as +180 whichever way
    it was taken)."""
    a = np.asarray(angle_deg, np.float64)
    return 180.0 - np.mod(180.0 - a, 360.0)


def elevation_deg(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """How far the 2D segment a->b points above the horizontal, -90..90 degrees.

    Independent of which way the person faces in a side view: a trunk lifted
    20 degrees off the floor reads 20 whether the head is to the left or right.
    """
    d = _up(np.asarray(b, np.float64) - np.asarray(a, np.float64))
    return np.degrees(np.arctan2(d[..., 1], np.abs(d[..., 0])))


def signed_angle_between_deg(a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, d: npt.ArrayLike) -> FloatArray:
    """Signed 2D angle from segment a->b to segment c->d, (-180, 180].

    Positive when c->d is rotated counter-clockwise from a->b (as seen).
    """
    u = _up(np.asarray(b, np.float64) - np.asarray(a, np.float64))
    v = _up(np.asarray(d, np.float64) - np.asarray(c, np.float64))
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = np.sum(u * v, axis=-1)
    return np.degrees(np.arctan2(cross, dot))


def midpoint(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Point halfway between a and b."""
    return (np.asarray(a, np.float64) + np.asarray(b, np.float64)) / 2.0


def distance(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Euclidean distance between a and b along the last axis."""
    return np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64), axis=-1)
