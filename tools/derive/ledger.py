"""What a derived clip's truth is, kept as events with their extents in time.

A source clip's truth file says when each rep counted and where each hold
was, but not how far a rep's rise started before its count, or how long the
body stayed in the end position after it. Those extents decide what a cut
does to the truth (README.md, "Truth rules"), so the ledger rebuilds them
from the source's motion script (``tools.render.motion``, torch-free), checks
that they give back the truth file on disk exactly, and then applies each
transform to the events rather than to the finished JSON.

Every transform works on whole frames: a time T in a spec is moved to the
nearest frame boundary k / fps, and that frame time is what the truth uses.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from tools.render.channels import ANGLE_CHANNELS
from tools.render.motion import ClipScript, Timeline, load_script
from tools.render.truth import HOLD_TOLERANCE_DEG, HOLD_TOLERANCE_SHARE, hold_span

EPS_S = 1e-6
STEP_S = 0.01
"""Walk step when finding how long the body stays in a rep's end position."""
RESOLUTION_S = 1e-4
"""Bisection resolution of that boundary, as in ``tools.render.truth.hold_span``."""
STILL_DEG = 1e-6
"""Angle change below which frames count as the same still pose (cuts, joins, dissolves)."""


class CutError(ValueError):
    """A cut whose effect on the truth would not be exact (or is not defined)."""


@dataclass(frozen=True)
class Rep:
    """A counted rep that is not a hold: its count and its extent.

    ``t_s`` is the truth's rep event (the end position reached). The rep
    occupies ``rise_s`` (its movement starts) to ``back_end_s`` (the way back
    has ended). ``end_until_s`` is when the body leaves the end position
    again (the rep's channels leave max(2 deg, 5% of the excursion) of their
    end values, the tolerance the renderer uses for holds); it equals ``t_s``
    for a rep that ends back at neutral (a nod's sequence completes there).
    """

    t_s: float
    side: str | None
    rise_s: float
    end_until_s: float
    back_end_s: float


@dataclass(frozen=True)
class Attempt:
    """A partial rep (a ``rep = "partial"`` move): from its start to the end of the way back."""

    start_s: float
    back_end_s: float
    side: str | None


@dataclass(frozen=True)
class Hold:
    """A hold span; ``rep`` is the hold segment's rep role (``full`` or ``none``)."""

    start_s: float
    end_s: float
    segment_s: tuple[float, float]
    side: str | None
    rep: str


