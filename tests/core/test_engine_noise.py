"""The hold clock's noise measures: frame_noise and running_median."""

from __future__ import annotations

import math

import numpy as np

from posecheck.core.engine.noise import frame_noise, running_median


def test_frame_noise_is_the_jitter_not_the_movement():
    rng = np.random.default_rng(0)
    t = np.arange(0.0, 10.0, 1 / 30)
    ramp = np.interp(t, [0.0, 4.0, 6.0, 10.0], [0.0, 0.0, 40.0, 40.0])
    assert frame_noise(t, ramp) < 1e-9
    got = frame_noise(t, ramp + rng.normal(0.0, 2.0, len(t)))
    assert 1.7 <= got <= 2.3


def test_frame_noise_of_a_smooth_sweep_is_nothing():
    """A head swinging through the end position and back, read without
    noise (an arc: its speed changes every frame, which first differences
    took for jitter, 0.27-0.46 of the range at 10-15 fps)."""
    for fps in (10.0, 15.0, 30.0):
        t = np.arange(0.0, 1.0, 1 / fps)
        assert frame_noise(t, 31.0 - 120.0 * (t - 0.5) ** 2) < 1e-9


def test_frame_noise_skips_gaps_and_needs_steps():
    # Five takes of three frames, at 0 and 30 in turn: across a gap the
    # reading jumps 30, within a take it stays put.
    t = np.concatenate([np.arange(3) * 0.1 + 5.0 * k for k in range(5)])
    v = np.repeat([0.0, 30.0, 0.0, 30.0, 0.0], 3)
    assert frame_noise(t, v) == 0.0
    assert math.isnan(frame_noise(t[:5], v[:5]))


def test_running_median_keeps_a_step_in_place_and_skips_nan():
    t = np.arange(0.0, 2.0, 0.1)
    v = np.where(t < 1.0 - 1e-9, 0.0, 10.0)
    v[3] = np.nan
    v[14] = 50.0  # one wild frame
    out, samples = running_median(t, v, 0.5)
    assert samples == 5.0  # 0.5 s of frames 0.1 s apart
    assert np.all(out[:9] == 0.0) and np.all(out[11:] == 10.0)
    assert not np.isnan(out[3])
