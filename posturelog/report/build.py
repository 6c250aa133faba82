"""Build the weekly report from the store: choose the week, analyse it, write the files.

:func:`build_report` is what ``posturelog report`` and ``posturelog demo`` call. It

1. resolves the ISO week (:func:`~posturelog.report.week.resolve_week`),
2. computes per-second epochs through :func:`posturelog.analyze.compute_epochs` (cached),
   and everything the report shows (:func:`~posturelog.report.data.prepare_report`; the
   previous week's daily metrics too, for week-over-week changes),
3. writes the four files into ``out_dir`` (:func:`write_report`).
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing as mp
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.episodes import find_episodes
from analysis.metrics import daily_metrics
from analysis.settings import AnalysisSettings
from posturelog.alertlog import read_alerts
from posturelog.display import literal_plot_text
from posturelog.outputs import private_dir, staged_dir
from posturelog.report import pdf
from posturelog.report.alert_data import alert_report
from posturelog.report.csv import write_csv
from posturelog.report.data import ReportData, prepare_report, sessions_in
from posturelog.report.html import write_html
from posturelog.report.week import resolve_week, week_bounds_ns

__all__ = ["ProgressFn", "ReportPaths", "build_report", "write_report"]

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, float, float], None]


@dataclass(frozen=True)
class ReportPaths:
    """Where the report files were written."""

    out_dir: Path
    html: Path
    pdf: Path
    daily_csv: Path
    episodes_csv: Path

    def files(self) -> list[Path]:
        """All files, in the order people open them."""
        return [self.html, self.pdf, self.daily_csv, self.episodes_csv]


def build_report(
    store: Any,
    week: str | None,
    out_dir: Path | None,
    settings: AnalysisSettings | None = None,
    progress: ProgressFn | None = None,
) -> ReportPaths:
    """Analyse one ISO week from the store and write the report files.

    Parameters
    ----------
    store : posturelog.store.Store
        The wearer's store.
    week
        ``"2026-W47"`` or None (last complete ISO week with data).
    out_dir
        Output directory (created); None: ``./posturelog-report-<week>``.
    settings
        Analysis settings (defaults when None).
    progress
        ``progress(description, completed, total)`` callback.

    Returns
    -------
    ReportPaths

    Raises
    ------
    UserError
        Malformed ``week``, a week without data, or an unwritable output directory.
    """
    t0 = time.perf_counter()
    settings = settings or AnalysisSettings()
    tz = store.timezone()
    today = pd.Timestamp.now(tz=tz).date()
    dates = store.local_dates()
    chosen, complete = resolve_week(week, dates, today)

    from posturelog.analyze import compute_epochs  # after validation: heavy imports
    out = Path(out_dir) if out_dir is not None else Path.cwd() / f"posturelog-report-{chosen.label}"
    private_dir(out)  # owner-only; fail early, before the analysis

    log.info("report for %s (%s), zone %s", chosen.label, chosen.span_text(), tz)

    def day_progress(day: dt.date, done: int, total: int) -> None:
        if progress is not None:
            progress(f"Analysing {day:%a %d %b}", done, total)

    epochs = compute_epochs(store, chosen.monday, chosen.sunday, settings, progress=day_progress)
    previous_daily: pd.DataFrame | None = None
    prev = chosen.previous()
    if any(prev.monday <= d <= prev.sunday for d in dates):
        prev_epochs = compute_epochs(store, prev.monday, prev.sunday, settings,
                                     progress=day_progress)
        if len(prev_epochs):
            p_start, p_end = week_bounds_ns(prev, tz)
            prev_epochs, prev_eps = find_episodes(prev_epochs, settings)
            previous_daily = daily_metrics(prev_epochs, prev_eps, store.pain_log(p_start, p_end),
                                           tz, settings)
            del prev_epochs
    if progress is not None:
        progress("Summarising", 0, 3)
    start_ns, end_ns = week_bounds_ns(chosen, tz)
    data = prepare_report(
        week=chosen, tz=tz, epochs=epochs, settings=settings,
        pain_log=store.pain_log(start_ns, end_ns), remedy_log=store.remedy_log(start_ns, end_ns),
        sessions=sessions_in(store.sessions(), start_ns, end_ns),
        gaps=store.gaps(start_ns, end_ns), calibration_marks=store.calibration_marks(),
        previous_daily=previous_daily, complete=complete,
        day_info=epochs.attrs.get("day_info"),
    )
    data.alerts = alert_report(read_alerts(store, None, end_ns), list(chosen.days), tz, data.daily)
    if progress is not None:
        progress("Writing report", 1, 3)
    with staged_dir(out) as stage, literal_plot_text():  # owner-only, all files or none
        staged = write_report(data, stage)
    paths = ReportPaths(out_dir=out, **{f: out / getattr(staged, f).name
                                        for f in ("html", "pdf", "daily_csv", "episodes_csv")})
    if progress is not None:
        progress("Report written", 3, 3)
    log.info("report %s written to %s in %.1f s", chosen.label, out, time.perf_counter() - t0)
    return paths


def write_report(data: ReportData, out_dir: Path) -> ReportPaths:
    """Write ``report.html``, ``report.pdf``, ``daily.csv`` and ``episodes.csv``.

    Parameters
    ----------
    data
        From :func:`prepare_report`.
    out_dir
        Directory to write into (created).

    Returns
    -------
    ReportPaths
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(out_dir=out, html=out / "report.html", pdf=out / "report.pdf",
                        daily_csv=out / "daily.csv", episodes_csv=out / "episodes.csv")
    t0 = time.perf_counter()
    # the PDF (the slowest part: ~10 pages of text, tables and plots) is drawn in a forked
    # process on another core while this one writes the CSV files and the HTML
    pdf_job = _PdfProcess.start(data, paths.pdf)
    try:
        write_csv(data, paths.daily_csv, paths.episodes_csv)
        write_html(data, paths.html)
        t1 = time.perf_counter()
        if pdf_job is None:
            pdf.write_pdf(data, paths.pdf)
        else:
            pdf_job.wait()
            pdf_job = None
    finally:
        if pdf_job is not None:
            pdf_job.abandon()
    log.debug("html %.1f s, pdf done %.1f s later", t1 - t0, time.perf_counter() - t1)
    return paths


