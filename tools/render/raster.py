"""Painter's-algorithm rasteriser: no GPU, no extra renderer dependency.

anny's mesh has ~27k small triangles, so sorting them far-to-near and
filling each (after back-face culling) gives a correct-looking image
without a depth buffer. Lambert shading with a light from above the camera
gives the shape cues a pose model relies on; 2x supersampling smooths the
edges. About 50-70 ms a frame at 640x480 on one core.
"""
from __future__ import annotations

import cv2
import numpy as np

from tools.render.appearance import FLOOR, WALL
from tools.render.camera import Camera

SUPERSAMPLE = 2
_SUBPIXEL_BITS = 3
AMBIENT = 0.42
DIFFUSE = 0.58


def _backdrop(camera: Camera, floor_z: float, scale: int) -> np.ndarray:
    """Wall above the horizon, floor below the projected floor plane's horizon."""
    width, height = camera.size[0] * scale, camera.size[1] * scale
    image = np.empty((height, width, 3), dtype=np.uint8)
    image[:] = WALL[::-1]
    # Project a far floor rectangle; whatever lies below its far edge is floor.
    far = camera.position + camera.forward * 60.0
    corners = np.array([
        far + camera.right * 200.0, far - camera.right * 200.0,
        camera.position + camera.forward * 0.3 - camera.right * 200.0,
        camera.position + camera.forward * 0.3 + camera.right * 200.0,
    ])
    corners[:, 2] = floor_z
    if np.all(camera.depth(corners) > 0):
        polygon = np.round(camera.project(corners, scale) * (1 << _SUBPIXEL_BITS)).astype(np.int32)
        cv2.fillConvexPoly(image, polygon, FLOOR[::-1], lineType=cv2.LINE_AA, shift=_SUBPIXEL_BITS)
    return image


def render_frame(vertices: np.ndarray, faces: np.ndarray, colours_rgb: np.ndarray, camera: Camera, floor_z: float) -> np.ndarray:
    """One BGR frame of the mesh ``vertices`` (V, 3) with per-face RGB colours."""
    scale = SUPERSAMPLE
    image = _backdrop(camera, floor_z, scale)
    pixels = camera.project(vertices, scale)
    depth = camera.depth(vertices)

    tri_px = pixels[faces]
    edge1, edge2 = tri_px[:, 1] - tri_px[:, 0], tri_px[:, 2] - tri_px[:, 0]
    # anny's faces wind counter-clockwise seen from outside; with y pointing
    # down in the image, a visible face has a negative signed area.
    visible = (edge1[:, 0] * edge2[:, 1] - edge1[:, 1] * edge2[:, 0]) < 0
    visible &= depth[faces].min(axis=1) > 0.05

    tri = vertices[faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True) + 1e-12
    light = -camera.forward + 0.6 * camera.up - 0.3 * camera.right
    light /= np.linalg.norm(light)
    shade = AMBIENT + DIFFUSE * np.clip(normals @ light, 0.0, 1.0)
    shaded = np.clip(colours_rgb[:, ::-1] * shade[:, None], 0, 255).astype(np.int32)

    order = np.flatnonzero(visible)
    order = order[np.argsort(-depth[faces[order]].mean(axis=1))]
    points = np.round(tri_px[order] * (1 << _SUBPIXEL_BITS)).astype(np.int32)
    for polygon, colour in zip(points, shaded[order].tolist()):
        cv2.fillConvexPoly(image, polygon, colour, lineType=cv2.LINE_8, shift=_SUBPIXEL_BITS)
    return cv2.resize(image, camera.size, interpolation=cv2.INTER_AREA)
