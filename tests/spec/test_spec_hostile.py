"""Hostile and careless exercise and routine files (issue 14, classes 1 and 2).

Every number in a data file goes through one reader: finite, of its type
(a TOML bool or string is never a number, a float is not a whole number)
and inside its documented range. Every file that cannot be read as TOML
text gives one line naming it. In both cases `posecheck validate` reports
each bad file on its own line and goes on with the rest.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from typing import Any

import pytest

from posecheck.cli import main
from posecheck.errors import PosecheckError
from posecheck.spec import defaults as safety_defaults
from posecheck.spec import (
    exercise_paths,
    load_exercise_file,
    load_routine_file,
    parse_exercise,
    parse_routine,
    routines_dir,
)
from posecheck.spec.toml_table import MAX_FILE_BYTES

# Every numeric key an exercise file has, each once, at a valid value.
FULL = """
schema = 1
id = "ex"
title = "Example"
kind = "reps_with_hold"
position = "standing"
camera_view = "side"
regions = ["legs"]
instructions = "Do it."
required = ["hip", "knee", "ankle"]
min_visibility = 0.5
setup_s = 0.5
calibrate_s = 1.0
max_speed_deg_s = 200.0

[max_speed_by_metric]
knee_deg = 300.0

[metrics]
knee_deg = { joint = ["hip", "knee", "ankle"] }
tilt_deg = { measure = "head_tilt_deg" }
nod_deg = { measure = "head_nod_deg" }

[reps]
metric = "knee_deg"
neutral = 150.0
end = 110.0
partial = 130.0
end_confirm_s = 0.1
min_rep_s = 0.4

[hold]
target_s = 5.0
grace_s = 0.5
exit_fraction = 0.75
settle_speed = 0.25
level_band = 2.0
min_hold_s = 1.0
still_band = 2.0

[prescription]
sets = 3
reps = 10
hold_s = 5
rest_s = 30

[default_rules.neck_circle]
amplitude_above = 12.0
turn_above = 0.75
window_s = 10.0
above = 12.0
below = -12.0
for_s = 0.0
cooldown_s = 5.0

[[form]]
id = "straight"
metric = "knee_deg"
min = 40.0
max = 175.0
message = "Keep it in range."

[[safety]]
id = "too_deep"
metric = "knee_deg"
below = 40.0
above = 179.0
for_s = 0.3
cooldown_s = 5.0
message = "Not so deep."

[[safety]]
id = "jerk"
kind = "speed"
metric = "knee_deg"
above = 300.0
message = "Slow down."

[[safety]]
id = "circle"
kind = "loop"
metrics = ["tilt_deg", "nod_deg"]
amplitude_above = 12.0
turn_above = 0.75
window_s = 10.0
cooldown_s = 5.0
message = "No circles."

[views.front]
min_visibility = 0.6
max_speed_deg_s = 250.0

[views.front.reps]
end = 100.0
"""

HOLD = """
schema = 1
id = "ex"
title = "Example hold"
kind = "hold"
position = "standing"
camera_view = "front"
regions = ["whole"]
instructions = "Hold it."
required = ["hip", "knee", "ankle"]

[metrics]
knee_deg = { joint = ["hip", "knee", "ankle"] }

[hold]
target_s = 10.0

[[hold.when]]
metric = "knee_deg"
min = 150.0
max = 180.0
[[hold.when.or]]
metric = "knee_deg"
min = 0.0
max = 30.0
"""

SIDED = """
schema = 1
id = "ex"
title = "Example sided"
kind = "reps"
position = "standing"
camera_view = "front"
regions = ["neck"]
instructions = "Tilt."
required = ["nose"]

[metrics]
left_deg = { measure = "head_tilt_deg" }
right_deg = { measure = "head_tilt_deg", negate = true }

[reps]
sides = "alternating"
neutral = 8.0
end = 20.0
partial = 14.0

[reps.movements.left]
metric = "left_deg"
neutral = 8.0

