"""The data-quality findings of the report in words: wear, gaps, sensor and calibration."""

from __future__ import annotations

import pandas as pd

from posturelog.report import wording as w
from posturelog.report.data import ReportData, week_bounds

__all__ = ["calibration_lines", "day_quality_lines", "quality_lines"]


def _calibrated_share_lines(data: ReportData) -> list[str]:
    ep = data.epochs
    if "calibration" not in ep.columns or not len(ep):
        return []
    worn = ep["worn"].to_numpy(dtype=bool)
    total = int(worn.sum())
    if not total:
        return []
    counts = ep.loc[worn, "calibration"].astype(str).value_counts()
    parts = [f"{100.0 * n / total:.0f}% {w.calibration_text(str(k))}"
             for k, n in counts.items() if n > 0]
    lines = ["Worn time: " + "; ".join(parts) + "."]
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


def day_quality_lines(data: ReportData) -> list[str]:
    """Per worn day: walking availability and the calibration source with its confidence,
    e.g. "Mon 16 Nov: walking: not available — sampled at 1.6 Hz, below 6 Hz; upright
    estimated from the data, low confidence."."""
    d = data.daily
    lines = []
    avail = d["walking_available"] if "walking_available" in d.columns else None
    reason = d["walking_unavailable_reason"] if "walking_unavailable_reason" in d.columns else None
    for i in range(len(d)):
        if not float(d["wear_minutes"].iloc[i]) > 0:
            continue
        ok = True if avail is None or pd.isna(avail.iloc[i]) else bool(avail.iloc[i])
        why = "" if reason is None else str(reason.iloc[i])
        cal = w.calibration_text(str(d["calibration"].iloc[i]) if "calibration" in d else "none",
                                 str(d["calibration_confidence"].iloc[i])
                                 if "calibration_confidence" in d else None)
        day = f"{pd.Timestamp(d['date'].iloc[i]):%a %d %b}"
        lines.append(f"{day}: {w.walking_availability_text(ok, why)}; {cal}.")
    return lines


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
    lines.extend(day_quality_lines(data))
    return lines
