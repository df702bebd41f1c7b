"""Where a live routine is: the step under way, its sets and rests, what comes next.

Out of the live trainer so that the order of a routine can be tested without
a camera, a model or a clock: every time is passed in (`t_s`: seconds of the
source, as the frames give them; `started_at`: the wall clock of a step's
start, only stored). The trainer asks it when to start the next step, counts
the frames into the step's session, and ends the step when `step_done`.

A routine runs its steps in order. A step with reps has `sets` sets of
`reps` reps (per side when the exercise counts sides), with `rest_s` of rest
after each set but the last; a hold step is done after its holds, a timer
step after `hold_s` per set. After each step the pain check-in is asked for
up to CHECKIN_S before the next step starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from posecheck.core.session import ExerciseSession
from posecheck.spec import Exercise

# Seconds to answer the pain/fatigue check-in after an exercise.
CHECKIN_S = 8.0


@dataclass
class StepState:
    """The routine step under way: its session, sets and rest."""

    index: int
    exercise: Exercise
    session: ExerciseSession
    started_t_s: float
    started_at: float
    rest_until_t_s: float = -math.inf
    sets_done: int = 0


class RoutineProgress:
    """The steps of a routine (or the one exercise) as they are done.

    Args:
        exercises: the steps in order, their prescription applied.
        frame_size: (width, height) of the frames, for each step's session.
    """

    def __init__(self, exercises: list[Exercise], frame_size: tuple[int, int]) -> None:
        self.exercises = exercises
        self.frame_size = frame_size
        # The camera's roll once found (core/level.py), for every step's session.
        self.camera_roll_deg: float | None = None
        self.step: StepState | None = None
        self.next_index = 0
        # The step whose pain check-in is asked, and until when.
        self.checkin_for: int | None = None
        self.checkin_until_t_s = -math.inf

    @property
    def more_steps(self) -> bool:
        """A step is still to start."""
        return self.next_index < len(self.exercises)

    @property
    def exercise_shown(self) -> Exercise:
        """The step's exercise, else the next one (the last one when all are
        done): the one the overlay names between steps."""
        if self.step is not None:
            return self.step.exercise
        return self.exercises[min(self.next_index, len(self.exercises) - 1)]

    def due_to_start(self, t_s: float) -> bool:
        """No step runs, one is left, and the check-in is answered or its time is up."""
        return self.step is None and self.more_steps and (self.checkin_for is None or t_s >= self.checkin_until_t_s)

    def start_next(self, t_s: float, started_at: float) -> StepState:
        """Start the next step at t_s (source seconds); started_at is the wall clock."""
        index = self.next_index
        ex = self.exercises[index]
        session = ExerciseSession(ex, self.frame_size, camera_roll_deg=self.camera_roll_deg)
        self.step = StepState(index, ex, session, t_s, started_at)
        self.next_index += 1
        return self.step

    def level_by(self, roll_deg: float) -> bool:
        """The camera's roll is known: the steps from now on read levelled
        landmarks, and so does the step under way if it is still setting up
        (nothing counted yet; see ExerciseSession.level_by). Returns whether
        the step under way (if any) took it."""
        self.camera_roll_deg = roll_deg
        return self.step is None or self.step.session.level_by(roll_deg)

    def end_step(self, t_s: float) -> StepState:
        """Close the step under way (once); its check-in is asked until t_s + CHECKIN_S."""
        st, self.step = self.step, None
        assert st is not None
        self.checkin_for = st.index
        self.checkin_until_t_s = t_s + CHECKIN_S
        return st

    def step_done(self) -> bool:
        """The step's prescription is met (all sets)."""
        st = self.step
        assert st is not None
        p = st.exercise.prescription
        s = st.session
        if st.exercise.kind == "timer":
            return p.hold_s > 0 and (s.last_t_s or 0) - st.started_t_s >= p.hold_s * p.sets
        if st.exercise.kind == "hold":
            return sum(h.completed for h in s.holds) >= max(p.reps, 1) * p.sets
        if not p.reps:
            return False
        target = p.reps * p.sets
        by_side = s.engine.state.reps_by_side
        counts = list(by_side.values()) if by_side else [len(s.reps)]
        return min(counts) >= target

    def set_reps(self) -> int:
        """Reps of the step so far (the fewer side's when sided)."""
        st = self.step
        assert st is not None
        by_side = st.session.engine.state.reps_by_side
        return min(by_side.values()) if by_side else len(st.session.reps)

    def end_set_if_due(self, t_s: float) -> bool:
        """True when a set's reps are in and another set follows: the set is
        counted and the rest starts at t_s."""
        st = self.step
        assert st is not None
        p = st.exercise.prescription
        if p.reps and self.set_reps() >= p.reps * (st.sets_done + 1) and st.sets_done + 1 < p.sets:
            st.sets_done += 1
            st.rest_until_t_s = t_s + p.rest_s
            return True
        return False

    def resting(self, t_s: float) -> bool:
        """In the rest between two sets of the step under way."""
        return self.step is not None and t_s < self.step.rest_until_t_s

    def reps_in_set(self) -> dict[str, int] | int:
        """The reps of the set under way: by side ({"left": n, "right": n})
        when the exercise counts sides, else one count."""
        st = self.step
        assert st is not None
        base = st.sets_done * st.exercise.prescription.reps
        by_side = st.session.engine.state.reps_by_side
        if by_side:
            return {side: max(by_side[side] - base, 0) for side in ("left", "right")}
        return max(len(st.session.reps) - base, 0)
