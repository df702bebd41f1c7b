"""What should come out of a clip: the truth the accuracy benchmark scores against.

Rendered samples carry exact truth (`<clip>.truth.json`, written by the
renderer from its motion script); the real clips carry hand labels
(`labels.tsv`) mapped to exercises by `samples/real_clips.toml`, with the
labels' own tolerance (high confidence exact, medium within one).
"""

from __future__ import annotations

import csv
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError
from posecheck.spec import load_exercise


@dataclass
class ClipTruth:
    """What should come out of one clip."""

    clip: str
    exercise: str
    reps: int
    reps_by_side: dict[str, int] | None = None
    partial_reps: int | None = None
    hold_s: list[float] = field(default_factory=list)
    unsafe: list[dict[str, Any]] = field(default_factory=list)
    angles: dict[str, list[float]] = field(default_factory=dict)
    count_tolerance: int = 0
    hold_tolerance_s: float = 0.5
    hold_target_s: float | None = None
    # False where the truth says nothing about holds (a real clip whose label
    # gives no hold lengths): then the holds found are not judged.
    check_holds: bool = True
    # False where the truth says nothing about unsafe movement (real clips'
    # labels): then the warnings given are listed but not judged.
    check_warnings: bool = True
    mirrored: bool = False
    view: str = ""  # the rendered camera view: front, side or side_right
    elevation_deg: float = 0.0  # how far the rendered camera looks down


def sample_truths(samples: Path) -> list[tuple[ClipTruth, Path]]:
    """Truth of every rendered sample (reads `<clip>.truth.json`)."""
    out = []
    for p in sorted(samples.glob("*.truth.json")):
        t = json.loads(p.read_text())
        by_side = t.get("reps_by_side")
        out.append(
            (
                ClipTruth(
                    clip=t["clip"],
                    exercise=t["exercise"],
                    reps=int(t["reps"]),
                    reps_by_side={k: by_side[k] for k in ("left", "right")} if by_side else None,
                    partial_reps=t.get("partial_reps"),
                    hold_s=[h["duration_s"] for h in t["holds"]],
                    unsafe=list(t.get("unsafe", [])),
                    angles=t.get("angles", {}),
                    hold_target_s=t.get("hold_target_s"),
                    mirrored=bool(t.get("variant", {}).get("mirrored", False)),
                    view=str(t.get("variant", {}).get("view", "")),
                    elevation_deg=float(t.get("variant", {}).get("elevation_deg") or 0.0),
                ),
                samples / t["clip"],
            )
        )
    return out


def _first_number(text: str) -> float | None:
    m = re.search(r"(\d+(?:\.\d+)?)", text)
    return float(m.group(1)) if m else None


# The keys a clip's table in real_clips.toml may have.
CLIP_OPTIONS = frozenset({"exercise", "hold_s", "hold_s_expected", "count", "unsafe"})


def real_clip_truths(clips: Path, mapping: Path) -> list[tuple[ClipTruth, Path, dict[str, Any]]]:
    """Truth of the real clips from labels.tsv, mapped by real_clips.toml.

    High-confidence counts must be exact, medium within one; holds within 1 s.
    A clip of an unsafe movement names it in real_clips.toml: `unsafe = [{
    start_s, end_s, rule }, ...]`, each to be warned by that rule (other
    warnings are listed, not judged: the labels do not say every one), and
    `count = false` where its label's count is of the unsafe movement, not
    of the exercise's reps (head rolls on a side-tilt exercise).
    """
    try:
        spec = tomllib.loads(mapping.read_text(encoding="utf-8"))["clips"]
    except FileNotFoundError:
        raise PosecheckError(f"{mapping}: no such file (the real clips' exercises; or give --no-clips)") from None
    except (tomllib.TOMLDecodeError, KeyError, UnicodeDecodeError) as exc:
        raise PosecheckError(f"{mapping}: not a table of real clips ({exc})") from None
    out = []
    with (clips / "labels.tsv").open(newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            name = row["clip"]
            if name not in spec:
                continue
            conf = row["confidence"].strip()
            options = spec[name]
            unknown = sorted(set(options) - CLIP_OPTIONS)
            if unknown:
                raise PosecheckError(
                    f"{mapping}: clips.\"{name}\": unknown key '{unknown[0]}'; allowed: {sorted(CLIP_OPTIONS)}"
                )
            # "one hold ... N s" is checked; "none" means no hold at all;
            # anything else (a pause at each rep) is not a hold to time.
            field_text = row["holds"].strip()
            holds: list[float] = []
            check_holds = field_text == "none"
            if field_text.startswith("one hold"):
                secs = re.findall(r"(\d+(?:\.\d+)?) s\b", field_text)
                holds = [float(options.get("hold_s_expected", secs[0]))]
                check_holds = True
            unsafe = _unsafe_of(mapping, name, options.get("unsafe", []))
            if unsafe:
                _check_rules(mapping, name, options["exercise"], unsafe)
            out.append(
                (
                    ClipTruth(
                        clip=name,
                        exercise=options["exercise"],
                        reps=int(_first_number(row["reps"]) or 0),
                        hold_s=holds,
                        count_tolerance=(0 if conf == "high" else 1)
                        if _counted(mapping, name, options)
                        else sys.maxsize,
                        hold_tolerance_s=1.0,
                        check_holds=check_holds,
                        unsafe=unsafe,
                        check_warnings=False,
                    ),
                    clips / name,
                    options,
                )
            )
    return out


def _counted(mapping: Path, clip: str, options: dict[str, Any]) -> bool:
    """The clip's `count` option: whether its label's count is judged."""
    count = options.get("count", True)
    if not isinstance(count, bool):
        raise PosecheckError(f'{mapping}: clips."{clip}".count = {count!r}: expected true or false')
    return count


def _unsafe_of(mapping: Path, clip: str, value: object) -> list[dict[str, Any]]:
    """The clip's `unsafe` option: a list of { start_s, end_s, rule }, each
    interval within the clip's time (0 <= start_s < end_s) and a rule id."""
    where = f'{mapping}: clips."{clip}".unsafe'
    if not isinstance(value, list):
        raise PosecheckError(f"{where} = {value!r}: expected a list of {{ start_s, end_s, rule }}")
    out = []
    for i, u in enumerate(value):
        shaped = isinstance(u, dict) and set(u) == {"start_s", "end_s", "rule"} and isinstance(u["rule"], str)
        times = [u["start_s"], u["end_s"]] if shaped else []
        numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in times)
        if not shaped or not numbers or not 0 <= times[0] < times[1]:
            raise PosecheckError(
                f"{where}[{i}] = {u!r}: expected {{ start_s, end_s, rule }}: seconds with 0 <= start_s < end_s "
                "and a safety rule id"
            )
        out.append({"start_s": float(times[0]), "end_s": float(times[1]), "rule": u["rule"]})
    return out


def _check_rules(mapping: Path, clip: str, exercise: str, unsafe: list[dict[str, Any]]) -> None:
    """Each unsafe interval names a safety rule the exercise has (a typo
    would be a warning nothing can give, and the clip would fail silently)."""
    ids = {r.id for r in load_exercise(exercise).safety}
    for i, u in enumerate(unsafe):
        if u["rule"] not in ids:
            raise PosecheckError(
                f'{mapping}: clips."{clip}".unsafe[{i}].rule = {u["rule"]!r}: not a safety rule of '
                f"{exercise}; its rules: {sorted(ids)}"
            )
