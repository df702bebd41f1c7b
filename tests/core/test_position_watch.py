"""The position is checked again once counting runs (core/position_watch.py):
a person who leaves the exercise's position and moves is not counted."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecheck.core.analysis import analyze_track
from posecheck.core.events import Phase
from posecheck.core.landmarks import Landmark as L
from posecheck.core.position_watch import POSITION_LOST_S, PositionWatch
from posecheck.core.session import ExerciseSession
from posecheck.core.track import LandmarkTrack
from posecheck.spec import load_exercise

from conftest import SAMPLES, joined_clips


@pytest.mark.parametrize("push_ups", ["push_up_yaw_side", "push_up_front"])
@pytest.mark.parametrize("then", ["elbow_flexion_near_mirrored", "squat_front_far", "arm_circles_far_front"])
def test_standing_up_after_push_ups_counts_nothing_more(push_ups, then):
    """4 push-ups (and a half-way dip), then the person stands up and bends
    the arms, squats or circles the arms: 1-6 more push-ups were counted
    (the position was only checked before counting started)."""
    track = joined_clips([(push_ups, 0.0, math.inf), (then, 0.0, math.inf)], blend_s=1.0)
    ex = load_exercise("push_up")
    session = ExerciseSession(ex, track.frame_size)
    messages = set()
    for i in range(len(track.t_s)):
        u = session.update(float(track.t_s[i]), track.image_xyz[i], track.visibility[i], track.world_xyz[i])
        messages.add(u.state.setup_message)
    assert len(session.reps) == 4 and session.partial_reps == 1
    assert "Get down on your hands and knees for this exercise." in messages
    assert len(analyze_track(track, ex).reps) == 4  # offline the same


def test_passing_through_the_position_is_not_being_in_it():
    """A push-up exercise run on squats filmed from a shelf (camera 30 deg
    down): the 3D trunk slope reads "down" for a moment at each squat's
    bottom. Counting paused for the position resumes only after setup_s
    back in it and from neutral; it counted 5 partial push-ups (one is
    left: the setup check itself passes at the first bottom)."""
    track = LandmarkTrack.load(SAMPLES / "squat_front_high_far.npz")
    result = analyze_track(track, load_exercise("push_up"))
    assert len(result.reps) == 0 and result.partial_reps <= 1
    # The squats themselves count from up there.
    assert len(analyze_track(track, load_exercise("squat")).reps) == 5


def _standing_frame() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xyz = np.full((33, 3), 0.5, np.float32)
    for lm, (x, y) in {
        L.LEFT_SHOULDER: (355, 200),
        L.RIGHT_SHOULDER: (285, 200),
        L.LEFT_HIP: (330, 300),
        L.RIGHT_HIP: (310, 300),
        L.NOSE: (320, 150),
    }.items():
        xyz[lm, :2] = x / 640, y / 480
    world = np.zeros((33, 3), np.float32)
    world[:, :2] = (xyz[:, :2] - 0.5) * 2.0
    return xyz, np.ones(33, np.float32), world


def test_the_watch_waits_its_time_and_spares_the_end_position():
    """Out of position the watch speaks after POSITION_LOST_S, only in the
    phases at rest or leaving it, and an in-position frame starts it over."""
    ex = load_exercise("push_up")  # on hands and knees; this person stands
    image, vis, world = _standing_frame()
    watch = PositionWatch((640, 480))
    said = []
    for i in range(40):
        t_s = i / 20
        said.append((t_s, watch.update(t_s, ex, image, vis, world, Phase.NEUTRAL)))
    first = min(t for t, m in said if m)
    assert POSITION_LOST_S <= first < POSITION_LOST_S + 0.1
    assert all(m == "Get down on your hands and knees for this exercise." for t, m in said if t >= first)
    # The end position and holds leave the rest position by design.
    assert watch.update(2.0, ex, image, vis, world, Phase.END) == ""
    assert watch.update(2.05, ex, image, vis, world, Phase.MOVING) != ""
    # Nobody in view: the time out of position starts over.
    nobody = np.full((33, 3), np.nan, np.float32)
    assert watch.update(2.1, ex, nobody, vis, world, Phase.NEUTRAL) == ""
    assert watch.update(2.15, ex, image, vis, world, Phase.NEUTRAL) == ""
