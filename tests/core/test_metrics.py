"""Metric definitions on hand-built landmark frames with known answers."""

import math
import tomllib

import numpy as np
import pytest

from posecheck.core.landmarks import NUM_LANDMARKS, Frames
from posecheck.core.landmarks import Landmark as L
from posecheck.core.measures import head_reads
from posecheck.core.metrics import MetricDef, baseline_of, change_from, evaluate_metrics
from posecheck.spec import parse_exercise


def frames(
    points: dict[L, tuple[float, float]],
    vis: dict[L, float] | None = None,
    world: dict[L, tuple[float, float, float]] | None = None,
) -> Frames:
    px = np.full((1, NUM_LANDMARKS, 2), np.nan)
    w = np.full((1, NUM_LANDMARKS, 3), np.nan)
    v = np.ones((1, NUM_LANDMARKS))
    for k, p in points.items():
        px[0, k] = p
    for k, p in (world or {}).items():
        w[0, k] = p
    for k, x in (vis or {}).items():
        v[0, k] = x
    return Frames(px=px, world=w, visibility=v)


def value(f: Frames, **kw) -> float:
    out = evaluate_metrics(f, (MetricDef(name="m", **kw),))
    return float(out["m"][0])


def _left_bent_right_straight(joint: tuple[L, L, L, L, L, L], right_x: float = 0.0) -> dict[L, tuple[float, float]]:
    """Points of a joint (left end, middle, end; then the right side's) bent
    90 deg on the left and straight (180) on the right, `right_x` across."""
    la, lb, lc, ra, rb, rc = joint
    return {la: (0, 0), lb: (0, 10), lc: (10, 10), ra: (right_x, 0), rb: (right_x, 10), rc: (right_x, 20)}


def test_joint_angle_by_side_and_visible_side():
    pts = _left_bent_right_straight((L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE))
    f = frames(pts)
    assert value(f, joint=("hip", "knee", "ankle"), side="left") == pytest.approx(90)
    assert value(f, joint=("hip", "knee", "ankle"), side="right") == pytest.approx(180)
    assert value(f, joint=("hip", "knee", "ankle"), side="mean") == pytest.approx(135)
    # "visible" takes the side the model sees better, frame by frame.
    f_left_hidden = frames(pts, vis={L.LEFT_KNEE: 0.1})
    assert value(f_left_hidden, joint=("hip", "knee", "ankle"), side="visible") == pytest.approx(180)


def test_min_and_max_sides_take_one_of_the_two_or_the_one_known():
    # A curl of one arm: the bent elbow is the smaller angle, whichever arm.
    pts = _left_bent_right_straight(
        (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST), right_x=20
    )
    elbow = ("shoulder", "elbow", "wrist")
    assert value(frames(pts), joint=elbow, side="min") == pytest.approx(90)
    assert value(frames(pts), joint=elbow, side="max") == pytest.approx(180)
    # The left wrist out of a 30 px wide picture: its angle is unknown, the
    # right one is read (where a combine of the two would be unknown).
    f = frames(pts)
    f = Frames(px=f.px, world=f.world, visibility=f.visibility, size=(30, 30))
    f.px[0, L.LEFT_WRIST] = (40, 10)
    assert value(f, joint=elbow, side="min") == pytest.approx(180)


def test_head_tilt_sign_is_toward_subjects_left():
    # Front view, unmirrored: the subject's left is the image right. Tilting
    # toward the left shoulder lowers the left eye (larger y).
    base = {L.RIGHT_SHOULDER: (200, 300), L.LEFT_SHOULDER: (400, 300)}
    level = frames({**base, L.RIGHT_EYE: (280, 100), L.LEFT_EYE: (320, 100)})
    left = frames({**base, L.RIGHT_EYE: (280, 100), L.LEFT_EYE: (320, 120)})
    right = frames({**base, L.RIGHT_EYE: (280, 120), L.LEFT_EYE: (320, 100)})
    assert value(level, measure="head_tilt_deg") == pytest.approx(0.0)
    assert value(left, measure="head_tilt_deg") > 20
    assert value(right, measure="head_tilt_deg") < -20
    assert value(right, measure="head_tilt_deg", negate=True) > 20


