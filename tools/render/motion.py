"""Motion scripts: one TOML file per clip, expanded into a timed timeline.

A script is data, not code, so that a new clip for a new exercise is a new
file, and so that the truth file can be derived from the script alone. The
format is documented in README.md; in short, a script has clip settings,
a ``[variant]`` (body, clothes, camera), an optional ``[base]`` posture that
"neutral" returns to, optional ``[[rule]]`` threshold flags, a list of
``[[block]]`` entries, each a list of segments repeated over sides, and an
optional ``[bystander]`` who walks through the picture (not in the truth).

This module is torch-free: it only needs the standard library and numpy.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np

from tools.render.channels import ALL_CHANNELS, ALWAYS_REPORTED, ANGLE_CHANNELS, both_sides, mirror_channel

Side = Literal["left", "right", "both"]
SegmentKind = Literal["move", "hold", "rest", "neutral", "loop"]
RepRole = Literal["none", "full", "partial"]

SPEED_DURATIONS_S: dict[str, float] = {"slow": 2.5, "normal": 1.5, "fast": 0.3}
"""Default durations of a move when the script gives a speed, not seconds."""

EASINGS: dict[str, Callable[[float], float]] = {
    "linear": lambda u: u,
    "sine": lambda u: 0.5 - 0.5 * math.cos(math.pi * u),
    "cubic": lambda u: u * u * (3.0 - 2.0 * u),
}
"""Easing of a move over its normalised time u in [0, 1]. ``sine`` and
``cubic`` start and end at zero speed, as a person moving slowly does."""

SEGMENT_KINDS: tuple[SegmentKind, ...] = ("move", "hold", "rest", "neutral", "loop")
SIDES: tuple[Side, ...] = ("left", "right", "both")
UNSAFE_RULES = ("neck_circle", "neck_overextension", "lumbar_overextension", "jerk")
CAMERA_DISTANCES = ("near", "far", "head")
"""Framings: ``head`` is the laptop-webcam-at-a-desk picture (head and shoulders)."""
VIEWS = ("front", "side", "side_right", "behind")
ANCHORS = ("root", "shoulders", "feet")


class ScriptError(ValueError):
    """A motion script that cannot be rendered as written."""


@dataclass(frozen=True)
class Variant:
    """How the clip looks: body shape, clothing colours and camera."""

    body: str
    clothes: str
    camera: Literal["near", "far", "head"]
    """``head``: head and shoulders only, cut at about mid-chest (see ``camera.HEAD_RADIUS_M``)."""
    view: Literal["front", "side", "side_right", "behind"]
    """``side``: camera at the subject's left (face toward image left);
    ``side_right``: camera at the subject's right (face toward image right);
    ``behind``: camera at the subject's back (the subject's left on image left)."""
    yaw_deg: float = 0.0
    mirrored: bool = False
    distance_m: float | None = None
    """Overrides the near/far preset distance from the framed region."""
    elevation_deg: float | None = None
    """Camera looking down by this angle; default 0 standing, 12 lying."""


@dataclass(frozen=True)
class Rule:
    """A flag raised on every frame where one channel passes a threshold.

    Used for truth that depends on the angle itself rather than on a
    segment, e.g. neck extension past a limit (``flag = "unsafe"``,
    ``name = "neck_overextension"``, ``channel = "head_pitch_deg"``,
    ``below = -40``) or the body being out of frame (``flag = "absent"``,
    ``channel = "body_x_m"``, ``above = 1.2``).
    """

    flag: Literal["unsafe", "absent"]
    name: str
    channel: str
    above: float | None = None
    below: float | None = None

    def matches(self, values: np.ndarray) -> np.ndarray:
        """Boolean per-frame mask of where the rule holds."""
        mask = np.ones(values.shape, dtype=bool)
        if self.above is not None:
            mask &= values > self.above
        if self.below is not None:
            mask &= values < self.below
        return mask


GAIT_STRIDE_M = 1.3
"""Ground a bystander covers in one gait cycle (two steps of 0.65 m): the
phase follows the distance walked, so the feet keep pace with the ground
whatever the walking speed."""
GAIT_HIP_SWING_DEG = 20.0
"""Hip flexion amplitude (+-) of the walk: a 0.65 m step for a ~0.9 m leg."""
GAIT_KNEE_SWING_DEG = 50.0
"""Extra knee flexion at the peak of the swing phase, which lifts the foot clear."""
GAIT_KNEE_STANCE_DEG = 5.0
GAIT_ARM_SWING_DEG = 15.0
"""Shoulder flexion amplitude (+-); each arm swings against its own side's leg
(the elbows keep the neutral pose's slight bend)."""
BYSTANDER_MIN_DEPTH_M = 0.6
"""|depth_m| below this would walk the bystander through an upright exerciser
(each body is ~0.3-0.5 m deep or wide), which the painter's algorithm cannot
draw correctly."""


@dataclass(frozen=True)
class Bystander:
    """A second person who walks straight across the scene at constant speed.

    Only for pictures: the truth stays the exerciser's, so a clip tests that
    a passer-by does not steal the track. Positions are relative to the
    centre of the exerciser's base pose (the point the camera is framed on),
    measured in the camera's horizontal axes: ``x`` across the picture (+ to
    the image's right as the clip shows it, mirrored or not), ``depth_m``
    along the line of sight (+ behind the exerciser, farther from the
    camera; - between the camera and the exerciser). Outside
    [``enter_s``, ``exit_s``] the bystander is not drawn.
    """

    body: str
    clothes: str
    start_x_m: float
    end_x_m: float
    depth_m: float
    enter_s: float
    exit_s: float

    @property
    def speed_m_s(self) -> float:
        return abs(self.end_x_m - self.start_x_m) / (self.exit_s - self.enter_s)

    def present(self, times_s: np.ndarray) -> np.ndarray:
        """Boolean mask of the times at which the bystander is drawn."""
        times_s = np.asarray(times_s, dtype=float)
        return (times_s >= self.enter_s) & (times_s <= self.exit_s)

    def across_m(self, times_s: np.ndarray) -> np.ndarray:
        """Position across the picture (x, m) at each time, clamped to the path's ends."""
        u = np.clip((np.asarray(times_s, dtype=float) - self.enter_s) / (self.exit_s - self.enter_s), 0.0, 1.0)
        return self.start_x_m + (self.end_x_m - self.start_x_m) * u

    def gait(self, times_s: np.ndarray) -> dict[str, np.ndarray]:
        """Angle channels of the walk at each time (body frame: facing along the walk).

        Phase 0 is the left leg passing under the body on its way forward,
        its knee bent most there to clear the foot and straight at both ends
        of the swing (double support); the right leg is half a cycle behind,
        and each arm swings opposite its own side's leg, as people walk.
        """
        walked_m = np.abs(self.across_m(times_s) - self.start_x_m)
        phase = 2.0 * math.pi * walked_m / GAIT_STRIDE_M
        channels: dict[str, np.ndarray] = {}
        for side, offset in (("left", 0.0), ("right", math.pi)):
            side_phase = phase + offset
            channels[f"{side}_hip_flexion_deg"] = GAIT_HIP_SWING_DEG * np.sin(side_phase)
            channels[f"{side}_knee_flexion_deg"] = GAIT_KNEE_STANCE_DEG + GAIT_KNEE_SWING_DEG * np.maximum(
                0.0, np.cos(side_phase)
            )
            channels[f"{side}_shoulder_flexion_deg"] = -GAIT_ARM_SWING_DEG * np.sin(side_phase)
        return channels


@dataclass(frozen=True)
class Segment:
    """One timed step of the timeline, after repeats and sides are expanded.

    For ``move`` and ``neutral``, ``values`` are absolute targets; for
    ``loop`` they are amplitudes of the traced path (see ``Timeline.sample``).
    """

    kind: SegmentKind
    start_s: float
    duration_s: float
    values: dict[str, float] = field(default_factory=dict)
    phases_deg: dict[str, float] = field(default_factory=dict)
    cycles: dict[str, float] = field(default_factory=dict)
    """Loop cycles per channel (missing channels: 1); whole numbers close the path."""
    ease: str = "sine"
    side: Side | None = None
    rep: RepRole = "none"
    unsafe: str | None = None
    absent: bool = False
    label: str = ""

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


@dataclass(frozen=True)
class ClipScript:
    """A parsed motion script: settings plus the expanded timeline."""

    name: str
    exercise: str
    fps: int
    size: tuple[int, int]
    hold_target_s: float
    variant: Variant
    base: dict[str, float]
    anchor: str
    rules: tuple[Rule, ...]
    segments: tuple[Segment, ...]
    source: Path | None = None
    bystander: Bystander | None = None
    """A passer-by drawn in the pictures only; the truth ignores it."""

    @property
    def duration_s(self) -> float:
        return self.segments[-1].end_s if self.segments else 0.0

    @property
    def frames(self) -> int:
        return int(round(self.duration_s * self.fps))

    @property
    def lying(self) -> bool:
        """True when the base posture is not upright (|body pitch or roll| >= 45)."""
        return abs(self.base.get("body_pitch_deg", 0.0)) >= 45 or abs(self.base.get("body_roll_deg", 0.0)) >= 45

    def moved_channels(self) -> list[str]:
        """Channels the script sets anywhere, in a stable order, plus the head channels."""
        names = set(self.base) | set(ALWAYS_REPORTED)
        for segment in self.segments:
            names.update(segment.values)
        names.update(rule.channel for rule in self.rules)
        order = list(ANGLE_CHANNELS) + ["body_x_m", "body_y_m", "body_z_m"]
        return [name for name in order if name in names]

    def sample(self) -> dict[str, np.ndarray]:
        """Per-frame values of every moved channel (frame i at time i / fps)."""
        return Timeline(self).sample(np.arange(self.frames) / self.fps)


class Timeline:
    """Evaluates channel values at any time from the expanded segments.

    Each segment starts from the values the previous one ended on, so a
    script only names what changes; untouched channels keep their value.
    """

    def __init__(self, script: ClipScript) -> None:
        self._segments = script.segments
        self._channels = script.moved_channels()
        state = {name: script.base.get(name, 0.0) for name in self._channels}
        self._starts: list[dict[str, float]] = []
        for segment in self._segments:
            self._starts.append(dict(state))
            state = self._evaluate(segment, state, 1.0)

    @staticmethod
    def _evaluate(segment: Segment, start: dict[str, float], u: float) -> dict[str, float]:
        values = dict(start)
        if segment.kind in ("move", "neutral"):
            eased = EASINGS[segment.ease](u)
            for name, target in segment.values.items():
                values[name] = start[name] + (target - start[name]) * eased
        elif segment.kind == "loop":
            # Offsets A*(sin(2*pi*c*u + phase) - sin(phase)) start at zero and,
            # for whole cycles, end at zero: the path is continuous at both ends.
            for name, amplitude in segment.values.items():
                phase = math.radians(segment.phases_deg.get(name, 0.0))
                cycles = segment.cycles.get(name, 1.0)
                values[name] = start[name] + amplitude * (
                    math.sin(2.0 * math.pi * cycles * u + phase) - math.sin(phase)
                )
        return values

    def start_values(self, index: int) -> dict[str, float]:
        """Channel values at the start of segment ``index``."""
        return dict(self._starts[index])

    def at(self, t: float) -> dict[str, float]:
        """Channel values at time ``t`` (clamped to the timeline)."""
        starts = [segment.start_s for segment in self._segments]
        index = max(int(np.searchsorted(starts, t, side="right")) - 1, 0)
        segment = self._segments[index]
        u = min(max((t - segment.start_s) / segment.duration_s, 0.0), 1.0)
        return self._evaluate(segment, self._starts[index], u)

    def sample(self, times_s: np.ndarray) -> dict[str, np.ndarray]:
        tracks = {name: np.zeros(len(times_s)) for name in self._channels}
        starts = np.array([segment.start_s for segment in self._segments])
        for i, t in enumerate(times_s):
            index = max(int(np.searchsorted(starts, t, side="right")) - 1, 0)
            segment = self._segments[index]
            u = min(max((t - segment.start_s) / segment.duration_s, 0.0), 1.0)
            values = self._evaluate(segment, self._starts[index], u)
            for name in self._channels:
                tracks[name][i] = values[name]
        return tracks


def _check_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise ScriptError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


def _check_channels(names: Any, where: str) -> None:
    unknown = set(names) - ALL_CHANNELS
    if unknown:
        raise ScriptError(f"{where}: unknown channel(s) {sorted(unknown)}")


def _apply_side(values: dict[str, float], side: Side | None) -> dict[str, float]:
    """Turn a left-side template into the side actually performed."""
    if side == "right":
        return dict(mirror_channel(name, value) for name, value in values.items())
    if side == "both":
        return {name: value for item in values.items() for name, value in both_sides(*item)}
    return dict(values)


_SEGMENT_KEYS = {
    "move", "hold", "rest", "neutral", "loop", "duration_s", "speed", "ease", "side",
    "rep", "unsafe", "absent", "label", "phase_deg", "cycles",
}


def _parse_segment(
    raw: dict[str, Any],
    side: Side | None,
    start_s: float,
    base: dict[str, float],
    touched: set[str],
    hold_target_s: float,
    where: str,
) -> Segment:
    _check_keys(raw, _SEGMENT_KEYS, where)
    kinds = [kind for kind in SEGMENT_KINDS if kind in raw]
    if len(kinds) != 1:
        raise ScriptError(f"{where}: a segment needs exactly one of {SEGMENT_KINDS}, got {kinds}")
    kind = kinds[0]
    seg_side: Side | None = raw.get("side", side)
    if seg_side is not None and seg_side not in SIDES:
        raise ScriptError(f"{where}: side must be one of {SIDES}")
    rep = raw.get("rep", "none")
    if rep not in ("none", "full", "partial"):
        raise ScriptError(f"{where}: rep must be none, full or partial")
    unsafe = raw.get("unsafe")
    if unsafe is not None and unsafe not in UNSAFE_RULES:
        raise ScriptError(f"{where}: unsafe must be one of {UNSAFE_RULES}")
    ease = raw.get("ease", "sine")
    if ease not in EASINGS:
        raise ScriptError(f"{where}: ease must be one of {sorted(EASINGS)}")

    values: dict[str, float] = {}
    phases: dict[str, float] = {}
    cycles: dict[str, float] = {}
    if kind in ("hold", "rest"):
        duration = float(raw[kind])
        if kind == "hold" and hold_target_s <= 0:
            raise ScriptError(f"{where}: 'hold' needs hold_target_s > 0; use 'rest' for a pause")
    else:
        if "duration_s" in raw:
            duration = float(raw["duration_s"])
        elif kind != "loop":
            speed = raw.get("speed", "normal")
            if speed not in SPEED_DURATIONS_S:
                raise ScriptError(f"{where}: speed must be one of {sorted(SPEED_DURATIONS_S)}")
            duration = SPEED_DURATIONS_S[speed]
        else:
            raise ScriptError(f"{where}: a loop needs duration_s")
        if kind == "move":
            _check_channels(raw["move"], where)
            values = _apply_side({k: float(v) for k, v in raw["move"].items()}, seg_side)
        elif kind == "neutral":
            spec = raw["neutral"]
            names = sorted(touched) if spec is True else list(_apply_side({n: 0.0 for n in spec}, seg_side))
            _check_channels(names, where)
            values = {name: base.get(name, 0.0) for name in names}
        else:
            _check_channels(raw["loop"], where)
            values = _apply_side({k: float(v) for k, v in raw["loop"].items()}, seg_side)
            phases = {k: float(v) for k, v in raw.get("phase_deg", {}).items()}
            phases = {mirror_channel(k, 0.0)[0] if seg_side == "right" else k: v for k, v in phases.items()}
            raw_cycles = raw.get("cycles", 1.0)
            if isinstance(raw_cycles, dict):
                _check_channels(raw_cycles, where)
                cycles = {k: float(v) for k, v in raw_cycles.items()}
            else:
                cycles = {k: float(raw_cycles) for k in raw["loop"]}
            cycles = {mirror_channel(k, 0.0)[0] if seg_side == "right" else k: v for k, v in cycles.items()}
            if seg_side == "both":
                cycles = {n: v for k, v in cycles.items() for n, _ in both_sides(k, 0.0)}
                phases = {n: v for k, v in phases.items() for n, _ in both_sides(k, 0.0)}
    if duration <= 0:
        raise ScriptError(f"{where}: duration must be positive")
    return Segment(
        kind=kind,
        start_s=start_s,
        duration_s=duration,
        values=values,
        phases_deg=phases,
        cycles=cycles,
        ease=ease,
        side=seg_side,
        rep=rep,
        unsafe=unsafe,
        absent=bool(raw.get("absent", False)),
        label=str(raw.get("label", "")),
    )


def _parse_variant(raw: dict[str, Any]) -> Variant:
    _check_keys(raw, {"body", "clothes", "camera", "view", "yaw_deg", "mirrored", "distance_m", "elevation_deg"}, "[variant]")
    variant = Variant(
        body=str(raw["body"]),
        clothes=str(raw["clothes"]),
        camera=raw.get("camera", "near"),
        view=raw.get("view", "front"),
        yaw_deg=float(raw.get("yaw_deg", 0.0)),
        mirrored=bool(raw.get("mirrored", False)),
        distance_m=raw.get("distance_m"),
        elevation_deg=raw.get("elevation_deg"),
    )
    if variant.camera not in CAMERA_DISTANCES or variant.view not in VIEWS:
        raise ScriptError(f"[variant]: camera must be in {CAMERA_DISTANCES}, view in {VIEWS}")
    return variant


def _parse_rule(raw: dict[str, Any], index: int) -> Rule:
    where = f"[[rule]] #{index + 1}"
    _check_keys(raw, {"flag", "name", "channel", "above", "below"}, where)
    rule = Rule(
        flag=raw["flag"],
        name=str(raw.get("name", "")),
        channel=str(raw["channel"]),
        above=raw.get("above"),
        below=raw.get("below"),
    )
    _check_channels([rule.channel], where)
    if rule.flag not in ("unsafe", "absent"):
        raise ScriptError(f"{where}: flag must be unsafe or absent")
    if rule.flag == "unsafe" and rule.name not in UNSAFE_RULES:
        raise ScriptError(f"{where}: an unsafe rule needs a name in {UNSAFE_RULES}")
    if rule.above is None and rule.below is None:
        raise ScriptError(f"{where}: give above and/or below")
    return rule


_BYSTANDER_NUMBERS = ("start_x_m", "end_x_m", "depth_m", "enter_s", "exit_s")


def _parse_bystander(raw: Any, variant: Variant, duration_s: float) -> Bystander:
    """Validate ``[bystander]``: every key required, typed, and the walk inside the clip."""
    where = "[bystander]"
    if not isinstance(raw, dict):
        raise ScriptError(f"{where}: must be a table")
    _check_keys(raw, {"body", "clothes", *_BYSTANDER_NUMBERS}, where)
    values: dict[str, Any] = {}
    for key in ("body", "clothes", *_BYSTANDER_NUMBERS):
        if key not in raw:
            raise ScriptError(f"{where}: missing key {key!r}")
        value = raw[key]
        if key in ("body", "clothes"):
            if not isinstance(value, str):
                raise ScriptError(f"{where}: {key} must be a preset name (string), got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScriptError(f"{where}: {key} must be a number, got {value!r}")
        values[key] = value if key in ("body", "clothes") else float(value)
    bystander = Bystander(**values)
    if (bystander.body, bystander.clothes) == (variant.body, variant.clothes):
        raise ScriptError(f"{where}: body and clothes are the exerciser's; a bystander must look different")
    if abs(bystander.depth_m) < BYSTANDER_MIN_DEPTH_M:
        raise ScriptError(f"{where}: depth_m must be at least {BYSTANDER_MIN_DEPTH_M} m behind (+) or in front (-)")
    if bystander.start_x_m == bystander.end_x_m:
        raise ScriptError(f"{where}: start_x_m and end_x_m are equal; the bystander must walk")
    if not 0.0 <= bystander.enter_s < bystander.exit_s <= duration_s:
        raise ScriptError(
            f"{where}: need 0 <= enter_s < exit_s <= the clip's {duration_s:g} s, "
            f"got enter_s = {bystander.enter_s:g}, exit_s = {bystander.exit_s:g}"
        )
    return bystander


def parse_script(data: dict[str, Any], source: Path | None = None) -> ClipScript:
    """Validate a loaded TOML document and expand its blocks into segments."""
    _check_keys(
        data,
        {
            "name", "exercise", "description", "fps", "size", "hold_target_s", "variant", "base", "rule", "block",
            "bystander",
        },
        "script",
    )
    hold_target_s = float(data.get("hold_target_s", 0.0))
    base_raw = data.get("base", {})
    _check_keys(base_raw, {"channels", "anchor"}, "[base]")
    base = {k: float(v) for k, v in base_raw.get("channels", {}).items()}
    _check_channels(base, "[base]")
    anchor = base_raw.get("anchor", "root")
    if anchor not in ANCHORS:
        raise ScriptError(f"[base]: anchor must be one of {ANCHORS}")

    segments: list[Segment] = []
    touched: set[str] = set()
    clock = 0.0
    for b, block in enumerate(data.get("block", [])):
        _check_keys(block, {"repeat", "sides", "order", "segments", "label"}, f"[[block]] #{b + 1}")
        repeat = int(block.get("repeat", 1))
        sides: list[Side | None] = list(block.get("sides", [None]))
        order = block.get("order", "alternate")
        if order == "alternate":
            plan = [side for _ in range(repeat) for side in sides]
        elif order == "grouped":
            plan = [side for side in sides for _ in range(repeat)]
        else:
            raise ScriptError(f"[[block]] #{b + 1}: order must be alternate or grouped")
        for side in plan:
            for s, raw in enumerate(block["segments"]):
                where = f"[[block]] #{b + 1} segment #{s + 1}"
                segment = _parse_segment(raw, side, clock, base, touched, hold_target_s, where)
                if segment.kind in ("move", "loop"):
                    touched.update(segment.values)
                segments.append(segment)
                clock = segment.end_s
    if not segments:
        raise ScriptError("script has no segments")

    fps = int(data.get("fps", 15))
    size = tuple(int(v) for v in data.get("size", [640, 480]))
    if len(size) != 2:
        raise ScriptError("size must be [width, height]")
    variant = _parse_variant(data["variant"])
    bystander = _parse_bystander(data["bystander"], variant, clock) if "bystander" in data else None
    return ClipScript(
        name=str(data["name"]),
        exercise=str(data["exercise"]),
        fps=fps,
        size=(size[0], size[1]),
        hold_target_s=hold_target_s,
        variant=variant,
        base=base,
        anchor=anchor,
        rules=tuple(_parse_rule(raw, i) for i, raw in enumerate(data.get("rule", []))),
        segments=tuple(segments),
        source=source,
        bystander=bystander,
    )


def load_script(path: str | Path) -> ClipScript:
    """Read and validate one motion script."""
    path = Path(path)
    with path.open("rb") as handle:
        return parse_script(tomllib.load(handle), source=path)
