"""Landmark tracks: the recorded output of the pose estimator, and its file.

A track is time-major: one row per video frame, NaN where no person was found.
It is what `posecheck extract` writes and what every pure stage reads, so the
engine can be tested and re-run without a camera, a model or cv2.

File format (`.npz`, self-describing, versioned by `format_version`):
    format          "posecheck-track"
    format_version  1
    t_s             (T,) float64, seconds from the start of the source
    image_xyz       (T, 33, 3) float32, MediaPipe normalised image coordinates
                    (x / width, y / height, z relative depth on the x scale)
    visibility      (T, 33) float32, 0..1
    world_xyz       (T, 33, 3) float32, metres, origin between the hips
    fps             float, nominal frame rate of the source
    frame_size      (2,) int, width and height in pixels
    model           str, the pose model that produced the landmarks
    source          str, the file name of the video it came from
    duration_s      float, optional: the source's length in seconds (written
                    for a track of every N-th frame, whose last frame may lie
                    up to N-1 frames before the end); without it the length
                    is the last frame's time plus one frame
    camera_roll_deg float, optional: the camera's roll found in the picture
                    (core/level.py; -20..20, written only when found); the
                    metrics read the landmarks turned back to level
    face_deg        (T, 3) float32, optional: the head's turn, pitch and tilt
                    from the face mesh (core/head_pose.py), -180..180; NaN
                    where no face was read (and wherever no person was)
    head_dir_deg    (T,) float32, optional: the picture direction of a side-on
                    head's ear-to-nose line read from the head's pixels
                    (io/head_patch.py), -180..180 as atan2(dy, dx) with y
                    down; NaN where not read (and wherever no person was)
    text_erased     (T,) bool, optional: frames where text drawn over the
                    picture was painted out before the model read it
                    (io/drawn_text.py); absent when the picture was read as
                    it is (or the track predates the search)
    shot_start      (T,) bool, optional: frames that begin a new shot (another
                    camera, another take; io/shots.py), found in the picture;
                    absent where the track predates the search

A frame with no person is NaN in all three landmark arrays (image_xyz
decides). `LandmarkTrack.load` checks every entry against this and the
ranges in track_file.py, since a track may come from anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from posecheck.core.head_pose import MIRROR_SIGNS
from posecheck.core.head_profile import mirrored_direction_deg
from posecheck.core.landmarks import LEFT_RIGHT_SWAP, NUM_LANDMARKS
from posecheck.core.level import check_roll
from posecheck.core.pose import PoseCandidate
from posecheck.core.track_file import TRACK_FORMAT, TRACK_FORMAT_VERSION, read_track_file


@dataclass(frozen=True)
class LandmarkTrack:
    """Pose landmarks of one person over time.

    Attributes:
        t_s: (T,) float64 frame times in seconds, strictly increasing.
        image_xyz: (T, 33, 3) float32 normalised image coordinates; NaN rows
            where no person was found.
        visibility: (T, 33) float32 in 0..1; NaN where no person was found.
        world_xyz: (T, 33, 3) float32 metric coordinates (metres).
        fps: nominal frames per second of the source.
        frame_size: (width, height) of the source frames in pixels.
        model: name of the pose model that produced the landmarks.
        source: name of the video the track was extracted from.
        source_duration_s: the source's length when it is not the last
            frame plus one (`--stride`); None otherwise.
        camera_roll_deg: the camera's roll (core/level.py), None when the
            picture did not show it or it is negligible.
        face_deg: (T, 3) float32 turn, pitch, tilt from the face mesh
            (core/head_pose.py), NaN rows where no face was read; None for a
            track extracted without it.
        head_dir_deg: (T,) float32 a side-on head's ear-to-nose direction
            in the picture from its pixels (io/head_patch.py), NaN where not
            read; None for a track extracted without it.
        text_erased: (T,) bool, frames where drawn text was painted out
            before the model read them (io/drawn_text.py); None when the
            picture was read as it is.
        shot_start: (T,) bool, frames that begin a new shot (io/shots.py);
            None for a track extracted without the search.
    """

    t_s: npt.NDArray[np.float64]
    image_xyz: npt.NDArray[np.float32]
    visibility: npt.NDArray[np.float32]
    world_xyz: npt.NDArray[np.float32]
    fps: float
    frame_size: tuple[int, int]
    model: str
    source: str
    source_duration_s: float | None = None
    camera_roll_deg: float | None = None
    face_deg: npt.NDArray[np.float32] | None = None
    head_dir_deg: npt.NDArray[np.float32] | None = None
    text_erased: npt.NDArray[np.bool_] | None = None
    shot_start: npt.NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        n = len(self.t_s)
        if self.t_s.ndim != 1:
            raise ValueError(f"t_s must have shape (T,), but got {self.t_s.shape}")
        for name, arr, shape in (
            ("image_xyz", self.image_xyz, (n, NUM_LANDMARKS, 3)),
            ("visibility", self.visibility, (n, NUM_LANDMARKS)),
            ("world_xyz", self.world_xyz, (n, NUM_LANDMARKS, 3)),
        ):
            if arr.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, but got shape {arr.shape}")
        if n > 1 and not np.all(np.diff(self.t_s) > 0):
            raise ValueError("t_s must be strictly increasing")
        check_roll(self.camera_roll_deg)
        if self.face_deg is not None and self.face_deg.shape != (n, 3):
            raise ValueError(f"face_deg must have shape {(n, 3)}, but got shape {self.face_deg.shape}")
        if self.head_dir_deg is not None and self.head_dir_deg.shape != (n,):
            raise ValueError(f"head_dir_deg must have shape {(n,)}, but got shape {self.head_dir_deg.shape}")
        for name, flags in (("text_erased", self.text_erased), ("shot_start", self.shot_start)):
            if flags is not None and (flags.shape != (n,) or flags.dtype != np.bool_):
                raise ValueError(f"{name} must be bool of shape {(n,)}, but got {flags.dtype} {flags.shape}")

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def has_pose(self) -> npt.NDArray[np.bool_]:
        """(T,) True on frames where a person was found."""
        return ~np.isnan(self.image_xyz[:, 0, 0])

    @property
    def duration_s(self) -> float:
        """Length of the source: as recorded (a strided track), else the
        last frame time plus one frame."""
        if len(self) == 0:
            return 0.0
        if self.source_duration_s is not None:
            return self.source_duration_s
        return float(self.t_s[-1] + 1.0 / self.fps)

    def pixels(self) -> npt.NDArray[np.float64]:
        """(T, 33, 2) image coordinates in pixels, for isotropic 2D geometry."""
        w, h = self.frame_size
        return self.image_xyz[:, :, :2].astype(np.float64) * np.array([w, h])

    def replace(self, **changes: object) -> LandmarkTrack:
        """A copy with some fields changed (e.g. smoothed landmarks)."""
        fields = {
            "t_s": self.t_s,
            "image_xyz": self.image_xyz,
            "visibility": self.visibility,
            "world_xyz": self.world_xyz,
            "fps": self.fps,
            "frame_size": self.frame_size,
            "model": self.model,
            "source": self.source,
            "source_duration_s": self.source_duration_s,
            "camera_roll_deg": self.camera_roll_deg,
            "face_deg": self.face_deg,
            "head_dir_deg": self.head_dir_deg,
            "text_erased": self.text_erased,
            "shot_start": self.shot_start,
        }
        fields.update(changes)
        return LandmarkTrack(**fields)  # type: ignore[arg-type]

    def select(self, index: npt.NDArray[np.bool_] | slice) -> LandmarkTrack:
        """The frames picked by a boolean mask or a slice (a time span, every
        n-th frame), everything else unchanged."""
        return self.replace(
            t_s=self.t_s[index],
            image_xyz=self.image_xyz[index],
            visibility=self.visibility[index],
            world_xyz=self.world_xyz[index],
            face_deg=None if self.face_deg is None else self.face_deg[index],
            head_dir_deg=None if self.head_dir_deg is None else self.head_dir_deg[index],
            text_erased=None if self.text_erased is None else self.text_erased[index],
            shot_start=None if self.shot_start is None else self.shot_start[index],
            source_duration_s=None,  # a part of the source
        )

    @classmethod
    def played_in_turn(cls, tracks: list[LandmarkTrack]) -> tuple[LandmarkTrack, list[float]]:
        """One recording of several tracks played one after another (a
        routine stitched from single-exercise recordings), and the time each
        starts at. Frame size, rate and model are the first track's."""
        if not tracks:
            raise ValueError("no tracks to play")
        starts, offset = [], 0.0
        for tr in tracks:
            starts.append(offset)
            offset += tr.duration_s
        joined = tracks[0].replace(
            t_s=np.concatenate([tr.t_s + s for tr, s in zip(tracks, starts, strict=True)]),
            image_xyz=np.concatenate([tr.image_xyz for tr in tracks]),
            visibility=np.concatenate([tr.visibility for tr in tracks]),
            world_xyz=np.concatenate([tr.world_xyz for tr in tracks]),
            source_duration_s=offset,
            # One roll for the whole, so only where every part has it.
            camera_roll_deg=tracks[0].camera_roll_deg if len({tr.camera_roll_deg for tr in tracks}) == 1 else None,
            face_deg=_joined_reading([(len(tr), tr.face_deg) for tr in tracks]),
            head_dir_deg=_joined_reading([(len(tr), tr.head_dir_deg) for tr in tracks]),
            text_erased=_joined_flags([tr.text_erased for tr in tracks]),
            shot_start=_joined_flags([tr.shot_start for tr in tracks]),
        )
        return joined, starts

    def mirrored(self) -> LandmarkTrack:
        """The track of a mirrored (selfie-view) video as if unmirrored.

        A webcam preview is usually flipped like a mirror: the model then
        labels the subject's left arm as "right". Flipping x and swapping the
        left/right landmarks restores the subject's own sides, so sided
        counts and signed angles mean what the exercise file says.
        """
        image, visibility, world = mirror_landmarks(self.image_xyz, self.visibility, self.world_xyz)
        roll = None if self.camera_roll_deg is None else -self.camera_roll_deg
        face = None if self.face_deg is None else self.face_deg * MIRROR_SIGNS
        # A direction in the picture, x flipped: (dx, dy) -> (-dx, dy).
        head_dir = None if self.head_dir_deg is None else mirrored_direction_deg(self.head_dir_deg)
        return self.replace(
            image_xyz=image,
            visibility=visibility,
            world_xyz=world,
            camera_roll_deg=roll,
            face_deg=face,
            head_dir_deg=head_dir,
        )

    def save(self, path: Path) -> Path:
        """Write the track as a compressed, self-describing `.npz`; returns the
        path written (numpy's rule: `.npz` is added when missing).

        The file is written beside its final name and renamed into place, so
        a crash or a full disk never leaves a truncated track.

        Raises:
            PosecheckError: the path is a folder, its folder is missing or not
                a folder, or the file could not be written.
        """
        from posecheck.outputs import check_output_file, write_atomically

        path = Path(path)
        target = path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
        check_output_file(target, "track")
        entries: dict[str, Any] = {
            "format": np.array(TRACK_FORMAT),
            "format_version": np.array(TRACK_FORMAT_VERSION),
            "t_s": self.t_s,
            "image_xyz": self.image_xyz,
            "visibility": self.visibility,
            "world_xyz": self.world_xyz,
            "fps": np.array(self.fps),
            "frame_size": np.array(self.frame_size, dtype=np.int64),
            "model": np.array(self.model),
            "source": np.array(self.source),
        }
        if self.source_duration_s is not None:
            entries["duration_s"] = np.array(self.source_duration_s)
        if self.camera_roll_deg is not None:
            entries["camera_roll_deg"] = np.array(self.camera_roll_deg)
        if self.face_deg is not None:
            entries["face_deg"] = self.face_deg
        if self.head_dir_deg is not None:
            entries["head_dir_deg"] = self.head_dir_deg
        if self.text_erased is not None:
            entries["text_erased"] = self.text_erased
        if self.shot_start is not None:
            entries["shot_start"] = self.shot_start
        write_atomically(target, lambda tmp: np.savez_compressed(tmp, **entries))
        return target

    @classmethod
    def load(cls, path: Path) -> LandmarkTrack:
        """Read a track written by `save`, checking everything in it: a track
        can come from anywhere, and a bad value would otherwise surface as a
        crash or a wrong count far from its cause.

        Raises:
            PosecheckError: see `track_file.read_track_file`.
        """
        return cls(**read_track_file(Path(path)))


