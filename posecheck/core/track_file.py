"""Reading a landmark track file back, checking every entry in it.

A track may come from anywhere (a file shared, cut or crafted), and a bad
value would otherwise surface as a crash or a wrong count far from its
cause. `read_track_file` checks the file (a regular, non-empty .npz), its
format and version, and every entry against the format described in
track.py and the ranges below, and says what is wrong in one line naming the
file, the entry and what is allowed. `LandmarkTrack.load` builds the track
from what it returns.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from posecheck.core.landmarks import NUM_LANDMARKS
from posecheck.core.level import MAX_ROLL_DEG
from posecheck.errors import PosecheckError

TRACK_FORMAT = "posecheck-track"
TRACK_FORMAT_VERSION = 1

# What a track file may hold (documented in README "Landmark tracks"). The
# ranges are far wider than any real recording and exist so that a hostile
# value cannot overflow or divide by zero downstream.
FPS_RANGE = (0.01, 1000.0)
FRAME_SIDE_RANGE_PX = (1, 100_000)
COORD_LIMIT = 1000.0  # |image_xyz| in frame widths/heights, |world_xyz| in metres

# A .npz is a zip archive: it starts with a local file header, or with the
# end-of-archive record when empty.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_ENTRIES = (
    "format",
    "format_version",
    "t_s",
    "image_xyz",
    "visibility",
    "world_xyz",
    "fps",
    "frame_size",
    "model",
    "source",
    "duration_s",
    "camera_roll_deg",
    "face_deg",
    "head_dir_deg",
    "text_erased",
    "shot_start",
)
# What reading a damaged or hostile archive raises: a cut or corrupt zip,
# bad deflate data, a bad .npy header, pickled (object) data, an encrypted or
# unsupported zip entry, an array header claiming terabytes.
_READ_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    MemoryError,
)


def read_track_file(path: Path) -> dict[str, Any]:
    """The checked fields of the LandmarkTrack in the file at path.

    Raises:
        PosecheckError: one line naming the file, the entry and what is
            allowed: not a regular file, not a track, a newer format
            version, or a value out of its documented range.
    """
    _check_track_file(path)
    return _checked_fields(path, _read_entries(path))


def _check_track_file(path: Path) -> None:
    """A regular, non-empty zip file, checked without opening anything that
    is not a regular file (opening a FIFO blocks until a writer comes)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise PosecheckError(f"{path}: no such file") from None
    except OSError as exc:
        raise PosecheckError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise PosecheckError(f"{path}: is a folder, not a landmark track (.npz)")
    if not stat.S_ISREG(st.st_mode):
        raise PosecheckError(f"{path}: not a regular file (a pipe, device or socket); give a landmark track (.npz)")
    if st.st_size == 0:
        raise PosecheckError(f"{path}: is empty (0 bytes), not a landmark track")
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise PosecheckError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if head not in _ZIP_MAGIC:
        raise PosecheckError(f"{path}: cannot read landmark track (not a .npz archive)")


def _read_entries(path: Path) -> dict[str, Any]:
    """The track's entries as stored (unchecked), after the format check.

    An entry is an ndarray, or raw bytes when the archive member is not a
    .npy file (numpy returns those as is)."""
    try:
        # Opened here, not by np.load, which leaks its file when the zip is bad.
        with path.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
            fmt = data["format"] if "format" in data.files else None
            if not (
                isinstance(fmt, np.ndarray) and fmt.ndim == 0 and fmt.dtype.kind == "U" and str(fmt) == TRACK_FORMAT
            ):
                found = "none" if fmt is None else _describe(fmt)
                raise PosecheckError(
                    f"{path}: not a posecheck landmark track (format {found}, expected {TRACK_FORMAT!r})"
                )
            return {key: data[key] for key in _ENTRIES if key in data.files}
    except _READ_ERRORS as exc:
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        raise PosecheckError(f"{path}: cannot read landmark track ({reason})") from None


