"""The head's angles from a face mesh: pure geometry on the reference face."""

import numpy as np
import pytest

from posecheck.core.head_pose import FACE_POINTS, head_angles_deg, reference_face


def _rotation(turn_deg: float, pitch_deg: float, tilt_deg: float) -> np.ndarray:
    """R = Ry(yaw) Rx(pitch) Rz(roll) in camera axes (x right, y down, z away);
    a turn toward the subject's left is a yaw toward the image's left."""
    a, b, c = np.radians([-turn_deg, pitch_deg, tilt_deg])
    ry = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return ry @ rx @ rz


def _face(turn_deg: float, pitch_deg: float, tilt_deg: float) -> np.ndarray:
    """The reference face turned, scaled to pixels and placed in a picture."""
    return 80.0 * reference_face() @ _rotation(turn_deg, pitch_deg, tilt_deg).T + np.array([320.0, 200.0, 5.0])


@pytest.mark.parametrize(
    "angles",
    [(0.0, 0.0, 0.0), (30.0, 0.0, 0.0), (-45.0, 0.0, 0.0), (0.0, 25.0, 0.0), (0.0, -35.0, 0.0), (0.0, 0.0, 30.0)],
)
def test_a_turned_reference_face_reads_its_angles(angles):
    np.testing.assert_allclose(head_angles_deg(_face(*angles)), angles, atol=1e-6)


def test_a_nod_while_turned_reads_as_a_nod_not_a_tilt():
    """Turn, then nod about the turned head's own ear axis: the three stay apart."""
    np.testing.assert_allclose(head_angles_deg(_face(40.0, 20.0, -10.0)), [40.0, 20.0, -10.0], atol=1e-6)


def test_noise_on_single_points_barely_moves_the_angles():
    """All 468 points vote: 2 px of noise on an 80 px face moves a tilt well under a degree."""
    rng = np.random.default_rng(3)
    noisy = _face(0.0, 10.0, 15.0) + rng.normal(0.0, 2.0, (FACE_POINTS, 3))
    np.testing.assert_allclose(head_angles_deg(noisy), [0.0, 10.0, 15.0], atol=0.5)


def test_an_unread_face_is_nan_and_a_wrong_shape_is_refused():
    mesh = _face(0.0, 0.0, 0.0)
    mesh[100, 2] = np.nan
    assert np.isnan(head_angles_deg(mesh)).all()
    with pytest.raises(ValueError, match=r"a face mesh has shape \(468, 3\)"):
        head_angles_deg(np.zeros((33, 3)))
