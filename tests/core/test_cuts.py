"""Cuts: the whole body jumping between two frames is an edit, not a movement."""

from __future__ import annotations

import numpy as np

from posecheck.core.analysis import analyze_track
from posecheck.core.cuts import CutDetector
from posecheck.core.track import LandmarkTrack
from posecheck.spec import load_exercise

from conftest import SAMPLES


def _person(dx: float = 0.0, scale: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(0)
    xyz = np.zeros((33, 3), np.float32)
    xyz[:, 0] = 0.5 + dx + scale * rng.uniform(-0.1, 0.1, 33)
    xyz[:, 1] = 0.5 + scale * rng.uniform(-0.3, 0.3, 33)
    return xyz


def test_a_whole_body_jump_is_a_cut_and_a_movement_is_not():
    vis = np.ones(33, np.float32)
    det = CutDetector()
    assert not det.update(_person(), vis, (640, 480))
    moved = _person()
    moved[15:17, :2] += 0.2  # both wrists swing far: a movement
    assert not det.update(moved, vis, (640, 480))
    assert det.update(_person(dx=0.3, scale=0.6), vis, (640, 480))  # another take, framed apart
    nobody = np.full((33, 3), np.nan, np.float32)
    assert not det.update(nobody, vis, (640, 480))


def test_two_takes_joined_give_no_slow_down_at_the_join():
    """The first half of one recording of the rotation holds joined to the
    second half of another (other body, framing and camera angle): without
    the cut, the smoothing dragged the landmarks across the join and the
    turn read a jerk there."""
    a = LandmarkTrack.load(SAMPLES / "neck_rotation_hold_front.npz")
    b = LandmarkTrack.load(SAMPLES / "neck_rotation_hold_jerk_front.npz")
    first = a.select(a.t_s < a.duration_s / 2)
    second = b.select(b.t_s >= b.duration_s / 2)
    second = second.replace(t_s=second.t_s - second.t_s[0] + 1.0 / a.fps)
    joined, starts = LandmarkTrack.played_in_turn([first, second])
    result = analyze_track(joined, load_exercise("neck_rotation_hold"))
    join_s = starts[1]
    assert not [w for w in result.warnings if w.severity != "info" and abs(w.t_s - join_s) < 1.5]
