"""Accuracy benchmark: posecheck against known truth, clip by clip.

    python -m posecheck.eval.accuracy [--samples DIR] [--clips DIR] [--extract] [--no-clips]

Two kinds of clips:
- `samples/*.mp4` with `<clip>.truth.json` written by the renderer from its
  motion script (exact reps, holds, unsafe intervals and joint angles), and a
  cached landmark track `<clip>.npz` (made with `--extract` when missing);
- the real videos in `../shared/clips` with the hand labels of labels.tsv,
  mapped to exercises by `samples/real_clips.toml` (tracks are extracted on
  the fly, or cached with `--cache DIR`).

It prints one row per clip (truth, result, error) and the totals: exact-count
rate, off-by-one rate, mean absolute count error, hold-time mean absolute
error, warning precision and recall, and the true-vs-measured angle error per
metric (mean and 95th percentile, degrees).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posecheck.core.analysis import AnalysisResult, analyze_track, frames_of
from posecheck.core.engine import reps_by_side
from posecheck.core.measures import MEASURES
from posecheck.core.metrics import MetricDef, evaluate_metrics
from posecheck.core.track import LandmarkTrack
from posecheck.errors import PosecheckError
from posecheck.eval.truth import ClipTruth, real_clip_truths, sample_truths
from posecheck.spec import Exercise, load_exercise, with_prescription

ROOT = Path(__file__).resolve().parents[2]
# An unsafe interval is caught if its rule warned from its start to this long
# after its end; a warning is right if given within this long of such an interval.
WARNING_MATCH_S = 1.0
# The truth's unsafe-interval names -> posecheck's rule ids.
TRUTH_RULES = {"jerk": "sudden_movement"}


@dataclass
class ClipScore:
    """One clip's truth against its result."""

    truth: ClipTruth
    reps: int
    reps_by_side: dict[str, int] | None
    partial_reps: int
    hold_s: list[float]
    warnings: list[dict[str, Any]]
    angle_errors: dict[str, np.ndarray]
    # Reps with a form fault. No rendered clip scripts one, so on
    # the samples every one is wrong (a cue on every correct rep teaches
    # people to ignore cues); real clips' labels do not say.
    form_faults: int = 0

    @property
    def count_error(self) -> int:
        return self.reps - self.truth.reps

    @property
    def hold_errors(self) -> list[float]:
        """Per true hold, |measured - true| seconds (missing holds count as
        their whole length)."""
        got = list(self.hold_s)
        errs = []
        for i, h in enumerate(self.truth.hold_s):
            errs.append(abs(got[i] - h) if i < len(got) else h)
        return errs

    def caught(self, u: dict[str, Any]) -> bool:
        """The unsafe interval was warned by its rule, within WARNING_MATCH_S."""
        rule = TRUTH_RULES.get(u["rule"], u["rule"])
        return any(
            w["rule"] == rule and u["start_s"] - 0.05 <= w["fired_s"] <= u["end_s"] + WARNING_MATCH_S
            for w in self.warnings
        )

    def justified(self, w: dict[str, Any]) -> bool:
        """The warning matches an unsafe interval of its rule."""
        return any(
            w["rule"] == TRUTH_RULES.get(u["rule"], u["rule"])
            and u["start_s"] - WARNING_MATCH_S <= w["fired_s"] <= u["end_s"] + WARNING_MATCH_S
            for u in self.truth.unsafe
        )

    @property
    def warning_hits(self) -> tuple[int, int, int, int]:
        """(justified warnings, warnings given, caught intervals, unsafe intervals)."""
        return (
            sum(self.justified(w) for w in self.warnings),
            len(self.warnings),
            sum(self.caught(u) for u in self.truth.unsafe),
            len(self.truth.unsafe),
        )

    def passed(self) -> bool:
        """Counts (and per side) right within tolerance, holds within
        tolerance, every unsafe interval caught and no unjustified warning."""
        if any(not self.caught(u) for u in self.truth.unsafe):
            return False
        if self.truth.check_warnings and any(not self.justified(w) for w in self.warnings):
            return False
        if abs(self.count_error) > self.truth.count_tolerance:
            return False
        if (
            self.truth.count_tolerance == 0
            and self.truth.reps_by_side is not None
            and self.reps_by_side != self.truth.reps_by_side
        ):
            return False
        if not self.truth.check_holds:
            return True
        if len(self.hold_s) != len(self.truth.hold_s):
            return False
        return all(e <= self.truth.hold_tolerance_s for e in self.hold_errors)


