"""Sound cues on a rep, a finished hold and a warning, without heavy
dependencies: a short tone played by the platform's own player (aplay,
paplay, afplay) or words spoken by espeak/spd-say when present; silent when
none is (or when muted). Playing never blocks the trainer.

The words come from exercise files (a warning's message), so they never go
where the speech command could read them as an option: espeak's `-w FILE`
would write a file. espeak and espeak-ng get them on stdin (`--stdin`);
spd-say, whose stdin mode runs a line starting `!-!` as a command, gets them
as its one argument after `--`, which ends its options (getopt).
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import tempfile
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

from posecheck.core.events import Event, EventKind

PLAYERS = (("paplay",), ("aplay", "-q"), ("afplay",))
TONES_HZ = {"rep": 880.0, "hold_done": 660.0, "warning": 330.0}


@dataclass(frozen=True)
class Speaker:
    """A speech command and how the words reach it."""

    argv: tuple[str, ...]
    # True: the words go on stdin; False: as the last argument (after argv,
    # which then ends with "--").
    words_on_stdin: bool

    def command(self, words: str) -> tuple[list[str], bytes | None]:
        """The command line and the bytes for its stdin (None: nothing)."""
        one_line = " ".join(words.split())
        if self.words_on_stdin:
            return list(self.argv), one_line.encode("utf-8")
        return [*self.argv, one_line], None


SPEAKERS = (
    Speaker(("spd-say", "-w", "--"), words_on_stdin=False),
    Speaker(("espeak-ng", "--stdin"), words_on_stdin=True),
    Speaker(("espeak", "--stdin"), words_on_stdin=True),
)


def _tone(path: Path, freq_hz: float, seconds: float = 0.15, rate: int = 16000) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        n = int(seconds * rate)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq_hz * i / rate) * min(1, (n - i) / 400)))
                for i in range(n)
            )
        )


class Cues:
    """Plays cues in the background; `muted` can be toggled at any time.

    The tones are written once into a `posecheck-cues-*` temporary folder,
    removed by `close()` (the live trainer calls it when a session ends,
    however it ends). Not for use from several threads at once: the trainer
    plays from its inference thread and closes after that thread has ended.
    """

    def __init__(self, muted: bool = False) -> None:
        self.muted = muted
        self._player = next((p for p in PLAYERS if shutil.which(p[0])), None)
        self._speaker = next((s for s in SPEAKERS if shutil.which(s.argv[0])), None)
        self._dir: Path | None = None
        self._closed = False

    @property
    def available(self) -> bool:
        return self._player is not None or self._speaker is not None

    @property
    def folder(self) -> Path | None:
        """The temporary folder of the tones (None until the first tone)."""
        return self._dir

    def _sound(self, kind: str) -> Path:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="posecheck-cues-"))
        p = self._dir / f"{kind}.wav"
        if not p.exists():
            _tone(p, TONES_HZ[kind])
        return p

    def play(self, kind: str, words: str = "") -> None:
        """A cue: kind is rep, hold_done or warning; words are spoken for a
        warning when a speech command exists."""
        if self.muted or self._closed or not self.available:
            return
        data: bytes | None = None
        if words and self._speaker is not None:
            cmd, data = self._speaker.command(words)
        elif self._player is not None:
            cmd = [*self._player, str(self._sound(kind))]
        else:
            return
        threading.Thread(target=_run_quietly, args=(cmd, data), daemon=True).start()

    def play_for(self, event: Event) -> None:
        """The cue of an event that has one: a rep, a finished hold, a
        warning (its message spoken)."""
        if event.kind == EventKind.REP:
            self.play("rep")
        elif event.kind == EventKind.HOLD_COMPLETED:
            self.play("hold_done")
        elif event.kind == EventKind.WARNING:
            self.play("warning", event.detail.get("message", ""))

    def close(self) -> None:
        """Remove the tones' folder; no cue plays after this. A tone still
        playing has its file open and finishes."""
        self._closed = True
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


def _run_quietly(cmd: list[str], stdin_data: bytes | None) -> None:
    """Run a player or speaker, its output discarded; its stdin is the words
    or empty (never the terminal's)."""
    try:
        subprocess.run(
            cmd, input=stdin_data or b"", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return