def test_head_tilt_reads_the_face_mesh_where_it_was_read():
    """The face mesh's tilt (against the picture's level) replaces the eye
    line; it is taken against the picture axis nearest the shoulder line (a
    shoulder raised 5 deg by a hand does not move it), levelled by the
    camera's roll; NaN in face_deg falls back to the eye line."""
    pts = {L.RIGHT_SHOULDER: (200, 300), L.LEFT_SHOULDER: (400, 317.5), L.RIGHT_EYE: (280, 100), L.LEFT_EYE: (320, 100)}
    f = frames(pts)
    face = np.array([[0.0, 0.0, 12.0]])
    faced = Frames(px=f.px, world=f.world, visibility=f.visibility, face_deg=face)
    assert value(faced, measure="head_tilt_deg") == pytest.approx(12.0)
    # Lying on the side: the shoulder line near vertical, the face turned 90.
    lying = {L.RIGHT_SHOULDER: (300, 400), L.LEFT_SHOULDER: (310, 200), L.RIGHT_EYE: (100, 320), L.LEFT_EYE: (100, 280)}
    g = frames(lying)
    on_side = Frames(px=g.px, world=g.world, visibility=g.visibility, face_deg=np.array([[0.0, 0.0, -80.0]]))
    assert value(on_side, measure="head_tilt_deg") == pytest.approx(10.0)
    # A camera turned 4 deg: the face reads 4 deg off level, and is levelled.
    rolled = Frames(px=f.px, world=f.world, visibility=f.visibility, roll_deg=4.0, face_deg=np.array([[0.0, 0.0, 8.0]]))
    assert value(rolled, measure="head_tilt_deg") == pytest.approx(12.0)
    unread = Frames(px=f.px, world=f.world, visibility=f.visibility, face_deg=np.full((1, 3), np.nan))
    assert value(unread, measure="head_tilt_deg") == pytest.approx(value(f, measure="head_tilt_deg"))
    # Just after a frame where the face was read: unknown, not the eye line
    # (which reads a few degrees apart: a step in a still head).
    gap = Frames(f.px, f.world, f.visibility, face_deg=np.full((1, 3), np.nan), face_gap=np.array([True]))
    assert math.isnan(value(gap, measure="head_tilt_deg"))


def test_head_pitch_front_reads_the_face_mesh_while_facing():
    base = {L.LEFT_EAR: (360, 100), L.RIGHT_EAR: (240, 100), L.NOSE: (300, 110)}
    f = frames(base)
    faced = Frames(px=f.px, world=f.world, visibility=f.visibility, face_deg=np.array([[0.0, 21.0, 0.0]]))
    assert value(faced, measure="head_pitch_front_deg") == pytest.approx(21.0)
    side_on = frames({**base, L.NOSE: (500, 110)})  # ear-to-nose past one ear span
    turned = Frames(px=side_on.px, world=side_on.world, visibility=side_on.visibility, face_deg=faced.face_deg)
    assert math.isnan(value(turned, measure="head_pitch_front_deg"))


def test_head_turn_face_is_the_face_mesh_turn_where_read_and_the_pose_elsewhere():
    """Not the pose's nose-and-ears turn where the mesh read the face: a hand
    at the temple moves those points (presses read 13-16 deg, the mesh 4-8);
    the pose's where it did not (a far camera), unknown just after it did
    (a step between the two is no movement)."""
    base = {L.LEFT_EAR: (360, 100), L.RIGHT_EAR: (240, 100), L.NOSE: (330, 110)}  # the pose: turned
    f = frames(base)
    pose = value(f, measure="head_turn_deg")
    assert pose > 10
    faced = Frames(px=f.px, world=f.world, visibility=f.visibility, face_deg=np.array([[4.0, 0.0, 0.0]]))
    assert value(faced, measure="head_turn_face_deg") == pytest.approx(4.0)
    for unread in (f, Frames(px=f.px, world=f.world, visibility=f.visibility, face_deg=np.full((1, 3), np.nan))):
        assert value(unread, measure="head_turn_face_deg") == pytest.approx(pose)
    gap = Frames(f.px, f.world, f.visibility, face_deg=np.full((1, 3), np.nan), face_gap=np.array([True]))
    assert math.isnan(value(gap, measure="head_turn_face_deg"))
    assert head_reads([parse_exercise(tomllib.loads(TURN_ONLY), "t.toml")]).face