[reps.movements.right]
metric = "right_deg"
"""

ROUTINE = """
schema = 1
id = "r"
title = "A routine"
warm_up = "March on the spot."
warm_up_s = 90

[[step]]
exercise = "neck_side_tilt_hold"
sets = 2
reps = 5
hold_s = 8
rest_s = 20
"""

BASES = {"full": FULL, "hold": HOLD, "sided": SIDED}

# (base, key path, a value below the range, a value above it)
EXERCISE_NUMBERS = [
    ("full", "min_visibility", -0.1, 2.0),
    ("full", "setup_s", -1.0, 3601.0),
    ("full", "calibrate_s", -1.0, 1e300),
    ("full", "max_speed_deg_s", 0.5, 1e300),
    ("full", "max_speed_by_metric.knee_deg", -1.0, 1e300),
    ("full", "reps.neutral", -1e300, 1e300),
    ("full", "reps.end", -1e300, 1e300),
    ("full", "reps.partial", -1e300, 1e300),
    ("full", "reps.end_confirm_s", -0.1, 1e300),
    ("full", "reps.min_rep_s", -0.1, 1e300),
    ("full", "hold.target_s", 0.0, 1e300),
    ("full", "hold.grace_s", -0.5, 1e300),
    ("full", "hold.exit_fraction", 0.0, 1.5),
    ("full", "hold.settle_speed", 0.0, 1e300),
    ("full", "hold.level_band", -1.0, 1e300),
    ("full", "hold.min_hold_s", -1.0, 1e300),
    ("full", "hold.still_band", -1.0, 1e300),
    ("full", "prescription.hold_s", -1, 10**6),
    ("full", "prescription.rest_s", -1, 10**6),
    ("full", "default_rules.neck_circle.amplitude_above", -1.0, 1e300),
    ("full", "default_rules.neck_circle.turn_above", 0.0, 1e300),
    ("full", "default_rules.neck_circle.window_s", 0.0, 1e300),
    ("full", "default_rules.neck_circle.above", -1e300, 1e300),
    ("full", "default_rules.neck_circle.below", -1e300, 1e300),
    ("full", "default_rules.neck_circle.for_s", -1.0, 1e300),
    ("full", "default_rules.neck_circle.cooldown_s", -1.0, 1e300),
    ("full", "form[0].min", -1e300, 1e300),
    ("full", "form[0].max", -1e300, 1e300),
    ("full", "safety[0].above", -1e300, 1e300),
    ("full", "safety[0].below", -1e300, 1e300),
    ("full", "safety[0].for_s", -1.0, 1e300),
    ("full", "safety[0].cooldown_s", -1.0, 1e300),
    ("full", "safety[1].above", 0.0, 1e300),
    ("full", "safety[2].amplitude_above", -1.0, 1e300),
    ("full", "safety[2].turn_above", 0.0, 1e300),
    ("full", "safety[2].window_s", 0.0, 1e300),
    ("full", "safety[2].cooldown_s", -1.0, 1e300),
    ("full", "views.front.min_visibility", -0.1, 2.0),
    ("full", "views.front.max_speed_deg_s", 0.0, 1e300),
    ("full", "views.front.reps.end", -1e300, 1e300),
    ("hold", "hold.target_s", -1.0, 1e300),
    ("hold", "hold.when[0].min", -1e300, 1e300),
    ("hold", "hold.when[0].max", -1e300, 1e300),
    ("hold", "hold.when[0].or[0].min", -1e300, 1e300),
    ("hold", "hold.when[0].or[0].max", -1e300, 1e300),
    ("sided", "reps.neutral", -1e300, 1e300),
    ("sided", "reps.end", -1e300, 1e300),
    ("sided", "reps.partial", -1e300, 1e300),
    ("sided", "reps.movements.left.neutral", -1e300, 1e300),
]
WHOLE_NUMBERS = [("full", "prescription.sets", 0, 101), ("full", "prescription.reps", -1, 1001)]

# Not numbers, or not finite, anywhere a number is read: (TOML literal, as the message shows it).
NOT_NUMBERS = [
    ("nan", "nan"),
    ("-nan", "nan"),
    ("inf", "inf"),
    ("-inf", "-inf"),
    ("true", "true"),
    ("false", "false"),
    ('"8.0"', "'8.0'"),
    ('"abc"', "'abc'"),
    ("[1.0]", "[1.0]"),
    ("{ a = 1 }", "{'a': 1}"),
    ("1979-05-27", "datetime.date(1979, 5, 27)"),
]


def toml_value(literal: str) -> Any:
    return tomllib.loads(f"v = {literal}")["v"]


def set_key(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `data` with the key at `path` ("safety[1].above") set."""
    out = copy.deepcopy(data)
    parts = [int(p) if p.isdigit() else p for p in re.split(r"\.|\[(\d+)\]\.?", path) if p]
    node: Any = out
    for p in parts[:-1]:
        node = node[p]
    assert parts[-1] in node, f"{path} is not in the base file"
    node[parts[-1]] = value
    return out


