"""What the engine and safety monitors tell the session, overlay and report.

The kinds, phases and severities are `str` enums: they compare equal to their
values and are written to the report and the session log as those strings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypedDict


class _StrEnum(str, Enum):
    """A str enum that prints as its value (Python 3.10 has no StrEnum)."""

    def __str__(self) -> str:
        return str(self.value)


class EventKind(_StrEnum):
    """What an `Event` says happened."""

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
    # Live, the session was counted again from its first frame (the rest
    # found or corrected: core/replay.py); its detail has the counts now.
    RECOUNT = "recount"


class Phase(_StrEnum):
    """Where the exercise engine is (`EngineState.phase`, `FrameState.phase`).

    SETUP until the person has been seen in position for `setup_s`. A rep
    exercise then goes WAIT_NEUTRAL (until first seen at neutral), NEUTRAL
    (armed), MOVING (left neutral), END (at or past the end position, its
    hold being timed) and back to NEUTRAL. A static hold goes IDLE <-> HOLDING.
    """

    SETUP = "setup"
    WAIT_NEUTRAL = "wait_neutral"
    NEUTRAL = "neutral"
    MOVING = "moving"
    END = "end"
    IDLE = "idle"
    HOLDING = "holding"


# Set up and at rest, nothing under way: where the view may still change
# (core/view_choice.py) and the exercise's position is checked again
# (core/position_watch.py).
REST_PHASES = (Phase.WAIT_NEUTRAL, Phase.NEUTRAL, Phase.IDLE)


class Severity(_StrEnum):
    """How serious a warning is: a note, a caution, or stop the exercise."""

    INFO = "info"
    CAUTION = "caution"
    STOP = "stop"


class WarningDetail(TypedDict):
    """The detail of a WARNING event (the keys the session log records, in order)."""

    rule: str
    severity: Severity
    message: str
    start_s: float


@dataclass(frozen=True)
class Event:
    """Something that happened at time t_s (seconds from the source start).

    Attributes:
        t_s: when it happened (for a rep: when the end position was reached
            or, with a hold, when the hold target was met).
        kind: what happened.
        side: "left", "right", "both" or None.
        detail: kind-specific facts (peak value, faults, a `WarningDetail`...).
    """

    t_s: float
    kind: EventKind
    side: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


def warning_event(t_s: float, rule: str, severity: Severity, message: str, start_s: float) -> Event:
    """The WARNING event for a warning given at t_s, its fault begun at start_s."""
    detail = WarningDetail(rule=rule, severity=severity, message=message, start_s=start_s)
    return Event(t_s, EventKind.WARNING, None, detail)


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
    # Of it, seconds where the position could not be judged (the person not
    # found for a moment) but was held before and after (HoldClock.UNSEEN_S).
    unseen_s: float = 0.0

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class WarningRecord:
    """One safety warning spanning t_s..end_s (one per fault, not per frame)."""

    t_s: float
    end_s: float
    rule: str
    severity: Severity
    message: str
    fired_s: float = math.nan  # when it was given (t_s is when the fault began)
