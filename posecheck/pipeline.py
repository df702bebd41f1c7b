"""One video or track through the whole analysis, and its output files.

Shared by `posecheck analyze` on one file and by batch analysis, so both
give identical reports.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posecheck.core.analysis import AnalysisResult, analyze_track
from posecheck.core.measures import ALL_HEAD_READS, HeadReads, head_reads
from posecheck.core.track import LandmarkTrack
from posecheck.errors import PosecheckError
from posecheck.io.report import build_report, write_metrics_csv, write_report
from posecheck.spec import Exercise, with_prescription

if TYPE_CHECKING:
    from posecheck.io.extract import FrameProgress
    from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator


@dataclass(frozen=True)
class AnalyzeOptions:
    """What the command line can change about an analysis."""

    model: Path | None = None
    hold_s: float | None = None
    reps: int | None = None
    mirrored: bool = False
    pain_at_s: float | None = None
    stride: int = 1
    max_side_px: int | None = None
    calibrate_at_s: float | None = None
    # Threads (landmarkers) reading a video's frames; None: one per core.
    workers: int | None = None


def with_overrides(ex: Exercise, opts: AnalyzeOptions) -> Exercise:
    """Command-line overrides win over the exercise file (which wins over defaults)."""
    if opts.hold_s is not None:
        if ex.hold is None:
            raise PosecheckError(f"--hold-s: exercise '{ex.id}' has no hold")
        if opts.hold_s <= 0:
            raise PosecheckError(f"--hold-s must be > 0, got {opts.hold_s}")
    if opts.reps is not None and opts.reps < 1:
        raise PosecheckError(f"--reps must be >= 1, got {opts.reps}")
    if opts.pain_at_s is not None and opts.pain_at_s < 0:
        raise PosecheckError(f"--pain-at must be >= 0 seconds, got {opts.pain_at_s}")
    if opts.stride < 1:
        raise PosecheckError(f"--stride must be >= 1, got {opts.stride}")
    if opts.max_side_px is not None and opts.max_side_px < 64:
        raise PosecheckError(f"--max-size must be >= 64 pixels, got {opts.max_side_px}")
    return with_prescription(ex, reps=opts.reps, hold_s=opts.hold_s)


def check_input_file(path: Path) -> None:
    """An input exists and is a regular file (a folder, a device or a pipe
    is refused: opening a pipe named like a video would wait forever)."""
    if not path.exists():
        raise PosecheckError(f"{path}: no such file")
    if not path.is_file():
        raise PosecheckError(f"{path}: not a regular file")


def load_track(
    path: Path,
    opts: AnalyzeOptions,
    progress: FrameProgress | None = None,
    estimator: MediaPipePoseEstimator | None = None,
    read_head: HeadReads = ALL_HEAD_READS,
) -> LandmarkTrack:
    """A landmark track from a video (running the model) or a `.npz` track.

    Args:
        estimator: a pose model to use and keep (a batch worker's, loaded
            once for all its files); None loads one for this file.
        read_head: the readings of the head from the picture to add
            (extract_track): those the exercise's measures use.
    """
    check_input_file(path)
    if path.suffix.lower() == ".npz":
        return LandmarkTrack.load(path)
    from posecheck.io.extract import extract_track
    from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator

    if estimator is not None:
        return extract_track(path, estimator, progress, opts.stride, opts.max_side_px, read_head)
    with MediaPipePoseEstimator(opts.model, workers=opts.workers) as own:
        return extract_track(path, own, progress, opts.stride, opts.max_side_px, read_head)


def _track_to_analyse(
    path: Path,
    opts: AnalyzeOptions,
    progress: FrameProgress | None,
    estimator: MediaPipePoseEstimator | None = None,
    read_head: HeadReads = ALL_HEAD_READS,
) -> LandmarkTrack:
    """The loaded track (see load_track), mirrored back with --mirrored.

    Raises:
        PosecheckError: bad input, or no person in any frame.
    """
    track = load_track(path, opts, progress, estimator, read_head)
    if len(track) == 0 or not track.has_pose.any():
        raise PosecheckError(f"{path}: no person found in any of its {len(track)} frames")
    return track.mirrored() if opts.mirrored else track


def analyze_path(
    path: Path,
    exercise: Exercise,
    opts: AnalyzeOptions,
    progress: FrameProgress | None = None,
    estimator: MediaPipePoseEstimator | None = None,
) -> tuple[dict[str, Any], AnalysisResult]:
    """Analyse one video or track: (report, result); `estimator` as in
    load_track.

    Raises:
        PosecheckError: bad input, or no person in any frame.
    """
    if path.suffix.lower() != ".npz" and (opts.pain_at_s is not None or opts.calibrate_at_s is not None):
        # Before the model runs (minutes on a long video); a header's length
        # is an estimate (a phone's variable frame rate), so with slack: the
        # track's own length is checked after.
        _refuse_times_after(_header_duration_s(path), opts, HEADER_LENGTH_SLACK, 1.0)
    track = _track_to_analyse(path, opts, progress, estimator, head_reads([exercise]))
    _refuse_times_after(track.duration_s, opts)
    result = analyze_track(track, exercise, pain_at_s=opts.pain_at_s, calibrate_at_s=opts.calibrate_at_s)
    return build_report(result, path.name, opts.mirrored), result


def _header_duration_s(path: Path) -> float:
    """A video's length by its header (0 when the header gives no frame count)."""
    from posecheck.io.sources.video import VideoReader

    check_input_file(path)
    reader = VideoReader(path)
    try:
        return reader.info.frame_count / reader.info.fps
    finally:
        reader.close()


