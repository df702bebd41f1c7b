"""Reading video files with OpenCV, with one-line errors for bad input."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.errors import PosecheckError

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")


@dataclass(frozen=True)
class VideoInfo:
    """What a video file says about itself."""

    path: Path
    fps: float
    frame_count: int
    width: int
    height: int


class VideoReader:
    """Frames of a video file, with times taken from the nominal frame rate.

    Times are index / fps, not the container's timestamps: they are strictly
    increasing (MediaPipe's video mode needs that) and the same on every run.
    """

    def __init__(self, path: Path) -> None:
        path = Path(path)
        if not path.exists():
            raise PosecheckError(f"{path}: no such file")
        if path.is_dir():
            raise PosecheckError(f"{path}: is a folder, not a video file")
        cap = cv2.VideoCapture(str(path))
        if not cap.isOpened():
            raise PosecheckError(f"{path}: cannot open as a video (unknown format or broken file)")
        ok, first = cap.read()
        if not ok or first is None:
            cap.release()
            raise PosecheckError(f"{path}: the video has no readable frames (empty or broken)")
        fps = cap.get(cv2.CAP_PROP_FPS)
        if not fps or fps != fps or fps <= 0 or fps > 1000:
            fps = 30.0
        self.info = VideoInfo(
            path=path,
            fps=float(fps),
            frame_count=int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0),
            width=first.shape[1],
            height=first.shape[0],
        )
        self._cap = cap
        self._first: npt.NDArray[np.uint8] | None = first

    def frames(self) -> Iterator[tuple[int, float, npt.NDArray[np.uint8]]]:
        """Yield (index, t_s, BGR frame) until the video ends."""
        index = 0
        try:
            while True:
                if self._first is not None:
                    frame, self._first = self._first, None
                else:
                    ok, frame = self._cap.read()
                    if not ok or frame is None:
                        return
                yield index, index / self.info.fps, frame
                index += 1
        finally:
            self._cap.release()

    def close(self) -> None:
        self._cap.release()
