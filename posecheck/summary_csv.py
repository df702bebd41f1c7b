"""A batch's `summary.csv`: one row per file, on disk as each file finishes.

A batch of thousands of videos runs for hours: the summary is created with
its header before the first file starts and gains each row, flushed and
synced to disk, the moment that file finishes, so a batch killed half-way
keeps every finished row. At the end it is rewritten in input order and
swapped in whole.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import IO, Any

from posecheck.errors import PosecheckError
from posecheck.outputs import flush_to_disk

Row = dict[str, Any]

SUMMARY_FIELDS = (
    "file",
    "status",
    "error",
    "exercise",
    "duration_s",
    "frames",
    "frames_with_pose",
    "frames_text_erased",
    "reps",
    "reps_left",
    "reps_right",
    "partial_reps",
    "holds",
    "holds_completed",
    "warnings",
    "out",
)
SUMMARY_NAME = "summary.csv"
# The finished summary is rewritten in input order through this file.
SUMMARY_TMP_NAME = "summary.csv.tmp"


class SummaryWriter:
    """`out/summary.csv`, a row appended, flushed and synced to disk as each
    file finishes, so a batch killed half-way keeps what it finished. A
    file name that is not UTF-8 is written as its own bytes (as `ls` does)."""

    def __init__(self, out: Path) -> None:
        self.path = out / SUMMARY_NAME
        try:
            self._fh: IO[str] = self.path.open("w", newline="", encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise PosecheckError(f"{self.path}: cannot write the batch summary ({exc.strerror})") from None
        self._csv = csv.DictWriter(self._fh, fieldnames=SUMMARY_FIELDS, extrasaction="ignore")
        self._csv.writeheader()
        flush_to_disk(self._fh)
        _sync_dir(out)

    def add(self, row: Row) -> None:
        try:
            self._csv.writerow(row)
            flush_to_disk(self._fh)
        except OSError as exc:  # a full disk: the batch cannot keep its results
            raise PosecheckError(f"{self.path}: cannot write the batch summary ({exc.strerror})") from None

    def close(self) -> None:
        self._fh.close()

    def rewrite_in_order(self, rows: list[Row]) -> None:
        """The finished summary in input order (the same whatever --jobs),
        swapped in whole: a kill during the swap leaves one full summary."""
        tmp = self.path.with_name(SUMMARY_TMP_NAME)
        try:
            with tmp.open("w", newline="", encoding="utf-8", errors="surrogateescape") as fh:
                w = csv.DictWriter(fh, fieldnames=SUMMARY_FIELDS, extrasaction="ignore")
                w.writeheader()
                w.writerows(rows)
                flush_to_disk(fh)
            os.replace(tmp, self.path)
            _sync_dir(self.path.parent)
        except OSError as exc:  # every row is in the summary already, in finishing order
            tmp.unlink(missing_ok=True)
            raise PosecheckError(
                f"{self.path}: cannot sort the batch summary into input order "
                f"({exc.strerror}); its rows are in finishing order"
            ) from None


def _sync_dir(folder: Path) -> None:
    """Make a new or renamed file's name itself survive a crash (POSIX)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
