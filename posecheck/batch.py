"""Batch analysis of many videos (a physiotherapist's folder) on every core.

Each file runs in a process of its own (the model reads frames on the cores
it is given: all of them with `--jobs 1`, a share each with more),
one progress bar counts finished files, every file gets its own report
folder, and `summary.csv` lists them all. Nothing one file does can stop the
others: an error, a bug, or the kernel killing its process (out of memory)
becomes that file's failed row. `summary.csv` gains each row as its file
finishes, so a batch that is itself killed keeps every finished file.

One process per file rather than a `ProcessPoolExecutor`: when the kernel
kills a pool worker the whole pool breaks and does not say which file was in
the dead worker; a process of its own tells exactly which file died and by
which signal, and nothing else has to run again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import signal
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, cast

from posecheck.cluster import LOCAL, Runner, Work, dask_runner, worker_model
from posecheck.errors import PosecheckError, single_line
from posecheck.io.report_html import write_batch_index
from posecheck.io.sources.parallel import usable_cores
from posecheck.io.sources.video import VIDEO_SUFFIXES
from posecheck.pipeline import REPORT_FILES as PIPELINE_REPORT_FILES
from posecheck.pipeline import AnalyzeOptions, analyze_path, check_input_file, with_overrides, write_outputs
from posecheck.resume import MADE_FROM_NAME, kept_row, made_from, write_made_from
from posecheck.spec import exercise_file, load_exercise
from posecheck.summary_csv import SUMMARY_NAME, SUMMARY_TMP_NAME, SummaryWriter

# Names in the output folder a file's report folder must never take (case
# folded: a case-insensitive disk sees Summary.CSV as summary.csv).
RESERVED_NAMES = frozenset(n.casefold() for n in (SUMMARY_NAME, SUMMARY_TMP_NAME, ".", ".."))
# What write_outputs writes in a file's report folder (checked against the inputs).
REPORT_FILES = (*PIPELINE_REPORT_FILES, MADE_FROM_NAME)
MAX_BUG_MESSAGE_CHARS = 300

Row = dict[str, Any]
# The per-file task: (input, exercise id or file, options, report folder) -> summary row.
# A plain module-level function, so it can run in another process (or scheduler).
FileTask = Callable[[Path, str, AnalyzeOptions, Path], Row]


def collect_inputs(paths: list[Path]) -> list[Path]:
    """The files to analyse: given files as they are, folders expanded to
    their videos and `.npz` tracks (not recursive), sorted, no duplicates."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.is_file() and q.suffix.lower() in VIDEO_SUFFIXES + (".npz",))
            if not found:
                raise PosecheckError(f"{p}: no videos or .npz tracks in this folder")
            out += found
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def batch_jobs(requested: int, n_files: int, cpus: int | None = None) -> int:
    """How many files run at once: what was asked for, but never more than
    there are files or usable cores (`--jobs 300` must not start 300
    processes, each loading a pose model).

    Raises:
        PosecheckError: `requested` is below 1.
    """
    if requested < 1:
        raise PosecheckError(f"--jobs must be a whole number >= 1, got {requested}")
    return max(1, min(requested, n_files, cpus if cpus is not None else usable_cores()))


def report_dirs(paths: list[Path], out: Path) -> list[Path]:
    """Each file's report folder, `out/<name without suffix>`, made unique
    with trailing `_`: two files never share a folder, and none is named
    like the summary (an input `summary.csv.npz`), `.` or `..`."""
    taken = set(RESERVED_NAMES)
    dirs = []
    for path in paths:
        name = path.stem
        while name.casefold() in taken:
            name += "_"
        taken.add(name.casefold())
        dirs.append(out / name)
    return dirs


def _refuse_overwriting_inputs(paths: list[Path], dirs: list[Path], out: Path) -> None:
    """An input that is where the batch writes (`out/summary.csv`, or a
    report file of another input) would be overwritten before it is read."""
    written = {(out / n).resolve() for n in (SUMMARY_NAME, SUMMARY_TMP_NAME)}
    written |= {(d / n).resolve() for d in dirs for n in REPORT_FILES}
    for path in paths:
        if path.resolve() in written:
            raise PosecheckError(f"{path}: the batch writes its output here; move the file or choose another --out")


def failure_reason(exc: Exception, path: Path) -> str:
    """One line for a failed file's row: the user's error as is, an I/O
    error with its file, anything else as a bug with its type, message and
    the line that raised it."""
    if isinstance(exc, PosecheckError):
        return single_line(str(exc))
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename or path}: {exc.strerror}"
    message = single_line(f"{type(exc).__name__}: {exc}")
    if len(message) > MAX_BUG_MESSAGE_CHARS:
        message = message[:MAX_BUG_MESSAGE_CHARS] + "..."
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{message}{where} (a bug in posecheck; please report it)"


