"""Native libraries' own stderr lines kept from the user (FFmpeg, TFLite, glog)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

# Threads inside native_stderr_silenced() now, and the real stderr kept
# meanwhile; guarded by the lock (the decoder thread and the model thread
# are inside at once, and only the last one out may restore fd 2).
_silence_lock = threading.Lock()
_silence_depth = 0
_saved_stderr_fd: int | None = None


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null while native code runs.

    FFmpeg (through OpenCV), TFLite and MediaPipe print their own lines
    straight to fd 2 ("moov atom not found", "Invalid NAL unit size", glog
    "W0000 ... landmark_projection_calculator"): the user should see
    posecheck's one line, not theirs. Python exceptions raised inside
    propagate unchanged, and fd 2 is restored however the block ends.

    Re-entrant and thread-safe: fd 2 is process-wide, so while any thread
    is inside, everything written to fd 2 (Python's sys.stderr included)
    goes to /dev/null; the last thread out restores it. Keep the blocks
    around native calls only.
    """
    global _silence_depth, _saved_stderr_fd
    with _silence_lock:
        if _silence_depth == 0:
            _saved_stderr_fd = _redirect_fd2_to_devnull()
        _silence_depth += 1
    try:
        yield
    finally:
        with _silence_lock:
            _silence_depth -= 1
            if _silence_depth == 0 and _saved_stderr_fd is not None:
                os.dup2(_saved_stderr_fd, 2)
                os.close(_saved_stderr_fd)
                _saved_stderr_fd = None


def user_stderr() -> TextIO:
    """A text stream to the user's stderr that stays visible while other
    threads are inside native_stderr_silenced() (a progress bar drawn while
    the model runs on every core would otherwise go to /dev/null). Close it
    when done: it holds a duplicate of the descriptor."""
    with _silence_lock:
        fd = os.dup(_saved_stderr_fd if _saved_stderr_fd is not None else 2)
    return os.fdopen(fd, "w", buffering=1, encoding=getattr(sys.stderr, "encoding", None) or "utf-8")


def _redirect_fd2_to_devnull() -> int | None:
    """Point fd 2 at /dev/null; the duplicate of the old fd 2 to restore,
    or None when that cannot be done (no fd 2: nothing to silence)."""
    try:
        sys.stderr.flush()  # what Python wrote before still reaches the user
    except (AttributeError, OSError, ValueError):
        pass  # no usable sys.stderr (None, or closed): nothing to flush
    try:
        saved = os.dup(2)
    except OSError:
        return None
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
        finally:
            os.close(devnull)
    except OSError:
        os.close(saved)
        return None
    return saved
