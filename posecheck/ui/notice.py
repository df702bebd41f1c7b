"""The safety notice shown before the first live session is acknowledged once.

Its text is `text.NOTICE`; this module remembers, in posecheck's home
folder, that it was accepted on this machine.
"""

from __future__ import annotations

from pathlib import Path

from posecheck.errors import PosecheckError
from posecheck.io.sessionlog import home


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
        raise PosecheckError(
            f"{flag}: cannot remember that the notice was accepted "
            f"({exc.strerror or exc}); POSECHECK_HOME must be a writable folder"
        ) from None
