"""What an exercise and a routine are: frozen, validated definitions.

The dataclasses every layer reads (the engine counts with `RepRule` and
`HoldRule`, the safety monitor checks `SafetyRule`s, the live trainer runs
a `Routine`'s steps) and the values their text fields may take. They are
built only by the readers in this package (`exercise.py`, `routine.py`),
which check every value against these tuples and the ranges in `ranges.py`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from posecheck.core.metrics import MetricDef

# "timer": guide-only exercises, no counting; the safety rules still run.
KINDS = ("reps", "hold", "reps_with_hold", "timer")
POSITIONS = ("standing", "seated", "lying", "hands_and_knees", "hanging")
VIEWS = ("front", "side", "behind", "above", "any")
# The views a file can add under [views.<view>] ("any" is only a camera_view).
EXTRA_VIEWS = ("front", "side", "behind", "above")
REGIONS = ("neck", "thoracic", "lumbar", "whole", "arms", "legs")
CHECKABLE = ("full", "partial", "guide")
SIDE_MODES = ("none", "left", "right", "alternating", "both", "sequence")
REP_SIDES = ("left", "right", "both")
SEVERITIES = ("info", "caution", "stop")


@dataclass(frozen=True)
class Condition:
    """A metric kept inside [min, max] (either bound may be open).

    `alternatives` are other readings of the same position (`[[hold.when.or]]`):
    the condition is met when any of them is. A position the model can read
    from two independent sets of landmarks is then not lost to a misread of
    one: a forearm plank is the elbow bent or the shoulders low, and drawn
    lines over the arms, or a wrist hidden behind the body, spoil only the
    elbow.
    """

    metric: str
    min: float = -math.inf
    max: float = math.inf
    alternatives: tuple[Condition, ...] = ()
    # What the person does wrong when it is not met, in their words ("on
    # the forearms, not on straight arms"); "" lets the report name the
    # metric and its band.
    message: str = ""

    def holds(self, value: float) -> bool:
        """True when value lies inside the band (NaN never does)."""
        return self.min <= value <= self.max

    @property
    def readings(self) -> tuple[Condition, ...]:
        """This condition's own band and its alternatives."""
        return (self, *self.alternatives)

    def judge(self, values: Mapping[str, float]) -> bool | None:
        """Met when any reading is inside its band; None when none is and
        one of them cannot be read this frame (NaN): an unknown is neither."""
        unknown = False
        for c in self.readings:
            v = values.get(c.metric, math.nan)
            if math.isnan(v):
                unknown = True
            elif c.holds(v):
                return True
        return None if unknown else False


@dataclass(frozen=True)
class Movement:
    """One movement out of neutral to an end position, on one metric.

    The metric moves from `neutral` toward `end`: reaching `end` (for
    `end_confirm_s`) is the end position; passing back beyond `neutral` arms
    the next rep. The gap between the two is the hysteresis that stops jitter
    around a threshold from counting twice. An attempt past `partial` that
    turns back before `end` is a partial rep. Direction follows from the
    values: `end` < `neutral` for a metric that falls (a knee angle in a squat).

    Attributes:
        name: "none" for an unsided exercise, a side ("left", "right",
            "both") or a step name of a sequence ("flexion").
    """

    name: str
    metric: str
    neutral: float
    end: float
    partial: float

    def progress(self, value: float) -> float:
        """0 at neutral, 1 at the end position (NaN stays NaN)."""
        return (value - self.neutral) / (self.end - self.neutral)

    @property
    def partial_progress(self) -> float:
        """The progress of the `partial` mark."""
        return self.progress(self.partial)


@dataclass(frozen=True)
class RepRule:
    """How a repetition is recognised.

    `sides` says how the movements make reps: "none" or "both" (one movement),
    "left"/"right" (that side's movement), "alternating" (left and right each
    count, optionally "both" as well), or "sequence" (every movement, in any
    order, makes one rep, e.g. flexion then extension).
    """

    sides: str
    movements: tuple[Movement, ...]
    end_confirm_s: float = 0.1
    min_rep_s: float = 0.4

    @property
    def is_sequence(self) -> bool:
        return self.sides == "sequence"


@dataclass(frozen=True)
class HoldRule:
    """How a static hold is timed.

    For `reps_with_hold` the hold starts at the rep's end position and lasts
    while the movement's progress stays at or past `exit_fraction` (1 is the
    end threshold, 0 neutral; 0.75 leaves a margin for a wobble); it is timed
    from when the movement settles at the end to when the way back starts:
    moving slower than `settle_speed` (fractions of the neutral-to-end range
    per second) counts as still, and the span is then widened to the moments
    within `level_band` (metric units) of the hold's level. For
    `hold` exercises it lasts while every condition in `when` holds. Dips out
    of position shorter than `grace_s` do not end it.

    `still` names metrics that must be at rest for the hold to count: in a
    press the hand arrives first and the head then leans into it, so the
    press is timed from when the head settles, not the hand; a static hold
    is timed from when the body has stopped getting into position. Within
    `still_band` (metric units) of their level over the hold is at rest.
    """

    target_s: float
    grace_s: float = 0.5
    exit_fraction: float = 0.75
    settle_speed: float = 0.25
    level_band: float = 2.0
    when: tuple[Condition, ...] = ()
    min_hold_s: float = 1.0
    still: tuple[str, ...] = ()
    still_band: float = 2.0

    @property
    def readings(self) -> tuple[Condition, ...]:
        """Every band of the position conditions, their `or` readings included."""
        return tuple(r for c in self.when for r in c.readings)