# An exercise whose only face measure is head_turn_face_deg: the mesh is read.
TURN_ONLY = """
schema = 1
id = "t"
title = "t"
kind = "reps"
position = "seated"
camera_view = "front"
regions = ["neck"]
instructions = "x"
required = []
[metrics]
turn = { measure = "head_turn_face_deg", relative = true }
[reps]
metric = "turn"
neutral = 5.0
end = 20.0
"""


def test_head_turn_sign_and_size_from_nose_offset():
    # Front view: chin toward the subject's left moves the nose to the image right.
    a = math.radians(30)
    span = 100 * math.cos(a)
    depth = 0.65 * 100
    turned = frames(
        {
            L.RIGHT_EAR: (300 - span / 2, 100),
            L.LEFT_EAR: (300 + span / 2, 100),
            L.NOSE: (300 + depth * math.sin(a), 110),
        }
    )
    assert value(turned, measure="head_turn_deg") == pytest.approx(30.0, abs=1e-6)
    facing = frames({L.RIGHT_EAR: (250, 100), L.LEFT_EAR: (350, 100), L.NOSE: (300, 110)})
    assert value(facing, measure="head_turn_deg") == pytest.approx(0.0)


def _head_turned(turn_deg: float, shoulders: bool = True) -> Frames:
    """A front-view head turned `turn_deg` (the ear span shrinks with cos,
    crossing past profile; the nose moves with sin) above level shoulders."""
    a = math.radians(turn_deg)
    span, depth = 100 * math.cos(a), 0.65 * 100
    points = {
        L.RIGHT_EAR: (300 - span / 2, 100),
        L.LEFT_EAR: (300 + span / 2, 100),
        L.NOSE: (300 + depth * math.sin(a), 110),
    }
    if shoulders:
        points |= {L.RIGHT_SHOULDER: (200, 300), L.LEFT_SHOULDER: (400, 300)}
    return frames(points)


def test_head_turn_reads_on_past_profile_where_the_ears_cross():
    # A camera off to one side, the head turned away from it: past profile the
    # far ear crosses over. Folded at 90, a head starting back from 100 deg
    # read as still turning further (a hold timed 0.6 s long).
    readings = [value(_head_turned(t), measure="head_turn_deg") for t in (-115, -100, -85, 85, 100, 115)]
    assert readings == pytest.approx([-115, -100, -85, 85, 100, 115], abs=1e-6)
    # Without the shoulders to say which way the ear line points, the span is
    # taken as it looks: 100 reads as 80, as before.
    assert value(_head_turned(100, shoulders=False), measure="head_turn_deg") == pytest.approx(80.0, abs=1e-6)
    # Turned further than HEAD_TURN_MAX_DEG the face looks away: no reading.
    assert math.isnan(value(_head_turned(150), measure="head_turn_deg"))


def test_distance_ratio_and_combine():
    f = frames({L.LEFT_KNEE: (0, 0), L.RIGHT_KNEE: (30, 0), L.LEFT_HIP: (0, 0), L.RIGHT_HIP: (20, 0)})
    assert value(f, distance=("left_knee", "right_knee"), per=("left_hip", "right_hip")) == pytest.approx(150)
    out = evaluate_metrics(
        f,
        (
            MetricDef(name="a", segment=("left_knee", "right_knee"), reference="horizontal"),
            MetricDef(name="b", elevation=("left_hip", "right_hip")),
            MetricDef(name="c", combine="max", of=("a", "b")),
        ),
    )
    assert out["c"][0] == pytest.approx(0.0)


