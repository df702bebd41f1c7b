"""The hand labels of the 39 real recordings (benchmarks/real_recordings;
videos not committed) stay readable: every row parses and names an
exercise the catalog has."""

from __future__ import annotations

from pathlib import Path

from posecheck.eval.truth import real_clip_truths
from posecheck.spec import load_exercise

LABELS = Path(__file__).resolve().parents[2] / "benchmarks" / "real_recordings"


def test_every_labelled_recording_maps_to_a_catalog_exercise():
    truths = real_clip_truths(LABELS, LABELS / "real_clips.toml")
    assert len(truths) == 39
    for truth, video, _ in truths:
        assert video.parent == LABELS
        assert load_exercise(truth.exercise).id == truth.exercise
        assert truth.count_tolerance in (0, 1)