def _joined_reading(
    parts: list[tuple[int, npt.NDArray[np.float32] | None]],
) -> npt.NDArray[np.float32] | None:
    """A pixel reading (face_deg, head_dir_deg) of tracks played in turn,
    from each part's (frames, reading): where a part has none, NaN (none
    read); None where no part has one."""
    shapes = [r.shape[1:] for _, r in parts if r is not None]
    if not shapes:
        return None
    return np.concatenate([np.full((n, *shapes[0]), np.nan, np.float32) if r is None else r for n, r in parts])


def _joined_flags(parts: list[npt.NDArray[np.bool_] | None]) -> npt.NDArray[np.bool_] | None:
    """A per-frame flag (text_erased, shot_start) of tracks played in turn:
    known only where every part was searched, else None (unknown for the
    whole, not "none")."""
    if any(p is None for p in parts):
        return None
    return np.concatenate([p for p in parts if p is not None])


def mirror_landmarks(
    image_xyz: npt.NDArray[np.float32], visibility: npt.NDArray[np.float32], world_xyz: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float32], ...]:
    """Mirrored copies of (image_xyz, visibility, world_xyz): x flipped, left
    and right landmarks swapped. For a track (T, 33, ...) or one frame (33, ...)."""
    swap = list(LEFT_RIGHT_SWAP)
    image = image_xyz[..., swap, :].copy()
    image[..., 0] = 1.0 - image[..., 0]
    world = world_xyz[..., swap, :].copy()
    world[..., 0] = -world[..., 0]
    return image, visibility[..., swap].copy(), world


def empty_frames(n: int) -> tuple[npt.NDArray[np.float32], ...]:
    """NaN-filled (image_xyz, visibility, world_xyz) arrays for n frames."""
    return (
        np.full((n, NUM_LANDMARKS, 3), np.nan, np.float32),
        np.full((n, NUM_LANDMARKS), np.nan, np.float32),
        np.full((n, NUM_LANDMARKS, 3), np.nan, np.float32),
    )


def frame_landmarks(person: PoseCandidate | None) -> tuple[npt.NDArray[np.float32], ...]:
    """One frame's (image_xyz, visibility, world_xyz): the person's, or NaN
    arrays when no person was found."""
    if person is None:
        return tuple(a[0] for a in empty_frames(1))
    return person.image_xyz, person.visibility, person.world_xyz
