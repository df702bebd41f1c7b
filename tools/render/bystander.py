"""The bystander: a second anny body walking across the fixed camera's picture.

The script gives the walk in the camera's horizontal axes, relative to the
exerciser (``motion.Bystander``), because what a clip tests (does a passer-by
steal the track?) depends on where the walker shows in the picture and
whether they pass in front of or behind the exerciser, not on world
coordinates that change with the view. The walker is posed in its own body
frame by the gait channels, turned to face along its path (side-on to a
frontal camera) and put on the exerciser's floor; ``clip.Scene`` draws both
meshes in one painter's pass so whoever is nearer covers the other.
"""
from __future__ import annotations

import math

import numpy as np

from tools.render.appearance import CLOTHES, face_colours
from tools.render.body import BODY_SHAPES, Body, axis_rotations
from tools.render.camera import Camera
from tools.render.motion import Bystander, ScriptError


def _horizontal(vector: np.ndarray) -> np.ndarray:
    flat = np.array([vector[0], vector[1], 0.0])
    return flat / np.linalg.norm(flat)


class Walker:
    """The bystander's shaped body, its colours, and its placement in the scene.

    ``centre_m`` is the centre of the exerciser's base pose (what the camera
    is framed on) and ``floor_z`` the exerciser's floor height; ``mirrored``
    flips the across axis so that + x is the right of the picture as the
    clip shows it.
    """

    def __init__(self, spec: Bystander, camera: Camera, centre_m: np.ndarray, floor_z: float, mirrored: bool) -> None:
        if spec.body not in BODY_SHAPES:
            raise ScriptError(f"[bystander]: body must be one of {sorted(BODY_SHAPES)}, got {spec.body!r}")
        if spec.clothes not in CLOTHES:
            raise ScriptError(f"[bystander]: clothes must be one of {sorted(CLOTHES)}, got {spec.clothes!r}")
        self.spec = spec
        self.body = Body(BODY_SHAPES[spec.body])
        neutral_vertices, neutral_keypoints = self.body.pose_base({})
        self.colours = face_colours(self.body, CLOTHES[spec.clothes], neutral_vertices, neutral_keypoints)
        # The body frame's horizontal centre turns and moves; its height is set per frame.
        centre = (neutral_vertices.min(axis=0) + neutral_vertices.max(axis=0)) / 2
        self._pivot = np.array([centre[0], centre[1], 0.0])
        self._across = _horizontal(camera.right) * (-1.0 if mirrored else 1.0)
        self._origin = np.array([centre_m[0], centre_m[1], 0.0]) + _horizontal(camera.forward) * spec.depth_m
        # Face along the walk: yaw turns the body frame's face direction
        # (-Y) to (sin yaw, -cos yaw), counter-clockwise seen from above.
        heading = self._across * math.copysign(1.0, spec.end_x_m - spec.start_x_m)
        yaw_deg = math.degrees(math.atan2(heading[0], -heading[1]))
        self._rotation = axis_rotations("z", np.array([yaw_deg]))[0]
        self._floor_z = floor_z

    def vertices(self, times_s: np.ndarray) -> np.ndarray:
        """World vertices (B, V, 3) of the walker at ``times_s`` (times inside the walk).

        Each frame is lifted or lowered so its lowest vertex, the stance
        foot, touches the floor: a walker's small rise and fall, with no
        foot through the floor.
        """
        times_s = np.asarray(times_s, dtype=float)
        posed, _ = self.body.pose(self.spec.gait(times_s))
        world = (posed - self._pivot) @ self._rotation.T
        world += self._origin + self._across * self.spec.across_m(times_s)[:, None, None]
        world[..., 2] += self._floor_z - world[..., 2].min(axis=1, keepdims=True)
        return world
