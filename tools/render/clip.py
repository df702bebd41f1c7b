"""Render one motion script to ``<name>.mp4`` plus ``<name>.truth.json``.

Frames are posed in batches and rasterised one by one into an MP4. H.264
keeps a 70 s clip near 0.3 MB, about a fifth of MPEG-4 Part 2, whose
fixed 12-frame keyframe interval in OpenCV cannot be changed: so frames go
to the ffmpeg binary that the imageio-ffmpeg wheel ships (libx264), and
only without it to OpenCV ('avc1' where the build has an H.264 encoder,
which the PyPI wheels lack, else 'mp4v'). The
truth comes from the script, never from the pixels. Optionally the
projected COCO keypoints are written too, for the MediaPipe sanity check
(``check_detection.py``); they are not part of the truth. A script's
bystander (``bystander.Walker``) is drawn in the same raster pass as the
exerciser; its keypoints are never written: the keypoints and the truth are
the exerciser's.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tools.render.appearance import CLOTHES, face_colours
from tools.render.body import BODY_SHAPES, COCO_TO_MEDIAPIPE, Body
from tools.render.bystander import Walker
from tools.render.camera import frame_camera
from tools.render.motion import ClipScript
from tools.render.raster import render_frame
from tools.render.truth import build_truth, write_truth

BATCH_FRAMES = 32
OPENCV_CODECS = ("avc1", "mp4v")
X264_CRF = 20
"""Visually clean for flat-coloured renders; lower is larger and sharper."""


@dataclass(frozen=True)
class RenderReport:
    """What one render produced and how long it took."""

    video: Path
    truth: Path
    codec: str
    frames: int
    seconds: float
    megabytes: float


class VideoSink:
    """Writes BGR frames to an MP4 with the best encoder available here."""

    def __init__(self, path: Path, fps: int, size: tuple[int, int]) -> None:
        self.codec = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._writer: cv2.VideoWriter | None = None
        try:
            import imageio_ffmpeg
        except ImportError:
            imageio_ffmpeg = None
        if imageio_ffmpeg is not None:
            command = [
                imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
                "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{size[0]}x{size[1]}", "-r", str(fps), "-i", "-",
                "-c:v", "libx264", "-preset", "slow", "-crf", str(X264_CRF), "-pix_fmt", "yuv420p",
                "-movflags", "+faststart", str(path),
            ]
            self._process = subprocess.Popen(command, stdin=subprocess.PIPE)
            self.codec = "h264 (libx264)"
            return
        for codec in OPENCV_CODECS:
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), fps, size)
            if writer.isOpened():
                self._writer, self.codec = writer, codec
                return
            writer.release()
        raise RuntimeError(f"no MP4 encoder: install imageio-ffmpeg, or an OpenCV that writes {OPENCV_CODECS}")

    def write(self, frame: np.ndarray) -> None:
        if self._process is not None and self._process.stdin is not None:
            self._process.stdin.write(np.ascontiguousarray(frame).tobytes())
        elif self._writer is not None:
            self._writer.write(frame)

    def close(self) -> None:
        if self._process is not None and self._process.stdin is not None:
            self._process.stdin.close()
            if self._process.wait() != 0:
                raise RuntimeError(f"ffmpeg failed with exit code {self._process.returncode}")
        if self._writer is not None:
            self._writer.release()


EXERCISER_KEY_RGB = np.array([255, 0, 0])
BYSTANDER_KEY_RGB = np.array([0, 255, 0])
"""Flat key colours for ``Scene.exerciser_visible_share``: shading scales
them but keeps them apart from each other and from the grey backdrop."""


class Scene:
    """The posed body (and any bystander), their colours and the fixed camera of one script."""

    def __init__(self, script: ClipScript) -> None:
        variant = script.variant
        self.fps = script.fps
        self.body = Body(BODY_SHAPES[variant.body], anchor=script.anchor)
        base = {name: script.base.get(name, 0.0) for name in script.moved_channels()}
        # Colours and the hairline come from this body's neutral standing pose.
        neutral_vertices, neutral_keypoints = self.body.pose_base({})
        self.colours = face_colours(self.body, CLOTHES[variant.clothes], neutral_vertices, neutral_keypoints)
        base_vertices, base_keypoints = self.body.pose_base(base)
        labelled = dict(zip(self.body.keypoints.labels, base_keypoints))
        self.camera = frame_camera(variant, base_vertices, labelled, script.lying, script.size)
        self.floor_z = float(base_vertices[:, 2].min())
        self.walker: Walker | None = None
        self._both_faces = self.body.faces
        self._bystander_colours = np.zeros((0, 3), dtype=self.colours.dtype)
        if script.bystander is not None:
            centre_m = (base_vertices.min(axis=0) + base_vertices.max(axis=0)) / 2
            self.walker = Walker(script.bystander, self.camera, centre_m, self.floor_z, variant.mirrored)
            # One mesh of both bodies, so the painter's sort interleaves their
            # triangles and whoever is nearer covers the other.
            self._both_faces = np.vstack([self.body.faces, self.walker.body.faces + len(base_vertices)])
            self._bystander_colours = self.walker.colours

    def bystander_vertices(self, frames: list[int] | np.ndarray) -> list[np.ndarray | None]:
        """The bystander's world vertices per frame index; None where it is not drawn."""
        out: list[np.ndarray | None] = [None] * len(frames)
        if self.walker is None:
            return out
        times_s = np.asarray(frames, dtype=float) / self.fps
        present = np.flatnonzero(self.walker.spec.present(times_s))
        if len(present):
            for index, vertices in zip(present, self.walker.vertices(times_s[present])):
                out[index] = vertices
        return out

    def draw(self, vertices: np.ndarray, bystander: np.ndarray | None = None) -> np.ndarray:
        """One BGR frame (not yet mirrored) of posed ``vertices`` and the bystander's, if given."""
        return self._raster(vertices, bystander, self.colours, self._bystander_colours)

    def _raster(
        self, vertices: np.ndarray, bystander: np.ndarray | None, colours: np.ndarray, bystander_colours: np.ndarray
    ) -> np.ndarray:
        """Both bodies in one painter's pass (the exerciser alone when ``bystander`` is None)."""
        if bystander is None:
            return render_frame(vertices, self.body.faces, colours, self.camera, self.floor_z)
        both = np.vstack([vertices, bystander])
        return render_frame(both, self._both_faces, np.vstack([colours, bystander_colours]), self.camera, self.floor_z)

    def exerciser_visible_share(self, vertices: np.ndarray, bystander: np.ndarray) -> float:
        """Share of the exerciser's pixels still seen with the bystander drawn too.

        Why: a truth ``absent`` span for an occluding passer-by should follow
        how much of the exerciser is actually hidden, which is hard to judge
        by eye on a contact sheet. Both bodies are drawn in flat key colours,
        once without and once with the bystander.
        """
        key = np.broadcast_to(EXERCISER_KEY_RGB, self.colours.shape)
        bystander_key = np.broadcast_to(BYSTANDER_KEY_RGB, self._bystander_colours.shape)
        alone = self._raster(vertices, None, key, bystander_key)
        together = self._raster(vertices, bystander, key, bystander_key)

        def exerciser_pixels(image: np.ndarray) -> int:
            blue, green, red = (image[..., c].astype(int) for c in range(3))
            return int(np.sum((red > green + 40) & (red > blue + 40)))

        seen_alone = exerciser_pixels(alone)
        return exerciser_pixels(together) / seen_alone if seen_alone else 0.0


