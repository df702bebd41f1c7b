"""A fixed pinhole camera framed on the clip's base pose.

A webcam does not move, so the camera is placed once per clip from the
base (neutral) pose: front, side or behind view, near (upper body for an
upright pose), far (whole body) or head (head and shoulders, as a laptop
webcam at a desk sees a person), an extra yaw about the vertical, and a
slight downward look for lying poses, as a camera on a chair would have.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tools.render.motion import Variant

FOCAL_PX = 560.0
"""About a 60 degree horizontal field of view at 640 px: a typical laptop webcam."""

_FILL = {
    ("near", False): 0.82, ("far", False): 0.62, ("near", True): 0.85, ("far", True): 0.62,
    ("head", False): 0.90, ("head", True): 0.80,
}
"""Share of the frame the framed region spans on its limiting axis, by
(camera distance, lying). Lying head framing leaves more room: a head
lifted off the floor rises out of the base pose's region."""

VIEW_YAW_DEG = {"front": 0.0, "side": 90.0, "side_right": -90.0, "behind": 180.0}
"""Camera azimuth about the vertical, counter-clockwise seen from above, 0 = facing the subject."""

HEAD_RADIUS_M = 0.40
"""``head`` framing: the vertices within this distance of the point half way
between the nose and the mid-shoulder point, and above ``HEAD_CUT_M``. Why:
it is what a laptop webcam at a desk shows, the head and both shoulders with
a small margin and the chest cut at about its middle; a sphere round a point
of the neck, with a cut across the trunk, frames a lying person's head and
shoulders as well as an upright one's, whatever the body's orientation."""

HEAD_CUT_M = 0.15
"""``head`` framing: the framed region stops this far below the mid-shoulder
point along the trunk (hips to shoulders), about the nipple line. Why not
the sphere alone: a sphere large enough to take in both shoulder tips also
reaches the hanging elbows (only ~0.28 m below the shoulders), and with the
margin and the perspective of a close camera they came into the picture."""


@dataclass(frozen=True)
class Camera:
    """Pinhole camera: ``position`` in world metres and an orthonormal basis."""

    position: np.ndarray
    forward: np.ndarray
    right: np.ndarray
    up: np.ndarray
    size: tuple[int, int]
    focal_px: float = FOCAL_PX

    def depth(self, points: np.ndarray) -> np.ndarray:
        return (points - self.position) @ self.forward

    def project(self, points: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """Pixel coordinates (x right, y down) of world points, at ``scale`` x the frame size."""
        rel = points - self.position
        depth = np.maximum(rel @ self.forward, 1e-6)
        f = self.focal_px * scale
        u = self.size[0] * scale / 2 + f * (rel @ self.right) / depth
        v = self.size[1] * scale / 2 - f * (rel @ self.up) / depth
        return np.stack([u, v], axis=-1)


def _basis(forward: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    forward = forward / np.linalg.norm(forward)
    right = np.cross(forward, np.array([0.0, 0.0, 1.0]))
    right /= np.linalg.norm(right)
    return forward, right, np.cross(right, forward)


def frame_camera(
    variant: Variant, vertices: np.ndarray, keypoints: dict[str, np.ndarray], lying: bool, size: tuple[int, int]
) -> Camera:
    """Place the camera for ``variant`` around the base pose ``vertices``.

    ``keypoints`` are the base pose's COCO keypoints by label. The front
    view looks along +Y (at the face); the side view looks at the subject's
    LEFT side (face toward image left), ``side_right`` at the RIGHT side
    (face toward image right), ``behind`` at the back (the subject's left
    on image left); ``yaw_deg`` turns the camera further about the vertical
    (counter-clockwise seen from above: from the front toward the subject's
    left, from behind toward the right). Near frames the upper body (hips
    up) of an upright pose; far and any lying pose frame it all; head frames
    the head and shoulders (``HEAD_RADIUS_M``), upright or lying.
    """
    yaw = math.radians(VIEW_YAW_DEG[variant.view] + variant.yaw_deg)
    elevation = math.radians(variant.elevation_deg if variant.elevation_deg is not None else (12.0 if lying else 0.0))
    toward_camera = np.array([math.sin(yaw) * math.cos(elevation), -math.cos(yaw) * math.cos(elevation), math.sin(elevation)])
    forward, right, up = _basis(-toward_camera)

    region = vertices
    if variant.camera == "near" and not lying:
        region = vertices[vertices[:, 2] > keypoints["left_hip"][2] - 0.12]
    elif variant.camera == "head":
        shoulders = (keypoints["left_shoulder"] + keypoints["right_shoulder"]) / 2
        hips = (keypoints["left_hip"] + keypoints["right_hip"]) / 2
        trunk_up = (shoulders - hips) / np.linalg.norm(shoulders - hips)
        centre = (keypoints["nose"] + shoulders) / 2
        near = np.linalg.norm(vertices - centre, axis=1) < HEAD_RADIUS_M
        region = vertices[near & ((vertices - shoulders) @ trunk_up > -HEAD_CUT_M)]
    fill = _FILL[(variant.camera, lying)]
    low, high = region.min(axis=0), region.max(axis=0)
    target = (low + high) / 2
    across = (region - target) @ right
    upward = (region - target) @ up
    along = (region - target) @ forward
    distance = variant.distance_m
    if distance is None and variant.camera == "head":
        # Exact perspective fit: the closest distance at which every framed
        # vertex projects inside the fill box. The box fit below sizes the
        # box at its nearest depth; at head range the shoulders and arms lie
        # well behind the face and chest, look smaller, and more of them
        # (the elbows) would come into the picture.
        half_w, half_h = fill * size[0] / 2 / FOCAL_PX, fill * size[1] / 2 / FOCAL_PX
        distance = float(np.max(np.maximum(np.abs(across) / half_w, np.abs(upward) / half_h) - along))
    elif distance is None:
        fit_w = (across.max() - across.min()) * FOCAL_PX / (fill * size[0])
        fit_h = (upward.max() - upward.min()) * FOCAL_PX / (fill * size[1])
        distance = max(fit_w, fit_h) + along.max()
    return Camera(position=target - forward * distance, forward=forward, right=right, up=up, size=size)
