"""The `posecheck` command: list, show, validate, extract, analyze, live, history.

The error contract (README "Errors and exit codes"): every error a user can
cause ends as one line on stderr and exit status 2, never a traceback; an
interrupted run exits 130; only a bug in posecheck exits 1, with its
traceback and a line asking to report it. Output paths are checked before
any work starts, so a long model run never ends in "cannot write".

The commands that only read and print (list, show, validate, history) are
in listings.py; here are the options, the commands that run the model and
the error boundary.
"""

from __future__ import annotations

import argparse
import errno
import io
import math
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from posecheck import __version__
from posecheck.commands import analyze_command, extract_command, live_command
from posecheck.errors import EXIT_BUG, EXIT_INTERRUPTED, EXIT_USER_ERROR, PosecheckError, single_line
from posecheck.listings import TABLE_VIEWS, history_command, list_command, show_command, validate_command
from posecheck.spec import CHECKABLE, POSITIONS, REGIONS
from posecheck.spec.ranges import STEP_REPS, TARGET_S, Range

# Operating-system errors the user can fix (a path, a permission, a full
# disk): one line like any other input error, not a bug report.
USER_OS_ERRORS = frozenset(
    {
        errno.ENOENT,
        errno.EACCES,
        errno.EPERM,
        errno.EISDIR,
        errno.ENOTDIR,
        errno.ENOSPC,
        errno.EROFS,
        errno.EDQUOT,
        errno.EEXIST,
        errno.ENAMETOOLONG,
        errno.ELOOP,
        errno.EFBIG,
        errno.ENXIO,
        errno.ENODEV,
    }
)


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


def _in_range(kind: type, allowed: Range) -> Any:
    """An argparse type for an option that overrides an exercise file's
    number: the file's own range (--hold-s 0 would count every hold done)."""

    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not {allowed}") from None
        if not allowed.allows(value):
            raise argparse.ArgumentTypeError(f"'{text}' is not {allowed}")
        return value

    return parse


SECONDS = _number(float, 0.0, "a number of seconds >= 0")
COUNT = _number(int, 1, "a whole number >= 1")
HOLD_TARGET_S = _in_range(float, TARGET_S)
REPS = _in_range(int, STEP_REPS)


class _Option:
    """One command-line option, written once and added to each command that takes it."""

    def __init__(self, *flags: str, **kwargs: Any) -> None:
        self.flags = flags
        self.kwargs = kwargs


MODEL = _Option("--model", type=Path, help="PoseLandmarker .task bundle (default: bundled full model)")
QUIET = _Option("-q", "--quiet", action="store_true", help="no progress bar")