@dataclass
class Ledger:
    """The truth of one clip as events, plus the per-frame angles and the file's fixed fields."""

    meta: dict[str, Any]  # schema, exercise, fps, hold_target_s, variant (copied as is)
    size: tuple[int, int]
    frames: int
    sided: bool  # reps_by_side is a dict, not null
    reps: list[Rep]
    attempts: list[Attempt]
    holds: list[Hold]
    unsafe: list[dict[str, Any]]
    absent: list[dict[str, Any]]
    angles: dict[str, np.ndarray]  # one value per frame
    notes: list[str] = field(default_factory=list)
    # Frames of the timeline the file does not store (a variable frame rate: thinned).
    dropped: int = 0

    @property
    def fps(self) -> int:
        return int(self.meta["fps"])

    @property
    def target_s(self) -> float:
        return float(self.meta["hold_target_s"])

    @property
    def duration_s(self) -> float:
        return (self.frames + self.dropped) / self.fps

    def frame_of(self, t_s: float, what: str) -> int:
        """The frame boundary nearest ``t_s`` (a spec's time is snapped to whole frames)."""
        k = int(round(t_s * self.fps))
        if not 0 <= k <= self.frames:
            raise CutError(f"{what} = {t_s} s is outside the clip (0-{self.duration_s:.3f} s)")
        if abs(k / self.fps - t_s) > 1e-6:
            self.notes.append(f"{what} = {t_s} s snapped to frame {k} ({k / self.fps:.4f} s)")
        return k

    # ---- the truth file -------------------------------------------------

    def hold_rep_events(self) -> list[dict[str, Any]]:
        return [
            {"t_s": h.start_s + self.target_s, "side": h.side}
            for h in self.holds
            if h.rep == "full" and self.completed(h)
        ]

    def completed(self, h: Hold) -> bool:
        return h.end_s - h.start_s >= self.target_s - EPS_S

    def to_truth(self, clip: str) -> dict[str, Any]:
        """The truth document (schema 1, the renderer's keys and rounding)."""
        events = [{"t_s": r.t_s, "side": r.side} for r in self.reps] + self.hold_rep_events()
        events.sort(key=lambda e: e["t_s"])
        partial_n = len(self.attempts) + sum(1 for h in self.holds if h.rep == "full" and not self.completed(h))
        by_side = None
        if self.sided:
            by_side = {s: sum(1 for e in events if e["side"] == s) for s in ("left", "right")}
        return {
            "schema": self.meta["schema"],
            "clip": clip,
            "exercise": self.meta["exercise"],
            "fps": self.fps,
            "frames": self.frames,
            "duration_s": _r(self.duration_s),
            "size": list(self.size),
            "hold_target_s": self.meta["hold_target_s"],
            "variant": copy.deepcopy(self.meta["variant"]),
            "reps": len(events),
            "reps_by_side": by_side,
            "partial_reps": partial_n,
            "rep_events": [{"t_s": _r(e["t_s"]), "side": e["side"]} for e in events],
            "holds": [
                {
                    "start_s": _r(h.start_s),
                    "end_s": _r(h.end_s),
                    "duration_s": _r(h.end_s - h.start_s),
                    "completed": self.completed(h),
                    "side": h.side,
                    "segment_s": [_r(h.segment_s[0]), _r(h.segment_s[1])],
                }
                for h in self.holds
            ],
            "unsafe": [{"start_s": _r(u["start_s"]), "end_s": _r(u["end_s"]), "rule": u["rule"]} for u in self.unsafe],
            "absent": [{"start_s": _r(a["start_s"]), "end_s": _r(a["end_s"])} for a in self.absent],
            "angles": {name: [_r(v) for v in values] for name, values in self.angles.items()},
        }

    # ---- transforms on the events -----------------------------------------

    def shifted(self, d_s: float) -> Ledger:
        """Every time moved by ``d_s`` (frames and angles are the caller's business)."""
        return replace(
            self,
            reps=[
                replace(
                    r,
                    t_s=r.t_s + d_s,
                    rise_s=r.rise_s + d_s,
                    end_until_s=r.end_until_s + d_s,
                    back_end_s=r.back_end_s + d_s,
                )
                for r in self.reps
            ],
            attempts=[replace(a, start_s=a.start_s + d_s, back_end_s=a.back_end_s + d_s) for a in self.attempts],
            holds=[
                replace(
                    h,
                    start_s=h.start_s + d_s,
                    end_s=h.end_s + d_s,
                    segment_s=(h.segment_s[0] + d_s, h.segment_s[1] + d_s),
                )
                for h in self.holds
            ],
            unsafe=[{**u, "start_s": u["start_s"] + d_s, "end_s": u["end_s"] + d_s} for u in self.unsafe],
            absent=[{**a, "start_s": a["start_s"] + d_s, "end_s": a["end_s"] + d_s} for a in self.absent],
        )

    def trim_start(self, k: int) -> Ledger:
        """Drop frames before ``k`` (README.md, "Truth rules", trims at the start)."""
        t = k / self.fps
        reps: list[Rep] = []
        for r in self.reps:
            if r.t_s >= t - EPS_S:
                if r.rise_s < t - EPS_S:
                    self.notes.append(
                        f"rep at {r.t_s:.3f} s: its rise is under way at frame 0 "
                        f"(started {t - r.rise_s:.2f} s before); it counts"
                    )
                reps.append(replace(r, rise_s=max(r.rise_s, t)))
            elif t <= r.end_until_s + EPS_S:
                if r.back_end_s > self.duration_s + EPS_S:
                    self.notes.append(
                        f"rep at {r.t_s:.3f} s: starts in its end position but the "
                        "return is never seen; it does not count"
                    )
                    continue
                self.notes.append(
                    f"rep at {r.t_s:.3f} s: frame 0 is in its end position; it counts "
                    f"when the way back ends ({r.back_end_s - t:.3f} s)"
                )
                reps.append(replace(r, t_s=r.back_end_s, rise_s=t, end_until_s=max(r.end_until_s, t)))
            elif t < r.back_end_s - EPS_S:
                raise CutError(
                    f"frame 0 at {t:.3f} s is on the way back from the rep counted at "
                    f"{r.t_s:.3f} s (back at {r.back_end_s:.3f} s): not defined, choose another time"
                )
        attempts = []
        for a in self.attempts:
            if a.start_s >= t - EPS_S:
                attempts.append(a)
            elif t < a.back_end_s - EPS_S:
                raise CutError(
                    f"frame 0 at {t:.3f} s is inside the partial attempt {a.start_s:.3f}-"
                    f"{a.back_end_s:.3f} s: not defined, choose another time"
                )
        holds = []
        for h in self.holds:
            if h.end_s <= t + EPS_S:
                continue
            if h.start_s < t:
                self.notes.append(f"hold {h.start_s:.3f}-{h.end_s:.3f} s: seen from frame 0, {h.end_s - t:.3f} s of it")
                h = replace(h, start_s=t, segment_s=(max(h.segment_s[0], t), h.segment_s[1]))
            holds.append(h)
        out = replace(
            self,
            reps=reps,
            attempts=attempts,
            holds=holds,
            unsafe=_clip_spans(self.unsafe, t, self.duration_s),
            absent=_clip_spans(self.absent, t, self.duration_s),
            angles={n: v[k:] for n, v in self.angles.items()},
            frames=self.frames - k,
        )
        return out.shifted(-t)

    def trim_end(self, k: int) -> Ledger:
        """Keep frames before ``k`` (README.md, "Truth rules", trims at the end)."""
        t = k / self.fps
        last_s = (k - 1) / self.fps  # the last frame shown
        reps = []
        for r in self.reps:
            if r.t_s <= last_s + EPS_S:
                reps.append(r)
            elif r.rise_s < t - EPS_S:
                raise CutError(
                    f"the clip ends at {t:.3f} s during the rise of the rep counted at "
                    f"{r.t_s:.3f} s: not defined, choose another time"
                )
        attempts = []
        for a in self.attempts:
            if a.back_end_s <= t + EPS_S:
                attempts.append(a)
            elif a.start_s < t - EPS_S:
                raise CutError(
                    f"the clip ends at {t:.3f} s inside the partial attempt "
                    f"{a.start_s:.3f}-{a.back_end_s:.3f} s: not defined"
                )
        holds = []
        for h in self.holds:
            if h.start_s >= t - EPS_S:
                continue
            if h.end_s > t:
                self.notes.append(f"hold {h.start_s:.3f}-{h.end_s:.3f} s: cut by the end, {t - h.start_s:.3f} s seen")
                h = replace(h, end_s=t, segment_s=(h.segment_s[0], min(h.segment_s[1], t)))
            holds.append(h)
        return replace(
            self,
            reps=reps,
            attempts=attempts,
            holds=holds,
            unsafe=_clip_spans(self.unsafe, 0.0, t),
            absent=_clip_spans(self.absent, 0.0, t),
            angles={n: v[:k] for n, v in self.angles.items()},
            frames=k,
        )

    def check_still(self, a: int, b: int, what: str) -> None:
        """Frames a-1 .. b (clamped) show one still pose: every angle equal."""
        lo, hi = max(a - 1, 0), min(b, self.frames - 1)
        for name, values in self.angles.items():
            part = values[lo : hi + 1]
            if part.size and float(np.ptp(part)) > STILL_DEG:
                raise CutError(
                    f"{what}: {name} changes by {np.ptp(part):.3f} deg over frames {lo}-{hi}: not a still rest"
                )

    def check_nothing_inside(self, t0: float, t1: float, what: str) -> None:
        """No rep, attempt, hold, unsafe or absent span overlaps (t0, t1)."""
        spans = (
            [(r.rise_s, r.back_end_s, f"rep counted at {r.t_s:.3f} s") for r in self.reps]
            + [(a.start_s, a.back_end_s, "partial attempt") for a in self.attempts]
            + [(h.start_s, h.end_s, "hold") for h in self.holds]
            + [(u["start_s"], u["end_s"], f"unsafe {u['rule']}") for u in self.unsafe]
            + [(x["start_s"], x["end_s"], "absent span") for x in self.absent]
        )
        for s, e, name in spans:
            if s < t1 - EPS_S and e > t0 + EPS_S:
                raise CutError(f"{what}: the {name} ({s:.3f}-{e:.3f} s) overlaps {t0:.3f}-{t1:.3f} s")

    def cut(self, a: int, b: int) -> Ledger:
        """Remove frames a .. b-1, which must lie in a still rest with nothing going on."""
        if not 0 < a < b < self.frames:
            raise CutError(f"cut frames {a}-{b} must lie inside the clip")
        t0, t1 = a / self.fps, b / self.fps
        self.check_nothing_inside(t0, t1, "cut")
        self.check_still(a, b, "cut")
        head = self.trim_end(a)
        tail = self.trim_start(b)
        return head.joined(tail)

    def joined(self, other: Ledger) -> Ledger:
        """This clip, then ``other`` from its frame 0 (the same exercise and hold target)."""
        for key in ("exercise", "fps", "hold_target_s"):
            if self.meta[key] != other.meta[key]:
                raise CutError(f"join: {key} differs ({self.meta[key]} vs {other.meta[key]})")
        for key in ("mirrored", "elevation_deg"):
            if self.meta["variant"].get(key) != other.meta["variant"].get(key):
                raise CutError(f"join: variant {key} differs: the benchmark reads one value per clip")
        if self.size != other.size or self.sided != other.sided:
            raise CutError("join: frame size or sidedness differs")
        tail = other.shifted(self.duration_s)
        names = list(self.angles) + [n for n in other.angles if n not in self.angles]
        # A channel a script never sets stays at 0 (tools/render/README.md, truth format).
        angles = {
            n: np.concatenate([self.angles.get(n, np.zeros(self.frames)), other.angles.get(n, np.zeros(other.frames))])
            for n in names
        }
        return replace(
            self,
            frames=self.frames + other.frames,
            reps=self.reps + tail.reps,
            attempts=self.attempts + tail.attempts,
            holds=self.holds + tail.holds,
            unsafe=_merge(self.unsafe + tail.unsafe, "rule"),
            absent=_merge(self.absent + tail.absent, None),
            angles=angles,
            notes=self.notes + other.notes,
        )

    def thinned(self, a: int, b: int, every: int) -> tuple[Ledger, np.ndarray]:
        """Of frames a .. b-1 only every `every`-th stored, each at its own
        time (a phone in low light: a variable frame rate). The events keep
        their times; the angles keep the stored frames'. Returns the ledger
        and the indices of the frames kept."""
        if not 0 <= a < b <= self.frames or every < 2:
            raise CutError(f"thin frames {a}-{b} must lie inside the clip, keeping every 2nd or fewer")
        keep = np.concatenate([np.arange(a), np.arange(a, b, every), np.arange(b, self.frames)])
        angles = {n: v[keep] for n, v in self.angles.items()}
        return replace(self, frames=len(keep), dropped=self.dropped + self.frames - len(keep), angles=angles), keep

    def padded(self, before: int, after: int) -> Ledger:
        """``before`` frames added at the start and ``after`` at the end, the
        angles held at the first / last value (no person is there to measure)."""
        out = self.shifted(before / self.fps)
        angles = {n: np.concatenate([np.full(before, v[0]), v, np.full(after, v[-1])]) for n, v in out.angles.items()}
        return replace(out, angles=angles, frames=self.frames + before + after)

    def with_absent(self, start_s: float, end_s: float) -> Ledger:
        if end_s - start_s <= EPS_S:
            return self
        return replace(self, absent=_merge(self.absent + [{"start_s": start_s, "end_s": end_s}], None))

    def count_at(self, t_s: float) -> int:
        """Reps counted by ``t_s`` (for a rep counter drawn by an app)."""
        events = [r.t_s for r in self.reps] + [e["t_s"] for e in self.hold_rep_events()]
        return sum(1 for e in events if e <= t_s + EPS_S)


