"""The real clips made worse on purpose, each keeping its label.

People pass recordings on through phones and messengers: mirrored by a
front camera, scaled down and recompressed, at a lower frame rate, from a
phone leaning a few degrees, in a dim room, with title and end cards,
padded to a portrait frame, or put on a canvas of the other shape over a
blurred copy of itself. Each change below keeps the clip's hand label
(counts, holds and their lengths; cards shift the times by 2 s), so
posecheck should give the same answer; where it does not, that is a class
of failure to fix in the engine, not in one clip.

    python benchmarks/real_variants.py make  [--work DIR] [VARIANT ...]
    python benchmarks/real_variants.py score [--work DIR]

`make` writes DIR/videos/VARIANT/CLIP.mp4 and extracts DIR/tracks/VARIANT/
CLIP.npz (two clips at a time; a few GB and about an hour for all on 2
cores; done ones are kept). `score` runs the engine on every track against
the clip's label (samples/real_clips.toml, ../shared/clips/labels.tsv) and
prints each wrong run: a count or hold out of the label's tolerance, or a
caution or stop warning. Needs ffmpeg from imageio-ffmpeg (the `render`
extra).
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT.parent / "shared" / "clips"
HQ = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "16", "-pix_fmt", "yuv420p", "-threads", "1", "-an"]
LQ = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "32", "-pix_fmt", "yuv420p", "-threads", "1", "-an"]
VARIANTS = (
    "orig",  # the clip as it is: the harness's own check (all within their labels)
    "mirror",
    "s480",
    "s320",
    "fps15",
    "fps10",
    "rotp6k",
    "rotm6k",
    "rotp6c",
    "rotm6c",
    "gamma_noise",
    "dim_noise",
    "cards",
    "port_pad",
    "blur_fill",
)
GAMMA_LUT = (255.0 * (np.arange(256) / 255.0) ** 1.8).clip(0, 255).astype(np.uint8)
DIM_LUT = (np.arange(256) * 0.6).clip(0, 255).astype(np.uint8)


def _ffmpeg() -> str:
    try:
        import imageio_ffmpeg
    except ImportError:
        sys.exit("real_variants: needs imageio-ffmpeg (pip install -e '.[render]' or pip install imageio-ffmpeg)")
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _info(path: Path) -> tuple[int, int, float]:
    cap = cv2.VideoCapture(str(path))
    w, h, fps = (
        int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
        int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        cap.get(cv2.CAP_PROP_FPS),
    )
    cap.release()
    return w, h, fps


def _even(x: float) -> int:
    return max(2, int(round(x / 2)) * 2)


def _filter(variant: str, w: int, h: int) -> str:
    """The ffmpeg video filter of a variant made by ffmpeg alone."""
    if variant == "mirror":
        return "hflip"
    if variant in ("s480", "s320"):
        long_px = int(variant[1:])
        return f"scale={long_px}:{_even(h * long_px / w)}" if w >= h else f"scale={_even(w * long_px / h)}:{long_px}"
    if variant in ("fps15", "fps10"):
        return f"fps={variant[3:]}"
    if variant.startswith("rot"):
        a = math.radians(6.0 if variant[3] == "p" else -6.0)
        if variant.endswith("k"):  # black corners
            return f"rotate={a:.6f}:fillcolor=black"
        c, s = abs(math.cos(a)), abs(math.sin(a))
        k = min(w / (w * c + h * s), h / (w * s + h * c))  # the largest centred rectangle of the same shape
        return f"rotate={a:.6f}:fillcolor=black,crop={_even(w * k)}:{_even(h * k)},scale={w}:{h}"
    if variant == "port_pad":
        return f"pad={w}:{_even(w * 16 / 9)}:(ow-iw)/2:(oh-ih)/2:black"
    if variant == "blur_fill":
        # As a phone shares a clip of the other shape: the picture turned
        # 90 deg (a landscape clip on a portrait canvas, or the reverse),
        # the clip scaled to fit across it, over an enlarged, blurred,
        # darkened copy of itself filling the rest.
        cw, ch = h, w
        k = min(cw / w, ch / h)
        fw, fh = _even(w * k), _even(h * k)
        sigma = max(cw, ch) / 40
        return (
            f"split[bg][fg];[bg]scale={cw}:{ch}:force_original_aspect_ratio=increase,crop={cw}:{ch},"
            f"gblur=sigma={sigma:.1f},eq=brightness=-0.1[b];[fg]scale={fw}:{fh}[f];[b][f]overlay=(W-w)/2:(H-h)/2"
        )
    raise ValueError(variant)


def _card(w: int, h: int, text: str, bgr: tuple[int, int, int]) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = bgr
    scale, thick = min(w, h) / 180, max(2, int(min(w, h) / 72))
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thick)
    scale *= min(1.0, 0.9 * w / tw)
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thick)
    cv2.putText(img, text, ((w - tw) // 2, (h + th) // 2), cv2.FONT_HERSHEY_DUPLEX, scale, (255, 255, 255), thick)
    return img


def _noisy(seed: int, lut: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)

    def darken(frame: np.ndarray) -> np.ndarray:
        x = cv2.LUT(frame, lut).astype(np.float32) + rng.standard_normal(frame.shape, dtype=np.float32) * 8.0
        return np.clip(x, 0, 255).astype(np.uint8)

    return darken


def _pipe(src: Path, dst: Path, change: Callable[[np.ndarray], np.ndarray], cards_s: float = 0.0) -> None:
    """Write src's frames, each changed, with cards before and after, through ffmpeg."""
    w, h, fps = _info(src)
    cmd = [_ffmpeg(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}"]
    proc = subprocess.Popen([*cmd, "-r", f"{fps:.6f}", "-i", "-", *HQ, str(dst)], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    n_card = int(round(cards_s * fps))
    for _ in range(n_card):
        proc.stdin.write(_card(w, h, "MY EXERCISE", (150, 60, 20)).tobytes())
    cap = cv2.VideoCapture(str(src))
    ok, frame = cap.read()
    while ok:
        proc.stdin.write(np.ascontiguousarray(change(frame)).tobytes())
        ok, frame = cap.read()
    for _ in range(n_card):
        proc.stdin.write(_card(w, h, "THANKS!", (30, 120, 30)).tobytes())
    proc.stdin.close()
    if proc.wait():
        raise RuntimeError(f"ffmpeg failed on {dst}")


def make_variant(variant: str, clip: Path, out: Path) -> bool:
    """Write the variant of one clip; False where it does not apply (the
    portrait padding of a clip already upright)."""
    w, h, _ = _info(clip)
    if variant == "port_pad" and h >= w:
        return False
    out.parent.mkdir(parents=True, exist_ok=True)
    if variant == "gamma_noise":
        _pipe(clip, out, _noisy(1, GAMMA_LUT))
    elif variant == "dim_noise":
        _pipe(clip, out, _noisy(2, DIM_LUT))
    elif variant == "cards":
        _pipe(clip, out, lambda f: f, cards_s=2.0)
    else:
        cmd = [_ffmpeg(), "-y", "-loglevel", "error", "-threads", "1", "-i", str(clip), "-vf", _filter(variant, w, h)]
        subprocess.run([*cmd, *HQ, str(out)], check=True)
    return True


def _job(work: Path, variant: str, clip: Path) -> str:
    track = work / "tracks" / variant / f"{clip.stem}.npz"
    if track.exists():
        return f"{variant}/{clip.name}: kept"
    video = clip if variant == "orig" else work / "videos" / variant / clip.name
    if not video.exists() and not make_variant(variant, clip, video):
        return f"{variant}/{clip.name}: does not apply"
    track.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "posecheck", "extract", "-q", str(video), "-o", str(track)]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=ROOT)
    return f"{variant}/{clip.name}: {(done.stdout or done.stderr).strip()}"


