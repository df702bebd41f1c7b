"""Text drawn over the picture, found and painted out before the pose model
reads the frame.

Apps and video editors draw counters, timers and cues over the person
("HOLD 6.3s" across the shoulders, a caption over the hips). The model then
reads the body under the letters confidently and wrong: on a rendered forearm
plank under such a banner the hips read 1-4 deg above the ankles (7 without
the text), so the plank was timed 2 s of 15.8; a caption across a standing
person's shoulders tilted their line by 9 deg and broke a neck hold. With the
letters filled in from their surroundings the same frames read right: the
plank 16.1 s (16.3 without the banner), every neck hold whole.

What counts as drawn text is narrow on purpose, since painting out a piece of
the person would do harm: a line of at least `MIN_GLYPHS` glyphs, each

- one flat fill: white, or one vivid hue (one of six 60 deg sectors), so a
  shirt's shaded folds and skin do not qualify;
- standing out from what it is drawn on by `MIN_CONTRAST` in a channel;
- shaped like a letter: `MIN_GLYPH_PX` to `MAX_GLYPH_SHARE` of the picture
  high, at most twice as wide as high, filling 30-85% of its box (a bar such
  as "l" or "1" may fill more);

and its neighbours in the line side by side (sharing most of the height), of
like height and colour, close together. Nothing is found on any frame of the
rendered samples without text, nor on a person in the real clips (README,
"Edited recordings").

It misses, by design: text of nearly the colour of the wall it is on (the two
merge), thin outlined digits, and the semi-transparent box behind a caption
(the model reads the body through the tint).
"""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

# A glyph: height in pixels at the size it is looked for at, share of the picture.
MIN_GLYPH_PX = 7
MAX_GLYPH_SHARE = 0.3
# Fill colours: white, or a vivid hue.
WHITE_MIN = 215
WHITE_MAX_SATURATION_PCT = 12
VIVID_MIN = 150
VIVID_MIN_SATURATION_PCT = 45
HUE_SECTORS = 6
MIN_GLYPH_AREA_PX = 20
# A flat fill (standard deviation per channel) that stands out from the ring
# of pixels RING_PX around it.
MAX_FILL_SD = 25.0
MIN_CONTRAST = 60.0
RING_PX = 2
# A line: MIN_GLYPHS or more, each sharing LINE_OVERLAP of the shorter
# one's height with its neighbour, at least half as tall, colours within
# MAX_COLOUR_STEP in every channel, at most MAX_GAP x the taller one's height apart.
MIN_GLYPHS = 3
LINE_OVERLAP = 0.6
MAX_COLOUR_STEP = 30.0
MAX_GAP = 0.6
# Larger pictures are searched (and painted) shrunk by a whole factor to at
# most this longer side (1280x720 at 640x360).
SEARCH_MAX_SIDE_PX = 720
# Frames looked at: every LOOK_EVERY-th, and every one while text was found
# in the last KEEP_LOOKING.
LOOK_EVERY = 8
KEEP_LOOKING = 8
# The painted-out area: the letters and their anti-aliased or outlined edge,
# filled from the pixels in a box this wide around each.
EDGE_PX = 2
FILL_PX = 15

FloatArray = npt.NDArray[np.float64]


