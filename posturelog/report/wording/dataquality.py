"""Data-quality phrases: a day's calibration source and whether walking was measured."""

from __future__ import annotations

import math

__all__ = [
    "CALIBRATION_WORDS",
    "calibration_text",
    "walking_availability_text",
    "walking_unavailable_reason",
]

#: How each calibration source is said (``calibration`` column of the epochs and daily.csv).
CALIBRATION_WORDS: dict[str, str] = {
    "routine": "calibrated by the stand-tall + bend routine",
    "walking": "calibrated from walking",
    "estimated": "upright estimated from the data",
    "prior": "upright from how the sensor is worn (its up axis), not from the data",
    "none": "no calibration",
}


def calibration_text(source: str, confidence: str | None = None) -> str:
    """A day's or bout's calibration in words, e.g. "upright estimated from the data, low
    confidence"; "no calibration" carries no confidence."""
    text = CALIBRATION_WORDS.get(str(source), str(source))
    if confidence and str(source) != "none" and str(confidence) in ("high", "medium", "low"):
        text += f", {confidence} confidence"
    return text


def walking_unavailable_reason(fs_hz: float | None, need_hz: float) -> str:
    """Why walking is not measured, e.g. "sampled at 1.6 Hz, below 6 Hz"."""
    if fs_hz is None or not math.isfinite(float(fs_hz)) or float(fs_hz) <= 0:
        return "sampling rate unknown"
    return f"sampled at {float(fs_hz):.2g} Hz, below {need_hz:g} Hz"


def walking_availability_text(available: bool, reason: str = "") -> str:
    """"walking: available" or "walking: not available — <reason>"."""
    if available:
        return "walking: available"
    return f"walking: not available — {reason}" if reason else "walking: not available"
