"""Batch analysis: a folder of recordings, several at once, failures isolated."""

from __future__ import annotations

import csv
import errno
import json
import os
import shutil
import signal
import time
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from posecheck import batch
from posecheck.batch import analyze_one, batch_jobs, report_dirs, run_batch
from posecheck.cli import main
from posecheck.errors import PosecheckError
from posecheck.pipeline import AnalyzeOptions

from conftest import SAMPLES

EXERCISE = "neck_side_tilt_hold"
SHORT = SAMPLES / "neck_side_tilt_short_front.npz"  # 382 frames: the quickest good track


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "patients"
    d.mkdir()
    for name in ("neck_side_tilt_short_front", "neck_side_tilt_hold_front"):
        shutil.copy(SAMPLES / f"{name}.npz", d / f"{name}.npz")
    (d / "broken.npz").write_bytes(b"not a track")
    (d / "notes.txt").write_text("ignored: not a video or track")
    return d


def _reports(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(out.glob("*/report.json"))}


def _summary(out: Path) -> list[dict[str, str]]:
    with (out / "summary.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {Path(r["file"]).name: r for r in rows}


def _short_tracks(folder: Path, names: str) -> list[Path]:
    """The short sample track copied as folder/<name>.npz for each letter of `names`."""
    folder.mkdir(exist_ok=True)
    paths = [folder / f"{n}.npz" for n in names]
    for p in paths:
        shutil.copy(SHORT, p)
    return paths


def test_folder_batch_writes_a_report_per_file_and_a_summary(tmp_path, capsys):
    d = _folder(tmp_path)
    code = main(["analyze", str(d), "-e", EXERCISE, "--out", str(tmp_path / "out"), "-q"])
    out = capsys.readouterr().out
    assert code == 2, "one file failed, so the batch says so"
    assert "2 of 3 analysed" in out
    rows = _summary(tmp_path / "out")
    assert [Path(r["file"]).name for r in rows] == [
        "broken.npz",
        "neck_side_tilt_hold_front.npz",
        "neck_side_tilt_short_front.npz",
    ]
    assert rows[0]["status"] == "failed" and "cannot read landmark track" in rows[0]["error"]
    assert rows[1]["status"] == "ok" and rows[1]["reps"] == "4"
    assert set(_reports(tmp_path / "out")) == {"neck_side_tilt_hold_front", "neck_side_tilt_short_front"}


def test_two_jobs_give_the_same_reports_and_summary_as_one(tmp_path, capsys):
    d = _folder(tmp_path)
    main(["analyze", str(d), "-e", EXERCISE, "--out", str(tmp_path / "one"), "-q", "--jobs", "1"])
    main(["analyze", str(d), "-e", EXERCISE, "--out", str(tmp_path / "two"), "-q", "--jobs", "2"])
    capsys.readouterr()
    assert _reports(tmp_path / "one") == _reports(tmp_path / "two")
    one, two = _summary(tmp_path / "one"), _summary(tmp_path / "two")
    assert len(one) == 3
    drop_out = [{k: v for k, v in r.items() if k != "out"} for r in one]
    assert drop_out == [{k: v for k, v in r.items() if k != "out"} for r in two], "input order either way"


def test_batch_needs_an_output_folder(tmp_path, capsys):
    d = _folder(tmp_path)
    code = main(["analyze", str(d), "-e", EXERCISE, "-q"])
    assert code == 2
    assert "needs --out DIR" in capsys.readouterr().err


def test_careless_inputs_are_failed_rows_and_the_others_finish(tmp_path, capsys):
    """A zero-byte file, an fps = 0 track and an input named like the summary
    used to abort the whole batch with a traceback and no summary.csv."""
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(SHORT, d / "good.npz")
    shutil.copy(SHORT, d / "summary.csv.npz")
    (d / "empty.npz").write_bytes(b"")
    track = dict(np.load(SHORT))
    track["fps"] = np.array(0.0)
    np.savez(d / "fps0.npz", **track)
    out = tmp_path / "out"

    code = main(["analyze", str(d), "-e", EXERCISE, "--out", str(out), "-q", "--jobs", "2"])

    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    assert "2 of 4 analysed" in captured.out
    rows = _by_name(_summary(out))
    assert set(rows) == {"empty.npz", "fps0.npz", "good.npz", "summary.csv.npz"}
    for name in ("good.npz", "summary.csv.npz"):
        assert rows[name]["status"] == "ok" and rows[name]["reps"] == "1", rows[name]
        assert (Path(rows[name]["out"]) / "report.json").is_file()
    for name in ("empty.npz", "fps0.npz"):
        assert rows[name]["status"] == "failed" and rows[name]["out"] == ""
        assert name in rows[name]["error"] or "Error" in rows[name]["error"], rows[name]
        assert "\n" not in rows[name]["error"]
    assert (out / "summary.csv").is_file()
    assert Path(rows["summary.csv.npz"]["out"]).name == "summary.csv_"
    assert not (out / "summary.csv.tmp").exists()


def _kill_own_process_on_b(path: Path, exercise_arg: str, opts: AnalyzeOptions, out: Path) -> dict[str, Any]:
    """The per-file task of the killed-worker test: b.npz dies as the OOM
    killer would kill it (SIGKILL: no handler, no goodbye); others run as usual."""
    if path.name == "b.npz":
        os.kill(os.getpid(), signal.SIGKILL)
    return analyze_one(path, exercise_arg, opts, out)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_whose_process_is_killed_is_failed_and_the_rest_finish(tmp_path, jobs):
    paths = _short_tracks(tmp_path / "in", "abc")
    out = tmp_path / "out"

    rows = run_batch(paths, EXERCISE, AnalyzeOptions(), out, jobs, False, task=_kill_own_process_on_b)

    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]
    assert rows[1]["error"] == "worker killed (signal 9, SIGKILL; out of memory?), twice"
    assert [r["status"] for r in _summary(out)] == ["ok", "failed", "ok"]
    assert set(_reports(out)) == {"a", "c"}


