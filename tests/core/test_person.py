"""Following the exerciser among several people in view."""

import numpy as np

from posecheck.core.person import PersonFollower
from posecheck.core.pose import PoseCandidate


def person(cx: float, cy: float, height: float) -> PoseCandidate:
    """A stick person: 33 landmarks spread over a box of the given height."""
    rng = np.random.default_rng(int(cx * 1000 + cy * 100 + height * 10))
    xy = np.column_stack(
        [
            cx + (rng.random(33) - 0.5) * height * 0.4,
            cy + (rng.random(33) - 0.5) * height,
        ]
    )
    img = np.column_stack([xy, np.zeros(33)]).astype(np.float32)
    return PoseCandidate(img, np.ones(33, np.float32), np.zeros((33, 3), np.float32))


def test_first_choice_is_the_large_central_person():
    small_edge = person(0.1, 0.5, 0.3)
    big_centre = person(0.5, 0.5, 0.8)
    f = PersonFollower()
    assert f.choose(0.0, [small_edge, big_centre]) is big_centre


def test_the_exerciser_is_kept_when_someone_bigger_walks_in():
    f = PersonFollower()
    exerciser = person(0.45, 0.5, 0.5)
    assert f.choose(0.0, [exerciser]) is exerciser
    for i in range(1, 30):
        me = person(0.45 + 0.002 * i, 0.5, 0.5)
        passer_by = person(0.8 - 0.01 * i, 0.5, 0.9)  # bigger, closer to the camera
        order = [passer_by, me] if i % 2 else [me, passer_by]
        assert f.choose(i / 30, order) is me


def test_nobody_in_view_gives_none_and_a_fresh_choice_after_a_second():
    f = PersonFollower()
    a = person(0.2, 0.5, 0.4)
    f.choose(0.0, [a])
    assert f.choose(0.1, []) is None
    b = person(0.5, 0.5, 0.8)
    # Back after 2 s: the largest, most central person is chosen again.
    assert f.choose(2.1, [a, b]) is b
