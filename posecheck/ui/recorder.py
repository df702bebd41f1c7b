"""What a live session stores, and what could not be stored.

Everything that happens is appended to the session log at once (see
io/sessionlog.py), and each exercise's results go into the history database
as that exercise ends. A failing write (a full disk, a history database gone)
never ends the trainer's inference thread unseen: each problem is kept as one
line in `failures`, which the trainer prints when the session ends.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

from posecheck.core.events import Event, EventKind
from posecheck.core.routine_progress import StepState
from posecheck.errors import PosecheckError
from posecheck.io.sessionlog import ExerciseResult, SessionLog, home, record_result, record_session

# Events logged with their time and exercise only (the others with their side and detail too).
PLAIN_EVENTS = (EventKind.POSE_LOST, EventKind.POSE_FOUND, EventKind.READY, EventKind.STEP_DONE, EventKind.HOLD_STARTED)


class SessionRecorder:
    """The session log and the history rows of one live session.

    Starts the session in both (refusing to start, with a PosecheckError,
    when either cannot be written).
    """

    def __init__(
        self,
        session_id: str,
        started_at: float,
        source_name: str,
        exercises: list[str],
        db: Path | None,
        log_dir: Path | None,
    ) -> None:
        self.session_id = session_id
        self.db = db
        self.log = SessionLog((log_dir or home() / "sessions") / f"{session_id}.jsonl")
        try:
            record_session(session_id, started_at, source_name, self.log.path, db)
        except (OSError, sqlite3.Error) as exc:  # before anything is recorded: refuse to start
            raise PosecheckError(f"{db or home() / 'history.db'}: cannot write the history ({exc})") from None
        # One line each for what could not be stored; printed when the session ends.
        self.failures: list[str] = []
        # The log could not be written: the session stops, since nothing more could be recorded.
        self.log_failed = False
        self.record("session_start", session=session_id, source=source_name, exercises=exercises)
        if self.failures:
            raise PosecheckError(self.failures[0])

    def record(self, kind: str, **fields: Any) -> None:
        """Append to the session log. A write that fails (a full disk) sets
        `log_failed` (the trainer then ends the session) and is reported when
        it ends, instead of killing the thread that wrote."""
        try:
            self.log.write(kind, **fields)
        except OSError as exc:
            self.log_failed = True
            self.fail(f"{self.log.path}: cannot write the session log ({exc.strerror or exc}); the session was stopped")

    def record_event(self, e: Event, exercise: str) -> None:
        """An event of the exercise's session, in the log."""
        if e.kind in PLAIN_EVENTS:
            self.record(e.kind, t_s=round(e.t_s, 3), exercise=exercise)
        else:
            self.record(e.kind, t_s=round(e.t_s, 3), side=e.side, exercise=exercise, **e.detail)

    def end_exercise(self, position: int, result: ExerciseResult, t_s: float) -> None:
        """An exercise's end: its log line first (the log is the record that
        survives anything), then its history row."""
        self.record(
            "exercise_end",
            exercise=result.exercise,
            position=position,
            t_s=round(t_s, 3),
            reps=result.reps,
            reps_left=result.reps_left,
            reps_right=result.reps_right,
            partial_reps=result.partial_reps,
            holds=result.holds,
            hold_s=result.hold_s,
            warnings=result.warnings,
            stopped_for_pain=result.stopped_for_pain,
        )
        self.save_history(position, result)

    def save_history(self, position: int, result: ExerciseResult) -> None:
        """One exercise's history row. A failing write (a full disk, an
        unwritable database) is noted in the log, which holds the same
        numbers, and reported when the session ends; the session goes on."""
        try:
            record_result(self.session_id, position, result, self.db)
        except (OSError, sqlite3.Error, PosecheckError) as exc:
            self.record("history_error", position=position, error=str(exc))
            if isinstance(exc, PosecheckError):  # already names the database
                reason = str(exc)
            else:
                reason = f"{self.db or home() / 'history.db'}: cannot write the history ({exc})"
            kept = "" if self.log_failed else f"; the results are kept in the session log {self.log.path}"
            self.fail(reason + kept)

    def fail(self, message: str) -> None:
        """Keep one line about something that could not be stored (once)."""
        if message not in self.failures:
            self.failures.append(message)

    def close_log(self) -> None:
        try:
            self.log.close()
        except OSError as exc:  # the last buffered line could not be written
            self.fail(f"{self.log.path}: cannot write the session log ({exc.strerror or exc})")


def exercise_result(st: StepState, t_s: float, pain: bool) -> ExerciseResult:
    """What is stored of a step that ended at t_s (source seconds)."""
    s = st.session
    by_side = s.engine.state.reps_by_side
    peaks = [r.progress for r in s.reps]
    return ExerciseResult(
        exercise=st.exercise.id,
        started_at=st.started_at,
        duration_s=max(t_s - st.started_t_s, 0.0),
        reps=len(s.reps),
        reps_left=by_side.get("left") if by_side else None,
        reps_right=by_side.get("right") if by_side else None,
        partial_reps=s.partial_reps,
        holds=len(s.holds),
        hold_s=round(sum(h.duration_s for h in s.holds), 2),
        range_of_motion=round(float(np.median([r.peak for r in s.reps])), 2) if peaks else None,
        warnings=len(s.warnings),
        stopped_for_pain=pain,
    )
