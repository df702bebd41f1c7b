"""The One Euro filter: jitter removed, lag measured, NaN handled."""

import numpy as np

from posecheck.smoothing import IMAGE_PARAMS, OneEuroFilter, TrackSmoother

FPS = 30.0


def run(xs, params=IMAGE_PARAMS):
    f = OneEuroFilter(params)
    return np.array([f.update(i / FPS, np.array([x]))[0] for i, x in enumerate(xs)])


def test_still_point_jitter_is_reduced_at_least_2_5_fold():
    rng = np.random.default_rng(0)
    xs = 300 + rng.normal(0, 2.0, 300)  # 2 px of landmark jitter
    out = run(xs)
    assert np.std(out[30:]) < np.std(xs[30:]) / 2.5


def test_lag_on_a_fast_move_is_under_one_frame_at_30fps():
    # A head moving 300 px/s: the filter's lag is the time shift that best
    # aligns output with input during the ramp.
    t = np.arange(120) / FPS
    xs = np.where(t < 1, 300.0, np.minimum(300 + 300 * (t - 1), 600))
    out = run(xs)
    ramp = (t > 1.3) & (t < 1.9)
    lag_px = np.mean(xs[ramp] - out[ramp])
    lag_s = lag_px / 300.0
    assert 0 <= lag_s < 1 / FPS


def test_nan_passes_through_and_resets():
    out = run([10, 10, np.nan, 50, 50])
    assert np.isnan(out[2])
    assert out[3] == 50  # restarts from the raw value, not dragged from 10


def test_track_smoother_passes_missing_frames_as_nan():
    s = TrackSmoother((640, 480))
    img = np.full((33, 3), 0.5, np.float32)
    world = np.zeros((33, 3), np.float32)
    s.update(0.0, img, world)
    out_img, out_world = s.update(1 / FPS, np.full((33, 3), np.nan, np.float32), world)
    assert np.isnan(out_img).all()
