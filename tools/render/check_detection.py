"""Check that MediaPipe sees rendered clips, and how well its landmarks fit.

Run with the runtime venv (mediapipe, no torch), from the repository root:

    python tools/render/check_detection.py samples/NAME.mp4 ... \\
        --keypoints-dir /tmp/kp --model posecheck/models/pose_landmarker_full.task

For each clip it reports the share of frames with a detected pose, the
mean pixel distance between MediaPipe's landmarks and the renderer's
projected COCO keypoints (written by ``python -m tools.render
--keypoints-dir``), and, for each head or shoulder channel the truth moves,
how a simple 2D measure of it follows the true angle, read from MediaPipe
and from the projected keypoints (slope of measured vs true degrees
through the origin, and correlation). A synthetic clip is only useful if
the model detects it, and the slopes tell what the analyser can expect:
e.g. how much the ear line under-reads a true head tilt.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

MIRROR_PAIRS = ((1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18), (19, 20),
                (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32))
"""MediaPipe left/right landmark pairs. In a mirrored image MediaPipe names
sides by appearance, so its "left" is the subject's anatomical right."""

GROUPS = {"face": (0, 2, 5, 7, 8), "arms": (11, 12, 13, 14, 15, 16), "legs": (23, 24, 25, 26, 27, 28, 29, 30, 31, 32)}


def detect(video: Path, model: Path, num_poses: int = 1) -> np.ndarray:
    """MediaPipe landmarks in pixels (frames, 33, 2); NaN where no pose was found.

    With ``num_poses`` > 1 (posecheck asks for 2, to follow the exerciser
    among bystanders) MediaPipe's video tracking behaves differently and can
    lose a person that one-pose tracking keeps; the first pose is used.
    """
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=num_poses,
    )
    capture = cv2.VideoCapture(str(video))
    fps = capture.get(cv2.CAP_PROP_FPS) or 15.0
    frames: list[np.ndarray] = []
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        index = 0
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            height, width = bgr.shape[:2]
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            result = landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(index * 1000 / fps))
            points = np.full((33, 2), np.nan)
            if result.pose_landmarks:
                points = np.array([[lm.x * width, lm.y * height] for lm in result.pose_landmarks[0]])
            frames.append(points)
            index += 1
    capture.release()
    return np.stack(frames)


def _line_deg(points: np.ndarray, left: int, right: int) -> np.ndarray:
    """Angle of the right->left landmark line, + when the subject's left point is lower."""
    d = points[:, left] - points[:, right]
    return np.degrees(np.arctan2(d[:, 1], np.abs(d[:, 0])))


def measures(points: np.ndarray, view: str) -> dict[str, tuple[str, np.ndarray]]:
    """2D proxies of the head/shoulder channels: name -> (channel, per-frame value).

    ``points`` are in an un-mirrored image, subject facing the camera (front)
    or showing the left side with the face toward image left (side). For
    ``side_right`` the caller flips x so the face points left too, and the
    visible ear is the right one. ``behind`` is measured like ``front`` (the
    line angles do not depend on which side is on the image's left) but
    without the nose, which is hidden.
    """
    shoulders = _line_deg(points, 11, 12)
    out: dict[str, tuple[str, np.ndarray]] = {}
    if view in ("front", "behind"):
        out["ear_line_tilt"] = ("head_tilt_deg", _line_deg(points, 7, 8) - shoulders)
        if view == "front":
            out["eye_line_tilt"] = ("head_tilt_deg", _line_deg(points, 2, 5) - shoulders)
            ear_mid = (points[:, 7] + points[:, 8]) / 2
            ear_span = np.linalg.norm(points[:, 7] - points[:, 8], axis=1)
            out["nose_offset_turn"] = ("head_turn_deg", np.degrees(np.arcsin(np.clip(2 * (points[:, 0, 0] - ear_mid[:, 0]) / (ear_span + 1e-9), -1, 1))))
        for side, ear, shoulder in (("left", 7, 11), ("right", 8, 12)):
            out[f"{side}_ear_shoulder_gap_px"] = (f"{side}_shoulder_elevation_deg", -(points[:, shoulder, 1] - points[:, ear, 1]))
    else:
        ear = 8 if view == "side_right" else 7
        ear_to_nose = points[:, 0] - points[:, ear]
        out["ear_nose_pitch"] = ("head_pitch_deg", np.degrees(np.arctan2(ear_to_nose[:, 1], -ear_to_nose[:, 0])))
    return out


def shoulder_sides(mp_points: np.ndarray, projected: np.ndarray, min_gap_px: float = 20.0) -> dict[str, object]:
    """Does MediaPipe put the subject's left shoulder where it is?

    Per frame, MediaPipe's left/right shoulders (anatomical after the
    mirror swap) are matched to the projected ones as named or crossed,
    whichever is closer. Why: from behind, a model trained mostly on faces
    toward the camera may name sides by appearance, as it does in a mirror;
    lying side views show whether it tells the near shoulder from the far
    one. Frames whose true shoulders are under ``min_gap_px`` apart
    (upright side views) tell nothing and are left out.
    """
    mp_l, mp_r = mp_points[:, 11], mp_points[:, 12]
    true_l, true_r = projected[:, 11], projected[:, 12]
    usable = np.isfinite(mp_l).all(axis=1) & np.isfinite(mp_r).all(axis=1)
    usable &= np.isfinite(true_l).all(axis=1) & np.isfinite(true_r).all(axis=1)
    usable &= np.linalg.norm(true_l - true_r, axis=1) >= min_gap_px
    named = np.linalg.norm(mp_l - true_l, axis=1) + np.linalg.norm(mp_r - true_r, axis=1)
    crossed = np.linalg.norm(mp_l - true_r, axis=1) + np.linalg.norm(mp_r - true_l, axis=1)
    right = int(np.sum(usable & (named < crossed)))
    compared = int(usable.sum())
    verdict = "n/a" if compared == 0 else "sides right" if right == compared else "sides swapped" if right == 0 else "mixed"
    return {"frames_compared": compared, "named_right": right, "verdict": verdict}


