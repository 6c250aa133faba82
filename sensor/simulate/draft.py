"""A day's plan while it is drawn: its local time frame, random stream and the primitives that
lay down posture keyframes and activity segments.

Times are seconds from the day's local midnight. The activities
(:mod:`sensor.simulate.activities`) and the daily schedule (:mod:`sensor.simulate.schedule`)
are built from these primitives; every draw goes through the one stream ``rng``, so the order
of the calls fixes the simulated output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from sensor.simulate.plan import MODE_BODY, Plan, Segment
from sensor.simulate.settings import SimulationSettings
from sensor.simulate.stretching import StretchSession
from sensor.simulate.timebase import local_ns

__all__ = ["PlanDraft"]

FloatArray = NDArray[np.float64]


class PlanDraft:
    """One local day's plan under construction.

    Parameters
    ----------
    settings : SimulationSettings
        The simulation.
    tz : zoneinfo.ZoneInfo
        The wearer's zone.
    index : int
        Day index (0-based).
    rng : numpy.random.Generator
        The day's plan stream.

    Attributes
    ----------
    key_t, key_v : list
        Posture keyframes: times (s) and ``(flexion, lateral, axial, heading, gain)`` (deg and
        noise gain), two per hold.
    segments : list of Segment
        Activities, tiling the day.
    mounts, bouts, episodes, routines, reactions, stretches : list
        As the fields of :class:`~sensor.simulate.plan.Plan` of the same names.
    """

    def __init__(
        self,
        settings: SimulationSettings,
        tz: ZoneInfo,
        index: int,
        rng: np.random.Generator,
    ) -> None:
        self.settings = settings
        self.tz = tz
        self.index = index
        self.rng = rng
        self.date = self.settings.start_date + dt.timedelta(days=index)
        self.day_start_ns = local_ns(tz, self.date, 0.0)
        self.day_end_ns = local_ns(tz, self.date + dt.timedelta(days=1), 0.0)
        self.length_s = (self.day_end_ns - self.day_start_ns) * 1e-9
        self.key_t: list[float] = []
        self.key_v: list[tuple[float, float, float, float, float]] = []
        self.heading = 0.0
        self.segments: list[Segment] = []
        self.mounts: list[tuple[float, FloatArray, FloatArray]] = []
        self.bouts: list[tuple[float, ...]] = []
        self.episodes: list[tuple[float, float]] = []
        self.routines: list[tuple[float, float]] = []
        self.reactions: list[tuple[float, bool]] = []
        self.stretches: list[StretchSession] = []
        self.draw_day()

    def draw_day(self) -> None:
        """Draw the day-wide choices of a subclass, right after the draft is set up (the draw
        order on the day's stream fixes the simulated output). Nothing here."""

    def u(self, lo: float, hi: float) -> float:
        """One uniform draw from ``[lo, hi)`` on the day's stream."""
        return float(self.rng.uniform(lo, hi))

    def at(self, hours: float) -> float:
        """Seconds from this day's local midnight to local clock time ``hours``."""
        return (local_ns(self.tz, self.date, hours) - self.day_start_ns) * 1e-9

    def posture(
        self,
        t0: float,
        t1: float,
        flex: float,
        lat: float = 0.0,
        axial: float = 0.0,
        gain: float = 1.0,
        heading: float | None = None,
    ) -> None:
        """Hold a posture (degrees) on [t0, t1]; transitions fill the time between holds."""
        if heading is not None:
            self.heading = heading
        if self.key_t and t0 < self.key_t[-1]:
            t0 = self.key_t[-1]
        if t1 <= t0:
            return
        values = (flex, lat, axial, self.heading, gain)
        self.key_t += [t0, t1]
        self.key_v += [values, values]

    def segment(
        self,
        t0: float,
        t1: float,
        kind: str,
        context: int,
        worn: bool,
        mode: int = MODE_BODY,
        pose: FloatArray | None = None,
    ) -> None:
        """Add an activity segment on ``[t0, t1]`` (s); segments tile the day without holes.

        ``pose`` (shape (4,), sensor → world quaternion) only for :data:`MODE_STATIC`.
        """
        if self.segments and t0 < self.segments[-1].end_s:
            t0 = self.segments[-1].end_s
        elif self.segments and t0 > self.segments[-1].end_s:
            self.segments[-1].end_s = t0  # segments tile the day without holes
        if t1 > t0:
            self.segments.append(Segment(t0, t1, kind, context, worn, mode, pose))

    def fill(
        self,
        t: float,
        t1: float,
        draw: Callable[[], tuple[float, float]],
        dur: tuple[float, float],
        ramp: tuple[float, float] = (1.5, 4.0),
        gain: float = 1.0,
        reach_p: float = 0.0,
    ) -> None:
        """Consecutive posture holds from ``t`` to exactly ``t1``, optional short reaches."""
        while t < t1:
            end = t + self.u(*dur)
            if end > t1 - dur[0]:
                end = t1
            flex, lat = draw()
            self.posture(t, end, flex, lat, 0.0, gain)
            if end >= t1:
                break
            if reach_p > 0.0 and end < t1 - 45.0 and self.rng.random() < reach_p:
                # brief forward reach: transition 0.8-1.5 s, hold 3-20 s, transition back < 4 s
                r0 = end + self.u(0.8, 1.5)
                r1 = r0 + self.u(3.0, 20.0)
                self.posture(
                    r0, r1, flex + self.u(15.0, 35.0), lat + float(self.rng.normal(0, 4)), 0.0, gain
                )
                end = r1
            t = end + self.u(*ramp)

    def transition(self, t0: float, t1: float, lo: float = 1.5, hi: float = 3.5) -> float:
        """End of a ``lo``–``hi`` s transition from ``t0``, at most a quarter of ``[t0, t1]``."""
        return t0 + min(self.u(lo, hi), 0.25 * max(t1 - t0, 0.0))

    def plan(self, wake_s: float, bed_s: float) -> Plan:
        """The finished plan, with the day's wake-up and bedtime (s from local midnight)."""
        return Plan(
            index=self.index,
            date=self.date,
            day_start_ns=self.day_start_ns,
            day_end_ns=self.day_end_ns,
            length_s=self.length_s,
            wake_s=wake_s,
            bed_s=bed_s,
            key_t=np.asarray(self.key_t, dtype=np.float64),
            key_v=np.asarray(self.key_v, dtype=np.float64),
            segments=self.segments,
            mounts=self.mounts,
            bouts=np.asarray(self.bouts, dtype=np.float64).reshape(-1, 10),
            episodes=self.episodes,
            routines=self.routines,
            reactions=self.reactions,
            stretches=self.stretches,
        )
