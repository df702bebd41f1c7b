"""Angle channels: the names a motion script moves and the bones they rotate.

Every channel is a rotation (degrees, 0 at the neutral standing pose) about
one axis of the subject's body frame, spread over one or more bones of
anny's default rig. anny's ``local-ref`` pose parameterisation expresses each
bone's delta rotation in world-aligned axes at the bone's head, composed after
its parent's motion, so an axis here is the trunk's (or the limb's) own axis
at that moment: a neck channel is relative to the trunk, as the truth file
promises. The channel value is the total over its bones.

Body frame (anny rest pose): +X is the subject's LEFT, +Y points backwards
(the face looks along -Y), +Z is up. Signs are chosen so that the channel's
documented positive direction comes out; see README.md for the table.

This module is torch-free so that motion scripts can be validated and
mirrored without the body model.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Axis = Literal["x", "y", "z"]

NECK_BONES_TILT = (("neck01", 0.2), ("neck02", 0.2), ("neck03", 0.25), ("head", 0.35))
NECK_BONES_TURN = (("neck01", 0.15), ("neck02", 0.2), ("neck03", 0.25), ("head", 0.4))
NECK_BONES_LOWER = (("neck01", 0.5), ("neck02", 0.5))
SPINE_BONES = tuple((bone, 0.2) for bone in ("spine05", "spine04", "spine03", "spine02", "spine01"))


@dataclass(frozen=True)
class Channel:
    """One scripted degree of freedom.

    ``bones`` pairs a bone label with the share of the channel's angle that
    bone takes (shares add up to 1); ``sign`` maps the channel's positive
    direction onto a right-handed rotation about ``axis``.
    """

    name: str
    axis: Axis
    sign: float
    bones: tuple[tuple[str, float], ...]
    lateral: bool = False
    """True when the channel's sign flips between the subject's sides
    (head tilt, head turn, side bend, body roll/yaw): mirroring a left-side
    template to the right negates it."""


def _sided(stem: str, axis: Axis, left_sign: float, right_sign: float, bone: str) -> list[Channel]:
    return [
        Channel(f"left_{stem}_deg", axis, left_sign, ((f"{bone}.L", 1.0),)),
        Channel(f"right_{stem}_deg", axis, right_sign, ((f"{bone}.R", 1.0),)),
    ]


_CHANNELS: list[Channel] = [
    Channel("head_tilt_deg", "y", +1.0, NECK_BONES_TILT, lateral=True),
    Channel("head_turn_deg", "z", +1.0, NECK_BONES_TURN, lateral=True),
    Channel("head_pitch_deg", "x", +1.0, NECK_BONES_TILT),
    # The lower neck alone: with an equal negative head_pitch_deg the head
    # moves up (lying: off the floor) with the face still pointing the same
    # way, as in a lift with the chin to the ceiling.
    Channel("lower_neck_flexion_deg", "x", +1.0, NECK_BONES_LOWER),
    Channel("trunk_side_bend_deg", "y", +1.0, SPINE_BONES, lateral=True),
    Channel("trunk_flexion_deg", "x", +1.0, SPINE_BONES),
    Channel("body_pitch_deg", "x", +1.0, (("root", 1.0),)),
    Channel("body_roll_deg", "y", +1.0, (("root", 1.0),), lateral=True),
    Channel("body_yaw_deg", "z", +1.0, (("root", 1.0),), lateral=True),
    *_sided("shoulder_elevation", "y", -1.0, +1.0, "clavicle"),
    *_sided("shoulder_flexion", "x", -1.0, -1.0, "upperarm01"),
    *_sided("shoulder_abduction", "y", -1.0, +1.0, "upperarm01"),
    *_sided("shoulder_rotation", "z", -1.0, +1.0, "upperarm01"),
    *_sided("elbow_flexion", "x", -1.0, -1.0, "lowerarm01"),
    *_sided("forearm_inward", "y", -1.0, +1.0, "lowerarm01"),
    *_sided("hip_flexion", "x", -1.0, -1.0, "upperleg01"),
    *_sided("hip_abduction", "y", -1.0, +1.0, "upperleg01"),
    *_sided("knee_flexion", "x", +1.0, +1.0, "lowerleg01"),
    *_sided("ankle_dorsiflexion", "x", -1.0, -1.0, "foot"),
    # Upper body turning on still hips (a thoracic twist); last in the list so
    # the channel order of existing truth files does not change.
    Channel("trunk_twist_deg", "z", +1.0, SPINE_BONES, lateral=True),
    # Thigh turning about the body's long axis, + external (a bent knee falls
    # outward while the foot stays near the midline, as in a supine knee
    # spread); after the others for the same reason.
    *_sided("hip_rotation", "z", +1.0, -1.0, "upperleg01"),
]

ANGLE_CHANNELS: dict[str, Channel] = {channel.name: channel for channel in _CHANNELS}

TRANSLATION_CHANNELS: dict[str, int] = {"body_x_m": 0, "body_y_m": 1, "body_z_m": 2}
"""Whole-body translation in metres along the body-frame axes of the
neutral pose (+x subject's left, +y backwards, +z up): walking out of frame
and back. Not angles, so they are not written to the truth's ``angles``."""

ALWAYS_REPORTED = ("head_tilt_deg", "head_turn_deg", "head_pitch_deg")

ALL_CHANNELS: frozenset[str] = frozenset(ANGLE_CHANNELS) | frozenset(TRANSLATION_CHANNELS)


def mirror_channel(name: str, value: float) -> tuple[str, float]:
    """Map a channel value written for the subject's left side to the right.

    Sided channels swap ``left_``/``right_``; lateral channels (and the
    sideways translation) change sign; sagittal ones are unchanged.
    """
    if name.startswith("left_"):
        return "right_" + name[len("left_"):], value
    if name.startswith("right_"):
        return "left_" + name[len("right_"):], value
    if name == "body_x_m":
        return name, -value
    channel = ANGLE_CHANNELS.get(name)
    if channel is not None and channel.lateral:
        return name, -value
    return name, value


def both_sides(name: str, value: float) -> list[tuple[str, float]]:
    """Apply a left-side template value to both sides at once (``side = both``)."""
    if name.startswith("left_"):
        return [(name, value), ("right_" + name[len("left_"):], value)]
    return [(name, value)]
