"""Cuts: the whole body jumping between two frames is an edit, not a movement."""

from __future__ import annotations

import numpy as np

from posecheck.core.analysis import analyze_track
from posecheck.core.cuts import BURST_S, SETTLE_S, CutDetector
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


def test_a_lone_cut_is_read_on_and_a_burst_of_cuts_is_unsure():
    det = CutDetector()
    assert not det.unsure(0.0, False)
    assert not det.unsure(5.0, True)  # an edit: read on at once
    assert not det.unsure(5.5, False)
    assert det.unsure(5.9, True)  # a second jump within BURST_S: the model flips
    assert det.unsure(5.9 + SETTLE_S - 0.01, False)
    assert det.unsure(6.2, True)  # another jump: unsure for longer
    assert det.unsure(6.2 + SETTLE_S - 0.01, False)
    assert not det.unsure(6.2 + SETTLE_S, False)
    assert not det.unsure(6.2 + SETTLE_S + BURST_S + 0.1, True)  # long after: an edit again


def _trunk_folded_at(track: LandmarkTrack, times_s: list[float]) -> LandmarkTrack:
    """The model flipping between the body and a wrong reading of it: at
    each time, three frames (every other one) read the trunk folded back
    over the legs (turned 180 deg about the hips), as a small, dark or
    turned picture made the real bridge's knees read at its hips."""
    image = track.image_xyz.copy()
    for t0 in times_s:
        for k in (0, 2, 4):
            i = int(np.searchsorted(track.t_s, t0)) + k
            hips = (image[i, 23, :2] + image[i, 24, :2]) / 2
            image[i, 0:23, :2] = 2 * hips - image[i, 0:23, :2]
    return track.replace(image_xyz=image)


def test_the_model_flipping_at_the_top_of_a_bridge_counts_nothing():
    """Each wrong frame is a whole-body jump out and one back: read as
    readings, a flip at the top of a bridge read the hip line 6 deg (at
    neutral) and counted a rep of its own (6 for 5)."""
    track = LandmarkTrack.load(SAMPLES / "glute_bridge_side.npz")
    exercise = load_exercise("glute_bridge")
    clean = analyze_track(track, exercise)
    top_s = track.t_s[clean.metrics["hip_line_deg"] > 165.0]
    flipped = analyze_track(_trunk_folded_at(track, [float(top_s[3]), float(top_s[-3])]), exercise)
    assert len(clean.reps) == len(flipped.reps) == 5
    assert not [w for w in flipped.warnings if w.severity != "info"]
