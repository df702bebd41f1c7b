"""The sentences the live trainer and the overlay show a person, in one place.

To change what a screen says, or to add a new text, edit it here; the
drawing (overlay.py) and the trainer (live.py) only decide when a text is
shown and where. The messages that come from the analysis (a setup hint, a
safety warning, the pain stop: posecheck.core) and from the exercise files
stay there: core does not import the ui. Error messages stay where they are
raised, beside the check that raises them.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.core.routine_progress import RoutineProgress
from posecheck.io.sessionlog import ExerciseResult
from posecheck.spec import Exercise

# The safety notice shown before the first live session, acknowledged once
# (notice.py). From the sources' contraindications: train only in remission,
# warm up, move slowly, stop at pain; and a plain statement that this is not
# medical advice.
NOTICE = """\
Before you start
- posecheck is a training aid, not medical advice. Ask your doctor or
  physiotherapist which exercises suit you.
- Do not exercise during an acute flare-up of back or neck pain, with a
  fever, after a recent injury or operation, or with high blood pressure
  that is not under control, unless your doctor says you may.
- Warm up first. Move slowly and smoothly, never to the point of strain,
  and never roll the head in circles.
- Pain means stop: press P. The session records it.
"""

# --- the live trainer's status strip ---------------------------------------------

PAUSED = "Paused: press space to go on."
CHECKIN_QUESTION = "Any pain? 0 none, 1 mild, 2 strong"
ROUTINE_DONE = "Routine done."
# The screen shown when the camera gives no picture (live.STALL_AFTER_S).
CAMERA_STALLED = "Camera stalled: no picture for 2 s. Check the camera."


def status_line(progress: RoutineProgress, t_s: float, paused: bool, quitting: bool) -> str:
    """The status strip at t_s: paused, the check-in question, the routine
    done, the rest between sets, or the set's count and the instruction."""
    st = progress.step
    if paused:
        return PAUSED
    if st is None:
        if progress.checkin_for is not None:
            return CHECKIN_QUESTION
        return ROUTINE_DONE if quitting or not progress.more_steps else ""
    if progress.resting(t_s):
        return f"Rest {math.ceil(st.rest_until_t_s - t_s)} s"
    p = st.exercise.prescription
    if p.reps:
        done = progress.reps_in_set()
        if isinstance(done, dict):
            count = f"L {done['left']}, R {done['right']} of {p.reps}"
        else:
            count = f"{done} of {p.reps}"
        return f"Set {min(st.sets_done + 1, p.sets)}/{p.sets}: {count} | {first_sentence(st.exercise)}"
    return first_sentence(st.exercise)


def first_sentence(ex: Exercise) -> str:
    """The instruction line: the first sentence of the exercise's instructions."""
    text = " ".join(ex.instructions.split())
    return text.split(". ")[0].rstrip(".") + "."


def corner_text(fps: float, latency_ms: float) -> str:
    """The frame rate and latency, at the right of the status strip."""
    return f"{fps:.0f} fps  {latency_ms:.0f} ms"


def summary_lines(results: list[ExerciseResult], latencies_ms: list[float]) -> list[str]:
    """What the terminal shows at the end of a live session."""
    lines = []
    for r in results:
        sides = f" (left {r.reps_left}, right {r.reps_right})" if r.reps_left is not None else ""
        extra = []
        if r.partial_reps:
            extra.append(f"partial {r.partial_reps}")
        if r.holds:
            extra.append(f"holds {r.holds}, {r.hold_s:.0f} s")
        if r.warnings:
            extra.append(f"warnings {r.warnings}")
        if r.stopped_for_pain:
            extra.append("STOPPED FOR PAIN")
        lines.append(f"{r.exercise}: reps {r.reps}{sides}" + (f"; {', '.join(extra)}" if extra else ""))
    if latencies_ms:
        lines.append(f"latency from capture to overlay: median {np.median(latencies_ms):.0f} ms")
    return lines


# --- the overlay -----------------------------------------------------------------

STEP_INTO_PICTURE = "Step into the picture."
GET_READY = "Get ready..."
# Mid-exercise the person left or is hidden: counting waits, say so.
CANNOT_SEE_YOU = "Can't see you: step back into the picture. Counting is paused."
HOLD_LABEL = "hold"
HOLD_DONE_LABEL = "done"


def count_label(reps: int, reps_by_side: dict[str, int]) -> str:
    """The rep count in the panel: per side when the exercise counts sides."""
    if reps_by_side:
        count = f"L {reps_by_side.get('left', 0)}  R {reps_by_side.get('right', 0)}"
    else:
        count = f"{reps}"
    return f"reps {count}"


def partial_label(partial_reps: int) -> str:
    return f"partial {partial_reps}"


def hold_left_label(left_s: float) -> str:
    """The seconds a hold has still to go, inside the hold ring."""
    return f"{left_s:.0f}s"
