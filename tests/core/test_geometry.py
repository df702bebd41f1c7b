import math

import numpy as np
import pytest

from posecheck.core import geometry as g


@pytest.mark.parametrize(
    "a, b, c, expected",
    [
        ((1, 0), (0, 0), (0, 1), 90.0),
        ((1, 0), (0, 0), (-1, 0), 180.0),  # collinear, straight limb
        ((1, 0), (0, 0), (1, 0), 0.0),  # folded
        ((1, 0, 0), (0, 0, 0), (0, 0, 1), 90.0),  # 3D
        ((2, 0), (0, 0), (1, math.sqrt(3)), 60.0),
    ],
)
def test_joint_angle_known_values(a, b, c, expected):
    assert g.joint_angle_deg(a, b, c) == pytest.approx(expected, abs=1e-9)


def test_joint_angle_nan_in_nan_out():
    assert math.isnan(g.joint_angle_deg((np.nan, 0), (0, 0), (1, 0)))
    assert math.isnan(g.joint_angle_deg((0, 0), (0, 0), (1, 0)))  # zero-length limb


def test_joint_angle_vectorised_over_frames():
    a = np.array([[1, 0], [0, 1]], float)
    b = np.zeros((2, 2))
    c = np.array([[0, 1], [0, -1]], float)
    np.testing.assert_allclose(g.joint_angle_deg(a, b, c), [90.0, 180.0])


def test_segment_angle_reads_as_seen_with_y_down():
    # b above a in the image (smaller y) is a positive angle to the horizontal.
    assert g.segment_angle_deg((0, 10), (10, 0), "horizontal") == pytest.approx(45.0)
    assert g.segment_angle_deg((0, 0), (10, 10), "horizontal") == pytest.approx(-45.0)
    # Vertical reference: straight up is 0, leaning to the image right positive.
    assert g.segment_angle_deg((0, 10), (0, 0), "vertical") == pytest.approx(0.0)
    assert g.segment_angle_deg((0, 10), (10, 0), "vertical") == pytest.approx(45.0)
    assert g.segment_angle_deg((0, 10), (-10, 0), "vertical") == pytest.approx(-45.0)


def test_segment_angle_rejects_unknown_reference():
    with pytest.raises(ValueError, match="reference"):
        g.segment_angle_deg((0, 0), (1, 1), "diagonal")


def test_elevation_is_the_same_facing_either_way():
    assert g.elevation_deg((0, 10), (10, 0)) == pytest.approx(45.0)
    assert g.elevation_deg((0, 10), (-10, 0)) == pytest.approx(45.0)
    assert g.elevation_deg((0, 0), (10, 10)) == pytest.approx(-45.0)


def test_signed_angle_between_segments():
    assert g.signed_angle_between_deg((0, 0), (1, 0), (0, 0), (0, -1)) == pytest.approx(90.0)
    assert g.signed_angle_between_deg((0, 0), (1, 0), (0, 0), (0, 1)) == pytest.approx(-90.0)


def test_midpoint_and_distance():
    np.testing.assert_allclose(g.midpoint((0, 0), (2, 4)), (1, 2))
    assert g.distance((0, 0), (3, 4)) == pytest.approx(5.0)
