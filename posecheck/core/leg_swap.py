"""Legs the model labelled the other way round for a few frames.

In a side view one leg hides the other, and in a small or noisy picture the
model sometimes calls the near leg "left" in one frame and "right" in the
next, then back. A per-side angle then jumps to the other leg's value and
back: a false "slow down", and a kick counted for the wrong side. Measured
on the real clips scaled down to 320-480 px or darkened (kneeling donkey
kicks, leg raises from a plank): 2-11 such frames per clip, each one firing
the sudden-movement rule; the full-size originals have none.

A frame's legs are swapped back when the other labelling fits the previous
frame much better than the model's (the knees and ankles move less than
half as far). Two legs passing each other fit both ways about equally and
are left as the model has them. Pure and causal (one frame at a time), so
the live trainer and the analysis of a recording agree frame by frame.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from posecheck.core.landmarks import landmark_index

# The landmarks that move with each leg, and those whose paths decide.
_PARTS = ("knee", "ankle", "heel", "foot_index")
_DECIDE = ("knee", "ankle")
LEFT = [landmark_index(f"left_{p}") for p in _PARTS]
RIGHT = [landmark_index(f"right_{p}") for p in _PARTS]
_DECIDE_LEFT = [landmark_index(f"left_{p}") for p in _DECIDE]
_DECIDE_RIGHT = [landmark_index(f"right_{p}") for p in _DECIDE]

# Swapped when the other labelling moves the deciding landmarks less than
# this share of what the model's labelling moves them.
SWAP_RATIO = 0.5
# A swap kept up longer than this is the model's labelling after all (a
# leg that really moved that far, read right): it is taken as it comes
# again, so a wrong decision cannot last.
MAX_SWAPPED_S = 1.0


def swapped_legs(
    image_xyz: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating], world_xyz: npt.NDArray[np.floating]
) -> tuple[npt.NDArray[np.floating], npt.NDArray[np.floating], npt.NDArray[np.floating]]:
    """One frame's (33, 3) landmarks, (33,) visibility and (33, 3) world
    landmarks with the legs' labels exchanged (copies)."""
    image, vis, world = image_xyz.copy(), visibility.copy(), world_xyz.copy()
    for a in (image, vis, world):
        a[LEFT + RIGHT] = a[RIGHT + LEFT]
    return image, vis, world


class LegSwapRepair:
    """Undoes frames whose legs the model labelled the other way round (see
    the module doc). Feed every frame in order; a frame with nobody, or a
    cut, starts afresh."""

    def __init__(self) -> None:
        self._prev: npt.NDArray[np.float64] | None = None
        self._swapped_since_s: float | None = None
        # True on the frame a swap kept up past MAX_SWAPPED_S is given up:
        # the legs' labels jump back to the model's there, a relabelling
        # (not a movement) that the caller treats as a cut.
        self.gave_up = False

    def reset(self) -> None:
        """Forget the last frame (a cut: the next one is taken as it is)."""
        self._prev = None
        self._swapped_since_s = None

    def update(
        self,
        t_s: float,
        image_xyz: npt.NDArray[np.floating],
        visibility: npt.NDArray[np.floating],
        world_xyz: npt.NDArray[np.floating],
        frame_size: tuple[int, int],
    ) -> tuple[npt.NDArray[np.floating], npt.NDArray[np.floating], npt.NDArray[np.floating]]:
        """One frame's landmarks (normalised image, visibility, world), with
        the legs swapped back where the model swapped them."""
        self.gave_up = False
        w, h = frame_size
        px = np.asarray(image_xyz[:, :2], np.float64) * (w, h)
        if np.isnan(px[_DECIDE_LEFT + _DECIDE_RIGHT]).any():
            self.reset()
            return image_xyz, visibility, world_xyz
        prev, self._prev = self._prev, px
        if prev is None:
            return image_xyz, visibility, world_xyz
        keep = _moved(px, prev, swap=False)
        other = _moved(px, prev, swap=True)
        if not other < SWAP_RATIO * keep:
            self._swapped_since_s = None
            return image_xyz, visibility, world_xyz
        if self._swapped_since_s is None:
            self._swapped_since_s = t_s
        elif t_s - self._swapped_since_s > MAX_SWAPPED_S:
            self._swapped_since_s = None
            self.gave_up = True
            return image_xyz, visibility, world_xyz
        image, vis, world = swapped_legs(image_xyz, visibility, world_xyz)
        self._prev = np.asarray(image[:, :2], np.float64) * (w, h)
        return image, vis, world


def _moved(px: npt.NDArray[np.float64], prev: npt.NDArray[np.float64], swap: bool) -> float:
    """How far the deciding landmarks moved since the last frame, with this
    frame's legs labelled as the model has them or the other way round."""
    now_left, now_right = (_DECIDE_RIGHT, _DECIDE_LEFT) if swap else (_DECIDE_LEFT, _DECIDE_RIGHT)
    left = np.linalg.norm(px[now_left] - prev[_DECIDE_LEFT], axis=1).sum()
    right = np.linalg.norm(px[now_right] - prev[_DECIDE_RIGHT], axis=1).sum()
    return float(left + right)
