"""Resuming a batch: what each finished report was made from.

A clinic's batch of thousands of videos runs for hours; a crash, Ctrl-C or a
lost worker must not mean starting over. When a file's reports are all
written, `made_from.json` is written last beside them: the input (size and
sha256 of its content), the exercise file (sha256), the options that change
results, the posecheck version, and the file's summary row. A rerun of the
batch keeps a report folder only when all of these are the same now, so a
changed video, an edited exercise file or another option is analysed again,
and a file that failed or was cut short (no `made_from.json`) is retried.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from posecheck import __version__
from posecheck.outputs import file_sha256, write_atomically
from posecheck.pipeline import MADE_FROM_NAME, AnalyzeOptions
from posecheck.spec import exercise_file

# Options left out of the record: `workers` changes only how fast a file is
# analysed; `model` is a path (relative, or absolute as sent to a cluster),
# and the model is told by its content's sha256 instead.
NOT_RECORDED_OPTIONS = frozenset({"workers", "model"})

Row = dict[str, Any]


def made_from(path: Path, exercise_arg: str, opts: AnalyzeOptions) -> dict[str, Any]:
    """What a report of `path` is made from (see module doc).

    Raises:
        OSError: the input or exercise file cannot be read.
        PosecheckError: an unknown exercise id.
    """
    options = {
        f.name: str(getattr(opts, f.name)) if isinstance(getattr(opts, f.name), Path) else getattr(opts, f.name)
        for f in dataclasses.fields(opts)
        if f.name not in NOT_RECORDED_OPTIONS
    }
    if opts.model is not None:
        options["model_sha256"] = file_sha256(opts.model)
    exercise = exercise_file(exercise_arg)
    return {
        "posecheck": __version__,
        "input": {"size": path.stat().st_size, "sha256": file_sha256(path)},
        "exercise": {"name": exercise.name, "sha256": file_sha256(exercise)},
        "options": options,
    }


def kept_row(out: Path, record: dict[str, Any]) -> Row | None:
    """The summary row of the report in folder `out` if it was made from
    `record` and the files it wrote are all there; None when the file must
    be analysed (again)."""
    marker = out / MADE_FROM_NAME
    if not marker.is_file():  # a pipe or a device by that name would never end
        return None
    try:
        saved = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # unreadable, not JSON, nested past Python's limit
        return None
    if not isinstance(saved, dict) or saved.get("made_from") != record:
        return None
    row, files = saved.get("row"), saved.get("files")
    if not isinstance(row, dict) or not isinstance(files, list):
        return None
    if not all(isinstance(name, str) and (out / name).is_file() for name in files):
        return None
    return row


def write_made_from(out: Path, record: dict[str, Any], row: Row, files: list[str]) -> None:
    """Mark the report folder `out` finished: `files` (its reports) were
    made from `record` and summed up in `row`. Written last, and whole."""
    text = json.dumps({"made_from": record, "files": files, "row": row}, indent=1, sort_keys=True) + "\n"
    write_atomically(out / MADE_FROM_NAME, lambda tmp: tmp.write_text(text, encoding="utf-8"))
