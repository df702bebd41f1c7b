"""Drawn text found and painted out (io/drawn_text.py): lines of letters in
an app's colours over a person and a room are found; the person, the room
and a word of one or two letters are not; a clip with a banner over a plank
is timed right once the text is painted out."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.core.measures import HeadReads
from posecheck.io.drawn_text import LOOK_EVERY, DrawnTextEraser, drawn_text_mask, without_drawn_text

from conftest import CLIPS, SAMPLES, needs_clips, needs_mediapipe

W, H = 640, 480
FONT = cv2.FONT_HERSHEY_DUPLEX


def _scene(w: int = W, h: int = H) -> np.ndarray:
    """A room with noise, and a person: a shaded shirt (vivid blue in flat
    bands, as a renderer shades it), skin and trousers."""
    rng = np.random.default_rng(3)
    rgb = np.empty((h, w, 3), np.uint8)
    rgb[: h // 2] = (160, 164, 170)  # a wall
    rgb[h // 2 :] = (140, 128, 110)  # the floor
    rgb = np.clip(rgb + rng.normal(0, 3, rgb.shape), 0, 255).astype(np.uint8)
    cx = w // 2
    for k, blue in enumerate(range(150, 250, 10)):  # shading bands down the shirt
        y0 = h // 4 + k * (h // 40)
        cv2.rectangle(rgb, (cx - w // 10, y0), (cx + w // 10, y0 + h // 40), (40, 90, blue), -1)
    cv2.circle(rgb, (cx, h // 6), h // 14, (225, 180, 150), -1)  # a face
    cv2.rectangle(rgb, (cx - w // 12, h // 2), (cx + w // 12, h - 20), (50, 50, 60), -1)
    return rgb


def _text(rgb: np.ndarray, words: str, at: tuple[int, int], colour: tuple[int, int, int], scale: float) -> np.ndarray:
    """The picture with words drawn, and the drawn pixels."""
    layer = np.zeros(rgb.shape[:2], np.uint8)
    cv2.putText(layer, words, at, FONT, scale, 255, max(2, round(scale * 2)), cv2.LINE_AA)
    out = rgb.copy()
    out[layer > 127] = colour
    return out, layer > 127


@pytest.mark.parametrize(
    "colour", [(255, 255, 255), (80, 250, 80), (250, 220, 40), (240, 60, 60)], ids=["white", "green", "yellow", "red"]
)
def test_a_line_of_text_over_the_person_is_found(colour: tuple[int, int, int]) -> None:
    scene = _scene()
    drawn, letters = _text(scene, "HOLD 12s", (150, 160), colour, 2.0)
    mask = drawn_text_mask(drawn)
    assert (mask & letters).sum() >= 0.9 * letters.sum()
    # Nothing but the letters (and their anti-aliased rims).
    rim = cv2.dilate(letters.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert not (mask & ~rim).any()


def test_small_caption_text_is_found() -> None:
    drawn, letters = _text(_scene(), "Keep your hips level", (180, 300), (255, 255, 255), 0.7)
    assert (drawn_text_mask(drawn) & letters).sum() >= 0.8 * letters.sum()


def test_the_person_and_the_room_are_not_text() -> None:
    assert not drawn_text_mask(_scene()).any()


def test_one_or_two_letters_are_not_a_line() -> None:
    drawn, _ = _text(_scene(), "OK", (250, 160), (255, 255, 255), 2.0)
    assert not drawn_text_mask(drawn).any()


def test_text_is_found_in_a_large_picture_too() -> None:
    drawn, letters = _text(_scene(1920, 1080), "HOLD 12s", (500, 400), (80, 250, 80), 5.0)
    assert (drawn_text_mask(drawn) & letters).sum() >= 0.9 * letters.sum()


@pytest.mark.parametrize("shape", [(2000, 2, 3), (3, 1600, 3), (1, 1, 3)], ids=["tall sliver", "wide sliver", "pixel"])
def test_a_sliver_of_a_picture_has_no_text_and_no_error(shape: tuple[int, int, int]) -> None:
    rgb = np.full(shape, 255, np.uint8)
    out, found = without_drawn_text(rgb)
    assert out is rgb and not found
    assert not drawn_text_mask(rgb).any()


def test_painted_out_letters_take_the_colour_around_them() -> None:
    scene = _scene()
    drawn, letters = _text(scene, "HOLD 12s", (150, 160), (80, 250, 80), 2.0)
    clean, found = without_drawn_text(drawn)
    assert found
    before = np.abs(drawn[letters].astype(int) - scene[letters]).mean()
    after = np.abs(clean[letters].astype(int) - scene[letters]).mean()
    assert after < 0.25 * before
    same, found = without_drawn_text(scene)
    assert same is scene and not found


def test_the_eraser_looks_at_every_frame_while_text_is_up() -> None:
    # Every LOOK_EVERY-th frame is looked at while there is no text, so text
    # coming up is painted out from at most LOOK_EVERY - 1 frames later;
    # once found, every frame (a counter's digits change every frame).
    scene = _scene()
    drawn, _ = _text(scene, "HOLD 12s", (150, 160), (80, 250, 80), 2.0)
    eraser = DrawnTextEraser()
    appears = 2 * LOOK_EVERY + 1
    frames = [scene] * appears + [drawn] * (3 * LOOK_EVERY)
    said, erased = [], []
    for rgb in frames:
        out, found = eraser(rgb)
        said.append(found)
        erased.append(out is not rgb)
    first = 3 * LOOK_EVERY  # the first frame looked at with the text up
    assert not any(erased[:first]) and all(erased[first:])
    assert said == erased


class _Nobody:
    """An estimator that finds nobody: extraction without the model."""

    name = "nobody"

    def detect_frames(self, frames):
        for key, _ in frames:
            yield key, []

    def track(self, before, t_s, rgb):
        return []

    def end_track(self) -> None:
        pass


def test_the_track_keeps_the_frames_text_was_painted_out_of(tmp_path: Path) -> None:
    from posecheck.io.extract import extract_track

    scene = cv2.cvtColor(_scene(), cv2.COLOR_RGB2BGR)
    drawn, _ = _text(scene, "HOLD 12s", (150, 160), (255, 255, 255), 2.0)
    video = tmp_path / "caption.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (W, H))
    appears = LOOK_EVERY + 2  # up from frame 10: first looked at in frame 16
    for i in range(4 * LOOK_EVERY):
        writer.write(drawn if i >= appears else scene)
    writer.release()
    bare = HeadReads(face=False, profile=False)
    erased = extract_track(video, _Nobody(), read_head=bare).text_erased
    first = 2 * LOOK_EVERY
    assert erased is not None and not erased[:first].any() and erased[first:].all()
    assert extract_track(video, _Nobody(), read_head=bare, erase_text=False).text_erased is None


def _frames(video: Path, every_s: float) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(video))
    step = max(1, round(every_s * (cap.get(cv2.CAP_PROP_FPS) or 30)))
    out, i = [], 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        if i % step == 0:
            out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        i += 1
    cap.release()
    return out


@pytest.mark.parametrize(
    "clip",
    [
        "plank_side_render.mp4",  # a blue shirt, white socks
        "neck_side_tilt_short_front.mp4",
        "shoulder_raises_front.mp4",
        "plank_side_render_overlay_skeleton.mp4",  # drawn lines and dots are not letters
    ],
)
def test_nothing_is_found_in_rendered_clips_without_text(clip: str) -> None:
    assert not any(drawn_text_mask(rgb).any() for rgb in _frames(SAMPLES / clip, 2.0))


@needs_clips
@pytest.mark.clips
@pytest.mark.parametrize("clip", ["squat_side.mp4", "pushup_side.mp4", "neck_rotation_seated.mp4"])
def test_nothing_is_found_in_real_clips_without_text(clip: str) -> None:
    assert not any(drawn_text_mask(rgb).any() for rgb in _frames(CLIPS / clip, 2.0))


@needs_clips
@pytest.mark.clips
def test_a_real_title_over_the_floor_is_found_and_not_the_person() -> None:
    # cat_cow_portrait: "CAT-COW STRETCH" in white under the person.
    rgb = _frames(CLIPS / "cat_cow_portrait.mp4", 2.0)[1]
    mask = drawn_text_mask(rgb)
    h = rgb.shape[0]
    assert mask.sum() > 5000
    assert not mask[: int(0.6 * h)].any()  # the person is in the upper 60%


@needs_mediapipe
@pytest.mark.model
def test_a_plank_under_a_banner_is_timed_once_the_text_is_painted_out() -> None:
    # "HOLD 6.3s" across the shoulders and a caption over the hips: read as
    # drawn, the plank was timed 2 s of 15.8; the text painted out, 16.1.
    from posecheck.core.analysis import analyze_track
    from posecheck.io.extract import extract_track
    from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator
    from posecheck.spec import load_exercise

    with MediaPipePoseEstimator() as est:
        track = extract_track(SAMPLES / "plank_side_render_overlay_text.mp4", est)
    assert track.text_erased is not None and track.text_erased.all()  # the banner is up throughout
    holds = analyze_track(track, load_exercise("plank")).holds
    assert len(holds) == 1 and abs(holds[0].duration_s - 15.823) <= 0.5
