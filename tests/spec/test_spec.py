"""Exercise files: every bundled one validates; every error path names the
file, the key, the value and what is allowed."""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import pytest

from posecheck.errors import PosecheckError
from posecheck.spec import exercise_paths, load_exercise, load_exercise_file, parse_exercise

GOOD = """
schema = 1
id = "ex"
title = "Example"
kind = "reps"
position = "standing"
camera_view = "side"
regions = ["legs"]
instructions = "Do it."
required = ["hip", "knee", "ankle"]

[metrics]
knee_deg = { joint = ["hip", "knee", "ankle"], side = "visible" }

[reps]
metric = "knee_deg"
neutral = 150.0
end = 110.0

[[safety]]
id = "too_deep"
metric = "knee_deg"
below = 40.0
message = "Not so deep."
"""

BUNDLED = exercise_paths()
REQUIRED_IDS = {
    "neck_side_tilt_hold",
    "neck_rotation_hold",
    "neck_flexion_extension_hold",
    "shoulder_raises",
    "glute_bridge",
    "prone_trunk_then_legs_raise",
    "standing_side_bend_hold",
    "squat",
    "push_up",
    "plank",
    "donkey_kick",
    "plank_leg_raise",
    "elbow_flexion",
}


def parse(text: str):
    return parse_exercise(tomllib.loads(text), "ex.toml")


def test_the_first_exercises_are_all_bundled():
    assert REQUIRED_IDS <= {p.stem for p in BUNDLED}


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_exercise_validates(path: Path):
    ex = load_exercise_file(path)
    assert ex.id == path.stem
    assert len(ex.instructions) > 80, "instructions must tell the person what to do"
    assert ex.main_metric in ex.metric_names


def test_good_example_parses_with_defaults():
    ex = parse(GOOD)
    mv = ex.reps.movements[0]
    assert (mv.neutral, mv.end, mv.partial) == (150.0, 110.0, 130.0)
    assert ex.safety[0].for_s == 0.3 and ex.safety[0].severity == "caution"


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ('kind = "reps"', 'kind = "rep"'),
            r"ex.toml: key 'kind' = 'rep': expected one of \['reps', 'hold', 'reps_with_hold', 'timer'\]",
        ),
        (
            ("neutral = 150.0", "neutral = 150.0\nnuetral = 1"),
            r"ex.toml: unknown key 'reps.nuetral' \(did you mean 'neutral'\?\)",
        ),
        (('title = "Example"', 'title = "Example"\ncolour = 1'), r"unknown key 'colour'; allowed here:"),
        (
            ('["hip", "knee", "ankle"], side', '["hip", "knea", "ankle"], side'),
            r"key 'metrics.knee_deg.joint': unknown landmark 'knea' \(did you mean 'knee'\?\)",
        ),
        (
            ('metric = "knee_deg"\nneutral', 'metric = "knee_angle"\nneutral'),
            r"key 'reps.metric' = 'knee_angle': not a metric of this file",
        ),
        (("end = 110.0", "end = 150.0"), r"key 'reps.end' = 150.0: expected a value different from neutral"),
        (
            ("end = 110.0", "end = 110.0\npartial = 160.0"),
            r"key 'reps.partial' = 160.0: expected a value strictly between neutral \(150.0\) and end \(110.0\)",
        ),
        (
            ("below = 40.0", "below = 40.0\nabove = 30.0"),
            r"key 'safety\[0\].below' = 40.0: expected a value under 'above' \(30.0\)",
        ),
        (("below = 40.0", 'below = "forty"'), r"key 'safety\[0\].below' = 'forty': expected a number"),
        (("schema = 1", "schema = 2"), r"key 'schema' = 2: expected 1"),
        (('id = "ex"', 'id = "other"'), r"key 'id' = 'other': expected the file name without .toml \('ex'\)"),
        (
            ('side = "visible"', 'side = "both"'),
            r"key 'metrics.knee_deg.side' = 'both': expected one of \['left', 'right', 'visible', 'mean', 'min', 'max'\]",
        ),
        (
            ("knee_deg = { joint", 'knee_deg = { segment = ["hip", "knee"], joint'),
            r"metric 'knee_deg' must set exactly one of",
        ),
        (('kind = "reps"', 'kind = "hold"'), r"key 'reps' is not used by kind = 'hold'"),
        (('regions = ["legs"]', 'regions = ["toes"]'), r"key 'regions' = 'toes': expected values from"),
        (
            (
                'message = "Not so deep."',
                (
                    'message = "Not so deep."\n[[form]]\nid = "f"\nmetric = "knee_deg"\nmax = 170.0\n'
                    'message = "m"\nduring = "always"'
                ),
            ),
            r"key 'form\[0\].during' = 'always': expected one of \['rep', 'hold'\]",
        ),
    ],
)
def test_invalid_files_name_file_key_value_and_allowed(change, message):
    old, new = change
    assert old in GOOD
    with pytest.raises(PosecheckError, match=message):
        parse(GOOD.replace(old, new, 1))