@dataclass(frozen=True)
class Prescription:
    """What the sources prescribe: sets, reps per set (per side), hold, rest."""

    sets: int = 1
    reps: int = 0
    hold_s: float = 0.0
    rest_s: float = 0.0


@dataclass(frozen=True)
class FormRule:
    """A form fault: the metric outside [min, max] during a rep or hold.

    `during` = "rep" checks it from leaving neutral until back there;
    "hold" only at the end position (at or past the end, or while its hold
    is timed): a position the instructions ask for at the end and release on
    the way back (pulled toes while the head is up).
    """

    id: str
    metric: str
    message: str
    min: float = -math.inf
    max: float = math.inf
    during: str = "rep"


FORM_SCOPES = ("rep", "hold")
SAFETY_KINDS = ("limit", "speed", "loop", "arc")


@dataclass(frozen=True)
class SafetyRule:
    """A warning rule.

    Kinds:
        limit: `metric` above `above` or below `below` for `for_s` seconds.
        speed: `metric` changing faster than `above` units per second,
            averaged over 0.12 s (safety.SPEED_WINDOW_S, which is what keeps
            one noisy frame from firing): a sudden, jerky movement.
        loop: the point (`metric`, `metric_y`) winding round its recent
            centre by more than `turn_above` of a full turn while staying
            more than `above` from it (a head circle); `window_s` of history.
        arc: `metric` swinging from below -`above` to above +`above` (or
            back) within `window_s`, with `metric_y` half way lower by
            `dip_above` than at the swing's two ends and at most
            `middle_below` there (a half head roll through the back: the
            head tipped back half way, not a chin held down between turns;
            core/arc_meter.py).
    """

    id: str
    metric: str
    message: str
    above: float = math.inf
    below: float = -math.inf
    for_s: float = 0.3
    cooldown_s: float = 5.0
    severity: str = "caution"
    kind: str = "limit"
    metric_y: str = ""
    turn_above: float = 0.75
    window_s: float = 10.0
    dip_above: float = math.inf
    middle_below: float = math.inf

    def violated(self, value: float) -> bool:
        """For a limit rule: True when value is past the limit (NaN never is)."""
        return value > self.above or value < self.below

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.metric, self.metric_y) if self.metric_y else (self.metric,)


@dataclass(frozen=True)
class Exercise:
    """One exercise definition, validated."""

    id: str
    title: str
    kind: str
    position: str
    camera_view: str
    regions: tuple[str, ...]
    checkable: str
    instructions: str
    required: tuple[str, ...]
    metrics: tuple[MetricDef, ...]
    min_visibility: float = 0.5
    setup_s: float = 0.5
    calibrate_s: float = 1.0
    reps: RepRule | None = None
    hold: HoldRule | None = None
    prescription: Prescription = field(default_factory=Prescription)
    form: tuple[FormRule, ...] = ()
    safety: tuple[SafetyRule, ...] = ()
    max_speed_deg_s: float = 200.0
    # Lying and hands-and-knees exercises: the least angle of the trunk from
    # upright they are done at (None: flat, the setup check's own; a push-up
    # with the hands on a bench or a bed leans 40-55 deg).
    min_trunk_incline_deg: float | None = None
    path: str = ""
    # The other views the file defines ([views.<view>]), each a whole
    # Exercise with that view as its camera_view; and the views measured on
    # clips (`measured_views`), and those from which the movement cannot be
    # seen at all (`impossible_views`: it happens along the line of sight).
    views: tuple[tuple[str, Exercise], ...] = ()
    measured_views: tuple[str, ...] = ()
    impossible_views: tuple[str, ...] = ()

    @property
    def supported_views(self) -> tuple[str, ...]:
        """The exercise's own view first, then those of [views.*]."""
        return (self.camera_view,) + tuple(v for v, _ in self.views)

    def for_view(self, view: str) -> Exercise:
        """The definition to use when the camera sees the person from `view`
        (this one for its own view or "any")."""
        for name, ex in self.views:
            if name == view:
                return ex
        if view in (self.camera_view, "any") or self.camera_view == "any":
            return self
        raise KeyError(f"{self.id} has no view '{view}' (views: {', '.join(self.supported_views)})")

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics)

    @property
    def main_metric(self) -> str:
        """The metric the overlay shows: the first counted one, or the first."""
        if self.reps is not None:
            return self.reps.movements[0].metric
        if self.hold is not None and self.hold.when:
            return self.hold.when[0].metric
        return self.metrics[0].name


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
