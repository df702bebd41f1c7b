"""What an exercise is: TOML data files -> frozen, validated dataclasses.

Exercises (`exercises/*.toml`) and routines (`exercises/routines/*.toml`)
are data; this package reads them strictly (every unknown key, wrong type
or out-of-range number is one line naming the file and the key) and
imports only the standard library, `posecheck.errors` and the metric
definitions of `posecheck.core.metrics`.

    from posecheck.spec import load_exercise, load_routine, step_exercise

    squat = load_exercise("squat")               # a bundled id, or a path
    print(squat.kind, squat.reps.movements[0].metric)
    for step in load_routine("mckenzie_back").steps:
        ex = step_exercise(step)                 # the routine's prescription applied

Modules: `model` (the dataclasses), `exercise` (the exercise file's
sections), `metric_defs` and `rules` (its [metrics], [[form]] and
[[safety]]), `defaults` (the safety rules every exercise gets), `routine`,
`ranges` (every number's range), `toml_table` (the strict reader),
`catalog` (the bundled files), `overrides` (changing a prescription),
`camera_setup`.
"""

from posecheck.spec.camera_setup import camera_setup
from posecheck.spec.catalog import exercise_paths, exercises_dir, routine_paths, routines_dir
from posecheck.spec.exercise import exercise_file, load_exercise, load_exercise_file, merge_view, parse_exercise
from posecheck.spec.model import (
    CHECKABLE,
    POSITIONS,
    REGIONS,
    Condition,
    Exercise,
    FormRule,
    HoldRule,
    Movement,
    Prescription,
    RepRule,
    Routine,
    RoutineStep,
    SafetyRule,
)
from posecheck.spec.overrides import with_prescription
from posecheck.spec.routine import load_routine, load_routine_file, parse_routine, step_exercise

__all__ = [
    "CHECKABLE",
    "POSITIONS",
    "REGIONS",
    "Condition",
    "Exercise",
    "FormRule",
    "HoldRule",
    "Movement",
    "Prescription",
    "RepRule",
    "Routine",
    "RoutineStep",
    "SafetyRule",
    "camera_setup",
    "exercise_file",
    "exercise_paths",
    "exercises_dir",
    "load_exercise",
    "load_exercise_file",
    "load_routine",
    "load_routine_file",
    "merge_view",
    "parse_exercise",
    "parse_routine",
    "routine_paths",
    "routines_dir",
    "step_exercise",
    "with_prescription",
]
