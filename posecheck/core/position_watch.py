"""Is the person still in the exercise's position once counting runs?

The setup check makes sure the person is in position (lying, on hands and
knees, standing...) before anything counts; after that it used to stay
silent. A person who stands up after the last push-up and stretches the
arms bent and straightened the elbows like push-ups: 1-3 more reps counted
from the front, up to 6 side-on. While the exercise is at rest (nothing
under way) the position is checked again; out of it for POSITION_LOST_S
the person is asked to get back into it and nothing counts until they are.
Pure: landmark arrays in, a message out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from posecheck.core.events import Phase
from posecheck.core.setup_check import FacingVote, position_message
from posecheck.spec import Exercise

# Out of position this long (every frame, a person in view) before counting
# pauses: a frame or two of a misread, or a short shift of the body between
# reps, must not stop anything.
POSITION_LOST_S = 1.0

# Once paused, back in position this long before counting resumes, as long
# as the setup check asks for at first (Exercise.setup_s): passing through
# the position is not being in it. A push-up exercise run on squats filmed
# from a shelf (camera 30 deg down) read "down" at each squat's bottom for a
# moment and counted 5 partial push-ups.

# The phases the position must hold in: at rest, and on the way out of it
# (a person standing up from push-ups leaves the top, then bends the arms:
# that movement counts for nothing). At the end position and in a hold the
# body may leave the rest position by design (a table lean stretch leans the
# trunk past the standing limit; a half hang leans back from the bar).
WATCHED_PHASES = (Phase.WAIT_NEUTRAL, Phase.NEUTRAL, Phase.IDLE, Phase.MOVING)


class PositionWatch:
    """The position check after setup, frame by frame."""

    def __init__(self, frame_size: tuple[int, int]) -> None:
        self._frame_size = frame_size
        self._size = np.asarray(frame_size, np.float64)
        self._vote = FacingVote()
        self._out_since_s: float | None = None  # out of position since
        self._back_since_s: float | None = None  # paused, and back in position since
        self._message = ""  # paused with this instruction; "" counting

    def update(
        self,
        t_s: float,
        ex: Exercise,
        image_xyz: npt.NDArray[np.floating],
        visibility: npt.NDArray[np.floating],
        world_xyz: npt.NDArray[np.floating] | None,
        phase: Phase,
    ) -> str:
        """Feed one frame: while counting is paused for the position (out of
        it POSITION_LOST_S, in any phase, and not back in it for `setup_s`)
        and the phase is watched, the instruction to get back into it;
        else ""."""
        facing = self._vote.update(t_s, image_xyz, visibility, self._frame_size, world_xyz)
        if facing is None or phase == Phase.SETUP:
            self._out_since_s = self._back_since_s = None
            self._message = ""
            return ""
        px = np.asarray(image_xyz[:, :2], np.float64) * self._size
        vis = np.nan_to_num(np.asarray(visibility, np.float64), nan=0.0)
        message = position_message(ex, px, vis, facing)
        if message:
            self._back_since_s = None
            if self._out_since_s is None:
                self._out_since_s = t_s
            if t_s - self._out_since_s >= POSITION_LOST_S:
                self._message = message
        else:
            self._out_since_s = None
            if self._message:
                if self._back_since_s is None:
                    self._back_since_s = t_s
                if t_s - self._back_since_s >= ex.setup_s:
                    self._message, self._back_since_s = "", None
        return self._message if phase in WATCHED_PHASES else ""
