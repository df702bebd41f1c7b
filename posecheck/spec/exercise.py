"""Exercise files (`exercises/*.toml`) -> frozen, validated definitions.

An exercise is data: adding one must never need a code change. Validation is
strict because a typo in a threshold silently miscounts: every unknown key,
unknown landmark or metric, wrong type and inverted threshold is an error
naming the file, the key, the value given and what is allowed. The README's
"Exercise file format" section documents every key; `posecheck validate`
runs this same code.
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError
from posecheck.core.metrics import (
    COMBINE_OPS,
    MEASURES,
    METRIC_SIDES,
    METRIC_SPACES,
    MetricDef,
    is_valid_landmark_name,
)

SCHEMA_VERSION = 1
# "timer": guide-only exercises, no counting; the safety rules still run.
KINDS = ("reps", "hold", "reps_with_hold", "timer")
POSITIONS = ("standing", "seated", "lying", "hands_and_knees", "hanging")
VIEWS = ("front", "side", "behind", "above", "any")
# The views a file can add under [views.<view>] ("any" is only a camera_view).
EXTRA_VIEWS = ("front", "side", "behind", "above")
# What a [views.<view>] table may change; everything else (id, kind,
# position, regions, prescription, ...) is the exercise's, in every view.
VIEW_KEYS = (
    "instructions", "required", "metrics", "reps", "hold", "form", "safety", "default_rules",
    "max_speed_deg_s", "max_speed_by_metric", "min_visibility",
)
REGIONS = ("neck", "thoracic", "lumbar", "whole", "arms", "legs")
CHECKABLE = ("full", "partial", "guide")
SIDE_MODES = ("none", "left", "right", "alternating", "both", "sequence")
REP_SIDES = ("left", "right", "both")
SEVERITIES = ("info", "caution", "stop")


@dataclass(frozen=True)
class Condition:
    """A metric kept inside [min, max] (either bound may be open)."""

    metric: str
    min: float = -math.inf
    max: float = math.inf

    def holds(self, value: float) -> bool:
        """True when value lies inside the band (NaN never does)."""
        return self.min <= value <= self.max


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
SAFETY_KINDS = ("limit", "speed", "loop")


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


# --- numbers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """What one number in a data file may be: its type and its bounds.

    Every number an exercise, routine or safety-defaults file gives is read
    through `_Table.number` with one of the ranges below, because a value
    that is not finite, not a number, or far outside what makes sense does
    not fail loudly later: NaN compares false, so `above = nan` never fires
    and `amplitude_above = nan` switches the head-circle stop off;
    `neutral = true` would read as 1. So: a TOML bool or string is never a
    number; an integer is fine where a float is expected, a float (even 2.0)
    is not where a whole number is; NaN and infinities are refused; and the
    value must lie inside the bounds (inclusive, except `low` when
    `low_open`).
    """

    low: float
    high: float
    unit: str = ""
    whole: bool = False
    low_open: bool = False
    noun: str = "a number"

    def allows(self, value: object) -> bool:
        """True when `value` (as TOML parsed it) is a number of this range."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if isinstance(value, float) and (self.whole or not math.isfinite(value)):
            return False
        above_low = value > self.low if self.low_open else value >= self.low
        return above_low and value <= self.high  # exact for huge ints: no float()

    def __str__(self) -> str:
        low = f"> {self.low:g}" if self.low_open else f">= {self.low:g}"
        unit = f" ({self.unit})" if self.unit else ""
        whole = " (a whole number)" if self.whole else ""
        return f"{self.noun} {low} and <= {self.high:g}{unit}{whole}"


# The documented range of every number in the data files (README, "Exercise
# file format"). Metric values are degrees or percent; no metric reads beyond
# a few hundred, so +-10000 only catches typos and overflow (1e300).
THRESHOLD = Range(-10_000.0, 10_000.0, "the metric's units")  # neutral, end, partial, min, max, above, below
BAND = Range(0.0, 10_000.0, "the metric's units")  # level_band, still_band, amplitude_above
SECONDS = Range(0.0, 3600.0, "seconds")  # setup_s, calibrate_s, grace_s, end_confirm_s, min_rep_s,
#                                          min_hold_s, cooldown_s, hold_s, rest_s, warm_up_s
TARGET_S = Range(0.0, 3600.0, "seconds", low_open=True)  # hold target_s, a routine step's hold_s
# A limit sustained for over a minute before it warns would be no safety rule.
SUSTAIN_S = Range(0.0, 60.0, "seconds")  # safety for_s
# A head circle takes seconds; the loop meter keeps this much history.
LOOP_WINDOW_S = Range(1.0, 60.0, "seconds")  # window_s
TURNS = Range(0.1, 10.0, "full turns")  # turn_above
VISIBILITY = Range(0.0, 1.0, "the model's visibility score")  # min_visibility
EXIT_FRACTION = Range(0.0, 1.0, low_open=True, noun="a fraction of the movement")  # exit_fraction
SETTLE_SPEED = Range(0.01, 100.0, "neutral-to-end ranges per second")  # settle_speed
SPEED_LIMIT = Range(1.0, 10_000.0, "deg/s")  # max_speed_deg_s
METRIC_SPEED_LIMIT = Range(0.0, 10_000.0, "deg/s; 0 = not checked")  # [max_speed_by_metric] values
SPEED_ABOVE = Range(0.0, 10_000.0, "the metric's units per second", low_open=True)  # kind = "speed" above
SETS = Range(1, 100, whole=True)  # sets (prescription and routine step)
PRESCRIBED_REPS = Range(0, 1000, whole=True)  # [prescription] reps: 0 = none prescribed
STEP_REPS = Range(1, 1000, whole=True)  # a routine step's reps


