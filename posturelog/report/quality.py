"""The data-quality findings of the report in words: wear, gaps, sensor and calibration."""

from __future__ import annotations

import pandas as pd

from posturelog.report import wording as w
from posturelog.report.data import ReportData, week_bounds

__all__ = ["calibration_lines", "quality_lines"]

_CALIBRATION_NAMES = {
    "routine": "the stand-tall + bend routine",
    "walking": "a fit from walking",
    "none": "no calibration (no flexion computed)",
}


def _calibrated_share_lines(data: ReportData) -> list[str]:
    ep = data.epochs
    if "calibration" not in ep.columns or not len(ep):
        return []
    worn = ep["worn"].to_numpy(dtype=bool)
    total = int(worn.sum())
    if not total:
        return []
    counts = ep.loc[worn, "calibration"].astype(str).value_counts()
    parts = [f"{100.0 * n / total:.0f}% by {_CALIBRATION_NAMES.get(str(k), str(k))}"
             for k, n in counts.items()]
    lines = ["Worn time calibrated: " + "; ".join(parts) + "."]
    none_s = int(counts.get("none", 0))
    if none_s:
        lines.append(f"Warning: {w.format_minutes(none_s / 60.0)} of worn time had no usable "
                     "calibration; flexion and slouching were not computed there. Run "
                     "'posturelog calibrate' after putting the sensor on.")
    return lines


def calibration_lines(data: ReportData) -> list[str]:
    """How the worn time was calibrated and when the calibration routines were done."""
    lines = _calibrated_share_lines(data)
    marks = data.calibration_marks
    if not len(marks):
        lines.append("No calibration routine was ever marked; upright was fitted from walking "
                     "where possible.")
        return lines
    start_ns, end_ns = week_bounds(data)
    st = pd.to_datetime(marks["start"], utc=True)
    in_week = marks[(st >= pd.Timestamp(start_ns, unit="ns", tz="UTC"))
                    & (st < pd.Timestamp(end_ns, unit="ns", tz="UTC"))]
    if len(in_week):
        times = [w.format_local_time(t, data.tz) for t in in_week["start"]]
        shown = ", ".join(times[:8]) + (f" and {len(times) - 8} more" if len(times) > 8 else "")
        lines.append(f"Calibration routines fitted this week at: {shown}.")
    else:
        last = w.format_local_time(st.max(), data.tz)
        lines.append(f"No calibration routine this week; the last one was at {last}.")
    return lines


def _gap_line(data: ReportData) -> str:
    n_gaps = len(data.gaps)
    if not n_gaps:
        return "No gaps in the recording."
    minutes = float(((pd.to_datetime(data.gaps["end"], utc=True)
                      - pd.to_datetime(data.gaps["start"], utc=True)).dt.total_seconds()
                     ).sum() / 60.0)
    return (f"{n_gaps} gap{'s' if n_gaps != 1 else ''} in the recording "
            f"({w.format_minutes(minutes)} in total).")


def _sensor_line(data: ReportData) -> list[str]:
    s = data.sessions
    if not len(s):
        return []
    models = ", ".join(sorted({str(m) for m in s["model"]}))
    rates = ", ".join(sorted({f"{float(r):g} Hz" for r in s["rate_hz"]}))
    batt = s["battery_pct"].dropna() if "battery_pct" in s.columns else pd.Series(dtype=float)
    text = f"Sensor: {models}, worn between the shoulder blades, sampled at {rates}"
    if len(batt):
        text += f"; battery at last report {int(batt.iloc[-1])}%"
    return [text + "."]


def quality_lines(data: ReportData) -> list[str]:
    """Wear, short days, gaps, sensor and calibration, one sentence each."""
    d = data.daily
    worn = d[d["wear_minutes"] > 0]
    mean_wear = worn["wear_minutes"].mean() if len(worn) else 0.0
    lines = [
        f"Sensor worn on {len(worn)} of 7 days, on average {w.format_minutes(mean_wear)} a day; "
        f"data cover {w.format_percent(d['coverage_pct'].mean())} of the week's hours.",
    ]
    short = [f"{pd.Timestamp(x):%a}" for x, m in zip(d["date"], d["wear_minutes"], strict=True)
             if 0 < m < 600]
    if short:
        lines.append("Days with under 10 h of wear (read with care): " + ", ".join(short) + ".")
    lines.append(_gap_line(data))
    lines.extend(_sensor_line(data))
    lines.extend(calibration_lines(data))
    return lines
