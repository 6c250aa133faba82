"""The numbers of the report's alerts section, computed once from the alert log.

:func:`alert_report` takes the stored alerts (:func:`posturelog.alertlog.read_alerts`) up to the
end of the report week and the week's daily rows (``slouch_minutes``, ``wear_minutes``), and
gives per day of the week the alerts and the median time to correct, per week the trend, and
the slouch rate on days with and without alerts. Wording lives in
:mod:`posturelog.report.wording`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from posturelog.alertlog import daily_alert_summary, weekly_alert_trend

__all__ = ["AlertReport", "alert_report"]


@dataclass(frozen=True)
class AlertReport:
    """Alerts of the report week and the weeks before it.

    Attributes
    ----------
    daily : DataFrame, shape (7, 8)
        One row per local day of the week: ``date``, ``alerts``, ``slouch_alerts``,
        ``break_alerts``, ``corrected``, ``median_seconds_to_correct`` (s, NaN without a
        corrected slouch alert), ``slouch_minutes``, ``wear_minutes``.
    weekly : DataFrame, shape (W, 4)
        Every ISO week with alerts up to the report week: ``week``, ``days``, ``alerts_per_day``,
        ``median_seconds_to_correct`` (s).
    slope_s_per_week : float
        Least-squares slope of the weekly median time to correct (s/week; NaN with < 2 weeks).
    total_ever : int
        Alerts stored up to the end of the week.
    """

    daily: pd.DataFrame
    weekly: pd.DataFrame
    slope_s_per_week: float
    total_ever: int

    @property
    def week_alerts(self) -> int:
        """Alerts in the report week."""
        return int(self.daily["alerts"].sum())

    @property
    def days_with_alerts(self) -> list[dt.date]:
        """Days of the week with at least one alert."""
        return [d for d, n in zip(self.daily["date"], self.daily["alerts"], strict=True) if n > 0]

    def slouch_rate(self, with_alerts: bool) -> float:
        """Slouch minutes per worn hour over the worn days with (or without) alerts; NaN if none."""
        d = self.daily[(self.daily["wear_minutes"] > 0) & ((self.daily["alerts"] > 0) == with_alerts)]
        worn = float(d["wear_minutes"].sum())
        return float(d["slouch_minutes"].sum()) / (worn / 60.0) if worn > 0 else math.nan

    @property
    def week_median_seconds_to_correct(self) -> float:
        """Median time to correct of the week's slouch alerts (s), from the daily medians."""
        med = self.daily["median_seconds_to_correct"].dropna()
        return float(med.median()) if len(med) else math.nan


def alert_report(alerts: pd.DataFrame, days: list[dt.date], tz: str,
                 daily: pd.DataFrame) -> AlertReport | None:
    """The alerts section's numbers; None when no alert was ever stored (no section).

    Parameters
    ----------
    alerts : DataFrame
        :func:`posturelog.alertlog.read_alerts` up to the end of the report week.
    days : list of datetime.date
        The week's seven local days.
    tz : str
        Wearer's IANA zone.
    daily : DataFrame
        The report's daily rows (``date``, ``slouch_minutes``, ``wear_minutes``).
    """
    if alerts.empty:
        return None
    local_days = sorted(set(pd.DatetimeIndex(alerts["time"]).tz_convert(tz).date))
    all_days = sorted(set(local_days) | set(days))
    history = daily_alert_summary(alerts, tz, days=all_days)
    weekly, slope = weekly_alert_trend(history[history["alerts"] > 0]
                                       if len(history) else history)
    week = daily_alert_summary(alerts, tz, days=days)
    by_day = daily.set_index(pd.Index([pd.Timestamp(d).date() for d in daily["date"]]))
    week["slouch_minutes"] = [float(by_day["slouch_minutes"].get(d, 0.0)) for d in days]
    week["wear_minutes"] = [float(by_day["wear_minutes"].get(d, 0.0)) for d in days]
    return AlertReport(week, weekly, slope, len(alerts))