def test_missing_key_is_named():
    with pytest.raises(PosecheckError, match=r"ex.toml: missing key 'title'"):
        parse(GOOD.replace('title = "Example"\n', ""))


def test_alternating_needs_both_sides():
    text = GOOD.replace('metric = "knee_deg"\nneutral', 'sides = "alternating"\nneutral') + (
        '[reps.movements.left]\nmetric = "knee_deg"\n'
    )
    with pytest.raises(PosecheckError, match=r"must have \['left', 'right'\] when sides = 'alternating'"):
        parse(text)


def test_hold_keys_belong_to_their_kind():
    text = GOOD.replace('kind = "reps"', 'kind = "reps_with_hold"') + "[hold]\ntarget_s = 5\nexit_fraction = 1.5\n"
    with pytest.raises(PosecheckError, match=r"key 'hold.exit_fraction' = 1.5: expected a fraction"):
        parse(text)


def test_toml_syntax_error_names_the_file(tmp_path: Path):
    bad = tmp_path / "broken.toml"
    bad.write_text('schema = 1\nid = "broken\n')
    with pytest.raises(PosecheckError, match=r"broken.toml: not valid TOML"):
        load_exercise_file(bad)


def test_unknown_id_suggests_the_closest():
    with pytest.raises(PosecheckError, match=r"unknown exercise 'squats'; did you mean squat"):
        load_exercise("squats")


def test_a_users_own_file_loads_by_path(tmp_path: Path):
    p = tmp_path / "ex.toml"
    p.write_text(GOOD)
    assert load_exercise(str(p)).id == "ex"


def _speed_limits(ex) -> dict[str, float]:
    return {r.metric: r.above for r in ex.safety if r.id == "sudden_movement"}


def test_a_metric_may_have_its_own_speed_limit_or_none():
    two = (
        GOOD.replace(
            'knee_deg = { joint = ["hip", "knee", "ankle"], side = "visible" }',
            'knee_deg = { joint = ["hip", "knee", "ankle"], side = "visible" }\n'
            'arm_deg = { elevation = ["left_shoulder", "left_wrist"] }',
        )
        .replace('metric = "knee_deg"\nneutral', 'sides = "sequence"\n[reps.movements.a]\nmetric = "knee_deg"\nneutral')
        .replace(
            "end = 110.0\n", 'end = 110.0\n[reps.movements.b]\nmetric = "arm_deg"\nneutral = 30.0\nend = 70.0\n', 1
        )
    )
    assert _speed_limits(parse(two)) == {"knee_deg": 200.0, "arm_deg": 200.0}
    own = two.replace("[metrics]", "max_speed_deg_s = 120.0\n[max_speed_by_metric]\narm_deg = 400.0\n[metrics]")
    assert _speed_limits(parse(own)) == {"knee_deg": 120.0, "arm_deg": 400.0}
    unchecked = own.replace("arm_deg = 400.0", "arm_deg = 0.0")
    assert _speed_limits(parse(unchecked)) == {"knee_deg": 120.0}
    with pytest.raises(PosecheckError, match="max_speed_by_metric.arm_dge.*not a metric.*did you mean 'arm_deg'"):
        parse(own.replace("arm_deg = 400.0", "arm_dge = 400.0"))


@pytest.mark.parametrize(
    "exercise, view, watched",
    [
        ("neck_side_tilt_hold", "front", True),
        ("cat_cow", "side", False),
        ("quadruped_side_walk", "above", False),
    ],
)
def test_head_circles_are_watched_only_where_the_face_is_seen(exercise, view, watched):
    """The head-circle rule reads front-view head measures: a side view or a
    view from above cannot see the tilt, and would read the back's movement
    as circles."""
    ex = load_exercise(exercise)
    assert ex.camera_view == view
    assert any(r.id == "neck_circle" for r in ex.safety) == watched


def _number_paths(data: object, path: str = ""):
    """(key path as messages spell it, value) of every number in parsed TOML."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _number_paths(v, f"{path}.{k}" if path else k)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _number_paths(v, f"{path}[{i}]")
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        yield path, data


def _one_of_each_number_key() -> list[tuple[Path, str]]:
    """For each kind of number key in the bundled exercise files, one file
    and the key's path there."""
    seen: dict[str, tuple[Path, str]] = {}
    for p in BUNDLED:
        for key, _ in _number_paths(tomllib.loads(p.read_text())):
            kind = re.sub(r"\[\d+\]", "[]", key)
            kind = re.sub(r"^max_speed_by_metric\..*", "max_speed_by_metric.*", kind)
            kind = re.sub(r"movements\.[^.]+\.", "movements.*.", kind)
            if kind != "schema":
                seen.setdefault(kind, (p, key))
    return sorted(seen.values(), key=lambda x: x[1])


