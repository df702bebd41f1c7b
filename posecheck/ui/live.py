"""The live trainer: camera (or a video file) -> pose -> counting -> overlay.

Threads, so the picture never freezes:
- capture (io/camera.py): reads the camera; the newest frame wins (a camera
  frame that waited behind a slow one is dropped). A video file as the
  source is read frame by frame with its own timestamps instead, so `live
  --source` gives exactly what `analyze` gives on that file.
- pose (io/detections.py): one per core, each reading the newest frame
  when it is free, handed on in capture order;
- inference: follows the person, runs the exercise session (counting, holds,
  safety), the routine's steps, sets and rests (core/routine_progress.py);
- the caller's (UI) thread: draws the latest result, reads the keys
  (keys.py), shows it in a window (or writes PNGs when headless).

Everything that happens is appended to the session log at once, and each
exercise's results go into the history database as that exercise ends
(recorder.py). The texts shown are in text.py.

Ending: Ctrl-C, SIGTERM and SIGHUP end a session as q does (the running
exercise's `exercise_end` and history row, then `session_end`; signals.py).
A failing write (a full disk, a history database gone) never ends the
inference thread unseen: what could not be stored is said in one line at the
end and the exit status is 2.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from posecheck.core.events import Event, Phase
from posecheck.core.head_pose import MIRROR_SIGNS
from posecheck.core.head_profile import mirrored_direction_deg
from posecheck.core.measures import HeadReads, head_reads
from posecheck.core.routine_progress import RoutineProgress
from posecheck.core.session import FrameState
from posecheck.core.track import frame_landmarks, mirror_landmarks
from posecheck.errors import PosecheckError
from posecheck.io.camera import Capture
from posecheck.io.camera_roll import StartRoll
from posecheck.io.detections import Detected, DetectionStream
from posecheck.io.face_mesh import FaceMeshReader
from posecheck.io.follow import ExerciserFinder
from posecheck.io.head_patch import HeadPatchTracker
from posecheck.io.sessionlog import ExerciseResult, SessionLog
from posecheck.spec import Exercise, Routine, RoutineStep, step_exercise
from posecheck.ui import text
from posecheck.ui.cues import Cues
from posecheck.ui.keys import CHECKIN_KEYS
from posecheck.ui.recorder import SessionRecorder, exercise_result
from posecheck.ui.signals import EXIT_SIGNAL_BASE, StopOnSignals
from posecheck.ui.window import LiveWindow, Result

# No new camera frame for this long: say the camera stalled (text.CAMERA_STALLED).
STALL_AFTER_S = 2.0
# Something recorded could not be stored (a full disk, an unwritable
# history): a problem with the user's machine that they can fix, reported in
# one line, as posecheck's other user-caused errors are.
EXIT_NOT_STORED = 2
# The camera's roll is looked for in the first ROLL_FRAMES frames, ROLL_EVERY_S
# apart: known by 0.2 s, before the setup check passes (setup_s, 0.5 s by
# default), so nothing is counted with the picture's tilt. (A recording is
# searched a frame a second throughout: io/extract.py.)
ROLL_FRAMES = 3
ROLL_EVERY_S = 0.1


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


def _start_session(
    source_name: str, exercise_ids: list[str], opts: LiveOptions
) -> tuple[StopOnSignals, SessionRecorder]:
    """The stop-signal handlers, then the session's record (its
    `session_start`): from then on a stop signal only asks the session to
    stop, so it always gets its `session_end` (a SIGTERM between the two
    used to kill it with neither: 1 of 843 sweep cases)."""
    signals = StopOnSignals().__enter__()
    try:
        session_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        return signals, SessionRecorder(session_id, time.time(), source_name, exercise_ids, opts.db, opts.log_dir)
    except BaseException:
        signals.__exit__()
        raise


def _rest_hint(state: FrameState, progress: RoutineProgress, t_s: float) -> FrameState:
    """The state to show: resting between sets, no "get back into
    position" beside "Rest 45 s"."""
    if state.phase != Phase.SETUP and progress.resting(t_s):
        return replace(state, setup_message="")
    return state


