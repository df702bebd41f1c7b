"""Views of an exercise ([views.<view>]): the format, the choice of view
from what the camera sees, and the session measuring in that view."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest

from posecheck.core.analysis import analyze_track
from posecheck.core.landmarks import Landmark as L
from posecheck.core.session import ExerciseSession
from posecheck.core.setup_check import Facing, choose_view, seen_view
from posecheck.core.track import LandmarkTrack
from posecheck.core.view_choice import recording_view
from posecheck.errors import PosecheckError
from posecheck.spec import exercise_paths, load_exercise, load_exercise_file, merge_view, parse_exercise

from conftest import SAMPLES, joined_clips, standing_frames

TWO_VIEWS = """
schema = 1
id = "ex"
title = "Example"
kind = "reps"
position = "standing"
camera_view = "side"
measured_views = ["side"]
regions = ["legs"]
instructions = "Do it."
required = ["hip", "knee", "ankle"]

[metrics]
knee_deg = { joint = ["hip", "knee", "ankle"], side = "visible" }
hip_deg = { joint = ["shoulder", "hip", "knee"], side = "visible" }

[reps]
metric = "knee_deg"
neutral = 150.0
end = 110.0

[[safety]]
id = "too_deep"
metric = "knee_deg"
below = 40.0
message = "Not so deep."

