"""Checks the shipped offline pose bundle: its hash, that it runs, that it rebuilds.

The bundle ``posecheck/models/pose_landmarker_full.task`` is built by
``tools/build_pose_bundle.py`` from the mediapipe 0.10.21 wheel; see
``posecheck/models/README.md``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = PROJECT_ROOT / "posecheck" / "models"
BUNDLE = MODELS_DIR / "pose_landmarker_full.task"
BUNDLE_SHA256 = MODELS_DIR / "bundle.sha256"
BUILD_SCRIPT = PROJECT_ROOT / "tools" / "build_pose_bundle.py"
SAMPLES_DIR = PROJECT_ROOT / "samples"
SHARED_CLIPS_DIR = PROJECT_ROOT.parent / "shared" / "clips"
# Where the README's rebuild instructions put the wheel; or name it yourself.
WHEEL_ENV = "POSECHECK_MEDIAPIPE_WHEEL"
WHEEL_DIR = Path(tempfile.gettempdir()) / "mpwheel"

NOSE, LEFT_HIP, RIGHT_HIP = 0, 23, 24


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _expected_sha256() -> str:
    return BUNDLE_SHA256.read_text(encoding="utf-8").strip()


def _test_video() -> Path | None:
    """Returns a real clip with one person in it, or None if there is none."""
    samples = sorted(SAMPLES_DIR.glob("*.mp4"))
    if samples:
        return samples[0]
    clip = SHARED_CLIPS_DIR / "squat_side.mp4"
    return clip if clip.is_file() else None


def _cached_wheel() -> Path | None:
    """Returns a local mediapipe 0.10.21 wheel, or None: never downloads."""
    named = os.environ.get(WHEEL_ENV)
    if named:
        return Path(named) if Path(named).is_file() else None
    wheels = sorted(WHEEL_DIR.glob("mediapipe-0.10.21-*.whl"))
    return wheels[0] if wheels else None


def test_bundle_sha256_matches_recorded_hash() -> None:
    assert _sha256(BUNDLE) == _expected_sha256()


@pytest.mark.model
def test_bundle_detects_one_person_in_video_mode() -> None:
    mp = pytest.importorskip("mediapipe", reason="mediapipe is not installed")
    cv2 = pytest.importorskip("cv2", reason="opencv is not installed")
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions
    from mediapipe.tasks.python.vision.core.vision_task_running_mode import (
        VisionTaskRunningMode,
    )

    video = _test_video()
    if video is None:
        pytest.skip(f"no *.mp4 in {SAMPLES_DIR} and no {SHARED_CLIPS_DIR}/squat_side.mp4")
    capture = cv2.VideoCapture(str(video))
    ok, bgr = capture.read()
    capture.release()
    assert ok, f"cannot read a frame from {video}"
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(BUNDLE)),
        running_mode=VisionTaskRunningMode.VIDEO,
        num_poses=1,
    )
    with PoseLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), 0)

    assert len(result.pose_landmarks) == 1, f"no person found in {video.name}"
    landmarks = result.pose_landmarks[0]
    world = result.pose_world_landmarks[0]
    assert len(landmarks) == 33
    assert len(world) == 33
    for index in (NOSE, LEFT_HIP, RIGHT_HIP):
        assert 0.0 <= landmarks[index].x <= 1.0, index
        assert 0.0 <= landmarks[index].y <= 1.0, index
    left, right = world[LEFT_HIP], world[RIGHT_HIP]
    hip_width_m = ((left.x - right.x) ** 2 + (left.y - right.y) ** 2 + (left.z - right.z) ** 2) ** 0.5
    assert 0.1 < hip_width_m < 0.6


@pytest.mark.model
def test_rebuild_from_cached_wheel_gives_the_shipped_bytes(tmp_path: Path) -> None:
    pytest.importorskip("mediapipe", reason="mediapipe is not installed")
    pytest.importorskip("flatbuffers", reason="flatbuffers is not installed")
    wheel = _cached_wheel()
    if wheel is None:
        pytest.skip(f"no cached wheel: set {WHEEL_ENV} or put it in {WHEEL_DIR}")
    spec = importlib.util.spec_from_file_location("build_pose_bundle", BUILD_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)

    output = tmp_path / "pose_landmarker_full.task"
    assert build.main(["--wheel", str(wheel), "--output", str(output)]) == 0
    assert _sha256(output) == _expected_sha256()


def _frame_at(video: Path, t_s: float):
    import cv2

    cap = cv2.VideoCapture(str(video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, int(round(t_s * cap.get(cv2.CAP_PROP_FPS))))
    ok, bgr = cap.read()
    cap.release()
    assert ok
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None, reason="mediapipe is not installed")
def test_a_head_tipped_back_close_up_is_found_by_the_second_look():
    """At head-and-shoulders framing MediaPipe's person detector scores a
    head tipped back side-on under its default 0.5; the estimator looks
    again with a lower threshold on frames it found nobody in."""
    import mediapipe as mp
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import pose_landmarker
    from mediapipe.tasks.python.vision.core.vision_task_running_mode import VisionTaskRunningMode

    from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator

    rgb = _frame_at(SAMPLES_DIR / "neck_flexion_extension_hold_head_side.mp4", 25.0)
    options = pose_landmarker.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(BUNDLE)), running_mode=VisionTaskRunningMode.IMAGE
    )
    with pose_landmarker.PoseLandmarker.create_from_options(options) as plain:
        assert not plain.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)).pose_landmarks
    est = MediaPipePoseEstimator()
    try:
        assert len(est.detect(rgb)) == 1
        # A frame with nobody in it stays empty on the second look too.
        assert est.detect(rgb * 0 + 200) == []
    finally:
        est.close()


# --- native noise: one line of posecheck's, none of FFmpeg's or MediaPipe's ---

NOISE_SAMPLE = SAMPLES_DIR / "neck_side_tilt_short_front.mp4"


def _run_python(code: str) -> subprocess.CompletedProcess:
    """A child Python, so that what native code writes to fd 2 is seen."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_ROOT,
        check=False,
    )


