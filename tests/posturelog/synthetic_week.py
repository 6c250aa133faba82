"""A synthetic week for the report tests: per-second epochs and logs of ISO week 2026-W47 in
Europe/Berlin, and the words no report about it may use (wrong sensor placement, causal claims).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from posturelog.report import IsoWeek

__all__ = ["FORBIDDEN", "TZ", "WEEK", "synthetic_epochs", "synthetic_logs"]

TZ = "Europe/Berlin"
WEEK = IsoWeek(2026, 47)  # Mon 16 – Sun 22 November 2026
FORBIDDEN = re.compile(r"\b(wrist|wrists|hip|hips|steps|step count|causes?|caused)\b", re.I)


def synthetic_epochs(
    first: dt.date = WEEK.monday, days: int = 7, tz: str = TZ, seed: int = 7
) -> pd.DataFrame:
    """Per-second epochs following the analyze contract: nights not worn, desk slouching."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(first).tz_localize(tz).tz_convert("UTC")
    end = pd.Timestamp(first + dt.timedelta(days=days)).tz_localize(tz).tz_convert("UTC")
    idx = pd.date_range(start, end, freq="1s", inclusive="left", name="time")
    local = idx.tz_convert(tz)
    hour = np.asarray(local.hour + local.minute / 60.0)
    day_no = np.asarray((local.normalize() - local[0].normalize()).days)
    n = len(idx)
    context = np.full(n, "upright", dtype=object)
    context[(hour < 7) | (hour >= 23)] = "nonwear"
    context[(hour >= 21) & (hour < 23)] = "lying"
    walking = ((hour >= 8.3) & (hour < 8.6)) | ((hour >= 12.2) & (hour < 12.8)) | (
        (hour >= 17.5) & (hour < 18.0))
    context[walking] = "walking"
    flexion = rng.normal(6.0, 3.0, n)
    for d in range(days):
        day_rng = np.random.default_rng(seed * 100 + d)
        for _ in range(int(day_rng.integers(6, 16))):
            t0 = day_rng.uniform(9.0, 17.0)
            length_h = day_rng.uniform(2.0, 30.0) / 60.0
            mask = (day_no == d) & (hour >= t0) & (hour < t0 + length_h) & (context == "upright")
            flexion[mask] = day_rng.normal(30.0, 4.0) + rng.normal(0, 1.5, int(mask.sum()))
    worn = context != "nonwear"
    flexion[context == "lying"] = rng.normal(80.0, 4.0, int((context == "lying").sum()))
    flexion[~worn] = np.nan
    return pd.DataFrame(
        {
            "flexion_deg": flexion,
            "lateral_deg": np.where(worn, rng.normal(0.0, 3.0, n), np.nan),
            "inclination_deg": np.abs(flexion),
            "worn": worn,
            "context": context.astype(str),
            "slouch": np.zeros(n, dtype=bool),
            "n_samples": np.full(n, 50),
            "calibration": np.where(worn, "routine", "none"),
        },
        index=idx,
    )


def _local_utc(text: list[str], tz: str = TZ) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(text).tz_localize(tz).tz_convert("UTC"))


def synthetic_logs(days: int = 7, ratings_per_day: int = 3) -> dict[str, pd.DataFrame]:
    """The week's logs as ``prepare_report`` takes them: pain ratings, remedies, one session with
    a gap, and calibration marks."""
    rng = np.random.default_rng(3)
    times: list[str] = []
    for d in range(days):
        for h in (9, 14, 20)[:ratings_per_day]:
            times.append(f"{WEEK.monday + dt.timedelta(days=d)} {h:02d}:{int(rng.integers(0, 50)):02d}")
    pain = pd.DataFrame({"id": range(len(times)), "time": _local_utc(times),
                         "score": rng.integers(2, 8, len(times)), "note": ""})
    remedies = pd.DataFrame({"id": [1, 2], "time": _local_utc(["2026-11-18 16:00",
                                                              "2026-11-19 18:00"]),
                             "kind": ["heat", "stretch"], "note": ""})
    started = int(pd.Timestamp("2026-11-16 06:50", tz=TZ).value)
    sessions = pd.DataFrame({
        "id": [1], "participant": ["me"], "model": ["witmotion"], "address": ["AA:BB:CC:DD:EE:FF"],
        "name": ["WT901BLE"], "firmware": ["1.2"], "battery_pct": [64], "rate_hz": [50.0],
        "has_gyroscope": [True], "timezone": [TZ], "started_ns": [started],
        "ended_ns": [started + 7 * 86400 * 10**9], "n_samples": [30_000_000], "source": ["ble"],
        "gaps": [1], "gap_minutes": [2.5],
    })
    gaps = pd.DataFrame({"session_id": [1], "reason": ["link lost"],
                         "start": _local_utc(["2026-11-18 10:00:00"]),
                         "end": _local_utc(["2026-11-18 10:02:30"])})
    marks = pd.DataFrame({"id": [1, 2], "start": _local_utc(["2026-11-16 07:10", "2026-11-18 07:05"]),
                          "end": _local_utc(["2026-11-16 07:11", "2026-11-18 07:06"]),
                          "source": ["routine", "routine"]})
    return {"pain_log": pain, "remedy_log": remedies, "sessions": sessions, "gaps": gaps,
            "calibration_marks": marks}