@pytest.mark.parametrize("path, key", _one_of_each_number_key(), ids=lambda x: x if isinstance(x, str) else x.stem)
def test_every_number_in_the_bundled_files_is_checked(path: Path, key: str):
    """One number reader everywhere: NaN at any number key of a real file is
    refused, naming the file, that key and the value (NaN compares false, so
    a NaN limit would switch its rule off silently)."""
    data = tomllib.loads(path.read_text())
    node = data
    parts = [int(x) if x.isdigit() else x for x in re.split(r"\.|\[(\d+)\]\.?", key) if x]
    for x in parts[:-1]:
        node = node[x]
    node[parts[-1]] = math.nan
    with pytest.raises(PosecheckError, match=rf"^{re.escape(str(path))}: key '{re.escape(key)}' = nan: expected a"):
        parse_exercise(data, str(path))


@pytest.mark.parametrize(
    "text, allowed",
    [
        ("min_visibility = 0.0", True),
        ("min_visibility = 1", True),
        ("min_visibility = 1.01", False),
        ("max_speed_deg_s = 1", True),
        ("max_speed_deg_s = 0.99", False),
        ("setup_s = 3600", True),
        ("setup_s = 3600.5", False),
        ("calibrate_s = 0", True),
        ("calibrate_s = -0.0", True),
    ],
)
def test_range_bounds_are_inclusive(text, allowed):
    """The documented bounds are allowed, and an int is fine for a float."""
    changed = GOOD.replace("[metrics]", f"{text}\n[metrics]")
    if allowed:
        parse(changed)
    else:
        with pytest.raises(PosecheckError, match=re.escape(f"key '{text.split(' = ')[0]}' = {text.split(' = ')[1]}")):
            parse(changed)


HOLD_WITH_OR = GOOD.replace('kind = "reps"', 'kind = "hold"').split("[reps]")[0] + (
    '[hold]\ntarget_s = 10\n[[hold.when]]\nmetric = "knee_deg"\nmin = 150.0\n'
    '[[hold.when.or]]\nmetric = "knee_deg"\nmax = 20.0\n'
)


def test_a_hold_condition_may_be_read_another_way():
    (cond,) = parse(HOLD_WITH_OR).hold.when
    assert (cond.metric, cond.min) == ("knee_deg", 150.0)
    assert [(a.metric, a.max) for a in cond.alternatives] == [("knee_deg", 20.0)]
    assert [cond.judge({"knee_deg": v}) for v in (160.0, 10.0, 90.0, math.nan)] == [True, True, False, None]


@pytest.mark.parametrize(
    "extra, message",
    [
        ('[[hold.when.or.or]]\nmetric = "knee_deg"\n', r"unknown key 'hold.when\[0\].or\[0\].or'"),
        ('unit = "deg"\n', r"unknown key 'hold.when\[0\].or\[0\].unit'"),
        # The condition's message says what to do: the alternative's is the same.
        ('message = "x"\n', r"unknown key 'hold.when\[0\].or\[0\].message'"),
    ],
)
def test_an_alternative_has_no_alternatives_nor_other_keys(extra, message):
    with pytest.raises(PosecheckError, match=message):
        parse(HOLD_WITH_OR + extra)


def test_a_hold_condition_may_say_what_to_do_when_it_is_not_met():
    text = HOLD_WITH_OR.replace("min = 150.0\n", 'min = 150.0\nmessage = "legs straight"\n')
    (cond,) = parse(text).hold.when
    assert cond.message == "legs straight"
    assert parse(HOLD_WITH_OR).hold.when[0].message == ""
    with pytest.raises(PosecheckError, match=r"key 'hold.when\[0\].message' = 3: .*a sentence for the report"):
        parse(text.replace('message = "legs straight"', "message = 3"))


def test_an_alternative_names_a_metric_of_the_file():
    with pytest.raises(PosecheckError, match=r"key 'hold.when\[0\].or\[0\].metric' = 'elbow_deg': not a metric"):
        parse(HOLD_WITH_OR.replace('metric = "knee_deg"\nmax = 20.0', 'metric = "elbow_deg"\nmax = 20.0'))


@pytest.mark.parametrize(
    "position, value, error",
    [
        ("hands_and_knees", "25.0", None),
        ("lying", "90", None),
        ("lying", "10", "key 'min_trunk_incline_deg' = 10: expected a number >= 15 and <= 90"),
        (
            "hands_and_knees",
            "90.5",
            "key 'min_trunk_incline_deg' = 90.5: expected a number >= 15 and <= 90 (deg from upright)",
        ),
        ("hands_and_knees", "nan", "key 'min_trunk_incline_deg' = nan"),
        ("standing", "25.0", "key 'min_trunk_incline_deg' = 25.0: expected only with position = 'lying' or"),
    ],
)
def test_the_least_trunk_incline_is_for_exercises_done_down(position, value, error):
    text = GOOD.replace('position = "standing"', f'position = "{position}"').replace(
        "[metrics]", f"min_trunk_incline_deg = {value}\n[metrics]"
    )
    if error is None:
        assert parse(text).min_trunk_incline_deg == float(value)
    else:
        with pytest.raises(PosecheckError, match=re.escape(error)):
            parse(text)
