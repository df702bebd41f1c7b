"""The engine's parts on their own: the rep counter, the hold clocks, the
one count of reps per side, and the phase enum's string values."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from test_engine import REPS, SIDED_HOLD, exercise

from posecheck.core.engine import reps_by_side
from posecheck.core.engine.hold_clock import HoldClock
from posecheck.core.engine.hold_timer import HoldTimer
from posecheck.core.engine.reps import RepCounter
from posecheck.core.engine.settled_hold_clock import SettledHoldClock
from posecheck.core.events import EventKind, Phase, RepRecord

FPS = 30.0


def test_rep_counter_counts_a_rep_and_a_partial_without_the_engine():
    ex = exercise(REPS)
    counter = RepCounter(ex, HoldTimer(ex.hold))
    # neutral 10, end 30, partial 20: a full rep, then one that stops at 25.
    trace = [10.0] * 10 + [35.0] * 10 + [10.0] * 10 + [25.0] * 10 + [10.0] * 10
    events = []
    for i, v in enumerate(trace):
        events += counter.update(i / FPS, {"a": v}, ready=True)
    assert [e.kind for e in events] == [EventKind.REP, EventKind.PARTIAL_REP]
    assert len(counter.reps) == 1 and counter.partial_reps == 1
    assert counter.phase == Phase.NEUTRAL


def test_rep_counter_counts_nothing_before_ready_but_arms():
    ex = exercise(REPS)
    counter = RepCounter(ex, HoldTimer(ex.hold))
    for i, v in enumerate([10.0] * 5 + [35.0] * 10):
        assert counter.update(i / FPS, {"a": v}, ready=False) == []
    assert counter.reps == [] and counter.phase == Phase.MOVING


def test_rep_counter_keeps_reps_per_side_of_a_hold_at_the_end():
    ex = exercise(SIDED_HOLD)
    timer = HoldTimer(ex.hold)
    counter = RepCounter(ex, timer)
    # Left to the end and held 3 s (target 2 s), back; the right stays.
    left = [10.0] * 15 + [40.0] * 90 + [10.0] * 15
    for i, v in enumerate(left):
        counter.update(i / FPS, {"l": v, "r": 10.0}, ready=True)
    assert counter.by_side == {"left": 1, "right": 0}
    assert [h.completed for h in timer.records] == [True]


def test_reps_by_side_counts_only_sided_exercises():
    reps = [RepRecord(1.0, "left", 30.0), RepRecord(2.0, "right", 30.0), RepRecord(3.0, "left", 30.0)]
    assert reps_by_side(exercise(SIDED_HOLD), reps) == {"left": 2, "right": 1}
    assert reps_by_side(exercise(REPS), reps) is None


def test_hold_clock_bridges_dips_shorter_than_the_grace():
    clock = HoldClock(0.0, grace_s=0.5)
    assert clock.update(1.0, True)
    assert clock.update(1.3, False)  # out for 0.3 s: still held
    assert clock.update(1.6, True)
    assert not clock.update(2.2, False)  # out for 0.6 s: broken
    assert clock.elapsed_s == 1.6
    assert clock.final_span() == (0.0, 1.6)


def test_a_still_metric_passing_its_level_for_a_frame_is_not_rest():
    """A press: the hand arrives at 0 s, the head leans into it from 1 to 2 s
    and rests at -5 until 10 s; at 0.4 s a hand sweeping over the face reads
    -4.8 for one frame. The press is narrowed to the rest from 2 s at the
    press's level, not from that frame, nor from the head's rest at neutral
    before the lean."""
    clock = SettledHoldClock(0.0, grace_s=0.5, settle_speed=0.25, range_units=20.0, level_band_units=2.0)
    t = 0.0
    while t <= 10.0:
        tilt = -5.0 * min(max(t - 1.0, 0.0), 1.0)
        if abs(t - 0.4) < 1e-6:
            tilt = -4.8
        clock.update(t, True, 1.0, still=(tilt,))
        t = round(t + 0.1, 6)
    start, end = clock.final_span()
    assert 1.5 <= start <= 2.0  # within the 2 deg band from -3 on
    assert end == 10.0


def test_a_static_hold_is_narrowed_to_its_ramps_not_its_drift():
    """A plank: the hips rise 0 -> 12 deg over the first second (in position
    from 2 deg, the way in seen), sink slowly to 6 deg as the person tires
    until 31 s, then lower to 0 in a second (out of position under 2 deg:
    the way out seen). The hold is timed from the settle (1 s) to the start
    of the lowering (31 s): the slow sink is held. (Against the whole
    hold's median level, 9, the sink cut it to about 5-26 s.)"""
    clock = HoldClock(0.15, grace_s=0.5, entered=True)
    t = 0.15
    while True:
        if t <= 1.0:
            hip = 12.0 * t
        elif t <= 31.0:
            hip = 12.0 - 6.0 * (t - 1.0) / 30.0
        else:
            hip = max(6.0 - 6.0 * (t - 31.0), 0.0)
        if not clock.update(t, hip >= 2.0, still=(hip,)):
            break
        t = round(t + 1 / FPS, 6)
    start, end = clock.final_span()
    assert 0.8 <= start <= 1.1
    assert 30.9 <= end <= 31.4
    # The same hold with no way in or out seen (already held when the
    # recording starts, still held when it ends): nothing is cut.
    whole = HoldClock(0.15, grace_s=0.5, entered=False)
    t = 0.15
    while t <= 31.0:
        whole.update(t, True, still=(12.0 * min(t, 1.0) - 6.0 * max(t - 1.0, 0.0) / 30.0,))
        t = round(t + 1 / FPS, 6)
    assert whole.final_span() == (0.15, pytest.approx(31.0, abs=0.04))


def test_settled_hold_clock_starts_when_the_movement_settles():
    # Crosses the end at 0 s but still rises until 1 s; still from then to 3 s.
    clock = SettledHoldClock(0.0, grace_s=0.5, settle_speed=0.25, range_units=20.0, level_band_units=2.0)
    t = 0.0
    while t <= 3.0:
        progress = 1.0 + 0.5 * min(t, 1.0)
        clock.update(t, True, progress)
        t += 1 / FPS
    # Settled: rising by less than settle_speed over the last SETTLE_WINDOW_S;
    # a still window means still up to its end, so the hold runs to now.
    assert clock.start_s is not None and 0.8 <= clock.start_s <= 1.0
    assert math.isclose(clock.elapsed_s, 3.0 - clock.start_s, abs_tol=0.1)


def test_hold_timer_completes_once_and_records_the_hold():
    ex = exercise(SIDED_HOLD)
    timer = HoldTimer(ex.hold)
    timer.start(HoldClock(0.0, grace_s=0.5))
    timer.clock.update(2.5, True)
    assert [e.kind for e in timer.started("left")] == [EventKind.HOLD_STARTED]
    assert timer.started("left") == []
    assert [e.kind for e in timer.check_target("left")] == [EventKind.HOLD_COMPLETED]
    assert timer.check_target("left") == []
    events, rec = timer.end("left")
    assert [e.kind for e in events] == [EventKind.HOLD_ENDED]
    assert rec is not None and rec.completed and timer.records == [rec] and timer.clock is None


def test_the_log_hears_of_a_hold_only_once_it_is_one_and_always_of_its_end():
    """HOLD_STARTED once the hold has lasted min_hold_s (a pass through the
    end position is none); a hold ended before its start was said gets both."""
    ex = exercise(SIDED_HOLD)
    assert ex.hold is not None and ex.hold.min_hold_s > 0.2
    timer = HoldTimer(ex.hold)
    timer.start(HoldClock(0.0, grace_s=0.5))
    timer.clock.update(0.2, True)
    assert timer.started("left") == []  # a sweep through the end, so far
    events, rec = timer.end("left")
    assert events == [] and rec is None
    timer.start(HoldClock(0.0, grace_s=0.5))
    timer.clock.update(1.5, True)
    events, rec = timer.end("left")  # ended (a stop warning) before `started` was asked
    assert [e.kind for e in events] == [EventKind.HOLD_STARTED, EventKind.HOLD_ENDED] and rec is not None


def test_phases_are_their_strings_in_json_and_text():
    assert Phase.SETUP == "setup" and f"{Phase.WAIT_NEUTRAL}" == "wait_neutral"
    assert json.dumps({"phase": Phase.HOLDING, "kind": EventKind.REP}) == '{"phase": "holding", "kind": "rep"}'


def _noisy_hold_trace(sigma_deg: float, seed: int = 3) -> tuple[list[float], list[float]]:
    """A 10.9 s hold at 31 deg (ramps of 1 s from and to 0), read with
    Gaussian noise and a third of the frames missing (NaN), at 15 fps: a
    tilt under drawn face dots (the face mesh misses frames and jitters)."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 20.0, 1 / 15)
    true = np.interp(t, [0.0, 3.0, 4.0, 14.9, 15.9, 20.0], [0.0, 0.0, 31.0, 31.0, 0.0, 0.0])
    read = true + rng.normal(0.0, sigma_deg, len(t))
    read[rng.random(len(t)) < 0.33] = np.nan
    return list(t), list(read)


def _settled_span(t: list[float], deg: list[float]) -> tuple[float, float]:
    """Times a hold at the end of a 8 -> 18 deg movement as the rep counter
    does: from the end's crossing until back at neutral."""
    progress = [(v - 8.0) / 10.0 for v in deg]
    crossed = next(ti for ti, p in zip(t, progress, strict=True) if p >= 1.0)
    clock = SettledHoldClock(crossed, grace_s=0.7, settle_speed=0.25, range_units=10.0, level_band_units=2.0)
    for ti, p in zip(t, progress, strict=True):
        if ti < crossed - SettledHoldClock.SETTLE_WINDOW_S or math.isnan(p):
            continue
        if ti > crossed and p <= 0.0:
            break
        clock.update(ti, p >= 0.7, p)
    return clock.final_span()


def test_settled_hold_clock_times_a_noisy_reading_whole():
    # Noise of 3 deg a frame against a 2 deg level band: each jitter looked
    # like the way back and the hold was cut to a few seconds.
    for seed in range(6):
        start, end = _settled_span(*_noisy_hold_trace(3.0, seed))
        assert abs(start - 4.0) <= 0.5 and abs(end - 14.9) <= 0.5, seed


def _wobbling_hold_trace(seed: int) -> tuple[list[float], list[float], float, float]:
    """A 10 s hold at 30 deg with eased 2 s ramps (as rendered), read 4 deg
    low through noise that wanders in runs of frames (each frame 0.75 of the
    last one's error plus 2 deg: a drawn skeleton's wobble over the face),
    a fifth of the frames missing, at 15 fps; and the truth's edges, where
    the true angle is within 2 deg of the held 30."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 20.0, 1 / 15)
    eased = 15.0 * (1.0 - np.cos(np.pi * np.clip(np.where(t < 10.0, t - 2.0, 16.0 - t) / 2.0, 0.0, 1.0)))
    wobble = np.zeros(len(t))
    for i, step in enumerate(rng.normal(0.0, 2.0, len(t))[1:], start=1):
        wobble[i] = 0.75 * wobble[i - 1] + step
    read = eased * 26.0 / 30.0 + wobble
    read[rng.random(len(t)) < 0.2] = np.nan
    held = t[eased >= 28.0]
    return list(t), list(read), float(held[0]), float(held[-1])


def test_settled_hold_clock_finds_the_edges_of_a_hold_read_through_wandering_noise():
    # The widened band alone put a noisy hold's end up to 1.2 s early (a
    # run of low readings on the way out); the ramps fitted to the samples
    # about each edge put every edge within 0.65 s (most within 0.3).
    for seed in range(10):
        t, deg, start_true, end_true = _wobbling_hold_trace(seed)
        start, end = _settled_span(t, deg)
        assert abs(start - start_true) <= 0.65 and abs(end - end_true) <= 0.65, seed


def test_settled_hold_clock_leaves_a_clean_reading_as_it_was():
    t, deg = _noisy_hold_trace(0.05)
    clean = [v if math.isnan(v) else round(v, 1) for v in deg]
    start, end = _settled_span(t, clean)
    assert abs(start - 4.0) <= 0.15 and abs(end - 14.9) <= 0.15
    clock = SettledHoldClock(3.4, grace_s=0.7, settle_speed=0.25, range_units=10.0, level_band_units=2.0)
    for ti, v in zip(t, clean, strict=True):
        if ti >= 3.4 and not math.isnan(v) and ti <= 15.0:
            clock.update(ti, True, (v - 8.0) / 10.0)
    times, progress = np.asarray(clock._t), np.asarray(clock._p)
    steadied, band = clock._steadied(times, progress)
    assert steadied is progress and band == clock.band


def test_settled_hold_clock_finds_no_hold_in_a_sweep_through_the_end():
    """A turn through the end position and straight back, read without
    noise at 10 fps: no still span (steadied, its top was flattened into
    0.4 s)."""
    t = np.arange(0.0, 3.0, 0.1)
    deg = np.where((t > 1.0) & (t < 2.0), 31.0 * np.sin(np.pi * (t - 1.0)), 0.0)
    start, end = _settled_span(list(t), list(deg))
    assert end - start <= 0.15


def test_settled_hold_clock_ends_where_the_reading_last_sat_at_its_level():
    """A turn near profile: the reading creeps 1.6 deg further during the
    hold and the way back starts slowly, wandering at the band's edge for
    half a second (the first degrees of a turn back read as less), before
    the head comes back briskly. The hold ended when the way back began,
    not when the reading finally left the band."""
    t = np.arange(0.0, 20.0, 1 / 15)
    deg = np.interp(t, [0.0, 3.0, 4.0, 14.9, 15.0, 20.0], [0.0, 0.0, 31.0, 32.6, 32.6, 32.6])
    # From 14.9 s: below the held 32.6 by these, a frame each, then back briskly.
    first = [0.5, 1.2, 2.1, 1.7, 1.8, 2.2, 1.9, 2.4, 3.0, 4.0, 5.5]
    back = np.concatenate([first, np.linspace(7.0, 32.6, 15)])
    i0 = int(np.searchsorted(t, 14.9))
    deg[i0 + 1 : i0 + 1 + len(back)] = 32.6 - back
    deg[i0 + 1 + len(back) :] = 0.0
    start, end = _settled_span(list(t), list(deg))
    assert abs(start - 4.0) <= 0.2
    # The last frame within the level: 1.2 below it, two frames after 14.9.
    assert end == pytest.approx(t[i0 + 2])
