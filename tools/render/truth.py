"""The truth file of a clip, derived from its motion script alone.

Nothing here looks at rendered pixels or runs any analyser: reps, holds,
unsafe spans and angles follow from the script's segments and rules, so
the truth is exact by construction and can be rebuilt without torch
(``python -m tools.render --truth-only SCRIPT.toml``).

Counting convention (README.md): a rep counts once its end position is
reached (end of a ``rep = "full"`` move), or, for a ``rep = "full"`` hold,
once the hold has lasted ``hold_target_s``; a full-rep hold that ends
sooner is broken, counts no rep and adds one to ``partial_reps``, as does
any ``rep = "partial"`` segment.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from tools.render.channels import ANGLE_CHANNELS
from tools.render.motion import ClipScript

SCHEMA = 1
_EPS = 1e-6


def _round(value: float) -> float:
    return round(float(value), 3)


def _mask_intervals(mask: np.ndarray, fps: int, duration_s: float) -> list[tuple[float, float]]:
    """Time spans of runs of True frames; a frame covers [i/fps, (i+1)/fps)."""
    spans: list[tuple[float, float]] = []
    start: int | None = None
    for i, flag in enumerate(np.append(mask, False)):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            spans.append((start / fps, min(i / fps, duration_s)))
            start = None
    return spans


def _merge(spans: list[dict[str, Any]], key: str | None) -> list[dict[str, Any]]:
    """Join touching or overlapping spans (of the same rule, if ``key``)."""
    merged: list[dict[str, Any]] = []
    for span in sorted(spans, key=lambda s: (s.get(key, "") if key else "", s["start_s"])):
        last = merged[-1] if merged else None
        if last is not None and (key is None or last[key] == span[key]) and span["start_s"] <= last["end_s"] + _EPS:
            last["end_s"] = max(last["end_s"], span["end_s"])
        else:
            merged.append(dict(span))
    return sorted(merged, key=lambda s: s["start_s"])


def build_truth(script: ClipScript, tracks: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """Assemble the truth document (schema 1) for ``script``."""
    tracks = script.sample() if tracks is None else tracks
    frames = script.frames
    duration_s = frames / script.fps
    target = script.hold_target_s

    rep_events: list[dict[str, Any]] = []
    holds: list[dict[str, Any]] = []
    unsafe: list[dict[str, Any]] = []
    absent: list[dict[str, Any]] = []
    partial_sides: list[str | None] = []
    for segment in script.segments:
        if segment.kind == "hold":
            completed = segment.duration_s >= target - _EPS
            holds.append({
                "start_s": _round(segment.start_s),
                "end_s": _round(segment.end_s),
                "duration_s": _round(segment.duration_s),
                "completed": completed,
                "side": segment.side,
            })
            if segment.rep == "full" and completed:
                rep_events.append({"t_s": _round(segment.start_s + target), "side": segment.side})
            elif segment.rep != "none":
                partial_sides.append(segment.side)
        elif segment.rep == "full":
            rep_events.append({"t_s": _round(segment.end_s), "side": segment.side})
        elif segment.rep == "partial":
            partial_sides.append(segment.side)
        if segment.unsafe:
            unsafe.append({"start_s": _round(segment.start_s), "end_s": _round(segment.end_s), "rule": segment.unsafe})
        if segment.absent:
            absent.append({"start_s": _round(segment.start_s), "end_s": _round(segment.end_s)})

    for rule in script.rules:
        for start, end in _mask_intervals(rule.matches(tracks[rule.channel]), script.fps, duration_s):
            span = {"start_s": _round(start), "end_s": _round(end)}
            if rule.flag == "unsafe":
                unsafe.append({**span, "rule": rule.name})
            else:
                absent.append(span)

    sides = [event["side"] for event in rep_events] + partial_sides
    reps_by_side = None
    if any(side in ("left", "right") for side in sides):
        reps_by_side = {side: sum(1 for e in rep_events if e["side"] == side) for side in ("left", "right")}

    variant = script.variant
    return {
        "schema": SCHEMA,
        "clip": f"{script.name}.mp4",
        "exercise": script.exercise,
        "fps": script.fps,
        "frames": frames,
        "duration_s": _round(duration_s),
        "size": list(script.size),
        "variant": {
            "body": variant.body,
            "clothes": variant.clothes,
            "camera": variant.camera,
            "view": variant.view,
            "yaw_deg": variant.yaw_deg,
            "mirrored": variant.mirrored,
        },
        "reps": len(rep_events),
        "reps_by_side": reps_by_side,
        "partial_reps": len(partial_sides),
        "rep_events": rep_events,
        "holds": holds,
        "unsafe": _merge(unsafe, "rule"),
        "absent": _merge(absent, None),
        "angles": {
            name: [_round(v) for v in values]
            for name, values in tracks.items()
            if name in ANGLE_CHANNELS
        },
    }


def write_truth(truth: dict[str, Any], path: Path) -> None:
    """Write the truth JSON: the angle arrays one line each, for readable diffs."""
    angles = truth["angles"]
    head = {key: value for key, value in truth.items() if key != "angles"}
    text = json.dumps(head, indent=1)[:-2]
    lines = [f'  "{name}": {json.dumps(values)}' for name, values in angles.items()]
    text += ',\n "angles": {\n' + ",\n".join(lines) + "\n }\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    path.write_text(text)
