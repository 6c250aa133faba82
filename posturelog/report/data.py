"""What the report shows, computed once from one week of epochs: :class:`ReportData`.

:func:`prepare_report` needs no store (a notebook or a test can pass synthetic epochs);
the renderers (:mod:`~posturelog.report.html`, :mod:`~posturelog.report.pdf`,
:mod:`~posturelog.report.csv`) only read the result.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.episodes import find_episodes, sensitivity_table
from analysis.metrics import daily_metrics, hourly_profile, hourly_slouch_share, weekly_summary
from analysis.pain import PainAnalysis, analyse_pain
from analysis.settings import AnalysisSettings
from posturelog.report import wording
from posturelog.report.alert_data import AlertReport
from posturelog.report.availability import add_walking_availability
from posturelog.report.week import IsoWeek, week_bounds_ns

__all__ = ["SENSITIVITY_DURATIONS_S", "SENSITIVITY_THRESHOLDS_DEG", "ReportData",
           "prepare_report", "sessions_in"]

#: Thresholds (degrees) and minimum durations (seconds) of the sensitivity table.
SENSITIVITY_THRESHOLDS_DEG: tuple[float, ...] = (10.0, 15.0, 20.0, 25.0, 30.0)
SENSITIVITY_DURATIONS_S: tuple[float, ...] = (30.0, 60.0, 120.0, 300.0)


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
        One row per local day of the week (7 rows), :func:`analysis.metrics.daily_columns`.
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
        Plain-language pain findings (:func:`wording.pain_lines`).
    pain_note : str
        The same-day finding, shown under the pain figure.
    generated : Timestamp
        When the report was made (UTC).
    alerts : AlertReport or None
        Live alerts of the week and the weeks before (:mod:`~posturelog.report.alert_data`);
        None when no alert was ever stored.
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
    sentences = wording.headline_sentences(
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
        sentences.append(wording.correlation_sentence(lag0, data.pain.hours_before))
    elif data.pain.n_ratings > 0:
        sentences.append(wording.too_few_sentence(
            f"{data.pain.n_paired_days} day(s) have both sensor wear and pain ratings, at least "
            f"{data.settings.pain_min_paired_days} are needed"))
    if not data.complete:
        sentences.append(f"Week {data.week.label} is not over yet; this covers the days so far.")
    return sentences


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
        Analysis settings (threshold, minimum duration, band edges, pain statistics).
    pain_log, remedy_log
        The week's pain ratings (``time``, ``score``) and remedies (``time``, ``kind``).
    sessions, gaps, calibration_marks
        From :class:`posturelog.store.Store` (may be empty).
    previous_daily
        :func:`daily_metrics` of the previous week, for week-over-week changes.
    complete
        Whether the week has ended.
    day_info
        Per local date: sampling rate and walking availability
        (``compute_epochs(...).attrs["day_info"]``; default: ``epochs.attrs``).

    Returns
    -------
    ReportData
    """
    if pain_log is None:
        pain_log = pd.DataFrame({"time": pd.to_datetime([], utc=True), "score": []})
    if remedy_log is None:
        remedy_log = pd.DataFrame({"time": pd.to_datetime([], utc=True), "kind": []})
    if day_info is None:
        day_info = epochs.attrs.get("day_info")
    epochs, episodes = find_episodes(epochs, settings)
    daily = _full_week_daily(daily_metrics(epochs, episodes, pain_log, tz, settings), week, tz)
    daily = add_walking_availability(daily, day_info, settings)
    profile = hourly_profile(epochs, tz, settings)
    pain = analyse_pain(daily, pain_log, epochs, remedy_log, tz, settings)
    sens = sensitivity_table(epochs, SENSITIVITY_THRESHOLDS_DEG, SENSITIVITY_DURATIONS_S,
                             settings) if len(epochs) else pd.DataFrame()
    data = ReportData(
        week=week, complete=complete, tz=tz, settings=settings, epochs=epochs,
        episodes=episodes, daily=daily, previous_daily=previous_daily,
        hourly=hourly_slouch_share(epochs, tz, settings).reindex(week.days),
        summary=weekly_summary(daily, previous_daily, profile), pain=pain,
        pain_log=pain_log, remedy_log=remedy_log, sensitivity=sens,
        sessions=sessions if sessions is not None else pd.DataFrame(),
        gaps=gaps if gaps is not None else pd.DataFrame(columns=["start", "end", "reason"]),
        calibration_marks=calibration_marks if calibration_marks is not None
        else pd.DataFrame(columns=["start", "end", "source"]),
    )
    data.pain_lines = wording.pain_lines(pain)
    data.pain_note = wording.pain_note(pain)
    data.headline = _headline(data)
    return data


def week_bounds(data: ReportData) -> tuple[int, int]:
    """UTC nanoseconds of the start and end of the report's week."""
    return week_bounds_ns(data.week, data.tz)
