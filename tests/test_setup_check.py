"""The setup check: specific instructions instead of counts."""

from __future__ import annotations

import pytest

from conftest import SAMPLES
from posecheck.analysis import analyze_track
from posecheck.spec import load_exercise
from posecheck.track import LandmarkTrack


@pytest.mark.parametrize("clip, exercise, message", [
    # Side view of a standing person, for a front-view exercise.
    ("neck_flexion_extension_hold_side", "neck_side_tilt_hold", "Turn to face the camera."),
    # Front view, for a side-view exercise.
    ("neck_side_tilt_hold_front", "neck_flexion_extension_hold", "Turn side-on to the camera."),
    # Framed from the hips up, for an exercise that needs the legs.
    ("neck_side_tilt_hold_front", "squat", "Step back so your knees and feet are in view."),
    # Standing (whole body in view), for an exercise done lying down.
    ("standing_side_bend_hold_front", "glute_bridge", "Lie down on the floor for this exercise."),
    # On hands and knees side-on at floor level, for an exercise seen from above.
    ("cat_cow_side", "quadruped_side_walk", "Put the camera up high, looking down on your back."),
    # Seen from above, for an exercise seen side-on at floor level.
    ("quadruped_side_walk_high_side", "cat_cow", "Turn side-on to the camera."),
])
def test_wrong_setup_counts_nothing_and_says_what_to_change(clip, exercise, message):
    result = analyze_track(LandmarkTrack.load(SAMPLES / f"{clip}.npz"), load_exercise(exercise))
    assert result.reps == [] and result.holds == []
    setup = [w for w in result.warnings if w.rule == "setup"]
    assert [w.message for w in setup] == [message]
    assert setup[0].severity == "info"
    assert all(s.phase == "setup" for s in result.frame_states)
    assert {s.setup_message for s in result.frame_states[5:]} == {message}


def test_right_setup_passes_within_the_setup_time():
    result = analyze_track(LandmarkTrack.load(SAMPLES / "neck_side_tilt_hold_front.npz"),
                           load_exercise("neck_side_tilt_hold"))
    assert not [w for w in result.warnings if w.rule == "setup"]
    first_ready = next(i for i, s in enumerate(result.frame_states) if s.phase != "setup")
    assert result.track.t_s[first_ready] <= 0.6


@pytest.mark.parametrize("clip", ["quadruped_side_walk_high_side", "quadruped_side_walk_far_right"])
def test_a_back_seen_from_above_passes_whichever_way_the_person_lies(clip):
    result = analyze_track(LandmarkTrack.load(SAMPLES / f"{clip}.npz"), load_exercise("quadruped_side_walk"))
    assert not [w for w in result.warnings if w.rule == "setup"]