# The view each built-in measure is made for: a head tilt seen from the side,
# or a head pitch seen from the front, is not that measure's job.
MEASURE_VIEWS = {
    "head_tilt_deg": ("front",),
    "head_turn_deg": ("front",),
    "trunk_side_bend_deg": ("front",),
    "head_pitch_deg": ("side", "side_right"),
    "head_pitch_shoulders_deg": ("side", "side_right"),
    "head_pitch_front_deg": ("front",),
}
# Measures of the same angle as a rendered channel of another name.
TRUTH_CHANNEL = {"head_pitch_shoulders_deg": "head_pitch_deg", "head_pitch_front_deg": "head_pitch_deg"}
# A camera looking down steeper than this sees the body from above: no
# built-in measure is made for that (a head pitch of a person on hands and
# knees seen from 55-70 deg up read up to 80 deg off).
STEEPEST_VIEW_DEG = 30.0
# Rendered channels that change what a measure sees without being the
# measured angle: a rolling or pitching body, a lower-neck bend under the head.
CONFOUNDING = {
    "head_pitch_deg": ("body_pitch_deg", "body_roll_deg", "lower_neck_flexion_deg"),
    "head_tilt_deg": ("body_pitch_deg", "body_roll_deg"),
    "head_turn_deg": ("body_pitch_deg", "body_roll_deg", "body_yaw_deg"),
    "trunk_side_bend_deg": ("body_pitch_deg", "body_roll_deg"),
}


def _comparable(name: str, truth: ClipTruth) -> bool:
    """The clip shows this measure the way it is made to be read: its view,
    not from above, and no confounding channel changing during the clip."""
    if truth.view and truth.view not in MEASURE_VIEWS.get(name, (truth.view,)):
        return False
    if truth.elevation_deg > STEEPEST_VIEW_DEG:
        return False
    for other in CONFOUNDING.get(TRUTH_CHANNEL.get(name, name), ()):
        values = np.asarray(truth.angles.get(other, [0.0]), float)
        if values.size and np.ptp(values) > 1e-6:
            return False
    return True


def _truth_angle_errors(track: LandmarkTrack, result: AnalysisResult, truth: ClipTruth) -> dict[str, np.ndarray]:
    """Measured minus true angle, per built-in measure the truth gives, on
    clips that show it as it is made to be read (`_comparable`)."""
    names = [n for n in MEASURES if TRUTH_CHANNEL.get(n, n) in truth.angles and _comparable(n, truth)]
    if not names:
        return {}
    defs = tuple(MetricDef(name=n, measure=n) for n in names)
    with np.errstate(invalid="ignore", divide="ignore"):
        got = evaluate_metrics(frames_of(result.track), defs)
    out = {}
    for n in names:
        true = np.asarray(truth.angles[TRUTH_CHANNEL.get(n, n)], float)
        k = min(len(true), len(got[n]))
        moving = np.abs(true[:k]) > 1e-6
        # Only channels the clip moves say anything about accuracy.
        if moving.any():
            err = got[n][:k] - true[:k]
            out[n] = err[~np.isnan(err)]
            # As the exercises use head measures: relative to the person at
            # rest (their own offset removed: camera angle, body, lying).
            rest = ~moving & ~np.isnan(err)
            if rest.any():
                out[n + " (relative)"] = out[n] - float(np.median(err[rest]))
    return out


def subsampled(track: LandmarkTrack, stride: int) -> LandmarkTrack:
    """Every stride-th frame, as `analyze --stride` would have extracted."""
    if stride == 1:
        return track
    return track.select(slice(None, None, stride)).replace(fps=track.fps / stride)


