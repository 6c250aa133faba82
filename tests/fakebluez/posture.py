"""Scripted sitting posture for the fake sensors: upright stretches and slouches, seeded.

:class:`SlouchScript` is a :class:`~tests.fakebluez.motion.MotionSource` whose trunk
flexion follows key frames (piecewise linear: upright, a ramp down into the slouch, the
slouch held, a ramp back up), plus breathing and sensor noise. The angular rate is the exact
derivative of the flexion, so sensors with a gyroscope (Thingy:52) and without one (micro:bit)
see the same posture. :func:`slouch_script` draws many varied slouches from a seed; the
alert-latency benchmark (``benchmarks/bench_alert_latency.py``) and the fake-BlueZ latency test
use it.

Axes: the sensor's z axis points up when upright; bending forward by ``f`` turns the
specific force to ``g · (sin f, 0, cos f)``. The matching mounting is
``Mounting.from_axes([0, 0, 1], [-1, 0, 0])`` (:data:`MOUNTING_AXES`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tests.fakebluez.motion import MotionSource

__all__ = ["MOUNTING_AXES", "Slouch", "SlouchScript", "slouch_script"]

_G = 9.80665
#: ``(up_sensor, forward_sensor)`` of the mounting that matches the scripted sensor.
MOUNTING_AXES: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0.0, 0.0, 1.0),
                                                                               (-1.0, 0.0, 0.0))


@dataclass(frozen=True)
class Slouch:
    """One scripted slouch.

    Attributes
    ----------
    start_s : float
        Start of the ramp down (seconds from the first sample).
    ramp_s : float
        Duration of the ramp from the upright angle to the slouch angle.
    depth_deg : float
        Flexion held during the slouch.
    hold_s : float
        Seconds the slouch angle is held after the ramp.
    upright_deg : float
        Flexion before (and after) the slouch.
    noise_mps2 : float
        Accelerometer noise SD during this slouch and the upright time before it.
    crossing_s : float
        When the true flexion first exceeds the threshold given to :func:`slouch_script`
        (the "first slouched sample").
    """

    start_s: float
    ramp_s: float
    depth_deg: float
    hold_s: float
    upright_deg: float
    noise_mps2: float
    crossing_s: float

    @property
    def end_s(self) -> float:
        """End of the held slouch (the ramp back up starts here)."""
        return self.start_s + self.ramp_s + self.hold_s


class SlouchScript(MotionSource):
    """Flexion from key frames ``(time_s, flexion_deg)``, breathing and noise.

    Parameters
    ----------
    times_s, flexion_deg : array_like
        Key frames (increasing times); flexion is linear between them and constant after
        the last one.
    noise_knots : (times_s, sd_mps2) or None
        Accelerometer noise SD, linear between the knots; default 0.03 m/s².
    breathing_deg : float
        Amplitude of the 0.25-Hz breathing sway.
    seed : int
    """

    def __init__(self, times_s: np.ndarray, flexion_deg: np.ndarray, *,
                 noise_knots: tuple[np.ndarray, np.ndarray] | None = None,
                 breathing_deg: float = 1.0, seed: int = 3) -> None:
        super().__init__(seed)
        self.times = np.asarray(times_s, dtype=float)
        self.flex = np.radians(np.asarray(flexion_deg, dtype=float))
        self.noise_knots = noise_knots
        self.breathing = np.radians(breathing_deg)
        self.duration_s = float(self.times[-1])

    def flexion_deg(self, t: np.ndarray) -> np.ndarray:
        """True flexion without breathing, degrees."""
        return np.degrees(np.interp(t, self.times, self.flex))

    def samples(self, k0: int, n: int, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
        t = (k0 + np.arange(n, dtype=np.float64)) / rate_hz
        w = 2 * np.pi * 0.25
        flex = np.interp(t, self.times, self.flex) + self.breathing * np.sin(w * t)
        i = np.clip(np.searchsorted(self.times, t, side="right") - 1, 0, self.times.size - 2)
        slope = (self.flex[i + 1] - self.flex[i]) / np.maximum(self.times[i + 1] - self.times[i], 1e-9)
        slope = np.where(t >= self.times[-1], 0.0, slope)
        dflex = slope + self.breathing * w * np.cos(w * t)
        acc = _G * np.stack([np.sin(flex), np.zeros_like(t), np.cos(flex)], axis=1)
        sd = 0.03 if self.noise_knots is None else np.interp(t, *self.noise_knots)[:, None]
        acc += sd * self.noise_rng.standard_normal(acc.shape)
        # a rotation about the sensor's y axis by +f turns (0, 0, 1) into (sin f, 0, cos f):
        # the body-frame rate is -df/dt about y
        gyr = np.stack([np.zeros_like(t), -dflex, np.zeros_like(t)], axis=1)
        gyr += 0.002 * self.noise_rng.standard_normal(gyr.shape)
        return acc, gyr


def slouch_script(n: int, *, hold_s: float, seed: int = 0, threshold_deg: float = 20.0,
                  upright_s: tuple[float, float] = (4.0, 12.0),
                  depth_deg: tuple[float, float] = (25.0, 45.0),
                  ramp_s: tuple[float, float] = (0.2, 3.0),
                  noise_mps2: tuple[float, float] = (0.01, 0.08),
                  lead_s: float = 10.0, tail_s: float = 5.0) -> tuple[SlouchScript, list[Slouch]]:
    """``n`` varied slouches, each held ``hold_s`` after its ramp, with upright time between.

    Parameters
    ----------
    n : int
    hold_s : float
        Seconds each slouch is held (make it longer than the alert delay being measured).
    seed : int
    threshold_deg : float
        Flexion that counts as slouched (for :attr:`Slouch.crossing_s`).
    upright_s, depth_deg, ramp_s, noise_mps2 : (low, high)
        Uniform ranges of the upright time before each slouch, the slouch angle, the ramp
        into it and the accelerometer noise.
    lead_s : float
        Upright seconds before the first slouch's upright time (the filters settle).
    tail_s : float
        Upright seconds after the last slouch.

    Returns
    -------
    script : SlouchScript
    slouches : list of Slouch
    """
    rng = np.random.default_rng(seed)
    times = [0.0]
    flex = [float(rng.uniform(0, 8))]
    noise_t = [0.0]
    noise_v = [0.03]
    out: list[Slouch] = []
    t = lead_s
    for _ in range(n):
        up_deg = float(rng.uniform(0.0, 8.0))
        sd = float(rng.uniform(*noise_mps2))
        noise_t += [t, t + 1e-3]
        noise_v += [noise_v[-1], sd]
        t += float(rng.uniform(*upright_s))
        times += [t - 1.0, t]  # settle on this slouch's upright angle
        flex += [up_deg, up_deg]
        ramp = float(rng.uniform(*ramp_s))
        depth = float(rng.uniform(*depth_deg))
        crossing = t + ramp * (threshold_deg - up_deg) / (depth - up_deg)
        times += [t + ramp, t + ramp + hold_s]
        flex += [depth, depth]
        out.append(Slouch(t, ramp, depth, hold_s, up_deg, sd, crossing))
        t += ramp + hold_s + float(rng.uniform(0.5, 2.0))  # sit back up
        times.append(t)
        flex.append(up_deg)
        t += 1.0
    times.append(t + tail_s)
    flex.append(flex[-1])
    noise_t.append(t + tail_s)
    noise_v.append(noise_v[-1])
    script = SlouchScript(np.array(times), np.array(flex),
                          noise_knots=(np.array(noise_t), np.array(noise_v)), seed=seed + 1)
    return script, out
