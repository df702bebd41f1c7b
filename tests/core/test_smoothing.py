"""The One Euro filter: jitter removed, lag measured, NaN handled."""

import numpy as np
import pytest

from posecheck.core.smoothing import IMAGE_PARAMS, OneEuroFilter, TrackSmoother

FPS = 30.0


def run(xs, params=IMAGE_PARAMS):
    f = OneEuroFilter(params)
    return np.array([f.update(i / FPS, np.array([x]))[0] for i, x in enumerate(xs)])


def test_still_point_jitter_is_reduced_at_least_twofold():
    rng = np.random.default_rng(0)
    xs = 300 + rng.normal(0, 2.0, 300)  # 2 px of landmark jitter
    out = run(xs)
    assert np.std(out[30:]) < np.std(xs[30:]) / 2.0


@pytest.mark.parametrize("speed_px_s, max_lag_s", [(300.0, 0.015), (60.0, 0.035)])
def test_lag_on_a_steady_move_is_under_one_frame_at_30fps(speed_px_s, max_lag_s):
    # The lag is how far the output trails the input during the ramp,
    # expressed in time at the ramp's speed.
    t = np.arange(240) / FPS
    xs = np.where(t < 1, 300.0, np.minimum(300 + speed_px_s * (t - 1), 300 + 5 * speed_px_s))
    out = run(xs)
    ramp = (t > 1.5) & (t < 3.0)
    lag_s = np.mean(xs[ramp] - out[ramp]) / speed_px_s
    assert 0 <= lag_s < max_lag_s


def test_nan_passes_through_and_resets():
    out = run([10, 10, np.nan, 50, 50])
    assert np.isnan(out[2])
    assert out[3] == 50  # restarts from the raw value, not dragged from 10


def test_track_smoother_passes_missing_frames_as_nan():
    s = TrackSmoother((640, 480))
    img = np.full((33, 3), 0.5, np.float32)
    world = np.zeros((33, 3), np.float32)
    s.update(0.0, img, world)
    out_img, _ = s.update(1 / FPS, np.full((33, 3), np.nan, np.float32), world)
    assert np.isnan(out_img).all()
