"""Put streams that a phone samples at their own times onto one time base.

Phones deliver accelerometer, gyroscope and gravity readings at different rates and at times
that do not line up (Sensor Logger: "they do not necessarily align due to varied sampling
rates ... interpolate one sensor onto the timestamps of another", awesome-sensor-logger
README, "Aligning and Interpolating Measurements Across Sensors"). We keep the accelerometer's
own times and interpolate the other stream onto them linearly; where the other stream has a
hole longer than a tolerance, the result is NaN rather than an invented value.
"""

from __future__ import annotations

import logging

import numpy as np

from posturelog.errors import UserError

__all__ = ["drop_repeated_times", "interpolate_onto", "tolerance_ns"]

log = logging.getLogger(__name__)

#: Share of rows whose time repeats or steps back that we drop silently (with a note); more
#: than this is a broken file, not the occasional duplicate some phones report.
MAX_REPEATED_SHARE = 0.01


def tolerance_ns(t_ns: np.ndarray) -> int:
    """Largest hole a stream may have and still be interpolated across: 2.5 median intervals, at least 50 ms.

    Parameters
    ----------
    t_ns : ndarray (N,) int64
        Strictly increasing times of the stream.
    """
    if t_ns.size < 2:
        return 50_000_000
    return int(max(2.5 * float(np.median(np.diff(t_ns))), 50_000_000))


def interpolate_onto(t_src: np.ndarray, v_src: np.ndarray, t_dst: np.ndarray) -> np.ndarray:
    """Linear interpolation of a 3-axis stream onto other times, NaN across holes.

    Parameters
    ----------
    t_src : ndarray (M,) int64
        Strictly increasing source times, ns.
    v_src : ndarray (M, 3) float64
        Source values (any unit; returned in the same unit).
    t_dst : ndarray (N,) int64
        Target times, ns (increasing).

    Returns
    -------
    ndarray (N, 3) float64
        Interpolated values; a row is NaN where its two source neighbours are further apart
        than :func:`tolerance_ns`, or where it lies more than half that tolerance outside the
        source's span (then the nearest source value is used if within it).
    """
    out = np.full((t_dst.size, 3), np.nan)
    if t_src.size == 0 or t_dst.size == 0:
        return out
    tol = tolerance_ns(t_src)
    if t_src.size == 1:
        near = np.abs(t_dst - t_src[0]) <= tol // 2
        out[near] = v_src[0]
        return out
    x = (t_dst - t_src[0]).astype(np.float64)
    xp = (t_src - t_src[0]).astype(np.float64)
    for j in range(3):
        out[:, j] = np.interp(x, xp, v_src[:, j])
    pos = np.searchsorted(t_src, t_dst, side="left")
    right = np.clip(pos, 1, t_src.size - 1)
    span = t_src[right] - t_src[right - 1]
    exact = t_src[np.clip(pos, 0, t_src.size - 1)] == t_dst
    inside = (t_dst >= t_src[0]) & (t_dst <= t_src[-1])
    out[inside & (span > tol) & ~exact] = np.nan
    before = t_dst < t_src[0]
    after = t_dst > t_src[-1]
    out[before & (t_src[0] - t_dst > tol // 2)] = np.nan
    out[after & (t_dst - t_src[-1] > tol // 2)] = np.nan
    return out


def drop_repeated_times(t_ns: np.ndarray, where: str, first_line: int = 2) -> tuple[np.ndarray, int]:
    """Rows to keep so that times strictly increase; the occasional repeat is dropped.

    Some phones report a reading twice with the same timestamp (awesome-sensor-logger README,
    "Removing Duplicated Entries"). Such rows, and rows whose time steps back, are dropped if
    they are at most :data:`MAX_REPEATED_SHARE` of the file.

    Parameters
    ----------
    t_ns : ndarray (N,) int64
        Times in file order.
    where : str
        File name for messages.
    first_line : int
        File line of row 0.

    Returns
    -------
    keep : ndarray (N,) bool
    n_dropped : int

    Raises
    ------
    UserError
        When more rows than that go backwards or repeat (file, first such line).
    """
    if t_ns.size == 0:
        return np.ones(0, dtype=bool), 0
    running = np.maximum.accumulate(t_ns)
    keep = np.ones(t_ns.size, dtype=bool)
    keep[1:] = t_ns[1:] > running[:-1]
    n_dropped = int((~keep).sum())
    if n_dropped > MAX_REPEATED_SHARE * t_ns.size:
        bad = int(np.argmin(keep))
        raise UserError(
            f"{where}, line {bad + first_line}: time does not move forward "
            f"({n_dropped:,} of {t_ns.size:,} rows repeat or go back; at most "
            f"{MAX_REPEATED_SHARE:.0%} are tolerated)"
        )
    if n_dropped:
        log.info("%s: dropped %d rows with repeated or backward times", where, n_dropped)
    return keep, n_dropped
