"""Where the bundled exercise and routine files are, and finding one by id.

`posecheck list`, `validate` and `show` walk these folders; an id the user
types is looked up here, with the closest ids named when it is unknown.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from posecheck.errors import PosecheckError
from posecheck.spec.toml_table import one_line


def exercises_dir() -> Path:
    """Where the bundled exercise files live.

    `POSECHECK_EXERCISES` overrides it; otherwise the project's `exercises/`
    folder beside the package (an editable or source install).

    Raises:
        PosecheckError: POSECHECK_EXERCISES names no folder (else `validate`
            would check nothing and exit 0, and every id would be unknown).
    """
    env = os.environ.get("POSECHECK_EXERCISES")
    if env:
        if not Path(env).is_dir():
            raise PosecheckError(one_line(f"POSECHECK_EXERCISES={env}: no such folder of exercise files"))
        return Path(env)
    return Path(__file__).resolve().parents[2] / "exercises"


def exercise_paths() -> list[Path]:
    """All bundled exercise files, sorted by id (routines live in a subfolder)."""
    return sorted(exercises_dir().glob("*.toml"))


def routines_dir() -> Path:
    """Where the bundled routine files live (a subfolder of the exercises)."""
    return exercises_dir() / "routines"


def routine_paths() -> list[Path]:
    """All bundled routine files, sorted by id."""
    return sorted(routines_dir().glob("*.toml"))


def find_data_file(id_or_path: str, folder: Path, what: str, list_command: str) -> Path:
    """The file for a bundled id (in `folder`) or a path the user gave.

    Raises:
        PosecheckError: unknown id, naming the closest ids.
    """
    p = Path(id_or_path)
    if id_or_path.endswith(".toml") or p.is_file():
        return p
    candidate = folder / f"{id_or_path}.toml"
    if candidate.is_file():
        return candidate
    ids = [q.stem for q in sorted(folder.glob("*.toml"))]
    near = difflib.get_close_matches(id_or_path, ids, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(near)}?" if near else f"; `{list_command}` shows them all"
    raise PosecheckError(f"unknown {what} '{id_or_path}'{hint}")