def test_midpoint_landmarks():
    f = frames({L.LEFT_SHOULDER: (0, 0), L.RIGHT_SHOULDER: (20, 0), L.LEFT_HIP: (0, 100), L.RIGHT_HIP: (20, 100)})
    assert value(f, segment=("mid_hip", "mid_shoulder"), reference="vertical") == pytest.approx(0.0)
    assert value(f, measure="trunk_incline_deg") == pytest.approx(0.0)


def test_hip_line_reads_above_180_when_hips_rise_over_the_line():
    base = {L.LEFT_SHOULDER: (0, 100), L.LEFT_KNEE: (200, 60)}
    below = frames({**base, L.LEFT_HIP: (100, 100)})
    straight = frames({**base, L.LEFT_HIP: (100, 80)})
    above = frames({**base, L.LEFT_HIP: (100, 60)})
    assert value(below, measure="hip_line_deg", side="left") < 170
    assert value(straight, measure="hip_line_deg", side="left") == pytest.approx(180, abs=1e-6)
    assert value(above, measure="hip_line_deg", side="left") > 190
    # Mirrored scene (facing the other way) reads the same.
    mirrored = frames({L.LEFT_SHOULDER: (200, 100), L.LEFT_KNEE: (0, 60), L.LEFT_HIP: (100, 60)})
    assert value(mirrored, measure="hip_line_deg", side="left") == pytest.approx(
        value(above, measure="hip_line_deg", side="left")
    )


def _from_above(head_right: bool, shoulder_turn_deg: float) -> Frames:
    """Shoulders of a person on hands and knees seen from above, across the
    picture, the shoulder line turned `shoulder_turn_deg` toward the
    subject's left (as in quadruped_side_walk)."""
    a = math.radians(shoulder_turn_deg)
    # Subject's frame: x toward the head, y toward the subject's left, seen from above.
    pts = {
        L.LEFT_SHOULDER: (100 - 20 * math.sin(a), 20 * math.cos(a)),
        L.RIGHT_SHOULDER: (100 + 20 * math.sin(a), -20 * math.cos(a)),
    }
    # Into the image (y down): head right puts the subject's left at the top; head left, at the bottom.
    sign = 1 if head_right else -1
    return frames({k: (300 + sign * x, 200 - sign * y) for k, (x, y) in pts.items()})


@pytest.mark.parametrize("head_right", [True, False])
def test_a_line_seen_from_above_turns_the_same_way_whichever_way_the_person_faces(head_right):
    line = {"segment": ("left_shoulder", "right_shoulder"), "reference": "horizontal"}
    straight = value(_from_above(head_right, 0.0), **line)
    assert straight == pytest.approx(-90.0 if head_right else 90.0)
    assert value(_from_above(head_right, 20.0), **line) - straight == pytest.approx(20.0)
    assert value(_from_above(head_right, -20.0), **line) - straight == pytest.approx(-20.0)


def test_missing_landmarks_give_nan():
    f = frames({L.LEFT_HIP: (0, 0)})
    assert math.isnan(value(f, joint=("left_hip", "left_knee", "left_ankle")))


def test_baseline_of_a_direction_is_taken_round_the_circle():
    # A shoulder line pointing left reads 179 and -179 in turn: 2 deg apart.
    assert abs(baseline_of([179.0, -179.0, 179.5, -178.0, 180.0], direction=True)) == pytest.approx(180.0)
    assert baseline_of([179.0, -179.0, 179.5], direction=False) == pytest.approx(179.0)
    assert math.isnan(baseline_of([math.nan], direction=True))
    turned = change_from(np.array([-170.0, 170.0, 179.0]), 179.0, direction=True)
    assert turned == pytest.approx([11.0, -9.0, 0.0])
    # Not a direction: a plain difference (a joint angle never wraps).
    assert change_from(np.array([10.0]), 170.0, direction=False) == pytest.approx([-160.0])


def test_directions_are_segments():
    assert MetricDef(name="m", segment=("left_shoulder", "right_shoulder")).is_direction
    assert not MetricDef(name="m", between=("left_hip", "right_hip", "mid_hip", "mid_shoulder")).is_direction
    assert not MetricDef(name="m", joint=("hip", "knee", "ankle")).is_direction


