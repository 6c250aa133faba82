"""Re-attachment: was the sensor put back on differently across a non-wear period?"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from analysis.calibration._common import (
    FloatArray,
    angle_deg,
    check_rate,
    check_up,
    mean_direction,
)

__all__ = ["detect_reattachment"]


def detect_reattachment(
    up: ArrayLike,
    worn: ArrayLike,
    fs_hz: float,
    *,
    walking: ArrayLike | None = None,
    threshold_deg: float = 20.0,
    window_s: float = 120.0,
    min_nonwear_s: float = 60.0,
) -> list[int]:
    """Indices where the sensor was re-attached with a different mounting.

    For every non-wear period of at least ``min_nonwear_s`` between two worn periods, the
    typical up direction just before and just after is compared: the mean over walking samples
    in the ``window_s`` next to the gap when ``walking`` is given and there are some, otherwise
    the median direction over all worn samples in that window. A change larger than
    ``threshold_deg`` means a new mounting is needed from the first worn sample after the
    gap.

    Parameters
    ----------
    up : array_like, shape (N, 3)
    worn : array_like of bool, shape (N,)
    fs_hz : float
    walking : array_like of bool, shape (N,), optional
    threshold_deg, window_s, min_nonwear_s : float

    Returns
    -------
    list of int
        First worn sample index after each re-attachment.
    """
    u = check_up(up)
    fs = check_rate(fs_hz)
    w = np.asarray(worn, dtype=bool)
    if w.shape != (u.shape[0],):
        raise ValueError(f"worn must have shape ({u.shape[0]},), got {w.shape}")
    wk = None if walking is None else np.asarray(walking, dtype=bool)
    if wk is not None and wk.shape != w.shape:
        raise ValueError(f"walking must have shape {w.shape}, got {wk.shape}")
    good = w & np.isfinite(u).all(axis=1)
    d = np.diff(w.astype(np.int8), prepend=0, append=0)
    wear_starts, wear_stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    win = max(1, round(window_s * fs))
    out: list[int] = []

    def typical(lo: int, hi: int) -> FloatArray | None:
        sel = np.arange(lo, hi)
        sel = sel[good[lo:hi]]
        if sel.size == 0:
            return None
        if wk is not None and wk[sel].sum() >= round(5 * fs):
            return mean_direction(u[sel[wk[sel]]])
        m = np.median(u[sel], axis=0)
        n = float(np.linalg.norm(m))
        return None if n == 0 else np.asarray(m / n)

    for i in range(1, wear_starts.size):
        gap = wear_starts[i] - wear_stops[i - 1]
        if gap < min_nonwear_s * fs:
            continue
        before = typical(max(wear_starts[i - 1], wear_stops[i - 1] - win), wear_stops[i - 1])
        after = typical(wear_starts[i], min(wear_stops[i], wear_starts[i] + win))
        if before is None or after is None:
            continue
        if float(angle_deg(before[None, :], after[None, :])[0]) > threshold_deg:
            out.append(int(wear_starts[i]))
    return out