def score(
    track: LandmarkTrack, exercise: Exercise, truth: ClipTruth, stride: int = 1, calibrate_at_s: float | None = None
) -> ClipScore:
    """Analyse one track (every stride-th frame) and compare it with its truth."""
    track = subsampled(track, stride)
    if truth.mirrored:
        track = track.mirrored()
    result = analyze_track(track, exercise, calibrate_at_s=calibrate_at_s)
    return ClipScore(
        truth=truth,
        reps=len(result.reps),
        reps_by_side=reps_by_side(exercise, result.reps),
        partial_reps=result.partial_reps,
        hold_s=[h.duration_s for h in result.holds],
        # Info notes (setup hints, why something was not counted) are not
        # alarms: only caution and stop warnings are judged.
        warnings=[
            {"t_s": w.t_s, "end_s": w.end_s, "rule": w.rule, "fired_s": w.fired_s}
            for w in result.warnings
            if w.severity != "info"
        ],
        angle_errors=_truth_angle_errors(track, result, truth),
        form_faults=sum(1 for r in result.reps if r.faults),
    )


def _track_for(video: Path, cache: Path | None, extract: bool) -> LandmarkTrack:
    cached = (cache / (video.stem + ".npz")) if cache else video.with_suffix(".npz")
    if cached.is_file():
        return LandmarkTrack.load(cached)
    if not extract:
        raise PosecheckError(f"{cached}: no cached track (run with --extract)")
    from posecheck.io.extract import extract_track
    from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator

    with MediaPipePoseEstimator() as est:
        track = extract_track(video, est)
    cached.parent.mkdir(parents=True, exist_ok=True)
    track.save(cached)
    return track


def run_samples(samples: Path, extract: bool, stride: int = 1) -> list[ClipScore]:
    """Score every rendered sample (without --extract, those with a cached
    track; the others are named on stderr)."""
    out = []
    for t, video in sample_truths(samples):
        if not extract and not video.with_suffix(".npz").is_file():
            print(f"skipped {t.clip}: no cached track (run with --extract)", file=sys.stderr)
            continue
        out.append(score(_track_for(video, None, extract), load_exercise(t.exercise), t, stride))
    return out


def run_real_clips(clips: Path, mapping: Path, cache: Path | None, stride: int = 1) -> list[ClipScore]:
    """Score every mapped real clip (extracting tracks as needed)."""
    return run_real_clips_subset(real_clip_truths(clips, mapping), cache, stride)


def run_real_clips_subset(
    cases: list[tuple[ClipTruth, Path, dict[str, Any]]], cache: Path | None, stride: int = 1
) -> list[ClipScore]:
    """Score the given real clips (from `real_clip_truths`)."""
    return [
        score(
            _track_for(video, cache, True),
            with_prescription(load_exercise(t.exercise), hold_s=opts.get("hold_s")),
            t,
            stride,
            opts.get("calibrate_at_s"),
        )
        for t, video, opts in cases
    ]


def _fmt_side(d: dict[str, int] | None) -> str:
    return "" if d is None else f"L{d['left']}/R{d['right']}"


def print_table(title: str, scores: list[ClipScore], out: Any = sys.stdout) -> None:
    """One row per clip, then the totals."""
    print(f"\n## {title}\n", file=out)
    print(
        "| clip | exercise | reps truth | reps got | error | sides truth | sides got | holds truth (s) | holds got (s) | ok |",
        file=out,
    )
    print("|---|---|---|---|---|---|---|---|---|---|", file=out)
    for s in scores:
        t = s.truth
        print(
            f"| {t.clip} | {t.exercise} | {t.reps} | {s.reps} | {s.count_error:+d} | "
            f"{_fmt_side(t.reps_by_side)} | {_fmt_side(s.reps_by_side if t.reps_by_side else None)} | "
            f"{' '.join(f'{h:.1f}' for h in t.hold_s)} | {' '.join(f'{h:.1f}' for h in s.hold_s)} | "
            f"{'yes' if s.passed() else 'NO'} |",
            file=out,
        )
    print(file=out)
    for line in totals(scores):
        print(line, file=out)