def test_head_pitch_is_nan_when_the_face_points_at_the_camera():
    body = {L.LEFT_SHOULDER: (120, 200), L.RIGHT_SHOULDER: (80, 200), L.LEFT_HIP: (115, 320), L.RIGHT_HIP: (85, 320)}
    # Facing the camera: ears 40 px apart, the nose 3 px below their middle.
    facing = frames({**body, L.LEFT_EAR: (120, 120), L.RIGHT_EAR: (80, 120), L.NOSE: (100, 123)})
    assert math.isnan(value(facing, measure="head_pitch_deg"))
    # Side-on: ears nearly on top of each other, the nose 30 px in front.
    side = frames({**body, L.LEFT_EAR: (100, 120), L.RIGHT_EAR: (96, 120), L.NOSE: (128, 122)})
    assert abs(value(side, measure="head_pitch_deg")) < 10


def test_a_point_off_the_picture_makes_the_metric_nan():
    pts = {L.LEFT_HIP: (100, 100), L.LEFT_KNEE: (100, 200), L.LEFT_ANKLE: (150, 290)}
    f = frames(pts)
    inside = Frames(px=f.px, world=f.world, visibility=f.visibility, size=(320, 300))
    assert not math.isnan(
        float(
            evaluate_metrics(
                inside, (MetricDef(name="m", joint=("left_hip", "left_knee", "left_ankle"), side="left"),)
            )["m"][0]
        )
    )
    # The ankle guessed below the picture's bottom edge: unknown, not a guess.
    cut = Frames(px=f.px, world=f.world, visibility=f.visibility, size=(320, 240))
    assert math.isnan(
        float(
            evaluate_metrics(cut, (MetricDef(name="m", joint=("left_hip", "left_knee", "left_ankle"), side="left"),))[
                "m"
            ][0]
        )
    )


def test_visible_reads_the_side_nearer_the_camera_when_depth_tells_them_apart():
    # Side-on close-up: the model rates both sides equally visible, and the
    # far side (its shoulder hidden) reads a different angle.
    pts = {
        L.LEFT_SHOULDER: (100, 100),
        L.LEFT_EAR: (140, 100),  # 0 deg
        L.RIGHT_SHOULDER: (100, 100),
        L.RIGHT_EAR: (140, 60),
    }  # 45 deg up
    lift = {"elevation": ("shoulder", "ear"), "side": "visible"}
    near_left = {
        L.LEFT_SHOULDER: (0, 0, -0.1),
        L.LEFT_EAR: (0, 0, -0.1),
        L.RIGHT_SHOULDER: (0, 0, 0.1),
        L.RIGHT_EAR: (0, 0, 0.1),
    }
    # The right side seen a little better: depth still picks the near left.
    f = frames(pts, vis={L.LEFT_EAR: 0.9}, world=near_left)
    assert value(f, **lift) == pytest.approx(0.0)
    near_right = {k: (0, 0, -z) for k, (_, _, z) in near_left.items()}
    assert value(frames(pts, vis={L.RIGHT_EAR: 0.9}, world=near_right), **lift) == pytest.approx(45.0)
    # Facing the camera (both sides at one depth): the better-seen side.
    level = {k: (0, 0, 0.01 if k in (L.RIGHT_SHOULDER, L.RIGHT_EAR) else 0.0) for k in near_left}
    assert value(frames(pts, vis={L.LEFT_EAR: 0.9}, world=level), **lift) == pytest.approx(45.0)


