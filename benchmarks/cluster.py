"""A batch on a local Dask cluster against `--jobs`, and what scheduling a file costs.

    python benchmarks/cluster.py [--repeat N] [--tiny N] [--tiny-repeat N] [--jobs J] [--videos FILE...]

Needs the `cluster` extra (pip install -e '.[cluster]'). Two measures, each
batch a `posecheck analyze` process of its own, wall time from start to
exit, in interleaved rounds, median of N:
- the same videos (default: the 6 sample videos of benchmarks/speed.py)
  with `--jobs J` and with `--scheduler local --jobs J` (starting and
  stopping the cluster included): the overhead of running on Dask;
- N tiny tracks (1 s each: the model does not run, the engine and the
  report files do) the same two ways, against the work itself (the first
  100 analysed one after another in this process by batch.analyze_one):
  what is left over is the cost of scheduling a file, per file.
Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from posecheck.batch import analyze_one
from posecheck.core.track import LandmarkTrack
from posecheck.pipeline import AnalyzeOptions

HERE = Path(__file__).resolve().parent
DEFAULT_VIDEOS = [
    ROOT / "samples" / f"neck_side_tilt_hold_{v}.mp4"
    for v in ("front", "faults_front", "circle_front", "head_front", "walkout_front", "mirrored_far")
]
EXERCISE = "neck_side_tilt_hold"
TINY_SOURCE = ROOT / "samples" / "neck_side_tilt_short_front.npz"
TINY_S = 1.0
# The work itself is timed on this many of the tiny tracks (they are alike).
WORK_SAMPLE = 100


def batch_wall_s(inputs: list[str], out: Path, extra: list[str]) -> float:
    """Seconds for one `posecheck analyze` batch process; it must succeed."""
    cmd = [sys.executable, "-m", "posecheck", "analyze", *inputs, "-e", EXERCISE, "-q", "--out", str(out), *extra]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    dt = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(cmd[:8])} ...\n{done.stderr[-2000:]}")
    return dt


def interleaved(inputs: list[str], jobs: int, repeat: int, tmp: Path) -> dict[str, list[float]]:
    """--jobs J and --scheduler local --jobs J, each into a fresh folder
    (a rerun into the same one would be resumed)."""
    ways = {"--jobs": ["--jobs", str(jobs)], "--scheduler local": ["--scheduler", "local", "--jobs", str(jobs)]}
    runs: dict[str, list[float]] = {k: [] for k in ways}
    for r in range(repeat):
        for name, extra in ways.items():
            runs[name].append(batch_wall_s(inputs, tmp / f"{name.strip('-').replace(' ', '_')}_{r}", extra))
    return runs


def tiny_tracks(folder: Path, n: int) -> list[Path]:
    """n copies of the first TINY_S of a sample track."""
    track = LandmarkTrack.load(TINY_SOURCE)
    tiny = track.select(track.t_s < TINY_S)
    folder.mkdir()
    paths = [folder / f"t{i:04d}.npz" for i in range(n)]
    tiny.save(paths[0])
    data = paths[0].read_bytes()
    for p in paths[1:]:
        p.write_bytes(data)
    return paths


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--tiny", type=int, default=1000, help="tiny tracks for the scheduling cost (0: skip)")
    p.add_argument("--tiny-repeat", type=int, default=1, help="rounds of the tiny-track batches")
    p.add_argument("--videos", type=Path, nargs="*", default=DEFAULT_VIDEOS, help="videos (none: skip)")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if a.videos:
            runs = interleaved([str(v) for v in a.videos], a.jobs, a.repeat, tmp)
            med = {k: statistics.median(v) for k, v in runs.items()}
            print(f"{len(a.videos)} videos, median of {a.repeat} (all runs in brackets):")
            for name, s in med.items():
                print(f"  {name} {a.jobs}: {s:.1f} s ({' '.join(f'{x:.1f}' for x in runs[name])})")
            print(f"  Dask / --jobs: {med['--scheduler local'] / med['--jobs']:.3f}")
        if a.tiny:
            paths = tiny_tracks(tmp / "tiny", a.tiny)
            sample = paths[:WORK_SAMPLE]
            t0 = time.perf_counter()
            for i, path in enumerate(sample):
                row = analyze_one(path, EXERCISE, AnalyzeOptions(workers=1), tmp / "inproc" / str(i))
                assert row["status"] == "ok", row
            work_s = (time.perf_counter() - t0) / len(sample)
            runs = interleaved([str(tmp / "tiny")], a.jobs, a.tiny_repeat, tmp)
            print(
                f"{a.tiny} tiny tracks ({TINY_S:g} s each): the work alone {1000 * work_s:.1f} ms a file in one process"
            )
            for name, values in runs.items():
                s = statistics.median(values)
                per_file_ms = 1000 * s / a.tiny
                overhead_ms = per_file_ms - 1000 * work_s / a.jobs
                print(
                    f"  {name} {a.jobs}: {s:.1f} s ({' '.join(f'{x:.1f}' for x in values)}) = {per_file_ms:.1f} ms a "
                    f"file, {overhead_ms:.1f} ms over the work shared by {a.jobs} workers"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
