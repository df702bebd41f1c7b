"""The live trainer's picture: each result drawn, shown and its keys read.

Runs in the caller's (UI) thread while the inference thread counts: draws
the newest result with the overlay, shows it in a window (or, headless, only
writes the PNGs of --frames-out), turns the keys pressed into commands, and
shows the stalled-camera screen when no picture comes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.core.session import FrameState
from posecheck.io.camera import Frame
from posecheck.spec.exercise import Exercise
from posecheck.ui import text
from posecheck.ui.keys import key_command
from posecheck.ui.overlay import annotate, draw_status_line

WINDOW_NAME = "posecheck"
# The frame rate shown is over this many of the last frames shown.
FPS_FRAMES = 30


@dataclass
class Result:
    """What the UI thread draws for one processed frame."""

    frame: Frame
    exercise: Exercise
    state: FrameState
    px: npt.NDArray[np.float64]
    visibility: npt.NDArray[np.float32]
    values: dict[str, float]
    usable: bool
    status: str
    latency_ms: float


class LiveWindow:
    """Draws and shows results; each key's command goes to `on_command`.

    Args:
        headless: no window: results are drawn for --frames-out and on_result only.
        frames_out: a folder for every frames_every-th drawn frame as PNG, or None.
        frame_size: (width, height) of the frames, for the stalled-camera screen.
    """

    def __init__(
        self,
        headless: bool,
        frames_out: Path | None,
        frames_every: int,
        frame_size: tuple[int, int],
        on_command: Callable[[str], None],
    ) -> None:
        self.headless = headless
        self.frames_out = frames_out
        self.frames_every = frames_every
        self.frame_size = frame_size
        self.on_command = on_command
        # Capture to overlay drawn, one per result shown.
        self.latencies_ms: list[float] = []
        self.last_shown_at = time.monotonic()
        self._n = 0
        self._fps_t: list[float] = []

    def show(self, res: Result, on_result: Callable[[Result, npt.NDArray[np.uint8]], None] | None) -> None:
        """Draw res, save and show it, read a key; on_result gets the drawn frame."""
        n = self._n
        self.last_shown_at = time.monotonic()
        self._fps_t.append(self.last_shown_at)
        self._fps_t = fps_t = self._fps_t[-FPS_FRAMES:]
        fps = (len(fps_t) - 1) / (fps_t[-1] - fps_t[0]) if len(fps_t) > 1 and fps_t[-1] > fps_t[0] else 0.0
        img = annotate(
            res.frame.bgr,
            res.exercise,
            res.state,
            res.px,
            res.visibility,
            res.values,
            res.usable,
            status=res.status,
            corner=text.corner_text(fps, res.latency_ms),
        )
        self.latencies_ms.append((time.monotonic() - res.frame.captured_at) * 1000.0)
        if self.frames_out is not None and n % self.frames_every == 0:
            self.frames_out.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(self.frames_out / f"frame_{n:05d}.png"), img)
        if on_result is not None:
            on_result(res, img)
        if not self.headless:
            cv2.imshow(WINDOW_NAME, img)
            self._key(cv2.waitKey(1) & 0xFF)
        self._n = n + 1

    def show_stall(self) -> None:
        """The stalled-camera screen (in a window only)."""
        if self.headless:
            return
        w, h = self.frame_size
        img = np.zeros((h, w, 3), np.uint8)
        draw_status_line(img, text.CAMERA_STALLED, "")
        cv2.imshow(WINDOW_NAME, img)
        self._key(cv2.waitKey(1) & 0xFF)

    def close(self) -> None:
        if not self.headless:
            cv2.destroyAllWindows()

    def _key(self, key: int) -> None:
        command = key_command(key)
        if command is not None:
            self.on_command(command)
