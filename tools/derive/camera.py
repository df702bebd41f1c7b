"""A camera that is not level, in a room with vertical lines.

A phone propped on a shelf or held by hand is often a few degrees off level;
every elevation the picture shows is then off by that much. posecheck finds
the roll from the room's vertical lines (posecheck/core/level.py). The
renders stand before a flat wall, which shows none: `room_lines` paints a
door frame and a window's bars on the wall (only where the wall shows, so
they pass behind the person), and `rotated` turns the picture by the roll,
either with black corners (a video turned in an editor) or cropped to fill
the frame (a tilted phone). The truth stays the level camera's: the body's
angles are what they were; only the picture turned, and undoing that is
posecheck's job.
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np

from tools.derive.frames import Frame, compose

# A pixel this close (per channel, 0-255) to the wall's colour is wall.
WALL_TOLERANCE = 14
LINE_COLOUR = (70, 62, 58)  # BGR: a dark wooden frame


def room_lines(frames: list[Frame], xs: list[float], width_px: int) -> list[Frame]:
    """Vertical lines at these shares of the picture's width, on the wall
    (the colour of the picture's top-left corner in the first frame)."""
    wall = frames[0].image[2, 2].astype(np.int16)
    out = []
    for f in frames:
        painted = f.image.copy()
        w = f.image.shape[1]
        for x in xs:
            cx = int(round(x * w))
            cv2.rectangle(painted, (cx - width_px // 2, 0), (cx + width_px // 2, f.image.shape[0]), LINE_COLOUR, -1)
        is_wall = np.all(np.abs(f.image.astype(np.int16) - wall) <= WALL_TOLERANCE, axis=2)
        out.append(replace(f, image=np.where(is_wall[..., None], painted, f.image)))
    return out


def rotated(frames: list[Frame], roll_deg: float, corners: str) -> tuple[list[Frame], float]:
    """The frames turned by roll_deg (counter-clockwise on screen) about the
    centre: `corners` "black" keeps the size of the picture (black corners),
    "crop" enlarges it just enough to fill the frame. Returns the frames and
    the scale used."""
    h, w = frames[0].image.shape[:2]
    theta = math.radians(abs(roll_deg))
    if corners == "black":
        scale = 1.0
    elif corners == "crop":
        scale = math.cos(theta) + max(w, h) / min(w, h) * math.sin(theta)
    else:
        raise ValueError(f"corners must be 'black' or 'crop', not {corners!r}")
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), roll_deg, scale)
    return [
        replace(
            f,
            image=cv2.warpAffine(f.image, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0)),
            to_px=compose(m, f.to_px),
        )
        for f in frames
    ], scale
