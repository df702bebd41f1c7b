"""The `posecheck` command: list, show, validate, extract, analyze, live, history.

The error contract (README "Errors and exit codes"): every error a user can
cause ends as one line on stderr and exit status 2, never a traceback; an
interrupted run exits 130; only a bug in posecheck exits 1, with its
traceback and a line asking to report it. Output paths are checked before
any work starts, so a long model run never ends in "cannot write".
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import sys
import traceback
from pathlib import Path
from typing import Any

from posecheck import __version__
from posecheck.errors import PosecheckError, single_line
from posecheck.outputs import check_output_dir, check_output_file
from posecheck.pipeline import (
    AnalyzeOptions,
    analyze_path,
    check_input_file,
    load_track,
    with_overrides,
    write_outputs,
)
from posecheck.io.report import summary_text, write_report
from posecheck.spec.exercise import (
    CHECKABLE,
    POSITIONS,
    REGIONS,
    Exercise,
    camera_setup,
    exercise_paths,
    load_exercise,
    load_exercise_file,
)

EXIT_BUG = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130

# Operating-system errors the user can fix (a path, a permission, a full
# disk): one line like any other input error, not a bug report.
USER_OS_ERRORS = frozenset({
    errno.ENOENT, errno.EACCES, errno.EPERM, errno.EISDIR, errno.ENOTDIR, errno.ENOSPC,
    errno.EROFS, errno.EDQUOT, errno.EEXIST, errno.ENAMETOOLONG, errno.ELOOP, errno.EFBIG,
    errno.ENXIO, errno.ENODEV,
})


class _Parser(argparse.ArgumentParser):
    """argparse with the CLI's one-line errors (argparse prints the whole
    usage before its error; the hint names the command's --help instead)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"posecheck: error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def _number(kind: type, low: float, what: str) -> Any:
    """An argparse type: a finite number of `kind` at least `low` ("nan",
    "inf" and "-1" are refused with one line naming what is allowed)."""

    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not {what}") from None
        if not math.isfinite(value) or value < low:
            raise argparse.ArgumentTypeError(f"'{text}' is not {what}")
        return value

    return parse


SECONDS = _number(float, 0.0, "a number of seconds >= 0")
COUNT = _number(int, 1, "a whole number >= 1")


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head) - 1)]
    for r in [head, *rows]:
        print("  ".join(str(c).ljust(wd) for c, wd in zip(r, widths)) + "  " + r[-1])


def _cmd_list(args: argparse.Namespace) -> int:
    if args.routines:
        from posecheck.spec.routine import load_routine_file, routine_paths

        routines = [load_routine_file(p) for p in routine_paths()]
        _table(("id", "source", "steps", "title"),
               [(r.id, r.source, str(len(r.steps)), r.title) for r in routines])
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
        rows.append((ex.id, ex.kind, ex.position, ",".join(ex.supported_views), ",".join(ex.regions), ex.checkable,
                     ex.title))
    if not rows:
        print("no exercise matches those filters")
        return 0
    _table(("id", "kind", "position", "views", "regions", "check", "title"), rows)
    return 0


