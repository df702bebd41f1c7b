"""History: exercise results stored per session, listed and plotted."""

from __future__ import annotations

import time

from posecheck.cli import main
from posecheck.sessionlog import ExerciseResult, history_rows, record_result, record_session


def _result(ex: str, reps: int, started_at: float, pain: bool = False) -> ExerciseResult:
    return ExerciseResult(exercise=ex, started_at=started_at, duration_s=60.0, reps=reps, reps_left=None,
                          reps_right=None, partial_reps=0, holds=0, hold_s=0.0, range_of_motion=20.0 + reps,
                          warnings=0, stopped_for_pain=pain)


def test_history_lists_and_plots_progress(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    now = time.time()
    for day, reps in enumerate((6, 8, 10)):
        sid = f"s{day}"
        record_session(sid, now - (3 - day) * 86400, "camera 0", tmp_path / f"{sid}.jsonl")
        record_result(sid, 0, _result("squat", reps, now - (3 - day) * 86400))
        record_result(sid, 1, _result("neck_side_tilt_hold", 2, now - (3 - day) * 86400 + 60, pain=day == 2))
    assert [r["reps"] for r in history_rows(exercise="squat")] == [6, 8, 10]
    plot = tmp_path / "progress.png"
    assert main(["history", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert out.count("squat") == 3 and "STOPPED" in out
    assert plot.stat().st_size > 10_000
    import cv2

    img = cv2.imread(str(plot))
    assert img is not None and img.shape[0] > 400  # two panels


def test_empty_history_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    assert main(["history"]) == 0
    assert "no sessions recorded yet" in capsys.readouterr().out
