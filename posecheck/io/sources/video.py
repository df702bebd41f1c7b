"""Reading video files with OpenCV, with one-line errors for bad input.

FFmpeg's own complaints about a broken file ("moov atom not found",
"Invalid NAL unit size", "partial file") are silenced: the decoder runs
with file descriptor 2 sent to /dev/null (sources.base), and FFmpeg's log
level is set to quiet for the process. posecheck says what went wrong in
its own one line instead.
"""

from __future__ import annotations

import math
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.errors import PosecheckError
from posecheck.io.sources.native import native_stderr_silenced

# OpenCV reads this once, at the process's first capture (camera or file;
# none is made before this module is imported): FFmpeg then logs nothing
# (AV_LOG_QUIET), the VideoWriter of `--out` included. Set your own value
# in the environment to see FFmpeg's messages.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")

FRAME_COUNT_SLACK_SHARE = 0.01  # see ended_short
FRAME_COUNT_SLACK_MIN = 2


@dataclass(frozen=True)
class VideoInfo:
    """What a video file says about itself.

    Attributes:
        frame_count: the frame count in the container's header
            (CAP_PROP_FRAME_COUNT); 0 when the header gives none. What a
            whole file holds, not what could be decoded: a file cut short
            keeps its header.
    """

    path: Path
    fps: float
    frame_count: int
    width: int
    height: int


# A timestamp this close to index / fps is that time (float rounding).
SAME_TIME_S = 1e-6
# A step between two frames' timestamps longer than this (and 8 frames at
# the header's rate) is a break in the file, not a slow frame: a phone in
# low light drops to a half or a third of its rate.
MAX_GAP_S = 1.0


class FrameClock:
    """Each frame's time from its container timestamp, in frame order.

    Timed from the first frame's timestamp, a phone that lowers its frame
    rate in low light (a variable frame rate: the header gives the average)
    is timed as it was filmed; where a timestamp is index / fps to the
    microsecond, that is the time (a constant-rate file with a
    sub-millisecond time base reads bit for bit as before). A timestamp that
    does not move on, goes back or leaps ahead by more than MAX_GAP_S (files
    joined with `cat`, a stream restarting at 0 read as a 26 h wrap, a
    container without timestamps) is a break: the frame comes one frame at
    the header's rate after the last, and the timestamps after it count from
    there. Times rise by a whole millisecond at least (MediaPipe's video
    mode takes ms and refuses a repeat).
    """

    def __init__(self, fps: float) -> None:
        self.fps = fps
        self.frame_s = 1.0 / fps
        self._index = 0
        self._first_s = math.nan
        self._last_s = -math.inf
        # Timestamps after a break count from the frame before it.
        self._shift_s = 0.0

    def time_of(self, stamp_s: float) -> float:
        """The next frame's time, given its timestamp (NaN: none)."""
        index, self._index = self._index, self._index + 1
        if index == 0:
            self._first_s, self._last_s = stamp_s, 0.0
            return 0.0
        last, stamp = self._last_s, stamp_s - self._first_s
        nominal = index / self.fps
        if math.isfinite(stamp) and abs(stamp - nominal) <= SAME_TIME_S:
            t = nominal
        elif math.isfinite(stamp) and 0.0 < stamp - self._shift_s - last <= max(MAX_GAP_S, 8 * self.frame_s):
            t = stamp - self._shift_s
        else:
            t = last + self.frame_s
            if math.isfinite(stamp):
                self._shift_s = stamp - t
        if round(t * 1000) <= round(last * 1000):
            t = (round(last * 1000) + 1) / 1000
        self._last_s = t
        return t


