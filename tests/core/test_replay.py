"""A live session counted again from its first frames (core/replay.py)."""

from __future__ import annotations

from posecheck.core.analysis import frames_of
from posecheck.core.engine import ExerciseEngine
from posecheck.core.replay import SessionReplay
from posecheck.core.track import LandmarkTrack
from posecheck.spec import load_exercise

from conftest import SAMPLES


def test_a_recount_replays_the_cuts_where_they_came(monkeypatch):
    # The engine is told of a cut (a rep machine at rest then waits for
    # neutral): a recount must tell the new engine at the same frames.
    track = LandmarkTrack.load(SAMPLES / "squat_side_render.npz").select(slice(0, 30))
    replay = SessionReplay()
    for i, t_s in enumerate(track.t_s.tolist()):
        replay.keep(t_s, frames_of(track.select(slice(i, i + 1))), True, False, False, cut=i in (10, 20))
    told: list[bool] = []
    update = ExerciseEngine.update

    def spy(self, t_s, values, visible, cut=False):
        told.append(cut)
        return update(self, t_s, values, visible, cut)

    monkeypatch.setattr(ExerciseEngine, "update", spy)
    replay.recount(load_exercise("squat"), lambda metric, values: values)
    assert [i for i, cut in enumerate(told) if cut] == [10, 20]
