"""Routines: the sources' complexes as ordered exercise steps (data files).

`exercises/routines/<id>.toml`, strictly validated like exercise files: a
title, the source, a warm-up, and steps naming existing exercises, each with
optional sets, reps, hold and rest that override the exercise's own
prescription (the sources disagree; a routine states its choice).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError
from posecheck.spec.exercise import (
    SECONDS,
    SETS,
    STEP_REPS,
    TARGET_S,
    Exercise,
    _Table,
    exercises_dir,
    find_data_file,
    load_exercise,
    one_line,
    read_toml,
)


@dataclass(frozen=True)
class RoutineStep:
    """One exercise of a routine and the prescription the routine sets."""

    exercise: str
    sets: int | None = None
    reps: int | None = None
    hold_s: float | None = None
    rest_s: float | None = None


@dataclass(frozen=True)
class Routine:
    """An ordered set of exercises with a warm-up."""

    id: str
    title: str
    source: str
    description: str
    warm_up: str
    warm_up_s: float
    steps: tuple[RoutineStep, ...]
    path: str = ""


def routines_dir() -> Path:
    return exercises_dir() / "routines"


def routine_paths() -> list[Path]:
    """All bundled routine files, sorted by id."""
    return sorted(routines_dir().glob("*.toml"))


def parse_routine(data: dict[str, Any], file: str) -> Routine:
    """Validate parsed TOML and build the Routine.

    Raises:
        PosecheckError: one line naming the file, key, value and what is allowed.
    """
    try:
        return _parse_routine(data, file)
    except PosecheckError as exc:
        raise PosecheckError(one_line(str(exc))) from None


def _parse_routine(data: dict[str, Any], file: str) -> Routine:
    t = _Table(data, "", file)
    schema = t.get("schema", int, what="the format version, 1")
    if schema != 1:
        raise t.fail("schema", schema, "1 (this posecheck reads only that)")
    rid = t.identifier("id", "the routine id")
    if file.endswith(".toml") and rid != Path(file).stem:
        raise t.fail("id", rid, f"the file name without .toml ('{Path(file).stem}')")
    steps = []
    for st in t.tables("step"):
        ex_id = st.get("exercise", str, what="an exercise id")
        try:
            load_exercise(ex_id)
        except PosecheckError as exc:
            raise PosecheckError(f"{file}: key '{st.key('exercise')}': {exc}") from None
        steps.append(RoutineStep(
            exercise=ex_id,
            sets=st.number("sets", SETS, None),
            reps=st.number("reps", STEP_REPS, None),
            # It becomes the step's hold target: a hold of 0 s is no hold.
            hold_s=st.number("hold_s", TARGET_S, None),
            rest_s=st.number("rest_s", SECONDS, None),
        ))
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
    path = Path(path)
    return parse_routine(read_toml(path, "routine"), str(path))


def load_routine(id_or_path: str) -> Routine:
    """A routine by bundled id or from a path.

    Raises:
        PosecheckError: unknown id (with the closest ids), or a bad file.
    """
    return load_routine_file(find_data_file(id_or_path, routines_dir(), "routine", "posecheck list --routines"))


def step_exercise(step: RoutineStep) -> Exercise:
    """The step's exercise with the routine's prescription applied."""
    ex = load_exercise(step.exercise)
    p = ex.prescription
    p = dataclasses.replace(
        p,
        sets=step.sets if step.sets is not None else p.sets,
        reps=step.reps if step.reps is not None else p.reps,
        hold_s=step.hold_s if step.hold_s is not None else p.hold_s,
        rest_s=step.rest_s if step.rest_s is not None else p.rest_s,
    )
    ex = dataclasses.replace(ex, prescription=p)
    if step.hold_s is not None and ex.hold is not None:
        ex = dataclasses.replace(ex, hold=dataclasses.replace(ex.hold, target_s=step.hold_s))
    return ex
