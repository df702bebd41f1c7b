"""MediaPipe PoseLandmarker (Tasks API) adapter: the ONLY mediapipe import.

The default model is the full pose model bundled with the package
(posecheck/models, rebuilt offline from the Apache-2.0 mediapipe 0.10.21
wheel, see tools/build_pose_bundle.py), so analysis works right after
install with no network. `model_path` takes any other PoseLandmarker
`.task` bundle (Google's lite or heavy ones, say).
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from posecheck.core.pose import PoseCandidate
from posecheck.errors import PosecheckError
from posecheck.io.sources.native import native_stderr_silenced

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
BUNDLED_MODEL = MODELS_DIR / "pose_landmarker_full.task"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_name(path: Path) -> str:
    """How reports name a model: file name and the start of its sha256."""
    return f"{path.name} sha256:{_sha256(path)[:12]}"


# A frame where the model finds nobody is looked at again by a second
# landmarker whose person detector accepts a lower score (MediaPipe's
# default is 0.5). At a laptop's head-and-shoulders framing the detector
# scored a head tipped back side-on under 0.5: a rendered clip lost the
# person for a whole 10 s hold (790 of 990 frames found; 961 with the
# second look). Only missed frames get it, so every frame the model did
# find keeps exactly its landmarks; the landmark model's presence check
# (0.5) still rejects what is not a person (a clip with title and end cards
# gave no pose on a card at 0.3 either).
SECOND_LOOK_DETECTION_CONFIDENCE = 0.3


class MediaPipePoseEstimator:
    """PoseLandmarker in VIDEO mode (tracks between frames, ~2x faster than
    IMAGE mode on 2 cores).

    Args:
        model_path: a `.task` bundle; None for the bundled full model.
        num_poses: how many people the model may return; posecheck then
            follows the exerciser among them (see person.py).

    A context manager: `with MediaPipePoseEstimator() as est:` closes it.
    """

    def __init__(self, model_path: Path | None = None, num_poses: int = 2) -> None:
        path = Path(model_path) if model_path is not None else BUNDLED_MODEL
        if not path.is_file():
            raise PosecheckError(f"pose model {path}: no such file (give a PoseLandmarker .task bundle)")
        # Imported here so that everything else in posecheck works without it.
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import pose_landmarker
        from mediapipe.tasks.python.vision.core.vision_task_running_mode import (
            VisionTaskRunningMode,
        )

        options = pose_landmarker.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=VisionTaskRunningMode.VIDEO,
            num_poses=num_poses,
            output_segmentation_masks=False,
        )
        second = dataclasses.replace(options, min_pose_detection_confidence=SECOND_LOOK_DETECTION_CONFIDENCE)
        try:
            with native_stderr_silenced():
                self._landmarker = pose_landmarker.PoseLandmarker.create_from_options(options)
                self._second_look = pose_landmarker.PoseLandmarker.create_from_options(second)
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PosecheckError(f"pose model {path}: cannot load as a PoseLandmarker bundle ({first})") from None
        import mediapipe as mp

        self._mp = mp
        self.name = model_name(path)

    def detect(self, rgb: npt.NDArray[np.uint8], t_ms: int) -> list[PoseCandidate]:
        """All poses in one RGB frame; t_ms must increase from call to call."""
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        result = self._run(self._landmarker, image, t_ms)
        if not result.pose_landmarks:
            result = self._run(self._second_look, image, t_ms)
        out = []
        for img_lms, world_lms in zip(result.pose_landmarks, result.pose_world_landmarks):
            out.append(
                PoseCandidate(
                    image_xyz=np.array([[p.x, p.y, p.z] for p in img_lms], np.float32),
                    visibility=np.array([p.visibility or 0.0 for p in img_lms], np.float32),
                    world_xyz=np.array([[p.x, p.y, p.z] for p in world_lms], np.float32),
                )
            )
        return out

    @staticmethod
    def _run(landmarker: Any, image: Any, t_ms: int) -> Any:
        """One landmarker on one frame, its C++ log lines silenced: not only
        the warm-up's, as glog's "W0000 ... landmark_projection_calculator"
        comes on the first frame with a person, which may be any frame (a
        clip that opens on a title card printed it mid-run)."""
        with native_stderr_silenced():
            return landmarker.detect_for_video(image, int(t_ms))

    def close(self) -> None:
        with native_stderr_silenced():
            self._landmarker.close()
            self._second_look.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
