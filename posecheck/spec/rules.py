"""A file's rules -> `FormRule`s and `SafetyRule`s.

[[form]] (a fault during a rep or hold) and [[safety]] (a limit, a speed or
a loop or a half circle to warn on), and the sudden-movement rules every exercise gets on
the angles it counts or holds on, at `max_speed_deg_s` or the metric's own
limit in [max_speed_by_metric]. The default rules of every exercise are in
`defaults.py`.
"""

from __future__ import annotations

import math

from posecheck.errors import PosecheckError
from posecheck.spec.metric_defs import check_band, check_metric
from posecheck.spec.model import FORM_SCOPES, SAFETY_KINDS, SEVERITIES, FormRule, HoldRule, RepRule, SafetyRule
from posecheck.spec.ranges import (
    ARC_WINDOW_S,
    BAND,
    LOOP_WINDOW_S,
    METRIC_SPEED_LIMIT,
    SECONDS,
    SPEED_ABOVE,
    SUSTAIN_S,
    THRESHOLD,
    TURNS,
)
from posecheck.spec.toml_table import Table


def read_form_rule(t: Table, metrics: tuple[str, ...]) -> FormRule:
    """One [[form]] table; `metrics`: the names the file defines."""
    r = FormRule(
        id=t.get("id", str, what="a short rule id"),
        metric=check_metric(t, "metric", t.get("metric", str, what="a metric name"), metrics),
        message=t.get("message", str, what="a message for the user"),
        min=t.number("min", THRESHOLD, -math.inf),
        max=t.number("max", THRESHOLD, math.inf),
        during=t.choice("during", FORM_SCOPES, "rep"),
    )
    check_band(t, r.min, r.max)
    t.finish()
    return r


def read_safety_rule(t: Table, metrics: tuple[str, ...]) -> SafetyRule:
    """One [[safety]] table (of the exercise or the safety defaults)."""
    kind = t.choice("kind", SAFETY_KINDS, "limit")
    if kind in ("loop", "arc"):
        pair = t.get("metrics", list, what="two metric names [x, y]")
        if len(pair) != 2 or not all(isinstance(m, str) for m in pair):
            raise t.fail("metrics", pair, "two metric names [x, y]")
        x, y = (check_metric(t, "metrics", m, metrics) for m in pair)
        shape = (
            {"turn_above": t.number("turn_above", TURNS, 0.75), "window_s": t.number("window_s", LOOP_WINDOW_S, 10.0)}
            if kind == "loop"
            else {
                "dip_above": t.number("dip_above", BAND),
                "middle_below": t.number("middle_below", THRESHOLD, math.inf),
                "window_s": t.number("window_s", ARC_WINDOW_S, 3.0),
            }
        )
        r = SafetyRule(
            id=t.get("id", str, what="a short rule id"),
            metric=x,
            metric_y=y,
            message=t.get("message", str, what="a message for the user"),
            above=t.number("amplitude_above", BAND),
            kind=kind,
            for_s=0.0,
            cooldown_s=t.number("cooldown_s", SECONDS, 5.0),
            severity=t.choice("severity", SEVERITIES, "stop"),
            **shape,
        )
        t.finish()
        return r
    r = SafetyRule(
        id=t.get("id", str, what="a short rule id"),
        metric=check_metric(t, "metric", t.get("metric", str, what="a metric name"), metrics),
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


def speed_rules(
    reps: RepRule | None, hold: HoldRule | None, max_speed_deg_s: float, by_metric: dict[str, float]
) -> tuple[SafetyRule, ...]:
    """A sudden-movement rule on every angle (`*_deg`) metric the exercise
    counts or holds on, at the exercise's limit or the metric's own (an arm
    may swing faster than the spine may move; 0 leaves a metric unchecked).
    A hold condition's alternatives are not: they are other readings of
    where the body is, not of how it moves."""
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
            id="sudden_movement",
            metric=n,
            kind="speed",
            above=limit,
            for_s=0.0,
            cooldown_s=3.0,
            severity="caution",
            message="Slow down: move smoothly, without jerks.",
        )
        for n, limit in limits.items()
        if limit > 0.0
    )


def speed_by_metric(t: Table, names: tuple[str, ...]) -> dict[str, float]:
    """[max_speed_by_metric]: metric name -> deg/s (0 = not checked)."""
    table = t.table("max_speed_by_metric")
    if table is None:
        return {}
    out = {}
    for name in list(table.data):
        check_metric(table, name, name, names)
        out[name] = table.number(name, METRIC_SPEED_LIMIT)
    table.finish()
    return out