def test_a_distance_to_a_point_off_the_picture_is_far_not_unknown():
    # Head-and-shoulders framing: the hands lowered below the bottom edge
    # are the model's guess, but they are not at the mouth, which is in view.
    pts = {
        L.MOUTH_LEFT: (160, 100),
        L.LEFT_WRIST: (150, 330),
        L.LEFT_SHOULDER: (220, 200),
        L.RIGHT_SHOULDER: (100, 200),
    }
    f = frames(pts)
    cut = Frames(px=f.px, world=f.world, visibility=f.visibility, size=(320, 240))
    hand = MetricDef(name="m", distance=("left_wrist", "mouth_left"), per=("left_shoulder", "right_shoulder"))
    assert float(evaluate_metrics(cut, (hand,))["m"][0]) == pytest.approx(100 * math.hypot(10, 230) / 120)
    # Both measured points outside, or the scale outside: unknown.
    both = Frames(px=f.px, world=f.world, visibility=f.visibility, size=(320, 90))
    assert math.isnan(float(evaluate_metrics(both, (hand,))["m"][0]))
    narrow = Frames(px=f.px, world=f.world, visibility=f.visibility, size=(200, 400))
    assert math.isnan(float(evaluate_metrics(narrow, (hand,))["m"][0]))


def test_a_reading_on_a_barely_seen_landmark_is_not_seen_for_the_safety_rules():
    from posecheck.core.metrics import metric_seen

    pts = {
        L.LEFT_SHOULDER: (100, 100),
        L.LEFT_ELBOW: (100, 150),
        L.LEFT_WRIST: (140, 150),
        L.RIGHT_SHOULDER: (100, 100),
        L.RIGHT_ELBOW: (100, 150),
        L.RIGHT_WRIST: (140, 150),
    }
    elbow = MetricDef(name="elbow_deg", joint=("shoulder", "elbow", "wrist"), side="visible")
    seen = frames(pts, vis={L.RIGHT_SHOULDER: 0.1, L.RIGHT_ELBOW: 0.1, L.RIGHT_WRIST: 0.1})
    assert metric_seen(seen, elbow, {"elbow_deg": elbow}, 0.5)[0]
    # The better-seen side's wrist is a guess (0.3): the reading is not seen.
    guessed = frames(pts, vis={L.LEFT_WRIST: 0.3, L.RIGHT_SHOULDER: 0.1, L.RIGHT_ELBOW: 0.1, L.RIGHT_WRIST: 0.1})
    assert not metric_seen(guessed, elbow, {"elbow_deg": elbow}, 0.5)[0]
    # A midpoint needs one of its two landmarks.
    trunk = MetricDef(name="t", segment=("mid_hip", "mid_shoulder"))
    one_hip = frames({L.LEFT_HIP: (100, 200), L.RIGHT_HIP: (100, 200), **pts}, vis={L.RIGHT_HIP: 0.1})
    assert metric_seen(one_hip, trunk, {"t": trunk}, 0.5)[0]


def test_an_angle_of_a_limb_pointing_at_the_lens_is_nan():
    # A standing body 100 px per metre; the left upper arm 0.3 m long.
    px = {
        L.LEFT_SHOULDER: (100, 100),
        L.RIGHT_SHOULDER: (60, 100),
        L.LEFT_HIP: (100, 150),
        L.RIGHT_HIP: (60, 150),
        L.LEFT_KNEE: (100, 195),
        L.RIGHT_KNEE: (60, 195),
        L.RIGHT_ELBOW: (60, 130),
    }
    world = {
        L.LEFT_SHOULDER: (0.2, 0.0, 0.0),
        L.RIGHT_SHOULDER: (-0.2, 0.0, 0.0),
        L.LEFT_HIP: (0.2, 0.5, 0.0),
        L.RIGHT_HIP: (-0.2, 0.5, 0.0),
        L.LEFT_KNEE: (0.2, 0.95, 0.0),
        L.RIGHT_KNEE: (-0.2, 0.95, 0.0),
        L.RIGHT_ELBOW: (-0.2, 0.3, 0.0),
    }
    arm = MetricDef(name="m", elevation=("left_shoulder", "left_elbow"), side="left")
    # Seen from the side: the arm's 30 px in the picture are its 0.3 m.
    side = frames({**px, L.LEFT_ELBOW: (130, 100)}, world={**world, L.LEFT_ELBOW: (0.5, 0.0, 0.0)})
    assert value_of(side, arm) == pytest.approx(0.0, abs=1e-6)
    # Pointing at the lens: 0.3 m long, 3 px in the picture: no direction.
    end_on = frames({**px, L.LEFT_ELBOW: (102, 98)}, world={**world, L.LEFT_ELBOW: (0.2, 0.0, -0.3)})
    assert math.isnan(value_of(end_on, arm))


