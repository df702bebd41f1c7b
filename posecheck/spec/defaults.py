"""The safety rules every exercise gets, from `safety_defaults.toml`.

Read once by the same strict reader as an exercise file, then merged into
each exercise: the metrics the rules need are added, and the exercise's
[default_rules.<id>] tables may switch a rule off or change its numbers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from posecheck.core.metrics import MetricDef
from posecheck.errors import PosecheckError
from posecheck.spec.metric_defs import read_metric
from posecheck.spec.model import SEVERITIES, SafetyRule
from posecheck.spec.ranges import BAND, LOOP_WINDOW_S, SECONDS, SPEED_LIMIT, SUSTAIN_S, THRESHOLD, TURNS
from posecheck.spec.rules import read_safety_rule
from posecheck.spec.toml_table import Table, read_toml


@dataclass(frozen=True)
class SafetyDefaults:
    """The rules every exercise gets (safety_defaults.toml, beside this module)."""

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
        t = Table(read_toml(DEFAULTS_PATH, "safety defaults"), "", file)
        t.get("schema", int)
        mt = t.get("metrics", dict)
        metrics: list[MetricDef] = []
        for name, value in mt.items():
            metrics.append(read_metric(name, value, file, [m.name for m in metrics]))
        names = tuple(m.name for m in metrics)
        _DEFAULTS = SafetyDefaults(
            metrics=tuple(metrics),
            rules=tuple(read_safety_rule(x, names) for x in t.tables("safety")),
            max_speed_deg_s=t.number("max_speed_deg_s", SPEED_LIMIT),
        )
        t.finish()
    return _DEFAULTS


# What [default_rules.<id>] may change, read with the range the rule's own key has.
_OVERRIDABLE = {
    "amplitude_above": BAND,
    "turn_above": TURNS,
    "dip_above": BAND,
    "middle_below": THRESHOLD,
    "window_s": LOOP_WINDOW_S,
    "above": THRESHOLD,
    "below": THRESHOLD,
    "for_s": SUSTAIN_S,
    "cooldown_s": SECONDS,
}


# Keys one part of a rule id shared by two kinds does not take: the head
# circle's `window_s` and `turn_above` are the loop's (10 s of history), its
# `dip_above` and `middle_below` the half roll's (whose swing window stays 3 s).
_NOT_FOR = {"arc": ("window_s", "turn_above"), "loop": ("dip_above", "middle_below")}


def merge_defaults(
    metrics: list[MetricDef],
    defaults: SafetyDefaults,
    overrides: Table | None,
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
                raise PosecheckError(f"{file}: unknown key 'default_rules.{rid}'; default rules: {sorted(known_ids)}")
    for rule in defaults.rules:
        sub = overrides.table(rule.id) if overrides is not None else None
        if sub is not None:
            if not sub.get("enabled", bool, True):
                sub.finish()
                continue
            changes = {}
            for k, rng in _OVERRIDABLE.items():
                v = sub.number(k, rng, None)
                if v is not None and k not in _NOT_FOR.get(rule.kind, ()):
                    changes["above" if k == "amplitude_above" else k] = v
            sev = sub.choice("severity", SEVERITIES, None)
            if sev is not None:
                changes["severity"] = sev
            msg = sub.get("message", str, None)
            if msg is not None:
                changes["message"] = msg
            sub.finish()
            rule = dataclasses.replace(rule, **changes)
        if rule.kind in ("loop", "arc") and camera_view in ("side", "above", "behind"):
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
                f"{file}: metric '{m.name}' is also a default safety metric with another definition ({m}); rename yours"
            )
    return out, tuple(rules)
