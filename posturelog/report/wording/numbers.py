"""Numbers as people read them: durations, percentages, angles, scores, clock times, changes.

The rules: durations as ``2 h 10 min`` (never decimal hours), percentages as whole numbers,
local clock times with the wearer's UTC offset, a missing value as an en dash.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

__all__ = [
    "DASH",
    "format_change",
    "format_degrees",
    "format_hour_range",
    "format_local_time",
    "format_minutes",
    "format_percent",
    "format_score",
    "format_seconds",
    "format_seconds_short",
    "signed",
]

#: What a missing number reads as.
DASH = "–"


def format_minutes(minutes: float | None) -> str:
    """A duration for people: ``"2 h 10 min"``, ``"45 min"``, ``"under 1 min"``, ``"0 min"``.

    Parameters
    ----------
    minutes
        Duration in minutes (NaN/None gives an en dash).

    Returns
    -------
    str
        The duration rounded to whole minutes.
    """
    if minutes is None or math.isnan(minutes):
        return DASH
    if minutes <= 0:
        return "0 min"
    if minutes < 1:
        return "under 1 min"
    total = int(round(minutes))
    hours, rest = divmod(total, 60)
    if hours == 0:
        return f"{rest} min"
    if rest == 0:
        return f"{hours} h"
    return f"{hours} h {rest} min"


def format_seconds(seconds: float) -> str:
    """A setting's duration: ``60`` → ``"1 min"``, ``90`` → ``"90 s"``, ``300`` → ``"5 min"``."""
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def format_percent(value: float | None, *, decimals: int = 0) -> str:
    """A percentage such as ``"18%"`` (value already in percent)."""
    if value is None or math.isnan(value):
        return DASH
    return f"{value:.{decimals}f}%"


def format_degrees(value: float | None, *, decimals: int = 0) -> str:
    """An angle such as ``"23°"``."""
    if value is None or math.isnan(value):
        return DASH
    return f"{value:.{decimals}f}°"


def format_score(value: float | None) -> str:
    """A 0–10 pain score with one decimal (``"4.5"``), or an en dash."""
    if value is None or math.isnan(value):
        return DASH
    return f"{value:.1f}"


def format_hour_range(hour: int) -> str:
    """The clock hour ``hour`` as a range: ``15`` → ``"15:00–16:00"``."""
    if not 0 <= int(hour) <= 23:
        raise ValueError(f"hour must be in 0..23, got {hour}")
    return f"{int(hour):02d}:00–{(int(hour) + 1) % 24:02d}:00"


def format_local_time(value: pd.Timestamp | dt.datetime, tz: str, *, seconds: bool = False) -> str:
    """A local time with its UTC offset: ``"2026-11-18 14:05 +01:00"``.

    Parameters
    ----------
    value
        A tz-aware timestamp (naive values are taken as UTC).
    tz
        The wearer's IANA time zone.
    seconds
        Include seconds.
    """
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    local = ts.tz_convert(tz)
    offset = local.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if len(offset) == 5 else offset
    return f"{local.strftime('%Y-%m-%d %H:%M:%S' if seconds else '%Y-%m-%d %H:%M')} {offset}"


def format_change(current: float, previous: float | None, *, what: str = "last week") -> str:
    """Relative change in words: ``"18% less than last week"``.

    Parameters
    ----------
    current, previous
        The two values (previous None/NaN → empty string).
    what
        What the comparison refers to.

    Returns
    -------
    str
        ``"N% less than …"``, ``"N% more than …"``, ``"about the same as …"`` (within ±5%), or
        ``""`` when there is nothing to compare with.
    """
    if previous is None or math.isnan(previous) or math.isnan(current):
        return ""
    if previous <= 0:
        return f"up from none {what}" if current > 0 else f"none, as {what}"
    change = (current - previous) / previous * 100.0
    if abs(change) < 5.0:
        return f"about the same as {what}"
    word = "more" if change > 0 else "less"
    return f"{abs(change):.0f}% {word} than {what}"


def format_seconds_short(seconds: float | None) -> str:
    """A time to correct: ``"12 s"``, ``"2 min 05 s"``; NaN/None gives an en dash."""
    if seconds is None or math.isnan(seconds):
        return DASH
    s = int(round(seconds))
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"


def signed(value: float) -> str:
    """A number with two decimals and a true minus sign: ``-0.31`` → ``"−0.31"``."""
    text = f"{value:.2f}"
    return text.replace("-", "−")
