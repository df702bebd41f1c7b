"""The camera's roll found in pictures: a room's vertical lines, the
person's own lines left out, nothing found on a plain wall."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from posecheck.io.camera_roll import RollSampler, StartRoll

from conftest import SAMPLES, needs_mediapipe

W, H = 640, 360


def _picture(roll_deg: float, person: bool) -> np.ndarray:
    """A wall with a door frame and window bars, seen by a camera turned by
    roll_deg; with `person`, a body lying along slanted lines in the middle."""
    rgb = np.full((H, W, 3), 200, np.uint8)
    for x in (60, 90, 420, 470, 520, 570):
        cv2.line(rgb, (x, -50), (x, H + 50), (60, 50, 40), 4)
    m = cv2.getRotationMatrix2D((W / 2, H / 2), roll_deg, 1.15)  # counter-clockwise on screen
    rgb = cv2.warpAffine(rgb, m, (W, H), borderMode=cv2.BORDER_REPLICATE)
    if person:
        for k in range(14):  # more lines than the room's, 12 deg off vertical
            x = 220 + 12 * k
            cv2.line(rgb, (x, 60), (x + 40, 250), (30, 90, 160), 5)
    return rgb


def _person_landmarks() -> np.ndarray:
    xyz = np.zeros((33, 3), np.float32)
    xyz[:, 0] = np.linspace(235 / W, 400 / W, 33)
    xyz[:, 1] = np.linspace(75 / H, 235 / H, 33)
    return xyz


@pytest.mark.parametrize("roll", [-7.0, 5.0])
def test_the_rooms_vertical_lines_give_the_roll_not_the_persons(roll):
    sampler = RollSampler(every_s=1.0)
    for t in range(3):
        assert sampler.wants(float(t))
        sampler.add(float(t), _picture(roll, person=True), _person_landmarks())
        assert not sampler.wants(t + 0.5)
    assert sampler.frames == 3
    assert sampler.estimate() == pytest.approx(roll, abs=0.5)


def test_without_the_persons_box_their_lines_count():
    # The same picture with nobody found: the slanted limbs now disagree with
    # the room (no roll, or not the room's): the box is what keeps them out.
    sampler = RollSampler()
    sampler.add(0.0, _picture(5.0, person=True), np.full((33, 3), math.nan, np.float32))
    with_box = RollSampler()
    with_box.add(0.0, _picture(5.0, person=True), _person_landmarks())
    assert with_box.estimate() == pytest.approx(5.0, abs=0.5)
    assert sampler.estimate() != pytest.approx(5.0, abs=0.5)


def test_a_plain_wall_or_no_frame_gives_no_roll():
    assert RollSampler().estimate() is None
    sampler = RollSampler()
    sampler.add(0.0, np.full((H, W, 3), 128, np.uint8), None)
    assert sampler.estimate() is None


@pytest.mark.parametrize("mirrored", [False, True])
def test_live_decides_from_its_first_frames_once(mirrored):
    # A mirrored preview shows the room turned the other way: the roll the
    # (unmirrored) landmarks need is the opposite.
    start = StartRoll(frames=3, every_s=0.1, mirrored=mirrored)
    picture = _picture(5.0, person=False)
    person = np.full((33, 3), math.nan, np.float32)
    got = [start.feed(i / 30, picture, person) for i in range(30)]
    decided = [(i, g) for i, g in enumerate(got) if g is not None]
    assert len(decided) == 1 and decided[0][0] == 6  # frames 0, 3 and 6 sampled
    assert decided[0][1] == pytest.approx(-5.0 if mirrored else 5.0, abs=0.5)
    assert start.found_deg == pytest.approx(5.0, abs=0.5)  # as the picture shows it


def test_a_long_recording_is_sampled_end_to_end_within_a_bound():
    sampler = RollSampler(every_s=1.0, max_frames=16)
    picture = _picture(6.0, person=False)
    sampled = []
    for t in range(600):  # ten minutes, a frame a second offered
        if sampler.wants(float(t)):
            sampler.add(float(t), picture, None)
            sampled.append(t)
    assert sampler.frames == len(sampled) and sampled[-1] > 500  # still sampling at the end
    assert sampler.kept_frames < 16  # but keeping a bounded, thinned set
    assert sampler.estimate() == pytest.approx(6.0, abs=0.5)


@needs_mediapipe
@pytest.mark.model
def test_extract_writes_the_roll_into_the_track():
    """The pose model runs: the editor-turned plank's track gets the roll
    its black corners show, and the same landmarks as the committed track."""
    from posecheck.core.track import LandmarkTrack
    from posecheck.io.extract import extract_track
    from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator

    estimator = MediaPipePoseEstimator()
    try:
        track = extract_track(SAMPLES / "plank_side_render_tilt_black.mp4", estimator)
    finally:
        estimator.close()
    assert track.camera_roll_deg == -8.0
    committed = LandmarkTrack.load(SAMPLES / "plank_side_render_tilt_black.npz")
    np.testing.assert_array_equal(track.image_xyz, committed.image_xyz)
    assert committed.camera_roll_deg == -8.0