class VideoReader:
    """Frames of a video file, each with its time (FrameClock: its own
    timestamp in the file).

    After `frames()` has run to the end, `frames_read` against
    `header_frame_count` tells a whole file from one cut short (`cut_short`):
    a file cut with `head -c` decodes up to the cut and then ends quietly,
    as if it were whole.
    """

    def __init__(self, path: Path) -> None:
        path = Path(path)
        if not path.exists():
            raise PosecheckError(f"{path}: no such file")
        if path.is_dir():
            raise PosecheckError(f"{path}: is a folder, not a video file")
        with native_stderr_silenced():
            cap = cv2.VideoCapture(str(path))
            # A phone held upright stores its pictures on their side and
            # marks the file to be shown turned: read them as shown (OpenCV's
            # default with FFmpeg, set here so it never silently changes).
            cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
            opened = cap.isOpened()
            ok, first = cap.read() if opened else (False, None)
            fps = cap.get(cv2.CAP_PROP_FPS)
            frame_count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
            if not ok or first is None:
                cap.release()
        if not opened:
            raise PosecheckError(f"{path}: cannot open as a video (unknown format or broken file)")
        if not ok or first is None:
            raise PosecheckError(f"{path}: the video has no readable frames (empty or broken)")
        if not math.isfinite(fps) or fps <= 0 or fps > 1000:
            fps = 30.0
        self.info = VideoInfo(
            path=path,
            fps=float(fps),
            frame_count=_frame_count(frame_count),
            width=first.shape[1],
            height=first.shape[0],
        )
        self._cap = cap
        self._first: npt.NDArray[np.uint8] | None = cast("npt.NDArray[np.uint8]", first)
        self._first_stamp_s = self._stamp_s()
        self._frames_read = 1
        self._at_end = False

    @property
    def header_frame_count(self) -> int:
        """Frames the container's header says the file has (0: unknown)."""
        return self.info.frame_count

    @property
    def frames_read(self) -> int:
        """Frames decoded so far: 1 after opening (the first frame is read
        to check the file), all the decodable ones once `at_end`."""
        return self._frames_read

    @property
    def at_end(self) -> bool:
        """`frames()` ran until the decoder had no more frames (not stopped
        early by its caller): `frames_read` is then the file's real count."""
        return self._at_end

    @property
    def cut_short(self) -> bool:
        """At the end, fewer frames were decoded than the header gives (see
        `ended_short`): the file is cut or broken, and only its first
        `frames_read` frames were there to read. False before the end or
        when the header gives no count."""
        return self._at_end and ended_short(self._frames_read, self.header_frame_count)

    @property
    def cut_short_warning(self) -> str | None:
        """The line that tells the user the file was `cut_short` (None when
        it was not): how many of its header's frames could be read."""
        if not self.cut_short:
            return None
        return (
            f"{self.info.path.name}: read {self._frames_read} of the {self.header_frame_count} frames its "
            "header gives (a cut or broken file?): analysed what could be read"
        )

    def frames(self) -> Iterator[tuple[int, float, npt.NDArray[np.uint8]]]:
        """Yield (index, t_s, BGR frame) until the video ends."""
        index = 0
        clock = FrameClock(self.info.fps)
        try:
            while True:
                if self._first is not None:
                    frame, self._first = self._first, None
                else:
                    with native_stderr_silenced():
                        ok, decoded = self._cap.read()
                    if not ok or decoded is None:
                        self._at_end = True
                        return
                    frame = cast("npt.NDArray[np.uint8]", decoded)
                    self._frames_read += 1
                yield index, clock.time_of(self._first_stamp_s if index == 0 else self._stamp_s()), frame
                index += 1
        finally:
            self.close()

    def _stamp_s(self) -> float:
        """The container's timestamp of the frame just decoded (NaN: none)."""
        ms = self._cap.get(cv2.CAP_PROP_POS_MSEC)
        return ms / 1000.0 if math.isfinite(ms) else math.nan

    def close(self) -> None:
        """Release the decoder (its FFmpeg threads)."""
        with native_stderr_silenced():
            self._cap.release()


def ended_short(frames_read: int, header_frame_count: int) -> bool:
    """A video read to its end held fewer frames than its header gives, by
    more than the slack. A header's count is an estimate in some containers
    (from duration x rate): a video that ends this close to it (at most
    FRAME_COUNT_SLACK_SHARE short, or FRAME_COUNT_SLACK_MIN frames) is taken
    as whole. False when the header gives no count (0)."""
    slack = max(FRAME_COUNT_SLACK_MIN, int(FRAME_COUNT_SLACK_SHARE * header_frame_count))
    return header_frame_count > 0 and frames_read + slack < header_frame_count


def _frame_count(value: float) -> int:
    """The header's frame count as an int; 0 for none, negative or not a
    number (some containers give -1 or NaN)."""
    if not math.isfinite(value) or value <= 0:
        return 0
    return int(value)


# Frames decoded ahead of their reader by prefetched_frames.
PREFETCH_FRAMES = 8

F = TypeVar("F")


def prefetched_frames(
    reader: VideoReader,
    convert: Callable[[npt.NDArray[np.uint8]], F],
    stride: int = 1,
) -> Iterator[tuple[int, float, F]]:
    """(index, t_s, convert(BGR frame)) for every `stride`-th frame, decoded
    and converted in a background thread, a few frames ahead of the caller
    (OpenCV releases the GIL while it decodes, so the two overlap).

    Raises:
        PosecheckError: the file breaks part-way (a decode error).
    """
    q: queue.Queue[tuple[int, float, F] | BaseException | None] = queue.Queue(maxsize=PREFETCH_FRAMES)
    stop = threading.Event()

    def work() -> None:
        try:
            for index, t_s, bgr in reader.frames():
                if stop.is_set():
                    return
                if index % stride:
                    continue
                q.put((index, t_s, convert(bgr)))
        except (cv2.error, OSError) as exc:  # a broken file part-way through
            q.put(exc)
        finally:
            q.put(None)

    thread = threading.Thread(target=work, name="posecheck-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise PosecheckError(f"{reader.info.path}: video broken part-way ({item})")
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
