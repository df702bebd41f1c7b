"""The ``[bystander]`` table of the clip renderer's motion scripts (tools/render).

Torch-free: only ``tools.render.motion`` and ``truth`` are imported. The
table is validated strictly (a typo'd key, a missing one or a wrong type is
refused with the key's name), the walk's path and gait follow from the
script text, and the bystander changes nothing in the truth.
"""

from __future__ import annotations

import math
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tools` is a namespace at the repository root
    sys.path.insert(0, str(ROOT))

from tools.render.motion import GAIT_STRIDE_M, ScriptError, load_script, parse_script
from tools.render.truth import build_truth

SCRIPTS = ROOT / "tools" / "render" / "scripts"

HEADER = """
name = "t"
exercise = "shoulder_raises"
hold_target_s = 0
[variant]
body = "heavy_older_woman"
clothes = "blue_shirt_grey_shorts"
camera = "far"
view = "front"
[[block]]
segments = [
  { rest = 2 },
  { move = { left_shoulder_elevation_deg = 28 }, duration_s = 1, rep = "full" },
  { neutral = true, duration_s = 1 },
  { rest = 6 },
]
"""
"""A 10 s clip with one rep."""

WALK = {
    "body": '"average_man"',
    "clothes": '"red_top_khaki_trousers"',
    "start_x_m": "-3",
    "end_x_m": "3",
    "depth_m": "1.5",
    "enter_s": "2",
    "exit_s": "6",
}


def with_bystander(**changes: str | None):
    """Parse HEADER plus a [bystander] table: WALK with ``changes`` (None drops a key)."""
    keys = {**WALK, **changes}
    table = "\n".join(f"{key} = {value}" for key, value in keys.items() if value is not None)
    return parse_script(tomllib.loads(HEADER + "[bystander]\n" + table + "\n"))


def test_a_script_without_a_bystander_has_none():
    assert parse_script(tomllib.loads(HEADER)).bystander is None


def test_the_table_parses_with_whole_numbers_as_floats():
    bystander = with_bystander().bystander
    assert bystander is not None
    assert (bystander.body, bystander.clothes) == ("average_man", "red_top_khaki_trousers")
    assert (bystander.start_x_m, bystander.end_x_m, bystander.depth_m) == (-3.0, 3.0, 1.5)
    assert (bystander.enter_s, bystander.exit_s) == (2.0, 6.0)
    assert bystander.speed_m_s == pytest.approx(6 / 4)


def test_a_typod_key_is_refused_by_name():
    with pytest.raises(ScriptError, match=r"\[bystander\].*'depth'"):
        with_bystander(depth_m=None, depth="1.5")


@pytest.mark.parametrize("key", sorted(WALK))
def test_every_key_is_required(key):
    with pytest.raises(ScriptError, match=rf"\[bystander\]: missing key '{key}'"):
        with_bystander(**{key: None})


@pytest.mark.parametrize(
    ("key", "value"),
    [("depth_m", '"1.5"'), ("enter_s", "true"), ("start_x_m", "[1, 2]"), ("body", "3"), ("clothes", "{ a = 1 }")],
)
def test_a_wrong_type_is_refused_by_name(key, value):
    with pytest.raises(ScriptError, match=rf"\[bystander\]: {key} must be"):
        with_bystander(**{key: value})


def test_a_bystander_table_must_be_a_table():
    with pytest.raises(ScriptError, match=r"\[bystander\]: must be a table"):
        parse_script(tomllib.loads('bystander = "average_man"\n' + HEADER))


def test_a_bystander_that_looks_like_the_exerciser_is_refused():
    with pytest.raises(ScriptError, match="must look different"):
        with_bystander(body='"heavy_older_woman"', clothes='"blue_shirt_grey_shorts"')
    # the same body in other clothes is a different look
    assert with_bystander(body='"heavy_older_woman"').bystander is not None


@pytest.mark.parametrize("depth", ["0", "0.5", "-0.59"])
def test_a_path_through_the_exerciser_is_refused(depth):
    with pytest.raises(ScriptError, match="depth_m"):
        with_bystander(depth_m=depth)


def test_the_bystander_must_walk_inside_the_clip():
    with pytest.raises(ScriptError, match="start_x_m and end_x_m are equal"):
        with_bystander(end_x_m="-3")
    for enter, exit_ in (("6", "6"), ("7", "6"), ("-1", "6"), ("2", "10.5")):
        with pytest.raises(ScriptError, match="enter_s"):
            with_bystander(enter_s=enter, exit_s=exit_)
    assert with_bystander(enter_s="0", exit_s="10").bystander is not None  # the whole 10 s clip


def test_the_path_is_walked_at_constant_speed_and_drawn_only_during_the_walk():
    bystander = with_bystander().bystander
    times = np.array([0.0, 1.99, 2.0, 3.0, 4.0, 6.0, 6.01, 9.0])
    # 6 m in 4 s from x = -3: 1.5 m/s, clamped to the ends outside the walk
    np.testing.assert_allclose(bystander.across_m(times), [-3, -3, -3, -1.5, 0, 3, 3, 3])
    assert bystander.present(times).tolist() == [False, False, True, True, True, True, False, False]


def test_the_gait_alternates_legs_and_swings_each_arm_against_its_leg():
    bystander = with_bystander().bystander
    # the phase follows the distance walked: a quarter cycle (0.325 m) after the
    # start the left thigh is fully forward, the right fully back
    quarter_s = 2.0 + GAIT_STRIDE_M / 4 / 1.5
    gait = bystander.gait(np.array([2.0, quarter_s, 2.0 + GAIT_STRIDE_M / 1.5]))
    np.testing.assert_allclose(gait["left_hip_flexion_deg"], [0, 20, 0], atol=1e-9)
    np.testing.assert_allclose(gait["right_hip_flexion_deg"], [0, -20, 0], atol=1e-9)
    np.testing.assert_allclose(gait["left_shoulder_flexion_deg"], [0, -15, 0], atol=1e-9)
    np.testing.assert_allclose(gait["right_shoulder_flexion_deg"], [0, 15, 0], atol=1e-9)
    # phase 0: the left leg swings forward under the body, knee bent most;
    # the right leg is in stance, knee nearly straight
    np.testing.assert_allclose(gait["left_knee_flexion_deg"], [55, 5, 55], atol=1e-9)
    np.testing.assert_allclose(gait["right_knee_flexion_deg"], [5, 5, 5], atol=1e-9)


def test_the_gait_is_the_same_walking_either_way():
    right = with_bystander().bystander
    left = with_bystander(start_x_m="3", end_x_m="-3").bystander
    times = np.linspace(2, 6, 61)
    for name, values in right.gait(times).items():
        np.testing.assert_allclose(left.gait(times)[name], values, err_msg=name)
    assert math.isclose(left.speed_m_s, right.speed_m_s)


def test_a_bystander_changes_nothing_in_the_truth():
    alone = build_truth(parse_script(tomllib.loads(HEADER)))
    assert build_truth(with_bystander()) == alone


@pytest.mark.parametrize("where", ["behind", "front"])
def test_the_bystander_samples_keep_the_plain_clips_truth(where):
    """The sample scripts copy shoulder_raises_front; only the front one's occlusion adds an absent span."""
    plain = build_truth(load_script(SCRIPTS / "shoulder_raises_front.toml"))
    script = load_script(SCRIPTS / f"shoulder_raises_front_bystander_{where}.toml")
    assert script.bystander is not None
    assert (script.bystander.depth_m > 0) == (where == "behind")
    truth = build_truth(script)
    for key in ("frames", "reps", "reps_by_side", "partial_reps", "rep_events", "holds", "unsafe", "angles", "variant"):
        assert truth[key] == plain[key], key
    expected_absent = [] if where == "behind" else [{"start_s": 14.0, "end_s": 14.2}]
    assert truth["absent"] == expected_absent
    # the walk crosses during the reps (2 s to 33.5 s)
    assert 2.0 < script.bystander.enter_s < script.bystander.exit_s < 33.5
