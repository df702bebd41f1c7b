"""posecheck on real people: the videos in ../shared/clips with hand labels.

Runs MediaPipe on every clip (about 3,000 frames, two to three minutes on two
cores), so it is marked `model`; skipped where ../shared/clips is absent.
High-confidence counts must be exact, medium ones within one; labelled
holds within 1 s. Which exercise each clip shows: samples/real_clips.toml.
"""

from __future__ import annotations

import pytest

from posecheck.eval import accuracy

from conftest import CLIPS, ROOT, needs_clips, needs_mediapipe

pytestmark = [needs_clips, needs_mediapipe, pytest.mark.model, pytest.mark.clips]

MAPPING = ROOT / "samples" / "real_clips.toml"


def _cases():
    if not (CLIPS / "labels.tsv").is_file():
        return []
    return accuracy.real_clip_truths(CLIPS, MAPPING)


def _params():
    """Every clip; those real_clips.toml names as a known failure (with the
    reason) run as strict expected failures."""
    out = []
    for case in _cases():
        reason = case[2].get("known_failure")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(case, marks=marks, id=case[0].clip))
    return out


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("real_tracks")


def test_every_labelled_clip_is_mapped():
    import csv

    with (CLIPS / "labels.tsv").open(newline="") as fh:
        names = {row["clip"] for row in csv.DictReader(fh, delimiter="\t")}
    assert names == {t.clip for t, _, _ in _cases()}


@pytest.mark.parametrize("case", _params())
def test_real_clip_matches_its_label(case, cache):
    truth, video, options = case
    [s] = accuracy.run_real_clips_subset([(truth, video, options)], cache)
    assert abs(s.count_error) <= truth.count_tolerance, f"{truth.clip}: {s.reps} reps, label {truth.reps}"
    if truth.check_holds:
        assert len(s.hold_s) == len(truth.hold_s), f"holds {s.hold_s}, label {truth.hold_s}"
        for got, want in zip(s.hold_s, truth.hold_s):
            assert abs(got - want) <= truth.hold_tolerance_s
    assert s.passed()