def _refuse_times_after(end_s: float, opts: AnalyzeOptions, slack: float = 1.0, margin_s: float = 0.0) -> None:
    """--pain-at and --calibrate-at must fall inside the recording (0:
    length unknown); `slack` and `margin_s` for a length that is an estimate."""
    for flag, at_s in (("--pain-at", opts.pain_at_s), ("--calibrate-at", opts.calibrate_at_s)):
        if end_s > 0 and at_s is not None and at_s > end_s * slack + margin_s:
            raise PosecheckError(f"{flag} {at_s:g} s: after the recording ends ({end_s:.1f} s)")


def options_used(opts: AnalyzeOptions) -> dict[str, Any]:
    """The options that differ from their defaults, by their command-line
    names (for the record in report.html)."""
    names = {
        "model": "--model",
        "hold_s": "--hold-s",
        "reps": "--reps",
        "mirrored": "--mirrored",
        "pain_at_s": "--pain-at",
        "stride": "--stride",
        "max_side_px": "--max-size",
        "calibrate_at_s": "--calibrate-at",
    }
    default = AnalyzeOptions()
    return {flag: getattr(opts, key) for key, flag in names.items() if getattr(opts, key) != getattr(default, key)}


# What write_outputs may write in a report folder.
REPORT_FILES = ("report.json", "report.html", "metrics.csv", "annotated.mp4")
# A time option is refused by the video header's length times this (plus
# 1 s) before the model runs, and exactly by the track's length after.
HEADER_LENGTH_SLACK = 1.1
# A batch's mark that a report folder is finished (see resume.py).
MADE_FROM_NAME = "made_from.json"


def refuse_reports_over_inputs(inputs: list[Path], out: Path, names: tuple[str, ...] = REPORT_FILES) -> None:
    """An input that is one of the files a report folder gets (`analyze
    out/annotated.mp4 --out out`) would be overwritten by its own report.

    Raises:
        PosecheckError: naming the input.
    """
    written = {(out / n).resolve() for n in names}
    for path in inputs:
        if path.resolve() in written:
            raise PosecheckError(f"{path}: --out {out} writes its reports over this file; choose another --out")


