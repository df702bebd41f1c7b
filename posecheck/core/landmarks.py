"""The 33 MediaPipe pose landmarks, by name, the skeleton drawn over them, and
`Frames`: their coordinates over T frames, as measures and metrics read them.

Exercise files refer to landmarks by these lowercase names, never by index.
"Left" and "right" are the subject's own sides, as MediaPipe labels them on
an unmirrored image. A name without its side ("knee") takes a metric's side;
"mid_<sided name>" (mid_hip) is the midpoint of the two sides.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from posecheck.core import geometry as g
from posecheck.core.head_pose import levelled_angles_deg
from posecheck.core.level import level_px, level_world, unlevel_px

FloatArray = npt.NDArray[np.float64]


class Landmark(IntEnum):
    """MediaPipe pose landmark indices (BlazePose topology)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


NUM_LANDMARKS = len(Landmark)
LANDMARK_NAMES: tuple[str, ...] = tuple(m.name.lower() for m in Landmark)

# Names that exist on both sides without their prefix ("knee" -> left_knee /
# right_knee); exercise files may use them together with a metric's `side`.
SIDED_NAMES: tuple[str, ...] = tuple(n[len("left_") :] for n in LANDMARK_NAMES if n.startswith("left_"))

CONNECTIONS: tuple[tuple[Landmark, Landmark], ...] = (
    (Landmark.LEFT_EAR, Landmark.LEFT_EYE),
    (Landmark.LEFT_EYE, Landmark.NOSE),
    (Landmark.NOSE, Landmark.RIGHT_EYE),
    (Landmark.RIGHT_EYE, Landmark.RIGHT_EAR),
    (Landmark.MOUTH_LEFT, Landmark.MOUTH_RIGHT),
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW),
    (Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW),
    (Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.LEFT_KNEE),
    (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL),
    (Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_FOOT_INDEX),
    (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE),
    (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL),
    (Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_FOOT_INDEX),
)


def _swap_name(name: str) -> str:
    if name.startswith("left_"):
        return "right_" + name[len("left_") :]
    if name.startswith("right_"):
        return "left_" + name[len("right_") :]
    if name == "mouth_left":
        return "mouth_right"
    if name == "mouth_right":
        return "mouth_left"
    return name


# LEFT_RIGHT_SWAP[i] is the index of landmark i's mirror twin: indexing a
# (..., 33, k) array with it relabels a mirrored image's landmarks.
LEFT_RIGHT_SWAP: tuple[int, ...] = tuple(LANDMARK_NAMES.index(_swap_name(n)) for n in LANDMARK_NAMES)


_INDEX = {n: i for i, n in enumerate(LANDMARK_NAMES)}


def landmark_index(name: str) -> int:
    """Index of a landmark given its lowercase MediaPipe name.

    Raises:
        KeyError: the name is not one of the 33 landmarks.
    """
    return _INDEX[name]


def resolve_landmark(name: str, side: str) -> str:
    """The full landmark name for `name` on `side` ("knee", "left" -> "left_knee").

    Virtual midpoints are written "mid_<sided name>" (mid_hip, mid_shoulder).
    """
    if name.startswith("mid_"):
        return name
    if name in SIDED_NAMES:
        return f"{side}_{name}"
    return name


def is_valid_landmark_name(name: str) -> bool:
    """True for a landmark name an exercise file may use (full, sided or mid_)."""
    if name.startswith("mid_"):
        return name[len("mid_") :] in SIDED_NAMES
    return name in LANDMARK_NAMES or name in SIDED_NAMES


