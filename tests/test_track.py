from pathlib import Path

import numpy as np
import pytest

from conftest import make_track_arrays
from posecheck.errors import PosecheckError
from posecheck.track import LandmarkTrack


def track(n=10) -> LandmarkTrack:
    t, img, vis, world = make_track_arrays(n)
    img[3] = np.nan
    vis[3] = np.nan
    world[3] = np.nan
    return LandmarkTrack(t, img, vis, world, 30.0, (640, 480), "model-x", "clip.mp4")


def test_roundtrip_keeps_everything(tmp_path: Path):
    tr = track()
    p = tmp_path / "t.npz"
    tr.save(p)
    back = LandmarkTrack.load(p)
    np.testing.assert_array_equal(back.image_xyz, tr.image_xyz)
    np.testing.assert_array_equal(back.t_s, tr.t_s)
    assert (back.fps, back.frame_size, back.model, back.source) == (30.0, (640, 480), "model-x", "clip.mp4")
    assert back.has_pose.tolist() == [i != 3 for i in range(10)]
    assert back.duration_s == pytest.approx(10 / 30)


def test_pixels_scale_by_frame_size():
    px = track().pixels()
    assert px[0, 0, 0] == pytest.approx(0.3 * 640)
    assert px[0, 0, 1] == pytest.approx(0.5 * 480)


def test_shapes_are_checked():
    t, img, vis, world = make_track_arrays(5)
    with pytest.raises(ValueError, match=r"visibility must have shape \(5, 33\)"):
        LandmarkTrack(t, img, vis[:, :10], world, 30.0, (1, 1), "", "")


def test_not_a_track_is_a_clear_error(tmp_path: Path):
    p = tmp_path / "x.npz"
    np.savez(p, a=np.zeros(3))
    with pytest.raises(PosecheckError, match="not a posecheck landmark track"):
        LandmarkTrack.load(p)
    q = tmp_path / "y.npz"
    q.write_text("garbage")
    with pytest.raises(PosecheckError, match="cannot read landmark track"):
        LandmarkTrack.load(q)


def test_newer_format_version_is_refused(tmp_path: Path):
    tr = track()
    p = tmp_path / "t.npz"
    tr.save(p)
    data = dict(np.load(p))
    data["format_version"] = np.array(99)
    np.savez(p, **data)
    with pytest.raises(PosecheckError, match="version 99 is newer"):
        LandmarkTrack.load(p)


def test_mirrored_restores_the_subjects_sides():
    from posecheck.landmarks import Landmark as L

    tr = track()
    img = tr.image_xyz.copy()
    img[:, L.LEFT_WRIST, 0] = 0.2  # in a mirrored image the left wrist shows on the left
    img[:, L.RIGHT_WRIST, 0] = 0.9
    m = tr.replace(image_xyz=img).mirrored()
    assert m.image_xyz[0, L.RIGHT_WRIST, 0] == pytest.approx(0.8)
    assert m.image_xyz[0, L.LEFT_WRIST, 0] == pytest.approx(0.1)
    np.testing.assert_allclose(m.mirrored().image_xyz[~np.isnan(img)], img[~np.isnan(img)], atol=1e-6)
