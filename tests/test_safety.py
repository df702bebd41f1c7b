"""Threshold safety rules: sustained faults fire once, noise never does."""

import math

import pytest

from posecheck.safety import SafetyMonitor
from posecheck.spec import SafetyRule

FPS = 30.0
RULE = SafetyRule(id="over", metric="m", message="too far", above=40.0, for_s=0.3, cooldown_s=2.0)


def feed(values):
    mon = SafetyMonitor((RULE,))
    fired = []
    for i, v in enumerate(values):
        fired += mon.update(i / FPS, {"m": v})
    return mon, fired


def test_one_noisy_frame_never_warns():
    mon, fired = feed([0] * 30 + [90] + [0] * 30)
    assert fired == [] and mon.warnings == []


def test_a_sustained_fault_warns_once_from_its_start():
    mon, fired = feed([0] * 30 + [50] * 60 + [0] * 30)
    assert len(fired) == 1 and len(mon.warnings) == 1
    w = mon.warnings[0]
    assert w.t_s == pytest.approx(1.0)
    assert w.end_s == pytest.approx(1.0 + 59 / FPS)
    # It fires after for_s, not before.
    assert fired[0].detail["rule"] == "over"


def test_just_under_the_duration_does_not_fire():
    _, fired = feed([0] * 30 + [50] * 8 + [0] * 30)  # 8 frames = 0.27 s < 0.3 s
    assert fired == []


def test_refiring_within_cooldown_extends_the_same_warning():
    mon, fired = feed([0] * 30 + [50] * 30 + [0] * 30 + [50] * 30 + [0] * 100 + [50] * 30)
    # Second fault 1 s after the first ends (< 2 s cooldown): merged.
    # Third fault 3.3 s after: a new warning.
    assert len(mon.warnings) == 2
    assert mon.warnings[0].end_s == pytest.approx((30 + 30 + 30 + 29) / FPS)


def test_nan_neither_confirms_nor_clears():
    mon, fired = feed([0] * 30 + [50] * 5 + [math.nan] * 10 + [50] * 5 + [0] * 10)
    assert len(mon.warnings) == 1
