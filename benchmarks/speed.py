"""Speed of posecheck against bare MediaPipe, measured side by side in one run.

    python benchmarks/speed.py [CLIP] [--exercise ID] [--repeat N]
        [--legacy-python PATH] [--live-clip CLIP] [--batch-exercise ID --batch FILE...]

Each of these runs as a process of its own on the same clip, wall time from
start to exit (imports, model loading and decoding included), in
interleaved rounds, median of N:
- bare legacy MediaPipe: `mp.solutions.pose` of mediapipe 0.10.21
  (bare_legacy.py, in its own venv: benchmarks/requirements-legacy.txt;
  skipped, and said so, when that venv is missing);
- bare Tasks API, one pose, VIDEO mode (bare_tasks.py), posecheck's own
  mediapipe and bundled model;
- `posecheck analyze CLIP --json` and `posecheck analyze CLIP --out DIR`
  (with the annotated MP4).
Then, in this process: the engine alone on the recorded track (smoothing,
metrics, state machine, safety), live latency from frame capture to the
overlay drawn on the frame (a 640x480 clip played at its own pace, newest frame
wins, as from a camera), and a batch with `--jobs 1` and `--jobs 2`.
A ratio is reference time / posecheck time: above 1 posecheck is faster.
Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from posecheck.core.analysis import analyze_track
from posecheck.io.extract import extract_track
from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator
from posecheck.io.sources.video import VideoReader
from posecheck.spec import load_exercise

HERE = Path(__file__).resolve().parent
DEFAULT_CLIP = ROOT.parent / "shared" / "clips" / "squat_side.mp4"
DEFAULT_LIVE_CLIP = ROOT / "samples" / "neck_side_tilt_short_front.mp4"
DEFAULT_LEGACY_PYTHON = ROOT / ".bench-legacy" / "bin" / "python"
DEFAULT_BATCH = [
    ROOT / "samples" / f"neck_side_tilt_hold_{v}.mp4"
    for v in ("front", "faults_front", "circle_front", "head_front", "walkout_front", "mirrored_far")
]


def wall_s(cmd: list[str], cwd: Path = ROOT) -> float:
    """Seconds from starting the process to its exit; it must succeed."""
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=cwd)
    dt = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return dt


def process_runs(
    clip: Path, exercise: str, legacy_python: Path | None, repeat: int, baseline: Path | None
) -> dict[str, list[float]]:
    """Wall seconds of each process, `repeat` interleaved rounds."""
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        cmds = {
            "bare legacy MediaPipe 0.10.21 (solutions.pose)": (
                [str(legacy_python), str(HERE / "bare_legacy.py"), str(clip)] if legacy_python else None
            ),
            "bare Tasks API, one pose, VIDEO mode": [py, str(HERE / "bare_tasks.py"), str(clip)],
            "posecheck analyze": [py, "-m", "posecheck", "analyze", str(clip), "-e", exercise, "-q"]
            + ["--json", str(Path(tmp) / "r.json")],
            "posecheck analyze --out (annotated MP4)": [py, "-m", "posecheck", "analyze", str(clip)]
            + ["-e", exercise, "-q", "--out", str(Path(tmp) / "out")],
        }
        cwds: dict[str, Path] = {}
        if baseline is not None:
            # `python -m posecheck` imports the package from its working folder.
            name = f"posecheck analyze of {baseline}"
            cmds[name] = cmds["posecheck analyze"]
            cwds[name] = baseline.resolve()
        runs: dict[str, list[float]] = {k: [] for k, c in cmds.items() if c}
        for _ in range(repeat):
            for name, cmd in cmds.items():
                if cmd:
                    runs[name].append(wall_s(cmd, cwds.get(name, ROOT)))
    return runs


def engine_fps(clip: Path, exercise: str) -> tuple[float, float, int]:
    """Frames a second of the engine alone on the clip's track, times real time, frames."""
    with MediaPipePoseEstimator() as est:
        track = extract_track(clip, est)
    ex = load_exercise(exercise)
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        analyze_track(track, ex)
        runs.append(time.perf_counter() - t0)
    fps = len(track) / statistics.median(runs)
    return fps, fps / track.fps, len(track)


