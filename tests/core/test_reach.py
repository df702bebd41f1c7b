"""Why no rep was counted: the movement that fell short (core/engine/reach.py)."""

import math

from test_engine import REPS, SIDED_HOLD, exercise, rep, run, segments

from posecheck.core.engine.reach import ReachTally

SEQUENCE = REPS.replace(
    """[reps]
metric = "a"
neutral = 10.0
end = 30.0
partial = 20.0
end_confirm_s = 0.1
""",
    """b = { joint = ["right_hip", "right_knee", "right_ankle"] }
[reps]
sides = "sequence"
end_confirm_s = 0.1
[reps.movements.trunk]
metric = "a"
neutral = 3.0
end = 9.0
[reps.movements.legs]
metric = "b"
neutral = 3.0
end = 7.0
""",
)


def feed(tally, trunk, legs):
    for i, (p, q) in enumerate(zip(trunk, legs)):
        tally.update(i / 15, {"trunk": p, "legs": q})


def test_the_step_that_fell_short_is_named_with_how_far_it_got():
    """A superman: the legs well past their end, the chest two thirds of the way."""
    tally = ReachTally(exercise(SEQUENCE).reps)
    feed(tally, [0.0, 0.3, 0.47, 0.47, 0.47, 0.2], [0.0, 1.5, 3.4, 3.4, 3.4, 1.0])
    when, message = tally.note()
    assert message == "No rep counted: the trunk step (a) got only as far as 6, short of the 9 a rep needs."
    assert when == 4 / 15


def test_nothing_tried_and_everything_reached_say_nothing():
    tally = ReachTally(exercise(SEQUENCE).reps)
    feed(tally, [0.1, 0.2, 0.2, 0.2], [0.0, 0.1, 0.3, 0.3])
    assert tally.note() is None  # a sway, not a try
    feed(tally, [1.2] * 4, [1.1] * 4)
    assert tally.note() is None  # both reached their ends: the order, not the reach


def test_one_frame_far_out_is_no_reach():
    tally = ReachTally(exercise(SEQUENCE).reps)
    feed(tally, [0.0, 0.9, 0.0, 0.0, math.nan, 0.5, 0.5], [0.0] * 7)
    # The 0.9 lasted one frame; the 0.5 two (a NaN breaks the run): no reach.
    assert tally.note() is None


def test_the_report_says_it_when_no_rep_or_partial_was_counted():
    # Three tries reaching 17 of the 30 needed (under partial, 20).
    trace = segments((0, 0, 1.0), *rep(peak=17.0), *rep(peak=17.0), *rep(peak=17.0))
    eng, _ = run(exercise(REPS), {"a": trace})
    assert eng.reps == [] and eng.partial_reps == 0
    assert [m for _, m in eng.notes] == [
        "No rep counted: the movement (a) got only as far as 17, short of the 30 a rep needs."
    ]


def test_no_note_once_a_rep_or_a_partial_counted():
    counted, _ = run(exercise(REPS), {"a": segments((0, 0, 1.0), *rep(), *rep(peak=17.0))})
    partial, _ = run(exercise(REPS), {"a": segments((0, 0, 1.0), *rep(peak=25.0))})
    assert len(counted.reps) == 1 and counted.notes == []
    assert partial.partial_reps == 1 and partial.notes == []


def test_a_sided_movement_is_named_by_its_side():
    ex = exercise(
        SIDED_HOLD.replace("[hold]\ntarget_s = 2.0\ngrace_s = 0.5\nexit_fraction = 0.75\n", "").replace(
            'kind = "reps_with_hold"', 'kind = "reps"'
        )
    )
    tally = ReachTally(ex.reps)
    for i in range(4):
        tally.update(i / 15, {"left": 0.5, "right": 0.1})
    assert (
        tally.note()[1] == "No rep counted: the left movement (l) got only as far as 20, short of the 30 a rep needs."
    )
