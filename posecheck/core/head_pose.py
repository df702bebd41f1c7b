"""The head's turn, pitch and tilt from a face mesh: 468 face points, not 11.

Why: the pose model places the head from eleven points (nose, eyes, ears,
mouth) and reads a close head unsteadily: on rendered head-and-shoulders
clips its eye-line tilt erred 0.8-6.4 deg (a hand by the face: 6.4) and
its nose-drop nod 3.1 deg. MediaPipe's face mesh, run on the face the pose
model found (as MediaPipe's own holistic pipeline does), gives 468 points
with relative depth; the rotation that best lines them up with a face
looking straight into the camera (Kabsch, all points at once) read the same
clips' tilt within 0.2-0.6 deg and their nod within 0.8-1.7 (README,
"Measures"). Pure: arrays in, degrees out.

Angles (degrees, the subject's own sides, as core/measures.py):
- turn: + chin toward the subject's LEFT shoulder (head_turn_deg's sign);
- pitch: + chin down (head_pitch_front_deg's sign);
- tilt: + toward the subject's LEFT shoulder, against the camera's level
  (head_tilt_deg's sign; that measure subtracts the shoulder line).
They are the head's rotation as yaw, then pitch about the turned head's
own ear-to-ear axis, then roll: a nod while turned reads as a nod, not as a
tilt.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

FACE_POINTS = 468
# The face mesh of a face looking straight into a level camera: the model's
# own reading of a rendered neutral head (tools/make_face_reference.py),
# centred and scaled to unit RMS radius; x right, y down, z away (pixels).
REFERENCE_FILE = Path(__file__).resolve().parent.parent / "models" / "face_reference.npy"


@functools.cache
def reference_face() -> FloatArray:
    """(468, 3) the neutral face the rotation is measured from."""
    ref = np.load(REFERENCE_FILE, allow_pickle=False).astype(np.float64)
    if ref.shape != (FACE_POINTS, 3) or not np.isfinite(ref).all():
        raise ValueError(f"{REFERENCE_FILE}: not a ({FACE_POINTS}, 3) face reference")
    return ref


def normalised_face(mesh: FloatArray) -> FloatArray:
    """(468, 3) a mesh centred on its mean and scaled to unit RMS radius."""
    centred = mesh - mesh.mean(axis=0)
    return centred / np.sqrt((centred**2).sum(axis=1).mean())


def face_rotation(mesh: FloatArray) -> FloatArray:
    """(3, 3) the rotation R with R @ reference ~ mesh (Kabsch: the least
    squares rotation between the two point sets, scale and place removed)."""
    ref = reference_face()
    cov = ref.T @ normalised_face(mesh)
    u, _, vt = np.linalg.svd(cov)
    d = np.sign(np.linalg.det(vt.T @ u.T))
    return vt.T @ np.diag([1.0, 1.0, d]) @ u.T


def head_angles_deg(mesh: FloatArray) -> FloatArray:
    """(3,) turn, pitch, tilt in degrees (module doc) of one face mesh in
    pixels (x right, y down, z away on the x scale); NaN if any point is."""
    mesh = np.asarray(mesh, np.float64)
    if mesh.shape != (FACE_POINTS, 3):
        raise ValueError(f"a face mesh has shape ({FACE_POINTS}, 3), not {mesh.shape}")
    if not np.isfinite(mesh).all():
        return np.full(3, np.nan)
    r = face_rotation(mesh)
    # R = Ry(yaw) @ Rx(pitch) @ Rz(roll), camera axes x right, y down, z away.
    yaw = np.degrees(np.arctan2(r[0, 2], r[2, 2]))
    pitch = np.degrees(np.arcsin(np.clip(-r[1, 2], -1.0, 1.0)))
    roll = np.degrees(np.arctan2(r[1, 0], r[1, 1]))
    # A yaw toward +x (image right) turns an unmirrored subject's chin toward
    # their right shoulder: the turn is its negative.
    return np.array([-yaw, pitch, roll])
