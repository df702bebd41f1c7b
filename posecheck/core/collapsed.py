"""Pairs of landmarks the model draws together: a misreading, not a pose.

Turning the body foreshortens the shoulders and the ears in the picture,
never in the model's own 3D (world) landmarks: there a shoulder span or an
ear span is about the same for anyone, whatever the pose. In some frames the
model draws both shoulders, or both ears, onto nearly one point (filmed from
behind, it does so in 42 of 621 frames of a real shoulder-circles clip),
and every measure scaled by that span reads nonsense there: a shrug against
the shoulder width read -2284 % for about -65 %. Such a pair is unknown in
that frame (NaN), before the smoothing, so it is not blended into the
frames around it either. Pure: one frame's arrays in, the same arrays out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from posecheck.core.landmarks import landmark_index

# (left, right, the least 3D span in metres the model places for a real
# body). Over 183 tracks (rendered and real) the model placed shoulders
# 0.25-0.37 m apart and ears 0.11-0.17 m (1st to 99th percentile); these
# limits are about half of the usual span. Hips are not checked: the model
# guesses them when they are out of the picture, 0.06-0.30 m.
SPANS_M: tuple[tuple[str, str, float], ...] = (
    ("left_shoulder", "right_shoulder", 0.15),
    ("left_ear", "right_ear", 0.075),
)
_PAIRS = tuple((landmark_index(a), landmark_index(b), span_m) for a, b, span_m in SPANS_M)


def without_collapsed(
    image_xyz: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating], world_xyz: npt.NDArray[np.floating]
) -> tuple[npt.NDArray[np.floating], npt.NDArray[np.floating], npt.NDArray[np.floating]]:
    """One frame's (33, 3) image landmarks, (33,) visibility and (33, 3)
    world landmarks, with each pair of SPANS_M drawn closer than its span
    NaN in all three (the arrays as given when none is)."""
    if not np.any(world_xyz):
        return image_xyz, visibility, world_xyz  # no 3D reading at all (all zeros): nothing to judge by
    collapsed = [
        (a, b) for a, b, span_m in _PAIRS if float(np.linalg.norm(world_xyz[a] - world_xyz[b])) < span_m
    ]  # NaN (nobody in view) compares False
    if not collapsed:
        return image_xyz, visibility, world_xyz
    image_xyz, visibility, world_xyz = image_xyz.copy(), visibility.copy(), world_xyz.copy()
    for pair in collapsed:
        idx = list(pair)
        image_xyz[idx] = np.nan
        visibility[idx] = np.nan
        world_xyz[idx] = np.nan
    return image_xyz, visibility, world_xyz