def _fit(measured: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Slope through the origin (after removing the neutral offset) and correlation."""
    ok = np.isfinite(measured)
    m, t = measured[ok], truth[ok]
    neutral = np.abs(t) < 0.5
    m = m - (np.median(m[neutral]) if neutral.any() else 0.0)
    slope = float(np.dot(m, t) / max(np.dot(t, t), 1e-9))
    corr = float(np.corrcoef(m, t)[0, 1]) if np.std(t) > 0 and np.std(m) > 0 else float("nan")
    return slope, corr


def check(video: Path, keypoints_dir: Path | None, model: Path, num_poses: int = 1) -> dict[str, object]:
    truth = json.loads(video.with_name(video.stem + ".truth.json").read_text())
    mp_points = detect(video, model, num_poses)
    width = truth["size"][0]
    fps = truth["fps"]
    found = np.isfinite(mp_points[:, 0, 0])
    in_view = np.ones(len(found), dtype=bool)
    for span in truth.get("absent", []):
        in_view[int(round(span["start_s"] * fps)):int(round(span["end_s"] * fps))] = False
    missed = np.flatnonzero(in_view & ~found)
    report: dict[str, object] = {
        "clip": video.name,
        "frames": len(mp_points),
        "detected": int(found.sum()),
        "in_view": int(in_view.sum()),
        "missed_in_view": int(len(missed)),
        "missed_in_view_s": [round(i / fps, 2) for i in missed[:20]],
    }
    if truth["variant"]["mirrored"]:
        # compare anatomical sides: undo MediaPipe's by-appearance naming
        for a, b in MIRROR_PAIRS:
            mp_points[:, [a, b]] = mp_points[:, [b, a]]
        report["mediapipe_sides_swapped_for_mirror"] = True
    coco = None
    if keypoints_dir is not None:
        document = json.loads((keypoints_dir / f"{video.stem}.keypoints.json").read_text())
        projected = np.array(document["frames"])
        coco = np.full((len(projected), 33, 2), np.nan)
        for k, index in enumerate(document["mediapipe_index"]):
            if index is not None:
                coco[:, index] = projected[:, k]
        height = truth["size"][1]
        outside = (coco[..., 0] < 0) | (coco[..., 0] >= width) | (coco[..., 1] < 0) | (coco[..., 1] >= height)
        coco[outside] = np.nan  # keypoints out of the frame are MediaPipe's guesses, not landmarks
        n = min(len(coco), len(mp_points))
        errors = np.linalg.norm(mp_points[:n] - coco[:n], axis=2)
        seen = np.isfinite(errors).any(axis=0)
        report["mean_px_error"] = round(float(np.nanmean(errors)), 1)
        report["mean_px_error_by_group"] = {
            g: round(float(np.nanmean(errors[:, [i for i in ix if seen[i]]])), 1)
            for g, ix in GROUPS.items()
            if seen[list(ix)].any()
        }
        per_landmark = {i: float(np.nanmean(errors[:, i])) for i in np.flatnonzero(seen)}
        report["worst_landmarks_px"] = {
            int(i): round(per_landmark[i], 1) for i in sorted(per_landmark, key=per_landmark.get, reverse=True)[:3]
        }
        report["shoulder_sides"] = shoulder_sides(mp_points[:n], coco[:n])
    fits: dict[str, dict[str, float]] = {}
    sources = {"mediapipe": mp_points} | ({"projected": coco} if coco is not None else {})
    for source, points in sources.items():
        # side_right shows the face toward image right: flip it like a mirror
        if truth["variant"]["mirrored"] != (truth["variant"]["view"] == "side_right"):
            points = points.copy()
            points[..., 0] = width - points[..., 0]
        for name, (channel, values) in measures(points, truth["variant"]["view"]).items():
            true = np.array(truth["angles"].get(channel, []))
            if len(true) == len(values) and np.ptp(true) > 5:
                slope, corr = _fit(values, true)
                fits.setdefault(name, {})[f"{source}_slope"] = round(slope, 3)
                fits[name][f"{source}_corr"] = round(corr, 3)
    report["angle_fits"] = fits
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="MediaPipe detection and landmark check for rendered clips")
    parser.add_argument("videos", nargs="+", type=Path)
    parser.add_argument("--keypoints-dir", type=Path)
    parser.add_argument("--model", type=Path, default=Path("posecheck/models/pose_landmarker_full.task"))
    parser.add_argument("--num-poses", type=int, default=1, help="MediaPipe num_poses (posecheck extract uses 2)")
    args = parser.parse_args(argv)
    for video in args.videos:
        print(json.dumps(check(video, args.keypoints_dir, args.model, args.num_poses)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