def _kill_own_process_once_on_b(path: Path, exercise_arg: str, opts: AnalyzeOptions, out: Path) -> dict[str, Any]:
    """b.npz's first process is killed (a marker file beside it says it
    was); its retry runs as usual."""
    marker = path.with_suffix(".killed")
    if path.name == "b.npz" and not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return analyze_one(path, exercise_arg, opts, out)


def test_a_file_whose_process_is_killed_once_is_retried(tmp_path):
    paths = _short_tracks(tmp_path / "in", "abc")
    rows = run_batch(paths, EXERCISE, AnalyzeOptions(), tmp_path / "out", 2, False, task=_kill_own_process_once_on_b)
    assert [r["status"] for r in rows] == ["ok", "ok", "ok"]
    assert (tmp_path / "in" / "b.killed").exists()
    assert rows[1] == {**rows[0], "file": str(paths[1]), "out": str(tmp_path / "out" / "b")}


def test_a_file_whose_process_cannot_start_is_failed(tmp_path, monkeypatch):
    def no_fork(self: BaseProcess) -> None:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(BaseProcess, "start", no_fork)
    rows = run_batch(
        [SHORT, SHORT.with_name("neck_side_tilt_hold_front.npz")],
        EXERCISE,
        AnalyzeOptions(),
        tmp_path / "out",
        2,
        False,
    )
    assert [r["error"] for r in rows] == ["cannot start a worker process (Resource temporarily unavailable)"] * 2
    assert [r["status"] for r in _summary(tmp_path / "out")] == ["failed", "failed"]


def _raise(*_args: Any, **_kwargs: Any) -> None:
    raise ZeroDivisionError("float division by zero")


def test_an_unexpected_error_in_a_file_is_its_row_with_type_and_message(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "analyze_path", _raise)
    row = analyze_one(SHORT, EXERCISE, AnalyzeOptions(), tmp_path / "r")
    assert row["status"] == "failed" and row["out"] == ""
    assert row["error"].startswith("ZeroDivisionError: float division by zero at test_batch.py:")
    assert row["error"].endswith("(a bug in posecheck; please report it)")


def test_a_user_error_in_a_file_is_its_row_as_is(tmp_path):
    row = analyze_one(tmp_path / "missing.npz", EXERCISE, AnalyzeOptions(), tmp_path / "r")
    assert row == {
        "file": str(tmp_path / "missing.npz"),
        "status": "failed",
        "error": f"{tmp_path / 'missing.npz'}: no such file",
        "out": "",
    }


def test_summary_has_each_row_on_disk_as_its_file_finishes(tmp_path):
    paths = _short_tracks(tmp_path, "ab")
    out = tmp_path / "out"
    seen: list[list[dict[str, str]]] = []

    run_batch(paths, EXERCISE, AnalyzeOptions(), out, 1, False, on_row=lambda row: seen.append(_summary(out)))

    assert [[Path(r["file"]).name for r in rows] for rows in seen] == [["a.npz"], ["a.npz", "b.npz"]]
    assert seen[0][0]["status"] == "ok"


