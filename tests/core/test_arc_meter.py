"""Half head rolls through the back (core/arc_meter.py), with the shipped rule.

The rule is the default `neck_circle` arc of safety_defaults.toml: the eye
line swinging past +-12 deg, the nod half way at least 14 lower than at the
swing's ends and at most 0 (the head tipped back), within 3 s.
"""

import numpy as np
import pytest

from posecheck.core.arc_meter import ArcMeter
from posecheck.core.safety import SafetyMonitor
from posecheck.spec.defaults import load_defaults

FPS = 15.0
ARC = next(r for r in load_defaults().rules if r.kind == "arc")


def feed(tilt, nod, monitor=None):
    mon = monitor or SafetyMonitor((ARC,))
    fired = []
    for i, (x, y) in enumerate(zip(tilt, nod)):
        fired += mon.update(i / FPS, {ARC.metric: float(x), ARC.metric_y: float(y)})
    return mon, fired


def still(seconds, tilt=0.0, nod=5.0):
    n = int(seconds * FPS)
    return np.full(n, tilt), np.full(n, nod)


def half_rolls(count, seconds_each=2.25, tilt=25.0, dip=30.0, nod=5.0):
    """Shoulder to shoulder `count` times, the nod `dip` lower half way
    (positive: through the back; negative: through the front)."""
    u = np.arange(int(count * seconds_each * FPS)) / (seconds_each * FPS)
    return tilt * np.cos(np.pi * u), nod - dip * np.sin(np.pi * u) ** 2


def cat(*parts):
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def to_side(seconds=1.0, tilt=25.0, nod=5.0):
    u = np.linspace(0, 1, int(seconds * FPS))
    return tilt * np.sin(np.pi / 2 * u), np.full(len(u), nod)


def test_rule_is_shipped_as_a_neck_circle():
    assert ARC.id == "neck_circle" and ARC.severity == "stop"
    assert (ARC.metric, ARC.metric_y) == ("head_tilt_eyes_deg", "head_nod_deg")


def test_half_rolls_through_the_back_stop_at_the_first_far_shoulder():
    mon, fired = feed(*cat(still(2), to_side(), half_rolls(3), still(2)))
    assert len(fired) == 1 and fired[0].detail["rule"] == "neck_circle"
    # The first roll starts at 3 s and reaches the far shoulder (past 12 deg)
    # about 2/3 of the way through its 2.25 s.
    assert 3.0 + 1.2 <= fired[0].t_s <= 3.0 + 2.25
    # One warning for the three rolls, from the first roll's start.
    assert len(mon.warnings) == 1 and mon.warnings[0].t_s == pytest.approx(3.0, abs=0.2)


@pytest.mark.parametrize(
    "dip, warns",
    [(30.0, True), (18.0, True), (10.0, False), (0.0, False), (-30.0, False)],
    ids=["back", "back_less", "slight", "level", "through_the_front"],
)
def test_only_a_deep_dip_half_way_is_a_roll(dip, warns):
    """A side tilt from shoulder to shoulder passes the middle level with
    its ends; through the front (chin to chest) passes higher."""
    mon, _ = feed(*cat(still(2), to_side(), half_rolls(2, dip=dip), still(2)))
    assert bool(mon.warnings) == warns


def test_a_roll_taken_slowly_is_still_a_roll():
    mon, _ = feed(*cat(still(2), to_side(), half_rolls(1, seconds_each=6.0), still(2)))
    assert len(mon.warnings) == 1


def test_sides_further_apart_than_the_window_are_two_movements():
    # A left tilt, the head back in the middle for 4 s (a neck extension),
    # then a right tilt: not one swing.
    left, back = to_side(), still(4, nod=-25.0)
    right = to_side(tilt=-25.0)
    mon, _ = feed(*cat(still(2), left, (left[0][::-1], left[1]), back, right, still(2, tilt=-25.0)))
    assert mon.warnings == []


def test_back_to_the_middle_and_the_same_side_again_is_no_swing():
    # Left, head back in the middle, then left again (a nod back between two
    # left tilts): never on the other side.
    u = np.arange(int(2 * FPS)) / (2 * FPS)
    back_and_forth = (25 * np.cos(np.pi * u) ** 2, 5 - 30 * np.sin(np.pi * u) ** 2)
    mon, _ = feed(*cat(still(2), to_side(), back_and_forth, still(2, tilt=25.0)))
    assert mon.warnings == []


def test_one_misread_frame_on_the_far_side_is_not_reaching_it():
    tilt, nod = cat(still(2), to_side(), still(1, tilt=25.0))
    # Head back in the middle and one frame misread past the other shoulder,
    # level there.
    tilt = np.concatenate([tilt, np.zeros(10), [-30.0], np.zeros(10)])
    nod = np.concatenate([nod, np.full(10, -40.0), [5.0], np.full(10, -40.0)])
    mon, _ = feed(tilt, nod)
    assert mon.warnings == []


