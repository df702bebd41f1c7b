"""The exercise state machine: counts reps and times holds from metric values.

Pure: it sees only (time, metric values, whether the pose is usable) per
frame, so scripted traces test it in microseconds and the live trainer and
the video analysis share it frame for frame. It is made of a `RepCounter`
(reps.py: the rep phases) and a `HoldTimer` (hold_timer.py: the hold
timing); the engine itself decides when counting may start and what a lost
pose means, and times static holds.

Rules it enforces (each has a test in tests/core/test_engine.py):
- Nothing counts while the person is getting into position: the required
  landmarks must be seen for `setup_s`, then a rep machine waits for the
  neutral position before it arms.
- A rep counts when the end position is reached and held for
  `end_confirm_s` (and, with a hold, once the hold reaches its target).
  Going back beyond `neutral` arms the next rep; jitter around `end` cannot
  count twice: only a return to neutral re-arms, or, for plain reps, a way
  back by the movement's whole span (a fast set, fast_set.py).
- An attempt past `partial` that returns to neutral without reaching the end,
  or a hold broken before its target, is a partial rep, not a rep.
- A lost or barely visible pose pauses the machine; it never counts.
- A hold is timed while the position (and every form rule) holds; dips out
  shorter than `grace_s` do not end it, nor (static holds) frames where the
  position cannot be judged for up to HoldClock.UNSEEN_S when it is held
  again after.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from posecheck.core.cuts import MISREAD_MAX_STEP_S
from posecheck.core.engine.hold_clock import HoldClock
from posecheck.core.engine.hold_timer import HoldTimer
from posecheck.core.engine.reach import ReachTally
from posecheck.core.engine.reps import RepCounter, form_faults
from posecheck.core.events import Event, EventKind, HoldRecord, Phase, RepRecord
from posecheck.spec import Exercise

# A pose lost for longer than this mid-movement abandons the movement: the
# person has probably left, and must come back to neutral before counting.
ABANDON_AFTER_S = 2.0


@dataclass
class EngineState:
    """A snapshot for the overlay and the live trainer."""

    phase: Phase = Phase.SETUP
    reps: int = 0
    reps_by_side: dict[str, int] = field(default_factory=dict)
    partial_reps: int = 0
    hold_elapsed_s: float = 0.0
    hold_target_s: float = 0.0
    holding: bool = False
    side: str | None = None
    visible: bool = False


class ExerciseEngine:
    """Counts reps and times holds of one exercise, frame by frame."""

    def __init__(self, exercise: Exercise) -> None:
        self.ex = exercise
        self.timer = HoldTimer(exercise.hold)
        self.counter = RepCounter(exercise, self.timer)
        # What was counted, timed and noted so far: the counter's and the
        # timer's own lists (they only ever append to them).
        self.reps: list[RepRecord] = self.counter.reps
        self.holds: list[HoldRecord] = self.timer.records
        # Why something seen was not counted, for the report: (t_s, message).
        self.notes: list[tuple[float, str]] = self.counter.notes
        self.state = EngineState(
            hold_target_s=exercise.hold.target_s if exercise.hold else 0.0, reps_by_side=self.counter.by_side
        )
        self._visible_since: float | None = None
        self._last_seen_s: float | None = None
        # The phase of a static hold (a rep exercise's is the counter's).
        self._hold_phase = Phase.SETUP
        # A static hold under way while the setup check runs (its grace as
        # when timed); the timer takes it over once counting starts.
        self._setup_clock: HoldClock | None = None
        # A frame judged out of the static hold's position since the last
        # hold began: the next one is seen being got into (HoldClock.entered).
        self._out_seen = False
        self._ready = False
        self._reach = ReachTally(exercise.reps) if exercise.reps is not None else None

    @property
    def partial_reps(self) -> int:
        return self.counter.partial_reps

    # --- per frame -------------------------------------------------------------------

    def update(self, t_s: float, values: dict[str, float], visible: bool, cut: bool = False) -> list[Event]:
        """Feed one frame's metric values; returns the events it caused.

        Args:
            t_s: frame time in seconds, increasing.
            values: metric name -> value (NaN when unknown).
            visible: the pose was found and its required landmarks seen well.
            cut: the recording jumped to this frame (cuts.py). A rep machine
                at rest waits to see neutral again: the jump out of neutral
                is no movement (a coaching video cut from a push-up's top to
                the coach standing, elbows bent, and counted a rep). Only
                between frames close enough for a body not to move that far
                (cuts.MISREAD_MAX_STEP_S): at 2.5 frames a second (--stride
                6) a fast rep jumps as far between frames.
        """
        out: list[Event] = []
        close = self._last_seen_s is not None and t_s - self._last_seen_s <= MISREAD_MAX_STEP_S
        if cut and close and self.ex.reps is not None:
            self.counter.abandon((Phase.NEUTRAL,))
        self.state.visible = visible
        if not visible:
            if self._visible_since is not None:
                out.append(Event(t_s, EventKind.POSE_LOST))
            self._visible_since = None
            if self.timer.clock is not None and not self._hold_goes_on_unjudged(self.timer.clock, t_s):
                out += self._end_hold()
                self._hold_phase = Phase.IDLE
            if self._setup_clock is not None and not self._setup_clock.unjudged(t_s):
                self._setup_clock = None
            if self._last_seen_s is not None and t_s - self._last_seen_s > ABANDON_AFTER_S:
                self.counter.abandon()
            self._sync_state()
            return out
        if self._visible_since is None:
            if self._last_seen_s is not None:
                out.append(Event(t_s, EventKind.POSE_FOUND))
            self._visible_since = t_s
        self._last_seen_s = t_s
        if not self._ready:
            if self.ex.reps is None and self.ex.hold is not None:
                # A person already holding the position while the setup check
                # runs is holding it: the hold will be timed from then, with
                # the hold's grace for dips as when it is timed.
                in_pos = self._in_hold_position(values)
                self._out_seen |= in_pos is False
                clock = self._setup_clock
                # Out of position, or unknown, past the grace: that hold is over.
                if clock is not None and not clock.update(t_s, in_pos is True):
                    clock = None
                if clock is None and in_pos:
                    clock = self._new_hold_clock(t_s)
                self._setup_clock = clock
            elif self.ex.reps is not None:
                # The rep machine may arm (see neutral) during setup, so a
                # first rep that starts right away is not lost; it cannot
                # count until setup is over.
                self.counter.update(t_s, values, ready=False)
            if t_s - self._visible_since < self.ex.setup_s:
                self._sync_state()
                return out
            self._ready = True
            out.append(Event(t_s, EventKind.READY))
            if self.ex.reps is None:
                self._hold_phase = Phase.IDLE
                clock = self._setup_clock
                if clock is not None and clock.update(t_s, False):
                    # Still in position, or out for less than the grace.
                    self.timer.start(clock)
                    self._hold_phase = Phase.HOLDING
            self._sync_state()
            return out
        if self.ex.reps is not None:
            out += self.counter.update(t_s, values, ready=True)
            if self._reach is not None:
                self._reach.update(t_s, values)
        elif self.ex.hold is not None:
            out += self._update_hold_only(t_s, values)
        self._sync_state()
        return out

    def _end_hold(self) -> list[Event]:
        """Close the hold under way (with reps: the hold at a rep's end)."""
        if self.ex.reps is not None:
            return self.counter.end_hold()
        return self.timer.end(None)[0]

    def _hold_goes_on_unjudged(self, clock: HoldClock, t_s: float) -> bool:
        """A frame with the pose lost: a static hold bridges it (HoldClock.UNSEEN_S);
        the hold at a rep's end is the rep counter's and keeps its grace rule."""
        return clock.unjudged(t_s) if self.ex.reps is None else clock.update(t_s, False)

    def _new_hold_clock(self, t_s: float) -> HoldClock:
        """The clock of a static hold reached at t_s, told whether it was
        seen being got into (a frame out of position since the last hold
        began: HoldClock.entered)."""
        hold = self.ex.hold
        assert hold is not None
        clock = HoldClock(t_s, hold.grace_s, hold.still_band, self._out_seen)
        self._out_seen = False
        return clock

    def _in_hold_position(self, values: dict[str, float]) -> bool | None:
        """In the static hold's position; None when a condition cannot be
        judged this frame (its metric NaN): an unknown never breaks or
        confirms a hold, and the others alone do not confirm it (hands gone
        from the picture are not at the head because the head is still)."""
        hold = self.ex.hold
        assert hold is not None
        met = [c.judge(values) for c in hold.when]
        if None in met:
            return None
        return all(met) and not form_faults(self.ex.form, values)

    def _update_hold_only(self, t_s: float, values: dict[str, float]) -> list[Event]:
        hold = self.ex.hold
        assert hold is not None
        in_pos = self._in_hold_position(values)
        out: list[Event] = []
        clock = self.timer.clock
        if in_pos is None:
            # Unknown for longer than the grace: the hold ended when it was
            # last seen in position. (A condition unknown while the person is
            # seen is something moving out of view, the hands leaving the
            # picture: not bridged as a pose the model lost is.)
            if clock is not None and t_s - clock.last_in_s > hold.grace_s:
                out += self._end_hold()
                self._hold_phase = Phase.IDLE
            return out
        if clock is None:
            self._out_seen |= not in_pos
            if in_pos:
                clock = self._new_hold_clock(t_s)
                self.timer.start(clock)
                self._hold_phase = Phase.HOLDING
                clock.update(t_s, in_pos, still=self.timer.still_values(values))
            return out
        if not clock.update(t_s, in_pos, still=self.timer.still_values(values)):
            out += self._end_hold()
            self._hold_phase = Phase.IDLE
            return out
        return out + self.timer.started(None) + self.timer.check_target(None)

    def _sync_state(self) -> None:
        st = self.state
        phase = self.counter.phase if self.ex.reps is not None else self._hold_phase
        st.phase = phase if self._ready else Phase.SETUP
        st.reps = len(self.reps)
        st.partial_reps = self.partial_reps
        st.holding = self.timer.clock is not None
        st.hold_elapsed_s = self.timer.clock.elapsed_s if self.timer.clock else 0.0
        st.side = self.counter.side

    def void_excursion(self) -> list[Event]:
        """A stop warning fired during this movement: the rest of it counts
        for nothing (RepCounter.void_excursion)."""
        return self.counter.void_excursion() if self.ex.reps is not None else []

    def pause_for_position(self) -> list[Event]:
        """The person is out of the exercise's position (core/position_watch.py):
        a movement under way counts for nothing, and counting starts again
        only from neutral (values that come back mid-way are passing through,
        not a rep's start)."""
        if self.ex.reps is None:
            return []
        if self.counter.phase == Phase.NEUTRAL:
            self.counter.phase = Phase.WAIT_NEUTRAL
            self._sync_state()
        return self.counter.void_excursion()

    def finish(self, t_s: float) -> list[Event]:
        """End of the source: close an open hold at its last in-position time."""
        if self.ex.reps is not None:
            out = self.counter.finish(t_s)
            why = self._reach.note() if self._reach is not None and not self.reps and not self.partial_reps else None
            self.notes += [why] if why else []
            return out
        return self._end_hold() if self.timer.clock is not None else []
