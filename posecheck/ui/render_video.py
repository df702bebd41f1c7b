"""The annotated MP4 of `analyze --out`: the source video with the overlay a
person would see live (ui, since it draws; io only for the frames it reads)."""

from __future__ import annotations

import queue
import sys
import threading
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.core.analysis import AnalysisResult
from posecheck.errors import PosecheckError
from posecheck.io.sources.native import user_stderr
from posecheck.io.sources.video import VideoReader, prefetched_frames
from posecheck.outputs import atomic_path
from posecheck.ui.overlay import annotate

MP4_FOURCC = cv2.VideoWriter.fourcc(*"mp4v")  # the codec of annotated.mp4


def track_rows_for_frames(frame_t_s: np.ndarray, track_t_s: np.ndarray) -> np.ndarray:
    """Per source frame, the analysed track row to draw on it (the last row at
    or before the frame), or -1 past the analysed part.

    Every source frame is kept: with `--stride 2` the track has every other
    frame, and the frames between show the state of the row before them (the
    overlay then comes from the right time, not from frame i of the track).
    The video ends one track step after the last analysed row (a
    `--pain-at` analysis ends there).
    """
    rows = np.searchsorted(track_t_s, frame_t_s + 1e-9, side="right") - 1
    step_s = float(np.median(np.diff(track_t_s))) if len(track_t_s) > 1 else 0.0
    past = frame_t_s > track_t_s[-1] + max(step_s, 1e-9) - 1e-6
    return np.where(past, -1, np.maximum(rows, 0))


class _EncoderThread:
    """Encodes frames into a cv2.VideoWriter in its own thread, a few frames
    behind the caller (OpenCV releases the GIL while it encodes), so decoding,
    drawing and encoding run at once."""

    QUEUE_FRAMES = 8

    def __init__(self, writer: cv2.VideoWriter) -> None:
        self._writer = writer
        self._q: queue.Queue[npt.NDArray[np.uint8] | None] = queue.Queue(maxsize=self.QUEUE_FRAMES)
        self._discard = threading.Event()
        self._error: cv2.error | None = None
        self._thread = threading.Thread(target=self._run, name="posecheck-encode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (img := self._q.get()) is not None:
            if self._discard.is_set() or self._error is not None:
                continue
            try:
                self._writer.write(img)
            except cv2.error as exc:
                self._error = exc

    def put(self, img: npt.NDArray[np.uint8]) -> None:
        if self._error is not None:
            raise PosecheckError(f"annotated video: the encoder failed ({self._error})")
        self._q.put(img)

    def close(self, finish: bool) -> None:
        """Wait for the thread; with finish=False the frames still queued are
        dropped (the file is being thrown away: an error or Ctrl-C)."""
        if not finish:
            self._discard.set()
        self._q.put(None)
        self._thread.join()
        if finish and self._error is not None:
            raise PosecheckError(f"annotated video: the encoder failed ({self._error})")


def _bgr(frame: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    return frame


def write_annotated_video(
    video: Path, result: AnalysisResult, out: Path, show_progress: bool, keep_rows: set[int] | None = None
) -> dict[int, npt.NDArray[np.uint8]]:
    """Read the video again and write it with skeleton, counter, timer and
    warnings: decoding (a thread), drawing (here) and encoding (a thread)
    overlap.

    The video is read twice (once for the model, once here) because the
    overlay of a frame is known only after the whole recording has been
    analysed: the view and the rest level come from all of it (look-ahead).

    Written under a temporary name and checked before it takes `out`'s name:
    OpenCV's writer reports no write errors, so a full disk used to leave an
    unplayable annotated.mp4 behind a "wrote" line.

    Returns the annotated frames of the track rows in `keep_rows` (the first
    source frame drawn with each; report.html's rep thumbnails).

    Raises:
        PosecheckError: the video cannot be written whole here.
    """
    from tqdm import tqdm

    kept: dict[int, npt.NDArray[np.uint8]] = {}

    reader = VideoReader(video)
    info = reader.info
    track = result.track
    px = track.pixels()
    names = list(result.metrics)
    written = 0
    with atomic_path(out) as tmp:
        rate = _output_rate(info.fps, track.t_s, track.fps)
        writer = cv2.VideoWriter(str(tmp), MP4_FOURCC, rate, (info.width, info.height))
        if not writer.isOpened():
            raise PosecheckError(f"{out}: cannot write an MP4 video here")
        # The decoder's native log is silenced on fd 2 while it runs: the
        # bar writes to the user's stderr itself.
        stream = user_stderr() if show_progress else sys.stderr
        bar = tqdm(
            desc="annotating",
            total=info.frame_count or None,
            unit="frame",
            disable=not show_progress,
            file=stream,
            leave=False,
        )
        encoder = _EncoderThread(writer)
        finished = False
        # Each frame is written when the next one's time is known: as often
        # as output ticks fall before it (see _output_rate).
        last: tuple[float, npt.NDArray[np.uint8]] | None = None
        try:
            for _, t_s, frame in prefetched_frames(reader, _bgr):
                j = int(track_rows_for_frames(np.array([t_s]), track.t_s)[0])
                if j < 0:
                    break
                values = {n: float(result.metrics[n][j]) for n in names}
                img = annotate(
                    frame,
                    result.exercise,
                    result.frame_states[j],
                    px[j],
                    track.visibility[j],
                    values,
                    bool(result.usable[j]),
                )
                img = np.ascontiguousarray(img)
                if keep_rows and j in keep_rows and j not in kept:
                    kept[j] = img.copy()
                if last is not None:
                    for _ in range(max(1, round(t_s * rate) - round(last[0] * rate))):
                        encoder.put(last[1])
                        written += 1
                last = (t_s, img)
                bar.update(1)
            if last is not None:
                encoder.put(last[1])
                written += 1
            finished = True
        finally:
            encoder.close(finish=finished)
            bar.close()
            if stream is not sys.stderr:
                stream.close()
            writer.release()
        _check_video(tmp, out, written)
    return kept


def _output_rate(header_fps: float, track_t_s: np.ndarray, track_fps: float) -> float:
    """Frames a second to write the annotated video at. A constant-rate
    source: its own rate, frame for frame. A variable one (a phone in low
    light; the header gives the average): the rate of its usual frame,
    each frame written as many times as it lasts, so the drawn timer keeps
    time where the source slowed down (at the average rate, the full-rate
    parts played 20% slow and the half-rate part 60% fast)."""
    steps = np.diff(np.asarray(track_t_s, np.float64))
    if len(steps) == 0:
        return header_fps
    stride = max(1, round(header_fps / track_fps))
    usual_s = float(np.median(steps)) / stride
    if usual_s <= 0 or abs(usual_s * header_fps - 1.0) < 1e-6:
        return header_fps
    return 1.0 / usual_s


def _check_video(path: Path, name: Path, frames: int) -> None:
    """The written file opens and holds every frame written to it."""
    cap = cv2.VideoCapture(str(path))
    try:
        held = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0) if cap.isOpened() else 0
    finally:
        cap.release()
    if held != frames:
        raise PosecheckError(f"{name}: could not be written whole ({held} of {frames} frames; is the disk full?)")
