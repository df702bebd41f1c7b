"""The pictures of a derived clip: decode, splice, draw over, crop, encode.

Each output frame remembers which source frame it shows (``origin``) and the
affine map from that source's pixels to its own (``to_px``), so that a
skeleton drawn after a crop still lands on the person, and a crop after a
join still knows where each body is. Only similarity maps are used (shift,
one uniform scale and, in camera.py, a turn of the whole picture): a shift
and a scale keep every 2D angle, and a turn is the tilted camera whose roll
posecheck must take back, so the truth's angles stay the level camera's.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

X264_CRF = 20
"""As tools/render/clip.py: visually clean for flat-coloured renders."""
OPENCV_CODECS = ("avc1", "mp4v")
MIN_VISIBILITY = 0.5
"""Landmarks an app would draw, and that bound the person for crops."""

# MediaPipe's 33-landmark pose graph (indices), as apps draw it.
FACE = ((0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10))
LEFT = (
    (11, 13),
    (13, 15),
    (15, 17),
    (15, 19),
    (15, 21),
    (17, 19),
    (11, 23),
    (23, 25),
    (25, 27),
    (27, 29),
    (29, 31),
    (27, 31),
)
RIGHT = (
    (12, 14),
    (14, 16),
    (16, 18),
    (16, 20),
    (16, 22),
    (18, 20),
    (12, 24),
    (24, 26),
    (26, 28),
    (28, 30),
    (30, 32),
    (28, 32),
)
MIDDLE = ((11, 12), (23, 24))
BODY_POINTS = tuple(range(11, 33))


@dataclass(frozen=True)
class Frame:
    """One output frame: its picture and where its person comes from."""

    image: np.ndarray  # BGR uint8
    origin: tuple[str, int] | None  # (source clip stem, source frame index); None on a card
    to_px: np.ndarray  # 2x3: source pixel -> this frame's pixel


IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """outer after inner, both 2x3 affine maps."""
    a = np.vstack([outer, [0.0, 0.0, 1.0]]) @ np.vstack([inner, [0.0, 0.0, 1.0]])
    return a[:2]


def read_clip(path: Path, stem: str) -> list[Frame]:
    """Every frame of an MP4, in order."""
    capture = cv2.VideoCapture(str(path))
    frames: list[Frame] = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(Frame(image, (stem, len(frames)), IDENTITY))
    capture.release()
    if not frames:
        raise RuntimeError(f"{path}: no frames could be read")
    return frames


class Tracks:
    """The sources' cached MediaPipe tracks (``samples/<stem>.npz``), in source pixels."""

    def __init__(self, samples: Path) -> None:
        self._samples = samples
        self._px: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def get(self, stem: str) -> tuple[np.ndarray, np.ndarray]:
        """(T, 33, 2) pixels and (T, 33) visibility, NaN where nobody was found."""
        if stem not in self._px:
            from posecheck.core.track import LandmarkTrack  # the track file's own reader

            track = LandmarkTrack.load(self._samples / f"{stem}.npz")
            w, h = track.frame_size
            px = track.image_xyz[:, :, :2].astype(np.float64) * [w, h]
            self._px[stem] = (px, track.visibility.astype(np.float64))
        return self._px[stem]

    def points(self, frame: Frame) -> tuple[np.ndarray, np.ndarray] | None:
        """The frame's landmarks in its own pixels, or None (a card, nobody found)."""
        if frame.origin is None:
            return None
        px, vis = self.get(frame.origin[0])
        i = frame.origin[1]
        if i >= len(px) or np.isnan(px[i]).all():
            return None
        p = px[i] @ frame.to_px[:, :2].T + frame.to_px[:, 2]
        return p, vis[i]


