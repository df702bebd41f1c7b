"""Sound cues: the platform's player when there is one, silence otherwise;
a warning's words never read as an option; the tones' folder removed."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from posecheck.ui import cues as cues_module
from posecheck.ui.cues import Cues


def test_silent_when_no_player_or_speaker(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    cues = Cues()
    assert not cues.available
    cues.play("rep")  # nothing to run: no error, no output


class _Runs:
    """Stands in for subprocess.run: records each command and its stdin."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], bytes | None]] = []

    def __call__(self, cmd, **kw):
        self.calls.append((list(cmd), kw.get("input")))

    def last(self) -> tuple[list[str], bytes | None]:
        assert self.calls, "no command was run"
        return self.calls[-1]


class _ThreadRunningAtOnce:
    """A cue's thread, run in the caller at start(): what was played is
    known when play() returns."""

    def __init__(self, target, args, daemon):
        self._run = lambda: target(*args)

    def start(self) -> None:
        self._run()


@pytest.fixture
def runs(monkeypatch) -> _Runs:
    fake = _Runs()
    monkeypatch.setattr(cues_module.subprocess, "run", fake)
    monkeypatch.setattr(cues_module, "threading", SimpleNamespace(Thread=_ThreadRunningAtOnce))
    return fake


def _only(monkeypatch, *names: str) -> None:
    """Make these the only commands found on PATH."""
    monkeypatch.setattr(cues_module.shutil, "which", lambda name: f"/usr/bin/{name}" if name in names else None)


HOSTILE = ["-w /tmp/posecheck-owned.wav", "--stdin", "-f/etc/passwd", "!-!QUIT", "--help me\n-w x"]


@pytest.mark.parametrize("words", HOSTILE)
@pytest.mark.parametrize("speaker", ["espeak", "espeak-ng"])
def test_espeak_gets_the_words_on_stdin_never_as_options(words, speaker, runs, monkeypatch):
    _only(monkeypatch, speaker)
    Cues().play("warning", words)
    argv, stdin = runs.last()
    assert argv == [speaker, "--stdin"]  # nothing of the message on the command line
    assert stdin == " ".join(words.split()).encode()


@pytest.mark.parametrize("words", HOSTILE)
def test_spd_say_gets_the_words_after_the_end_of_options(words, runs, monkeypatch):
    # Its stdin (pipe) mode would run a line starting "!-!" as a command:
    # the words are one argument after "--" instead.
    _only(monkeypatch, "spd-say", "espeak")
    Cues().play("warning", words)
    argv, stdin = runs.last()
    assert argv == ["spd-say", "-w", "--", " ".join(words.split())]
    assert not stdin


def test_a_tone_gets_an_empty_stdin_not_the_terminal(runs, monkeypatch):
    _only(monkeypatch, "aplay")
    cues = Cues()
    cues.play("rep")
    argv, stdin = runs.last()
    assert argv[:2] == ["aplay", "-q"] and argv[2].endswith("rep.wav") and stdin == b""
    cues.close()


def test_close_removes_the_tones_folder_and_plays_no_more(runs, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _only(monkeypatch, "aplay")
    cues = Cues()
    cues.play("rep")
    runs.last()
    [folder] = tmp_path.glob("posecheck-cues-*")
    assert cues.folder == folder and (folder / "rep.wav").is_file()
    cues.close()
    assert not folder.exists() and not list(tmp_path.iterdir())
    cues.play("rep")
    assert not list(tmp_path.iterdir()) and len(runs.calls) == 1
    cues.close()  # twice is fine


def _fake_player(tmp_path: Path, name: str) -> Path:
    """A command that writes its arguments, then what it read on stdin."""
    log = tmp_path / f"{name}.txt"
    script = tmp_path / name
    cat, mv = shutil.which("cat"), shutil.which("mv")  # PATH will hold only the fakes
    script.write_text(f'#!/bin/sh\necho "$@" > {log}.part\n{cat} >> {log}.part\n{mv} {log}.part {log}\n')
    script.chmod(0o755)
    return log


def test_plays_a_tone_and_speaks_warnings(tmp_path, monkeypatch):
    played = _fake_player(tmp_path, "aplay")
    spoken = _fake_player(tmp_path, "espeak")
    monkeypatch.setenv("PATH", str(tmp_path))  # only the fakes: a real player must not interfere
    cues = Cues()
    cues.play("rep")
    cues.play("warning", "Slow down")
    deadline = time.monotonic() + 20
    while not (played.exists() and spoken.exists()):  # wait for both to have run (a state)
        assert time.monotonic() < deadline, "the cues were not played"
        time.sleep(0.05)
    args, *rest = played.read_text().splitlines()
    assert args.startswith("-q ") and args.endswith("rep.wav") and rest == []
    assert spoken.read_text().splitlines() == ["--stdin", "Slow down"]  # the words came on stdin
    cues.close()


def test_muted_plays_nothing(runs, monkeypatch):
    _only(monkeypatch, "aplay", "espeak")
    cues = Cues(muted=True)
    cues.play("rep")
    cues.play("warning", "Slow down")
    assert runs.calls == [] and cues.folder is None


REAL_ESPEAK = shutil.which("espeak-ng") or shutil.which("espeak")


@pytest.mark.skipif(REAL_ESPEAK is None, reason="no espeak or espeak-ng")
def test_real_espeak_writes_no_file_a_message_names(tmp_path, monkeypatch):
    """espeak's -w FILE writes a file: a message "-wFILE" given as an
    argument did (with the terminal's input spoken into it); read on stdin,
    it is only words."""
    name = Path(REAL_ESPEAK).name
    monkeypatch.setattr(cues_module.shutil, "which", lambda n: REAL_ESPEAK if n == name else None)
    monkeypatch.setattr(cues_module, "threading", SimpleNamespace(Thread=_ThreadRunningAtOnce))
    target = tmp_path / "owned.wav"
    with _terminal_input(b"typed at the terminal\n"):
        Cues().play("warning", f"-w{target}")  # returns once espeak has finished
        Cues().play("warning", f"-w {target}")
    assert not target.exists() and list(tmp_path.iterdir()) == []


@contextmanager
def _terminal_input(data: bytes) -> Iterator[None]:
    """This process's standard input (fd 0) reads `data`, as a terminal
    would give what was typed: what an espeak reading its stdin got."""
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    saved = os.dup(0)
    os.dup2(r, 0)
    try:
        yield
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(r)
