"""report.html, the batch's index.html and `history --html`: pages a
physiotherapist looks at.

One self-contained file (plots inline as PNG data, no script, no network:
it opens from a USB stick): the prescription against what was done, each
rep's range of motion and form, the holds against their target, the
warnings, and each counted or held metric over time with its thresholds,
reps, holds, warnings and the frames where the person was not in position.
Built on the field's tools: Jinja2 with autoescape (every name and message
from an exercise file is escaped: a title with `<script>` shows as text)
and matplotlib (Agg, no display).
"""

from __future__ import annotations

import base64
import io
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import numpy.typing as npt

from posecheck.core.analysis import AnalysisResult
from posecheck.core.engine.reps import reps_by_side
from posecheck.outputs import write_atomically
from posecheck.spec import Exercise

TEMPLATES = Path(__file__).resolve().parent / "templates"
# A warning's flag on a plot: its severity and message, cut to this length
# (the whole message is in the warnings table).
FLAG_CHARS = 40
# Height of a rep's thumbnail in report.html.
THUMB_HEIGHT_PX = 160


def _valid_utf8(text: str) -> str:
    """The page with a file name that is not UTF-8 (bytes from another
    system, which Python holds as surrogate escapes) showing its odd bytes
    as \\x escapes: a page must be valid UTF-8."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that is not a byte of a name
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _plain(text: str) -> str:
    """Text from an exercise file as matplotlib should draw it: as written
    (a `$` would otherwise start mathtext, and a lone one fails the plot)."""
    return text.replace("$", r"\$")


@contextmanager
def _figure() -> Iterator[tuple[Any, Any]]:
    """(figure, axes) of one page-wide plot on the Agg backend (no display),
    closed however the block ends."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 2.8), dpi=90)
    try:
        yield fig, ax
    finally:
        plt.close(fig)


def _png_base64(fig: Any) -> str:
    """The figure laid out, as base64 PNG."""
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _had_pain(row: dict[str, Any]) -> bool:
    """A history row with a stop for pain or a mild or strong check-in."""
    return bool(row["stopped_for_pain"]) or row.get("pain") not in (None, "none")


def _movement_ends(ex: Exercise) -> dict[str, tuple[float, float]]:
    """Counted metric -> (neutral, end) of its movement."""
    if ex.reps is None:
        return {}
    return {m.metric: (m.neutral, m.end) for m in ex.reps.movements}


def _plotted_metrics(ex: Exercise) -> list[str]:
    """The metrics reps are counted on or holds are timed on, in order."""
    names = list(_movement_ends(ex))
    if ex.hold is not None:
        for c in ex.hold.readings:
            if c.metric not in names:
                names.append(c.metric)
    return names


