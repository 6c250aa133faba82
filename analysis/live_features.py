"""Per-second features of the live stream: the columns, their history ring and the step band.

The live engine (:mod:`analysis.live`) reduces each completed second to one row of
:data:`FEATURES`, as :func:`analysis.epochs.second_features` does for the report, and keeps
the last rows in a :class:`Ring` for the wear and context rules (:mod:`analysis.live_rules`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import signal

__all__ = ["COL", "FEATURES", "Ring", "StepBand", "feature_row"]

#: Per-second feature columns kept in the history ring (order = ring array columns).
FEATURES: tuple[str, ...] = (
    "n_samples",
    *(f"acc_{k}_{a}" for k in ("mean", "sd", "min", "max") for a in "xyz"),
    *(f"gyr_{k}_{a}" for k in ("mean", "sd") for a in "xyz"),
    "step_power",
    "inclination_deg",
)
#: Column index of each feature.
COL: dict[str, int] = {name: i for i, name in enumerate(FEATURES)}


def feature_row(acc: NDArray[np.float64], gyr: NDArray[np.float64] | None,
                band: NDArray[np.float64]) -> NDArray[np.float64]:
    """One row of :data:`FEATURES` for a second's samples (``inclination_deg`` left NaN).

    Parameters
    ----------
    acc : ndarray, shape (n, 3)
        m/s².
    gyr : ndarray, shape (n, 3), or None
        rad/s.
    band : ndarray, shape (n,)
        Step-band-passed |acc| (:class:`StepBand`).

    Returns
    -------
    ndarray, shape (len(FEATURES),)
    """
    row = np.full(len(FEATURES), np.nan)
    row[COL["n_samples"]] = acc.shape[0]
    for i, ax in enumerate("xyz"):
        x = acc[:, i]
        row[COL[f"acc_mean_{ax}"]] = x.mean()
        row[COL[f"acc_sd_{ax}"]] = x.std()
        row[COL[f"acc_min_{ax}"]] = x.min()
        row[COL[f"acc_max_{ax}"]] = x.max()
        if gyr is not None:
            row[COL[f"gyr_mean_{ax}"]] = gyr[:, i].mean()
            row[COL[f"gyr_sd_{ax}"]] = gyr[:, i].std()
    row[COL["step_power"]] = float(np.mean(band * band))
    return row


class StepBand:
    """Causal 1.5–2.5 Hz band-pass of |acc|, applied twice (|H|², like the report's filtfilt).

    Parameters
    ----------
    fs_hz : float
    band : (float, float)
        Pass band, Hz (the upper edge is capped at 0.45 × ``fs_hz``).
    """

    def __init__(self, fs_hz: float, band: tuple[float, float]) -> None:
        hi = min(band[1], 0.45 * fs_hz)
        if hi <= band[0]:
            raise ValueError(f"sampling rate {fs_hz} Hz is too low for the step band {band}")
        self.sos = signal.butter(2, [band[0], hi], btype="band", fs=fs_hz, output="sos")
        self._zi0 = signal.sosfilt_zi(self.sos)
        self.z1: NDArray[np.float64] | None = None
        self.z2: NDArray[np.float64] | None = None

    def reset(self) -> None:
        """Restart (after a gap)."""
        self.z1 = self.z2 = None

    def __call__(self, mag: NDArray[np.float64]) -> NDArray[np.float64]:
        if mag.size == 0:
            return mag
        if self.z1 is None or self.z2 is None:
            # start in the steady state of the first value (no step transient)
            self.z1 = self._zi0 * mag[0]
            self.z2 = self._zi0 * 0.0
        y, self.z1 = signal.sosfilt(self.sos, mag, zi=self.z1)
        y, self.z2 = signal.sosfilt(self.sos, y, zi=self.z2)
        return np.asarray(y)


class Ring:
    """The last ``size`` rows of per-second features (amortised O(1) append).

    Parameters
    ----------
    size : int
        Rows kept.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.sec = np.zeros(2 * size, dtype=np.int64)
        self.data = np.full((2 * size, len(FEATURES)), np.nan)
        self.n = 0

    def append(self, sec: int, row: NDArray[np.float64]) -> None:
        """Add the row of second ``sec``."""
        if self.n == self.sec.size:
            keep = self.size - 1
            self.sec[:keep] = self.sec[self.n - keep:self.n]
            self.data[:keep] = self.data[self.n - keep:self.n]
            self.n = keep
        self.sec[self.n] = sec
        self.data[self.n] = row
        self.n += 1

    def view(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Seconds and rows currently kept (at most ``size``, oldest first)."""
        lo = max(self.n - self.size, 0)
        return self.sec[lo:self.n], self.data[lo:self.n]
