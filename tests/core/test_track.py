from pathlib import Path

import numpy as np
import pytest

from posecheck.core.pose import PoseCandidate
from posecheck.core.track import LandmarkTrack, frame_landmarks, mirror_landmarks
from posecheck.errors import PosecheckError

from conftest import make_track_arrays


def track(n=10) -> LandmarkTrack:
    t, img, vis, world = make_track_arrays(n)
    img[3] = np.nan
    vis[3] = np.nan
    world[3] = np.nan
    return LandmarkTrack(t, img, vis, world, 30.0, (640, 480), "model-x", "clip.mp4")


def test_roundtrip_keeps_everything(tmp_path: Path):
    tr = track()
    p = tmp_path / "t.npz"
    tr.save(p)
    back = LandmarkTrack.load(p)
    np.testing.assert_array_equal(back.image_xyz, tr.image_xyz)
    np.testing.assert_array_equal(back.t_s, tr.t_s)
    assert (back.fps, back.frame_size, back.model, back.source) == (30.0, (640, 480), "model-x", "clip.mp4")
    assert back.has_pose.tolist() == [i != 3 for i in range(10)]
    assert back.duration_s == pytest.approx(10 / 30)


def test_a_strided_track_keeps_its_source_length(tmp_path: Path):
    """Every 4th frame of 10 at 30 fps: the last analysed is frame 8, the source is 10 frames long."""
    strided = track().select(slice(0, None, 4)).replace(fps=7.5, source_duration_s=10 / 30)
    back = LandmarkTrack.load(strided.save(tmp_path / "s.npz"))
    assert back.duration_s == pytest.approx(10 / 30)  # not 8/30 + 4/30
    assert back.select(slice(0, 2)).duration_s == pytest.approx(4 / 30 + 1 / 7.5)  # a part: its own frames


def test_the_camera_roll_is_kept_and_mirrored(tmp_path: Path):
    tilted = track().replace(camera_roll_deg=6.5)
    back = LandmarkTrack.load(tilted.save(tmp_path / "r.npz"))
    assert back.camera_roll_deg == 6.5
    assert back.mirrored().camera_roll_deg == -6.5  # a mirror turns the picture the other way
    assert LandmarkTrack.load(track().save(tmp_path / "l.npz")).camera_roll_deg is None
    joined, _ = LandmarkTrack.played_in_turn([tilted, track()])
    assert joined.camera_roll_deg is None  # one roll cannot stand for two cameras
    assert LandmarkTrack.played_in_turn([tilted, tilted])[0].camera_roll_deg == 6.5


def _faced(tr: LandmarkTrack) -> LandmarkTrack:
    face = np.tile(np.array([10.0, -5.0, 3.0], np.float32), (len(tr), 1))
    face[3] = np.nan  # no person there
    face[6] = np.nan  # a person, no face read
    return tr.replace(face_deg=face)


def test_the_face_angles_are_kept_sliced_joined_and_mirrored(tmp_path: Path):
    faced = _faced(track())
    back = LandmarkTrack.load(faced.save(tmp_path / "f.npz"))
    np.testing.assert_array_equal(back.face_deg, faced.face_deg)
    assert LandmarkTrack.load(track().save(tmp_path / "n.npz")).face_deg is None
    # A mirror turns a turn and a tilt the other way, not a nod.
    assert back.mirrored().face_deg[0].tolist() == [-10.0, -5.0, -3.0]
    assert back.select(slice(5, 8)).face_deg.shape == (3, 3)
    joined, _ = LandmarkTrack.played_in_turn([faced, track()])
    assert joined.face_deg.shape == (20, 3)
    assert np.isnan(joined.face_deg[10:]).all()  # the part without: none read
    assert LandmarkTrack.played_in_turn([track(), track()])[0].face_deg is None
    with pytest.raises(ValueError, match=r"face_deg must have shape \(10, 3\)"):
        track().replace(face_deg=np.zeros((10, 2), np.float32))