def value_of(f: Frames, m: MetricDef) -> float:
    return float(evaluate_metrics(f, (m,))["m"][0])


def _side_head(pitch_deg: float, facing: int, lying: bool = False) -> Frames:
    """A head seen side-on, only head and shoulders in the picture: the
    face line (ear -> nose, 40 px) turned `pitch_deg` chin-down from level,
    facing the image right (+1) or left (-1); upright, or the whole picture
    turned 90 deg (lying on the back, head to the image left)."""
    a = math.radians(pitch_deg)
    ear = np.array([200.0, 200.0])
    nose = ear + 40.0 * np.array([facing * math.cos(a), math.sin(a)])
    shoulder = ear + np.array([0.0, 80.0])
    pts = {
        L.LEFT_EAR: ear,
        L.RIGHT_EAR: ear,
        L.NOSE: nose,
        L.LEFT_SHOULDER: shoulder,
        L.RIGHT_SHOULDER: shoulder + [2.0, 0.0],
    }
    if lying:  # rotate the picture: "down" (toward the feet) becomes image right
        pts = {k: (200.0 + (p[1] - 200.0), 200.0 - (p[0] - 200.0)) for k, p in pts.items()}
    return frames({k: tuple(p) for k, p in pts.items()})


@pytest.mark.parametrize("facing, lying", [(1, False), (-1, False), (1, True), (-1, True)])
def test_head_pitch_from_the_shoulders_needs_no_hips(facing, lying):
    level = value(_side_head(0.0, facing, lying), measure="head_pitch_shoulders_deg")
    down = value(_side_head(25.0, facing, lying), measure="head_pitch_shoulders_deg")
    up = value(_side_head(-20.0, facing, lying), measure="head_pitch_shoulders_deg")
    assert down - level == pytest.approx(25.0)
    assert up - level == pytest.approx(-20.0)


def test_head_pitch_front_reads_degrees_of_nod():
    from posecheck.core.measures import HEAD_NOD_GAIN, HEAD_TURN_DEPTH_RATIO

    ears = {L.LEFT_EAR: (350, 200), L.RIGHT_EAR: (250, 200)}
    depth = HEAD_TURN_DEPTH_RATIO * 100
    nod = frames({**ears, L.NOSE: (300, 200 + depth * math.sin(math.radians(20)))})
    assert value(nod, measure="head_pitch_front_deg") == pytest.approx(20.0 * HEAD_NOD_GAIN)
    up = frames({**ears, L.NOSE: (300, 200 - depth * math.sin(math.radians(10)))})
    assert value(up, measure="head_pitch_front_deg") == pytest.approx(-10.0 * HEAD_NOD_GAIN)
    # Turned side-on (the ear-to-nose line longer than the ear span): undefined.
    profile = frames({L.LEFT_EAR: (300, 200), L.RIGHT_EAR: (295, 200), L.NOSE: (340, 205)})
    assert math.isnan(value(profile, measure="head_pitch_front_deg"))


def _front_head(roll_deg: float, turn_deg: float = 0.0, nod_px: float = 12.0) -> Frames:
    """A head facing the camera, rolled `roll_deg` in the picture about the
    ear midpoint (300, 200), its face turned `turn_deg` (the nose and eyes
    move sideways by the face's depth x sin, the ears close up by cos), the
    nose `nod_px` below the ear line along the face's own down axis."""
    a, t = math.radians(roll_deg), math.radians(turn_deg)
    span, depth = 100 * math.cos(t), 0.65 * 100 * math.sin(t)

    def place(x: float, y: float) -> tuple[float, float]:
        return (300 + x * math.cos(a) - y * math.sin(a), 200 + x * math.sin(a) + y * math.cos(a))

    return frames(
        {
            L.RIGHT_EAR: place(-span / 2, 0),
            L.LEFT_EAR: place(span / 2, 0),
            L.RIGHT_EYE: place(-20 * math.cos(t) + depth, -10),
            L.LEFT_EYE: place(20 * math.cos(t) + depth, -10),
            L.NOSE: place(depth, nod_px),
            L.RIGHT_SHOULDER: place(-90, 150),
            L.LEFT_SHOULDER: place(90, 150),
        }
    )


