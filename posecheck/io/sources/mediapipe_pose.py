"""MediaPipe PoseLandmarker (Tasks API) adapter: the ONLY mediapipe import.

The default model is the full pose model bundled with the package
(posecheck/models, rebuilt offline from the Apache-2.0 mediapipe 0.10.21
wheel, see tools/build_pose_bundle.py), so analysis works right after
install with no network. `model_path` takes any other PoseLandmarker
`.task` bundle (Google's lite or heavy ones, say).
"""

from __future__ import annotations

import dataclasses
import queue
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import numpy as np
import numpy.typing as npt

from posecheck.core.pose import PoseCandidate
from posecheck.errors import PosecheckError
from posecheck.io.sources.native import native_stderr_silenced
from posecheck.io.sources.parallel import ordered_parallel_map, usable_cores
from posecheck.outputs import file_sha256

K = TypeVar("K")

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
BUNDLED_MODEL = MODELS_DIR / "pose_landmarker_full.task"


def model_name(path: Path) -> str:
    """How reports name a model: file name and the start of its sha256."""
    return f"{path.name} sha256:{file_sha256(path)[:12]}"


# A frame where the model finds nobody is looked at again by a second
# landmarker whose person detector accepts a lower score (MediaPipe's
# default is 0.5). At a laptop's head-and-shoulders framing the detector
# scored a head tipped back side-on under 0.5: a rendered clip lost the
# person for a whole 10 s hold (790 of 990 frames found; 961 with the
# second look). Only missed frames get it, so every frame the model did
# find keeps exactly its landmarks; the landmark model's presence check
# (0.5) still rejects what is not a person (a clip with title and end cards
# gave no pose on a card at 0.3 either). Its finds are marked
# (`PoseCandidate.second_look`): right after a frame with the person,
# following them is preferred (io/follow.py).
SECOND_LOOK_DETECTION_CONFIDENCE = 0.3


