"""Fitting text into a frame: measure, wrap, shrink, and the strips (banners) text sits on.

The overlay's rule is that a text is never cut: it is wrapped to more lines,
or drawn smaller, until it fits. These are the pieces that rule is built
from, apart from what the overlay shows: a `TextItem` is one line as drawn
(where, how big), a `Banner` a filled strip with lines on it, and
`fit_texts` / `fit_line` / `fit_banner_texts` find the scale at which texts
fit a width and height. Every size is measured with cv2.getTextSize, with
the dark outline each text is drawn with.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Color = tuple[int, int, int]

WHITE: Color = (255, 255, 255)
BLACK: Color = (0, 0, 0)
GREEN: Color = (80, 200, 80)
AMBER: Color = (0, 190, 255)
RED: Color = (40, 40, 230)
GREY: Color = (150, 150, 150)

FONT = cv2.FONT_HERSHEY_SIMPLEX
# The dark outline under each text is this much thicker than the text.
OUTLINE_EXTRA = 3
# Instructions and warnings are not drawn smaller than this to save lines
# (about 11 px high: readable on a phone); they wrap instead. Only a single
# word too wide for the frame goes smaller still.
READABLE_SCALE = 0.4
# Each smaller try is this fraction of the last.
SHRINK = 0.9
# Lines this far apart, as a share of the text height.
LINE_GAP_SHARE = 0.25


@dataclass(frozen=True)
class TextItem:
    """One line of text as drawn: baseline-left origin, font scale and
    thickness (the outline is OUTLINE_EXTRA thicker)."""

    text: str
    org: tuple[int, int]
    scale: float
    thick: int
    color: Color

    @property
    def box(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) in pixels that the line covers with its outline,
        as cv2.getTextSize measures it (x1, y1 exclusive)."""
        (tw, th), base = text_size(self.text, self.scale, self.thick + OUTLINE_EXTRA)
        m = halo_px(self.thick)
        x, y = self.org
        return x - m, y - th - m, x + tw + m, y + base + m


@dataclass(frozen=True)
class Banner:
    """A filled strip with lines of text on it (x1, y1 exclusive)."""

    rect: tuple[int, int, int, int]
    color: Color
    lines: tuple[TextItem, ...]
    stop: bool = False


@functools.lru_cache(maxsize=4096)
def text_size(text: str, scale: float, thick: int) -> tuple[tuple[int, int], int]:
    """cv2.getTextSize, remembered: the same few texts are measured on every
    frame, and OpenCV 5's fonts take ~40 us a call (89 calls laid out a
    frame with a setup message and two warnings: 3.6 ms)."""
    (w, h), base = cv2.getTextSize(text, FONT, scale, thick)
    return (w, h), base


def halo_px(thick: int) -> int:
    """How far the outline may reach past the text's measured box."""
    return (thick + OUTLINE_EXTRA + 1) // 2


def text_width_px(text: str, scale: float, thick: int) -> int:
    """Drawn width of one line with its outline."""
    return text_size(text, scale, thick + OUTLINE_EXTRA)[0][0] + 2 * halo_px(thick)


def line_metrics_px(scale: float, thick: int) -> tuple[int, int, int]:
    """(ascent, descent, line step) of a line at this scale, with the outline."""
    (_, ascent), descent = text_size("Hgjy,|()", scale, thick + OUTLINE_EXTRA)
    step = ascent + descent + int(LINE_GAP_SHARE * ascent)
    return ascent + halo_px(thick), descent + halo_px(thick), step


def block_height_px(n_lines: int, scale: float, thick: int) -> int:
    ascent, descent, step = line_metrics_px(scale, thick)
    return (n_lines - 1) * step + ascent + descent if n_lines else 0


