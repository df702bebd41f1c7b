"""Hostile and careless input, generated: mutated exercise and routine files,
mutated tracks and random option values through the real CLI, in-process.

The property for every case: exit 0 with a sane report, or exit 2 with one
line on stderr; never an exception (a traceback), never a changed input
file. A hang shows as the per-case alarm. Sizes are kept so the whole file
runs in about a minute on two cores (CI budget: two minutes; 150 cases a property).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posecheck import cli

from conftest import ROOT, SAMPLES

TRACK = SAMPLES / "neck_side_tilt_short_front.npz"
EXERCISES = sorted((ROOT / "exercises").glob("*.toml"))
ROUTINES = sorted((ROOT / "exercises" / "routines").glob("*.toml"))
CASE_TIMEOUT_S = 60  # a hang, not a slow case: one analysis takes well under a second

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

# Values a careless or hostile edit puts where a number was.
BAD_VALUES = [
    "nan",
    "inf",
    "-inf",
    "1e300",
    "-1",
    "0",
    "true",
    '"8.0"',
    "[]",
    "{}",
    "1e-300",
    "-0.0",
    "99999999999999999999",
    '""',
    "[1, [2, [3]]]",
    "+nan",
]


@contextlib.contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    def hung(signum, frame):
        raise AssertionError(f"no answer within {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _cli(*argv: str) -> tuple[int, str, str]:
    """posecheck in-process: (exit status, stdout, stderr). An exception is a
    bug and fails the test as it propagates."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _alarm(CASE_TIMEOUT_S):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_contract(code: int, err: str, *, lines_on_error: int = 1) -> None:
    assert code in (0, 2), f"exit {code}: {err}"
    assert "Traceback" not in err
    if code == 2:
        lines = [ln for ln in err.splitlines() if ln.strip() and "warning:" not in ln]
        assert 1 <= len(lines) <= lines_on_error, f"expected one line per error, got {err!r}"


def _assert_sane_report(report: dict) -> None:
    assert report["schema"] == 1
    assert report["reps"] >= 0 and report["partial_reps"] >= 0

    def walk(x: object) -> None:
        if isinstance(x, float):
            assert math.isfinite(x), report
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(report)


# --- exercise and routine files ---------------------------------------------

NUMBER = re.compile(r"(?<=[=\[,]\s)-?\d+(\.\d+)?(e-?\d+)?(?=\s*[,\]\n}#])")


@st.composite
def mutated_file(draw: st.DrawFn, files: list[Path]) -> tuple[str, str]:
    """(file name, text): a bundled file with one number replaced, one line
    dropped or doubled, a key misspelt, or bytes spliced in."""
    path = draw(st.sampled_from(files))
    text = path.read_text(encoding="utf-8")
    how = draw(st.sampled_from(["number", "drop_line", "double_line", "typo", "bytes"]))
    lines = text.splitlines(keepends=True)
    if how == "number":
        spots = list(NUMBER.finditer(text))
        if spots:
            m = draw(st.sampled_from(spots))
            text = text[: m.start()] + draw(st.sampled_from(BAD_VALUES)) + text[m.end() :]
    elif how in ("drop_line", "double_line") and lines:
        i = draw(st.integers(0, len(lines) - 1))
        lines[i : i + 1] = [] if how == "drop_line" else [lines[i], lines[i]]
        text = "".join(lines)
    elif how == "typo":
        keys = [m for m in re.finditer(r"^([a-z_]+)\s*=", text, re.MULTILINE)]
        if keys:
            m = draw(st.sampled_from(keys))
            key = m.group(1)
            i = draw(st.integers(0, len(key) - 1))
            text = text[: m.start(1)] + key[:i] + key[i + 1 :] + text[m.end(1) :]
    else:
        at = draw(st.integers(0, len(text)))
        junk = draw(st.binary(min_size=1, max_size=8)).decode("latin-1")
        text = text[:at] + junk + text[at:]
    return path.name, text


@FUZZ
@given(case=mutated_file(EXERCISES))
def test_a_mutated_exercise_file_is_one_line_or_a_working_exercise(case):
    name, text = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(text.encode("latin-1", errors="replace") if not text.isascii() else text.encode())
        before = _digest(path)
        code, _, err = _cli("validate", str(path))
        _assert_contract(code, err)
        if code == 0:
            # A file validate accepts must analyse: a sane report or one line.
            out = Path(tmp) / "r.json"
            code, _, err = _cli("analyze", str(TRACK), "-e", str(path), "-q", "--json", str(out))
            _assert_contract(code, err)
            if code == 0:
                _assert_sane_report(json.loads(out.read_text()))
        assert _digest(path) == before


