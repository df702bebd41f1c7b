"""Session log (JSON lines, flushed per event) and history (SQLite).

The log is written as things happen, one JSON object per line, flushed and
fsynced, so a crash, Ctrl-C or a closed window loses nothing that was
recorded. At the end of each exercise its results go into a local SQLite
database (stdlib sqlite3, WAL mode with a busy timeout, so two sessions at
once are fine); `posecheck history` reads it.

Where: `$POSECHECK_HOME` or `~/.posecheck` (sessions/*.jsonl, history.db).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    started_at REAL NOT NULL,
    source TEXT NOT NULL,
    log_path TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS exercise_results (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    position INTEGER NOT NULL,
    exercise TEXT NOT NULL,
    started_at REAL NOT NULL,
    duration_s REAL NOT NULL,
    reps INTEGER NOT NULL,
    reps_left INTEGER,
    reps_right INTEGER,
    partial_reps INTEGER NOT NULL,
    holds INTEGER NOT NULL,
    hold_s REAL NOT NULL,
    range_of_motion REAL,
    warnings INTEGER NOT NULL,
    stopped_for_pain INTEGER NOT NULL,
    pain TEXT,
    fatigue TEXT,
    PRIMARY KEY (session_id, position)
);
"""


def home() -> Path:
    """Where posecheck keeps its logs, history and settings."""
    return Path(os.environ.get("POSECHECK_HOME") or Path.home() / ".posecheck")


class SessionLog:
    """Append-only JSON-lines log of one live session."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh: TextIO = path.open("a", encoding="utf-8")

    def write(self, kind: str, **fields: Any) -> None:
        """Append one event and make sure it is on disk before returning."""
        record = {"wall_time": round(time.time(), 3), "kind": kind, **fields}
        self._fh.write(json.dumps(record, default=_jsonable) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


def _jsonable(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    return str(x)


def read_log(path: Path) -> list[dict[str, Any]]:
    """All complete records of a log (a line cut short by a crash is skipped)."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


@dataclass(frozen=True)
class ExerciseResult:
    """One exercise of a session, as stored in the history."""

    exercise: str
    started_at: float
    duration_s: float
    reps: int
    reps_left: int | None
    reps_right: int | None
    partial_reps: int
    holds: int
    hold_s: float
    range_of_motion: float | None
    warnings: int
    stopped_for_pain: bool
    pain: str | None = None
    fatigue: str | None = None


@contextmanager
def history_db(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    """The history database, created on first use; safe with two writers."""
    db = path or home() / "history.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db, timeout=30.0)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(SCHEMA)
        yield con
        con.commit()
    finally:
        con.close()


def record_session(session_id: str, started_at: float, source: str, log_path: Path,
                   db: Path | None = None) -> None:
    with history_db(db) as con:
        con.execute("INSERT OR IGNORE INTO sessions VALUES (?, ?, ?, ?)",
                    (session_id, started_at, source, str(log_path)))


def record_result(session_id: str, position: int, r: ExerciseResult, db: Path | None = None) -> None:
    with history_db(db) as con:
        con.execute(
            "INSERT OR REPLACE INTO exercise_results VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (session_id, position, r.exercise, r.started_at, r.duration_s, r.reps, r.reps_left,
             r.reps_right, r.partial_reps, r.holds, r.hold_s, r.range_of_motion, r.warnings,
             int(r.stopped_for_pain), r.pain, r.fatigue),
        )


def history_rows(db: Path | None = None, exercise: str | None = None) -> list[dict[str, Any]]:
    """Stored exercise results, oldest first."""
    with history_db(db) as con:
        con.row_factory = sqlite3.Row
        q = ("SELECT r.*, s.source FROM exercise_results r JOIN sessions s ON s.id = r.session_id"
             + (" WHERE r.exercise = ?" if exercise else "") + " ORDER BY r.started_at, r.position")
        return [dict(row) for row in con.execute(q, (exercise,) if exercise else ())]


def plot_history(rows: list[dict[str, Any]], out: Path) -> None:
    """Reps and range of motion per exercise over time, one panel each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from datetime import datetime

    exercises = sorted({r["exercise"] for r in rows})
    fig, axes = plt.subplots(len(exercises), 1, figsize=(8, 2.6 * len(exercises)), squeeze=False)
    for ax, ex in zip(axes[:, 0], exercises):
        mine = [r for r in rows if r["exercise"] == ex]
        when = [datetime.fromtimestamp(r["started_at"]) for r in mine]
        ax.plot(when, [r["reps"] for r in mine], "o-", label="reps")
        ax.set_title(ex)
        ax.set_ylabel("reps")
        rom = [r["range_of_motion"] for r in mine]
        if any(v is not None for v in rom):
            ax2 = ax.twinx()
            ax2.plot(when, [v if v is not None else float("nan") for v in rom], "s--", color="tab:orange",
                     label="range of motion")
            ax2.set_ylabel("range (metric units)")
        pain = [w for w, r in zip(when, mine) if r["stopped_for_pain"]]
        for w in pain:
            ax.axvline(w, color="red", alpha=0.4)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
