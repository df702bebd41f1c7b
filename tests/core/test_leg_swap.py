"""Legs the model labelled the other way round for a few frames are swapped
back; legs that really pass each other are left alone."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.core import leg_swap
from posecheck.core.analysis import analyze_track
from posecheck.core.landmarks import landmark_index
from posecheck.core.leg_swap import MAX_SWAPPED_S, LegSwapRepair, swapped_legs
from posecheck.core.track import LandmarkTrack
from posecheck.spec import load_exercise

from conftest import SAMPLES

SIZE = (640, 480)
FPS = 30.0


def _frame(left_x: float, right_x: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A side view: the body at x 0.5; each leg's knee and foot at its x."""
    img = np.full((33, 3), 0.5, np.float32)
    img[:, 1] = np.linspace(0.1, 0.5, 33)
    for side, x in (("left", left_x), ("right", right_x)):
        for part, y in (("knee", 0.7), ("ankle", 0.85), ("heel", 0.87), ("foot_index", 0.88)):
            img[landmark_index(f"{side}_{part}")] = (x, y, 0.0)
    vis = np.linspace(0.5, 1.0, 33).astype(np.float32)
    world = img * 2.0
    return img, vis, world


def _feed(frames: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    fix = LegSwapRepair()
    return [fix.update(i / FPS, *f, SIZE)[0] for i, f in enumerate(frames)]


def test_a_swap_of_two_frames_is_undone_with_visibility_and_world():
    # A kick: the left leg swings back and up, the right stays; frames 10-11
    # come labelled the other way round.
    xs = [0.5 - 0.01 * i for i in range(20)]
    truth = [_frame(x, 0.5) for x in xs]
    seen = [swapped_legs(*f) if i in (10, 11) else f for i, f in enumerate(truth)]
    fix = LegSwapRepair()
    for i, (got, want) in enumerate(zip(seen, truth)):
        img, vis, world = fix.update(i / FPS, *got, SIZE)
        assert np.array_equal(img, want[0]) and np.array_equal(vis, want[1]) and np.array_equal(world, want[2]), i


def test_legs_that_pass_each_other_are_left_as_they_are():
    # A step seen side-on: the legs cross at frame 15 and go on.
    frames = [_frame(0.45 + 0.1 * i / 30, 0.55 - 0.1 * i / 30) for i in range(31)]
    for got, want in zip(_feed(frames), frames):
        assert np.array_equal(got, want[0])


def test_a_swap_that_lasts_is_taken_as_the_model_reads_it_after_a_second():
    # Labelled the other way from frame 5 on, for good (a real jump of the
    # legs, read right): swapped back for MAX_SWAPPED_S, then taken as it is.
    frames = [_frame(0.4, 0.6) if i < 5 else _frame(0.6, 0.4) for i in range(90)]
    out = _feed(frames)
    knee = landmark_index("left_knee")
    taken_from = next(i for i in range(5, 90) if out[i][knee, 0] == pytest.approx(0.6))
    assert taken_from / FPS - 5 / FPS == pytest.approx(MAX_SWAPPED_S, abs=2 / FPS)
    assert all(out[i][knee, 0] == pytest.approx(0.6) for i in range(taken_from, 90))
    fix = LegSwapRepair()
    gave_up = [i for i, f in enumerate(frames) if fix.update(i / FPS, *f, SIZE) and fix.gave_up]
    assert gave_up == [taken_from]


def test_labels_that_jump_back_to_the_models_are_not_a_jerk():
    """The bent-knee leg raise render labelled the other way round for good
    from just after the first raise on: the repair keeps the legs for
    MAX_SWAPPED_S, then takes the model's labels; that jump is a
    relabelling, not a movement (it read "Slow down" before it was taken
    as a cut)."""
    track = LandmarkTrack.load(SAMPLES / "supine_bent_knee_leg_raise_side_right.npz")
    ex = load_exercise("supine_bent_knee_leg_raise")
    clean = analyze_track(track, ex)
    assert not [w for w in clean.warnings if w.rule == "sudden_movement"]
    start = int(np.searchsorted(track.t_s, clean.reps[0].t_s + 0.4))
    img, vis, world = track.image_xyz.copy(), track.visibility.copy(), track.world_xyz.copy()
    for i in range(start, len(track)):
        img[i], vis[i], world[i] = swapped_legs(img[i], vis[i], world[i])
    relabelled = analyze_track(track.replace(image_xyz=img, visibility=vis, world_xyz=world), ex)
    assert not [w for w in relabelled.warnings if w.rule == "sudden_movement"]


def test_nobody_in_a_frame_starts_afresh():
    empty = tuple(np.full(s, np.nan, np.float32) for s in ((33, 3), (33,), (33, 3)))
    frames = [_frame(0.4, 0.6), empty, _frame(0.6, 0.4)]
    out = _feed(frames)  # type: ignore[arg-type]
    assert out[2][landmark_index("left_knee"), 0] == pytest.approx(0.6)


@pytest.mark.parametrize("rep", [0, 1])
def test_a_rendered_kick_with_swapped_legs_reads_as_without(rep, monkeypatch):
    """The donkey kick render with three frames at a kick's top labelled the
    other way round: the analysis is the unswapped one, metric for metric;
    without the repair that kick is counted for the other side."""
    track = LandmarkTrack.load(SAMPLES / "donkey_kick_side.npz")
    ex = load_exercise("donkey_kick")
    clean = analyze_track(track, ex)
    img, vis, world = track.image_xyz.copy(), track.visibility.copy(), track.world_xyz.copy()
    top = int(np.searchsorted(track.t_s, clean.reps[rep].t_s))
    for i in range(top - 1, top + 2):
        img[i], vis[i], world[i] = swapped_legs(img[i], vis[i], world[i])
    glitched = track.replace(image_xyz=img, visibility=vis, world_xyz=world)
    fixed = analyze_track(glitched, ex)
    for name, values in clean.metrics.items():
        assert np.array_equal(fixed.metrics[name], values, equal_nan=True), name
    assert [(r.t_s, r.side) for r in fixed.reps] == [(r.t_s, r.side) for r in clean.reps]
    monkeypatch.setattr(leg_swap.LegSwapRepair, "update", lambda self, t, a, b, c, s: (a, b, c))
    unfixed = analyze_track(glitched, ex)
    differs = [n for n, v in clean.metrics.items() if not np.array_equal(unfixed.metrics[n], v, equal_nan=True)]
    assert differs, "the swapped frames change nothing: the test would not see a broken repair"
