"""Video -> landmark track: runs the pose estimator on every frame.

Decoding runs in a background thread that keeps a few frames ready, and
the estimator reads several frames at once (detect_frames, one landmarker
per core); OpenCV and MediaPipe release the GIL, so the cores stay busy.
Text drawn over the picture (an app's counter, a caption) is painted out
in the decoding thread before the model sees the frame (io/drawn_text.py).
The exerciser is then chosen frame by frame, in order (io/follow.py), the
face mesh is read on their face (io/face_mesh.py) and a side-on head's
patch followed (io/head_patch.py), and a frame a second is
searched for the camera's roll (io/camera_roll.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, cast

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.core.measures import ALL_HEAD_READS, HeadReads
from posecheck.core.pose import PoseEstimator
from posecheck.core.track import LandmarkTrack, frame_landmarks
from posecheck.io.camera_roll import RollSampler
from posecheck.io.drawn_text import DrawnTextEraser
from posecheck.io.face_mesh import FaceMeshReader
from posecheck.io.follow import ExerciserFinder
from posecheck.io.head_patch import HeadPatchTracker
from posecheck.io.shots import ShotFinder
from posecheck.io.sources.video import VideoReader, prefetched_frames


class FrameProgress(Protocol):
    """What extract_track tells its caller as it goes (a progress bar)."""

    def __call__(self, done: int, total: int) -> None:
        """After each analysed frame: frames done, and the total expected
        (the header's frame count over the stride; 0 when unknown)."""

    def cut_short(self, warning: str) -> None:
        """At the end, when the video held fewer frames than its header
        gives (VideoReader.cut_short): the one line to show the user."""


def _resized(rgb: npt.NDArray[np.uint8], max_side_px: int | None) -> npt.NDArray[np.uint8]:
    h, w = rgb.shape[:2]
    if max_side_px is None or max(h, w) <= max_side_px:
        return rgb
    scale = max_side_px / max(h, w)
    return cast(
        "npt.NDArray[np.uint8]", cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    )


def rgb_frame(
    max_side_px: int | None, erase_text: bool = True
) -> Callable[[npt.NDArray[np.uint8]], tuple[npt.NDArray[np.uint8], bool]]:
    """BGR frame -> (the RGB frame the model reads, whether drawn text was
    painted out of it): shrunk to max_side_px, text painted out unless
    erase_text is False. Frames must come in order: the eraser looks closer
    once it has found text."""
    eraser = DrawnTextEraser() if erase_text else None

    def convert(bgr: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint8], bool]:
        rgb = _resized(cast("npt.NDArray[np.uint8]", cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)), max_side_px)
        return (rgb, False) if eraser is None else eraser(rgb)

    return convert


def extract_track(
    video: Path,
    estimator: PoseEstimator,
    progress: FrameProgress | None = None,
    stride: int = 1,
    max_side_px: int | None = None,
    read_head: HeadReads = ALL_HEAD_READS,
    erase_text: bool = True,
) -> LandmarkTrack:
    """Run the estimator over a video and follow the exerciser.

    Args:
        video: the video file.
        estimator: any PoseEstimator (the MediaPipe adapter by default).
        progress: told of each frame as progress(done, total), total being
            the container's frame count over the stride (may be 0), and at
            the end of a video cut short (see FrameProgress).
        stride: analyse every stride-th frame (long recordings; see the
            README for its effect on accuracy).
        max_side_px: shrink frames whose longer side exceeds this before
            inference (the model works at 256 px; see the README).
        read_head: which readings of the head from the picture to add: its
            angles from the face mesh (the track's `face_deg`), a side-on
            head's line from its patch (`head_dir_deg`); neither gives the
            bare pose model's track.
        erase_text: paint out text drawn over the picture first
            (io/drawn_text.py); False gives what the model reads of the
            picture as it is.

    Raises:
        PosecheckError: the file is missing, unreadable or has no frames.
    """
    reader = VideoReader(video)
    info = reader.info
    finder = ExerciserFinder(estimator)
    times: list[float] = []
    chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    total = info.frame_count // stride if info.frame_count else 0
    frames = (
        ((t_s, rgb, erased), rgb)
        for _, t_s, (rgb, erased) in prefetched_frames(reader, rgb_frame(max_side_px, erase_text), stride)
    )
    roll = RollSampler()
    face = FaceMeshReader() if read_head.face else None
    head = HeadPatchTracker() if read_head.profile else None
    faces: list[npt.NDArray[np.float64]] = []
    heads: list[float] = []
    text_erased: list[bool] = []
    shots = ShotFinder(info.fps / stride)
    for done, ((t_s, rgb, erased), candidates) in enumerate(estimator.detect_frames(frames), start=1):
        person = finder.choose(t_s, rgb, candidates)
        times.append(t_s)
        text_erased.append(erased)
        shots.add(rgb)
        img, vis, world = frame_landmarks(person)
        chunks.append((img, vis, world))
        if face is not None:
            faces.append(face.angles_deg(rgb, img, vis))
        if head is not None:
            heads.append(head.direction_deg(rgb, img, vis))
        if roll.wants(t_s):
            roll.add(t_s, rgb, img)
        if progress is not None:
            progress(done, total)
    if progress is not None and reader.cut_short_warning:
        progress.cut_short(reader.cut_short_warning)
    return LandmarkTrack(
        t_s=np.array(times, np.float64),
        image_xyz=np.stack([c[0] for c in chunks]).astype(np.float32),
        visibility=np.stack([c[1] for c in chunks]).astype(np.float32),
        world_xyz=np.stack([c[2] for c in chunks]).astype(np.float32),
        fps=info.fps / stride,
        frame_size=(info.width, info.height),
        model=estimator.name,
        source=info.path.name,
        # Every stride-th frame: the video goes on past the last one analysed.
        source_duration_s=max(reader.frames_read, times[-1] * info.fps + 1) / info.fps
        if stride > 1 and times
        else None,
        camera_roll_deg=roll.estimate(),
        face_deg=np.stack(faces).astype(np.float32) if face is not None and faces else None,
        head_dir_deg=np.array(heads, np.float32) if head is not None and heads else None,
        text_erased=np.array(text_erased, bool) if erase_text else None,
        shot_start=shots.starts(len(times)),
    )