def analyze_one(path: Path, exercise_arg: str, opts: AnalyzeOptions, out: Path) -> Row:
    """One file of a batch (in a process of its own, or on a Dask worker,
    with the model the worker keeps): its summary row.

    A report folder made from the same input, exercise file and options
    (resume.py) is kept as it is: the row then has `resumed` set. Never
    raises for a file's content: any failure is the row's status and
    error, so a scheduler only has to run it and collect the row.
    """
    row: Row = {"file": str(path), "status": "ok", "error": "", "out": str(out)}
    try:
        check_input_file(path)  # before reading it whole for its hash (a pipe would never end)
        record = made_from(path, exercise_arg, opts)
        kept = kept_row(out, record)
        if kept is not None:
            return {**kept, **row, "resumed": True}
        exercise = with_overrides(load_exercise(exercise_arg), opts)
        estimator = worker_model(opts) if path.suffix.lower() != ".npz" else None
        report, result = analyze_path(path, exercise, opts, estimator=estimator)
        written = write_outputs(path, report, result, out, False, opts)
        by_side = report["reps_by_side"] or {}
        row |= {
            "exercise": report["exercise"],
            "duration_s": report["duration_s"],
            "frames": report["frames"],
            "frames_with_pose": report["frames_with_pose"],
            "frames_text_erased": "" if report["frames_text_erased"] is None else report["frames_text_erased"],
            "reps": report["reps"],
            "reps_left": by_side.get("left", ""),
            "reps_right": by_side.get("right", ""),
            "partial_reps": report["partial_reps"],
            "holds": len(report["holds"]),
            "holds_completed": sum(h["completed"] for h in report["holds"]),
            "warnings": len(report["warnings"]),
        }
        write_made_from(out, record, row, written)
    except Exception as exc:  # noqa: BLE001 - every failure is this file's row, whatever it is
        return failed_row(path, failure_reason(exc, path))
    return row


def failed_row(path: Path, reason: str) -> Row:
    """A file's row when it could not be analysed (no report folder)."""
    return {"file": str(path), "status": "failed", "error": reason, "out": ""}


def died_reason(exitcode: int | None) -> str:
    """Why a file's processes ended without a row, on the first try and
    again on the retry (the kernel's OOM killer sends SIGKILL)."""
    again = ", twice"
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "unknown signal"
        hint = "; out of memory?" if -exitcode == signal.SIGKILL else ""
        return f"worker killed (signal {-exitcode}, {name}{hint}){again}"
    return f"worker ended with exit status {exitcode} and no result{again}"


