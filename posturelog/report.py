"""The weekly report: ``report.html``, ``report.pdf``, ``daily.csv`` and ``episodes.csv``.

:func:`build_report` is what ``posturelog report`` and ``posturelog demo`` call. It

1. resolves the ISO week (default: the last complete ISO week with data in the wearer's zone;
   the latest week with data when none is complete yet),
2. computes per-second epochs through :func:`posturelog.analyze.compute_epochs` (cached),
   slouch episodes, daily metrics, the hour-of-day profile, the sensitivity table and the pain
   analysis (the previous week's daily metrics too, for week-over-week changes),
3. writes the four files into ``out_dir``.

The computation (:func:`prepare_report`) is separate from the rendering
(:func:`write_report`), so both can be used on their own (e.g. from a notebook or a test
with synthetic epochs).

Output files
------------
``report.html``
    Self-contained: figures are embedded as base64 PNG ``data:`` URIs, styles inline, no
    external links or scripts.
``report.pdf``
    A4 pages: summary, daily overview, when and how much the trunk was flexed, the worst day,
    pain, data quality, appendix (sensitivity, flexion bands and ISO 11226, settings) and a
    glossary of every column.
``daily.csv``
    One row per local day of the week (7 rows for a full week, days without data included),
    columns :data:`analysis.metrics.DAILY_COLUMNS`.
``episodes.csv``
    One row per slouch episode: local start/end with UTC offset (ISO 8601), local date,
    duration and flexion.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import logging
import math
import multiprocessing as mp
import os
import re
import textwrap
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure, SubFigure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D

from analysis import figures
from analysis.episodes import find_episodes, sensitivity_table
from analysis.metrics import (
    DAILY_COLUMNS,
    GLOSSARY,
    daily_metrics,
    hourly_profile,
    hourly_slouch_share,
    weekly_summary,
)
from analysis.pain import Correlation, PainAnalysis, analyse_pain
from analysis.settings import AnalysisSettings
from posturelog import __version__
from posturelog import report_text as rt
from posturelog.display import literal_plot_text
from posturelog.errors import UserError
from posturelog.outputs import private_dir, staged_dir

__all__ = [
    "EPISODE_CSV_COLUMNS",
    "IsoWeek",
    "ReportData",
    "ReportPaths",
    "build_report",
    "prepare_report",
    "resolve_week",
    "write_report",
]

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, float, float], None]

#: Columns of ``episodes.csv``.
EPISODE_CSV_COLUMNS: tuple[str, ...] = (
    "date",
    "start",
    "end",
    "duration_min",
    "mean_flexion_deg",
    "peak_flexion_deg",
)

_EPISODE_CSV_GLOSSARY: dict[str, str] = {
    "date (episodes.csv)": "Local date on which the episode started.",
    "start (episodes.csv)": "Episode start, local time with UTC offset (ISO 8601).",
    "end (episodes.csv)": "Episode end (the second after the last slouch second), local time "
    "with UTC offset.",
}

_WEEK_RE = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
_A4 = (8.27, 11.69)
_SENS_THRESHOLDS = (10.0, 15.0, 20.0, 25.0, 30.0)
_SENS_DURATIONS = (30.0, 60.0, 120.0, 300.0)
_DISCLAIMER = (
    "posturelog is not a medical device. It measures how far your upper back (thoracic spine) "
    "bends forward relative to your own calibrated upright; it cannot diagnose anything. "
    "Discuss the report with your physiotherapist or doctor."
)
_ISO_NOTE = (
    "Trunk-flexion bands follow RULA/REBA: 0–20°, 20–60° and over 60° beyond your upright. "
    "ISO 11226 (evaluation of static working postures) treats 0–20° as acceptable, 20–60° as "
    "acceptable only with full trunk support or for a limited holding time (about 4 min at 20° "
    "down to about 1 min at 60°), and over 60° held statically as not acceptable. The 'ISO "
    "11226 holds' column counts static holds longer than these times. Angles here are relative "
    "to your own calibrated upright posture, not absolute: normal thoracic kyphosis differs "
    "between people and grows with age. Check the standard itself before relying on it."
)
_METHOD_NOTE = (
    "Slouching means thoracic (upper-back) flexion beyond your calibrated upright by more than "
    "the threshold, sustained for at least the minimum duration, while sitting or standing. "
    "Lying and time without the sensor never count. No validated universal threshold exists, "
    "so the appendix shows how the minutes change with other settings."
)


# --------------------------------------------------------------------------------------------
# weeks
@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week (Monday to Sunday).

    Attributes
    ----------
    year : int
        ISO year.
    week : int
        ISO week number (1–53).
    """

    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """Parse ``"2026-W47"`` (also ``2026W47``, ``2026-w47``).

        Raises
        ------
        UserError
            With a one-line reason when the text is not an existing ISO week.
        """
        match = _WEEK_RE.match(text or "")
        if not match:
            raise UserError(f"--week must look like 2026-W47, got {text!r}")
        year, week = int(match.group(1)), int(match.group(2))
        try:
            dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise UserError(f"--week {text!r}: {year} has no ISO week {week}") from None
        return cls(year, week)

    @classmethod
    def of(cls, day: dt.date) -> IsoWeek:
        """The ISO week containing ``day``."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def label(self) -> str:
        """``"2026-W47"``."""
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> dt.date:
        """First local day of the week."""
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> dt.date:
        """Last local day of the week."""
        return self.monday + dt.timedelta(days=6)

    @property
    def days(self) -> list[dt.date]:
        """The seven local dates, Monday first."""
        return [self.monday + dt.timedelta(days=i) for i in range(7)]

    def previous(self) -> IsoWeek:
        """The week before."""
        return IsoWeek.of(self.monday - dt.timedelta(days=7))

    def span_text(self) -> str:
        """``"Mon 16 – Sun 22 November 2026"``."""
        a, b = self.monday, self.sunday
        if a.month == b.month:
            return f"Mon {a.day} – Sun {b.day} {b:%B %Y}"
        if a.year == b.year:
            return f"Mon {a.day} {a:%B} – Sun {b.day} {b:%B %Y}"
        return f"Mon {a.day} {a:%B %Y} – Sun {b.day} {b:%B %Y}"

    def __str__(self) -> str:
        return self.label


def resolve_week(
    week: str | None, local_dates: Sequence[dt.date], today: dt.date
) -> tuple[IsoWeek, bool]:
    """The week to report and whether it is complete (its Sunday has passed).

    Parameters
    ----------
    week
        ``"2026-W47"`` or None for the default: the last complete ISO week with data; when no
        week with data is complete yet, the latest week with data (a partial week).
    local_dates
        Local dates (wearer's zone) that hold samples.
    today
        Today's local date in the wearer's zone.

    Returns
    -------
    (IsoWeek, bool)
        The week and whether it has ended.

    Raises
    ------
    UserError
        For a malformed week, a week without data, or a store without any data.
    """
    dates = sorted(set(local_dates))
    if week is not None:
        chosen = IsoWeek.parse(week)
        if not any(chosen.monday <= d <= chosen.sunday for d in dates):
            if dates:
                have = sorted({IsoWeek.of(d).label for d in dates})
                shown = ", ".join(have[-4:])
                raise UserError(f"no recorded data in week {chosen.label} (weeks with data: {shown})")
            raise UserError(f"no recorded data in week {chosen.label}: the store holds no samples")
        return chosen, chosen.sunday < today
    if not dates:
        raise UserError("no recorded data yet: record, import or run 'posturelog demo' first")
    weeks = sorted({IsoWeek.of(d) for d in dates})
    complete = [w for w in weeks if w.sunday < today]
    if complete:
        return complete[-1], True
    log.info("no complete ISO week with data yet; reporting the partial week %s", weeks[-1])
    return weeks[-1], False


# --------------------------------------------------------------------------------------------
# data
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


@dataclass
class ReportData:
    """Everything the report shows, computed once and rendered to HTML, PDF and CSV.

    Attributes
    ----------
    week : IsoWeek
    complete : bool
        Whether the week has ended.
    tz : str
        Wearer's IANA zone.
    settings : AnalysisSettings
    epochs : DataFrame
        Per-second epochs of the week with ``slouch`` from :func:`find_episodes`.
    episodes : DataFrame
        Slouch episodes (UTC ``start``/``end``).
    daily : DataFrame
        One row per local day of the week (7 rows), :data:`DAILY_COLUMNS`.
    previous_daily : DataFrame or None
        The previous week's daily rows when it has data.
    hourly : DataFrame
        Local date × hour slouch share (%).
    summary : dict
        :func:`analysis.metrics.weekly_summary`.
    pain : PainAnalysis
    pain_log, remedy_log : DataFrame
        The week's ratings and remedies (UTC ``time``).
    sensitivity : DataFrame
        Threshold × minimum duration → total slouch minutes of the week.
    sessions, gaps, calibration_marks : DataFrame
        Recording sessions overlapping the week, gaps in the week, marked calibrations.
    headline : list of str
        Sentences for the top of the report.
    pain_lines : list of str
        Plain-language pain findings.
    generated : Timestamp
        When the report was made (UTC).
    """

    week: IsoWeek
    complete: bool
    tz: str
    settings: AnalysisSettings
    epochs: pd.DataFrame
    episodes: pd.DataFrame
    daily: pd.DataFrame
    previous_daily: pd.DataFrame | None
    hourly: pd.DataFrame
    summary: dict[str, Any]
    pain: PainAnalysis
    pain_log: pd.DataFrame
    remedy_log: pd.DataFrame
    sensitivity: pd.DataFrame
    sessions: pd.DataFrame
    gaps: pd.DataFrame
    calibration_marks: pd.DataFrame
    headline: list[str] = field(default_factory=list)
    pain_lines: list[str] = field(default_factory=list)
    pain_note: str = ""
    generated: pd.Timestamp = field(default_factory=lambda: pd.Timestamp.now(tz="UTC"))

    @property
    def worn_days(self) -> int:
        """Days of the week with any worn minute."""
        return int((self.daily["wear_minutes"] > 0).sum())

    def worst_day(self) -> dt.date | None:
        """The local day with the most slouched minutes (else the most worn), or None."""
        worn = self.daily[self.daily["wear_minutes"] > 0]
        if worn.empty:
            return None
        key = "slouch_minutes" if worn["slouch_minutes"].max() > 0 else "wear_minutes"
        return pd.Timestamp(worn.loc[worn[key].idxmax(), "date"]).date()


def _week_bounds_ns(week: IsoWeek, tz: str) -> tuple[int, int]:
    start = pd.Timestamp(week.monday).tz_localize(tz, nonexistent="shift_forward")
    end = pd.Timestamp(week.sunday + dt.timedelta(days=1)).tz_localize(
        tz, nonexistent="shift_forward")
    return int(start.value), int(end.value)


def _full_week_daily(daily: pd.DataFrame, week: IsoWeek, tz: str) -> pd.DataFrame:
    """Daily rows for all seven days (days without data: zero minutes, NaN flexion/pain)."""
    by_day = daily.set_index(pd.Index([pd.Timestamp(d).date() for d in daily["date"]]))
    by_day = by_day[~by_day.index.duplicated()]
    out = by_day.reindex(week.days)
    out["date"] = week.days
    start, _ = _week_bounds_ns(week, tz)
    for day in week.days:
        if pd.isna(out.at[day, "day_hours"]):
            a = pd.Timestamp(day).tz_localize(tz, nonexistent="shift_forward")
            b = pd.Timestamp(day + dt.timedelta(days=1)).tz_localize(
                tz, nonexistent="shift_forward")
            out.at[day, "day_hours"] = (b - a).total_seconds() / 3600.0
    zero_cols = [c for c in out.columns if c.endswith("_minutes") or c in (
        "slouch_episodes", "iso11226_violations", "pain_ratings", "coverage_pct")]
    out[zero_cols] = out[zero_cols].fillna(0.0)
    for c in ("slouch_episodes", "iso11226_violations", "pain_ratings"):
        out[c] = out[c].astype(int)
    if "calibration" in out.columns:
        out["calibration"] = out["calibration"].fillna("none")
    return out.reset_index(drop=True)[list(daily.columns)]


def _sessions_in(sessions: pd.DataFrame, start_ns: int, end_ns: int) -> pd.DataFrame:
    if sessions.empty:
        return sessions
    started = sessions["started_ns"].astype("int64")
    ended = sessions["ended_ns"].fillna(np.iinfo(np.int64).max).astype("int64")
    inside = sessions[(started < end_ns) & (ended > start_ns)]
    if inside.empty:
        # Imported or simulated sessions may carry the time they were recorded, not the time
        # of their samples: then list every session rather than none.
        log.debug("no session overlaps the week by its times; listing all sessions")
        return sessions.reset_index(drop=True)
    return inside.reset_index(drop=True)


def _correlation_line(corr: Correlation) -> str:
    unit = "days" if corr.n == corr.n_days else "ratings"
    what = corr.what
    return rt.association_sentence(rt.Association(
        rho=corr.rho, low=corr.ci_low, high=corr.ci_high, n=corr.n, unit=unit,
        description=what,
    ))


def _pain_lines(pain: PainAnalysis) -> tuple[list[str], str]:
    """Plain-language pain findings and the short note for the scatter plot."""
    lines = [
        f"{pain.n_ratings} pain rating{'s' if pain.n_ratings != 1 else ''} on "
        f"{pain.n_rating_days} day{'s' if pain.n_rating_days != 1 else ''}; "
        f"{pain.n_paired_days} day{'s' if pain.n_paired_days != 1 else ''} had both sensor wear "
        "and ratings."
    ]
    note = ""
    for i, (res, why) in enumerate(((pain.daily_lag0, pain.daily_lag0_reason),
                                    (pain.daily_lag1, pain.daily_lag1_reason),
                                    (pain.within_day, pain.within_day_reason))):
        text = _correlation_line(res) if res is not None else str(why or "")
        if text:
            lines.append(text)
        if i == 0:
            note = text
    if pain.remedies is not None and len(pain.remedies):
        for row in pain.remedies.itertuples():
            if int(row.n_compared) == 0:
                lines.append(
                    f"{str(row.kind).capitalize()}: logged {int(row.n_logged)}×, never with pain "
                    f"ratings both within {pain.remedy_window_h:g} h before and after.")
                continue
            lines.append(
                f"{str(row.kind).capitalize()}: pain averaged {rt.format_score(row.mean_before)} "
                f"in the {pain.remedy_window_h:g} h before and {rt.format_score(row.mean_after)} "
                f"after ({float(row.mean_change):+.1f} points; {int(row.n_compared)} of "
                f"{int(row.n_logged)} logged). Other things change around a remedy too, so this "
                "is an association only.")
    elif pain.remedies_reason:
        lines.append(pain.remedies_reason)
    lines.extend(pain.notes)
    lines.append(
        "Associations in one person's week are uncertain: days follow each other, so the "
        "intervals come from a block bootstrap over days, and no p-value is given. Research "
        "links posture with pain only modestly; a link here does not show what drives what."
    )
    return lines, note


def _headline(data: ReportData) -> list[str]:
    s = data.summary
    change = s.get("change") or {}
    prev_slouch = change.get("slouch_minutes_per_day", {}).get("previous") if change else None
    prev_pain = change.get("pain_mean_week", {}).get("previous") if change else None
    longest_day: dt.date | None = None
    longest: float | None = None
    if len(data.episodes):
        i = int(data.episodes["duration_min"].to_numpy().argmax())
        longest = float(data.episodes["duration_min"].iloc[i])
        longest_day = pd.Timestamp(data.episodes["start"].iloc[i]).tz_convert(data.tz).date()
    slouch_pd = s.get("slouch_minutes_per_day", float("nan"))
    sentences = rt.headline_sentences(
        slouch_minutes_per_day=0.0 if _nan(slouch_pd) else float(slouch_pd),
        days_worn=int(s.get("days_with_wear", data.worn_days)),
        days_in_week=7,
        previous_slouch_minutes_per_day=None if _nan(prev_slouch) else prev_slouch,
        worst_hour=s.get("worst_hour"),
        wear_minutes_per_day=float(s.get("wear_hours_per_day", 0.0)) * 60.0,
        longest_episode_minutes=longest,
        longest_episode_day=longest_day,
        pain_mean=s.get("pain_mean_week"),
        pain_ratings=int(s.get("pain_ratings", 0)),
        previous_pain_mean=None if _nan(prev_pain) else prev_pain,
    )
    lag0 = data.pain.daily_lag0
    if lag0 is not None:
        sentences.append(_correlation_line(lag0))
    elif data.pain.n_ratings > 0:
        sentences.append(rt.too_few_sentence(
            f"{data.pain.n_paired_days} day(s) have both sensor wear and pain ratings, at least "
            f"{data.settings.pain_min_paired_days} are needed"))
    if not data.complete:
        sentences.append(f"Week {data.week.label} is not over yet; this covers the days so far.")
    return sentences


def _nan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def prepare_report(
    *,
    week: IsoWeek,
    tz: str,
    epochs: pd.DataFrame,
    settings: AnalysisSettings,
    pain_log: pd.DataFrame | None = None,
    remedy_log: pd.DataFrame | None = None,
    sessions: pd.DataFrame | None = None,
    gaps: pd.DataFrame | None = None,
    calibration_marks: pd.DataFrame | None = None,
    previous_daily: pd.DataFrame | None = None,
    complete: bool = True,
) -> ReportData:
    """Compute everything the report shows from one week of epochs (no store needed).

    Parameters
    ----------
    week
        The ISO week.
    tz
        Wearer's IANA zone.
    epochs
        Per-second epochs of the week (the contract of :mod:`posturelog.analyze`).
    settings
        Analysis settings (threshold, minimum duration, pain statistics).
    pain_log, remedy_log
        The week's pain ratings (``time``, ``score``) and remedies (``time``, ``kind``).
    sessions, gaps, calibration_marks
        From :class:`posturelog.store.Store` (may be empty).
    previous_daily
        :func:`daily_metrics` of the previous week, for week-over-week changes.
    complete
        Whether the week has ended.

    Returns
    -------
    ReportData
    """
    empty_log = pd.DataFrame({"time": pd.to_datetime([], utc=True), "score": []})
    pain_log = empty_log if pain_log is None else pain_log
    remedy_log = pd.DataFrame({"time": pd.to_datetime([], utc=True), "kind": []}) \
        if remedy_log is None else remedy_log
    epochs, episodes = find_episodes(epochs, settings)
    daily = daily_metrics(epochs, episodes, pain_log, tz, settings)
    daily = _full_week_daily(daily, week, tz)
    hourly = hourly_slouch_share(epochs, tz, settings).reindex(week.days)
    profile = hourly_profile(epochs, tz, settings)
    summary = weekly_summary(daily, previous_daily, profile)
    pain = analyse_pain(daily, pain_log, epochs, remedy_log, tz, settings)
    sens = sensitivity_table(epochs, _SENS_THRESHOLDS, _SENS_DURATIONS, settings) \
        if len(epochs) else pd.DataFrame()
    data = ReportData(
        week=week, complete=complete, tz=tz, settings=settings, epochs=epochs,
        episodes=episodes, daily=daily, previous_daily=previous_daily, hourly=hourly,
        summary=summary, pain=pain, pain_log=pain_log, remedy_log=remedy_log,
        sensitivity=sens, sessions=sessions if sessions is not None else pd.DataFrame(),
        gaps=gaps if gaps is not None else pd.DataFrame(columns=["start", "end", "reason"]),
        calibration_marks=calibration_marks if calibration_marks is not None
        else pd.DataFrame(columns=["start", "end", "source"]),
    )
    data.pain_lines, data.pain_note = _pain_lines(pain)
    data.headline = _headline(data)
    return data


# --------------------------------------------------------------------------------------------
# entry point
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
    private_dir(out)  # fail early, before the analysis

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
            p_start, p_end = _week_bounds_ns(prev, tz)
            prev_epochs, prev_eps = find_episodes(prev_epochs, settings)
            previous_daily = daily_metrics(prev_epochs, prev_eps, store.pain_log(p_start, p_end),
                                           tz, settings)
            del prev_epochs
    if progress is not None:
        progress("Summarising", 0, 3)
    start_ns, end_ns = _week_bounds_ns(chosen, tz)
    data = prepare_report(
        week=chosen, tz=tz, epochs=epochs, settings=settings,
        pain_log=store.pain_log(start_ns, end_ns), remedy_log=store.remedy_log(start_ns, end_ns),
        sessions=_sessions_in(store.sessions(), start_ns, end_ns),
        gaps=store.gaps(start_ns, end_ns), calibration_marks=store.calibration_marks(),
        previous_daily=previous_daily, complete=complete,
    )
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
        daily_csv_frame(data).to_csv(paths.daily_csv, index=False)
        episodes_csv_frame(data).to_csv(paths.episodes_csv, index=False)
        figs = _Figures(data)
        _write_html(data, figs, paths.html)
        t1 = time.perf_counter()
        if pdf_job is None:
            _write_pdf(data, paths.pdf)
        else:
            pdf_job.wait()
            pdf_job = None
    finally:
        if pdf_job is not None:
            pdf_job.abandon()
    log.debug("html %.1f s, pdf done %.1f s later", t1 - t0, time.perf_counter() - t1)
    return paths


class _PdfProcess:
    """``_write_pdf`` in a forked child process (where ``fork`` exists and is allowed)."""

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
        _write_pdf(data, path)
    except BaseException:  # reported to the parent, which raises
        message = traceback.format_exc()
    try:
        conn.send(message)
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# CSV
def daily_csv_frame(data: ReportData) -> pd.DataFrame:
    """The ``daily.csv`` table: one row per local day, values rounded for reading."""
    df = data.daily[[c for c in DAILY_COLUMNS if c in data.daily.columns]].copy()
    df["date"] = [pd.Timestamp(d).date().isoformat() for d in df["date"]]
    for c in df.columns:
        if df[c].dtype.kind == "f":
            df[c] = df[c].round(2)
    return df


def episodes_csv_frame(data: ReportData) -> pd.DataFrame:
    """The ``episodes.csv`` table: local start/end with UTC offset, duration, flexion."""
    eps = data.episodes
    if eps.empty:
        return pd.DataFrame(columns=list(EPISODE_CSV_COLUMNS))
    start = pd.DatetimeIndex(pd.to_datetime(eps["start"], utc=True)).tz_convert(data.tz)
    end = pd.DatetimeIndex(pd.to_datetime(eps["end"], utc=True)).tz_convert(data.tz)
    return pd.DataFrame({
        "date": [t.date().isoformat() for t in start],
        "start": [t.isoformat() for t in start],
        "end": [t.isoformat() for t in end],
        "duration_min": eps["duration_min"].to_numpy(dtype=float).round(2),
        "mean_flexion_deg": eps["mean_flexion_deg"].to_numpy(dtype=float).round(1),
        "peak_flexion_deg": eps["peak_flexion_deg"].to_numpy(dtype=float).round(1),
    })


# --------------------------------------------------------------------------------------------
# tables shared by HTML and PDF
def _daily_table(data: ReportData) -> pd.DataFrame:
    d = data.daily
    return pd.DataFrame({
        "Day": [f"{pd.Timestamp(x):%a %d %b}" for x in d["date"]],
        "Worn": [rt.format_minutes(v) for v in d["wear_minutes"]],
        "Slouched": [rt.format_minutes(v) if w > 0 else "–"
                     for v, w in zip(d["slouch_minutes"], d["wear_minutes"], strict=True)],
        "Share of upright time": [rt.format_percent(v) for v in d["slouch_share_pct"]],
        "Episodes": [str(int(v)) if w > 0 else "–"
                     for v, w in zip(d["slouch_episodes"], d["wear_minutes"], strict=True)],
        "Longest": [rt.format_minutes(v) if w > 0 else "–"
                    for v, w in zip(d["longest_slouch_minutes"], d["wear_minutes"], strict=True)],
        "Median flexion": [rt.format_degrees(v) for v in d["flexion_median_deg"]],
        "Pain (ratings)": [f"{rt.format_score(p)} ({int(n)})" if n else "–"
                           for p, n in zip(d["pain_mean"], d["pain_ratings"], strict=True)],
    })


def _bands_table(data: ReportData) -> pd.DataFrame:
    d = data.daily
    return pd.DataFrame({
        "Day": [f"{pd.Timestamp(x):%a %d %b}" for x in d["date"]],
        "Below 0°": [rt.format_minutes(v) for v in d.get("band_below_0_minutes", d["wear_minutes"] * 0)],
        "0–20°": [rt.format_minutes(v) for v in d["band_0_20_minutes"]],
        "20–60°": [rt.format_minutes(v) for v in d["band_20_60_minutes"]],
        "Over 60°": [rt.format_minutes(v) for v in d["band_over_60_minutes"]],
        "ISO 11226 holds": [str(int(v)) for v in d["iso11226_violations"]],
        "90th pct flexion": [rt.format_degrees(v) for v in d["flexion_p90_deg"]],
    })


def _quality_table(data: ReportData) -> pd.DataFrame:
    d = data.daily
    gaps_per_day: dict[dt.date, tuple[int, float]] = {}
    if len(data.gaps):
        for row in data.gaps.itertuples():
            day = pd.Timestamp(row.start).tz_convert(data.tz).date()
            n, m = gaps_per_day.get(day, (0, 0.0))
            gaps_per_day[day] = (n + 1, m + (pd.Timestamp(row.end) - pd.Timestamp(row.start)
                                             ).total_seconds() / 60.0)
    days = [pd.Timestamp(x).date() for x in d["date"]]
    return pd.DataFrame({
        "Day": [f"{x:%a %d %b}" for x in days],
        "Recorded": [rt.format_minutes(v) for v in d["recorded_minutes"]],
        "Coverage": [rt.format_percent(v) for v in d["coverage_pct"]],
        "Worn": [rt.format_minutes(v) for v in d["wear_minutes"]],
        "Not worn": [rt.format_minutes(v) for v in d["nonwear_minutes"]],
        "Gaps": [f"{gaps_per_day[x][0]} ({_short_duration(gaps_per_day[x][1])})"
                 if x in gaps_per_day else "0" for x in days],
        "Calibration": [str(c) if w > 0 else "–"
                        for c, w in zip(d.get("calibration", pd.Series("none", index=d.index)),
                                        d["wear_minutes"], strict=True)],
        "Pain ratings": [str(int(v)) for v in d["pain_ratings"]],
    })


def _short_duration(minutes: float) -> str:
    return f"{minutes * 60:.0f} s" if minutes < 1 else rt.format_minutes(minutes)


def _sessions_table(data: ReportData) -> pd.DataFrame:
    s = data.sessions
    if s.empty:
        return pd.DataFrame(columns=["Session", "Sensor", "Firmware", "Battery", "Rate",
                                     "Started", "Ended", "Gaps"])

    def when(ns: Any) -> str:
        if ns is None or (isinstance(ns, float) and math.isnan(ns)) or pd.isna(ns):
            return "still recording"
        return rt.format_local_time(pd.Timestamp(int(ns), unit="ns", tz="UTC"), data.tz)

    def sensor(row: Any) -> str:
        parts = [str(row.get("model", "") or "unknown")]
        name = str(row.get("name", "") or "")
        addr = str(row.get("address", "") or "")
        if name:
            parts.append(name)
        if addr:
            parts.append(addr)
        if not bool(row.get("has_gyroscope", True)):
            parts.append("accelerometer only")
        return ", ".join(parts)

    rows = []
    for _, row in s.iterrows():
        battery = row.get("battery_pct")
        rows.append({
            "Session": str(int(row["id"])) if "id" in row else "",
            "Sensor": sensor(row),
            "Firmware": str(row.get("firmware", "") or "–"),
            "Battery": "–" if battery is None or pd.isna(battery) else f"{int(battery)}%",
            "Rate": f"{float(row.get('rate_hz', float('nan'))):g} Hz",
            "Started": when(row.get("started_ns")),
            "Ended": when(row.get("ended_ns")),
            "Gaps": f"{int(row.get('gaps', 0))} ({rt.format_minutes(float(row.get('gap_minutes', 0.0)))})",
        })
    return pd.DataFrame(rows)


def _gaps_table(data: ReportData, limit: int = 10) -> pd.DataFrame:
    g = data.gaps
    if g.empty:
        return pd.DataFrame(columns=["From", "To", "Length", "Reason"])
    g = g.assign(minutes=(pd.to_datetime(g["end"], utc=True) - pd.to_datetime(g["start"], utc=True)
                          ).dt.total_seconds() / 60.0)
    g = g.sort_values("minutes", ascending=False).head(limit).sort_values("start")
    return pd.DataFrame({
        "From": [rt.format_local_time(t, data.tz, seconds=True) for t in g["start"]],
        "To": [rt.format_local_time(t, data.tz, seconds=True) for t in g["end"]],
        "Length": [rt.format_minutes(m) if m >= 1 else f"{m * 60:.0f} s" for m in g["minutes"]],
        "Reason": [str(r) or "–" for r in g.get("reason", pd.Series("", index=g.index))],
    })


def _calibration_lines(data: ReportData) -> list[str]:
    lines: list[str] = []
    ep = data.epochs
    if "calibration" in ep.columns and len(ep):
        worn = ep["worn"].to_numpy(dtype=bool)
        total = int(worn.sum())
        if total:
            counts = ep.loc[worn, "calibration"].astype(str).value_counts()
            names = {"routine": "the stand-tall + bend routine",
                     "walking": "a fit from walking",
                     "none": "no calibration (no flexion computed)"}
            parts = [f"{100.0 * n / total:.0f}% by {names.get(k, k)}" for k, n in counts.items()]
            lines.append("Worn time calibrated: " + "; ".join(parts) + ".")
            none_s = int(counts.get("none", 0))
            if none_s:
                lines.append(f"Warning: {rt.format_minutes(none_s / 60.0)} of worn time had no "
                             "usable calibration; flexion and slouching were not computed there. "
                             "Run 'posturelog calibrate' after putting the sensor on.")
    marks = data.calibration_marks
    if len(marks):
        start_ns, end_ns = _week_bounds_ns(data.week, data.tz)
        st = pd.to_datetime(marks["start"], utc=True)
        in_week = marks[(st >= pd.Timestamp(start_ns, unit="ns", tz="UTC"))
                        & (st < pd.Timestamp(end_ns, unit="ns", tz="UTC"))]
        if len(in_week):
            times = [rt.format_local_time(t, data.tz) for t in in_week["start"]]
            shown = ", ".join(times[:8]) + (f" and {len(times) - 8} more" if len(times) > 8 else "")
            lines.append(f"Calibration routines fitted this week at: {shown}.")
        else:
            last = rt.format_local_time(st.max(), data.tz)
            lines.append(f"No calibration routine this week; the last one was at {last}.")
    else:
        lines.append("No calibration routine was ever marked; upright was fitted from walking "
                     "where possible.")
    return lines


def _quality_lines(data: ReportData) -> list[str]:
    d = data.daily
    worn = d[d["wear_minutes"] > 0]
    lines = [
        f"Sensor worn on {len(worn)} of 7 days, on average "
        f"{rt.format_minutes(worn['wear_minutes'].mean() if len(worn) else 0.0)} a day; "
        f"data cover {rt.format_percent(d['coverage_pct'].mean())} of the week's hours.",
    ]
    short = [f"{pd.Timestamp(x):%a}" for x, w in zip(d["date"], d["wear_minutes"], strict=True)
             if 0 < w < 600]
    if short:
        lines.append("Days with under 10 h of wear (read with care): " + ", ".join(short) + ".")
    n_gaps = len(data.gaps)
    if n_gaps:
        minutes = float(((pd.to_datetime(data.gaps["end"], utc=True)
                          - pd.to_datetime(data.gaps["start"], utc=True)).dt.total_seconds()
                         ).sum() / 60.0)
        lines.append(f"{n_gaps} gap{'s' if n_gaps != 1 else ''} in the recording "
                     f"({rt.format_minutes(minutes)} in total).")
    else:
        lines.append("No gaps in the recording.")
    s = data.sessions
    if len(s):
        models = ", ".join(sorted({str(m) for m in s["model"]}))
        rates = ", ".join(sorted({f"{float(r):g} Hz" for r in s["rate_hz"]}))
        batt = s["battery_pct"].dropna() if "battery_pct" in s.columns else pd.Series(dtype=float)
        text = f"Sensor: {models}, worn between the shoulder blades, sampled at {rates}"
        if len(batt):
            text += f"; battery at last report {int(batt.iloc[-1])}%"
        lines.append(text + ".")
    lines.extend(_calibration_lines(data))
    return lines


def _settings_table(data: ReportData) -> pd.DataFrame:
    s = data.settings
    rows = [
        ("Slouch threshold", f"{s.slouch_threshold_deg:g}° beyond your upright"),
        ("Episode ends below", f"{s.slouch_threshold_deg - s.slouch_hysteresis_deg:g}° "
                               f"(hysteresis {s.slouch_hysteresis_deg:g}°)"),
        ("Minimum episode duration", rt.format_minutes(s.slouch_min_duration_s / 60.0)
         if s.slouch_min_duration_s >= 60 else f"{s.slouch_min_duration_s:g} s"),
        ("Slouch counted while", ", ".join(s.slouch_contexts)),
        ("Lying when inclination over", f"{s.lying_inclination_deg:g}°"),
        ("Pain statistics need", f"{s.pain_min_paired_days} paired days / "
                                 f"{s.pain_min_ratings} ratings"),
        ("Bootstrap", f"{s.bootstrap_n} stationary-bootstrap replicates, mean block "
                      f"{s.bootstrap_block_days:g} days"),
        ("Time zone", data.tz),
        ("Software", f"posturelog {__version__}"),
    ]
    return pd.DataFrame(rows, columns=["Setting", "Value"])


def _glossary_table() -> pd.DataFrame:
    items = [(k, v) for k, v in GLOSSARY.items() if k in DAILY_COLUMNS]
    items += [(k, GLOSSARY[k]) for k in ("duration_min", "mean_flexion_deg", "peak_flexion_deg")
              if k in GLOSSARY]
    items += list(_EPISODE_CSV_GLOSSARY.items())
    items += [(k, v) for k, v in GLOSSARY.items() if k in (
        "flexion_deg", "context", "slouch", "worn", "calibration", "slouch_share_pct_hour")
        and k not in DAILY_COLUMNS]
    seen: set[str] = set()
    rows = []
    for k, v in items:
        if k in seen:
            continue
        seen.add(k)
        rows.append((k, v))
    return pd.DataFrame(rows, columns=["Column", "Meaning"])


def _episodes_table(data: ReportData, limit: int = 12) -> pd.DataFrame:
    eps = data.episodes
    if eps.empty:
        return pd.DataFrame(columns=["Start", "End", "Duration", "Mean flexion", "Peak flexion"])
    top = eps.sort_values("duration_min", ascending=False).head(limit)
    return pd.DataFrame({
        "Start": [rt.format_local_time(t, data.tz) for t in top["start"]],
        "End": [pd.Timestamp(t).tz_convert(data.tz).strftime("%H:%M") for t in top["end"]],
        "Duration": [rt.format_minutes(v) for v in top["duration_min"]],
        "Mean flexion": [rt.format_degrees(v) for v in top["mean_flexion_deg"]],
        "Peak flexion": [rt.format_degrees(v) for v in top["peak_flexion_deg"]],
    })


def _sensitivity_per_day(data: ReportData) -> pd.DataFrame:
    pivot = figures.sensitivity_pivot(data.sensitivity)
    if pivot.empty:
        return pivot
    return pivot / max(data.worn_days, 1)


def _cards(data: ReportData) -> list[tuple[str, str]]:
    s = data.summary
    worn = data.worn_days
    return [
        ("Slouched per day", rt.format_minutes(s.get("slouch_minutes_per_day")) if worn else "–"),
        ("Share of upright time", rt.format_percent(s.get("slouch_share_pct"))),
        ("Episodes", str(int(s.get("slouch_episodes", 0)))),
        ("Longest episode", rt.format_minutes(s.get("longest_slouch_minutes")) if worn else "–"),
        ("Worn per day", rt.format_minutes(float(s.get("wear_hours_per_day", 0.0)) * 60.0)
         if worn else "–"),
        ("Days worn", f"{worn} of 7"),
        ("Mean pain (0–10)", rt.format_score(s.get("pain_mean_week"))),
        ("Pain ratings", str(int(s.get("pain_ratings", 0)))),
    ]


# --------------------------------------------------------------------------------------------
# figures for HTML
class _Figures:
    """The report's figures as standalone PNGs (for the HTML)."""

    def __init__(self, data: ReportData) -> None:
        self.data = data

    def _png(self, fig: Figure) -> str:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        return base64.b64encode(buf.getvalue()).decode("ascii")

    def all(self) -> dict[str, str]:
        d = self.data
        out = {
            "daily": self._png(figures.daily_context_figure(d.daily)),
            "heatmap": self._png(figures.hourly_heatmap_figure(d.hourly)),
            "flexion": self._png(figures.flexion_distribution_figure(
                d.epochs, d.settings.slouch_threshold_deg, d.tz, days=d.week.days)),
            "pain": self._png(figures.pain_association_figure(d.daily, d.pain_note)),
            "quality": self._png(figures.wear_quality_figure(d.daily)),
        }
        worst = d.worst_day()
        if worst is not None:
            out["timeline"] = self._png(figures.day_timeline_figure(
                d.epochs, d.episodes, d.pain_log, d.remedy_log, day=worst, tz=d.tz,
                threshold_deg=d.settings.slouch_threshold_deg))
        return out


# --------------------------------------------------------------------------------------------
# HTML
_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#1a1a1a;
max-width:980px;margin:0 auto;padding:24px;line-height:1.45;background:#fff}
header{border-bottom:3px solid #0072B2;margin-bottom:18px;padding-bottom:8px}
h1{font-size:1.7em;margin:0}h2{font-size:1.25em;margin-top:36px;border-bottom:1px solid #ddd;
padding-bottom:4px;color:#0b3d63}h3{font-size:1.05em;margin-top:22px}
.sub{color:#555}.headline{font-size:1.08em;background:#F3F8FC;border-left:5px solid #0072B2;
padding:12px 18px;margin:16px 0}.headline li{margin:4px 0}
.cards{margin:14px 0}
.card{display:inline-block;box-sizing:border-box;width:23.5%;margin:0 1.5% 10px 0;
vertical-align:top;border:1px solid #dde5ec;border-radius:8px;padding:10px 12px;
background:#fbfdff}.card:nth-child(4n){margin-right:0}
.card .v{font-size:1.35em;font-weight:700;color:#0b3d63}.card .k{font-size:.85em;color:#555}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:8px 0 14px}
th,td{border-bottom:1px solid #e4e4e4;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#EAF2F8}tr:nth-child(even) td{background:#fafafa}
img{max-width:100%;height:auto;display:block;margin:8px 0}
.note{color:#444;font-size:.92em}.warn{color:#8a3b00}
footer{margin-top:40px;border-top:1px solid #ddd;padding-top:8px;color:#666;font-size:.85em}
code{background:#f3f3f3;padding:0 3px;border-radius:3px}
@media print{h2{page-break-before:auto}img{page-break-inside:avoid}}
"""


def _html_table(df: pd.DataFrame, *, code_first: bool = False) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for i, v in enumerate(row):
            text = html.escape(str(v))
            cells.append(f"<td><code>{text}</code></td>" if code_first and i == 0
                         else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _img(png_b64: str | None, alt: str) -> str:
    if png_b64 is None:
        return f"<p class='note'>{html.escape(alt)}: not available.</p>"
    return f"<img alt='{html.escape(alt, quote=True)}' src='data:image/png;base64,{png_b64}'>"


def _p(text: str, cls: str = "note") -> str:
    return f"<p class='{cls}'>{html.escape(text)}</p>"


def _write_html(data: ReportData, figs: _Figures, path: Path) -> None:
    imgs = figs.all()
    e = html.escape
    sens = _sensitivity_per_day(data)
    if not sens.empty:
        sens_df = sens.copy()
        sens_df.index = [f"{t:g}°" for t in sens_df.index]
        sens_df.columns = [f"≥ {rt.format_seconds(float(c))}" for c in sens_df.columns]
        sens_df = sens_df.map(lambda v: rt.format_minutes(float(v)))
        sens_df.insert(0, "Threshold", sens_df.index)
        sens_html = _html_table(sens_df.reset_index(drop=True))
    else:
        sens_html = _p("No worn data: sensitivity not available.")
    worst = data.worst_day()
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Posture report {e(data.week.label)}</title><style>{_CSS}</style></head><body>",
        "<header><h1>Your upper-back posture week</h1>",
        f"<div class='sub'>Week {e(data.week.label)} · {e(data.week.span_text())} · "
        f"times in {e(data.tz)} · sensor between the shoulder blades (T2–T6)</div></header>",
        "<section id='summary'><h2>Summary</h2><ul class='headline'>",
        "".join(f"<li>{e(s)}</li>" for s in data.headline),
        "</ul><div class='cards'>",
        "".join(f"<div class='card'><div class='v'>{e(v)}</div><div class='k'>{e(k)}</div></div>"
                for k, v in _cards(data)),
        "</div>", _p(_METHOD_NOTE), "</section>",
        "<section id='days'><h2>Day by day</h2>", _img(imgs.get("daily"), "Daily context"),
        _html_table(_daily_table(data)), "</section>",
        "<section id='when'><h2>When you slouched</h2>",
        _p("Each cell is the share of the hour's worn, upright time spent slouched. "
           "Darker is less, yellow is more."),
        _img(imgs.get("heatmap"), "Hour by day heat map"), "</section>",
        "<section id='flexion'><h2>How far your upper back bent forward</h2>",
        _p("Trunk (thoracic) flexion while sitting, standing or walking, relative to your own "
           "calibrated upright. Shaded: the 20–60° and over-60° bands."),
        _img(imgs.get("flexion"), "Flexion distribution"),
        _html_table(_bands_table(data)), "</section>",
        "<section id='worst-day'><h2>Your day with the most slouching</h2>",
        _p(f"{worst:%A %d %B}: the flexion trace, slouch episodes (shaded), pain ratings and "
           "remedies." if worst else "No worn day this week."),
        _img(imgs.get("timeline"), "Worst day timeline") if worst else "",
        "<h3>Longest slouch episodes</h3>", _html_table(_episodes_table(data)),
        _p("All episodes are in episodes.csv."), "</section>",
        "<section id='pain'><h2>Slouching and pain</h2>",
        _img(imgs.get("pain"), "Slouch versus pain"),
        "<ul>", "".join(f"<li>{e(s)}</li>" for s in data.pain_lines), "</ul></section>",
        "<section id='quality'><h2>Data quality</h2>",
        "<ul>", "".join(f"<li>{e(s)}</li>" for s in _quality_lines(data)), "</ul>",
        _img(imgs.get("quality"), "Wear per day"),
        _html_table(_quality_table(data)),
        "<h3>Recording sessions</h3>", _html_table(_sessions_table(data)),
        "<h3>Longest gaps</h3>",
        _html_table(_gaps_table(data)) if len(data.gaps) else _p("No gaps."),
        "</section>",
        "<section id='appendix'><h2>Appendix</h2>",
        "<h3>Sensitivity: slouched time per worn day for other settings</h3>",
        _p(f"Rows: threshold beyond upright; columns: minimum episode duration. This report uses "
           f"{data.settings.slouch_threshold_deg:g}° and "
           f"{rt.format_seconds(data.settings.slouch_min_duration_s)}."),
        sens_html,
        "<h3>Flexion bands and ISO 11226</h3>", _p(_ISO_NOTE),
        "<h3>Settings</h3>", _html_table(_settings_table(data)),
        "<h3>Glossary</h3>", _html_table(_glossary_table(), code_first=True),
        "</section>",
        f"<footer>{e(_DISCLAIMER)}<br>Generated {e(rt.format_local_time(data.generated, data.tz))}"
        f" by posturelog {e(__version__)}.</footer></body></html>",
    ]
    path.write_text("".join(parts), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# PDF
class _PdfPager:
    """Builds consistent A4 pages: header, footer with page number, and a body of blocks."""

    left = 0.07
    right = 0.93

    def __init__(self, pdf: PdfPages, data: ReportData) -> None:
        self.pdf = pdf
        self.data = data
        self.page_no = 0

    #: Height of the page body in inches (between header rule and footer).
    body_in = 0.865 * _A4[1]

    def page(self, title: str, heights_in: Sequence[float]) -> tuple[Figure, list[SubFigure]]:
        """A new page whose body holds blocks of (about) the given heights in inches.

        Blocks are scaled down when they do not fit; spare room stays empty at the bottom.
        """
        fig = figures.new_figure(_A4, layout=None)
        fig.set_layout_engine(ConstrainedLayoutEngine(
            rect=(self.left, 0.05, self.right - self.left, 0.865), h_pad=0.06, w_pad=0.04))
        self.page_no += 1
        fig.text(self.left, 0.955, title, fontsize=16, fontweight="bold", color="#0b3d63",
                 va="baseline")
        fig.text(self.right, 0.955, f"Week {self.data.week.label}", fontsize=9, ha="right",
                 va="baseline", color="#555555")
        fig.add_artist(Line2D([self.left, self.right], [0.94, 0.94], color="#0072B2",
                              linewidth=2.0, transform=fig.transFigure))
        fig.add_artist(Line2D([self.left, self.right], [0.035, 0.035], color="#CCCCCC",
                              linewidth=0.6, transform=fig.transFigure))
        fig.text(self.left, 0.02, f"posturelog weekly posture report · {self.data.week.span_text()}"
                 f" · {self.data.tz}", fontsize=7, color="#777777")
        fig.text(self.right, 0.02, f"Page {self.page_no}", fontsize=7, color="#777777",
                 ha="right")
        heights = [max(float(h), 0.2) for h in heights_in]
        spare = self.body_in - sum(heights)
        if spare > 0.2:
            heights.append(spare)
        subs: Any = fig.subfigures(len(heights), 1, height_ratios=heights)
        blocks = [subs] if isinstance(subs, SubFigure) else list(np.asarray(subs).ravel())
        return fig, blocks[: len(heights_in)]

    def save(self, fig: Figure) -> None:
        self.pdf.savefig(fig)


def _text_block(
    sf: SubFigure | Figure,
    paragraphs: Sequence[tuple[str, dict[str, Any]]],
    *,
    width_chars: int = 100,
    top: float = 1.0,
) -> None:
    """Write wrapped paragraphs top-down into a (sub)figure.

    ``paragraphs`` holds (text, style) pairs; style keys: ``size`` (pt), ``weight``,
    ``color``, ``bullet`` (bool), ``gap`` (extra space after, in lines).
    """
    height_in = sf.bbox.height / sf.dpi if isinstance(sf, SubFigure) else _A4[1]
    y = top
    for text, style in paragraphs:
        size = float(style.get("size", 9.5))
        chars = int(width_chars * 9.5 / size)
        bullet = bool(style.get("bullet", False))
        lines = textwrap.wrap(text, chars - (3 if bullet else 0)) or [""]
        line_h = size * 1.42 / 72.0 / height_in
        for i, line in enumerate(lines):
            prefix = ("•  " if i == 0 else "    ") if bullet else ""
            sf.text(0.0, y, prefix + line, fontsize=size, fontweight=style.get("weight", "normal"),
                    color=style.get("color", "#1a1a1a"), va="top", ha="left")
            y -= line_h
        y -= line_h * float(style.get("gap", 0.45))


def _text_height(paragraphs: Sequence[tuple[str, dict[str, Any]]], width_chars: int = 100) -> float:
    """Height in inches that :func:`_text_block` needs for ``paragraphs``."""
    total = 0.1
    for text, style in paragraphs:
        size = float(style.get("size", 9.5))
        chars = int(width_chars * 9.5 / size) - (3 if style.get("bullet") else 0)
        n = max(1, len(textwrap.wrap(text, chars)))
        line = size * 1.42 / 72.0
        total += line * (n + float(style.get("gap", 0.45)))
    return total


def _table_height(df: pd.DataFrame, *, fontsize: float = 8.0, title: bool = True,
                  lines_per_row: float = 1.0) -> float:
    """Approximate height in inches of a :func:`figures.table_figure` block."""
    row = fontsize * 1.45 / 72.0 * lines_per_row + 0.09
    return (0.45 if title else 0.15) + (len(df) + 1.6) * row + 0.1


def _write_pdf(data: ReportData, path: Path) -> None:
    normal: dict[str, Any] = {}
    bullet: dict[str, Any] = {"bullet": True, "gap": 0.3}
    heading: dict[str, Any] = {"size": 11.5, "weight": "bold", "color": "#0b3d63", "gap": 0.3}
    small: dict[str, Any] = {"size": 8, "color": "#555555"}
    worst = data.worst_day()
    with PdfPages(path, metadata={"Title": f"Posture report {data.week.label}",
                                  "Subject": "Upper-back (thoracic) posture and pain",
                                  "Creator": f"posturelog {__version__}"}) as pdf:
        pager = _PdfPager(pdf, data)

        # 1 summary
        intro_text = [
            (f"Week {data.week.label}: {data.week.span_text()}, times in {data.tz}.", small),
            ("In short", heading),
            *[(s, {"bullet": True, "gap": 0.35, "size": 10.5}) for s in data.headline],
        ]
        notes_text = [
            ("How this was measured", heading),
            ("A motion sensor worn between the shoulder blades (T2–T6) measured how far your "
             "upper back (thoracic spine) bent forward compared with your own calibrated upright "
             "posture, every second while you wore it.", normal),
            (_METHOD_NOTE, normal),
            ("What is where", heading),
            ("Page 2: day by day. Page 3: when and how far you bent forward. Page 4: your day "
             "with the most slouching. Page 5: slouching and pain. Page 6: data quality. "
             "Page 7: appendix (sensitivity to the settings, flexion bands and ISO 11226, "
             "settings). Then a glossary of every column of daily.csv and episodes.csv.",
             normal),
            (_DISCLAIMER, {**small, "gap": 0.2}),
        ]
        fig, (intro, cards, notes) = pager.page(
            "Your upper-back posture week",
            [_text_height(intro_text, 92) - 0.3, 2.3, _text_height(notes_text) + 0.3])
        _text_block(intro, intro_text, width_chars=92)
        _cards_figure(cards, _cards(data))
        _text_block(notes, notes_text, width_chars=100, top=0.92)
        pager.save(fig)

        # 2 days
        daily_table = _daily_table(data)
        fig, (top, table) = pager.page("Day by day", [5.6, _table_height(daily_table,
                                                                         lines_per_row=1.0)])
        figures.daily_context_figure(data.daily, fig=top)
        figures.table_figure(daily_table, title="Daily summary", fig=table,
                             col_widths=[1.2, 1.0, 1.0, 0.9, 0.75, 0.9, 0.9, 1.0])
        pager.save(fig)

        # 3 when / how far
        bands = _bands_table(data)
        fig, (heat, flex, band_block) = pager.page(
            "When and how far you bent forward",
            [3.5, 3.9, _table_height(bands, fontsize=7.5)])
        figures.hourly_heatmap_figure(data.hourly, fig=heat)
        figures.flexion_distribution_figure(data.epochs, data.settings.slouch_threshold_deg,
                                            data.tz, days=data.week.days, fig=flex)
        figures.table_figure(bands, title="Time in trunk-flexion bands (worn, upright or "
                             "walking)", fig=band_block, fontsize=7.5)
        pager.save(fig)

        # 4 worst day
        episodes = _episodes_table(data)
        fig, (tl, eps) = pager.page("Your day with the most slouching",
                                    [4.9, _table_height(episodes)])
        if worst is not None:
            figures.day_timeline_figure(data.epochs, data.episodes, data.pain_log,
                                        data.remedy_log, day=worst, tz=data.tz,
                                        threshold_deg=data.settings.slouch_threshold_deg, fig=tl)
        else:
            _text_block(tl, [("The sensor was not worn this week.", normal)])
        figures.table_figure(episodes, title="Longest slouch episodes of the week (all in "
                             "episodes.csv)", fig=eps, col_widths=[1.6, 0.7, 0.8, 0.9, 0.9])
        pager.save(fig)

        # 5 pain
        words_text = [("What the data show", heading), *[(s, bullet) for s in data.pain_lines]]
        fig, (scatter, words) = pager.page("Slouching and pain",
                                           [5.0, _text_height(words_text) + 0.2])
        figures.pain_association_figure(data.daily, data.pain_note, fig=scatter)
        _text_block(words, words_text, width_chars=100)
        pager.save(fig)

        # 6 quality
        quality_text = [(s, bullet) for s in _quality_lines(data)]
        quality = _quality_table(data)
        sessions = _sessions_table(data)
        gaps = _gaps_table(data, limit=6)
        blocks = [_text_height(quality_text) + 0.1, 2.7, _table_height(quality, fontsize=7.5),
                  _table_height(sessions, fontsize=7, lines_per_row=2.0)]
        if len(gaps):
            blocks.append(_table_height(gaps, fontsize=7))
        fig, parts = pager.page("Data quality", blocks)
        _text_block(parts[0], quality_text, width_chars=100)
        figures.wear_quality_figure(data.daily, fig=parts[1])
        figures.table_figure(quality, title="Per day", fig=parts[2], fontsize=7.5)
        figures.table_figure(sessions, title="Recording sessions", fig=parts[3], fontsize=7,
                             col_widths=[0.55, 2.2, 0.8, 0.65, 0.6, 1.45, 1.45, 0.8])
        if len(gaps):
            figures.table_figure(gaps, title="Longest gaps", fig=parts[4], fontsize=7,
                                 col_widths=[1.4, 1.4, 0.6, 1.2])
        pager.save(fig)

        # 7 appendix
        sens_day = _sensitivity_per_day(data)
        sens_note = [(
            f"Mean slouched minutes per worn day. Rows: threshold beyond your upright; columns: "
            f"minimum episode duration. Highlighted: the setting of this report "
            f"({data.settings.slouch_threshold_deg:g}°, "
            f"{rt.format_seconds(data.settings.slouch_min_duration_s)}). A big change "
            "between neighbouring cells means the result depends on the choice.", small)]
        iso_text = [("Flexion bands and ISO 11226", heading), (_ISO_NOTE, normal)]
        settings_table = _settings_table(data)
        fig, (sens, sens_words, iso, sett) = pager.page(
            "Appendix: settings and sensitivity",
            [0.75 + 0.3 * (len(sens_day) + 1), _text_height(sens_note), _text_height(iso_text),
             _table_height(settings_table)])
        figures.sensitivity_table_figure(
            sens_day, chosen=(data.settings.slouch_threshold_deg,
                              data.settings.slouch_min_duration_s), fig=sens)
        _text_block(sens_words, sens_note, width_chars=100)
        _text_block(iso, iso_text, width_chars=100)
        figures.table_figure(settings_table, title="Settings used", fig=sett,
                             col_widths=[1.0, 2.0])
        pager.save(fig)

        # 8+ glossary
        gloss = _glossary_table()
        for i, chunk in enumerate(_glossary_pages(gloss)):
            title = "Glossary of report columns" + (" (continued)" if i else "")
            lines = sum(len(textwrap.wrap(str(m), 80)) for m in chunk["Meaning"])
            fig, (block,) = pager.page(title, [0.4 + (lines + 1.6) * 0.165 + len(chunk) * 0.09])
            figures.table_figure(chunk, fig=block, col_widths=[1.0, 3.2], fontsize=8)
            pager.save(fig)


def _glossary_pages(gloss: pd.DataFrame, budget_lines: int = 78) -> list[pd.DataFrame]:
    """Split the glossary into page-sized chunks (about ``budget_lines`` text lines each)."""
    pages: list[pd.DataFrame] = []
    start, used = 0, 0
    for i, meaning in enumerate(gloss["Meaning"]):
        lines = len(textwrap.wrap(str(meaning), 80)) + 1
        if used + lines > budget_lines and i > start:
            pages.append(gloss.iloc[start:i])
            start, used = i, 0
        used += lines
    pages.append(gloss.iloc[start:])
    return pages


def _cards_figure(sf: SubFigure, cards: Sequence[tuple[str, str]]) -> None:
    """Key numbers as a 4 × 2 grid of cards."""
    from matplotlib.patches import FancyBboxPatch

    ax = sf.subplots()
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 2)
    ax.axis("off")
    for i, (label, value) in enumerate(cards[:8]):
        col, row = i % 4, 1 - i // 4
        ax.add_patch(FancyBboxPatch((col + 0.05, row + 0.08), 0.9, 0.84,
                                    boxstyle="round,pad=0.0,rounding_size=0.06",
                                    facecolor="#F3F8FC", edgecolor="#C9DCEB", linewidth=0.8))
        ax.text(col + 0.5, row + 0.58, value, ha="center", va="center", fontsize=15,
                fontweight="bold", color="#0b3d63")
        ax.text(col + 0.5, row + 0.25, label, ha="center", va="center", fontsize=8.5,
                color="#444444")


