"""Build the weekly report from the store: choose the week, analyse it, write the files.

:func:`build_report` is what ``posturelog report`` and ``posturelog demo`` call. It

1. resolves the ISO week (:func:`~posturelog.report.week.resolve_week`),
2. analyses it with :func:`posturelog.analyze.analyze_week` (cached epochs, episodes found
   once, the previous week's daily metrics for week-over-week changes) and adds the store's
   records and the wording (:func:`~posturelog.report.data.report_data`),
3. writes the four files into ``out_dir`` (:func:`write_report`; the PDF in a forked
   process when ``workers > 1``, :func:`posturelog.forking.forked_call`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.settings import AnalysisSettings
from posturelog.alertlog import read_alerts
from posturelog.display import literal_plot_text
from posturelog.forking import forked_call
from posturelog.outputs import new_private_dir, staged_dir
from posturelog.report import pdf
from posturelog.report.alert_data import alert_report
from posturelog.report.csv import write_csv
from posturelog.report.data import ReportData, report_data, sessions_in
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
    *,
    workers: int = 1,
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
    workers
        Processes that may compute uncached days and draw the PDF (``1``: all in this
        process).

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

    from posturelog.analyze import analyze_week  # after validation: heavy imports
    out = Path(out_dir) if out_dir is not None else Path.cwd() / f"posturelog-report-{chosen.label}"
    # owner-only; fail early, before the analysis; a folder made here goes again if the report fails
    with new_private_dir(out):
        log.info("report for %s (%s), zone %s", chosen.label, chosen.span_text(), tz)

        def day_progress(day: dt.date, done: int, total: int) -> None:
            if progress is not None:
                progress(f"Analysing {day:%a %d %b}", done, total)

        analysis = analyze_week(store, chosen, settings, workers=workers, progress=day_progress)
        if progress is not None:
            progress("Summarising", 0, 3)
        start_ns, end_ns = week_bounds_ns(chosen, tz)
        data = report_data(
            analysis, sessions=sessions_in(store.sessions(), start_ns, end_ns),
            gaps=store.gaps(start_ns, end_ns), calibration_marks=store.calibration_marks(),
            complete=complete,
        )
        data = dataclasses.replace(
            data, alerts=alert_report(read_alerts(store, None, end_ns), list(chosen.days), tz, data.daily))
        if progress is not None:
            progress("Writing report", 1, 3)
        with staged_dir(out) as stage, literal_plot_text():  # owner-only, all files or none
            staged = write_report(data, stage, workers=workers)
        paths = ReportPaths(out_dir=out, **{f: out / getattr(staged, f).name
                                            for f in ("html", "pdf", "daily_csv", "episodes_csv")})
    if progress is not None:
        progress("Report written", 3, 3)
    log.info("report %s written to %s in %.1f s", chosen.label, out, time.perf_counter() - t0)
    return paths


def write_report(data: ReportData, out_dir: Path, *, workers: int = 1) -> ReportPaths:
    """Write ``report.html``, ``report.pdf``, ``daily.csv`` and ``episodes.csv``.

    Parameters
    ----------
    data
        From :func:`~posturelog.report.data.report_data`.
    out_dir
        Directory to write into (created).
    workers
        With more than one, the PDF (the slowest part: ~10 pages of text, tables and plots)
        is drawn in a forked process while this one writes the CSV files and the HTML.

    Returns
    -------
    ReportPaths
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(out_dir=out, html=out / "report.html", pdf=out / "report.pdf",
                        daily_csv=out / "daily.csv", episodes_csv=out / "episodes.csv")
    t0 = time.perf_counter()
    with forked_call(workers, pdf.write_pdf, data, paths.pdf) as pdf_job:
        write_csv(data, paths.daily_csv, paths.episodes_csv)
        write_html(data, paths.html)
        t1 = time.perf_counter()
        if pdf_job is None:
            pdf.write_pdf(data, paths.pdf)
        else:
            pdf_job.result()  # a failure in the child is raised here
    log.debug("html %.1f s, pdf done %.1f s later", t1 - t0, time.perf_counter() - t1)
    return paths