def test_the_side_on_head_line_is_kept_sliced_joined_and_mirrored(tmp_path: Path):
    head = np.full(10, 20.0, np.float32)
    head[3] = np.nan  # no person there
    head[6] = np.nan  # a person, the head not read
    read = track().replace(head_dir_deg=head)
    back = LandmarkTrack.load(read.save(tmp_path / "h.npz"))
    np.testing.assert_array_equal(back.head_dir_deg, head)
    assert LandmarkTrack.load(track().save(tmp_path / "n.npz")).head_dir_deg is None
    # A mirror flips the picture's x: a line pointing right and 20 deg down
    # points left and 20 deg down.
    assert back.mirrored().head_dir_deg[0] == pytest.approx(160.0)
    assert back.select(slice(5, 8)).head_dir_deg.shape == (3,)
    joined, _ = LandmarkTrack.played_in_turn([read, track()])
    assert joined.head_dir_deg.shape == (20,) and np.isnan(joined.head_dir_deg[10:]).all()
    assert LandmarkTrack.played_in_turn([track(), track()])[0].head_dir_deg is None
    with pytest.raises(ValueError, match=r"head_dir_deg must have shape \(10,\)"):
        track().replace(head_dir_deg=np.zeros((10, 1), np.float32))


def test_the_frames_text_was_erased_from_are_kept_sliced_and_joined(tmp_path: Path):
    erased = np.zeros(10, bool)
    erased[4:7] = True
    read = track().replace(text_erased=erased)
    back = LandmarkTrack.load(read.save(tmp_path / "t.npz"))
    np.testing.assert_array_equal(back.text_erased, erased)
    assert LandmarkTrack.load(track().save(tmp_path / "n.npz")).text_erased is None
    np.testing.assert_array_equal(back.mirrored().text_erased, erased)
    np.testing.assert_array_equal(back.select(slice(5, 8)).text_erased, [True, True, False])
    joined, _ = LandmarkTrack.played_in_turn([read, read])
    assert joined.text_erased.sum() == 6 and len(joined.text_erased) == 20
    # A part read without the search: unknown for the whole, not "none".
    assert LandmarkTrack.played_in_turn([read, track()])[0].text_erased is None
    with pytest.raises(ValueError, match=r"text_erased must be bool of shape \(10,\)"):
        track().replace(text_erased=np.zeros(10, np.uint8))


def test_the_frames_a_new_shot_starts_on_are_kept_sliced_and_joined(tmp_path: Path):
    starts = np.zeros(10, bool)
    starts[6] = True
    back = LandmarkTrack.load(track().replace(shot_start=starts).save(tmp_path / "s.npz"))
    np.testing.assert_array_equal(back.shot_start, starts)
    assert LandmarkTrack.load(track().save(tmp_path / "n.npz")).shot_start is None
    np.testing.assert_array_equal(back.select(slice(5, 8)).shot_start, [False, True, False])
    assert LandmarkTrack.played_in_turn([back, back])[0].shot_start.sum() == 2
    with pytest.raises(ValueError, match=r"shot_start must be bool of shape \(10,\)"):
        track().replace(shot_start=np.zeros(10, np.uint8))


def test_pixels_scale_by_frame_size():
    px = track().pixels()
    assert px[0, 0, 0] == pytest.approx(0.3 * 640)
    assert px[0, 0, 1] == pytest.approx(0.5 * 480)


def test_shapes_are_checked():
    t, img, vis, world = make_track_arrays(5)
    with pytest.raises(ValueError, match=r"visibility must have shape \(5, 33\)"):
        LandmarkTrack(t, img, vis[:, :10], world, 30.0, (1, 1), "", "")


def test_not_a_track_is_a_clear_error(tmp_path: Path):
    p = tmp_path / "x.npz"
    np.savez(p, a=np.zeros(3))
    with pytest.raises(PosecheckError, match="not a posecheck landmark track"):
        LandmarkTrack.load(p)
    q = tmp_path / "y.npz"
    q.write_text("garbage")
    with pytest.raises(PosecheckError, match="cannot read landmark track"):
        LandmarkTrack.load(q)


