"""The hand labels of the 44 real recordings (benchmarks/real_recordings;
videos not committed) stay readable: every row parses and names an
exercise the catalog has; a clip of an unsafe
movement names the rule that must warn."""

from __future__ import annotations

from pathlib import Path

from posecheck.eval.truth import real_clip_truths
from posecheck.spec import load_exercise

LABELS = Path(__file__).resolve().parents[2] / "benchmarks" / "real_recordings"


def test_every_labelled_recording_maps_to_a_catalog_exercise():
    truths = real_clip_truths(LABELS, LABELS / "real_clips.toml")
    assert len(truths) == 44
    for truth, video, _ in truths:
        assert video.parent == LABELS
        assert load_exercise(truth.exercise).id == truth.exercise
        # A clip of an unsafe movement (head rolls) is judged on its warning,
        # not on a count of the exercise's reps.
        assert truth.count_tolerance in (0, 1) or truth.unsafe
        for u in truth.unsafe:
            assert set(u) == {"start_s", "end_s", "rule"} and 0 <= u["start_s"] < u["end_s"]
    assert sum(bool(t.unsafe) for t, _, _ in truths) == 2
