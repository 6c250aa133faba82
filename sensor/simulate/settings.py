"""Settings of the simulated wearer (validated on construction)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

__all__ = ["SimulationSettings"]


@dataclass(frozen=True)
class SimulationSettings:
    """Parameters of the simulated wearer.

    Attributes
    ----------
    seed : int
        Non-negative seed; everything is deterministic given the settings.
    days : int
        Number of local days simulated (``1..10000``).
    fs_hz : float
        Nominal sample rate, Hz.
    start_date : datetime.date
        First local day (default a Monday).
    timezone : str
        IANA time zone of the wearer; days are local days in it.
    clock_drift_ppm : float
        Sensor clock error: the true sample period is ``(1 + ppm·1e-6) / fs_hz``.
    acc_noise_mps2 : float
        Accelerometer white-noise standard deviation per axis, m/s².
    gyr_noise_rads : float
        Gyroscope white-noise standard deviation per axis, rad/s.
    gyr_bias_rads : float
        Scale of the slowly varying gyroscope bias per axis, rad/s (bias stays within ±2×).
    acc_bias_mps2 : float
        Standard deviation of the constant accelerometer bias drawn at each attachment, m/s².
    quantize : bool
        Round to 16-bit steps of ±16 g and ±2000 °/s ranges.
    calibration_routine : bool
        Whether the wearer performs "stand tall, bend forward" routines after attaching.
    routine_probability : float
        Probability of a routine after the morning attachment (half of it after the shower).
    night_wear_probability : float
        Probability of keeping the sensor on in bed for a night.
    link_gaps : bool
        Drop 1–3 short runs of samples per day (BLE link loss).
    slouch_propensity : float
        Scales the fraction of desk time spent slouched (per-day fraction 10–45 % × this).
    pain_slouch_gain : float
        Pain points per hour of slouch in the 3 h before a rating.
    chunk_samples : int
        Samples synthesised per vectorised chunk (memory/speed trade-off). The white-noise
        draws follow the chunking, so keep it fixed when comparing runs sample by sample.
    feedback_alert_after_s : float or None
        Live alerts on: a desk slouch that has lasted this long (seconds, from the end of its
        transition in) is alerted, and the wearer reacts (below). None (default): no alerts,
        and the output is exactly that of a simulation without this option.
    feedback_react_probability : float
        Probability that the wearer straightens up after an alert (else the slouch runs on).
    feedback_delay_s : tuple of float
        The reaction delay after the alert is uniform in this range, seconds.
    stretching : bool
        Stretch sessions (:mod:`sensor.simulate.stretching`): after the morning routine, after
        lunch and after the evening shower, with probabilities 0.8, 0.6 and 0.9, a prompted
        routine done well or badly, logged as a ``stretch`` remedy with the note
        ``posturelog stretch`` writes, with a pain rating asked before and after. False
        (default): the output is exactly that of a simulation without this option.
    stretch_good_probability : float
        Probability that a session is done well (else with one of the routine's faults).
    """

    seed: int = 0
    days: int = 7
    fs_hz: float = 50.0
    start_date: dt.date = dt.date(2026, 11, 16)
    timezone: str = "Europe/London"
    clock_drift_ppm: float = 25.0
    acc_noise_mps2: float = 0.03
    gyr_noise_rads: float = 0.005
    gyr_bias_rads: float = math.radians(1.0)
    acc_bias_mps2: float = 0.05
    quantize: bool = True
    calibration_routine: bool = True
    routine_probability: float = 0.85
    night_wear_probability: float = 0.3
    link_gaps: bool = True
    slouch_propensity: float = 1.0
    pain_slouch_gain: float = 1.5
    chunk_samples: int = 1 << 18
    feedback_alert_after_s: float | None = None
    feedback_react_probability: float = 0.8
    feedback_delay_s: tuple[float, float] = (2.0, 15.0)
    stretching: bool = False
    stretch_good_probability: float = 0.7

    def __post_init__(self) -> None:
        self._check_run()
        self._check_sensor()
        self._check_wearer()
        self._check_feedback()
        if not 0.0 <= self.stretch_good_probability <= 1.0:
            raise ValueError(
                f"stretch_good_probability must be in [0, 1], got {self.stretch_good_probability}")

    def _check_run(self) -> None:
        """Seed, length, chunking, start date and zone."""
        if not isinstance(self.seed, int | np.integer) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not 1 <= self.days <= 10000:
            raise ValueError(f"days must be in 1..10000, got {self.days}")
        if self.chunk_samples < 1024:
            raise ValueError(f"chunk_samples must be >= 1024, got {self.chunk_samples}")
        if not isinstance(self.start_date, dt.date) or isinstance(self.start_date, dt.datetime):
            raise ValueError(f"start_date must be a datetime.date, got {self.start_date!r}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {self.timezone!r}") from exc

    def _check_sensor(self) -> None:
        """Rate, clock drift, noise and bias."""
        if not (math.isfinite(self.fs_hz) and 0.5 <= self.fs_hz <= 2000.0):
            raise ValueError(f"fs_hz must be in [0.5, 2000] Hz, got {self.fs_hz}")
        if not (math.isfinite(self.clock_drift_ppm) and abs(self.clock_drift_ppm) < 10000.0):
            raise ValueError(
                f"clock_drift_ppm must be finite and |ppm| < 1e4, got {self.clock_drift_ppm}"
            )
        for name in ("acc_noise_mps2", "gyr_noise_rads", "gyr_bias_rads", "acc_bias_mps2"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise ValueError(f"{name} must be finite and >= 0, got {value}")

    def _check_wearer(self) -> None:
        """Probabilities, slouch propensity and the pain model's gain."""
        for name in ("routine_probability", "night_wear_probability"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1], got {value}")
        if not (math.isfinite(self.slouch_propensity) and 0.0 <= self.slouch_propensity <= 2.0):
            raise ValueError(f"slouch_propensity must be in [0, 2], got {self.slouch_propensity}")
        if not (math.isfinite(self.pain_slouch_gain) and self.pain_slouch_gain >= 0.0):
            raise ValueError(
                f"pain_slouch_gain must be finite and >= 0, got {self.pain_slouch_gain}"
            )

    def _check_feedback(self) -> None:
        """The simulated wearer's reaction to slouch alerts."""
        if self.feedback_alert_after_s is not None and not (
                math.isfinite(self.feedback_alert_after_s) and 1.0 <= self.feedback_alert_after_s <= 3600.0):
            raise ValueError(f"feedback_alert_after_s must be 1–3600 s or None, got {self.feedback_alert_after_s}")
        if not 0.0 <= self.feedback_react_probability <= 1.0:
            raise ValueError(
                f"feedback_react_probability must be in [0, 1], got {self.feedback_react_probability}")
        lo, hi = self.feedback_delay_s
        if not (math.isfinite(lo) and math.isfinite(hi) and 0.0 <= lo <= hi <= 600.0):
            raise ValueError(f"feedback_delay_s must be 0 <= lo <= hi <= 600 s, got {self.feedback_delay_s}")
