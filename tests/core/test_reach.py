"""Why no rep was counted: the movement that fell short (core/engine/reach.py)."""

import math

from test_engine import REPS, SEQUENCE, SIDED_HOLD, exercise, rep, run, segments

from posecheck.core.engine.reach import ReachTally


def feed(tally, flexion, extension):
    """Feed progress (0 neutral, 1 end) as the metric values that read it."""
    moves = {m.name: m for m in tally.rule.movements}
    for i, (p, q) in enumerate(zip(flexion, extension)):
        values = {
            moves[n].metric: moves[n].neutral + v * (moves[n].end - moves[n].neutral)
            for n, v in (("flexion", p), ("extension", q))
        }
        tally.update(i / 15, values)


def test_the_step_that_fell_short_is_named_with_how_far_it_got():
    """As a superman: one step well past its end, the other under half way."""
    tally = ReachTally(exercise(SEQUENCE).reps)
    feed(tally, [0.0, 0.3, 0.47, 0.47, 0.47, 0.2], [0.0, 1.5, 3.4, 3.4, 3.4, 1.0])
    when, message = tally.note()
    assert message == "No rep counted: the flexion step (f) got only as far as 19, short of the 30 a rep needs."
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
        tally.update(i / 15, {"l": 20.0, "r": 12.0})  # half way to 30 from 10; a tenth
    assert (
        tally.note()[1] == "No rep counted: the left movement (l) got only as far as 20, short of the 30 a rep needs."
    )
