"""The live trainer: camera (or a video file) -> pose -> counting -> overlay.

Three threads, so the picture never freezes:
- capture: reads the camera; the newest frame wins (a camera frame that
  waited behind a slow one is dropped). A video file as the source is read
  frame by frame with its own timestamps instead, so `live --source` gives
  exactly what `analyze` gives on that file.
- inference: the pose model and the exercise session (counting, holds,
  safety, routine steps, sets and rests);
- the caller's (UI) thread: draws the latest result, reads the keys, shows
  it in a window (or writes PNGs when headless).

Keys: space pause, n next exercise, p pain (stop and record), m mute, q quit.
Everything that happens is appended to the session log at once (see
sessionlog.py), and each exercise's results go into the history database as
that exercise ends.

Ending: Ctrl-C, SIGTERM and SIGHUP end a session as q does (the running
exercise's `exercise_end` and history row, then `session_end`); the signal
handler only records the signal, so a second one during that shutdown cannot
cut it short. A failing write (a full disk, a history database gone) never
ends the inference thread unseen: what could not be stored is said in one
line at the end and the exit status is 2.
"""

from __future__ import annotations

import math
import queue
import signal
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.core import events as ev
from posecheck.ui.cues import Cues
from posecheck.errors import PosecheckError
from posecheck.ui.overlay import annotate, draw_status_line
from posecheck.core.person import PersonFollower
from posecheck.spec.routine import Routine, RoutineStep, step_exercise
from posecheck.core.session import ExerciseSession, FrameState
from posecheck.io.sessionlog import ExerciseResult, SessionLog, home, record_result, record_session
from posecheck.io.sources.video import VideoReader
from posecheck.spec.exercise import Exercise

# No new camera frame for this long: say the camera stalled.
STALL_AFTER_S = 2.0
# Seconds to answer the pain/fatigue check-in after an exercise.
CHECKIN_S = 8.0
CHECKIN_KEYS = {"0": "none", "1": "mild", "2": "strong"}

# The signals that end a session as q does (SIGHUP: the terminal closed).
# The exit status is then 128 + the signal's number, as a shell reports a
# process a signal ended: Ctrl-C 130, SIGHUP 129, SIGTERM 143.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
EXIT_SIGNAL_BASE = 128
# Something recorded could not be stored (a full disk, an unwritable
# history): a problem with the user's machine that they can fix, reported in
# one line, as posecheck's other user-caused errors are.
EXIT_NOT_STORED = 2


@dataclass
class LiveOptions:
    """How the live trainer runs."""

    camera: int | None = 0
    source: Path | None = None
    headless: bool = False
    frames_out: Path | None = None
    frames_every: int = 1
    model: Path | None = None
    mirrored: bool = False
    mute: bool = False
    scripted_keys: list[tuple[float, str]] = field(default_factory=list)
    db: Path | None = None
    log_dir: Path | None = None
    # A video file played at its own pace, newest frame wins, as a camera
    # would deliver it (for measuring latency without a camera).
    realtime: bool = False


@dataclass
class Frame:
    """A captured frame: its source time (s), capture clock time, pixels."""

    t_s: float
    captured_at: float
    bgr: npt.NDArray[np.uint8]


@dataclass
class Result:
    """What the UI thread draws for one processed frame."""

    frame: Frame
    exercise: Exercise
    state: FrameState
    px: npt.NDArray[np.float64]
    visibility: npt.NDArray[np.float32]
    values: dict[str, float]
    usable: bool
    status: str
    latency_ms: float