def refused(base: str, path: str, value: Any) -> str:
    """The one-line message for `value` at `path` in the base exercise."""
    data = set_key(tomllib.loads(BASES[base]), path, value)
    with pytest.raises(PosecheckError) as info:
        parse_exercise(data, "ex.toml")
    return str(info.value)


def assert_names(msg: str, file: str, path: str, shown: str) -> None:
    assert "\n" not in msg
    assert msg.startswith(f"{file}: "), msg
    assert f"key '{path}' = {shown}: expected " in msg, msg


@pytest.mark.parametrize("base", sorted(BASES))
def test_the_bases_are_valid(base):
    """Each bad value below is refused because of that value alone."""
    parse_exercise(tomllib.loads(BASES[base]), "ex.toml")
    parse_routine(tomllib.loads(ROUTINE), "r.toml")


@pytest.mark.parametrize(
    "base, path",
    [(b, p) for b, p, _, _ in EXERCISE_NUMBERS + WHOLE_NUMBERS],
    ids=[f"{b}:{p}" for b, p, _, _ in EXERCISE_NUMBERS + WHOLE_NUMBERS],
)
def test_a_number_that_is_not_one_is_refused(base, path):
    for literal, shown in NOT_NUMBERS:
        msg = refused(base, path, toml_value(literal))
        assert_names(msg, "ex.toml", path, shown)
        assert "expected a" in msg and " and <= " in msg, f"{literal}: the message states the range: {msg}"


@pytest.mark.parametrize(
    "base, path, low, high",
    EXERCISE_NUMBERS + WHOLE_NUMBERS,
    ids=[f"{b}:{p}" for b, p, _, _ in EXERCISE_NUMBERS + WHOLE_NUMBERS],
)
def test_a_number_outside_its_range_is_refused(base, path, low, high):
    for value in (low, high):
        assert_names(refused(base, path, value), "ex.toml", path, repr(value))


@pytest.mark.parametrize("path", [p for _, p, _, _ in WHOLE_NUMBERS])
@pytest.mark.parametrize("value", [2.0, 2.5, 10**400], ids=["2.0", "2.5", "10**400"])
def test_a_whole_number_is_not_a_float_nor_huge(path, value):
    msg = refused("full", path, value)
    assert "\n" not in msg and msg.startswith("ex.toml: ")
    assert f"key '{path}' = {repr(value)[:20]}" in msg, msg
    assert "(a whole number)" in msg and len(msg) < 250, "a huge value is cut short"


def test_a_string_number_is_told_to_lose_its_quotes():
    assert "write the number without quotes" in refused("sided", "reps.neutral", "8.0")
    assert "true and false are not numbers" in refused("full", "reps.neutral", True)


