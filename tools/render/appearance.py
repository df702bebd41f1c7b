"""Flat colours per triangle: skin, clothes, shoes, hair and face features.

MediaPipe needs a readable person, not a photoreal one: flat colours with
Lambert shading are detected reliably, but a face painted in the hair
colour was seen to collapse the skeleton, so the face, eyes and mouth are
kept distinct. Clothing follows the skinning (the bone that moves a vertex
most decides what covers it); the hair is cut from the head by geometry in
the neutral pose; eyes and mouth come from anny's face segmentation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anny.face_segmentation import get_face_segmentation_mask
from tools.render.body import Body

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Clothes:
    """A clothing colour set; sleeves and trouser legs long or short."""

    name: str
    shirt: RGB
    trousers: RGB
    shoes: RGB
    long_sleeves: bool
    long_trousers: bool


CLOTHES: dict[str, Clothes] = {
    clothes.name: clothes
    for clothes in (
        Clothes("blue_shirt_grey_shorts", (52, 101, 164), (78, 78, 86), (235, 235, 235), False, False),
        Clothes("red_top_khaki_trousers", (176, 46, 58), (184, 160, 112), (45, 40, 38), True, True),
    )
}

EYE_WHITE: RGB = (236, 234, 228)
IRIS: RGB = (58, 40, 30)
MOUTH: RGB = (120, 40, 45)
TONGUE: RGB = (170, 80, 85)
WALL: RGB = (206, 210, 214)
FLOOR: RGB = (150, 138, 124)

_SHIRT_BONES = ("spine", "clavicle", "shoulder01", "upperarm")
_TROUSER_BONES = ("root", "pelvis", "upperleg")


def face_colours(body: Body, clothes: Clothes, rest_vertices: np.ndarray, rest_keypoints: np.ndarray) -> np.ndarray:
    """RGB colour (F, 3) of every triangle of ``body``'s mesh.

    ``rest_vertices`` and ``rest_keypoints`` are one neutral standing pose
    of this body shape, used to place the hairline.
    """
    bones = body.dominant_bones()
    labels = body.keypoints.labels
    colours = np.empty((len(bones), 3), dtype=np.int32)
    colours[:] = body.shape.skin_rgb

    def covered(prefixes: tuple[str, ...]) -> np.ndarray:
        return np.array([label.startswith(prefixes) for label in bones])

    shirt = _SHIRT_BONES + (("lowerarm",) if clothes.long_sleeves else ())
    trousers = _TROUSER_BONES + (("lowerleg",) if clothes.long_trousers else ())
    colours[covered(shirt)] = clothes.shirt
    colours[covered(trousers)] = clothes.trousers
    colours[covered(("foot", "toe"))] = clothes.shoes

    eye_z = rest_keypoints[labels.index("left_eye"), 2]
    ear = rest_keypoints[labels.index("left_ear")]
    x, y, z = rest_vertices.T
    on_head = covered(("head", "neck03"))
    crown = z > eye_z + 0.055
    back = (y > ear[1] + 0.005) & (z > ear[2] - 0.045)
    colours[on_head & (crown | back)] = body.shape.hair_rgb

    # A triangle takes the colour most of its corners have (two equal corners win).
    faces = body.faces
    a, b, c = colours[faces[:, 0]], colours[faces[:, 1]], colours[faces[:, 2]]
    per_face = np.where(np.all(b == c, axis=1)[:, None], b, a)

    for parts, rgb in (
        (["eye_back.L", "eye_back.R", "eye_cavity.L", "eye_cavity.R"], EYE_WHITE),
        (["eye_front.L", "eye_front.R"], IRIS),
        (["mouth_cavity"], MOUTH),
        (["tongue"], TONGUE),
    ):
        mask = get_face_segmentation_mask(body.model, parts).cpu().numpy()
        per_face[mask] = rgb
    return per_face
