"""Choosing the exerciser frame by frame, followed through frames the detector misses."""

from __future__ import annotations

import numpy as np

from posecheck.core.pose import PoseCandidate
from posecheck.io.follow import ExerciserFinder


def _person(x: float, second_look: bool = False) -> PoseCandidate:
    xyz = np.zeros((33, 3), np.float32)
    xyz[:, 0] = x + np.linspace(-0.05, 0.05, 33)
    xyz[:, 1] = np.linspace(0.2, 0.8, 33)
    return PoseCandidate(xyz, np.ones(33, np.float32), np.zeros((33, 3), np.float32), second_look)


class FakeTracker:
    """Records how the finder asks to follow; follows while `can_follow` says so."""

    def __init__(self, can_follow):
        self.can_follow = can_follow
        self.calls: list[tuple[str, float | None, float | None]] = []

    def track(self, before, t_s, rgb):
        self.calls.append(("track", None if before is None else before[0], t_s))
        return [_person(0.5)] if self.can_follow(t_s) else []  # followed: x = 0.5

    def end_track(self):
        self.calls.append(("end", None, None))


def _frame(t_s: float) -> np.ndarray:
    return np.full((4, 4, 3), int(t_s * 10), np.uint8)


def test_a_missed_frame_after_a_found_one_is_followed_from_it_and_the_run_ends_when_found_again():
    est = FakeTracker(lambda t: True)
    finder = ExerciserFinder(est)
    seen = [c for c in ([_person(0.5)], [], [], [_person(0.5)])]
    got = [finder.choose(t, _frame(t), c) for t, c in zip((0.0, 0.1, 0.2, 0.3), seen)]
    assert all(p is not None for p in got)
    # Started from the last frame with the person (0.0), then carried on; ended once detected again.
    assert est.calls == [("track", 0.0, 0.1), ("track", None, 0.2), ("end", None, None)]


def test_nothing_is_followed_before_anyone_was_found_or_after_the_follow_was_lost():
    est = FakeTracker(lambda t: t < 0.25)
    finder = ExerciserFinder(est)
    got = [
        finder.choose(0.0, _frame(0.0), []),  # nobody yet: nothing to follow from
        finder.choose(0.1, _frame(0.1), [_person(0.5)]),
        finder.choose(0.2, _frame(0.2), []),  # followed
        finder.choose(0.3, _frame(0.3), []),  # lost: the tracker gives nobody
        finder.choose(0.4, _frame(0.4), []),  # not asked again: nobody was in the frame before
    ]
    assert [p is not None for p in got] == [False, True, True, False, False]
    assert est.calls == [("track", 0.1, 0.2), ("track", None, 0.3)]


def test_people_found_by_the_detector_are_chosen_by_the_follower():
    est = FakeTracker(lambda t: True)
    finder = ExerciserFinder(est)
    a = finder.choose(0.0, _frame(0.0), [_person(0.2), _person(0.5)])
    assert a is not None and abs(float(a.image_xyz[:, 0].mean()) - 0.5) < 1e-6  # the central one
    b = finder.choose(0.1, _frame(0.1), [_person(0.52), _person(0.9)])
    assert b is not None and abs(float(b.image_xyz[:, 0].mean()) - 0.52) < 1e-6  # the nearest to before
    assert est.calls == []


def _x(p: PoseCandidate | None) -> float | None:
    return None if p is None else round(float(p.image_xyz[:, 0].mean()), 3)


def test_a_second_look_find_right_after_the_person_was_found_is_followed_instead():
    """The second look's weak crop can shift the whole reading for a frame or
    two (a false jerk); following the person from the frame before does not."""
    est = FakeTracker(lambda t: True)
    finder = ExerciserFinder(est)
    got = [
        finder.choose(0.0, _frame(0.0), [_person(0.5)]),
        finder.choose(0.1, _frame(0.1), [_person(0.6, second_look=True)]),  # followed: 0.5
        finder.choose(0.2, _frame(0.2), [_person(0.5)]),
    ]
    assert [_x(p) for p in got] == [0.5, 0.5, 0.5]
    assert est.calls == [("track", 0.0, 0.1), ("end", None, None)]


def test_a_second_look_find_is_kept_when_following_fails_and_following_is_not_retried_from_it():
    est = FakeTracker(lambda t: False)
    finder = ExerciserFinder(est)
    got = [
        finder.choose(0.0, _frame(0.0), [_person(0.5)]),
        finder.choose(0.1, _frame(0.1), [_person(0.52, second_look=True)]),  # following fails: kept
        finder.choose(0.2, _frame(0.2), [_person(0.54, second_look=True)]),  # not retried from a weak find
        finder.choose(0.3, _frame(0.3), []),  # nobody, and nothing sure to follow from
        finder.choose(0.4, _frame(0.4), [_person(0.5, second_look=True)]),  # found anew by the second look
    ]
    assert [_x(p) for p in got] == [0.5, 0.52, 0.54, None, 0.5]
    assert est.calls == [("track", 0.0, 0.1)]
