"""The annotated MP4 of `analyze --out`: the source video with the overlay."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from posecheck.analysis import AnalysisResult
from posecheck.errors import PosecheckError
from posecheck.overlay import annotate
from posecheck.sources.video import VideoReader


def write_annotated_video(video: Path, result: AnalysisResult, out: Path, show_progress: bool) -> None:
    """Re-read the video and write it with skeleton, counter, timer and warnings."""
    from tqdm import tqdm

    reader = VideoReader(video)
    info = reader.info
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), info.fps, (info.width, info.height))
    if not writer.isOpened():
        raise PosecheckError(f"{out}: cannot write an MP4 video here")
    px = result.track.pixels()
    names = list(result.metrics)
    bar = tqdm(desc="annotating", total=len(result.track), unit="frame", disable=not show_progress,
               file=sys.stderr, leave=False)
    try:
        for i, _, frame in reader.frames():
            if i >= len(result.track):
                break
            values = {n: float(result.metrics[n][i]) for n in names}
            img = annotate(frame, result.exercise, result.frame_states[i], px[i],
                           result.track.visibility[i], values, bool(result.usable[i]))
            writer.write(np.ascontiguousarray(img))
            bar.update(1)
    finally:
        bar.close()
        writer.release()
