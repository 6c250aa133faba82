"""The report's tables as DataFrames of display text, shared by the HTML and the PDF."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from analysis.figures import band_names
from analysis.metrics import band_columns
from posturelog import __version__
from posturelog.report import wording as w
from posturelog.report.csv import EPISODE_CSV_GLOSSARY, STRETCH_CSV_GLOSSARY, daily_csv_columns
from posturelog.report.data import ReportData
from posturelog.report.figures import sensitivity_frame, sensitivity_pivot
from posturelog.report.glossary import glossary

__all__ = [
    "bands_table",
    "cards",
    "daily_table",
    "episodes_table",
    "gaps_table",
    "glossary_table",
    "quality_table",
    "sensitivity_table",
    "sessions_table",
    "settings_table",
]


def _day(x: Any) -> str:
    return f"{pd.Timestamp(x):%a %d %b}"


def _if_worn(texts: list[str], wear: pd.Series) -> list[str]:
    return [t if m > 0 else "–" for t, m in zip(texts, wear, strict=True)]


def daily_table(data: ReportData) -> pd.DataFrame:
    """Day by day: worn, slouched, share, episodes, longest, median flexion, pain."""
    d = data.daily
    wear = d["wear_minutes"]
    return pd.DataFrame({
        "Day": [_day(x) for x in d["date"]],
        "Worn": [w.format_minutes(v) for v in wear],
        "Slouched": _if_worn([w.format_minutes(v) for v in d["slouch_minutes"]], wear),
        "Share of upright time": [w.format_percent(v) for v in d["slouch_share_pct"]],
        "Episodes": _if_worn([str(int(v)) for v in d["slouch_episodes"]], wear),
        "Longest": _if_worn([w.format_minutes(v) for v in d["longest_slouch_minutes"]], wear),
        "Median flexion": [w.format_degrees(v) for v in d["flexion_median_deg"]],
        "Pain (ratings)": [f"{w.format_score(p)} ({int(n)})" if n else "–"
                           for p, n in zip(d["pain_mean"], d["pain_ratings"], strict=True)],
    })


def bands_table(data: ReportData) -> pd.DataFrame:
    """Minutes per flexion band (named from ``band_edges_deg``), ISO 11226 holds, 90th pct."""
    d = data.daily
    out = pd.DataFrame({"Day": [_day(x) for x in d["date"]]})
    names = band_names(data.settings.band_edges_deg)
    for name, column in zip(names, band_columns(data.settings), strict=True):
        out[name[:1].upper() + name[1:]] = [w.format_minutes(v) for v in d[column]]
    out["ISO 11226 holds"] = [str(int(v)) for v in d["iso11226_violations"]]
    out["90th pct flexion"] = [w.format_degrees(v) for v in d["flexion_p90_deg"]]
    return out


def _gaps_per_day(data: ReportData) -> dict[dt.date, tuple[int, float]]:
    out: dict[dt.date, tuple[int, float]] = {}
    for row in data.gaps.itertuples():
        day = pd.Timestamp(row.start).tz_convert(data.tz).date()
        n, m = out.get(day, (0, 0.0))
        minutes = (pd.Timestamp(row.end) - pd.Timestamp(row.start)).total_seconds() / 60.0
        out[day] = (n + 1, m + minutes)
    return out


def _short_duration(minutes: float) -> str:
    return f"{minutes * 60:.0f} s" if minutes < 1 else w.format_minutes(minutes)


def quality_table(data: ReportData) -> pd.DataFrame:
    """Per day: recorded, coverage, worn, not worn, gaps, calibration, pain ratings."""
    d = data.daily
    gaps = _gaps_per_day(data)
    days = [pd.Timestamp(x).date() for x in d["date"]]
    calibration = d.get("calibration", pd.Series("none", index=d.index))
    confidence = d.get("calibration_confidence", pd.Series("low", index=d.index))
    avail = d.get("walking_available", pd.Series(True, index=d.index))
    walking = ["available" if pd.isna(a) or bool(a) else "not available" for a in avail]
    return pd.DataFrame({
        "Day": [f"{x:%a %d %b}" for x in days],
        "Recorded": [w.format_minutes(v) for v in d["recorded_minutes"]],
        "Coverage": [w.format_percent(v) for v in d["coverage_pct"]],
        "Worn": [w.format_minutes(v) for v in d["wear_minutes"]],
        "Not worn": [w.format_minutes(v) for v in d["nonwear_minutes"]],
        "Gaps": [f"{gaps[x][0]} ({_short_duration(gaps[x][1])})" if x in gaps else "0"
                 for x in days],
        "Calibration": _if_worn([str(c) if str(c) == "none" else f"{c}, {k}"
                                 for c, k in zip(calibration, confidence, strict=True)],
                                d["wear_minutes"]),
        "Walking": _if_worn(walking, d["wear_minutes"]),
        "Pain ratings": [str(int(v)) for v in d["pain_ratings"]],
    })


_SESSION_COLUMNS = ["Session", "Sensor", "Firmware", "Battery", "Rate", "Started", "Ended",
                    "Gaps"]


def _sensor_text(row: Any) -> str:
    parts = [str(row.get("model", "") or "unknown")]
    parts += [str(row.get(k, "") or "") for k in ("name", "address") if row.get(k)]
    if not bool(row.get("has_gyroscope", True)):
        parts.append("accelerometer only")
    return ", ".join(parts)


def sessions_table(data: ReportData) -> pd.DataFrame:
    """The recording sessions of the week: sensor, firmware, battery, rate, times, gaps."""
    if data.sessions.empty:
        return pd.DataFrame(columns=_SESSION_COLUMNS)

    def when(ns: Any) -> str:
        if ns is None or (isinstance(ns, float) and math.isnan(ns)) or pd.isna(ns):
            return "still recording"
        return w.format_local_time(pd.Timestamp(int(ns), unit="ns", tz="UTC"), data.tz)

    rows = []
    for _, row in data.sessions.iterrows():
        battery = row.get("battery_pct")
        gap_min = w.format_minutes(float(row.get("gap_minutes", 0.0)))
        rows.append([
            str(int(row["id"])) if "id" in row else "", _sensor_text(row),
            str(row.get("firmware", "") or "–"),
            "–" if battery is None or pd.isna(battery) else f"{int(battery)}%",
            f"{float(row.get('rate_hz', float('nan'))):g} Hz",
            when(row.get("started_ns")), when(row.get("ended_ns")),
            f"{int(row.get('gaps', 0))} ({gap_min})",
        ])
    return pd.DataFrame(rows, columns=_SESSION_COLUMNS)


def gaps_table(data: ReportData, limit: int = 10) -> pd.DataFrame:
    """The ``limit`` longest gaps of the week, in time order."""
    g = data.gaps
    if g.empty:
        return pd.DataFrame(columns=["From", "To", "Length", "Reason"])
    g = g.assign(minutes=(pd.to_datetime(g["end"], utc=True) - pd.to_datetime(g["start"], utc=True)
                          ).dt.total_seconds() / 60.0)
    g = g.sort_values("minutes", ascending=False).head(limit).sort_values("start")
    return pd.DataFrame({
        "From": [w.format_local_time(t, data.tz, seconds=True) for t in g["start"]],
        "To": [w.format_local_time(t, data.tz, seconds=True) for t in g["end"]],
        "Length": [_short_duration(m) for m in g["minutes"]],
        "Reason": [str(r) or "–" for r in g.get("reason", pd.Series("", index=g.index))],
    })


def settings_table(data: ReportData) -> pd.DataFrame:
    """The settings this report used."""
    s = data.settings
    rows = [
        ("Slouch threshold", f"{s.slouch_threshold_deg:g}° beyond your upright"),
        ("Episode ends below", f"{s.slouch_threshold_deg - s.slouch_hysteresis_deg:g}° "
                               f"(hysteresis {s.slouch_hysteresis_deg:g}°)"),
        ("Minimum episode duration", w.format_minutes(s.slouch_min_duration_s / 60.0)
         if s.slouch_min_duration_s >= 60 else f"{s.slouch_min_duration_s:g} s"),
        ("Slouch counted while", ", ".join(s.slouch_contexts)),
        ("Flexion bands", ", ".join(band_names(s.band_edges_deg))),
        ("Lying when inclination over", f"{s.lying_inclination_deg:g}°"),
        ("Pain statistics need", f"{s.pain_min_paired_days} paired days / "
                                 f"{s.pain_min_ratings} ratings"),
        ("Bootstrap", f"{s.bootstrap_n} stationary-bootstrap replicates, mean block "
                      f"{s.bootstrap_block_days:g} days"),
        ("Time zone", data.tz),
        ("Software", f"posturelog {__version__}"),
    ]
    return pd.DataFrame(rows, columns=["Setting", "Value"])


def glossary_table(data: ReportData) -> pd.DataFrame:
    """Every column of ``daily.csv`` and ``episodes.csv`` (and the epoch columns) explained."""
    meanings = glossary(data.settings)
    daily = daily_csv_columns(data)
    keys = [k for k in meanings if k in daily]
    keys += ["duration_min", "mean_flexion_deg", "peak_flexion_deg"]
    items = [(k, meanings[k]) for k in keys] + list(STRETCH_CSV_GLOSSARY.items())
    items += list(EPISODE_CSV_GLOSSARY.items())
    items += [(k, meanings[k]) for k in ("flexion_deg", "context", "slouch", "worn",
                                         "slouch_share_pct_hour")]
    rows = list(dict(items).items())  # first occurrence decides the order
    return pd.DataFrame(rows, columns=["Column", "Meaning"])


def episodes_table(data: ReportData, limit: int = 12) -> pd.DataFrame:
    """The ``limit`` longest slouch episodes of the week."""
    eps = data.episodes
    if eps.empty:
        return pd.DataFrame(columns=["Start", "End", "Duration", "Mean flexion", "Peak flexion"])
    top = eps.sort_values("duration_min", ascending=False).head(limit)
    return pd.DataFrame({
        "Start": [w.format_local_time(t, data.tz) for t in top["start"]],
        "End": [pd.Timestamp(t).tz_convert(data.tz).strftime("%H:%M") for t in top["end"]],
        "Duration": [w.format_minutes(v) for v in top["duration_min"]],
        "Mean flexion": [w.format_degrees(v) for v in top["mean_flexion_deg"]],
        "Peak flexion": [w.format_degrees(v) for v in top["peak_flexion_deg"]],
    })


def sensitivity_table(data: ReportData) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """Slouched time per worn day for other settings, and the cell of this report's setting."""
    pivot = sensitivity_pivot(data.sensitivity)
    if pivot.empty:
        return pd.DataFrame(), []
    per_day = pivot / max(data.worn_days, 1)
    chosen = (data.settings.slouch_threshold_deg, data.settings.slouch_min_duration_s)
    return sensitivity_frame(per_day, chosen, fmt=w.format_minutes)


def cards(data: ReportData) -> list[tuple[str, str]]:
    """The key numbers of the week as (label, value) pairs."""
    s = data.summary
    worn = data.worn_days

    def if_worn(text: str) -> str:
        return text if worn else "–"

    return [
        ("Slouched per day", if_worn(w.format_minutes(s["slouch_minutes_per_day"]))),
        ("Share of upright time", w.format_percent(s["slouch_share_pct"])),
        ("Episodes", str(int(s["slouch_episodes"]))),
        ("Longest episode", if_worn(w.format_minutes(s["longest_slouch_minutes"]))),
        ("Worn per day", if_worn(w.format_minutes(float(s["wear_hours_per_day"]) * 60))),
        ("Days worn", f"{worn} of 7"),
        ("Mean pain (0–10)", w.format_score(s["pain_mean_week"])),
        ("Pain ratings", str(int(s["pain_ratings"]))),
    ]
