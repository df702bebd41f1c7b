"""Shared test helpers: paths and synthetic landmark tracks."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from posecheck.core.landmarks import Landmark
from posecheck.core.track import LandmarkTrack

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CLIPS = SHARED / "clips"
SAMPLES = ROOT / "samples"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite samples/*.expected.json from the current engine"
    )


def _have_mediapipe() -> bool:
    try:
        import mediapipe  # noqa: F401
    except ImportError:
        return False
    return True


HAVE_MEDIAPIPE = _have_mediapipe()
needs_clips = pytest.mark.skipif(not CLIPS.is_dir(), reason="../shared/clips is absent")
needs_mediapipe = pytest.mark.skipif(not HAVE_MEDIAPIPE, reason="mediapipe is not installed")


def make_track_arrays(n: int, fps: float = 30.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(t_s, image_xyz, visibility, world_xyz) of a still, fully visible person."""
    from posecheck.core.landmarks import NUM_LANDMARKS

    t = np.arange(n) / fps
    img = np.full((n, NUM_LANDMARKS, 3), 0.5, np.float32)
    img[:, :, 0] = np.linspace(0.3, 0.7, NUM_LANDMARKS)
    vis = np.ones((n, NUM_LANDMARKS), np.float32)
    world = np.zeros((n, NUM_LANDMARKS, 3), np.float32)
    return t, img, vis, world


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """posecheck in-process: (exit status, stdout, stderr)."""
    from posecheck.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    """The one line a user error prints (asserts there is exactly one and no traceback)."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


def joined_clips(pieces: list[tuple[str, float, float]], blend_s: float = 0.7) -> LandmarkTrack:
    """Rendered clips joined: each piece (clip, from_s, to_s), a turn of
    `blend_s` between them (landmarks drawn from one piece's last frame to
    the next one's first). All pieces are 640x480 at 15 fps."""
    tracks = [LandmarkTrack.load(SAMPLES / f"{c}.npz") for c, _, _ in pieces]
    tracks = [t.select((t.t_s >= a) & (t.t_s < b)) for t, (_, a, b) in zip(tracks, pieces)]
    turn = np.linspace(0.0, 1.0, round(blend_s * tracks[0].fps) + 2)[1:-1]
    arrays = {}
    for name in ("image_xyz", "visibility", "world_xyz"):
        parts = [getattr(tracks[0], name)]
        for before, after in itertools.pairwise(tracks):
            x, y = getattr(before, name)[-1], getattr(after, name)[0]
            parts += [np.array([(1 - f) * x + f * y for f in turn], x.dtype), getattr(after, name)]
        arrays[name] = np.concatenate(parts)
    n = len(arrays["image_xyz"])
    return tracks[0].replace(
        t_s=np.arange(n) / tracks[0].fps, source_duration_s=None, face_deg=None, head_dir_deg=None, **arrays
    )


def standing_frames(shoulder_width_px: float, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n frames of a still standing person whose shoulders are this wide
    over a 100 px torso (image, visibility, world)."""
    xyz = np.full((33, 3), 0.5, np.float32)
    cx = 320.0
    half = shoulder_width_px / 2
    points = {
        Landmark.LEFT_SHOULDER: (cx + half, 200),
        Landmark.RIGHT_SHOULDER: (cx - half, 200),
        Landmark.LEFT_HIP: (cx + 10, 300),
        Landmark.RIGHT_HIP: (cx - 10, 300),
        Landmark.LEFT_KNEE: (cx + 10, 380),
        Landmark.RIGHT_KNEE: (cx - 10, 380),
        Landmark.LEFT_ANKLE: (cx + 10, 460),
        Landmark.RIGHT_ANKLE: (cx - 10, 460),
        Landmark.NOSE: (cx, 150),
    }
    for lm, (x, y) in points.items():
        xyz[lm, 0], xyz[lm, 1] = x / 640, y / 480
    world = np.zeros((33, 3), np.float32)
    world[:, :2] = (xyz[:, :2] - 0.5) * 2.0
    # In 3D the shoulders stay 0.36 m apart and the ears 0.15 m, as the model
    # places them for anyone: a narrower picture is a body turned in depth.
    half_x = float(world[Landmark.LEFT_SHOULDER, 0])
    half_z = float(np.sqrt(max(0.18**2 - half_x**2, 0.0)))
    world[Landmark.LEFT_SHOULDER, 2], world[Landmark.RIGHT_SHOULDER, 2] = half_z, -half_z
    for ear, sign in ((Landmark.LEFT_EAR, 1.0), (Landmark.RIGHT_EAR, -1.0)):
        world[ear, 0], world[ear, 2] = sign * half_x * 0.075 / 0.18, sign * half_z * 0.075 / 0.18
    return np.repeat(xyz[None], n, 0), np.ones((n, 33), np.float32), np.repeat(world[None], n, 0)