def render_stills(script: ClipScript, times_s: list[float], path: Path) -> list[str]:
    """A contact sheet PNG of the frames at ``times_s``: a quick look at a new script.

    Returns one line per still that shows the bystander: the share of the
    exerciser still visible, to choose an honest ``absent`` span.
    """
    tracks = script.sample()
    frames = [min(int(round(t * script.fps)), script.frames - 1) for t in times_s]
    scene = Scene(script)
    vertices, _ = scene.body.pose({name: track[frames] for name, track in tracks.items()})
    bystanders = scene.bystander_vertices(frames)
    images = [scene.draw(frame, bystander) for frame, bystander in zip(vertices, bystanders)]
    if script.variant.mirrored:
        images = [image[:, ::-1] for image in images]
    cv2.imwrite(str(path), np.hstack(images))
    return [
        f"t = {frame / script.fps:.2f} s: exerciser {100 * scene.exerciser_visible_share(exerciser, bystander):.0f}% visible"
        for frame, exerciser, bystander in zip(frames, vertices, bystanders)
        if bystander is not None
    ]


def render_clip(script: ClipScript, out_dir: Path, keypoints_dir: Path | None = None) -> RenderReport:
    """Render ``script`` into ``out_dir``; see the module docstring."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    tracks = script.sample()
    truth_path = out_dir / f"{script.name}.truth.json"
    write_truth(build_truth(script, tracks), truth_path)

    variant = script.variant
    scene = Scene(script)
    body, camera = scene.body, scene.camera

    video_path = out_dir / f"{script.name}.mp4"
    sink = VideoSink(video_path, script.fps, script.size)
    projected: list[np.ndarray] = []
    try:
        for first in range(0, script.frames, BATCH_FRAMES):
            chunk = {name: track[first:first + BATCH_FRAMES] for name, track in tracks.items()}
            vertices, keypoints = body.pose(chunk)
            bystanders = scene.bystander_vertices(np.arange(first, first + len(vertices)))
            for frame_vertices, frame_keypoints, bystander in zip(vertices, keypoints, bystanders):
                image = scene.draw(frame_vertices, bystander)
                points = camera.project(frame_keypoints)
                if variant.mirrored:
                    image = np.ascontiguousarray(image[:, ::-1])
                    points[:, 0] = script.size[0] - points[:, 0]
                sink.write(image)
                projected.append(points)
            print(f"\r{script.name}: {min(first + BATCH_FRAMES, script.frames)}/{script.frames}", end="", file=sys.stderr)
    finally:
        sink.close()
    print(file=sys.stderr)

    if keypoints_dir is not None:
        keypoints_dir.mkdir(parents=True, exist_ok=True)
        document = {
            "clip": video_path.name,
            "labels": body.keypoints.labels,
            "mediapipe_index": [COCO_TO_MEDIAPIPE.get(label) for label in body.keypoints.labels],
            "frames": np.round(np.stack(projected), 1).tolist(),
        }
        (keypoints_dir / f"{script.name}.keypoints.json").write_text(json.dumps(document))
    return RenderReport(
        video=video_path,
        truth=truth_path,
        codec=sink.codec,
        frames=script.frames,
        seconds=time.perf_counter() - started,
        megabytes=video_path.stat().st_size / 1e6,
    )