def _plot_png(result: AnalysisResult, metric: str) -> str:
    """One metric over time, as base64 PNG: its thresholds as a band, reps
    where they counted (a cross for a rep with form faults), holds shaded with their
    seconds, warnings as flags, frames out of position shaded grey."""
    ex = result.exercise
    t = result.track.t_s
    y = result.metrics[metric]
    with _figure() as (fig, ax):
        ax.plot(t, y, color="#1f5fa8", linewidth=1.2)
        ends = _movement_ends(ex).get(metric)
        if ends is not None:
            ax.axhspan(min(ends), max(ends), color="#1a7f37", alpha=0.08)
            ax.axhline(ends[0], color="#555", linestyle=":", linewidth=1)
            ax.axhline(ends[1], color="#1a7f37", linestyle="--", linewidth=1)
        if ex.hold is not None:
            for c in ex.hold.readings:
                if c.metric == metric:
                    for v in (c.min, c.max):
                        if math.isfinite(v):
                            ax.axhline(v, color="#8a5a00", linestyle="--", linewidth=1)
        out = ~np.asarray(result.usable, bool)
        if out.any():
            ax.fill_between(t, 0, 1, where=out, transform=ax.get_xaxis_transform(), color="#999", alpha=0.2, step="mid")
        for h in result.holds:
            ax.axvspan(h.start_s, h.end_s, color="#1a7f37" if h.completed else "#b35900", alpha=0.15)
            ax.text(
                (h.start_s + h.end_s) / 2,
                0.95,
                f"{h.duration_s:.1f} s",
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="top",
                fontsize=8,
            )
        if ends is not None:
            # On the curve at the moment the rep counted (at its end position):
            # a sided rep's peak is on its own side's reading, not this one.
            seen = np.isfinite(y)
            for r in result.reps:
                at = float(np.interp(r.t_s, t[seen], y[seen])) if seen.any() else math.nan
                ax.plot([r.t_s], [at], marker="x" if r.faults else "o", color="#b00020" if r.faults else "#1a7f37")
                if r.faults:
                    ax.annotate(
                        _plain(", ".join(r.faults)),
                        (r.t_s, at),
                        textcoords="offset points",
                        xytext=(0, 7),
                        ha="center",
                        fontsize=7,
                        color="#b00020",
                    )
        for w in result.warnings:
            colour = "#b00020" if w.severity == "stop" else "#b35900"
            ax.axvline(w.fired_s, color=colour, linewidth=1.5)
            flag = f"{w.severity}: {w.message}"
            flag = flag if len(flag) <= FLAG_CHARS else flag[: FLAG_CHARS - 1] + "\u2026"
            ax.text(
                w.fired_s,
                0.03,
                " " + _plain(flag),
                transform=ax.get_xaxis_transform(),
                fontsize=7,
                color=colour,
                va="bottom",
                ha="left",
                clip_on=True,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1},
            )
        ax.set_xlabel("time (s)")
        ax.set_ylabel(metric)
        ax.set_xlim(float(t[0]) if len(t) else 0.0, float(t[-1]) if len(t) else 1.0)
        return _png_base64(fig)


def _done_rows(ex: Exercise, result: AnalysisResult) -> list[dict[str, str]]:
    p = ex.prescription
    rows = []
    if ex.reps is not None:
        by_side = reps_by_side(ex, result.reps)
        done = ", ".join(f"{k} {v}" for k, v in by_side.items()) if by_side else str(len(result.reps))
        rows.append(
            {
                "what": "reps",
                "prescribed": str(p.reps) if p.reps else "-",
                "done": done,
                "css": "ok" if not p.reps or len(result.reps) >= p.reps else "short",
            }
        )
        rows.append(
            {
                "what": "partial reps",
                "prescribed": "0",
                "done": str(result.partial_reps),
                "css": "ok" if not result.partial_reps else "short",
            }
        )
    if ex.hold is not None:
        full = sum(h.completed for h in result.holds)
        rows.append(
            {
                "what": f"holds of {ex.hold.target_s:g} s",
                "prescribed": str(p.reps) if p.reps else "-",
                "done": f"{full} of {len(result.holds)}",
                "css": "ok" if result.holds and full == len(result.holds) else "short",
            }
        )
    rows.append({"what": "sets", "prescribed": str(p.sets), "done": "1 (one recording)", "css": "ok"})
    return rows


def _rom_trend(reps: list[dict[str, Any]]) -> str:
    """The first and last thirds of the set's reached share, compared."""
    shares = [r["progress"] for r in reps if math.isfinite(r["progress"])]
    if len(shares) < 3:
        return ""
    k = max(1, len(shares) // 3)
    first, last = float(np.mean(shares[:k])), float(np.mean(shares[-k:]))
    return (
        f"the first reps went {100 * first:.0f}% of the way from neutral to the end target, the last {100 * last:.0f}%"
    )


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))


