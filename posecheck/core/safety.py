"""Safety monitors: an exercise's limits, checked on every frame.

Rule kinds (see `SafetyRule`): a limit on a metric, a speed limit (sudden,
jerky movement), a loop detector (head circles) and a half-circle one
(arc_meter.py: half head rolls through the back). A rule fires when its
condition lasts `for_s` seconds, so one noisy frame never warns. One long
fault is one warning whose span grows while the fault lasts; the same rule
firing again within `cooldown_s` of the end of its last warning extends that
warning instead of adding another. Rules sharing an id (a speed limit on
several metrics) are one rule: any of them at fault is the fault. The reps
themselves are watched by fatigue.py.
"""

from __future__ import annotations

import math
import statistics
from collections import deque

import numpy as np

from posecheck.core.arc_meter import ArcMeter
from posecheck.core.events import Event, Severity, WarningRecord, warning_event
from posecheck.spec import SafetyRule

# Speeds are measured over this window: long enough to average out landmark
# jitter, short enough to catch a jerk of a few frames.
SPEED_WINDOW_S = 0.12
# A fast change counts as a movement when the reading has moved that way from
# before it to after it: from CONFIRM_S before the window to CONFIRM_S after,
# by at least STAYS_SHARE of the change. The model sometimes misreads a frame
# or a few, a leg jumping 30-100 deg and back (real clips scaled to 320 px or
# darkened): the jump out and the way back are each fast, but the reading
# ends where it began. A person cannot move a joint far and back in 0.1 s,
# while a real jerk (the rendered neck snap: 60 deg in 0.1 s) has moved.
# The warning comes CONFIRM_S later.
CONFIRM_S = 0.1
STAYS_SHARE = 0.5
# A warning stays on screen this long after its fault was last seen: a
# momentary fault (a jerk, a half roll reaching the far shoulder) is true for
# a frame or two, and a "Stop" banner that flashed for 1/30 s (a real head
# roll's warning, 0.6-3.4 s, showed on 3 of 84 frames) is not read.
SHOWN_S = 2.0

# A reading that steps faster than MAX_STEP_DEG_S in one frame while the
# frames either side of it step at under ISOLATED_SHARE of that is the
# model reading something else from that frame on (a coach walking in
# beside a push-up: the elbow 145 -> 137 -> 64 -> 59 deg, a 2200 deg/s step
# between steps of 250 and 150), not a movement: a limb speeds up and slows
# down over frames (an arm flung down from a stretch steps 2600 deg/s two
# frames running, and warns). Its speed is measured afresh from the new
# reading, as after a cut. Fast by design stays under the step: explosive
# push-ups read at most 907 deg/s a frame, jump squats 1003.
MAX_STEP_DEG_S = 1500.0
ISOLATED_SHARE = 0.25

# After a cut the movement rules (speed, loop, arc) say nothing this long: a
# cut found inside a cross-fade (0.5-1 s in edited demos) is followed by more
# frames blending two shots, whose landmarks slide from one pose to the other
# (a real plank tutorial's fade read "Slow down" 0.1 s after its cut, a squat
# demo's fade a neck circle). A real jerk that soon after an edit is lost.
AFTER_CUT_S = 1.0


class _SpeedMeter:
    """|d metric / dt| over a SPEED_WINDOW_S window that ended CONFIRM_S
    ago; 0 where the reading went out and came back (a misread, not a move);
    unknown for a window after an isolated jump (MAX_STEP_DEG_S)."""

    def __init__(self) -> None:
        self._hist: deque[tuple[float, float]] = deque()
        # When the window of the last speed measured ended.
        self.at_s = math.nan

    def reset(self) -> None:
        """Forget the history (a NaN reading, or a cut)."""
        self._hist.clear()

    def update(self, t_s: float, value: float) -> float:
        self.at_s = t_s
        if math.isnan(value):
            self.reset()
            return math.nan
        hist = self._hist
        hist.append((t_s, value))
        if _isolated_jump(hist):
            for _ in range(len(hist) - 2):  # measured afresh from the jump (MAX_STEP_DEG_S)
                hist.popleft()
        while len(hist) > 2 and t_s - hist[1][0] >= SPEED_WINDOW_S + 2 * CONFIRM_S:
            hist.popleft()
        # The window ends at the last sample CONFIRM_S old and starts at the
        # last one SPEED_WINDOW_S before that; the oldest is the reading before.
        end = next((i for i in range(len(hist) - 1, -1, -1) if t_s - hist[i][0] >= CONFIRM_S - 1e-9), None)
        if end is None:
            return math.nan
        t_end = hist[end][0]
        self.at_s = t_end
        start = next((i for i in range(end, -1, -1) if t_end - hist[i][0] >= SPEED_WINDOW_S - 1e-9), 0)
        t0 = hist[start][0]
        if t_end - t0 < SPEED_WINDOW_S * 0.5:
            return math.nan
        change = _middle(hist, end) - _middle(hist, start)
        moved = value - hist[0][1]
        if moved * change <= 0 or abs(moved) < STAYS_SHARE * abs(change):
            return 0.0
        return abs(change) / (t_end - t0)