# The issue's reproductions, as TOML text: (file, old line, new line, key, shown value).
ISSUE_EXAMPLES = [
    (
        FULL,
        "amplitude_above = 12.0\nturn_above = 0.75\nwindow_s = 10.0\nabove",
        "amplitude_above = nan\nturn_above = 0.75\nwindow_s = 10.0\nabove",
        "default_rules.neck_circle.amplitude_above",
        "nan",
    ),
    (
        FULL,
        "amplitude_above = 12.0\nturn_above = 0.75\nwindow_s = 10.0\ncooldown_s",
        "amplitude_above = nan\nturn_above = 0.75\nwindow_s = 10.0\ncooldown_s",
        "safety[2].amplitude_above",
        "nan",
    ),
    (FULL, "max_speed_deg_s = 200.0", "max_speed_deg_s = nan", "max_speed_deg_s", "nan"),
    (FULL, "above = 179.0", "above = nan", "safety[0].above", "nan"),
    (FULL, "above = 300.0", "above = nan", "safety[1].above", "nan"),
    (FULL, "window_s = 10.0\nabove", "window_s = 1e300\nabove", "default_rules.neck_circle.window_s", "1e+300"),
    (FULL, "window_s = 10.0\ncooldown_s", "window_s = 1e300\ncooldown_s", "safety[2].window_s", "1e+300"),
    (FULL, "min_visibility = 0.5", "min_visibility = 2.0", "min_visibility", "2.0"),
    (FULL, "neutral = 150.0", "neutral = true", "reps.neutral", "true"),
    (FULL, "neutral = 150.0", 'neutral = "8.0"', "reps.neutral", "'8.0'"),
    (SIDED, "neutral = 8.0\nend", 'neutral = "8.0"\nend', "reps.neutral", "'8.0'"),
    (SIDED, "neutral = 8.0\nend", "neutral = nan\nend", "reps.neutral", "nan"),
    (FULL, "end_confirm_s = 0.1", "end_confirm_s = nan", "reps.end_confirm_s", "nan"),
    (FULL, "target_s = 5.0", "target_s = nan", "hold.target_s", "nan"),
    (FULL, "sets = 3", "sets = nan", "prescription.sets", "nan"),
    (FULL, "sets = 3", "sets = inf", "prescription.sets", "inf"),
    (FULL, "reps = 10", "reps = nan", "prescription.reps", "nan"),
    (FULL, "reps = 10", "reps = inf", "prescription.reps", "inf"),
    (FULL, "end = 100.0", "end = nan", "views.front.reps.end", "nan"),
]


@pytest.mark.parametrize(
    "text, old, new, key, shown", ISSUE_EXAMPLES, ids=[f"{k}={s}" for _, _, _, k, s in ISSUE_EXAMPLES]
)
def test_the_issues_examples_fail_validate_with_one_line(tmp_path, capsys, text, old, new, key, shown):
    assert text.count(old) == 1
    path = tmp_path / "ex.toml"
    path.write_text(text.replace(old, new))
    with pytest.raises(PosecheckError) as info:
        load_exercise_file(path)
    assert_names(str(info.value), str(path), key, shown)
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and str(info.value) in err


ROUTINE_NUMBERS = [
    ("warm_up_s", -1, 3601, False),
    ("step[0].sets", 0, 101, True),
    ("step[0].reps", 0, 1001, True),
    ("step[0].hold_s", 0, 3601, False),
    ("step[0].rest_s", -1, 3601, False),
]


@pytest.mark.parametrize("path, low, high, whole", ROUTINE_NUMBERS, ids=[p for p, *_ in ROUTINE_NUMBERS])
def test_routine_numbers_are_read_by_the_same_reader(path, low, high, whole):
    bad = [low, high] + [toml_value(x) for x, _ in NOT_NUMBERS] + ([2.0, 10**400] if whole else [])
    for value in bad:
        data = set_key(tomllib.loads(ROUTINE), path, value)
        with pytest.raises(PosecheckError) as info:
            parse_routine(data, "r.toml")
        msg = str(info.value)
        assert "\n" not in msg and msg.startswith("r.toml: ") and f"key '{path}' = " in msg, msg
        assert "expected a number" in msg


