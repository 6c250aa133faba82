"""The report's CSV files: ``daily.csv`` (one row per local day) and ``episodes.csv``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.metrics import daily_columns
from posturelog.report.data import ReportData
from vocab.stretchnote import is_verified_stretch

__all__ = [
    "EPISODE_CSV_COLUMNS",
    "EPISODE_CSV_GLOSSARY",
    "STRETCH_CSV_GLOSSARY",
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


#: Meanings of the ``daily.csv`` stretch columns (from the remedy log, not the analysis).
STRETCH_CSV_GLOSSARY: dict[str, str] = {
    "stretches_verified": "Stretches logged that day that the sensor verified: a routine it "
    "checks (thoracic extension, knee twist, doorway) with at least one repetition counted "
    "(posturelog stretch).",
    "stretches_logged_only": "Other stretches logged that day: without a sensor check, the "
    "scapular squeeze (timing only), or with no repetition counted.",
}


def daily_csv_columns(data: ReportData) -> list[str]:
    """Columns of ``daily.csv``: :func:`analysis.metrics.daily_columns` of the report's
    settings, with ``walking_available`` and ``walking_unavailable_reason`` after
    ``walking_minutes`` when the daily table has them, then the stretch counts
    (:data:`STRETCH_CSV_GLOSSARY`)."""
    columns = [c for c in daily_columns(data.settings) if c in data.daily.columns]
    extra = [c for c in ("walking_available", "walking_unavailable_reason")
             if c in data.daily.columns]
    if extra and "walking_minutes" in columns:
        at = columns.index("walking_minutes") + 1
        columns = columns[:at] + extra + columns[at:]
    return columns + list(STRETCH_CSV_GLOSSARY)


def _stretch_counts(data: ReportData, dates: list[str]) -> tuple[list[int], list[int]]:
    """Verified and logged-only stretches per local date (ISO strings)."""
    log = data.remedy_log
    verified = dict.fromkeys(dates, 0)
    other = dict.fromkeys(dates, 0)
    if log is not None and len(log) and "kind" in log.columns:
        stretches = log.loc[log["kind"].astype(str) == "stretch"]
        notes = stretches["note"] if "note" in stretches.columns else [""] * len(stretches)
        local = pd.DatetimeIndex(pd.to_datetime(stretches["time"], utc=True)).tz_convert(data.tz)
        for t, note in zip(local, notes, strict=True):
            day = t.date().isoformat()
            if day in verified:
                target = verified if is_verified_stretch(None if pd.isna(note) else str(note)) else other
                target[day] += 1
    return [verified[d] for d in dates], [other[d] for d in dates]


def daily_csv_frame(data: ReportData) -> pd.DataFrame:
    """The ``daily.csv`` table: one row per local day, values rounded for reading.

    Columns are :func:`analysis.metrics.daily_columns` of the report's settings (the band
    columns are named from ``band_edges_deg``), with ``walking_available`` and
    ``walking_unavailable_reason`` after ``walking_minutes``; ``walking_minutes`` is empty on
    days when walking could not be measured.
    """
    df = data.daily[[c for c in daily_csv_columns(data) if c in data.daily.columns]].copy()
    if "walking_available" in df.columns and "walking_minutes" in df.columns:
        df["walking_minutes"] = df["walking_minutes"].astype(float).where(
            df["walking_available"].fillna(True).to_numpy(dtype=bool))
    df["date"] = [pd.Timestamp(d).date().isoformat() for d in df["date"]]
    df["stretches_verified"], df["stretches_logged_only"] = _stretch_counts(data, list(df["date"]))
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
