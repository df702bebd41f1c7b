"""Drawing what a person needs at a glance over a video frame.

Read-only with respect to the analysis: it draws a `FrameState` and the
landmarks, it decides nothing. Sized relative to the frame's shorter side,
so it stays readable from 202x360 phone clips to 1080p, portrait too.

Every text goes through one layout (`layout_overlay`): it is wrapped to more
lines, or drawn smaller, until it fits the frame (text_layout.py); it is
never cut. The drawing reads the same layout, so a test of the layout tests
what is drawn. A `stop` warning is drawn last, above everything else (the
setup instruction included): it is the one thing that must always be seen.
The words shown are in text.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from posecheck.core.events import Phase
from posecheck.core.landmarks import CONNECTIONS
from posecheck.core.session import PAIN_MESSAGE, FrameState
from posecheck.spec import Exercise, Movement
from posecheck.ui.text import (
    CANNOT_SEE_YOU,
    GET_READY,
    HOLD_DONE_LABEL,
    HOLD_LABEL,
    STEP_INTO_PICTURE,
    count_label,
    hold_left_label,
    partial_label,
)
from posecheck.ui.text_layout import (
    AMBER,
    BLACK,
    GREEN,
    GREY,
    OUTLINE_EXTRA,
    READABLE_SCALE,
    RED,
    WHITE,
    Banner,
    TextItem,
    banner_height_px,
    draw_banner,
    draw_text,
    fit_banner_texts,
    fit_line,
    fit_texts,
    halo_px,
    lines_at,
    make_banner,
    text_size,
    text_width_px,
)

# The bottom warnings take at most this share of the frame's height, the
# status strip this share: what is left shows the person.
WARNINGS_MAX_SHARE = 0.45
STATUS_MAX_SHARE = 0.25


@dataclass
class OverlayLayout:
    """Where everything goes on one frame, in drawing order."""

    panel_rect: tuple[int, int, int, int]
    panel_texts: list[TextItem]
    bar_top_px: int
    bar_label: TextItem | None
    ring_label: TextItem | None
    message: Banner | None
    status: Banner | None
    corner: TextItem | None
    # Bottom first: the stop warnings, then the others above them.
    warnings: list[Banner] = field(default_factory=list)

    def texts(self) -> Iterator[TextItem]:
        """Every line of text the overlay draws."""
        yield from self.panel_texts
        for item in (self.bar_label, self.ring_label, self.corner):
            if item is not None:
                yield item
        for banner in (self.message, self.status, *self.warnings):
            if banner is not None:
                yield from banner.lines


def stop_messages(exercise: Exercise) -> set[str]:
    """The messages of the exercise's `stop` rules (every view's, and the
    pain stop): these are drawn above everything else."""
    defs = (exercise, *(ex for _, ex in exercise.views))
    return {r.message for ex in defs for r in ex.safety if r.severity == "stop"} | {PAIN_MESSAGE}


def overlay_scale(h: int, w: int) -> float:
    """Size factor of the overlay: 1 at 640x480; follows the shorter side
    so a portrait frame gets a panel that fits its width."""
    return min(h, w) / 480.0


def _setup_text(state: FrameState, usable: bool) -> str:
    """The instruction across the middle, or ""."""
    if state.phase == Phase.SETUP:
        # The one thing to change before counting starts, where it is seen.
        return state.setup_message or (STEP_INTO_PICTURE if not usable else GET_READY)
    if state.setup_message and usable:
        # Set up, but the rest position is not known yet ("hold still"), or
        # the person left the exercise's position (core/position_watch.py).
        return state.setup_message
    if not usable:
        return CANNOT_SEE_YOU
    return ""


def _panel_layout(
    h: int, w: int, exercise: Exercise, state: FrameState
) -> tuple[tuple[int, int, int, int], list[TextItem]]:
    """The counter panel, top left: title (up to two lines, then smaller),
    rep count, partial reps; as tall as its contents."""
    k = overlay_scale(h, w)
    pad = int(10 * k)
    panel_w = int(230 * k)
    inner = panel_w - 2 * pad
    [title], s = fit_texts([exercise.title], inner, 0.5 * k, 1, 2, h // 4, 0.0)
    items = lines_at(title, pad, int(10 * k), s, 1, WHITE)
    # The count and partial lines keep their place under a one-line title.
    below = items[-1].org[1] - int(24 * k)
    if exercise.reps is not None:
        count = count_label(state.reps, state.reps_by_side)
        items.append(TextItem(count, (pad, below + int(64 * k)), fit_line(count, inner, 1.0 * k, 2), 2, GREEN))
        if state.partial_reps:
            partial = partial_label(state.partial_reps)
            items.append(TextItem(partial, (pad, below + int(92 * k)), fit_line(partial, inner, 0.6 * k, 1), 1, AMBER))
    bottom = max(int(118 * k) + below, max(it.box[3] for it in items) + pad)
    return (0, 0, panel_w, bottom), items


def _ring_geometry(h: int, w: int) -> tuple[tuple[int, int], int]:
    """(centre, radius) of the hold ring, top right."""
    k = overlay_scale(h, w)
    r = int(38 * k)
    return (w - r - int(14 * k), r + int(14 * k)), r


def _ring_label(h: int, w: int, state: FrameState, target_s: float) -> TextItem:
    k = overlay_scale(h, w)
    c, r = _ring_geometry(h, w)
    if state.holding and target_s > 0:
        left = max(target_s - state.hold_elapsed_s, 0.0)
        label = hold_left_label(left) if left > 0 else HOLD_DONE_LABEL
    else:
        label = HOLD_LABEL
    s = fit_line(label, 2 * r - 4, 0.7 * k, 2)
    (tw, th), _ = text_size(label, s, 2 + OUTLINE_EXTRA)
    return TextItem(label, (c[0] - tw // 2, c[1] + th // 2), s, 2, WHITE)


def _bar_geometry(h: int, w: int, top_px: int) -> tuple[int, int, int, int]:
    """(x0, y0, width, height) of the metric bar under the panel."""
    k = overlay_scale(h, w)
    y0 = top_px + int(12 * k)
    return int(10 * k), y0, int(26 * k), max(int(min(200 * k, h - y0 - 60 * k)), 10)


def _bar_y(m: Movement, value: float, y0: int, bh: int) -> Iterator[int]:
    """Pixel rows of value, the end zone's top and bottom, and neutral:
    the bar spans neutral - 50% to end + 50% of the movement."""
    span = m.end - m.neutral
    lo, hi = m.neutral - 0.5 * span, m.end + 0.5 * span
    for v in (value, m.end + 0.5 * span, m.end, m.neutral):
        f = min(max((v - lo) / (hi - lo), 0.0), 1.0) if hi != lo else 0.5
        yield int(y0 + bh - f * bh)


def _bar_label(h: int, w: int, top_px: int, m: Movement | None, value: float) -> TextItem | None:
    if m is None or math.isnan(value):
        return None
    k = overlay_scale(h, w)
    x0, y0, bw, bh = _bar_geometry(h, w, top_px)
    yv = next(_bar_y(m, value, y0, bh))
    x = x0 + bw + int(6 * k)
    text = f"{value:.0f}"
    return TextItem(text, (x, yv + int(6 * k)), fit_line(text, w - x, 0.55 * k, 1), 1, WHITE)


def _warning_banners(h: int, w: int, exercise: Exercise, warnings: tuple[str, ...]) -> list[Banner]:
    """Red strips across the bottom, bottom first: stop warnings, then the
    others above them. All at one scale, at most WARNINGS_MAX_SHARE of the
    height together."""
    if not warnings:
        return []
    k = overlay_scale(h, w)
    pad = int(10 * k)
    stops = stop_messages(exercise)
    ordered = sorted(dict.fromkeys(warnings), key=lambda msg: msg not in stops)
    wrapped, s = fit_banner_texts(ordered, w - 2 * pad, 0.62 * k, 2, 2, int(WARNINGS_MAX_SHARE * h))
    out = []
    bottom = h
    for msg, lines in zip(ordered, wrapped):
        top = bottom - banner_height_px(len(lines), s, 2)
        out.append(make_banner(lines, 0, w, top, pad, s, 2, RED, WHITE, stop=msg in stops))
        bottom = top
    return out


def _status_layout(h: int, w: int, status: str, corner: str, bottom_px: int) -> tuple[Banner | None, TextItem | None]:
    """A dark strip ending at bottom_px: status on the left (wrapped), the
    corner text (fps, latency) on the right of its last line."""
    k = overlay_scale(h, w)
    pad = int(10 * k)
    cs = fit_line(corner, w // 2, max(0.45 * k, 0.8 * READABLE_SCALE), 1)
    corner_w = text_width_px(corner, cs, 1) if corner else 0
    banner = None
    if status:
        room = w - corner_w - 3 * pad
        [lines], s = fit_banner_texts([status], room, 0.55 * k, 1, 2, int(STATUS_MAX_SHARE * h))
        top = bottom_px - banner_height_px(len(lines), s, 1)
        banner = make_banner(lines, 0, w, top, pad, s, 1, BLACK, WHITE)
        base_y = banner.lines[-1].org[1]
    else:
        base_y = bottom_px - int(9 * k)
    corner_item = TextItem(corner, (w - pad - corner_w + halo_px(1), base_y), cs, 1, GREY) if corner else None
    return banner, corner_item


def _message_banner(h: int, w: int, text: str, bottom_max_px: int) -> Banner | None:
    """The setup instruction across the middle (from 42% of the height
    down), moved up if it would reach bottom_max_px, smaller if it cannot
    fit above there."""
    if not text:
        return None
    k = overlay_scale(h, w)
    pad = int(10 * k)
    [lines], s = fit_banner_texts([text], w - 2 * pad, 0.7 * k, 2, 2, max(bottom_max_px, 1))
    height = banner_height_px(len(lines), s, 2)
    top = max(min(int(h * 0.42), bottom_max_px - height), 0)
    return make_banner(lines, 0, w, top, pad, s, 2, AMBER, BLACK)


def layout_overlay(
    h: int,
    w: int,
    exercise: Exercise,
    state: FrameState,
    values: dict[str, float],
    usable: bool,
    status: str = "",
    corner: str = "",
) -> OverlayLayout:
    """Where every text and strip goes on an h x w frame: from the bottom
    up the warnings, the status strip and the setup instruction, so none
    covers another; the panel, bar and ring at the top."""
    k = overlay_scale(h, w)
    panel_rect, panel_texts = _panel_layout(h, w, exercise, state)
    movement, value = leading_movement(exercise, values)
    warnings = _warning_banners(h, w, exercise, state.warnings)
    above_warnings = warnings[-1].rect[1] if warnings else h
    status_banner, corner_item = (None, None)
    if status or corner:
        status_banner, corner_item = _status_layout(h, w, status, corner, min(h - int(48 * k), above_warnings))
    above_status = status_banner.rect[1] if status_banner is not None else above_warnings
    message = _message_banner(h, w, _setup_text(state, usable), above_status)
    return OverlayLayout(
        panel_rect=panel_rect,
        panel_texts=panel_texts,
        bar_top_px=panel_rect[3],
        bar_label=_bar_label(h, w, panel_rect[3], movement, value),
        ring_label=_ring_label(h, w, state, exercise.hold.target_s) if exercise.hold is not None else None,
        message=message,
        status=status_banner,
        corner=corner_item,
        warnings=warnings,
    )


def draw_skeleton(
    img: npt.NDArray[np.uint8],
    px: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating],
    min_visibility: float = 0.3,
) -> None:
    """Bones and joints of one person; (33, 2) pixel coordinates."""
    # A point unknown in a frame (NaN: masked as unsure, e.g. at a cut) is
    # not drawn, whatever its visibility says.
    shown = (np.asarray(visibility) >= min_visibility) & np.isfinite(px).all(axis=1)
    if not shown.any():
        return
    s = max(1, min(img.shape[:2]) // 240)
    for a, b in CONNECTIONS:
        if shown[a] and shown[b]:
            pa = tuple(int(v) for v in px[a])
            pb = tuple(int(v) for v in px[b])
            cv2.line(img, pa, pb, WHITE, 2 * s, cv2.LINE_AA)
    for i in np.flatnonzero(shown):
        cv2.circle(img, (int(px[i, 0]), int(px[i, 1])), 2 * s, GREEN, -1, cv2.LINE_AA)


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


def draw_panel(
    img: npt.NDArray[np.uint8],
    exercise: Exercise,
    state: FrameState,
    values: dict[str, float],
    usable: bool,
    status: str = "",
    corner: str = "",
) -> None:
    """Counter, metric bar, hold ring, setup instruction, status strip and
    warnings; the stop warnings last, over everything."""
    h, w = img.shape[:2]
    lay = layout_overlay(h, w, exercise, state, values, usable, status, corner)
    x0, y0, x1, y1 = lay.panel_rect
    cv2.rectangle(img, (x0, y0), (x1, y1), BLACK, -1)
    for item in lay.panel_texts:
        draw_text(img, item)
    movement, value = leading_movement(exercise, values)
    _draw_metric_bar(img, movement, value, lay.bar_top_px, lay.bar_label)
    if exercise.hold is not None and lay.ring_label is not None:
        _draw_hold_ring(img, state, exercise.hold.target_s, lay.ring_label)
    # The instruction, across the middle, over the bar: it is what to do now.
    draw_banner(img, lay.message)
    draw_banner(img, lay.status)
    if lay.corner is not None:
        draw_text(img, lay.corner)
    for banner in sorted(lay.warnings, key=lambda b: b.stop):
        draw_banner(img, banner)


def _draw_metric_bar(
    img: npt.NDArray[np.uint8], m: Movement | None, value: float, top_px: int, label: TextItem | None
) -> None:
    """The metric on a bar from below neutral to past the end; the green zone
    is the end position, the grey line neutral."""
    h, w = img.shape[:2]
    k = overlay_scale(h, w)
    x0, y0, bw, bh = _bar_geometry(h, w, top_px)
    cv2.rectangle(img, (x0, y0), (x0 + bw, y0 + bh), BLACK, -1)
    if m is None or math.isnan(value):
        return
    yv, y_zone_top, y_end, y_neutral = _bar_y(m, value, y0, bh)
    cv2.rectangle(img, (x0, y_zone_top), (x0 + bw, y_end), (40, 110, 40), -1)
    cv2.line(img, (x0, y_neutral), (x0 + bw, y_neutral), GREY, max(1, int(2 * k)))
    cv2.rectangle(img, (x0 - int(3 * k), yv - int(3 * k)), (x0 + bw + int(3 * k), yv + int(3 * k)), WHITE, -1)
    if label is not None:
        draw_text(img, label)


def _draw_hold_ring(img: npt.NDArray[np.uint8], state: FrameState, target_s: float, label: TextItem) -> None:
    h, w = img.shape[:2]
    k = overlay_scale(h, w)
    c, r = _ring_geometry(h, w)
    cv2.circle(img, c, r + int(6 * k), BLACK, -1)
    cv2.circle(img, c, r, GREY, max(1, int(4 * k)), cv2.LINE_AA)
    if state.holding and target_s > 0:
        frac = min(state.hold_elapsed_s / target_s, 1.0)
        color = GREEN if frac >= 1.0 else AMBER
        cv2.ellipse(img, c, (r, r), -90, 0, 360 * frac, color, max(2, int(7 * k)), cv2.LINE_AA)
    draw_text(img, label)


def draw_status_line(img: npt.NDArray[np.uint8], status: str, corner: str) -> None:
    """A strip 48/480 of the height above the bottom: the routine's status
    (set, rest, check-in question) on the left, fps and latency on the
    right. On its own (the stalled-camera screen); over an annotated frame
    pass status and corner to `annotate`, which puts the strip above the
    warnings instead of over them."""
    h, w = img.shape[:2]
    banner, corner_item = _status_layout(h, w, status, corner, h - int(48 * overlay_scale(h, w)))
    draw_banner(img, banner)
    if corner_item is not None:
        draw_text(img, corner_item)


def annotate(
    img: npt.NDArray[np.uint8],
    exercise: Exercise,
    state: FrameState,
    px: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating],
    values: dict[str, float],
    usable: bool,
    status: str = "",
    corner: str = "",
) -> npt.NDArray[np.uint8]:
    """A copy of the frame with skeleton and panel drawn over it (and the
    status strip, when status or corner is given)."""
    out = img.copy()
    draw_skeleton(out, px, np.nan_to_num(visibility, nan=0.0))
    draw_panel(out, exercise, state, values, usable, status, corner)
    return out
