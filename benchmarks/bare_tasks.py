"""Bare reference for benchmarks/speed.py: MediaPipe's Tasks API, one pose.

    python benchmarks/bare_tasks.py CLIP

The PoseLandmarker as its documentation shows it for a video: VIDEO mode,
one pose (tracked from frame to frame, the detector only when it is
lost), posecheck's bundled full model. Decode, convert and infer every
frame on one thread, nothing else; prints one JSON line. Imports only cv2
and mediapipe (and the path of the bundled model).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import mediapipe as mp
from mediapipe.tasks.python.core.base_options import BaseOptions
from mediapipe.tasks.python.vision import pose_landmarker
from mediapipe.tasks.python.vision.core.vision_task_running_mode import VisionTaskRunningMode

MODEL = Path(__file__).resolve().parents[1] / "posecheck" / "models" / "pose_landmarker_full.task"


def main() -> int:
    cap = cv2.VideoCapture(sys.argv[1])
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    options = pose_landmarker.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(MODEL)),
        running_mode=VisionTaskRunningMode.VIDEO,
        num_poses=1,
    )
    frames = found = 0
    with pose_landmarker.PoseLandmarker.create_from_options(options) as landmarker:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            result = landmarker.detect_for_video(image, round(frames * 1000 / fps))
            frames += 1
            found += bool(result.pose_landmarks)
    cap.release()
    print(json.dumps({"api": "tasks", "mediapipe": mp.__version__, "frames": frames, "found": found}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
