"""From a landmark track to counted reps, timed holds and warnings.

The pure middle of posecheck: smoothing -> metrics -> engine and safety.
It reads a `LandmarkTrack` and an `Exercise` and needs no camera, model or
cv2. Metrics are computed for the whole track at once (vectorised); the
engine and safety monitors then step frame by frame exactly as they do live.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from posecheck.engine import ExerciseEngine
from posecheck.events import Event, HoldRecord, RepRecord, WarningRecord
from posecheck.metrics import Frames, MetricDef, evaluate_metrics, is_valid_landmark_name
from posecheck.landmarks import SIDED_NAMES, landmark_index
from posecheck import events as ev
from posecheck.safety import FatigueMonitor, SafetyMonitor
from posecheck.smoothing import smooth_track
from posecheck.spec import Exercise
from posecheck.track import LandmarkTrack


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


@dataclass
class AnalysisResult:
    """Everything the report, CSV and annotated video are made from."""

    exercise: Exercise
    track: LandmarkTrack
    metrics: dict[str, npt.NDArray[np.float64]]
    usable: npt.NDArray[np.bool_]
    reps: list[RepRecord]
    holds: list[HoldRecord]
    partial_reps: int
    warnings: list[WarningRecord]
    events: list[Event]
    frame_states: list[FrameState] = field(default_factory=list)


def frames_of(track: LandmarkTrack) -> Frames:
    """The arrays metrics read, from a track."""
    return Frames(
        px=track.pixels(),
        world=track.world_xyz.astype(np.float64),
        visibility=track.visibility.astype(np.float64),
    )


def usable_mask(track: LandmarkTrack, exercise: Exercise) -> npt.NDArray[np.bool_]:
    """(T,) frames where a person was found and the exercise's required
    landmarks are seen well enough. A side-free name ("knee") is satisfied by
    either side, as a side view hides the far one."""
    vis = np.nan_to_num(track.visibility, nan=0.0)
    ok = track.has_pose.copy()
    thr = exercise.min_visibility
    for name in exercise.required:
        assert is_valid_landmark_name(name)
        if name.startswith("mid_"):
            base = name[len("mid_"):]
            ok &= (vis[:, landmark_index("left_" + base)] >= thr) & (
                vis[:, landmark_index("right_" + base)] >= thr
            )
        elif name in SIDED_NAMES:
            ok &= (vis[:, landmark_index("left_" + name)] >= thr) | (
                vis[:, landmark_index("right_" + name)] >= thr
            )
        else:
            ok &= vis[:, landmark_index(name)] >= thr
    return ok


def baseline_adjuster(
    t_s: npt.NDArray[np.float64],
    usable: npt.NDArray[np.bool_],
    exercise: Exercise,
) -> Callable[[MetricDef, npt.NDArray[np.float64]], npt.NDArray[np.float64]]:
    """Makes `relative` metrics relative to how the person started.

    The baseline is the median over the first `calibrate_s` seconds of usable
    frames; until that window is complete the metric is NaN (nothing counts),
    which is also all the live trainer can know at that moment.
    """
    idx = np.flatnonzero(usable)
    if len(idx):
        t0 = t_s[idx[0]]
        window = idx[t_s[idx] <= t0 + exercise.calibrate_s]
        ready = t_s > t0 + exercise.calibrate_s
    else:
        window = idx
        ready = np.zeros(len(t_s), bool)

    def adjust(m: MetricDef, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if not m.relative:
            return values
        base = np.nanmedian(values[window]) if window.size else np.nan
        return np.where(ready, values - base, np.nan)

    return adjust


PAIN_MESSAGE = "Stopped for pain. Rest, and if it persists, see your physiotherapist or doctor."


def analyze_track(
    track: LandmarkTrack, exercise: Exercise, smooth: bool = True, pain_at_s: float | None = None
) -> AnalysisResult:
    """Count reps, time holds and check safety over a whole track.

    Args:
        pain_at_s: the person stopped for pain at this time: the analysis
            ends there and the report carries a "pain" stop warning (the
            live trainer's pain key does the same).
    """
    if pain_at_s is not None:
        keep = track.t_s <= pain_at_s
        track = track.replace(t_s=track.t_s[keep], image_xyz=track.image_xyz[keep],
                              visibility=track.visibility[keep], world_xyz=track.world_xyz[keep])
    if smooth:
        track = smooth_track(track)
    usable = usable_mask(track, exercise)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = evaluate_metrics(
            frames_of(track), exercise.metrics, baseline_adjuster(track.t_s, usable, exercise)
        )
    engine = ExerciseEngine(exercise)
    safety = SafetyMonitor(exercise.safety)
    fatigue = FatigueMonitor(exercise)
    events: list[Event] = []
    states: list[FrameState] = []
    names = list(values)
    table = np.stack([values[n] for n in names], axis=1) if names else np.zeros((len(track), 0))
    for i, t in enumerate(track.t_s.tolist()):
        row = dict(zip(names, table[i].tolist()))
        if usable[i]:
            st = engine.state
            exercising = st.phase != "setup" and (exercise.kind != "hold" or st.holding)
            events += safety.update(t, row, exercising)
        else:
            row = {n: math.nan for n in names}
        new = engine.update(t, row, bool(usable[i]))
        for e in new:
            if e.kind == ev.REP:
                for rule, severity, message in fatigue.update(engine.reps[-1]):
                    new.append(safety.add(t, rule, severity, message))
        events += new
        st = engine.state
        states.append(FrameState(
            reps=st.reps,
            reps_by_side=dict(st.reps_by_side),
            partial_reps=st.partial_reps,
            holding=st.holding,
            hold_elapsed_s=st.hold_elapsed_s,
            phase=st.phase,
            warnings=tuple(w.message for w in safety.active()),
        ))
    if len(track):
        events += engine.finish(float(track.t_s[-1]))
        if pain_at_s is not None:
            events.append(safety.add(min(pain_at_s, float(track.t_s[-1])), "pain", "stop", PAIN_MESSAGE))
    return AnalysisResult(
        exercise=exercise,
        track=track,
        metrics=values,
        usable=usable,
        reps=engine.reps,
        holds=engine.holds,
        partial_reps=engine.partial_reps,
        warnings=safety.warnings,
        events=sorted(events, key=lambda e: e.t_s),
        frame_states=states,
    )
