"""The exercise state machine: counts reps and times holds from metric values.

Pure: it sees only (time, metric values, whether the pose is usable) per
frame, so scripted traces test it in microseconds and the live trainer and
the video analysis share it frame for frame.

Rules it enforces (each has a test in tests/test_engine.py):
- Nothing counts while the person is getting into position: the required
  landmarks must be seen for `setup_s`, then a rep machine waits for the
  neutral position before it arms.
- A rep counts when the end position is reached and held for
  `end_confirm_s` (and, with a hold, once the hold reaches its target).
  Going back beyond `neutral` arms the next rep; jitter around `end` cannot
  count twice because only a return to neutral re-arms.
- An attempt past `partial` that returns to neutral without reaching the end,
  or a hold broken before its target, is a partial rep, not a rep.
- A lost or barely visible pose pauses the machine; it never counts.
- A hold is timed while the position (and every form rule) holds; dips out
  shorter than `grace_s` do not end it.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from dataclasses import dataclass, field

from posecheck.core import events as ev
from posecheck.core.events import Event, HoldRecord, RepRecord
from posecheck.spec.exercise import Exercise, FormRule

# A pose lost for longer than this mid-movement abandons the movement: the
# person has probably left, and must come back to neutral before counting.
ABANDON_AFTER_S = 2.0


@dataclass
class EngineState:
    """A snapshot for the overlay and the live trainer."""

    phase: str = "setup"
    reps: int = 0
    reps_by_side: dict[str, int] = field(default_factory=dict)
    partial_reps: int = 0
    hold_elapsed_s: float = 0.0
    hold_target_s: float = 0.0
    holding: bool = False
    side: str | None = None
    visible: bool = False


def _form_faults(rules: tuple[FormRule, ...], values: dict[str, float], at_end: bool = True) -> list[str]:
    """Ids of the form rules broken now; `during = "hold"` rules only count
    at the end position."""
    faults = []
    for r in rules:
        if r.during == "hold" and not at_end:
            continue
        v = values.get(r.metric, math.nan)
        if not math.isnan(v) and not (r.min <= v <= r.max):
            faults.append(r.id)
    return faults


class _HoldClock:
    """Times a static hold with the grace rule: in position from `start_s`
    to the last in-position frame; dips shorter than `grace_s` do not end it.

    With `still` metrics (HoldRule.still) the finished hold is narrowed to
    when they were at rest too, within `still_band` of their level over the
    hold: getting into position is not holding it.
    """

    def __init__(self, start_s: float, grace_s: float, still_band_units: float = 2.0) -> None:
        self.start_s: float | None = start_s
        self.last_in_s = start_s
        self.grace_s = grace_s
        self.still_band = still_band_units
        # Per frame seen: its time and the values of the `still` metrics.
        self._still_t: list[float] = []
        self._still: list[tuple[float, ...]] = []

    def update(self, t_s: float, in_position: bool, progress: float = math.nan,
               still: tuple[float, ...] = ()) -> bool:
        """Feed one frame; False once the hold is broken (out past grace)."""
        if still:
            self._still_t.append(t_s)
            self._still.append(still)
        if in_position:
            self.last_in_s = t_s
            return True
        return t_s - self.last_in_s <= self.grace_s

    @property
    def elapsed_s(self) -> float:
        """Seconds held so far (what the timer shows)."""
        return 0.0 if self.start_s is None else max(self.last_in_s - self.start_s, 0.0)

    def end_s(self) -> float:
        """When the hold ended, once it is broken."""
        return self.last_in_s

    def final_span(self) -> tuple[float, float]:
        """(start_s, end_s) of the hold once it is over, narrowed to when the
        `still` metrics were at rest as well."""
        start, end = self._span()
        if not self._still:
            return start, end
        t = np.asarray(self._still_t)
        values = np.asarray(self._still, dtype=float)
        inside = (t >= start) & (t <= end)
        for column in values.T:
            ok = inside & ~np.isnan(column)
            if not ok.any():
                continue
            level = float(np.median(column[ok]))
            seen = np.flatnonzero(ok)
            at_rest = np.flatnonzero(ok & (np.abs(column - level) <= self.still_band))
            if not len(at_rest):
                continue
            # Narrowed only where the metric was seen moving first (or after).
            if at_rest[0] != seen[0]:
                start = max(start, float(t[at_rest[0]]))
            if at_rest[-1] != seen[-1]:
                end = min(end, float(t[at_rest[-1]]))
        return start, max(end, start)

    def _span(self) -> tuple[float, float]:
        """(start_s, end_s) before narrowing."""
        assert self.start_s is not None
        return self.start_s, self.end_s()


class _SettledHoldClock(_HoldClock):
    """Times the hold at a rep's end position as the time spent STILL there.

    Crossing the end threshold is not yet holding: the movement usually goes
    on to the person's own end range. The hold starts when the movement has
    settled (its progress rises by less than `settle_speed` ranges per second
    over `SETTLE_WINDOW_S`) and ends when the way back starts (progress falls
    faster than that). Measured on rendered clips, this keeps the hold within
    a frame or two of the true still period, where timing from the threshold
    crossings added the ramps (about a second per hold).
    """

    SETTLE_WINDOW_S = 0.3
    # Within this fraction of the movement's range of the hold's level, and
    # at least the exercise's `hold.level_band` in the metric's own units
    # (default 2 deg), counts as at the level: on rendered clips the model's
    # reading of a perfectly still head drifts by up to 1.3 deg during a 10 s
    # hold and creeps the last 1-2 deg into place; a tighter band cut holds
    # short.
    LEVEL_BAND = 0.15

    def __init__(self, crossed_s: float, grace_s: float, settle_speed: float,
                 range_units: float, level_band_units: float, still_band_units: float = 2.0) -> None:
        super().__init__(crossed_s, grace_s, still_band_units)
        self.start_s = None
        self.settle_speed = settle_speed
        self.band = max(self.LEVEL_BAND, level_band_units / abs(range_units))
        self._t: list[float] = []
        self._p: list[float] = []
        self._scan = 0
        self._crossed_s = crossed_s
        self._still_until_s: float | None = None

    def _step(self, i: int, j: int) -> float:
        """Progress change per second from sample i to sample j."""
        return (self._p[j] - self._p[i]) / (self._t[j] - self._t[i])

    def update(self, t_s: float, in_position: bool, progress: float = math.nan,
               still: tuple[float, ...] = ()) -> bool:
        held = super().update(t_s, in_position, progress, still)
        if math.isnan(progress):
            return held
        self._t.append(t_s)
        self._p.append(progress)
        k = len(self._t) - 1
        # Advance to the sample one window back from now.
        w = self.SETTLE_WINDOW_S - 1e-9
        while self._scan + 1 < k and self._t[k] - self._t[self._scan + 1] >= w:
            self._scan += 1
        i = self._scan
        if k > i and self._t[k] - self._t[i] >= w and self._t[i] >= self._crossed_s:
            step = self._step(i, k)
            if self.start_s is None and step < self.settle_speed:
                self.start_s = self._t[i]
            if self.start_s is not None and abs(step) < self.settle_speed and in_position:
                self._still_until_s = self._t[i]
        return held

    @property
    def elapsed_s(self) -> float:
        if self.start_s is None or self._still_until_s is None:
            return 0.0
        return max(self._still_until_s - self.start_s, 0.0)

    # How far back the level is taken from when looking for the departure,
    # and how long a departure must last at least (a noise spike is not one;
    # the hold's grace time is used when longer).
    LEVEL_WINDOW_S = 1.0
    DEPART_FOR_S = 0.2

    def _span(self) -> tuple[float, float]:
        """(start_s, end_s) of the movement's own still period, refined once
        the hold is over.

        The level is the median progress of the first LEVEL_WINDOW_S after
        the movement settled; the hold starts at the first moment within the
        level band of it (never before the threshold crossing: the model
        creeps the last degree or two into place). It ends at the last moment
        before the progress leaves the band round its trailing median (of the
        last LEVEL_WINDOW_S) for longer than the grace time: the way back, or
        on further (past the held position) - while a slow drift during the
        hold is followed by the trailing median and does not end it.
        """
        assert self.start_s is not None
        t = np.asarray(self._t)
        p = np.asarray(self._p)
        first = (t >= self.start_s) & (t <= self.start_s + self.LEVEL_WINDOW_S)
        if not first.any():
            return self.start_s, self.last_in_s
        level = float(np.median(p[first]))
        near = np.flatnonzero((np.abs(p - level) <= self.band) & (t >= self._crossed_s) & (t <= self.start_s))
        start = min(float(t[near[0]]), self.start_s) if len(near) else self.start_s
        i0 = int(np.searchsorted(t, self.start_s))
        out_since: int | None = None
        back_since: int | None = None
        trailing_at_out = level
        for i in range(i0, len(t)):
            if t[i] > self.last_in_s + self.grace_s:
                break
            recent = p[(t >= max(t[i] - self.LEVEL_WINDOW_S, self.start_s)) & (t < t[i])]
            trailing = float(np.median(recent)) if len(recent) else level
            if abs(p[i] - trailing) > self.band and abs(p[i] - level) > self.band:
                back_since = None
                if out_since is None:
                    out_since, trailing_at_out = i, trailing
                if t[i] - t[out_since] >= max(self.DEPART_FOR_S, self.grace_s):
                    if p[i] > level and self._stays_from(t, p, i):
                        # Further out and staying there: the model crept
                        # into the held position late (drawn lines over the
                        # face made a still head read 27 then 34 deg), not a
                        # departure. The hold goes on at the new level.
                        level, out_since = float(p[i]), None
                        continue
                    if self._comes_back(t, p, i, trailing_at_out):
                        # A wander of the reading that returns to the level
                        # before the hold is over is not the way back.
                        out_since = None
                        continue
                    return start, max(float(t[max(out_since - 1, 0)]), start)
            elif out_since is not None:
                # Back at the level only counts once it lasts: a head turning
                # back from past profile reads a frame or two at the held
                # angle again on its way.
                back_since = i if back_since is None else back_since
                if t[i] - t[back_since] >= self.DEPART_FOR_S:
                    out_since = back_since = None
        if out_since is not None:
            # Still away when the hold ended (back at neutral, or out past
            # grace): that was the departure.
            return start, max(float(t[max(out_since - 1, 0)]), start)
        return start, self.last_in_s

    def _stays_from(self, t: np.ndarray, p: np.ndarray, i: int) -> bool:
        """From sample i the progress stays within the band of p[i] for the
        next LEVEL_WINDOW_S (or to the end of the hold)."""
        ahead = (t >= t[i]) & (t <= min(t[i] + self.LEVEL_WINDOW_S, self.last_in_s))
        return bool(np.all(np.abs(p[ahead] - p[i]) <= 2 * self.band))

    def _comes_back(self, t: np.ndarray, p: np.ndarray, i: int, ref: float) -> bool:
        """After sample i, before the hold's last in-position moment, the
        progress is back within the band of `ref` for DEPART_FOR_S."""
        since: float | None = None
        for k in range(i + 1, len(t)):
            if t[k] > self.last_in_s:
                return False
            if abs(p[k] - ref) <= self.band:
                since = t[k] if since is None else since
                if t[k] - since >= self.DEPART_FOR_S:
                    return True
            else:
                since = None
        return False

    def end_s(self) -> float:
        return self.final_span()[1] if self.start_s is not None else self.last_in_s


class ExerciseEngine:
    """Counts reps and times holds of one exercise, frame by frame."""

    def __init__(self, exercise: Exercise) -> None:
        self.ex = exercise
        self.reps: list[RepRecord] = []
        self.holds: list[HoldRecord] = []
        self.partial_reps = 0
        self.state = EngineState(hold_target_s=exercise.hold.target_s if exercise.hold else 0.0)
        rr = exercise.reps
        self._moves = {m.name: m for m in rr.movements} if rr else {}
        if rr and rr.sides in ("left", "right", "alternating"):
            self.state.reps_by_side = {"left": 0, "right": 0}
        self._visible_since: float | None = None
        self._last_seen_s: float | None = None
        self._phase = "wait_neutral" if exercise.reps else "setup"
        # The excursion under way: peak progress per movement, the movement
        # at the end position, its faults; steps of a sequence done so far.
        self._peak: dict[str, float] = {}
        self._end_since: float | None = None
        self._move: str | None = None
        self._faults: list[str] = []
        self._left_neutral_s = 0.0
        self._end_reached_s = 0.0
        # Progress of the last frames of the excursion, to replay into a hold.
        self._recent: deque[tuple[float, dict[str, float], tuple[float, ...]]] = deque(maxlen=64)
        self._steps_done: list[str] = []
        # Steps done in the excursion under way (a step counts once per
        # excursion, however long it stays at its end).
        self._excursion_steps: set[str] = set()
        self._open_rep: RepRecord | None = None
        self._pos_since: float | None = None
        self._ready = False
        self._void = False
        self._last_rep_s = -math.inf
        self._hold: _HoldClock | None = None
        self._hold_done = False
        self._hold_rep: RepRecord | None = None
        # A recording may start mid-movement: the first known frame decides
        # whether it starts in the end position (`_start_at_end`).
        self._start_seen = False
        self._start_at_end = False
        # The movement whose end position the recording started in, counted
        # once the way back is seen.
        self._pending: str | None = None
        # Why something seen was not counted, for the report: (t_s, message).
        self.notes: list[tuple[float, str]] = []

    # --- helpers -----------------------------------------------------------------

    def _still_values(self, values: dict[str, float]) -> tuple[float, ...]:
        """The hold's `still` metrics this frame (HoldRule.still)."""
        if self.ex.hold is None:
            return ()
        return tuple(values.get(n, math.nan) for n in self.ex.hold.still)

    def _progress(self, values: dict[str, float]) -> dict[str, float]:
        """Per movement, 0 at neutral and 1 at the end position (NaN if unknown)."""
        return {n: m.progress(values.get(m.metric, math.nan)) for n, m in self._moves.items()}

    def _leading(self, p: dict[str, float]) -> str:
        """The movement being done. "both" wins when it is at the end, since
        one shoulder reaching the top first is not a one-sided rep."""
        if "both" in p and p["both"] >= 1.0:
            return "both"
        finite = {n: v for n, v in p.items() if not math.isnan(v)}
        one_sided = {n: v for n, v in finite.items() if n != "both"} or finite
        return max(one_sided, key=one_sided.__getitem__)

    def _peak_value(self, name: str) -> float:
        m = self._moves[name]
        return m.neutral + self._peak.get(name, 1.0) * (m.end - m.neutral)

    def _label(self, name: str | None) -> str | None:
        """The side a report shows: None for unsided exercises and sequences."""
        rr = self.ex.reps
        if name is None or name == "none" or (rr is not None and rr.is_sequence):
            return None
        return name

    # --- per frame -------------------------------------------------------------------

    def update(self, t_s: float, values: dict[str, float], visible: bool) -> list[Event]:
        """Feed one frame's metric values; returns the events it caused.

        Args:
            t_s: frame time in seconds, increasing.
            values: metric name -> value (NaN when unknown).
            visible: the pose was found and its required landmarks seen well.
        """
        out: list[Event] = []
        self.state.visible = visible
        if not visible:
            if self._visible_since is not None:
                out.append(Event(t_s, ev.POSE_LOST))
            self._visible_since = None
            if self._hold is not None and not self._hold.update(t_s, False):
                out += self._end_hold()
            if (
                self._phase in ("moving", "end")
                and self._last_seen_s is not None
                and t_s - self._last_seen_s > ABANDON_AFTER_S
            ):
                self._phase = "wait_neutral"
            self._sync_state()
            return out
        if self._visible_since is None:
            if self._last_seen_s is not None:
                out.append(Event(t_s, ev.POSE_FOUND))
            self._visible_since = t_s
        self._last_seen_s = t_s
        if not self._ready:
            if self.ex.reps is None and self.ex.hold is not None:
                # A person already holding the position while the setup check
                # runs is holding it: the hold will be timed from then.
                in_pos = self._in_hold_position(values)
                if in_pos is False:
                    self._pos_since = None
                elif in_pos and self._pos_since is None:
                    self._pos_since = t_s
            elif self.ex.reps is not None:
                # The rep machine may arm (see neutral) during setup, so a
                # first rep that starts right away is not lost; it cannot
                # count until setup is over.
                self._update_reps(t_s, values)
            if t_s - self._visible_since < self.ex.setup_s:
                self._sync_state()
                return out
            self._ready = True
            out.append(Event(t_s, ev.READY))
            if self.ex.reps is None:
                self._phase = "idle"
                if self._pos_since is not None and self.ex.hold is not None:
                    self._hold = _HoldClock(self._pos_since, self.ex.hold.grace_s, self.ex.hold.still_band)
                    self._hold.last_in_s = t_s
                    self._hold_done = False
                    self._phase = "holding"
            self._sync_state()
            return out
        if self.ex.reps is not None:
            out += self._update_reps(t_s, values)
        elif self.ex.hold is not None:
            out += self._update_hold_only(t_s, values)
        self._sync_state()
        return out

    def _update_reps(self, t_s: float, values: dict[str, float]) -> list[Event]:
        rr = self.ex.reps
        assert rr is not None
        out: list[Event] = []
        p = self._progress(values)
        if all(math.isnan(v) for v in p.values()):
            return out
        at_neutral = all(math.isnan(v) or v <= 0.0 for v in p.values())
        first = not self._start_seen
        self._start_seen = True
        if self._phase == "wait_neutral":
            if at_neutral:
                self._phase = "neutral"
                return out
            if not first:
                return out
            # The recording starts out of neutral: the movement began before
            # it. Its end, if seen, counts once the way back is seen too.
            self._start_at_end = any(v >= 1.0 for v in p.values())
            self._phase = "neutral"
        if self._phase == "neutral":
            if at_neutral:
                return out
            self._phase = "moving"
            if not first:
                self._start_at_end = False
            self._left_neutral_s = t_s
            self._excursion_steps = set()
            self._peak = {}
            self._end_since = None
            self._move = None
            self._faults = []
            self._recent.clear()
        # Where `during = "hold"` form rules apply: a hold being timed, until
        # it is done (letting go after that is the way back), or for reps
        # without a hold, at or past the end.
        if self.ex.kind == "reps_with_hold":
            at_end = self._phase == "end" and self._hold is not None and not self._hold_done
        else:
            at_end = self._phase == "end" and any(v >= 1.0 for v in p.values())
        faults_now = _form_faults(self.ex.form, values, at_end)
        self._faults.extend(f for f in faults_now if f not in self._faults)
        still = self._still_values(values)
        self._recent.append((t_s, p, still))
        for n, v in p.items():
            if not math.isnan(v):
                self._peak[n] = max(self._peak.get(n, -math.inf), v)

        if self._void:
            if at_neutral:
                self._void = False
                self._phase = "neutral"
                self._open_rep = None
            return out
        if self._phase == "moving":
            if any(v >= 1.0 for v in p.values()):
                if self._end_since is None:
                    self._end_since = t_s
                if t_s - self._end_since >= rr.end_confirm_s and t_s - self._last_rep_s >= rr.min_rep_s:
                    if not self._ready:
                        # Reached the end while the setup check still runs (a
                        # first rep in the first second): it counts once set
                        # up, if the person is still there.
                        return out
                    out += self._reach_end(self._end_since, self._leading(p))
            else:
                self._end_since = None
                if at_neutral:
                    out += self._stopped_short(t_s)
                    self._phase = "neutral"
            return out

        # At or past the end position: a hold to time, then the way back.
        if self._hold is not None:
            assert self._move is not None and self.ex.hold is not None
            # (Here the phase is "end" with a hold: `faults_now` was taken
            # with at_end = not self._hold_done.)
            in_pos = p[self._move] >= self.ex.hold.exit_fraction and not faults_now
            started = self._hold.start_s is not None
            if not self._hold.update(t_s, in_pos, p[self._move], still):
                out += self._end_hold()
            else:
                if not started and self._hold.start_s is not None:
                    out.append(Event(self._hold.start_s, ev.HOLD_STARTED, self._label(self._move)))
                out += self._check_hold_target()
        rr = self.ex.reps
        if rr.is_sequence and self._hold is None and not self._void:
            # Another step reaching its end in the same excursion (trunk and
            # legs raised together) is done too.
            for n, v in p.items():
                if v >= 1.0 and n not in self._excursion_steps and self._ready:
                    out += self._movement_done(t_s, n)
        if self._open_rep is not None and self._move is not None:
            self._open_rep.peak = self._peak_value(self._move)
            self._open_rep.progress = self._peak.get(self._move, 1.0)
        if at_neutral:
            self._open_rep = None
            if self._hold is not None:
                out += self._end_hold()
            if self._pending is not None and self._ready:
                # Back from the end position the recording started in. Of a
                # sequence, the steps before it were done before the
                # recording: the whole rep counts.
                if self.ex.reps.is_sequence:
                    self._steps_done = [m.name for m in self.ex.reps.movements if m.name != self._pending]
                out += self._movement_done(t_s, self._pending)
            self._pending = None
            self._start_at_end = False
            self._phase = "neutral"
        return out

    def _stopped_short(self, t_s: float) -> list[Event]:
        """Back at neutral without reaching the end: partial if it got far."""
        over = {n: v for n, v in self._peak.items() if v >= self._moves[n].progress(self._moves[n].partial)}
        if not over:
            return []
        name = self._leading(over)
        self.partial_reps += 1
        return [Event(t_s, ev.PARTIAL_REP, self._label(name), {"peak": self._peak_value(name)})]

    def _reach_end(self, t_end_s: float, name: str) -> list[Event]:
        self._move = name
        self._end_reached_s = t_end_s
        self._phase = "end"
        if self.ex.kind == "reps_with_hold":
            assert self.ex.hold is not None
            mv = self._moves[name]
            self._hold = _SettledHoldClock(t_end_s, self.ex.hold.grace_s, self.ex.hold.settle_speed,
                                           mv.end - mv.neutral, self.ex.hold.level_band,
                                           self.ex.hold.still_band)
            # Replay the frames since the end was first reached (and one
            # window before), so settling right at the threshold is seen.
            for t_r, p_r, still_r in self._recent:
                if t_r >= t_end_s - _SettledHoldClock.SETTLE_WINDOW_S:
                    self._hold.update(t_r, p_r.get(name, math.nan) >= self.ex.hold.exit_fraction,
                                      p_r.get(name, math.nan), still_r)
            self._hold_done = False
            return []
        if self._start_at_end:
            self._pending = name
            self._excursion_steps.add(name)
            return []
        return self._movement_done(t_end_s, name)

    def _movement_done(self, t_s: float, name: str) -> list[Event]:
        """A movement reached its end (and hold): a rep, or a sequence step."""
        rr = self.ex.reps
        assert rr is not None
        self._last_rep_s = t_s
        if rr.is_sequence:
            # Every step at its end in this excursion is done: a person who
            # raises trunk and legs together has done both steps at once.
            for step in [name] + [n for n, v in self._peak.items() if v >= 1.0]:
                self._excursion_steps.add(step)
                if step not in self._steps_done:
                    self._steps_done.append(step)
            if len(self._steps_done) < len(rr.movements):
                return [Event(t_s, ev.STEP_DONE, None, {"step": name})]
            self._steps_done = []
        label = self._label(name)
        # The record shares the excursion's fault list, so faults seen on the
        # way back still land on this rep.
        rec = RepRecord(t_s=t_s, side=label, peak=self._peak_value(name), faults=self._faults,
                        duration_s=self._end_reached_s - self._left_neutral_s,
                        progress=self._peak.get(name, 1.0))
        self.reps.append(rec)
        self._open_rep = rec
        if label in self.state.reps_by_side:
            self.state.reps_by_side[label] += 1
        return [Event(t_s, ev.REP, label, {"peak": rec.peak})]

    def _check_hold_target(self, held_s: float | None = None) -> list[Event]:
        """Complete the hold (and count its rep) once it has lasted the target.

        Args:
            held_s: the hold's final length when it has just ended; None while
                it goes on (then the running `elapsed_s` is used).
        """
        assert self._hold is not None and self.ex.hold is not None
        if held_s is None:
            held_s = self._hold.elapsed_s
        if self._hold_done or self._hold.start_s is None or held_s < self.ex.hold.target_s:
            return []
        self._hold_done = True
        t_done = self._hold.start_s + self.ex.hold.target_s
        out = [Event(t_done, ev.HOLD_COMPLETED, self._label(self._move))]
        if self.ex.reps is not None and self._move is not None:
            out += self._movement_done(t_done, self._move)
            self._hold_rep = self.reps[-1] if out[-1].kind == ev.REP else None
        return out

    def _end_hold(self) -> list[Event]:
        assert self._hold is not None and self.ex.hold is not None
        clock = self._hold
        start_s, end_s = (clock.start_s, clock.end_s()) if clock.start_s is None else clock.final_span()
        out = self._check_hold_target(None if clock.start_s is None else end_s - start_s)
        self._hold = None
        label = self._label(self._move)
        if clock.start_s is None or end_s - start_s < self.ex.hold.min_hold_s:
            # Passed through the end position without keeping still there
            # (a sweep, a circle): not a hold, and not an attempt at one.
            return out
        rec = HoldRecord(start_s, end_s, self._hold_done, label)
        if self._hold_done and self._hold_rep is not None:
            # The rep counted live at the running estimate of the hold's
            # start; the record takes the refined start.
            self._hold_rep.t_s = start_s + self.ex.hold.target_s
        self._hold_rep = None
        self.holds.append(rec)
        out.append(Event(end_s, ev.HOLD_ENDED, label,
                         {"duration_s": rec.duration_s, "completed": rec.completed}))
        if not rec.completed and self.ex.reps is not None:
            if self._start_at_end:
                # Only the end of this hold was recorded: not an attempt
                # that fell short, and not a rep.
                self.notes.append((end_s, f"The recording starts during a hold: {rec.duration_s:.1f} s of it "
                                          f"seen, under the {self.ex.hold.target_s:g} s target, so it is "
                                          "not counted."))
            else:
                self.partial_reps += 1
                out.append(Event(end_s, ev.PARTIAL_REP, label, {"reason": "hold broken early"}))
        return out

    def _in_hold_position(self, values: dict[str, float]) -> bool | None:
        """In the static hold's position; None when a condition cannot be
        judged this frame (its metric NaN): an unknown never breaks or
        confirms a hold, and the others alone do not confirm it (hands gone
        from the picture are not at the head because the head is still)."""
        hold = self.ex.hold
        assert hold is not None
        if any(math.isnan(values.get(c.metric, math.nan)) for c in hold.when):
            return None
        return all(c.holds(values[c.metric]) for c in hold.when) and not _form_faults(self.ex.form, values)

    def _update_hold_only(self, t_s: float, values: dict[str, float]) -> list[Event]:
        hold = self.ex.hold
        assert hold is not None
        in_pos = self._in_hold_position(values)
        out: list[Event] = []
        if in_pos is None:
            # Unknown for longer than the grace: the hold ended when it was
            # last seen in position.
            if self._hold is not None and t_s - self._hold.last_in_s > hold.grace_s:
                out += self._end_hold()
                self._phase = "idle"
            return out
        if self._hold is None:
            if in_pos:
                self._hold = _HoldClock(t_s, hold.grace_s, hold.still_band)
                self._hold_done = False
                self._phase = "holding"
                self._hold.update(t_s, in_pos, still=self._still_values(values))
            return out
        was_started = self._hold.elapsed_s >= hold.min_hold_s
        if not self._hold.update(t_s, in_pos, still=self._still_values(values)):
            out += self._end_hold()
            self._phase = "idle"
            return out
        if not was_started and self._hold.elapsed_s >= hold.min_hold_s:
            out.append(Event(self._hold.last_in_s - self._hold.elapsed_s, ev.HOLD_STARTED))
        return out + self._check_hold_target()

    def _sync_state(self) -> None:
        st = self.state
        st.phase = self._phase if self._ready else "setup"
        st.reps = len(self.reps)
        st.partial_reps = self.partial_reps
        st.holding = self._hold is not None
        st.hold_elapsed_s = self._hold.elapsed_s if self._hold else 0.0
        st.side = self._label(self._move)

    def void_excursion(self) -> list[Event]:
        """A stop warning fired during this movement (past a safety limit):
        what was held before it stands, the rest of the movement counts for
        nothing (not a rep, not a partial) until the person is back at
        neutral."""
        out: list[Event] = []
        if self._phase not in ("moving", "end"):
            return out
        if self._hold is not None:
            clock = self._hold
            if clock.start_s is not None:
                start_s, end_s = clock.final_span()
                if end_s - start_s >= (self.ex.hold.min_hold_s if self.ex.hold else 0.0):
                    out += self._end_hold()
            self._hold = None
        self._void = True
        self._phase = "end"
        return out

    def finish(self, t_s: float) -> list[Event]:
        """End of the source: close an open hold at its last in-position time."""
        if self._pending is not None:
            self.notes.append((t_s, "The recording starts in the end position and stops before the way back: "
                                    "that rep is not counted."))
            self._pending = None
        if self._hold is not None:
            return self._end_hold()
        return []
