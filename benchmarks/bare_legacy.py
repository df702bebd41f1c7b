"""Bare reference for benchmarks/speed.py: MediaPipe's legacy pose API.

    LEGACY_PYTHON benchmarks/bare_legacy.py CLIP

The field's plain way to run pose on a video: `mp.solutions.pose` (removed
from mediapipe after 0.10.21, so it runs in a venv of its own: see
benchmarks/requirements-legacy.txt), full model (model_complexity=1, the
weights posecheck bundles), one pose tracked from frame to frame, its own
smoothing on. Decode, convert and infer every frame, nothing else; prints
one JSON line. Imports only cv2 and mediapipe: it never sees posecheck.
"""

from __future__ import annotations

import json
import sys

import cv2
import mediapipe as mp


def main() -> int:
    cap = cv2.VideoCapture(sys.argv[1])
    frames = found = 0
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1, enable_segmentation=False) as pose:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            result = pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            frames += 1
            found += result.pose_landmarks is not None
    cap.release()
    print(json.dumps({"api": "legacy", "mediapipe": mp.__version__, "frames": frames, "found": found}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
