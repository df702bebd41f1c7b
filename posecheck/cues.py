"""Sound cues on a rep, a finished hold and a warning, without heavy
dependencies: a short tone played by the platform's own player (aplay,
paplay, afplay) or words spoken by espeak/spd-say when present; silent when
none is (or when muted). Playing never blocks the trainer.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import tempfile
import threading
import wave
from pathlib import Path

PLAYERS = (("paplay",), ("aplay", "-q"), ("afplay",))
SPEAKERS = (("spd-say", "-w"), ("espeak-ng",), ("espeak",))
TONES_HZ = {"rep": 880.0, "hold_done": 660.0, "warning": 330.0}


def _tone(path: Path, freq_hz: float, seconds: float = 0.15, rate: int = 16000) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        n = int(seconds * rate)
        w.writeframes(b"".join(
            struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq_hz * i / rate) * min(1, (n - i) / 400)))
            for i in range(n)
        ))


class Cues:
    """Plays cues in the background; `muted` can be toggled at any time."""

    def __init__(self, muted: bool = False) -> None:
        self.muted = muted
        self._player = next((p for p in PLAYERS if shutil.which(p[0])), None)
        self._speaker = next((s for s in SPEAKERS if shutil.which(s[0])), None)
        self._dir: Path | None = None

    @property
    def available(self) -> bool:
        return self._player is not None or self._speaker is not None

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
        if self.muted or not self.available:
            return
        if words and self._speaker is not None:
            cmd = [*self._speaker, words]
        elif self._player is not None:
            cmd = [*self._player, str(self._sound(kind))]
        else:
            return
        threading.Thread(target=_run_quietly, args=(cmd,), daemon=True).start()


def _run_quietly(cmd: list[str]) -> None:
    try:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return
