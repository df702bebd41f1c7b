"""Batch analysis of many videos (a physiotherapist's folder) on every core.

Each file runs in its own process (the pose model uses about one core), one
progress bar counts finished files, every file gets its own report folder,
and `summary.csv` lists them all. A file that fails is reported in the
summary with its error; the others still finish.
"""

from __future__ import annotations

import csv
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError
from posecheck.pipeline import AnalyzeOptions, analyze_path, with_overrides, write_outputs
from posecheck.sources.video import VIDEO_SUFFIXES
from posecheck.spec import load_exercise

SUMMARY_FIELDS = ("file", "status", "error", "exercise", "duration_s", "frames", "frames_with_pose",
                  "reps", "reps_left", "reps_right", "partial_reps", "holds", "holds_completed",
                  "warnings", "out")


def collect_inputs(paths: list[Path]) -> list[Path]:
    """The files to analyse: given files as they are, folders expanded to
    their videos and `.npz` tracks (not recursive), sorted, no duplicates."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(q for q in p.iterdir()
                           if q.is_file() and q.suffix.lower() in VIDEO_SUFFIXES + (".npz",))
            if not found:
                raise PosecheckError(f"{p}: no videos or .npz tracks in this folder")
            out += found
        else:
            out.append(p)
    seen: set[Path] = set()
    return [p for p in out if not (p in seen or seen.add(p))]


def _out_dir(out: Path, path: Path, taken: set[str]) -> Path:
    name = path.stem
    while name in taken:
        name += "_"
    taken.add(name)
    return out / name


def analyze_one(path: Path, exercise_arg: str, opts: AnalyzeOptions, out: Path) -> dict[str, Any]:
    """One file of a batch (runs in a worker process): its summary row."""
    row: dict[str, Any] = {"file": str(path), "status": "ok", "error": "", "out": str(out)}
    try:
        exercise = with_overrides(load_exercise(exercise_arg), opts)
        report, result = analyze_path(path, exercise, opts)
        write_outputs(path, report, result, out, progress=False)
    except PosecheckError as exc:
        return {**row, "status": "failed", "error": str(exc), "out": ""}
    by_side = report["reps_by_side"] or {}
    return {
        **row,
        "exercise": report["exercise"],
        "duration_s": report["duration_s"],
        "frames": report["frames"],
        "frames_with_pose": report["frames_with_pose"],
        "reps": report["reps"],
        "reps_left": by_side.get("left", ""),
        "reps_right": by_side.get("right", ""),
        "partial_reps": report["partial_reps"],
        "holds": len(report["holds"]),
        "holds_completed": sum(h["completed"] for h in report["holds"]),
        "warnings": len(report["warnings"]),
    }


def run_batch(
    paths: list[Path], exercise_arg: str, opts: AnalyzeOptions, out: Path, jobs: int, progress: bool
) -> list[dict[str, Any]]:
    """Analyse every file, `jobs` at a time; writes out/summary.csv.

    Returns the summary rows in input order.
    """
    from tqdm import tqdm

    if jobs < 1:
        raise PosecheckError(f"--jobs must be >= 1, got {jobs}")
    with_overrides(load_exercise(exercise_arg), opts)  # a bad exercise fails once, up front
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    work = [(p, _out_dir(out, p, taken)) for p in paths]
    rows: dict[Path, dict[str, Any]] = {}
    bar = tqdm(total=len(work), desc="videos", unit="file", disable=not progress, file=sys.stderr)
    try:
        if jobs == 1:
            for p, o in work:
                rows[p] = analyze_one(p, exercise_arg, opts, o)
                bar.update(1)
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(analyze_one, p, exercise_arg, opts, o): p for p, o in work}
                for fut in as_completed(futures):
                    rows[futures[fut]] = fut.result()
                    bar.update(1)
    finally:
        bar.close()
    ordered = [rows[p] for p, _ in work]
    with (out / "summary.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=SUMMARY_FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in ordered:
            w.writerow(r)
    return ordered
