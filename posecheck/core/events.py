"""What the engine and safety monitors tell the session, overlay and report."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

REP = "rep"
PARTIAL_REP = "partial_rep"
STEP_DONE = "step_done"
HOLD_STARTED = "hold_started"
HOLD_COMPLETED = "hold_completed"
HOLD_ENDED = "hold_ended"
WARNING = "warning"
POSE_LOST = "pose_lost"
POSE_FOUND = "pose_found"
READY = "ready"


@dataclass(frozen=True)
class Event:
    """Something that happened at time t_s (seconds from the source start).

    Attributes:
        t_s: when it happened (for a rep: when the end position was reached
            or, with a hold, when the hold target was met).
        kind: one of the constants above.
        side: "left", "right", "both" or None.
        detail: kind-specific facts (peak value, faults, rule id, message...).
    """

    t_s: float
    kind: str
    side: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class RepRecord:
    """One counted rep, completed with the faults seen until its return.

    Attributes:
        t_s: when it counted.
        side: "left", "right", "both" or None.
        peak: the metric's extreme value in the rep.
        faults: ids of the form rules broken during it.
        duration_s: from leaving neutral to reaching the end position (the
            movement itself, without a hold), for fatigue checks.
        progress: the peak as a share of the neutral-to-end range.
    """

    t_s: float
    side: str | None
    peak: float
    faults: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    progress: float = 1.0


@dataclass
class HoldRecord:
    """One static hold: when it started and ended, and if it met its target."""

    start_s: float
    end_s: float
    completed: bool
    side: str | None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class WarningRecord:
    """One safety warning spanning t_s..end_s (one per fault, not per frame)."""

    t_s: float
    end_s: float
    rule: str
    severity: str
    message: str
    fired_s: float = math.nan  # when it was given (t_s is when the fault began)
