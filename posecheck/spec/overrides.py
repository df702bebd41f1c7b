"""One way to change an exercise's prescription: a routine step's sets,
reps, hold and rest, the command line's --reps and --hold-s, and the
accuracy bench's hold target for a clip all go through `with_prescription`.
"""

from __future__ import annotations

import dataclasses

from posecheck.spec.model import Exercise


def with_prescription(
    ex: Exercise,
    *,
    sets: int | None = None,
    reps: int | None = None,
    hold_s: float | None = None,
    rest_s: float | None = None,
) -> Exercise:
    """`ex` with the given parts of its prescription replaced (None keeps the
    exercise's own). A hold also becomes the target of the exercise's timed
    hold, when it has one; the values are not checked here (the routine file
    reader and the command line check them, each with its own message).
    """
    p = ex.prescription
    p = dataclasses.replace(
        p,
        sets=sets if sets is not None else p.sets,
        reps=reps if reps is not None else p.reps,
        hold_s=float(hold_s) if hold_s is not None else p.hold_s,
        rest_s=rest_s if rest_s is not None else p.rest_s,
    )
    ex = dataclasses.replace(ex, prescription=p)
    if hold_s is not None and ex.hold is not None:
        ex = dataclasses.replace(ex, hold=dataclasses.replace(ex.hold, target_s=float(hold_s)))
    return ex