class _StopOnSignals:
    """While a session runs, SIGINT, SIGTERM and SIGHUP only ask it to stop.

    The handler records the signal and returns: it raises nothing and takes
    no lock, so neither the first signal nor a second one during the
    shutdown (a double Ctrl-C) can interrupt the writing of the exercise's
    end. A signal the process was started with ignored (nohup, a background
    job) stays ignored. Installed only from the main thread (Python's rule);
    the previous handlers come back on exit.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self.received: list[int] = []
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _StopOnSignals:
        if threading.current_thread() is threading.main_thread():
            for s in STOP_SIGNALS:
                if signal.getsignal(s) is not signal.SIG_IGN:
                    self._previous[s] = signal.signal(s, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if self.signum is None:
            self.signum = signum

    def __exit__(self, *exc: object) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        self._previous.clear()

    @property
    def name(self) -> str | None:
        """The first signal's name (SIGTERM), None when none came."""
        return signal.Signals(self.signum).name if self.signum is not None else None


class _Capture(threading.Thread):
    """Reads frames. Camera: keeps only the newest. File: queues them all."""

    def __init__(self, opts: LiveOptions) -> None:
        super().__init__(name="posecheck-capture", daemon=True)
        self.stop_event = threading.Event()
        self.file_mode = opts.source is not None and not opts.realtime
        self.error: str = ""
        self.ended = threading.Event()
        self._q: queue.Queue[Frame] = queue.Queue(maxsize=4)
        self._newest: Frame | None = None
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        if opts.source is not None:
            self._reader: VideoReader | None = VideoReader(opts.source)
            self.fps = self._reader.info.fps
            self.size = (self._reader.info.width, self._reader.info.height)
        else:
            self._reader = None
            self._cap = cv2.VideoCapture(opts.camera if opts.camera is not None else 0)
            if not self._cap.isOpened():
                raise PosecheckError(f"camera {opts.camera}: cannot open it (is it connected and free?)")
            ok, first = self._cap.read()
            if not ok or first is None:
                self._cap.release()
                raise PosecheckError(f"camera {opts.camera}: opened but gives no picture")
            self.fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 30.0)
            self.size = (first.shape[1], first.shape[0])
        self._t0 = time.monotonic()

    def run(self) -> None:
        self._t0 = time.monotonic()
        try:
            if self._reader is not None and not self.file_mode:
                for _, t_s, bgr in self._reader.frames():
                    if self.stop_event.is_set():
                        return
                    delay = self._t0 + t_s - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    with self._cond:
                        self._newest = Frame(t_s, time.monotonic(), bgr)
                        self._cond.notify_all()
            elif self._reader is not None:
                for _, t_s, bgr in self._reader.frames():
                    frame = Frame(t_s, time.monotonic(), bgr)
                    while not self.stop_event.is_set():
                        try:
                            self._q.put(frame, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if self.stop_event.is_set():
                        return
            else:
                while not self.stop_event.is_set():
                    ok, bgr = self._cap.read()
                    if not ok or bgr is None:
                        time.sleep(0.05)  # a stalled camera: the UI says so
                        continue
                    now = time.monotonic()
                    with self._cond:
                        self._newest = Frame(now - self._t0, now, bgr)
                        self._cond.notify_all()
                self._cap.release()
        finally:
            self.ended.set()
            with self._cond:
                self._cond.notify_all()

    def next(self, timeout_s: float) -> Frame | None:
        """The next frame to process, or None if none came in time."""
        if self.file_mode:
            try:
                return self._q.get(timeout=timeout_s)
            except queue.Empty:
                return None
        with self._cond:
            if self._newest is None:
                self._cond.wait(timeout_s)
            frame, self._newest = self._newest, None
            return frame

    @property
    def finished(self) -> bool:
        return self.ended.is_set() and (not self.file_mode or self._q.empty())


@dataclass
class _StepState:
    """The routine step under way: its session, sets and rest."""

    index: int
    exercise: Exercise
    session: ExerciseSession
    started_t_s: float
    started_at: float
    rest_until_t_s: float = -math.inf
    sets_done: int = 0
    stopped_for_pain: bool = False


class LiveTrainer:
    """Runs one exercise or a routine, live."""

    def __init__(self, steps: list[tuple[Exercise, RoutineStep | None]], opts: LiveOptions,
                 source_name: str) -> None:
        from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator

        if not steps:
            raise PosecheckError("nothing to train: no exercise given")
        self.steps = steps
        self.opts = opts
        self.capture = _Capture(opts)
        self.estimator = MediaPipePoseEstimator(opts.model)
        self.follower = PersonFollower()
        self.cues = Cues(muted=opts.mute)
        self.session_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        log_dir = opts.log_dir or home() / "sessions"
        self.log = SessionLog(log_dir / f"{self.session_id}.jsonl")
        self.started_at = time.time()
        try:
            record_session(self.session_id, self.started_at, source_name, self.log.path, opts.db)
        except (OSError, sqlite3.Error) as exc:  # before anything is recorded: refuse to start
            raise PosecheckError(f"{opts.db or home() / 'history.db'}: cannot write the history ({exc})") from None
        # One line each for what could not be stored; printed when the session ends.
        self.failures: list[str] = []
        self._log_failed = False
        self._record("session_start", session=self.session_id, source=source_name,
                     exercises=[e.id for e, _ in steps])
        if self.failures:
            raise PosecheckError(self.failures[0])
        self.results: list[ExerciseResult] = []
        self._signals = _StopOnSignals()
        # An unexpected error in the inference thread, raised again in the
        # caller's thread once the session is closed.
        self._crash: Exception | None = None
        self._t_s = 0.0
        self.latencies_ms: list[float] = []
        self._commands: queue.Queue[str] = queue.Queue()
        self._out: queue.Queue[Result | None] = queue.Queue(maxsize=0 if self.capture.file_mode else 2)
        self._paused = False
        self._quit = False
        self._step: _StepState | None = None
        self._last_frame_at = time.monotonic()
        self._checkin_for: int | None = None

    # --- steps -------------------------------------------------------------------

    def _start_step(self, index: int, t_s: float) -> None:
        ex, _ = self.steps[index]
        self._step = _StepState(index, ex, ExerciseSession(ex, self.capture.size), t_s, time.time())
        self._record("exercise_start", exercise=ex.id, position=index, t_s=round(t_s, 3),
                     prescription=vars(ex.prescription))

    def _step_done(self) -> bool:
        """The step's prescription is met (all sets)."""
        st = self._step
        assert st is not None
        p = st.exercise.prescription
        s = st.session
        if st.exercise.kind == "timer":
            return p.hold_s > 0 and (s.last_t_s or 0) - st.started_t_s >= p.hold_s * p.sets
        if st.exercise.kind == "hold":
            return sum(h.completed for h in s.holds) >= max(p.reps, 1) * p.sets
        if not p.reps:
            return False
        target = p.reps * p.sets
        by_side = s.engine.state.reps_by_side
        counts = list(by_side.values()) if by_side else [len(s.reps)]
        return min(counts) >= target

    def _set_reps(self) -> int:
        st = self._step
        assert st is not None
        by_side = st.session.engine.state.reps_by_side
        return min(by_side.values()) if by_side else len(st.session.reps)

    def _end_step(self, t_s: float, pain: bool) -> None:
        """Close the running exercise: its log line first (the log is the
        record that survives anything), then its history row, now, so that a
        kill later in the session cannot take it."""
        st, self._step = self._step, None  # closed once, even if a write below fails
        assert st is not None
        events = st.session.stop_for_pain(t_s) if pain else st.session.finish(t_s)
        self._log_events(events, st.exercise.id)
        s = st.session
        by_side = s.engine.state.reps_by_side
        peaks = [r.progress for r in s.reps]
        result = ExerciseResult(
            exercise=st.exercise.id,
            started_at=st.started_at,
            duration_s=max(t_s - st.started_t_s, 0.0),
            reps=len(s.reps),
            reps_left=by_side.get("left") if by_side else None,
            reps_right=by_side.get("right") if by_side else None,
            partial_reps=s.partial_reps,
            holds=len(s.holds),
            hold_s=round(sum(h.duration_s for h in s.holds), 2),
            range_of_motion=round(float(np.median([r.peak for r in s.reps])), 2) if peaks else None,
            warnings=len(s.warnings),
            stopped_for_pain=pain,
        )
        self.results.append(result)
        self._record("exercise_end", exercise=st.exercise.id, position=st.index, t_s=round(t_s, 3),
                     reps=result.reps, reps_left=result.reps_left, reps_right=result.reps_right,
                     partial_reps=result.partial_reps, holds=result.holds, hold_s=result.hold_s,
                     warnings=result.warnings, stopped_for_pain=pain)
        self._save_history(st.index, result)
        self._checkin_for = st.index
        self._checkin_until = t_s + CHECKIN_S

    def _log_events(self, events: list[ev.Event], exercise: str) -> None:
        for e in events:
            if e.kind in (ev.POSE_LOST, ev.POSE_FOUND, ev.READY, ev.STEP_DONE, ev.HOLD_STARTED):
                self._record(e.kind, t_s=round(e.t_s, 3), exercise=exercise)
                continue
            self._record(e.kind, t_s=round(e.t_s, 3), side=e.side, exercise=exercise, **e.detail)
            if e.kind == ev.REP:
                self.cues.play("rep")
            elif e.kind == ev.HOLD_COMPLETED:
                self.cues.play("hold_done")
            elif e.kind == ev.WARNING:
                self.cues.play("warning", e.detail.get("message", ""))

    # --- what is stored --------------------------------------------------------------

    def _record(self, kind: str, **fields: Any) -> None:
        """Append to the session log. A write that fails (a full disk) ends
        the session, since nothing more could be recorded, and is reported
        when it ends, instead of killing the thread that wrote."""
        try:
            self.log.write(kind, **fields)
        except OSError as exc:
            self._log_failed = True
            self._fail(f"{self.log.path}: cannot write the session log ({exc.strerror or exc}); "
                       "the session was stopped")
            self._quit = True

    def _save_history(self, position: int, result: ExerciseResult) -> None:
        """One exercise's history row. A failing write (a full disk, an
        unwritable database) is noted in the log, which holds the same
        numbers, and reported when the session ends; the session goes on."""
        try:
            record_result(self.session_id, position, result, self.opts.db)
        except (OSError, sqlite3.Error, PosecheckError) as exc:
            self._record("history_error", position=position, error=str(exc))
            if isinstance(exc, PosecheckError):  # already names the database
                reason = str(exc)
            else:
                reason = f"{self.opts.db or home() / 'history.db'}: cannot write the history ({exc})"
            kept = "" if self._log_failed else f"; the results are kept in the session log {self.log.path}"
            self._fail(reason + kept)

    def _fail(self, message: str) -> None:
        if message not in self.failures:
            self.failures.append(message)

    def _close_log(self) -> None:
        try:
            self.log.close()
        except OSError as exc:  # the last buffered line could not be written
            self._fail(f"{self.log.path}: cannot write the session log ({exc.strerror or exc})")

    # --- inference thread ------------------------------------------------------------

    def _handle_command(self, cmd: str, t_s: float) -> None:
        if cmd == "pause":
            self._paused = not self._paused
            self._record("pause" if self._paused else "resume", t_s=round(t_s, 3))
        elif cmd == "mute":
            self.cues.muted = not self.cues.muted
            self._record("mute", muted=self.cues.muted, t_s=round(t_s, 3))
        elif cmd == "quit":
            self._quit = True
        elif cmd in ("next", "pain") and self._step is not None:
            if cmd == "pain":
                self._record("pain", t_s=round(t_s, 3), exercise=self._step.exercise.id)
            self._end_step(t_s, pain=cmd == "pain")
        elif cmd.startswith("checkin:") and self._checkin_for is not None:
            answer = CHECKIN_KEYS[cmd.split(":", 1)[1]]
            self._record("checkin", position=self._checkin_for, pain=answer, t_s=round(t_s, 3))
            r = self.results[-1]
            self.results[-1] = ExerciseResult(**{**vars(r), "pain": answer})
            self._save_history(self._checkin_for, self.results[-1])
            self._checkin_for = None

    def _status(self, t_s: float) -> str:
        st = self._step
        if self._paused:
            return "Paused: press space to go on."
        if st is None:
            if self._checkin_for is not None:
                return "Any pain? 0 none, 1 mild, 2 strong"
            return "Routine done." if self._quit or not self._more_steps() else ""
        if t_s < st.rest_until_t_s:
            return f"Rest {math.ceil(st.rest_until_t_s - t_s)} s"
        p = st.exercise.prescription
        if p.reps:
            by_side = st.session.engine.state.reps_by_side
            base = st.sets_done * p.reps
            if by_side:
                done = f"L {max(by_side['left'] - base, 0)}, R {max(by_side['right'] - base, 0)} of {p.reps}"
            else:
                done = f"{max(len(st.session.reps) - base, 0)} of {p.reps}"
            return f"Set {min(st.sets_done + 1, p.sets)}/{p.sets}: {done} | {_first_sentence(st.exercise)}"
        return _first_sentence(st.exercise)

    def _more_steps(self) -> bool:
        return self._next_index < len(self.steps)

    def _stopping(self) -> bool:
        return self._quit or self._signals.signum is not None

    def _inference(self) -> None:
        """The inference thread: until the source ends, q, or a stop signal;
        the running exercise is closed on the way out, whatever ended it."""
        try:
            try:
                self._run_frames()
            finally:
                if self._step is not None:
                    self._end_step(self._t_s, pain=False)
        except Exception as exc:  # a bug: handed to the caller's thread, raised there after the session is closed
            self._crash = exc
        finally:
            self._out.put(None)

    def _run_frames(self) -> None:
        self._next_index = 0
        next_key = 0
        keys = sorted(self.opts.scripted_keys)
        while not self._stopping():
            while True:
                try:
                    self._handle_command(self._commands.get_nowait(), self._t_s)
                except queue.Empty:
                    break
            frame = self.capture.next(timeout_s=0.2)
            if frame is None:
                if self.capture.finished:
                    break
                continue
            t_s = self._t_s = frame.t_s
            while next_key < len(keys) and keys[next_key][0] <= t_s:
                self._handle_command(keys[next_key][1], t_s)
                next_key += 1
            if self._step is None and not self._stopping() and self._more_steps():
                if self._checkin_for is None or t_s >= self._checkin_until:
                    if self._checkin_for is not None:
                        self._record("checkin", position=self._checkin_for, pain="not answered", t_s=round(t_s, 3))
                        self._checkin_for = None
                    self._start_step(self._next_index, t_s)
                    self._next_index += 1
            self._process(frame)

    def _process(self, frame: Frame) -> None:
        rgb = cv2.cvtColor(frame.bgr, cv2.COLOR_BGR2RGB)
        person = self.follower.choose(frame.t_s, self.estimator.detect(rgb, int(round(frame.t_s * 1000))))
        if person is None:
            img = np.full((33, 3), np.nan, np.float32)
            vis = np.full(33, np.nan, np.float32)
            world = np.full((33, 3), np.nan, np.float32)
        else:
            img, vis, world = person.image_xyz, person.visibility, person.world_xyz
        if self.opts.mirrored:
            from posecheck.core.landmarks import LEFT_RIGHT_SWAP

            swap = list(LEFT_RIGHT_SWAP)
            img = img[swap].copy()
            img[:, 0] = 1.0 - img[:, 0]
            vis = vis[swap]
            world = world[swap].copy()
            world[:, 0] = -world[:, 0]
        st = self._step
        if st is None or self._paused:
            state = FrameState(0, {}, 0, False, 0.0, "setup", ())
            values: dict[str, float] = {}
            usable = person is not None
            ex = st.exercise if st else self.steps[min(self._next_index, len(self.steps) - 1)][0]
            px = img[:, :2].astype(np.float64) * np.asarray(self.capture.size)
        else:
            upd = st.session.update(frame.t_s, img, vis, world)
            self._log_events(upd.events, st.exercise.id)
            state, values, usable, ex = upd.state, upd.values, upd.usable, st.exercise
            px = upd.image_xyz[:, :2].astype(np.float64) * np.asarray(self.capture.size)
            p = ex.prescription
            if p.reps and self._set_reps() >= p.reps * (st.sets_done + 1) and st.sets_done + 1 < p.sets:
                st.sets_done += 1
                st.rest_until_t_s = frame.t_s + p.rest_s
                self._record("set_done", exercise=ex.id, set=st.sets_done, t_s=round(frame.t_s, 3))
            if self._step_done():
                self._end_step(frame.t_s, pain=False)
        latency_ms = (time.monotonic() - frame.captured_at) * 1000.0
        self._out.put(Result(frame, ex, state, px, vis, values, usable, self._status(frame.t_s), latency_ms))
        if not self.capture.file_mode:
            while self._out.qsize() > 1:  # the UI shows the newest result
                try:
                    self._out.get_nowait()
                except queue.Empty:
                    break

    # --- UI thread ------------------------------------------------------------------

    def run(self, on_result: Callable[[Result, npt.NDArray[np.uint8]], None] | None = None) -> int:
        """Run until the source ends, the routine is done, q, or a stop signal.

        Returns 0; 128 + the signal's number when Ctrl-C (130), SIGHUP (129)
        or SIGTERM (143) ended it; EXIT_NOT_STORED (2) when something could
        not be stored, each such problem printed as one line on stderr. In
        every case the running exercise is closed first (its `exercise_end`,
        its history row), then `session_end`. An unexpected error in the
        inference thread is raised here, after the same closing.
        """
        with self._signals:
            self.capture.start()
            worker = threading.Thread(target=self._inference, name="posecheck-inference", daemon=True)
            worker.start()
            try:
                self._show_results(worker, on_result)
            finally:
                self._shutdown(worker)
        if self._crash is not None:
            raise self._crash
        if self._signals.name is not None:
            print(f"posecheck: interrupted ({self._signals.name})", file=sys.stderr)
        for message in self.failures:
            print(f"posecheck: error: {message}", file=sys.stderr)
        if self.failures:
            return EXIT_NOT_STORED
        return EXIT_SIGNAL_BASE + self._signals.signum if self._signals.signum is not None else 0

    def _show_results(self, worker: threading.Thread,
                      on_result: Callable[[Result, npt.NDArray[np.uint8]], None] | None) -> None:
        """The UI loop: draw and show each result, read the keys; ends with
        the worker, or at once on a stop signal (the rest is shutdown)."""
        n = 0
        fps_t: list[float] = []
        while self._signals.signum is None:
            try:
                res = self._out.get(timeout=0.5)
            except queue.Empty:
                if not worker.is_alive():
                    break
                if not self.capture.file_mode and time.monotonic() - self._last_frame_at > STALL_AFTER_S:
                    self._show_stall()
                continue
            if res is None:
                break
            self._last_frame_at = time.monotonic()
            fps_t.append(self._last_frame_at)
            fps_t = fps_t[-30:]
            fps = (len(fps_t) - 1) / (fps_t[-1] - fps_t[0]) if len(fps_t) > 1 and fps_t[-1] > fps_t[0] else 0.0
            img = annotate(res.frame.bgr, res.exercise, res.state, res.px, res.visibility, res.values,
                           res.usable, status=res.status, corner=f"{fps:.0f} fps  {res.latency_ms:.0f} ms")
            self.latencies_ms.append((time.monotonic() - res.frame.captured_at) * 1000.0)
            if self.opts.frames_out is not None and n % self.opts.frames_every == 0:
                self.opts.frames_out.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(self.opts.frames_out / f"frame_{n:05d}.png"), img)
            if on_result is not None:
                on_result(res, img)
            if not self.opts.headless:
                cv2.imshow("posecheck", img)
                self._key(cv2.waitKey(1) & 0xFF)
            n += 1

    def _shutdown(self, worker: threading.Thread) -> None:
        """Close the session in order; runs under the stop-signal handlers,
        so a further signal is recorded and changes nothing here."""
        self.capture.stop_event.set()
        self._quit = True
        # The worker closes the exercise (log, history) before the session
        # ends in the log, and must be out of the model before the model is
        # closed (closing it under a running inference aborts the process).
        # It stops within one frame once told.
        worker.join()
        # The capture thread too: left decoding (its FFmpeg threads running)
        # while the interpreter exits, the process aborted ("terminate called
        # without an active exception") on Ctrl-C.
        self.capture.join(timeout=5.0)
        self._record("session_end", interrupted=self._signals.signum is not None, signal=self._signals.name,
                     error=repr(self._crash) if self._crash is not None else None,
                     latency_ms_median=round(float(np.median(self.latencies_ms)), 1)
                     if self.latencies_ms else None)
        self._close_log()
        self.cues.close()
        self.estimator.close()
        if not self.opts.headless:
            cv2.destroyAllWindows()

    def _key(self, key: int) -> None:
        mapping = {ord(" "): "pause", ord("n"): "next", ord("p"): "pain", ord("q"): "quit", ord("m"): "mute"}
        if key in mapping:
            self._commands.put(mapping[key])
        elif chr(key) in CHECKIN_KEYS:
            self._commands.put(f"checkin:{chr(key)}")

    def _show_stall(self) -> None:
        if self.opts.headless:
            return
        w, h = self.capture.size
        img = np.zeros((h, w, 3), np.uint8)
        draw_status_line(img, "Camera stalled: no picture for 2 s. Check the camera.", "")
        cv2.imshow("posecheck", img)
        self._key(cv2.waitKey(1) & 0xFF)


