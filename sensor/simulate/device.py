"""The simulated IMU itself: its drifting clock, gyroscope bias, white noise, quantisation, link.

The sensor samples with true period ``(1 + clock_drift_ppm·1e-6) / fs_hz`` from local midnight
of ``start_date``; the gyroscope bias is a bounded, slowly varying quasi-random walk in absolute
time (continuous across days); accelerometer and gyroscope get white noise and, optionally,
16-bit quantisation with saturation (±16 g, ±2000 °/s); link losses drop runs of samples.
What the sensor is attached to, and how it moves, is :mod:`~sensor.simulate.synthesis`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from sensor.simulate.settings import SimulationSettings
from vocab.units import NS_PER_S

__all__ = ["SimulatedSensor", "draw_link_gaps"]

FloatArray = NDArray[np.float64]
NsArray = NDArray[np.int64]

_ACC_LSB_MPS2 = 16.0 * 9.80665 / 32768.0
_GYR_LSB_RADS = math.radians(2000.0 / 32768.0)
_HOUR_S = 3600.0
_BIAS_GRID_S = 10.0


class SimulatedSensor:
    """The sensor's clock and errors, fixed for the whole simulation.

    Parameters
    ----------
    settings : SimulationSettings
        ``fs_hz``, ``clock_drift_ppm``, ``gyr_bias_rads``, the noise levels and ``quantize``.
    t0_ns : int
        UTC ns of sample 0 (local midnight of ``start_date``).
    rng : numpy Generator
        The device's own stream; the gyroscope-bias walk is drawn from it here.
    """

    def __init__(self, settings: SimulationSettings, t0_ns: int, rng: np.random.Generator) -> None:
        self.settings = settings
        self.t0_ns = t0_ns
        self.period_ns = NS_PER_S * (1.0 + settings.clock_drift_ppm * 1e-6) / settings.fs_hz
        self._bias_offset = rng.uniform(-1.0, 1.0, 3)
        self._bias_amp = rng.uniform(0.1, 0.35, (4, 3))
        self._bias_period_s = rng.uniform(0.5, 8.0, (4, 3)) * _HOUR_S
        self._bias_phase = rng.uniform(0.0, 2.0 * math.pi, (4, 3))

    # -- clock -----------------------------------------------------------------------------------

    @property
    def true_rate_hz(self) -> float:
        """The sensor's true sample rate, Hz (nominal rate corrected by the clock drift)."""
        return NS_PER_S / self.period_ns

    def sample_times(self, n: NsArray) -> NsArray:
        """True UTC ns of sample indices ``n`` (any shape)."""
        times: NsArray = self.t0_ns + np.rint(n * self.period_ns).astype(np.int64)
        return times

    def first_sample_at_or_after(self, t_ns: int) -> int:
        """Index of the first sample taken at or after UTC ns ``t_ns`` (0 at the earliest)."""
        n = max(int(math.ceil((t_ns - self.t0_ns) / self.period_ns)), 0)
        while n > 0 and int(self.sample_times(np.array([n - 1]))[0]) >= t_ns:
            n -= 1
        while int(self.sample_times(np.array([n]))[0]) < t_ns:
            n += 1
        return n

    def sample_span(self, start_ns: int, end_ns: int) -> tuple[int, int]:
        """Sample indices ``[first, end)`` taken in ``[start_ns, end_ns)`` (UTC ns)."""
        return self.first_sample_at_or_after(start_ns), self.first_sample_at_or_after(end_ns)

    # -- errors ----------------------------------------------------------------------------------

    def gyroscope_bias(self, t_ns: NsArray) -> FloatArray:
        """True gyroscope bias at UTC times ``t_ns`` (N,), rad/s, shape (N, 3).

        A bounded, slowly varying quasi-random walk defined in absolute time (continuous across
        days), within ±2·``gyr_bias_rads`` per axis.
        """
        t = (np.asarray(t_ns, dtype=np.int64) - self.t0_ns).astype(np.float64) * 1e-9
        out = np.empty((t.size, 3))
        if t.size == 0:
            return out
        # exact on an absolute 10-s grid, linear in between (the bias changes over hours)
        k0 = math.floor(float(t.min()) / _BIAS_GRID_S)
        k1 = math.ceil(float(t.max()) / _BIAS_GRID_S)
        grid = np.arange(k0, k1 + 1, dtype=np.float64) * _BIAS_GRID_S
        arg = 2.0 * np.pi * grid[:, None, None] / self._bias_period_s + self._bias_phase
        unit = np.clip(self._bias_offset + np.sum(self._bias_amp * np.sin(arg), axis=1), -2.0, 2.0)
        for axis in range(3):
            out[:, axis] = np.interp(t, grid, unit[:, axis])
        bias: FloatArray = self.settings.gyr_bias_rads * out
        return bias

    def measure(self, acc: FloatArray, gyr: FloatArray, acc_bias: FloatArray, t_ns: NsArray,
                noise_rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        """What the sensor reports for true specific force and angular rate.

        Parameters
        ----------
        acc : ndarray, shape (M, 3)
            True specific force in the sensor frame, m/s² (changed in place).
        gyr : ndarray, shape (M, 3)
            True angular rate in the sensor frame, rad/s (changed in place).
        acc_bias : ndarray, shape (M, 3)
            Accelerometer bias of each sample's attachment, m/s².
        t_ns : ndarray of int64, shape (M,)
            True UTC sample times (for the gyroscope bias).
        noise_rng : numpy Generator
            White noise, accelerometer first.

        Returns
        -------
        acc_mps2, gyr_rads : ndarray, shape (M, 3)
            With bias, white noise and (with ``quantize``) 16-bit quantisation.
        """
        s = self.settings
        m = t_ns.size
        acc += acc_bias + noise_rng.normal(0.0, s.acc_noise_mps2, (m, 3))
        gyr += self.gyroscope_bias(t_ns) + noise_rng.normal(0.0, s.gyr_noise_rads, (m, 3))
        if s.quantize:
            acc = np.clip(np.rint(acc / _ACC_LSB_MPS2), -32768, 32767) * _ACC_LSB_MPS2
            gyr = np.clip(np.rint(gyr / _GYR_LSB_RADS), -32768, 32767) * _GYR_LSB_RADS
        return acc, gyr


def draw_link_gaps(rng: np.random.Generator, rate_hz: float, n_first: int,
                   n_end: int) -> list[tuple[int, int]]:
    """1–3 link losses of 3–60 s among samples ``n_first .. n_end−1``, merged where they meet.

    Parameters
    ----------
    rng : numpy Generator
        The day's link stream.
    rate_hz : float
        True sample rate, Hz.
    n_first, n_end : int
        The day's sample indices ``[n_first, n_end)``.

    Returns
    -------
    list of (int, int)
        Lost sample-index ranges ``[a, b)``, sorted and disjoint.
    """
    n = n_end - n_first
    out: list[tuple[int, int]] = []
    for _ in range(int(rng.integers(1, 4))):
        a = n_first + int(rng.uniform(0.05, 0.95) * n)
        b = a + max(int(rng.uniform(3.0, 60.0) * rate_hz), 1)
        out.append((a, min(b, n_end - 1)))
    out.sort()
    merged: list[tuple[int, int]] = []
    for a, b in out:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged
