"""Video -> landmark track: runs the pose estimator on every frame."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from posecheck.person import PersonFollower
from posecheck.sources.base import PoseEstimator
from posecheck.sources.video import VideoReader
from posecheck.track import LandmarkTrack, empty_frames


def extract_track(
    video: Path,
    estimator: PoseEstimator,
    on_frame: Callable[[int, int], None] | None = None,
) -> LandmarkTrack:
    """Run the estimator over a video and follow the exerciser.

    Args:
        video: the video file.
        estimator: any PoseEstimator (the MediaPipe adapter by default).
        on_frame: called as on_frame(done, total) after each frame, for a
            progress bar; total is the container's frame count (may be 0).

    Raises:
        PosecheckError: the file is missing, unreadable or has no frames.
    """
    reader = VideoReader(video)
    info = reader.info
    follower = PersonFollower()
    times: list[float] = []
    chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for index, t_s, bgr in reader.frames():
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        person = follower.choose(t_s, estimator.detect(rgb, int(round(t_s * 1000))))
        times.append(t_s)
        if person is None:
            img, vis, world = (a[0] for a in empty_frames(1))
        else:
            img, vis, world = person.image_xyz, person.visibility, person.world_xyz
        chunks.append((img, vis, world))
        if on_frame is not None:
            on_frame(index + 1, info.frame_count)
    return LandmarkTrack(
        t_s=np.array(times, np.float64),
        image_xyz=np.stack([c[0] for c in chunks]).astype(np.float32),
        visibility=np.stack([c[1] for c in chunks]).astype(np.float32),
        world_xyz=np.stack([c[2] for c in chunks]).astype(np.float32),
        fps=info.fps,
        frame_size=(info.width, info.height),
        model=estimator.name,
        source=info.path.name,
    )