def _posecheck(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "posecheck", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PROJECT_ROOT,
        check=False,
    )


def test_silencing_hides_fd2_lets_exceptions_through_and_restores_it() -> None:
    done = _run_python("""
        import os, threading
        from posecheck.io.sources.native import native_stderr_silenced

        os.write(2, b"before\\n")
        with native_stderr_silenced():
            os.write(2, b"native noise\\n")
        try:
            with native_stderr_silenced():
                raise ValueError("a real error")
        except ValueError as exc:
            os.write(2, f"propagated: {exc}\\n".encode())
        # Two threads inside at once (decoder and model), the first in
        # leaving first: fd 2 stays silenced until the last is out, and is
        # then the real one again.
        inside, leave = threading.Event(), threading.Event()
        def worker():
            with native_stderr_silenced():
                inside.set()
                leave.wait()
                os.write(2, b"thread noise\\n")
        with native_stderr_silenced():
            t = threading.Thread(target=worker)
            t.start()
            inside.wait()
        os.write(2, b"main noise while the thread is inside\\n")
        leave.set()
        t.join()
        os.write(2, b"after\\n")
    """)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == ["before", "propagated: a real error", "after"]


def test_a_video_cut_short_tells_how_much_was_read(tmp_path: Path) -> None:
    from posecheck.io.sources.video import VideoReader

    whole = VideoReader(NOISE_SAMPLE)
    header = whole.header_frame_count
    n = sum(1 for _ in whole.frames())
    assert header > 100 and whole.at_end and whole.frames_read == n == header and not whole.cut_short

    cut = tmp_path / "cut.mp4"
    cut.write_bytes(NOISE_SAMPLE.read_bytes()[:30000])
    reader = VideoReader(cut)
    assert reader.header_frame_count == header  # the header survives the cut
    assert reader.frames_read == 1 and not reader.at_end and not reader.cut_short
    frames = reader.frames()
    next(frames)
    frames.close()  # stopped early by the caller: not at the end, not judged
    assert not reader.at_end and not reader.cut_short
    reader = VideoReader(cut)
    n = sum(1 for _ in reader.frames())
    assert reader.at_end and reader.cut_short and 0 < reader.frames_read == n < header // 2
    assert whole.cut_short_warning is None
    assert reader.cut_short_warning == (
        f"cut.mp4: read {n} of the {header} frames its header gives "
        "(a cut or broken file?): analysed what could be read"
    )


def test_a_video_within_its_headers_slack_is_whole() -> None:
    from posecheck.io.sources.video import ended_short

    assert ended_short(172, 382)
    assert not ended_short(381, 382)  # one frame short of the header: containers round
    assert not ended_short(198, 200) and ended_short(197, 200)  # 2 frames of slack up to 299 frames
    assert not ended_short(990, 1000) and ended_short(989, 1000)  # 1 % above
    assert not ended_short(5, 0)  # the header gives no count


def _person_after_an_empty_start(path: Path) -> None:
    """Blank frames, then the sample's person: MediaPipe's first
    landmarks (and its glog "W0000 ... landmark_projection_calculator")
    come after the warm-up."""
    import cv2

    cap = cv2.VideoCapture(str(NOISE_SAMPLE))
    frames = [cap.read()[1] for _ in range(20)]
    cap.release()
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 15.0, (w, h))
    for frame in [frames[0] * 0 + 90] * 4 + frames:
        writer.write(frame)
    writer.release()