def _child(task: FileTask, args: tuple[Path, str, AnalyzeOptions, Path], send: Connection) -> None:
    """Body of a file's process: run the task, send its row back."""
    # Ctrl-C reaches the whole process group; the batch (the parent) ends its
    # children itself, so a child prints no traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    row = task(*args)
    try:
        send.send(row)
    except BrokenPipeError:  # the batch is gone (killed); the report folder is written
        return
    send.close()


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[list[int]]:
    """Hold a Ctrl-C that comes while a worker process is forked; the list
    yielded says whether one came (the caller raises it once the process is
    known). Raised inside the fork it lands in an at-fork hook, where Python
    prints "Exception ignored" and drops it, and the batch ran on to exit 0
    (2 of 5 tries); in the new child before it ignores SIGINT it printed a
    stray "Process ForkProcess-3:" (1 of 20)."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        yield caught  # signals are set from the main thread only; an ignored Ctrl-C stays ignored
        return
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_processes(
    work: Work,
    task: FileTask,
    jobs: int,
    on_row: Callable[[int, Row], None],
) -> None:
    """Run `task` on every item, `jobs` processes at a time, one process per
    file; `on_row(index, row)` as each ends. A process that dies without a
    row (killed by a signal) is run once more (the kernel may have killed
    it for another's memory); dying again gives a failed row naming the
    signal."""
    ctx = multiprocessing.get_context()
    queue = deque(work)
    args_of = dict(work)
    retried: set[int] = set()
    running: dict[Connection[Any, Any], tuple[int, Path, BaseProcess]] = {}  # read end of its pipe -> its file
    try:
        while queue or running:
            while queue and len(running) < jobs:
                index, args = queue.popleft()
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(task, args, send), daemon=True)
                try:
                    with _ctrl_c_held() as ctrl_c:
                        proc.start()
                except OSError as exc:  # no memory or process slot left for a fork
                    recv.close()
                    on_row(index, failed_row(args[0], f"cannot start a worker process ({exc.strerror})"))
                    if ctrl_c:
                        raise KeyboardInterrupt from None
                    continue
                finally:
                    send.close()  # the child holds the only write end: its death is EOF here
                running[recv] = (index, args[0], proc)
                if ctrl_c:
                    raise KeyboardInterrupt
            if not running:  # every start failed: nothing to wait for
                continue
            for ready in cast("list[Connection[Any, Any]]", wait(list(running))):
                index, path, worker = running.pop(ready)
                try:
                    row: Row | None = ready.recv()
                except (EOFError, OSError):
                    row = None
                ready.close()
                worker.join()
                if row is None and index not in retried:
                    retried.add(index)
                    queue.append((index, args_of[index]))
                    continue
                on_row(index, row if row is not None else failed_row(path, died_reason(worker.exitcode)))
    finally:
        for _, _, worker in running.values():
            worker.terminate()
        for conn, (_, _, worker) in running.items():
            worker.join()
            conn.close()


def run_batch(
    paths: list[Path],
    exercise_arg: str,
    opts: AnalyzeOptions,
    out: Path,
    jobs: int,
    progress: bool,
    task: FileTask = analyze_one,
    on_row: Callable[[Row], None] | None = None,
    scheduler: str | None = None,
) -> list[Row]:
    """Analyse every file, up to `jobs` at a time, each in its own process
    (or on the Dask cluster at `scheduler`, see cluster.py; 'local' starts
    one of `jobs` workers); writes `out/summary.csv` row by row as files
    finish, then once more in input order. A file whose report folder was
    made from the same input, exercise and options is kept (resume.py).

    `task` is the per-file function and `on_row` is called after each row
    is on disk (both for tests and other front ends).

    Returns the summary rows in input order.

    Raises:
        PosecheckError: before any file is analysed: a bad exercise or
            option, --jobs below 1, an unwritable `out`, or an input where
            the batch writes; later only if summary.csv cannot be written
            (a full disk). A file's own failure is never raised: it is its row.
    """
    n_jobs = batch_jobs(jobs, len(paths))
    with_overrides(load_exercise(exercise_arg), opts)  # a bad exercise fails once, up front
    dirs = report_dirs(paths, out)
    _refuse_overwriting_inputs(paths, dirs, out)
    # The cores are shared out: one file alone reads frames on all of them,
    # two at once on half each (more threads than cores only adds
    # switching). A remote cluster's worker has its own cores: one thread.
    remote = scheduler is not None and scheduler != LOCAL
    per_file = dataclasses.replace(opts, workers=1 if remote else max(1, usable_cores() // n_jobs))
    work = [(i, (p, exercise_arg, per_file, d)) for i, (p, d) in enumerate(zip(paths, dirs))]
    with contextlib.ExitStack() as stack:
        # A cluster is reached before anything is written.
        runner = stack.enter_context(dask_runner(scheduler, n_jobs)) if scheduler is not None else None
        return _run_batch(
            work if runner is None else _absolute(work), work, out, n_jobs, progress, task, on_row, runner
        )


def _absolute(work: Work) -> Work:
    """The work with absolute paths (input, user's exercise file, model,
    report folder): a cluster's workers do not share this process's
    current folder."""

    def absolute(exercise_arg: str) -> str:
        return str(Path(exercise_arg).absolute()) if exercise_file(exercise_arg) == Path(exercise_arg) else exercise_arg

    return [
        (i, (p.absolute(), absolute(ex), dataclasses.replace(o, model=o.model and o.model.absolute()), d.absolute()))
        for i, (p, ex, o, d) in work
    ]


def _run_batch(
    work: Work,
    given: Work,
    out: Path,
    n_jobs: int,
    progress: bool,
    task: FileTask,
    on_row: Callable[[Row], None] | None,
    runner: Runner | None,
) -> list[Row]:
    """run_batch once its checks are done: `work` in processes, or on
    `runner` (a cluster); rows name files and folders as `given`."""
    from tqdm import tqdm

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PosecheckError(f"--out {out}: cannot create the folder ({exc.strerror})") from None
    summary = SummaryWriter(out)
    rows: dict[int, Row] = {}
    bar = tqdm(total=len(work), desc="videos", unit="file", disable=not progress, file=sys.stderr)

    def finished(index: int, row: Row) -> None:
        path, _, _, folder = given[index][1]
        sent = str(work[index][1][0])  # absolute on a cluster: the error names it as given
        error = str(row.get("error", "")).replace(sent, str(path)) if sent != str(path) else row.get("error", "")
        row = {**row, "file": str(path), "error": error, "out": str(folder) if row.get("out") else ""}
        rows[index] = row
        summary.add(row)
        bar.update(1)
        if on_row is not None:
            on_row(row)

    try:
        if runner is None:
            _run_processes(work, task, n_jobs, finished)
        else:
            runner(work, task, finished)
    finally:
        bar.close()
        summary.close()
    ordered = [rows[i] for i in range(len(work))]
    summary.rewrite_in_order(ordered)
    write_batch_index(ordered, out)
    return ordered
