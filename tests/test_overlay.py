"""The overlay draws what a person needs where they look for it."""

import numpy as np

from posecheck.session import FrameState
from posecheck.overlay import annotate, leading_movement
from posecheck.spec import load_exercise


def state(**kw) -> FrameState:
    base = dict(reps=3, reps_by_side={"left": 2, "right": 1}, partial_reps=0, holding=False,
                hold_elapsed_s=0.0, phase="neutral", warnings=())
    base.update(kw)
    return FrameState(**base)


def changed(a: np.ndarray, b: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> int:
    return int(np.any(a[y0:y1, x0:x1] != b[y0:y1, x0:x1], axis=2).sum())


def test_counter_bar_ring_and_banner_are_drawn_at_640x480():
    ex = load_exercise("neck_side_tilt_hold")
    frame = np.full((480, 640, 3), 128, np.uint8)
    px = np.full((33, 2), np.nan)
    vis = np.zeros(33)
    values = {"tilt_left_deg": 25.0, "tilt_right_deg": -25.0}
    calm = annotate(frame, ex, state(holding=True, hold_elapsed_s=4.0), px, vis, values, True)
    warned = annotate(frame, ex, state(warnings=("Ease off",)), px, vis, values, True)
    assert calm.shape == frame.shape and (frame == 128).all(), "the input frame is not modified"
    assert changed(calm, frame, 0, 118, 0, 230) > 3000  # counter panel, top left
    assert changed(calm, frame, 130, 330, 0, 40) > 3000  # metric bar
    assert changed(calm, frame, 0, 110, 530, 640) > 2000  # hold ring, top right
    assert changed(calm, frame, 436, 480, 0, 640) == 0  # no banner without a warning
    banner = warned[440:480, :, :]
    assert (np.abs(banner.astype(int) - [40, 40, 230]).sum(axis=2) < 10).mean() > 0.5  # red banner


def test_the_bar_follows_the_side_being_worked():
    ex = load_exercise("neck_side_tilt_hold")
    m, v = leading_movement(ex, {"tilt_left_deg": -20.0, "tilt_right_deg": 20.0})
    assert m.name == "right" and v == 20.0


def test_skeleton_is_drawn_where_the_landmarks_are():
    ex = load_exercise("squat")
    frame = np.zeros((480, 640, 3), np.uint8)
    px = np.full((33, 2), np.nan)
    vis = np.zeros(33)
    px[23], px[25] = (400, 200), (400, 400)  # left hip, left knee
    vis[[23, 25]] = 1.0
    out = annotate(frame, ex, state(), px, vis, {}, True)
    assert out[300, 398:403].any()  # the thigh line between them


def test_setup_instruction_is_shown_across_the_middle():
    ex = load_exercise("squat")
    frame = np.full((480, 640, 3), 128, np.uint8)
    out = annotate(frame, ex, state(phase="setup", setup_message="Turn side-on to the camera."),
                   np.full((33, 2), np.nan), np.zeros(33), {}, True)
    band = out[202:240, :, :]
    assert (np.abs(band.astype(int) - [0, 190, 255]).sum(axis=2) < 10).mean() > 0.4  # amber band


def test_a_lost_person_mid_exercise_is_told_counting_paused():
    ex = load_exercise("squat")
    frame = np.full((480, 640, 3), 128, np.uint8)
    out = annotate(frame, ex, state(phase="neutral"), np.full((33, 2), np.nan), np.zeros(33), {}, False)
    band = out[202:240, :, :]
    assert (np.abs(band.astype(int) - [0, 190, 255]).sum(axis=2) < 10).mean() > 0.4


def test_a_long_title_is_cut_at_a_word_with_dots():
    from posecheck.overlay import _fit

    title = "Side bend on hands and knees, hands walked sideways"
    assert _fit(title, 2000, 0.5) == title
    cut = _fit(title, 200, 0.5)
    assert cut.endswith("...") and title.startswith(cut[:-3])
    assert title[len(cut) - 3] in " ,"  # a whole word, not half of one
    assert _fit(title, 5, 0.5) == ""
