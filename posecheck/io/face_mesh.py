"""MediaPipe's face mesh, run on the face the pose model found.

The pose model's eleven head points are too few and too unsteady to tell
a close head's tilt or nod within a degree or two (core/head_pose.py). As
MediaPipe's holistic pipeline does, the face region is taken from the pose
landmarks (no second detector), turned so the eyes are level, and the face
landmark model reads 468 points there. The model is `face_landmark.tflite`
from the mediapipe 0.10.21 wheel (posecheck/models/README.md), run through
OpenCV's TFLite importer: current mediapipe ships no face model, and this
adds about 1.5-2.5 ms a frame on 2 cores.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.core.head_pose import REFERENCE_FILE, head_angles_deg, reference_face
from posecheck.core.landmarks import Landmark
from posecheck.errors import PosecheckError

MODEL_FILE = Path(__file__).resolve().parent.parent / "models" / "face_landmark.tflite"
MODEL_SHA256 = "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814"
REFERENCE_SHA256 = "dbcc154fe7b2f18bb18f70101277b032e642de914479fe4bee699fac820518c7"
INPUT_PX = 192
# The face region's side over the face's size from the pose points (the
# larger of the ear span and twice the eyes-to-mouth height): wide enough
# for the chin and the forehead when the head is turned or nodding.
ROI_SCALE = 1.9
# The pose model's face points that place the face, and how well each must
# be seen: without the nose and both eyes there is no face to read.
FACE_LANDMARKS = tuple(range(Landmark.MOUTH_RIGHT + 1))
PLACE_LANDMARKS = (Landmark.NOSE, Landmark.LEFT_EYE, Landmark.RIGHT_EYE)
MIN_VISIBILITY = 0.5
# A face smaller than this (pixels across) is too small to read better than
# the pose model does.
MIN_FACE_PX = 24.0
# The model's face-presence score is a logit: above 0 is a face (p > 0.5).
MIN_PRESENCE_LOGIT = 0.0


def _check_reference() -> None:
    """The reference face (core/head_pose.py) is whole: checked here, before
    any frame, so a damaged install is one line and not a crash mid-video."""
    if not REFERENCE_FILE.is_file():
        raise PosecheckError(f"{REFERENCE_FILE}: face reference missing (reinstall posecheck)")
    if hashlib.sha256(REFERENCE_FILE.read_bytes()).hexdigest() != REFERENCE_SHA256:
        raise PosecheckError(f"{REFERENCE_FILE}: face reference damaged (sha256 differs; reinstall posecheck)")
    reference_face()


class FaceMeshReader:
    """Reads the head's angles (core/head_pose.py) in one frame at a time."""

    name = "mediapipe-face-landmark-0.10.21"

    def __init__(self, model: Path = MODEL_FILE, check_reference: bool = True) -> None:
        """`check_reference` False only to make the reference itself
        (tools/make_face_reference.py): `mesh` needs none."""
        if not model.is_file():
            raise PosecheckError(f"{model}: face model missing (reinstall posecheck)")
        if model == MODEL_FILE and hashlib.sha256(model.read_bytes()).hexdigest() != MODEL_SHA256:
            raise PosecheckError(f"{model}: face model damaged (sha256 differs; reinstall posecheck)")
        if check_reference:
            _check_reference()
        try:
            self._net = cv2.dnn.readNetFromTFLite(str(model))
        except cv2.error as exc:
            raise PosecheckError(f"{model}: cannot load the face model ({' '.join(str(exc).split())[:120]})") from None
        self._outputs = self._net.getUnconnectedOutLayersNames()

    def mesh(
        self, rgb: npt.NDArray[np.uint8], image_xyz: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating]
    ) -> npt.NDArray[np.float64] | None:
        """(468, 3) face points in the frame's pixels (z on the x scale), or
        None when the pose shows no readable face. `image_xyz` (33, 3) and
        `visibility` (33,) are the pose model's, normalised."""
        if np.isnan(image_xyz[0, 0]) or min(float(visibility[i]) for i in PLACE_LANDMARKS) < MIN_VISIBILITY:
            return None
        h, w = rgb.shape[:2]
        px = np.asarray(image_xyz[list(FACE_LANDMARKS), :2], np.float64) * (w, h)
        ears = px[Landmark.LEFT_EAR] - px[Landmark.RIGHT_EAR]
        eyes = px[Landmark.LEFT_EYE] - px[Landmark.RIGHT_EYE]
        mouth = (px[Landmark.MOUTH_LEFT] + px[Landmark.MOUTH_RIGHT]) / 2.0
        height = float(np.linalg.norm(mouth - (px[Landmark.LEFT_EYE] + px[Landmark.RIGHT_EYE]) / 2.0))
        size = max(float(np.linalg.norm(ears)), 2.0 * height)
        if size < MIN_FACE_PX:
            return None
        centre = px.mean(axis=0)
        # Turn the picture so the eyes are level (the subject's right eye is
        # on the image's left), as the face model was trained.
        angle_deg = float(np.degrees(np.arctan2(eyes[1], eyes[0]))) if np.linalg.norm(eyes) > 1.0 else 0.0
        side = size * ROI_SCALE
        to_crop = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle_deg, INPUT_PX / side)
        to_crop[:, 2] += INPUT_PX / 2.0 - centre
        crop = cv2.warpAffine(rgb, to_crop, (INPUT_PX, INPUT_PX), flags=cv2.INTER_LINEAR)
        self._net.setInput(cv2.dnn.blobFromImage(crop, 1.0 / 255.0))
        outs = dict(zip(self._outputs, self._net.forward(self._outputs), strict=True))
        points = next(o for o in outs.values() if o.size == 468 * 3).reshape(468, 3).astype(np.float64)
        presence = float(next(o for o in outs.values() if o.size == 1).item())
        if presence <= MIN_PRESENCE_LOGIT:
            return None
        back = cv2.invertAffineTransform(to_crop)
        xy = points[:, :2] @ back[:, :2].T + back[:, 2]
        return np.column_stack([xy, points[:, 2] * side / INPUT_PX])

    def angles_deg(
        self, rgb: npt.NDArray[np.uint8], image_xyz: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating]
    ) -> npt.NDArray[np.float64]:
        """(3,) turn, pitch, tilt (core/head_pose.py) in one frame; NaN
        where no face is read."""
        mesh = self.mesh(rgb, image_xyz, visibility)
        return np.full(3, np.nan) if mesh is None else head_angles_deg(mesh)
