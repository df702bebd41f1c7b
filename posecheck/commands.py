"""The commands that do work: extract (the model over a video), analyze (one
file, a batch, a routine recording) and live.

cli.py parses the options and holds the error boundary; listings.py has the
commands that only read and print. Outputs are checked here before any
work starts, so a long model run never ends in "cannot write".
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from posecheck.errors import EXIT_USER_ERROR, PosecheckError
from posecheck.io.report import summary_text, write_report
from posecheck.io.sources.native import user_stderr
from posecheck.outputs import check_output_dir, check_output_file
from posecheck.pipeline import (
    AnalyzeOptions,
    analyze_path,
    check_input_file,
    load_track,
    refuse_reports_over_inputs,
    with_overrides,
    write_outputs,
)
from posecheck.spec import load_exercise

if TYPE_CHECKING:
    from tqdm import tqdm


class FrameBar:
    """A tqdm progress bar on stderr for frames of one video (a FrameProgress);
    on close it prints the reader's warning of a video cut short (a file cut
    short used to be analysed as if whole, with no word)."""

    def __init__(self, desc: str, enabled: bool) -> None:
        self.desc = desc
        self.enabled = enabled
        self.bar: tqdm[NoReturn] | None = None  # made at the first frame: an input refused before shows no bar
        self.warning: str | None = None
        self._stream: TextIO = sys.stderr

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            # The model runs on every core, its native log lines silenced
            # on fd 2 meanwhile: the bar writes to the user's stderr itself.
            self._stream = user_stderr() if self.enabled else sys.stderr
            self.bar = tqdm(desc=self.desc, unit="frame", disable=not self.enabled, file=self._stream, leave=False)
        if total and self.bar.total != total:
            self.bar.total = total
        self.bar.update(1)

    def cut_short(self, warning: str) -> None:
        self.warning = warning

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            if self._stream is not sys.stderr:
                self._stream.close()
            self.bar = None
        if self.warning:
            print(f"posecheck: warning: {self.warning}", file=sys.stderr)


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


def extract_command(args: argparse.Namespace) -> int:
    video = Path(args.video)
    out = Path(args.output)
    if out.suffix.lower() != ".npz":
        out = out.with_name(out.name + ".npz")  # what numpy writes; say so
    check_input_file(video)
    check_output_file(out, "-o", inputs=[video])
    bar = FrameBar(video.name, not args.quiet)
    try:
        track = load_track(video, _options(args), bar)
    finally:
        bar.close()
    written = track.save(out)
    painted = (
        ""
        if track.text_erased is None or not track.text_erased.any()
        else f", drawn text painted out of {int(track.text_erased.sum())}"
    )
    print(f"wrote {written}: {len(track)} frames, person in {int(track.has_pose.sum())}{painted}, model {track.model}")
    return 0


def _analyze_routine(args: argparse.Namespace, paths: list[Path], opts: AnalyzeOptions) -> int:
    from posecheck.pipeline import analyze_routine

    if len(paths) != 1 or paths[0].is_dir():
        raise PosecheckError("--routine analyses one recording of the whole routine")
    if not args.steps_at:
        raise PosecheckError("--routine needs --steps-at: when each exercise starts, e.g. 0,95,210")
    _check_outputs(args, paths)
    bar = FrameBar(paths[0].name, not args.quiet)
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
        refuse_reports_over_inputs(paths, Path(args.out))
    if args.json and args.json != "-":
        check_output_file(Path(args.json), "--json", inputs=paths)


def analyze_command(args: argparse.Namespace) -> int:
    from posecheck.batch import collect_inputs, run_batch
    from posecheck.cluster import LOCAL, check_scheduler

    opts = _options(args)
    paths = [Path(p) for p in args.paths]
    if bool(args.exercise) == bool(args.routine):
        raise PosecheckError("analyze needs --exercise ID or --routine ID (one of them)")
    if args.routine:
        if args.scheduler:
            raise PosecheckError("--scheduler is for a batch (several files or a folder), not --routine")
        return _analyze_routine(args, paths, opts)
    if len(paths) > 1 or paths[0].is_dir():
        if not args.out:
            raise PosecheckError("analysing several files needs --out DIR for their reports")
        if args.json:
            raise PosecheckError("--json is for one file; several files write DIR/*/report.json")
        check_output_dir(Path(args.out), "--out")
        if args.scheduler:
            check_scheduler(args.scheduler)
            if args.scheduler != LOCAL and args.jobs is not None:
                raise PosecheckError("--jobs sizes a local cluster; a remote cluster has the workers started for it")
        rows = run_batch(
            collect_inputs(paths),
            args.exercise,
            opts,
            Path(args.out),
            args.jobs or 1,
            not args.quiet,
            scheduler=args.scheduler,
        )
        for r in rows:
            if r["status"] == "ok":
                sides = f" (left {r['reps_left']}, right {r['reps_right']})" if r["reps_left"] != "" else ""
                kept = " (kept from an earlier run)" if r.get("resumed") else ""
                print(
                    f"ok      {r['file']}: reps {r['reps']}{sides}, holds {r['holds']}, warnings {r['warnings']}{kept}"
                )
            else:
                print(f"failed  {r['file']}: {r['error']}")
        failed = sum(r["status"] != "ok" for r in rows)
        kept_n = sum(bool(r.get("resumed")) for r in rows)
        kept_note = f" ({kept_n} kept from an earlier run)" if kept_n else ""
        print(f"{len(rows) - failed} of {len(rows)} analysed{kept_note}; summary in {Path(args.out) / 'summary.csv'}")
        return EXIT_USER_ERROR if failed else 0
    if args.scheduler:
        raise PosecheckError("--scheduler is for a batch (several files or a folder)")

    exercise = with_overrides(load_exercise(args.exercise), opts)
    path = paths[0]
    _check_outputs(args, paths)
    bar = FrameBar(path.name, not args.quiet)
    try:
        report, result = analyze_path(path, exercise, opts, bar)
    finally:
        bar.close()
    written = write_outputs(path, report, result, Path(args.out), not args.quiet, opts) if args.out else []
    if args.json == "-":
        print(json.dumps(report, indent=2))
    elif args.json:
        write_report(report, Path(args.json))
    if args.json != "-":
        print(summary_text(report))
        if written:
            print(f"wrote {args.out}: {', '.join(written)}")
    return 0


def live_command(args: argparse.Namespace) -> int:
    from posecheck.io.sessionlog import check_home
    from posecheck.spec import load_routine
    from posecheck.ui import notice
    from posecheck.ui.keys import parse_keys
    from posecheck.ui.live import LiveOptions, LiveTrainer, steps_for
    from posecheck.ui.text import NOTICE, summary_lines

    if bool(args.exercise) == bool(args.routine):
        raise PosecheckError("live needs --exercise ID or --routine ID (one of them)")
    check_home()
    if args.source:
        check_input_file(Path(args.source))
    if args.frames_out:
        check_output_dir(Path(args.frames_out), "--frames-out")
    if not notice.accepted():
        print(NOTICE)
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
