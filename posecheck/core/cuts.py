"""Cuts in a recording: the whole body jumping between two frames.

Videos shared by apps and video libraries are edited: jump cuts, two takes
joined, a title card dissolving into the clip. A person cannot move their
whole body a large part of its own size in one frame, so such a jump is a
cut, not a movement: the smoothing must not drag the landmarks across it
(the angles of the frames in between would be a blend of two poses), and
the speed rules must not read it as a jerk. Pure: landmark arrays in, a
yes or no out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# The median landmark moving this share of the body's size (the diagonal of
# the box round its well-seen landmarks) in one frame is a cut. A movement
# moves limbs, not every landmark: over the 110 samples and 12 real clips the
# largest without a cut was 0.12 (the model locking onto a person getting
# down into a plank), squats and walk-outs 0.07; two takes of a bridge
# joined read 0.76. A reframed jump cut (a 12% zoom) reads 0.04: not a cut
# to this measure, and its angles barely change.
CUT_SHARE = 0.25
# Landmarks seen at least this well say where the body is.
SEEN = 0.5
# A cut this soon after another is not an edit (nobody cuts a video twice in
# a second) but the model jumping between two readings of the body: on a
# 202x360 bridge turned by 6 deg the knees were read at the hips and back,
# 13 jumps in 4 s, and every jump out counted a rep or read as a jerk.
# From such a second cut the pose is unsure: read as nobody in view until
# SETTLE_S pass without a cut. A lone cut (a jump cut, two takes joined, a
# bystander taking the model over) is read on at once, as before.
BURST_S = 1.0
SETTLE_S = 0.5


class CutDetector:
    """Says whether a frame jumps from the previous one (see module doc)."""

    def __init__(self) -> None:
        self._prev: npt.NDArray[np.float64] | None = None
        self._last_cut_s = -np.inf
        self._unsure_until_s = -np.inf

    def unsure(self, t_s: float, cut: bool) -> bool:
        """Whether the pose at t_s is unsure (see BURST_S), given whether
        this frame is a cut (update); call once per frame, in order."""
        if cut:
            if t_s - self._last_cut_s <= BURST_S:
                self._unsure_until_s = t_s + SETTLE_S
            self._last_cut_s = t_s
        return t_s < self._unsure_until_s

    def update(
        self, image_xyz: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating], frame_size: tuple[int, int]
    ) -> bool:
        """Feed one frame's (33, 3) normalised landmarks (NaN: nobody) and
        (33,) visibility; True when it is a cut from the last frame with a
        person."""
        if np.isnan(image_xyz[0, 0]):
            return False
        px = np.asarray(image_xyz[:, :2], np.float64) * np.asarray(frame_size, np.float64)
        prev, self._prev = self._prev, px
        if prev is None:
            return False
        seen = np.asarray(visibility) >= SEEN  # NaN is never seen
        n = int(np.count_nonzero(seen))
        if n < 4:
            return False
        pts = px[seen]
        box = pts.max(axis=0) - pts.min(axis=0)
        size = float(np.hypot(box[0], box[1]))
        if size <= 0:
            return False
        moved = np.sqrt(((pts - prev[seen]) ** 2).sum(axis=1))
        median = float(np.partition(moved, n // 2)[n // 2])  # the upper median: a cheap one per frame
        return median > CUT_SHARE * size