def live_latency_ms(clip: Path, exercise: str) -> tuple[float, float, int]:
    """Median and 90th percentile from frame capture to the overlay drawn on it,
    the file played at its own pace with newest-frame-wins, as from a
    camera; and how many frames were analysed."""
    from posecheck.ui.live import LiveOptions, LiveTrainer, steps_for

    with tempfile.TemporaryDirectory() as home:
        os.environ["POSECHECK_HOME"] = home
        try:
            opts = LiveOptions(camera=None, source=clip, headless=True, mute=True, realtime=True)
            trainer = LiveTrainer(steps_for(load_exercise(exercise), None), opts, clip.name)
            trainer.run()
        finally:
            del os.environ["POSECHECK_HOME"]
    lat = sorted(trainer.latencies_ms)
    return statistics.median(lat), lat[int(0.9 * (len(lat) - 1))], len(lat)


def batch_s(files: list[Path], exercise: str, jobs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "posecheck", "analyze", *map(str, files), "-e", exercise]
        return wall_s([*cmd, "-q", "--out", str(Path(tmp) / "b"), "--jobs", str(jobs)])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("clip", nargs="?", type=Path, default=DEFAULT_CLIP)
    p.add_argument("--exercise", default="squat")
    p.add_argument("--repeat", type=int, default=3, help="interleaved rounds; the median is reported")
    p.add_argument("--legacy-python", type=Path, default=DEFAULT_LEGACY_PYTHON)
    p.add_argument("--live-clip", type=Path, default=DEFAULT_LIVE_CLIP)
    p.add_argument("--live-exercise", default="neck_side_tilt_hold")
    p.add_argument("--batch", type=Path, nargs="*", default=DEFAULT_BATCH, help="videos for the batch (none: skip)")
    p.add_argument("--batch-exercise", default="neck_side_tilt_hold")
    p.add_argument("--baseline", type=Path, help="another checkout (a git worktree) whose analyze runs alongside")
    a = p.parse_args()
    a.clip = a.clip.resolve()  # the baseline runs in its own folder
    info = VideoReader(a.clip).info
    print(f"clip: {a.clip.name} {info.width}x{info.height} {info.fps:.1f} fps, {info.frame_count} frames")
    legacy = a.legacy_python if a.legacy_python.is_file() else None
    if legacy is None:
        print(f"no legacy venv at {a.legacy_python}: see benchmarks/requirements-legacy.txt")
    runs = process_runs(a.clip, a.exercise, legacy, a.repeat, a.baseline)
    med = {k: statistics.median(v) for k, v in runs.items()}
    refs = [k for k in med if k.startswith("bare")]
    print(f"\nprocess wall time, median of {a.repeat} interleaved (all runs in brackets); ratio = reference / this")
    for name, s in med.items():
        ratios = ", ".join(f"{med[r] / s:.2f} vs {r.split(',')[0].split(' (')[0]}" for r in refs if r != name)
        if a.baseline is not None and name.startswith("posecheck analyze") and "--out" not in name:
            ratios += f", {med[f'posecheck analyze of {a.baseline}'] / s:.2f} vs the baseline"
        all_runs = " ".join(f"{x:.1f}" for x in runs[name])
        print(f"  {name:48s} {s:6.2f} s ({all_runs}) {info.frame_count / s:6.1f} fps  {ratios}")
    eng, realtime, n = engine_fps(a.clip, a.exercise)
    print(f"\nengine alone on the track: {eng:.0f} fps = {realtime:.0f}x real time ({n} frames)")
    live = VideoReader(a.live_clip).info
    lat_med, lat_p90, n_live = live_latency_ms(a.live_clip, a.live_exercise)
    print(
        f"live latency, capture to overlay drawn, {a.live_clip.name} {live.width}x{live.height} at "
        f"{live.fps:.0f} fps: median {lat_med:.1f} ms, 90th percentile {lat_p90:.1f} ms "
        f"({n_live} of {live.frame_count} frames analysed)"
    )
    if a.batch:
        one, two = batch_s(a.batch, a.batch_exercise, 1), batch_s(a.batch, a.batch_exercise, 2)
        print(f"batch of {len(a.batch)} videos: --jobs 1 {one:.1f} s, --jobs 2 {two:.1f} s ({one / two:.2f}x)")
    print("\n" + json.dumps({"median_s": med, "runs_s": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
