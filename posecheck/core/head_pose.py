"""The head's turn, pitch and tilt from a face mesh: 468 face points, not 11.

Why: the pose model places the head from eleven points (nose, eyes, ears,
mouth) and reads a close head unsteadily: on rendered head-and-shoulders
clips its eye-line tilt erred 0.8-6.4 deg (a hand by the face: 6.4) and
its nose-drop nod 3.1 deg. MediaPipe's face mesh, run on the face the pose
model found (as MediaPipe's own holistic pipeline does), gives 468 points
with relative depth; the rotation that best lines them up with a face
looking straight into the camera (Kabsch, all points at once) read the same
clips' tilt within 0.2-0.6 deg and their nod within 0.8-1.7 (README,
"Metrics"). Pure: arrays in, degrees out.

Angles (degrees, the subject's own sides, as core/measures.py):
- turn: + chin toward the subject's LEFT shoulder (head_turn_deg's sign);
- pitch: + chin down (head_pitch_front_deg's sign);
- tilt: + toward the subject's LEFT shoulder, against the picture's level
  (head_tilt_deg's sign; that measure takes it against the picture axis
  nearest the shoulder line).
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
# A frame whose face was not read this soon after one that was is a gap for
# the measures that read the mesh, not a frame for the pose model's reading:
# the two differ by 2-16 deg (the mesh's nod against the nose's drop), so
# switching between them frame by frame put steps into a still head (a
# false partial rep where the mesh missed three frames).
FACE_GAP_S = 1.0
# The face mesh of a face looking straight into a level camera: the model's
# own reading of a rendered neutral head (tools/make_face_reference.py),
# centred and scaled to unit RMS radius; x right, y down, z away (pixels).
REFERENCE_FILE = Path(__file__).resolve().parent.parent / "models" / "face_reference.npy"
# What a mirror (a selfie picture) does to (turn, pitch, tilt): a turn and a
# tilt go the other way, a nod stays a nod.
MIRROR_SIGNS = np.array([-1.0, 1.0, -1.0], np.float32)


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
    return _angles(face_rotation(mesh)[None])[0]


def _angles(r: FloatArray) -> FloatArray:
    """(N, 3) turn, pitch, tilt of (N, 3, 3) rotations R = Ry(yaw) @ Rx(pitch)
    @ Rz(roll) in camera axes (x right, y down, z away)."""
    yaw = np.degrees(np.arctan2(r[:, 0, 2], r[:, 2, 2]))
    pitch = np.degrees(np.arcsin(np.clip(-r[:, 1, 2], -1.0, 1.0)))
    roll = np.degrees(np.arctan2(r[:, 1, 0], r[:, 1, 1]))
    # The face looks along -z; a positive yaw swings the nose toward -x (the
    # image's left), an unmirrored subject's chin toward their RIGHT
    # shoulder: the turn is the yaw's negative.
    return np.stack([-yaw, pitch, roll], axis=1)


def _rotations(angles_deg: FloatArray) -> FloatArray:
    """(N, 3, 3) the rotations `_angles` reads (N, 3) turn, pitch, tilt from."""
    a, b, c = np.radians(-angles_deg[:, 0]), np.radians(angles_deg[:, 1]), np.radians(angles_deg[:, 2])
    one, nil = np.ones_like(a), np.zeros_like(a)
    ry = np.stack([np.cos(a), nil, np.sin(a), nil, one, nil, -np.sin(a), nil, np.cos(a)], axis=1).reshape(-1, 3, 3)
    rx = np.stack([one, nil, nil, nil, np.cos(b), -np.sin(b), nil, np.sin(b), np.cos(b)], axis=1).reshape(-1, 3, 3)
    rz = np.stack([np.cos(c), -np.sin(c), nil, np.sin(c), np.cos(c), nil, nil, nil, one], axis=1).reshape(-1, 3, 3)
    return ry @ rx @ rz


def levelled_angles_deg(angles_deg: FloatArray, roll_deg: float) -> FloatArray:
    """(T, 3) turn, pitch, tilt as a level camera would read them, from those
    read in a picture turned by the camera's roll (core/level.py: positive =
    the picture turned counter-clockwise). The roll turns the whole head
    about the lens axis, so it is taken off the rotation, not off the tilt
    alone: a nodded or turned head's angles all change with it."""
    angles = np.asarray(angles_deg, np.float64)
    if not roll_deg:
        return angles
    c, s = np.cos(np.radians(roll_deg)), np.sin(np.radians(roll_deg))
    level = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    out = np.full_like(angles, np.nan)
    read = np.isfinite(angles).all(axis=1)
    out[read] = _angles(level @ _rotations(angles[read]))
    return out


