"""The exercise engine: reps counted and holds timed from metric values.

engine.py composes reps.py (the rep state machine) and hold_timer.py (hold
timing, with hold_clock.py's clocks); callers need only `ExerciseEngine`, its `EngineState`, and
`reps_by_side` (the one count of reps per side).
"""

from posecheck.core.engine.engine import EngineState, ExerciseEngine
from posecheck.core.engine.reps import reps_by_side

__all__ = ["EngineState", "ExerciseEngine", "reps_by_side"]
