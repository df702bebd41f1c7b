"""The one exception type whose message is shown to the user as is.

Anything the user can fix (a missing file, a typo in an exercise file, a video
with no person) raises `PosecheckError` with a one-line message; the CLI
prints it to stderr and exits non-zero, without a traceback.
"""

from __future__ import annotations

# The exit statuses of the error contract (README "Errors and exit codes").
EXIT_BUG = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


class PosecheckError(Exception):
    """A problem with the user's input, explained in one line."""


def single_line(text: str) -> str:
    """A message as one line: runs of whitespace, newlines included (a path
    or a decoder's text may hold them), become one space."""
    return " ".join(text.split())
