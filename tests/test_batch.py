"""Batch analysis: a folder of recordings, several at once, failures isolated."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from conftest import SAMPLES
from posecheck.cli import main


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "patients"
    d.mkdir()
    for name in ("neck_side_tilt_short_front", "neck_side_tilt_hold_front"):
        shutil.copy(SAMPLES / f"{name}.npz", d / f"{name}.npz")
    (d / "broken.npz").write_bytes(b"not a track")
    (d / "notes.txt").write_text("ignored: not a video or track")
    return d


def _reports(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(out.glob("*/report.json"))}


def test_folder_batch_writes_a_report_per_file_and_a_summary(tmp_path, capsys):
    d = _folder(tmp_path)
    code = main(["analyze", str(d), "-e", "neck_side_tilt_hold", "--out", str(tmp_path / "out"), "-q"])
    out = capsys.readouterr().out
    assert code == 2, "one file failed, so the batch says so"
    assert "2 of 3 analysed" in out
    rows = list(csv.DictReader((tmp_path / "out" / "summary.csv").open()))
    assert [Path(r["file"]).name for r in rows] == [
        "broken.npz", "neck_side_tilt_hold_front.npz", "neck_side_tilt_short_front.npz"]
    assert rows[0]["status"] == "failed" and "cannot read landmark track" in rows[0]["error"]
    assert rows[1]["status"] == "ok" and rows[1]["reps"] == "4"
    assert set(_reports(tmp_path / "out")) == {"neck_side_tilt_hold_front", "neck_side_tilt_short_front"}


def test_two_jobs_give_the_same_reports_as_one(tmp_path, capsys):
    d = _folder(tmp_path)
    main(["analyze", str(d), "-e", "neck_side_tilt_hold", "--out", str(tmp_path / "one"), "-q", "--jobs", "1"])
    main(["analyze", str(d), "-e", "neck_side_tilt_hold", "--out", str(tmp_path / "two"), "-q", "--jobs", "2"])
    capsys.readouterr()
    assert _reports(tmp_path / "one") == _reports(tmp_path / "two")
    assert (tmp_path / "one" / "summary.csv").read_text() != ""


def test_batch_needs_an_output_folder(tmp_path, capsys):
    d = _folder(tmp_path)
    code = main(["analyze", str(d), "-e", "neck_side_tilt_hold", "-q"])
    assert code == 2
    assert "needs --out DIR" in capsys.readouterr().err