TABLE_VIEWS = ("front", "side", "behind", "above")


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
                cells.append("measured" if v in ex.measured_views or (ex.camera_view == "any" and ex.measured_views)
                             else "supported")
            else:
                cells.append("not possible" if v in ex.impossible_views else "")
        lines.append(f"| {ex.id} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


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


def _describe(ex: Exercise) -> str:
    p = ex.prescription
    lines = [f"{ex.title} ({ex.id})", "",
             f"position: {ex.position}; regions: {', '.join(ex.regions)}; check: {ex.checkable}",
             f"camera: {camera_setup(ex)}", f"views: {_views_line(ex)}", "", ex.instructions, ""]
    pres = [f"{p.sets} set(s)"]
    if p.reps:
        pres.append(f"{p.reps} reps" + (" per side" if ex.reps and ex.reps.sides == "alternating" else ""))
    lines.append("prescription: " + ", ".join(pres + _hold_and_rest(ex)))
    for r in ex.safety:
        if r.id == "sudden_movement":
            continue
        lines.append(f"safety [{r.severity}] {r.id}: {r.message}")
    lines.append(f"safety [caution] sudden_movement: slow down above {ex.max_speed_deg_s:g} deg/s")
    return "\n".join(lines)


def _describe_routine(r: Any) -> str:
    from posecheck.spec.routine import step_exercise

    lines = [f"{r.title} ({r.id}, source {r.source})", "", r.description, "",
             f"warm-up ({r.warm_up_s:g} s): {r.warm_up}", ""]
    for i, step in enumerate(r.steps, 1):
        ex = step_exercise(step)
        p = ex.prescription
        what = [f"{p.sets} x {p.reps}" if p.reps else f"{p.sets} set(s)", *_hold_and_rest(ex)]
        lines.append(f"{i:2d}. {ex.title} ({ex.id}): {', '.join(what)}")
    return "\n".join(lines)


def _cmd_show(args: argparse.Namespace) -> int:
    from posecheck.spec.routine import load_routine, routines_dir

    if args.landmarks:
        from posecheck.core.landmarks import LANDMARK_NAMES, SIDED_NAMES

        print("landmarks: " + ", ".join(LANDMARK_NAMES))
        print("side-free names (take the metric's side): " + ", ".join(SIDED_NAMES))
        print("midpoints: " + ", ".join(f"mid_{n}" for n in SIDED_NAMES))
        return 0
    if not args.name:
        raise PosecheckError("show needs an exercise or routine id (or --landmarks)")
    if (routines_dir() / f"{args.name}.toml").is_file() or "/routines/" in args.name:
        print(_describe_routine(load_routine(args.name)))
    else:
        print(_describe(load_exercise(args.name)))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from posecheck.spec.routine import load_routine_file, routine_paths

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


class _FrameBar:
    """A tqdm progress bar on stderr for frames of one video; on close it
    says when the video ended well before its header's frame count (a file
    cut short used to be analysed as if whole, with no word)."""

    def __init__(self, desc: str, enabled: bool) -> None:
        self.desc = desc
        self.enabled = enabled
        self.done = 0
        self.total = 0
        self.bar: Any = None  # made at the first frame: an input refused before shows no bar

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        self.done, self.total = done, total
        if self.bar is None:
            self.bar = tqdm(desc=self.desc, unit="frame", disable=not self.enabled, file=sys.stderr, leave=False)
        if total and self.bar.total != total:
            self.bar.total = total
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.total and self.done + max(2, self.total // 100) < self.total:
            print(f"posecheck: warning: {self.desc}: read {self.done} of the {self.total} frames its header "
                  "gives (a cut or broken file?): analysed what could be read", file=sys.stderr)


def _options(args: argparse.Namespace) -> AnalyzeOptions:
    return AnalyzeOptions(
        model=getattr(args, "model", None),
        hold_s=getattr(args, "hold_s", None),
        reps=getattr(args, "reps", None),
        mirrored=getattr(args, "mirrored", False),
        pain_at_s=getattr(args, "pain_at", None),
        stride=getattr(args, "stride", 1),
        max_side_px=getattr(args, "max_size", None),
        calibrate_at_s=getattr(args, "calibrate_at", None),
    )


def _cmd_extract(args: argparse.Namespace) -> int:
    video = Path(args.video)
    out = Path(args.output)
    if out.suffix.lower() != ".npz":
        out = out.with_name(out.name + ".npz")  # what numpy writes; say so
    check_input_file(video)
    check_output_file(out, "-o", inputs=[video])
    bar = _FrameBar(video.name, not args.quiet)
    try:
        track = load_track(video, _options(args), bar)
    finally:
        bar.close()
    written = track.save(out)
    print(f"wrote {written}: {len(track)} frames, person in {int(track.has_pose.sum())}, model {track.model}")
    return 0


def _analyze_routine(args: argparse.Namespace, paths: list[Path], opts: AnalyzeOptions) -> int:
    from posecheck.pipeline import analyze_routine

    if len(paths) != 1 or paths[0].is_dir():
        raise PosecheckError("--routine analyses one recording of the whole routine")
    if not args.steps_at:
        raise PosecheckError("--routine needs --steps-at: when each exercise starts, e.g. 0,95,210")
    _check_outputs(args, paths)
    bar = _FrameBar(paths[0].name, not args.quiet)
    try:
        report = analyze_routine(paths[0], args.routine, args.steps_at, opts, bar)
    finally:
        bar.close()
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        write_report(report, Path(args.out) / "report.json")
        print(f"wrote {Path(args.out) / 'report.json'}")
    if args.json == "-":
        print(json.dumps(report, indent=2))
        return 0
    if args.json:
        write_report(report, Path(args.json))
    print(f"routine {report['routine']} on {report['source']}")
    for step in report["steps"]:
        print(f"\nstep {step['step']} from {step['start_s']:g} s: " + summary_text(step))
    return 0


def _check_outputs(args: argparse.Namespace, paths: list[Path]) -> None:
    """The input and the --out and --json of an analysis, before any work
    (see outputs)."""
    for path in paths:
        check_input_file(path)
    if args.out:
        check_output_dir(Path(args.out), "--out")
    if args.json and args.json != "-":
        check_output_file(Path(args.json), "--json", inputs=paths)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from posecheck.batch import collect_inputs, run_batch

    opts = _options(args)
    paths = [Path(p) for p in args.paths]
    if bool(args.exercise) == bool(args.routine):
        raise PosecheckError("analyze needs --exercise ID or --routine ID (one of them)")
    if args.routine:
        return _analyze_routine(args, paths, opts)
    if len(paths) > 1 or paths[0].is_dir():
        if not args.out:
            raise PosecheckError("analysing several files needs --out DIR for their reports")
        if args.json:
            raise PosecheckError("--json is for one file; several files write DIR/*/report.json")
        check_output_dir(Path(args.out), "--out")
        rows = run_batch(collect_inputs(paths), args.exercise, opts, Path(args.out), args.jobs, not args.quiet)
        for r in rows:
            if r["status"] == "ok":
                sides = f" (left {r['reps_left']}, right {r['reps_right']})" if r["reps_left"] != "" else ""
                print(f"ok      {r['file']}: reps {r['reps']}{sides}, holds {r['holds']}, warnings {r['warnings']}")
            else:
                print(f"failed  {r['file']}: {r['error']}")
        failed = sum(r["status"] != "ok" for r in rows)
        print(f"{len(rows) - failed} of {len(rows)} analysed; summary in {Path(args.out) / 'summary.csv'}")
        return EXIT_USER_ERROR if failed else 0

    exercise = with_overrides(load_exercise(args.exercise), opts)
    path = paths[0]
    _check_outputs(args, paths)
    bar = _FrameBar(path.name, not args.quiet)
    try:
        report, result = analyze_path(path, exercise, opts, bar)
    finally:
        bar.close()
    written = write_outputs(path, report, result, Path(args.out), not args.quiet) if args.out else []
    if args.json == "-":
        print(json.dumps(report, indent=2))
    elif args.json:
        write_report(report, Path(args.json))
    if args.json != "-":
        print(summary_text(report))
        if written:
            print(f"wrote {args.out}: {', '.join(written)}")
    return 0


def _cmd_live(args: argparse.Namespace) -> int:
    from posecheck.ui import notice
    from posecheck.ui.live import LiveOptions, LiveTrainer, parse_keys, steps_for, summary_lines
    from posecheck.spec.routine import load_routine
    from posecheck.io.sessionlog import check_home

    if bool(args.exercise) == bool(args.routine):
        raise PosecheckError("live needs --exercise ID or --routine ID (one of them)")
    check_home()
    if args.source:
        check_input_file(Path(args.source))
    if args.frames_out:
        check_output_dir(Path(args.frames_out), "--frames-out")
    if not notice.accepted():
        print(notice.NOTICE)
        if args.accept_notice:
            notice.accept()
        elif sys.stdin.isatty() and not args.headless:
            if input("Press Enter to accept and start (Ctrl-C to stop): ") != "":
                raise PosecheckError("notice not accepted")
            notice.accept()
        else:
            raise PosecheckError("read the notice above, then run again with --accept-notice")
    exercise = load_exercise(args.exercise) if args.exercise else None
    routine = load_routine(args.routine) if args.routine else None
    opts = LiveOptions(
        camera=None if args.source else args.camera,
        source=Path(args.source) if args.source else None,
        headless=args.headless,
        frames_out=Path(args.frames_out) if args.frames_out else None,
        frames_every=args.frames_every,
        model=args.model,
        mirrored=args.mirrored,
        mute=args.mute or args.headless,
        scripted_keys=parse_keys(args.keys or ""),
        realtime=args.realtime,
    )
    source_name = args.source or f"camera {args.camera}"
    trainer = LiveTrainer(steps_for(exercise, routine), opts, str(source_name))
    code = trainer.run()
    for line in summary_lines(trainer.results, trainer.latencies_ms):
        print(line)
    print(f"session log: {trainer.log.path}")
    return code


def _cmd_history(args: argparse.Namespace) -> int:
    from posecheck.io.history import plot_target
    from posecheck.io.sessionlog import history_rows, plot_history

    plot = plot_target(Path(args.plot)) if args.plot else None
    rows = history_rows(exercise=args.exercise)
    if not rows:
        print("no sessions recorded yet")
        return 0
    import datetime as dt

    _table(("when", "exercise", "reps", "L/R", "holds", "warnings", "pain", "source"), [
        (dt.datetime.fromtimestamp(r["started_at"]).strftime("%Y-%m-%d %H:%M"), r["exercise"], str(r["reps"]),
         f"{r['reps_left']}/{r['reps_right']}" if r["reps_left"] is not None else "",
         f"{r['holds']} ({r['hold_s']:.0f} s)" if r["holds"] else "", str(r["warnings"]),
         "STOPPED" if r["stopped_for_pain"] else (r["pain"] or ""), r["source"])
        for r in rows
    ])
    if plot:
        print(f"wrote {plot_history(rows, plot)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="posecheck",
        description="Pose-checking trainer for spine, neck and back exercises.",
    )
    parser.add_argument("--version", action="version", version=f"posecheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list the bundled exercises (or routines)")
    p.add_argument("--routines", action="store_true", help="list the routines instead")
    p.add_argument("--views", action="store_true",
                   help="a Markdown table of every exercise's views: measured, supported, not possible")
    p.add_argument("--region", choices=REGIONS, help="only exercises for this body region")
    p.add_argument("--position", choices=POSITIONS, help="only exercises done in this position")
    p.add_argument("--checkable", choices=CHECKABLE, help="full, partial (isometric) or guide (timer only)")
    p.add_argument("--view", choices=("front", "side", "behind", "above"),
                   help="only exercises that can be filmed from this view")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("show", help="show an exercise or routine: instructions, camera, prescription, safety")
    p.add_argument("name", nargs="?", help="exercise or routine id, or path of an exercise file")
    p.add_argument("--landmarks", action="store_true", help="list the landmark names exercise files may use")
    p.set_defaults(func=_cmd_show)

    p = sub.add_parser("validate", help="check exercise and routine files (all bundled ones by default)")
    p.add_argument("files", nargs="*", help="exercise or routine .toml files (routines: in a routines/ folder)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("extract", help="run the pose model on a video and save the landmark track")
    p.add_argument("video", help="video file")
    p.add_argument("-o", "--output", required=True, help="track file to write (.npz)")
    p.add_argument("--model", type=Path, help="PoseLandmarker .task bundle (default: bundled full model)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("analyze", help="count reps, time holds and check safety on videos or tracks")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="video file or landmark track (.npz); several files or a folder for a batch")
    p.add_argument("-e", "--exercise", help="exercise id, or path of an exercise file")
    p.add_argument("-r", "--routine", help="routine id: a recording of a whole routine (with --steps-at)")
    p.add_argument("--steps-at", metavar="S,S,...", help="with --routine: when each step starts (seconds)")
    p.add_argument("--json", metavar="FILE", help="write the JSON report to FILE ('-' for stdout)")
    p.add_argument("--out", metavar="DIR", help="write report.json, metrics.csv and annotated.mp4 here")
    p.add_argument("--model", type=Path, help="PoseLandmarker .task bundle (default: bundled full model)")
    p.add_argument("--hold-s", type=SECONDS, help="override the exercise's hold target (seconds)")
    p.add_argument("--reps", type=COUNT, help="override the prescribed reps per set")
    p.add_argument("--pain-at", type=SECONDS, metavar="SECONDS",
                   help="the person stopped for pain at this time: end the analysis there and record it")
    p.add_argument("--mirrored", action="store_true",
                   help="the video is mirrored like a selfie preview: restore the subject's own left and right")
    p.add_argument("--calibrate-at", type=SECONDS, metavar="SECONDS",
                   help="when the person is at rest facing forward (for a recording that starts mid-movement)")
    p.add_argument("--jobs", type=COUNT, default=1, help="files analysed at once in a batch (default 1)")
    p.add_argument("--stride", type=COUNT, default=1, help="analyse every N-th frame (long recordings)")
    p.add_argument("--max-size", type=_number(int, 64, "a whole number of pixels >= 64"), metavar="PX", help="shrink frames to this longer side before the model")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("live", help="train live with the webcam (or a video file as the camera)")
    p.add_argument("-e", "--exercise", help="exercise id or path of an exercise file")
    p.add_argument("-r", "--routine", help="routine id (see `posecheck list --routines`)")
    p.add_argument("--camera", type=_number(int, 0, "a camera index >= 0"), default=0, help="camera index (default 0)")
    p.add_argument("--source", help="a video file instead of the camera")
    p.add_argument("--headless", action="store_true", help="no window (with --frames-out to see the overlay)")
    p.add_argument("--frames-out", metavar="DIR", help="write overlay frames as PNG here")
    p.add_argument("--frames-every", type=COUNT, default=1, metavar="N", help="with --frames-out: every N-th frame")
    p.add_argument("--model", type=Path, help="PoseLandmarker .task bundle (default: bundled full model)")
    p.add_argument("--mirrored", action="store_true", help="the camera image is mirrored (selfie view)")
    p.add_argument("--mute", action="store_true", help="no sound cues (key m toggles)")
    p.add_argument("--realtime", action="store_true",
                   help="with --source: play the file at its own pace, newest frame wins (like a camera)")
    p.add_argument("--keys", help='scripted keys for a headless run: "SECONDS:KEY,...", e.g. "12.5:p"')
    p.add_argument("--accept-notice", action="store_true", help="accept the safety notice (shown once)")
    p.set_defaults(func=_cmd_live)

    p = sub.add_parser("history", help="past live sessions, and progress over time")
    p.add_argument("--exercise", help="only this exercise")
    p.add_argument("--plot", metavar="FILE", help="draw reps and range of motion over time (PNG)")
    p.set_defaults(func=_cmd_history)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 user error, 130
    interrupted, 1 a bug in posecheck).

    The one error boundary: everything a user can cause is one line here.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USER_ERROR
    try:
        return int(args.func(args))
    except PosecheckError as exc:
        print(f"posecheck: error: {single_line(str(exc))}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("posecheck: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`posecheck list | head`): not an error.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if exc.errno not in USER_OS_ERRORS:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"posecheck: error: {single_line(where + (exc.strerror or str(exc)))}", file=sys.stderr)
        return EXIT_USER_ERROR


def run() -> int:
    """The console entry point: main(), and for a bug its traceback and a
    line asking to report it (exit 1)."""
    try:
        return main()
    except Exception:  # noqa: BLE001 - the last resort for bugs, reported as such
        traceback.print_exc()
        print(f"posecheck: internal error (a bug in posecheck {__version__}); please report it with the "
              "command line and the traceback above", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(run())
