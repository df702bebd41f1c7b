"""Reading video files as a player shows them."""

from __future__ import annotations

import numpy as np

from posecheck.io.sources.video import FrameClock, VideoReader

from conftest import SAMPLES


def test_a_phone_video_stored_on_its_side_is_read_upright():
    """squat_front_far_phone_stored (tools/derive: stored_rotated_deg) holds
    the source's pictures turned 90 deg clockwise and a display rotation
    that turns them back: read as shown, frame for frame the source's."""
    stored = VideoReader(SAMPLES / "squat_front_far_phone_stored.mp4")
    source = VideoReader(SAMPLES / "squat_front_far.mp4")
    assert (stored.info.width, stored.info.height) == (source.info.width, source.info.height) == (640, 480)
    for (_, _, a), (_, _, b), _ in zip(stored.frames(), source.frames(), range(30), strict=False):
        assert a.shape == b.shape
        # The same picture, but for the re-encoding (mean abs difference 1-2 of 255).
        assert np.abs(a.astype(np.int16) - b.astype(np.int16)).mean() < 4.0


def test_a_variable_frame_rate_is_timed_by_the_frames_own_times():
    """neck_rotation_hold_front_lowlight_vfr (tools/derive: thin_s) stores
    only every other frame from 12 s to 40 s, each at its own time: the
    header's rate is the average (12 fps for 15), and index / 12 put the
    second hold's end 2 s early (a 10.7 s hold read 6.8, its rep lost)."""
    reader = VideoReader(SAMPLES / "neck_rotation_hold_front_lowlight_vfr.mp4")
    assert reader.info.fps == 12.0
    times = np.array([t for _, t, _ in reader.frames()])
    shown = np.concatenate([np.arange(180), np.arange(180, 600, 2), np.arange(600, 1050)]) / 15.0
    assert len(times) == len(shown) and np.abs(times - shown).max() < 1e-9


def test_a_constant_frame_rate_is_timed_as_index_over_fps_exactly():
    reader = VideoReader(SAMPLES / "squat_front_far.mp4")
    fps = reader.info.fps
    assert all(t == i / fps for i, t, _ in reader.frames())


def _times(stamps_ms: list[float], fps: float = 25.0) -> list[float]:
    clock = FrameClock(fps)
    return [round(clock.time_of(ms / 1000.0) * 1000.0, 3) for ms in stamps_ms]


def test_frame_times_follow_the_stamps_and_step_over_breaks():
    # A slow frame (80 ms) is kept; a 98 s leap (files joined) and a reset
    # to 0 (a stream starting again) are breaks: one frame on, then the
    # stamps count from there.
    assert _times([0, 40, 120, 98120, 98160]) == [0.0, 40.0, 120.0, 160.0, 200.0]
    assert _times([0, 40, 80, 0, 40]) == [0.0, 40.0, 80.0, 120.0, 160.0]


def test_frame_times_without_stamps_are_the_header_rate():
    assert _times([0, 0, 0, 0]) == [0.0, 40.0, 80.0, 120.0]
    assert _times([float("nan")] * 3) == [0.0, 40.0, 80.0]


def test_frame_times_rise_by_a_whole_millisecond():
    """Round half to even made 33.5 and 34.5 ms both 34: MediaPipe refuses."""
    got = [round(t / 1000.0 * 1000) for t in _times([0, 33.5, 34.5, 100])]
    assert got == sorted(set(got))