def _first_sentence(ex: Exercise) -> str:
    """The instruction line: the first sentence of the exercise's instructions."""
    text = " ".join(ex.instructions.split())
    return text.split(". ")[0].rstrip(".") + "."


def parse_keys(text: str) -> list[tuple[float, str]]:
    """Scripted keys for a headless run: "12.5:p,30:n" (source seconds:key)."""
    names = {"p": "pain", "n": "next", "q": "quit", " ": "pause", "space": "pause", "m": "mute"}
    out = []
    for part in filter(None, (x.strip() for x in text.split(","))):
        try:
            t, key = part.split(":", 1)
            seconds = float(t)
        except ValueError:
            raise PosecheckError(f"--keys: '{part}' is not SECONDS:KEY (e.g. 12.5:p)") from None
        if not math.isfinite(seconds) or seconds < 0:
            raise PosecheckError(f"--keys: '{part}': the time must be a number of seconds >= 0")
        if key in CHECKIN_KEYS:
            out.append((seconds, f"checkin:{key}"))
        elif key in names:
            out.append((seconds, names[key]))
        else:
            raise PosecheckError(f"--keys: unknown key '{key}'; expected one of p n q m space 0 1 2")
    return out


def steps_for(exercise: Exercise | None, routine: Routine | None) -> list[tuple[Exercise, RoutineStep | None]]:
    """The exercises to run, with the routine's prescription applied."""
    if routine is not None:
        return [(step_exercise(s), s) for s in routine.steps]
    assert exercise is not None
    return [(exercise, None)]


def summary_lines(results: list[ExerciseResult], latencies_ms: list[float]) -> list[str]:
    """What the terminal shows at the end of a live session."""
    lines = []
    for r in results:
        sides = f" (left {r.reps_left}, right {r.reps_right})" if r.reps_left is not None else ""
        extra = []
        if r.partial_reps:
            extra.append(f"partial {r.partial_reps}")
        if r.holds:
            extra.append(f"holds {r.holds}, {r.hold_s:.0f} s")
        if r.warnings:
            extra.append(f"warnings {r.warnings}")
        if r.stopped_for_pain:
            extra.append("STOPPED FOR PAIN")
        lines.append(f"{r.exercise}: reps {r.reps}{sides}" + (f"; {', '.join(extra)}" if extra else ""))
    if latencies_ms:
        lines.append(f"latency from capture to overlay: median {np.median(latencies_ms):.0f} ms")
    return lines