@pytest.mark.parametrize(
    "line, bad, where",
    [
        ("amplitude_above = 12.0", "amplitude_above = nan", r"safety\[0\].amplitude_above' = nan"),
        ("dip_above = 14.0", "dip_above = -5.0", r"safety\[1\].dip_above' = -5.0"),
        ("window_s = 3.0", "window_s = 30.0", r"safety\[1\].window_s' = 30.0"),
    ],
    ids=["loop_amplitude", "arc_dip", "arc_window"],
)
def test_the_safety_defaults_are_read_by_the_same_reader(tmp_path, monkeypatch, line, bad, where):
    text = safety_defaults.DEFAULTS_PATH.read_text()
    assert line in text
    path = tmp_path / "safety_defaults.toml"
    path.write_text(text.replace(line, bad, 1))
    monkeypatch.setattr(safety_defaults, "DEFAULTS_PATH", path)
    monkeypatch.setattr(safety_defaults, "_DEFAULTS", None)
    with pytest.raises(PosecheckError, match=r"safety_defaults.toml: key '" + where):
        safety_defaults.load_defaults()


def test_valid_numbers_keep_their_meaning():
    """An int where a float is expected is fine and read as a float; the
    bounds themselves are allowed."""
    data = tomllib.loads(
        FULL.replace("neutral = 150.0", "neutral = 150").replace("min_visibility = 0.5", "min_visibility = 1")
    )
    ex = parse_exercise(data, "ex.toml")
    assert ex.reps.movements[0].neutral == 150.0 and isinstance(ex.reps.movements[0].neutral, float)
    assert ex.min_visibility == 1.0
    assert (ex.prescription.sets, ex.prescription.reps) == (3, 10) and isinstance(ex.prescription.sets, int)
    edges = set_key(set_key(data, "hold.exit_fraction", 1.0), "safety[2].window_s", 60)
    ex = parse_exercise(set_key(edges, "default_rules.neck_circle.window_s", 1), "ex.toml")
    assert ex.hold.exit_fraction == 1.0
    assert [r.window_s for r in ex.safety if r.id == "circle"] == [60.0]


# --- files that are not TOML text ------------------------------------------------------------------