def person_box(frames: list[Frame], tracks: Tracks) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) around every well-seen body landmark over all frames."""
    pts = []
    for f in frames:
        got = tracks.points(f)
        if got is None:
            continue
        p, vis = got
        keep = [i for i in BODY_POINTS + (0, 7, 8) if vis[i] >= MIN_VISIBILITY]
        pts.append(p[keep])
    if not pts:
        raise RuntimeError("no person in the track to frame")
    allp = np.vstack(pts)
    return float(allp[:, 0].min()), float(allp[:, 1].min()), float(allp[:, 0].max()), float(allp[:, 1].max())


# ---- cards and dissolves ---------------------------------------------------

CARD_STYLES = {
    "teal": ((96, 64, 20), (170, 140, 40)),  # BGR top, bottom
    "sunset": ((60, 40, 120), (40, 140, 240)),
    "night": ((40, 20, 20), (90, 60, 50)),
}


def _text_fit(text: str, width_px: int, max_scale: float, thickness: int) -> float:
    scale = max_scale
    while scale > 0.3 and cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thickness)[0][0] > width_px:
        scale *= 0.9
    return scale


def draw_card(size: tuple[int, int], lines: list[str], style: str, logo: bool) -> np.ndarray:
    """A title or end card: a vertical gradient, a logo shape, large centred text."""
    w, h = size
    top, bottom = (np.array(c, float) for c in CARD_STYLES[style])
    ramp = np.linspace(0.0, 1.0, h)[:, None, None]
    image = (top * (1 - ramp) + bottom * ramp).repeat(w, axis=1).astype(np.uint8)
    unit = min(w, h)
    y = int(h * 0.28)
    if logo:
        centre, r = (w // 2, y), max(6, unit // 9)
        cv2.circle(image, centre, r, (255, 255, 255), -1, cv2.LINE_AA)
        tri = np.array(
            [
                [centre[0] - r // 3, centre[1] - r // 2],
                [centre[0] - r // 3, centre[1] + r // 2],
                [centre[0] + r // 2, centre[1]],
            ],
            np.int32,
        )
        cv2.fillPoly(image, [tri], CARD_STYLES[style][0], cv2.LINE_AA)
        y += r + unit // 8
    for n, text in enumerate(lines):
        thick = max(1, unit // (110 if n == 0 else 200))
        scale = _text_fit(text, int(w * 0.86), unit / (190 if n == 0 else 320), thick)
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thick)
        cv2.putText(
            image,
            text,
            ((w - tw) // 2, y + th),
            cv2.FONT_HERSHEY_DUPLEX,
            scale,
            (255, 255, 255) if n == 0 else (230, 230, 230),
            thick,
            cv2.LINE_AA,
        )
        y += th + unit // 12
    return image


def blend(card: np.ndarray, frame: Frame, clip_weight: float) -> Frame:
    """A cross-dissolve frame: the card and the clip frame mixed linearly."""
    image = cv2.addWeighted(frame.image, clip_weight, card, 1.0 - clip_weight, 0.0)
    return replace(frame, image=image)


def dissolve_weights(n: int) -> list[float]:
    """Clip weight of each of n dissolve frames: (j + 1) / (n + 1), never 0 or 1."""
    return [(j + 1) / (n + 1) for j in range(n)]


# ---- drawn over the person --------------------------------------------------


def _jitter(n: int, seed: int, sigma_px: float) -> np.ndarray:
    """Smooth per-landmark noise (n, 33, 2): an app's own estimate wobbles
    from frame to frame but not independently (AR(1), 0.75 memory)."""
    rng = np.random.default_rng(seed)
    step = rng.normal(0.0, sigma_px * np.sqrt(1 - 0.75**2), (n, 33, 2))
    out = np.zeros_like(step)
    out[0] = rng.normal(0.0, sigma_px, (33, 2))
    for i in range(1, n):
        out[i] = 0.75 * out[i - 1] + step[i]
    return out


def draw_skeleton(frames: list[Frame], tracks: Tracks, jitter_px: float, thickness_px: int, seed: int) -> list[Frame]:
    """An app's skeleton over the person: coloured bones and joint dots from
    the source's cached track, with its own wobble."""
    noise = _jitter(len(frames), seed, jitter_px)
    colours = {"left": (0, 140, 255), "right": (255, 200, 0), "middle": (255, 255, 255), "face": (180, 255, 180)}
    out = []
    for i, f in enumerate(frames):
        got = tracks.points(f)
        if got is None:
            out.append(f)
            continue
        p, vis = got
        p = p + noise[i]
        image = f.image.copy()
        seen = vis >= MIN_VISIBILITY
        for group, pairs in (("face", FACE), ("middle", MIDDLE), ("left", LEFT), ("right", RIGHT)):
            for a, b in pairs:
                if seen[a] and seen[b]:
                    cv2.line(
                        image,
                        tuple(int(v) for v in p[a]),
                        tuple(int(v) for v in p[b]),
                        colours[group],
                        thickness_px,
                        cv2.LINE_AA,
                    )
        for j in range(33):
            if seen[j]:
                c = tuple(int(v) for v in p[j])
                cv2.circle(image, c, thickness_px + 1, (40, 40, 230), -1, cv2.LINE_AA)
                cv2.circle(image, c, thickness_px + 1, (255, 255, 255), 1, cv2.LINE_AA)
        out.append(replace(f, image=image))
    return out


