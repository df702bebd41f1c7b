"""Which view of an exercise to measure in: live, as the frames come; offline,
from the whole recording.

An exercise may be defined for several views (`[views.<view>]`); the camera
decides which one measures. Live the view follows the 0.5 s facing vote
during the setup check and may still change at rest before anything counts;
offline it is the view most frames in the exercise's position show. Pure:
landmark arrays in, a view out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from posecheck.core.events import REST_PHASES, Phase
from posecheck.core.setup_check import Facing, FacingVote, choose_view, frame_facing, position_message, seen_view
from posecheck.spec import Exercise

# Live, once set up and before anything is counted, another view the
# exercise supports seen this long takes over (its rest found again): a
# person who walks to the spot with the back to the camera and then turns
# side-on is measured side-on (the first 0.5 s had fixed the view, and the
# squats after it counted nothing).
VIEW_SWITCH_S = 1.0


class LiveViewChoice:
    """The view a live session measures in: the supported view the vote
    sees, at once during the setup check; once set up, at rest and with
    nothing counted yet, after VIEW_SWITCH_S of another one; from the
    first movement on, the view counting started in."""

    def __init__(self, views: tuple[str, ...], frame_size: tuple[int, int]) -> None:
        self._views = views
        self._frame_size = frame_size
        self._vote = FacingVote()
        self._other: tuple[str, float] | None = None  # another view, seen since

    def update(
        self,
        t_s: float,
        image_xyz: npt.NDArray[np.floating],
        visibility: npt.NDArray[np.floating],
        world_xyz: npt.NDArray[np.floating] | None,
        current: str,
        phase: Phase,
        counted: bool,
    ) -> tuple[Facing | None, str]:
        """Feed one frame: (the facing voted, None if nobody or the view is
        kept without a vote; the view to measure in)."""
        setting_up = phase == Phase.SETUP
        if not setting_up and (len(self._views) < 2 or phase not in REST_PHASES or counted):
            return None, current
        facing = self._vote.update(t_s, image_xyz, visibility, self._frame_size, world_xyz)
        view, _ = choose_view(self._views, facing, current)
        if view == current or setting_up:
            self._other = None
            return facing, view
        if self._other is None or self._other[0] != view:
            self._other = (view, t_s)
        if t_s - self._other[1] < VIEW_SWITCH_S:
            return facing, current
        self._other = None
        return facing, view


def recording_view(
    ex: Exercise,
    image_xyz: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating],
    frame_size: tuple[int, int],
    world_xyz: npt.NDArray[np.floating] | None = None,
) -> str:
    """The view a whole recording of `ex` shows, among its supported views:
    the one most frames with the person in the exercise's position are seen
    from (frames in between do not vote); among all frames with a person
    when none is in position; the exercise's own view when none votes.

    Only frames in position vote because recordings hold more than the
    exercise: a side-on push-up filmed with 10 s of standing facing the
    camera before and after was measured "front" and counted nothing.
    """
    views = ex.supported_views
    if len(views) == 1 or "any" in views:
        return views[0]
    votes = dict.fromkeys(views, 0)
    votes_in_position = dict.fromkeys(views, 0)
    size = np.asarray(frame_size, np.float64)
    for i, (xyz, vis) in enumerate(zip(image_xyz, visibility)):
        if np.isnan(xyz[0, 0]):
            continue
        facing = frame_facing(xyz, vis, frame_size, None if world_xyz is None else world_xyz[i])
        seen = seen_view(facing, views)
        if seen not in votes:
            continue
        votes[seen] += 1
        px = np.asarray(xyz[:, :2], np.float64) * size
        if not position_message(ex, px, np.nan_to_num(np.asarray(vis, np.float64), nan=0.0), facing, clearly=True):
            votes_in_position[seen] += 1
    if any(votes_in_position.values()):
        votes = votes_in_position
    best = max(views, key=lambda v: votes[v])
    return best if votes[best] else views[0]