def test_a_reading_past_90_is_someone_else_and_the_swing_is_dropped():
    tilt, nod = cat(still(2), to_side(), half_rolls(1), still(2))
    # The middle of the roll read upside down (a bystander crossing).
    mid = int((3.0 + 1.1) * FPS)
    tilt[mid] = -160.0
    mon, _ = feed(tilt, nod)
    assert mon.warnings == []


def test_a_cut_forgets_the_swing():
    tilt, nod = cat(still(2), to_side(), half_rolls(1), still(2))
    mon = SafetyMonitor((ARC,))
    fired = []
    cut_at = int((3.0 + 1.1) * FPS)
    for i, (x, y) in enumerate(zip(tilt, nod)):
        if i == cut_at:
            mon.cut(i / FPS)
        fired += mon.update(i / FPS, {ARC.metric: float(x), ARC.metric_y: float(y)})
    assert fired == []


def test_nan_frames_are_skipped_not_read():
    meter = ArcMeter(12.0, 22.0, 3.0)
    assert meter.update(0.0, float("nan"), 5.0) == (None, 0.0)  # unknown, not "no roll"
    tilt, nod = cat(to_side(), half_rolls(1))
    tilt = tilt.copy()
    tilt[::4] = np.nan  # every 4th frame unknown: the roll is still seen
    hits = [meter.update(i / FPS, x, y)[0] for i, (x, y) in enumerate(zip(tilt, nod))]
    assert any(hits)


@pytest.mark.parametrize("rest_s", [0.0, 0.8, 1.6, 2.4])
def test_a_rest_on_the_first_shoulder_does_not_move_the_swing_s_end(rest_s):
    """However long the head sat on the shoulder before rolling, that side's
    end is its frame farthest out, not whichever frame came last."""
    mon, _ = feed(*cat(still(2), to_side(), still(rest_s, tilt=25.0), half_rolls(1, dip=25.0), still(2, tilt=-25.0)))
    assert len(mon.warnings) == 1


def test_a_nod_that_only_falls_from_one_shoulder_to_the_other_is_no_dip():
    u = np.arange(int(2.25 * FPS)) / (2.25 * FPS)
    falling = (25 * np.cos(np.pi * u), 5 - 45 * u)
    mon, _ = feed(*cat(still(2), to_side(), falling, still(2, tilt=-25.0, nod=-40.0)))
    assert mon.warnings == []


def test_after_a_swing_the_same_side_again_is_a_new_run():
    """A level side tilt left to right, back to the middle with the head
    back, and right again: the second right is no swing from the left."""
    level = half_rolls(1, dip=0.0)
    u = np.arange(int(1.5 * FPS)) / (1.5 * FPS)
    middle_and_back = (-25 * np.cos(np.pi / 2 * u), 5 - 30 * np.sin(np.pi / 2 * u))
    right_again = (-25 * np.sin(np.pi / 2 * u), np.full(len(u), 5.0))
    mon, _ = feed(
        *cat(still(2), to_side(), level, middle_and_back, still(1, nod=-25.0), right_again, still(2, tilt=-25.0))
    )
    assert mon.warnings == []


def test_a_chin_held_down_while_the_face_turns_is_no_roll():
    """Chin-down turns (norbekov): the face turned far reads the nod higher
    at the turned ends than in the middle, a 'dip' of 14-15 at turns of
    55-60 deg (review H2, modelled), but the middle is the chin down, not
    the head back: it reads well above a level head."""
    rolls = half_rolls(2, dip=18.0, nod=40.0)  # ends 40, middle 22
    mon, _ = feed(*cat(still(2, nod=40.0), to_side(nod=40.0), rolls, still(2, nod=40.0)))
    assert mon.warnings == []
    # The same dip with the head tipped back half way is a roll.
    mon, _ = feed(*cat(still(2), to_side(), half_rolls(2, dip=18.0), still(2)))
    assert len(mon.warnings) == 1


def test_one_misread_frame_just_after_an_unknown_one_is_not_read_alone():
    """Review M2: the median of three started afresh after every unknown
    frame, so a single misread nod (-15 in a level 20) right after one read
    alone as a 35 deg dip half way through a side tilt."""
    meter = ArcMeter(ARC.above, ARC.dip_above, ARC.window_s, ARC.middle_below)
    fired = False
    for i in range(31):
        y = -15.0 if i == 15 else float("nan") if i == 14 else 20.0
        fired |= bool(meter.update(i / FPS, -20 + 40 * i / 30, y)[0])
    assert not fired