def write_outputs(
    path: Path, report: dict[str, Any], result: AnalysisResult, out: Path, progress: bool, opts: AnalyzeOptions
) -> list[str]:
    """report.json, metrics.csv, (for a video) annotated.mp4, and report.html
    in `out` (last: its thumbnails of each rep are taken from the annotated
    frames, so the video is not read a third time)."""
    import numpy as np

    from posecheck.io.report_html import rep_thumbnail, write_html_report

    out.mkdir(parents=True, exist_ok=True)
    # A batch's mark that this folder is finished (resume.py) goes first: from
    # here on the folder holds reports of this run, whatever they were made from.
    (out / MADE_FROM_NAME).unlink(missing_ok=True)
    write_report(report, out / "report.json")
    write_metrics_csv(result, out / "metrics.csv")
    written = ["report.json", "metrics.csv"]
    thumbnails: list[str] = []
    if path.suffix.lower() != ".npz":
        from posecheck.ui.render_video import write_annotated_video

        t_s = result.track.t_s
        rows = [min(int(np.searchsorted(t_s, r.t_s - 1e-6)), len(t_s) - 1) for r in result.reps]
        kept = write_annotated_video(path, result, out / "annotated.mp4", progress, keep_rows=set(rows))
        written.append("annotated.mp4")
        px = result.track.pixels()
        thumbnails = [rep_thumbnail(kept[j], px[j]) if j in kept else "" for j in rows]
    write_html_report(result, report, options_used(opts), out / "report.html", thumbnails)
    written.insert(1, "report.html")
    return written


def parse_step_starts(text: str, n_steps: int) -> list[float]:
    """Start times of a routine's steps: "0,25.5,60" (all of them) or
    "25.5,60" (all but the first, which starts at 0)."""
    try:
        starts = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise PosecheckError(f"--steps-at: '{text}' is not a list of seconds like 0,25.5,60") from None
    if not all(math.isfinite(x) and x >= 0 for x in starts):
        raise PosecheckError(f"--steps-at: '{text}' holds a time that is not a number of seconds >= 0")
    if len(starts) == n_steps - 1:
        starts = [0.0, *starts]
    if len(starts) != n_steps:
        raise PosecheckError(f"--steps-at: the routine has {n_steps} steps, got {len(starts)} start times")
    if any(b <= a for a, b in itertools.pairwise(starts)):
        raise PosecheckError("--steps-at: start times must increase")
    return starts


def analyze_routine(
    path: Path,
    routine_id: str,
    steps_at: str,
    opts: AnalyzeOptions,
    progress: FrameProgress | None = None,
) -> dict[str, Any]:
    """A recording of a whole routine, cut at the given step start times:
    one schema-1 report per step (its exercise with the routine's
    prescription), in a routine report."""
    from posecheck.spec import load_routine, step_exercise

    routine = load_routine(routine_id)
    starts = parse_step_starts(steps_at, len(routine.steps))
    track = _track_to_analyse(path, opts, progress, read_head=head_reads(step_exercise(s) for s in routine.steps))
    late = [(i + 1, s) for i, s in enumerate(starts) if s > track.t_s[-1]]
    if late:
        late_step, start_s = late[0]
        raise PosecheckError(
            f"--steps-at: step {late_step} starts at {start_s:g} s, after the recording ends ({track.t_s[-1]:.1f} s)"
        )
    reports = []
    for i, step in enumerate(routine.steps):
        end = starts[i + 1] if i + 1 < len(starts) else float("inf")
        part = track.select((track.t_s >= starts[i]) & (track.t_s < end))
        ex = with_overrides(step_exercise(step), opts)
        report = build_report(analyze_track(part, ex), path.name, opts.mirrored)
        reports.append({"step": i + 1, "start_s": starts[i], **report})
    return {"schema": 1, "routine": routine.id, "source": path.name, "model": track.model, "steps": reports}
