"""The live trainer's frames with the people found in them, several read at once.

One pose model thread reading a 30 fps camera is busy all the time: a new
frame waits for the last one to finish before the model starts on it, up to
one inference more of delay. Here each of `workers` threads takes the
newest frame the capture has (from a file in file mode: the next one) as
soon as it is free, so a frame that arrives while one landmarker is busy
starts at once on another. The results are handed on in the order the
frames were taken, so following the person, smoothing and counting see
time run forward, exactly as `analyze` does on a file.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.core.pose import PoseCandidate, PoseEstimator
from posecheck.io.camera import Capture, Frame

# How long a free worker waits for a frame before it checks for stop.
POLL_S = 0.1


@dataclass(frozen=True)
class Detected:
    """A frame (as captured, and in RGB) and everyone the model found in it."""

    frame: Frame
    rgb: npt.NDArray[np.uint8]
    candidates: list[PoseCandidate]


class DetectionStream:
    """Frames from `capture` read by `workers` threads, handed on in order.

    `estimator.detect` must be safe from `workers` threads at once (the
    MediaPipe adapter is, with one landmarker per worker). Start with
    `start()`, take results with `next()`, end with `close()` before the
    estimator is closed.
    """

    def __init__(self, capture: Capture, estimator: PoseEstimator, workers: int) -> None:
        self._capture = capture
        self._estimator = estimator
        self._stop = threading.Event()
        self._take_lock = threading.Lock()  # frames are numbered in the order taken
        self._cond = threading.Condition()
        self._taken = 0
        self._handed = 0
        self._done: dict[int, Detected] = {}
        self._error: BaseException | None = None
        self._threads = [
            threading.Thread(target=self._work, name=f"posecheck-pose-{i}", daemon=True) for i in range(workers)
        ]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def _take(self) -> tuple[int, Frame] | None:
        """The next frame and its number; None when the capture is over or
        told to stop."""
        with self._take_lock:
            while not self._stop.is_set():
                frame = self._capture.next(timeout_s=POLL_S)
                if frame is not None:
                    self._taken += 1
                    return self._taken - 1, frame
                if self._capture.finished:
                    return None
            return None

    def _work(self) -> None:
        try:
            while (taken := self._take()) is not None:
                seq, frame = taken
                rgb = cast("npt.NDArray[np.uint8]", cv2.cvtColor(frame.bgr, cv2.COLOR_BGR2RGB))
                found = Detected(frame, rgb, self._estimator.detect(rgb))
                with self._cond:
                    self._done[seq] = found
                    self._cond.notify_all()
        # Any error here is a bug or a broken model: handed to the reader, raised there.
        except Exception as exc:  # noqa: BLE001
            with self._cond:
                self._error = exc
                self._cond.notify_all()

    def next(self, timeout_s: float) -> Detected | None:
        """The next frame in capture order with its people, or None if none
        came in time.

        Raises:
            Exception: what a worker raised (after the frames before it).
        """
        with self._cond:
            self._cond.wait_for(lambda: self._handed in self._done or self._error is not None, timeout=timeout_s)
            if self._handed in self._done:
                self._handed += 1
                return self._done.pop(self._handed - 1)
            if self._error is not None:
                raise self._error
            return None

    @property
    def finished(self) -> bool:
        """Every worker is out and every frame taken has been handed on."""
        with self._cond:
            return not any(t.is_alive() for t in self._threads) and self._handed >= self._taken

    def close(self) -> None:
        """Stop taking frames and wait for the frames being read (one each)."""
        self._stop.set()
        for t in self._threads:
            if t.is_alive():
                t.join()
