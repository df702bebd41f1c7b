"""A recording that counted nothing, or little, says why: the body parts
the picture cut off, or what the setup check asked for."""

from __future__ import annotations

import numpy as np

from posecheck.core.analysis import analyze_track
from posecheck.core.landmarks import landmark_index
from posecheck.core.track import LandmarkTrack
from posecheck.spec import load_exercise

from conftest import SAMPLES


def _portrait_crop(track: LandmarkTrack) -> LandmarkTrack:
    """The middle 9:16 of a landscape picture, as a phone held upright films it."""
    w, h = track.frame_size
    crop_w = int(h * 9 / 16)
    img = track.image_xyz.copy()
    img[:, :, 0] = (img[:, :, 0] * w - (w - crop_w) / 2) / crop_w
    return track.replace(image_xyz=img, frame_size=(crop_w, h))


def _notes(track: LandmarkTrack, exercise: str, rule: str) -> list[str]:
    return [w.message for w in analyze_track(track, load_exercise(exercise)).warnings if w.rule == rule]


def test_arms_cut_off_by_the_picture_are_named():
    track = LandmarkTrack.load(SAMPLES / "elbow_flexion_near_mirrored.npz").mirrored()
    assert _notes(track, "elbow_flexion", "not_counted") == []
    [note] = _notes(_portrait_crop(track), "elbow_flexion", "not_counted")
    assert note.startswith("Outside the picture or hidden in ")
    assert "% of the frames: the wrists; counting could not read them." in note
    assert note.endswith("Step back so your arms and hands are in view.")


def test_a_setup_that_never_passes_is_noted_even_when_it_comes_and_goes():
    # The feet out of the picture, but for one frame in 40 (the model's
    # guess wandering back in): no single run of the message lasts the 3 s a
    # setup note needs, yet counting never starts. The report says why.
    track = LandmarkTrack.load(SAMPLES / "plank_side_render.npz")
    img = track.image_xyz.copy()
    feet = [landmark_index(f"{s}_{p}") for s in ("left", "right") for p in ("ankle", "heel", "foot_index")]
    out = np.ones(len(track), bool)
    out[::40] = False
    img[np.ix_(out, feet, [0])] = 1.2
    result = analyze_track(track.replace(image_xyz=img), load_exercise("plank"))
    assert result.holds == []
    assert [(w.rule, w.message) for w in result.warnings] == [
        ("setup", "Step back so your knees and feet are in view.")
    ]


def test_a_clean_recording_gets_no_such_note():
    track = LandmarkTrack.load(SAMPLES / "plank_side_render.npz")
    assert _notes(track, "plank", "setup") == _notes(track, "plank", "not_counted") == []


def test_a_combined_reading_blames_what_it_combines():
    import math
    import tomllib

    from posecheck.core.framing import FramingTally
    from posecheck.core.landmarks import Frames
    from posecheck.spec import parse_exercise

    text = """
schema = 1
id = "t"
title = "t"
position = "standing"
camera_view = "front"
regions = ["arms"]
instructions = "x"
required = []
kind = "hold"
[metrics]
l_deg = { joint = ["left_shoulder", "left_elbow", "left_wrist"] }
r_deg = { joint = ["right_shoulder", "right_elbow", "right_wrist"] }
arms_deg = { combine = "min", of = ["l_deg", "r_deg"] }
[hold]
target_s = 10.0
[[hold.when]]
metric = "arms_deg"
min = 150.0
"""
    tally = FramingTally(parse_exercise(tomllib.loads(text), "t.toml"))
    px = np.full((1, 33, 2), 100.0)
    for side in ("left", "right"):
        px[0, landmark_index(f"{side}_wrist")] = (100.0, -50.0)  # above the picture
    frames = Frames(px, np.zeros((1, 33, 3)), np.ones((1, 33)), (640, 480))
    for i in range(20):
        tally.update(i / 30, frames, {"arms_deg": math.nan, "l_deg": math.nan, "r_deg": math.nan})
    at_s, note = tally.note()
    assert at_s == 0.0 and ": the wrists; counting could not read them." in note
