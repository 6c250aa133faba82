"""How a recording was sampled (rate, regularity, gaps, gyroscope) and what that allows.

``posturelog import`` prints this so that a wearer knows, before any report, what their data
can and cannot support (issue 9, item 1): e.g. walking detection needs at least 6 Hz because
its step band is 1.5–2.5 Hz (``analysis/epochs/features.py``); without a gyroscope the tilt filter
relies on the accelerometer alone, which is less accurate during fast movement
(``docs/tilt.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.epochs.features import walking_min_rate_hz
from analysis.settings import AnalysisSettings
from vocab.units import NS_PER_S

__all__ = ["Availability", "SamplingSummary", "describe_sampling", "summarize_sampling"]

#: Intervals longer than this count as gaps in the summary, seconds.
GAP_S = 1.0
#: Lowest median rate at which walking can be detected with the default step band, Hz.
WALKING_MIN_RATE_HZ = walking_min_rate_hz(AnalysisSettings().walking_band_hz)
#: Lowest median rate at which per-second posture epochs are filled, Hz.
POSTURE_MIN_RATE_HZ = 1.0


@dataclass(frozen=True)
class Availability:
    """Whether one feature of the analysis can be computed from the recording.

    Attributes
    ----------
    feature : str
        e.g. ``"walking detection"``.
    available : bool
    reason : str
        Why not, or a qualification (e.g. "less accurate without gyroscope").
    """

    feature: str
    available: bool
    reason: str = ""


@dataclass(frozen=True)
class SamplingSummary:
    """Rate and regularity of a recording.

    Attributes
    ----------
    n_samples : int
    duration_s : float
        First to last sample, seconds.
    median_rate_hz : float
        1 / median interval, Hz (0 for fewer than 2 samples).
    interval_p5_s, interval_p95_s : float
        5th and 95th percentile of the sample interval, seconds (the jitter).
    n_gaps : int
        Intervals longer than :data:`GAP_S`.
    longest_gap_s : float
        Longest interval, seconds.
    gyroscope : bool
        Whether any sample has angular rate.
    gyroscope_share : float
        Share of samples with angular rate, 0–1.
    availability : tuple[Availability, ...]
        What the analysis can and cannot do with it.
    """

    n_samples: int
    duration_s: float
    median_rate_hz: float
    interval_p5_s: float
    interval_p95_s: float
    n_gaps: int
    longest_gap_s: float
    gyroscope: bool
    gyroscope_share: float
    availability: tuple[Availability, ...]


def _availability(rate_hz: float, gyroscope: bool) -> tuple[Availability, ...]:
    posture = Availability(
        "posture (flexion, slouch)",
        rate_hz >= POSTURE_MIN_RATE_HZ,
        "" if rate_hz >= POSTURE_MIN_RATE_HZ else f"not available below {POSTURE_MIN_RATE_HZ:g} Hz",
    )
    walking = Availability(
        "walking detection",
        rate_hz >= WALKING_MIN_RATE_HZ,
        "" if rate_hz >= WALKING_MIN_RATE_HZ else f"not available below {WALKING_MIN_RATE_HZ:g} Hz",
    )
    fast = Availability(
        "flexion during fast movement",
        True,
        "gyroscope-aided" if gyroscope else "less accurate without gyroscope",
    )
    return (posture, walking, fast)


def summarize_sampling(t_ns: np.ndarray, gyr_rads: np.ndarray | None) -> SamplingSummary:
    """Summarise the sampling of a recording.

    Parameters
    ----------
    t_ns : ndarray (N,) int64
        Sample times, UTC ns, increasing.
    gyr_rads : ndarray (N, 3) or None
        Angular rate, rad/s (NaN rows where none); ``None`` for no gyroscope.

    Returns
    -------
    SamplingSummary
    """
    t = np.asarray(t_ns, dtype=np.int64)
    steps_s = np.diff(t) / NS_PER_S
    if steps_s.size:
        median = float(np.median(steps_s))
        rate = 1.0 / median if median > 0 else 0.0
        p5, p95 = (float(v) for v in np.percentile(steps_s, [5, 95]))
        n_gaps = int((steps_s > GAP_S).sum())
        longest = float(steps_s.max())
    else:
        rate, p5, p95, n_gaps, longest = 0.0, float("nan"), float("nan"), 0, 0.0
    if gyr_rads is None or t.size == 0:
        share = 0.0
    else:
        share = float((~np.isnan(np.asarray(gyr_rads, dtype=float)).any(axis=1)).mean())
    gyroscope = share > 0.0
    return SamplingSummary(
        n_samples=int(t.size),
        duration_s=float((t[-1] - t[0]) / NS_PER_S) if t.size else 0.0,
        median_rate_hz=rate,
        interval_p5_s=p5,
        interval_p95_s=p95,
        n_gaps=n_gaps,
        longest_gap_s=longest,
        gyroscope=gyroscope,
        gyroscope_share=share,
        availability=_availability(rate, gyroscope),
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def describe_sampling(summary: SamplingSummary) -> list[str]:
    """The summary as lines for people (the CLI prints them as they are)."""
    s = summary
    gyro = "no"
    if s.gyroscope:
        gyro = "yes" if s.gyroscope_share >= 0.995 else f"yes ({s.gyroscope_share:.0%} of samples)"
    jitter = "" if np.isnan(s.interval_p5_s) else f", interval p5–p95 {_ms(s.interval_p5_s)}–{_ms(s.interval_p95_s)}"
    gaps = f"{s.n_gaps:,} gap{'s' if s.n_gaps != 1 else ''} > {GAP_S:g} s"
    if s.n_gaps:
        gaps += f" (longest {_ms(s.longest_gap_s)})"
    lines = [f"Sampling: {s.median_rate_hz:.3g} Hz median{jitter}, {gaps}, gyroscope: {gyro}"]
    for a in s.availability:
        state = "available" if a.available else "not available"
        if a.available and a.reason:
            state = f"available, {a.reason}"
        elif not a.available and a.reason:
            state = a.reason
        lines.append(f"  {a.feature}: {state}")
    return lines
