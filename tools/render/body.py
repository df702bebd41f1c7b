"""The anny body: shape presets, posing from angle channels, keypoints.

anny 0.6.2 (Apache-2.0, on MakeHuman's CC0 mesh and rig) gives a skinned,
shape-controllable human mesh from torch. We use its default ``Anny()``
model with plain linear-blend skinning (``set_skinning_method('lbs')``: the
same vertices as the warp default, without needing warp kernels), its
``local-ref`` pose parameterisation (per-bone 4x4 deltas in world-aligned
axes at each bone head; the root's delta is its world pose), and its COCO
keypoint regressor, whose joints match MediaPipe's indices for the
landmark sanity check.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

import anny
from tools.render.channels import ANGLE_CHANNELS, TRANSLATION_CHANNELS

NEUTRAL_ARM_ADDUCTION_DEG = 34.0
"""anny's rest pose is an A-pose (upper arm ~42 degrees from vertical);
the neutral standing pose lets the arms hang ~8 degrees from vertical,
clear of the hips, and every channel is 0 there."""

COCO_TO_MEDIAPIPE: dict[str, int] = {
    "nose": 0, "left_eye": 2, "right_eye": 5, "left_ear": 7, "right_ear": 8,
    "left_shoulder": 11, "right_shoulder": 12, "left_elbow": 13, "right_elbow": 14,
    "left_wrist": 15, "right_wrist": 16, "left_hip": 23, "right_hip": 24,
    "left_knee": 25, "right_knee": 26, "left_ankle": 27, "right_ankle": 28,
    "left_heel": 29, "right_heel": 30, "left_big_toe": 31, "right_big_toe": 32,
}
"""anny COCO keypoint label -> MediaPipe pose landmark index."""

ANCHOR_KEYPOINTS: dict[str, tuple[str, str]] = {
    "shoulders": ("left_shoulder", "right_shoulder"),
    "feet": ("left_ankle", "right_ankle"),
}
"""Anchors other than ``root``: the midpoint of these keypoints stays put."""


@dataclass(frozen=True)
class BodyShape:
    """A named anny phenotype (values in [0, 1]) plus the person's own colours."""

    name: str
    phenotype: dict[str, float]
    skin_rgb: tuple[int, int, int]
    hair_rgb: tuple[int, int, int]


# anny's "gender" phenotype: 0 renders a male body, 1 a female one (checked
# on renders; the preset names say what the body looks like).
BODY_SHAPES: dict[str, BodyShape] = {
    shape.name: shape
    for shape in (
        BodyShape("average_man", {"gender": 0.0, "age": 0.5, "weight": 0.5, "muscle": 0.5, "height": 0.5},
                  (224, 182, 152), (70, 45, 30)),
        BodyShape("slim_tall_woman", {"gender": 1.0, "age": 0.55, "weight": 0.2, "muscle": 0.6, "height": 0.85},
                  (198, 150, 112), (30, 25, 22)),
        BodyShape("heavy_older_woman", {"gender": 1.0, "age": 0.8, "weight": 0.9, "muscle": 0.4, "height": 0.45},
                  (232, 190, 165), (150, 145, 140)),
        BodyShape("short_older_man", {"gender": 0.0, "age": 0.85, "weight": 0.7, "muscle": 0.3, "height": 0.15},
                  (150, 105, 75), (60, 55, 52)),
    )
}


def axis_rotations(axis: str, degrees: np.ndarray) -> np.ndarray:
    """Right-handed rotation matrices (N, 3, 3) about a body-frame axis."""
    radians = np.radians(np.asarray(degrees, dtype=float))
    c, s = np.cos(radians), np.sin(radians)
    one, zero = np.ones_like(c), np.zeros_like(c)
    if axis == "x":
        rows = [[one, zero, zero], [zero, c, -s], [zero, s, c]]
    elif axis == "y":
        rows = [[c, zero, s], [zero, one, zero], [-s, zero, c]]
    else:
        rows = [[c, -s, zero], [s, c, zero], [zero, zero, one]]
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)


