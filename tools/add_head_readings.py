"""Add the readings of the head from the picture to tracks extracted before them.

`posecheck extract` reads the face mesh on the face the pose model found
(`face_deg`, io/face_mesh.py) and follows a side-on head's patch
(`head_dir_deg`, io/head_patch.py). Both read the frame and the pose
landmarks alone, so a track that already holds the landmarks gets the same
readings from its video without running the pose model again (checked
against a fresh extract in tests/io/test_face_mesh.py and
tests/io/test_head_patch.py). Each VIDEO's track is the .npz beside it.

    python tools/add_head_readings.py samples/*.mp4
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
from posecheck.io.head_patch import HeadPatchTracker
from posecheck.io.sources.video import VideoReader, prefetched_frames


def head_readings(video: Path, track: LandmarkTrack, reader: FaceMeshReader) -> tuple[np.ndarray, np.ndarray]:
    """(T, 3) face_deg and (T,) head_dir_deg for the track's frames, read
    from its video the way extract reads them (the same decoder and RGB
    frames, one patch tracker for the whole video)."""
    face = np.full((len(track), 3), np.nan, np.float32)
    head = np.full(len(track), np.nan, np.float32)
    patch = HeadPatchTracker()
    done = 0
    for i, _, (rgb, _erased) in prefetched_frames(VideoReader(video), rgb_frame(None)):
        if i >= len(track):
            break
        face[i] = reader.angles_deg(rgb, track.image_xyz[i], track.visibility[i])
        head[i] = patch.direction_deg(rgb, track.image_xyz[i], track.visibility[i])
        done = i + 1
    if done < len(track):
        raise SystemExit(f"{video}: ends at frame {done}, its track has {len(track)}")
    return face, head


def main(videos: list[str]) -> None:
    reader = FaceMeshReader()
    for name in videos:
        video = Path(name)
        path = video.with_suffix(".npz")
        track = LandmarkTrack.load(path)
        if track.fps and abs(len(track) - track.duration_s * track.fps) > 1.5:
            print(f"{path}: not every frame (a strided track): skipped")
            continue
        face, head = head_readings(video, track, reader)
        track.replace(face_deg=face, head_dir_deg=head).save(path)
        print(
            f"{path}: face read in {np.isfinite(face[:, 0]).mean():.0%}, side-on head in "
            f"{np.isfinite(head).mean():.0%} of {len(track)} frames",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