def _checked_fields(path: Path, raw: dict[str, Any]) -> dict[str, Any]:
    """The fields of a LandmarkTrack from checked entries.

    The rules: every number finite; `fps` one number in FPS_RANGE;
    `frame_size` two whole numbers in FRAME_SIDE_RANGE_PX; `t_s` at least one
    frame, strictly increasing; coordinates within +-COORD_LIMIT; visibility
    in 0..1. A frame has a person (no NaN anywhere) or none (image_xyz all
    NaN; see `_person_frames`); a person with some landmarks NaN is refused,
    since what is missing there cannot be told.
    """
    version = _whole_number(path, raw, "format_version")
    if version > TRACK_FORMAT_VERSION:
        raise PosecheckError(
            f"{path}: track format version {version} is newer than "
            f"this posecheck reads ({TRACK_FORMAT_VERSION}); upgrade"
        )
    if version < 1:
        raise PosecheckError(f"{path}: format_version is {version}; allowed: 1 to {TRACK_FORMAT_VERSION}")
    t_s = _numbers(path, raw, "t_s", ()).astype(np.float64)
    if len(t_s) == 0:
        raise PosecheckError(f"{path}: t_s has no frames; a track needs at least one")
    _check_times(path, t_s)
    image = _numbers(path, raw, "image_xyz", (NUM_LANDMARKS, 3), len(t_s))
    visibility = _numbers(path, raw, "visibility", (NUM_LANDMARKS,), len(t_s))
    world = _numbers(path, raw, "world_xyz", (NUM_LANDMARKS, 3), len(t_s))
    image, visibility, world = _person_frames(path, image, visibility, world)
    _check_within(path, "image_xyz", image, -COORD_LIMIT, COORD_LIMIT)
    _check_within(path, "world_xyz", world, -COORD_LIMIT, COORD_LIMIT)
    _check_within(path, "visibility", visibility, 0.0, 1.0)
    return {
        "t_s": t_s,
        "image_xyz": image.astype(np.float32),
        "visibility": visibility.astype(np.float32),
        "world_xyz": world.astype(np.float32),
        "fps": _fps(path, raw),
        "frame_size": _frame_size(path, raw),
        "model": _text(path, raw, "model"),
        "source": _text(path, raw, "source"),
        "source_duration_s": _source_duration(path, raw, t_s),
        "camera_roll_deg": _camera_roll(path, raw),
        "face_deg": _face(path, raw, ~np.isnan(image[:, 0, 0])),
        "head_dir_deg": _head_dir(path, raw, ~np.isnan(image[:, 0, 0])),
        "text_erased": _flags(path, raw, "text_erased", len(t_s)),
        "shot_start": _flags(path, raw, "shot_start", len(t_s)),
    }


def _flags(path: Path, raw: dict[str, Any], key: str, frames: int) -> npt.NDArray[np.bool_] | None:
    """An optional per-frame flag (`text_erased`, `shot_start`): (T,) true
    or false per frame."""
    if key not in raw:
        return None
    value = _entry(path, raw, key)
    if not (isinstance(value, np.ndarray) and value.dtype == np.bool_ and value.ndim == 1):
        raise PosecheckError(f"{path}: {key} is {_describe(value)}; allowed: an array of true/false of shape (T,)")
    _check_rows(path, key, len(value), frames)
    return value


def _face(path: Path, raw: dict[str, Any], has_person: npt.NDArray[np.bool_]) -> npt.NDArray[np.float32] | None:
    """The optional `face_deg`: (T, 3) degrees within +-180, each row all
    numbers or all NaN (no face read), NaN where there is no person."""
    if "face_deg" not in raw:
        return None
    face = _numbers(path, raw, "face_deg", (3,), len(has_person)).astype(np.float64)
    unread = np.isnan(face)
    part = np.flatnonzero(unread.any(axis=1) & ~unread.all(axis=1))
    if part.size:
        raise PosecheckError(f"{path}: face_deg is part NaN at frame {part[0]}; allowed: three numbers or three NaN")
    return _degrees_read(path, "face_deg", "a face", face, has_person)


def _head_dir(path: Path, raw: dict[str, Any], has_person: npt.NDArray[np.bool_]) -> npt.NDArray[np.float32] | None:
    """The optional `head_dir_deg`: (T,) degrees within +-180 or NaN (not
    read), NaN where there is no person."""
    if "head_dir_deg" not in raw:
        return None
    head = _numbers(path, raw, "head_dir_deg", (), len(has_person)).astype(np.float64)
    return _degrees_read(path, "head_dir_deg", "a head", head, has_person)