def totals(scores: list[ClipScore]) -> list[str]:
    """The summary lines of a table."""
    if not scores:
        return ["no clips"]
    n = len(scores)
    # A clip whose label counts something else (head rolls: count = false)
    # has no count to score.
    counted = [s for s in scores if s.truth.count_tolerance < sys.maxsize]
    errs = [abs(s.count_error) for s in counted] or [0]
    holds = [e for s in scores if s.truth.check_holds for e in s.hold_errors]
    # Precision where the truth says every warning there should be; recall
    # wherever it names an unsafe movement (a real clip of head rolls).
    hits = [s.warning_hits for s in scores if s.truth.check_warnings]
    tp, given = sum(h[0] for h in hits), sum(h[1] for h in hits)
    named = [s.warning_hits for s in scores if s.truth.check_warnings or s.truth.unsafe]
    caught, unsafe = sum(h[2] for h in named), sum(h[3] for h in named)
    lines = [
        f"- clips: {n}, passed: {sum(s.passed() for s in scores)}",
        (
            f"- exact count: {100 * sum(e == 0 for e in errs) / len(errs):.0f}%, off by one: "
            f"{100 * sum(e == 1 for e in errs) / len(errs):.0f}%, off by more: {sum(e > 1 for e in errs)}, "
            f"count MAE: {np.mean(errs):.2f}" + (f" ({len(counted)} clips counted)" if len(counted) < n else "")
        ),
        f"- hold-time MAE: {np.mean(holds):.2f} s over {len(holds)} holds (max {max(holds):.2f} s)"
        if holds
        else "- holds: none",
        f"- warnings: precision {tp}/{given}, recall {caught}/{unsafe}"
        if unsafe or given
        else "- warnings: none expected, none given",
        f"- form faults: {sum(s.form_faults for s in scores)} reps in {sum(s.form_faults > 0 for s in scores)} clips",
    ]
    rules = sorted(
        {w["rule"] for s in scores for w in s.warnings}
        | {TRUTH_RULES.get(u["rule"], u["rule"]) for s in scores for u in s.truth.unsafe}
    )
    for rule in rules:
        r_tp = sum(s.justified(w) for s in scores for w in s.warnings if w["rule"] == rule)
        r_given = sum(1 for s in scores for w in s.warnings if w["rule"] == rule)
        r_caught = sum(
            s.caught(u) for s in scores for u in s.truth.unsafe if TRUTH_RULES.get(u["rule"], u["rule"]) == rule
        )
        r_unsafe = sum(1 for s in scores for u in s.truth.unsafe if TRUTH_RULES.get(u["rule"], u["rule"]) == rule)
        lines.append(f"  - {rule}: precision {r_tp}/{r_given}, recall {r_caught}/{r_unsafe}")
    by_metric: dict[str, list[np.ndarray]] = {}
    for s in scores:
        for k, v in s.angle_errors.items():
            by_metric.setdefault(k, []).append(v)
    for k, parts in sorted(by_metric.items()):
        e = np.abs(np.concatenate(parts))
        lines.append(
            f"- angle error {k}: mean {np.mean(e):.1f} deg, p95 {np.percentile(e, 95):.1f} deg ({len(parts)} clips)"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m posecheck.eval.accuracy", description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=ROOT / "samples")
    parser.add_argument("--clips", type=Path, default=ROOT.parent / "shared" / "clips")
    parser.add_argument("--extract", action="store_true", help="extract missing sample tracks with MediaPipe")
    parser.add_argument("--cache", type=Path, help="keep the real clips' tracks here")
    parser.add_argument("--no-clips", action="store_true", help="skip ../shared/clips")
    parser.add_argument("--stride", type=int, default=1, help="score every N-th frame only (what --stride costs)")
    args = parser.parse_args(argv)
    if not args.samples.is_dir():
        print(f"posecheck.eval.accuracy: error: {args.samples}: no such folder (--samples DIR)", file=sys.stderr)
        return 2
    try:
        print_table(f"samples ({args.samples})", run_samples(args.samples, args.extract, args.stride))
        if not args.no_clips and (args.clips / "labels.tsv").is_file():
            mapping = args.samples / "real_clips.toml"
            print_table(f"real clips ({args.clips})", run_real_clips(args.clips, mapping, args.cache, args.stride))
    except PosecheckError as exc:
        print(f"posecheck.eval.accuracy: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
