"""``python -m tools.derive SPEC.toml [...] -o samples``: one derived clip per spec.

A spec names a rendered sample (``source``), an output ``name`` and a list of
``[[transform]]`` tables applied in order; each table's times refer to the
clip as it is at that step. See README.md beside this file for the keys and
for the rule each transform applies to the truth.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from tools.derive import camera
from tools.derive import frames as fr
from tools.derive.ledger import CutError, Ledger, from_source
from tools.render.truth import write_truth

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "tools" / "render" / "scripts"

TRANSFORM_KEYS: dict[str, set[str]] = {
    "trim": {"trim_start_s", "trim_end_s"},
    "card_start": {"card_start_s", "dissolve_s", "lines", "style", "logo"},
    "card_end": {"card_end_s", "dissolve_s", "lines", "style", "logo"},
    "cut": {"cut_at_s", "reframe_zoom"},
    "join": {"join", "join_at_s"},
    "overlay": {"overlay", "jitter_px", "thickness_px", "seed", "banner", "banner_width"},
    "portrait": {"portrait_lowres"},
    "room": {"room_lines", "line_width_px"},
    "rotate": {"rotate_deg", "corners"},
    "stored": {"stored_rotated_deg"},
    "thin": {"thin_s", "keep_every"},
}


class SpecError(ValueError):
    """A spec that cannot be carried out as written."""


def _kind(table: dict[str, Any], where: str) -> str:
    for kind, keys in TRANSFORM_KEYS.items():
        main = {
            "trim": ("trim_start_s", "trim_end_s"),
            "card_start": ("card_start_s",),
            "card_end": ("card_end_s",),
            "cut": ("cut_at_s",),
            "join": ("join",),
            "overlay": ("overlay",),
            "portrait": ("portrait_lowres",),
            "room": ("room_lines",),
            "rotate": ("rotate_deg",),
            "stored": ("stored_rotated_deg",),
            "thin": ("thin_s",),
        }[kind]
        if any(k in table for k in main):
            unknown = set(table) - keys
            if unknown:
                raise SpecError(f"{where}: unknown keys {sorted(unknown)} for a {kind} (allowed {sorted(keys)})")
            return kind
    raise SpecError(f"{where}: no transform key in {sorted(table)}")


class Derivation:
    """One spec carried out: the frames and the truth ledger, step by step."""

    def __init__(self, spec: dict[str, Any], samples: Path, scripts: Path) -> None:
        self.spec = spec
        self.samples = samples
        self.scripts = scripts
        self.tracks = fr.Tracks(samples)
        self.source = str(spec["source"])
        self.ledger: Ledger = from_source(samples, scripts, self.source)
        self.frames: list[fr.Frame] = fr.read_clip(samples / f"{self.source}.mp4", self.source)
        self._check_lengths(self.source, self.ledger, self.frames)
        self.records: list[dict[str, Any]] = []
        # The MP4's display rotation (a `stored_rotated_deg` transform).
        self.display_rotation_deg = 0
        # Each stored frame's place on the timeline, where a `thin_s` dropped some.
        self.kept: np.ndarray | None = None

    @staticmethod
    def _check_lengths(name: str, ledger: Ledger, frames: list[fr.Frame]) -> None:
        if len(frames) != ledger.frames:
            raise SpecError(f"{name}: the MP4 has {len(frames)} frames, its truth {ledger.frames}")

    def run(self) -> None:
        for n, table in enumerate(self.spec.get("transform", [])):
            where = f"[[transform]] #{n + 1}"
            kind = _kind(table, where)
            if self.display_rotation_deg or self.kept is not None:
                raise SpecError(f"{where}: stored_rotated_deg and thin_s come last (they are how the file is stored)")
            record = dict(table)
            getattr(self, f"_{kind}")(table, record)
            self.records.append(record)
            if len(self.frames) != self.ledger.frames:
                raise AssertionError(f"{where}: {len(self.frames)} frames but the truth has {self.ledger.frames}")

    # ---- transforms ------------------------------------------------------------

    def _trim(self, t: dict[str, Any], record: dict[str, Any]) -> None:
        if "trim_end_s" in t:
            k = self.ledger.frame_of(float(t["trim_end_s"]), "trim_end_s")
            self.ledger = self.ledger.trim_end(k)
            self.frames = self.frames[:k]
            record["frames_kept_before"] = k
        if "trim_start_s" in t:
            k = self.ledger.frame_of(float(t["trim_start_s"]), "trim_start_s")
            self.ledger = self.ledger.trim_start(k)
            self.frames = self.frames[k:]
            record["frames_dropped"] = k

    def _card(self, t: dict[str, Any], at_start: bool) -> dict[str, Any]:
        fps = self.ledger.fps
        length_s, fade_s = float(t["card_start_s" if at_start else "card_end_s"]), float(t.get("dissolve_s", 0.0))
        total, fade = int(round(length_s * fps)), int(round(fade_s * fps))
        if abs(total - length_s * fps) > 1e-6 or abs(fade - fade_s * fps) > 1e-6:
            self.ledger.notes.append(f"card {length_s} s / dissolve {fade_s} s snapped to {total} / {fade} frames")
        if not 0 <= fade <= total or total == 0:
            raise SpecError("a card needs 0 <= dissolve_s <= its length, and a length of a frame or more")
        size = (self.frames[0].image.shape[1], self.frames[0].image.shape[0])
        lines = [str(s) for s in t.get("lines", ["posecheck"])]
        card = fr.draw_card(size, lines, str(t.get("style", "teal")), bool(t.get("logo", True)))
        weights = fr.dissolve_weights(fade)
        # The dissolve overlaps the clip's own first (last) frames: they must be a still rest,
        # so nothing the truth counts happens half-hidden.
        if at_start:
            self.ledger.check_still(0, fade, "dissolve")
            self.ledger.check_nothing_inside(0.0, fade / fps, "dissolve")
            mixed = [fr.blend(card, f, w) for f, w in zip(self.frames[:fade], weights)]
            pure = [fr.Frame(card, None, fr.IDENTITY) for _ in range(total - fade)]
            self.frames = pure + mixed + self.frames[fade:]
            self.ledger = self.ledger.padded(total - fade, 0)
            # Absent: the card alone and the dissolve frames where the card weighs at least half.
            hidden = (total - fade) + sum(1 for w in weights if w <= 0.5)
            self.ledger = self.ledger.with_absent(0.0, hidden / fps)
            shift = (total - fade) / fps
        else:
            n = self.ledger.frames
            self.ledger.check_still(n - fade, n - 1, "dissolve")
            self.ledger.check_nothing_inside((n - fade) / fps, n / fps, "dissolve")
            mixed = [fr.blend(card, f, 1.0 - w) for f, w in zip(self.frames[n - fade :], weights)]
            pure = [fr.Frame(card, None, fr.IDENTITY) for _ in range(total - fade)]
            self.frames = self.frames[: n - fade] + mixed + pure
            self.ledger = self.ledger.padded(0, total - fade)
            first_hidden = (n - fade) + sum(1 for w in weights if 1.0 - w > 0.5)
            self.ledger = self.ledger.with_absent(first_hidden / fps, self.ledger.frames / fps)
            shift = 0.0
        return {"frames_added": total - fade, "dissolve_frames": fade, "time_shift_s": round(shift, 6)}

    def _card_start(self, t: dict[str, Any], record: dict[str, Any]) -> None:
        record.update(self._card(t, True))

    def _card_end(self, t: dict[str, Any], record: dict[str, Any]) -> None:
        record.update(self._card(t, False))

    def _cut(self, t: dict[str, Any], record: dict[str, Any]) -> None:
        a_s, b_s = (float(v) for v in t["cut_at_s"])
        a, b = self.ledger.frame_of(a_s, "cut start"), self.ledger.frame_of(b_s, "cut end")
        self.ledger = self.ledger.cut(a, b)
        head, tail = self.frames[:a], self.frames[b:]
        if "reframe_zoom" in t:
            tail = fr.reframed(tail, self.tracks, float(t["reframe_zoom"]))
        self.frames = head + tail
        record["frames_removed"] = [a, b]

    def _join(self, t: dict[str, Any], record: dict[str, Any]) -> None:
        other = str(t["join"])
        a_s, b_s = (float(v) for v in t["join_at_s"])
        second = from_source(self.samples, self.scripts, other)
        second_frames = fr.read_clip(self.samples / f"{other}.mp4", other)
        self._check_lengths(other, second, second_frames)
        a, b = self.ledger.frame_of(a_s, "join end of this clip"), second.frame_of(b_s, "join start of the other")
        # Both sides of the splice must be still rests with nothing going on,
        # so that the join itself counts nothing and breaks nothing.
        self.ledger.check_still(a, a, "join (this clip)")
        self.ledger.check_nothing_inside(a / self.ledger.fps - 1e-3, a / self.ledger.fps + 1e-3, "join")
        second.check_still(b, b, "join (other clip)")
        second.check_nothing_inside(b / second.fps - 1e-3, b / second.fps + 1e-3, "join")
        self.ledger = self.ledger.trim_end(a).joined(second.trim_start(b))
        self.frames = self.frames[:a] + second_frames[b:]
        record.update(
            {
                "frames_kept": [a, b],
                "join_clip": f"{other}.mp4",
                "join_variant": json.loads((self.samples / f"{other}.truth.json").read_text())["variant"],
            }
        )

    def _overlay(self, t: dict[str, Any], record: dict[str, Any]) -> None:
        what = t["overlay"]
        fps = self.ledger.fps
        if what == "skeleton":
            self.frames = fr.draw_skeleton(
                self.frames,
                self.tracks,
                float(t.get("jitter_px", 3.0)),
                int(t.get("thickness_px", 4)),
                int(t.get("seed", 0)),
            )
        elif what == "text":
            times = np.arange(len(self.frames)) / fps
            counts = [self.ledger.count_at(x) for x in times]
            hold_s: list[float | None] = []
            for x in times:
                inside = [h for h in self.ledger.holds if h.start_s <= x <= h.end_s]
                if self.ledger.target_s > 0 and self.ledger.meta["exercise"] and inside:
                    hold_s.append(x - inside[0].start_s)
                elif self.ledger.holds and not self.ledger.reps and all(h.rep == "none" for h in self.ledger.holds):
                    hold_s.append(0.0)  # a static hold's timer waits at zero
                else:
                    hold_s.append(None)
            self.frames = fr.draw_text(
                self.frames,
                self.tracks,
                counts,
                hold_s,
                str(t.get("banner", "Keep your back straight")),
                fps,
                float(t.get("banner_width", 1.0)),
            )
        else:
            raise SpecError(f"overlay must be skeleton or text, not {what!r}")

    def _portrait(self, t: dict[str, Any], record: dict[str, Any]) -> None:
        w, h = (int(v) for v in t["portrait_lowres"])
        if w % 2 or h % 2:
            raise SpecError("portrait_lowres needs even width and height (H.264 4:2:0)")
        self.frames, info = fr.portrait_lowres(self.frames, self.tracks, (w, h))
        self.ledger.size = (w, h)
        record.update({k: (round(v, 5) if isinstance(v, float) else v) for k, v in info.items()})

    def _room(self, t: dict[str, Any], record: dict[str, Any]) -> None:
        self.frames = camera.room_lines(
            self.frames, [float(x) for x in t["room_lines"]], int(t.get("line_width_px", 4))
        )

    def _rotate(self, t: dict[str, Any], record: dict[str, Any]) -> None:
        try:
            self.frames, scale = camera.rotated(self.frames, float(t["rotate_deg"]), str(t.get("corners", "black")))
        except ValueError as exc:
            raise SpecError(str(exc)) from None
        record["scale"] = round(scale, 5)

    def _stored(self, t: dict[str, Any], record: dict[str, Any]) -> None:
        deg = t["stored_rotated_deg"]
        if deg not in (90, 180, 270):
            raise SpecError(f"stored_rotated_deg must be 90, 180 or 270, not {deg!r}")
        self.frames = fr.stored_turned(self.frames, int(deg))
        self.display_rotation_deg = int(deg)

    def _thin(self, t: dict[str, Any], record: dict[str, Any]) -> None:
        a_s, b_s = (float(x) for x in t["thin_s"])
        a, b = self.ledger.frame_of(a_s, "thin_s"), self.ledger.frame_of(b_s, "thin_s")
        self.ledger, self.kept = self.ledger.thinned(a, b, int(t.get("keep_every", 2)))
        self.frames = [self.frames[int(i)] for i in self.kept]
        record["frames_kept"] = len(self.kept)

    # ---- output ------------------------------------------------------------------

    def write(self, out_dir: Path) -> tuple[Path, Path, str]:
        name = str(self.spec["name"])
        truth = self.ledger.to_truth(f"{name}.mp4")
        truth["derived"] = {"source": f"{self.source}.mp4", "transforms": self.records}
        video = out_dir / f"{name}.mp4"
        codec = fr.write_mp4(
            video, self.frames, self.ledger.fps, int(self.spec.get("crf", fr.X264_CRF)), frame_index=self.kept
        )
        if self.display_rotation_deg:
            fr.set_display_rotation(video, self.display_rotation_deg)
            codec += f", shown turned {self.display_rotation_deg} deg"
        path = out_dir / f"{name}.truth.json"
        write_truth(_angles_last(truth), path)
        return video, path, codec


def _angles_last(truth: dict[str, Any]) -> dict[str, Any]:
    """write_truth puts ``angles`` last on its own lines; keep ``derived`` before it."""
    angles = truth.pop("angles")
    truth["angles"] = angles
    return truth


def summary(truth: dict[str, Any]) -> str:
    holds = (
        ", ".join(
            f"{h['start_s']:.2f}-{h['end_s']:.2f} s ({h['duration_s']:.2f} s{', done' if h['completed'] else ''})"
            for h in truth["holds"]
        )
        or "none"
    )
    by_side = truth["reps_by_side"]
    sides = f" (L{by_side['left']}/R{by_side['right']})" if by_side else ""
    return (
        f"{truth['frames']} frames {truth['size'][0]}x{truth['size'][1]}, reps {truth['reps']}{sides}, "
        f"partial {truth['partial_reps']}, first rep at "
        f"{truth['rep_events'][0]['t_s'] if truth['rep_events'] else '-'} s, holds: {holds}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.derive", description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="+", type=Path)
    parser.add_argument("-o", "--out", type=Path, default=ROOT / "samples")
    parser.add_argument("--samples", type=Path, default=ROOT / "samples", help="where the sources are")
    parser.add_argument("--scripts", type=Path, default=SCRIPTS, help="the sources' motion scripts")
    parser.add_argument("--truth-only", action="store_true", help="print the truth, write nothing")
    args = parser.parse_args(argv)
    status = 0
    for spec_path in args.specs:
        try:
            spec = tomllib.loads(spec_path.read_text())
            unknown = set(spec) - {"name", "source", "description", "crf", "transform"}
            if unknown:
                raise SpecError(f"unknown top-level keys {sorted(unknown)}")
            d = Derivation(spec, args.samples, args.scripts)
            d.run()
            truth = d.ledger.to_truth(f"{spec['name']}.mp4")
            for note in d.ledger.notes:
                print(f"  {spec['name']}: {note}")
            if args.truth_only:
                print(f"{spec['name']}: {summary(truth)}")
                continue
            args.out.mkdir(parents=True, exist_ok=True)
            video, _, codec = d.write(args.out)
            print(f"{spec['name']}: {summary(truth)}; {codec}, {video.stat().st_size / 1e6:.2f} MB")
        except (SpecError, CutError, RuntimeError, KeyError, tomllib.TOMLDecodeError) as exc:
            print(f"{spec_path}: error: {exc}", file=sys.stderr)
            status = 2
    return status
