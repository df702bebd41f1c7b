"""Frames for the live trainer, from a camera or a video file, in their own thread.

The live trainer's picture must never freeze behind a slow pose model, so
capture runs apart from inference: from a camera only the newest frame is
kept (a frame that waited behind a slow one is dropped). A video file as the
source is read frame by frame with its own timestamps instead, each queued,
so `live --source` gives exactly what `analyze` gives on that file; with
`realtime` it is played at its own pace, newest frame wins, as a camera would
deliver it (for measuring latency without a camera).
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.errors import PosecheckError
from posecheck.io.sources.native import native_stderr_silenced
from posecheck.io.sources.video import VideoReader


@dataclass
class Frame:
    """A captured frame: its source time (s), capture clock time, pixels."""

    t_s: float
    captured_at: float
    bgr: npt.NDArray[np.uint8]


class Capture(threading.Thread):
    """Reads frames. Camera: keeps only the newest. File: queues them all.

    Args:
        camera: the camera's index (None: 0), used when source is None.
        source: a video file to read instead of a camera.
        realtime: play the file at its own pace, newest frame wins.
    """

    def __init__(self, camera: int | None, source: Path | None, realtime: bool) -> None:
        super().__init__(name="posecheck-capture", daemon=True)
        self.stop_event = threading.Event()
        self.file_mode = source is not None and not realtime
        self.ended = threading.Event()
        self._q: queue.Queue[Frame] = queue.Queue(maxsize=4)
        self._newest: Frame | None = None
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        if source is not None:
            self._reader: VideoReader | None = VideoReader(source)
            self.fps = self._reader.info.fps
            self.size = (self._reader.info.width, self._reader.info.height)
        else:
            self._reader = None
            # OpenCV's backends print their own lines for a camera that is not
            # there (8 of them for a missing /dev/video7); posecheck's one line says it.
            with native_stderr_silenced():
                self._cap = cv2.VideoCapture(camera if camera is not None else 0)
                opened = self._cap.isOpened()
                ok, first = self._cap.read() if opened else (False, None)
            if not opened:
                raise PosecheckError(f"camera {camera}: cannot open it (is it connected and free?)")
            if not ok or first is None:
                self._cap.release()
                raise PosecheckError(f"camera {camera}: opened but gives no picture")
            self.fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 30.0)
            self.size = (first.shape[1], first.shape[0])
        self._t0 = time.monotonic()

    def run(self) -> None:
        self._t0 = time.monotonic()
        try:
            if self._reader is not None and not self.file_mode:
                for _, t_s, bgr in self._reader.frames():
                    if self.stop_event.is_set():
                        return
                    delay = self._t0 + t_s - time.monotonic()
                    if delay > 0 and self.stop_event.wait(delay):
                        return
                    with self._cond:
                        self._newest = Frame(t_s, time.monotonic(), bgr)
                        self._cond.notify_all()
            elif self._reader is not None:
                for _, t_s, bgr in self._reader.frames():
                    frame = Frame(t_s, time.monotonic(), bgr)
                    while not self.stop_event.is_set():
                        try:
                            self._q.put(frame, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if self.stop_event.is_set():
                        return
            else:
                while not self.stop_event.is_set():
                    ok, picture = self._cap.read()
                    if not ok or picture is None:
                        time.sleep(0.05)  # a stalled camera: the UI says so
                        continue
                    now = time.monotonic()
                    with self._cond:
                        self._newest = Frame(now - self._t0, now, cast("npt.NDArray[np.uint8]", picture))
                        self._cond.notify_all()
                self._cap.release()
        finally:
            self.ended.set()
            with self._cond:
                self._cond.notify_all()

    def next(self, timeout_s: float) -> Frame | None:
        """The next frame to process, or None if none came in time."""
        if self.file_mode:
            try:
                return self._q.get(timeout=timeout_s)
            except queue.Empty:
                return None
        with self._cond:
            if self._newest is None:
                self._cond.wait(timeout_s)
            frame, self._newest = self._newest, None
            return frame

    @property
    def finished(self) -> bool:
        return self.ended.is_set() and (not self.file_mode or self._q.empty())