def _degrees_read(
    path: Path, key: str, what: str, values: npt.NDArray[np.float64], has_person: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float32]:
    """A reading from the picture's pixels, (T,) or (T, k): NaN where there
    is no person, degrees within +-180 or NaN elsewhere."""
    rows = values[:, None] if values.ndim == 1 else values
    nobody = np.flatnonzero(~np.isnan(rows[:, 0]) & ~has_person)
    if nobody.size:
        raise PosecheckError(f"{path}: {key} has {what} at frame {nobody[0]}, which has no person; allowed: NaN there")
    with np.errstate(invalid="ignore"):
        out = np.argwhere(np.abs(rows) > 180.0)
    if out.size:
        frame, column = out[0]
        raise PosecheckError(
            f"{path}: {key} is {rows[frame, column]:g} at frame {frame}; allowed: degrees, -180 to 180, or NaN"
        )
    return values.astype(np.float32)


def _camera_roll(path: Path, raw: dict[str, Any]) -> float | None:
    """The optional `camera_roll_deg`, within core/level.py's MAX_ROLL_DEG."""
    if "camera_roll_deg" not in raw:
        return None
    allowed = f"one number of degrees, -{MAX_ROLL_DEG:g} to {MAX_ROLL_DEG:g}"
    roll = _scalar(path, raw, "camera_roll_deg", allowed)
    if not -MAX_ROLL_DEG <= roll <= MAX_ROLL_DEG:
        raise PosecheckError(f"{path}: camera_roll_deg is {roll:g}; allowed: {allowed}")
    return roll


def _source_duration(path: Path, raw: dict[str, Any], t_s: npt.NDArray[np.float64]) -> float | None:
    """The optional `duration_s`: the source's length (a strided track's
    last frame may lie well before the end); from the last frame on, at
    most an hour past it."""
    if "duration_s" not in raw:
        return None
    allowed = f"one number of seconds from the last frame ({t_s[-1]:g}) to an hour after it"
    duration = _scalar(path, raw, "duration_s", allowed)
    if not t_s[-1] < duration <= t_s[-1] + 3600.0:
        raise PosecheckError(f"{path}: duration_s is {duration:g}; allowed: {allowed}")
    return duration


def _entry(path: Path, raw: dict[str, Any], key: str) -> Any:
    if key not in raw:
        raise PosecheckError(f"{path}: landmark track has no {key!r} entry")
    return raw[key]


def _describe(value: Any) -> str:
    """A bad value as the user can recognise it, in a few words."""
    if not isinstance(value, np.ndarray):
        return f"raw bytes ({len(value)} bytes, not a numpy array)"
    if value.ndim == 0:
        return repr(value.item())[:60]
    return f"an array of shape {value.shape} ({value.dtype})"


def _is_numeric(value: Any) -> bool:
    """Real numbers: integers or floats; never bools, complex, text or bytes."""
    return isinstance(value, np.ndarray) and value.dtype.kind in "iuf"


def _scalar(path: Path, raw: dict[str, Any], key: str, allowed: str) -> float:
    value = _entry(path, raw, key)
    if not (_is_numeric(value) and value.ndim == 0 and np.isfinite(value)):
        raise PosecheckError(f"{path}: {key} is {_describe(value)}; allowed: {allowed}")
    return float(value)


