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

Hold spans (README.md, "Hold spans"): a hold lasts from when the joint is
visibly at its end position until it visibly leaves it, not just the
scripted ``hold`` segment: the span is the contiguous time around the
segment during which every angle channel the preceding ``move`` changed
is within max(2 deg, 5% of that channel's excursion in the move) of its
hold value. Sine-eased approach and departure add a few tenths of a
second at each end.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from tools.render.channels import ANGLE_CHANNELS
from tools.render.motion import ClipScript, Segment, Timeline

SCHEMA = 1
_EPS = 1e-6

HOLD_TOLERANCE_DEG = 2.0
"""A held joint within this many degrees of its hold value counts as still there ..."""
HOLD_TOLERANCE_SHARE = 0.05
"""... or within this share of the move's excursion, whichever is larger."""
_SPAN_STEP_S = 0.01
_SPAN_RESOLUTION_S = 1e-4


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


def hold_tolerances(script: ClipScript, index: int, timeline: Timeline | None = None) -> dict[str, float]:
    """Per-channel tolerance (deg) of the hold at ``segments[index]``.

    The channels are the angle channels the last ``move`` before the hold
    changed; each gets max(``HOLD_TOLERANCE_DEG``, ``HOLD_TOLERANCE_SHARE``
    x its excursion in that move). Empty when no move precedes the hold.
    """
    timeline = Timeline(script) if timeline is None else timeline
    segments = script.segments
    move_index = next((i for i in range(index - 1, -1, -1) if segments[i].kind == "move"), None)
    if move_index is None:
        return {}
    before = timeline.start_values(move_index)
    tolerances: dict[str, float] = {}
    for name, target in segments[move_index].values.items():
        excursion = abs(target - before[name])
        if name in ANGLE_CHANNELS and excursion > _EPS:
            tolerances[name] = max(HOLD_TOLERANCE_DEG, HOLD_TOLERANCE_SHARE * excursion)
    return tolerances


def hold_span(script: ClipScript, index: int, timeline: Timeline | None = None) -> tuple[float, float]:
    """(start_s, end_s) of the hold at ``segments[index]`` under the span convention.

    Walks outward from the scripted segment in 10 ms steps while every
    channel of ``hold_tolerances`` stays within its tolerance of the hold
    value, then bisects each boundary to 0.1 ms. Never leaves [0, clip end].
    """
    timeline = Timeline(script) if timeline is None else timeline
    hold: Segment = script.segments[index]
    tolerances = hold_tolerances(script, index, timeline)
    if not tolerances:
        return hold.start_s, hold.end_s
    held = timeline.start_values(index)

    def still(t: float) -> bool:
        values = timeline.at(t)
        return all(abs(values[name] - held[name]) <= tol + _EPS for name, tol in tolerances.items())

    def walk(edge: float, direction: float, limit: float) -> float:
        inside = edge
        while True:
            probe = inside + direction * _SPAN_STEP_S
            if (probe - limit) * direction > 0:
                probe = limit
            if not still(probe):
                outside = probe
                break
            if probe == limit:
                return limit
            inside = probe
        while abs(outside - inside) > _SPAN_RESOLUTION_S:
            middle = 0.5 * (inside + outside)
            if still(middle):
                inside = middle
            else:
                outside = middle
        return inside

    return walk(hold.start_s, -1.0, 0.0), walk(hold.end_s, +1.0, script.duration_s)


def side_sign_warnings(script: ClipScript) -> list[str]:
    """Segments whose side disagrees with the sign of a lateral channel they set.

    Segments are written for the LEFT side and mirrored for ``right``, so a
    right-side segment that ends with a lateral channel (head tilt/turn,
    trunk side bend) positive, or a left one negative, was probably written
    already mirrored (the mistake that made a "right" tilt go left).
    """
    warnings: list[str] = []
    timeline = Timeline(script)
    for i, segment in enumerate(script.segments):
        if segment.kind != "hold" and segment.rep == "none":
            continue
        if segment.side not in ("left", "right"):
            continue
        values = timeline.at(segment.end_s - 1e-6)
        for name in ("head_tilt_deg", "head_turn_deg", "trunk_side_bend_deg"):
            value = values.get(name, 0.0) - script.base.get(name, 0.0)
            if abs(value) > 1.0 and (value > 0) != (segment.side == "left"):
                warnings.append(
                    f"segment #{i + 1} at {segment.start_s:.2f} s is side {segment.side!r} but {name} is {value:+.1f}"
                )
    return warnings


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
    timeline = Timeline(script)
    for index, segment in enumerate(script.segments):
        if segment.kind == "hold":
            start_s, end_s = hold_span(script, index, timeline)
            completed = end_s - start_s >= target - _EPS
            holds.append({
                "start_s": _round(start_s),
                "end_s": _round(end_s),
                "duration_s": _round(end_s - start_s),
                "completed": completed,
                "side": segment.side,
                "segment_s": [_round(segment.start_s), _round(segment.end_s)],
            })
            if segment.rep == "full" and completed:
                rep_events.append({"t_s": _round(start_s + target), "side": segment.side})
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
        "hold_target_s": script.hold_target_s,
        "variant": {
            "body": variant.body,
            "clothes": variant.clothes,
            "camera": variant.camera,
            "view": variant.view,
            "yaw_deg": variant.yaw_deg,
            "mirrored": variant.mirrored,
            "elevation_deg": variant.elevation_deg,
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