def face_gaps(
    t_s: FloatArray, read: npt.NDArray[np.bool_], last_read_s: float = -np.inf, fell_back_before: bool = False
) -> npt.NDArray[np.bool_]:
    """(T,) frames where a measure reading the pixels is unknown (causal:
    only earlier frames count, as live): the face not read within
    FACE_GAP_S after a frame where it was, and the first frame read after
    frames that fell back on the pose model (the switch back). The two
    readings differ, by up to 40 deg on a real side-on head hanging in a
    cat-cow: a step between them is a change of instrument, not a movement,
    and one unknown frame restarts the speed rule's history as a cut does
    (the step read as a jerk: "Slow down" on a slow cat-cow).
    `last_read_s` is the last read before these frames, `fell_back_before`
    whether the frame just before them fell back."""
    t = np.asarray(t_s, np.float64)
    last = np.maximum.accumulate(np.where(read, t, -np.inf))
    last = np.maximum(last, last_read_s)
    gap = ~read & (t - last <= FACE_GAP_S)
    fell_back = ~read & ~gap
    before = np.concatenate([[fell_back_before], fell_back[:-1]])
    return gap | (read & before)


def read_frames(reading: npt.NDArray[np.floating]) -> npt.NDArray[np.bool_]:
    """(T,) frames where a pixel reading (face_deg rows, head_dir_deg values,
    or what a measure makes of them) is there: a row is all numbers or all
    NaN, so its first number decides."""
    return np.isfinite(reading if reading.ndim == 1 else reading[:, 0])


def read_first(reading: FloatArray, gap: npt.NDArray[np.bool_] | None, fallback: FloatArray) -> FloatArray:
    """(T,) or (T, k): the pixel reading where it was read; unknown in a gap
    (face_gaps: just after a frame read, and where the reading comes back
    after the pose's: the two readings differ by a few degrees, switching
    frame by frame would put steps into a still head); the pose model's
    `fallback` elsewhere."""
    shape = (-1,) + (1,) * (reading.ndim - 1)
    read = read_frames(reading).reshape(shape)
    unknown = np.zeros(read.shape, bool) if gap is None else np.asarray(gap).reshape(shape)
    return np.where(unknown, np.nan, np.where(read, reading, fallback))


class StreamingGaps:
    """`face_gaps` one frame at a time (live): one pixel reading's state (a
    session keeps one for face_deg, one for head_dir_deg)."""

    def __init__(self) -> None:
        # The last frame read in, and whether the last frame fell back on
        # the pose model's reading.
        self._read_s = -np.inf
        self._fell_back = False

    def frame(
        self, t_s: float, reading: npt.ArrayLike | None
    ) -> tuple[npt.NDArray[np.float64] | None, npt.NDArray[np.bool_] | None]:
        """One frame's reading and its gap, as Frames takes them (None, None
        without the reading)."""
        if reading is None:
            return None, None
        values = np.asarray(reading, np.float64)[None]
        read = read_frames(values)
        gap = face_gaps(np.array([t_s]), read, self._read_s, self._fell_back)
        if read[0]:
            self._read_s = t_s
        self._fell_back = bool(~read[0] & ~gap[0])
        return values, gap
