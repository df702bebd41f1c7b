"""The exerciser in each frame of a video or a camera, frames taken in order.

Shared by extraction (`analyze`) and the live trainer, so both follow the
same person the same way: the follower (core/person.py) picks the exerciser
among the people the model found; on a frame where it found nobody right
after a frame with the exerciser, the estimator follows them from that
frame (`PoseEstimator.track`: text or a drawn overlay over the body can
hide a person from the detector, not from the landmark model).

A frame found only by the detector's second, less strict look is followed
too when the exerciser was in the frame before, and the second look is kept
only if following fails: its crop comes from a weak detection, and in a
close-up with the hands over the face it shifted the whole reading ~50 px
for two frames and back, which the speed rule read as a jerk (a rendered
forehead press: two false "slow down"; followed, none). The second look is
for finding a person anew.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from posecheck.core.person import PersonFollower
from posecheck.core.pose import PoseCandidate, PoseEstimator


class ExerciserFinder:
    """Picks the exerciser in each frame; frames must come in time order."""

    def __init__(self, estimator: PoseEstimator) -> None:
        self._estimator = estimator
        self._follower = PersonFollower()
        # The frame before, when the exerciser was surely found or followed
        # in it: where a run of followed frames starts from.
        self._last: tuple[float, npt.NDArray[np.uint8]] | None = None
        self._following = False

    def choose(self, t_s: float, rgb: npt.NDArray[np.uint8], candidates: list[PoseCandidate]) -> PoseCandidate | None:
        """The exerciser in this frame (RGB, with the people `detect` found
        in it), or None if they are not in view."""
        if any(not c.second_look for c in candidates):
            if self._following:
                self._estimator.end_track()
                self._following = False
        elif self._following or self._last is not None:
            followed = self._estimator.track(None if self._following else self._last, t_s, rgb)
            self._following = bool(followed)
            candidates = followed or candidates
        person = self._follower.choose(t_s, candidates)
        # Following starts from a frame the person was surely found or
        # followed in, so a run of second-look frames that cannot be followed
        # is not tried again on each (every try starts a new tracker).
        self._last = (t_s, rgb) if person is not None and not person.second_look else None
        return person
