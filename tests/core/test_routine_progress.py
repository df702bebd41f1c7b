"""A routine's steps, sets, rests and check-ins, without a camera or a clock."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from posecheck.core.routine_progress import CHECKIN_S, RoutineProgress
from posecheck.spec import load_exercise
from posecheck.spec.model import Prescription

SIZE = (640, 480)


def exercise(ex_id: str, **prescription: float):
    ex = load_exercise(ex_id)
    return dataclasses.replace(ex, prescription=Prescription(**prescription))


def counted(
    progress: RoutineProgress,
    reps: int = 0,
    by_side: dict[str, int] | None = None,
    holds_completed: int = 0,
    last_t_s: float | None = None,
) -> None:
    """Stand in for what the step's session has counted so far."""
    assert progress.step is not None
    progress.step.session = SimpleNamespace(
        engine=SimpleNamespace(state=SimpleNamespace(reps_by_side=by_side or {})),
        reps=[object()] * reps,
        holds=[SimpleNamespace(completed=True)] * holds_completed,
        last_t_s=last_t_s,
    )


def test_steps_start_in_order_and_the_next_is_shown_between_them():
    a, b = exercise("body_rocks", sets=1, reps=2), exercise("arm_circles", sets=1, reps=2)
    progress = RoutineProgress([a, b], SIZE)
    assert progress.exercise_shown is a and progress.due_to_start(0.0)
    st = progress.start_next(1.0, 1000.0)
    assert (st.index, st.exercise, st.started_t_s, st.started_at) == (0, a, 1.0, 1000.0)
    assert not progress.due_to_start(2.0)
    progress.end_step(5.0)
    assert progress.exercise_shown is b and progress.more_steps
    assert progress.start_next(20.0, 1020.0).index == 1
    progress.end_step(30.0)
    assert not progress.more_steps and not progress.due_to_start(100.0)
    assert progress.exercise_shown is b  # the last one, once all are done


def test_the_checkin_holds_the_next_step_until_answered_or_timed_out():
    ex = exercise("body_rocks", sets=1, reps=2)
    progress = RoutineProgress([ex, ex], SIZE)
    progress.start_next(0.0, 0.0)
    progress.end_step(10.0)
    assert progress.checkin_for == 0 and progress.checkin_until_t_s == 10.0 + CHECKIN_S
    assert not progress.due_to_start(10.0 + CHECKIN_S - 0.1)
    assert progress.due_to_start(10.0 + CHECKIN_S)
    progress.checkin_for = None  # answered
    assert progress.due_to_start(10.5)


def test_sets_end_with_a_rest_and_the_step_after_the_last_set():
    progress = RoutineProgress([exercise("body_rocks", sets=2, reps=3, rest_s=30.0)], SIZE)
    progress.start_next(0.0, 0.0)
    counted(progress, reps=2)
    assert not progress.end_set_if_due(5.0) and progress.reps_in_set() == 2
    counted(progress, reps=3)
    assert progress.end_set_if_due(6.0)
    assert progress.step is not None
    assert (progress.step.sets_done, progress.step.rest_until_t_s) == (1, 36.0)
    assert progress.resting(6.0) and progress.resting(35.9) and not progress.resting(36.0)
    assert progress.reps_in_set() == 0 and not progress.step_done()
    assert not progress.end_set_if_due(7.0)  # counted once
    counted(progress, reps=6)
    assert not progress.end_set_if_due(50.0)  # the last set: no rest after it
    assert progress.step_done()


def test_sided_reps_count_by_the_side_behind():
    progress = RoutineProgress([exercise("body_rocks", sets=2, reps=2)], SIZE)
    progress.start_next(0.0, 0.0)
    counted(progress, by_side={"left": 3, "right": 1})
    assert progress.set_reps() == 1 and not progress.end_set_if_due(1.0)
    counted(progress, by_side={"left": 3, "right": 2})
    assert progress.end_set_if_due(2.0)
    assert progress.reps_in_set() == {"left": 1, "right": 0}
    counted(progress, by_side={"left": 4, "right": 4})
    assert progress.step_done()


def test_a_step_without_reps_is_never_done_by_count():
    progress = RoutineProgress([exercise("body_rocks", sets=1, reps=0)], SIZE)
    progress.start_next(0.0, 0.0)
    counted(progress, reps=50)
    assert not progress.step_done() and not progress.end_set_if_due(1.0)


@pytest.mark.parametrize(("completed", "done"), [(5, False), (6, True)])
def test_a_hold_step_is_done_after_its_holds(completed, done):
    progress = RoutineProgress([exercise("body_shakes", sets=3, reps=2, hold_s=10.0)], SIZE)
    progress.start_next(0.0, 0.0)
    counted(progress, holds_completed=completed)
    assert progress.step_done() is done


@pytest.mark.parametrize(("last_t_s", "done"), [(69.9, False), (70.0, True)])
def test_a_timer_step_is_done_after_its_time(last_t_s, done):
    progress = RoutineProgress([exercise("chin_digit_writing", sets=2, hold_s=30.0)], SIZE)
    progress.start_next(10.0, 0.0)
    counted(progress, last_t_s=last_t_s)
    assert progress.step_done() is done