def _shown(value: object) -> str:
    """A value as the message shows it: TOML's spelling of booleans, a
    repr otherwise, cut short so one huge value keeps the message one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _number_hint(value: object) -> str:
    """Why a value that looks like a number is not one."""
    if isinstance(value, bool):
        return "; true and false are not numbers"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return ""
        return "; write the number without quotes"
    return ""


def one_line(message: str) -> str:
    """`message` with control characters (a newline in a quoted TOML key or a
    file name) escaped, so an error is always one line."""
    if message.isprintable():
        return message
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


# --- strict table reading --------------------------------------------------------


class _Table:
    """Reads one TOML table, remembering which keys were used."""

    def __init__(self, data: dict[str, Any], where: str, file: str) -> None:
        self.data = data
        self.where = where
        self.file = file
        self.used: set[str] = set()

    def key(self, k: str) -> str:
        return f"{self.where}.{k}" if self.where else k

    def fail(self, k: str, value: object, expected: str) -> PosecheckError:
        return PosecheckError(
            f"{self.file}: key '{self.key(k)}' = {_shown(value)}: expected {expected}"
        )

    def get(self, k: str, kind: type | tuple[type, ...], default: Any = ..., what: str = "") -> Any:
        """A non-numeric value (string, bool, table, array); numbers go
        through `number`."""
        self.used.add(k)
        if k not in self.data:
            if default is ...:
                raise PosecheckError(f"{self.file}: missing key '{self.key(k)}' ({what or _kind_name(kind)})")
            return default
        v = self.data[k]
        if not isinstance(v, kind) or (isinstance(v, bool) and kind is int):
            raise self.fail(k, v, what or _kind_name(kind))
        return v

    def number(self, k: str, rng: Range, default: Any = ...) -> Any:
        """The one number reader: the value at `k` checked against `rng` (a
        float, or an int for a whole-number range), or `default` when the key
        is absent (defaults are the code's own and not checked; `...` makes
        the key required).

        Raises:
            PosecheckError: naming the file, the key path, the value and `rng`.
        """
        self.used.add(k)
        if k not in self.data:
            if default is ...:
                raise PosecheckError(f"{self.file}: missing key '{self.key(k)}' ({rng})")
            return default
        v = self.data[k]
        if not rng.allows(v):
            raise self.fail(k, v, f"{rng}{_number_hint(v)}")
        return int(v) if rng.whole else float(v)

    def identifier(self, k: str, what: str) -> str:
        """An id: a non-empty string of printable characters (`validate`
        prints it, one line per file)."""
        v = self.get(k, str, what=what)
        if not v or not v.isprintable():
            raise self.fail(k, v, f"{what}: a non-empty name without control characters")
        return v

    def choice(self, k: str, allowed: tuple[str, ...], default: Any = ...) -> Any:
        v = self.get(k, str, default, f"one of {list(allowed)}")
        if v is not default and v not in allowed:
            raise self.fail(k, v, f"one of {list(allowed)}")
        return v

    def table(self, k: str, required: bool = False) -> _Table | None:
        v = self.get(k, dict, ... if required else None, "a table")
        return None if v is None else _Table(v, self.key(k), self.file)

    def tables(self, k: str) -> list[_Table]:
        v = self.get(k, list, [], "an array of tables ([[" + self.key(k) + "]])")
        out = []
        for i, item in enumerate(v):
            if not isinstance(item, dict):
                raise self.fail(k, item, "an array of tables")
            out.append(_Table(item, f"{self.key(k)}[{i}]", self.file))
        return out

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            near = difflib.get_close_matches(unknown[0], sorted(self.used), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise PosecheckError(
                f"{self.file}: unknown key '{self.key(unknown[0])}'{hint}; "
                f"allowed here: {', '.join(sorted(self.used))}"
            )


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", float: "a number", int: "an integer", bool: "true or false",
             dict: "a table", list: "an array"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


# --- sections ------------------------------------------------------------------------

_POINT_KEYS = {"joint": 3, "segment": 2, "elevation": 2, "between": 4, "distance": 2}


def _landmark_list(t: _Table, k: str, n: int) -> tuple[str, ...]:
    v = t.get(k, list, None)
    if v is None:
        return ()
    if len(v) != n or not all(isinstance(x, str) for x in v):
        raise t.fail(k, v, f"a list of {n} landmark names")
    for name in v:
        if not is_valid_landmark_name(name):
            near = difflib.get_close_matches(name, _all_landmark_names(), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise PosecheckError(
                f"{t.file}: key '{t.key(k)}': unknown landmark '{name}'{hint}; "
                "expected a MediaPipe pose landmark name (see `posecheck show --landmarks`)"
            )
    return tuple(v)


def _all_landmark_names() -> list[str]:
    from posecheck.core.landmarks import LANDMARK_NAMES, SIDED_NAMES

    return list(LANDMARK_NAMES) + list(SIDED_NAMES) + [f"mid_{n}" for n in SIDED_NAMES]


def _metric(name: str, value: object, file: str, known: list[str], where: str = "") -> MetricDef:
    key = f"{where}.metrics.{name}" if where else f"metrics.{name}"
    if not isinstance(value, dict):
        raise PosecheckError(f"{file}: key '{key}' = {value!r}: expected a table")
    t = _Table(value, key, file)
    pts = {k: _landmark_list(t, k, n) for k, n in _POINT_KEYS.items()}
    per = _landmark_list(t, "per", 2)
    measure = t.get("measure", str, "")
    if measure and measure not in MEASURES:
        raise t.fail("measure", measure, f"one of {sorted(MEASURES)}")
    combine = t.choice("combine", COMBINE_OPS, "")
    of = tuple(t.get("of", list, []))
    kinds = [k for k, v in pts.items() if v] + (["measure"] if measure else []) + (
        ["combine"] if combine else []
    )
    if len(kinds) != 1:
        raise PosecheckError(
            f"{file}: metric '{name}' must set exactly one of "
            f"{sorted(list(_POINT_KEYS) + ['measure', 'combine'])}, got {kinds or 'none'}"
        )
    if pts["distance"] and not per:
        raise PosecheckError(f"{file}: metric '{name}': 'distance' needs 'per' (two landmarks)")
    if combine:
        if not of:
            raise t.fail("of", of, "a non-empty list of metrics defined above it")
        for n in of:
            if n not in known:
                raise t.fail("of", n, f"a metric defined above it, one of {known}")
    m = MetricDef(
        name=name,
        joint=pts["joint"],
        segment=pts["segment"],
        reference=t.choice("reference", ("vertical", "horizontal"), "vertical"),
        elevation=pts["elevation"],
        between=pts["between"],
        distance=pts["distance"],
        per=per,
        measure=measure,
        combine=combine,
        of=of,
        side=t.choice("side", METRIC_SIDES, "visible"),
        space=t.choice("space", METRIC_SPACES, "image"),
        negate=t.get("negate", bool, False),
        relative=t.get("relative", bool, False),
    )
    t.finish()
    return m


def _check_metric(t: _Table, k: str, name: str, metrics: tuple[str, ...]) -> str:
    if name not in metrics:
        near = difflib.get_close_matches(name, metrics, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise PosecheckError(
            f"{t.file}: key '{t.key(k)}' = {name!r}: not a metric of this file{hint}; "
            f"defined: {list(metrics)}"
        )
    return name


def _movement(t: _Table, name: str, metrics: tuple[str, ...], defaults: dict[str, Any]) -> Movement:
    """One movement; `defaults` are the [reps] table's own metric, neutral,
    end and partial (already checked), which a sided movement inherits."""
    metric = t.get("metric", str, defaults.get("metric", ...), "a metric name")
    _check_metric(t, "metric", metric, metrics)
    neutral = t.number("neutral", THRESHOLD, defaults.get("neutral", ...))
    end = t.number("end", THRESHOLD, defaults.get("end", ...))
    if neutral == end:
        raise t.fail("end", end, f"a value different from neutral ({neutral})")
    has_own_partial = "partial" in t.data or "neutral" in t.data or "end" in t.data
    fallback = (neutral + end) / 2.0 if has_own_partial or "partial" not in defaults else defaults["partial"]
    partial = t.number("partial", THRESHOLD, fallback)
    lo, hi = sorted((neutral, end))
    if not lo < partial < hi:
        raise t.fail("partial", partial, f"a value strictly between neutral ({neutral}) and end ({end})")
    return Movement(name=name, metric=metric, neutral=neutral, end=end, partial=partial)


def _reps(t: _Table, metrics: tuple[str, ...]) -> RepRule:
    sides = t.choice("sides", SIDE_MODES, "none")
    moves_t = t.table("movements")
    movements: list[Movement] = []
    if sides in ("none", "both"):
        if moves_t is not None:
            raise PosecheckError(
                f"{t.file}: key '{t.key('movements')}' needs sides = 'left', 'right', "
                f"'alternating' or 'sequence', not '{sides}'"
            )
        movements.append(_movement(t, sides, metrics, {}))
    else:
        shared = {"metric": t.get("metric", str, None, "a metric name")}
        shared.update({k: t.number(k, THRESHOLD, None) for k in ("neutral", "end", "partial")})
        defaults = {k: v for k, v in shared.items() if v is not None}
        if moves_t is None:
            raise PosecheckError(
                f"{t.file}: sides = '{sides}' needs a [{t.key('movements')}.<name>] table per "
                + ("step" if sides == "sequence" else "side")
            )
        for name in moves_t.data:
            sub = moves_t.table(name, required=True)
            assert sub is not None
            if sides != "sequence" and name not in REP_SIDES:
                raise PosecheckError(
                    f"{t.file}: key '{sub.where}': '{name}' is not a side; expected one of "
                    f"{list(REP_SIDES)} (or sides = 'sequence' for named steps)"
                )
            movements.append(_movement(sub, name, metrics, defaults))
            sub.finish()
        given = {m.name for m in movements}
        needed = {"left": {"left"}, "right": {"right"}, "alternating": {"left", "right"}}.get(sides, set())
        if not needed <= given:
            raise PosecheckError(
                f"{t.file}: key '{t.key('movements')}' must have {sorted(needed)} when sides = "
                f"'{sides}', got {sorted(given)}"
            )
        if sides == "sequence" and len(movements) < 2:
            raise PosecheckError(f"{t.file}: sides = 'sequence' needs at least two movements")
    rule = RepRule(
        sides=sides,
        movements=tuple(movements),
        end_confirm_s=t.number("end_confirm_s", SECONDS, 0.1),
        min_rep_s=t.number("min_rep_s", SECONDS, 0.4),
    )
    t.finish()
    return rule


def _condition(t: _Table, metrics: tuple[str, ...]) -> Condition:
    c = Condition(
        metric=_check_metric(t, "metric", t.get("metric", str, what="a metric name"), metrics),
        min=t.number("min", THRESHOLD, -math.inf),
        max=t.number("max", THRESHOLD, math.inf),
    )
    if c.min == -math.inf and c.max == math.inf:
        raise PosecheckError(f"{t.file}: {t.where} needs 'min' or 'max'")
    if c.min >= c.max:
        raise t.fail("max", c.max, f"a value above min ({c.min})")
    t.finish()
    return c


def _hold(t: _Table, kind: str, reps: RepRule | None, metrics: tuple[str, ...]) -> HoldRule:
    target = t.number("target_s", TARGET_S)
    grace = t.number("grace_s", SECONDS, 0.5)
    exit_fraction = t.number("exit_fraction", EXIT_FRACTION, None)
    when = tuple(_condition(c, metrics) for c in t.tables("when"))
    still = tuple(_check_metric(t, "still", str(n), metrics)
                  for n in t.get("still", list, [], what="a list of metric names"))
    if kind == "reps_with_hold":
        if exit_fraction is None:
            exit_fraction = 0.75
        if when:
            raise PosecheckError(f"{t.file}: key 'hold.when' is for kind = 'hold'; a rep's hold uses 'exit_fraction'")
    else:
        if exit_fraction is not None:
            raise PosecheckError(f"{t.file}: key 'hold.exit_fraction' is for kind = 'reps_with_hold'")
        exit_fraction = 0.75
        if not when:
            raise PosecheckError(f"{t.file}: kind = 'hold' needs at least one [[hold.when]] condition")
    rule = HoldRule(
        target_s=target,
        grace_s=grace,
        exit_fraction=exit_fraction,
        settle_speed=t.number("settle_speed", SETTLE_SPEED, 0.25),
        level_band=t.number("level_band", BAND, 2.0),
        when=when,
        min_hold_s=t.number("min_hold_s", SECONDS, 1.0),
        still=still,
        still_band=t.number("still_band", BAND, 2.0),
    )
    t.finish()
    return rule


def _prescription(t: _Table | None) -> Prescription:
    if t is None:
        return Prescription()
    p = Prescription(
        sets=t.number("sets", SETS, 1),
        reps=t.number("reps", PRESCRIBED_REPS, 0),
        hold_s=t.number("hold_s", SECONDS, 0.0),
        rest_s=t.number("rest_s", SECONDS, 0.0),
    )
    t.finish()
    return p


def _form(t: _Table, metrics: tuple[str, ...]) -> FormRule:
    r = FormRule(
        id=t.get("id", str, what="a short rule id"),
        metric=_check_metric(t, "metric", t.get("metric", str, what="a metric name"), metrics),
        message=t.get("message", str, what="a message for the user"),
        min=t.number("min", THRESHOLD, -math.inf),
        max=t.number("max", THRESHOLD, math.inf),
        during=t.choice("during", FORM_SCOPES, "rep"),
    )
    if r.min == -math.inf and r.max == math.inf:
        raise PosecheckError(f"{t.file}: {t.where} needs 'min' or 'max'")
    if r.min >= r.max:
        raise t.fail("max", r.max, f"a value above min ({r.min})")
    t.finish()
    return r


def _safety(t: _Table, metrics: tuple[str, ...]) -> SafetyRule:
    kind = t.choice("kind", SAFETY_KINDS, "limit")
    if kind == "loop":
        pair = t.get("metrics", list, what="two metric names [x, y]")
        if len(pair) != 2 or not all(isinstance(m, str) for m in pair):
            raise t.fail("metrics", pair, "two metric names [x, y]")
        x, y = (_check_metric(t, "metrics", m, metrics) for m in pair)
        above = t.number("amplitude_above", BAND)
        r = SafetyRule(
            id=t.get("id", str, what="a short rule id"), metric=x, metric_y=y,
            message=t.get("message", str, what="a message for the user"),
            above=above, kind=kind,
            turn_above=t.number("turn_above", TURNS, 0.75),
            window_s=t.number("window_s", LOOP_WINDOW_S, 10.0),
            for_s=0.0,
            cooldown_s=t.number("cooldown_s", SECONDS, 5.0),
            severity=t.choice("severity", SEVERITIES, "stop"),
        )
        t.finish()
        return r
    r = SafetyRule(
        id=t.get("id", str, what="a short rule id"),
        metric=_check_metric(t, "metric", t.get("metric", str, what="a metric name"), metrics),
        message=t.get("message", str, what="a message for the user"),
        above=t.number("above", THRESHOLD if kind == "limit" else SPEED_ABOVE, math.inf),
        below=t.number("below", THRESHOLD, -math.inf) if kind == "limit" else -math.inf,
        # A speed is already an average over SPEED_WINDOW_S (safety.py).
        for_s=t.number("for_s", SUSTAIN_S, 0.3 if kind == "limit" else 0.0),
        cooldown_s=t.number("cooldown_s", SECONDS, 5.0),
        severity=t.choice("severity", SEVERITIES, "caution"),
        kind=kind,
    )
    if kind == "speed" and r.above == math.inf:
        raise PosecheckError(f"{t.file}: {t.where} (kind = 'speed') needs 'above' (units per second)")
    if r.above == math.inf and r.below == -math.inf:
        raise PosecheckError(f"{t.file}: {t.where} needs 'above' or 'below'")
    if r.below >= r.above:
        raise t.fail("below", r.below, f"a value under 'above' ({r.above})")
    t.finish()
    return r


@dataclass(frozen=True)
class SafetyDefaults:
    """The rules every exercise gets (posecheck/safety_defaults.toml)."""

    metrics: tuple[MetricDef, ...]
    rules: tuple[SafetyRule, ...]
    max_speed_deg_s: float


DEFAULTS_PATH = Path(__file__).resolve().parent / "safety_defaults.toml"
_DEFAULTS: SafetyDefaults | None = None


def load_defaults() -> SafetyDefaults:
    """The default safety rules, read once."""
    global _DEFAULTS
    if _DEFAULTS is None:
        file = str(DEFAULTS_PATH)
        with DEFAULTS_PATH.open("rb") as fh:
            t = _Table(tomllib.load(fh), "", file)
        t.get("schema", int)
        mt = t.get("metrics", dict)
        metrics: list[MetricDef] = []
        for name, value in mt.items():
            metrics.append(_metric(name, value, file, [m.name for m in metrics]))
        names = tuple(m.name for m in metrics)
        _DEFAULTS = SafetyDefaults(
            metrics=tuple(metrics),
            rules=tuple(_safety(x, names) for x in t.tables("safety")),
            max_speed_deg_s=t.number("max_speed_deg_s", SPEED_LIMIT),
        )
        t.finish()
    return _DEFAULTS


# What [default_rules.<id>] may change, read with the range the rule's own key has.
_OVERRIDABLE = {
    "amplitude_above": BAND, "turn_above": TURNS, "window_s": LOOP_WINDOW_S,
    "above": THRESHOLD, "below": THRESHOLD, "for_s": SUSTAIN_S, "cooldown_s": SECONDS,
}


def _merge_defaults(
    metrics: list[MetricDef],
    defaults: SafetyDefaults,
    overrides: _Table | None,
    file: str,
    camera_view: object,
) -> tuple[list[MetricDef], tuple[SafetyRule, ...]]:
    """The exercise's metrics plus those the default rules need, and the
    default rules with the exercise's overrides applied.

    Head-circle rules read front-view head measures (the face), so they are
    not applied to exercises seen from the side, from behind or from above
    (a known limit, see the README).
    """
    by_name = {m.name: m for m in metrics}
    rules: list[SafetyRule] = []
    known_ids = {r.id for r in defaults.rules}
    if overrides is not None:
        for rid in overrides.data:
            if rid not in known_ids:
                raise PosecheckError(
                    f"{file}: unknown key 'default_rules.{rid}'; default rules: {sorted(known_ids)}"
                )
    for rule in defaults.rules:
        sub = overrides.table(rule.id) if overrides is not None else None
        if sub is not None:
            if not sub.get("enabled", bool, True):
                sub.finish()
                continue
            changes = {}
            for k, rng in _OVERRIDABLE.items():
                v = sub.number(k, rng, None)
                if v is not None:
                    changes["above" if k == "amplitude_above" else k] = v
            sev = sub.choice("severity", SEVERITIES, None)
            if sev is not None:
                changes["severity"] = sev
            msg = sub.get("message", str, None)
            if msg is not None:
                changes["message"] = msg
            sub.finish()
            rule = dataclasses.replace(rule, **changes)
        if rule.kind == "loop" and camera_view in ("side", "above", "behind"):
            continue
        rules.append(rule)
    if overrides is not None:
        overrides.finish()
    needed = {n for r in rules for n in r.metrics}
    out = list(metrics)
    for m in defaults.metrics:
        if m.name not in needed:
            continue
        mine = by_name.get(m.name)
        if mine is None:
            out.append(m)
        elif mine != m:
            raise PosecheckError(
                f"{file}: metric '{m.name}' is also a default safety metric with another "
                f"definition ({m}); rename yours"
            )
    return out, tuple(rules)


def _speed_rules(
    reps: RepRule | None, hold: HoldRule | None, metrics: list[MetricDef], max_speed_deg_s: float,
    by_metric: dict[str, float],
) -> tuple[SafetyRule, ...]:
    """A sudden-movement rule on every angle (`*_deg`) metric the exercise
    counts or holds on, at the exercise's limit or the metric's own (an arm
    may swing faster than the spine may move; 0 leaves a metric unchecked)."""
    names: list[str] = []
    if reps is not None:
        names += [m.metric for m in reps.movements]
    if hold is not None:
        names += [c.metric for c in hold.when]
    seen: list[str] = []
    for n in names:
        if n.endswith("_deg") and n not in seen:
            seen.append(n)
    limits = {n: by_metric.get(n, max_speed_deg_s) for n in seen}
    return tuple(
        SafetyRule(
            id="sudden_movement", metric=n, kind="speed", above=limit, for_s=0.0,
            cooldown_s=3.0, severity="caution",
            message="Slow down: move smoothly, without jerks.",
        )
        for n, limit in limits.items()
        if limit > 0.0
    )


def _speed_by_metric(t: _Table, names: tuple[str, ...]) -> dict[str, float]:
    """[max_speed_by_metric]: metric name -> deg/s (0 = not checked)."""
    table = t.table("max_speed_by_metric")
    if table is None:
        return {}
    out = {}
    for name in list(table.data):
        _check_metric(table, name, name, names)
        out[name] = table.number(name, METRIC_SPEED_LIMIT)
    table.finish()
    return out


def parse_exercise(data: dict[str, Any], file: str) -> Exercise:
    """Validate parsed TOML and build the Exercise, with one Exercise per
    extra view ([views.<view>], merged over the top level: `merge_view`).

    Raises:
        PosecheckError: one line naming the file, key, value and what is allowed.
    """
    try:
        return _parse_exercise(data, file)
    except PosecheckError as exc:
        raise PosecheckError(one_line(str(exc))) from None


def _parse_exercise(data: dict[str, Any], file: str) -> Exercise:
    base = {k: v for k, v in data.items() if k not in ("views", "measured_views", "impossible_views")}
    ex = _parse_one(base, file, "")
    t = _Table(data, "", file)
    views_t = t.table("views")
    views: list[tuple[str, Exercise]] = []
    if views_t is not None:
        for view in list(views_t.data):
            sub = views_t.table(view)
            if view not in EXTRA_VIEWS:
                raise views_t.fail(view, "{...}", f"a view from {list(EXTRA_VIEWS)}")
            if view == ex.camera_view:
                raise views_t.fail(view, "{...}", f"a view other than camera_view ('{ex.camera_view}')")
            for k in sub.data:
                if k not in VIEW_KEYS:
                    raise PosecheckError(
                        f"{file}: unknown key 'views.{view}.{k}'; a view may set: {', '.join(VIEW_KEYS)}"
                    )
            merged = merge_view(base, sub.data)
            merged["camera_view"] = view
            views.append((view, _parse_one(merged, file, f"views.{view}")))
        views_t.used.update(views_t.data)
        views_t.finish()
    supported = (ex.camera_view,) + tuple(v for v, _ in views)
    measured = tuple(_choices(t, "measured_views", VIEWS)) if "measured_views" in data else ()
    for v in measured:
        if v not in supported:
            raise t.fail("measured_views", v, f"views the file supports ({list(supported)})")
    impossible = tuple(_choices(t, "impossible_views", EXTRA_VIEWS)) if "impossible_views" in data else ()
    for v in impossible:
        if v in supported:
            raise t.fail("impossible_views", v, f"views the file does not define (it defines {list(supported)})")
    return dataclasses.replace(ex, views=tuple(views), measured_views=measured, impossible_views=impossible)


def merge_view(base: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """The top level with a view's keys laid over it: tables merge key by key
    (so a view can change one threshold), except that a metric the view
    names is replaced whole (a metric is one definition, not a set of
    options); anything else (numbers, strings, lists, the [[form]] and
    [[safety]] arrays) replaces."""
    out = dict(base)
    for k, v in view.items():
        if k == "metrics" and isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = {**out[k], **v}
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge_view(out[k], v)
        else:
            out[k] = v
    return out


def _parse_one(data: dict[str, Any], file: str, where: str) -> Exercise:
    """One view's definition (`where`: "" or "views.<view>", for messages)."""
    t = _Table(data, where, file)
    schema = t.get("schema", int, what=f"the format version, {SCHEMA_VERSION}")
    if schema != SCHEMA_VERSION:
        raise t.fail("schema", schema, f"{SCHEMA_VERSION} (this posecheck reads only that)")
    ex_id = t.identifier("id", "the exercise id")
    stem = Path(file).stem
    if file.endswith(".toml") and ex_id != stem:
        raise t.fail("id", ex_id, f"the file name without .toml ('{stem}')")
    kind = t.choice("kind", KINDS)
    metrics_table = t.get("metrics", dict, what="a [metrics] table")
    metrics: list[MetricDef] = []
    for name, value in metrics_table.items():
        metrics.append(_metric(name, value, file, [m.name for m in metrics], where))
    if not metrics:
        raise PosecheckError(f"{file}: [metrics] must define at least one metric")
    names = tuple(m.name for m in metrics)
    required = t.get("required", list, what="a list of landmark names")
    req = _landmark_list(t, "required", len(required)) if required else ()
    reps_t = t.table("reps", required=kind in ("reps", "reps_with_hold"))
    if kind in ("hold", "timer") and reps_t is not None:
        raise PosecheckError(f"{file}: key 'reps' is not used by kind = '{kind}'")
    reps = _reps(reps_t, names) if reps_t is not None else None
    hold_t = t.table("hold", required=kind in ("hold", "reps_with_hold"))
    if kind in ("reps", "timer") and hold_t is not None:
        raise PosecheckError(f"{file}: key 'hold' needs kind = 'hold' or 'reps_with_hold', not '{kind}'")
    hold = _hold(hold_t, kind, reps, names) if hold_t is not None else None
    defaults = load_defaults()
    max_speed = t.number("max_speed_deg_s", SPEED_LIMIT, defaults.max_speed_deg_s)
    overrides = t.table("default_rules")
    metrics, default_rules = _merge_defaults(metrics, defaults, overrides, file, t.data.get("camera_view"))
    names = tuple(m.name for m in metrics)
    ex = Exercise(
        id=ex_id,
        title=t.get("title", str, what="a title"),
        kind=kind,
        position=t.choice("position", POSITIONS),
        camera_view=t.choice("camera_view", VIEWS),
        regions=tuple(_choices(t, "regions", REGIONS)),
        checkable=t.choice("checkable", CHECKABLE, "full"),
        instructions=t.get("instructions", str, what="instructions for the user").strip(),
        required=req,
        metrics=tuple(metrics),
        min_visibility=t.number("min_visibility", VISIBILITY, 0.5),
        setup_s=t.number("setup_s", SECONDS, 0.5),
        calibrate_s=t.number("calibrate_s", SECONDS, 1.0),
        reps=reps,
        hold=hold,
        prescription=_prescription(t.table("prescription")),
        form=tuple(_form(x, names) for x in t.tables("form")),
        safety=(
            tuple(_safety(x, names) for x in t.tables("safety"))
            + default_rules
            + _speed_rules(reps, hold, metrics, max_speed, _speed_by_metric(t, names))
        ),
        max_speed_deg_s=max_speed,
        path=file,
    )
    t.finish()
    return ex


