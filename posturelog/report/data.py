"""What the report shows, computed once: :class:`ReportData`.

:func:`report_data` adds the store's records and the wording to a
:class:`~posturelog.analyze.WeekAnalysis` (from :func:`~posturelog.analyze.analyze_week`);
:func:`prepare_report` does the same from epochs alone (a notebook or a test can pass
synthetic epochs). The renderers (:mod:`~posturelog.report.html`, :mod:`~posturelog.report.pdf`,
:mod:`~posturelog.report.csv`) only read the result.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pandas as pd

from analysis.settings import AnalysisSettings
from posturelog.analyze.week import WeekAnalysis, week_from_epochs
from posturelog.report import wording
from posturelog.report.alert_data import AlertReport
from posturelog.report.availability import add_walking_availability
from posturelog.report.week import IsoWeek, week_bounds_ns

__all__ = ["ReportData", "prepare_report", "report_data", "sessions_in"]


@dataclass(frozen=True)
class ReportData(WeekAnalysis):
    """Everything the report shows, computed once and rendered to HTML, PDF and CSV.

    Attributes
    ----------
    (those of :class:`~posturelog.analyze.WeekAnalysis`, and)
    complete : bool
        Whether the week has ended.
    sessions, gaps, calibration_marks : DataFrame
        Recording sessions overlapping the week, gaps in the week, marked calibrations.
    headline : list of str
        Sentences for the top of the report.
    pain_lines : list of str
        Plain-language pain findings (:func:`wording.pain_lines`).
    pain_note : str
        The same-day finding, shown under the pain figure.
    generated : Timestamp
        When the report was made (UTC).
    alerts : AlertReport or None
        Live alerts of the week and the weeks before (:mod:`~posturelog.report.alert_data`);
        None when no alert was ever stored.
    """

    complete: bool = True
    sessions: pd.DataFrame = field(default_factory=pd.DataFrame)
    gaps: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["start", "end", "reason"]))
    calibration_marks: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["start", "end", "source"]))
    headline: list[str] = field(default_factory=list)
    pain_lines: list[str] = field(default_factory=list)
    pain_note: str = ""
    generated: pd.Timestamp = field(default_factory=lambda: pd.Timestamp.now(tz="UTC"))
    alerts: AlertReport | None = None

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


def sessions_in(sessions: pd.DataFrame, start_ns: int, end_ns: int) -> pd.DataFrame:
    """The recording sessions that overlap ``[start_ns, end_ns)`` (UTC ns).

    A session still recording (no ``ended_ns``) runs to the end of time. When no session
    overlaps, the result is empty: sessions of other weeks are never listed.
    """
    if sessions.empty:
        return sessions.reset_index(drop=True)
    started = sessions["started_ns"].astype("int64")
    open_ended = sessions["ended_ns"].isna()
    ended = sessions["ended_ns"].fillna(0).astype("int64")
    overlaps = (started < end_ns) & (open_ended | (ended > start_ns))
    return sessions[overlaps].reset_index(drop=True)


def _nan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _headline(data: ReportData) -> list[str]:
    """The sentences at the top of the report, from the summary and the pain analysis."""
    s = data.summary
    change = s["change"] or {}
    prev_slouch = change["slouch_minutes_per_day"]["previous"] if change else None
    prev_pain = change["pain_mean_week"]["previous"] if change else None
    longest_day: dt.date | None = None
    longest: float | None = None
    if len(data.episodes):
        i = int(data.episodes["duration_min"].to_numpy().argmax())
        longest = float(data.episodes["duration_min"].iloc[i])
        longest_day = pd.Timestamp(data.episodes["start"].iloc[i]).tz_convert(data.tz).date()
    slouch_pd = s["slouch_minutes_per_day"]
    sentences = wording.headline_sentences(
        slouch_minutes_per_day=0.0 if _nan(slouch_pd) else float(slouch_pd),
        days_worn=int(s["days_with_wear"]),
        days_in_week=7,
        previous_slouch_minutes_per_day=None if _nan(prev_slouch) else prev_slouch,
        worst_hour=s["worst_hour"],
        wear_minutes_per_day=float(s["wear_hours_per_day"]) * 60.0,
        longest_episode_minutes=longest,
        longest_episode_day=longest_day,
        pain_mean=s["pain_mean_week"],
        pain_ratings=int(s["pain_ratings"]),
        previous_pain_mean=None if _nan(prev_pain) else prev_pain,
    )
    lag0 = data.pain.daily_lag0
    if lag0 is not None:
        sentences.append(wording.correlation_sentence(lag0, data.pain.hours_before))
    elif data.pain.n_ratings > 0:
        sentences.append(wording.too_few_sentence(
            f"{data.pain.n_paired_days} day(s) have both sensor wear and pain ratings, at least "
            f"{data.settings.pain_min_paired_days} are needed"))
    if not data.complete:
        sentences.append(f"Week {data.week.label} is not over yet; this covers the days so far.")
    return sentences


def report_data(
    analysis: WeekAnalysis,
    *,
    sessions: pd.DataFrame | None = None,
    gaps: pd.DataFrame | None = None,
    calibration_marks: pd.DataFrame | None = None,
    complete: bool = True,
    day_info: Mapping[str, Mapping[str, Any]] | None = None,
) -> ReportData:
    """Everything the report shows: the week's analysis, the store's records, the wording.

    Parameters
    ----------
    analysis
        From :func:`posturelog.analyze.analyze_week` (or
        :func:`~posturelog.analyze.week_from_epochs`).
    sessions, gaps, calibration_marks
        From :class:`posturelog.store.Store` (may be empty).
    complete
        Whether the week has ended.
    day_info
        ISO local date → ``{"fs_hz", "walking_available", "walking_reason"}``; by default
        from ``analysis.days`` (one store sidecar per day of the week).

    Returns
    -------
    ReportData
    """
    if day_info is None and len(analysis.days) == len(analysis.week.days):
        day_info = {d.isoformat(): {"fs_hz": side["fs_hz"],
                                    "walking_available": side["walking_available"],
                                    "walking_reason": side["walking_reason"]}
                    for d, side in zip(analysis.week.days, analysis.days, strict=True)}
    analysis = replace(analysis, daily=add_walking_availability(analysis.daily, day_info,
                                                                analysis.settings))
    records: dict[str, Any] = {"complete": complete}
    for name, value in (("sessions", sessions), ("gaps", gaps),
                        ("calibration_marks", calibration_marks)):
        if value is not None:
            records[name] = value
    data = ReportData(
        **{f.name: getattr(analysis, f.name) for f in fields(WeekAnalysis)}, **records,
        pain_lines=wording.pain_lines(analysis.pain), pain_note=wording.pain_note(analysis.pain),
    )
    return replace(data, headline=_headline(data))


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
    day_info: dict[str, dict[str, Any]] | None = None,
) -> ReportData:
    """:func:`report_data` from one week of epochs (no store needed).

    Parameters are those of :func:`posturelog.analyze.week_from_epochs` (``epochs`` with
    the contract of :mod:`analysis.epochs`; episodes are found here) and of
    :func:`report_data`.
    """
    analysis = week_from_epochs(week=week, tz=tz, epochs=epochs, settings=settings,
                                pain_log=pain_log, remedy_log=remedy_log,
                                previous_daily=previous_daily)
    return report_data(analysis, sessions=sessions, gaps=gaps,
                       calibration_marks=calibration_marks, complete=complete,
                       day_info=day_info if day_info is not None else epochs.attrs.get("day_info"))


def week_bounds(data: ReportData) -> tuple[int, int]:
    """UTC nanoseconds of the start and end of the report's week."""
    return week_bounds_ns(data.week, data.tz)
