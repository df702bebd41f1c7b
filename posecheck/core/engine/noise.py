"""How noisy a reading is, and a steadier copy of it, for the hold clock.

A still head under drawn dots, or a phone video's model reading, jitters
frame to frame by several degrees where a clean render jitters by a tenth.
Bands set in the exercise's units (a hold's level within 2 deg) are right
for the clean reading and cut the noisy one into pieces: every frame past
the band looks like the way back. These are pure functions of (time,
value) arrays so the clock can measure the noise of the hold it times and
widen its band to it, instead of a threshold tuned to one recording.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# The median absolute deviation of Gaussian noise is 0.6745 sigma.
MAD_TO_SIGMA = 1.4826


def frame_noise(t_s: FloatArray, values: FloatArray) -> float:
    """Standard deviation of one reading's frame-to-frame noise (units of
    `values`), robust to the movement itself: the median absolute deviation
    of the steps between consecutive frames, over sqrt(2) since each step
    holds two readings' noise. A slow drift or a ramp shifts the steps'
    median, not their spread; steps across a gap (more than 1.5 frames
    apart) are left out. NaN with fewer than 4 steps."""
    t = np.asarray(t_s, np.float64)
    v = np.asarray(values, np.float64)
    ok = np.isfinite(v)
    t, v = t[ok], v[ok]
    if len(t) < 5:
        return math.nan
    dt = np.diff(t)
    steps = np.diff(v)[dt <= 1.5 * float(np.median(dt))]
    if len(steps) < 4:
        return math.nan
    mad = float(np.median(np.abs(steps - np.median(steps))))
    return MAD_TO_SIGMA * mad / math.sqrt(2.0)


def running_median(t_s: FloatArray, values: FloatArray, window_s: float) -> FloatArray:
    """Each value replaced by the median of those within window_s / 2 of it
    in time (NaN ignored; NaN where none). A median keeps a ramp's shape and
    a step's place, where a mean would smear them, while it cuts white
    noise's spread by about 1.25 / sqrt(n) over n frames."""
    t = np.asarray(t_s, np.float64)
    v = np.asarray(values, np.float64)
    lo = np.searchsorted(t, t - window_s / 2, side="left")
    hi = np.searchsorted(t, t + window_s / 2, side="right")
    out = np.full_like(v, np.nan)
    for i, (a, b) in enumerate(zip(lo, hi, strict=True)):
        w = v[a:b]
        w = w[np.isfinite(w)]
        if len(w):
            out[i] = float(np.median(w))
    return out