NOT_TOML = {
    "non_utf8": (b'schema = 1\nid = "ex\xff"\n', r"not UTF-8 text \(byte 0xff at offset 19\); save it as UTF-8"),
    "latin1": ('title = "Übung"\n'.encode("latin-1"), r"not UTF-8 text \(byte 0xdc"),
    "utf16_bom": (FULL.encode("utf-16"), "UTF-16 or UTF-32 text; save it as UTF-8"),
    "utf16be_bom": (b"\xfe\xff" + FULL.encode("utf-16-be"), "UTF-16 or UTF-32 text; save it as UTF-8"),
    "utf16_no_bom": (FULL.encode("utf-16-le"), r"binary data \(a NUL byte at offset 1\)"),
    "binary": (bytes(range(256)) * 4, r"binary data \(a NUL byte at offset 0\)"),
    "png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, r"binary data \(a NUL byte at offset 8\)"),
    "nested_arrays": (b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n", r"nested too deeply \(at most 32\)"),
    "nested_tables": (b"a = " + b"{b = " * 5000 + b"1" + b"}" * 5000 + b"\n", r"nested too deeply"),
    # tomllib takes quadratic time on these (a 256 KiB one: hours): refused unparsed.
    "dotted_keys": (b".".join([b"a"] * 100_000) + b" = 1\n", r"nested too deeply"),
    "quoted_dotted_keys": (b"[x]\n" + b".".join([b'"a"'] * 50_000) + b" = 1\n", r"nested too deeply"),
    "inline_dotted_keys": (b"x = { b = 1, " + b" . ".join([b"a"] * 50_000) + b" = 1 }\n", r"nested too deeply"),
    "dotted_header": (b"[" + b".".join([b"a"] * 33) + b"]\n", r"nested too deeply"),
    "deep_but_parsable": (b"a = " + b"[" * 40 + b"]" * 40 + b"\n", r"nested too deeply"),
    "empty": (b"", r"empty exercise file"),
    "blank": (b"  \n\n\t\n", r"empty exercise file"),
    "syntax": (b'schema = 1\nid = "ex\n', r"not valid TOML \(.*line 2"),
    "too_large": (
        b"# " + b"x" * MAX_FILE_BYTES + b"\n",
        rf"over {MAX_FILE_BYTES} bytes: too large for an exercise file",
    ),
    "newline_in_key": (
        FULL.replace('title = "Example"', 'title = "Example"\n"a\\nb" = 1').encode(),
        r"unknown key 'a\\nb'",
    ),
}


@pytest.mark.parametrize("name", sorted(NOT_TOML))
def test_a_file_that_is_not_toml_text_is_one_line_naming_it(tmp_path, capsys, name):
    raw, message = NOT_TOML[name]
    path = tmp_path / "ex.toml"
    path.write_bytes(raw)
    with pytest.raises(PosecheckError) as info:
        load_exercise_file(path)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(f"{path}: "), msg
    assert re.search(message, msg), msg
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"error: {msg}\n"


def test_a_routine_file_is_read_the_same_way(tmp_path):
    path = tmp_path / "routines" / "r.toml"
    path.parent.mkdir()
    path.write_bytes(ROUTINE.encode("utf-16"))
    with pytest.raises(PosecheckError, match=r"r.toml: UTF-16 or UTF-32 text; save it as UTF-8$"):
        load_routine_file(path)
    path.write_bytes(b"")
    with pytest.raises(PosecheckError, match=r"r.toml: empty routine file$"):
        load_routine_file(path)


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    """Windows Notepad saves UTF-8 with a byte-order mark: that is UTF-8."""
    path = tmp_path / "ex.toml"
    path.write_bytes(b"\xef\xbb\xbf" + FULL.encode())
    assert load_exercise_file(path).id == "ex"


def test_what_is_not_a_regular_file(tmp_path):
    with pytest.raises(PosecheckError, match=rf"^{re.escape(str(tmp_path))}: a folder, not an exercise file$"):
        load_exercise_file(tmp_path)
    with pytest.raises(PosecheckError, match=r"nope.toml: no such exercise file$"):
        load_exercise_file(tmp_path / "nope.toml")
    (tmp_path / "dangling.toml").symlink_to(tmp_path / "gone.toml")
    with pytest.raises(PosecheckError, match=r"dangling.toml: no such exercise file$"):
        load_exercise_file(tmp_path / "dangling.toml")
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)  # opening it would wait for a writer forever
    with pytest.raises(PosecheckError, match=r"fifo.toml: not a regular file; an exercise file is TOML text$"):
        load_exercise_file(fifo)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_file_is_one_line(tmp_path):
    path = tmp_path / "ex.toml"
    path.write_text(FULL)
    path.chmod(0)
    with pytest.raises(PosecheckError, match=r"ex.toml: cannot read the exercise file \(Permission denied\)$"):
        load_exercise_file(path)