[views.front]
required = ["left_knee", "right_knee"]
[views.front.metrics]
knee_deg = { joint = ["hip", "knee", "ankle"], side = "mean", space = "world" }
[views.front.reps]
neutral = 140.0
"""


def parse(text: str, extra: str = ""):
    return parse_exercise(tomllib.loads(text + extra), "ex.toml")


def test_a_view_lays_its_keys_over_the_top_level():
    ex = parse(TWO_VIEWS)
    assert ex.supported_views == ("side", "front")
    assert ex.measured_views == ("side",)
    front = ex.for_view("front")
    assert front.camera_view == "front"
    assert front.required == ("left_knee", "right_knee")
    # A metric the view names is replaced whole (side "visible" is not kept
    # from the top level); others are kept; a threshold changes alone.
    by_name = {m.name: m for m in front.metrics}
    assert (by_name["knee_deg"].side, by_name["knee_deg"].space) == ("mean", "world")
    assert by_name["hip_deg"] == {m.name: m for m in ex.metrics}["hip_deg"]
    assert (front.reps.movements[0].neutral, front.reps.movements[0].end) == (140.0, 110.0)
    assert [r.id for r in front.safety if r.id == "too_deep"] == ["too_deep"]
    assert ex.for_view("side") is ex
    with pytest.raises(KeyError):
        ex.for_view("behind")


def test_merge_replaces_lists_and_merges_tables():
    base = {"required": ["a", "b"], "reps": {"neutral": 1.0, "end": 2.0}, "metrics": {"m": {"joint": [1], "side": "x"}}}
    view = {"required": ["c"], "reps": {"end": 3.0}, "metrics": {"m": {"measure": "y"}}}
    assert merge_view(base, view) == {
        "required": ["c"],
        "reps": {"neutral": 1.0, "end": 3.0},
        "metrics": {"m": {"measure": "y"}},
    }


@pytest.mark.parametrize(
    "extra, key",
    [
        ("[views.frnt]\n", "views.frnt"),
        ('[views.front]\nkind = "hold"\n', "views.front.kind"),
        ("[views.side]\n", "views.side"),
        ("[views.front.reps]\nend = 150.0\n", "views.front.reps.end"),
        ('[views.front.metrics]\nknee_deg = { joint = ["hip", "knee"] }\n', "views.front.metrics.knee_deg.joint"),
    ],
)
def test_a_bad_view_names_the_file_and_the_key(extra, key):
    text = TWO_VIEWS.split("[views.front]")[0]
    with pytest.raises(PosecheckError, match=f"ex.toml: .*'{key}'"):
        parse(text, extra)


def test_measured_views_must_be_supported():
    with pytest.raises(PosecheckError, match="measured_views.*'behind'"):
        parse(TWO_VIEWS.replace('measured_views = ["side"]', 'measured_views = ["side", "behind"]'))


@pytest.mark.parametrize("path", exercise_paths(), ids=lambda p: p.stem)
def test_every_bundled_view_is_a_whole_exercise(path):
    ex = load_exercise_file(path)
    assert set(ex.measured_views) <= set(ex.supported_views)
    for view in ex.supported_views:
        sub = ex.for_view(view)
        assert sub.camera_view == view and sub.id == ex.id
        names = {m.name for m in sub.metrics}
        assert all(n in names for r in sub.safety for n in r.metrics)


@pytest.mark.parametrize(
    "ratio, hips, away, views, expected",
    [
        (0.7, True, False, ("side", "front"), ("front", "")),
        (0.2, True, False, ("side", "front"), ("side", "")),
        # In between (a camera at an angle): the current view stays, no message.
        (0.37, True, False, ("side", "front"), ("side", "")),
        (0.7, True, False, ("side",), ("side", "Turn side-on to the camera.")),
        (0.2, True, False, ("front",), ("front", "Turn to face the camera.")),
        (0.7, True, True, ("front", "behind"), ("behind", "")),
        (0.7, True, True, ("side",), ("side", "Turn side-on to the camera.")),
        (0.2, True, False, ("front", "behind"), ("front", "Turn to face the camera or turn your back to the camera.")),
        # Head and shoulders only: the ratio is over the nose height.
        (1.6, False, False, ("side", "front"), ("front", "")),
        (0.5, False, False, ("side", "front"), ("side", "")),
        (0.6, True, False, ("above",), ("above", "")),
    ],
)
def test_choose_view(ratio, hips, away, views, expected):
    assert choose_view(views, Facing(ratio, hips, away), views[0]) == expected


def test_nobody_in_view_keeps_the_view():
    assert choose_view(("side", "front"), None, "front") == ("front", "")
    assert seen_view(Facing(0.37, True), ("side",)) == ""


@pytest.mark.parametrize("width_px, view", [(70.0, "front"), (20.0, "side")])
def test_the_session_measures_in_the_view_it_sees(width_px, view):
    ex = parse(TWO_VIEWS)
    image, vis, world = standing_frames(width_px, 30)
    session = ExerciseSession(ex, (640, 480))
    for i in range(30):
        update = session.update(i / 15, image[i], vis[i], world[i])
    assert session.view == view
    assert session.ex is ex.for_view(view)
    assert update.state.setup_message in ("", "Hold still a moment in the start position.")
    assert session.engine.state.phase != "setup"


def test_a_fixed_view_refuses_the_other():
    """Offline the view is the recording's: a stretch filmed the other way
    is asked to turn, not measured with the wrong definition."""
    ex = parse(TWO_VIEWS)
    image, vis, world = standing_frames(70.0, 30)
    session = ExerciseSession(ex, (640, 480), view="side")
    for i in range(30):
        update = session.update(i / 15, image[i], vis[i], world[i])
    assert session.view == "side"
    assert update.state.setup_message == "Turn side-on to the camera."


def test_the_recording_view_is_the_one_most_frames_show():
    front, _, _ = standing_frames(70.0, 20)
    side, _, _ = standing_frames(20.0, 10)
    image = np.concatenate([side, front])
    visibility = np.ones((30, 33), np.float32)
    ex = parse(TWO_VIEWS)
    assert recording_view(ex, image, visibility, (640, 480)) == "front"
    assert recording_view(ex, image[:10], visibility[:10], (640, 480)) == "side"
    side_only = parse(TWO_VIEWS.split("[views.front]")[0])
    assert recording_view(side_only, image, visibility, (640, 480)) == "side"


def test_impossible_views_must_not_be_defined():
    ex = parse(
        TWO_VIEWS.replace('measured_views = ["side"]', 'measured_views = ["side"]\nimpossible_views = ["above"]')
    )
    assert ex.impossible_views == ("above",)
    with pytest.raises(PosecheckError, match="impossible_views.*'front'"):
        parse(TWO_VIEWS.replace('measured_views = ["side"]', 'measured_views = ["side"]\nimpossible_views = ["front"]'))


def test_the_readme_views_table_is_the_files():
    """The README's views table is `posecheck list --views`: regenerate it
    there when a file's views change."""
    from pathlib import Path

    from posecheck.listings import views_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert views_table([load_exercise_file(p) for p in exercise_paths()]) in readme


