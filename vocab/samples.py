"""Stored sample columns and the sample rate of a time series."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vocab.units import NS_PER_S

__all__ = ["ACC_COLUMNS", "GYR_COLUMNS", "SAMPLE_COLUMNS", "rate_from_times"]

ACC_COLUMNS: tuple[str, ...] = ("acc_x", "acc_y", "acc_z")
"""Accelerometer columns, m/s² (stored files, CSV import/export, DataFrames)."""
GYR_COLUMNS: tuple[str, ...] = ("gyr_x", "gyr_y", "gyr_z")
"""Gyroscope columns, rad/s."""
SAMPLE_COLUMNS: tuple[str, ...] = ACC_COLUMNS + GYR_COLUMNS
"""Every sample column, accelerometer first."""


def rate_from_times(t_ns: npt.ArrayLike) -> float:
    """Sample rate in Hz from the median interval of ascending UTC ns times.

    Returns 0.0 when there are fewer than two samples or no positive interval.
    """
    t = np.asarray(t_ns, dtype=np.int64)
    if t.size < 2:
        return 0.0
    step = float(np.median(np.diff(t)))
    return NS_PER_S / step if step > 0 else 0.0
