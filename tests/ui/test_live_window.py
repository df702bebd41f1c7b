"""The real OpenCV window under Xvfb: it opens, the keys typed into it do
what the README says, and a screenshot of it is kept to look at.

Needs Debian's xvfb, xdotool and x11-apps (xwd), which `.ci/run` installs;
skipped where any is absent. Every wait is for a state (the window exists,
the session log shows the key's effect), never for a duration.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.io.sessionlog import read_log

from conftest import ROOT, SAMPLES, needs_mediapipe

TOOLS = ("Xvfb", "xdotool", "xwd")
ARTIFACTS = ROOT / ".test-artifacts"
CLIP = SAMPLES / "neck_side_tilt_hold_front.mp4"  # 61 s: far longer than the keys take
STATE_LIMIT_S = 180.0  # a state not reached by then is a failure (model load on a loaded machine included)

pytestmark = [
    needs_mediapipe,
    pytest.mark.model,
    pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS), reason="needs xvfb, xdotool and x11-apps"),
]


@pytest.fixture
def display() -> Iterator[str]:
    """A private X server; its display name."""
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    try:
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait(what: str, check, proc: subprocess.Popen) -> object:
    t0 = time.monotonic()
    while time.monotonic() - t0 < STATE_LIMIT_S:
        found = check()
        if found:
            return found
        if proc.poll() is not None:
            raise AssertionError(f"the trainer exited ({proc.returncode}) before {what}")
        time.sleep(0.1)
    raise AssertionError(f"no {what} within {STATE_LIMIT_S} s")


def _events(home: Path) -> list[dict]:
    logs = list((home / "sessions").glob("*.jsonl"))
    return read_log(logs[0]) if logs else []


def _screenshot(display: str) -> np.ndarray:
    """The X screen as a BGR image (xwd's ZPixmap, 24 or 32 bits a pixel)."""
    raw = subprocess.run(["xwd", "-root", "-silent", "-display", display], capture_output=True, check=True).stdout
    head = np.frombuffer(raw[:100], ">u4")
    header_size, width, height, byte_order = int(head[0]), int(head[4]), int(head[5]), int(head[7])
    bits_per_pixel, bytes_per_line, ncolors = int(head[11]), int(head[12]), int(head[19])
    assert bits_per_pixel in (24, 32), f"unexpected xwd depth {bits_per_pixel}"
    step = bits_per_pixel // 8
    start = header_size + 12 * ncolors
    pixels = np.frombuffer(raw[start : start + height * bytes_per_line], np.uint8).reshape(height, bytes_per_line)
    px = pixels[:, : width * step].reshape(height, width, step)
    return np.ascontiguousarray(px[..., :3] if byte_order == 0 else px[..., step - 3 :][..., ::-1])


def test_the_window_opens_and_its_keys_work(display, tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "DISPLAY": display, "POSECHECK_HOME": str(home)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "posecheck",
            "live",
            "--routine",
            "cervical_complex",
            "--source",
            str(CLIP),
            "--accept-notice",
            "--mute",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Only signal.signal runs before exec (no lock is taken), so the fork under threads is safe here.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )
    try:
        window = _wait(
            "the window",
            lambda: subprocess.run(
                ["xdotool", "search", "--name", "^posecheck$"], env=env, capture_output=True, text=True, check=False
            ).stdout.split(),
            proc,
        )[0]

        def key(name: str) -> None:
            subprocess.run(["xdotool", "windowactivate", "--sync", window], env=env, capture_output=True, check=False)
            subprocess.run(["xdotool", "key", "--window", window, name], env=env, check=True)

        def seen(kind: str, count: int = 1, **fields) -> bool:
            return (
                sum(e["kind"] == kind and all(e.get(k) == v for k, v in fields.items()) for e in _events(home)) >= count
            )

        _wait("the first exercise", lambda: seen("exercise_start"), proc)
        # Qt 5 on a bare X server (Xvfb, no window manager) can lose the
        # window's first Expose on a loaded machine and then never paint:
        # the trainer keeps showing frames into a window Qt thinks hidden
        # (seen here on 3 of 20 runs; a minimal imshow loop under CPU load
        # does the same). A window manager maps the window again after
        # reparenting it; do that once, as it would, then wait for the
        # picture as for any other state.
        for step in ("windowunmap", "windowmap"):
            subprocess.run(["xdotool", step, "--sync", window], env=env, check=True)
        shots: list[np.ndarray] = []

        def painted() -> bool:
            shots.append(_screenshot(display))
            return bool(shots[-1].std() > 10)

        drawn = _wait("a painted window", painted, proc)
        ARTIFACTS.mkdir(exist_ok=True)
        cv2.imwrite(str(ARTIFACTS / "live_window.png"), shots[-1])
        assert drawn, "the screen is blank"

        key("space")
        _wait("the pause", lambda: seen("pause"), proc)
        key("space")
        _wait("the resume", lambda: seen("resume"), proc)
        key("m")
        _wait("sound back on", lambda: seen("mute", muted=False), proc)
        key("n")
        _wait("the next exercise", lambda: seen("exercise_start", 2), proc)
        key("p")
        _wait("the pain stop", lambda: seen("pain"), proc)
        key("q")
        assert proc.wait(timeout=STATE_LIMIT_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    kinds = [e["kind"] for e in _events(home)]
    assert kinds.count("exercise_end") == 2 and kinds[-1] == "session_end"
    assert [e for e in _events(home) if e["kind"] == "exercise_end"][1]["stopped_for_pain"] is True
