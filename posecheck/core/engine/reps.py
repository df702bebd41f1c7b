"""Counting reps: the rep state machine, out of the exercise engine.

Each movement's progress (0 at neutral, 1 at the end position) drives the
phases WAIT_NEUTRAL -> NEUTRAL -> MOVING -> END -> NEUTRAL (or END -> END:
a fast set's next rep, back part way only, fast_set.py). A rep counts at
the end position (with a hold: once the hold meets its target); an attempt
past `partial` that returns short is a partial rep; a sequence counts once
every step is done. The engine decides when counting may start (setup) and
what a lost pose means; this module only counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from posecheck.core.engine.excursion import Excursion, leading_movement
from posecheck.core.engine.fast_set import FastSetWatch
from posecheck.core.engine.hold_timer import HoldTimer
from posecheck.core.engine.neutral_guard import NeutralGuard
from posecheck.core.events import Event, EventKind, Phase, RepRecord
from posecheck.spec import Exercise, FormRule, RepRule

# The sides whose reps are counted apart (RepRule.sides).
SIDED = ("left", "right", "alternating")


def reps_by_side(ex: Exercise, reps: Iterable[RepRecord]) -> dict[str, int] | None:
    """Reps per side, {"left": n, "right": n}, for an exercise counted by
    side (left, right or alternating); None for one that is not. The one
    count the live counter, the report and the accuracy bench show."""
    if ex.reps is None or ex.reps.sides not in SIDED:
        return None
    counts = {"left": 0, "right": 0}
    for rep in reps:
        if rep.side is not None and rep.side in counts:
            counts[rep.side] += 1
    return counts


def form_faults(rules: tuple[FormRule, ...], values: dict[str, float], at_end: bool = True) -> list[str]:
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


class Movements:
    """An exercise's movements by name (RepRule.movements): how far each is
    from neutral to its end, and the side a report shows for it."""

    def __init__(self, rule: RepRule | None) -> None:
        self.rule = rule
        self.by_name = {m.name: m for m in rule.movements} if rule else {}

    def progress(self, values: dict[str, float]) -> dict[str, float]:
        """Per movement, 0 at neutral and 1 at the end position (NaN if unknown)."""
        return {n: m.progress(values.get(m.metric, math.nan)) for n, m in self.by_name.items()}

    def value(self, name: str, progress: float) -> float:
        """The metric's value at this progress of the movement."""
        m = self.by_name[name]
        return m.neutral + progress * (m.end - m.neutral)

    @property
    def partial_progress(self) -> dict[str, float]:
        """Per movement, the progress of its `partial` mark."""
        return {n: m.partial_progress for n, m in self.by_name.items()}

    def past_partial(self, peak: dict[str, float]) -> dict[str, float]:
        """The movements whose peak progress got past their `partial` mark."""
        return {n: v for n, v in peak.items() if v >= self.by_name[n].partial_progress}

    def peak_value(self, name: str, peaks: dict[str, float]) -> float:
        """The metric's value at the movement's progress in `peaks` (an
        Excursion's peak or held_peak; the end if unknown)."""
        return self.value(name, peaks.get(name, 1.0))

    def partial_rep(self, t_s: float, held_peak: dict[str, float]) -> Event | None:
        """Back at neutral short of the end: a partial rep if kept past `partial` (Excursion.held_peak)."""
        over = self.past_partial(held_peak)
        if not over:
            return None
        name = leading_movement(over)
        return Event(t_s, EventKind.PARTIAL_REP, self.label(name), {"peak": self.peak_value(name, held_peak)})

    def label(self, name: str | None) -> str | None:
        """The side a report shows: None for unsided exercises and sequences."""
        if name is None or name == "none" or (self.rule is not None and self.rule.is_sequence):
            return None
        return name


NOT_COUNTED_NO_WAY_BACK = (
    "The recording starts in the end position and stops before the way back: that rep is not counted."
)


