"""The overlay draws what a person needs where they look for it."""

from functools import lru_cache

import numpy as np
import pytest

from posecheck.core import setup_check
from posecheck.core.session import HOLD_STILL_MESSAGE, PAIN_MESSAGE, FrameState
from posecheck.spec import exercise_paths, load_exercise, load_exercise_file
from posecheck.ui.overlay import annotate, draw_status_line, layout_overlay, leading_movement, stop_messages
from posecheck.ui.text_layout import AMBER, RED, draw_banner

# Landscape, portrait and the smallest clips the samples have.
SIZES = [(320, 240), (640, 480), (1280, 720), (1920, 1080), (480, 480), (360, 640), (202, 360)]


def state(**kw) -> FrameState:
    base = {
        "reps": 3,
        "reps_by_side": {"left": 2, "right": 1},
        "partial_reps": 0,
        "holding": False,
        "hold_elapsed_s": 0.0,
        "phase": "neutral",
        "warnings": (),
    }
    base.update(kw)
    return FrameState(**base)


def changed(a: np.ndarray, b: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> int:
    return int(np.any(a[y0:y1, x0:x1] != b[y0:y1, x0:x1], axis=2).sum())


@lru_cache(maxsize=1)
def all_exercises() -> tuple:
    """Every bundled exercise and each of its views."""
    out = []
    for path in exercise_paths():
        ex = load_exercise_file(path)
        out += [ex, *(v for _, v in ex.views)]
    return tuple(out)


@lru_cache(maxsize=1)
def warning_messages() -> tuple[tuple[str, bool], ...]:
    """(message, is a stop) of every form and safety rule in the exercise
    files, and the pain stop."""
    found: dict[str, bool] = {PAIN_MESSAGE: True}
    for ex in all_exercises():
        for rule in ex.form:
            found.setdefault(rule.message, False)
        for rule in ex.safety:
            found[rule.message] = found.get(rule.message, False) or rule.severity == "stop"
    return tuple(sorted(found.items(), key=lambda kv: -len(kv[0])))


@lru_cache(maxsize=1)
def setup_messages() -> tuple[str, ...]:
    """Every instruction setup_check can give, from its own functions: the
    view requests for every exercise's views, body parts, positions."""
    found = {HOLD_STILL_MESSAGE, setup_check.framing_hint([]), "Can't see you: step back into the picture."}
    found |= {hint for _, hint in setup_check._BODY_PART_HINT}
    found |= set(setup_check._POSITION_HINT.values())
    nobody = np.full((33, 3), np.nan)
    found.add(setup_check.check_setup(all_exercises()[0], nobody, np.zeros(33), (640, 480)).message)
    facings = [
        setup_check.Facing(r, hips, away)
        for r in (0.05, 0.6, 1.0, 2.0, 3.0)
        for hips in (True, False)
        for away in (False, True)
    ]
    for ex in all_exercises():
        for f in facings:
            found.add(setup_check.choose_view(ex.supported_views, f, ex.camera_view)[1])
    found.discard("")
    return tuple(sorted(found, key=len, reverse=True))


def longest_status() -> str:
    """A routine status line as live builds it, with the longest first
    sentence of any exercise's instructions."""
    first = max((" ".join(ex.instructions.split()).split(". ")[0] for ex in all_exercises()), key=len)
    return f"Set 3/3: L 10, R 10 of 10 | {first}."


def inside(box: tuple[int, int, int, int], rect: tuple[int, int, int, int]) -> bool:
    return rect[0] <= box[0] and rect[1] <= box[1] and box[2] <= rect[2] and box[3] <= rect[3]


def check_layout(w: int, h: int, ex, st: FrameState, values: dict, status: str = "", corner: str = "") -> None:
    """Every text inside the frame, every banner's text inside its banner,
    and no two strips over each other."""
    lay = layout_overlay(h, w, ex, st, values, True, status, corner)
    frame = (0, 0, w, h)
    for item in lay.texts():
        assert inside(item.box, frame), f"{w}x{h}: {item.text!r} at {item.box} leaves the frame"
    strips = [b for b in (lay.message, lay.status, *lay.warnings) if b is not None]
    for b in strips:
        assert inside(b.rect, frame), f"{w}x{h}: strip {b.rect} leaves the frame"
        for item in b.lines:
            assert inside(item.box, b.rect), f"{w}x{h}: {item.text!r} leaves its strip"
    for i, a in enumerate(strips):
        for b in strips[i + 1 :]:
            assert a.rect[3] <= b.rect[1] or b.rect[3] <= a.rect[1], f"{w}x{h}: strips overlap"

    # The words are all there, in order: wrapped or smaller, never cut.
    def said(b) -> str:
        return " ".join(it.text for it in b.lines)

    if st.setup_message:
        assert said(lay.message) == " ".join(st.setup_message.split())
    assert sorted(said(b) for b in lay.warnings) == sorted(" ".join(m.split()) for m in st.warnings)
    if status:
        assert said(lay.status) == " ".join(status.split())


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


def test_a_point_unknown_but_marked_visible_is_not_drawn():
    # Near a cut a frame can keep some landmarks' visibility while their
    # positions are unknown: the rest is drawn, without a crash.
    ex = load_exercise("squat")
    frame = np.zeros((480, 640, 3), np.uint8)
    px = np.full((33, 2), np.nan)
    px[23], px[25] = (400, 200), (400, 400)
    vis = np.ones(33)
    out = annotate(frame, ex, state(), px, vis, {}, True)
    assert out[300, 398:403].any()


def test_setup_instruction_is_shown_across_the_middle():
    ex = load_exercise("squat")
    frame = np.full((480, 640, 3), 128, np.uint8)
    out = annotate(
        frame,
        ex,
        state(phase="setup", setup_message="Turn side-on to the camera."),
        np.full((33, 2), np.nan),
        np.zeros(33),
        {},
        True,
    )
    band = out[202:240, :, :]
    assert (np.abs(band.astype(int) - [0, 190, 255]).sum(axis=2) < 10).mean() > 0.4  # amber band


def test_a_lost_person_mid_exercise_is_told_counting_paused():
    ex = load_exercise("squat")
    frame = np.full((480, 640, 3), 128, np.uint8)
    out = annotate(frame, ex, state(phase="neutral"), np.full((33, 2), np.nan), np.zeros(33), {}, False)
    band = out[202:240, :, :]
    assert (np.abs(band.astype(int) - [0, 190, 255]).sum(axis=2) < 10).mean() > 0.4


def test_the_setup_banner_starts_inside_the_frame_at_640x480():
    """It was cut at the left edge ("rn side-on to the camera.")."""
    ex = load_exercise("squat")
    lay = layout_overlay(480, 640, ex, state(phase="setup", setup_message="Turn side-on to the camera."), {}, True)
    [line] = lay.message.lines
    assert line.text == "Turn side-on to the camera." and line.box[0] >= 0 and line.box[2] <= 640


def test_a_long_title_wraps_whole_in_the_panel():
    ex = max(all_exercises(), key=lambda e: len(e.title))
    for w, h in SIZES:
        lay = layout_overlay(h, w, ex, state(), {}, True)
        title_lines = [it.text for it in lay.panel_texts if not it.text.startswith("reps")]
        assert " ".join(title_lines) == " ".join(ex.title.split()), f"{w}x{h}: the title is cut"
        for item in lay.panel_texts:
            assert inside(item.box, lay.panel_rect), f"{w}x{h}: {item.text!r} leaves the panel"


@pytest.mark.parametrize("w,h", SIZES)
def test_every_message_fits_the_frame(w, h):
    """Each setup instruction with the two longest warnings and the longest
    status strip; each warning with the longest instruction; every title."""
    warnings = warning_messages()
    stop = next(m for m, is_stop in warnings if is_stop)
    caution = next(m for m, is_stop in warnings if not is_stop)
    status, corner = longest_status(), "30 fps  120 ms"
    values = {"tilt_left_deg": 25.0, "tilt_right_deg": -25.0}
    tilt = load_exercise("neck_side_tilt_hold")
    for msg in setup_messages():
        check_layout(
            w, h, tilt, state(phase="setup", setup_message=msg, warnings=(caution, stop)), values, status, corner
        )
    longest_setup = setup_messages()[0]
    for msg, _ in warnings:
        check_layout(w, h, tilt, state(phase="setup", setup_message=longest_setup, warnings=(msg,)), values)
    for ex in all_exercises():
        check_layout(w, h, ex, state(reps_by_side={"left": 888, "right": 888}, partial_reps=888), {})


@pytest.mark.parametrize("w,h", SIZES)
def test_the_stall_screen_fits(w, h):
    img = np.zeros((h, w, 3), np.uint8)
    draw_status_line(img, "Camera stalled: no picture for 2 s. Check the camera.", "")
    rows = np.flatnonzero(img.any(axis=(1, 2)))
    cols = np.flatnonzero(img.any(axis=(0, 2)))
    assert rows.size and cols[0] >= 0 and cols[-1] < w - 1  # the text ends before the right edge


def test_stop_messages_come_from_the_exercise_and_its_views():
    ex = load_exercise("neck_flexion_extension_hold")
    stops = stop_messages(ex)
    assert PAIN_MESSAGE in stops
    assert {r.message for r in ex.safety if r.severity == "stop"} <= stops
    assert not {r.message for r in ex.safety if r.severity != "stop"} & stops


@pytest.mark.parametrize("w,h", SIZES)
def test_a_stop_warning_is_drawn_on_top_during_setup(w, h):
    """With a setup instruction showing and a caution listed first, the
    active stop warning is drawn, last: its strip in the frame is exactly
    the strip drawn alone (nothing covers it)."""
    ex = load_exercise("neck_flexion_extension_hold")
    stop = next(r.message for r in ex.safety if r.severity == "stop")
    caution = next(r.message for r in ex.safety if r.severity != "stop")
    st = state(phase="setup", setup_message=setup_messages()[0], warnings=(caution, stop))
    frame = np.full((h, w, 3), 128, np.uint8)
    out = annotate(
        frame, ex, st, np.full((33, 2), np.nan), np.zeros(33), {}, True, status=longest_status(), corner="30 fps  41 ms"
    )
    lay = layout_overlay(h, w, ex, st, {}, True, longest_status(), "30 fps  41 ms")
    [banner] = [b for b in lay.warnings if b.stop]
    assert " ".join(it.text for it in banner.lines) == stop
    alone = frame.copy()
    draw_banner(alone, banner)
    x0, y0, x1, y1 = banner.rect
    assert np.array_equal(out[y0:y1, x0:x1], alone[y0:y1, x0:x1])
    region = out[y0 + 1 : y1, x0:x1].astype(int)
    assert (np.abs(region - RED).sum(axis=2) < 10).mean() > 0.4  # its red background
    assert (region.min(axis=2) > 200).sum() > 20  # its white text
    assert not (np.abs(region - AMBER).sum(axis=2) < 10).any()  # no setup banner over it
    # and the setup instruction is still there, above it
    assert lay.message is not None and lay.message.rect[3] <= y0


def test_fit_texts_wraps_first_then_shrinks_never_cuts():
    from posecheck.ui.text_layout import fit_texts, text_width_px

    text = "Keep the pelvis on the floor: press the back down, do not lift into a bridge."
    # Wide enough: one line at the asked scale.
    [[line]], s = fit_texts([text], 2000, 0.7, 2, 2, 1000, 0.4)
    assert line == text and s == 0.7
    # Narrow: two lines allowed above the floor scale, so smaller than asked.
    [lines], s = fit_texts([text], 300, 1.0, 2, 2, 1000, 0.4)
    assert len(lines) <= 2 and s < 1.0 and " ".join(lines) == text
    assert all(text_width_px(x, s, 2) <= 300 for x in lines)
    # At the floor: more lines rather than smaller.
    [lines], s = fit_texts([text], 150, 0.4, 2, 2, 1000, 0.4)
    assert len(lines) > 2 and s == 0.4 and " ".join(lines) == text
    # A word wider than the width, or too little height: smaller, whole.
    [[word]], s = fit_texts(["Supercalifragilistic"], 60, 0.7, 2, 2, 1000, 0.4)
    assert word == "Supercalifragilistic" and text_width_px(word, s, 2) <= 60
    [lines], s = fit_texts([text], 150, 0.4, 2, 2, 40, 0.4)
    assert s < 0.4 and " ".join(lines) == text