def _r(value: float) -> float:
    return round(float(value), 3)


def _clip_spans(spans: list[dict[str, Any]], t0: float, t1: float) -> list[dict[str, Any]]:
    out = []
    for s in spans:
        start, end = max(s["start_s"], t0), min(s["end_s"], t1)
        if end - start > EPS_S:
            out.append({**s, "start_s": start, "end_s": end})
    return out


def _merge(spans: list[dict[str, Any]], key: str | None) -> list[dict[str, Any]]:
    """Join touching spans (of the same rule), as the renderer does."""
    merged: list[dict[str, Any]] = []
    for span in sorted(spans, key=lambda s: (s.get(key, "") if key else "", s["start_s"])):
        last = merged[-1] if merged else None
        if last is not None and (key is None or last[key] == span[key]) and span["start_s"] <= last["end_s"] + EPS_S:
            last["end_s"] = max(last["end_s"], span["end_s"])
        else:
            merged.append(dict(span))
    return sorted(merged, key=lambda s: s["start_s"])


def _end_until(script: ClipScript, timeline: Timeline, index: int) -> float:
    """When the body leaves the end position of the rep move at ``segments[index]``."""
    seg = script.segments[index]
    before = timeline.start_values(index)
    end = timeline.start_values(index + 1) if index + 1 < len(script.segments) else timeline.at(script.duration_s)
    tol = {}
    for name, target in seg.values.items():
        excursion = abs(target - before[name])
        if name in ANGLE_CHANNELS and excursion > EPS_S:
            tol[name] = max(HOLD_TOLERANCE_DEG, HOLD_TOLERANCE_SHARE * excursion)
    if not tol:
        return seg.end_s

    def at_end(t: float) -> bool:
        values = timeline.at(t)
        return all(abs(values[n] - end[n]) <= tl + EPS_S for n, tl in tol.items())

    inside, limit = seg.end_s, script.duration_s
    while True:
        probe = min(inside + STEP_S, limit)
        if not at_end(probe):
            outside = probe
            break
        if probe >= limit:
            return limit
        inside = probe
    while outside - inside > RESOLUTION_S:
        middle = 0.5 * (inside + outside)
        if at_end(middle):
            inside = middle
        else:
            outside = middle
    return inside


