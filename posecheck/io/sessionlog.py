"""Session log (JSON lines, flushed per event) and history (SQLite).

The log is written as things happen, one JSON object per line, flushed and
fsynced, so a crash, Ctrl-C or a closed window loses nothing that was
recorded. At the end of each exercise its results go into a local SQLite
database (stdlib sqlite3, WAL mode with a busy timeout, so two sessions at
once are fine); `posecheck history` reads it.

Where: `$POSECHECK_HOME` or `~/.posecheck` (sessions/*.jsonl, history.db).
A home that is not a writable folder, a `sessions` that is not a folder, or
a `history.db` that is not posecheck's (corrupt, or another program's
database) is refused in one line, and such a file is never changed.
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

from posecheck.errors import PosecheckError
from posecheck.outputs import flush_to_disk

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
    """Where posecheck keeps its logs, history and settings.

    Raises:
        PosecheckError: it exists and is not a folder.
    """
    path = Path(os.environ.get("POSECHECK_HOME") or Path.home() / ".posecheck")
    if path.exists() and not path.is_dir():
        raise PosecheckError(
            f"{path}: posecheck's home (POSECHECK_HOME, default ~/.posecheck) "
            "is not a folder; move the file away or set POSECHECK_HOME to a folder"
        )
    return path


def check_home(log_dir: Path | None = None, db: Path | None = None) -> None:
    """Make sure a live session can record before it starts: the session log
    folder and the history database are created as the session would, and
    any problem is one line now instead of after the model has loaded.

    Raises:
        PosecheckError: the home, its sessions folder or history.db is unusable.
    """
    folder = log_dir or home() / "sessions"
    _make_dir(folder, "session log folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PosecheckError(f"{folder}: cannot write session logs here (permission denied)")
    with history_db(db):
        pass


def _make_dir(path: Path, what: str) -> None:
    """Create a folder of posecheck's home, or say in one line why not."""
    if path.exists() and not path.is_dir():
        raise PosecheckError(f"{path}: the {what} is not a folder; move the file away")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PosecheckError(f"{path}: cannot create the {what} ({exc.strerror or exc})") from None


class SessionLog:
    """Append-only JSON-lines log of one live session."""

    def __init__(self, path: Path) -> None:
        _make_dir(path.parent, "session log folder")
        self.path = path
        try:
            self._fh: TextIO = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise PosecheckError(f"{path}: cannot write the session log ({exc.strerror or exc})") from None

    def write(self, kind: str, **fields: Any) -> None:
        """Append one event and make sure it is on disk before returning."""
        record = {"wall_time": round(time.time(), 3), "kind": kind, **fields}
        self._fh.write(json.dumps(record, default=_jsonable) + "\n")
        flush_to_disk(self._fh)

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
    """The history database for writing, created on first use; safe with two
    writers. A file that is not posecheck's history is refused before
    anything is written to it (see `_check_ours`).

    Raises:
        PosecheckError: the database cannot be created, opened or written.
    """
    db = path or home() / "history.db"
    _make_dir(db.parent, "home folder")
    _check_regular(db)
    with _one_line_errors(db, "write the history"):
        con = sqlite3.connect(db, timeout=30.0)
    try:
        with _one_line_errors(db, "write the history"):
            _check_ours(db, con)
            _use_wal(con)
            con.executescript(SCHEMA)
            yield con
            con.commit()
    finally:
        con.close()


_BUSY_WAIT_S = 30.0


def _use_wal(con: sqlite3.Connection) -> None:
    """Put the database in WAL mode (kept in the file, so once is enough).

    Switching the mode needs the database to itself, and sqlite answers
    "database is locked" at once, without its busy timeout, when another
    connection opens the new file at the same moment (two sessions started
    together). So the switch is retried for up to `_BUSY_WAIT_S`.
    """
    deadline = time.monotonic() + _BUSY_WAIT_S
    while True:
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            con.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def record_session(session_id: str, started_at: float, source: str, log_path: Path, db: Path | None = None) -> None:
    with history_db(db) as con:
        con.execute(
            "INSERT OR IGNORE INTO sessions VALUES (?, ?, ?, ?)", (session_id, started_at, source, str(log_path))
        )


def record_result(session_id: str, position: int, r: ExerciseResult, db: Path | None = None) -> None:
    with history_db(db) as con:
        con.execute(
            "INSERT OR REPLACE INTO exercise_results VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                session_id,
                position,
                r.exercise,
                r.started_at,
                r.duration_s,
                r.reps,
                r.reps_left,
                r.reps_right,
                r.partial_reps,
                r.holds,
                r.hold_s,
                r.range_of_motion,
                r.warnings,
                int(r.stopped_for_pain),
                r.pain,
                r.fatigue,
            ),
        )


