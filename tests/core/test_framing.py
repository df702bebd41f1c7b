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
    assert note.startswith("The wrists were outside the picture or hidden in ")
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