def _choices(t: _Table, k: str, allowed: tuple[str, ...]) -> list[str]:
    v = t.get(k, list, what=f"a list from {list(allowed)}")
    for x in v:
        if x not in allowed:
            raise t.fail(k, x, f"values from {list(allowed)}")
    return v


def load_exercise_file(path: Path) -> Exercise:
    """Read and validate one exercise file.

    Raises:
        PosecheckError: a file that is missing or not TOML text (see
            `read_toml`), or invalid content; one line naming the file.
    """
    path = Path(path)
    return parse_exercise(read_toml(path, "exercise"), str(path))


# An exercise or routine file is a few kilobytes of shallow TOML (the
# largest bundled one 3.3 KB, nesting 5 deep); these bound what a wrong file
# (a video, a log, a generated one) can make us do: tomllib takes about 1 s
# on 256 KiB of the slowest TOML.
MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 32  # tables and arrays inside each other
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
# A dotted key where a key may start (a line's start, after [, [[, { or ,)
# of over MAX_DEPTH parts: it nests tables that deep, and tomllib takes time
# quadratic in its length (5,000 parts: 2.5 s), so it is refused unparsed.
_DEEP_DOTTED_KEY = re.compile(
    rf"(?:^[ \t]*\[{{0,2}}|[{{,])[ \t]*{_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART}){{{MAX_DEPTH},}}", re.MULTILINE
)
_TOO_DEEP = f"tables or arrays nested too deeply (at most {MAX_DEPTH})"


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A data file's TOML, or a one-line error naming the file.

    Raises:
        PosecheckError: missing file, a folder or other non-regular file, an
            unreadable, empty, oversized, binary, UTF-16 or otherwise
            non-UTF-8 file, a TOML syntax error, or nesting too deep.
    """
    text = _read_text(path, what)
    if _DEEP_DOTTED_KEY.search(text):
        raise _file_error(path, _TOO_DEEP)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _file_error(path, f"not valid TOML ({exc})") from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise _file_error(path, _TOO_DEEP) from None
    if _nesting(data) > MAX_DEPTH:
        raise _file_error(path, _TOO_DEEP)
    return data


def _a(what: str) -> str:
    """'an exercise', 'a routine'."""
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def _file_error(path: Path, message: str) -> PosecheckError:
    return PosecheckError(one_line(f"{path}: {message}"))


def _read_text(path: Path, what: str) -> str:
    """The file's text: UTF-8, with or without a byte-order mark (Windows
    Notepad writes one). Reads at most MAX_FILE_BYTES + 1 bytes, so a huge
    file costs nothing and a FIFO is refused before it is opened."""
    if path.is_dir():
        raise _file_error(path, f"a folder, not {_a(what)} file")
    if not path.exists():
        raise _file_error(path, f"no such {what} file")
    if not path.is_file():
        raise _file_error(path, f"not a regular file; {_a(what)} file is TOML text")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _file_error(path, f"cannot read the {what} file ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _file_error(path, f"over {MAX_FILE_BYTES} bytes: too large for {_a(what)} file")
    if not raw.strip():
        raise _file_error(path, f"empty {what} file")
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _file_error(path, "UTF-16 or UTF-32 text; save it as UTF-8")
    nul = raw.find(b"\0")
    if nul >= 0:
        raise _file_error(path, f"binary data (a NUL byte at offset {nul}), not TOML text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            path, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None


def _nesting(value: object) -> int:
    """How deeply tables and arrays nest in `value`, counted without
    recursion (dotted keys `a.b.c...` nest without tomllib recursing), and
    stopping once past MAX_DEPTH."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack and deepest <= MAX_DEPTH:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth + 1)
            stack.extend((c, depth + 1) for c in children)
    return deepest


