"""The report's CSV files: ``daily.csv`` (one row per local day) and ``episodes.csv``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.metrics import daily_columns
from posturelog.report.data import ReportData

__all__ = [
    "EPISODE_CSV_COLUMNS",
    "EPISODE_CSV_GLOSSARY",
    "daily_csv_columns",
    "daily_csv_frame",
    "episodes_csv_frame",
    "write_csv",
]

#: Columns of ``episodes.csv``.
EPISODE_CSV_COLUMNS: tuple[str, ...] = (
    "date",
    "start",
    "end",
    "duration_min",
    "mean_flexion_deg",
    "peak_flexion_deg",
)

#: Meanings of the ``episodes.csv`` columns that differ from the analysis columns.
EPISODE_CSV_GLOSSARY: dict[str, str] = {
    "date (episodes.csv)": "Local date on which the episode started.",
    "start (episodes.csv)": "Episode start, local time with UTC offset (ISO 8601).",
    "end (episodes.csv)": "Episode end (the second after the last slouch second), local time "
    "with UTC offset.",
}


def daily_csv_columns(data: ReportData) -> list[str]:
    """Columns of ``daily.csv``: :func:`analysis.metrics.daily_columns` of the report's
    settings, with ``walking_available`` and ``walking_unavailable_reason`` after
    ``walking_minutes`` when the daily table has them."""
    columns = [c for c in daily_columns(data.settings) if c in data.daily.columns]
    extra = [c for c in ("walking_available", "walking_unavailable_reason")
             if c in data.daily.columns]
    if extra and "walking_minutes" in columns:
        at = columns.index("walking_minutes") + 1
        columns = columns[:at] + extra + columns[at:]
    return columns


def daily_csv_frame(data: ReportData) -> pd.DataFrame:
    """The ``daily.csv`` table: one row per local day, values rounded for reading.

    Columns are :func:`analysis.metrics.daily_columns` of the report's settings (the band
    columns are named from ``band_edges_deg``), with ``walking_available`` and
    ``walking_unavailable_reason`` after ``walking_minutes``; ``walking_minutes`` is empty on
    days when walking could not be measured.
    """
    df = data.daily[daily_csv_columns(data)].copy()
    if "walking_available" in df.columns and "walking_minutes" in df.columns:
        df["walking_minutes"] = df["walking_minutes"].astype(float).where(
            df["walking_available"].fillna(True).to_numpy(dtype=bool))
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


def write_csv(data: ReportData, daily_path: Path, episodes_path: Path) -> None:
    """Write ``daily.csv`` and ``episodes.csv``."""
    daily_csv_frame(data).to_csv(daily_path, index=False)
    episodes_csv_frame(data).to_csv(episodes_path, index=False)
