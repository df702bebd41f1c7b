"""Which view of an exercise to measure in: live, as the frames come; offline,
from the whole recording.

An exercise may be defined for several views (`[views.<view>]`); the camera
decides which one measures. Live the view follows the 0.5 s facing vote
during the setup check and may still change at rest before anything counts;
offline it is the view most frames in the exercise's position show, or in
an edited recording that shows it from one view for seconds and then from
another, each part's own (view_segments). Pure: landmark arrays in, a view
out.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

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
# Offline, a recording is measured in parts when it shows the exercise from
# one view and then another for at least this long each (view_segments), the
# votes of each part this share its view.
VIEW_SEGMENT_MIN_S = 4.0
VIEW_SEGMENT_SHARE = 0.8


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


FrameVote = tuple[str, bool] | None


def frame_votes(
    ex: Exercise,
    image_xyz: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating],
    frame_size: tuple[int, int],
    world_xyz: npt.NDArray[np.floating] | None = None,
) -> list[FrameVote]:
    """Per frame with a person, the supported view it is seen from and
    whether the person is in the exercise's position (else None; every
    frame None for an exercise with one view, which needs no vote). What
    recording_view and view_segments decide from, read once per recording."""
    views = ex.supported_views
    if len(views) == 1 or "any" in views:
        return [None] * len(image_xyz)
    size = np.asarray(frame_size, np.float64)
    out: list[FrameVote] = []
    for i, (xyz, vis) in enumerate(zip(image_xyz, visibility)):
        out.append(None)
        if np.isnan(xyz[0, 0]):
            continue
        facing = frame_facing(xyz, vis, frame_size, None if world_xyz is None else world_xyz[i])
        seen = seen_view(facing, views)
        if seen not in views:
            continue
        px = np.asarray(xyz[:, :2], np.float64) * size
        vis64 = np.nan_to_num(np.asarray(vis, np.float64), nan=0.0)
        out[-1] = (seen, not position_message(ex, px, vis64, facing, clearly=True))
    return out


def view_segments(
    ex: Exercise, t_s: npt.NDArray[np.floating], votes: list[FrameVote], cuts: Sequence[int] = ()
) -> list[tuple[int, int]]:
    """Index ranges [a, b) of a recording shown from one view after another
    (an edited demo: the same push-ups from the front, then the side, then
    the front again), each to be measured in its own view; one range for a
    recording of one view. `votes`: frame_votes of the recording; `cuts`:
    its edits (cuts.edit_cuts: a misread out and back is no edit).

    Frames in the exercise's position vote (as in recording_view); runs of
    one view shorter than VIEW_SEGMENT_MIN_S are taken as flicker and
    dropped, the shortest first, until every run is longer. A change of
    view is kept only between runs whose votes are VIEW_SEGMENT_SHARE of
    one view. The split is at the cut between the runs' votes (the one
    nearest midway): an edit changes the view, and split anywhere else the
    part before the cut ends, or the part after it starts, in the other
    shot (a rep under way there is cut in two, its end measured in the
    wrong view); with no cut between them (the person turned, or the
    camera moved), midway between the runs' votes.
    """
    n = len(t_s)
    views = ex.supported_views
    if len(views) == 1 or "any" in views or n == 0:
        return [(0, n)]
    seen = [v[0] if v is not None and v[1] else None for v in votes]
    idx = [i for i, v in enumerate(seen) if v is not None]
    runs: list[list[int]] = []  # [view index, first frame, last frame, votes]; neighbours differ in view
    for i in idx:
        k = views.index(seen[i])
        if runs and runs[-1][0] == k:
            runs[-1][2] = i
            runs[-1][3] += 1
        else:
            runs.append([k, i, i, 1])
    while len(runs) > 1:
        span = [float(t_s[r[2]] - t_s[r[1]]) for r in runs]
        j = min(range(len(runs)), key=lambda k: span[k])
        if span[j] >= VIEW_SEGMENT_MIN_S:
            break
        del runs[j]
        if 0 < j < len(runs) and runs[j - 1][0] == runs[j][0]:
            # The runs either side of the dropped one, of one view, join.
            runs[j - 1][2], runs[j - 1][3] = runs[j][2], runs[j - 1][3] + runs[j][3]
            del runs[j]
    if len(runs) < 2:
        return [(0, n)]
    for r in runs:
        inside = [seen[i] for i in idx if r[1] <= i <= r[2]]
        if inside.count(views[r[0]]) < VIEW_SEGMENT_SHARE * len(inside):
            return [(0, n)]
    bounds = [0] + [_split(a[2], b[1], cuts) for a, b in pairwise(runs)] + [n]
    return list(pairwise(bounds))


def shot_segments(
    parts: list[tuple[int, int]], t_s: npt.NDArray[np.floating], shot_starts: Sequence[int]
) -> list[tuple[int, int]]:
    """`parts` (view_segments) split further where a new shot starts
    (io/shots.py: another camera, another take) with VIEW_SEGMENT_MIN_S or
    more on each side, so each shot is measured with its own rest: an
    exercise library films one set from two cameras in turn, and each
    camera sees the rest at its own angle (a superman's trunk 20 deg apart,
    a crunch's 12-15); with one rest for the whole file the other camera's
    part never read back at neutral (1 of 6 and 4 of 6). A shorter piece (a
    fade in or out, a logo card) stays with its neighbour."""
    out: list[tuple[int, int]] = []
    for a, b in parts:
        start = a
        for c in sorted(c for c in shot_starts if a < c < b):
            if t_s[c] - t_s[start] >= VIEW_SEGMENT_MIN_S and t_s[b - 1] - t_s[c] >= VIEW_SEGMENT_MIN_S:
                out.append((start, c))
                start = c
        out.append((start, b))
    return out


def _split(last: int, first: int, cuts: Sequence[int]) -> int:
    """Where one view's part ends and the next begins, between the last vote
    of one (`last`) and the first of the next (`first`): a cut in between
    (the first frame of the new shot), the one nearest midway, else midway."""
    middle = (last + first + 1) // 2
    between = [c for c in cuts if last < c <= first]
    return min(between, key=lambda c: abs(c - middle)) if between else middle


def recording_view(
    ex: Exercise,
    image_xyz: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating],
    frame_size: tuple[int, int],
    world_xyz: npt.NDArray[np.floating] | None = None,
) -> str:
    """The view a whole recording of `ex` shows (view_of its frame_votes)."""
    return view_of(ex, frame_votes(ex, image_xyz, visibility, frame_size, world_xyz))


def view_of(ex: Exercise, votes: list[FrameVote]) -> str:
    """The view frames with these votes show, among the exercise's
    supported views: the one most frames with the person in the exercise's
    position are seen from (frames in between do not vote); among all
    frames with a person when none is in position; the exercise's own view
    when none votes.

    Only frames in position vote because recordings hold more than the
    exercise: a side-on push-up filmed with 10 s of standing facing the
    camera before and after was measured "front" and counted nothing.
    """
    views = ex.supported_views
    if len(views) == 1 or "any" in views:
        return views[0]
    all_frames = dict.fromkeys(views, 0)
    in_position = dict.fromkeys(views, 0)
    for vote in votes:
        if vote is not None:
            all_frames[vote[0]] += 1
            in_position[vote[0]] += vote[1]
    counted = in_position if any(in_position.values()) else all_frames
    best = max(views, key=lambda v: counted[v])
    return best if counted[best] else views[0]