def exercises_dir() -> Path:
    """Where the bundled exercise files live.

    `POSECHECK_EXERCISES` overrides it; otherwise the project's `exercises/`
    folder beside the package (an editable or source install).

    Raises:
        PosecheckError: POSECHECK_EXERCISES names no folder (else `validate`
            would check nothing and exit 0, and every id would be unknown).
    """
    env = os.environ.get("POSECHECK_EXERCISES")
    if env:
        if not Path(env).is_dir():
            raise PosecheckError(one_line(f"POSECHECK_EXERCISES={env}: no such folder of exercise files"))
        return Path(env)
    return Path(__file__).resolve().parents[2] / "exercises"


def exercise_paths() -> list[Path]:
    """All bundled exercise files, sorted by id (routines live in a subfolder)."""
    return sorted(exercises_dir().glob("*.toml"))


CAMERA_DISTANCE = {
    "standing": "about 2.5 m away so you are seen from head to feet",
    "seated": "about 1.5 m away so head, shoulders and hips are in view",
    "lying": "at floor level, about 2.5 m away so you are seen from head to feet",
    "hands_and_knees": "low, about 2.5 m away so hands, knees and feet are in view",
    "hanging": "about 3 m away so hands and feet are in view",
}
CAMERA_VIEW = {
    "front": "face the camera",
    "side": "turn side-on to the camera",
    "behind": "turn your back to the camera",
    "above": "put the camera up high, looking down on your back",
    "any": "face the camera or stand side-on",
}
# Only the head and shoulders need to be in the picture (no hip, knee,
# ankle, foot, elbow, wrist or hand required).
HEAD_AND_SHOULDERS = ("nose", "eye", "ear", "mouth", "shoulder", "eye_inner", "eye_outer")


