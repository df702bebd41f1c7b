"""From a landmark track to counted reps, timed holds and warnings.

A recorded track goes frame by frame through the same `ExerciseSession` the
live trainer uses, so a video gives exactly what the live trainer would
have shown. Needs no camera, model or cv2.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from posecheck.core.baseline import recording_rest_levels
from posecheck.core.cuts import edit_cuts, misread_frames
from posecheck.core.events import Event, EventKind, HoldRecord, RepRecord, WarningRecord, warning_event
from posecheck.core.fatigue import PRESCRIPTION_DONE, FatigueMonitor
from posecheck.core.head_pose import face_gaps, read_frames
from posecheck.core.landmarks import Frames
from posecheck.core.session import ExerciseSession, FrameState, LandmarkCleaner, usable_mask
from posecheck.core.track import LandmarkTrack
from posecheck.core.view_choice import frame_votes, shot_segments, view_of, view_segments
from posecheck.spec import Exercise


@dataclass
class AnalysisResult:
    """Everything the report, CSV and annotated video are made from.

    Attributes:
        track: the track as analysed (smoothed landmarks).
        metrics: metric name -> (T,) values.
        usable: (T,) frames with a person whose required landmarks were seen.
        rest_levels: each relative metric's rest, in its own reading before
            the rest is subtracted (what `rest_range` bounds); empty where
            the rest was never found.
    """

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
    rest_levels: dict[str, float] = field(default_factory=dict)


def frames_of(track: LandmarkTrack) -> Frames:
    """The arrays metrics read, from a track."""
    return Frames.levelled(
        track.pixels(),
        track.world_xyz.astype(np.float64),
        track.visibility.astype(np.float64),
        track.frame_size,
        track.camera_roll_deg,
        *_with_gaps(track.t_s, track.face_deg),
        *_with_gaps(track.t_s, track.head_dir_deg),
    )


def _with_gaps(
    t_s: npt.NDArray[np.float64], reading: npt.NDArray[np.float32] | None
) -> tuple[npt.NDArray[np.float64] | None, npt.NDArray[np.bool_] | None]:
    """A reading from the pixels (face_deg, head_dir_deg) and its gaps for
    Frames (head_pose.face_gaps)."""
    if reading is None:
        return None, None
    values = reading.astype(np.float64)
    return values, face_gaps(t_s, read_frames(values))


def _rest_from_recording(track: LandmarkTrack, exercise: Exercise, smooth: bool) -> dict[str, float]:
    """First pass: the rest level of each relative metric, from every frame
    (smoothed as the second pass will see them)."""
    cleaner = LandmarkCleaner(track.frame_size, smooth)
    image, world = np.empty_like(track.image_xyz), np.empty_like(track.world_xyz)
    visibility = np.empty_like(track.visibility)
    for i, t in enumerate(track.t_s.tolist()):
        image[i], visibility[i], world[i], _ = cleaner.update(
            t, track.image_xyz[i], track.visibility[i], track.world_xyz[i]
        )
    frames = frames_of(track.replace(image_xyz=image, world_xyz=world, visibility=visibility))
    usable = usable_mask(exercise, image, visibility)
    return recording_rest_levels(exercise, frames, usable, track.t_s.astype(np.float64))


def _without_misreads(track: LandmarkTrack) -> LandmarkTrack:
    """The track with the frames the model read off the body and back
    (cuts.misread_frames) as frames with nobody in view: nothing counts,
    times or warns on them."""
    bad = misread_frames(track.t_s, track.image_xyz, track.visibility, track.frame_size)
    if not bad.any():
        return track
    changes: dict[str, object] = {}
    for name in ("image_xyz", "world_xyz", "visibility", "face_deg", "head_dir_deg"):
        values = getattr(track, name)
        if values is not None:
            values = values.copy()
            values[bad] = np.nan
            changes[name] = values
    return track.replace(**changes)


def analyze_track(
    track: LandmarkTrack,
    exercise: Exercise,
    smooth: bool = True,
    pain_at_s: float | None = None,
    calibrate_at_s: float | None = None,
    look_ahead: bool = True,
) -> AnalysisResult:
    """Count reps, time holds and check safety over a whole track.

    Args:
        smooth: One Euro smoothing of the landmarks (as live); off only for
            tracks that are already smooth.
        pain_at_s: the person stopped for pain at this time: the analysis
            ends there and the report carries a "pain" stop warning (the
            live trainer's pain key does the same).
        calibrate_at_s: when the person is at rest, for `relative` metrics'
            baseline (the user's override; default: found in the recording).
        look_ahead: find the view and the rest in the whole recording
            first (two passes); False finds them as the frames come, as
            live does.
    """
    if pain_at_s is not None:
        track = track.select(track.t_s <= pain_at_s)
    view = None
    if look_ahead:
        track = _without_misreads(track)
        votes = frame_votes(exercise, track.image_xyz, track.visibility, track.frame_size, track.world_xyz)
        shots = [] if track.shot_start is None else np.flatnonzero(track.shot_start).tolist()
        cuts = sorted({*edit_cuts(track.t_s, track.image_xyz, track.visibility, track.frame_size), *shots})
        parts = (
            shot_segments(view_segments(exercise, track.t_s, votes, cuts), track.t_s, shots)
            if calibrate_at_s is None
            else [(0, len(track))]
        )
        if len(parts) > 1:
            results = [
                _one_view(
                    track.select(slice(a, b)),
                    exercise,
                    view_of(exercise, votes[a:b]),
                    smooth,
                    pain_at_s if b == len(track) else None,
                )
                for a, b in parts
            ]
            return _joined(track, results, smooth)
        view = view_of(exercise, votes)
    return _one_view(track, exercise, view, smooth, pain_at_s, calibrate_at_s)


def _one_view(
    track: LandmarkTrack,
    exercise: Exercise,
    view: str | None,
    smooth: bool,
    pain_at_s: float | None,
    calibrate_at_s: float | None = None,
) -> AnalysisResult:
    """analyze_track on a track of one view: `view` found in the whole
    track (misreads already masked), or None to find it as the frames come,
    as live does."""
    rest = None
    if view is not None:
        measured = exercise.for_view(view)
        if calibrate_at_s is None and any(m.relative for m in measured.metrics):
            rest = _rest_from_recording(track, measured, smooth)
    session = ExerciseSession(
        exercise, track.frame_size, smooth, calibrate_at_s, rest, view, camera_roll_deg=track.camera_roll_deg
    )
    n = len(track)
    rows: list[dict[str, float]] = []
    smoothed = np.full_like(track.image_xyz, np.nan)
    usable = np.zeros(n, bool)
    events: list[Event] = []
    states: list[FrameState] = []
    for i, t in enumerate(track.t_s.tolist()):
        face = None if track.face_deg is None else track.face_deg[i]
        head_dir = None if track.head_dir_deg is None else float(track.head_dir_deg[i])
        u = session.update(t, track.image_xyz[i], track.visibility[i], track.world_xyz[i], face, head_dir)
        rows.append(u.values)
        smoothed[i] = u.image_xyz
        usable[i] = u.usable
        events += u.events
        states.append(u.state)
    if n:
        end_s = float(track.t_s[-1])
        events += session.stop_for_pain(min(pain_at_s, end_s)) if pain_at_s is not None else session.finish(end_s)
    # Live, the view may change before counting starts: the metrics are
    # those of the view measured in, NaN before it was chosen.
    names = [m.name for m in session.ex.metrics]
    return AnalysisResult(
        exercise=session.ex,
        track=track.replace(image_xyz=smoothed) if smooth else track,
        metrics={k: np.array([r.get(k, np.nan) for r in rows], np.float64) for k in names},
        usable=usable,
        reps=session.reps,
        holds=session.holds,
        partial_reps=session.partial_reps,
        warnings=session.warnings,
        events=sorted(events, key=lambda e: e.t_s),
        frame_states=states,
        rest_levels=session.baseline.levels,
    )


def _joined(track: LandmarkTrack, parts: list[AnalysisResult], smooth: bool) -> AnalysisResult:
    """One result from the consecutive parts of `track`, each measured in
    its own view (view_segments): counts, holds, warnings and events of
    every part, per-frame arrays end to end (a metric a part does not
    measure is NaN there); the exercise and rest levels those of the
    longest part, whose view the report names."""
    main = max(parts, key=lambda r: len(r.track))
    names = list(dict.fromkeys(n for r in parts for n in r.metrics))
    reps = [x for r in parts for x in r.reps]
    told = _prescription_told(main.exercise, reps)
    return AnalysisResult(
        exercise=main.exercise,
        track=track.replace(image_xyz=np.concatenate([r.track.image_xyz for r in parts])) if smooth else track,
        metrics={n: np.concatenate([r.metrics.get(n, np.full(len(r.track), np.nan)) for r in parts]) for n in names},
        usable=np.concatenate([r.usable for r in parts]),
        reps=reps,
        holds=[x for r in parts for x in r.holds],
        partial_reps=sum(r.partial_reps for r in parts),
        warnings=sorted(
            [x for r in parts for x in r.warnings if x.rule != PRESCRIPTION_DONE] + [w for w, _ in told],
            key=lambda w: w.t_s,
        ),
        events=sorted(
            [x for r in parts for x in r.events if not _is_prescription(x)] + [e for _, e in told], key=lambda e: e.t_s
        ),
        frame_states=_counted_on([r.frame_states for r in parts], [(len(r.reps), r.partial_reps) for r in parts]),
        rest_levels=main.rest_levels,
    )


def _prescription_told(ex: Exercise, reps: list[RepRecord]) -> list[tuple[WarningRecord, Event]]:
    """ "That is the prescribed number", judged on the reps of every part in
    turn: each part's engine counts its own, and a recording of two shots
    (or views) that reaches the prescription only in total was not told.
    (Fatigue stays per part: a rep's range is its own view's.)"""
    monitor = FatigueMonitor(ex)
    out = []
    for rep in reps:
        for rule, severity, message in monitor.update(rep):
            if rule == PRESCRIPTION_DONE:
                record = WarningRecord(rep.t_s, rep.t_s, rule, severity, message, fired_s=rep.t_s)
                out.append((record, warning_event(rep.t_s, rule, severity, message, rep.t_s)))
    return out


def _is_prescription(e: Event) -> bool:
    return e.kind == EventKind.WARNING and e.detail is not None and e.detail.get("rule") == PRESCRIPTION_DONE


def _counted_on(states: list[list[FrameState]], counts: list[tuple[int, int]]) -> list[FrameState]:
    """The parts' frame states end to end, each part's counts going on from
    the parts before it (the overlay shows the recording's count)."""
    out: list[FrameState] = []
    reps = partials = 0
    sides: dict[str, int] = {}
    for part, (n_reps, n_partials) in zip(states, counts, strict=True):
        for st in part:
            by_side = {k: v + sides.get(k, 0) for k, v in st.reps_by_side.items()}
            out.append(replace(st, reps=st.reps + reps, partial_reps=st.partial_reps + partials, reps_by_side=by_side))
        reps, partials = reps + n_reps, partials + n_partials
        if part:
            sides = {k: v + sides.get(k, 0) for k, v in part[-1].reps_by_side.items()}
    return out
