"""How far each movement got: why a recording that counted no rep counted none.

A person who lifts the legs of a superman well past their end but the chest
only two thirds of the way to its own got "reps: 0" and nothing else: the
report did not say that the chest lift was what fell short. When no rep and
no partial rep was counted, the movement that got furthest without reaching
its end, if it got a third of the way or more, is named in an info note
(rule "not_counted"), with the farthest reading and the end it needed.
Pure: progress values in, a sentence out.
"""

from __future__ import annotations

import math
from collections import deque

from posecheck.core.engine.reps import Movements
from posecheck.spec import RepRule


class ReachTally:
    """The farthest each movement of a rep exercise got while counting."""

    # A movement under a third of the way was not tried: a sway, a glance.
    TRIED_FROM = 1.0 / 3.0
    # Readings a reach must hold for: one frame misread far out is no reach.
    FRAMES = 3

    def __init__(self, rule: RepRule) -> None:
        self.rule = rule
        self._moves = Movements(rule)
        self._recent = {m.name: deque[float](maxlen=self.FRAMES) for m in rule.movements}
        # Per movement: (farthest progress held FRAMES frames, when).
        self.best = {m.name: (-math.inf, math.nan) for m in rule.movements}

    def update(self, t_s: float, values: dict[str, float]) -> None:
        """Feed one counting frame's metric values."""
        progress = self._moves.progress(values)
        for name, recent in self._recent.items():
            p = progress.get(name, math.nan)
            if math.isnan(p):
                recent.clear()
                continue
            recent.append(p)
            held = min(recent)
            if len(recent) == self.FRAMES and held > self.best[name][0]:
                self.best[name] = (held, t_s)

    def note(self) -> tuple[float, str] | None:
        """(when, sentence) naming the movement that fell short, or None when
        every movement reached its end (or none was tried)."""
        short = [(p, t, m) for m in self.rule.movements for p, t in [self.best[m.name]] if self.TRIED_FROM <= p < 1.0]
        if not short:
            return None
        p, t_s, m = max(short, key=lambda s: s[0])
        reached = m.neutral + p * (m.end - m.neutral)
        if self.rule.is_sequence:
            step = f"the {m.name} step"
        else:
            step = f"the {m.name} movement" if len(self.rule.movements) > 1 else "the movement"
        return (
            t_s,
            f"No rep counted: {step} ({m.metric}) got only as far as {reached:.0f}, short of the {m.end:.0f} a rep needs.",
        )
