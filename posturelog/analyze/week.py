"""The one entry point: one ISO week of the store → everything the report shows.

:func:`analyze_week` reads the week's epochs (:func:`~posturelog.analyze.days.epochs_for_days`,
cached; slouch episodes found once), the previous week's daily metrics (for week-over-week
changes) and the pain and remedy logs, and summarises them with :func:`week_from_epochs`
(which needs no store: notebooks and tests pass epochs of their own).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from analysis.episodes import find_episodes, sensitivity_table
from analysis.metrics import daily_metrics, hourly_profile, hourly_slouch_share
from analysis.pain import PainAnalysis, analyse_pain
from analysis.settings import AnalysisSettings
from analysis.weekly import WeeklySummary, weekly_summary
from posturelog.analyze.cache import CacheSidecar
from posturelog.analyze.days import DayProgress, epochs_for_days
from posturelog.store import Store

if TYPE_CHECKING:  # imported when called: posturelog.report imports this module
    from posturelog.report.week import IsoWeek

__all__ = ["SENSITIVITY_DURATIONS_S", "SENSITIVITY_THRESHOLDS_DEG", "WeekAnalysis",
           "analyze_week", "week_from_epochs"]

log = logging.getLogger(__name__)

#: Thresholds (degrees) and minimum durations (seconds) of the sensitivity table.
SENSITIVITY_THRESHOLDS_DEG: tuple[float, ...] = (10.0, 15.0, 20.0, 25.0, 30.0)
SENSITIVITY_DURATIONS_S: tuple[float, ...] = (30.0, 60.0, 120.0, 300.0)


@dataclass(frozen=True)
class WeekAnalysis:
    """One ISO week analysed.

    Attributes
    ----------
    week : IsoWeek
    tz : str
        Wearer's IANA zone.
    settings : AnalysisSettings
    epochs : DataFrame
        Per-second epochs of the week (:data:`analysis.epochs.EPOCH_COLUMNS`), ``slouch``
        from :attr:`episodes`.
    episodes : DataFrame
        Slouch episodes (UTC ``start``/``end``), found once over the week.
    daily : DataFrame
        One row per local day of the week (7 rows), :func:`analysis.metrics.daily_columns`.
    previous_daily : DataFrame or None
        The previous week's daily rows when it has data.
    hourly : DataFrame
        Local date × hour slouch share (%), the week's seven dates.
    summary : WeeklySummary
        :func:`analysis.weekly.weekly_summary` (with ``change`` against the previous week).
    pain : PainAnalysis
    pain_log, remedy_log : DataFrame
        The week's ratings (``time``, ``score``) and remedies (``time``, ``kind``).
    sensitivity : DataFrame
        Threshold × minimum duration → total slouch minutes of the week.
    days : tuple of CacheSidecar
        Per local day with the store's facts (rate, tilt filter, walking availability,
        wear rule, bouts' calibrations); empty for epochs not read from a store.
    """

    week: IsoWeek
    tz: str
    settings: AnalysisSettings
    epochs: pd.DataFrame
    episodes: pd.DataFrame
    daily: pd.DataFrame
    previous_daily: pd.DataFrame | None
    hourly: pd.DataFrame
    summary: WeeklySummary
    pain: PainAnalysis
    pain_log: pd.DataFrame
    remedy_log: pd.DataFrame
    sensitivity: pd.DataFrame
    days: tuple[CacheSidecar, ...] = ()


def _full_week_daily(daily: pd.DataFrame, week: IsoWeek, tz: str) -> pd.DataFrame:
    """Daily rows for all seven days (days without data: zero minutes, NaN flexion/pain)."""
    by_day = daily.set_index(pd.Index([pd.Timestamp(d).date() for d in daily["date"]]))
    by_day = by_day[~by_day.index.duplicated()]
    out = by_day.reindex(week.days)
    out["date"] = week.days
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


def week_from_epochs(
    *,
    week: IsoWeek,
    tz: str,
    epochs: pd.DataFrame,
    settings: AnalysisSettings,
    episodes: pd.DataFrame | None = None,
    pain_log: pd.DataFrame | None = None,
    remedy_log: pd.DataFrame | None = None,
    previous_daily: pd.DataFrame | None = None,
    days: tuple[CacheSidecar, ...] = (),
) -> WeekAnalysis:
    """Summarise one week of epochs (no store needed).

    Parameters
    ----------
    week, tz, settings
        The ISO week, the wearer's IANA zone, the analysis settings.
    epochs : DataFrame
        Per-second epochs of the week (the contract of :mod:`analysis.epochs`).
    episodes : DataFrame, optional
        The week's slouch episodes with ``epochs["slouch"]`` matching them; found here when
        omitted.
    pain_log, remedy_log : DataFrame, optional
        The week's pain ratings (``time``, ``score``) and remedies (``time``, ``kind``).
    previous_daily : DataFrame, optional
        :func:`analysis.metrics.daily_metrics` of the previous week.
    days : tuple of CacheSidecar
        Per-day facts from the store.

    Returns
    -------
    WeekAnalysis
    """
    if pain_log is None:
        pain_log = pd.DataFrame({"time": pd.to_datetime([], utc=True), "score": []})
    if remedy_log is None:
        remedy_log = pd.DataFrame({"time": pd.to_datetime([], utc=True), "kind": []})
    if episodes is None:
        epochs, episodes = find_episodes(epochs, settings)
    daily = _full_week_daily(daily_metrics(epochs, episodes, pain_log, tz, settings), week, tz)
    profile = hourly_profile(epochs, tz, settings)
    sens = sensitivity_table(epochs, SENSITIVITY_THRESHOLDS_DEG, SENSITIVITY_DURATIONS_S,
                             settings) if len(epochs) else pd.DataFrame()
    return WeekAnalysis(
        week=week, tz=tz, settings=settings, epochs=epochs, episodes=episodes, daily=daily,
        previous_daily=previous_daily,
        hourly=hourly_slouch_share(epochs, tz, settings).reindex(week.days),
        summary=weekly_summary(daily, previous_daily, profile),
        pain=analyse_pain(daily, pain_log, epochs, remedy_log, tz, settings),
        pain_log=pain_log, remedy_log=remedy_log, sensitivity=sens, days=days,
    )


def analyze_week(
    store: Store,
    week: IsoWeek,
    settings: AnalysisSettings | None = None,
    *,
    workers: int = 1,
    progress: DayProgress | None = None,
) -> WeekAnalysis:
    """Analyse one ISO week of the store: the entry point of the report, notebooks and
    benchmarks.

    Parameters
    ----------
    store : Store
    week : IsoWeek
    settings : AnalysisSettings, optional
    workers : int
        Processes that may compute uncached days (``1``: all in this process).
    progress : callable, optional
        ``progress(day, done, total)`` after each day (this week's, then the previous
        week's when it has data).

    Returns
    -------
    WeekAnalysis
    """
    from posturelog.report.week import week_bounds_ns

    s = settings or AnalysisSettings()
    tz = store.timezone()
    this = epochs_for_days(store, week.monday, week.sunday, s, progress, workers=workers)
    previous_daily: pd.DataFrame | None = None
    prev = week.previous()
    if any(prev.monday <= d <= prev.sunday for d in store.local_dates()):
        before = epochs_for_days(store, prev.monday, prev.sunday, s, progress, workers=workers)
        if len(before.epochs):
            p_start, p_end = week_bounds_ns(prev, tz)
            previous_daily = daily_metrics(before.epochs, before.episodes,
                                           store.pain_log(p_start, p_end), tz, s)
        del before
    start_ns, end_ns = week_bounds_ns(week, tz)
    return week_from_epochs(
        week=week, tz=tz, epochs=this.epochs, settings=s, episodes=this.episodes,
        pain_log=store.pain_log(start_ns, end_ns), remedy_log=store.remedy_log(start_ns, end_ns),
        previous_daily=previous_daily, days=this.days,
    )
