"""Cuts: the whole body jumping between two frames is an edit, not a movement."""

from __future__ import annotations

import json

import numpy as np

from posecheck.core.analysis import analyze_track
from posecheck.core.cuts import OUT_AND_BACK_S, CutDetector, edit_cuts, misread_frames
from posecheck.core.track import LandmarkTrack
from posecheck.spec import load_exercise

from conftest import SAMPLES


def _person(dx: float = 0.0, scale: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(0)
    xyz = np.zeros((33, 3), np.float32)
    xyz[:, 0] = 0.5 + dx + scale * rng.uniform(-0.1, 0.1, 33)
    xyz[:, 1] = 0.5 + scale * rng.uniform(-0.3, 0.3, 33)
    return xyz


def test_a_whole_body_jump_is_a_cut_and_a_movement_is_not():
    vis = np.ones(33, np.float32)
    det = CutDetector()
    assert not det.update(_person(), vis, (640, 480))
    moved = _person()
    moved[15:17, :2] += 0.2  # both wrists swing far: a movement
    assert not det.update(moved, vis, (640, 480))
    assert det.update(_person(dx=0.3, scale=0.6), vis, (640, 480))  # another take, framed apart
    nobody = np.full((33, 3), np.nan, np.float32)
    assert not det.update(nobody, vis, (640, 480))


def test_two_takes_joined_give_no_slow_down_at_the_join():
    """The first half of one recording of the rotation holds joined to the
    second half of another (other body, framing and camera angle): without
    the cut, the smoothing dragged the landmarks across the join and the
    turn read a jerk there."""
    a = LandmarkTrack.load(SAMPLES / "neck_rotation_hold_front.npz")
    b = LandmarkTrack.load(SAMPLES / "neck_rotation_hold_jerk_front.npz")
    first = a.select(a.t_s < a.duration_s / 2)
    second = b.select(b.t_s >= b.duration_s / 2)
    second = second.replace(t_s=second.t_s - second.t_s[0] + 1.0 / a.fps)
    joined, starts = LandmarkTrack.played_in_turn([first, second])
    result = analyze_track(joined, load_exercise("neck_rotation_hold"))
    join_s = starts[1]
    assert not [w for w in result.warnings if w.severity != "info" and abs(w.t_s - join_s) < 1.5]


def test_a_jump_away_and_back_is_a_misread_and_a_lone_jump_is_not():
    t = np.arange(12) / 10.0
    body, other = _person(), _person(dx=0.3, scale=0.6)
    frames = [body] * 4 + [other] * 3 + [body] * 5  # away at 0.4 s, back at 0.7 s
    vis = np.ones((12, 33), np.float32)
    got = misread_frames(t, np.stack(frames), vis, (640, 480))
    assert got.tolist() == [False] * 4 + [True] * 3 + [False] * 5
    joined = np.stack([body] * 6 + [other] * 6)  # two takes: one jump, not back
    assert not misread_frames(t, joined, vis, (640, 480)).any()
    late = [body] * 4 + [other] * 25 + [body] * 11  # back only after OUT_AND_BACK_S: an edit and another
    t40 = np.arange(40) / 10.0
    assert OUT_AND_BACK_S < t40[29] - t40[4]
    assert not misread_frames(t40, np.stack(late), np.ones((40, 33), np.float32), (640, 480)).any()
    sparse = np.arange(12) * 0.4  # frames 0.4 s apart (a strided analysis): a body may move that far
    assert not misread_frames(sparse, np.stack(frames), vis, (640, 480)).any()


def test_one_wrong_frame_is_left_alone_unless_it_flickers():
    t = np.arange(20) / 10.0
    body, other = _person(), _person(dx=0.3, scale=0.6)
    vis = np.ones((20, 33), np.float32)
    once = [body] * 20
    once[8] = other
    assert not misread_frames(t, np.stack(once), vis, (640, 480)).any()
    flicker = list(once)
    flicker[10] = other
    assert np.flatnonzero(misread_frames(t, np.stack(flicker), vis, (640, 480))).tolist() == [8, 10]


def _trunk_folded_at(track: LandmarkTrack, times_s: list[float], frames: tuple[int, ...] = (0, 2, 4)) -> LandmarkTrack:
    """The model flipping between the body and a wrong reading of it: at
    each time, these frames (by default three, every other one) read the
    trunk folded back over the legs (turned 180 deg about the hips), as a
    small, dark or turned picture made the real bridge's knees read at its
    hips."""
    image = track.image_xyz.copy()
    for t0 in times_s:
        for k in frames:
            i = int(np.searchsorted(track.t_s, t0)) + k
            hips = (image[i, 23, :2] + image[i, 24, :2]) / 2
            image[i, 0:23, :2] = 2 * hips - image[i, 0:23, :2]
    return track.replace(image_xyz=image)


def _push_up_with_face_only_frames() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t_s, image_xyz, visibility) at 24 fps, 720 px high: a body 0.55 of
    the height rises 40 px a frame, stays up for 1.5 s and comes down as
    fast to where it began (a push-up filmed from the floor). Where it
    starts up and where it is back down, one frame sees only the face
    (landmarks 0-10, visibility 0.9; the rest 0.1) and squeezes the unseen
    ones up to the face, as the model did on a real one."""
    step = 40.0 / 720.0
    y = np.array(
        [0.0] * 10 + [-step * k for k in range(1, 5)] + [-4 * step] * 36 + [-step * k for k in (3, 2, 1)] + [0.0] * 8
    )
    body = _person()
    body[:11, 0] = 0.5 + np.linspace(-0.02, 0.02, 11)
    body[:11, 1] = 0.3 + np.linspace(-0.03, 0.03, 11)
    xyz = np.repeat(body[None], len(y), axis=0)
    xyz[:, :, 1] += y[:, None].astype(np.float32)
    vis = np.ones((len(y), 33), np.float32)
    for i in (10, 53):
        vis[i, 11:] = 0.1
        xyz[i, 11:, 1] = xyz[i, 0, 1] + 0.5 * (xyz[i, 11:, 1] - xyz[i, 0, 1])
    return np.arange(len(y)) / 24.0, xyz, vis


def test_a_frame_read_wrong_as_a_movement_starts_masks_only_itself():
    """A real push-up from the floor had a frame that saw only the face
    where the body left the bottom, and another where it came back down:
    into the first the body jumped (the face's box for its size), out of
    it, the next frame back where it was, no jump read. Only later jumps
    were looked at for the way back, so the second such frame was taken
    for it and the push-up between was masked as misread (2 of 3 in that
    shot). The frame after each is back: two one-frame misreads within
    OUT_AND_BACK_S, a flicker, masked, and nothing between them."""
    t, xyz, vis = _push_up_with_face_only_frames()
    assert np.flatnonzero(misread_frames(t, xyz, vis, (1280, 720))).tolist() == [10, 53]
    assert edit_cuts(t, xyz, vis, (1280, 720)) == []


def test_a_few_frames_off_the_body_whose_way_back_is_no_jump_mask_only_themselves():
    """A CrossFit demo's fast push-up descent: the model read a few frames
    off the body, then slid back onto it over frames that were no jump
    (0.11 a frame). Only later jumps were looked at for the way back, and a
    one-frame misread 0.8 s on was taken for it: the push-up between was
    masked (9 of 10 counted). At 24 fps: off the body at frame 10, slides
    back over frames 12-15 (within a quarter of its size from 15 on); one
    frame off at 30, which the old search took for the way back."""
    body, other = _person(), _person(dx=0.3, scale=0.6)
    frames = [body] * 10 + [other] * 2
    frames += [other + (body - other) * k / 5 for k in (1, 2, 3, 4)]
    frames += [body] * 14 + [other] + [body] * 9
    t = np.arange(len(frames)) / 24.0
    vis = np.ones((len(frames), 33), np.float32)
    got = misread_frames(t, np.stack(frames), vis, (640, 480))
    assert np.flatnonzero(got).tolist() == [*range(10, 15), 30]
    assert edit_cuts(t, np.stack(frames), vis, (640, 480)) == []


def test_the_model_flipping_at_the_top_of_a_bridge_counts_nothing():
    """Each wrong frame is a whole-body jump out and one back: read as
    readings, a flip at the top of a bridge read the hip line 6 deg (at
    neutral) and counted a rep of its own (6 for 5)."""
    track = LandmarkTrack.load(SAMPLES / "glute_bridge_side.npz")
    exercise = load_exercise("glute_bridge")
    clean = analyze_track(track, exercise)
    top_s = track.t_s[clean.metrics["hip_line_deg"] > 165.0]
    flipped = analyze_track(_trunk_folded_at(track, [float(top_s[3]), float(top_s[-3])]), exercise)
    assert len(clean.reps) == len(flipped.reps) == 5
    assert not [w for w in flipped.warnings if w.severity != "info"]


def _holds(result) -> list[tuple[float, float]]:
    return [(round(h.start_s, 1), round(h.end_s, 1)) for h in result.holds]


def test_a_plank_read_folded_for_a_moment_is_one_hold():
    """Three frames (0.2 s) read off the body mid-plank: the hold goes on
    (blanking the 0.5 s after the model's return instead split it in two)."""
    track = LandmarkTrack.load(SAMPLES / "plank_side_render.npz")
    exercise = load_exercise("plank")
    clean = _holds(analyze_track(track, exercise))
    for frames in ((0,), (0, 1, 2), (0, 1, 2, 3, 4, 5, 6, 7)):
        assert _holds(analyze_track(_trunk_folded_at(track, [10.0], frames), exercise)) == clean


def test_a_bystander_crossing_in_front_for_half_a_second_breaks_nothing():
    """The model takes another body (elsewhere in the picture) for 0.5 s
    and comes back: those frames are not the exerciser's."""
    track = LandmarkTrack.load(SAMPLES / "plank_side_render.npz")
    exercise = load_exercise("plank")
    clean = _holds(analyze_track(track, exercise))
    image, vis = track.image_xyz.copy(), track.visibility.copy()
    i0, i1 = (int(np.searchsorted(track.t_s, t)) for t in (9.0, 9.5))
    image[i0:i1] = track.image_xyz[8] + np.array([0.3, 0.0, 0.0], np.float32)  # someone else, lying still
    vis[i0:i1] = track.visibility[8]
    crossed = analyze_track(track.replace(image_xyz=image, visibility=vis), exercise)
    assert _holds(crossed) == clean and not [w for w in crossed.warnings if w.severity != "info"]


def test_an_edit_is_a_cut_that_stays_a_misread_comes_back():
    """The offline view split goes at an edit between the views' votes;
    a one-frame misread (left in the track: under MIN_MISREAD_FRAMES) is two
    cuts, out and back, and nearer midway it took the split (review M3)."""
    from posecheck.core.cuts import cut_frames, edit_cuts

    n = 200
    image = np.stack([_person() if i < 100 else _person(dx=0.3, scale=0.6) for i in range(n)])
    image[50] = _person(dx=-0.3, scale=0.5)  # one frame read off the body
    vis = np.ones((n, 33), np.float32)
    t_s = np.arange(n) / 15.0
    assert cut_frames(t_s, image, vis, (640, 480)) == [50, 51, 100]
    assert edit_cuts(t_s, image, vis, (640, 480)) == [100]


def test_each_shot_of_two_cameras_is_measured_with_its_own_rest():
    """An exercise library films one set from two cameras in turn: here the
    rendered crunch 47 deg off the side (4 curls), then side-on (4). Each
    camera sees the rest at its own angle; with one rest for the whole
    recording 5 of 8 were counted. The new shot found in the picture
    (io/shots.py) splits the analysis: 8."""
    names = ("supine_cross_crunch_side_right_oblique47", "supine_cross_crunch_side_right")
    tracks = [LandmarkTrack.load(SAMPLES / f"{n}.npz") for n in names]
    truth = sum(json.loads((SAMPLES / f"{n}.truth.json").read_text())["reps"] for n in names)
    joined, _ = LandmarkTrack.played_in_turn(tracks)
    starts = np.zeros(len(joined), bool)
    starts[len(tracks[0])] = True
    ex = load_exercise("supine_cross_crunch")
    assert len(analyze_track(joined.replace(shot_start=starts), ex).reps) == truth == 8
    assert len(analyze_track(joined, ex).reps) < truth  # without the shot: one rest


def test_the_prescription_is_told_on_the_reps_of_every_shot():
    """Two shots of push-ups, 8 reps each (a library's two cameras): each
    shot's engine counts its own, and 16 reps past the prescribed 10 were
    never told. Judged on every shot's reps in turn: told once, at the 11th."""
    track = LandmarkTrack.load(SAMPLES / "push_up_side_fast_no_lockout.npz")
    joined, _ = LandmarkTrack.played_in_turn([track, track])
    starts = np.zeros(len(joined), bool)
    starts[len(track)] = True
    result = analyze_track(joined.replace(shot_start=starts), load_exercise("push_up"))
    told = [w for w in result.warnings if w.rule == "prescription_done"]
    assert len(result.reps) == 16
    assert len(told) == 1 and told[0].t_s == result.reps[10].t_s
    assert [e.t_s for e in result.events if e.kind.value == "warning" and e.detail["rule"] == "prescription_done"] == [
        told[0].t_s
    ]