class LiveTrainer:
    """Runs one exercise or a routine, live."""

    def __init__(self, steps: list[tuple[Exercise, RoutineStep | None]], opts: LiveOptions, source_name: str) -> None:
        from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator

        if not steps:
            raise PosecheckError("nothing to train: no exercise given")
        self.opts = opts
        self.capture = Capture(opts.camera, opts.source, opts.realtime)
        self.estimator = MediaPipePoseEstimator(opts.model)
        self.detections = DetectionStream(self.capture, self.estimator, self.estimator.workers)
        self.person = PersonReader(ExerciserFinder(self.estimator), head_reads(e for e, _ in steps), opts.mirrored)
        self.cues = Cues(muted=opts.mute)
        self.results: list[ExerciseResult] = []
        # An unexpected error in the inference thread, raised again in the
        # caller's thread once the session is closed.
        self._crash: Exception | None = None
        self._t_s = 0.0
        self._commands: queue.Queue[str] = queue.Queue()
        self.window = LiveWindow(
            opts.headless, opts.frames_out, opts.frames_every, self.capture.size, self._commands.put
        )
        self._out: queue.Queue[Result | None] = queue.Queue(maxsize=0 if self.capture.file_mode else 2)
        self._paused = False
        self._quit = False
        self.progress = RoutineProgress([e for e, _ in steps], self.capture.size)
        self._roll = StartRoll(ROLL_FRAMES, ROLL_EVERY_S, opts.mirrored)
        # Last: handlers restored when run() ends.
        self._signals, self.recorder = _start_session(source_name, [e.id for e, _ in steps], opts)

    @property
    def log(self) -> SessionLog:
        return self.recorder.log

    @property
    def latencies_ms(self) -> list[float]:
        """Capture to overlay drawn, for each frame shown."""
        return self.window.latencies_ms

    def _record(self, kind: str, **fields: Any) -> None:
        self.recorder.record(kind, **fields)

    # --- steps -------------------------------------------------------------------

    def _start_step(self, t_s: float) -> None:
        st = self.progress.start_next(t_s, time.time())
        self._record(
            "exercise_start",
            exercise=st.exercise.id,
            position=st.index,
            t_s=round(t_s, 3),
            prescription=vars(st.exercise.prescription),
        )

    def _end_step(self, t_s: float, pain: bool) -> None:
        """Close the running exercise: its log line first (the log is the
        record that survives anything), then its history row, now, so that a
        kill later in the session cannot take it."""
        st = self.progress.end_step(t_s)  # closed once, even if a write below fails
        events = st.session.stop_for_pain(t_s) if pain else st.session.finish(t_s)
        self._log_events(events, st.exercise.id)
        result = exercise_result(st, t_s, pain)
        self.results.append(result)
        self.recorder.end_exercise(st.index, result, t_s)

    def _log_events(self, events: list[Event], exercise: str) -> None:
        for e in events:
            self.recorder.record_event(e, exercise)
            self.cues.play_for(e)

    # --- inference thread ------------------------------------------------------------

    def _handle_command(self, cmd: str, t_s: float) -> None:
        progress = self.progress
        if cmd == "pause":
            self._paused = not self._paused
            self._record("pause" if self._paused else "resume", t_s=round(t_s, 3))
        elif cmd == "mute":
            self.cues.muted = not self.cues.muted
            self._record("mute", muted=self.cues.muted, t_s=round(t_s, 3))
        elif cmd == "quit":
            self._quit = True
        elif cmd in ("next", "pain") and progress.step is not None:
            if cmd == "pain":
                self._record("pain", t_s=round(t_s, 3), exercise=progress.step.exercise.id)
            self._end_step(t_s, pain=cmd == "pain")
        elif cmd.startswith("checkin:") and progress.checkin_for is not None:
            answer = CHECKIN_KEYS[cmd.split(":", 1)[1]]
            self._record("checkin", position=progress.checkin_for, pain=answer, t_s=round(t_s, 3))
            r = self.results[-1]
            self.results[-1] = ExerciseResult(**{**vars(r), "pain": answer})
            self.recorder.save_history(progress.checkin_for, self.results[-1])
            progress.checkin_for = None

    def _quitting(self) -> bool:
        """q, the end of the session, or a session log that cannot be written."""
        return self._quit or self.recorder.log_failed

    def _stopping(self) -> bool:
        return self._quitting() or self._signals.signum is not None

    def _inference(self) -> None:
        """The inference thread: until the source ends, q, or a stop signal;
        the running exercise is closed on the way out, whatever ended it."""
        try:
            try:
                self._run_frames()
            finally:
                if self.progress.step is not None:
                    self._end_step(self._t_s, pain=False)
        # Any error here is a bug: handed to the caller's thread and raised there after the session is closed.
        except Exception as exc:  # noqa: BLE001
            self._crash = exc
        finally:
            self._out.put(None)

    def _run_frames(self) -> None:
        next_key = 0
        keys = sorted(self.opts.scripted_keys)
        while not self._stopping():
            while True:
                try:
                    self._handle_command(self._commands.get_nowait(), self._t_s)
                except queue.Empty:
                    break
            found = self.detections.next(timeout_s=0.2)
            if found is None:
                if self.detections.finished:
                    break
                continue
            frame = found.frame
            t_s = self._t_s = frame.t_s
            while next_key < len(keys) and keys[next_key][0] <= t_s:
                self._handle_command(keys[next_key][1], t_s)
                next_key += 1
            if not self._stopping() and self.progress.due_to_start(t_s):
                if self.progress.checkin_for is not None:
                    self._record("checkin", position=self.progress.checkin_for, pain="not answered", t_s=round(t_s, 3))
                    self.progress.checkin_for = None
                self._start_step(t_s)
            self._process(found)

    def _process(self, detected: Detected) -> None:
        frame = detected.frame
        found, img, vis, world, face, head_dir = self.person.read(detected)
        if (roll := self._roll.feed(frame.t_s, detected.rgb, img)) is not None:
            now = self.progress.level_by(roll)  # False: the step under way was past setup
            self._record("camera_roll", deg=self._roll.found_deg, t_s=round(frame.t_s, 3), applied_now=now)
        st = self.progress.step
        if st is None or self._paused:
            state = FrameState(0, {}, 0, False, 0.0, Phase.SETUP, ())
            values, usable, ex = dict[str, float](), found, self.progress.exercise_shown
            px = img[:, :2].astype(np.float64) * np.asarray(self.capture.size)
        else:
            upd = st.session.update(frame.t_s, img, vis, world, face, head_dir)
            self._log_events(upd.events, st.exercise.id)
            state = _rest_hint(upd.state, self.progress, frame.t_s)
            values, usable, ex = upd.values, upd.usable, st.exercise
            px = upd.image_xyz[:, :2].astype(np.float64) * np.asarray(self.capture.size)
            if self.progress.end_set_if_due(frame.t_s):
                self._record("set_done", exercise=ex.id, set=st.sets_done, t_s=round(frame.t_s, 3))
            if self.progress.step_done():
                self._end_step(frame.t_s, pain=False)
        latency_ms = (time.monotonic() - frame.captured_at) * 1000.0
        status = text.status_line(self.progress, frame.t_s, self._paused, self._quitting())
        self._out.put(Result(frame, ex, state, px, vis, values, usable, status, latency_ms))
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
        with self._signals:  # entered in __init__; left (handlers restored) here
            self.capture.start()
            self.detections.start()
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
        for message in self.recorder.failures:
            print(f"posecheck: error: {message}", file=sys.stderr)
        if self.recorder.failures:
            return EXIT_NOT_STORED
        return EXIT_SIGNAL_BASE + self._signals.signum if self._signals.signum is not None else 0

    def _show_results(
        self, worker: threading.Thread, on_result: Callable[[Result, npt.NDArray[np.uint8]], None] | None
    ) -> None:
        """The UI loop: draw and show each result, read the keys; ends with
        the worker, or at once on a stop signal (the rest is shutdown)."""
        while self._signals.signum is None:
            try:
                res = self._out.get(timeout=0.5)
            except queue.Empty:
                if not worker.is_alive():
                    break
                if not self.capture.file_mode and time.monotonic() - self.window.last_shown_at > STALL_AFTER_S:
                    self.window.show_stall()
                continue
            if res is None:
                break
            self.window.show(res, on_result)

    def _shutdown(self, worker: threading.Thread) -> None:
        """Close the session in order; runs under the stop-signal handlers,
        so a further signal is recorded and changes nothing here."""
        self.capture.stop_event.set()
        self._quit = True
        self.detections.close()
        # The worker closes the exercise (log, history) before the session
        # ends in the log, and must be out of the model before the model is
        # closed (closing it under a running inference aborts the process).
        # It stops within one frame once told.
        worker.join()
        # The capture thread too: left decoding (its FFmpeg threads running)
        # while the interpreter exits, the process aborted ("terminate called
        # without an active exception") on Ctrl-C.
        self.capture.join(timeout=5.0)
        self._record(
            "session_end",
            interrupted=self._signals.signum is not None,
            signal=self._signals.name,
            error=repr(self._crash) if self._crash is not None else None,
            latency_ms_median=round(float(np.median(self.latencies_ms)), 1) if self.latencies_ms else None,
        )
        self.recorder.close_log()
        self.cues.close()
        self.estimator.close()
        self.window.close()