def make(work: Path, variants: list[str]) -> None:
    clips = sorted(CLIPS.glob("*.mp4"))
    with ProcessPoolExecutor(2) as pool:
        for done in [pool.submit(_job, work, v, c) for v in variants for c in clips]:
            print(done.result(), flush=True)


def score(work: Path) -> int:
    """Print each wrong run; returns how many."""
    from posecheck.core.track import LandmarkTrack
    from posecheck.eval.accuracy import score as score_track
    from posecheck.eval.truth import real_clip_truths
    from posecheck.spec import load_exercise, with_prescription

    runs = wrong = 0
    for truth, video, opts in real_clip_truths(CLIPS, ROOT / "samples" / "real_clips.toml"):
        ex = with_prescription(load_exercise(truth.exercise), hold_s=opts.get("hold_s"))
        for path in sorted((work / "tracks").glob(f"*/{video.stem}.npz")):
            s = score_track(LandmarkTrack.load(path), ex, truth, 1, opts.get("calibrate_at_s"))
            runs += 1
            if not s.passed() or s.warnings:
                wrong += 1
                holds = [round(h, 1) for h in s.hold_s]
                warned = [w["rule"] for w in s.warnings]
                print(f"{path.parent.name:12s} {video.stem:30s} {s.reps} {s.reps_by_side} holds={holds} warn={warned}")
    print(f"{runs} runs, {wrong} wrong")
    return wrong


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=("make", "score"))
    p.add_argument("variants", nargs="*", help=f"make: these only, of {', '.join(VARIANTS)}")
    p.add_argument("--work", type=Path, default=ROOT / ".real_variants", help="where videos and tracks go")
    a = p.parse_intermixed_args(argv)
    unknown = sorted(set(a.variants) - set(VARIANTS))
    if unknown:
        p.error(f"unknown variant {unknown[0]!r}; known: {', '.join(VARIANTS)}")
    if not CLIPS.is_dir():
        sys.exit(f"real_variants: no real clips at {CLIPS}")
    if a.command == "make":
        make(a.work, a.variants or list(VARIANTS))
        return 0
    score(a.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
