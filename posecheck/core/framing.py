"""Why a recording counted little or nothing: the body parts the picture
cut off.

A phone held upright films a landscape scene's middle: the arms held out,
the feet of a lying body, the head of a push-up fall outside the picture.
The metrics a rep or a hold is judged on are then unknown (a landmark off
the frame is the model's guess, and reads NaN), and nothing counts; the
setup check passes on the exercise's `required` landmarks, which may still
be in view. A physiotherapist then saw "0 reps" and no reason. This tally
follows, over the frames with a person, how often the readings counting
needs were unknown and which landmarks were off the picture or hidden, so
the report can say so (an info note, rule "not_counted").
"""

from __future__ import annotations

import math
from collections import Counter

from posecheck.core.landmarks import Frames, landmark_index
from posecheck.core.metrics import MetricDef, metric_landmarks
from posecheck.core.setup_check import framing_hint, part_of
from posecheck.spec import Exercise

# How a body part is named in a note (the rest: "wrist" -> "the wrists").
PART_NAMES = {
    "nose": "the nose",
    "foot_index": "the toes",
    "heel": "the heels",
    "mouth_left": "the mouth",
    "mouth_right": "the mouth",
    "eye_inner": "the eyes",
    "eye_outer": "the eyes",
    "pinky": "the hands",
    "index": "the hands",
    "thumb": "the hands",
}
# Counting needs were unknown in at least this share of the frames with a
# person (and at least MIN_FRAMES of them): worth a note.
NOTE_SHARE = 0.5
MIN_FRAMES = 15


class FramingTally:
    """Frames with a person where counting could not read its metrics, and
    the landmarks to blame."""

    def __init__(self, exercise: Exercise) -> None:
        defs = {m.name: m for m in exercise.metrics}
        # Groups of readings: counting needs one reading of each group.
        groups: list[list[str]] = []
        if exercise.reps is not None:
            groups.append([m.metric for m in exercise.reps.movements])
        if exercise.hold is not None:
            groups += [[r.metric for r in c.readings] for c in exercise.hold.when]
        self._defs = defs
        self._groups = [[defs[n] for n in g if n in defs] for g in groups]
        self._min_visibility = exercise.min_visibility
        self.person_frames = 0
        self.unknown_frames = 0
        self._first_unknown_s: float | None = None
        self._missing: Counter[str] = Counter()

    def update(self, t_s: float, frames: Frames, values: dict[str, float]) -> None:
        """One frame with a person (Frames of T = 1) and its metric values."""
        self.person_frames += 1
        unknown = [g for g in self._groups if g and all(math.isnan(values.get(m.name, math.nan)) for m in g)]
        if not unknown:
            return
        self.unknown_frames += 1
        if self._first_unknown_s is None:
            self._first_unknown_s = t_s
        parts: set[str] = set()
        for group in unknown:
            for m in group:
                parts |= self._unseen_parts(frames, m)
        self._missing.update(parts)

    def _unseen_parts(self, frames: Frames, m: MetricDef) -> set[str]:
        """Body parts (sides merged) the metric reads that are off the
        picture or below min_visibility on every side it could use (a
        midpoint needs both of its landmarks, as the metrics do; a combined
        metric, what it combines)."""
        if m.combine:
            return set().union(*(self._unseen_parts(frames, self._defs[n]) for n in m.of if n in self._defs))
        seen: dict[str, bool] = {}
        for side in ("left", "right"):
            for name in metric_landmarks(m, side):
                part = part_of(name)
                mid = name.startswith("mid_")
                idx = [landmark_index(f"{s}_{part}") for s in ("left", "right")] if mid else [landmark_index(name)]
                ok = all(bool(frames.in_picture[0, i]) and frames.visibility[0, i] >= self._min_visibility for i in idx)
                seen[part] = seen.get(part, False) or ok
        return {p for p, ok in seen.items() if not ok}

    def note(self) -> tuple[float, str] | None:
        """(time, message) when counting's readings were unknown in most
        frames with a person; None otherwise."""
        if self.unknown_frames < MIN_FRAMES or self.unknown_frames < NOTE_SHARE * self.person_frames:
            return None
        share = round(100 * self.unknown_frames / self.person_frames)
        top = [p for p, n in self._missing.most_common() if n >= NOTE_SHARE * self.unknown_frames]
        assert self._first_unknown_s is not None
        if not top:
            return self._first_unknown_s, f"What counting reads could not be measured in {share}% of the frames."
        named = ", ".join(dict.fromkeys(PART_NAMES.get(p, "the " + p.replace("_", " ") + "s") for p in top[:3]))
        message = (
            f"Outside the picture or hidden in {share}% of the frames: {named}; "
            f"counting could not read them. {framing_hint(top[:1])}"
        )
        return self._first_unknown_s, message