class RepCounter:
    """Counts the reps (and partial reps) of one exercise, frame by frame; the
    hold at a rep's end is timed by a `HoldTimer` shared with the engine."""

    def __init__(self, exercise: Exercise, timer: HoldTimer) -> None:
        self.ex = exercise
        self.timer = timer
        self.reps: list[RepRecord] = []
        self.partial_reps = 0
        self._moves = Movements(exercise.reps)
        self._guard = NeutralGuard(exercise)
        self._fast = FastSetWatch(exercise.reps, self._guard)
        # Reps per side of a sided exercise (the engine's state shows it).
        self.by_side: dict[str, int] = reps_by_side(exercise, []) or {}
        self.phase = Phase.WAIT_NEUTRAL
        self._exc = Excursion()
        # Steps of a sequence done so far.
        self._steps_done: list[str] = []
        self._open_rep: RepRecord | None = None
        self._void = False
        self._last_rep_s = -math.inf
        self._hold_rep: RepRecord | None = None
        # A recording may start mid-movement: the first known frame decides
        # whether it starts in the end position (`_start_at_end`).
        self._start_seen = False
        self._start_at_end = False
        # The end position the recording started in, counted once back.
        self._pending: str | None = None
        # Why something seen was not counted, for the report: (t_s, message).
        self.notes: list[tuple[float, str]] = []

    @property
    def side(self) -> str | None:
        """The side of the movement at its end position now."""
        return self._moves.label(self._exc.move)

    def update(self, t_s: float, values: dict[str, float], ready: bool) -> list[Event]:
        """Feed one frame's metric values; returns the events it caused. Not
        `ready` (setup still runs), the machine may arm (see neutral), so a
        first rep that starts right away is not lost, but nothing counts."""
        rr = self.ex.reps
        assert rr is not None
        out: list[Event] = []
        p = self._moves.progress(values)
        at_neutral = all(math.isnan(v) or v <= 0.0 for v in p.values())
        if self._guard.holds_back(t_s, p, at_neutral, self.phase in (Phase.MOVING, Phase.END)):
            return out  # back at neutral faster than a body moves: as if unseen until it stays
        if all(math.isnan(v) for v in p.values()):
            return out
        first = not self._start_seen
        self._start_seen = True
        if self.phase == Phase.WAIT_NEUTRAL:
            if at_neutral:
                self.phase = Phase.NEUTRAL
                return out
            if not first:
                return out
            # The recording starts out of neutral: the movement began before
            # it. Its end, if seen, counts once the way back is seen too.
            self._start_at_end = any(v >= 1.0 for v in p.values())
            self.phase = Phase.NEUTRAL
        if self.phase == Phase.NEUTRAL:
            if at_neutral:
                return out
            self.phase = Phase.MOVING
            if not first:
                self._start_at_end = False
            self._exc = Excursion(left_neutral_s=t_s)
            self._fast.reset()
        # Where `during = "hold"` form rules apply: a hold being timed, until
        # it is done (letting go after that is the way back), or for reps
        # without a hold, at or past the end.
        if self.ex.kind == "reps_with_hold":
            at_end = self.phase == Phase.END and self.timer.clock is not None and not self.timer.completed
        else:
            at_end = self.phase == Phase.END and any(v >= 1.0 for v in p.values())
        faults_now = form_faults(self.ex.form, values, at_end)
        still = self.timer.still_values(values)
        self._exc.observe(t_s, p, still, faults_now, rr.end_confirm_s)

        if self._void:
            if at_neutral:
                self._void = False
                self.phase = Phase.NEUTRAL
                self._open_rep = None
            return out
        if self.phase == Phase.MOVING:
            if any(v >= 1.0 for v in p.values()):
                if self._exc.end_since is None:
                    self._exc.end_since = t_s
                if t_s - self._exc.end_since >= rr.end_confirm_s and t_s - self._last_rep_s >= rr.min_rep_s:
                    if not ready:
                        # Reached the end while the setup check still runs (a
                        # first rep in the first second): it counts once set
                        # up, if the person is still there.
                        return out
                    out += self._reach_end(self._exc.end_since, leading_movement(p))
                return out
            kept = self._moves.past_partial(self._exc.held_peak)
            unseen = self._exc.end_out_of_sight(t_s, rr.end_confirm_s, kept, self._moves.partial_progress)
            if unseen is not None and ready and t_s - self._last_rep_s >= rr.min_rep_s and self.ex.kind == "reps":
                out += self._reach_end(self._exc.end_since or t_s, unseen)  # and on to the way back, below
            else:
                self._exc.end_since = None
                if at_neutral:
                    if (partial := self._moves.partial_rep(t_s, self._exc.held_peak)) is not None:
                        self.partial_reps += 1
                        out.append(partial)
                    self.phase = Phase.NEUTRAL
                return out

        # At or past the end position: a hold to time, then the way back.
        if self.timer.clock is not None:
            assert self._exc.move is not None and self.ex.hold is not None
            # (Here the phase is END with a hold: `faults_now` was taken
            # with at_end = not self.timer.completed.)
            in_pos = p[self._exc.move] >= self.ex.hold.exit_fraction and not faults_now
            if not self.timer.clock.update(t_s, in_pos, p[self._exc.move], still):
                out += self.end_hold()
            else:
                out += self.timer.started(self.side) + self.timer.check_target(self.side, self._hold_met)
        if rr.is_sequence and self.timer.clock is None and not self._void:
            # Another step reaching its end in the same excursion (trunk and
            # legs raised together) is done too.
            for n, v in p.items():
                if v >= 1.0 and n not in self._exc.steps and ready:
                    out += self._movement_done(t_s, n)
        if not at_neutral and (again := self._next_of_fast_set(t_s, p, ready)):
            return out + again
        if self._open_rep is not None and self._exc.move is not None:
            self._open_rep.peak = self._moves.peak_value(self._exc.move, self._exc.peak)
            self._open_rep.progress = self._exc.peak.get(self._exc.move, 1.0)
        if at_neutral:
            self._open_rep = None
            if self.timer.clock is not None:
                out += self.end_hold()
            if self._pending is not None and ready:
                # Back from the end position the recording started in. Of a
                # sequence, the steps before it were done before the
                # recording: the whole rep counts.
                if rr.is_sequence:
                    self._steps_done = [m.name for m in rr.movements if m.name != self._pending]
                out += self._movement_done(t_s, self._pending)
            self._pending = None
            self._start_at_end = False
            self.phase = Phase.NEUTRAL
        return out

    def _next_of_fast_set(self, t_s: float, p: dict[str, float], ready: bool) -> list[Event]:
        """At a plain rep's end (not held, not a sequence, counted): the next
        rep of a fast set, back part way only (fast_set.py)."""
        rr, name = self.ex.reps, self._exc.move
        if rr is None or rr.is_sequence or self.ex.kind != "reps" or self._void or self._pending or name is None:
            return []
        may_count = ready and t_s - self._last_rep_s >= rr.min_rep_s
        nxt = self._fast.update(t_s, p, name, self._exc.peak.get(name, math.nan), may_count)
        if nxt is None:
            return []
        self._open_rep, self._exc = None, Excursion(left_neutral_s=nxt.back_s, peak=nxt.peak)
        self._fast.reset()
        return self._reach_end(nxt.end_s, leading_movement(nxt.risen))

    def _reach_end(self, t_end_s: float, name: str) -> list[Event]:
        self._exc.move = name
        self._exc.end_reached_s = t_end_s
        self.phase = Phase.END
        if self.ex.kind == "reps_with_hold":
            mv = self._moves.by_name[name]
            recent = ((t_r, p_r.get(name, math.nan), still_r) for t_r, p_r, still_r in self._exc.recent)
            self.timer.start_settled(t_end_s, mv.end - mv.neutral, recent)
            return []
        if self._start_at_end:
            self._pending = name
            self._exc.steps.add(name)
            return []
        return self._movement_done(t_end_s, name)

    def _movement_done(self, t_s: float, name: str) -> list[Event]:
        """A movement reached its end (and hold): a rep, or a sequence step."""
        rr = self.ex.reps
        assert rr is not None
        self._last_rep_s = t_s
        if rr.is_sequence:
            self._exc.mark_steps(name, self._steps_done)
            if len(self._steps_done) < len(rr.movements):
                return [Event(t_s, EventKind.STEP_DONE, None, {"step": name})]
            # Any end the recording started in is in this rep: not again on the way back.
            self._steps_done, self._pending = [], None
        label = self._moves.label(name)
        rec = self._exc.record(t_s, name, label, self._moves.peak_value(name, self._exc.peak))
        self.reps.append(rec)
        self._open_rep = rec
        self.by_side.update(reps_by_side(self.ex, self.reps) or {})
        return [Event(t_s, EventKind.REP, label, {"peak": rec.peak})]

    def _hold_met(self, t_done_s: float) -> list[Event]:
        """The hold at the end met its target at t_done_s: the movement is done."""
        if self._exc.move is None:
            return []
        out = self._movement_done(t_done_s, self._exc.move)
        self._hold_rep = self.reps[-1] if out[-1].kind == EventKind.REP else None
        return out

    def end_hold(self) -> list[Event]:
        """The hold at the end is over: a hold broken early is a partial rep."""
        assert self.ex.hold is not None
        out, rec = self.timer.end(self.side, self._hold_met)
        if rec is None:
            return out
        if rec.completed and self._hold_rep is not None:
            # Counted live at the hold start's running estimate; the record takes the refined start.
            self._hold_rep.t_s = rec.start_s + self.ex.hold.target_s
        self._hold_rep = None
        if not rec.completed:
            if self._start_at_end:
                # Only the end of this hold was recorded: not an attempt
                # that fell short, and not a rep.
                seen = f"{rec.duration_s:.1f} s of it seen, under the {self.ex.hold.target_s:g} s target"
                self.notes.append((rec.end_s, f"The recording starts during a hold: {seen}, so it is not counted."))
            else:
                self.partial_reps += 1
                out.append(Event(rec.end_s, EventKind.PARTIAL_REP, rec.side, {"reason": "hold broken early"}))
        return out

    def abandon(self, phases: tuple[Phase, ...] = (Phase.MOVING, Phase.END)) -> None:
        """The person left mid-movement (at a cut: at rest): back to neutral before counting."""
        if self.phase in phases:
            self.phase = Phase.WAIT_NEUTRAL

    def void_excursion(self) -> list[Event]:
        """A stop warning fired during this movement (past a safety limit):
        what was held before it stands, the rest of the movement counts for
        nothing (not a rep, not a partial) until the person is back at
        neutral."""
        if self.phase not in (Phase.MOVING, Phase.END):
            return []
        out = self.end_hold() if self.timer.held_min() else []
        self.timer.drop()
        self._void = True
        self.phase = Phase.END
        return out

    def finish(self, t_s: float) -> list[Event]:
        """End of the source: close an open hold at its last in-position time."""
        if self._pending is not None:
            self.notes.append((t_s, NOT_COUNTED_NO_WAY_BACK))
            self._pending = None
        if self.timer.clock is not None:
            return self.end_hold()
        return []
