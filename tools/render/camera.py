"""A fixed pinhole camera framed on the clip's base pose.

A webcam does not move, so the camera is placed once per clip from the
base (neutral) pose: front or side view, near (upper body for an upright
pose) or far (whole body), an extra yaw about the vertical, and a slight
downward look for lying poses, as a camera on a chair would have.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tools.render.motion import Variant

FOCAL_PX = 560.0
"""About a 60 degree horizontal field of view at 640 px: a typical laptop webcam."""

_FILL = {("near", False): 0.82, ("far", False): 0.62, ("near", True): 0.85, ("far", True): 0.62}
"""Share of the frame the framed region spans on its limiting axis, by
(camera distance, lying)."""


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


def frame_camera(variant: Variant, vertices: np.ndarray, hip_z: float, lying: bool, size: tuple[int, int]) -> Camera:
    """Place the camera for ``variant`` around the base pose ``vertices``.

    The front view looks along +Y (at the face); the side view looks at the
    subject's LEFT side (face toward image left), ``side_right`` at the
    RIGHT side (face toward image right); ``yaw_deg`` turns the camera further about the
    vertical (positive: toward the subject's left). Near frames the upper
    body (hips up) of an upright pose; far and any lying pose frame it all.
    """
    view_yaw = {"front": 0.0, "side": 90.0, "side_right": -90.0}[variant.view]
    yaw = math.radians(view_yaw + variant.yaw_deg)
    elevation = math.radians(variant.elevation_deg if variant.elevation_deg is not None else (12.0 if lying else 0.0))
    toward_camera = np.array([math.sin(yaw) * math.cos(elevation), -math.cos(yaw) * math.cos(elevation), math.sin(elevation)])
    forward, right, up = _basis(-toward_camera)

    region = vertices
    if variant.camera == "near" and not lying:
        region = vertices[vertices[:, 2] > hip_z - 0.12]
    fill = _FILL[(variant.camera, lying)]
    low, high = region.min(axis=0), region.max(axis=0)
    target = (low + high) / 2
    across = (region - target) @ right
    upward = (region - target) @ up
    along = (region - target) @ forward
    distance = variant.distance_m
    if distance is None:
        fit_w = (across.max() - across.min()) * FOCAL_PX / (fill * size[0])
        fit_h = (upward.max() - upward.min()) * FOCAL_PX / (fill * size[1])
        distance = max(fit_w, fit_h) + along.max()
    return Camera(position=target - forward * distance, forward=forward, right=right, up=up, size=size)