# A point this far (in picture widths/heights) outside the picture is off it.
OFF_FRAME_MARGIN = 0.02
# Body segments that give the picture's scale (Frames.px_per_m).
SCALE_SEGMENTS = (
    ("left_shoulder", "right_shoulder"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_hip", "right_hip"),
    ("left_hip", "left_knee"),
    ("right_hip", "right_knee"),
    ("left_shoulder", "left_elbow"),
    ("right_shoulder", "right_elbow"),
)


@dataclass(frozen=True)
class Frames:
    """The landmark arrays metrics read, for T frames.

    Attributes:
        px: (T, 33, 2) image coordinates in pixels (y down).
        world: (T, 33, 3) world coordinates in metres.
        visibility: (T, 33) visibility 0..1.
        size: (width, height) of the picture in pixels; when known, points
            placed off it make the metrics that read them NaN.
        roll_deg: the camera's roll `px` and `world` were turned back from
            (core/level.py; `levelled` makes them), so that the picture's
            edges are found where they were.
        face_deg: (T, 3) the head's turn, pitch and tilt read from the face
            mesh (core/head_pose.py), NaN in a frame where no face was
            read; None when the track has none (extracted without it). As
            the picture shows it; `face_levelled` is what the measures read.
        face_gap: (T,) frames where the face was not read but was shortly
            before (head_pose.face_gaps): the face measures are unknown
            there rather than the pose model's reading. None: no gaps.
        head_dir_deg: (T,) a side-on head's ear-to-nose direction in the
            picture read from its pixels (core/head_profile.py), NaN where
            not read; None when the track has none. As the picture shows it.
        head_dir_gap: (T,) as face_gap, for head_dir_deg.
    """

    px: FloatArray
    world: FloatArray
    visibility: FloatArray
    size: tuple[int, int] | None = None
    roll_deg: float = 0.0
    face_deg: FloatArray | None = None
    face_gap: npt.NDArray[np.bool_] | None = None
    head_dir_deg: FloatArray | None = None
    head_dir_gap: npt.NDArray[np.bool_] | None = None

    @classmethod
    def levelled(
        cls,
        px: FloatArray,
        world: FloatArray,
        visibility: FloatArray,
        size: tuple[int, int],
        roll_deg: float | None,
        face_deg: FloatArray | None = None,
        face_gap: npt.NDArray[np.bool_] | None = None,
        head_dir_deg: FloatArray | None = None,
        head_dir_gap: npt.NDArray[np.bool_] | None = None,
    ) -> Frames:
        """Frames of landmarks as the picture shows them, turned to level by
        the camera's roll (None or 0: as they are)."""
        roll = roll_deg or 0.0
        return cls(
            level_px(px, size, roll),
            level_world(world, roll),
            visibility,
            size,
            roll,
            face_deg,
            face_gap,
            head_dir_deg,
            head_dir_gap,
        )

    @functools.cached_property
    def face_levelled(self) -> FloatArray | None:
        """(T, 3) the face mesh's turn, pitch and tilt as a level camera would
        read them (head_pose.levelled_angles_deg); None without face_deg."""
        if self.face_deg is None:
            return None
        return levelled_angles_deg(self.face_deg, self.roll_deg)

    @functools.cached_property
    def px_per_m(self) -> FloatArray:
        """(T,) the picture's scale at the person, pixels per metre of body:
        the second largest over SCALE_SEGMENTS of image length over world
        length (a segment turned toward the lens only looks shorter, so the
        longer-looking ones give the scale, and one outlier is ignored).
        NaN without world landmarks."""
        a = [landmark_index(x) for x, _ in SCALE_SEGMENTS]
        b = [landmark_index(y) for _, y in SCALE_SEGMENTS]
        image = np.sqrt(((self.px[:, a] - self.px[:, b]) ** 2).sum(axis=2))
        world = np.sqrt(((self.world[:, a] - self.world[:, b]) ** 2).sum(axis=2))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios = np.where(world > 0.05, image / world, -np.inf)
        # The second largest of the eight (a cheap 80th percentile, per
        # frame live); a frame with fewer than two known: NaN.
        known = np.sort(np.nan_to_num(ratios, nan=-np.inf), axis=1)[:, -2]
        return np.where(np.isfinite(known), known, np.nan)

    @functools.cached_property
    def in_picture(self) -> npt.NDArray[np.bool_]:
        """(T, 33) landmarks inside the picture (within OFF_FRAME_MARGIN);
        all True when the size is unknown."""
        if self.size is None:
            return np.ones(self.px.shape[:2], bool)
        size = np.asarray(self.size, np.float64)
        px = unlevel_px(self.px, self.size, self.roll_deg)
        with np.errstate(invalid="ignore"):
            inside = (px >= -OFF_FRAME_MARGIN * size) & (px <= (1.0 + OFF_FRAME_MARGIN) * size)
        return np.all(inside, axis=2)

    def point(self, name: str, space: str) -> FloatArray:
        """(T, 2) pixels or (T, 3) metres of one landmark; "mid_<sided name>" is the
        midpoint of its left and right landmarks."""
        arr = self.px if space == "image" else self.world
        if name.startswith("mid_"):
            base = name[len("mid_") :]
            return g.midpoint(arr[:, landmark_index("left_" + base)], arr[:, landmark_index("right_" + base)])
        return arr[:, landmark_index(name)]

    def visibility_of(self, name: str) -> FloatArray:
        """(T,) visibility of one landmark; of a "mid_" point, the lower of its two."""
        if name.startswith("mid_"):
            base = name[len("mid_") :]
            return np.minimum(
                self.visibility[:, landmark_index("left_" + base)],
                self.visibility[:, landmark_index("right_" + base)],
            )
        return self.visibility[:, landmark_index(name)]