def _needs_only_head_and_shoulders(ex: Exercise) -> bool:
    parts = {n.removeprefix("left_").removeprefix("right_").removeprefix("mid_") for n in ex.required}
    return parts <= set(HEAD_AND_SHOULDERS)


def camera_setup(ex: Exercise) -> str:
    """Where to put the camera, in words, from the exercise's position and views."""
    views = " or ".join(CAMERA_VIEW[v] for v in ex.supported_views)
    if ex.camera_view == "above":
        return f"{views}, far enough that hands, knees and feet are in view"
    if _needs_only_head_and_shoulders(ex):
        return f"{views}; camera at head height, near enough that head and shoulders fill the picture (a laptop is fine)"
    return f"{views}; camera {CAMERA_DISTANCE[ex.position]}"


def find_data_file(id_or_path: str, folder: Path, what: str, list_command: str) -> Path:
    """The file for a bundled id (in `folder`) or a path the user gave.

    Raises:
        PosecheckError: unknown id, naming the closest ids.
    """
    p = Path(id_or_path)
    if id_or_path.endswith(".toml") or p.is_file():
        return p
    candidate = folder / f"{id_or_path}.toml"
    if candidate.is_file():
        return candidate
    ids = [q.stem for q in sorted(folder.glob("*.toml"))]
    near = difflib.get_close_matches(id_or_path, ids, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(near)}?" if near else f"; `{list_command}` shows them all"
    raise PosecheckError(f"unknown {what} '{id_or_path}'{hint}")


def load_exercise(id_or_path: str) -> Exercise:
    """An exercise by bundled id, or from a path to a user's own file.

    Raises:
        PosecheckError: unknown id (with the closest ids), or a bad file.
    """
    return load_exercise_file(find_data_file(id_or_path, exercises_dir(), "exercise", "posecheck list"))
