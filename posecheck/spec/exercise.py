"""Exercise files (`exercises/*.toml`) -> frozen, validated definitions.

An exercise is data: adding one must never need a code change. Validation is
strict because a typo in a threshold silently miscounts: every unknown key,
unknown landmark or metric, wrong type and inverted threshold is an error
naming the file, the key, the value given and what is allowed. The README's
"Exercise file format" section documents every key; `posecheck validate`
runs this same code.

This module reads the top level and the [reps], [hold], [prescription] and
[views.<view>] sections; [metrics] are read in `metric_defs.py`, [[form]]
and [[safety]] in `rules.py`, [default_rules] in `defaults.py`.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from posecheck.core.metrics import MetricDef
from posecheck.errors import PosecheckError
from posecheck.spec.catalog import exercises_dir, find_data_file
from posecheck.spec.defaults import load_defaults, merge_defaults
from posecheck.spec.metric_defs import check_band, check_metric, check_twin_ranges, landmark_list, read_metric
from posecheck.spec.model import (
    CHECKABLE,
    EXTRA_VIEWS,
    KINDS,
    POSITIONS,
    REGIONS,
    REP_SIDES,
    SIDE_MODES,
    VIEWS,
    Condition,
    Exercise,
    HoldRule,
    Movement,
    Prescription,
    RepRule,
)
from posecheck.spec.ranges import (
    BAND,
    EXIT_FRACTION,
    PRESCRIBED_REPS,
    SECONDS,
    SETS,
    SETTLE_SPEED,
    SPEED_LIMIT,
    TARGET_S,
    THRESHOLD,
    TRUNK_INCLINE,
    VISIBILITY,
)
from posecheck.spec.rules import read_form_rule, read_safety_rule, speed_by_metric, speed_rules
from posecheck.spec.toml_table import Table, file_header, one_line_errors, parse_file

SCHEMA_VERSION = 1
# What a [views.<view>] table may change; everything else (id, kind,
# position, regions, prescription, ...) is the exercise's, in every view.
VIEW_KEYS = (
    "instructions",
    "required",
    "metrics",
    "reps",
    "hold",
    "form",
    "safety",
    "default_rules",
    "max_speed_deg_s",
    "max_speed_by_metric",
    "min_visibility",
)


def _movement(t: Table, name: str, metrics: tuple[str, ...], defaults: dict[str, Any]) -> Movement:
    """One movement; `defaults` are the [reps] table's own metric, neutral,
    end and partial (already checked), which a sided movement inherits."""
    metric = t.get("metric", str, defaults.get("metric", ...), "a metric name")
    check_metric(t, "metric", metric, metrics)
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


def _reps(t: Table, metrics: tuple[str, ...]) -> RepRule:
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


def _condition(t: Table, metrics: tuple[str, ...], alternative: bool = False) -> Condition:
    """A [[hold.when]] condition, with its [[hold.when.or]] alternatives
    (which have none of their own)."""
    c = Condition(
        metric=check_metric(t, "metric", t.get("metric", str, what="a metric name"), metrics),
        min=t.number("min", THRESHOLD, -math.inf),
        max=t.number("max", THRESHOLD, math.inf),
        alternatives=() if alternative else tuple(_condition(a, metrics, True) for a in t.tables("or")),
        message="" if alternative else t.get("message", str, "", what="a sentence for the report"),
    )
    check_band(t, c.min, c.max)
    t.finish()
    return c


def _hold(t: Table, kind: str, reps: RepRule | None, metrics: tuple[str, ...]) -> HoldRule:
    target = t.number("target_s", TARGET_S)
    grace = t.number("grace_s", SECONDS, 0.5)
    exit_fraction = t.number("exit_fraction", EXIT_FRACTION, None)
    when = tuple(_condition(c, metrics) for c in t.tables("when"))
    still = tuple(
        check_metric(t, "still", str(n), metrics) for n in t.get("still", list, [], what="a list of metric names")
    )
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


def _prescription(t: Table | None) -> Prescription:
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


@one_line_errors
def parse_exercise(data: dict[str, Any], file: str) -> Exercise:
    """Validate parsed TOML and build the Exercise, with one Exercise per
    extra view ([views.<view>], merged over the top level: `merge_view`).

    Raises:
        PosecheckError: one line naming the file, key, value and what is allowed.
    """
    base = {k: v for k, v in data.items() if k not in ("views", "measured_views", "impossible_views")}
    ex = _parse_one(base, file, "")
    t = Table(data, "", file)
    views_t = t.table("views")
    views: list[tuple[str, Exercise]] = []
    if views_t is not None:
        for view in list(views_t.data):
            sub = views_t.table(view, required=True)
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
    t = Table(data, where, file)
    ex_id = file_header(t, SCHEMA_VERSION, "exercise")
    kind = t.choice("kind", KINDS)
    metrics_table = t.get("metrics", dict, what="a [metrics] table")
    metrics: list[MetricDef] = []
    for name, value in metrics_table.items():
        metrics.append(read_metric(name, value, file, [m.name for m in metrics], where))
    if not metrics:
        raise PosecheckError(f"{file}: [metrics] must define at least one metric")
    check_twin_ranges(metrics, file, where)
    names = tuple(m.name for m in metrics)
    required = t.get("required", list, what="a list of landmark names")
    req = landmark_list(t, "required", len(required)) if required else ()
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
    metrics, default_rules = merge_defaults(metrics, defaults, overrides, file, t.data.get("camera_view"))
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
        form=tuple(read_form_rule(x, names) for x in t.tables("form")),
        safety=(
            tuple(read_safety_rule(x, names) for x in t.tables("safety"))
            + default_rules
            + speed_rules(reps, hold, max_speed, speed_by_metric(t, names))
        ),
        max_speed_deg_s=max_speed,
        min_trunk_incline_deg=_min_trunk_incline(t),
        path=file,
    )
    t.finish()
    return ex


def _min_trunk_incline(t: Table) -> float | None:
    """`min_trunk_incline_deg`: only for exercises done down (lying, on
    hands and knees), whose setup check asks for a flat trunk."""
    value = t.number("min_trunk_incline_deg", TRUNK_INCLINE, None)
    if value is not None and t.data.get("position") not in ("lying", "hands_and_knees"):
        raise t.fail("min_trunk_incline_deg", value, "only with position = 'lying' or 'hands_and_knees'")
    return value


def _choices(t: Table, k: str, allowed: tuple[str, ...]) -> list[str]:
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
    return parse_file(path, "exercise", parse_exercise)


def exercise_file(id_or_path: str) -> Path:
    """The file of a bundled exercise id, or the path the user gave.

    Raises:
        PosecheckError: unknown id (with the closest ids).
    """
    return find_data_file(id_or_path, exercises_dir(), "exercise", "posecheck list")


def load_exercise(id_or_path: str) -> Exercise:
    """An exercise by bundled id, or from a path to a user's own file.

    Raises:
        PosecheckError: unknown id (with the closest ids), or a bad file.
    """
    return load_exercise_file(exercise_file(id_or_path))
