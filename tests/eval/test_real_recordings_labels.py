"""The hand labels of the 83 real recordings (benchmarks/real_recordings;
videos not committed) stay readable: every row parses and names an
exercise the catalog has; a clip of an unsafe
movement names the rule that must warn."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.errors import PosecheckError
from posecheck.eval.truth import real_clip_truths
from posecheck.spec import load_exercise

LABELS = Path(__file__).resolve().parents[2] / "benchmarks" / "real_recordings"


def test_every_labelled_recording_maps_to_a_catalog_exercise():
    truths = real_clip_truths(LABELS, LABELS / "real_clips.toml")
    assert len(truths) == 83
    for truth, video, _ in truths:
        assert video.parent == LABELS
        assert load_exercise(truth.exercise).id == truth.exercise
        # A clip of an unsafe movement (head rolls) is judged on its warning,
        # not on a count of the exercise's reps.
        assert truth.count_tolerance in (0, 1) or truth.unsafe
        for u in truth.unsafe:
            assert set(u) == {"start_s", "end_s", "rule"} and 0 <= u["start_s"] < u["end_s"]
    assert sum(bool(t.unsafe) for t, _, _ in truths) == 2


@pytest.mark.parametrize(
    "option, says",
    [
        ('unsafe = "neck_circle"', ".unsafe = 'neck_circle': expected a list"),
        (
            'unsafe = [{ start_s = 2.0, end_s = 1.0, rule = "neck_circle" }]',
            "unsafe[0] = {'start_s': 2.0, 'end_s': 1.0",
        ),
        ('unsafe = [{ start_s = 0.0, end_s = nan, rule = "neck_circle" }]', "'end_s': nan"),
        ("unsafe = [{ start_s = 0.0, end_s = 1.0 }]", "unsafe[0] = {'start_s': 0.0, 'end_s': 1.0}: expected"),
        (
            'unsafe = [{ start_s = 0.0, end_s = 1.0, rule = "neck_circles" }]',
            "rule = 'neck_circles': not a safety rule",
        ),
        ('count = "no"', "count = 'no': expected true or false"),
        ("unsafe_s = 1.0", "unknown key 'unsafe_s'"),
    ],
)
def test_a_bad_unsafe_or_count_option_is_one_clear_error(tmp_path, option, says):
    (tmp_path / "labels.tsv").write_text(
        "clip\texercise\tview\treps\tholds\tconfidence\tsource\tnotes\nc.mp4\trolls\tfront\t3\tnone\tmedium\tx\ty\n"
    )
    (tmp_path / "real_clips.toml").write_text(f'[clips."c.mp4"]\nexercise = "neck_side_tilt_hold"\n{option}\n')
    with pytest.raises(PosecheckError) as info:
        real_clip_truths(tmp_path, tmp_path / "real_clips.toml")
    msg = str(info.value)
    assert "\n" not in msg and 'clips."c.mp4"' in msg and says in msg, msg
