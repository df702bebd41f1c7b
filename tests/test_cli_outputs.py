"""The CLI's error boundary, its number options and its outputs: checked
before any work, written whole or not at all, and named as written."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from posecheck import cli, commands
from posecheck.errors import PosecheckError
from posecheck.io.report import write_report
from posecheck.outputs import check_output_dir, check_output_file, write_atomically
from posecheck.ui.render_video import track_rows_for_frames

from conftest import SAMPLES, needs_mediapipe, one_line_error, run_cli

TRACK = SAMPLES / "neck_side_tilt_short_front.npz"
ANALYZE = ["analyze", str(TRACK), "-e", "neck_side_tilt_hold", "-q"]


run = run_cli
one_line = one_line_error


@pytest.mark.parametrize(
    "option, value",
    [
        ("--hold-s", "nan"),
        ("--hold-s", "-1"),
        ("--pain-at", "nan"),
        ("--pain-at", "inf"),
        ("--calibrate-at", "-inf"),
        ("--reps", "0"),
        ("--reps", "2.5"),
        ("--reps", "99999999999999999999"),
        ("--hold-s", "0"),
        ("--hold-s", "1e9"),
        ("--jobs", "0"),
        ("--jobs", "-3"),
        ("--stride", "0"),
        ("--max-size", "10"),
        ("--max-size", "nan"),
    ],
)
def test_a_number_option_outside_its_range_is_one_line(capsys, option, value):
    code, _, err = run(capsys, *ANALYZE, f"{option}={value}")
    assert code == 2
    line = one_line(err)
    assert option in line and repr(value) in line


def test_a_usage_error_is_one_line_not_the_whole_usage(capsys):
    code, _, err = run(capsys, "analyze")
    assert code == 2
    assert "posecheck analyze --help" in one_line(err)


@pytest.mark.parametrize("under, message", [("", "exists and is not a folder"), ("sub", "is not a folder")])
def test_out_that_cannot_be_a_folder_is_refused_before_any_work(capsys, tmp_path, monkeypatch, under, message):
    monkeypatch.setattr(commands, "analyze_path", _must_not_run)
    (tmp_path / "f").write_text("x")
    code, _, err = run(capsys, *ANALYZE, "--out", str(tmp_path / "f" / under))
    assert code == 2
    assert message in one_line(err)


def test_out_is_created_with_its_parents(capsys, tmp_path):
    out = tmp_path / "a" / "b"
    code, stdout, _ = run(capsys, *ANALYZE, "--out", str(out))
    assert code == 0
    assert (out / "report.json").is_file() and (out / "metrics.csv").is_file()
    assert f"wrote {out}" in stdout


@pytest.mark.parametrize(
    "target, message",
    [
        (lambda d: d, "is a folder"),
        (lambda d: d / "missing" / "r.json", "does not exist"),
    ],
)
def test_json_to_a_folder_or_a_missing_folder_is_refused_first(capsys, tmp_path, monkeypatch, target, message):
    monkeypatch.setattr(commands, "analyze_path", _must_not_run)
    code, _, err = run(capsys, *ANALYZE, "--json", str(target(tmp_path)))
    assert code == 2
    assert message in one_line(err)


def test_json_over_its_own_input_is_refused_and_the_input_kept(capsys, tmp_path):
    track = tmp_path / "t.npz"
    shutil.copy(TRACK, track)
    before = track.read_bytes()
    code, _, err = run(capsys, "analyze", str(track), "-e", "neck_side_tilt_hold", "-q", "--json", str(track))
    assert code == 2
    assert "is the input" in one_line(err)
    assert track.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only folders")
def test_a_read_only_out_folder_is_refused(capsys, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code, _, err = run(capsys, *ANALYZE, "--out", str(ro / "x"))
    finally:
        ro.chmod(0o700)
    assert code == 2
    assert "permission denied" in one_line(err)


def test_extract_checks_its_output_before_running_the_model(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(commands, "load_track", _must_not_run)
    code, _, err = run(
        capsys,
        "extract",
        str(SAMPLES / "neck_side_tilt_short_front.mp4"),
        "-o",
        str(tmp_path / "missing" / "t.npz"),
        "-q",
    )
    assert code == 2
    assert "does not exist" in one_line(err)


def test_extract_names_the_file_it_wrote(capsys, tmp_path, monkeypatch):
    from posecheck.core.track import LandmarkTrack

    monkeypatch.setattr(commands, "load_track", lambda *a, **k: LandmarkTrack.load(TRACK))
    code, out, _ = run(
        capsys, "extract", str(SAMPLES / "neck_side_tilt_short_front.mp4"), "-o", str(tmp_path / "name"), "-q"
    )
    assert code == 0
    assert (tmp_path / "name.npz").is_file()
    assert f"wrote {tmp_path / 'name.npz'}:" in out


def test_a_pipe_named_like_a_video_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "posecheck", "analyze", str(fifo), "-e", "neck_side_tilt_hold"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "not a regular file" in one_line(proc.stderr)


def test_routine_steps_starting_after_the_recording_are_refused(capsys):
    code, _, err = run(
        capsys,
        "analyze",
        str(TRACK),
        "-r",
        "cervical_complex",
        "--steps-at",
        ",".join(str(100 * (i + 1)) for i in range(_routine_steps("cervical_complex") - 1)),
    )
    assert code == 2
    assert "after the recording ends" in one_line(err)


@pytest.mark.parametrize("steps_at", ["nan", "-5"])
def test_routine_step_times_must_be_seconds(capsys, steps_at):
    n = _routine_steps("cervical_complex")
    code, _, err = run(
        capsys, "analyze", str(TRACK), "-r", "cervical_complex", "--steps-at", ",".join([steps_at] * (n - 1))
    )
    assert code == 2
    assert "--steps-at" in one_line(err)


def test_a_full_disk_leaves_no_half_written_report(tmp_path, monkeypatch):
    target = tmp_path / "report.json"

    def full(self, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(PosecheckError, match="No space left on device"):
        write_report({"schema": 1}, target)
    assert list(tmp_path.iterdir()) == []


def test_an_atomic_write_keeps_the_old_file_when_it_fails(tmp_path):
    target = tmp_path / "summary.txt"
    target.write_text("old")

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(PosecheckError):
        write_atomically(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.txt"]


def test_the_boundary_turns_an_os_error_the_user_can_fix_into_one_line(capsys, monkeypatch):
    def full(args):
        raise OSError(errno.ENOSPC, "No space left on device", "/data/out/report.json")

    monkeypatch.setattr(cli, "list_command", full)
    code, _, err = run(capsys, "list")
    assert code == 2
    assert one_line(err) == "posecheck: error: /data/out/report.json: No space left on device"


def test_a_bug_is_reported_as_a_bug_with_exit_1(capsys, monkeypatch):
    def bug(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "list_command", bug)
    monkeypatch.setattr(sys, "argv", ["posecheck", "list"])
    assert cli.run() == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "please report it" in err.splitlines()[-1]


def test_a_cut_video_is_said_to_be_cut(capsys):
    """The reader decides (tests/io: VideoReader.cut_short); the bar prints its line."""
    bar = commands.FrameBar("clip.mp4", enabled=False)
    for done in range(1, 173):
        bar(done, 382)
    bar.cut_short(
        "clip.mp4: read 172 of the 382 frames its header gives (a cut or broken file?): analysed what could be read"
    )
    bar.close()
    assert one_line(capsys.readouterr().err) == (
        "posecheck: warning: clip.mp4: read 172 of the 382 frames its header "
        "gives (a cut or broken file?): analysed what could be read"
    )
    whole = commands.FrameBar("clip.mp4", enabled=False)
    for done in range(1, 382):
        whole(done, 382)
    whole.close()
    assert capsys.readouterr().err == ""


def test_every_source_frame_gets_the_overlay_of_its_own_time():
    frames_t = np.arange(10) / 10.0
    # --stride 2: the track has every other frame.
    rows = track_rows_for_frames(frames_t, frames_t[::2])
    assert rows.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    # A track cut at 0.5 s (--pain-at): the video ends with it.
    assert track_rows_for_frames(frames_t, frames_t[:6]).tolist() == [0, 1, 2, 3, 4, 5, -1, -1, -1, -1]


def test_output_checks_as_functions(tmp_path):
    check_output_dir(tmp_path / "new" / "deeper", "--out")
    check_output_file(tmp_path / "r.json", "--json")
    with pytest.raises(PosecheckError, match="--json"):
        check_output_file(tmp_path, "--json")


def _must_not_run(*args, **kwargs):
    raise AssertionError("the work started before the outputs were checked")


def _routine_steps(routine_id: str) -> int:
    from posecheck.spec import load_routine

    return len(load_routine(routine_id).steps)


def test_an_annotated_video_that_did_not_reach_the_disk_is_not_called_written(tmp_path, monkeypatch):
    import posecheck.ui.render_video as rv
    from posecheck.core.analysis import analyze_track
    from posecheck.core.track import LandmarkTrack
    from posecheck.spec import load_exercise

    class LosingWriter:  # what OpenCV's writer does on a full disk: no error, no frames
        def __init__(self, *args):
            pass

        def isOpened(self) -> bool:
            return True

        def write(self, frame) -> None:
            pass

        def release(self) -> None:
            pass

    result = analyze_track(LandmarkTrack.load(TRACK), load_exercise("neck_side_tilt_hold"))
    monkeypatch.setattr(rv.cv2, "VideoWriter", LosingWriter)
    with pytest.raises(PosecheckError, match="could not be written whole"):
        rv.write_annotated_video(SAMPLES / "neck_side_tilt_short_front.mp4", result, tmp_path / "annotated.mp4", False)
    assert list(tmp_path.iterdir()) == []


@needs_mediapipe
@pytest.mark.model
def test_stride_keeps_every_source_frame_in_the_annotated_video(capsys, tmp_path):
    import cv2

    video = SAMPLES / "neck_side_tilt_short_front.mp4"
    code, _, _ = run(
        capsys, "analyze", str(video), "-e", "neck_side_tilt_hold", "-q", "--stride", "2", "--out", str(tmp_path)
    )
    assert code == 0
    frames = [int(cv2.VideoCapture(str(p)).get(cv2.CAP_PROP_FRAME_COUNT)) for p in (video, tmp_path / "annotated.mp4")]
    assert frames[0] > 300 and frames[1] == frames[0]
    assert json.loads((tmp_path / "report.json").read_text())["frames"] == (frames[0] + 1) // 2


@pytest.mark.parametrize("keys", ["nan:p", "inf:q", "-1:n", "1e400:p"])
def test_scripted_key_times_are_seconds(keys):
    from posecheck.ui.keys import parse_keys

    with pytest.raises(PosecheckError, match="--keys"):
        parse_keys(keys)


def test_live_checks_its_source_and_frames_folder_first(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path / "home"))
    (tmp_path / "f").write_text("x")
    code, _, err = run(
        capsys,
        "live",
        "-e",
        "squat",
        "--source",
        str(SAMPLES / "neck_side_tilt_short_front.mp4"),
        "--frames-out",
        str(tmp_path / "f"),
        "--headless",
        "--accept-notice",
    )
    assert code == 2
    assert "--frames-out" in one_line(err)


@pytest.mark.parametrize("option", ["--pain-at", "--calibrate-at"])
def test_a_time_after_the_recording_ends_is_refused(capsys, option):
    code, _, err = run(capsys, *ANALYZE, option, "999")
    assert code == 2 and "after the recording ends (25.5 s)" in one_line(err)


def test_out_over_its_own_input_is_refused_and_the_input_kept(capsys, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    video = folder / "annotated.mp4"
    shutil.copy(SAMPLES / "supine_pelvic_press_far_side.mp4", video)
    before = video.read_bytes()
    code, _, err = run(capsys, "analyze", str(video), "-e", "supine_pelvic_press", "--out", str(folder), "-q")
    assert code == 2 and "writes its reports over this file" in one_line(err)
    assert video.read_bytes() == before and sorted(p.name for p in folder.iterdir()) == ["annotated.mp4"]


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "exercises/neck_side_tilt_hold.toml"],
        ["show", "neck_side_tilt_hold"],
        ["analyze", str(TRACK), "-e", "neck_side_tilt_hold", "--json", "-"],
        ["list"],
    ],
)
def test_a_reader_that_goes_away_is_not_an_error(argv):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before posecheck writes a byte
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "posecheck", *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
            cwd=Path(__file__).resolve().parents[1],
        )
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (0, "")


def test_a_model_bundle_without_its_models_is_one_line(capsys, tmp_path):
    import zipfile

    bundle = tmp_path / "empty.task"
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr("readme.txt", "not a model")
    video = SAMPLES / "supine_pelvic_press_far_side.mp4"
    code, _, err = run(capsys, "analyze", str(video), "-e", "supine_pelvic_press", "--model", str(bundle), "-q")
    assert code == 2 and "cannot load as a PoseLandmarker bundle" in one_line(err)


@pytest.mark.model
@pytest.mark.parametrize("stride", [7, 1000])
def test_a_strided_analysis_reports_the_videos_own_length(capsys, stride):
    video = SAMPLES / "supine_pelvic_press_far_side.mp4"  # 210 frames at 15 fps: 14.0 s
    code, out, err = run(
        capsys, "analyze", str(video), "-e", "supine_pelvic_press", "--stride", str(stride), "--json", "-"
    )
    assert code == 0, err
    assert json.loads(out)["duration_s"] == 14.0  # was 14.4 with --stride 7 and 66.7 with --stride 1000


def test_a_time_after_a_videos_end_is_refused_before_the_model_runs(capsys, monkeypatch):
    from posecheck.io.sources import mediapipe_pose

    def no_model(*args, **kwargs):
        raise AssertionError("the model ran")

    monkeypatch.setattr(mediapipe_pose, "MediaPipePoseEstimator", no_model)
    video = SAMPLES / "supine_pelvic_press_far_side.mp4"  # 14.0 s by its header
    code, _, err = run(capsys, "analyze", str(video), "-e", "supine_pelvic_press", "--calibrate-at", "20", "-q")
    assert code == 2 and "--calibrate-at 20 s: after the recording ends" in one_line(err)


def test_the_annotated_video_of_a_variable_frame_rate_keeps_time(tmp_path):
    """neck_rotation_hold_front_lowlight_vfr: 840 frames over 70 s, half of
    them 1/15 s apart, from 12 s to 40 s 2/15 s apart (the header: 12 fps).
    Written at 12 fps its full-rate parts played 20% slow and its half-rate
    part 60% fast; at 15 fps, each frame as long as it lasts, it is 70 s and
    the hold timer keeps time."""
    import cv2

    from posecheck.core.analysis import analyze_track
    from posecheck.core.track import LandmarkTrack
    from posecheck.spec import load_exercise
    from posecheck.ui import render_video as rv

    name = "neck_rotation_hold_front_lowlight_vfr"
    result = analyze_track(LandmarkTrack.load(SAMPLES / f"{name}.npz"), load_exercise("neck_rotation_hold"))
    rv.write_annotated_video(SAMPLES / f"{name}.mp4", result, tmp_path / "annotated.mp4", False)
    cap = cv2.VideoCapture(str(tmp_path / "annotated.mp4"))
    assert cap.get(cv2.CAP_PROP_FPS) == 15.0 and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 1050
    cap.release()
