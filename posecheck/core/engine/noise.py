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
    `values`), blind to the movement itself: the median absolute deviation
    of the second differences (v[k+1] - 2 v[k] + v[k-1]) over sqrt(6), which
    is unbiased for white noise, while a ramp gives 0 and a smooth sweep
    through the end (velocity changing a little each frame) next to 0. (On
    first differences a rendered, noise-free head circle read as noisy.)
    Triples spanning a gap (a step over 1.5 frames) are left out; NaN
    values too. NaN with fewer than 4 triples."""
    t = np.asarray(t_s, np.float64)
    v = np.asarray(values, np.float64)
    ok = np.isfinite(v)
    t, v = t[ok], v[ok]
    if len(t) < 6:
        return math.nan
    dt = np.diff(t)
    even = dt <= 1.5 * float(np.median(dt))
    second = np.diff(v, 2)[even[:-1] & even[1:]]
    if len(second) < 4:
        return math.nan
    mad = float(np.median(np.abs(second - np.median(second))))
    return MAD_TO_SIGMA * mad / math.sqrt(6.0)


def running_median(t_s: FloatArray, values: FloatArray, window_s: float) -> tuple[FloatArray, float]:
    """Each value replaced by the median of those within window_s / 2 of it
    in time (t_s ascending; NaN ignored; NaN where none), and how many
    samples a window usually holds (the median count; missing frames make
    fewer). A median keeps a ramp's shape and a step's place, where a mean
    would smear them, while it cuts white noise's spread by about
    1.25 / sqrt(n) over n samples."""
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
    return out, float(np.median(hi - lo)) if len(t) else 0.0