def _whole_number(path: Path, raw: dict[str, Any], key: str) -> int:
    value = _entry(path, raw, key)
    if not (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu"):
        raise PosecheckError(f"{path}: {key} is {_describe(value)}; allowed: one whole number")
    return int(value)


def _fps(path: Path, raw: dict[str, Any]) -> float:
    lo, hi = FPS_RANGE
    allowed = f"one number of frames per second, {lo:g} to {hi:g}"
    fps = _scalar(path, raw, "fps", allowed)
    if not lo <= fps <= hi:
        raise PosecheckError(f"{path}: fps is {fps:g}; allowed: {allowed}")
    return fps


def _frame_size(path: Path, raw: dict[str, Any]) -> tuple[int, int]:
    lo, hi = FRAME_SIDE_RANGE_PX
    value = _entry(path, raw, "frame_size")
    ok = (
        _is_numeric(value)
        and value.shape == (2,)
        and bool(np.all(np.isfinite(value)))
        and bool(np.all(value == np.round(value)))
        and bool(np.all((value >= lo) & (value <= hi)))
    )
    if not ok:
        shown = value.tolist() if isinstance(value, np.ndarray) and value.size <= 4 else _describe(value)
        raise PosecheckError(
            f"{path}: frame_size is {shown}; allowed: two whole numbers (width, height), {lo} to {hi} pixels"
        )
    return int(value[0]), int(value[1])


def _text(path: Path, raw: dict[str, Any], key: str) -> str:
    value = _entry(path, raw, key)
    if not (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "U"):
        raise PosecheckError(f"{path}: {key} is {_describe(value)}; allowed: one text string")
    return str(value)


def _numbers(
    path: Path, raw: dict[str, Any], key: str, per_frame: tuple[int, ...], frames: int | None = None
) -> npt.NDArray[Any]:
    """An array of real numbers shaped (T, *per_frame); T must equal
    `frames` when given (the length of t_s)."""
    value = _entry(path, raw, key)
    shape = "(" + ", ".join(["T", *map(str, per_frame)]) + (",)" if not per_frame else ")")
    if not (_is_numeric(value) and value.ndim == 1 + len(per_frame) and value.shape[1:] == per_frame):
        raise PosecheckError(f"{path}: {key} is {_describe(value)}; allowed: an array of numbers of shape {shape}")
    if frames is not None:
        _check_rows(path, key, len(value), frames)
    return value


def _check_rows(path: Path, key: str, rows: int, frames: int) -> None:
    """An entry has one row per frame of t_s."""
    if rows != frames:
        raise PosecheckError(
            f"{path}: {key} has {rows} frames but t_s has {frames}; every array needs one row per frame"
        )


def _check_times(path: Path, t_s: npt.NDArray[np.float64]) -> None:
    bad = np.flatnonzero(~np.isfinite(t_s))
    if bad.size:
        raise PosecheckError(
            f"{path}: t_s is {t_s[bad[0]]} at frame {bad[0]}; allowed: finite seconds, strictly increasing"
        )
    back = np.flatnonzero(t_s[1:] <= t_s[:-1])  # a comparison: np.diff could overflow
    if back.size:
        i = int(back[0]) + 1
        raise PosecheckError(
            f"{path}: t_s is not strictly increasing: frame {i} at {t_s[i]:g} s follows {t_s[i - 1]:g} s"
        )


def _person_frames(
    path: Path, image: npt.NDArray[Any], visibility: npt.NDArray[Any], world: npt.NDArray[Any]
) -> tuple[npt.NDArray[Any], ...]:
    """(image_xyz, visibility, world_xyz) with the no-person rule applied.

    image_xyz decides, as `has_pose` reads it: a frame all NaN there has no
    person, and its visibility and world_xyz are set to NaN too (what they
    held is not a person's); a frame with a person has no NaN in any of the
    three. inf is refused everywhere.
    """
    arrays = {"image_xyz": image, "visibility": visibility, "world_xyz": world}
    for key, arr in arrays.items():
        inf = np.argwhere(np.isinf(arr))
        if inf.size:
            frame, landmark = inf[0][:2]
            raise PosecheckError(
                f"{path}: {key} is {arr[tuple(inf[0])]} at frame {frame}, landmark "
                f"{landmark}; allowed: finite numbers, or NaN for a frame with no person"
            )
    image_nan = np.isnan(image.reshape(len(image), -1))
    no_person = image_nan.all(axis=1)
    for key, arr in arrays.items():
        partial = np.flatnonzero(np.isnan(arr.reshape(len(arr), -1)).any(axis=1) & ~no_person)
        if partial.size:
            raise PosecheckError(
                f"{path}: {key} is NaN in part of frame {partial[0]}, a frame with a person "
                "(image_xyz not all NaN); allowed: NaN only in a frame whose image_xyz is "
                "all NaN (no person found)"
            )
    return tuple(
        np.where(no_person.reshape(-1, *[1] * (a.ndim - 1)), np.nan, a.astype(np.float64))
        for a in (image, visibility, world)
    )


def _check_within(path: Path, key: str, arr: npt.NDArray[Any], lo: float, hi: float) -> None:
    with np.errstate(invalid="ignore"):
        out = np.argwhere((arr < lo) | (arr > hi))
    if out.size:
        frame, landmark = out[0][:2]
        raise PosecheckError(
            f"{path}: {key} is {arr[tuple(out[0])]:g} at frame {frame}, landmark {landmark}; allowed: {lo:g} to {hi:g}"
        )
