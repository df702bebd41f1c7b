"""A static hold that was never timed says which position the person did
not take; a timed one, or a recording read too little, says nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecheck.core.analysis import analyze_track
from posecheck.core.hold_position import MIN_FRAMES, HoldPositionTally
from posecheck.core.landmarks import landmark_index
from posecheck.core.track import LandmarkTrack
from posecheck.spec import load_exercise

from conftest import SAMPLES

# A plank's readings: in the position, and on the knees.
IN_POSITION = {
    "body_line_deg": 172.0,
    "trunk_incline_deg": 80.0,
    "hip_lift_deg": 10.0,
    "knee_deg": 175.0,
}
ON_KNEES = {**IN_POSITION, "knee_deg": 130.0}


def _tally(frames: list[dict[str, float]]) -> HoldPositionTally:
    tally = HoldPositionTally(load_exercise("plank"))
    for i, values in enumerate(frames):
        tally.update(i / 30, values)
    return tally


def test_a_plank_on_the_knees_says_to_straighten_the_legs():
    note = _tally([ON_KNEES] * 60).note()
    assert note is not None
    assert note[1].startswith("No hold was timed, never in the position: the legs straight, on the toes, not on")
    assert "knee_deg read 130 to 130 in 100% of the frames; the hold needs at least 145" in note[1]


def test_a_high_plank_on_straight_arms_is_a_plank():
    # Straight arms, the shoulders high over the ankles: no condition on the
    # arms, so nothing to note (and the engine times it).
    high = {**IN_POSITION, "elbow_deg": 165.0, "shoulder_lift_deg": 17.0}
    assert _tally([high] * 60).note() is None


@pytest.mark.parametrize(
    "frames",
    [
        [IN_POSITION] * 60,  # in the position (a hold too short to time, say)
        [ON_KNEES] * (MIN_FRAMES - 1),  # too few frames read to say
        [ON_KNEES] * 20 + [IN_POSITION] * 40,  # mostly in the position
        [{**ON_KNEES, "hip_lift_deg": math.nan}] * 60,  # a condition unknown throughout
    ],
    ids=["in-position", "too-few", "mostly-in", "unknown"],
)
def test_no_note_where_the_position_was_taken_or_not_read(frames):
    assert _tally(frames).note() is None


def test_other_kinds_tally_nothing():
    tally = HoldPositionTally(load_exercise("squat"))
    for i in range(60):
        tally.update(i / 30, {"knee_deg": 170.0})
    assert tally.note() is None


def test_a_rendered_plank_held_piked_all_along_gets_the_note():
    """The plank render with the hips raised far above the shoulder-heel
    line in every frame: nothing is timed, and the report says which
    position was missing; the render as it is gets no such note."""
    track = LandmarkTrack.load(SAMPLES / "plank_side_render.npz")
    ex = load_exercise("plank")
    assert not [w for w in analyze_track(track, ex).warnings if w.rule == "not_counted"]
    image = track.image_xyz.copy()
    hips = [landmark_index("left_hip"), landmark_index("right_hip")]
    image[:, hips, 1] -= 0.25  # a quarter of the picture's height higher
    result = analyze_track(track.replace(image_xyz=image), ex)
    assert result.holds == []
    notes = [w.message for w in result.warnings if w.rule == "not_counted"]
    assert len(notes) == 1 and notes[0].startswith("No hold was timed, never in the position: ")
    assert np.any([m in notes[0] for m in ("one straight line", "not piked up")])
