"""The report's "Live alerts" section in words: title, introduction, bullets, weekly trend.

The numbers come from :mod:`posturelog.report.alert_data`; alerts and slouching are compared
between days, which is an association, never an effect of the alerts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from posturelog.report.wording.numbers import format_seconds_short

__all__ = [
    "ALERTS_ASSOCIATION_NOTE",
    "ALERTS_INTRO",
    "ALERTS_TITLE",
    "alert_lines",
    "alert_no_alerts_line",
    "alert_trend_line",
]

ALERTS_TITLE = "Live alerts"
ALERTS_INTRO = (
    "While you recorded with posturelog, it could nudge you when a slouch lasted (a terminal "
    "bell, a desktop notification or a cue on the sensor). Time to correct is how long you took "
    "to sit up again after a slouch alert."
)
ALERTS_ASSOCIATION_NOTE = (
    "This compares days, it does not test the alerts: days with alerts may differ in other ways "
    "(work, mood, how long you sat), and an alert only fires once you slouch. Read any "
    "difference as an association, not as an effect of the alerts."
)




def _day_list(days: Sequence[dt.date]) -> str:
    names = [f"{d:%a}" for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def alert_no_alerts_line() -> str:
    """The one line when alerts exist in other weeks but none in this one."""
    return "No live alerts were sent this week (alerts are sent only while `posturelog record` runs)."


def alert_lines(week_alerts: int, days_with_alerts: Sequence[dt.date], worn_days: int,
                median_stc_s: float, rate_with: float, rate_without: float) -> list[str]:
    """Bullets of the alerts section.

    Parameters
    ----------
    week_alerts : int
        Alerts in the week.
    days_with_alerts : sequence of date
        Days with at least one alert.
    worn_days : int
        Days with any worn minute.
    median_stc_s : float
        Median time to correct of the week's slouch alerts, seconds (NaN: none corrected).
    rate_with, rate_without : float
        Slouch minutes per worn hour on worn days with / without alerts (NaN: no such day).
    """
    n = len(days_with_alerts)
    lines = [f"{week_alerts} alert{'s' if week_alerts != 1 else ''} on {n} "
             f"day{'s' if n != 1 else ''} ({_day_list(days_with_alerts)}); "
             f"{week_alerts / max(n, 1):.1f} per day with alerts."]
    if math.isnan(median_stc_s):
        lines.append("No slouch alert was followed by sitting up while the sensor was worn.")
    else:
        lines.append(f"After a slouch alert you sat up again in {format_seconds_short(median_stc_s)} "
                     "(median of the days' medians).")
    if math.isnan(rate_with) or math.isnan(rate_without):
        lines.append(f"Alerts were on for {n} of {worn_days} worn day{'s' if worn_days != 1 else ''}: "
                     "there are no worn days of the other kind to compare with.")
    else:
        lines.append(f"Days with alerts ({_day_list(days_with_alerts)}): {rate_with:.1f} slouch minutes "
                     f"per worn hour; other worn days: {rate_without:.1f}. An association only "
                     "(see below).")
    return lines


def alert_trend_line(weeks: Sequence[str], medians_s: Sequence[float], slope_s_per_week: float) -> str:
    """The training-effect line: weekly median time to correct and its slope."""
    if math.isnan(slope_s_per_week):
        return ("Training effect: too early to tell (it needs at least two weeks with corrected "
                "slouch alerts).")
    series = ", ".join(f"{w} {format_seconds_short(m)}" for w, m in zip(weeks, medians_s, strict=True)
                       if not math.isnan(m))
    if abs(slope_s_per_week) < 0.5:
        trend = "about the same from week to week"
    elif slope_s_per_week < 0:
        trend = f"{-slope_s_per_week:.1f} s quicker per week, a possible training effect"
    else:
        trend = f"{slope_s_per_week:.1f} s slower per week"
    return f"Median time to sit up by week: {series}; {trend}."