def _wrap(text: str, width_px: int, scale: float, thick: int) -> list[str]:
    """Greedy word wrap; a word wider than width_px gets a line of its own."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width_px(f"{lines[-1]} {word}", scale, thick) <= width_px:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def fit_texts(
    texts: list[str], width_px: int, scale: float, thick: int, max_lines: int, max_height_px: int, floor_scale: float
) -> tuple[list[list[str]], float]:
    """Each text wrapped into lines that fit width_px, at one scale for all.

    Tries `scale`, then smaller: the first scale at which every line fits
    the width and all lines fit max_height_px, with at most max_lines per
    text while above floor_scale (at or below it, as many lines as needed:
    wrapping keeps text readable where shrinking would not). Nothing is cut.
    """
    width_px = max(width_px, 1)
    s = scale
    while True:
        wrapped = [_wrap(t, width_px, s, thick) for t in texts]
        n_lines = sum(len(w) for w in wrapped)
        ok = (
            all(text_width_px(line, s, thick) <= width_px for w in wrapped for line in w)
            and block_height_px(n_lines, s, thick) <= max_height_px
            and (s <= floor_scale or all(len(w) <= max_lines for w in wrapped))
        )
        # 0.05: about one pixel high; no frame gets there, but the loop ends.
        if ok or s < 0.05:
            return wrapped, s
        # The floor itself is tried on the way down.
        s = max(s * SHRINK, floor_scale) if s > floor_scale else s * SHRINK


def fit_line(text: str, width_px: int, scale: float, thick: int) -> float:
    """The scale at which one line (a count, a label: never wrapped) fits
    width_px: `scale`, or smaller."""
    s = scale
    while text_width_px(text, s, thick) > max(width_px, 1) and s >= 0.05:
        s *= SHRINK
    return s


def lines_at(lines: list[str], x: int, top_px: int, scale: float, thick: int, color: Color) -> list[TextItem]:
    """TextItems for lines whose first ascent starts at top_px."""
    ascent, _, step = line_metrics_px(scale, thick)
    m = halo_px(thick)
    return [TextItem(line, (x + m, top_px + ascent + i * step), scale, thick, color) for i, line in enumerate(lines)]


def make_banner(
    lines: list[str],
    x0: int,
    x1: int,
    top_px: int,
    pad_px: int,
    scale: float,
    thick: int,
    fill: Color,
    color: Color,
    stop: bool = False,
) -> Banner:
    """A strip from x0 to x1 starting at top_px, padded pad_px round its text."""
    vpad = _banner_vpad_px(scale, thick)
    items = lines_at(lines, x0 + pad_px, top_px + vpad, scale, thick, color)
    height = block_height_px(len(lines), scale, thick) + 2 * vpad
    return Banner((x0, top_px, x1, top_px + height), fill, tuple(items), stop)


def _banner_vpad_px(scale: float, thick: int) -> int:
    ascent, _, _ = line_metrics_px(scale, thick)
    return max(2, int(0.3 * ascent))


def banner_height_px(n_lines: int, scale: float, thick: int) -> int:
    return block_height_px(n_lines, scale, thick) + 2 * _banner_vpad_px(scale, thick)


def fit_banner_texts(
    texts: list[str], width_px: int, scale: float, thick: int, max_lines: int, max_height_px: int
) -> tuple[list[list[str]], float]:
    """fit_texts for banners: the height includes each banner's padding, and
    instructions keep READABLE_SCALE before they shrink."""
    s0 = max(scale, READABLE_SCALE)
    s = s0
    while True:
        wrapped, s = fit_texts(texts, width_px, s, thick, max_lines, 10**9, min(s0, READABLE_SCALE))
        total = sum(banner_height_px(len(w), s, thick) for w in wrapped)
        if total <= max_height_px or s < 0.05:
            return wrapped, s
        s *= SHRINK


def draw_text(img: npt.NDArray[np.uint8], item: TextItem) -> None:
    """Text with a dark outline, readable on any background."""
    cv2.putText(img, item.text, item.org, FONT, item.scale, BLACK, item.thick + OUTLINE_EXTRA, cv2.LINE_AA)
    cv2.putText(img, item.text, item.org, FONT, item.scale, item.color, item.thick, cv2.LINE_AA)


def draw_banner(img: npt.NDArray[np.uint8], banner: Banner | None) -> None:
    if banner is None:
        return
    x0, y0, x1, y1 = banner.rect
    cv2.rectangle(img, (x0, y0), (x1 - 1, y1 - 1), banner.color, -1)
    # A dark top edge keeps stacked strips of one colour apart.
    cv2.line(img, (x0, y0), (x1 - 1, y0), BLACK, 1)
    for item in banner.lines:
        draw_text(img, item)
