"""The live trainer's frames read on several threads, handed on in capture order."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from posecheck.io.camera import Frame
from posecheck.io.detections import DetectionStream


class FakeCapture:
    """A file-mode capture of n frames, already ended."""

    def __init__(self, n: int) -> None:
        self._frames = [Frame(i / 10, 0.0, np.full((2, 2, 3), i, np.uint8)) for i in range(n)]
        self._lock = threading.Lock()

    def next(self, timeout_s: float):
        with self._lock:
            return self._frames.pop(0) if self._frames else None

    @property
    def finished(self) -> bool:
        with self._lock:
            return not self._frames


class SlowFirstEstimator:
    """Frame 0 finishes only after frame 1 has: the stream must still hand 0 on first."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.one_done = threading.Event()
        self.fail_at = fail_at

    def detect(self, rgb):
        i = int(rgb[0, 0, 0])
        if i == self.fail_at:
            raise RuntimeError(f"model broke on frame {i}")
        if i == 0:
            assert self.one_done.wait(30), "frame 1 never ran beside frame 0"
        if i == 1:
            self.one_done.set()
        return [i]


def _drain(stream: DetectionStream) -> list:
    out = []
    while not stream.finished:
        got = stream.next(timeout_s=1.0)
        if got is not None:
            out.append(got)
    return out


def test_frames_read_on_two_threads_come_out_in_capture_order():
    stream = DetectionStream(FakeCapture(8), SlowFirstEstimator(), workers=2)
    stream.start()
    try:
        got = _drain(stream)
    finally:
        stream.close()
    assert [d.frame.t_s for d in got] == [i / 10 for i in range(8)]
    assert [d.candidates for d in got] == [[i] for i in range(8)]
    assert all(d.rgb.shape == (2, 2, 3) for d in got)


def test_a_model_error_is_raised_to_the_reader_after_the_frames_before_it():
    est = SlowFirstEstimator(fail_at=3)
    est.one_done.set()
    stream = DetectionStream(FakeCapture(6), est, workers=1)
    stream.start()
    got = []
    try:
        with pytest.raises(RuntimeError, match="frame 3"):
            while True:
                d = stream.next(timeout_s=1.0)
                if d is not None:
                    got.append(d.frame.t_s)
    finally:
        stream.close()
    assert got == [0.0, 0.1, 0.2]
