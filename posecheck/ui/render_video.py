"""The annotated MP4 of `analyze --out`: the source video with the overlay a
person would see live (ui, since it draws; io only for the frames it reads)."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from posecheck.core.analysis import AnalysisResult
from posecheck.errors import PosecheckError
from posecheck.io.sources.video import VideoReader
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


def write_annotated_video(video: Path, result: AnalysisResult, out: Path, show_progress: bool) -> None:
    """Re-read the video and write it with skeleton, counter, timer and warnings.

    Written under a temporary name and checked before it takes `out`'s name:
    OpenCV's writer reports no write errors, so a full disk used to leave an
    unplayable annotated.mp4 behind a "wrote" line.

    Raises:
        PosecheckError: the video cannot be written whole here.
    """
    from tqdm import tqdm

    reader = VideoReader(video)
    info = reader.info
    track = result.track
    px = track.pixels()
    names = list(result.metrics)
    bar = tqdm(
        desc="annotating",
        total=info.frame_count or None,
        unit="frame",
        disable=not show_progress,
        file=sys.stderr,
        leave=False,
    )
    written = 0
    with atomic_path(out) as tmp:
        writer = cv2.VideoWriter(str(tmp), MP4_FOURCC, info.fps, (info.width, info.height))
        if not writer.isOpened():
            raise PosecheckError(f"{out}: cannot write an MP4 video here")
        try:
            for _, t_s, frame in reader.frames():
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
                writer.write(np.ascontiguousarray(img))
                written += 1
                bar.update(1)
        finally:
            bar.close()
            writer.release()
        _check_video(tmp, out, written)


def _check_video(path: Path, name: Path, frames: int) -> None:
    """The written file opens and holds every frame written to it."""
    cap = cv2.VideoCapture(str(path))
    try:
        held = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0) if cap.isOpened() else 0
    finally:
        cap.release()
    if held != frames:
        raise PosecheckError(f"{name}: could not be written whole ({held} of {frames} frames; is the disk full?)")
