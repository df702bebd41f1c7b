"""The camera's roll from the picture's vertical lines, and the landmarks
turned back to level: a tilted camera reads as a level one."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecheck.core.analysis import analyze_track
from posecheck.core.landmarks import Frames
from posecheck.core.level import camera_roll_deg, level_px, level_world, unlevel_px
from posecheck.core.track import LandmarkTrack
from posecheck.spec import load_exercise

from conftest import SAMPLES

SIZE = (640, 360)


def _room(roll_deg: float, xs: list[float], vp_distance: float | None = None, seed: int = 0) -> np.ndarray:
    """Segments of a room's vertical lines (door frames, window bars) at
    these picture x positions, as a camera turned by roll_deg sees them;
    with vp_distance (in longer sides, negative: above) pitched so that they
    meet there. A little noise on the ends, as a detector gives."""
    rng = np.random.default_rng(seed)
    w, h = SIZE
    centre = np.array([w / 2, h / 2])
    down = np.array([math.sin(math.radians(roll_deg)), math.cos(math.radians(roll_deg))])
    segs = []
    for x in xs:
        start = np.array([x * w, 0.15 * h + rng.uniform(0, 0.1) * h])
        if vp_distance is None:
            direction = down
        else:
            direction = centre + down * vp_distance * max(w, h) - start
            direction = direction / np.linalg.norm(direction) * np.sign(vp_distance)
        end = start + direction * 0.6 * h
        segs.append([*start, *end] + rng.normal(0, 0.3, 4))
    return np.array(segs)


@pytest.mark.parametrize("roll", [-15.0, -6.0, -3.0, 2.0, 6.0, 12.0])
def test_parallel_vertical_lines_give_the_roll(roll):
    segs = _room(roll, [0.1, 0.2, 0.35, 0.7, 0.85, 0.9])
    assert camera_roll_deg(segs, SIZE, frames=1) == pytest.approx(roll, abs=0.3)


@pytest.mark.parametrize(("roll", "vp"), [(6.0, 3.0), (-6.0, -2.5), (4.0, -4.0)])
def test_a_pitched_camera_still_gives_the_roll(roll, vp):
    # Looking down (or up) makes vertical lines meet below (above) the
    # picture; the roll is the direction of that point, not the lines'
    # own tilts (up to several degrees apart at the picture's edges).
    segs = _room(roll, [0.05, 0.15, 0.3, 0.6, 0.8, 0.95], vp_distance=vp)
    tilts = np.degrees(np.arctan2(segs[:, 2] - segs[:, 0], segs[:, 3] - segs[:, 1]))
    assert np.ptp(tilts) > 2.0
    assert camera_roll_deg(segs, SIZE, frames=1) == pytest.approx(roll, abs=0.4)


def test_a_level_camera_or_a_plain_wall_gives_no_roll():
    assert camera_roll_deg(_room(0.5, [0.1, 0.3, 0.7, 0.9]), SIZE, frames=1) is None
    assert camera_roll_deg(np.zeros((0, 4)), SIZE, frames=1) is None


def test_lines_that_do_not_agree_give_no_roll():
    rng = np.random.default_rng(3)
    segs = np.concatenate([_room(float(r), [x]) for r, x in zip(rng.uniform(-18, 18, 12), rng.uniform(0, 1, 12))])
    assert camera_roll_deg(segs, SIZE, frames=1) is None


def test_too_little_of_the_room_per_frame_gives_no_roll():
    # Two short lines over ten frames: not enough to turn every reading by.
    segs = _room(6.0, [0.2, 0.8])
    segs[:, 3] = segs[:, 1] + (segs[:, 3] - segs[:, 1]) * 0.5
    segs[:, 2] = segs[:, 0] + (segs[:, 2] - segs[:, 0]) * 0.5
    assert camera_roll_deg(segs, SIZE, frames=10) is None


def test_level_turns_true_down_to_the_picture_down_and_back():
    roll = 7.0
    centre = np.array(SIZE, float) / 2
    down = np.array([math.sin(math.radians(roll)), math.cos(math.radians(roll))])
    px = np.array([centre, centre + 100 * down])
    lev = level_px(px, SIZE, roll)
    assert lev[1] - lev[0] == pytest.approx([0.0, 100.0], abs=1e-9)
    assert unlevel_px(lev, SIZE, roll) == pytest.approx(px)
    world = np.array([[0.1 * down[0], 0.1 * down[1], 0.3]])
    assert level_world(world, roll)[0] == pytest.approx([0.0, 0.1, 0.3])


def test_the_picture_edges_are_where_the_picture_shows_them():
    # A point just inside a corner stays in the picture, though levelling
    # moves it past the edge.
    px = np.array([[[2.0, 2.0]]])
    world = np.zeros((1, 1, 3))
    frames = Frames.levelled(px, world, np.ones((1, 1)), SIZE, 10.0)
    assert frames.px[0, 0, 0] < 0 or frames.px[0, 0, 1] < 0
    assert frames.in_picture[0, 0]


def _tilted(track: LandmarkTrack, roll: float) -> LandmarkTrack:
    """The track as a camera turned by `roll` would have recorded it."""
    img = track.image_xyz.copy()
    img[:, :, :2] = unlevel_px(track.pixels(), track.frame_size, roll) / np.asarray(track.frame_size)
    world = level_world(track.world_xyz.astype(np.float64), -roll).astype(np.float32)
    return track.replace(image_xyz=img, world_xyz=world)


@pytest.mark.parametrize("roll", [-8.0, 6.0])
def test_a_plank_filmed_tilted_is_timed_as_filmed_level(roll):
    # Hips off the floor is an elevation against the picture's horizontal:
    # 6-8 deg of roll reads the plank as lying flat (or piked), and the hold
    # is lost or mistimed. With the roll known it is the level recording's.
    plank = load_exercise("plank")
    level = LandmarkTrack.load(SAMPLES / "plank_side_render.npz")
    expected = [round(h.duration_s, 2) for h in analyze_track(level, plank).holds]
    tilted = _tilted(level, roll)
    assert [round(h.duration_s, 2) for h in analyze_track(tilted, plank).holds] != expected
    known = tilted.replace(camera_roll_deg=roll)
    assert [round(h.duration_s, 2) for h in analyze_track(known, plank).holds] == expected


@pytest.mark.parametrize("roll", [float("nan"), float("inf"), 35.0])
def test_a_roll_given_through_the_api_is_checked(roll):
    from posecheck.core.session import ExerciseSession

    track = LandmarkTrack.load(SAMPLES / "plank_side_render.npz")
    with pytest.raises(ValueError, match="camera_roll_deg must be None or within"):
        track.replace(camera_roll_deg=roll)
    with pytest.raises(ValueError, match="camera_roll_deg must be None or within"):
        ExerciseSession(load_exercise("plank"), track.frame_size, camera_roll_deg=roll)
