"""Public entry point: :func:`gravity_direction` for a whole recording."""

from __future__ import annotations

from numpy.typing import ArrayLike

from analysis.tilt._arrays import FloatArray, check_inputs, check_rate
from analysis.tilt.causal import TiltFilter
from analysis.tilt.offline import offline_gravity_direction
from analysis.tilt.settings import TiltSettings

__all__ = ["gravity_direction"]


def gravity_direction(
    acc_mps2: ArrayLike,
    gyr_rads: ArrayLike | None,
    fs_hz: float,
    *,
    causal: bool = True,
    settings: TiltSettings | None = None,
) -> FloatArray:
    """Unit vector pointing up (opposite to gravity) in the sensor frame, per sample.

    Parameters
    ----------
    acc_mps2 : array_like, shape (N, 3)
        Accelerometer, m/s² (specific force; a sensor at rest reads +9.81 along up).
    gyr_rads : array_like, shape (N, 3), or None
        Gyroscope, rad/s; None for accelerometer-only sensors.
    fs_hz : float
        Sampling rate, Hz (finite, positive).
    causal : bool
        True: only past and current samples are used (same as :class:`TiltFilter`).
        False: the whole recording is used (zero-phase low-pass, interpolated bias).
    settings : TiltSettings, optional

    Returns
    -------
    ndarray, shape (N, 3), float64
        Unit up vectors; NaN rows where the input row has a non-finite value (gaps), after
        which the filter restarts.

    Raises
    ------
    ValueError
        Bad shapes, mismatched lengths, non-numeric data, or a non-finite / non-positive rate.
    """
    fs = check_rate(fs_hz)
    acc, gyr = check_inputs(acc_mps2, gyr_rads)
    settings = settings if settings is not None else TiltSettings()
    if not isinstance(settings, TiltSettings):
        raise ValueError(f"settings must be a TiltSettings, got {type(settings).__name__}")
    if causal:
        return TiltFilter(fs, with_gyroscope=gyr is not None, settings=settings).update(acc, gyr)
    return offline_gravity_direction(acc, gyr, fs, settings)
