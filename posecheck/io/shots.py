"""Where a recording changes from one shot to another (another camera, two
takes joined), found in the picture as the frames are read.

Exercise libraries publish a set filmed by two cameras in turn, joined by a
cross-fade of about 0.3 s. Each camera sees the person's rest at its own
angle, so each shot needs its own rest (core/analysis.py measures each on
its own), but the landmarks do not show the change: through a dissolve no
frame moves them over 0.08 of the body's size, and a person lying at one
place stays there across a hard cut between two cameras (0.17; a cut to
the landmarks is 0.25, core/cuts.py).

The picture shows it. Over a window of +-WINDOW_S, a shot change alters the
whole picture (the mean grey change `D` of a small grey copy) and the frame
in the middle is a blend of the window's two ends (a dissolve mixes them;
at a hard cut it is one of them): `r`, what the best blend leaves
unexplained, over D, is near 0. A person moving under a still camera
changes little of the picture; a handheld camera changes much of it, but
its middle frame is the picture moved, not a blend. Measured (session 27,
96x54 grey): nine library dissolves D 30-59, r 0.01-0.03; fades to black
and a logo card dissolving in D 95-142, r under 0.01; people under a still
camera D 25 or under; handheld and following cameras D 20-47 with r
0.08-0.45. Pure numpy and OpenCV on pixels; no model.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np
import numpy.typing as npt

# The picture is compared at this size, grey.
THUMB_SIZE = (96, 54)
# Half the window a change is judged over: longer than a library's
# cross-fade (0.3 s), short enough that a person barely moves.
WINDOW_S = 0.25
# A shot change: the picture changed by at least MIN_CHANGE (mean grey
# step, 0-255) across the window, and the middle frame is a blend of its
# two ends but for at most MAX_BLEND_RESIDUAL of that change.
MIN_CHANGE = 25.0
MAX_BLEND_RESIDUAL = 0.04


def _thumb(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, THUMB_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)


def is_shot_change(
    before: npt.NDArray[np.float32], middle: npt.NDArray[np.float32], after: npt.NDArray[np.float32]
) -> bool:
    """Whether `middle` lies in a change of shot from `before` to `after`
    (grey pictures of one size; see the module doc)."""
    step = after - before
    change = float(np.abs(step).mean())
    if change < MIN_CHANGE:
        return False
    share = float(np.clip(((middle - before) * step).sum() / float((step * step).sum()), 0.0, 1.0))
    residual = float(np.abs(middle - (before + share * step)).mean())
    return residual <= MAX_BLEND_RESIDUAL * change


class ShotFinder:
    """Fed every analysed frame in order; `starts` then says which frames
    begin a new shot. Keeps only the window's small grey copies."""

    def __init__(self, fps: float) -> None:
        self._k = max(1, round(WINDOW_S * fps))
        self._window: deque[npt.NDArray[np.float32]] = deque(maxlen=2 * self._k + 1)
        self._changing: list[bool] = []

    def add(self, rgb: npt.NDArray[np.uint8]) -> None:
        """One frame (RGB)."""
        self._window.append(_thumb(rgb))
        if len(self._window) == self._window.maxlen:
            w = self._window
            self._changing.append(is_shot_change(w[0], w[self._k], w[-1]))

    def starts(self, frames: int) -> npt.NDArray[np.bool_]:
        """(frames,) True on the first frame of each shot after the first:
        the middle of each run of frames in a change."""
        changing = np.zeros(frames, bool)
        judged = self._changing[: max(0, frames - self._k)]
        changing[self._k : self._k + len(judged)] = judged
        out = np.zeros(frames, bool)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], changing.astype(np.int8), [0]])))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            out[(a + b) // 2] = True
        return out