def history_rows(db: Path | None = None, exercise: str | None = None) -> list[dict[str, Any]]:
    """Stored exercise results, oldest first. Only reads: no history yet is
    no rows, and nothing is created (opened read-write without create, not
    read-only, so that sqlite removes its -wal and -shm files on close)."""
    db = db or home() / "history.db"
    if not db.exists():
        return []
    _check_regular(db)
    q = (
        "SELECT r.*, s.source FROM exercise_results r JOIN sessions s ON s.id = r.session_id"
        + (" WHERE r.exercise = ?" if exercise else "")
        + " ORDER BY r.started_at, r.position"
    )
    with _one_line_errors(db, "read the history"):
        con = sqlite3.connect(f"{db.absolute().as_uri()}?mode=rw", uri=True, timeout=30.0)
    try:
        with _one_line_errors(db, "read the history"):
            tables = _check_ours(db, con)
            if set(tables) != set(_posecheck_tables()):
                return []  # created by a session that ended before its first result
            con.row_factory = sqlite3.Row
            return [dict(row) for row in con.execute(q, (exercise,) if exercise else ())]
    finally:
        con.close()


def _check_regular(db: Path) -> None:
    """An existing history.db must be a regular file: sqlite would block
    forever reading a FIFO, and cannot use a folder."""
    if db.exists() and not db.is_file():
        raise PosecheckError(f"{db}: the history database is not a regular file; move it away")


@contextmanager
def _one_line_errors(db: Path, doing: str) -> Iterator[None]:
    """sqlite's failures that the user's files or disk cause (corrupt or not
    a database, locked, read-only, full, unopenable) as one line. Integrity
    and programming errors are bugs and pass through."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if type(exc) not in (sqlite3.DatabaseError, sqlite3.OperationalError):
            raise
        hint = f"; {db.parent} is read-only" if not os.access(db.parent, os.W_OK) else ""
        raise PosecheckError(f"{db}: cannot {doing} ({exc}){hint}") from None


_FOREIGN_HINT = "posecheck leaves it as it is: move it away, or set POSECHECK_HOME to another folder"


def _check_ours(db: Path, con: sqlite3.Connection) -> dict[str, list[str]]:
    """posecheck's tables found in the database (none in a new one).

    Raises:
        PosecheckError: the file is not an SQLite database, or holds another
            program's tables, or posecheck's tables with other columns:
            writing there would change (or break) someone else's data.
    """
    try:
        found = _tables(con)
    except sqlite3.DatabaseError as exc:
        if type(exc) is not sqlite3.DatabaseError:  # locked, unreadable: not a verdict on the file
            raise
        raise PosecheckError(f"{db}: not a posecheck history database ({exc}); {_FOREIGN_HINT}") from None
    ours = _posecheck_tables()
    foreign = sorted(set(found) - set(ours))
    if foreign:
        raise PosecheckError(
            f"{db}: not a posecheck history database (it has table(s) {', '.join(foreign)}); {_FOREIGN_HINT}"
        )
    for name, columns in found.items():
        if columns != ours[name]:
            raise PosecheckError(
                f"{db}: table {name} has columns {', '.join(columns)}, not posecheck's "
                f"{', '.join(ours[name])}; {_FOREIGN_HINT}"
            )
    return found


def _tables(con: sqlite3.Connection) -> dict[str, list[str]]:
    """Table name -> column names, in order (the inserts rely on the order)."""
    names = [
        row[0]
        for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    ]
    return {name: [col[1] for col in con.execute(f"PRAGMA table_info({_quoted(name)})")] for name in names}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _posecheck_tables() -> dict[str, list[str]]:
    """The tables SCHEMA creates, read from an in-memory database so that
    SCHEMA stays the one place they are written down."""
    con = sqlite3.connect(":memory:")
    try:
        con.executescript(SCHEMA)
        return _tables(con)
    finally:
        con.close()


def plot_history(rows: list[dict[str, Any]], out: Path) -> Path:
    """Reps and range of motion per exercise over time, one panel each;
    returns the file written (see history.plot_target, which the CLI calls
    before reading the history; called again here for other callers).

    The plot is written beside its name and renamed into place, so a full
    disk leaves no truncated picture.

    Raises:
        PosecheckError: `out` cannot be written (see plot_target), or the
            write failed (a full disk).
    """
    from posecheck.io.history import plot_target
    from posecheck.outputs import write_atomically

    out = plot_target(out)
    import matplotlib

    matplotlib.use("Agg")
    from datetime import datetime

    import matplotlib.pyplot as plt

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
            ax2.plot(
                when,
                [v if v is not None else float("nan") for v in rom],
                "s--",
                color="tab:orange",
                label="range of motion",
            )
            ax2.set_ylabel("range (metric units)")
        pain = [w for w, r in zip(when, mine) if r["stopped_for_pain"]]
        for w in pain:
            ax.axvline(w, color="red", alpha=0.4)
    fig.autofmt_xdate()
    fig.tight_layout()
    try:
        write_atomically(out, lambda tmp: fig.savefig(tmp, dpi=100))
    finally:
        plt.close(fig)
    return out
