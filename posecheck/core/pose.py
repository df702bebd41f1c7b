"""The small interface every pose estimator implements.

Everything downstream reads `PoseCandidate`s, so a different backend (another
MediaPipe bundle, another model family) is one more adapter, not a rewrite.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np
import numpy.typing as npt

K = TypeVar("K")


@dataclass(frozen=True)
class PoseCandidate:
    """One person the model found in one frame.

    Attributes:
        image_xyz: (33, 3) normalised image coordinates.
        visibility: (33,) 0..1.
        world_xyz: (33, 3) metres, origin between the hips.
        second_look: found only by a second, less strict look at a frame
            the detector missed (a weaker find: a person seen in the frame
            before is followed instead, see io/follow.py).
    """

    image_xyz: npt.NDArray[np.float32]
    visibility: npt.NDArray[np.float32]
    world_xyz: npt.NDArray[np.float32]
    second_look: bool = False


class PoseEstimator(Protocol):
    """Finds people's pose landmarks in video frames, each frame on its own.

    `detect` must not depend on the frames before it: a video's frames are
    read several at once (detect_frames). Choosing the person over time is
    posecheck's own job (person.py), as smoothing is (smoothing.py); only
    where the detector finds nobody is the person followed from the frame
    before (`track`, frames in order).
    """

    name: str

    def detect(self, rgb: npt.NDArray[np.uint8]) -> list[PoseCandidate]:
        """All people found in one RGB frame (H, W, 3)."""
        ...

    def detect_frames(
        self, frames: Iterable[tuple[K, npt.NDArray[np.uint8]]]
    ) -> Iterator[tuple[K, list[PoseCandidate]]]:
        """(key, detect(frame)) for each (key, frame), in order; may read
        several frames at once."""
        ...

    def track(
        self, before: tuple[float, npt.NDArray[np.uint8]] | None, t_s: float, rgb: npt.NDArray[np.uint8]
    ) -> list[PoseCandidate]:
        """The person followed into a frame where `detect` found nobody (or
        found them only at a second look): the
        first of a run of such frames with `before` (time and frame the
        person was last found in), the next ones with None. Frames in order;
        [] when the person cannot be followed (a model that cannot track
        returns [])."""
        ...

    def end_track(self) -> None:
        """End a run of followed frames (the person was found again)."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...
