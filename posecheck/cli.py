"""The `posecheck` command: list, show, validate, extract, analyze.

Every error a user can cause ends as one line on stderr and exit status 2
(1 for an interrupted run), never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from posecheck import __version__
from posecheck.errors import PosecheckError
from posecheck.spec import Exercise, exercise_paths, load_exercise, load_exercise_file

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def _cmd_list(args: argparse.Namespace) -> int:
    rows = []
    for p in exercise_paths():
        ex = load_exercise_file(p)
        rows.append((ex.id, ex.kind, ex.position, ex.camera_view, ",".join(ex.regions), ex.checkable, ex.title))
    head = ("id", "kind", "position", "view", "regions", "check", "title")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head) - 1)]
    for r in [head, *rows]:
        print("  ".join(str(c).ljust(wd) for c, wd in zip(r, widths)) + "  " + r[-1])
    return 0


def _describe(ex: Exercise) -> str:
    p = ex.prescription
    lines = [f"{ex.title} ({ex.id})", "",
             f"position: {ex.position}; camera: {ex.camera_view} view; regions: {', '.join(ex.regions)}; "
             f"check: {ex.checkable}", "", ex.instructions, ""]
    pres = [f"{p.sets} set(s)"]
    if p.reps:
        pres.append(f"{p.reps} reps" + (" per side" if ex.reps and ex.reps.sides == "alternating" else ""))
    if ex.hold is not None:
        pres.append(f"hold {ex.hold.target_s:g} s")
    if p.rest_s:
        pres.append(f"rest {p.rest_s:g} s")
    lines.append("prescription: " + ", ".join(pres))
    for r in ex.safety:
        lines.append(f"safety [{r.severity}] {r.id}: {r.message}")
    return "\n".join(lines)


def _cmd_show(args: argparse.Namespace) -> int:
    print(_describe(load_exercise(args.exercise)))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    paths = [Path(f) for f in args.files] or exercise_paths()
    bad = 0
    for p in paths:
        try:
            ex = load_exercise_file(p)
            print(f"ok  {p} ({ex.id})")
        except PosecheckError as exc:
            print(f"error: {exc}", file=sys.stderr)
            bad += 1
    return EXIT_USER_ERROR if bad else 0


def _progress(desc: str, enabled: bool) -> Any:
    """A tqdm bar on stderr (or a no-op when disabled or not installed)."""
    from tqdm import tqdm

    return tqdm(desc=desc, unit="frame", disable=not enabled, file=sys.stderr, leave=False)


def _extract(video: Path, model: Path | None, show_progress: bool) -> Any:
    from posecheck.extract import extract_track
    from posecheck.sources.mediapipe_pose import MediaPipePoseEstimator

    estimator = MediaPipePoseEstimator(model)
    bar = _progress(video.name, show_progress)

    def on_frame(done: int, total: int) -> None:
        if total and bar.total != total:
            bar.total = total
        bar.update(1)

    try:
        track = extract_track(video, estimator, on_frame)
    finally:
        bar.close()
        estimator.close()
    return track


def _load_source(path: Path, model: Path | None, show_progress: bool) -> Any:
    """A landmark track from a video (running the model) or a `.npz` track."""
    from posecheck.track import LandmarkTrack

    if not path.exists():
        raise PosecheckError(f"{path}: no such file")
    if path.suffix.lower() == ".npz":
        return LandmarkTrack.load(path)
    return _extract(path, model, show_progress)


def _cmd_extract(args: argparse.Namespace) -> int:
    track = _load_source(Path(args.video), args.model, not args.quiet)
    out = Path(args.output)
    track.save(out)
    print(f"wrote {out}: {len(track)} frames, person in {int(track.has_pose.sum())}, model {track.model}")
    return 0


def _with_overrides(ex: Exercise, args: argparse.Namespace) -> Exercise:
    """Command-line overrides win over the exercise file (which wins over defaults)."""
    if args.hold_s is not None:
        if ex.hold is None:
            raise PosecheckError(f"--hold-s: exercise '{ex.id}' has no hold")
        if args.hold_s < 0:
            raise PosecheckError(f"--hold-s must be >= 0, got {args.hold_s}")
        ex = dataclasses.replace(ex, hold=dataclasses.replace(ex.hold, target_s=args.hold_s))
    if args.reps is not None:
        if args.reps < 1:
            raise PosecheckError(f"--reps must be >= 1, got {args.reps}")
        ex = dataclasses.replace(ex, prescription=dataclasses.replace(ex.prescription, reps=args.reps))
    return ex


def _cmd_analyze(args: argparse.Namespace) -> int:
    from posecheck.analysis import analyze_track
    from posecheck.report import build_report, summary_text, write_metrics_csv, write_report

    exercise = _with_overrides(load_exercise(args.exercise), args)
    path = Path(args.path)
    track = _load_source(path, args.model, not args.quiet)
    if len(track) == 0 or not track.has_pose.any():
        raise PosecheckError(f"{path}: no person found in any of its {len(track)} frames")
    if args.mirrored:
        track = track.mirrored()
    if args.pain_at is not None and args.pain_at < 0:
        raise PosecheckError(f"--pain-at must be >= 0 seconds, got {args.pain_at}")
    result = analyze_track(track, exercise, pain_at_s=args.pain_at)
    report = build_report(result, path.name)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        write_report(report, out / "report.json")
        write_metrics_csv(result, out / "metrics.csv")
        if path.suffix.lower() != ".npz":
            from posecheck.render_video import write_annotated_video

            write_annotated_video(path, result, out / "annotated.mp4", not args.quiet)
    if args.json == "-":
        print(json.dumps(report, indent=2))
    elif args.json:
        write_report(report, Path(args.json))
    if args.json != "-":
        print(summary_text(report))
        if args.out:
            print(f"wrote {args.out}/report.json, metrics.csv" + ("" if path.suffix.lower() == ".npz" else ", annotated.mp4"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posecheck",
        description="Pose-checking trainer for spine, neck and back exercises.",
    )
    parser.add_argument("--version", action="version", version=f"posecheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list the bundled exercises")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("show", help="show an exercise's instructions, prescription and safety rules")
    p.add_argument("exercise", help="exercise id or path of an exercise file")
    p.set_defaults(func=_cmd_show)

    p = sub.add_parser("validate", help="check exercise files (all bundled ones by default)")
    p.add_argument("files", nargs="*", help="exercise .toml files")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("extract", help="run the pose model on a video and save the landmark track")
    p.add_argument("video", help="video file")
    p.add_argument("-o", "--output", required=True, help="track file to write (.npz)")
    p.add_argument("--model", type=Path, help="PoseLandmarker .task bundle (default: bundled full model)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("analyze", help="count reps, time holds and check safety on a video or track")
    p.add_argument("path", help="video file, or a landmark track (.npz) from `posecheck extract`")
    p.add_argument("-e", "--exercise", required=True, help="exercise id, or path of an exercise file")
    p.add_argument("--json", metavar="FILE", help="write the JSON report to FILE ('-' for stdout)")
    p.add_argument("--out", metavar="DIR", help="write report.json, metrics.csv and annotated.mp4 here")
    p.add_argument("--model", type=Path, help="PoseLandmarker .task bundle (default: bundled full model)")
    p.add_argument("--hold-s", type=float, help="override the exercise's hold target (seconds)")
    p.add_argument("--reps", type=int, help="override the prescribed reps per set")
    p.add_argument("--pain-at", type=float, metavar="SECONDS",
                   help="the person stopped for pain at this time: end the analysis there and record it")
    p.add_argument("--mirrored", action="store_true",
                   help="the video is mirrored like a selfie preview: restore the subject's own left and right")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_analyze)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except PosecheckError as exc:
        print(f"posecheck: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("posecheck: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
