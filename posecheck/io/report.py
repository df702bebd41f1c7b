"""The JSON report (a stable contract, schema 1), the CSV and the summary.

The README's "Report schema" section documents every field; tests check the
shape. Change a field only with a new schema number.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

from posecheck.core.analysis import AnalysisResult
from posecheck.core.engine import reps_by_side
from posecheck.core.head_pose import read_frames
from posecheck.core.measures import head_reads
from posecheck.outputs import write_atomically

REPORT_SCHEMA = 1


def _r(x: float, nd: int = 3) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), nd)


def build_report(result: AnalysisResult, source: str, mirrored: bool = False) -> dict[str, Any]:
    """The report as a JSON-ready dict (schema 1). `mirrored`: the track was
    mirrored back for the analysis (--mirrored); the camera's roll is given
    as the video shows it."""
    ex = result.exercise
    tr = result.track
    roll = tr.camera_roll_deg
    return {
        "schema": REPORT_SCHEMA,
        "exercise": ex.id,
        "view": ex.camera_view,
        "source": source,
        "model": tr.model,
        "camera_roll_deg": -roll if mirrored and roll is not None else roll,
        "duration_s": _r(tr.duration_s),
        "frames": len(tr),
        "frames_with_pose": int(tr.has_pose.sum()),
        # The head's tilt and nod read from the face mesh in this many frames
        # (the pose model's points in the others); None where the exercise
        # reads no face measure or the track has no face reading.
        "frames_with_face": None
        if tr.face_deg is None or not head_reads([ex]).face
        else int(read_frames(tr.face_deg).sum()),
        # Frames whose drawn text (an app's counter, a caption) was painted
        # out before the model read them; None where the picture was read as
        # it is (a track extracted without the search).
        "frames_text_erased": None if tr.text_erased is None else int(tr.text_erased.sum()),
        # Each relative metric's rest, in its own reading (before the rest
        # is subtracted): where a file's `rest_range` is checked against.
        "rest_levels": {k: _r(v, 2) for k, v in result.rest_levels.items()},
        "reps": len(result.reps),
        "reps_by_side": reps_by_side(ex, result.reps),
        "partial_reps": result.partial_reps,
        "rep_events": [
            {"t_s": _r(r.t_s), "side": r.side, "peak": _r(r.peak, 2), "faults": list(r.faults)} for r in result.reps
        ],
        "holds": [
            {
                "start_s": _r(h.start_s),
                "end_s": _r(h.end_s),
                "duration_s": _r(h.duration_s),
                "completed": h.completed,
                "side": h.side,
                "unseen_s": _r(h.unseen_s),
            }
            for h in result.holds
        ],
        "warnings": [
            {
                "t_s": _r(w.t_s),
                "end_s": _r(w.end_s),
                "fired_s": _r(w.fired_s),
                "rule": w.rule,
                "severity": w.severity,
                "message": w.message,
            }
            for w in result.warnings
        ],
    }


def write_report(report: dict[str, Any], path: Path) -> None:
    """Write the report as indented JSON with a trailing newline (whole or
    not at all: see outputs.write_atomically)."""
    text = json.dumps(report, indent=2) + "\n"
    write_atomically(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_metrics_csv(result: AnalysisResult, path: Path) -> None:
    """One row per frame: time, pose found, usable, every metric, reps, hold."""
    write_atomically(Path(path), lambda tmp: _write_metrics_csv(result, tmp))


def _write_metrics_csv(result: AnalysisResult, path: Path) -> None:
    names = list(result.metrics)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["t_s", "pose", "usable", *names, "reps", "partial_reps", "hold_elapsed_s"])
        has_pose = result.track.has_pose
        for i, t in enumerate(result.track.t_s):
            st = result.frame_states[i]
            w.writerow(
                [
                    f"{t:.3f}",
                    int(has_pose[i]),
                    int(result.usable[i]),
                    *("" if math.isnan(v) else f"{v:.2f}" for v in (result.metrics[n][i] for n in names)),
                    st.reps,
                    st.partial_reps,
                    f"{st.hold_elapsed_s:.2f}",
                ]
            )


def summary_text(report: dict[str, Any]) -> str:
    """A short human summary of a report, for the terminal."""
    lines = [
        (
            f"{report['exercise']} ({report['view']} view) on {report['source']} "
            f"({report['duration_s']} s, person seen in {report['frames_with_pose']}/{report['frames']} frames)"
        )
    ]
    reps = f"reps: {report['reps']}"
    if report["reps_by_side"] is not None:
        reps += f" (left {report['reps_by_side']['left']}, right {report['reps_by_side']['right']})"
    if report["partial_reps"]:
        reps += f", partial: {report['partial_reps']}"
    faulty = sum(1 for r in report["rep_events"] if r["faults"])
    if faulty:
        reps += f", with form faults: {faulty}"
    if report["frames_text_erased"]:
        lines.append(
            f"drawn text painted out before reading the pose: {report['frames_text_erased']}/{report['frames']} frames"
        )
    lines.append(reps)
    for h in report["holds"]:
        side = f" {h['side']}" if h["side"] else ""
        done = "done" if h["completed"] else "short"
        unseen = f", {h['unseen_s']:.1f} s of it not seen" if h["unseen_s"] else ""
        lines.append(f"hold{side}: {h['duration_s']:.1f} s from {h['start_s']:.1f} s ({done}{unseen})")
    for w in report["warnings"]:
        lines.append(f"warning [{w['severity']}] at {w['t_s']:.1f}-{w['end_s']:.1f} s: {w['message']}")
    lines.append(f"model: {report['model']}")
    return "\n".join(lines)
