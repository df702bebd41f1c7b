"""One exercise, frame by frame: smoothing -> metrics -> engine and safety.

The single code path behind both the live trainer and the video analysis
(`analysis.analyze_track` feeds a recorded track through it), so the two
give the same reps, holds and warnings frame for frame. Pure: numpy and the
stdlib only; no camera, model or cv2.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from posecheck.core.baseline import StreamingBaseline
from posecheck.core.collapsed import without_collapsed
from posecheck.core.cuts import CutDetector
from posecheck.core.engine import ExerciseEngine
from posecheck.core.events import Event, EventKind, HoldRecord, Phase, RepRecord, Severity, WarningRecord, warning_event
from posecheck.core.fatigue import FatigueMonitor
from posecheck.core.framing import FramingTally
from posecheck.core.head_pose import StreamingGaps
from posecheck.core.hold_position import HoldPositionTally
from posecheck.core.landmarks import SIDED_NAMES, Frames, landmark_index
from posecheck.core.leg_swap import LegSwapRepair
from posecheck.core.level import check_roll
from posecheck.core.metrics import evaluate_metrics, metric_broadside, metric_seen
from posecheck.core.position_watch import PositionWatch
from posecheck.core.replay import SessionReplay, counts, new_counts, recount_notes, takes_nothing_back
from posecheck.core.safety import SafetyMonitor
from posecheck.core.setup_check import check_setup
from posecheck.core.smoothing import TrackSmoother
from posecheck.core.view_choice import LiveViewChoice
from posecheck.spec import Exercise

# A setup problem lasting this long is recorded in the warnings.
SETUP_NOTE_AFTER_S = 3.0

# Live, before the person's rest position is known (baseline.py).
HOLD_STILL_MESSAGE = "Hold still a moment in the start position."

PAIN_MESSAGE = "Stopped for pain. Rest, and if it persists, see your physiotherapist or doctor."


@dataclass(frozen=True)
class FrameState:
    """What the overlay shows on one frame."""

    reps: int
    reps_by_side: dict[str, int]
    partial_reps: int
    holding: bool
    hold_elapsed_s: float
    phase: Phase
    warnings: tuple[str, ...]
    setup_message: str = ""


@dataclass
class FrameUpdate:
    """The result of one frame.

    Attributes:
        values: metric name -> value (NaN where unknown).
        usable: a person was found and the required landmarks seen well.
        state: the counters and timers to show.
        events: what happened on this frame.
        image_xyz: (33, 3) smoothed landmarks (normalised), NaN if none.
    """

    values: dict[str, float]
    usable: bool
    state: FrameState
    events: list[Event]
    image_xyz: npt.NDArray[np.float32]


def _required_indices(exercise: Exercise) -> list[tuple[int, ...]]:
    """Per required name, the landmark indices of which at least one (a
    side-free name: either side) or all (mid_*) must be seen."""
    groups: list[tuple[int, ...]] = []
    for name in exercise.required:
        if name.startswith("mid_"):
            base = name[len("mid_") :]
            groups.append((landmark_index("left_" + base),))
            groups.append((landmark_index("right_" + base),))
        elif name in SIDED_NAMES:
            groups.append((landmark_index("left_" + name), landmark_index("right_" + name)))
        else:
            groups.append((landmark_index(name),))
    return groups


def usable_mask(
    exercise: Exercise, image_xyz: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating]
) -> npt.NDArray[np.bool_]:
    """(T,) frames with a person whose required landmarks are seen at
    `min_visibility` (of a side-free name, either side; of mid_*, both)."""
    return _usable_rows(_required_indices(exercise), exercise.min_visibility, image_xyz, visibility)


def _usable_rows(
    required: list[tuple[int, ...]],
    min_visibility: float,
    image_xyz: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating],
) -> npt.NDArray[np.bool_]:
    vis = np.nan_to_num(np.asarray(visibility, np.float64), nan=0.0)
    ok = ~np.isnan(np.asarray(image_xyz)[:, 0, 0])
    for group in required:
        ok &= (vis[:, list(group)] >= min_visibility).any(axis=1)
    return ok


class LandmarkCleaner:
    """One frame's landmarks as the metrics should read them: shoulders or
    ears the model drew together made unknown (collapsed.py), legs the model
    swapped put back (leg_swap.py), then smoothed (smoothing.py; `smooth`
    off for tracks already smooth), both starting afresh at a cut
    (cuts.py). The session and the offline rest pass share it, so both read
    the same landmarks."""

    def __init__(self, frame_size: tuple[int, int], smooth: bool) -> None:
        self.frame_size = frame_size
        self._cuts = CutDetector()
        self._legs = LegSwapRepair()
        self._smoother = TrackSmoother(frame_size) if smooth else None

    def update(
        self,
        t_s: float,
        image_xyz: npt.NDArray[np.floating],
        visibility: npt.NDArray[np.floating],
        world_xyz: npt.NDArray[np.floating],
    ) -> tuple[npt.NDArray[np.floating], npt.NDArray[np.floating], npt.NDArray[np.floating], bool]:
        """(image, visibility, world, whether this frame is a cut or the
        legs' labels jumped back to the model's)."""
        image_xyz, visibility, world_xyz = without_collapsed(image_xyz, visibility, world_xyz)
        cut = self._cuts.update(image_xyz, visibility, self.frame_size)
        if cut:
            self._legs.reset()
            if self._smoother is not None:
                self._smoother.reset()
        image_xyz, visibility, world_xyz = self._legs.update(t_s, image_xyz, visibility, world_xyz, self.frame_size)
        if self._legs.gave_up:
            # The legs' labels jumped back to the model's: as at a cut, the
            # smoothing does not drag them across and no speed is read.
            cut = True
            if self._smoother is not None:
                self._smoother.reset()
        if self._smoother is not None:
            image_xyz, world_xyz = self._smoother.update(t_s, image_xyz, world_xyz)
        return image_xyz, visibility, world_xyz, cut


def _judged_values(
    ex: Exercise, frames: Frames, values: dict[str, float], rest_moved: bool
) -> tuple[dict[str, float], dict[str, float]]:
    """(the values the safety rules judge, the values the speed rules time).
    Judged: NaN where a metric a rule reads rests on a landmark the model
    barely sees (metrics.metric_seen). Timed: also NaN where a limb it reads
    is foreshortened, so its speed in the picture is not the body's
    (metrics.metric_broadside), and every metric on the frame the rest was
    corrected (live: relative readings step, read as a jerk: "Slow down" as
    a rest moved 28 deg; an unknown frame restarts the speed's history)."""
    defs = {m.name: m for m in ex.metrics}
    seen = dict(values)
    for name in {n for r in ex.safety for n in r.metrics}:
        if name in defs and not metric_seen(frames, defs[name], defs, ex.min_visibility)[0]:
            seen[name] = math.nan
    timed = dict(seen)
    for name in {n for r in ex.safety if r.kind == "speed" for n in r.metrics}:
        if name in defs and not metric_broadside(frames, defs[name], defs)[0]:
            timed[name] = math.nan
    if rest_moved:
        timed = dict.fromkeys(timed, math.nan)
    return seen, timed


class ExerciseSession:
    """Runs one exercise on a stream of pose frames."""

    def __init__(
        self,
        exercise: Exercise,
        frame_size: tuple[int, int],
        smooth: bool = True,
        calibrate_at_s: float | None = None,
        rest_levels: dict[str, float] | None = None,
        view: str | None = None,
        camera_roll_deg: float | None = None,
    ) -> None:
        """
        Args:
            calibrate_at_s: the person is at rest from this time: `relative`
                metrics' baseline is their median over the next
                `calibrate_s` (the user's override).
            rest_levels: the rest of each relative metric, known in advance
                (offline: from the whole recording, baseline.py); without it
                and without `calibrate_at_s`, the rest is found as the frames
                come (the person still for `calibrate_s`).
            view: measure in this view of the exercise (offline: the view
                the recording shows); None chooses it from what the camera
                sees until counting starts (live).
            camera_roll_deg: the camera's roll (core/level.py): the metrics
                read the landmarks turned back to level.
        """
        self.root = exercise
        self.frame_size = frame_size
        self._scale = np.array(frame_size, np.float64)
        check_roll(camera_roll_deg)
        self.camera_roll_deg = camera_roll_deg
        self._cleaner = LandmarkCleaner(frame_size, smooth)
        self._views = (view,) if view is not None else exercise.supported_views
        self._view_choice = LiveViewChoice(self._views, frame_size)
        self._position = PositionWatch(frame_size)
        self._calibrate_at_s = calibrate_at_s
        self._rest_levels = rest_levels
        self.last_t_s: float | None = None
        self._setup_warning: WarningRecord | None = None
        self._noted: set[float] = set()
        # Every setup message and when it was first given: if counting never
        # starts, the report says what was asked for most (`finish`).
        self._setup_asked: Counter[str] = Counter()
        self._setup_first_s: dict[str, float] = {}
        self._face, self._head_dir = StreamingGaps(), StreamingGaps()
        self._use(exercise.for_view(view or exercise.camera_view), [])

    def _use(self, exercise: Exercise, warnings: list[WarningRecord]) -> None:
        """Measure with this view's definition from now on (only before
        counting starts: nothing counted is lost)."""
        self.ex = exercise
        self._required = _required_indices(exercise)
        self.baseline = StreamingBaseline(exercise, fixed=self._rest_levels, start_at_s=self._calibrate_at_s)
        self.engine = ExerciseEngine(exercise)
        self._replay = SessionReplay()
        self.safety = SafetyMonitor(exercise.safety)
        self.safety.warnings.extend(warnings)
        self.fatigue = FatigueMonitor(exercise)
        self._framing = FramingTally(exercise)
        self._hold_position = HoldPositionTally(exercise)
        # The results so far: the engine's and the safety monitor's own
        # lists, re-pointed here whenever they are made anew.
        self.reps: list[RepRecord] = self.engine.reps
        self.holds: list[HoldRecord] = self.engine.holds
        self.warnings: list[WarningRecord] = self.safety.warnings

    def level_by(self, roll_deg: float) -> bool:
        """Read the landmarks turned back by the camera's roll from now on,
        if counting has not started (the rest found so far was read with
        the old roll, so it is found again). Returns whether it was taken."""
        if self.engine.state.phase != Phase.SETUP:
            return False
        check_roll(roll_deg)
        self.camera_roll_deg = roll_deg
        self._use(self.ex, self.safety.warnings)
        return True

    @property
    def view(self) -> str:
        """The view measured in."""
        return self.ex.camera_view

    @property
    def partial_reps(self) -> int:
        """Partial reps so far."""
        return self.engine.partial_reps

    # --- per frame -------------------------------------------------------------------

    def _usable(self, image_xyz: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating]) -> bool:
        """One frame of `usable_mask`, without the arrays (the per-frame path)."""
        if np.isnan(image_xyz[0, 0]):
            return False
        thr = self.ex.min_visibility
        return all(any(visibility[i] >= thr for i in group) for group in self._required)

    def update(
        self,
        t_s: float,
        image_xyz: npt.NDArray[np.floating],
        visibility: npt.NDArray[np.floating],
        world_xyz: npt.NDArray[np.floating],
        face_deg: npt.NDArray[np.floating] | None = None,
        head_dir_deg: float | None = None,
    ) -> FrameUpdate:
        """Feed one frame: (33, 3) normalised image landmarks, (33,)
        visibility, (33, 3) world landmarks; all NaN when nobody is in view;
        (3,) the face mesh's head angles (core/head_pose.py), and a side-on
        head's line direction from its pixels (core/head_profile.py), if read."""
        image_xyz, visibility, world_xyz, cut = self._cleaner.update(t_s, image_xyz, visibility, world_xyz)
        if cut:
            self.safety.cut(t_s)
        counted, phase = bool(self.reps or self.holds or self.partial_reps), self.engine.state.phase
        facing, view = self._view_choice.update(
            t_s, image_xyz, visibility, world_xyz, self.ex.camera_view, phase, counted
        )
        if view != self.ex.camera_view:
            self._use(self.root.for_view(view), self.safety.warnings)
        usable = self._usable(image_xyz, visibility)
        self.baseline.frame(t_s, usable)
        waiting = self.baseline.waiting
        frames = Frames.levelled(
            np.asarray(image_xyz[None, :, :2], np.float64) * self._scale,
            np.asarray(world_xyz[None], np.float64),
            np.asarray(visibility[None], np.float64),
            self.frame_size,
            self.camera_roll_deg,
            *self._face.frame(t_s, face_deg),
            *self._head_dir.frame(t_s, head_dir_deg),
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            arrays = evaluate_metrics(frames, self.ex.metrics, self.baseline.adjust)
        values = {n: float(v[0]) for n, v in arrays.items()}
        if not np.isnan(image_xyz[0, 0]) and not self.baseline.waiting:
            # (While the rest is still being found, relative metrics are
            # unknown for that reason alone.)
            self._framing.update(t_s, frames, values)
        events: list[Event] = []
        setup_message = ""
        engine_usable = usable
        if self.engine.state.phase == Phase.SETUP:
            status = check_setup(self.ex, image_xyz, visibility, self.frame_size, facing, self._views)
            setup_message = status.message
            engine_usable = usable and status.ok
            events += self._note_setup(t_s, setup_message)
            if setup_message:
                self._setup_asked[setup_message] += 1
                self._setup_first_s.setdefault(setup_message, t_s)
        else:
            # Counting paused out of the exercise's position (noted as setup is).
            setup_message = self._position.update(t_s, self.ex, image_xyz, visibility, world_xyz, phase)
            events += self._note_setup(t_s, setup_message)
            if setup_message:
                events += self.engine.pause_for_position()
        paused = bool(setup_message) and self.engine.state.phase != Phase.SETUP
        if usable and not setup_message and self.baseline.waiting:
            setup_message = HOLD_STILL_MESSAGE
        engine_values = values
        if usable:
            st = self.engine.state
            exercising = st.phase != Phase.SETUP and not paused and (self.ex.kind != "hold" or st.holding)
            if st.phase != Phase.SETUP and not paused:
                self._hold_position.update(t_s, values)
            seen, timed = _judged_values(self.ex, frames, values, self.baseline.moved)
            events += self.safety.update(t_s, seen, exercising, timed)
        if not engine_usable or paused:
            engine_values = {n: math.nan for n in values}
        stopped = any(e.kind == EventKind.WARNING and e.detail.get("severity") == Severity.STOP for e in events)
        if stopped:
            events += self.engine.void_excursion()
        if not self.baseline.fixed and self._calibrate_at_s is None:  # (--calibrate-at: the rest is as said)
            self._replay.keep(t_s, frames, engine_usable, paused, stopped, cut)
        recount = ((waiting and not self.baseline.waiting) or self.baseline.moved) and self._replay.complete
        recounted = self._recount(t_s) if recount else None  # (this frame included)
        if recounted is not None:
            events += recounted
        else:
            new = self.engine.update(t_s, engine_values, engine_usable, cut) + self._drain_notes()
            reps = self.engine.reps[-1:] if any(e.kind == EventKind.REP for e in new) else []
            events += new + [self.safety.add(t_s, *w) for rep in reps for w in self.fatigue.update(rep)]
        self.last_t_s = t_s
        st = self.engine.state
        state = FrameState(
            reps=st.reps,
            reps_by_side=dict(st.reps_by_side),
            partial_reps=st.partial_reps,
            holding=st.holding,
            hold_elapsed_s=st.hold_elapsed_s,
            phase=st.phase,
            warnings=tuple(w.message for w in self.safety.active(t_s)),
            setup_message=setup_message,
        )
        return FrameUpdate(values, usable, state, events, np.asarray(image_xyz, np.float32))

    def _recount(self, t_s: float) -> list[Event] | None:
        """The rest was found or corrected: the session counted again with it
        from its first frame (core/replay.py), unless that takes back
        something counted (None: the old count goes on)."""
        before = counts(self.engine)
        engine, events = self._replay.recount(self.ex, self.baseline.relative)
        if not takes_nothing_back(engine, *before):
            return None
        heard = recount_notes(t_s, events, self.engine.state.holding, engine) + new_counts(events, *before[:2])
        self.engine, self.reps, self.holds = engine, engine.reps, engine.holds
        return heard + [self.safety.add(t_s, *w) for w in self.fatigue.recounted(self.reps)]

    def _note_setup(self, t_s: float, message: str) -> list[Event]:
        """A setup problem that lasts SETUP_NOTE_AFTER_S goes into the
        warnings (rule "setup"), so a report says why nothing was counted."""
        w = self._setup_warning
        if not message:
            self._setup_warning = None
            return []
        if w is not None and w.message == message:
            w.end_s = t_s
            if w.t_s not in self._noted and t_s - w.t_s >= SETUP_NOTE_AFTER_S:
                self._noted.add(w.t_s)
                self.safety.warnings.append(w)
                w.fired_s = t_s
                return [warning_event(t_s, "setup", Severity.INFO, message, w.t_s)]
            return []
        self._setup_warning = WarningRecord(t_s, t_s, "setup", Severity.INFO, message)
        return []

    def _drain_notes(self) -> list[Event]:
        """What the engine saw but could not count, and why, as info
        warnings (rule "not_counted") so the report says it."""
        out = [self.safety.add(t, "not_counted", Severity.INFO, message) for t, message in self.engine.notes]
        self.engine.notes.clear()
        return out

    def stop_for_pain(self, t_s: float) -> list[Event]:
        """The person stopped for pain: close what is open, record it."""
        return self.finish(t_s) + [self.safety.add(t_s, "pain", Severity.STOP, PAIN_MESSAGE)]

    def finish(self, t_s: float | None = None) -> list[Event]:
        """End of the exercise: an open hold ends at its last still moment."""
        end = t_s if t_s is not None else (self.last_t_s or 0.0)
        out = self.engine.finish(end) + self._drain_notes()
        if self.engine.state.phase == Phase.SETUP and self._setup_asked and not self._noted:
            # Counting never started, and no one problem lasted long enough to
            # be noted (the message came and went): the one asked for most.
            message = self._setup_asked.most_common(1)[0][0]
            out.append(self.safety.add(self._setup_first_s[message], "setup", Severity.INFO, message))
        if self.engine.state.phase != Phase.SETUP:  # (never set up: the setup note above says why)
            why = self._framing.note() or (self._hold_position.note() if not self.holds else None)
            out += [self.safety.add(why[0], "not_counted", Severity.INFO, why[1])] if why else []
        return out
