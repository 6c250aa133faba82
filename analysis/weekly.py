"""One week's summary of the daily rows of :func:`analysis.metrics.daily_metrics` (numbers
only), with the change against the previous week.
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from analysis.metrics import DAILY_COLUMNS

__all__ = ["WeekChange", "WeeklySummary", "weekly_summary"]


def _bands_in(daily: pd.DataFrame) -> list[str]:
    """The flexion-band columns of a daily table, lowest band first."""
    return [c for c in daily.columns if str(c).startswith("band_") and str(c).endswith("_minutes")]


class WeekChange(TypedDict):
    """One value this week against the previous week (``difference`` = current − previous)."""

    previous: float
    current: float
    difference: float


class WeeklySummary(TypedDict):
    """Summary of one week of daily rows (:func:`weekly_summary`).

    Every key is explained in ``posturelog.report.glossary`` (``docs/glossary.md``):
    ``week`` (ISO week label or None without rows), ``days``, ``days_with_wear``,
    ``wear_hours``, ``wear_hours_per_day`` (per day with wear), ``coverage_pct`` (mean),
    ``slouch_minutes_total``, ``slouch_minutes_per_day`` (NaN without wear),
    ``slouch_share_pct`` (of upright time), ``slouch_episodes``, ``longest_slouch_minutes``,
    ``band_minutes`` (flexion-band column → the week's minutes, bands from
    ``band_edges_deg``), ``iso11226_violations``, ``pain_ratings``, ``pain_mean_week`` (NaN
    without ratings), ``worst_hour`` (local hour or None) and ``worst_hour_share_pct``,
    ``change`` (None without a previous week, else :class:`WeekChange` of slouch share,
    slouch minutes/day, wear hours/day and mean pain).
    """

    week: str | None
    days: int
    days_with_wear: int
    wear_hours: float
    wear_hours_per_day: float
    coverage_pct: float
    slouch_minutes_total: float
    slouch_minutes_per_day: float
    slouch_share_pct: float
    slouch_episodes: int
    longest_slouch_minutes: float
    band_minutes: dict[str, float]
    iso11226_violations: int
    pain_ratings: int
    pain_mean_week: float
    worst_hour: int | None
    worst_hour_share_pct: float
    change: dict[str, WeekChange] | None


def _week_values(daily: pd.DataFrame) -> WeeklySummary:
    worn_days = daily[daily["wear_minutes"] > 0]
    upright = float(daily["upright_minutes"].sum())
    slouch = float(daily["slouch_minutes"].sum())
    n_ratings = int(daily["pain_ratings"].sum())
    pain_sum = float((daily["pain_mean"].fillna(0) * daily["pain_ratings"]).sum())
    first = daily["date"].min()
    iso = first.isocalendar() if len(daily) else None
    nd = max(len(worn_days), 1)
    values: WeeklySummary = {
        "week": f"{iso[0]}-W{iso[1]:02d}" if iso else None,
        "days": int(len(daily)),
        "days_with_wear": int(len(worn_days)),
        "wear_hours": float(daily["wear_minutes"].sum()) / 60.0,
        "wear_hours_per_day": float(daily["wear_minutes"].sum()) / 60.0 / nd,
        "coverage_pct": float(daily["coverage_pct"].mean()) if len(daily) else float("nan"),
        "slouch_minutes_total": slouch,
        "slouch_minutes_per_day": slouch / nd if len(worn_days) else float("nan"),
        "slouch_share_pct": 100.0 * slouch / upright if upright > 0 else float("nan"),
        "slouch_episodes": int(daily["slouch_episodes"].sum()),
        "longest_slouch_minutes": float(daily["longest_slouch_minutes"].max())
        if len(daily) else 0.0,
        "band_minutes": {c: float(daily[c].sum()) for c in _bands_in(daily)},
        "iso11226_violations": int(daily["iso11226_violations"].sum()),
        "pain_ratings": n_ratings,
        "pain_mean_week": pain_sum / n_ratings if n_ratings else float("nan"),
        "worst_hour": None,
        "worst_hour_share_pct": float("nan"),
        "change": None,
    }
    return values


def weekly_summary(
    daily: pd.DataFrame,
    previous_daily: pd.DataFrame | None = None,
    hourly: pd.DataFrame | None = None,
) -> WeeklySummary:
    """Summary of one week of :func:`analysis.metrics.daily_metrics` rows.

    Parameters
    ----------
    daily : DataFrame
        This week's daily rows.
    previous_daily : DataFrame, optional
        Earlier week(s); when given, ``change`` holds previous values and differences.
    hourly : DataFrame, optional
        :func:`analysis.metrics.hourly_profile` of this week, used for ``worst_hour``.

    Returns
    -------
    WeeklySummary
    """
    missing = [c for c in DAILY_COLUMNS if c not in daily.columns and not c.startswith("band_")]
    if missing or len(_bands_in(daily)) != 4:
        raise ValueError(f"daily lacks columns {missing or 'band_*_minutes'}")
    out = _week_values(daily)
    if hourly is not None and len(hourly):
        ok = hourly[hourly["upright_minutes"] >= 30.0]["slouch_share_pct"].dropna()
        if len(ok):
            hours = np.asarray(ok.index, dtype=int)
            out["worst_hour"] = int(hours[int(np.argmax(ok.to_numpy()))])
            out["worst_hour_share_pct"] = float(ok.max())
    if previous_daily is not None and len(previous_daily):
        prev = _week_values(previous_daily)
        change: dict[str, WeekChange] = {}
        for key in ("slouch_share_pct", "slouch_minutes_per_day", "wear_hours_per_day",
                    "pain_mean_week"):
            a, b = float(out[key]), float(prev[key])
            change[key] = WeekChange(previous=b, current=a, difference=a - b)
        out["change"] = change
    return out