def test_faces_away_reads_the_nose_depth():
    from posecheck.core.setup_check import AWAY_NOSE_BEHIND_M, faces_away

    world = np.zeros((33, 3))
    world[L.LEFT_EAR, 2] = world[L.RIGHT_EAR, 2] = 0.0
    world[L.NOSE, 2] = -0.11  # in front of the ears: facing the camera
    assert not faces_away(world)
    world[L.NOSE, 2] = 0.17
    assert faces_away(world)
    world[L.NOSE, 2] = AWAY_NOSE_BEHIND_M / 2
    assert not faces_away(world)
    world[L.NOSE, 2] = np.nan
    assert not faces_away(world)


@pytest.mark.parametrize("nose_z_m, view", [(-0.11, "front"), (0.17, "behind")])
def test_a_back_is_measured_from_behind(nose_z_m, view):
    text = TWO_VIEWS + '\n[views.behind.metrics]\nhip_deg = { joint = ["shoulder", "hip", "knee"], side = "mean" }\n'
    ex = parse(text)
    image, vis, world = standing_frames(70.0, 30)
    world[:, L.NOSE, 2] = nose_z_m
    session = ExerciseSession(ex, (640, 480))
    for i in range(30):
        session.update(i / 15, image[i], vis[i], world[i])
    assert session.view == view
    # Offline the same from the whole recording.
    assert recording_view(ex, image, vis, (640, 480), world) == view


def test_a_front_exercise_seen_from_behind_asks_to_turn_round():
    text = TWO_VIEWS.replace('camera_view = "side"', 'camera_view = "front"').replace('measured_views = ["side"]', "")
    ex = parse(text.split("[views.front]")[0])
    image, vis, world = standing_frames(70.0, 30)
    world[:, L.NOSE, 2] = 0.17
    session = ExerciseSession(ex, (640, 480))
    for i in range(30):
        update = session.update(i / 15, image[i], vis[i], world[i])
    assert update.state.setup_message == "Turn to face the camera."


@pytest.mark.parametrize(
    "clip, exercise, view",
    [
        ("squat_behind_far", "squat", "behind"),
        ("squat_behind_yaw_far", "squat", "behind"),
        ("squat_front_far", "squat", "front"),
        ("squat_front_high_far", "squat", "front"),
        ("push_up_front", "push_up", "front"),
        ("push_up_far_front", "push_up", "front"),
        ("push_up_yaw_side", "push_up", "side"),
    ],
)
def test_rendered_clips_are_measured_in_the_view_they_show(clip, exercise, view):
    """The bundled views on rendered clips: each recording (whole, offline)
    and each session (live, from its first frames) picks the view filmed."""
    ex = load_exercise(exercise)
    track = LandmarkTrack.load(SAMPLES / f"{clip}.npz")
    assert recording_view(ex, track.image_xyz, track.visibility, track.frame_size, track.world_xyz) == view
    session = ExerciseSession(ex, track.frame_size)
    for i in range(30):
        session.update(float(track.t_s[i]), track.image_xyz[i], track.visibility[i], track.world_xyz[i])
    assert session.view == view


def _turned_round(first: str, first_s: float, then: str, blend_s: float = 0.7) -> tuple:
    """`first_s` of one rendered clip, a turn, then the whole of the other:
    (t_s, image, visibility, world) frame by frame."""
    track = joined_clips([(first, 0.0, first_s), (then, 0.0, math.inf)], blend_s)
    return track.t_s, track.image_xyz, track.visibility, track.world_xyz


@pytest.mark.parametrize("standing", ["arm_circles_far_front", "chin_digit_writing_front"])
def test_offline_only_frames_in_position_vote_for_the_view(standing):
    """A side-on push-up recording with 12 s of the person standing facing
    the camera before and after: most frames show a front, but only frames
    in the exercise's position (down) vote, so the push-ups are measured
    side-on and counted (the front view counted none)."""
    track = joined_clips([(standing, 0.0, 12.0), ("push_up_yaw_side", 0.0, math.inf), (standing, 0.0, 12.0)])
    ex = load_exercise("push_up")
    view = recording_view(ex, track.image_xyz, track.visibility, track.frame_size, track.world_xyz)
    assert view == "side"
    assert len(analyze_track(track, ex).reps) == 4