class PersonFrame(NamedTuple):
    """One frame's exerciser (PersonReader.read)."""

    found: bool
    image_xyz: npt.NDArray[np.float32]
    visibility: npt.NDArray[np.float32]
    world_xyz: npt.NDArray[np.float32]
    face_deg: npt.NDArray[np.float32] | None
    head_dir_deg: float | None


class PersonReader:
    """The exerciser's landmarks in each frame, as `extract` reads them: the
    person followed (io/follow.py) and, where an exercise reads them, the
    face mesh on their face (io/face_mesh.py) and their side-on head's
    patch (io/head_patch.py)."""

    def __init__(self, finder: ExerciserFinder, reads: HeadReads, mirrored: bool) -> None:
        self.finder = finder
        self.face = FaceMeshReader() if reads.face else None
        self.head = HeadPatchTracker() if reads.profile else None
        self.mirrored = mirrored

    def read(self, detected: Detected) -> PersonFrame:
        """The person in the frame, NaN when none; unmirrored when the
        picture is mirrored (as LandmarkTrack.mirrored)."""
        person = self.finder.choose(detected.frame.t_s, detected.rgb, detected.candidates)
        img, vis, world = frame_landmarks(person)
        # float32, as a track stores them: live and offline read the same numbers.
        face = None if self.face is None else self.face.angles_deg(detected.rgb, img, vis).astype(np.float32)
        head = None if self.head is None else np.float32(self.head.direction_deg(detected.rgb, img, vis))
        if self.mirrored:
            img, vis, world = mirror_landmarks(img, vis, world)
            face = None if face is None else face * MIRROR_SIGNS
            head = None if head is None else mirrored_direction_deg(np.array([head]))[0]
        return PersonFrame(person is not None, img, vis, world, face, None if head is None else float(head))


def steps_for(exercise: Exercise | None, routine: Routine | None) -> list[tuple[Exercise, RoutineStep | None]]:
    """The exercises to run, with the routine's prescription applied."""
    if routine is not None:
        return [(step_exercise(s), s) for s in routine.steps]
    assert exercise is not None
    return [(exercise, None)]
