"""The small interface every pose estimator implements.

Everything downstream reads `PoseCandidate`s, so a different backend (another
MediaPipe bundle, another model family) is one more adapter, not a rewrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class PoseCandidate:
    """One person the model found in one frame.

    Attributes:
        image_xyz: (33, 3) normalised image coordinates.
        visibility: (33,) 0..1.
        world_xyz: (33, 3) metres, origin between the hips.
    """

    image_xyz: npt.NDArray[np.float32]
    visibility: npt.NDArray[np.float32]
    world_xyz: npt.NDArray[np.float32]


class PoseEstimator(Protocol):
    """Finds people's pose landmarks in video frames."""

    name: str

    def detect(self, rgb: npt.NDArray[np.uint8], t_ms: int) -> list[PoseCandidate]:
        """All people found in one RGB frame (H, W, 3) taken at t_ms
        (milliseconds, strictly increasing over calls)."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...
