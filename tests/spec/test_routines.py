"""Routine files: strict validation and the prescription a step sets."""

from __future__ import annotations

import tomllib

import pytest

from posecheck.errors import PosecheckError
from posecheck.spec import load_routine_file, parse_routine, routine_paths, step_exercise

GOOD = """
schema = 1
id = "r"
title = "A routine"
source = "003"
warm_up = "March on the spot."
[[step]]
exercise = "neck_side_tilt_hold"
reps = 5
hold_s = 8
rest_s = 20
[[step]]
exercise = "shoulder_raises"
"""


def parse(text: str):
    return parse_routine(tomllib.loads(text), "r.toml")


def test_a_step_overrides_the_exercise_prescription():
    r = parse(GOOD)
    ex = step_exercise(r.steps[0])
    assert (ex.prescription.reps, ex.prescription.rest_s, ex.hold.target_s) == (5, 20, 8)
    assert step_exercise(r.steps[1]).prescription.reps == 10  # the exercise's own


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            'exercise = "shoulder_raises"',
            'exercise = "shoulder_raise"',
            r"r.toml: key 'step\[1\].exercise': unknown exercise 'shoulder_raise'; did you mean shoulder_raises",
        ),
        ("reps = 5", "reps = 0", r"key 'step\[0\].reps' = 0: expected a number >= 1"),
        ("rest_s = 20", "rest_s = 20\nrepeat = 2", r"unknown key 'step\[0\].repeat'"),
        ('id = "r"', 'id = "other"', r"key 'id' = 'other': expected the file name"),
    ],
)
def test_invalid_routines_name_the_key(old, new, message):
    with pytest.raises(PosecheckError, match=message):
        parse(GOOD.replace(old, new))


@pytest.mark.parametrize("path", routine_paths(), ids=lambda p: p.stem)
def test_bundled_routine_validates(path):
    r = load_routine_file(path)
    assert r.steps and r.warm_up


def test_a_routine_recording_is_reported_per_step(tmp_path, monkeypatch):
    import json

    from posecheck.cli import main
    from posecheck.core.track import LandmarkTrack

    from conftest import SAMPLES

    # A routine of three sampled exercises, and a recording stitched from
    # their samples (landmark tracks, end to end in time).
    ex_dir = tmp_path / "ex"
    (ex_dir / "routines").mkdir(parents=True)
    from posecheck.spec import exercises_dir

    for p in exercises_dir().glob("*.toml"):
        (ex_dir / p.name).write_text(p.read_text())
    (ex_dir / "routines" / "mini.toml").write_text(
        'schema = 1\nid = "mini"\ntitle = "Mini"\nsource = "test"\nwarm_up = "Walk."\n'
        '[[step]]\nexercise = "neck_side_tilt_hold"\n'
        '[[step]]\nexercise = "shoulder_raises"\n'
        '[[step]]\nexercise = "neck_rotation_hold"\n'
    )
    monkeypatch.setenv("POSECHECK_EXERCISES", str(ex_dir))
    parts = [
        LandmarkTrack.load(SAMPLES / f"{n}.npz")
        for n in ("neck_side_tilt_short_front", "shoulder_raises_front", "neck_rotation_hold_front")
    ]
    stitched, starts = LandmarkTrack.played_in_turn(parts)
    stitched.save(tmp_path / "routine.npz")
    code = main(
        [
            "analyze",
            str(tmp_path / "routine.npz"),
            "--routine",
            "mini",
            "--steps-at",
            ",".join(f"{s:.3f}" for s in starts[1:]),
            "--json",
            str(tmp_path / "r.json"),
            "-q",
        ]
    )
    assert code == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert [s["exercise"] for s in report["steps"]] == ["neck_side_tilt_hold", "shoulder_raises", "neck_rotation_hold"]
    truths = [
        json.loads((SAMPLES / f"{n}.truth.json").read_text())["reps"]
        for n in ("neck_side_tilt_short_front", "shoulder_raises_front", "neck_rotation_hold_front")
    ]
    assert [s["reps"] for s in report["steps"]] == truths
