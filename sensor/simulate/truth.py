"""What the simulator hands out: per-sample truth of a day, pain ratings and remedies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from vocab.terms import CONTEXTS, REMEDY_KINDS

__all__ = [
    "CONTEXTS",
    "GRAVITY_MPS2",
    "LYING",
    "NONWEAR",
    "REMEDY_KINDS",
    "UPRIGHT",
    "WALKING",
    "PainRating",
    "Remedy",
    "SampleTruth",
    "SimulatedDay",
]

FloatArray = NDArray[np.float64]

GRAVITY_MPS2 = 9.81
"""Gravity magnitude used by the simulator, m/s²."""


NONWEAR, LYING, UPRIGHT, WALKING = 0, 1, 2, 3
"""Codes of :data:`CONTEXTS`."""



@dataclass
class SampleTruth:
    """The per-sample columns of simulated wear (described in :class:`SimulatedDay`)."""

    t_ns: NDArray[np.int64]
    sample_index: NDArray[np.int64]
    acc_mps2: FloatArray
    gyr_rads: FloatArray
    up_sensor: FloatArray
    flexion_deg: FloatArray
    lateral_deg: FloatArray
    context: NDArray[np.uint8]
    worn: NDArray[np.bool_]
    slouch: NDArray[np.bool_]


@dataclass
class SimulatedDay(SampleTruth):
    """One local day of simulated recording with per-sample truth.

    Arrays hold only the samples that reached the recorder (link-loss gaps are absent).

    Attributes
    ----------
    date : datetime.date
        The local date.
    day_start_ns, day_end_ns : int
        Local midnight at the start / end of the day, UTC ns (``end − start`` is 23–25 h).
    t_ns : ndarray, shape (N,), int64
        True UTC sample times, ns, strictly increasing.
    sample_index : ndarray, shape (N,), int64
        The sensor's running sample counter since the start of the simulation.
    acc_mps2 : ndarray, shape (N, 3), float64
        Accelerometer (specific force) in the sensor frame, m/s², with noise and bias.
    gyr_rads : ndarray, shape (N, 3), float64
        Gyroscope in the sensor frame, rad/s, with noise and bias.
    up_sensor : ndarray, shape (N, 3), float64
        True unit "up" vector (opposite to gravity) in the sensor frame.
    flexion_deg, lateral_deg : ndarray, shape (N,), float64
        True trunk angles relative to the wearer's upright, degrees, from the up vector in the
        body frame ``u_B``: ``flexion = asin(−u_B,x)`` (forward positive),
        ``lateral = atan2(u_B,y, u_B,z)`` (bend to the right positive). NaN when not worn.
    context : ndarray, shape (N,), uint8
        Index into :data:`CONTEXTS`.
    worn : ndarray, shape (N,), bool
        Sensor on the body.
    slouch : ndarray, shape (N,), bool
        Sample belongs to an intended slouch episode (implies worn and upright).
    mount_changes : list of int
        Sample indices where the sensor was re-attached with a new mounting.
    mounting : list of (int, ndarray (3, 3))
        ``(start_index, M)`` with ``M`` body → sensor (``v_S = M v_B``); the first entry starts
        at 0 and holds the mounting in use (or last used) at the start of the day.
    routines : list of (int, int)
        ``(start_ns, end_ns)`` of calibration routines: stand tall (≥ 5 s) then bend forward and
        return.
    gaps : list of (int, int)
        ``(start_ns, end_ns)`` of link losses: the true time of the first lost sample and of
        the first sample after the gap (half-open interval containing exactly the lost samples).
    """

    date: dt.date
    day_start_ns: int
    day_end_ns: int
    mount_changes: list[int] = field(default_factory=list)
    mounting: list[tuple[int, FloatArray]] = field(default_factory=list)
    routines: list[tuple[int, int]] = field(default_factory=list)
    gaps: list[tuple[int, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.t_ns.size)


@dataclass(frozen=True)
class PainRating:
    """A momentary 0–10 pain rating at UTC time ``t_ns`` with an optional note."""

    t_ns: int
    score: int
    note: str = ""


@dataclass(frozen=True)
class Remedy:
    """A remedy (one of :data:`REMEDY_KINDS`) taken at UTC time ``t_ns``."""

    t_ns: int
    kind: str
    note: str = ""
