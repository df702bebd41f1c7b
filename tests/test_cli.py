"""The command line, in-process: every bad input is one line and exit 2."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.cli import build_parser
from posecheck.core.track import LandmarkTrack

from conftest import ROOT, SAMPLES, make_track_arrays, needs_mediapipe, one_line_error, run_cli

SUBCOMMANDS = ["list", "show", "validate", "extract", "analyze"]


run = run_cli


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run posecheck expecting a user error: exit 2 and the one line it prints."""
    code, _, err = run(capsys, *argv)
    assert code == 2
    return one_line_error(err)


@pytest.mark.parametrize("cmd", SUBCOMMANDS)
def test_help_for_each_subcommand(cmd, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([cmd, "--help"])
    assert exc.value.code == 0
    assert cmd in capsys.readouterr().out


def test_list_shows_every_bundled_exercise(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for ex_id in ("squat", "neck_side_tilt_hold", "plank", "shoulder_raises"):
        assert f"\n{ex_id} " in out


def test_show_prints_instructions_and_prescription(capsys):
    code, out, _ = run(capsys, "show", "neck_flexion_extension_hold")
    assert code == 0
    assert "prescription:" in out and "hold 10 s" in out
    assert "safety [stop] neck_overextension" in out


def test_show_names_the_position_a_hold_is_timed_in_with_its_other_readings(capsys, tmp_path):
    code, out, _ = run(capsys, "show", "plank")
    assert code == 0
    held = next(line for line in out.splitlines() if line.startswith("held while: "))
    assert "150 <= body_line_deg" in held
    assert "145 <= knee_deg" in held
    assert "2 <= hip_lift_deg <= 30" in held
    # A condition with another reading of it ([[hold.when.or]]): a plank
    # held on the forearms, read by the elbow or the shoulders' height.
    forearms = (
        (ROOT / "exercises" / "plank.toml")
        .read_text()
        .replace(
            "[metrics]\n",
            '[metrics]\nelbow_deg = { joint = ["shoulder", "elbow", "wrist"], side = "visible" }\n'
            'shoulder_lift_deg = { elevation = ["ankle", "shoulder"], side = "visible" }\n',
        )
    )
    forearms += (
        '[[hold.when]]\nmetric = "elbow_deg"\nmax = 125.0\n[[hold.when.or]]\nmetric = "shoulder_lift_deg"\nmax = 13.0\n'
    )
    (tmp_path / "plank.toml").write_text(forearms)
    code, out, _ = run(capsys, "show", str(tmp_path / "plank.toml"))
    assert code == 0
    held = next(line for line in out.splitlines() if line.startswith("held while: "))
    assert "elbow_deg <= 125 or shoulder_lift_deg <= 13" in held


def test_show_gives_the_thresholds_a_rep_is_counted_on(capsys):
    code, out, _ = run(capsys, "show", "donkey_kick")
    assert code == 0
    counted = next(line for line in out.splitlines() if line.startswith("counted on: "))
    assert "left_thigh_elevation_deg from -65 (neutral) to -20 (end), partial past -42 [left]" in counted
    assert "[right]" in counted
    assert "counted on: " not in run(capsys, "show", "plank")[1]  # a static hold has no reps
    # A rest bounded by the file (rest_range), its twin's too.
    out = run(capsys, "show", "standing_forward_back_bend")[1]
    counted = next(line for line in out.splitlines() if line.startswith("counted on: "))
    assert counted.count("(from the person's rest, found within -20 to 20)") == 2


def test_unknown_exercise_suggests_the_closest(capsys):
    assert "did you mean neck_side_tilt_hold" in refused(capsys, "show", "neck_tilt_hold")


def test_missing_file(capsys, tmp_path):
    line = refused(capsys, "analyze", str(tmp_path / "nope.mp4"), "-e", "squat", "-q")
    assert line == f"posecheck: error: {tmp_path / 'nope.mp4'}: no such file"


@pytest.mark.parametrize("content", [b"", b"this is not a video at all" * 100])
def test_empty_or_broken_video(capsys, tmp_path, content):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    line = refused(capsys, "analyze", str(bad), "-e", "squat", "-q")
    assert "bad.mp4" in line and ("cannot open as a video" in line or "no readable frames" in line)


def test_broken_exercise_file_names_file_and_key(capsys, tmp_path):
    bad = tmp_path / "mine.toml"
    bad.write_text(
        'schema = 1\nid = "mine"\ntitle = "x"\nkind = "reps"\nposition = "standing"\n'
        'camera_view = "side"\nregions = ["legs"]\ninstructions = "x"\nrequired = []\n'
        '[metrics]\nk = { joint = ["hip", "knee", "ankle"] }\n'
        '[reps]\nmetric = "k"\nneutral = 150\nend = 110\nspeed = 3\n'
    )
    assert "mine.toml: unknown key 'reps.speed'" in refused(capsys, "validate", str(bad))
    assert "mine.toml: unknown key 'reps.speed'" in refused(capsys, "analyze", str(bad), "-e", str(bad), "-q")


def test_validate_all_bundled(capsys):
    code, out, err = run(capsys, "validate")
    assert code == 0 and err == ""
    assert out.count("ok  ") >= 13


def _still_track(path: Path) -> Path:
    t, img, vis, world = make_track_arrays(60)
    LandmarkTrack(t, img, vis, world, 30.0, (640, 480), "test-model", "still.mp4").save(path)
    return path


def test_analyze_a_track_prints_a_summary_and_writes_outputs(capsys, tmp_path):
    track = _still_track(tmp_path / "still.npz")
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "analyze", str(track), "-e", "squat", "--out", str(out_dir), "-q")
    assert code == 0, err
    assert "reps: 0" in out and "model: test-model" in out
    report = json.loads((out_dir / "report.json").read_text())
    assert report["schema"] == 1 and report["frames"] == 60
    header = (out_dir / "metrics.csv").read_text().splitlines()[0]
    assert header.startswith("t_s,pose,usable,knee_deg,hip_deg")


def test_the_report_says_on_how_many_frames_drawn_text_was_painted_out(capsys, tmp_path):
    # A physiotherapist should know the model read an altered picture.
    t, img, vis, world = make_track_arrays(60)
    erased = np.zeros(60, bool)
    erased[10:35] = True
    path = tmp_path / "captioned.npz"
    LandmarkTrack(t, img, vis, world, 30.0, (640, 480), "m", "captioned.mp4", text_erased=erased).save(path)
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "analyze", str(path), "-e", "plank", "--out", str(out_dir), "-q")
    assert code == 0, err
    assert "drawn text painted out before reading the pose: 25/60 frames" in out
    assert json.loads((out_dir / "report.json").read_text())["frames_text_erased"] == 25
    assert "was painted out of 25 of the 60 frames" in (out_dir / "report.html").read_text()


