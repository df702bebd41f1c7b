"""The camera's roll, from the straight edges in sampled frames.

The line segments come from OpenCV's line segment detector (LSD: no
thresholds to tune, sub-pixel ends) on a frame every `every_s` seconds; the
person's own lines (limbs, the mat under them) are left out with a box
around their landmarks. The geometry is core/level.py.
"""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.core.level import camera_roll_deg, near_vertical

# Frames are searched at this size at most (LSD's time grows with the
# pixels; room edges are long).
SEARCH_SIDE_PX = 640
# The person's box grows by this share of its size and of the picture's
# longer side (a loose limb, the mat).
BOX_MARGIN = 0.15
BOX_MARGIN_PICTURE = 0.03


class RollSampler:
    """Collects segments from frames as a video is read, then estimates.

    At most `max_frames` frames are kept: past that, every other one is
    dropped and the sampling slows to half, so a long recording is still
    sampled from end to end and the estimate stays well under a second."""

    def __init__(self, every_s: float = 1.0, max_frames: int = 64) -> None:
        self.every_s = every_s
        self.max_frames = max_frames
        self._next_s = -np.inf
        self._segments: list[npt.NDArray[np.float64]] = []
        self._frames = 0
        self._size: tuple[int, int] | None = None
        self._detector = cv2.createLineSegmentDetector()

    @property
    def frames(self) -> int:
        """Frames sampled so far."""
        return self._frames

    @property
    def kept_frames(self) -> int:
        """Frames whose segments are kept for the estimate (at most max_frames)."""
        return len(self._segments)

    def wants(self, t_s: float) -> bool:
        """Whether the frame at t_s is one to sample."""
        return t_s >= self._next_s

    def add(self, t_s: float, rgb: npt.NDArray[np.uint8], image_xyz: npt.NDArray[np.floating] | None) -> None:
        """Sample one frame; `image_xyz` (33, 3 normalised) is the person in
        it, or None / NaN when nobody is."""
        self._next_s = t_s + self.every_s
        h, w = rgb.shape[:2]
        scale = min(1.0, SEARCH_SIDE_PX / max(h, w))
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        if scale < 1.0:
            gray = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        size = (gray.shape[1], gray.shape[0])
        found = self._detector.detect(gray)[0]
        segments = np.zeros((0, 4)) if found is None else cast("npt.NDArray[np.float64]", found).reshape(-1, 4)
        segments = segments.astype(np.float64)
        if image_xyz is not None and not np.isnan(image_xyz[0, 0]):
            segments = segments[~_in_person_box(segments, np.asarray(image_xyz[:, :2], np.float64), size)]
        self._size = size
        self._segments.append(near_vertical(segments, size))
        self._frames += 1
        if len(self._segments) >= self.max_frames:
            self._segments = self._segments[::2]
            self.every_s *= 2.0

    def estimate(self) -> float | None:
        """The roll in degrees (core/level.py's convention), or None when
        the frames do not show it."""
        if self._size is None:
            return None
        return camera_roll_deg(np.concatenate(self._segments), self._size, self.kept_frames)


def _in_person_box(
    segments: npt.NDArray[np.float64], xy: npt.NDArray[np.float64], size: tuple[int, int]
) -> npt.NDArray[np.bool_]:
    px = xy * np.asarray(size, np.float64)
    lo, hi = np.nanmin(px, axis=0), np.nanmax(px, axis=0)
    pad = BOX_MARGIN * (hi - lo) + BOX_MARGIN_PICTURE * max(size)
    lo, hi = lo - pad, hi + pad
    mid = (segments[:, :2] + segments[:, 2:]) / 2.0
    return np.all((mid >= lo) & (mid <= hi), axis=1)


class StartRoll:
    """The roll from a live camera's first `frames` frames, `every_s`
    apart: decided once, early, before anything is counted."""

    def __init__(self, frames: int, every_s: float, mirrored: bool) -> None:
        self._sampler: RollSampler | None = RollSampler(every_s)
        self._frames = frames
        self._mirrored = mirrored
        # The roll as the picture shows it (the log's and the report's
        # convention), once found.
        self.found_deg: float | None = None

    def feed(self, t_s: float, rgb: npt.NDArray[np.uint8], image_xyz: npt.NDArray[np.floating]) -> float | None:
        """Offer a frame (`image_xyz` the person as the session reads them:
        unmirrored); the roll on the frame it is decided, if one was found,
        else None. A mirrored picture turns the other way."""
        sampler = self._sampler
        if sampler is None or not sampler.wants(t_s):
            return None
        box = np.array(image_xyz, np.float64, copy=True)
        if self._mirrored:  # the picture as the camera saw it
            box[:, 0] = 1.0 - box[:, 0]
        sampler.add(t_s, rgb, box)
        if sampler.frames < self._frames:
            return None
        self._sampler = None
        self.found_deg = roll = sampler.estimate()
        return -roll if roll is not None and self._mirrored else roll
