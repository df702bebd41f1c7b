"""Is the person still in the exercise's position once counting runs?

The setup check makes sure the person is in position (lying, on hands and
knees, standing...) before anything counts; after that it used to stay
silent. A person who stands up after the last push-up and bends the arms,
squats or circles them was counted 1-5 more push-ups. Now, after setup,
clearly out of the position (setup_check.position_message `clearly`: the
band in between is passed through by design) for POSITION_LOST_S at rest
(for exercises done down, on the way out of rest too) pauses counting: the
person is asked to get back into position, nothing counts, a movement under
way counts for nothing, and counting starts again after `setup_s` back in
position, from neutral.
Pure: landmark arrays in, a message out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from posecheck.core.events import REST_PHASES, Phase
from posecheck.core.setup_check import FacingVote, position_message
from posecheck.spec import Exercise

# Out of position this long (every frame, a person in view) before counting
# pauses: a frame or two of a misread, or a short shift of the body between
# reps, must not stop anything.
POSITION_LOST_S = 1.0

# The phases the position is watched in: at rest; and for exercises done
# down (lying, on hands and knees) on the way out of rest too: a person
# standing up from push-ups leaves the top, then bends the arms, and that
# movement counts for nothing. Exercises done upright bend the body down as
# their movement (a squat filmed from a shelf reads the trunk 69 deg from
# the camera's vertical at the bottom; a slow forward bend stays past 55 for
# seconds), so their movements are not watched. At the end position and in
# a hold the body may leave the rest position by design (a table lean
# stretch leans the trunk level): time out of position there does not count.
DOWN_POSITIONS = ("lying", "hands_and_knees")


def watched(ex: Exercise, phase: Phase) -> bool:
    """Whether time out of position counts in this phase of `ex`."""
    return phase in REST_PHASES or (phase == Phase.MOVING and ex.position in DOWN_POSITIONS)


class PositionWatch:
    """The position check after setup, frame by frame."""

    def __init__(self, frame_size: tuple[int, int]) -> None:
        self._frame_size = frame_size
        self._size = np.asarray(frame_size, np.float64)
        self._vote = FacingVote()
        self._out_since_s: float | None = None  # out of position since
        self._back_since_s: float | None = None  # paused, and back in position since
        self.message = ""  # counting paused with this instruction; "" counting

    def update(
        self,
        t_s: float,
        ex: Exercise,
        image_xyz: npt.NDArray[np.floating],
        visibility: npt.NDArray[np.floating],
        world_xyz: npt.NDArray[np.floating] | None,
        phase: Phase,
    ) -> str:
        """Feed one frame: the instruction to get back into position while
        counting is paused for it (clearly out of it for POSITION_LOST_S in
        watched phases, until back in it for `setup_s`), else ""."""
        facing = self._vote.update(t_s, image_xyz, visibility, self._frame_size, world_xyz)
        if facing is None or phase == Phase.SETUP:
            self._out_since_s = self._back_since_s = None
            self.message = ""
            return ""
        px = np.asarray(image_xyz[:, :2], np.float64) * self._size
        vis = np.nan_to_num(np.asarray(visibility, np.float64), nan=0.0)
        message = position_message(ex, px, vis, facing, clearly=True)
        if not message:
            self._out_since_s = None
            if self.message:
                if self._back_since_s is None:
                    self._back_since_s = t_s
                # Back in position as long as the setup check asks for at
                # first: passing through it is not being in it (a push-up
                # exercise run on squats filmed from a shelf read "down" at
                # each squat's bottom for a moment: 5 partial push-ups).
                if t_s - self._back_since_s >= ex.setup_s:
                    self.message, self._back_since_s = "", None
            return self.message
        self._back_since_s = None
        if not watched(ex, phase) and not self.message:
            self._out_since_s = None
            return ""
        if self._out_since_s is None:
            self._out_since_s = t_s
        if t_s - self._out_since_s >= POSITION_LOST_S:
            self.message = message
        return self.message
