"""Routine files: strict validation and the prescription a step sets."""

from __future__ import annotations

import tomllib

import pytest

from posecheck.errors import PosecheckError
from posecheck.routines import load_routine_file, parse_routine, routine_paths, step_exercise

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


@pytest.mark.parametrize("old, new, message", [
    ('exercise = "shoulder_raises"', 'exercise = "shoulder_raise"',
     r"r.toml: key 'step\[1\].exercise': unknown exercise 'shoulder_raise'; did you mean shoulder_raises"),
    ("reps = 5", "reps = 0", r"key 'step\[0\].reps' = 0: expected a number >= 1"),
    ("rest_s = 20", "rest_s = 20\nrepeat = 2", r"unknown key 'step\[0\].repeat'"),
    ('id = "r"', 'id = "other"', r"key 'id' = 'other': expected the file name"),
])
def test_invalid_routines_name_the_key(old, new, message):
    with pytest.raises(PosecheckError, match=message):
        parse(GOOD.replace(old, new))


@pytest.mark.parametrize("path", routine_paths(), ids=lambda p: p.stem)
def test_bundled_routine_validates(path):
    r = load_routine_file(path)
    assert r.steps and r.warm_up
