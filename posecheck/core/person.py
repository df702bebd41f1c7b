"""Following the exerciser when the model sees several people.

The model returns people in no useful order, and MediaPipe's own tracking
can jump to a bystander. The exerciser is the largest, most central person
when the track starts (or restarts after a loss); after that, the person
nearest to where the exerciser was. Pure: works on landmark arrays.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from posecheck.core.pose import PoseCandidate

# After this long without the exerciser, choose afresh (largest, central).
REACQUIRE_AFTER_S = 1.0


def _box(c: PoseCandidate) -> npt.NDArray[np.float64]:
    """(x0, y0, x1, y1) of the landmarks the model sees, normalised."""
    xy = c.image_xyz[:, :2].astype(np.float64)
    seen = c.visibility > 0.3
    pts = xy[seen] if seen.sum() >= 4 else xy
    return np.concatenate([pts.min(axis=0), pts.max(axis=0)])


def _area(box: npt.NDArray[np.float64]) -> float:
    return float(max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0))


def _centre(box: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return (box[:2] + box[2:]) / 2.0


class PersonFollower:
    """Picks the exerciser among each frame's candidates, keeping them over time."""

    def __init__(self) -> None:
        self._box: npt.NDArray[np.float64] | None = None
        self._last_s: float | None = None

    def choose(self, t_s: float, candidates: list[PoseCandidate]) -> PoseCandidate | None:
        """The exerciser in this frame, or None if nobody is in view."""
        if not candidates:
            return None
        boxes = [_box(c) for c in candidates]
        fresh = self._box is None or self._last_s is None or t_s - self._last_s > REACQUIRE_AFTER_S
        if fresh or len(candidates) == 1:
            if fresh:
                # Large and central: area discounted by distance from the centre.
                scores = [_area(b) * (1.0 - min(float(np.linalg.norm(_centre(b) - 0.5)), 0.9)) for b in boxes]
            else:
                scores = [1.0]
        else:
            assert self._box is not None
            prev_c = _centre(self._box)
            prev_size = max(np.sqrt(_area(self._box)), 1e-3)
            scores = [
                -float(np.linalg.norm(_centre(b) - prev_c)) / prev_size
                - abs(np.log(max(np.sqrt(_area(b)), 1e-3) / prev_size))
                for b in boxes
            ]
        best = int(np.argmax(scores))
        self._box = boxes[best]
        self._last_s = t_s
        return candidates[best]