def html_report(
    result: AnalysisResult, report: dict[str, Any], options: dict[str, Any], thumbnails: list[str] | None = None
) -> str:
    """The page as text (see the module docstring)."""
    from posecheck import __version__

    ex = result.exercise
    ends = _movement_ends(ex)
    end_of = next(iter(ends.values()))[1] if ends else math.nan
    reps = [
        {
            "n": i + 1,
            "t_s": r.t_s,
            "side": r.side,
            "peak": r.peak,
            "end": f"{end_of:g}" if math.isfinite(end_of) else "",
            "reached": f"{100 * r.progress:.0f}%",
            "progress": r.progress,
            "faults": ", ".join(r.faults),
            "thumb": thumbnails[i] if thumbnails and i < len(thumbnails) else "",
        }
        for i, r in enumerate(result.reps)
    ]
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            ex=ex,
            instructions=" ".join(ex.instructions.split()),
            report=report,
            done=_done_rows(ex, result),
            reps=reps,
            rom_trend=_rom_trend(reps),
            holds=[{"n": i + 1, **h} for i, h in enumerate(report["holds"])],
            target_s=ex.hold.target_s if ex.hold is not None else 0.0,
            warnings=report["warnings"],
            plots=[
                {"metric": m, "png_base64": _plot_png(result, m)} for m in _plotted_metrics(ex) if m in result.metrics
            ],
            version=__version__,
            options=", ".join(f"{k} {v}" for k, v in options.items()),
        )
    )


