"""Shot changes found in the picture (io/shots.py): a cross-fade or a cut to
another camera is one new shot; a person moving and a handheld camera's
pan are none."""

from __future__ import annotations

import cv2
import numpy as np

from posecheck.io.shots import ShotFinder

FPS = 30.0
H, W = 360, 640


def _texture(seed: int) -> np.ndarray:
    """A studio-like picture: smooth random shading, as RGB."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (9, 16, 3)).astype(np.uint8)
    return cv2.resize(small, (W + 200, H), interpolation=cv2.INTER_CUBIC)


def _starts(frames: list[np.ndarray]) -> list[int]:
    finder = ShotFinder(FPS)
    for f in frames:
        finder.add(f)
    return np.flatnonzero(finder.starts(len(frames))).tolist()


def test_a_cross_fade_between_two_cameras_starts_one_shot_in_its_middle():
    a, b = _texture(1)[:, :W], _texture(2)[:, :W]
    fade = 9  # 0.3 s
    frames = [a] * 60
    frames += [cv2.addWeighted(a, 1 - (i + 1) / (fade + 1), b, (i + 1) / (fade + 1), 0) for i in range(fade)]
    frames += [b] * 60
    (start,) = _starts(frames)
    assert abs(start - (60 + fade // 2)) <= 2


def test_a_hard_cut_starts_one_shot_at_the_cut():
    a, b = _texture(3)[:, :W], _texture(4)[:, :W]
    (start,) = _starts([a] * 40 + [b] * 40)
    assert abs(start - 40) <= 1


def test_a_person_moving_and_a_panning_camera_start_no_shot():
    background = _texture(5)
    moving = []
    for i in range(40):  # a bright figure close to the camera, crossing a still picture
        f = background[:, :W].copy()
        x = 60 + 8 * i
        cv2.rectangle(f, (x, 30), (x + 220, 350), (250, 250, 250), -1)
        moving.append(f)
    # Both change much of the picture (D 42 and 51 over the window, past
    # MIN_CHANGE): only the blend test tells them from a change of shot.
    assert _starts(moving) == []
    pan = [background[:, 4 * i : 4 * i + W].copy() for i in range(50)]  # 4 px a frame
    assert _starts(pan) == []