def _isolated_jump(hist: deque[tuple[float, float]]) -> bool:
    """The step into the second-to-last reading is over MAX_STEP_DEG_S and
    the steps either side of it under ISOLATED_SHARE of it."""
    if len(hist) < 4:
        return False
    (t0, v0), (t1, v1), (t2, v2), (t3, v3) = (hist[k] for k in range(len(hist) - 4, len(hist)))
    if min(t1 - t0, t2 - t1, t3 - t2) <= 0:
        return False
    jump = abs(v2 - v1) / (t2 - t1)
    calm = ISOLATED_SHARE * jump
    return jump > MAX_STEP_DEG_S and abs(v1 - v0) / (t1 - t0) < calm and abs(v3 - v2) / (t3 - t2) < calm


def _middle(hist: deque[tuple[float, float]], i: int) -> float:
    """The median of the readings at i and its neighbours: on a movement
    (readings rising or falling) the reading at i itself, while a reading
    that jumps out for one frame and back (landmark jitter on a dark or
    small picture) is not taken for where the limb was."""
    # statistics.median: numpy's costs ~20x more on three numbers, twice a
    # frame per speed rule.
    return float(statistics.median(hist[k][1] for k in range(max(i - 1, 0), min(i + 2, len(hist)))))


class _LoopMeter:
    """How far the point (x, y) has wound round its recent centre.

    The centre is the median of the last `window_s` seconds. The winding is
    the signed sum of angle steps over the latest run of samples that stay
    more than `radius` from the centre: back-and-forth movements (nods, side
    tilts, turns) pass near the centre, which ends the run, or cancel out.
    """

    # The winding is re-measured this often (not every frame): a head circle
    # takes seconds, and the check is the costliest per-frame step.
    CHECK_EVERY_S = 0.1

    def __init__(self, window_s: float, radius: float) -> None:
        self.window_s = window_s
        self.radius = radius
        self._t: deque[float] = deque()
        self._xy: deque[tuple[float, float]] = deque()
        self._checked_s = -math.inf
        self._last: tuple[float, float] = (0.0, 0.0)

    def update(self, t_s: float, x: float, y: float) -> tuple[float, float]:
        """Feed one sample; returns (turns wound, start time of the run),
        NaN turns for an unknown sample (it neither confirms nor clears a
        fault: the nod is unknown with the face turned far)."""
        if math.isnan(x) or math.isnan(y):
            return math.nan, t_s
        self._t.append(t_s)
        self._xy.append((x, y))
        while self._t and t_s - self._t[0] > self.window_s:
            self._t.popleft()
            self._xy.popleft()
        if t_s - self._checked_s < self.CHECK_EVERY_S:
            return self._last
        self._checked_s = t_s
        self._last = self._winding(t_s)
        return self._last

    def _winding(self, t_s: float) -> tuple[float, float]:
        pts = np.asarray(self._xy)
        d = pts - np.median(pts, axis=0)
        far = np.hypot(d[:, 0], d[:, 1]) > self.radius
        if not far[-1]:
            return 0.0, t_s
        near_idx = np.flatnonzero(~far)
        start = int(near_idx[-1]) + 1 if len(near_idx) else 0
        ang = np.arctan2(d[start:, 1], d[start:, 0])
        steps = (np.diff(ang) + math.pi) % (2 * math.pi) - math.pi
        return abs(float(np.sum(steps))) / (2 * math.pi), self._t[start]


class _RuleState:
    def __init__(self) -> None:
        self.since_s: float | None = None
        self.active: WarningRecord | None = None
        self.last: WarningRecord | None = None