def test_head_nod_reads_along_the_heads_own_axis():
    """A head rolled to the shoulder with the face turned a little is no nod
    (read along the picture's vertical, the turn became one: a real side
    tilt read 12-17 deg 'chin down' at each shoulder); head back is."""
    level = value(_front_head(0.0), measure="head_nod_deg")
    turned = value(_front_head(0.0, turn_deg=35.0), measure="head_nod_deg")
    for roll in (-30.0, 30.0):
        assert value(_front_head(roll, turn_deg=35.0), measure="head_nod_deg") == pytest.approx(turned, abs=1e-6)
    assert value(_front_head(0.0, nod_px=-10.0), measure="head_nod_deg") < level - 15.0
    # Lying on a side (the head rolled 90 deg in the picture): the same nod.
    assert value(_front_head(90.0), measure="head_nod_deg") == pytest.approx(level, abs=1e-6)


def test_head_nod_is_undefined_for_a_face_turned_from_the_camera_or_seen_from_behind():
    from posecheck.core.measures import HEAD_NOD_MAX_TURN_DEG

    assert not math.isnan(value(_front_head(0.0, turn_deg=HEAD_NOD_MAX_TURN_DEG - 5), measure="head_nod_deg"))
    assert math.isnan(value(_front_head(0.0, turn_deg=HEAD_NOD_MAX_TURN_DEG + 5), measure="head_nod_deg"))
    # Seen from behind: the model names the eyes on the other sides, and the
    # axis square to them points up the head, away from the shoulders.
    behind = _front_head(0.0)
    behind.px[0, [L.LEFT_EYE, L.RIGHT_EYE]] = behind.px[0, [L.RIGHT_EYE, L.LEFT_EYE]]
    assert math.isnan(value(behind, measure="head_nod_deg"))


def _standing_side(lean_back_deg: float, facing: int, foot_turn_deg: float = 0.0) -> Frames:
    """A person side-on, hips at (300, 300), trunk 100 px leaning back by
    lean_back_deg, facing image right (+1) or left (-1); the feet 30 px long
    on the floor, turned by foot_turn_deg in the picture (a wobbling reading)."""
    a = math.radians(lean_back_deg)
    shoulder = (300 - facing * 100 * math.sin(a), 300 - 100 * math.cos(a))
    f = math.radians(foot_turn_deg)
    toe = (facing * 30 * math.cos(f), -30 * math.sin(f))
    pts = {L.LEFT_HIP: (300, 300), L.RIGHT_HIP: (300, 300), L.LEFT_SHOULDER: shoulder, L.RIGHT_SHOULDER: shoulder}
    for heel, index, x in ((L.LEFT_HEEL, L.LEFT_FOOT_INDEX, 290), (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX, 310)):
        pts[heel] = (x, 500)
        pts[index] = (x + toe[0], 500 + toe[1])
    return frames(pts)


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("lean", [-40.0, 0.0, 15.0])
def test_trunk_lean_back_is_signed_by_where_the_toes_point(facing, lean):
    assert value(_standing_side(lean, facing), measure="trunk_lean_back_deg") == pytest.approx(lean, abs=1e-6)


def test_trunk_lean_back_does_not_wobble_with_the_foot():
    """A 30 px foot read 20 deg off either way (hands on the floor beside
    it) leaves the lean as it was: the foot only says which way."""
    still = [value(_standing_side(-120.0, 1, turn), measure="trunk_lean_back_deg") for turn in (-20.0, 0.0, 20.0)]
    assert still == pytest.approx([-120.0] * 3, abs=1e-6)


def test_trunk_lean_back_is_nan_when_the_toes_point_neither_way():
    f = _standing_side(10.0, 1, foot_turn_deg=90.0)  # toes straight up from the heels: no facing
    assert math.isnan(value(f, measure="trunk_lean_back_deg"))
