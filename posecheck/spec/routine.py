"""Routines: the sources' complexes as ordered exercise steps (data files).

`exercises/routines/<id>.toml`, strictly validated like exercise files: a
title, the source, a warm-up, and steps naming existing exercises, each with
optional sets, reps, hold and rest that override the exercise's own
prescription (the sources disagree; a routine states its choice).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError
from posecheck.spec.catalog import find_data_file, routines_dir
from posecheck.spec.exercise import load_exercise
from posecheck.spec.model import Exercise, Routine, RoutineStep
from posecheck.spec.overrides import with_prescription
from posecheck.spec.ranges import SECONDS, SETS, STEP_REPS, TARGET_S
from posecheck.spec.toml_table import Table, file_header, one_line_errors, parse_file

SCHEMA_VERSION = 1  # the routine file format this posecheck reads


@one_line_errors
def parse_routine(data: dict[str, Any], file: str) -> Routine:
    """Validate parsed TOML and build the Routine.

    Raises:
        PosecheckError: one line naming the file, key, value and what is allowed.
    """
    t = Table(data, "", file)
    rid = file_header(t, SCHEMA_VERSION, "routine")
    steps = []
    for st in t.tables("step"):
        ex_id = st.get("exercise", str, what="an exercise id")
        try:
            load_exercise(ex_id)
        except PosecheckError as exc:
            raise PosecheckError(f"{file}: key '{st.key('exercise')}': {exc}") from None
        steps.append(
            RoutineStep(
                exercise=ex_id,
                sets=st.number("sets", SETS, None),
                reps=st.number("reps", STEP_REPS, None),
                # It becomes the step's hold target: a hold of 0 s is no hold.
                hold_s=st.number("hold_s", TARGET_S, None),
                rest_s=st.number("rest_s", SECONDS, None),
            )
        )
        st.finish()
    if not steps:
        raise PosecheckError(f"{file}: a routine needs at least one [[step]]")
    r = Routine(
        id=rid,
        title=t.get("title", str, what="a title"),
        source=t.get("source", str, ""),
        description=t.get("description", str, "").strip(),
        warm_up=t.get("warm_up", str, what="what to do to warm up first").strip(),
        warm_up_s=t.number("warm_up_s", SECONDS, 120.0),
        steps=tuple(steps),
        path=file,
    )
    t.finish()
    return r


def load_routine_file(path: Path) -> Routine:
    """Read and validate one routine file."""
    return parse_file(path, "routine", parse_routine)


def load_routine(id_or_path: str) -> Routine:
    """A routine by bundled id or from a path.

    Raises:
        PosecheckError: unknown id (with the closest ids), or a bad file.
    """
    return load_routine_file(find_data_file(id_or_path, routines_dir(), "routine", "posecheck list --routines"))


def step_exercise(step: RoutineStep) -> Exercise:
    """The step's exercise with the routine's prescription applied."""
    return with_prescription(
        load_exercise(step.exercise), sets=step.sets, reps=step.reps, hold_s=step.hold_s, rest_s=step.rest_s
    )
