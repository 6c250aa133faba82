"""Motion the fake sensors stream: an analytic wearer-like model (:class:`MotionSource`) and
simulated wearer data (:class:`SimulatedMotion`, from :mod:`sensor.simulate`).

A source gives the specific force and angular rate of any run of samples at any rate, as a
function of time, so a peripheral that changes rate or reconnects stays consistent.
:class:`tests.fakebluez.posture.SlouchScript` is a scripted source for the alert tests.
"""

from __future__ import annotations

import numpy as np

from sensor.simulate import SimulatedWearer, SimulationSettings

__all__ = ["MotionSource", "SimulatedMotion"]

_G = 9.80665


class MotionSource:
    """Deterministic wearer-like motion: slow trunk flexion, breathing sway, walking bouts.

    ``samples(k0, n, rate_hz)`` returns the specific force (m/s²) and angular rate (rad/s) of
    samples ``k0 … k0+n-1`` at ``rate_hz``, as functions of time, so any rate and any restart
    point give consistent data. An analytic model; :class:`SimulatedMotion` uses the simulator.
    """

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.phase = rng.uniform(0, 2 * np.pi, size=6)
        self.noise_rng = np.random.default_rng(seed + 1)

    def samples(self, k0: int, n: int, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
        t = (k0 + np.arange(n, dtype=np.float64)) / rate_hz
        p = self.phase
        # flexion angle (rad): slow posture changes plus breathing
        flex = 0.35 * np.sin(2 * np.pi * t / 47.0 + p[0]) + 0.02 * np.sin(2 * np.pi * 0.25 * t + p[1])
        lat = 0.10 * np.sin(2 * np.pi * t / 31.0 + p[2])
        walking = (np.sin(2 * np.pi * t / 60.0 + p[3]) > 0.6).astype(np.float64)
        bounce = walking * 1.5 * np.sin(2 * np.pi * 1.9 * t + p[4])
        up = np.stack([np.sin(flex), np.sin(lat) * np.cos(flex), np.cos(lat) * np.cos(flex)], axis=1)
        acc = _G * up
        acc[:, 2] += bounce
        acc += 0.02 * self.noise_rng.standard_normal(acc.shape)
        dflex = 0.35 * 2 * np.pi / 47.0 * np.cos(2 * np.pi * t / 47.0 + p[0])
        dlat = 0.10 * 2 * np.pi / 31.0 * np.cos(2 * np.pi * t / 31.0 + p[2])
        gyr = np.stack([dlat, dflex, walking * 0.3 * np.sin(2 * np.pi * 0.95 * t + p[5])], axis=1)
        gyr += 0.005 * self.noise_rng.standard_normal(gyr.shape)
        return acc, gyr


class SimulatedMotion(MotionSource):
    """Motion from :class:`sensor.simulate.SimulatedWearer`: ``span_s`` of worn time on day 0,
    simulated once at 10 Hz, interpolated to any rate and looped.

    A simulator that fails raises here: there is no silent fallback to the analytic model.
    """

    def __init__(self, seed: int = 0, span_s: float = 900.0) -> None:
        super().__init__(seed)
        self._window = _simulated_window(seed, span_s)

    def samples(self, k0: int, n: int, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
        acc, gyr = self._window
        m = acc.shape[0]
        x = ((k0 + np.arange(n, dtype=np.float64)) * (_SIM_FS / rate_hz)) % (m - 1)
        i = x.astype(np.int64)
        f = (x - i)[:, None]
        return acc[i] * (1 - f) + acc[i + 1] * f, gyr[i] * (1 - f) + gyr[i + 1] * f


_SIM_FS = 10.0
_SIM_CACHE: dict[tuple[int, float], tuple[np.ndarray, np.ndarray]] = {}


def _simulated_window(seed: int, span_s: float) -> tuple[np.ndarray, np.ndarray]:
    """``span_s`` seconds of worn data from the simulator (cached per process).

    Raises
    ------
    ValueError
        If the simulator gives fewer than 10 worn samples or non-finite values; errors of the
        simulator itself propagate unchanged.
    """
    key = (seed, span_s)
    if key in _SIM_CACHE:
        return _SIM_CACHE[key]
    day = SimulatedWearer(SimulationSettings(fs_hz=_SIM_FS, days=1, seed=seed)).day(0)
    worn = np.flatnonzero(np.asarray(day.worn))
    start = int(worn[0]) if worn.size else 0
    stop = start + int(span_s * _SIM_FS)
    acc = np.asarray(day.acc_mps2[start:stop], dtype=np.float64)
    gyr = np.asarray(day.gyr_rads[start:stop], dtype=np.float64)
    if acc.shape[0] < 10 or not (np.all(np.isfinite(acc)) and np.all(np.isfinite(gyr))):
        raise ValueError(
            f"simulator gave {acc.shape[0]} worn samples (seed {seed}), or non-finite values; "
            "need at least 10 finite ones"
        )
    # keep within ±1.9 g so that every format (Polar ±2 g) can carry it unclipped
    _SIM_CACHE[key] = (np.clip(acc, -1.9 * _G, 1.9 * _G), gyr)
    return _SIM_CACHE[key]
