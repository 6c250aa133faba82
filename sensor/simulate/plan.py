"""A day's plan: what the wearer does when, with no per-sample work.

:class:`Plan` is the output of the schedule (:mod:`sensor.simulate.schedule`) and the input of
signal synthesis (:mod:`sensor.simulate.synthesis`) and the pain model
(:mod:`sensor.simulate.pain`). Times are seconds from the day's local midnight; segment bounds
use ``±FAR_S`` for "before/after the day".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from sensor.simulate.mounting import draw_mount, draw_static_pose
from sensor.simulate.stretching import StretchSession
from sensor.simulate.timebase import local_ns

__all__ = [
    "FAR_S",
    "MODE_BODY",
    "MODE_HANDLING",
    "MODE_STATIC",
    "Night",
    "Plan",
    "Segment",
    "draw_night",
]

FloatArray = NDArray[np.float64]

FAR_S = 1.0e7
""""Minus/plus infinity" for segment bounds, s."""

MODE_BODY, MODE_STATIC, MODE_HANDLING = 0, 1, 2
"""How the sensor moves in a segment: with the trunk, lying still, or in the hand."""


@dataclass
class Segment:
    """A stretch of one activity.

    Attributes
    ----------
    start_s, end_s : float
        Bounds, s from local midnight (segments tile the day).
    kind : str
        Activity name (``desk``, ``walk``, ``nightstand`` ...).
    context : int
        Context code (:data:`sensor.simulate.truth.CONTEXTS`).
    worn : bool
        Sensor on the body.
    mode : int
        :data:`MODE_BODY`, :data:`MODE_STATIC` or :data:`MODE_HANDLING`.
    pose : ndarray, shape (4,), or None
        Sensor → world quaternion while static.
    """

    start_s: float
    end_s: float
    kind: str
    context: int
    worn: bool
    mode: int = MODE_BODY
    pose: FloatArray | None = None


@dataclass
class Night:
    """The night before local day ``index``; times relative to that day's local midnight.

    ``holds`` are in-bed postures ``(t0, t1, flexion, lateral, axial)`` (s, s, deg, deg, deg)
    used when the sensor is worn in bed.
    """

    bed_s: float
    wake_s: float
    worn: bool
    mount_q: FloatArray
    acc_bias: FloatArray
    table_q: FloatArray
    bed_yaw_deg: float
    holds: list[tuple[float, float, float, float, float]]


@dataclass
class Plan:
    """One local day's schedule, postures, walking bouts, slouch episodes and routines.

    Attributes
    ----------
    key_t : ndarray, shape (K,)
        Posture key times, s.
    key_v : ndarray, shape (K, 5)
        Flexion, lateral, axial, heading (deg) and noise gain at the keys.
    mounts : list of (float, ndarray (4,), ndarray (3,))
        ``(start_s, body → sensor quaternion, accelerometer bias m/s²)``.
    bouts : ndarray, shape (B, 10)
        Walking bouts: t0, t1, step frequency, vertical / antero-posterior / medio-lateral
        acceleration amplitudes, flexion / lateral / axial sway amplitudes, phase.
    episodes, routines : list of (float, float)
        Intended slouch episodes and calibration routines, s.
    reactions : list of (float, bool)
        With live alerts simulated: each alert's time (s) and whether the wearer straightened.
    stretches : list of StretchSession
        With ``stretching``: the day's stretch sessions and their truth.
    """

    index: int
    date: dt.date
    day_start_ns: int
    day_end_ns: int
    length_s: float
    wake_s: float
    bed_s: float
    key_t: FloatArray
    key_v: FloatArray
    segments: list[Segment]
    mounts: list[tuple[float, FloatArray, FloatArray]]
    bouts: FloatArray
    episodes: list[tuple[float, float]]
    routines: list[tuple[float, float]]
    reactions: list[tuple[float, bool]] = field(default_factory=list)
    stretches: list[StretchSession] = field(default_factory=list)


def draw_night(
    rng: np.random.Generator,
    tz: ZoneInfo,
    date: dt.date,
    night_wear_probability: float,
    acc_bias_mps2: float,
) -> Night:
    """The night that ends on the morning of ``date``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The night's own stream.
    tz : zoneinfo.ZoneInfo
        The wearer's zone.
    date : datetime.date
        The local day the night ends on.
    night_wear_probability : float
        Probability of keeping the sensor on in bed.
    acc_bias_mps2 : float
        Accelerometer bias scale for the mounting drawn for the next attachment, m/s².
    """
    start = local_ns(tz, date, 0.0)
    bed_s = (local_ns(tz, date - dt.timedelta(days=1), rng.uniform(22.25, 23.75)) - start) * 1e-9
    wake_h = rng.uniform(7.3, 9.0) if date.weekday() >= 5 else rng.uniform(6.3, 7.5)
    wake_s = (local_ns(tz, date, wake_h) - start) * 1e-9
    worn = bool(rng.random() < night_wear_probability)
    mount_q, acc_bias = draw_mount(rng, acc_bias_mps2)
    table_q = draw_static_pose(rng)
    bed_yaw = float(rng.uniform(-180.0, 180.0))
    holds: list[tuple[float, float, float, float, float]] = []
    t = bed_s + rng.uniform(4.0, 8.0)
    axial = float(rng.choice((0.0, 90.0, -90.0)))
    while t < wake_s - 10.0:
        end = min(t + 300.0 + rng.exponential(50.0 * 60.0), wake_s - 5.0)
        holds.append(
            (
                t,
                end,
                -88.0 + float(rng.normal(0, 2)),
                float(rng.normal(0, 3)),
                axial + float(rng.normal(0, 5)),
            )
        )
        t = end + rng.uniform(2.0, 5.0)
        step = float(rng.choice((-90.0, 90.0)))
        axial = axial + step if abs(axial + step) <= 180.0 else axial - step
    return Night(bed_s, wake_s, worn, mount_q, acc_bias, table_q, bed_yaw, holds)