@FUZZ
@given(case=mutated_file(ROUTINES))
def test_a_mutated_routine_file_is_one_line_or_a_routine(case):
    name, text = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "routines"
        folder.mkdir()
        path = folder / name
        path.write_bytes(text.encode("latin-1", errors="replace") if not text.isascii() else text.encode())
        code, _, err = _cli("validate", str(path))
        _assert_contract(code, err)


# --- tracks -------------------------------------------------------------------


def _fields() -> dict[str, np.ndarray]:
    with np.load(TRACK, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


FIELD_NAMES = list(_fields())
ODD_SCALARS = [0.0, -1.0, math.nan, math.inf, 1e300, 1.0]


@st.composite
def mutated_track(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """A valid track's fields with one or two of them spoilt."""
    fields = _fields()
    for _ in range(draw(st.integers(1, 2))):
        key = draw(st.sampled_from(FIELD_NAMES))
        if key not in fields:  # dropped by the first spoiling
            continue
        value = fields[key]
        how = draw(st.sampled_from(["scalar", "poison", "shape", "drop", "shuffle", "empty"]))
        if how == "scalar":
            fields[key] = np.asarray(draw(st.sampled_from(ODD_SCALARS)))
        elif how == "poison" and value.dtype.kind == "f" and value.size:
            v = value.copy().reshape(-1)
            i = draw(st.integers(0, v.size - 1))
            v[i] = draw(st.sampled_from([math.nan, math.inf, -math.inf, 1e30]))
            fields[key] = v.reshape(value.shape)
        elif how == "shape" and value.ndim:
            fields[key] = value.reshape(-1)[: max(1, value.size // 2)]
        elif how == "drop":
            del fields[key]
        elif how == "shuffle" and value.ndim and len(value) > 1:
            fields[key] = value[::-1].copy()
        elif how == "empty":
            fields[key] = value[:0] if value.ndim else np.asarray([])
    return fields


@FUZZ
@given(fields=mutated_track())
def test_a_mutated_track_is_one_line_or_a_sane_report(fields):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.npz"
        np.savez(path, **fields)
        before = _digest(path)
        out = Path(tmp) / "r.json"
        code, _, err = _cli("analyze", str(path), "-e", "neck_side_tilt_hold", "-q", "--json", str(out))
        _assert_contract(code, err)
        if code == 0:
            _assert_sane_report(json.loads(out.read_text()))
        assert _digest(path) == before


@settings(max_examples=80, deadline=None, derandomize=True)
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".npz", ".mp4", ".toml"]))
def test_random_bytes_as_any_input_are_one_line(data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"x{suffix}"
        path.write_bytes(data)
        if suffix == ".toml":
            code, _, err = _cli("validate", str(path))
        else:
            code, _, err = _cli("analyze", str(path), "-e", "squat", "-q")
        _assert_contract(code, err)
        assert code == 2 or suffix == ".toml"


# --- options ------------------------------------------------------------------

OPTION_TEXT = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "-1", "0", "1e309", "", "abc", "2.5", "1", "7", "1e-9", "0x10"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**6), 10**6).map(str),
)
NUMBER_OPTIONS = ["--hold-s", "--reps", "--pain-at", "--calibrate-at", "--stride", "--max-size"]


@FUZZ
@given(options=st.lists(st.tuples(st.sampled_from(NUMBER_OPTIONS), OPTION_TEXT), min_size=1, max_size=3))
def test_random_option_values_are_one_line_or_a_sane_report(options):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        argv = ["analyze", str(TRACK), "-e", "neck_side_tilt_hold", "-q", "--json", str(out)]
        argv += [f"{opt}={text}" for opt, text in options]
        code, _, err = _cli(*argv)
        _assert_contract(code, err)
        if code == 0:
            _assert_sane_report(json.loads(out.read_text()))


def test_the_suite_can_fail(tmp_path):
    """The property is not vacuous: a track with fps 0 is refused, not analysed."""
    fields = _fields()
    fields["fps"] = np.asarray(0.0)
    path = tmp_path / "t.npz"
    np.savez(path, **fields)
    code, _, err = _cli("analyze", str(path), "-e", "neck_side_tilt_hold", "-q")
    assert code == 2 and "fps" in err
    shutil.rmtree(tmp_path, ignore_errors=True)
