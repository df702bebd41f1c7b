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


def test_the_camera_roll_is_taken_off_the_whole_rotation():
    """A camera turned 15 deg (the picture counter-clockwise) turns the whole
    head about the lens: levelled, a nodded or turned head reads as it is,
    not only its tilt shifted (adding the roll to the tilt read -4.3 tilt
    and a 12 deg turn for a level head nodded 40)."""
    from posecheck.core.head_pose import levelled_angles_deg

    for true in ([0.0, 40.0, 0.0], [40.0, 0.0, 0.0], [25.0, -20.0, 10.0]):
        c, s = np.cos(np.radians(-15.0)), np.sin(np.radians(-15.0))
        camera = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
        seen = head_angles_deg(80.0 * reference_face() @ (camera @ _rotation(*true)).T)
        np.testing.assert_allclose(levelled_angles_deg(seen[None], 15.0)[0], true, atol=1e-6)
    unread = np.array([[np.nan] * 3, [0.0, 0.0, 5.0]])
    out = levelled_angles_deg(unread, 10.0)
    assert np.isnan(out[0]).all() and out[1] == pytest.approx([0.0, 0.0, 15.0])


def test_a_frame_without_the_face_soon_after_one_with_it_is_a_gap():
    from posecheck.core.head_pose import FACE_GAP_S, face_gaps

    t = np.arange(0.0, 3.0, 0.5)
    read = np.array([True, False, False, False, False, True])
    # 0.5 and 1.0 s are within FACE_GAP_S (1 s) of the read at 0: gaps; 1.5
    # and 2.0 s are past it: the pose model's reading again.
    # The read at 2.5 s comes after frames that fell back on the pose
    # model's reading: unknown too (the switch between the two readings is
    # not a movement).
    assert face_gaps(t, read).tolist() == [False, True, True, False, False, True]
    assert FACE_GAP_S == 1.0
    # Frame by frame (live) with the last read and the last fallback carried: the same.
    last, fell_back, one_by_one = -np.inf, False, []
    for ti, r in zip(t, read, strict=True):
        gap = bool(face_gaps(np.array([ti]), np.array([r]), last, fell_back)[0])
        one_by_one.append(gap)
        last = ti if r else last
        fell_back = not r and not gap
    assert one_by_one == face_gaps(t, read).tolist()


def test_a_pixel_reading_coming_back_after_the_pose_models_is_unknown_for_a_frame():
    from posecheck.core.head_pose import face_gaps, read_first

    t = np.arange(0.0, 3.0, 0.25)
    pixel = np.array([10.0] * 3 + [np.nan] * 6 + [40.0] * 3)  # read, lost 1.5 s, read again
    pose = np.full(len(t), 25.0)
    out = read_first(pixel, face_gaps(t, np.isfinite(pixel)), pose)
    # The pixels' reading, a gap of FACE_GAP_S, the pose's, one unknown
    # frame where the pixels' comes back, the pixels'.
    assert np.isnan(out).tolist() == [False] * 3 + [True] * 4 + [False] * 2 + [True] + [False] * 2
    assert out[7:9].tolist() == [25.0, 25.0] and out[10:].tolist() == [40.0, 40.0]