def _outlined(
    image: np.ndarray, text: str, org: tuple[int, int], scale: float, colour: tuple[int, int, int], thick: int
) -> None:
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, (0, 0, 0), thick + 3, cv2.LINE_AA)
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_DUPLEX, scale, colour, thick, cv2.LINE_AA)


def draw_text(
    frames: list[Frame],
    tracks: Tracks,
    counts: list[int],
    hold_s: list[float | None],
    banner: str,
    fps: int,
    banner_width: float = 1.0,
) -> list[Frame]:
    """An app's rep counter (or hold timer), a session clock, and a
    semi-transparent banner with a cue, laid across the person's body
    (``banner_width`` of the picture's width, centred on the person: a
    full-width band hides a lying body whole, and then nobody is found)."""
    box = person_box(frames, tracks)
    out = []
    for i, f in enumerate(frames):
        image = f.image.copy()
        h, w = image.shape[:2]
        unit = min(w, h)
        # Banner across the middle of the body (apps put cues there, over the person).
        cy = int((box[1] + box[3]) / 2)
        bh = max(24, unit // 7)
        y0, y1 = max(0, cy - bh // 2), min(h, cy + bh // 2)
        half = int(w * banner_width / 2)
        cx = int(min(max((box[0] + box[2]) / 2, half), w - half))
        x0, x1 = max(0, cx - half), min(w, cx + half)
        band = image[y0:y1, x0:x1].copy()
        band[:] = (60, 30, 150)
        image[y0:y1, x0:x1] = cv2.addWeighted(band, 0.55, image[y0:y1, x0:x1], 0.45, 0.0)
        scale = _text_fit(banner, int((x1 - x0) * 0.9), unit / 320, max(1, unit // 240))
        (tw, th), _ = cv2.getTextSize(banner, cv2.FONT_HERSHEY_DUPLEX, scale, max(1, unit // 240))
        cv2.putText(
            image,
            banner,
            ((x0 + x1 - tw) // 2, (y0 + y1 + th) // 2),
            cv2.FONT_HERSHEY_DUPLEX,
            scale,
            (255, 255, 255),
            max(1, unit // 240),
            cv2.LINE_AA,
        )
        # Counter and clock, large, over the upper body.
        big = unit / 160
        thick = max(2, unit // 120)
        if hold_s[i] is not None:
            label = f"HOLD {hold_s[i]:4.1f}s"
        else:
            label = f"REPS {counts[i]}"
        x = int(max(8, min(box[0], w - 8 - cv2.getTextSize(label, cv2.FONT_HERSHEY_DUPLEX, big, thick)[0][0])))
        ty = int(max(unit // 8, min(box[1] + unit // 6, y0 - 8)))
        _outlined(image, label, (x, ty), big, (80, 255, 80), thick)
        seconds = i // fps
        _outlined(
            image,
            f"{seconds // 60:02d}:{seconds % 60:02d}",
            (w - int(unit * 0.32), int(unit * 0.1)),
            unit / 300,
            (255, 255, 255),
            max(1, unit // 240),
        )
        out.append(replace(f, image=image))
    return out


# ---- crops -------------------------------------------------------------------


def portrait_lowres(
    frames: list[Frame], tracks: Tracks, size: tuple[int, int], margin: float = 0.12
) -> tuple[list[Frame], dict[str, float]]:
    """A fixed portrait window around the person, scaled down to ``size``.

    The window covers the person's box over the whole clip with ``margin``
    on each side; where it reaches past the picture (a lying body is wider
    than a 9:16 window of the landscape frame is), the edge rows and columns
    are repeated: the renders' wall and floor are flat colours, so this reads
    as more wall above and more floor below, as a phone held upright sees.
    """
    out_w, out_h = size
    x0, y0, x1, y1 = person_box(frames, tracks)
    bw, bh = (x1 - x0) * (1 + 2 * margin), (y1 - y0) * (1 + 2 * margin)
    win_w = max(bw, bh * out_w / out_h)
    win_h = win_w * out_h / out_w
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = int(round(cx - win_w / 2)), int(round(cy - win_h / 2))
    ww, wh = int(round(win_w)), int(round(win_h))
    out = []
    for f in frames:
        h, w = f.image.shape[:2]
        pad = (max(0, -top), max(0, top + wh - h), max(0, -left), max(0, left + ww - w))
        big = cv2.copyMakeBorder(f.image, *pad, cv2.BORDER_REPLICATE) if any(pad) else f.image
        crop = big[top + pad[0] : top + pad[0] + wh, left + pad[2] : left + pad[2] + ww]
        image = cv2.resize(crop, (out_w, out_h), interpolation=cv2.INTER_AREA)
        sx, sy = out_w / ww, out_h / wh
        m = np.array([[sx, 0.0, -left * sx], [0.0, sy, -top * sy]])
        out.append(replace(f, image=image, to_px=compose(m, f.to_px)))
    info = {"window_px": [left, top, ww, wh], "scale": out_w / ww, "aspect_error": abs(sx / sy - 1)}
    return out, info


def reframed(frames: list[Frame], tracks: Tracks, zoom: float) -> list[Frame]:
    """The same frames zoomed by ``zoom`` about the person's centre (the
    window kept inside the picture): a jump cut that also reframes the shot."""
    h, w = frames[0].image.shape[:2]
    x0, y0, x1, y1 = person_box(frames, tracks)
    # Only the part of the person that the picture shows must stay in it
    # (a near camera frames the hips up: the legs were never in the shot).
    x0, y0, x1, y1 = max(x0, 0.0), max(y0, 0.0), min(x1, float(w)), min(y1, float(h))
    win_w, win_h = w / zoom, h / zoom
    left = min(max((x0 + x1) / 2 - win_w / 2, 0.0), w - win_w)
    top = min(max((y0 + y1) / 2 - win_h / 2, 0.0), h - win_h)
    if x0 < left or x1 > left + win_w or y0 < top or y1 > top + win_h:
        raise RuntimeError(f"zoom {zoom} would cut the person off: choose a smaller zoom")
    m = np.array([[zoom, 0.0, -left * zoom], [0.0, zoom, -top * zoom]])
    return [
        replace(f, image=cv2.warpAffine(f.image, m, (w, h), flags=cv2.INTER_LINEAR), to_px=compose(m, f.to_px))
        for f in frames
    ]


# ---- writing -----------------------------------------------------------------


def _ffmpeg() -> str | None:
    """The ffmpeg that the imageio-ffmpeg wheel ships (the `render` extra), or None."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def write_mp4(
    path: Path, frames: list[Frame], fps: int, crf: int = X264_CRF, frame_index: np.ndarray | None = None
) -> str:
    """H.264 through the ffmpeg that the imageio-ffmpeg wheel ships, as the
    renderer writes (a fifth of MPEG-4 Part 2's size); OpenCV only without it.
    ``crf``: a wobbling overlay changes every frame, so a long clip with one
    needs a higher value to stay near 1 MB. ``frame_index``: each frame's
    place on the 1/fps timeline (a variable frame rate; ffmpeg only)."""
    h, w = frames[0].image.shape[:2]
    ffmpeg = _ffmpeg()
    if ffmpeg is not None:
        command = [
            ffmpeg,
            "-y",
            "-loglevel",
            "error",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "bgr24",
            "-s",
            f"{w}x{h}",
            "-r",
            str(fps),
            "-i",
            "-",
            *_timestamps(frame_index, fps),
            "-c:v",
            "libx264",
            "-preset",
            "slow",
            "-crf",
            str(crf),
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(path),
        ]
        process = subprocess.Popen(command, stdin=subprocess.PIPE)
        assert process.stdin is not None
        for f in frames:
            process.stdin.write(np.ascontiguousarray(f.image).tobytes())
        process.stdin.close()
        if process.wait() != 0:
            raise RuntimeError(f"ffmpeg failed with exit code {process.returncode}")
        return "h264 (libx264)"
    if frame_index is not None:
        raise RuntimeError("a variable frame rate needs the ffmpeg of imageio-ffmpeg")
    for codec in OPENCV_CODECS:
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), fps, (w, h))
        if writer.isOpened():
            for f in frames:
                writer.write(f.image)
            writer.release()
            return codec
        writer.release()
    raise RuntimeError(f"no MP4 encoder: install imageio-ffmpeg, or an OpenCV that writes {OPENCV_CODECS}")


def _timestamps(frame_index: np.ndarray | None, fps: int) -> list[str]:
    """ffmpeg arguments giving stored frame N the time frame_index[N] / fps:
    a piecewise-linear setpts expression (one piece per run of equal steps)
    and a variable frame rate kept as written."""
    if frame_index is None:
        return []
    idx = [int(i) for i in frame_index]
    pieces: list[tuple[int, int, int]] = []  # (first N, its index, step)
    for n in range(len(idx)):
        step = idx[n + 1] - idx[n] if n + 1 < len(idx) else (pieces[-1][2] if pieces else 1)
        if not pieces or step != pieces[-1][2] or idx[n] != pieces[-1][1] + (n - pieces[-1][0]) * pieces[-1][2]:
            pieces.append((n, idx[n], step))
    expr = ""
    for first, start, step in pieces:  # the later pieces tested first
        piece = f"({start}+(N-{first})*{step})"
        expr = piece if not expr else f"if(gte(N,{first}),{piece},{expr})"
    return ["-vf", f"setpts='round({expr}/{fps}/TB)'", "-fps_mode", "vfr"]


# ---- a phone's stored orientation ----------------------------------------------------

_TURN_CLOCKWISE = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def stored_turned(frames: list[Frame], display_deg: int) -> list[Frame]:
    """The pictures as a phone stores them: turned clockwise by display_deg,
    which the file's display matrix (set_display_rotation) turns back
    counter-clockwise for whoever plays it. A phone held upright records
    its sensor's landscape frames this way. (Their `to_px` still maps to
    the picture as shown: nothing is drawn after this.)"""
    return [replace(f, image=cv2.rotate(f.image, _TURN_CLOCKWISE[display_deg])) for f in frames]


def set_display_rotation(path: Path, display_deg: int) -> None:
    """Mark an MP4 to be shown turned display_deg counter-clockwise (its
    display matrix), without re-encoding: ffmpeg's stream copy."""
    ffmpeg = _ffmpeg()
    if ffmpeg is None:
        raise RuntimeError("a display rotation needs the ffmpeg of imageio-ffmpeg")
    tmp = path.with_suffix(".stored.mp4")
    path.replace(tmp)
    command = [
        ffmpeg,
        "-y",
        "-loglevel",
        "error",
        "-display_rotation",
        str(display_deg),
        "-i",
        str(tmp),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        str(path),
    ]
    if subprocess.run(command, check=False).returncode != 0:
        tmp.replace(path)  # the clip as written, not a file moved aside
        raise RuntimeError("ffmpeg could not set the display rotation")
    tmp.unlink()