def test_newer_format_version_is_refused(tmp_path: Path):
    tr = track()
    p = tmp_path / "t.npz"
    tr.save(p)
    data = dict(np.load(p))
    data["format_version"] = np.array(99)
    np.savez(p, **data)
    with pytest.raises(PosecheckError, match="version 99 is newer"):
        LandmarkTrack.load(p)


def test_mirrored_restores_the_subjects_sides():
    from posecheck.core.landmarks import Landmark as L

    tr = track()
    img = tr.image_xyz.copy()
    img[:, L.LEFT_WRIST, 0] = 0.2  # in a mirrored image the left wrist shows on the left
    img[:, L.RIGHT_WRIST, 0] = 0.9
    m = tr.replace(image_xyz=img).mirrored()
    assert m.image_xyz[0, L.RIGHT_WRIST, 0] == pytest.approx(0.8)
    assert m.image_xyz[0, L.LEFT_WRIST, 0] == pytest.approx(0.1)
    np.testing.assert_allclose(m.mirrored().image_xyz[~np.isnan(img)], img[~np.isnan(img)], atol=1e-6)


def test_one_frame_is_mirrored_as_in_a_track():
    """The live trainer mirrors frame by frame: the same as the whole track."""
    tr = track()
    vis = np.tile(np.linspace(0, 1, 33, dtype=np.float32), (10, 1))
    tr = tr.replace(world_xyz=tr.image_xyz - 0.5, visibility=vis)
    m = tr.mirrored()
    img, vis, world = mirror_landmarks(tr.image_xyz[2], tr.visibility[2], tr.world_xyz[2])
    np.testing.assert_array_equal(img, m.image_xyz[2])
    np.testing.assert_array_equal(vis, m.visibility[2])
    np.testing.assert_array_equal(world, m.world_xyz[2])
    assert img.shape == (33, 3) and vis.shape == (33,)


def test_a_frame_without_a_person_is_nan():
    img, vis, world = frame_landmarks(None)
    assert img.shape == world.shape == (33, 3) and vis.shape == (33,)
    assert np.isnan(img).all() and np.isnan(vis).all() and np.isnan(world).all()
    person = PoseCandidate(np.zeros((33, 3), np.float32), np.ones(33, np.float32), np.ones((33, 3), np.float32))
    assert frame_landmarks(person) == (person.image_xyz, person.visibility, person.world_xyz)


# --- hostile and careless track files: one line naming the file and the entry ---------------------------------


def _entries(n: int = 10) -> dict[str, np.ndarray]:
    """The entries `save` writes, for a valid track of n frames (frame 3 without a person)."""
    tr = track(n)
    return {
        "format": np.array("posecheck-track"),
        "format_version": np.array(1),
        "t_s": tr.t_s,
        "image_xyz": tr.image_xyz,
        "visibility": tr.visibility,
        "world_xyz": tr.world_xyz,
        "fps": np.array(tr.fps),
        "frame_size": np.array(tr.frame_size),
        "model": np.array(tr.model),
        "source": np.array(tr.source),
    }


def _with(key: str, change):
    """An entry replaced by `change(old)` (None: the entry left out)."""

    def build() -> dict[str, np.ndarray]:
        e = _entries()
        new = change(e[key].copy() if key in e else None)  # an optional entry may be added
        if new is None:
            del e[key]
        else:
            e[key] = new
        return e

    return build


def _set(key: str, index, value):
    def change(a):
        a[index] = value
        return a

    return _with(key, change)


def _value(key: str, value):
    """An entry replaced by `value`."""
    return _with(key, lambda a: value)


