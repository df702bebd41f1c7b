"""Add the face mesh's head angles (`face_deg`) to tracks extracted before it.

`posecheck extract` now reads the face mesh on the face the pose model found;
it reads it from the frame and the pose landmarks alone, so a track that
already holds the landmarks gets the same `face_deg` from its video without
running the pose model again (checked against a fresh extract in
tests/io/test_face_mesh.py). Each VIDEO's track is the .npz beside it.

    python tools/add_face_angles.py samples/*.mp4
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posecheck.core.track import LandmarkTrack
from posecheck.io.extract import rgb_frame
from posecheck.io.face_mesh import FaceMeshReader
from posecheck.io.sources.video import VideoReader, prefetched_frames


def face_angles(video: Path, track: LandmarkTrack, reader: FaceMeshReader) -> np.ndarray:
    """(T, 3) face_deg for the track's frames, read from its video the way
    extract reads it (the same decoder and RGB frames)."""
    out = np.full((len(track), 3), np.nan, np.float32)
    done = 0
    for i, _, rgb in prefetched_frames(VideoReader(video), rgb_frame(None)):
        if i >= len(track):
            break
        out[i] = reader.angles_deg(rgb, track.image_xyz[i], track.visibility[i])
        done = i + 1
    if done < len(track):
        raise SystemExit(f"{video}: ends at frame {done}, its track has {len(track)}")
    return out


def main(videos: list[str]) -> None:
    reader = FaceMeshReader()
    for name in videos:
        video = Path(name)
        path = video.with_suffix(".npz")
        track = LandmarkTrack.load(path)
        if track.fps and abs(len(track) - track.duration_s * track.fps) > 1.5:
            print(f"{path}: not every frame (a strided track): skipped")
            continue
        face = face_angles(video, track, reader)
        track.replace(face_deg=face).save(path)
        print(f"{path}: face read in {np.isfinite(face[:, 0]).mean():.0%} of {len(track)} frames")


if __name__ == "__main__":
    main(sys.argv[1:])
