"""Resuming a batch: a rerun keeps every report made from the same input,
exercise file and options, and analyses the rest (resume.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from posecheck.batch import run_batch
from posecheck.pipeline import AnalyzeOptions
from posecheck.resume import MADE_FROM_NAME, made_from
from posecheck.spec import exercise_file

from conftest import SAMPLES

EXERCISE = "neck_side_tilt_hold"
SHORT = SAMPLES / "neck_side_tilt_short_front.npz"
OTHER = SAMPLES / "neck_side_tilt_hold_front.npz"


def _inputs(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = [folder / f"{n}.npz" for n in "abc"]
    for p in paths:
        shutil.copy(SHORT, p)
    return paths


def _stamps(out: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/report.json")}


def _resumed(rows: list[dict]) -> list[bool]:
    return [bool(r.get("resumed")) for r in rows]


def test_a_rerun_keeps_every_finished_report_untouched(tmp_path):
    paths, out = _inputs(tmp_path / "in"), tmp_path / "out"
    first = run_batch(paths, EXERCISE, AnalyzeOptions(), out, 2, False)
    stamps, summary = _stamps(out), (out / "summary.csv").read_text()

    again = run_batch(paths, EXERCISE, AnalyzeOptions(), out, 2, False)

    assert _resumed(first) == [False] * 3 and _resumed(again) == [True] * 3
    assert [{**r, "resumed": False} for r in again] == [{**r, "resumed": False} for r in first]
    assert _stamps(out) == stamps
    assert (out / "summary.csv").read_text() == summary


def test_a_changed_input_exercise_file_or_option_is_analysed_again(tmp_path):
    paths, out = _inputs(tmp_path / "in"), tmp_path / "out"
    exercise = tmp_path / f"{EXERCISE}.toml"
    shutil.copy(exercise_file(EXERCISE), exercise)
    run_batch(paths, str(exercise), AnalyzeOptions(), out, 1, False)

    shutil.copy(OTHER, paths[1])  # another recording under the same name
    assert _resumed(run_batch(paths, str(exercise), AnalyzeOptions(), out, 1, False)) == [True, False, True]

    exercise.write_text(exercise.read_text() + "\n# edited\n")
    assert _resumed(run_batch(paths, str(exercise), AnalyzeOptions(), out, 1, False)) == [False] * 3

    assert _resumed(run_batch(paths, str(exercise), AnalyzeOptions(hold_s=3.0), out, 1, False)) == [False] * 3
    # --jobs (so the model threads each file gets) changes only the speed: kept.
    assert _resumed(run_batch(paths, str(exercise), AnalyzeOptions(hold_s=3.0), out, 2, False)) == [True] * 3


def test_a_folder_written_over_by_another_run_is_analysed_again(tmp_path, capsys):
    """Another analysis into a finished folder (here one file with another
    --hold-s; a rerun cut short is the same) leaves reports the batch's
    made_from.json does not describe: the next batch redoes the folder."""
    from conftest import run_cli

    paths, out = _inputs(tmp_path / "in"), tmp_path / "out"
    run_batch(paths, EXERCISE, AnalyzeOptions(), out, 1, False)
    code, _, err = run_cli(capsys, "analyze", str(paths[0]), "-e", EXERCISE, "--hold-s", "2", "--out", str(out / "a"))
    assert code == 0, err
    rows = run_batch(paths, EXERCISE, AnalyzeOptions(), out, 1, False)
    assert _resumed(rows) == [False, True, True]
    assert (out / "a" / "report.json").read_text() == (out / "b" / "report.json").read_text().replace("b.npz", "a.npz")


def test_a_report_cut_short_or_missing_a_file_is_analysed_again(tmp_path):
    paths, out = _inputs(tmp_path / "in"), tmp_path / "out"
    run_batch(paths, EXERCISE, AnalyzeOptions(), out, 1, False)
    (out / "a" / MADE_FROM_NAME).unlink()  # killed before its report was finished
    (out / "b" / "metrics.csv").unlink()
    (out / "c" / MADE_FROM_NAME).write_text("{not json")

    rows = run_batch(paths, EXERCISE, AnalyzeOptions(), out, 1, False)

    assert _resumed(rows) == [False] * 3
    assert all((out / n / "metrics.csv").is_file() and (out / n / MADE_FROM_NAME).is_file() for n in "abc")


def test_a_batch_stopped_half_way_keeps_what_finished(tmp_path):
    paths, out = _inputs(tmp_path / "in"), tmp_path / "out"

    def stop_after_the_first(row: dict) -> None:
        raise KeyboardInterrupt  # Ctrl-C as the first file finishes

    with pytest.raises(KeyboardInterrupt):
        run_batch(paths, EXERCISE, AnalyzeOptions(), out, 1, False, on_row=stop_after_the_first)
    rows = run_batch(paths, EXERCISE, AnalyzeOptions(), out, 1, False)

    assert _resumed(rows) == [True, False, False]
    assert all(r["status"] == "ok" for r in rows)


def test_made_from_tells_contents_of_the_same_size_apart(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    a.write_bytes(b"x" * 100)
    b.write_bytes(b"x" * 99 + b"y")
    ra, rb = (made_from(p, EXERCISE, AnalyzeOptions()) for p in (a, b))
    assert ra["input"]["size"] == rb["input"]["size"] and ra != rb
    assert made_from(a, EXERCISE, AnalyzeOptions(workers=3)) == ra


@pytest.mark.parametrize("marker", ["fifo", "deep", "list"])
def test_a_strange_made_from_file_means_analyse_again(tmp_path, marker):
    """A pipe by that name must not hang the rerun; JSON nested past
    Python's limit or of another shape is not a bug row."""
    import os

    paths, out = _inputs(tmp_path / "in"), tmp_path / "out"
    run_batch(paths[:1], EXERCISE, AnalyzeOptions(), out, 1, False)
    made = out / "a" / MADE_FROM_NAME
    made.unlink()
    if marker == "fifo":
        os.mkfifo(made)
    else:
        made.write_text("[" * 200_000 if marker == "deep" else "[1, 2]")
    rows = run_batch(paths[:1], EXERCISE, AnalyzeOptions(), out, 1, False)
    assert rows[0]["status"] == "ok" and not rows[0].get("resumed")