def test_analyze_json_to_stdout_is_pure_json(capsys, tmp_path):
    track = _still_track(tmp_path / "still.npz")
    code, out, _ = run(capsys, "analyze", str(track), "-e", "plank", "--json", "-", "-q")
    assert code == 0
    report = json.loads(out)
    assert report["camera_roll_deg"] is None  # a track without one: the picture showed none
    assert report["frames_with_face"] is None  # a plank reads no face
    assert report["frames_text_erased"] is None  # a track made without the search
    assert set(report) == {
        "schema",
        "exercise",
        "view",
        "source",
        "model",
        "camera_roll_deg",
        "duration_s",
        "frames",
        "frames_with_pose",
        "frames_with_face",
        "frames_text_erased",
        "rest_levels",
        "reps",
        "reps_by_side",
        "partial_reps",
        "rep_events",
        "holds",
        "warnings",
    }


def test_track_with_no_person_is_an_error(capsys, tmp_path):
    t, img, vis, world = make_track_arrays(30)
    img[:] = np.nan
    p = tmp_path / "empty.npz"
    LandmarkTrack(t, img, vis, world, 30.0, (640, 480), "m", "empty.mp4").save(p)
    assert "no person found in any of its 30 frames" in refused(capsys, "analyze", str(p), "-e", "squat", "-q")


def test_overrides_are_checked(capsys, tmp_path):
    track = _still_track(tmp_path / "still.npz")
    line = refused(capsys, "analyze", str(track), "-e", "squat", "--hold-s", "5", "-q")
    assert "exercise 'squat' has no hold" in line


@needs_mediapipe
@pytest.mark.model
def test_video_with_no_person(capsys, tmp_path):
    video = tmp_path / "empty_room.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 15, (320, 240))
    for i in range(20):
        frame = np.full((240, 320, 3), 90 + i, np.uint8)
        writer.write(frame)
    writer.release()
    assert "no person found in any of its 20 frames" in refused(capsys, "analyze", str(video), "-e", "squat", "-q")


@needs_mediapipe
@pytest.mark.model
def test_analyze_bundled_sample_video_end_to_end(capsys, tmp_path):
    video = SAMPLES / "neck_side_tilt_short_front.mp4"
    truth = json.loads((SAMPLES / "neck_side_tilt_short_front.truth.json").read_text())
    code, _, err = run(capsys, "analyze", str(video), "-e", "neck_side_tilt_hold", "--out", str(tmp_path), "-q")
    assert code == 0, err
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["reps"] == truth["reps"]
    assert report["frames_with_pose"] == report["frames"] == truth["frames"]
    assert report["model"].startswith("pose_landmarker_full.task sha256:")
    cap = cv2.VideoCapture(str(tmp_path / "annotated.mp4"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == truth["frames"]
    cap.release()
    # report.html: a thumbnail of each rep, taken from the annotated frames.
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    thumbs = re.findall(r'<img alt="rep \d+" src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(thumbs) == truth["reps"] > 0
    img = cv2.imdecode(np.frombuffer(base64.b64decode(thumbs[0]), np.uint8), cv2.IMREAD_COLOR)
    assert img is not None and img.shape[0] == 160


def test_pain_stop_ends_the_analysis_and_is_recorded(capsys, tmp_path):
    track = _still_track(tmp_path / "still.npz")
    code, out, _ = run(capsys, "analyze", str(track), "-e", "squat", "--pain-at", "1.0", "--json", "-", "-q")
    assert code == 0
    report = json.loads(out)
    assert report["duration_s"] <= 1.04
    [pain] = [w for w in report["warnings"] if w["rule"] == "pain"]
    assert pain["severity"] == "stop" and pain["t_s"] == pytest.approx(1.0)


def test_list_filters_by_region_position_and_view(capsys):
    code, out, _ = run(capsys, "list", "--region", "neck", "--view", "side")
    assert code == 0
    ids = [ln.split()[0] for ln in out.splitlines()[1:]]
    assert "neck_flexion_extension_hold" in ids and "squat" not in ids and "neck_side_tilt_hold" not in ids
    code, out, _ = run(capsys, "list", "--position", "lying")
    assert all(" lying " in ln for ln in out.splitlines()[1:])


def test_show_tells_where_to_put_the_camera(capsys):
    code, out, _ = run(capsys, "show", "glute_bridge")
    assert code == 0
    assert "camera: turn side-on to the camera; camera at floor level" in out
