"""One exercise, frame by frame: smoothing -> metrics -> engine and safety.

The single code path behind both the live trainer and the video analysis
(`analysis.analyze_track` feeds a recorded track through it), so the two
give the same reps, holds and warnings frame for frame. Pure: numpy and the
stdlib only; no camera, model or cv2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from posecheck import events as ev
from posecheck.engine import ExerciseEngine
from posecheck.events import Event, HoldRecord, RepRecord, WarningRecord
from posecheck.landmarks import SIDED_NAMES, landmark_index
from posecheck.metrics import Frames, MetricDef, baseline_of, change_from, evaluate_metrics
from posecheck.safety import FatigueMonitor, SafetyMonitor
from posecheck.setup_check import check_setup
from posecheck.smoothing import TrackSmoother
from posecheck.spec import Exercise

# A setup problem lasting this long is recorded in the warnings.
SETUP_NOTE_AFTER_S = 3.0

PAIN_MESSAGE = "Stopped for pain. Rest, and if it persists, see your physiotherapist or doctor."


@dataclass(frozen=True)
class FrameState:
    """What the overlay shows on one frame."""

    reps: int
    reps_by_side: dict[str, int]
    partial_reps: int
    holding: bool
    hold_elapsed_s: float
    phase: str
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
            base = name[len("mid_"):]
            groups.append((landmark_index("left_" + base),))
            groups.append((landmark_index("right_" + base),))
        elif name in SIDED_NAMES:
            groups.append((landmark_index("left_" + name), landmark_index("right_" + name)))
        else:
            groups.append((landmark_index(name),))
    return groups


class _Baseline:
    """Streaming start-of-session baseline for `relative` metrics.

    The baseline is the median over the first `calibrate_s` seconds of usable
    frames (from `start_at_s` on: a recording that starts mid-movement can
    name when the person is at rest); until that window is over the metric
    is NaN (nothing counts). Directions in the picture (`segment` metrics)
    are taken round the circle: a shoulder line near pointing left reads 179
    and -179 in turn, which is 2 degrees apart, not 358.
    """

    def __init__(self, calibrate_s: float, start_at_s: float = 0.0) -> None:
        self.calibrate_s = calibrate_s
        self.start_at_s = start_at_s
        self.t0_s: float | None = None
        self._samples: dict[str, list[float]] = {}
        self._directions: set[str] = set()
        self._base: dict[str, float] = {}
        self.ready = False

    def frame(self, t_s: float, usable: bool) -> None:
        """Advance the clock; call once per frame before `adjust`."""
        self._t_s = t_s
        self._usable = usable
        if usable and self.t0_s is None and t_s >= self.start_at_s:
            self.t0_s = t_s
        if not self.ready and self.t0_s is not None and t_s > self.t0_s + self.calibrate_s:
            self.ready = True
            for name, xs in self._samples.items():
                self._base[name] = baseline_of(xs, name in self._directions)

    def adjust(self, m: MetricDef, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if not m.relative:
            return values
        if self.ready:
            return change_from(values, self._base.get(m.name, math.nan), m.is_direction)
        if m.is_direction:
            self._directions.add(m.name)
        samples = self._samples.setdefault(m.name, [])
        if self._usable and self.t0_s is not None:
            samples.append(float(values[0]))
        return np.full_like(values, np.nan)


class ExerciseSession:
    """Runs one exercise on a stream of pose frames."""

    def __init__(self, exercise: Exercise, frame_size: tuple[int, int], smooth: bool = True,
                 calibrate_at_s: float = 0.0) -> None:
        self.ex = exercise
        self.frame_size = frame_size
        self._scale = np.array(frame_size, np.float64)
        self._smoother = TrackSmoother(frame_size) if smooth else None
        self._required = _required_indices(exercise)
        self._baseline = _Baseline(exercise.calibrate_s, calibrate_at_s)
        self.engine = ExerciseEngine(exercise)
        self.safety = SafetyMonitor(exercise.safety)
        self.fatigue = FatigueMonitor(exercise)
        self.last_t_s: float | None = None
        self._setup_warning: WarningRecord | None = None
        self._noted: set[float] = set()

    # --- results so far ------------------------------------------------------------

    @property
    def reps(self) -> list[RepRecord]:
        return self.engine.reps

    @property
    def holds(self) -> list[HoldRecord]:
        return self.engine.holds

    @property
    def partial_reps(self) -> int:
        return self.engine.partial_reps

    @property
    def warnings(self) -> list[WarningRecord]:
        return self.safety.warnings

    # --- per frame -------------------------------------------------------------------

    def _usable(self, image_xyz: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating]) -> bool:
        if np.isnan(image_xyz[0, 0]):
            return False
        vis = np.nan_to_num(visibility, nan=0.0)
        thr = self.ex.min_visibility
        return all(any(vis[i] >= thr for i in group) for group in self._required)

    def update(
        self,
        t_s: float,
        image_xyz: npt.NDArray[np.floating],
        visibility: npt.NDArray[np.floating],
        world_xyz: npt.NDArray[np.floating],
    ) -> FrameUpdate:
        """Feed one frame: (33, 3) normalised image landmarks, (33,)
        visibility, (33, 3) world landmarks; all NaN when nobody is in view."""
        if self._smoother is not None:
            image_xyz, world_xyz = self._smoother.update(t_s, image_xyz, world_xyz)
        usable = self._usable(image_xyz, visibility)
        self._baseline.frame(t_s, usable)
        frames = Frames(
            px=(np.asarray(image_xyz[None, :, :2], np.float64) * self._scale),
            world=np.asarray(world_xyz[None], np.float64),
            visibility=np.asarray(visibility[None], np.float64),
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            arrays = evaluate_metrics(frames, self.ex.metrics, self._baseline.adjust)
        values = {n: float(v[0]) for n, v in arrays.items()}
        events: list[Event] = []
        setup_message = ""
        engine_usable = usable
        if self.engine.state.phase == "setup":
            status = check_setup(self.ex, image_xyz, visibility, self.frame_size)
            setup_message = status.message
            engine_usable = usable and status.ok
            events += self._note_setup(t_s, setup_message)
        engine_values = values
        if usable:
            st = self.engine.state
            exercising = st.phase != "setup" and (self.ex.kind != "hold" or st.holding)
            events += self.safety.update(t_s, values, exercising)
        if not engine_usable:
            engine_values = {n: math.nan for n in values}
        if any(e.kind == ev.WARNING and e.detail.get("severity") == "stop" for e in events):
            events += self.engine.void_excursion()
        new = self.engine.update(t_s, engine_values, engine_usable)
        for e in list(new):
            if e.kind == ev.REP:
                for rule, severity, message in self.fatigue.update(self.engine.reps[-1]):
                    new.append(self.safety.add(t_s, rule, severity, message))
        events += new
        self.last_t_s = t_s
        st = self.engine.state
        state = FrameState(
            reps=st.reps,
            reps_by_side=dict(st.reps_by_side),
            partial_reps=st.partial_reps,
            holding=st.holding,
            hold_elapsed_s=st.hold_elapsed_s,
            phase=st.phase,
            warnings=tuple(w.message for w in self.safety.active()),
            setup_message=setup_message,
        )
        return FrameUpdate(values, usable, state, events, np.asarray(image_xyz, np.float32))

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
                return [Event(t_s, ev.WARNING, None, {"rule": "setup", "severity": "info", "message": message,
                                                      "start_s": w.t_s})]
            return []
        self._setup_warning = WarningRecord(t_s, t_s, "setup", "info", message)
        return []

    def stop_for_pain(self, t_s: float) -> list[Event]:
        """The person stopped for pain: close what is open, record it."""
        return self.finish(t_s) + [self.safety.add(t_s, "pain", "stop", PAIN_MESSAGE)]

    def finish(self, t_s: float | None = None) -> list[Event]:
        """End of the exercise: an open hold ends at its last still moment."""
        end = t_s if t_s is not None else (self.last_t_s or 0.0)
        return self.engine.finish(end)
