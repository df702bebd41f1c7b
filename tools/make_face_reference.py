"""Write posecheck/models/face_reference.npy: the face a head angle is measured from.

The face mesh model's own reading of a rendered head looking straight into a
level camera (samples/neck_flexion_extension_hold_head_front.mp4, whose
truth gives every head angle as 0 before the first nod), averaged over
those frames after centring and scaling each, so the reference carries the
model's way of placing the points and no one frame's noise.

    python tools/make_face_reference.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posecheck.core.head_pose import REFERENCE_FILE, normalised_face
from posecheck.core.track import LandmarkTrack
from posecheck.io.face_mesh import FaceMeshReader

CLIP = ROOT / "samples" / "neck_flexion_extension_hold_head_front"


def neutral_frames(truth: dict) -> int:
    """How many frames from the start every head angle of the truth is 0."""
    angles = np.array([v for k, v in truth["angles"].items() if k.startswith("head_")], np.float64)
    moving = np.flatnonzero(np.abs(angles).max(axis=0) > 0.0)
    return int(moving[0]) if moving.size else angles.shape[1]


def main() -> None:
    truth = json.loads(CLIP.with_suffix(".truth.json").read_text())
    track = LandmarkTrack.load(CLIP.with_suffix(".npz"))
    reader = FaceMeshReader(check_reference=False)
    video = cv2.VideoCapture(str(CLIP.with_suffix(".mp4")))
    faces = []
    for i in range(neutral_frames(truth)):
        ok, bgr = video.read()
        if not ok:
            break
        mesh = reader.mesh(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), track.image_xyz[i], track.visibility[i])
        if mesh is not None:
            faces.append(normalised_face(mesh))
    if not faces:
        raise SystemExit("no face read in the neutral frames")
    np.save(REFERENCE_FILE, normalised_face(np.mean(faces, axis=0)).astype(np.float32))
    digest = hashlib.sha256(REFERENCE_FILE.read_bytes()).hexdigest()
    print(f"{REFERENCE_FILE}: mean of {len(faces)} frames; set REFERENCE_SHA256 in io/face_mesh.py to {digest}")


if __name__ == "__main__":
    main()
