"""Where results go: every output checked before any work, and written whole.

A model run on a long video takes minutes; finding out only at the end that
`--out` names a file, or that the disk is full, loses that time and can leave
a half-written report that looks whole. So the CLI checks each output path
before it starts (check_output_dir, check_output_file), and each file is
written to a temporary name beside its final one and renamed into place only
once complete (write_atomically): a crash, a kill or a full disk leaves the
old file or none, never a truncated one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from posecheck.errors import PosecheckError


def _nearest_existing(path: Path) -> Path:
    """The path itself or its nearest ancestor that exists."""
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _check_writable_folder(folder: Path, what: str) -> None:
    if not folder.is_dir():
        raise PosecheckError(f"{what}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PosecheckError(f"{what}: cannot write in {folder} (permission denied)")


def check_output_dir(path: Path, option: str) -> None:
    """An output folder: an existing folder we may write in, or one that can
    be created (the nearest existing ancestor is a writable folder).

    Raises:
        PosecheckError: naming the option and what is wrong.
    """
    what = f"{option} {path}"
    if path.exists() and not path.is_dir():
        raise PosecheckError(f"{what}: exists and is not a folder")
    _check_writable_folder(_nearest_existing(path), what)


def check_output_file(path: Path, option: str, inputs: Iterable[Path] = ()) -> None:
    """An output file: not a folder, not one of the inputs (an analysis must
    never overwrite what it reads), and its folder exists and is writable.

    Raises:
        PosecheckError: naming the option and what is wrong.
    """
    what = f"{option} {path}"
    if path.is_dir():
        raise PosecheckError(f"{what}: is a folder, give a file name")
    if path.exists() and not path.is_file():
        raise PosecheckError(f"{what}: exists and is not a regular file")
    for source in inputs:
        if path.exists() and source.exists() and os.path.samefile(path, source):
            raise PosecheckError(f"{what}: is the input {source}; choose another file")
    parent = path.absolute().parent
    if not parent.exists():
        raise PosecheckError(f"{what}: folder {parent} does not exist")
    _check_writable_folder(parent, what)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed onto `path` when
    the block ends without an error, removed when it fails. The temporary
    name keeps the suffix (writers such as OpenCV's pick the format by it).

    Raises:
        PosecheckError: the file could not be written (a full disk, a
            vanished folder): one line naming the file and the reason.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise PosecheckError(f"{path}: could not write it ({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)


def flush_to_disk(fh: IO[Any]) -> None:
    """Hand a file's buffer to the OS and have it put on disk (fsync): what
    was written survives a crash or a kill (the batch summary's rows, the
    session log's events)."""
    fh.flush()
    os.fsync(fh.fileno())


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Call write(tmp) and move the finished file onto `path` (see atomic_path)."""
    with atomic_path(path) as tmp:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())


def file_sha256(path: Path) -> str:
    """sha256 of a file's content, read in 1 MiB pieces (what a model or a
    batch's input is recorded by)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
