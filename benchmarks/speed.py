"""Speed of posecheck against bare MediaPipe inference, in one run.

    python benchmarks/speed.py [CLIP] [--exercise ID] [--repeat N]

On the same clip it measures, in frames per second:
- bare inference: the PoseLandmarker on frames already decoded in memory
  (the ceiling on this machine: nothing else to do);
- the full `posecheck analyze` pipeline (decode, inference, smoothing,
  engine, safety, report), without and with the annotated video;
- the engine alone on the recorded track (smoothing, metrics, state machine,
  safety), and how many times real time that is;
- live latency from frame capture to the drawn overlay, the clip played at
  its own pace as a camera would deliver it;
and prints the ratios. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from posecheck.cli import main as cli_main
from posecheck.core.analysis import analyze_track
from posecheck.io.extract import extract_track
from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator
from posecheck.io.sources.video import VideoReader
from posecheck.spec import load_exercise


def bare_inference_fps(clip: Path) -> tuple[float, int]:
    frames = [(t, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)) for _, t, bgr in VideoReader(clip).frames()]
    est = MediaPipePoseEstimator()
    try:
        est.detect(frames[0][1], 0)  # warm-up outside the timing
        t0 = time.perf_counter()
        for t, rgb in frames[1:]:
            est.detect(rgb, int(round(t * 1000)))
        dt = time.perf_counter() - t0
    finally:
        est.close()
    return (len(frames) - 1) / dt, len(frames)


def cli_fps(clip: Path, exercise: str, n_frames: int, annotated: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        args = ["analyze", str(clip), "-e", exercise, "-q", "--json", str(Path(tmp) / "r.json")]
        if annotated:
            args += ["--out", tmp]
        t0 = time.perf_counter()
        code = cli_main(args)
        dt = time.perf_counter() - t0
    if code != 0:
        raise SystemExit(f"analyze failed with {code}")
    return n_frames / dt


def engine_fps(clip: Path, exercise: str) -> tuple[float, float]:
    est = MediaPipePoseEstimator()
    try:
        track = extract_track(clip, est)
    finally:
        est.close()
    ex = load_exercise(exercise)
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        analyze_track(track, ex)
        runs.append(time.perf_counter() - t0)
    dt = statistics.median(runs)
    fps = len(track) / dt
    return fps, fps / track.fps


def live_latency_ms(clip: Path, exercise: str) -> tuple[float, float]:
    """Median and 90th percentile from frame capture to drawn overlay, the
    file played at its own pace with newest-frame-wins, as from a camera."""
    import os

    from posecheck.ui.live import LiveOptions, LiveTrainer, steps_for

    with tempfile.TemporaryDirectory() as home:
        os.environ["POSECHECK_HOME"] = home
        opts = LiveOptions(camera=None, source=clip, headless=True, mute=True, realtime=True)
        trainer = LiveTrainer(steps_for(load_exercise(exercise), None), opts, clip.name)
        trainer.run()
        del os.environ["POSECHECK_HOME"]
    lat = sorted(trainer.latencies_ms)
    return statistics.median(lat), lat[int(0.9 * (len(lat) - 1))]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The longest sample (61 s): fixed costs (model load, warm-up) weigh as
    # little as they do on a real recording.
    p.add_argument("clip", nargs="?", type=Path, default=ROOT / "samples" / "neck_side_tilt_hold_mirrored_far.mp4")
    p.add_argument("--exercise", default="neck_side_tilt_hold")
    p.add_argument("--repeat", type=int, default=3, help="best of N for the model runs")
    a = p.parse_args()
    info = VideoReader(a.clip).info
    print(f"clip: {a.clip.name} {info.width}x{info.height} {info.fps:.1f} fps, {info.frame_count} frames")
    # Interleaved, best of N: this machine's speed drifts by several percent
    # from run to run, and each measure should see the same conditions.
    bare = full = annotated = 0.0
    for _ in range(a.repeat):
        bare = max(bare, bare_inference_fps(a.clip)[0])
        full = max(full, cli_fps(a.clip, a.exercise, info.frame_count, False))
        annotated = max(annotated, cli_fps(a.clip, a.exercise, info.frame_count, True))
    eng, realtime = engine_fps(a.clip, a.exercise)
    lat_med, lat_p90 = live_latency_ms(a.clip, a.exercise)
    print(f"bare MediaPipe inference:        {bare:7.1f} fps (ceiling)")
    print(f"posecheck analyze:               {full:7.1f} fps = {100 * full / bare:5.1f}% of bare inference")
    print(f"posecheck analyze + annotated:   {annotated:7.1f} fps = {100 * annotated / bare:5.1f}% of bare inference")
    print(
        f"engine alone on the track:       {eng:7.0f} fps = {realtime:5.0f}x real time at {info.fps:.0f} fps, "
        f"{eng / 30:.0f}x at 30 fps"
    )
    print(
        f"live latency, capture to overlay: median {lat_med:.0f} ms, 90th percentile {lat_p90:.0f} ms "
        f"(= {lat_med / (1000 / bare):.2f} x one bare inference)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
