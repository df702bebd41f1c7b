"""Sound cues: the platform's player when there is one, silence otherwise."""

from __future__ import annotations

import time
from pathlib import Path

from posecheck.cues import Cues


def test_silent_when_no_player_or_speaker(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    cues = Cues()
    assert not cues.available
    cues.play("rep")  # nothing to run: no error, no output


def _fake_player(tmp_path: Path, name: str) -> Path:
    log = tmp_path / "played.txt"
    script = tmp_path / name
    script.write_text(f"#!/bin/sh\necho \"$@\" >> {log}\n")
    script.chmod(0o755)
    return log


def test_plays_a_tone_and_speaks_warnings(tmp_path, monkeypatch):
    log = _fake_player(tmp_path, "aplay")
    _fake_player(tmp_path, "espeak")
    monkeypatch.setenv("PATH", str(tmp_path))  # only the fakes: a real player must not interfere
    cues = Cues()
    cues.play("rep")
    cues.play("warning", "Slow down")
    for _ in range(50):
        if log.exists() and len(log.read_text().splitlines()) == 2:
            break
        time.sleep(0.05)
    lines = sorted(log.read_text().splitlines())
    assert lines[0].startswith("-q ") and lines[0].endswith("rep.wav")
    assert lines[1] == "Slow down"


def test_muted_plays_nothing(tmp_path, monkeypatch):
    log = _fake_player(tmp_path, "aplay")
    monkeypatch.setenv("PATH", str(tmp_path))  # only the fakes: a real player must not interfere
    cues = Cues(muted=True)
    cues.play("rep")
    time.sleep(0.3)
    assert not log.exists()