class MediaPipePoseEstimator:
    """PoseLandmarker in IMAGE mode: every frame is read on its own.

    Why not VIDEO mode, measured (squat_side.mp4, 347 frames, 2 cores):
    - asking VIDEO mode for two poses, as posecheck did, ran the person
      detector on every frame (one person is fewer than two): 29.8 ms a
      frame, and landmarks identical, frame for frame, to IMAGE mode's;
    - VIDEO mode with one pose skips the detector (18.8 ms a frame) but
      crops each frame from the last frame's landmarks and smooths them
      inside MediaPipe: on the rendered samples 16 more clips failed, 3 of
      11 unsafe moves went unwarned and 6 false jerk warnings came.
    IMAGE mode keeps the detector's landmarks, and since no frame depends
    on another, `detect_frames` reads several at once, one landmarker per
    core (1.9x on 2 cores, the same landmarks). A second person costs a
    second landmark pass only on the frames where there is one.

    Args:
        model_path: a `.task` bundle; None for the bundled full model.
        num_poses: how many people the model may return; posecheck then
            follows the exerciser among them (see core/person.py).
        workers: landmarkers (and threads) for `detect_frames`; None for
            one per usable core. One is enough for `detect` alone (live).

    A context manager: `with MediaPipePoseEstimator() as est:` closes it.
    """

    def __init__(self, model_path: Path | None = None, num_poses: int = 2, workers: int | None = None) -> None:
        path = Path(model_path) if model_path is not None else BUNDLED_MODEL
        if not path.is_file():
            raise PosecheckError(f"pose model {path}: no such file (give a PoseLandmarker .task bundle)")
        n_workers = usable_cores() if workers is None else workers
        if n_workers < 1:
            raise PosecheckError(f"pose model workers must be >= 1, got {n_workers}")
        # Imported here so that everything else in posecheck works without it.
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import pose_landmarker
        from mediapipe.tasks.python.vision.core.vision_task_running_mode import (
            VisionTaskRunningMode,
        )

        options = pose_landmarker.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=VisionTaskRunningMode.IMAGE,
            num_poses=num_poses,
            output_segmentation_masks=False,
        )
        second = dataclasses.replace(options, min_pose_detection_confidence=SECOND_LOOK_DETECTION_CONFIDENCE)
        # The tracker of frames the detector misses: video mode, one pose. It
        # starts on the last frame the person was found in, with the first
        # look's detection threshold, else the second look's: a lying
        # close-up found only by the second look, and tracked from a start at
        # 0.5, was lost at once (199 of 555 frames); starting every run at
        # 0.3 lost a plank under drawn text (344 of 390, 390 at 0.5 first).
        self._tracker_options = [
            dataclasses.replace(o, running_mode=VisionTaskRunningMode.VIDEO, num_poses=1) for o in (options, second)
        ]
        self._tracker: Any = None
        self._create = pose_landmarker.PoseLandmarker.create_from_options
        self._second_options = second
        # Per worker [landmarker, second look]; the second look is made at its
        # first missed frame (most videos have none: 0.1 s saved at start).
        self._pairs: list[list[Any]] = []
        try:
            with native_stderr_silenced():
                for _ in range(n_workers):
                    self._pairs.append([self._create(options), None])
        except (RuntimeError, ValueError, FileNotFoundError) as exc:  # not a bundle; a zip without the models
            self.close()
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PosecheckError(f"pose model {path}: cannot load as a PoseLandmarker bundle ({first})") from None
        # Each landmarker serves one thread at a time: a call takes a free
        # pair from here and gives it back.
        self._free: queue.SimpleQueue[list[Any]] = queue.SimpleQueue()
        for pair in self._pairs:
            self._free.put(pair)
        import mediapipe as mp

        self._mp = mp
        self.name = model_name(path)
        self.workers = n_workers

    def detect(self, rgb: npt.NDArray[np.uint8]) -> list[PoseCandidate]:
        """All poses in one RGB frame (H, W, 3). Safe from several threads
        at once, up to `workers` of them at a time."""
        image = self._image(rgb)
        pair = self._free.get()
        try:
            result = self._run(pair[0], image)
            if result.pose_landmarks:
                return _candidates(result)
            if pair[1] is None:
                with native_stderr_silenced():
                    pair[1] = self._create(self._second_options)
            return _candidates(self._run(pair[1], image), second_look=True)
        finally:
            self._free.put(pair)

    def track(
        self, before: tuple[float, npt.NDArray[np.uint8]] | None, t_s: float, rgb: npt.NDArray[np.uint8]
    ) -> list[PoseCandidate]:
        """The person followed into a frame where `detect` found nobody.

        Text, a logo or a drawn skeleton over the body can hide a person from
        the person detector while the landmark model still reads them: a
        rendered plank under a large "HOLD 7.8s" was found on 135 of 390
        frames, 390 when followed. Following is what MediaPipe's video mode
        does: the landmark model reads the region where the person was in the
        frame before, without the detector. Only missed frames are followed,
        in order, on the caller's thread (the first of a run of missed frames
        with `before`, the last frame the person was found in and its time;
        the next ones with None); `end_track` ends the run. The landmark
        model's own presence check (0.5) still ends it when the person has
        gone (a walk out of the picture). Not thread-safe.
        """
        if before is not None or self._tracker is None:
            self.end_track()
            if before is None or not self._start_tracker(*before):
                return []
        found = self._track_frame(t_s, rgb)
        if not found:
            self.end_track()
        return found

    def _start_tracker(self, t_s: float, rgb: npt.NDArray[np.uint8]) -> bool:
        """A new tracker that has found the person in this frame; False if
        none of the detection thresholds finds them there."""
        for options in self._tracker_options:
            with native_stderr_silenced():
                self._tracker = self._create(options)
            if self._track_frame(t_s, rgb):
                return True
            self.end_track()
        return False

    def _track_frame(self, t_s: float, rgb: npt.NDArray[np.uint8]) -> list[PoseCandidate]:
        with native_stderr_silenced():
            return _candidates(self._tracker.detect_for_video(self._image(rgb), round(t_s * 1000)))

    def end_track(self) -> None:
        """The person was found again, or the run ended: forget the tracker."""
        if self._tracker is not None:
            with native_stderr_silenced():
                self._tracker.close()
            self._tracker = None

    def detect_frames(
        self, frames: Iterable[tuple[K, npt.NDArray[np.uint8]]]
    ) -> Iterator[tuple[K, list[PoseCandidate]]]:
        """(key, poses) for each (key, RGB frame), in order, `workers`
        frames read at a time (MediaPipe releases the GIL while it runs)."""
        yield from ordered_parallel_map(self.detect, frames, self.workers)

    def _image(self, rgb: npt.NDArray[np.uint8]) -> Any:
        return self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))

    @staticmethod
    def _run(landmarker: Any, image: Any) -> Any:
        """One landmarker on one frame, its C++ log lines silenced: not only
        the warm-up's, as glog's "W0000 ... landmark_projection_calculator"
        comes on the first frame with a person, which may be any frame (a
        clip that opens on a title card printed it mid-run)."""
        with native_stderr_silenced():
            return landmarker.detect(image)

    def close(self) -> None:
        self.end_track()
        with native_stderr_silenced():
            for pair in self._pairs:
                for landmarker in pair:
                    if landmarker is not None:
                        landmarker.close()
        self._pairs = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _candidates(result: Any, second_look: bool = False) -> list[PoseCandidate]:
    """A PoseLandmarkerResult as posecheck's PoseCandidates."""
    return [
        PoseCandidate(
            image_xyz=np.array([[p.x, p.y, p.z] for p in img_lms], np.float32),
            visibility=np.array([p.visibility or 0.0 for p in img_lms], np.float32),
            world_xyz=np.array([[p.x, p.y, p.z] for p in world_lms], np.float32),
            second_look=second_look,
        )
        for img_lms, world_lms in zip(result.pose_landmarks, result.pose_world_landmarks)
    ]