ALLOWED_FPS = r"allowed: one number of frames per second, 0.01 to 1000"
ALLOWED_SIZE = r"allowed: two whole numbers \(width, height\), 1 to 100000 pixels"
NO_PERSON_RULE = r"a frame with a person \(image_xyz not all NaN\); allowed: NaN only in a frame whose image_xyz"
BAD_ENTRIES = {
    "fps zero": (_value("fps", np.array(0.0)), rf"fps is 0; {ALLOWED_FPS}"),
    "fps negative": (_value("fps", np.array(-30.0)), rf"fps is -30; {ALLOWED_FPS}"),
    "fps nan": (_value("fps", np.array(np.nan)), rf"fps is nan; {ALLOWED_FPS}"),
    "fps inf": (_value("fps", np.array(np.inf)), rf"fps is inf; {ALLOWED_FPS}"),
    "fps too high": (_value("fps", np.array(1e9)), rf"fps is 1e\+09; {ALLOWED_FPS}"),
    "fps an array": (_value("fps", np.array([30.0, 30.0])), r"fps is an array of shape \(2,\)"),
    "fps a bool": (_value("fps", np.array(True)), rf"fps is True; {ALLOWED_FPS}"),
    "fps text": (_value("fps", np.array("30")), rf"fps is '30'; {ALLOWED_FPS}"),
    "fps missing": (_value("fps", None), r"has no 'fps' entry"),
    "t_s nan": (_set("t_s", 4, np.nan), r"t_s is nan at frame 4; allowed: finite seconds"),
    "t_s inf": (_set("t_s", -1, np.inf), r"t_s is inf at frame 9; allowed: finite seconds"),
    "t_s repeated": (_set("t_s", 5, 4 / 30), r"t_s is not strictly increasing: frame 5 at 0.133333 s follows"),
    "t_s backwards": (_set("t_s", 5, 0.0), r"t_s is not strictly increasing: frame 5 at 0 s"),
    "t_s a scalar": (_value("t_s", np.array(1.0)), r"t_s is 1.0; allowed: an array of numbers of shape \(T,\)"),
    "t_s 2-d": (_with("t_s", lambda a: a[:, None]), r"t_s is an array of shape \(10, 1\)"),
    "t_s text": (_with("t_s", lambda a: a.astype(str)), r"t_s is an array of shape \(10,\) \(<U"),
    "no frames": (
        lambda: {
            **_entries(),
            "t_s": np.zeros(0),
            "image_xyz": np.zeros((0, 33, 3)),
            "visibility": np.zeros((0, 33)),
            "world_xyz": np.zeros((0, 33, 3)),
        },
        r"t_s has no frames",
    ),
    "image inf": (
        _set("image_xyz", (2, 5, 0), np.inf),
        r"image_xyz is inf at frame 2, landmark 5; allowed: finite numbers, or NaN",
    ),
    "world -inf": (_set("world_xyz", (2, 5, 1), -np.inf), r"world_xyz is -inf at frame 2, landmark 5"),
    "visibility inf": (_set("visibility", (2, 5), np.inf), r"visibility is inf at frame 2, landmark 5"),
    "image huge": (
        _set("image_xyz", (2, 5, 0), 1e30),
        r"image_xyz is 1e\+30 at frame 2, landmark 5; allowed: -1000 to 1000",
    ),
    "world huge in float64": (
        _with("world_xyz", lambda a: np.where(np.isnan(a), np.nan, np.float64(1e300))),
        r"world_xyz is 1e\+300 at frame 0",
    ),
    "image partly nan": (
        _set("image_xyz", (2, 5, 0), np.nan),
        rf"image_xyz is NaN in part of frame 2, {NO_PERSON_RULE}",
    ),
    "visibility nan, landmarks not": (
        _set("visibility", 2, np.nan),
        rf"visibility is NaN in part of frame 2, {NO_PERSON_RULE}",
    ),
    "world nan, image not": (_set("world_xyz", 2, np.nan), rf"world_xyz is NaN in part of frame 2, {NO_PERSON_RULE}"),
    "one landmark's world nan": (_set("world_xyz", (2, 7), np.nan), r"world_xyz is NaN in part of frame 2"),
    "visibility above 1": (
        _set("visibility", (2, 5), 1.5),
        r"visibility is 1.5 at frame 2, landmark 5; allowed: 0 to 1",
    ),
    "visibility negative": (_set("visibility", (2, 5), -0.25), r"visibility is -0.25 at frame 2, landmark 5"),
    "image 2 coordinates": (
        _with("image_xyz", lambda a: a[:, :, :2]),
        (
            r"image_xyz is an array of shape \(10, 33, 2\) \(float32\); "
            r"allowed: an array of numbers of shape \(T, 33, 3\)"
        ),
    ),
    "image a scalar": (_value("image_xyz", np.array(0.5)), r"image_xyz is 0.5; allowed: an array"),
    "image bools": (_with("image_xyz", lambda a: a > 0), r"image_xyz is an array of shape \(10, 33, 3\) \(bool\)"),
    "image complex": (_with("image_xyz", lambda a: a.astype(complex)), r"image_xyz is an array .*complex"),
    "visibility 10 landmarks": (
        _with("visibility", lambda a: a[:, :10]),
        r"visibility is an array of shape \(10, 10\)",
    ),
    "image one frame short": (_with("image_xyz", lambda a: a[:-1]), r"image_xyz has 9 frames but t_s has 10"),
    "world one frame more": (
        _with("world_xyz", lambda a: np.concatenate([a, a[:1]])),
        r"world_xyz has 11 frames but t_s has 10",
    ),
    "frame_size 0x0": (_value("frame_size", np.array([0, 0])), rf"frame_size is \[0, 0\]; {ALLOWED_SIZE}"),
    "frame_size negative": (_value("frame_size", np.array([-640, 480])), r"frame_size is \[-640, 480\]"),
    "frame_size one element": (_value("frame_size", np.array([640])), r"frame_size is \[640\]"),
    "frame_size three elements": (_value("frame_size", np.array([640, 480, 3])), r"frame_size is \[640, 480, 3\]"),
    "frame_size a scalar": (_value("frame_size", np.array(640)), rf"frame_size is 640; {ALLOWED_SIZE}"),
    "frame_size fractional": (_value("frame_size", np.array([640.5, 480.0])), r"frame_size is \[640.5, 480.0\]"),
    "frame_size nan": (_value("frame_size", np.array([np.nan, 480.0])), r"frame_size is \[nan, 480.0\]"),
    "frame_size huge": (_value("frame_size", np.array([10**12, 480])), r"frame_size is \[1000000000000, 480\]"),
    "model an array": (
        _value("model", np.array(["a", "b"])),
        r"model is an array of shape \(2,\) \(<U1\); allowed: one text string",
    ),
    "source a number": (_value("source", np.array(3)), r"source is 3; allowed: one text string"),
    "source missing": (_value("source", None), r"landmark track has no 'source' entry"),
    "format_version nan": (
        _value("format_version", np.array(np.nan)),
        r"format_version is nan; allowed: one whole number",
    ),
    "format_version an array": (
        _value("format_version", np.array([1, 1])),
        r"format_version is an array of shape \(2,\)",
    ),
    "format_version 0": (_value("format_version", np.array(0)), r"format_version is 0; allowed: 1 to 1"),
    "duration_s nan": (_value("duration_s", np.array(np.nan)), r"duration_s is nan; allowed: one number of seconds"),
    "duration_s before the last frame": (
        _value("duration_s", np.array(0.1)),
        r"duration_s is 0.1; allowed: one number of seconds from the last frame \(0.3\)",
    ),
    "duration_s an array": (_value("duration_s", np.array([1.0, 2.0])), r"duration_s is an array of shape \(2,\)"),
    "camera_roll_deg too large": (
        _value("camera_roll_deg", np.array(35.0)),
        r"camera_roll_deg is 35; allowed: one number of degrees, -20 to 20",
    ),
    "camera_roll_deg nan": (_value("camera_roll_deg", np.array(np.nan)), r"camera_roll_deg is nan; allowed"),
    "face_deg part nan": (
        lambda: {**_entries(), "face_deg": _face_entry(lambda f: f.__setitem__((2, 1), np.nan))},
        r"face_deg is part NaN at frame 2; allowed: three numbers or three NaN",
    ),
    "face_deg where nobody is": (
        lambda: {**_entries(), "face_deg": _face_entry(lambda f: f.__setitem__(3, 1.0))},
        r"face_deg has a face at frame 3, which has no person; allowed: NaN there",
    ),
    "face_deg past 180": (
        lambda: {**_entries(), "face_deg": _face_entry(lambda f: f.__setitem__((4, 2), 400.0))},
        r"face_deg is 400 at frame 4; allowed: degrees, -180 to 180, or NaN",
    ),
    "face_deg inf": (
        lambda: {**_entries(), "face_deg": _face_entry(lambda f: f.__setitem__((4, 0), np.inf))},
        r"face_deg is inf at frame 4",
    ),
    "face_deg 2 angles": (
        lambda: {**_entries(), "face_deg": np.zeros((10, 2))},
        r"face_deg is an array of shape \(10, 2\) \(float64\); allowed: an array of numbers of shape \(T, 3\)",
    ),
    "face_deg one frame short": (
        lambda: {**_entries(), "face_deg": np.zeros((9, 3))},
        r"face_deg has 9 frames but t_s has 10",
    ),
    "head_dir_deg where nobody is": (
        lambda: {**_entries(), "head_dir_deg": _head_entry(3, 1.0)},
        r"head_dir_deg has a head at frame 3, which has no person; allowed: NaN there",
    ),
    "head_dir_deg past 180": (
        lambda: {**_entries(), "head_dir_deg": _head_entry(4, -181.0)},
        r"head_dir_deg is -181 at frame 4; allowed: degrees, -180 to 180, or NaN",
    ),
    "head_dir_deg inf": (lambda: {**_entries(), "head_dir_deg": _head_entry(4, np.inf)}, r"head_dir_deg is inf"),
    "head_dir_deg per frame two": (
        lambda: {**_entries(), "head_dir_deg": np.zeros((10, 2))},
        r"head_dir_deg is an array of shape \(10, 2\) \(float64\); allowed: an array of numbers of shape \(T,\)",
    ),
    "head_dir_deg text": (
        lambda: {**_entries(), "head_dir_deg": np.array(["a"] * 10)},
        r"head_dir_deg is .*; allowed: an array of numbers of shape \(T,\)",
    ),
    "text_erased numbers": (
        lambda: {**_entries(), "text_erased": np.zeros(10)},
        r"text_erased is an array of shape \(10,\) \(float64\); allowed: an array of true/false of shape \(T,\)",
    ),
    "text_erased one frame short": (
        lambda: {**_entries(), "text_erased": np.zeros(9, bool)},
        r"text_erased has 9 frames but t_s has 10",
    ),
    "text_erased one value": (
        lambda: {**_entries(), "text_erased": np.array(True)},
        r"text_erased is True; allowed: an array of true/false of shape \(T,\)",
    ),
    "format an array": (
        _value("format", np.array(["posecheck-track"])),
        r"not a posecheck landmark track \(format an array",
    ),
}


