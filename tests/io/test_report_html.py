"""report.html and the batch's index.html: content, escaping, self-containment,
and (marked `browser`) what headless Chromium makes of them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from posecheck.core.analysis import analyze_track
from posecheck.core.track import LandmarkTrack
from posecheck.io.report import build_report, summary_text
from posecheck.io.report_html import html_report, write_batch_index, write_html_report
from posecheck.spec import load_exercise

from conftest import SAMPLES

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "<script>alert('title')</script>"


def _page(exercise, clip: str, options: dict | None = None) -> str:
    track = LandmarkTrack.load(SAMPLES / f"{clip}.npz")
    result = analyze_track(track, exercise)
    return html_report(result, build_report(result, f"{clip}.mp4"), options or {})


def test_a_hold_exercise_page_has_the_prescription_the_holds_and_a_plot_per_held_metric():
    ex = load_exercise("neck_side_tilt_hold")
    html = _page(ex, "neck_side_tilt_hold_faults_front", {"--reps": 4})
    assert ex.title in html and "Prescribed and done" in html
    assert len(re.findall(r"<tr><td>\d+</td><td>(left|right)</td>", html)) == 3  # three holds
    assert "2 of 3" in html  # holds done of holds
    plotted = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(plotted) == 2  # tilt_left_deg and tilt_right_deg
    assert all(len(p) > 1000 for p in plotted)
    assert "--reps 4" in html  # the options used


def test_the_page_says_whether_the_head_was_read_from_the_face_mesh():
    tilt = _page(load_exercise("neck_side_tilt_hold"), "neck_side_tilt_hold_head_front")
    assert re.search(r"The head's tilt and nod were read from the face mesh in \d+ of those frames", tilt)
    assert "face mesh" not in _page(load_exercise("plank"), "plank_side_render")  # reads no face measure


def test_the_page_says_when_the_camera_was_levelled():
    plank = load_exercise("plank")
    tilted = _page(plank, "plank_side_render_tilt_room")
    assert "The camera was turned 6.0 deg clockwise" in tilted
    assert "camera was turned" not in _page(plank, "plank_side_render")


def test_a_rep_exercise_page_has_each_reps_range_of_motion():
    html = _page(load_exercise("glute_bridge"), "glute_bridge_side")
    rows = re.findall(r"<tr><td>(\d+)</td><td>[\d.]+</td><td>", html)
    assert rows == ["1", "2", "3", "4", "5"]


def test_the_page_is_self_contained():
    html = _page(load_exercise("glute_bridge"), "glute_bridge_side")
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_names_and_messages_from_an_exercise_file_are_escaped(tmp_path):
    text = (ROOT / "exercises" / "glute_bridge.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^title = ".*"$', f'title = "{HOSTILE}"', text, count=1)
    hostile = tmp_path / "glute_bridge.toml"
    hostile.write_text(text, encoding="utf-8")
    ex = load_exercise(str(hostile))
    assert ex.title == HOSTILE
    html = _page(ex, "glute_bridge_side")
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in html


def test_a_batch_index_links_each_report_and_names_the_failures(tmp_path):
    ok_dir = tmp_path / "a"
    ok_dir.mkdir()
    (ok_dir / "report.html").write_text("<html></html>")
    rows = [
        {"file": "clips/a.mp4", "status": "ok", "error": "", "out": str(ok_dir), "exercise": "glute_bridge", "reps": 5},
        {"file": f"clips/{HOSTILE}.mp4", "status": "failed", "error": "no person found", "out": ""},
    ]
    write_batch_index(rows, tmp_path)
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="a/report.html"' in html
    assert "1 of 2 files analysed" in html and "failed: no person found" in html
    assert "<script" not in html


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _screenshot(page: Path, png: Path, profile: Path) -> str:
    """Render `page` in headless Chromium to `png`; its log (stderr)."""
    chrome = _chromium()
    assert chrome is not None
    done = subprocess.run(
        [
            chrome,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1000,1400",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr


@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (Debian's chromium package)")
def test_both_pages_render_in_a_real_browser_with_no_console_message(tmp_path):
    import cv2

    ex = load_exercise("neck_side_tilt_hold")
    track = LandmarkTrack.load(SAMPLES / "neck_side_tilt_hold_faults_front.npz")
    result = analyze_track(track, ex)
    out = tmp_path / "a"
    out.mkdir()
    write_html_report(result, build_report(result, "clip.mp4"), {}, out / "report.html")
    write_batch_index([{"file": "clip.mp4", "status": "ok", "error": "", "out": str(out), "reps": 2}], tmp_path)
    for page in (out / "report.html", tmp_path / "index.html"):
        png = page.with_suffix(".png")
        log = _screenshot(page, png, tmp_path / f"profile-{page.parent.name}")
        # The pages have no script: any console line is a failed resource or an error.
        assert "CONSOLE" not in log, log
        img = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
        assert img is not None and img.shape[0] > 500
        assert float(np.std(img)) > 10.0  # not blank: text, tables and (on the report) plots


@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (Debian's chromium package)")
def test_the_history_page_renders_in_a_real_browser(tmp_path, monkeypatch):
    import time

    import cv2

    from posecheck.io.report_html import write_history_html
    from posecheck.io.sessionlog import ExerciseResult, history_rows, record_result, record_session

    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    now = time.time()
    for day, reps in enumerate((5, 7, 9, 10)):
        t = now - (4 - day) * 86400
        record_session(f"s{day}", t, "camera 0", tmp_path / f"s{day}.jsonl")
        record_result(
            f"s{day}",
            0,
            ExerciseResult("glute_bridge", t, 60.0, reps, None, None, 1, 0, 0.0, 20.0 + reps, 0, day == 3, "mild"),
        )
    page = tmp_path / "history.html"
    write_history_html(history_rows(), page)
    log = _screenshot(page, tmp_path / "history.png", tmp_path / "profile")
    assert "CONSOLE" not in log, log
    img = cv2.imread(str(tmp_path / "history.png"), cv2.IMREAD_GRAYSCALE)
    assert img is not None and float(np.std(img)) > 10.0


def test_warnings_and_faults_are_drawn_as_written_even_with_a_dollar_sign():
    # Matplotlib reads $...$ as maths: a message from an exercise file with a
    # lone or odd `$` must neither break the plot nor change the words.
    from dataclasses import replace

    ex = load_exercise("neck_side_tilt_hold")
    track = LandmarkTrack.load(SAMPLES / "neck_side_tilt_hold_circle_front.npz")
    result = analyze_track(track, ex)
    assert result.warnings
    result.warnings = [replace(w, message=r"costs $5 and $\frac{1}{ more") for w in result.warnings]
    html = html_report(result, build_report(result, "clip.mp4"), {})
    assert "costs $5 and $\\frac{1}{ more" in html  # the table has the whole message
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 2


def test_a_rep_thumbnail_is_the_person_cut_out_at_a_fixed_height():
    import base64

    import cv2

    from posecheck.io.report_html import THUMB_HEIGHT_PX, rep_thumbnail

    frame = np.zeros((480, 640, 3), np.uint8)
    px = np.full((33, 2), np.nan)
    px[:10] = [[300 + 4 * i, 100 + 20 * i] for i in range(10)]  # a person 36 x 180 px

    def decoded(b64: str) -> np.ndarray:
        return cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_COLOR)

    person = decoded(rep_thumbnail(frame, px))
    assert person.shape[0] == THUMB_HEIGHT_PX and person.shape[1] < THUMB_HEIGHT_PX  # taller than wide: cut out
    whole = decoded(rep_thumbnail(frame, np.full((33, 2), np.nan)))
    assert whole.shape[0] == THUMB_HEIGHT_PX and abs(whole.shape[1] / whole.shape[0] - 640 / 480) < 0.02


def test_the_report_gives_the_roll_as_the_video_shows_it():
    # --mirrored analyses the track mirrored back (its roll turned the other
    # way); the report speaks of the video file, so the sign comes back.
    track = LandmarkTrack.load(SAMPLES / "plank_side_render_tilt_room.npz")
    plank = load_exercise("plank")
    assert build_report(analyze_track(track, plank), "v.mp4")["camera_roll_deg"] == 6.0
    mirrored = analyze_track(track.mirrored(), plank)
    assert build_report(mirrored, "v.mp4", mirrored=True)["camera_roll_deg"] == 6.0


def test_a_hold_the_model_lost_for_a_moment_is_one_hold_and_the_reports_say_how_long_was_unseen():
    # The rendered plank with the person lost for 1.5 s mid-hold (a dark
    # room's frames the model finds nobody in): one hold, timed through.
    ex = load_exercise("plank")
    track = LandmarkTrack.load(SAMPLES / "plank_side_render.npz")
    whole = analyze_track(track, ex).holds
    lost = (track.t_s >= 10.0) & (track.t_s < 11.5)
    track.image_xyz[lost] = np.nan
    track.world_xyz[lost] = np.nan
    track.visibility[lost] = 0.0
    result = analyze_track(track, ex)
    assert [(h.start_s, h.end_s) for h in result.holds] == [(h.start_s, h.end_s) for h in whole]
    assert result.holds[0].unseen_s == pytest.approx(1.55, abs=0.1)
    report = build_report(result, "plank.mp4")
    assert report["holds"][0]["unseen_s"] == pytest.approx(1.55, abs=0.1)
    assert re.search(r"hold: [\d.]+ s from [\d.]+ s \(short, 1\.[56] s of it not seen\)", summary_text(report))
    assert re.search(r"short \(1\.[56] s not seen\)", html_report(result, report, {}))
