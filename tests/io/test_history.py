"""History: exercise results stored per session, listed and plotted."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from pathlib import Path

import pytest

from posecheck.cli import main
from posecheck.errors import PosecheckError
from posecheck.io.history import plot_formats, plot_target
from posecheck.io.sessionlog import (
    ExerciseResult,
    SessionLog,
    check_home,
    history_rows,
    plot_history,
    record_result,
    record_session,
)


def _result(ex: str, reps: int, started_at: float, pain: bool = False) -> ExerciseResult:
    return ExerciseResult(
        exercise=ex,
        started_at=started_at,
        duration_s=60.0,
        reps=reps,
        reps_left=None,
        reps_right=None,
        partial_reps=0,
        holds=0,
        hold_s=0.0,
        range_of_motion=20.0 + reps,
        warnings=0,
        stopped_for_pain=pain,
    )


def test_history_lists_and_plots_progress(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    now = time.time()
    for day, reps in enumerate((6, 8, 10)):
        sid = f"s{day}"
        record_session(sid, now - (3 - day) * 86400, "camera 0", tmp_path / f"{sid}.jsonl")
        record_result(sid, 0, _result("squat", reps, now - (3 - day) * 86400))
        record_result(sid, 1, _result("neck_side_tilt_hold", 2, now - (3 - day) * 86400 + 60, pain=day == 2))
    assert [r["reps"] for r in history_rows(exercise="squat")] == [6, 8, 10]
    plot = tmp_path / "progress.png"
    assert main(["history", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert out.count("squat") == 3 and "STOPPED" in out
    assert plot.stat().st_size > 10_000
    import cv2

    img = cv2.imread(str(plot))
    assert img is not None and img.shape[0] > 400  # two panels


def test_empty_history_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    assert main(["history"]) == 0
    assert "no sessions recorded yet" in capsys.readouterr().out


# --- a careless or hostile home: one line, and never a change to a file that is not posecheck's ----------------


def _record_one(home: Path) -> None:
    record_session("s1", time.time(), "camera 0", home / "s1.jsonl")
    record_result("s1", 0, _result("squat", 5, time.time()))


def _sqlite(path: Path, *statements: str) -> None:
    con = sqlite3.connect(path)
    for s in statements:
        con.execute(s)
    con.commit()
    con.close()


NOT_A_DB = r"not a posecheck history database \(file is not a database\)"
BAD_DBS = {
    "random bytes": (lambda p: p.write_bytes(os.urandom(4096)), NOT_A_DB),
    "text": (lambda p: p.write_text("my notes\n" * 50), NOT_A_DB),
    "another program's tables": (
        lambda p: _sqlite(p, "CREATE TABLE notes (x)", "INSERT INTO notes VALUES ('mine')"),
        r"not a posecheck history database \(it has table\(s\) notes\)",
    ),
    "posecheck's table with other columns": (
        lambda p: _sqlite(p, "CREATE TABLE sessions (a, b)", "INSERT INTO sessions VALUES (1, 2)"),
        r"table sessions has columns a, b, not posecheck's id, started_at, source, log_path",
    ),
    "posecheck's tables and another": (
        lambda p: (_record_one(p.parent), _sqlite(p, "CREATE TABLE notes (x)")),
        r"it has table\(s\) notes",
    ),
}


def _one_line(exc: pytest.ExceptionInfo, path: Path) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(path)), msg
    return msg


@pytest.mark.parametrize("make, message", BAD_DBS.values(), ids=BAD_DBS.keys())
def test_a_db_that_is_not_posecheck_history_is_refused_and_left_as_it_is(tmp_path, monkeypatch, capsys, make, message):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    db = tmp_path / "history.db"
    make(db)
    before = db.read_bytes()
    for act in (history_rows, check_home, lambda: _record_one(tmp_path)):
        with pytest.raises(PosecheckError, match=message) as exc:
            act()
        _one_line(exc, db)
    assert main(["history"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert db.read_bytes() == before
    assert {p.name for p in tmp_path.iterdir()} <= {"history.db", "sessions"}  # no -wal, -shm or -journal


UNFINISHED_DBS = {
    # posecheck's own tables, one of them missing (a session killed while creating them): not foreign.
    "partly_created": lambda db: _sqlite(
        db,
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, started_at REAL NOT NULL, "
        "source TEXT NOT NULL, log_path TEXT NOT NULL)",
    ),
    "empty_file": lambda db: db.write_bytes(b""),
}


@pytest.mark.parametrize("make", UNFINISHED_DBS.values(), ids=UNFINISHED_DBS.keys())
def test_a_partly_created_or_empty_history_is_read_as_empty_then_completed(tmp_path, monkeypatch, make):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    make(tmp_path / "history.db")
    assert history_rows() == []
    _record_one(tmp_path)
    assert [r["reps"] for r in history_rows()] == [5]


def test_reading_the_history_creates_nothing(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("POSECHECK_HOME", str(home))
    assert history_rows() == []
    assert not home.exists()


def test_home_that_is_a_file_is_one_line(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.write_text("not a folder")
    monkeypatch.setenv("POSECHECK_HOME", str(home))
    for act in (history_rows, check_home, lambda: _record_one(home)):
        with pytest.raises(PosecheckError, match=r"posecheck's home .* is not a folder") as exc:
            act()
        _one_line(exc, home)
    assert main(["history"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert home.read_text() == "not a folder"


def test_sessions_that_is_a_file_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    sessions = tmp_path / "sessions"
    sessions.write_text("not a folder")
    with pytest.raises(PosecheckError, match=r"the session log folder is not a folder") as exc:
        check_home()
    _one_line(exc, sessions)
    with pytest.raises(PosecheckError, match=r"the session log folder is not a folder"):
        SessionLog(sessions / "s1.jsonl")
    assert sessions.read_text() == "not a folder"


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_history_db_that_is_not_a_regular_file_is_refused_without_opening_it(tmp_path, monkeypatch, kind):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    db = tmp_path / "history.db"
    fd = None
    if kind == "folder":
        db.mkdir()
    else:
        os.mkfifo(db)
        # Held open and filled: were sqlite to read it, it would not block but say "not a database".
        fd = os.open(db, os.O_RDWR | os.O_NONBLOCK)
        os.write(fd, os.urandom(512))
    try:
        for act in (history_rows, check_home):
            with pytest.raises(PosecheckError, match=r"the history database is not a regular file") as exc:
                act()
            _one_line(exc, db)
    finally:
        if fd is not None:
            assert len(os.read(fd, 1024)) == 512  # nothing was read from it
            os.close(fd)


def _read_only(path: Path) -> None:
    path.chmod(0o555)
    if os.access(path, os.W_OK):
        path.chmod(0o755)
        pytest.skip("permissions are not enforced for this user (root)")


def test_read_only_home_is_one_line(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("POSECHECK_HOME", str(home))
    _read_only(home)
    try:
        assert history_rows() == []  # nothing to read is not an error
        for act in (check_home, lambda: _record_one(home)):
            with pytest.raises(PosecheckError, match=r"Permission denied|read-only") as exc:
                act()
            _one_line(exc, home)
    finally:
        home.chmod(0o755)


def test_read_only_home_with_a_history_is_one_line_and_unchanged(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    _record_one(tmp_path)
    db = tmp_path / "history.db"
    before = db.read_bytes()
    _read_only(tmp_path)
    try:
        assert main(["history"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{tmp_path} is read-only" in err
        with pytest.raises(PosecheckError, match=r"cannot write the history .*read-only"):
            _record_one(tmp_path)
    finally:
        tmp_path.chmod(0o755)
    assert db.read_bytes() == before


def test_read_only_sessions_folder_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    _read_only(sessions)
    try:
        with pytest.raises(PosecheckError, match=r"cannot write session logs here") as exc:
            check_home()
        _one_line(exc, sessions)
        with pytest.raises(PosecheckError, match=r"cannot write the session log \(Permission denied\)"):
            SessionLog(sessions / "s1.jsonl")
    finally:
        sessions.chmod(0o755)


def test_check_home_creates_what_a_session_needs(tmp_path, monkeypatch):
    home = tmp_path / "new" / "home"
    monkeypatch.setenv("POSECHECK_HOME", str(home))
    check_home()
    assert (home / "sessions").is_dir() and (home / "history.db").is_file()
    assert history_rows() == []


# --- history --plot: checked before any work --------------------------------------------------------------------


BAD_PLOTS = {
    "missing folder": (lambda d: d / "nope" / "p.png", r"folder .*nope does not exist"),
    "under a file": (lambda d: (d / "f").write_text("x") and d / "f" / "p.png", r"f is not a folder"),
    "unknown extension": (lambda d: d / "p.xyz", r"cannot write a '.xyz' file; allowed: .*\.pdf, .*\.png, .*\.svg"),
    "a video extension": (lambda d: d / "p.mp4", r"cannot write a '.mp4' file"),
    "an existing folder": (lambda d: d, r"is a folder, give a file name such as .*progress.png"),
    "a pipe with no extension": (lambda d: os.mkfifo(d / "pipe") or d / "pipe", r"exists and is not a regular file"),
}


@pytest.mark.parametrize("target, message", BAD_PLOTS.values(), ids=BAD_PLOTS.keys())
def test_bad_plot_paths_are_one_line(tmp_path, target, message):
    p = target(tmp_path)
    with pytest.raises(PosecheckError, match=message) as exc:
        plot_target(p)
    assert "\n" not in str(exc.value) and str(exc.value).startswith(f"--plot {p}")


@pytest.mark.parametrize("target, message", BAD_PLOTS.values(), ids=BAD_PLOTS.keys())
def test_history_with_a_bad_plot_path_is_one_line_before_any_work(tmp_path, monkeypatch, capsys, target, message):
    home = tmp_path / "home"
    monkeypatch.setenv("POSECHECK_HOME", str(home))
    home.mkdir()
    _record_one(home)
    plot = target(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    assert main(["history", "--plot", str(plot)]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # refused before the history was read or listed
    assert err.count("\n") == 1 and err.startswith("posecheck: error: --plot")
    assert sorted(tmp_path.rglob("*")) == before


def test_plot_without_extension_is_written_as_png_and_reported(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    _record_one(tmp_path)
    assert main(["history", "--plot", str(tmp_path / "progress")]) == 0
    assert f"wrote {tmp_path / 'progress.png'}" in capsys.readouterr().out
    assert (tmp_path / "progress.png").stat().st_size > 1000


def test_every_allowed_plot_format_is_written(tmp_path):
    """What plot_formats allows, matplotlib writes here (a tiny figure, for speed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    formats = plot_formats()
    assert {"png", "pdf", "svg"} <= set(formats)
    fig = plt.figure(figsize=(0.5, 0.5), dpi=20)
    for ext in formats:
        fig.savefig(tmp_path / f"p.{ext}")
        assert (tmp_path / f"p.{ext}").stat().st_size > 0, ext
    plt.close(fig)


def test_plot_history_reports_what_it_wrote_and_leaves_no_temporary(tmp_path):
    rows = [{"exercise": "squat", "started_at": time.time(), "reps": 5, "range_of_motion": None, "stopped_for_pain": 0}]
    assert plot_history(rows, tmp_path / "p.SVG") == tmp_path / "p.SVG"
    assert plot_history(rows, tmp_path / "q") == tmp_path / "q.png"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.SVG", "q.png"]
    assert (tmp_path / "p.SVG").read_text().lstrip().startswith("<?xml")


def test_pgf_is_allowed_only_with_its_tex_engine(monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert "pgf" not in plot_formats()
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    assert "pgf" in plot_formats()


def test_a_full_disk_is_one_line_and_keeps_what_was_stored(tmp_path, monkeypatch):
    """The file-size limit (RLIMIT_FSIZE) stands in for a full disk: the
    write fails inside sqlite as it would on a full one."""
    import subprocess
    import sys

    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    _record_one(tmp_path)
    script = (
        "import resource, signal, time\n"
        "from posecheck.errors import PosecheckError\n"
        "from posecheck.io.sessionlog import ExerciseResult, record_result\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))\n"
        "r = ExerciseResult('squat', time.time(), 60.0, 7, None, None, 0, 0, 0.0, 20.0, 0, False)\n"
        "try:\n"
        "    record_result('s1', 1, r)\n"
        "except PosecheckError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.startswith(f"{tmp_path / 'history.db'}: cannot write the history (")
    assert done.stdout.count("\n") == 1 and done.stderr == ""
    assert [r["reps"] for r in history_rows()] == [5]


def _first_write_at_once(db, session_id, barrier, failures):
    barrier.wait()
    try:
        record_session(session_id, 0.0, "camera 0", db.parent / f"{session_id}.jsonl", db=db)
    except PosecheckError as exc:
        failures.put(str(exc))


def test_sessions_that_create_the_history_at_the_same_moment_all_write(tmp_path):
    """Switching a new database to WAL answers "locked" at once, without the
    busy timeout, when another process opens it at the same moment (CI saw
    it with two live sessions). Before the fix about 3 in 10 of these races
    lost a writer; 30 races make a pass by luck negligible."""
    ctx = multiprocessing.get_context("fork")
    failures = ctx.Queue()
    for race in range(30):
        db = tmp_path / str(race) / "history.db"
        db.parent.mkdir()
        barrier = ctx.Barrier(3)
        procs = [ctx.Process(target=_first_write_at_once, args=(db, f"s{k}", barrier, failures)) for k in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        assert [p.exitcode for p in procs] == [0, 0, 0]
        assert failures.empty(), failures.get()
        con = sqlite3.connect(db)
        try:
            assert con.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 3
        finally:
            con.close()


# --- history --html ---------------------------------------------------------------------------------------------------


def _three_sessions(home: Path, source: str = "camera 0") -> None:
    now = time.time()
    for day, reps in enumerate((6, 8, 10)):
        sid = f"s{day}"
        record_session(sid, now - (3 - day) * 86400, source, home / f"{sid}.jsonl")
        record_result(sid, 0, _result("squat", reps, now - (3 - day) * 86400))
        record_result(sid, 1, _result("neck_side_tilt_hold", 2, now - (3 - day) * 86400 + 60, pain=day == 2))


def test_history_html_shows_each_exercise_by_date_against_its_prescription(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    _three_sessions(tmp_path)
    page = tmp_path / "progress.html"
    assert main(["history", "--html", str(page)]) == 0
    assert f"wrote {page}" in capsys.readouterr().out
    html = page.read_text(encoding="utf-8")
    assert "3 sessions" in html and "2 exercises" in html
    assert html.count('src="data:image/png;base64,') == 2  # one plot per exercise
    assert html.count("stopped for pain") == 1
    assert "Prescribed: 1 set" in html
    assert "<script" not in html


def test_history_html_escapes_what_was_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    _three_sessions(tmp_path, source="<script>alert(1)</script>.mp4")
    page = tmp_path / "progress.html"
    assert main(["history", "--html", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;.mp4" in html


def test_history_html_target_is_checked_before_reading(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POSECHECK_HOME", str(tmp_path))
    _three_sessions(tmp_path)
    assert main(["history", "--html", str(tmp_path / "missing" / "p.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--html" in err