def _head_entry(frame: int, value: float) -> np.ndarray:
    """A valid head_dir_deg for _entries() (frame 3 has no person), with one
    frame's value changed."""
    head = np.zeros(10)
    head[3] = np.nan
    head[frame] = value
    return head


def _face_entry(change) -> np.ndarray:
    """A valid face_deg for _entries() (frame 3 has no person), then changed."""
    face = np.zeros((10, 3))
    face[3] = np.nan
    change(face)
    return face


def _one_line_about(exc: pytest.ExceptionInfo, path: Path) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(path))
    return msg


@pytest.mark.parametrize("build, message", BAD_ENTRIES.values(), ids=BAD_ENTRIES.keys())
def test_bad_entries_are_one_line_naming_the_entry(tmp_path: Path, build, message):
    p = tmp_path / "bad.npz"
    np.savez(p, **build())
    with pytest.raises(PosecheckError, match=message) as exc:
        LandmarkTrack.load(p)
    _one_line_about(exc, p)


def _zip_with(p: Path, name: str, data: bytes) -> None:
    import zipfile

    with zipfile.ZipFile(p, "w") as z:
        z.writestr(name, data)


def _huge_header(p: Path) -> None:
    """An archive whose t_s header claims a terabyte-sized array (numpy would allocate it)."""
    import io

    from numpy.lib import format as npformat

    e = _entries()
    np.savez(p, **e)
    buf = io.BytesIO()
    npformat.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    import zipfile

    with zipfile.ZipFile(p, "w") as z:
        for key, value in e.items():
            if key == "t_s":
                z.writestr("t_s.npy", buf.getvalue() + b"\0" * 64)
            else:
                vb = io.BytesIO()
                np.save(vb, value)
                z.writestr(f"{key}.npy", vb.getvalue())