class SafetyMonitor:
    """Checks an exercise's safety rules frame by frame."""

    def __init__(self, rules: tuple[SafetyRule, ...]) -> None:
        self.rules = rules
        self.warnings: list[WarningRecord] = []
        self._ids = list(dict.fromkeys(r.id for r in rules))
        self._by_id = {i: [r for r in rules if r.id == i] for i in self._ids}
        self._state = {i: _RuleState() for i in self._ids}
        self._speed = {r.metric: _SpeedMeter() for r in rules if r.kind == "speed"}
        self._loops = {(r.metric, r.metric_y): _LoopMeter(r.window_s, r.above) for r in rules if r.kind == "loop"}
        self._arcs = {r: ArcMeter(r.above, r.dip_above, r.window_s, r.middle_below) for r in rules if r.kind == "arc"}
        self._quiet_until_s = -math.inf

    def cut(self, t_s: float) -> None:
        """The recording jumped at t_s (cuts.py): speeds and loops start
        afresh, so the jump is never read as a movement, and say nothing
        for AFTER_CUT_S (the rest of a cross-fade)."""
        self._quiet_until_s = t_s + AFTER_CUT_S
        self._restart_meters()

    def _restart_meters(self) -> None:
        for meter in self._speed.values():
            meter.reset()
        for key, loop in list(self._loops.items()):
            self._loops[key] = _LoopMeter(loop.window_s, loop.radius)
        for arc in self._arcs.values():
            arc.reset()

    def _fault(
        self,
        rule: SafetyRule,
        t_s: float,
        values: dict[str, float],
        speeds: dict[str, float],
        loops: dict[tuple[str, str], tuple[float, float]],
        arcs: dict[SafetyRule, tuple[bool | None, float]],
    ) -> tuple[bool | None, float]:
        """(at fault?, since when) for one rule now; None when unknown (NaN)."""
        if rule.kind == "speed":
            v = speeds.get(rule.metric, math.nan)
            # Timed from when the fast change was measured, not confirmed.
            return (None if math.isnan(v) else v > rule.above), self._speed[rule.metric].at_s
        if rule.kind == "loop":
            turns, start_s = loops[(rule.metric, rule.metric_y)]
            return (None if math.isnan(turns) else turns >= rule.turn_above), start_s
        if rule.kind == "arc":
            return arcs[rule]
        v = values.get(rule.metric, math.nan)
        return (None if math.isnan(v) else rule.violated(v)), t_s

    def update(
        self,
        t_s: float,
        values: dict[str, float],
        exercising: bool = True,
        speed_values: dict[str, float] | None = None,
    ) -> list[Event]:
        """Feed one frame's metric values; returns warnings that fired now.

        NaN (pose lost) leaves a rule's state as it was: a gap neither
        confirms nor clears a fault.

        Args:
            exercising: False while the person gets into or out of position
                (before the setup check passes; outside a static hold): speed
                rules are about the exercise's movements, so they wait.
            speed_values: the values whose speed the speed rules judge, if
                not `values` (NaN where a speed in the picture is not the
                body's: metrics.metric_broadside).
        """
        if t_s < self._quiet_until_s:
            self._restart_meters()  # so that nothing of the blend is kept after it
        for_speed = values if speed_values is None else speed_values
        speeds = {m: meter.update(t_s, for_speed.get(m, math.nan)) for m, meter in self._speed.items()}
        loops = {
            key: meter.update(t_s, values.get(key[0], math.nan), values.get(key[1], math.nan))
            for key, meter in self._loops.items()
        }
        arcs = {
            r: meter.update(t_s, values.get(r.metric, math.nan), values.get(r.metric_y, math.nan))
            for r, meter in self._arcs.items()
        }
        out: list[Event] = []
        for rid in self._ids:
            rules = self._by_id[rid]
            results: list[tuple[bool | None, float]]
            if not exercising and rules[0].kind == "speed":
                results = [(False, t_s) for _ in rules]
            else:
                results = [self._fault(r, t_s, values, speeds, loops, arcs) for r in rules]
            known = [(f, since) for f, since in results if f is not None]
            if not known:
                continue
            faulty = [(r, since) for r, (f, since) in zip(rules, results) if f]
            st = self._state[rid]
            if not faulty:
                st.since_s = None
                if st.active is not None:
                    st.last, st.active = st.active, None
                continue
            rule, since = faulty[0]
            if st.since_s is None:
                st.since_s = min(since, t_s)
            if st.active is not None:
                st.active.end_s = t_s
                continue
            if t_s - st.since_s < rule.for_s:
                continue
            if st.last is not None and st.since_s - st.last.end_s <= rule.cooldown_s:
                st.active = st.last
                st.active.end_s = t_s
                continue
            out.append(self._fire(st, rule.id, Severity(rule.severity), rule.message, st.since_s, t_s))
        return out

    def _fire(
        self, st: _RuleState, rule_id: str, severity: Severity, message: str, start_s: float, t_s: float
    ) -> Event:
        st.active = WarningRecord(start_s, t_s, rule_id, severity, message, fired_s=t_s)
        self.warnings.append(st.active)
        return warning_event(t_s, rule_id, severity, message, start_s)

    def add(self, t_s: float, rule_id: str, severity: Severity, message: str) -> Event:
        """Record a one-off warning (fatigue, pain) in the same list."""
        self.warnings.append(WarningRecord(t_s, t_s, rule_id, severity, message, fired_s=t_s))
        return warning_event(t_s, rule_id, severity, message, t_s)

    def active(self, t_s: float) -> list[WarningRecord]:
        """Warnings to show now (the overlay banner): their fault going on,
        or seen within SHOWN_S."""
        out = []
        for st in self._state.values():
            shown = st.active or st.last
            if shown is not None and (st.active is not None or t_s - shown.end_s <= SHOWN_S):
                out.append(shown)
        return out
