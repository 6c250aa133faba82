"""The unit of data every source yields: a batch of timed IMU samples in SI units."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["SampleBatch", "SourceInfo"]


@dataclass(frozen=True)
class SampleBatch:
    """A contiguous run of IMU samples.

    Attributes
    ----------
    t_ns : ndarray, shape (N,), int64
        Sample times, nanoseconds since the Unix epoch (UTC), strictly increasing.
    acc_mps2 : ndarray, shape (N, 3), float64
        Specific force in the sensor frame, m/s² (a sensor at rest reads +9.81 on the axis
        pointing up).
    gyr_rads : ndarray, shape (N, 3), float64, or None
        Angular rate in the sensor frame, rad/s; ``None`` for accelerometer-only sensors.
    gap_before : bool
        True when samples were lost between the previous batch and this one (link loss,
        dropped notifications); the recorder stores the gap in the session record.
    """

    t_ns: np.ndarray
    acc_mps2: np.ndarray
    gyr_rads: np.ndarray | None = None
    gap_before: bool = False

    def __post_init__(self) -> None:
        t = np.asarray(self.t_ns)
        acc = np.asarray(self.acc_mps2)
        if t.ndim != 1:
            raise ValueError(f"t_ns must be 1-D, got shape {t.shape}")
        if t.dtype != np.int64:
            raise ValueError(f"t_ns must be int64 nanoseconds, got {t.dtype}")
        if acc.shape != (t.size, 3):
            raise ValueError(f"acc_mps2 must have shape ({t.size}, 3), got {acc.shape}")
        if self.gyr_rads is not None and np.shape(self.gyr_rads) != (t.size, 3):
            raise ValueError(
                f"gyr_rads must have shape ({t.size}, 3) or be None, got {np.shape(self.gyr_rads)}"
            )
        if t.size > 1 and not bool(np.all(np.diff(t) > 0)):
            raise ValueError("t_ns must be strictly increasing within a batch")

    def __len__(self) -> int:
        return int(self.t_ns.size)

    @property
    def has_gyroscope(self) -> bool:
        """Whether the batch carries angular rate."""
        return self.gyr_rads is not None


@dataclass
class SourceInfo:
    """What a source knows about the device it streams from (stored with the session).

    Attributes
    ----------
    model, address, name, firmware : str
        The device.
    battery_pct : int or None
        Battery level, percent.
    rate_hz : float
        The rate the samples are timed at, Hz (what the sensor confirmed, where it can say).
    has_gyroscope : bool
        Whether batches carry angular rate.
    extra : dict of str to str
        Anything else: ``model_number``; from the BLE client ``rate_confirmed``
        (``yes``/``no``/``unknown``) and, when the sensor did not take the requested rate,
        ``rate_requested_hz`` and ``rate_note`` (one sentence; the recorder keeps it with the
        session); simulator parameters for the simulated wearer.
    up_axis : str
        How the sensor is worn: the device axis pointing toward the head when the wearer
        stands (``"+y"``; :mod:`analysis.upaxis`), ``""`` when unknown. Stored with the
        session.
    """

    model: str
    address: str = ""
    name: str = ""
    firmware: str = ""
    battery_pct: int | None = None
    rate_hz: float = 50.0
    has_gyroscope: bool = True
    extra: dict[str, str] = field(default_factory=dict)
    up_axis: str = ""