class _PdfProcess:
    """:func:`pdf.write_pdf` in a forked child process (where ``fork`` exists and is allowed)."""

    def __init__(self, proc: BaseProcess, conn: Connection) -> None:
        self.proc = proc
        self.conn = conn

    @classmethod
    def start(cls, data: ReportData, path: Path) -> _PdfProcess | None:
        """Start writing ``path``; None where the PDF must be written in this process."""
        if os.environ.get("POSTURELOG_WORKERS") == "1" or (os.cpu_count() or 1) < 2 \
                or "fork" not in mp.get_all_start_methods() or mp.current_process().daemon:
            return None
        ctx = mp.get_context("fork")
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_pdf_child, args=(data, path, child),
                           name="posturelog-report-pdf")
        proc.start()
        child.close()
        return cls(proc, parent)

    def wait(self) -> None:
        """Wait for the PDF; re-raise a failure of the child here."""
        try:
            message = self.conn.recv()
        except EOFError:
            message = "the PDF process ended without a result"
        self.proc.join()
        self.conn.close()
        if message is not None:
            raise RuntimeError(f"writing the PDF failed:\n{message}")

    def abandon(self) -> None:
        """Stop the child (after a failure in this process)."""
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join()
        self.conn.close()


def _pdf_child(data: ReportData, path: Path, conn: Connection) -> None:
    message: str | None = None
    try:
        pdf.write_pdf(data, path)
    except BaseException:  # reported to the parent, which raises
        message = traceback.format_exc()
    try:
        conn.send(message)
    finally:
        conn.close()


