"""Where the person rests: the baseline of relative metrics (baseline.py)."""

from __future__ import annotations

import itertools
import json
import math
import tomllib

import numpy as np
import pytest

from posecheck.core.analysis import analyze_track
from posecheck.core.baseline import StreamingBaseline, rest_directions, rest_range, rest_reaches
from posecheck.core.engine import ExerciseEngine
from posecheck.core.events import Event, EventKind, RepRecord
from posecheck.core.landmarks import landmark_index
from posecheck.core.metrics import MetricDef
from posecheck.core.replay import new_counts, takes_nothing_back
from posecheck.core.rest_level import bounded_rest_level, rest_level, rest_level_shown
from posecheck.core.session import ExerciseSession
from posecheck.core.track import LandmarkTrack
from posecheck.io.report import build_report
from posecheck.spec import load_exercise, load_exercise_file, parse_exercise

from conftest import SAMPLES

FPS = 30.0


def segments(*parts: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """(t_s, values) from (start value, end value, seconds) linear pieces."""
    out = []
    for a, b, secs in parts:
        out.append(np.linspace(a, b, max(int(round(secs * FPS)), 1), endpoint=False))
    x = np.concatenate(out)
    return np.arange(len(x)) / FPS, x


def test_directions_come_from_the_movements_and_twins_share_them():
    # cat_cow: head down (+) and head up (the same measure negated, +):
    # one measure moved both ways.
    dirs = rest_directions(load_exercise("cat_cow"))
    assert dirs["head_down_deg"] == {1, -1} and dirs["head_up_deg"] == {1, -1}
    # A chest lift and a leg lift: each moved one way, up.
    dirs = rest_directions(load_exercise("prone_trunk_then_legs_raise"))
    assert dirs == {"trunk_lift_deg": {1}, "legs_lift_deg": {1}}


def test_directions_pass_through_a_combine():
    text = """
schema = 1
id = "t"
title = "t"
kind = "reps"
position = "standing"
camera_view = "front"
regions = ["neck"]
instructions = "x"
required = []
[metrics]
l = { measure = "shoulder_elevation_pct", side = "left", relative = true }
r = { measure = "shoulder_elevation_pct", side = "right", relative = true }
both = { combine = "min", of = ["l", "r"] }
[reps]
metric = "both"
neutral = 5.0
end = 15.0
"""
    dirs = rest_directions(parse_exercise(tomllib.loads(text), "t.toml"))
    assert dirs == {"l": {1}, "r": {1}}


def test_a_form_rule_asking_for_the_metric_past_its_rest_gives_its_direction():
    """The chin-down turns hold the chin at least 12 deg down (a form rule
    on a metric no movement uses): its rest is where the chin is up. Taken
    as the median of the still frames (chin down most of the time), the
    chin read 0 past it and every correct turn got "chin not down". A floor
    under the rest or a ceiling over it says nothing."""
    assert rest_directions(load_exercise("norbekov_chin_to_chest_turns"))["chin_down_deg"] == {1}
    # head_turned: min -15, max 15 (a band round the rest).
    assert rest_directions(load_exercise("chin_press"))["head_turn_deg"] == set()


def test_a_first_raise_in_the_first_second_does_not_move_the_rest():
    # Rest at 10, the first raise starts 0.3 s in (to 25, held 2.7 s), two
    # more raises: the rest is 10, where the first second's median is 18.
    t, x = segments(
        (10, 10, 0.3),
        (10, 25, 0.5),
        (25, 25, 2.2),
        (25, 10, 0.5),
        (10, 10, 1.5),
        (10, 25, 0.5),
        (25, 25, 2.5),
        (25, 10, 0.5),
        (10, 10, 1.5),
    )
    assert float(np.median(x[t <= 1.0])) > 15
    assert rest_level(x, t, {1}, band=3.0) == pytest.approx(10.0, abs=0.5)
    # The same movement falling: the rest is at the top.
    assert rest_level(-x, t, {-1}, band=3.0) == pytest.approx(-10.0, abs=0.5)


def test_a_metric_moved_both_ways_rests_where_the_person_comes_back_to():
    # Starts in a hold at +30, then -20 hold, rest at 5 between every move;
    # the extension hold (-20) lasts longest but is visited once.
    t, x = segments(
        (30, 30, 2.0),
        (30, 5, 0.5),
        (5, 5, 1.0),
        (5, -20, 0.5),
        (-20, -20, 6.0),
        (-20, 5, 0.5),
        (5, 5, 1.0),
        (5, -40, 0.5),
        (-40, -40, 1.0),
        (-40, 5, 0.5),
        (5, 5, 1.0),
    )
    assert rest_level(x, t, {1, -1}, band=4.0) == pytest.approx(5.0, abs=0.5)


def test_turns_that_pass_the_middle_without_a_pause_rest_at_the_midpoint():
    # Starts turned left (+40): left and right turns, no pause at the middle.
    t, x = segments(*[(s * 40, -s * 40, 0.6) for s in (1, -1) * 5], (40, 40, 1.0))
    assert rest_level(x, t, {1, -1}, band=12.0) == pytest.approx(0.0, abs=3.0)


def test_a_start_part_way_into_a_turn_is_not_the_rest():
    # The recording starts with the head turned 38 deg, still for 0.4 s,
    # then turns to the ends (-52 and +68) and pauses there 1 s each,
    # passing the middle without a pause. The first moment is inside the
    # extremes but near one: a start part-way into a turn, not a rest. The
    # rest is the midpoint (8).
    ends = [(-52, -52, 1.0), (-52, 68, 0.6), (68, 68, 1.0), (68, -52, 0.6)] * 4
    t, x = segments((-38, -38, 0.4), (-38, -52, 0.2), *ends)
    assert rest_level(x, t, {1, -1}, band=12.0) == pytest.approx(8.0, abs=2.0)
    # A short pause well inside the range is a rest.
    t, x = segments(*ends, (-52, 20, 0.4), (20, 20, 0.6))
    assert rest_level(x, t, {1, -1}, band=12.0) == pytest.approx(20.0, abs=1.0)


def test_nan_frames_are_left_out():
    t, x = segments((10, 10, 1.0), (10, 25, 0.5), (25, 25, 1.0))
    x[5:15] = np.nan
    assert rest_level(x, t, {1}, band=3.0) == pytest.approx(10.0, abs=0.5)
    assert math.isnan(rest_level(np.full(10, np.nan), np.arange(10) / FPS, {1}, 3.0))


def _stream(ex_id: str, name: str, values: np.ndarray) -> tuple[StreamingBaseline, list[float]]:
    ex = load_exercise(ex_id)
    base = StreamingBaseline(ex)
    m = next(d for d in ex.metrics if d.name == name)
    others = [d for d in ex.metrics if d.relative and d.name != name]
    out = []
    for i, v in enumerate(values):
        base.frame(i / FPS, True)
        out.append(float(base.adjust(m, np.array([v]))[0]))
        for d in others:  # every relative metric of the frame is fed, as the session does
            base.adjust(d, np.array([v if not d.negate else -v]))
    return base, out


def test_live_waits_for_the_person_to_be_still_then_takes_their_rest():
    # Moving for the first 1.5 s (no rest to take: NaN, "hold still"), then
    # still at 12 for a second: the rest is 12.
    _, x = segments((0, 20, 0.75), (20, 0, 0.75), (12, 12, 1.5), (12, 30, 0.5))
    base, out = _stream("back_hyperextension", "trunk_lift_deg", x)
    assert all(math.isnan(v) for v in out[: int(1.5 * FPS)])
    assert base.levels["trunk_lift_deg"] == pytest.approx(12.0, abs=0.5)
    assert out[-1] == pytest.approx(x[-1] - 12.0, abs=0.5)


def test_live_finds_the_rest_again_when_the_person_started_raised():
    # Starts raised and still (20) for 1.2 s, lowers to 5 and rests 1.5 s:
    # the rest moves to 5 (a chest lift is moved up only) at the next
    # estimate from the recording so far.
    _, x = segments((20, 20, 1.2), (20, 5, 0.5), (5, 5, 1.5))
    base, _ = _stream("back_hyperextension", "trunk_lift_deg", x)
    assert base.levels["trunk_lift_deg"] == pytest.approx(5.0, abs=0.5)


def test_live_finds_the_rest_of_a_person_who_never_holds_still_from_the_movement():
    # Chest lifts from the first frame, down for 0.4 s between them: never
    # still for a calibration window (1 s). Waiting (NaN) until one lift has
    # left the rest (0) and come back, then the rest is the bottom.
    _, x = segments(*[(0, 0, 0.4), (0, 30, 0.8), (30, 0, 0.8)] * 4)
    base, out = _stream("back_hyperextension", "trunk_lift_deg", x)
    assert all(math.isnan(v) for v in out[: int(1.6 * FPS)])
    assert base.levels["trunk_lift_deg"] == pytest.approx(0.0, abs=1.0)
    assert out[-1] == pytest.approx(x[-1], abs=1.0)


def test_a_rest_is_shown_by_a_movement_only_once_it_came_back():
    _, x = segments((0, 20, 0.8), (20, 0, 0.8))
    half = int(0.8 * FPS)
    assert not rest_level_shown(x[:half], 0.0, 2.0)  # out, not back yet
    assert rest_level_shown(x, 0.0, 2.0)
    assert not rest_level_shown(x, 20.0, 2.0)  # the top was reached, never come back to
    _, settled = segments((20, 0, 0.8), (0, 0, 0.5))
    assert not rest_level_shown(settled, 0.0, 2.0)  # started out, came to 0 and stayed: no movement seen
    assert not rest_level_shown(np.array([0.0, 5.0, 0.5]), 0.0, 2.0)  # 5 is no movement out of a 2 band
    assert not rest_level_shown(np.full(4, np.nan), 0.0, 2.0)


@pytest.mark.parametrize(
    "clip",
    [
        # The nods go on without a pause: the rest is found only after some
        # (5 of 6 before the wait was counted again).
        "seated_nod_side_trim_midrep",
        # Entered in the cow (2 of 3 before).
        "cat_cow_side_trim_in_cow",
        # Started part-way into a turn, a raise, a lift, held a moment: that
        # was the first rest, corrected once the movement showed the rest
        # (3 of 4, 8 of 9 and 3 of 4 before the session was counted again).
        "norbekov_chin_to_chest_turns_front_trim_midturn",
        "shoulder_raises_front_trim_midrep",
        "prone_trunk_then_legs_raise_side_trim_midrep",
    ],
)
def test_live_counts_the_reps_done_before_the_rest_was_known(clip):
    """Live finds the rest (or corrects the first one) only after some reps;
    those count once it does: the session is counted again from its first
    frame with it (core/replay.py), as the analysis of the whole recording
    counts them."""
    truth = json.loads((SAMPLES / f"{clip}.truth.json").read_text())
    track, ex = LandmarkTrack.load(SAMPLES / f"{clip}.npz"), load_exercise(truth["exercise"])
    live = analyze_track(track, ex, look_ahead=False)
    assert len(live.reps) == truth["reps"]
    # Each rep announced once, however often the session was counted again,
    # and the prescription judged on the reps as finally counted (the
    # fatigue monitor saw the replaced engine's reps: no "That is the
    # prescribed 5" on the nods).
    assert sum(e.kind == EventKind.REP for e in live.events) == len(live.reps)
    said = {w.rule for w in live.warnings if w.rule == "prescription_done"}
    assert said == {w.rule for w in analyze_track(track, ex).warnings if w.rule == "prescription_done"}


def test_a_recount_is_taken_only_if_it_takes_back_nothing_counted():
    engine = ExerciseEngine(load_exercise("shoulder_raises"))
    engine.counter.reps += [RepRecord(float(t), None, 30.0) for t in range(2)]
    assert takes_nothing_back(engine, 2, 0, 0)
    assert takes_nothing_back(engine, 1, 0, 1)  # a partial rep became a whole one
    assert not takes_nothing_back(engine, 3, 0, 0)  # a rep the person heard would go
    assert not takes_nothing_back(engine, 2, 1, 0)  # and a completed hold


def test_a_recount_announces_only_the_counts_not_heard_yet():
    rep = [Event(float(t), EventKind.REP) for t in range(4)]
    held = Event(5.0, EventKind.HOLD_COMPLETED)
    ready = Event(0.0, EventKind.READY)
    assert new_counts([ready, *rep, held], 2, 0) == [rep[2], rep[3], held]
    assert new_counts([ready, *rep, held], 5, 1) == []


def test_a_recount_is_in_the_log_and_keeps_its_hold_lines_paired():
    """Live, a recording trimmed mid-hold is counted again twice as its rest
    is found and corrected: each recount says so (a `recount` line with the
    counts), and every hold_started has its hold_ended (a hold the old count
    had opened was left open in the log: 3 started, 2 ended)."""
    clip = "neck_rotation_hold_front_trim_midhold"
    truth = json.loads((SAMPLES / f"{clip}.truth.json").read_text())
    track, ex = LandmarkTrack.load(SAMPLES / f"{clip}.npz"), load_exercise(truth["exercise"])
    live = analyze_track(track, ex, look_ahead=False)
    kinds = [e.kind for e in live.events]
    recounts = [e for e in live.events if e.kind == EventKind.RECOUNT]
    assert recounts and all(set(e.detail) == {"reps", "partial_reps", "holds_completed"} for e in recounts)
    assert recounts[-1].detail["reps"] <= len(live.reps)
    assert kinds.count(EventKind.HOLD_STARTED) == kinds.count(EventKind.HOLD_ENDED) >= 2


def test_fixed_rest_is_ready_from_the_first_frame():
    ex = load_exercise("back_hyperextension")
    base = StreamingBaseline(ex, fixed={"trunk_lift_deg": 3.0})
    base.frame(0.0, True)
    m = MetricDef(name="trunk_lift_deg", elevation=("hip", "shoulder"), relative=True)
    assert float(base.adjust(m, np.array([10.0]))[0]) == pytest.approx(7.0)


def test_live_takes_the_middle_of_turns_only_once_both_sides_were_seen_twice():
    # Starts turned left (+40) and still: the first rest is +40. One turn to
    # the right is not enough to tell; left and right twice each is.
    ex = "neck_rotation_hold"
    _, x = segments((40, 40, 1.0), (40, -40, 0.6), (-40, -40, 1.2))
    base, _ = _stream(ex, "turn_left_deg", x)
    assert base.levels["turn_left_deg"] == pytest.approx(40.0, abs=1.0)
    _, x = segments(
        (40, 40, 1.0),
        *[(a, b, secs) for a, b in ((40, -40), (-40, -40), (-40, 40), (40, 40)) for secs in (0.6,)] * 2,
        (40, -40, 0.6),
        (-40, -40, 1.2),
    )
    base, _ = _stream(ex, "turn_left_deg", x)
    assert base.levels["turn_left_deg"] == pytest.approx(0.0, abs=3.0)


def test_each_direction_reaches_as_far_as_the_exercise_asks():
    """The least distance from rest each way: a movement's end, a hold's
    bound; a negated twin shares them with the sign turned."""
    front = load_exercise("norbekov_head_up_down").for_view("front")
    assert rest_reaches(front)["head_pitch_deg"] == {1: 12.0, -1: 4.5}
    assert rest_reaches(front)["head_extension_deg"] == {1: 4.5, -1: 12.0}
    assert rest_reaches(load_exercise("neck_rotation_hold"))["turn_left_deg"] == {1: 30.0, -1: 30.0}


def test_live_rest_of_a_movement_that_goes_further_one_way():
    """Looking down 34 deg and up 14 (a look-up is kept small), pausing
    level between: the level head is 14 deg from the lower extreme. Live
    took a rest between the extremes only two and a half bands (20 deg)
    from each, so it took their midpoint, 10 deg down, and a level head then
    read "up" (the rendered head close-up counted 4 for 3). Each side is
    now held to how far the exercise moves that way (down 12, up 8)."""
    level = (0.0, 0.0, 1.2)
    down = [(0.0, 34.0, 0.8), (34.0, 34.0, 2.0), (34.0, 0.0, 0.8), level]
    up = [(0.0, -14.0, 0.8), (-14.0, -14.0, 2.0), (-14.0, 0.0, 0.8), level]
    _, x = segments(level, *down, *up, *down, *up)
    base, out = _stream("norbekov_head_up_down", "head_pitch_deg", x)
    assert base.levels["head_pitch_deg"] == pytest.approx(0.0, abs=1.0)
    assert out[-1] == pytest.approx(0.0, abs=1.0)


def test_live_counts_a_head_close_up_of_looks_down_and_up():
    """The rendered laptop close-up (head and shoulders, facing the camera):
    3 reps live, as offline."""
    clip = "norbekov_head_up_down_head_front"
    track = LandmarkTrack.load(SAMPLES / f"{clip}.npz")
    truth = json.loads((SAMPLES / f"{clip}.truth.json").read_text())
    live = analyze_track(track, load_exercise("norbekov_head_up_down"), look_ahead=False)
    assert len(live.reps) == truth["reps"] == 3


def test_live_a_person_never_still_rests_at_the_middle_of_their_swings():
    """Hip circles drawn without a pause (a real clip): no still place
    anywhere, so the live rest waited for the first still second, which
    came at a turning point (8 deg off the middle: 0 of 4 circles counted).
    Each extreme reached twice, in turn, now gives the midpoint, as offline;
    a person who rests between turns is not moved (the rest is a still
    place, and a turn from it, twice, is not the other extreme twice)."""
    swing = [(-6.0, 10.0, 0.6), (10.0, -6.0, 0.6)]
    t, x = segments(*swing * 2, (-6.0, 0.0, 0.3))
    assert rest_level(x, t, {1, -1}, band=1.2, so_far=True) == pytest.approx(2.0, abs=1.0)
    # One reach of each side is not enough to tell.
    t, x = segments(*swing, (-6.0, 0.0, 0.3))
    assert math.isnan(rest_level(x, t, {1, -1}, band=1.2, so_far=True))
    # Resting at 0 between two turns to +10: the rest is an extreme itself.
    t, x = segments(
        (0.0, 0.0, 1.0), (0.0, 10.0, 0.6), (10.0, 0.0, 0.6), (0.0, 0.0, 1.0), (0.0, 10.0, 0.6), (10.0, 0.0, 0.6)
    )
    assert math.isnan(rest_level(x, t, {1, -1}, band=1.2, so_far=True))


def test_misreads_scattered_past_the_rest_do_not_become_the_rest():
    """The rendered front squat with 1 standing frame in 12 read with the
    hips far above where they are (as an app's skeleton drawn over a real
    front squat made them jump): the one-way rest stays on the standing
    frames, and every squat is counted (at the 5th percentile the rest sat
    on the spikes and returns never reached neutral)."""
    track = LandmarkTrack.load(SAMPLES / "squat_front_far.npz")
    ex = load_exercise("squat")
    clean = analyze_track(track, ex)
    assert len(clean.reps) == 5
    hips = [landmark_index("left_hip"), landmark_index("right_hip")]
    standing = np.flatnonzero(clean.metrics["hip_height_pct"] > -5.0)
    image = track.image_xyz.copy()
    image[standing[::12][:, None], hips, 1] -= 0.08  # hips read 8% of the picture higher
    spiked = analyze_track(track.replace(image_xyz=image), ex)
    assert len(spiked.reps) == 5


TWINS = """
schema = 1
id = "t"
title = "t"
kind = "reps"
position = "standing"
camera_view = "side"
regions = ["lumbar"]
instructions = "x"
required = []
[metrics]
back = { measure = "trunk_lean_back_deg", relative = true, rest_range = [-5.0, 20.0] }
forward = { measure = "trunk_lean_back_deg", negate = true, relative = true }
[reps]
sides = "sequence"
[reps.movements.forward]
metric = "forward"
neutral = 10.0
end = 30.0
[reps.movements.back]
metric = "back"
neutral = 4.0
end = 10.0
"""


def test_twins_share_a_rest_range_each_in_its_own_sign():
    ex = parse_exercise(tomllib.loads(TWINS), "t.toml")
    back, forward = ex.metrics
    assert rest_range(ex, back) == (-5.0, 20.0)
    assert rest_range(ex, forward) == (-20.0, 5.0)
    # Twins still: the range is not part of what the metric measures.
    assert rest_directions(ex) == {"back": {1, -1}, "forward": {1, -1}}


# Folded 60 deg forward with half lifts to 35 (lean_back_deg of a standing
# forward bend, raw: upright is 0).
FOLD = [(-60, -60, 3.0), (-60, -35, 1.0), (-35, -35, 1.0), (-35, -60, 1.0)]
BACK = [(0, 0, 1.5), (0, 12, 1.0), (12, 12, 0.5), (12, 0, 1.0)]


def test_a_recording_spent_mostly_folded_rests_upright_within_the_rest_range():
    # Upright 0.3 s, then mostly folded, standing and leaning back twice in
    # between: the middle of the readings is the fold; among the places
    # within the file's rest range (20 deg of upright) the rest is standing.
    t, x = segments((0, 0, 0.3), (0, -60, 1.5), *FOLD * 3, (-60, 0, 1.5), *BACK * 2, (0, -60, 1.5), *FOLD * 3)
    assert rest_level(x, t, {1, -1}, band=4.0) < -20.0
    assert bounded_rest_level(x, t, {1, -1}, 4.0, (-20.0, 20.0)) == pytest.approx(0.0, abs=1.0)


def test_a_midpoint_rest_inside_the_rest_range_stands():
    # Turns to +-15 that pause only at their ends: the rest is the midpoint
    # (no still place between), inside the range, and stands: the ends'
    # still places, also inside, are not taken instead.
    t, x = segments(*[(a, b, s) for a, b in ((-15, 15), (15, 15), (15, -15), (-15, -15)) for s in (1.0,)] * 4)
    assert rest_level(x, t, {1, -1}, band=3.0) == pytest.approx(0.0, abs=1.0)
    assert bounded_rest_level(x, t, {1, -1}, 3.0, (-20.0, 20.0)) == pytest.approx(0.0, abs=1.0)


def test_a_rest_found_inside_the_rest_range_stands():
    # Standing reads +14 (a camera tilted a little) and the back bends reach
    # +26, past the range's end: the rest is standing, as without a range.
    t, x = segments(*[(a + 14, b + 14, s) for a, b, s in (BACK * 3)], (14, -30, 1.5), (-30, -30, 1.0), (-30, 14, 1.5))
    assert bounded_rest_level(x, t, {1, -1}, 4.0, (-20.0, 20.0)) == pytest.approx(14.0, abs=1.0)
    assert bounded_rest_level(x, t, {1, -1}, 4.0, (-20.0, 20.0)) == rest_level(x, t, {1, -1}, 4.0)


def test_live_waits_while_folded_then_rests_where_the_person_stands():
    # Starts folded and still: not the rest (outside the range), the
    # metrics stay unknown ("hold still"); standing, then bends: the rest
    # is standing, and a minute more of folding does not move it.
    _, x = segments((-60, -60, 2.0), (-60, 0, 1.5), *BACK * 3, *FOLD * 12)
    base, out = _stream("standing_forward_back_bend", "lean_back_deg", x)
    assert all(math.isnan(v) for v in out[: int(2.0 * FPS)])
    assert base.levels["lean_back_deg"] == pytest.approx(0.0, abs=1.0)
    assert base.levels["lean_forward_deg"] == -base.levels["lean_back_deg"]


def test_live_a_corrected_rest_is_not_a_jerk(tmp_path):
    """Live, the rest moves when the recording shows it was wrong: every
    relative reading steps on that frame (here by 26 deg, the forward bend
    spent mostly folded, read without its rest_range), which the speed rule
    read as "Slow down"."""
    src = (SAMPLES.parent / "exercises" / "standing_forward_back_bend.toml").read_text()
    assert src.count(", rest_range = [-20.0, 20.0]") == 1
    path = tmp_path / "standing_forward_back_bend.toml"
    path.write_text(src.replace(", rest_range = [-20.0, 20.0]", ""))
    track = LandmarkTrack.load(SAMPLES / "standing_forward_back_bend_side_mostly_folded.npz")
    session = ExerciseSession(load_exercise_file(path), track.frame_size)
    moved = []
    for i in range(len(track)):
        session.update(float(track.t_s[i]), track.image_xyz[i], track.visibility[i], track.world_xyz[i])
        if session.baseline.moved:
            moved.append(i)
    assert moved  # the rest was corrected at least once, each on one frame only
    assert all(b - a > 1 for a, b in itertools.pairwise(moved))
    assert not [w for w in session.warnings if w.rule == "sudden_movement"]


def test_the_report_gives_the_rest_a_rest_range_bounds():
    """The rest in the metric's own reading, as `rest_range` is written: the
    rendered fold's standing, 7.7 deg from the vertical (+ leaning back)."""
    track = LandmarkTrack.load(SAMPLES / "standing_forward_back_bend_side_mostly_folded.npz")
    result = analyze_track(track, load_exercise("standing_forward_back_bend"))
    assert result.rest_levels["lean_back_deg"] == pytest.approx(7.7, abs=0.5)
    assert result.rest_levels["lean_forward_deg"] == -result.rest_levels["lean_back_deg"]
    report = build_report(result, "x.mp4")
    assert report["rest_levels"]["lean_back_deg"] == pytest.approx(7.7, abs=0.5)
