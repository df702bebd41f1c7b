"""The safety notice shown before the first live session, acknowledged once.

From the sources' contraindications: train only in remission, warm up, move
slowly, stop at pain; and a plain statement that this is not medical advice.
"""

from __future__ import annotations

from pathlib import Path

from posecheck.errors import PosecheckError
from posecheck.io.sessionlog import home

NOTICE = """\
Before you start
- posecheck is a training aid, not medical advice. Ask your doctor or
  physiotherapist which exercises suit you.
- Do not exercise during an acute flare-up of back or neck pain, with a
  fever, after a recent injury or operation, or with high blood pressure
  that is not under control, unless your doctor says you may.
- Warm up first. Move slowly and smoothly, never to the point of strain,
  and never roll the head in circles.
- Pain means stop: press P. The session records it.
"""


def _flag() -> Path:
    return home() / "notice_accepted"


def accepted() -> bool:
    """True once the notice has been acknowledged on this machine."""
    return _flag().is_file()


def accept() -> None:
    """Remember the acknowledgement.

    Raises:
        PosecheckError: the home folder cannot be written (one line).
    """
    flag = _flag()
    try:
        flag.parent.mkdir(parents=True, exist_ok=True)
        flag.write_text("accepted\n", encoding="utf-8")
    except OSError as exc:
        raise PosecheckError(f"{flag}: cannot remember that the notice was accepted "
                             f"({exc.strerror or exc}); POSECHECK_HOME must be a writable folder") from None