def _wait_forever_on_b(path: Path, exercise_arg: str, opts: AnalyzeOptions, out: Path) -> dict[str, Any]:
    """b.npz: note the process id, then never finish (a file still running
    when the batch is stopped). a.npz: finish once b is running."""
    started = path.parent / "b.pid"
    if path.name == "b.npz":
        started.write_text(str(os.getpid()))
        while True:
            signal.pause()
    while not started.exists():
        time.sleep(0.01)  # poll for b's state; no duration is assumed
    return analyze_one(path, exercise_arg, opts, out)


def test_a_stopped_batch_keeps_the_finished_rows_and_ends_the_running_files(tmp_path):
    paths = _short_tracks(tmp_path, "ab")
    out = tmp_path / "out"

    def interrupt(row: dict[str, Any]) -> None:
        raise KeyboardInterrupt  # Ctrl-C as the first file finishes

    with pytest.raises(KeyboardInterrupt):
        run_batch(paths, EXERCISE, AnalyzeOptions(), out, 2, False, task=_wait_forever_on_b, on_row=interrupt)

    assert [Path(r["file"]).name for r in _summary(out)] == ["a.npz"]
    with pytest.raises(ProcessLookupError):
        os.kill(int((tmp_path / "b.pid").read_text()), 0)  # ended and reaped, not left running


def test_an_input_where_the_batch_writes_is_refused_before_any_work(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    old = out / "summary.csv"
    old.write_text("a summary the user asks to analyse")
    with pytest.raises(PosecheckError, match="the batch writes its output here"):
        run_batch([SHORT, old], EXERCISE, AnalyzeOptions(), out, 1, False)
    assert old.read_text() == "a summary the user asks to analyse"
    assert sorted(p.name for p in out.iterdir()) == ["summary.csv"]


def test_report_folders_never_collide_with_each_other_or_the_summary():
    out = Path("/o")
    names = ["summary.csv.npz", "Summary.CSV.mp4", "a.mp4", "a.npz", "A.npz", "..npz", "...npz", "summary.csv.tmp.mp4"]
    dirs = report_dirs([Path("/in") / n for n in names], out)
    folded = [d.name.casefold() for d in dirs]
    assert len(set(folded)) == len(names)
    assert not set(folded) & {"summary.csv", "summary.csv.tmp", ".", ".."}
    assert all(d.parent == out for d in dirs)
    assert [d.name for d in dirs][:4] == ["summary.csv_", "Summary.CSV__", "a", "a_"]


@pytest.mark.parametrize(
    ("requested", "n_files", "cpus", "expected"),
    [
        (300, 5, 2, 2),  # never more than the cores
        (300, 3, 64, 3),  # nor than the files
        (2, 10, 8, 2),  # what was asked for when it fits
        (1, 10, 8, 1),
        (4, 0, 8, 1),  # at least one
    ],
)
def test_jobs_are_capped_at_files_and_cores(requested, n_files, cpus, expected):
    assert batch_jobs(requested, n_files, cpus) == expected


@pytest.mark.parametrize("requested", [0, -3])
def test_jobs_below_one_is_one_line(requested):
    with pytest.raises(PosecheckError, match=rf"^--jobs must be a whole number >= 1, got {requested}$"):
        batch_jobs(requested, 3, 2)


def test_a_batch_starts_no_more_processes_than_the_cap(tmp_path, monkeypatch):
    started: list[int] = []

    def spy(work, task, jobs, on_row):
        started.append(jobs)
        for index, (path, *_rest) in work:
            on_row(index, {"file": str(path), "status": "ok"})

    monkeypatch.setattr(batch, "usable_cores", lambda: 2)
    monkeypatch.setattr(batch, "_run_processes", spy)
    run_batch([tmp_path / f"{i}.npz" for i in range(5)], EXERCISE, AnalyzeOptions(), tmp_path / "o", 300, False)
    assert started == [2]


def test_a_file_name_that_is_not_utf8_is_analysed_and_named_by_its_bytes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.npz")  # Latin-1, as copied from an old system
    shutil.copy(SHORT, folder / name)
    out = tmp_path / "out"
    rows = run_batch([folder / name], EXERCISE, AnalyzeOptions(), out, 1, False)
    assert rows[0]["status"] == "ok", rows[0]
    assert b"caf\xe9.npz" in (out / "summary.csv").read_bytes()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "caf\\xe9.npz" in index and 'href="caf%E9/report.html"' in index
    assert (Path(rows[0]["out"]) / "report.html").read_text(encoding="utf-8")


def test_ctrl_c_while_a_worker_is_forked_is_held_until_after_it(tmp_path):
    """Raised inside a fork, a KeyboardInterrupt lands in an at-fork hook and is dropped."""
    with batch._ctrl_c_held() as caught:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(10_000):  # Python runs the handler between bytecodes: no KeyboardInterrupt here
            if caught:
                break
    assert caught == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