def _back_end(script: ClipScript, index: int) -> float:
    """End of the first movement after ``segments[index]`` (the way back)."""
    for seg in script.segments[index + 1 :]:
        if seg.kind in ("move", "neutral", "loop"):
            return seg.end_s
    return script.duration_s


def _returns_to_base(script: ClipScript, index: int) -> bool:
    """The rep move ends at the base posture (a sequence such as a nod completes at neutral)."""
    seg = script.segments[index]
    return seg.kind == "neutral" or all(abs(v - script.base.get(n, 0.0)) <= EPS_S for n, v in seg.values.items())


def from_source(samples: Path, scripts: Path, name: str) -> Ledger:
    """The ledger of a rendered sample, from its motion script, checked
    against its truth file on disk (every event must come back the same)."""
    disk = json.loads((samples / f"{name}.truth.json").read_text())
    script = load_script(scripts / f"{name}.toml")
    timeline = Timeline(script)
    reps, attempts, holds = [], [], []
    for i, seg in enumerate(script.segments):
        if seg.kind == "hold":
            start, end = hold_span(script, i, timeline)
            holds.append(Hold(start, end, (seg.start_s, seg.end_s), seg.side, seg.rep))
        elif seg.rep == "full":
            if seg.kind == "move" and not _returns_to_base(script, i):
                until, back = _end_until(script, timeline, i), _back_end(script, i)
            else:
                until = back = seg.end_s
            reps.append(Rep(seg.end_s, seg.side, seg.start_s, until, back))
        elif seg.rep == "partial":
            attempts.append(Attempt(seg.start_s, _back_end(script, i), seg.side))
    meta = {k: disk[k] for k in ("schema", "exercise", "fps", "hold_target_s", "variant")}
    ledger = Ledger(
        meta=meta,
        size=(int(disk["size"][0]), int(disk["size"][1])),
        frames=int(disk["frames"]),
        sided=disk["reps_by_side"] is not None,
        reps=reps,
        attempts=attempts,
        holds=holds,
        unsafe=[dict(u) for u in disk["unsafe"]],
        absent=[dict(a) for a in disk["absent"]],
        angles={n: np.asarray(v, float) for n, v in disk["angles"].items()},
    )
    again = ledger.to_truth(disk["clip"])
    for key in ("frames", "reps", "reps_by_side", "partial_reps", "rep_events", "holds", "unsafe", "absent"):
        if again[key] != disk[key]:
            raise CutError(
                f"{name}: the script's events do not give back the truth file's {key!r}: {again[key]} vs {disk[key]}"
            )
    return ledger
