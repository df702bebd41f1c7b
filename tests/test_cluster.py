"""A batch on a Dask cluster (`--scheduler`): same reports as `--jobs` and
as one file at a time, a dead worker's file retried once then failed, and
one clear line without Dask or without a reachable scheduler."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from posecheck.batch import analyze_one, run_batch
from posecheck.pipeline import AnalyzeOptions

from conftest import SAMPLES, one_line_error, run_cli

EXERCISE = "supine_pelvic_press"
VIDEO = SAMPLES / "supine_pelvic_press_far_side.mp4"  # 210 frames: the quickest rendered video
TRACK = VIDEO.with_suffix(".npz")
COMPARED = ("report.json", "metrics.csv", "report.html", "annotated.mp4")


def _inputs(folder: Path) -> list[Path]:
    """Two videos (one worker reads both with the model it keeps), two
    tracks, and a broken file (its failed row must read the same too)."""
    folder.mkdir()
    shutil.copy(VIDEO, folder / "video.mp4")
    shutil.copy(SAMPLES / "supine_head_press_side_right.mp4", folder / "video2.mp4")
    shutil.copy(TRACK, folder / "a.npz")
    shutil.copy(SAMPLES / "neck_side_tilt_short_front.npz", folder / "b.npz")
    (folder / "broken.npz").write_bytes(b"not a track")
    return sorted(folder.iterdir())


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        f"{d.name}/{n}": (d / n).read_bytes()
        for d in sorted(out.iterdir())
        if d.is_dir()
        for n in COMPARED
        if (d / n).exists()
    }


@pytest.mark.model
def test_local_cluster_jobs_and_one_file_at_a_time_give_identical_reports(tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.chdir(tmp_path)  # relative paths, as a user types them: rows and errors name them so
    paths = [p.relative_to(tmp_path) for p in _inputs(tmp_path / "in")]

    rows_dask = run_batch(paths, EXERCISE, AnalyzeOptions(), tmp_path / "dask", 1, False, scheduler="local")
    rows_jobs = run_batch(paths, EXERCISE, AnalyzeOptions(), tmp_path / "jobs", 2, False)
    for p in (p for p in paths if p.name != "broken.npz"):
        code, _, err = run_cli(capsys, "analyze", str(p), "-e", EXERCISE, "--out", str(tmp_path / "one" / p.stem), "-q")
        assert code == 0, err

    assert [r["status"] for r in rows_dask] == ["ok", "ok", "failed", "ok", "ok"]  # a, b, broken, video, video2
    assert [{**r, "out": ""} for r in rows_dask] == [{**r, "out": ""} for r in rows_jobs]
    assert rows_dask[2]["error"].startswith("in/broken.npz: ")
    dask, jobs, one = (_outputs(tmp_path / d) for d in ("dask", "jobs", "one"))
    assert len(dask) == 2 * len(COMPARED) + 2 * (len(COMPARED) - 1)  # tracks have no annotated video
    assert dask == jobs == one
    assert (tmp_path / "dask" / "index.html").is_file() and (tmp_path / "dask" / "summary.csv").is_file()


def _die_on_b_and_once_on_a(path: Path, exercise_arg: str, opts: AnalyzeOptions, out: Path) -> dict[str, Any]:
    """Kills its own worker as the kernel's OOM killer would: on b.npz on
    every try, on a.npz on the first try only (a line in a file beside the
    input counts the tries that died)."""
    marker = path.with_suffix(".killed")
    if path.name == "b.npz" or (path.name == "a.npz" and not marker.exists()):
        with marker.open("a") as fh:
            fh.write("died\n")
        os.kill(os.getpid(), signal.SIGKILL)
    return analyze_one(path, exercise_arg, opts, out)


def test_a_file_whose_dask_worker_dies_is_retried_once_then_failed(tmp_path):
    pytest.importorskip("distributed")
    folder = tmp_path / "in"
    folder.mkdir()
    paths = [folder / f"{n}.npz" for n in "abc"]
    for p in paths:
        shutil.copy(TRACK, p)

    rows = run_batch(
        paths, EXERCISE, AnalyzeOptions(), tmp_path / "out", 2, False, _die_on_b_and_once_on_a, None, "local"
    )

    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]
    assert "worker died" in rows[1]["error"]
    assert (folder / "a.killed").read_text().count("died") == 1  # its retry finished
    assert (folder / "b.killed").read_text().count("died") == 2  # tried once more, then failed


def test_scheduler_needs_the_cluster_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    code, _, err = run_cli(
        capsys, "analyze", str(TRACK), str(TRACK), "-e", EXERCISE, "--out", str(tmp_path / "o"), "--scheduler", "local"
    )
    assert code == 2
    assert "pip install 'posecheck[cluster]'" in one_line_error(err)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--scheduler", "nowhere"], "give 'local' or a scheduler address"),
        (["--scheduler", "tcp://127.0.0.1:9", "--jobs", "2"], "--jobs sizes a local cluster"),
    ],
)
def test_bad_scheduler_options_are_one_line_before_any_work(tmp_path, capsys, extra, said):
    pytest.importorskip("distributed")
    code, _, err = run_cli(capsys, "analyze", str(tmp_path), "-e", EXERCISE, "--out", str(tmp_path / "o"), *extra)
    assert code == 2 and said in one_line_error(err)
    assert not (tmp_path / "o").exists()


def test_an_unreachable_scheduler_is_one_line_and_nothing_is_written(tmp_path, capsys):
    pytest.importorskip("distributed")
    out = tmp_path / "o"
    out.mkdir()
    (out / "summary.csv").write_text("kept\n")  # an earlier batch's summary must survive
    code, _, err = run_cli(
        capsys, "analyze", str(TRACK), str(TRACK), "-e", EXERCISE, "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"
    )
    assert code == 2 and "cannot reach the scheduler" in one_line_error(err)
    assert [p.name for p in out.iterdir()] == ["summary.csv"] and (out / "summary.csv").read_text() == "kept\n"


def test_scheduler_is_for_a_batch(tmp_path, capsys):
    code, _, err = run_cli(
        capsys, "analyze", str(TRACK), "-e", EXERCISE, "--out", str(tmp_path / "o"), "--scheduler", "local"
    )
    assert code == 2 and "--scheduler is for a batch" in one_line_error(err)


def test_a_worker_thread_loads_the_model_once_and_keeps_it(monkeypatch):
    pytest.importorskip("distributed")
    import pickle
    import threading

    from posecheck.cluster_plugin import PoseModels
    from posecheck.io.sources import mediapipe_pose

    made: list[object] = []

    class FakeModel:
        def __init__(self, model_path, workers):
            made.append(self)
            self.closed = False

        def close(self):
            self.closed = True

    monkeypatch.setattr(mediapipe_pose, "MediaPipePoseEstimator", FakeModel)
    plugin = pickle.loads(pickle.dumps(PoseModels()))  # as a worker receives it
    opts = AnalyzeOptions(workers=1)
    first = plugin.model(opts)
    assert plugin.model(opts) is first and len(made) == 1  # kept for the thread's next file
    other: list[object] = []
    t = threading.Thread(target=lambda: other.append(plugin.model(opts)))
    t.start()
    t.join()
    assert other[0] is not first and len(made) == 2  # a model follows one video at a time
    plugin.teardown(None)
    assert all(m.closed for m in made)