@pytest.mark.parametrize("first", ["squat_behind_far", "squat_front_far"])
def test_live_the_view_follows_a_turn_before_anything_counts(first):
    """Walking to the spot back to (or facing) the camera, then squatting
    side-on: once set up the view used to be fixed, and the squats counted
    nothing. Until something counts, a supported view seen for
    VIEW_SWITCH_S takes over."""
    t_s, image, vis, world = _turned_round(first, 1.5, "squat_side_render")
    session = ExerciseSession(load_exercise("squat"), (640, 480))
    views = set()
    for i in range(len(t_s)):
        session.update(float(t_s[i]), image[i], vis[i], world[i])
        views.add(session.view)
    assert first.split("_")[1] in views  # it was set up in the first view
    assert session.view == "side" and len(session.reps) == 5


def test_live_the_view_stays_once_counting_started():
    """Side-on squats, then the person turns to face the camera: what was
    counted stays, and so does the view."""
    t_s, image, vis, world = _turned_round("squat_side_render", 24.0, "squat_front_far")
    session = ExerciseSession(load_exercise("squat"), (640, 480))
    for i in range(len(t_s)):
        session.update(float(t_s[i]), image[i], vis[i], world[i])
    assert session.view == "side" and len(session.reps) >= 5


@pytest.mark.parametrize(
    "pieces, exercise, reps",
    [
        (["squat_front_far", "squat_side_render", "squat_front_far"], "squat", 15),
        (["push_up_front", "push_up_yaw_side"], "push_up", 8),
    ],
)
def test_a_demo_shown_from_one_view_then_another_is_measured_in_each(pieces, exercise, reps):
    """An edited demo: the same exercise from the front, then side-on (a
    cross-fade between). Offline each part is measured in its own view
    (view_segments); measured in one view, the side-on squats read as front
    squats counted 3 of 9 in a real CrossFit demo."""
    from posecheck.core.view_choice import frame_votes, view_segments

    ex = load_exercise(exercise)
    track = joined_clips([(p, 0.0, math.inf) for p in pieces])
    votes = frame_votes(ex, track.image_xyz, track.visibility, track.frame_size, track.world_xyz)
    parts = view_segments(ex, track.t_s, votes)
    assert len(parts) == len(pieces)
    result = analyze_track(track, ex)
    assert len(result.reps) == reps
    assert result.frame_states[-1].reps == reps  # the overlay's count goes on across the parts
    assert not [w for w in result.warnings if w.severity != "info"]
    assert len(result.usable) == len(track) and all(len(v) == len(track) for v in result.metrics.values())


def test_one_view_throughout_is_one_part():
    from posecheck.core.view_choice import frame_votes, view_segments

    ex = load_exercise("squat")
    track = joined_clips([("squat_front_far", 0.0, math.inf), ("squat_front_yaw_far", 0.0, math.inf)])
    votes = frame_votes(ex, track.image_xyz, track.visibility, track.frame_size, track.world_xyz)
    assert view_segments(ex, track.t_s, votes) == [(0, len(track))]


@pytest.mark.parametrize("cuts, split", [((), 120), ((105,), 105), ((50, 105, 138), 105), ((50,), 120)])
def test_the_split_between_views_is_at_the_cut_between_them(cuts, split):
    """Front-view votes to 10 s, none while the shot changes, side-view
    votes from 14 s (10 fps). An edit changes the view at its cut: the part
    before ends there, not midway between the votes (review M3: a rep under
    way at the cut had its end measured in the wrong view). Of several cuts
    in between, the one nearest midway; a cut elsewhere is not a split;
    with none in between, midway."""
    from posecheck.core.view_choice import view_segments

    votes = [("front", True)] * 100 + [None] * 40 + [("side", True)] * 100
    t_s = np.arange(len(votes)) / 10.0
    assert view_segments(load_exercise("squat"), t_s, votes, cuts) == [(0, split), (split, len(votes))]
