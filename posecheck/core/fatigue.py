"""Fatigue: the counted reps themselves, watched for signs of tiring.

Never to exhaustion: past the prescription, reps slowing down or losing
range against the first reps of the set are told as warnings (once each).
Apart from safety.py, which checks every frame's metrics against limits:
this sees one `RepRecord` per counted rep.
"""

from __future__ import annotations

import numpy as np

from posecheck.core.events import RepRecord, Severity
from posecheck.spec import Exercise

# Against the median of the first reps of the set: a rep this much slower,
# or reaching only this share of the range, is a sign of tiring.
FATIGUE_BASELINE_REPS = 3
FATIGUE_SLOWER = 1.6
# ... and by at least this much: a nod that reaches its end in 0.07 s one
# time and 0.27 s the next (one frame against four) has not slowed down.
FATIGUE_SLOWER_BY_S = 0.5
FATIGUE_RANGE_SHARE = 0.7
# Two such reps in a row, not one: a single slow rep is not fatigue.
FATIGUE_IN_A_ROW = 2
# The rule id of "that is the prescribed number" (told once per side).
PRESCRIPTION_DONE = "prescription_done"


class FatigueMonitor:
    """Never to exhaustion: notices reps past the prescription, reps that slow
    down and reps that lose range, and suggests stopping (once each)."""

    def __init__(self, exercise: Exercise) -> None:
        self.ex = exercise
        self._said: set[str] = set()
        self._by_side: dict[str | None, list[RepRecord]] = {}

    def recounted(self, reps: list[RepRecord]) -> list[tuple[str, Severity, str]]:
        """The session was counted again (core/replay.py): these reps are
        judged afresh, in order; what was said stays said."""
        self._by_side = {}
        return [said for rep in reps for said in self.update(rep)]

    def update(self, rep: RepRecord) -> list[tuple[str, Severity, str]]:
        """Feed a counted rep; returns (rule, severity, message) to warn now."""
        out = []
        reps = self._by_side.setdefault(rep.side, [])
        reps.append(rep)
        target = self.ex.prescription.reps
        if target and len(reps) > target and f"{PRESCRIPTION_DONE}:{rep.side}" not in self._said:
            self._said.add(f"{PRESCRIPTION_DONE}:{rep.side}")
            side = f" on the {rep.side} side" if rep.side in ("left", "right") else ""
            out.append(
                (
                    PRESCRIPTION_DONE,
                    Severity.INFO,
                    f"That is the prescribed {target}{side}: stop here, more is not better.",
                )
            )
        n = FATIGUE_BASELINE_REPS
        if "fatigue" in self._said:
            return out
        # How long a rep took to reach its end is known when it counts; how
        # far it went only once it is back (it counts on reaching the end and
        # usually goes on past it): the range is judged on the reps before
        # this one. Judged with this one, a squat counted 0.1 s past the end
        # read 1.4 of its range against a final 2.5, and one shallow rep
        # before it was "getting smaller".
        done = reps[:-1]
        if len(reps) >= n + FATIGUE_IN_A_ROW:
            base_dur = float(np.median([r.duration_s for r in reps[:n]]))
            recent = reps[-FATIGUE_IN_A_ROW:]
            if base_dur > 0 and all(
                r.duration_s > max(FATIGUE_SLOWER * base_dur, base_dur + FATIGUE_SLOWER_BY_S) for r in recent
            ):
                self._said.add("fatigue")
                out.append(("fatigue", Severity.CAUTION, "Your reps are slowing down: time to stop and rest."))
                return out
        if len(done) >= n + FATIGUE_IN_A_ROW:
            base_range = float(np.median([r.progress for r in done[:n]]))
            if base_range > 0 and all(r.progress < FATIGUE_RANGE_SHARE * base_range for r in done[-FATIGUE_IN_A_ROW:]):
                self._said.add("fatigue")
                out.append(("fatigue", Severity.CAUTION, "Your movement is getting smaller: time to stop and rest."))
        return out
