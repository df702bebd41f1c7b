"""A file's [metrics] tables -> `MetricDef`s, and the checks that a key
names a defined metric and that a metric's band is one.

Shared by the exercise reader (`exercise.py`), the rule readers
(`rules.py`) and the safety defaults (`defaults.py`): a metric is defined
one way wherever it is written.
"""

from __future__ import annotations

import math

from posecheck.core.landmarks import LANDMARK_NAMES, SIDED_NAMES, is_valid_landmark_name
from posecheck.core.measures import MEASURES
from posecheck.core.metrics import COMBINE_OPS, METRIC_SIDES, METRIC_SPACES, MetricDef, measure_key
from posecheck.errors import PosecheckError
from posecheck.spec.ranges import THRESHOLD
from posecheck.spec.toml_table import Table, did_you_mean

_POINT_KEYS = {"joint": 3, "segment": 2, "elevation": 2, "between": 4, "distance": 2}


def landmark_list(t: Table, k: str, n: int) -> tuple[str, ...]:
    """The `n` landmark names at `k` (() when absent), each a MediaPipe name."""
    v = t.get(k, list, None)
    if v is None:
        return ()
    if len(v) != n or not all(isinstance(x, str) for x in v):
        raise t.fail(k, v, f"a list of {n} landmark names")
    for name in v:
        if not is_valid_landmark_name(name):
            hint = did_you_mean(name, _all_landmark_names())
            raise PosecheckError(
                f"{t.file}: key '{t.key(k)}': unknown landmark '{name}'{hint}; "
                "expected a MediaPipe pose landmark name (see `posecheck show --landmarks`)"
            )
    return tuple(v)


def _all_landmark_names() -> list[str]:
    return list(LANDMARK_NAMES) + list(SIDED_NAMES) + [f"mid_{n}" for n in SIDED_NAMES]


def read_metric(name: str, value: object, file: str, known: list[str], where: str = "") -> MetricDef:
    """One [metrics] entry; a `combine` may use only the `known` metrics
    defined above it (`where`: "" or "views.<view>", for messages)."""
    key = f"{where}.metrics.{name}" if where else f"metrics.{name}"
    if not isinstance(value, dict):
        raise PosecheckError(f"{file}: key '{key}' = {value!r}: expected a table")
    t = Table(value, key, file)
    pts = {k: landmark_list(t, k, n) for k, n in _POINT_KEYS.items()}
    per = landmark_list(t, "per", 2)
    measure = t.get("measure", str, "")
    if measure and measure not in MEASURES:
        raise t.fail("measure", measure, f"one of {sorted(MEASURES)}")
    combine = t.choice("combine", COMBINE_OPS, "")
    of = tuple(t.get("of", list, []))
    kinds = [k for k, v in pts.items() if v] + (["measure"] if measure else []) + (["combine"] if combine else [])
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
        rest_range=_rest_range(t),
    )
    if m.rest_range is not None and (not m.relative or m.is_direction):
        raise t.fail("rest_range", list(m.rest_range), "only on a `relative = true` metric that is not a `segment`")
    t.finish()
    return m


def _rest_range(t: Table) -> tuple[float, float] | None:
    """`rest_range = [low, high]`: two numbers (each read by the one number
    reader, named by its index), low under high."""
    v = t.get("rest_range", list, None, what="[low, high]: two numbers, low under high")
    if v is None:
        return None
    if len(v) != 2:
        raise t.fail("rest_range", v, "[low, high]: two numbers, low under high")
    ends = Table({f"rest_range[{i}]": x for i, x in enumerate(v)}, t.where, t.file)
    low, high = (ends.number(f"rest_range[{i}]", THRESHOLD) for i in range(2))
    if low >= high:
        raise t.fail("rest_range", v, "[low, high]: two numbers, low under high")
    return low, high


def check_metric(t: Table, k: str, name: str, metrics: tuple[str, ...]) -> str:
    """`name` (given at key `k`) if it is one of the file's `metrics`."""
    if name not in metrics:
        hint = did_you_mean(name, metrics)
        raise PosecheckError(
            f"{t.file}: key '{t.key(k)}' = {name!r}: not a metric of this file{hint}; defined: {list(metrics)}"
        )
    return name


def check_band(t: Table, low: float, high: float) -> None:
    """A [min, max] band on a metric ([[form]], [[hold.when]]): at least one
    bound given, and min under max."""
    if low == -math.inf and high == math.inf:
        raise PosecheckError(f"{t.file}: {t.where} needs 'min' or 'max'")
    if low >= high:
        raise t.fail("max", high, f"a value above min ({low})")


def check_twin_ranges(metrics: list[MetricDef], file: str, where: str = "") -> None:
    """Twins (one measure under two names or signs) share one rest, so a
    `rest_range` given on more than one of them must be the same range,
    mirrored for a negated twin: two ranges that do not meet would leave no
    rest at all (every reading then reads from one end)."""
    first: dict[MetricDef, MetricDef] = {}
    for m in metrics:
        if m.rest_range is None:
            continue
        other = first.setdefault(measure_key(m), m)
        if other is m or other.rest_range is None:
            continue
        lo, hi = other.rest_range
        mirrored = (-hi, -lo) if other.negate != m.negate else (lo, hi)
        if m.rest_range != mirrored:
            key = f"{where}.metrics.{m.name}" if where else f"metrics.{m.name}"
            raise PosecheckError(
                f"{file}: key '{key}.rest_range' = {list(m.rest_range)}: expected {list(mirrored)}, the range "
                f"'{other.name}' gives (one measure, one rest), or no rest_range here"
            )