@pytest.mark.model
@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None, reason="mediapipe is not installed")
def test_no_model_log_lines_when_the_person_comes_late(tmp_path: Path) -> None:
    clip = tmp_path / "late_person.mp4"
    _person_after_an_empty_start(clip)
    done = _posecheck("analyze", str(clip), "--exercise", "neck_side_tilt_hold", "-q")
    assert done.returncode == 0 and done.stderr == "", done.stderr


@pytest.mark.model
@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None, reason="mediapipe is not installed")
def test_a_cut_video_gives_one_line_on_stderr_and_no_decoder_noise(tmp_path: Path) -> None:
    """FFmpeg printed six lines ("Invalid NAL unit size", "partial file")
    before posecheck's own."""
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(NOISE_SAMPLE.read_bytes()[:30000])  # the sample's index is at its start
    done = _posecheck("analyze", str(cut), "--exercise", "neck_side_tilt_hold", "-q")
    lines = done.stderr.splitlines()
    assert done.returncode == 0 and len(lines) == 1, done.stderr
    assert lines[0].startswith("posecheck: warning: cut.mp4: read ")


@pytest.mark.parametrize("content", [b"this is a text file, not a video\n", b"\x00\x00\x00\x18ftypmp42"])
def test_a_file_that_is_no_video_gives_one_line_on_stderr(tmp_path: Path, content: bytes) -> None:
    """FFmpeg said "moov atom not found" / "error reading header" first."""
    fake = tmp_path / "notes.mp4"
    fake.write_bytes(content)
    done = _posecheck("analyze", str(fake), "--exercise", "neck_side_tilt_hold", "-q")
    lines = done.stderr.splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith(f"posecheck: error: {fake}: ")


def test_user_stderr_is_seen_while_another_thread_silences_fd2() -> None:
    # The progress bar is drawn while the model runs in other threads,
    # inside native_stderr_silenced(): it must still reach the user.
    done = _run_python("""
        import os, threading
        from posecheck.io.sources.native import native_stderr_silenced, user_stderr

        inside, leave = threading.Event(), threading.Event()
        def worker():
            with native_stderr_silenced():
                inside.set()
                leave.wait()
        t = threading.Thread(target=worker)
        t.start()
        inside.wait()
        os.write(2, b"native noise\\n")
        with user_stderr() as bar:
            bar.write("progress 50%\\n")
        leave.set()
        t.join()
        os.write(2, b"after\\n")
    """)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == ["progress 50%", "after"]


@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None, reason="mediapipe is not installed")
@pytest.mark.model
def test_frames_read_on_two_threads_give_exactly_the_landmarks_of_one() -> None:
    # IMAGE mode: no frame depends on another, so reading two at once (one
    # landmarker each) must change nothing, the second look included.
    import cv2

    from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator

    cap = cv2.VideoCapture(str(SAMPLES_DIR / "neck_flexion_extension_hold_head_side.mp4"))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 370)  # around the second-look frame above (25 s)
    frames = []
    for _ in range(12):
        ok, bgr = cap.read()
        assert ok
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    with MediaPipePoseEstimator(workers=1) as one, MediaPipePoseEstimator(workers=2) as two:
        serial = [one.detect(f) for f in frames]
        parallel = list(two.detect_frames(enumerate(frames)))
    assert [k for k, _ in parallel] == list(range(12))
    assert sum(len(c) for c in serial) >= 10
    for a, (_, b) in zip(serial, parallel):
        assert len(a) == len(b)
        for pa, pb in zip(a, b):
            assert (pa.image_xyz == pb.image_xyz).all() and (pa.world_xyz == pb.world_xyz).all()
            assert (pa.visibility == pb.visibility).all()


@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None, reason="mediapipe is not installed")
@pytest.mark.model
def test_a_person_hidden_from_the_detector_by_drawn_text_is_followed() -> None:
    # Large text over a plank hides it from the person detector on 255 of
    # its 390 frames; the landmark model, following from the frame before,
    # still reads it. (With the text painted out, as extraction does by
    # default, the detector finds it anyway: this is the picture as drawn.)
    from posecheck.io.extract import extract_track
    from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator

    with MediaPipePoseEstimator() as est:
        track = extract_track(SAMPLES_DIR / "plank_side_render_overlay_text.mp4", est, erase_text=False)
    assert len(track) == 390 and track.has_pose.all()
