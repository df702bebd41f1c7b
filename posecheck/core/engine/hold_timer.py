"""The hold under way and the holds done, for the engine (a static hold)
and the rep counter (the hold at a rep's end) alike; the clocks that time a
hold are in hold_clock.py. It says when a hold started (once it has lasted
`min_hold_s`), met its target and ended, as events, and keeps the records.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from posecheck.core.engine.hold_clock import HoldClock
from posecheck.core.engine.settled_hold_clock import SettledHoldClock
from posecheck.core.events import Event, EventKind, HoldRecord
from posecheck.spec import HoldRule


class HoldTimer:
    """The hold under way (its clock) and the holds done.

    Shared by the engine (a static hold) and the rep counter (the hold at a
    rep's end): meeting the target is a HOLD_COMPLETED event, plus whatever
    the caller's `on_target` makes of it (with reps: the rep counts).
    """

    def __init__(self, rule: HoldRule | None) -> None:
        self.rule = rule
        self.clock: HoldClock | None = None
        # The hold under way has met its target.
        self.completed = False
        # HOLD_STARTED was given for the hold under way (`started`).
        self._announced = False
        self.records: list[HoldRecord] = []

    def start(self, clock: HoldClock) -> None:
        """Time a new hold with this clock."""
        self.clock = clock
        self.completed = False
        self._announced = False

    def started(self, side: str | None) -> list[Event]:
        """HOLD_STARTED, once, when the hold under way has lasted
        `min_hold_s` (shorter, passing through the end position is no hold:
        announced at once, a head rolled through both side tilts left a
        hold_started in the log for each with no hold_ended)."""
        clock, rule = self.clock, self.rule
        if self._announced or clock is None or rule is None or clock.start_s is None:
            return []
        if clock.elapsed_s < rule.min_hold_s:
            return []
        self._announced = True
        return [Event(clock.start_s, EventKind.HOLD_STARTED, side)]

    def drop(self) -> None:
        """Forget the hold under way, if any: nothing is recorded of it."""
        self.clock = None
        self._announced = False

    def start_settled(
        self, crossed_s: float, range_units: float, recent: Iterable[tuple[float, float, tuple[float, ...]]]
    ) -> None:
        """Time the hold at a rep's end (SettledHoldClock), its threshold
        crossed at crossed_s; `recent` are the excursion's last frames as
        (t_s, progress, still values)."""
        rule = self.rule
        assert rule is not None
        clock = SettledHoldClock(
            crossed_s, rule.grace_s, rule.settle_speed, range_units, rule.level_band, rule.still_band
        )
        # Replay the frames since the end was first reached (and one
        # window before), so settling right at the threshold is seen.
        for t_r, p_r, still_r in recent:
            if t_r >= crossed_s - SettledHoldClock.SETTLE_WINDOW_S:
                clock.update(t_r, p_r >= rule.exit_fraction, p_r, still_r)
        self.start(clock)

    def held_min(self) -> bool:
        """The hold under way has started and, refined, lasts `min_hold_s`."""
        clock = self.clock
        if clock is None or clock.start_s is None:
            return False
        start_s, end_s = clock.final_span()
        return end_s - start_s >= (self.rule.min_hold_s if self.rule else 0.0)

    def still_values(self, values: dict[str, float]) -> tuple[float, ...]:
        """The hold's `still` metrics this frame (HoldRule.still)."""
        if self.rule is None:
            return ()
        return tuple(values.get(n, math.nan) for n in self.rule.still)

    def check_target(
        self, side: str | None, on_target: Callable[[float], list[Event]] | None = None, held_s: float | None = None
    ) -> list[Event]:
        """Complete the hold once it has lasted the target.

        Args:
            side: the side the events show.
            on_target: called with the time the target was met; returns the
                events that follows from it.
            held_s: the hold's final length when it has just ended; None while
                it goes on (then the running `elapsed_s` is used).
        """
        assert self.clock is not None and self.rule is not None
        if held_s is None:
            held_s = self.clock.elapsed_s
        if self.completed or self.clock.start_s is None or held_s < self.rule.target_s:
            return []
        self.completed = True
        t_done = self.clock.start_s + self.rule.target_s
        out = [Event(t_done, EventKind.HOLD_COMPLETED, side)]
        return out + on_target(t_done) if on_target is not None else out

    def end(
        self, side: str | None, on_target: Callable[[float], list[Event]] | None = None
    ) -> tuple[list[Event], HoldRecord | None]:
        """Close the hold under way: its events, and its record (None when it
        was too short to be a hold)."""
        assert self.clock is not None and self.rule is not None
        clock = self.clock
        if clock.start_s is None:
            self.clock = None
            return [], None
        start_s, end_s = clock.final_span()
        out = self.check_target(side, on_target, end_s - start_s)
        self.clock, announced, self._announced = None, self._announced, False
        if end_s - start_s < self.rule.min_hold_s:
            # Passed through the end position without keeping still there
            # (a sweep, a circle): not a hold, and not an attempt at one
            # (if announced while it ran, the log hears that it ended).
            ended = {"duration_s": end_s - start_s, "completed": False, "counted": False}
            return out + ([Event(end_s, EventKind.HOLD_ENDED, side, ended)] if announced else []), None
        rec = HoldRecord(start_s, end_s, self.completed, side, min(clock.unseen_s, end_s - start_s))
        self.records.append(rec)
        if not announced:
            # Ended (a stop warning, the source's end) before its start was
            # said: said now, so the log pairs every hold_ended with a start.
            out.insert(0, Event(start_s, EventKind.HOLD_STARTED, side))
        out.append(Event(end_s, EventKind.HOLD_ENDED, side, {"duration_s": rec.duration_s, "completed": rec.completed}))
        return out, rec
