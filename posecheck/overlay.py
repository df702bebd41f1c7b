"""Drawing what a person needs at a glance over a video frame.

Read-only with respect to the analysis: it draws a `FrameState` and the
landmarks, it decides nothing. Sized relative to the frame height so it
stays readable from 480p webcams to 1080p phone videos.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.session import FrameState
from posecheck.landmarks import CONNECTIONS
from posecheck.spec import Exercise, Movement

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREEN = (80, 200, 80)
AMBER = (0, 190, 255)
RED = (40, 40, 230)
GREY = (150, 150, 150)


def _text(img: npt.NDArray[np.uint8], s: str, org: tuple[int, int], scale: float,
          color: tuple[int, int, int] = WHITE, thick: int = 2) -> None:
    """Text with a dark outline, readable on any background."""
    cv2.putText(img, s, org, cv2.FONT_HERSHEY_SIMPLEX, scale, BLACK, thick + 3, cv2.LINE_AA)
    cv2.putText(img, s, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thick, cv2.LINE_AA)


def draw_skeleton(img: npt.NDArray[np.uint8], px: npt.NDArray[np.floating],
                  visibility: npt.NDArray[np.floating], min_visibility: float = 0.3) -> None:
    """Bones and joints of one person; (33, 2) pixel coordinates."""
    if np.isnan(px).all():
        return
    s = max(1, img.shape[0] // 240)
    for a, b in CONNECTIONS:
        if visibility[a] >= min_visibility and visibility[b] >= min_visibility:
            pa = tuple(int(v) for v in px[a])
            pb = tuple(int(v) for v in px[b])
            cv2.line(img, pa, pb, WHITE, 2 * s, cv2.LINE_AA)
    for i in range(len(px)):
        if visibility[i] >= min_visibility:
            cv2.circle(img, (int(px[i, 0]), int(px[i, 1])), 2 * s, GREEN, -1, cv2.LINE_AA)


def _fit(s: str, width_px: int, scale: float) -> str:
    """s, or its longest run of whole words that fits width_px with "..."
    after it (the Hershey fonts have no ellipsis; a cut word, or a lone
    full stop, reads as if the title ended there)."""
    def fits(text: str) -> bool:
        return cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0] <= width_px

    if fits(s):
        return s
    words = s.split()
    while words:
        words.pop()
        cut = " ".join(words).rstrip(",;:.") + "..."
        if words and fits(cut):
            return cut
    return ""


def leading_movement(exercise: Exercise, values: dict[str, float]) -> tuple[Movement | None, float]:
    """The movement furthest from neutral now, and its metric value: what the
    bar shows (the side being worked, not always the first one)."""
    rr = exercise.reps
    if rr is None:
        return None, values.get(exercise.main_metric, math.nan)
    best, best_p = rr.movements[0], -math.inf
    for m in rr.movements:
        p = m.progress(values.get(m.metric, math.nan))
        if not math.isnan(p) and p > best_p:
            best, best_p = m, p
    return best, values.get(best.metric, math.nan)


def draw_panel(img: npt.NDArray[np.uint8], exercise: Exercise, state: FrameState,
               values: dict[str, float], usable: bool) -> None:
    """Counter, metric bar against its band, hold ring and warning banner."""
    h, w = img.shape[:2]
    k = h / 480.0
    pad = int(10 * k)
    # Counter, top left.
    panel_w = int(230 * k)
    cv2.rectangle(img, (0, 0), (panel_w, int(118 * k)), BLACK, -1)
    _text(img, _fit(exercise.title, panel_w - 2 * pad, 0.5 * k), (pad, int(24 * k)), 0.5 * k, WHITE, 1)
    if state.reps_by_side:
        count = f"L {state.reps_by_side.get('left', 0)}  R {state.reps_by_side.get('right', 0)}"
    else:
        count = f"{state.reps}"
    if exercise.reps is not None:
        _text(img, f"reps {count}", (pad, int(64 * k)), 1.0 * k, GREEN, 2)
        if state.partial_reps:
            _text(img, f"partial {state.partial_reps}", (pad, int(92 * k)), 0.6 * k, AMBER, 1)
    message = ""
    if state.phase == "setup":
        # The one thing to change before counting starts, where it is seen.
        message = state.setup_message or ("Step into the picture." if not usable else "Get ready...")
    elif state.setup_message and usable:
        # Set up, but the rest position is not known yet ("hold still").
        message = state.setup_message
    elif not usable:
        # Mid-exercise the person left or is hidden: counting waits, say so.
        message = "Can't see you: step back into the picture. Counting is paused."
    # Metric bar, along the left edge under the panel.
    movement, value = leading_movement(exercise, values)
    _draw_metric_bar(img, movement, value, k)
    # Hold ring, top right.
    if exercise.hold is not None:
        _draw_hold_ring(img, state, exercise.hold.target_s, k)
    # The instruction, across the middle, over the bar: it is what to do now.
    if message:
        bh = int(40 * k)
        y0 = int(h * 0.42)
        cv2.rectangle(img, (0, y0), (w, y0 + bh), AMBER, -1)
        _text(img, _fit(message, w - 2 * pad, 0.7 * k), (pad, y0 + int(28 * k)), 0.7 * k, BLACK, 2)
    # Warning banner, bottom, full width.
    if state.warnings:
        bh = int(44 * k)
        cv2.rectangle(img, (0, h - bh), (w, h), RED, -1)
        _text(img, state.warnings[0][:60], (pad, h - int(14 * k)), 0.62 * k, WHITE, 2)


def _draw_metric_bar(img: npt.NDArray[np.uint8], m: Movement | None, value: float, k: float) -> None:
    """The metric on a bar from below neutral to past the end; the green zone
    is the end position, the grey line neutral."""
    x0, y0 = int(10 * k), int(130 * k)
    bw, bh = int(26 * k), int(200 * k)
    cv2.rectangle(img, (x0, y0), (x0 + bw, y0 + bh), BLACK, -1)
    if m is None or math.isnan(value):
        return
    # Full bar spans neutral - 50% to end + 50% of the movement.
    span = m.end - m.neutral
    lo, hi = m.neutral - 0.5 * span, m.end + 0.5 * span

    def y_of(v: float) -> int:
        f = min(max((v - lo) / (hi - lo), 0.0), 1.0)
        return int(y0 + bh - f * bh)

    cv2.rectangle(img, (x0, y_of(m.end + 0.5 * span)), (x0 + bw, y_of(m.end)), (40, 110, 40), -1)
    cv2.line(img, (x0, y_of(m.neutral)), (x0 + bw, y_of(m.neutral)), GREY, max(1, int(2 * k)))
    yv = y_of(value)
    cv2.rectangle(img, (x0 - int(3 * k), yv - int(3 * k)), (x0 + bw + int(3 * k), yv + int(3 * k)), WHITE, -1)
    _text(img, f"{value:.0f}", (x0 + bw + int(6 * k), yv + int(6 * k)), 0.55 * k, WHITE, 1)


def _draw_hold_ring(img: npt.NDArray[np.uint8], state: FrameState, target_s: float, k: float) -> None:
    h, w = img.shape[:2]
    r = int(38 * k)
    c = (w - r - int(14 * k), r + int(14 * k))
    cv2.circle(img, c, r + int(6 * k), BLACK, -1)
    cv2.circle(img, c, r, GREY, max(1, int(4 * k)), cv2.LINE_AA)
    if state.holding and target_s > 0:
        frac = min(state.hold_elapsed_s / target_s, 1.0)
        color = GREEN if frac >= 1.0 else AMBER
        cv2.ellipse(img, c, (r, r), -90, 0, 360 * frac, color, max(2, int(7 * k)), cv2.LINE_AA)
        left = max(target_s - state.hold_elapsed_s, 0.0)
        label = f"{left:.0f}s" if left > 0 else "done"
    else:
        label = "hold"
    (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.7 * k, 2)
    _text(img, label, (c[0] - tw // 2, c[1] + th // 2), 0.7 * k, WHITE, 2)


def draw_status_line(img: npt.NDArray[np.uint8], status: str, corner: str) -> None:
    """A strip above the warning banner: the routine's status (set, rest,
    check-in question) on the left, fps and latency on the right."""
    h, w = img.shape[:2]
    k = h / 480.0
    y1 = h - int(48 * k)
    y0 = y1 - int(30 * k)
    tw = cv2.getTextSize(corner, cv2.FONT_HERSHEY_SIMPLEX, 0.45 * k, 1)[0][0] if corner else 0
    if status:
        cv2.rectangle(img, (0, y0), (w, y1), BLACK, -1)
        room = w - tw - int(30 * k)
        _text(img, _fit(status, room, 0.55 * k), (int(10 * k), y1 - int(9 * k)), 0.55 * k, WHITE, 1)
    if corner:
        _text(img, corner, (w - tw - int(8 * k), y1 - int(9 * k)), 0.45 * k, GREY, 1)


def annotate(img: npt.NDArray[np.uint8], exercise: Exercise, state: FrameState,
             px: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating],
             values: dict[str, float], usable: bool) -> npt.NDArray[np.uint8]:
    """A copy of the frame with skeleton and panel drawn over it."""
    out = img.copy()
    draw_skeleton(out, px, np.nan_to_num(visibility, nan=0.0))
    draw_panel(out, exercise, state, values, usable)
    return out