def _npy(p: Path) -> None:
    """A single array (.npy) under a .npz name."""
    with open(p, "wb") as fh:
        np.save(fh, np.zeros(3))


def _corrupt_middle(p: Path) -> None:
    np.savez(p, **_entries())
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0xFF
    p.write_bytes(bytes(data))


BAD_FILES = {
    "zero bytes": (lambda p: p.write_bytes(b""), r"is empty \(0 bytes\), not a landmark track"),
    "text": (lambda p: p.write_text("not a track"), r"cannot read landmark track \(not a .npz archive\)"),
    "a .npy, not a .npz": (_npy, r"cannot read landmark track \(not a .npz archive\)"),
    "cut in half": (
        lambda p: (np.savez(p, **_entries()), p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])),
        r"cannot read landmark track \(BadZipFile",
    ),
    "cut at the end": (
        lambda p: (np.savez(p, **_entries()), p.write_bytes(p.read_bytes()[:-30])),
        r"cannot read landmark track \(BadZipFile",
    ),
    "a byte flipped": (_corrupt_middle, r"cannot read landmark track \("),
    "an empty zip": (
        lambda p: _zip_with(p, "x", b"") or p.write_bytes(b"PK\x05\x06" + b"\0" * 18),
        r"not a posecheck landmark track \(format none",
    ),
    "another program's zip": (
        lambda p: _zip_with(p, "readme.txt", b"hello"),
        r"not a posecheck landmark track \(format none",
    ),
    "format not a .npy member": (
        lambda p: _zip_with(p, "format.npy", b"posecheck-track"),
        r"not a posecheck landmark track \(format raw bytes",
    ),
    "pickled data": (
        lambda p: np.savez(p, **{**_entries(), "format": np.array(["x", 1], dtype=object)}),
        r"cannot read landmark track \(ValueError: Object arrays cannot be loaded",
    ),
    "terabyte header": (_huge_header, r"cannot read landmark track \(MemoryError"),
    "a folder": (lambda p: p.mkdir(), r"is a folder, not a landmark track"),
    "missing": (lambda p: None, r"no such file"),
}