def rep_thumbnail(annotated_bgr: npt.NDArray[np.uint8], px: npt.NDArray[np.float64]) -> str:
    """A rep's picture for report.html: the annotated frame (skeleton drawn)
    cut round the person's landmarks with a margin, THUMB_HEIGHT_PX high,
    as base64 JPEG; the whole frame when no landmark is known."""
    import cv2

    h, w = annotated_bgr.shape[:2]
    seen = px[np.isfinite(px).all(axis=1)]
    crop = annotated_bgr
    if len(seen):
        (x0, y0), (x1, y1) = seen.min(axis=0), seen.max(axis=0)
        margin = 0.15 * max(x1 - x0, y1 - y0, 1.0)
        xa, ya = max(int(x0 - margin), 0), max(int(y0 - margin), 0)
        xb, yb = min(int(x1 + margin), w), min(int(y1 + margin), h)
        if xb - xa > 8 and yb - ya > 8:
            crop = annotated_bgr[ya:yb, xa:xb]
    scale = THUMB_HEIGHT_PX / crop.shape[0]
    small = cv2.resize(crop, (max(1, round(crop.shape[1] * scale)), THUMB_HEIGHT_PX), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return base64.b64encode(jpeg.tobytes()).decode("ascii") if ok else ""


def write_html_report(
    result: AnalysisResult,
    report: dict[str, Any],
    options: dict[str, Any],
    path: Path,
    thumbnails: list[str] | None = None,
) -> None:
    """Write report.html whole or not at all (outputs.write_atomically);
    `thumbnails`: one base64 JPEG per rep (rep_thumbnail), for a video."""
    text = html_report(result, report, options, thumbnails)
    write_atomically(Path(path), lambda tmp: tmp.write_text(_valid_utf8(text), encoding="utf-8"))


def write_batch_index(rows: list[dict[str, Any]], out: Path) -> None:
    """`out/index.html`: the batch's summary table (the rows of summary.csv),
    each analysed file linked to its report.html."""
    from posecheck import __version__

    shown = []
    for r in rows:
        report = Path(r["out"]) / "report.html" if r.get("out") else None
        # Percent-encoded from the name's own bytes: a link to a folder
        # named in another encoding (caf\xe9) still opens it.
        link = quote(os.fsencode(report.relative_to(out).as_posix())) if report is not None and report.is_file() else ""
        shown.append({**r, "name": Path(r["file"]).name, "link": link})
    text = (
        _environment()
        .get_template("index.html.j2")
        .render(rows=shown, ok=sum(r["status"] == "ok" for r in rows), version=__version__)
    )
    write_atomically(out / "index.html", lambda tmp: tmp.write_text(_valid_utf8(text), encoding="utf-8"))


def _history_plot_png(rows: list[dict[str, Any]], prescription: Any) -> str:
    """Reps, range of motion and hold time over the sessions' dates, the
    prescription as dashed reference lines; pain check-ins marked."""
    from datetime import datetime

    with _figure() as (fig, ax):
        import matplotlib.dates as mdates

        when = mdates.date2num([datetime.fromtimestamp(r["started_at"]) for r in rows])
        ax.xaxis_date()
        ax.plot(when, [r["reps"] for r in rows], "o-", color="#1f5fa8", label="reps")
        if prescription is not None and prescription.reps:
            ax.axhline(prescription.reps, color="#1f5fa8", linestyle="--", linewidth=1, label="reps prescribed")
        hold = [r["hold_s"] for r in rows]
        if any(hold):
            ax.plot(when, hold, "^-", color="#1a7f37", label="held (s)")
            if prescription is not None and prescription.hold_s:
                ax.axhline(
                    prescription.hold_s, color="#1a7f37", linestyle="--", linewidth=1, label="hold prescribed (s)"
                )
        rom = [r["range_of_motion"] if r["range_of_motion"] is not None else math.nan for r in rows]
        if any(math.isfinite(v) for v in rom):
            ax2 = ax.twinx()
            ax2.plot(when, rom, "s:", color="#b35900", label="range of motion")
            ax2.set_ylabel("range of motion")
        for w, r in zip(when, rows):
            if _had_pain(r):
                ax.axvline(float(w), color="#b00020", alpha=0.4, linewidth=3)
        ax.set_ylabel("reps / seconds")
        ax.legend(loc="upper left", fontsize=8)
        fig.autofmt_xdate()
        return _png_base64(fig)


def _prescribed_text(prescription: Any) -> str:
    if prescription is None:
        return "unknown (the exercise file is not bundled)"
    parts = [f"{prescription.sets} set{'s' if prescription.sets != 1 else ''}"]
    if prescription.reps:
        parts.append(f"{prescription.reps} reps")
    if prescription.hold_s:
        parts.append(f"holds of {prescription.hold_s:g} s")
    return ", ".join(parts)


def history_html(rows: list[dict[str, Any]]) -> str:
    """The live sessions' history (sessionlog.history_rows, oldest first) as
    a page: per exercise, reps, range of motion (the median peak), hold time
    and pain check-ins by date, against the exercise's prescription."""
    from datetime import datetime

    from posecheck import __version__
    from posecheck.errors import PosecheckError
    from posecheck.spec import load_exercise

    def day(t: float) -> str:
        return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")

    exercises = []
    for ex_id in dict.fromkeys(r["exercise"] for r in rows):
        mine = [r for r in rows if r["exercise"] == ex_id]
        try:
            ex = load_exercise(ex_id)
            title, prescription = ex.title, ex.prescription
        except PosecheckError:
            title, prescription = ex_id, None
        shown = [
            {
                "date": day(r["started_at"]),
                "source": r.get("source", ""),
                "reps": r["reps"],
                "sides": f"{r['reps_left']} / {r['reps_right']}" if r["reps_left"] is not None else "",
                "partial_reps": r["partial_reps"],
                "rom": f"{r['range_of_motion']:g}" if r["range_of_motion"] is not None else "",
                "hold": f"{r['hold_s']:.1f}" if r["holds"] else "",
                "warnings": r["warnings"],
                "pain": "stopped for pain" if r["stopped_for_pain"] else (r.get("pain") or "not asked"),
                "pain_flag": _had_pain(r),
            }
            for r in mine
        ]
        exercises.append(
            {
                "title": title,
                "prescribed": _prescribed_text(prescription),
                "png_base64": _history_plot_png(mine, prescription),
                "rows": shown,
            }
        )
    return (
        _environment()
        .get_template("history.html.j2")
        .render(
            exercises=exercises,
            n_sessions=len({r["session_id"] for r in rows}),
            first=day(rows[0]["started_at"]),
            last=day(rows[-1]["started_at"]),
            version=__version__,
        )
    )


def write_history_html(rows: list[dict[str, Any]], path: Path) -> None:
    """`history --html FILE`, written whole or not at all."""
    text = history_html(rows)
    write_atomically(Path(path), lambda tmp: tmp.write_text(_valid_utf8(text), encoding="utf-8"))