def _commands() -> list[tuple[str, str, Callable[[argparse.Namespace], int], list[_Option]]]:
    """Each command: name, help, handler and options, in `--help` order
    (looked up at each call: tests replace a handler)."""
    return [
        (
            "list",
            "list the bundled exercises (or routines)",
            list_command,
            [
                _Option("--routines", action="store_true", help="list the routines instead"),
                _Option(
                    "--views",
                    action="store_true",
                    help="a Markdown table of every exercise's views: measured, supported, not possible",
                ),
                _Option("--region", choices=REGIONS, help="only exercises for this body region"),
                _Option("--position", choices=POSITIONS, help="only exercises done in this position"),
                _Option("--checkable", choices=CHECKABLE, help="full, partial (isometric) or guide (timer only)"),
                _Option("--view", choices=TABLE_VIEWS, help="only exercises that can be filmed from this view"),
            ],
        ),
        (
            "show",
            "show an exercise or routine: instructions, camera, prescription, safety",
            show_command,
            [
                _Option("name", nargs="?", help="exercise or routine id, or path of an exercise file"),
                _Option("--landmarks", action="store_true", help="list the landmark names exercise files may use"),
            ],
        ),
        (
            "validate",
            "check exercise and routine files (all bundled ones by default)",
            validate_command,
            [
                _Option("files", nargs="*", help="exercise or routine .toml files (routines: in a routines/ folder)"),
            ],
        ),
        (
            "extract",
            "run the pose model on a video and save the landmark track",
            extract_command,
            [
                _Option("video", help="video file"),
                _Option("-o", "--output", required=True, help="track file to write (.npz)"),
                MODEL,
                QUIET,
            ],
        ),
        (
            "analyze",
            "count reps, time holds and check safety on videos or tracks",
            analyze_command,
            [
                _Option(
                    "paths",
                    nargs="+",
                    metavar="PATH",
                    help="video file or landmark track (.npz); several files or a folder for a batch",
                ),
                _Option("-e", "--exercise", help="exercise id, or path of an exercise file"),
                _Option("-r", "--routine", help="routine id: a recording of a whole routine (with --steps-at)"),
                _Option("--steps-at", metavar="S,S,...", help="with --routine: when each step starts (seconds)"),
                _Option("--json", metavar="FILE", help="write the JSON report to FILE ('-' for stdout)"),
                _Option("--out", metavar="DIR", help="write report.json, metrics.csv and annotated.mp4 here"),
                MODEL,
                _Option("--hold-s", type=HOLD_TARGET_S, help="override the exercise's hold target (seconds)"),
                _Option("--reps", type=REPS, help="override the prescribed reps per set"),
                _Option(
                    "--pain-at",
                    type=SECONDS,
                    metavar="SECONDS",
                    help="the person stopped for pain at this time: end the analysis there and record it",
                ),
                _Option(
                    "--mirrored",
                    action="store_true",
                    help="the video is mirrored like a selfie preview: restore the subject's own left and right",
                ),
                _Option(
                    "--calibrate-at",
                    type=SECONDS,
                    metavar="SECONDS",
                    help="when the person is at rest facing forward (for a recording that starts mid-movement)",
                ),
                _Option(
                    "--jobs",
                    type=COUNT,
                    help="files analysed at once in a batch, or the workers of --scheduler local (default 1)",
                ),
                _Option(
                    "--scheduler",
                    metavar="ADDRESS",
                    help="run the batch on a Dask cluster (tcp://host:8786), or 'local' for one of --jobs workers;"
                    " needs posecheck[cluster]",
                ),
                _Option("--stride", type=COUNT, default=1, help="analyse every N-th frame (long recordings)"),
                _Option(
                    "--max-size",
                    type=_number(int, 64, "a whole number of pixels >= 64"),
                    metavar="PX",
                    help="shrink frames to this longer side before the model",
                ),
                QUIET,
            ],
        ),
        (
            "live",
            "train live with the webcam (or a video file as the camera)",
            live_command,
            [
                _Option("-e", "--exercise", help="exercise id or path of an exercise file"),
                _Option("-r", "--routine", help="routine id (see `posecheck list --routines`)"),
                _Option(
                    "--camera", type=_number(int, 0, "a camera index >= 0"), default=0, help="camera index (default 0)"
                ),
                _Option("--source", help="a video file instead of the camera"),
                _Option("--headless", action="store_true", help="no window (with --frames-out to see the overlay)"),
                _Option("--frames-out", metavar="DIR", help="write overlay frames as PNG here"),
                _Option(
                    "--frames-every", type=COUNT, default=1, metavar="N", help="with --frames-out: every N-th frame"
                ),
                MODEL,
                _Option("--mirrored", action="store_true", help="the camera image is mirrored (selfie view)"),
                _Option("--mute", action="store_true", help="no sound cues (key m toggles)"),
                _Option(
                    "--realtime",
                    action="store_true",
                    help="with --source: play the file at its own pace, newest frame wins (like a camera)",
                ),
                _Option("--keys", help='scripted keys for a headless run: "SECONDS:KEY,...", e.g. "12.5:p"'),
                _Option("--accept-notice", action="store_true", help="accept the safety notice (shown once)"),
            ],
        ),
        (
            "history",
            "past live sessions, and progress over time",
            history_command,
            [
                _Option("--exercise", help="only this exercise"),
                _Option("--plot", metavar="FILE", help="draw reps and range of motion over time (PNG)"),
                _Option(
                    "--html",
                    metavar="FILE",
                    help="the history as a page: reps, range of motion, hold time and pain by date, per exercise",
                ),
            ],
        ),
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="posecheck",
        description="Pose-checking trainer for spine, neck and back exercises.",
    )
    parser.add_argument("--version", action="version", version=f"posecheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text, handler, options in _commands():
        p = sub.add_parser(name, help=help_text)
        for option in options:
            p.add_argument(*option.flags, **option.kwargs)
        p.set_defaults(func=handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 user error, 130
    interrupted, 1 a bug in posecheck).

    The one error boundary: everything a user can cause is one line here.
    """
    # File names that are not UTF-8 are printed as their own bytes, not a crash.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="surrogateescape")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USER_ERROR
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a reader that went away shows here, not at exit (exit 120)
        return code
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
        print(
            f"posecheck: internal error (a bug in posecheck {__version__}); please report it with the "
            "command line and the traceback above",
            file=sys.stderr,
        )
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(run())
