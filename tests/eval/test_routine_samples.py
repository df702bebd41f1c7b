"""Every bundled routine, end to end through `posecheck analyze --routine`, on
a recording stitched from its exercises' rendered samples (their landmark
tracks played one after another, each step with its own person and camera).

Each step's report must say what that sample's truth says, under the
routine's prescription: a routine may ask for a different hold than the
sample was rendered with, and then a rep counts for each true hold at least
that long.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from pathlib import Path

import pytest

from posecheck.cli import main
from posecheck.core.track import LandmarkTrack
from posecheck.eval import accuracy
from posecheck.spec import Exercise, load_exercise, load_routine_file, routine_paths, step_exercise

from conftest import SAMPLES, needs_mediapipe


@functools.cache
def _sample_for(exercise_id: str) -> tuple[accuracy.ClipTruth, Path] | None:
    """A sample of the exercise that posecheck scores right on its own, with
    nobody leaving the frame (faults and their warnings are fine)."""
    for truth, video in accuracy.sample_truths(SAMPLES):
        if truth.exercise != exercise_id:
            continue
        if json.loads(video.with_suffix(".truth.json").read_text()).get("absent"):
            continue
        track = LandmarkTrack.load(video.with_suffix(".npz"))
        if accuracy.score(track, load_exercise(exercise_id), truth).passed():
            return truth, video
    return None


def _expected_reps(ex: Exercise, truth: accuracy.ClipTruth, sides: list[str | None]) -> tuple[int, dict | None]:
    """The truth's reps under the step's hold target."""
    if ex.kind != "reps_with_hold" or ex.hold is None or ex.hold.target_s == truth.hold_target_s:
        return truth.reps, truth.reps_by_side
    done = [side for h, side in zip(truth.hold_s, sides, strict=True) if h >= ex.hold.target_s]
    by_side = None
    if truth.reps_by_side is not None:
        by_side = {s: sum(1 for d in done if d == s) for s in ("left", "right")}
    return len(done), by_side


def _picked(routine) -> dict[str, tuple[accuracy.ClipTruth, Path]]:
    picked = {s.exercise: _sample_for(s.exercise) for s in routine.steps}
    missing = sorted(e for e, p in picked.items() if p is None)
    assert not missing, f"{routine.id}: no rendered sample that passes on its own for {missing}"
    return picked  # type: ignore[return-value]


def _check_steps(routine, picked, report: dict) -> None:
    """Each step's report against its sample's truth under the step's
    prescription."""
    assert [s["exercise"] for s in report["steps"]] == [s.exercise for s in routine.steps]
    for step, got in zip(routine.steps, report["steps"], strict=True):
        truth, video = picked[step.exercise]
        raw = json.loads(video.with_suffix(".truth.json").read_text())
        ex = step_exercise(step)
        reps, by_side = _expected_reps(ex, truth, [h.get("side") for h in raw["holds"]])
        where = f"{routine.id} step {got['step']} ({step.exercise}, sample {truth.clip})"
        # The step's report, back on the sample's own clock, scored like the
        # sample alone (counts, holds, warnings caught and justified).
        t0 = got["start_s"]
        step_truth = dataclasses.replace(truth, reps=reps, reps_by_side=by_side)
        scored = accuracy.ClipScore(
            truth=step_truth,
            reps=got["reps"],
            reps_by_side=got["reps_by_side"],
            partial_reps=got["partial_reps"],
            hold_s=[h["duration_s"] for h in got["holds"]],
            warnings=[
                {**w, "t_s": w["t_s"] - t0, "end_s": w["end_s"] - t0, "fired_s": w["fired_s"] - t0}
                for w in got["warnings"]
            ],
            angle_errors={},
        )
        assert scored.passed(), (
            f"{where}: reps {got['reps']} {got['reps_by_side']} vs {reps} {by_side}, "
            f"holds {scored.hold_s} vs {truth.hold_s}, warnings {got['warnings']}"
        )


def _at(start_s: float) -> str:
    """A step start for --steps-at, rounded down to the millisecond: rounded
    up, the previous step would keep the first frame of the next one."""
    return f"{math.floor(start_s * 1000) / 1000:.3f}"


def _analyze_routine(path: Path, routine_id: str, starts: list[float], out: Path, *extra: str) -> dict:
    code = main(
        [
            "analyze",
            str(path),
            "--routine",
            routine_id,
            "--steps-at",
            ",".join(_at(s) for s in starts[1:]),
            "--json",
            str(out),
            "-q",
            *extra,
        ]
    )
    assert code == 0
    return json.loads(out.read_text())


@pytest.mark.parametrize("path", routine_paths(), ids=lambda p: p.stem)
def test_routine_runs_end_to_end_on_its_exercises_samples(path: Path, tmp_path: Path):
    routine = load_routine_file(path)
    picked = _picked(routine)
    parts = []
    for step in routine.steps:
        truth, video = picked[step.exercise]
        track = LandmarkTrack.load(video.with_suffix(".npz"))
        parts.append(track.mirrored() if truth.mirrored else track)
    stitched, starts = LandmarkTrack.played_in_turn(parts)
    stitched.save(tmp_path / f"{routine.id}.npz")
    report = _analyze_routine(tmp_path / f"{routine.id}.npz", routine.id, starts, tmp_path / "report.json")
    _check_steps(routine, picked, report)


@needs_mediapipe
@pytest.mark.model
def test_a_routine_video_stitched_from_sample_videos(tmp_path: Path):
    """The whole path on a video: the cervical routine's sample MP4s written
    one after another into one file (mirrored ones flipped back), then
    `analyze --routine` with the pose model."""
    import cv2

    from posecheck.io.sources.video import VideoReader

    routine = load_routine_file(next(p for p in routine_paths() if p.stem == "cervical_complex"))
    picked = _picked(routine)
    video_path = tmp_path / "cervical_complex.mp4"
    writer = None
    starts, frames = [], 0
    try:
        for step in routine.steps:
            truth, video = picked[step.exercise]
            starts.append(frames / 15.0)
            for _, _, bgr in VideoReader(video).frames():
                if writer is None:
                    h, w = bgr.shape[:2]
                    writer = cv2.VideoWriter(str(video_path), cv2.VideoWriter_fourcc(*"mp4v"), 15.0, (w, h))
                writer.write(cv2.flip(bgr, 1) if truth.mirrored else bgr)
                frames += 1
    finally:
        if writer is not None:
            writer.release()
    report = _analyze_routine(video_path, routine.id, starts, tmp_path / "report.json")
    _check_steps(routine, picked, report)