@pytest.mark.parametrize("build, message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_files_are_one_line(tmp_path: Path, build, message):
    p = tmp_path / "bad.npz"
    build(p)
    with pytest.raises(PosecheckError, match=message) as exc:
        LandmarkTrack.load(p)
    _one_line_about(exc, p)


def test_a_path_under_a_file_is_one_line(tmp_path: Path):
    (tmp_path / "file").write_text("x")
    p = tmp_path / "file" / "t.npz"
    with pytest.raises(PosecheckError, match=r"cannot read it \(Not a directory\)") as exc:
        LandmarkTrack.load(p)
    _one_line_about(exc, p)


def test_a_fifo_is_refused_without_opening_it(tmp_path: Path):
    import os

    p = tmp_path / "pipe.npz"
    os.mkfifo(p)
    # Held open read-write and filled with zip-like bytes: were load to open
    # and read it, it would not block but fail with another message.
    fd = os.open(p, os.O_RDWR | os.O_NONBLOCK)
    try:
        os.write(fd, b"PK\x03\x04" + b"\0" * 64)
        with pytest.raises(PosecheckError, match=r"not a regular file \(a pipe, device or socket\)") as exc:
            LandmarkTrack.load(p)
        assert os.read(fd, 100) == b"PK\x03\x04" + b"\0" * 64  # nothing was read from it
    finally:
        os.close(fd)
    _one_line_about(exc, p)


def test_valid_variants_load_as_the_numbers_they_hold(tmp_path: Path):
    """Integer times and sizes, float64 coordinates, an int fps, extra entries:
    the same track, converted to the documented dtypes."""
    e = _entries()
    p = tmp_path / "variant.npz"
    np.savez(
        p,
        **{
            **e,
            "t_s": np.arange(10),
            "frame_size": np.array([640.0, 480.0]),
            "fps": np.array(30),
            "image_xyz": e["image_xyz"].astype(np.float64),
            "extra": np.zeros(2),
        },
    )
    tr = LandmarkTrack.load(p)
    assert tr.t_s.dtype == np.float64 and tr.t_s.tolist() == list(range(10))
    assert tr.image_xyz.dtype == np.float32 and tr.frame_size == (640, 480) and tr.fps == 30.0
    assert tr.has_pose.tolist() == [i != 3 for i in range(10)]


def test_image_all_nan_is_no_person_whatever_the_other_arrays_hold(tmp_path: Path):
    """image_xyz decides, as has_pose reads it; visibility and world_xyz of a
    frame with no person become NaN, so no stage reads a person there."""
    e = _entries()
    e["image_xyz"][5] = np.nan  # visibility and world_xyz of frame 5 stay finite
    p = tmp_path / "t.npz"
    np.savez(p, **e)
    tr = LandmarkTrack.load(p)
    assert tr.has_pose.tolist() == [i not in (3, 5) for i in range(10)]
    assert np.isnan(tr.visibility[5]).all() and np.isnan(tr.world_xyz[5]).all()
    np.testing.assert_array_equal(tr.visibility[4], e["visibility"][4])


def test_a_single_frame_with_no_person_is_a_track(tmp_path: Path):
    e = _entries()
    for key in ("t_s", "image_xyz", "visibility", "world_xyz"):
        e[key] = e[key][3:4]  # frame 3 has no person
    p = tmp_path / "one.npz"
    np.savez(p, **e)
    tr = LandmarkTrack.load(p)
    assert len(tr) == 1 and not tr.has_pose.any()


def test_save_returns_the_file_it_wrote(tmp_path: Path):
    tr = track()
    assert tr.save(tmp_path / "a.npz") == tmp_path / "a.npz"
    assert tr.save(tmp_path / "b") == tmp_path / "b.npz"  # numpy's rule, now reported
    assert LandmarkTrack.load(tmp_path / "b.npz").source == "clip.mp4"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.npz", "b.npz"]  # no temporary left


BAD_SAVE_TARGETS = {
    "folder missing": (lambda d: d / "nope" / "t.npz", r"folder .*nope does not exist"),
    "folder is a file": (lambda d: (d / "f").write_text("x") and d / "f" / "t.npz", r"f is not a folder"),
    "target is a folder": (lambda d: (d / "t.npz").mkdir() or d / "t.npz", r"is a folder, give a file name"),
}


@pytest.mark.parametrize("target, message", BAD_SAVE_TARGETS.values(), ids=BAD_SAVE_TARGETS.keys())
def test_save_to_a_bad_path_is_one_line(tmp_path: Path, target, message):
    p = target(tmp_path)
    with pytest.raises(PosecheckError, match=message) as exc:
        track().save(p)
    assert "\n" not in str(exc.value) and str(p) in str(exc.value)
