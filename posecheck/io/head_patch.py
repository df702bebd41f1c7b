"""A side-on head's nod, read from the head's own pixels.

Why: seen from the side, a nod turns the head within the picture, and the
pose model places that head from two points (the nose and an ear) that it
reads unsteadily: on rendered side-on clips a still 25 deg look-down read
anywhere from 6 to 18 deg, and a small head far away read a 35 deg bend as
12. MediaPipe's face mesh finds no face in profile (presence below 0.5 on
every rendered side-on frame), so the head's pixels themselves are followed:
a patch of the head is kept from the first side-on frame, and in every later
one OpenCV's ECC alignment (Evangelidis and Psarakis 2008,
`cv2.findTransformECC`) finds the rotation and shift that line the patch up
with the head there. The rotation since the first frame, added to where the
ear-to-nose line pointed then, is the line's direction now: on the rendered
side-on clips within 0.2-0.8 deg of the true nod (1.4-1.9 lying prone or
with a hand on the forehead), where the pose model's line erred 2-10.

The output, per frame, is the picture direction of the ear-to-nose line in
degrees (`atan2(dy, dx)`, image axes, y down), NaN where the head is not
side-on or the patch was not found; core/measures.py reads it for the
side-view head pitch. Costs 0.2-0.4 ms a frame where a head is side-on
(640x480 rendered clips on 2 cores), nothing elsewhere.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.core.landmarks import Landmark
from posecheck.core.measures import HEAD_PITCH_MIN_PROFILE

# The patch's half side over the ear-to-nose length: the skull and face, not
# the neck and shoulders (which do not turn with a nod: a patch twice as wide
# read a far head's 35 deg bend as 23).
HALF_SIDE_PER_PROFILE = 1.2
# The patch is aligned at most this many pixels across (smaller heads as
# they are): the nod's accuracy does not need more, and the cost grows with
# its area.
PATCH_PX = 48
# A head smaller than this (patch pixels across) has too little to align.
MIN_PATCH_PX = 16
# The pose points must be seen this well to place the head.
MIN_VISIBILITY = 0.5
# Where the ear-to-nose line pointed when the patch was taken is the average
# of the pose model's line over the frames read so far (each minus the
# patch's rotation since), fixed after this many: one frame's line is off by
# several degrees.
ANCHOR_FRAMES = 15
# An alignment whose correlation is below this did not find the head (a hand
# over it, a turn toward the camera, a different head after a cut).
MIN_CORRELATION = 0.8
_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)


class HeadPatchTracker:
    """Follows one recording's side-on head, frame after frame (it keeps the
    patch and the last alignment: one tracker per recording or session)."""

    name = "opencv-ecc-head-patch"

    def __init__(self) -> None:
        self._patch: npt.NDArray[np.float32] | None = None
        # Patch pixels per picture pixel, and the patch's side in patch pixels.
        self._scale = 1.0
        self._side = 0
        # The rotation (deg) of the last frame aligned, None when lost.
        self._last_deg: float | None = None
        # Pose line direction minus patch rotation, per frame, to ANCHOR_FRAMES.
        self._anchor: list[complex] = []
        self._anchor_deg = math.nan

    def direction_deg(
        self, rgb: npt.NDArray[np.uint8], image_xyz: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating]
    ) -> float:
        """The ear-to-nose line's picture direction in this frame (module
        doc), NaN where not read. `rgb` is the frame (H, W, 3) uint8;
        `image_xyz` (33, 3) and `visibility` (33,) the pose model's."""
        placed = _place(rgb.shape[1], rgb.shape[0], image_xyz, visibility)
        if placed is None:
            self._last_deg = None
            return math.nan
        centre, profile_px, pose_deg = placed
        if self._patch is None:
            if not self._take_patch(rgb, centre, profile_px):
                return math.nan
            rotation_deg: float | None = 0.0
        else:
            rotation_deg = self._rotation(rgb, centre, pose_deg)
        self._last_deg = rotation_deg
        if rotation_deg is None:
            return math.nan
        if len(self._anchor) < ANCHOR_FRAMES:
            self._anchor.append(
                complex(
                    math.cos(math.radians(pose_deg - rotation_deg)), math.sin(math.radians(pose_deg - rotation_deg))
                )
            )
            mean = sum(self._anchor)
            self._anchor_deg = math.degrees(math.atan2(mean.imag, mean.real))
        return _wrap(self._anchor_deg + rotation_deg)

    def _rotation(self, rgb: npt.NDArray[np.uint8], centre: npt.NDArray[np.float64], pose_deg: float) -> float | None:
        """The head's rotation since the patch was taken, or None: searched
        from the last frame's, or after a frame not read from the pose
        line's turn since then. Always against the first patch, so nothing
        drifts; where the head looks too unlike it (a hand over it, the
        crown of a head hanging down), nothing is read. (Following the
        last frame's patch instead read a still head pressed by a hand
        20 deg off.)"""
        assert self._patch is not None
        if self._last_deg is not None:
            return self._align(rgb, centre, self._last_deg)
        return self._align(rgb, centre, _wrap(pose_deg - self._anchor_deg))

    def _take_patch(self, rgb: npt.NDArray[np.uint8], centre: npt.NDArray[np.float64], profile_px: float) -> bool:
        side_px = 2.0 * HALF_SIDE_PER_PROFILE * profile_px
        if side_px < MIN_PATCH_PX:
            return False
        h, w = rgb.shape[:2]
        half = side_px / 2.0
        if centre[0] - half < 0 or centre[1] - half < 0 or centre[0] + half > w or centre[1] + half > h:
            return False
        self._scale = min(1.0, PATCH_PX / side_px)
        self._side = int(round(side_px * self._scale))
        self._patch = self._region(rgb, centre, self._side)[0]
        return True

    def _region(
        self, rgb: npt.NDArray[np.uint8], centre: npt.NDArray[np.float64], side: int
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.uint8]]:
        """A (side, side) grey float picture of the frame round `centre` at
        the patch's scale (bilinear), and its mask of pixels inside the frame
        (past the edge the border is repeated, which is not the head)."""
        s = self._scale
        to_region = np.array([[s, 0.0, side / 2.0 - s * centre[0]], [0.0, s, side / 2.0 - s * centre[1]]])
        region = cv2.warpAffine(rgb, to_region, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        h, w = rgb.shape[:2]
        along = (np.arange(side) - side / 2.0) / s
        inside_x = (along + centre[0] >= 0) & (along + centre[0] <= w - 1)
        inside_y = (along + centre[1] >= 0) & (along + centre[1] <= h - 1)
        mask = (inside_y[:, None] & inside_x[None, :]).astype(np.uint8)
        return cv2.cvtColor(region, cv2.COLOR_RGB2GRAY).astype(np.float32), mask

    def _align(self, rgb: npt.NDArray[np.uint8], centre: npt.NDArray[np.float64], guess_deg: float) -> float | None:
        """The patch's rotation (deg) that lines it up with the head round
        `centre`, searched from `guess_deg`; None where it is not found."""
        assert self._patch is not None
        n = self._side
        region, inside = self._region(rgb, centre, 2 * n)
        r = math.radians(guess_deg)
        c, s = math.cos(r), math.sin(r)
        # Patch centre (n/2, n/2) onto the region's centre (n, n), turned.
        warp = np.array([[c, -s, n - (c - s) * n / 2.0], [s, c, n - (s + c) * n / 2.0]], np.float32)
        try:
            correlation, found = cv2.findTransformECC(
                self._patch, region, warp, cv2.MOTION_EUCLIDEAN, _CRITERIA, inside, 3
            )
        except cv2.error:
            return None
        if correlation < MIN_CORRELATION:
            return None
        found = np.asarray(found, np.float64)
        return math.degrees(math.atan2(float(found[1, 0]), float(found[0, 0])))


def _place(
    width: int, height: int, image_xyz: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating]
) -> tuple[npt.NDArray[np.float64], float, float] | None:
    """(head centre px, ear-to-nose length px, the pose's line direction
    deg) of a side-on head well seen, else None."""
    if np.isnan(image_xyz[0, 0]):
        return None
    near = Landmark.LEFT_EAR if visibility[Landmark.LEFT_EAR] >= visibility[Landmark.RIGHT_EAR] else Landmark.RIGHT_EAR
    if min(float(visibility[Landmark.NOSE]), float(visibility[near])) < MIN_VISIBILITY:
        return None
    px = np.asarray(image_xyz[:, :2], np.float64) * (width, height)
    nose, ear = px[Landmark.NOSE], px[near]
    mid_ear = (px[Landmark.LEFT_EAR] + px[Landmark.RIGHT_EAR]) / 2.0
    line = nose - mid_ear
    span = float(np.linalg.norm(px[Landmark.LEFT_EAR] - px[Landmark.RIGHT_EAR]))
    profile = float(np.linalg.norm(nose - ear))
    if float(np.hypot(*line)) < HEAD_PITCH_MIN_PROFILE * span:
        return None
    return (nose + ear) / 2.0, profile, math.degrees(math.atan2(line[1], line[0]))


def _wrap(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0
