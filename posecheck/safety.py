"""Safety monitors: an exercise's limits, checked on every frame.

A rule fires when its metric stays past the limit for `for_s` seconds, so one
noisy frame never warns. One long fault is one warning whose span grows
while the fault lasts; the same rule firing again within `cooldown_s` of the
end of its last warning extends that warning instead of adding another.
"""

from __future__ import annotations

import math

from posecheck import events as ev
from posecheck.events import Event, WarningRecord
from posecheck.spec import SafetyRule


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
        self._state = {r.id: _RuleState() for r in rules}

    def update(self, t_s: float, values: dict[str, float]) -> list[Event]:
        """Feed one frame's metric values; returns warnings that fired now.

        NaN (pose lost) leaves a rule's state as it was: a gap neither
        confirms nor clears a fault.
        """
        out: list[Event] = []
        for rule in self.rules:
            v = values.get(rule.metric, math.nan)
            if math.isnan(v):
                continue
            st = self._state[rule.id]
            if not rule.violated(v):
                st.since_s = None
                if st.active is not None:
                    st.last, st.active = st.active, None
                continue
            if st.since_s is None:
                st.since_s = t_s
            if st.active is not None:
                st.active.end_s = t_s
                continue
            if t_s - st.since_s < rule.for_s:
                continue
            if st.last is not None and st.since_s - st.last.end_s <= rule.cooldown_s:
                st.active = st.last
                st.active.end_s = t_s
                continue
            st.active = WarningRecord(st.since_s, t_s, rule.id, rule.severity, rule.message)
            self.warnings.append(st.active)
            out.append(Event(st.since_s, ev.WARNING, None, {
                "rule": rule.id, "severity": rule.severity, "message": rule.message}))
        return out

    def active(self) -> list[WarningRecord]:
        """Warnings whose fault is going on now (for the overlay banner)."""
        return [st.active for st in self._state.values() if st.active is not None]