def test_validate_reports_each_bad_file_and_goes_on(tmp_path, capsys):
    bundled = exercise_paths()
    good_a, good_b = bundled[0], bundled[-1]
    utf16 = tmp_path / "a" / "ex.toml"
    nan = tmp_path / "b" / "ex.toml"
    for p in (utf16, nan):
        p.parent.mkdir()
    utf16.write_bytes(FULL.encode("utf-16"))
    nan.write_text(FULL.replace("target_s = 5.0", "target_s = nan"))
    code = main(["validate", str(good_a), str(utf16), str(tmp_path / "missing.toml"), str(nan), str(good_b)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.splitlines() == [f"ok  {good_a} ({good_a.stem})", f"ok  {good_b} ({good_b.stem})"]
    assert err.splitlines() == [
        f"error: {utf16}: UTF-16 or UTF-32 text; save it as UTF-8",
        f"error: {tmp_path / 'missing.toml'}: no such exercise file",
        f"error: {nan}: key 'hold.target_s' = nan: expected a number > 0 and <= 3600 (seconds)",
    ]


def test_every_bundled_file_still_validates(capsys):
    assert main(["validate"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert len(out.splitlines()) == len(exercise_paths()) + len(list(routines_dir().glob("*.toml")))


def test_an_exercises_folder_that_is_not_there_is_an_error(tmp_path, monkeypatch, capsys):
    """Else `validate` checks nothing and exits 0, and every id is unknown."""
    monkeypatch.setenv("POSECHECK_EXERCISES", str(tmp_path / "nowhere"))
    assert main(["validate"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert f"POSECHECK_EXERCISES={tmp_path / 'nowhere'}: no such folder of exercise files" in err


# A metric's rest_range (core/baseline.py): two finite numbers, low under
# high, on a relative metric that is not a direction.
REST_RANGES = [
    ("rest_range = [-20.0, 20.0]", "rest_range = [20.0]", "[20.0]"),
    ("rest_range = [-20.0, 20.0]", "rest_range = [20.0, -20.0]", "[20.0, -20.0]"),
    ("rest_range = [-20.0, 20.0]", "rest_range = [nan, 20.0]", "nan"),
    ("rest_range = [-20.0, 20.0]", 'rest_range = ["-20", 20.0]', "'-20'"),
    ("rest_range = [-20.0, 20.0]", "rest_range = 20.0", "20.0"),
    ("relative = true, rest_range", "relative = false, rest_range", "[-20.0, 20.0]"),
    ("rest_range = [-20.0, 20.0]", "rest_range = [-20.0, 0.0, 20.0]", "[-20.0, 0.0, 20.0]"),
    (
        'measure = "trunk_lean_back_deg", relative = true, rest_range',
        'segment = ["hip", "shoulder"], relative = true, rest_range',
        "[-20.0, 20.0]",
    ),
]


@pytest.mark.parametrize("old, new, shown", REST_RANGES, ids=[n for _, n, _ in REST_RANGES])
def test_a_rest_range_that_is_not_one_is_one_line(tmp_path, capsys, old, new, shown):
    text = (exercise_paths()[0].parent / "standing_forward_back_bend.toml").read_text()
    assert text.count(old) == 1
    path = tmp_path / "standing_forward_back_bend.toml"
    path.write_text(text.replace(old, new))
    with pytest.raises(PosecheckError) as info:
        load_exercise_file(path)
    key = "metrics.lean_back_deg.rest_range" + ("[0]" if shown in ("nan", "'-20'") else "")
    assert_names(str(info.value), str(path), key, shown)
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_twins_rest_ranges_must_agree(tmp_path, capsys):
    """One measure under two names shares one rest: a second, different
    range (here one the first's mirror never meets) is refused, naming it."""
    text = (exercise_paths()[0].parent / "standing_forward_back_bend.toml").read_text()
    old = 'lean_forward_deg = { measure = "trunk_lean_back_deg", negate = true, relative = true }'
    assert text.count(old) == 1
    path = tmp_path / "standing_forward_back_bend.toml"
    back = "rest_range = [-20.0, 20.0]"
    assert text.count(back) == 1
    text = text.replace(back, "rest_range = [-10.0, 20.0]")  # the negated twin mirrors it: [-20, 10]
    for bad, ok in (("[-30.0, -25.0]", False), ("[-10.0, 20.0]", False), ("[-20.0, 10.0]", True)):
        path.write_text(text.replace(old, old[:-2] + f", rest_range = {bad} }}"))
        if ok:
            load_exercise_file(path)
            continue
        with pytest.raises(PosecheckError) as info:
            load_exercise_file(path)
        assert_names(str(info.value), str(path), "metrics.lean_forward_deg.rest_range", bad)
        assert main(["validate", str(path)]) == 2
        assert capsys.readouterr().err.count("\n") == 1
