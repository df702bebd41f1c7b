"""Truth files of the clip renderer (tools/render), checked by hand.

Torch-free: only ``tools.render.channels``, ``motion`` and ``truth`` are
imported (numpy and the standard library). The expected numbers below are
worked out from the script text, not read back from the code under test:
reps and sides, hold spans under the eased-hold convention (README.md,
"Hold spans"), partial counts, unsafe and absent spans, and the mirroring
of a left-side template to the right.
"""

from __future__ import annotations

import json
import math
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tools` is a namespace at the repository root
    sys.path.insert(0, str(ROOT))

from tools.render.channels import mirror_channel
from tools.render.motion import ScriptError, load_script, parse_script
from tools.render.truth import build_truth, hold_span, side_sign_warnings

SCRIPTS = sorted((ROOT / "tools" / "render" / "scripts").glob("*.toml"))
SAMPLES = ROOT / "samples"

HEADER = """
name = "t"
exercise = "neck_side_tilt_hold"
fps = 15
size = [640, 480]
hold_target_s = {target}
[variant]
body = "average_man"
clothes = "blue_shirt_grey_shorts"
camera = "near"
view = "front"
"""


def script(body: str, target: float = 10):
    return parse_script(tomllib.loads(HEADER.format(target=target) + body))


def sine_lead_s(excursion: float, duration: float, tol: float | None = None) -> float:
    """Time before the end of a sine-eased move when it comes within tolerance
    of its target: excursion * (1 - e(u)) = tol, e(u) = (1 - cos(pi u)) / 2."""
    tol = max(2.0, 0.05 * excursion) if tol is None else tol
    u = math.acos(2.0 * tol / excursion - 1.0) / math.pi  # e(u) = 1 - tol / excursion
    return duration * (1.0 - u)


TILT_BOTH_SIDES = """
[[block]]
segments = [{ rest = 1 }]
[[block]]
sides = ["left", "right"]
segments = [
  { move = { head_tilt_deg = 30 }, duration_s = 2 },
  { hold = 10, rep = "full" },
  { neutral = true, duration_s = 2 },
  { rest = 1 },
]
"""


def test_hold_span_extends_over_the_eased_approach_and_departure():
    s = script(TILT_BOTH_SIDES)
    truth = build_truth(s)
    lead = sine_lead_s(30, 2)  # 30 deg in 2 s, tolerance 2 deg: ~0.333 s
    assert lead == pytest.approx(0.3325, abs=1e-3)
    # left: move 1-3 s, hold 3-13 s, neutral 13-15 s; right: move 16-18, hold 18-28
    expected = [(3 - lead, 13 + lead, "left"), (18 - lead, 28 + lead, "right")]
    assert len(truth["holds"]) == 2
    for hold, (start, end, side) in zip(truth["holds"], expected):
        assert hold["start_s"] == pytest.approx(start, abs=2e-3)
        assert hold["end_s"] == pytest.approx(end, abs=2e-3)
        assert hold["duration_s"] == pytest.approx(10 + 2 * lead, abs=3e-3)
        assert hold["completed"] is True
        assert hold["side"] == side
        assert hold["segment_s"] == [start + lead, end - lead]
    # a hold rep counts at span start + hold target
    assert [e["side"] for e in truth["rep_events"]] == ["left", "right"]
    assert truth["rep_events"][0]["t_s"] == pytest.approx(3 - lead + 10, abs=2e-3)
    assert truth["rep_events"][1]["t_s"] == pytest.approx(18 - lead + 10, abs=2e-3)
    assert truth["reps"] == 2 and truth["partial_reps"] == 0
    assert truth["reps_by_side"] == {"left": 1, "right": 1}
    assert truth["hold_target_s"] == 10
    assert truth["frames"] == 31 * 15  # 1 + 2 x (2 + 10 + 2 + 1) s


def test_right_side_is_the_mirror_of_the_left_template():
    s = script(TILT_BOTH_SIDES)
    tilt = np.array(build_truth(s)["angles"]["head_tilt_deg"])
    assert tilt[8 * 15] == pytest.approx(30)  # left hold: + toward the left shoulder
    assert tilt[23 * 15] == pytest.approx(-30)  # right hold: mirrored
    assert side_sign_warnings(s) == []


def test_mirror_channel_rules():
    assert mirror_channel("left_shoulder_elevation_deg", 28) == ("right_shoulder_elevation_deg", 28)
    assert mirror_channel("right_hip_flexion_deg", 30) == ("left_hip_flexion_deg", 30)
    for lateral in ("head_tilt_deg", "head_turn_deg", "trunk_side_bend_deg", "body_roll_deg", "body_yaw_deg"):
        assert mirror_channel(lateral, 25) == (lateral, -25)
    for sagittal in ("head_pitch_deg", "trunk_flexion_deg", "body_pitch_deg"):
        assert mirror_channel(sagittal, 25) == (sagittal, 25)
    assert mirror_channel("body_x_m", 2.0) == ("body_x_m", -2.0)


def test_right_side_loop_mirrors_amplitudes_phases_and_cycles():
    s = script(
        """
[[block]]
sides = ["right"]
segments = [{ loop = { head_turn_deg = 4, head_pitch_deg = 6 }, cycles = { head_turn_deg = 2, head_pitch_deg = 1 }, phase_deg = { head_turn_deg = 90 }, duration_s = 2 }]
""",
        target=0,
    )
    segment = s.segments[0]
    assert segment.values == {"head_turn_deg": -4, "head_pitch_deg": 6}
    assert segment.cycles == {"head_turn_deg": 2, "head_pitch_deg": 1}
    assert segment.phases_deg == {"head_turn_deg": 90}
    tracks = s.sample()
    # frame 15 = t 1 s = u 0.5: turn = -4 (sin(2 pi 2 0.5 + pi/2) - 1) = 0; pitch = 6 sin(pi) = 0
    assert tracks["head_turn_deg"][15] == pytest.approx(0, abs=1e-9)
    # frame 7.5 is not a frame; t = 0.4 s, u = 0.2: turn = -4 (cos(0.8 pi) - 1), pitch = 6 sin(0.4 pi)
    assert tracks["head_turn_deg"][6] == pytest.approx(-4 * (math.cos(0.8 * math.pi) - 1))
    assert tracks["head_pitch_deg"][6] == pytest.approx(6 * math.sin(0.4 * math.pi))


def test_tolerance_is_five_percent_of_a_large_excursion_and_the_tightest_channel_governs():
    s = script("""
[[block]]
segments = [
  { move = { head_turn_deg = 60 }, duration_s = 2 },
  { hold = 10, rep = "full" },
  { neutral = true, duration_s = 2 },
]
""")
    lead = sine_lead_s(60, 2)  # tolerance 3 deg = 5% of 60
    start, end = hold_span(s, 1)
    assert (start, end) == (pytest.approx(2 - lead, abs=1e-3), pytest.approx(12 + lead, abs=1e-3))

    two = script("""
[[block]]
segments = [
  { move = { trunk_side_bend_deg = 25, left_shoulder_abduction_deg = 18 }, duration_s = 2.5 },
  { hold = 10, rep = "full" },
  { neutral = true, duration_s = 2.5 },
]
""")
    lead = min(sine_lead_s(25, 2.5), sine_lead_s(18, 2.5))  # both 2 deg: the 18 deg channel is later
    start, end = hold_span(two, 1)
    assert start == pytest.approx(2.5 - lead, abs=1e-3)
    assert end == pytest.approx(12.5 + lead, abs=1e-3)


def test_broken_hold_partial_move_unsafe_and_absent_spans():
    s = script("""
[[rule]]
flag = "unsafe"
name = "neck_overextension"
channel = "head_pitch_deg"
below = -41
[[rule]]
flag = "absent"
channel = "body_x_m"
above = 1.1
[[block]]
segments = [
  { move = { head_tilt_deg = 30 }, duration_s = 2, side = "left" },
  { hold = 6, rep = "full", side = "left" },
  { neutral = true, duration_s = 2 },
  { move = { head_tilt_deg = 12 }, duration_s = 1, side = "right", rep = "partial" },
  { neutral = true, duration_s = 1 },
  { move = { head_turn_deg = 45 }, duration_s = 0.2, ease = "linear", unsafe = "jerk" },
  { neutral = true, duration_s = 1.8 },
  { move = { head_pitch_deg = -50 }, duration_s = 2, ease = "linear" },
  { rest = 1 },
  { neutral = true, duration_s = 2, ease = "linear" },
  { move = { body_x_m = 2.0 }, duration_s = 2, ease = "linear" },
  { rest = 2, absent = true },
  { neutral = ["body_x_m"], duration_s = 2, ease = "linear" },
]
""")
    truth = build_truth(s)
    lead = sine_lead_s(30, 2)
    (hold,) = truth["holds"]
    assert hold["duration_s"] == pytest.approx(6 + 2 * lead, abs=3e-3)
    assert hold["completed"] is False
    assert truth["reps"] == 0 and truth["rep_events"] == []
    assert truth["partial_reps"] == 2  # the broken hold and the short tilt
    assert truth["reps_by_side"] == {"left": 0, "right": 0}
    # the short tilt went right: -12 deg at its end (t = 11 s)
    assert truth["angles"]["head_tilt_deg"][11 * 15] == pytest.approx(-12)

    unsafe = {u["rule"]: u for u in truth["unsafe"]}
    # jerk segment 12.0-12.2 s
    assert (unsafe["jerk"]["start_s"], unsafe["jerk"]["end_s"]) == (12.0, 12.2)
    # extension: linear 0 -> -50 over 14-16 s passes -41 at 15.64 s; back over 17-19 s passes -41 at 17.36 s:
    # frames strictly below -41 are 235 (15.667 s) .. 260 (17.333 s); a span covers whole frames
    assert unsafe["neck_overextension"]["start_s"] == pytest.approx(235 / 15, abs=1e-3)
    assert unsafe["neck_overextension"]["end_s"] == pytest.approx(261 / 15, abs=1e-3)
    # absent: x = t - 19 passes 1.1 at 20.1 s (first frame 302), x = 2 - (t - 23) falls to 1.1 at 23.9 s
    # (last frame 358); the absent segment 21-23 s lies inside, so one merged span
    (absent,) = truth["absent"]
    assert absent["start_s"] == pytest.approx(302 / 15, abs=1e-3)
    assert absent["end_s"] == pytest.approx(359 / 15, abs=1e-3)
    assert "body_x_m" not in truth["angles"]


def test_hold_without_a_target_is_refused():
    with pytest.raises(ScriptError):
        script("[[block]]\nsegments = [{ hold = 3 }]\n", target=0)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.stem)
def test_every_script_is_consistent_and_its_sample_truth_is_current(path):
    s = load_script(path)
    assert s.name == path.stem
    assert side_sign_warnings(s) == [], "a right-side segment written already mirrored?"
    truth = build_truth(s)
    for hold in truth["holds"]:
        seg_start, seg_end = hold["segment_s"]
        assert hold["start_s"] <= seg_start and hold["end_s"] >= seg_end
        assert hold["completed"] == (hold["duration_s"] >= s.hold_target_s - 1e-6)
    stored = SAMPLES / f"{s.name}.truth.json"
    if not stored.is_file():
        pytest.skip(f"{stored.name} not rendered")
    on_disk = json.loads(stored.read_text())
    for key in (
        "exercise",
        "frames",
        "hold_target_s",
        "reps",
        "reps_by_side",
        "partial_reps",
        "rep_events",
        "holds",
        "unsafe",
        "absent",
        "variant",
    ):
        assert on_disk[key] == truth[key], key


def test_the_short_demo_tilts_right_on_its_right_hold():
    """Regression: the right-side tilt was written as -30, mirrored to +30 (left twice)."""
    s = load_script(ROOT / "tools" / "render" / "scripts" / "neck_side_tilt_short_front.toml")
    truth = build_truth(s)
    tilt = truth["angles"]["head_tilt_deg"]
    sides = [h["side"] for h in truth["holds"]]
    assert sides == ["left", "right"]
    for hold in truth["holds"]:
        middle = int((hold["start_s"] + hold["end_s"]) / 2 * s.fps)
        assert tilt[middle] == pytest.approx(30 if hold["side"] == "left" else -30)
    assert truth["reps"] == 1 and truth["partial_reps"] == 1
