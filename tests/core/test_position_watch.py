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

from conftest import SAMPLES, joined_clips, standing_frames


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
    result = analyze_track(track, ex)  # offline the same, and the report says why
    assert len(result.reps) == 4
    assert [(w.rule, w.message) for w in result.warnings] == [
        ("setup", "Get down on your hands and knees for this exercise.")
    ]


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


def _standing_frame(shoulder_width_px: float = 70.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One frame of a still standing person, facing the camera (70 px
    shoulders over a 100 px trunk) or side-on (20 px)."""
    image, vis, world = standing_frames(shoulder_width_px, 1)
    return image[0], vis[0], world[0]


def test_the_watch_waits_its_time_and_spares_the_end_position():
    """Clearly out of position the watch pauses counting after
    POSITION_LOST_S in the watched phases, keeps the instruction in every
    phase until the person is back in position for setup_s; time spent at
    the end position (which may leave the rest position) does not count."""
    ex = load_exercise("push_up")  # on hands and knees; this person stands
    image, vis, world = _standing_frame()
    get_down = "Get down on your hands and knees for this exercise."
    watch = PositionWatch((640, 480))
    # At the end position for 2 s: not counted as out of position.
    assert all(watch.update(i / 20, ex, image, vis, world, Phase.END) == "" for i in range(40))
    said = [(t_s, watch.update(t_s, ex, image, vis, world, Phase.NEUTRAL)) for t_s in np.arange(40, 80) / 20]
    first = min(t for t, m in said if m)
    assert 2.0 + POSITION_LOST_S <= first < 2.0 + POSITION_LOST_S + 0.1
    assert all(m == get_down for t, m in said if t >= first)
    # Paused, the instruction stays in every phase.
    assert watch.update(4.0, ex, image, vis, world, Phase.END) == get_down
    # Nobody in view: the watch starts over.
    nobody = np.full((33, 3), np.nan, np.float32)
    assert watch.update(4.05, ex, nobody, vis, world, Phase.NEUTRAL) == ""
    assert watch.update(4.1, ex, image, vis, world, Phase.NEUTRAL) == ""


def test_the_band_in_between_is_not_out_of_position():
    """After setup only the clearly other position pauses counting: a trunk
    leaning 48 deg (a real side-on squat leans 41-47 on the way down) is
    neither upright nor level, and a squat is not refused for it."""
    image, vis, world = _standing_frame(shoulder_width_px=20.0)
    lean = image.copy()
    lean[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER], 0] += np.tan(np.radians(48)) * 100 / 640
    squat = load_exercise("squat")
    watch = PositionWatch((640, 480))
    # (At rest: a squat's movement is not watched at all.)
    assert all(watch.update(i / 20, squat, lean, vis, world, Phase.NEUTRAL) == "" for i in range(60))
    # Past FLAT_MIN_DEG it is the other position.
    level = image.copy()
    level[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER], 0] += np.tan(np.radians(70)) * 100 / 640
    said = [watch.update(3 + i / 20, squat, level, vis, world, Phase.NEUTRAL) for i in range(40)]
    assert said[-1] == "Stand up for this exercise."


@pytest.mark.parametrize("look_ahead", [True, False])
def test_a_slow_squat_is_not_out_of_position(look_ahead):
    """Squats filmed from a shelf, six times slower: from 30 deg above the
    trunk reads past 55 deg on the way down for seconds. An upright
    exercise's movement bends the body down by design: only rest is watched
    (watching it lost 2 of 5 squats)."""
    track = LandmarkTrack.load(SAMPLES / "squat_front_high_far.npz")
    slow = track.replace(t_s=track.t_s * 6.0, fps=track.fps / 6.0)
    assert len(analyze_track(slow, load_exercise("squat"), look_ahead=look_ahead).reps) == 5
