"""The live trainer's keys, pressed in its window or scripted with --keys.

Each key becomes a command for the inference thread: space pause, n next
exercise, p pain (stop and record), m mute, q quit; 0, 1, 2 answer the pain
check-in after an exercise. A new key goes into WINDOW_KEYS (and the names
parse_keys accepts) and its command into LiveTrainer._handle_command.
"""

from __future__ import annotations

import math

from posecheck.errors import PosecheckError

CHECKIN_KEYS = {"0": "none", "1": "mild", "2": "strong"}
WINDOW_KEYS = {" ": "pause", "n": "next", "p": "pain", "q": "quit", "m": "mute"}


def key_command(key: int) -> str | None:
    """The command of a key read from the window (cv2.waitKey & 0xFF), or None."""
    char = chr(key)
    if char in WINDOW_KEYS:
        return WINDOW_KEYS[char]
    if char in CHECKIN_KEYS:
        return f"checkin:{char}"
    return None


def parse_keys(text: str) -> list[tuple[float, str]]:
    """Scripted keys for a headless run: "12.5:p,30:n" (source seconds:key)."""
    names = {"p": "pain", "n": "next", "q": "quit", " ": "pause", "space": "pause", "m": "mute"}
    out = []
    for part in filter(None, (x.strip() for x in text.split(","))):
        try:
            t, key = part.split(":", 1)
            seconds = float(t)
        except ValueError:
            raise PosecheckError(f"--keys: '{part}' is not SECONDS:KEY (e.g. 12.5:p)") from None
        if not math.isfinite(seconds) or seconds < 0:
            raise PosecheckError(f"--keys: '{part}': the time must be a number of seconds >= 0")
        if key in CHECKIN_KEYS:
            out.append((seconds, f"checkin:{key}"))
        elif key in names:
            out.append((seconds, names[key]))
        else:
            raise PosecheckError(f"--keys: unknown key '{key}'; expected one of p n q m space 0 1 2")
    return out