class Body:
    """One shaped anny body that turns channel values into a posed mesh.

    Posing is batched (many frames per forward call) because the skinning
    is a dense matrix product that is far cheaper per frame in batches.
    """

    def __init__(self, shape: BodyShape, anchor: str = "root") -> None:
        self.shape = shape
        self.anchor = anchor
        self.model = anny.Anny()
        self.model.set_skinning_method("lbs")
        self.keypoints = anny.KeypointsRegressor.coco(self.model)
        self.bone_index = {label: i for i, label in enumerate(self.model.bone_labels)}
        self.faces = self.model.faces.cpu().numpy()
        self._phenotype = {key: torch.tensor([value]) for key, value in shape.phenotype.items()}
        self._anchor_point: np.ndarray | None = None

    def pose_matrices(self, values: dict[str, np.ndarray]) -> torch.Tensor:
        """Per-frame per-bone delta transforms (B, bones, 4, 4) for anny's ``local-ref``.

        Per bone, the summed angle per axis gives D = Rz @ Ry @ Rx (about
        body-frame axes, X first). Two fixed parts of the neutral pose are
        added: the arms' hang (see ``NEUTRAL_ARM_ADDUCTION_DEG``) and, for
        a shrug, the inverse clavicle rotation on the upper arm, so the arm
        keeps hanging straight down while the shoulder rises.
        """
        frames = len(next(iter(values.values())))
        per_bone: dict[str, np.ndarray] = {}
        for name, track in values.items():
            channel = ANGLE_CHANNELS.get(name)
            if channel is None:
                continue
            column = "xyz".index(channel.axis)
            for bone, share in channel.bones:
                angles = per_bone.setdefault(bone, np.zeros((frames, 3)))
                angles[:, column] += channel.sign * share * np.asarray(track, dtype=float)
        for side, sign in (("L", 1.0), ("R", -1.0)):
            arm = per_bone.setdefault(f"upperarm01.{side}", np.zeros((frames, 3)))
            arm[:, 1] += sign * NEUTRAL_ARM_ADDUCTION_DEG
            clavicle = per_bone.get(f"clavicle.{side}")
            if clavicle is not None:
                arm[:, 1] -= clavicle[:, 1]

        deltas = np.tile(np.eye(4), (frames, len(self.bone_index), 1, 1))
        for bone, angles in per_bone.items():
            deltas[:, self.bone_index[bone], :3, :3] = (
                axis_rotations("z", angles[:, 2]) @ axis_rotations("y", angles[:, 1]) @ axis_rotations("x", angles[:, 0])
            )
        for name, column in TRANSLATION_CHANNELS.items():
            if name in values:
                deltas[:, 0, column, 3] = values[name]
        return torch.as_tensor(deltas, dtype=self.model.dtype)

    @torch.no_grad()
    def pose(self, values: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Posed vertices (B, V, 3) and COCO keypoints (B, K, 3) in metres.

        With ``anchor = "shoulders"`` (or ``"feet"``) the body is shifted
        each frame so the mid-shoulder (mid-ankle) point stays where the
        first posed frame (the base pose, see ``pose_base``) put it: a
        bridge pivots on the shoulders and a squat or plank on the feet,
        not on the pelvis where anny's root sits.
        """
        output = self.model(pose_parameters=self.pose_matrices(values), phenotype_kwargs=self._phenotype)
        vertices = output["vertices"].cpu().numpy()
        keypoints = self.keypoints(output).cpu().numpy()
        if self.anchor in ANCHOR_KEYPOINTS:
            labels = self.keypoints.labels
            left, right = ANCHOR_KEYPOINTS[self.anchor]
            mid = 0.5 * (keypoints[:, labels.index(left)] + keypoints[:, labels.index(right)])
            if self._anchor_point is None:
                self._anchor_point = mid[0].copy()
            shift = self._anchor_point - mid
            vertices = vertices + shift[:, None, :]
            keypoints = keypoints + shift[:, None, :]
        return vertices, keypoints

    def pose_base(self, base: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Pose the base posture (one frame) and fix the anchor point from it."""
        self._anchor_point = None
        values = {name: np.array([value]) for name, value in base.items()} or {"head_tilt_deg": np.zeros(1)}
        vertices, keypoints = self.pose(values)
        return vertices[0], keypoints[0]

    def dominant_bones(self) -> np.ndarray:
        """Label of the bone with the largest skinning weight, per vertex."""
        weights = self.model.vertex_bone_weights.cpu().numpy()
        indices = self.model.vertex_bone_indices.cpu().numpy()
        best = indices[np.arange(len(indices)), weights.argmax(axis=1)]
        return np.array(self.model.bone_labels)[best]
