"""Cuts in a recording: the whole body jumping between two frames.

Videos shared by apps and video libraries are edited: jump cuts, two takes
joined, a title card dissolving into the clip. A person cannot move their
whole body a large part of its own size in one frame, so such a jump is a
cut, not a movement: the smoothing must not drag the landmarks across it
(the angles of the frames in between would be a blend of two poses), and
the speed rules must not read it as a jerk. Pure: landmark arrays in, a
yes or no out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# The median landmark moving this share of the body's size (the diagonal of
# the box round its well-seen landmarks) in one frame is a cut. A movement
# moves limbs, not every landmark: over the 110 samples and 12 real clips the
# largest without a cut was 0.12 (the model locking onto a person getting
# down into a plank), squats and walk-outs 0.07; two takes of a bridge
# joined read 0.76. A reframed jump cut (a 12% zoom) reads 0.04: not a cut
# to this measure, and its angles barely change.
CUT_SHARE = 0.25
# Landmarks seen at least this well say where the body is.
SEEN = 0.5


class CutDetector:
    """Says whether a frame jumps from the previous one (see module doc)."""

    def __init__(self) -> None:
        self._prev: npt.NDArray[np.float64] | None = None

    def update(
        self, image_xyz: npt.NDArray[np.floating], visibility: npt.NDArray[np.floating], frame_size: tuple[int, int]
    ) -> bool:
        """Feed one frame's (33, 3) normalised landmarks (NaN: nobody) and
        (33,) visibility; True when it is a cut from the last frame with a
        person."""
        if np.isnan(image_xyz[0, 0]):
            return False
        px = np.asarray(image_xyz[:, :2], np.float64) * np.asarray(frame_size, np.float64)
        prev, self._prev = self._prev, px
        if prev is None:
            return False
        return _jump_share(prev, px, visibility) > CUT_SHARE


def _jump_share(
    before_px: npt.NDArray[np.float64], after_px: npt.NDArray[np.float64], visibility: npt.NDArray[np.floating]
) -> float:
    """How far the median well-seen landmark is from `before_px` in
    `after_px`, as a share of the body's size there (0 when too few are
    seen to tell)."""
    seen = np.asarray(visibility) >= SEEN  # NaN is never seen
    n = int(np.count_nonzero(seen))
    if n < 4:
        return 0.0
    pts = after_px[seen]
    box = pts.max(axis=0) - pts.min(axis=0)
    size = float(np.hypot(box[0], box[1]))
    if size <= 0:
        return 0.0
    moved = np.sqrt(((pts - before_px[seen]) ** 2).sum(axis=1))
    return float(np.partition(moved, n // 2)[n // 2]) / size  # the upper median: a cheap one per frame


# A cut followed within this time by a cut back to where the body was before
# the first is the model reading something else for a while, not an edit:
# a bystander crossing in front, or a small, dark or turned picture read as
# a folded body (a 202x360 bridge turned by 6 deg: its knees read at its
# hips and back, 13 jumps in 4 s, each counting a rep or reading as a jerk).
OUT_AND_BACK_S = 2.0
# One frame out and back, alone, is left to the defences against single
# wrong frames (the speed rule's medians and out-and-back check, the neutral
# guard): as nobody in view it would restart the smoothing, and a wobbly
# 202x360 bridge then read a jerk on its way back up. Single frames that
# flicker (another misread within OUT_AND_BACK_S) are misreads.
MIN_MISREAD_FRAMES = 2
# A jump over CUT_SHARE is beyond a body only between frames this close:
# the fastest real movement moved 0.12 of the body's size in a frame of
# 1/15 s (1.8 sizes a second), so 0.25 takes 0.14 s. Farther apart (a
# strided analysis: --stride 6 on 15 fps reads 2.5 frames a second) a
# rocking body jumps that far, and its reps were masked away (1 of 4).
MISREAD_MAX_STEP_S = 0.14
# Back on the body within this long of a jump off it: frames read off the
# body, whether the way back reads as a jump or not (_way_back).
SHORT_RUN_OUT_S = 0.3


def cut_frames(
    t_s: npt.NDArray[np.float64],
    image_xyz: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating],
    frame_size: tuple[int, int],
) -> list[int]:
    """Indices of the frames that jump from the last frame with a person
    (CutDetector), where that frame is at most MISREAD_MAX_STEP_S before."""
    detector = CutDetector()
    person = ~np.isnan(np.asarray(image_xyz[:, 0, 0], np.float64))
    seen_t = np.where(person, t_s, -np.inf)
    prev_t = np.concatenate([[-np.inf], np.maximum.accumulate(seen_t)[:-1]])
    return [
        i
        for i in range(len(t_s))
        if detector.update(image_xyz[i], visibility[i], frame_size) and t_s[i] - prev_t[i] <= MISREAD_MAX_STEP_S
    ]


def _out_and_back(
    t_s: npt.NDArray[np.float64],
    image_xyz: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating],
    frame_size: tuple[int, int],
) -> tuple[list[int], list[tuple[int, int]]]:
    """The cut frames (cut_frames), and the spans (first frame read off the
    body, the frame back) of those that return within CUT_SHARE of the last
    frame before them: by any frame within SHORT_RUN_OUT_S, or by a cut
    back within OUT_AND_BACK_S."""
    n = len(t_s)
    px = np.asarray(image_xyz[:, :, :2], np.float64) * np.asarray(frame_size, np.float64)
    person = ~np.isnan(px[:, 0, 0])
    cuts = cut_frames(t_s, image_xyz, visibility, frame_size)
    cut_set = set(cuts)
    spans: list[tuple[int, int]] = []
    away = np.zeros(n, bool)  # frames in a span: never where the body was
    k = 0
    while k < len(cuts):
        i = cuts[k]
        before = np.flatnonzero(person[:i] & ~away[:i])
        j = _way_back(t_s, px, visibility, person, cut_set, px[before[-1]], i) if len(before) else None
        if j is None:
            k += 1
            continue
        spans.append((i, j))
        away[i:j] = True
        # The jumps inside the span, and a jump back, are not cuts out.
        while k < len(cuts) and cuts[k] <= j:
            k += 1
    return cuts, spans


def _way_back(
    t_s: npt.NDArray[np.float64],
    px: npt.NDArray[np.float64],
    visibility: npt.NDArray[np.floating],
    person: npt.NDArray[np.bool_],
    cut_set: set[int],
    ref: npt.NDArray[np.float64],
    i: int,
) -> int | None:
    """The first frame after the cut at i back within CUT_SHARE of `ref`
    (the frame before the cut): any frame with a person within
    SHORT_RUN_OUT_S, a cut (a jump back) within OUT_AND_BACK_S; or None.

    The way back from a few frames the model read off the body need not be
    a jump itself, so near the cut it is looked for among all the frames,
    not only the cuts. A push-up filmed from the floor had a frame that saw
    only the face (visibility 0.27) and squeezed the unseen arms up to it:
    into it the body jumped 1.1 of its size, out of it 0.18. A CrossFit
    demo's fast descent had four such frames in a row (visibility 0.3-0.7),
    then one landing 0.11 from the last of them and 0.49 from the body, then
    the body. Looking only among later jumps, the next one a second or two
    later (at the next top) was taken for the way back and the push-up
    between was masked as misread. A body cannot jump a quarter of its size
    in a frame and be back where it was within SHORT_RUN_OUT_S by itself,
    nor an edit's next shot show the person back in the same place that
    soon."""
    for j in range(i + 1, len(t_s)):
        since_s = t_s[j] - t_s[i]
        if since_s > OUT_AND_BACK_S:
            return None
        near = since_s <= SHORT_RUN_OUT_S
        if person[j] and (near or j in cut_set) and _jump_share(ref, px[j], visibility[j]) <= CUT_SHARE:
            return j
    return None


def misread_frames(
    t_s: npt.NDArray[np.float64],
    image_xyz: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating],
    frame_size: tuple[int, int],
) -> npt.NDArray[np.bool_]:
    """(T,) frames read off the body and back (see OUT_AND_BACK_S): from
    a cut to the cut that returns within CUT_SHARE of the last frame before
    it, MIN_MISREAD_FRAMES or more. Needs the frames after (offline: the
    whole track); a lone cut (a jump cut, two takes joined) marks nothing."""
    _, spans = _out_and_back(t_s, image_xyz, visibility, frame_size)
    out = np.zeros(len(t_s), bool)
    for a, b in spans:
        flicker = any(s != (a, b) and abs(t_s[s[0]] - t_s[a]) <= OUT_AND_BACK_S for s in spans)
        if b - a >= MIN_MISREAD_FRAMES or flicker:
            out[a:b] = True
    return out


def edit_cuts(
    t_s: npt.NDArray[np.float64],
    image_xyz: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating],
    frame_size: tuple[int, int],
) -> list[int]:
    """The cuts that stay cut (an edit: a jump cut, another camera, two
    takes joined): cut_frames without those the body comes back from
    within OUT_AND_BACK_S (a misread out and back, a frame or more)."""
    cuts, spans = _out_and_back(t_s, image_xyz, visibility, frame_size)
    paired = {i for span in spans for i in span}
    return [c for c in cuts if c not in paired]
