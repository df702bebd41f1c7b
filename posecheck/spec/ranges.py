"""The documented range of every number in the data files.

One `Range` a key (or a family of keys): the reader (`Table.number`)
refuses a value outside it with one line naming the key, the value and
the range, so a new numeric key needs a Range here, and the README's
"Exercise file format" table lists them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Range:
    """What one number in a data file may be: its type and its bounds.

    Every number an exercise, routine or safety-defaults file gives is read
    through `Table.number` (toml_table.py) with one of the ranges below, because a value
    that is not finite, not a number, or far outside what makes sense does
    not fail loudly later: NaN compares false, so `above = nan` never fires
    and `amplitude_above = nan` switches the head-circle stop off;
    `neutral = true` would read as 1. So: a TOML bool or string is never a
    number; an integer is fine where a float is expected, a float (even 2.0)
    is not where a whole number is; NaN and infinities are refused; and the
    value must lie inside the bounds (inclusive, except `low` when
    `low_open`).
    """

    low: float
    high: float
    unit: str = ""
    whole: bool = False
    low_open: bool = False
    noun: str = "a number"

    def allows(self, value: object) -> bool:
        """True when `value` (as TOML parsed it) is a number of this range."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if isinstance(value, float) and (self.whole or not math.isfinite(value)):
            return False
        above_low = value > self.low if self.low_open else value >= self.low
        return above_low and value <= self.high  # exact for huge ints: no float()

    def __str__(self) -> str:
        low = f"> {self.low:g}" if self.low_open else f">= {self.low:g}"
        unit = f" ({self.unit})" if self.unit else ""
        whole = " (a whole number)" if self.whole else ""
        return f"{self.noun} {low} and <= {self.high:g}{unit}{whole}"


# The documented range of every number in the data files (README, "Exercise
# file format"). Metric values are degrees or percent; no metric reads beyond
# a few hundred, so +-10000 only catches typos and overflow (1e300).
THRESHOLD = Range(-10_000.0, 10_000.0, "the metric's units")  # neutral, end, partial, min, max, above, below
BAND = Range(0.0, 10_000.0, "the metric's units")  # level_band, still_band, amplitude_above
SECONDS = Range(0.0, 3600.0, "seconds")  # setup_s, calibrate_s, grace_s, end_confirm_s, min_rep_s,
#                                          min_hold_s, cooldown_s, hold_s, rest_s, warm_up_s
TARGET_S = Range(0.0, 3600.0, "seconds", low_open=True)  # hold target_s, a routine step's hold_s
# A limit sustained for over a minute before it warns would be no safety rule.
SUSTAIN_S = Range(0.0, 60.0, "seconds")  # safety for_s
# A head circle takes seconds; the loop meter keeps this much history.
LOOP_WINDOW_S = Range(1.0, 60.0, "seconds")  # window_s
TURNS = Range(0.1, 10.0, "full turns")  # turn_above
ARC_WINDOW_S = Range(0.2, 10.0, "seconds")  # window_s of an arc rule
VISIBILITY = Range(0.0, 1.0, "the model's visibility score")  # min_visibility
# Under 15 the band below it, where a person is clearly up, would be empty.
TRUNK_INCLINE = Range(15.0, 90.0, "deg from upright")  # min_trunk_incline_deg
EXIT_FRACTION = Range(0.0, 1.0, low_open=True, noun="a fraction of the movement")  # exit_fraction
SETTLE_SPEED = Range(0.01, 100.0, "neutral-to-end ranges per second")  # settle_speed
SPEED_LIMIT = Range(1.0, 10_000.0, "deg/s")  # max_speed_deg_s
METRIC_SPEED_LIMIT = Range(0.0, 10_000.0, "deg/s; 0 = not checked")  # [max_speed_by_metric] values
SPEED_ABOVE = Range(0.0, 10_000.0, "the metric's units per second", low_open=True)  # kind = "speed" above
SETS = Range(1, 100, whole=True)  # sets (prescription and routine step)
PRESCRIBED_REPS = Range(0, 1000, whole=True)  # [prescription] reps: 0 = none prescribed
STEP_REPS = Range(1, 1000, whole=True)  # a routine step's reps
