"""Video -> landmark track: runs the pose estimator on every frame.

Decoding runs in a background thread that keeps a few frames ready, so it
overlaps the model's inference (OpenCV releases the GIL while decoding):
on two cores the whole extraction then runs at the model's own speed.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, cast

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.core.person import PersonFollower
from posecheck.core.pose import PoseEstimator
from posecheck.core.track import LandmarkTrack, frame_landmarks
from posecheck.errors import PosecheckError
from posecheck.io.sources.video import VideoReader

PREFETCH_FRAMES = 8


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


def prefetched_rgb_frames(
    reader: VideoReader, stride: int = 1, max_side_px: int | None = None
) -> Iterator[tuple[int, float, npt.NDArray[np.uint8]]]:
    """(index, t_s, RGB frame) for every `stride`-th frame, decoded and
    converted in a background thread while the caller works on the last."""
    q: queue.Queue[tuple[int, float, npt.NDArray[np.uint8]] | BaseException | None] = queue.Queue(
        maxsize=PREFETCH_FRAMES
    )
    stop = threading.Event()

    def work() -> None:
        try:
            for index, t_s, bgr in reader.frames():
                if stop.is_set():
                    return
                if index % stride:
                    continue
                rgb = _resized(cast("npt.NDArray[np.uint8]", cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)), max_side_px)
                q.put((index, t_s, rgb))
        except (cv2.error, OSError) as exc:  # a broken file part-way through
            q.put(exc)
        finally:
            q.put(None)

    thread = threading.Thread(target=work, name="posecheck-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise PosecheckError(f"{reader.info.path}: video broken part-way ({item})")
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)


def extract_track(
    video: Path,
    estimator: PoseEstimator,
    progress: FrameProgress | None = None,
    stride: int = 1,
    max_side_px: int | None = None,
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

    Raises:
        PosecheckError: the file is missing, unreadable or has no frames.
    """
    reader = VideoReader(video)
    info = reader.info
    follower = PersonFollower()
    times: list[float] = []
    chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    total = info.frame_count // stride if info.frame_count else 0
    for done, (_, t_s, rgb) in enumerate(prefetched_rgb_frames(reader, stride, max_side_px), start=1):
        person = follower.choose(t_s, estimator.detect(rgb, int(round(t_s * 1000))))
        times.append(t_s)
        img, vis, world = frame_landmarks(person)
        chunks.append((img, vis, world))
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
    )