def _colour_classes(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Per pixel: 0 not a fill colour, 1 white, 2.. a vivid hue's sector."""
    r, g, b = cv2.split(rgb)
    brightest = cv2.max(cv2.max(r, g), b)
    hi = brightest.astype(np.uint16)
    spread = cv2.subtract(brightest, cv2.min(cv2.min(r, g), b)).astype(np.uint16)
    classes = np.zeros(hi.shape, np.uint8)
    # saturation = spread / hi, compared in whole numbers (percent)
    classes[(hi >= WHITE_MIN) & (100 * spread <= WHITE_MAX_SATURATION_PCT * hi)] = 1
    vivid = (hi >= VIVID_MIN) & (100 * spread >= VIVID_MIN_SATURATION_PCT * hi)
    if vivid.any():
        hue = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)[..., 0]  # 0..179
        width = 180 // HUE_SECTORS
        sector = ((hue[vivid].astype(np.uint16) + width // 2) // width) % HUE_SECTORS
        classes[vivid] = 2 + sector.astype(np.uint8)
    return classes


class _Glyphs:
    """The glyph-like components of one picture: label image, and per glyph
    (ids 1..n) its box (x, y, w, h) and mean colour."""

    def __init__(self, rgb: npt.NDArray[np.uint8]) -> None:
        classes = _colour_classes(rgb)
        # Each glyph's pixels carry its id (1..), everything else 0.
        self.labels = np.zeros(classes.shape, np.int32)
        boxes: list[npt.NDArray[np.int32]] = []
        colours: list[FloatArray] = []
        counts = np.bincount(classes.ravel(), minlength=2 + HUE_SECTORS)
        for k in np.flatnonzero(counts[1:] >= MIN_GLYPHS * MIN_GLYPH_AREA_PX) + 1:
            found = self._class_glyphs(rgb, (classes == k).astype(np.uint8), sum(map(len, boxes)))
            if found is not None:
                boxes.append(found[0])
                colours.append(found[1])
        self.boxes = np.concatenate(boxes) if boxes else np.zeros((0, 4), np.int32)
        self.colours = np.concatenate(colours) if colours else np.zeros((0, 3))

    def _class_glyphs(
        self, rgb: npt.NDArray[np.uint8], mask: npt.NDArray[np.uint8], first: int
    ) -> tuple[npt.NDArray[np.int32], FloatArray] | None:
        """The glyphs of one fill colour (labelled first+1..), their boxes
        and colours; searched within the box around that colour's pixels."""
        h, w = mask.shape
        bx, by, bw, bh = cv2.boundingRect(mask)
        x0, y0 = max(0, bx - RING_PX), max(0, by - RING_PX)
        x1, y1 = min(w, bx + bw + RING_PX), min(h, by + bh + RING_PX)
        n, lab, stats, _ = cv2.connectedComponentsWithStats(mask[y0:y1, x0:x1], connectivity=8)
        # The shape first (cheap, from the boxes), the colours of those only.
        _, _, cw, ch, area = stats.T
        fill = area / np.maximum(cw * ch, 1)
        letter = (fill >= 0.3) & ((fill <= 0.85) | (cw <= 0.4 * ch))
        shaped = (ch >= MIN_GLYPH_PX) & (ch <= MAX_GLYPH_SHARE * h) & (cw <= 2 * ch) & (area >= MIN_GLYPH_AREA_PX)
        shaped &= letter
        shaped[0] = False
        if not shaped.any():
            return None
        lut = np.zeros(n, np.int32)
        lut[shaped] = np.arange(1, shaped.sum() + 1)
        glyph = lut[lab]
        mean, sd, contrast = _fill_stats(rgb[y0:y1, x0:x1], glyph, int(shaped.sum()) + 1)
        ok = (sd <= MAX_FILL_SD) & (contrast >= MIN_CONTRAST)
        ok[0] = False
        if not ok.any():
            return None
        ids = np.zeros(len(ok), np.int32)
        ids[ok] = first + np.arange(1, ok.sum() + 1)
        region = self.labels[y0:y1, x0:x1]
        inside = glyph > 0
        region[inside] = ids[glyph[inside]]
        boxes = stats[shaped][ok[1:], :4] + np.array([x0, y0, 0, 0], np.int32)
        return boxes, mean[ok]

    def in_lines(self) -> npt.NDArray[np.int64]:
        """Ids of the glyphs in a line of at least MIN_GLYPHS."""
        n = len(self.boxes)
        if n < MIN_GLYPHS:
            return np.zeros(0, np.int64)
        x, y, w, h = (self.boxes[:, i].astype(np.float64) for i in range(4))
        tall = np.maximum(h[:, None], h[None, :])
        short = np.minimum(h[:, None], h[None, :])
        # One line: the boxes share most of the shorter one's height (a "p"
        # hangs below an "e", a "K" stands above it).
        overlap = np.minimum((y + h)[:, None], (y + h)[None, :]) - np.maximum(y[:, None], y[None, :])
        line = overlap >= LINE_OVERLAP * short
        alike = short >= 0.5 * tall
        colour = np.abs(self.colours[:, None, :] - self.colours[None, :, :]).max(axis=2) <= MAX_COLOUR_STEP
        gap = np.maximum(x[None, :] - (x + w)[:, None], x[:, None] - (x + w)[None, :])
        near = line & alike & colour & (gap <= MAX_GAP * tall)
        group = _groups(n, np.argwhere(np.triu(near, 1)))
        sizes = np.bincount(group, minlength=n)
        return np.flatnonzero(sizes[group] >= MIN_GLYPHS) + 1


def _fill_stats(
    rgb: npt.NDArray[np.uint8], lab: npt.NDArray[np.int32], n: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per component (labels 1..n-1) of the picture: mean colour, largest
    channel standard deviation, and largest channel difference from the ring
    of pixels just outside it."""
    inside = lab > 0
    mean, sq = _sums(rgb[inside], lab[inside], n)
    sd = np.sqrt(np.maximum(sq - mean**2, 0.0)).max(axis=1)
    size = 2 * RING_PX + 1
    grown = cv2.dilate(lab.astype(np.float32), np.ones((size, size), np.uint8)).astype(np.int32)
    ring = ~inside & (grown > 0)
    ring_mean, _ = _sums(rgb[ring], grown[ring], n)
    return mean, sd, np.abs(mean - ring_mean).max(axis=1)


def _sums(values: npt.NDArray[np.uint8], ids: npt.NDArray[np.int32], n: int) -> tuple[FloatArray, FloatArray]:
    """Per id: mean of the (k, 3) values and mean of their squares."""
    count = np.maximum(np.bincount(ids, minlength=n), 1).astype(np.float64)[:, None]
    v = values.astype(np.float64)
    mean = np.stack([np.bincount(ids, v[:, c], n) for c in range(3)], axis=1) / count
    sq = np.stack([np.bincount(ids, v[:, c] ** 2, n) for c in range(3)], axis=1) / count
    return mean, sq


def _groups(n: int, pairs: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Connected groups of n items joined by pairs: each item's group root."""
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for a, b in pairs.tolist():
        parent[root(a)] = root(b)
    return np.array([root(i) for i in range(n)], np.int64)


def _search_scale(rgb: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint8], int]:
    """The picture to search, shrunk by a whole factor until its longer
    side is at most SEARCH_MAX_SIDE_PX (a whole factor is a fast average),
    and that factor."""
    h, w = rgb.shape[:2]
    k = -(-max(h, w) // SEARCH_MAX_SIDE_PX)
    if k == 1:
        return rgb, 1
    size = (max(1, w // k), max(1, h // k))
    return cast("npt.NDArray[np.uint8]", cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)), k


def _mask_of(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    if min(rgb.shape[:2]) < MIN_GLYPH_PX:  # a sliver: no letter fits
        return np.zeros(rgb.shape[:2], bool)
    glyphs = _Glyphs(rgb)
    found = glyphs.in_lines()
    return np.isin(glyphs.labels, found) if len(found) else np.zeros(rgb.shape[:2], bool)


def drawn_text_mask(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Pixels of the lines of drawn text in an RGB picture (their edges
    not included)."""
    small, k = _search_scale(rgb)
    mask = _mask_of(small)
    if k > 1 and mask.any():
        h, w = rgb.shape[:2]
        mask = cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
    return mask


def _line_boxes(mask: npt.NDArray[np.uint8]) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) around the lines of a mask: its pixels closer than
    FILL_PX joined."""
    lines = cv2.dilate(mask, np.ones((FILL_PX, FILL_PX), np.uint8))
    stats = cv2.connectedComponentsWithStats(lines, connectivity=8)[2]
    return [(x, y, bw, bh) for x, y, bw, bh, _ in stats[1:].tolist()]


def _filled(
    rgb: npt.NDArray[np.uint8], hole: npt.NDArray[np.bool_], lines: list[tuple[int, int, int, int]]
) -> npt.NDArray[np.uint8]:
    """The picture with the hole filled from the pixels around it: the mean
    of the known pixels in a FILL_PX box (a normalised box filter), widened
    where a box holds none. As good as OpenCV's inpainting for the pose
    model, at a tenth of its time on a banner. Each line of text (`lines`,
    from _line_boxes) is filled within its own box and the widest reach
    around it."""
    out = rgb.copy()
    reach = 4 * FILL_PX
    h, w = hole.shape
    for x, y, bw, bh in lines:
        y0, y1, x0, x1 = max(0, y - reach), min(h, y + bh + reach), max(0, x - reach), min(w, x + bw + reach)
        out[y0:y1, x0:x1] = _filled_box(rgb[y0:y1, x0:x1], hole[y0:y1, x0:x1])
    return out


def _filled_box(rgb: npt.NDArray[np.uint8], hole: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint8]:
    known = (~hole).astype(np.float32)
    values = rgb.astype(np.float32) * known[..., None]
    out = rgb.copy()
    todo = hole.copy()
    size = FILL_PX
    while todo.any() and size <= 8 * FILL_PX:
        weight = cv2.boxFilter(known, -1, (size, size), normalize=False)
        total = cv2.boxFilter(values, -1, (size, size), normalize=False)
        can = todo & (weight > 0)
        out[can] = (total[can] / weight[can, None]).round().clip(0, 255).astype(np.uint8)
        todo &= ~can
        size *= 2
    return out


def without_drawn_text(rgb: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint8], bool]:
    """The picture with its drawn text painted out from the surroundings,
    and whether there was any (when not, the picture itself). Found and
    painted at the search size; only the painted pixels are scaled back,
    line by line."""
    small, k = _search_scale(rgb)
    mask = _mask_of(small)
    if not mask.any():
        return rgb, False
    edge = 2 * EDGE_PX + 1
    grown = cast("npt.NDArray[np.uint8]", cv2.dilate(mask.astype(np.uint8), np.ones((edge, edge), np.uint8)))
    lines = _line_boxes(grown)
    painted = _filled(small, grown.astype(bool), lines)
    if k == 1:
        return painted, True
    out = rgb.copy()
    for x, y, bw, bh in lines:
        size = (bw * k, bh * k)
        where = cv2.resize(grown[y : y + bh, x : x + bw], size, interpolation=cv2.INTER_NEAREST).astype(bool)
        up = cv2.resize(painted[y : y + bh, x : x + bw], size, interpolation=cv2.INTER_LINEAR)
        out[y * k : (y + bh) * k, x * k : (x + bw) * k][where] = up[where]
    return out, True


class DrawnTextEraser:
    """Paints out drawn text frame by frame, looking at every
    `LOOK_EVERY`-th frame while none is found and at every frame while some
    was found in the last `KEEP_LOOKING` frames: text stays up for seconds,
    and a clip without any costs an eighth of the search. Frames must come
    in order (one eraser per video). Says of each frame whether text was
    painted out of it: the track keeps that (`text_erased`), so a report can
    say that the model read an altered picture."""

    def __init__(self) -> None:
        self._frame = -1
        self._last_found = -KEEP_LOOKING - 1

    def __call__(self, rgb: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint8], bool]:
        """(the picture to read, whether text was painted out of it)."""
        self._frame += 1
        if self._frame - self._last_found > KEEP_LOOKING and self._frame % LOOK_EVERY:
            return rgb, False
        out, found = without_drawn_text(rgb)
        if found:
            self._last_found = self._frame
        return out, found
