"""Reading video files as a player shows them."""

from __future__ import annotations

import numpy as np

from posecheck.io.sources.video import VideoReader

from conftest import SAMPLES


def test_a_phone_video_stored_on_its_side_is_read_upright():
    """squat_front_far_phone_stored (tools/derive: stored_rotated_deg) holds
    the source's pictures turned 90 deg clockwise and a display rotation
    that turns them back: read as shown, frame for frame the source's."""
    stored = VideoReader(SAMPLES / "squat_front_far_phone_stored.mp4")
    source = VideoReader(SAMPLES / "squat_front_far.mp4")
    assert (stored.info.width, stored.info.height) == (source.info.width, source.info.height) == (640, 480)
    for (_, _, a), (_, _, b), _ in zip(stored.frames(), source.frames(), range(30), strict=False):
        assert a.shape == b.shape
        # The same picture, but for the re-encoding (mean abs difference 1-2 of 255).
        assert np.abs(a.astype(np.int16) - b.astype(np.int16)).mean() < 4.0
