"""The live trainer's status strip says where the routine is."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from posecheck.core.routine_progress import RoutineProgress
from posecheck.spec import load_exercise
from posecheck.spec.model import Prescription
from posecheck.ui.text import first_sentence, status_line


def progress_of(
    ex_id: str, counted: int = 0, by_side: dict[str, int] | None = None, **prescription: float
) -> RoutineProgress:
    ex = dataclasses.replace(load_exercise(ex_id), prescription=Prescription(**prescription))
    progress = RoutineProgress([ex], (640, 480))
    st = progress.start_next(0.0, 0.0)
    st.session = SimpleNamespace(
        engine=SimpleNamespace(state=SimpleNamespace(reps_by_side=by_side or {})), reps=[object()] * counted
    )
    return progress


def test_the_set_count_then_the_instruction():
    progress = progress_of("body_rocks", counted=4, sets=3, reps=10)
    line = status_line(progress, 1.0, paused=False, quitting=False)
    assert line == f"Set 1/3: 4 of 10 | {first_sentence(progress.exercise_shown)}"


def test_sides_are_counted_apart_within_the_set():
    progress = progress_of("body_rocks", by_side={"left": 12, "right": 10}, sets=2, reps=10)
    assert progress.end_set_if_due(5.0)
    assert status_line(progress, 100.0, False, False).startswith("Set 2/2: L 2, R 0 of 10 | ")


def test_rest_pause_checkin_and_done():
    progress = progress_of("body_rocks", counted=10, sets=2, reps=10, rest_s=30.0)
    assert progress.end_set_if_due(5.0)
    assert status_line(progress, 5.2, False, False) == "Rest 30 s"
    assert status_line(progress, 5.2, True, False) == "Paused: press space to go on."
    progress.end_step(40.0)
    assert status_line(progress, 41.0, False, False) == "Any pain? 0 none, 1 mild, 2 strong"
    progress.checkin_for = None
    assert status_line(progress, 50.0, False, False) == "Routine done."


def test_a_step_without_reps_shows_its_instruction():
    progress = progress_of("chin_digit_writing", sets=1, hold_s=60.0)
    assert status_line(progress, 1.0, False, False) == first_sentence(progress.exercise_shown)
