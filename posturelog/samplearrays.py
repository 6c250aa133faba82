"""``SampleArrays``: stored samples as plain numpy arrays (what ``Store.read_arrays`` returns)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["SampleArrays"]


@dataclass(frozen=True)
class SampleArrays:
    """Samples sorted by time, without duplicate times.

    Attributes
    ----------
    t_ns
        int64 UTC ns since the Unix epoch, shape (N,).
    acc_mps2
        Accelerometer, m/s², float64, shape (N, 3).
    gyr_rads
        Gyroscope, rad/s, float64, shape (N, 3); NaN where the sensor has none.
    """

    t_ns: npt.NDArray[np.int64]
    acc_mps2: npt.NDArray[np.float64]
    gyr_rads: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.t_ns.size)

    @classmethod
    def empty(cls) -> SampleArrays:
        """No samples."""
        return cls(np.empty(0, np.int64), np.empty((0, 3)), np.empty((0, 3)))
