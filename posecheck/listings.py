"""The commands that only read and print: `list`, `show`, `validate` and
`history`, with their tables (the README's views table among them) and the
description of an exercise or a routine.

Apart from cli.py, which keeps the options, the commands that run the model
and the one error boundary: what a listing looks like has one home here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from posecheck.core.baseline import rest_range
from posecheck.core.metrics import MetricDef
from posecheck.errors import EXIT_USER_ERROR, PosecheckError
from posecheck.outputs import check_output_file
from posecheck.spec import (
    Condition,
    Exercise,
    Routine,
    camera_setup,
    exercise_paths,
    load_exercise,
    load_exercise_file,
    load_routine,
    load_routine_file,
    routine_paths,
    routines_dir,
    step_exercise,
)

TABLE_VIEWS = ("front", "side", "behind", "above")


def print_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Columns padded to their widest cell; the last column unpadded."""
    widths = [max(len(str(r[i])) for r in [*rows, head]) for i in range(len(head) - 1)]
    for r in [head, *rows]:
        print("  ".join(str(c).ljust(wd) for c, wd in zip(r, widths)) + "  " + r[-1])


EXERCISE_HEAD = ("id", "kind", "position", "views", "regions", "check", "title")


def exercise_row(ex: Exercise) -> tuple[str, ...]:
    """An exercise's row under EXERCISE_HEAD in `posecheck list`."""
    return (ex.id, ex.kind, ex.position, ",".join(ex.supported_views), ",".join(ex.regions), ex.checkable, ex.title)


def print_routines(routines: Sequence[Routine]) -> None:
    """`posecheck list --routines`."""
    print_table(("id", "source", "steps", "title"), [(r.id, r.source, str(len(r.steps)), r.title) for r in routines])


def print_history(rows: Sequence[dict[str, Any]]) -> None:
    """`posecheck history`: one line a recorded live session."""
    print_table(
        ("when", "exercise", "reps", "L/R", "holds", "warnings", "pain", "source"),
        [
            (
                dt.datetime.fromtimestamp(r["started_at"]).strftime("%Y-%m-%d %H:%M"),
                r["exercise"],
                str(r["reps"]),
                f"{r['reps_left']}/{r['reps_right']}" if r["reps_left"] is not None else "",
                f"{r['holds']} ({r['hold_s']:.0f} s)" if r["holds"] else "",
                str(r["warnings"]),
                "STOPPED" if r["stopped_for_pain"] else (r["pain"] or ""),
                r["source"],
            )
            for r in rows
        ],
    )


def views_table(exercises: list[Exercise]) -> str:
    """Exercise x view as a Markdown table: measured (on clips with truth),
    supported (defined, not yet measured), not possible (the movement runs
    along the line of sight), or empty (not defined yet). The README's
    views table is this output."""
    lines = ["| exercise | " + " | ".join(TABLE_VIEWS) + " |", "|---|" + "---|" * len(TABLE_VIEWS)]
    for ex in exercises:
        cells = []
        for v in TABLE_VIEWS:
            if ex.camera_view == "any" or v in ex.supported_views:
                cells.append(
                    "measured"
                    if v in ex.measured_views or (ex.camera_view == "any" and ex.measured_views)
                    else "supported"
                )
            else:
                cells.append("not possible" if v in ex.impossible_views else "")
        lines.append(f"| {ex.id} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def landmarks_text() -> str:
    """`posecheck show --landmarks`: the names exercise files may use."""
    from posecheck.core.landmarks import LANDMARK_NAMES, SIDED_NAMES

    return "\n".join(
        [
            "landmarks: " + ", ".join(LANDMARK_NAMES),
            "side-free names (take the metric's side): " + ", ".join(SIDED_NAMES),
            "midpoints: " + ", ".join(f"mid_{n}" for n in SIDED_NAMES),
        ]
    )


def _hold_and_rest(ex: Exercise) -> list[str]:
    """The hold (or a timer's length) and rest parts of a prescription, in words."""
    p = ex.prescription
    parts = []
    if ex.hold is not None:
        parts.append(f"hold {ex.hold.target_s:g} s")
    elif ex.kind == "timer" and p.hold_s:
        parts.append(f"{p.hold_s:g} s")
    if p.rest_s:
        parts.append(f"rest {p.rest_s:g} s")
    return parts


def _views_line(ex: Exercise) -> str:
    """The supported views, each marked measured (on clips with truth) or not."""
    return ", ".join(f"{v} ({'measured' if v in ex.measured_views else 'supported'})" for v in ex.supported_views)


def _band_text(c: Condition) -> str:
    """One hold condition's band: "150 <= body_line_deg", "elbow_deg <= 125"."""
    low = f"{c.min:g} <= " if math.isfinite(c.min) else ""
    high = f" <= {c.max:g}" if math.isfinite(c.max) else ""
    return f"{low}{c.metric}{high}"


def _held_while(ex: Exercise) -> list[str]:
    """A static hold's position conditions, each with its other readings."""
    if ex.hold is None or not ex.hold.when:
        return []
    conds = [" or ".join(_band_text(r) for r in c.readings) for c in ex.hold.when]
    return ["held while: " + "; ".join(conds)]


def _counted_when(ex: Exercise) -> list[str]:
    """How a rep is counted: each movement's metric from neutral to its end
    (and where a partial rep begins), so an author sees the thresholds."""
    if ex.reps is None:
        return []
    relative = {m.name: m for m in ex.metrics if m.relative}
    moves = [
        f"{m.metric} from {m.neutral:g} (neutral) to {m.end:g} (end), partial past {m.partial:g}"
        + (f" (from the person's rest{_rest_within(ex, relative[m.metric])})" if m.metric in relative else "")
        + (f" [{m.name}]" if m.name != "none" else "")
        for m in ex.reps.movements
    ]
    return ["counted on: " + "; ".join(moves)]


def _rest_within(ex: Exercise, m: MetricDef) -> str:
    """Where the rest may be (`rest_range`, its twins' too), in the metric's
    own reading."""
    low, high = rest_range(ex, m)
    return "" if math.isinf(low) and math.isinf(high) else f", found within {low:g} to {high:g}"


def describe_exercise(ex: Exercise) -> str:
    """`posecheck show EXERCISE`: instructions, camera, the thresholds a rep
    is counted on or the position a hold is timed in, prescription, safety."""
    p = ex.prescription
    lines = [
        f"{ex.title} ({ex.id})",
        "",
        f"position: {ex.position}; regions: {', '.join(ex.regions)}; check: {ex.checkable}",
        f"camera: {camera_setup(ex)}",
        f"views: {_views_line(ex)}",
        "",
        ex.instructions,
        "",
    ]
    pres = [f"{p.sets} set(s)"]
    if p.reps:
        pres.append(f"{p.reps} reps" + (" per side" if ex.reps and ex.reps.sides == "alternating" else ""))
    lines += _counted_when(ex) + _held_while(ex)
    lines.append("prescription: " + ", ".join(pres + _hold_and_rest(ex)))
    for r in ex.safety:
        line = f"safety [{r.severity}] {r.id}: {r.message}"
        # One line per rule id: the head circle's loop and half roll are one rule.
        if r.id != "sudden_movement" and line not in lines:
            lines.append(line)
    lines.append(f"safety [caution] sudden_movement: slow down above {ex.max_speed_deg_s:g} deg/s")
    return "\n".join(lines)


def describe_routine(r: Routine) -> str:
    """`posecheck show ROUTINE`: its warm-up and steps with their prescriptions."""
    lines = [
        f"{r.title} ({r.id}, source {r.source})",
        "",
        r.description,
        "",
        f"warm-up ({r.warm_up_s:g} s): {r.warm_up}",
        "",
    ]
    for i, step in enumerate(r.steps, 1):
        ex = step_exercise(step)
        p = ex.prescription
        what = [f"{p.sets} x {p.reps}" if p.reps else f"{p.sets} set(s)", *_hold_and_rest(ex)]
        lines.append(f"{i:2d}. {ex.title} ({ex.id}): {', '.join(what)}")
    return "\n".join(lines)


def list_command(args: argparse.Namespace) -> int:
    if args.routines:
        print_routines([load_routine_file(p) for p in routine_paths()])
        return 0
    if args.views:
        print(views_table([load_exercise_file(p) for p in exercise_paths()]))
        return 0
    rows = []
    for p in exercise_paths():
        ex = load_exercise_file(p)
        if args.region and args.region not in ex.regions:
            continue
        if args.position and ex.position != args.position:
            continue
        if args.checkable and ex.checkable != args.checkable:
            continue
        if args.view and args.view not in ex.supported_views and ex.camera_view != "any":
            continue
        rows.append(exercise_row(ex))
    if not rows:
        print("no exercise matches those filters")
        return 0
    print_table(EXERCISE_HEAD, rows)
    return 0


def show_command(args: argparse.Namespace) -> int:
    if args.landmarks:
        print(landmarks_text())
        return 0
    if not args.name:
        raise PosecheckError("show needs an exercise or routine id (or --landmarks)")
    if (routines_dir() / f"{args.name}.toml").is_file() or "/routines/" in args.name:
        print(describe_routine(load_routine(args.name)))
    else:
        print(describe_exercise(load_exercise(args.name)))
    return 0


def validate_command(args: argparse.Namespace) -> int:
    """Exit status 2 when any file is bad; every file is checked."""
    paths = [Path(f) for f in args.files] or exercise_paths() + routine_paths()
    bad = 0
    for p in paths:
        try:
            item = load_routine_file(p) if p.parent.name == "routines" else load_exercise_file(p)
            print(f"ok  {p} ({item.id})")
        except PosecheckError as exc:
            print(f"error: {exc}", file=sys.stderr)
            bad += 1
    return EXIT_USER_ERROR if bad else 0


def history_command(args: argparse.Namespace) -> int:
    from posecheck.io.history import plot_target
    from posecheck.io.sessionlog import history_rows, plot_history

    plot = plot_target(Path(args.plot)) if args.plot else None
    html = Path(args.html) if getattr(args, "html", None) else None
    if html is not None:
        check_output_file(html, "--html")
    rows = history_rows(exercise=args.exercise)
    if not rows:
        print("no sessions recorded yet")
        return 0
    print_history(rows)
    if plot:
        print(f"wrote {plot_history(rows, plot)}")
    if html is not None:
        from posecheck.io.report_html import write_history_html

        write_history_html(rows, html)
        print(f"wrote {html}")
    return 0
