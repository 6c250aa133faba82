"""The daily schedule: a day of activities, postures, slouch episodes and routines as a plan.

Local time in the wearer's zone, DST-correct. The night before a day and the one after it are
drawn separately (:func:`sensor.simulate.plan.draw_night`) so two days meeting at midnight
agree. Nothing here works per sample; :mod:`sensor.simulate.synthesis` does that.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from sensor.simulate.mounting import draw_mount, draw_static_pose
from sensor.simulate.plan import FAR_S, MODE_BODY, MODE_HANDLING, MODE_STATIC, Night, Plan, Segment
from sensor.simulate.settings import SimulationSettings
from sensor.simulate.timebase import local_ns
from sensor.simulate.truth import LYING, NONWEAR, UPRIGHT, WALKING

__all__ = ["PlanBuilder"]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]


class PlanBuilder:
    """Builds one day's plan from its own random stream and the two nights around it.

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
    night_in, night_out : Night
        The night before this day and the one after it.
    """

    def __init__(
        self,
        settings: SimulationSettings,
        tz: ZoneInfo,
        index: int,
        rng: np.random.Generator,
        night_in: Night,
        night_out: Night,
    ) -> None:
        self.settings = settings
        self.tz = tz
        self.index = index
        self.rng = rng
        self.night_in = night_in
        self.night_out = night_out
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
        self.step_hz = self.rng.uniform(1.75, 2.0)
        self.slouch_fraction = float(
            np.clip(self.settings.slouch_propensity * self.rng.uniform(0.1, 0.45), 0.0, 0.9)
        )
        # reactions to live alerts draw from their own stream: without feedback nothing changes
        self.react_rng = (np.random.default_rng([settings.seed, index + (1 << 31), 0xFEED])
                          if settings.feedback_alert_after_s is not None else None)
        self.reactions: list[tuple[float, bool]] = []

    # -- primitives --------------------------------------------------------------------------

    def u(self, lo: float, hi: float) -> float:
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
        return t0 + min(self.u(lo, hi), 0.25 * max(t1 - t0, 0.0))

    # -- activities --------------------------------------------------------------------------

    def stand(self, t0: float, t1: float) -> float:
        self.segment(t0, t1, "stand", UPRIGHT, True)
        self.fill(
            self.transition(t0, t1),
            t1,
            lambda: (self.u(0.0, 5.0), float(self.rng.normal(0.0, 1.5))),
            (15.0, 120.0),
            gain=0.5,
        )
        return t1

    def walk(self, t0: float, t1: float) -> float:
        self.segment(t0, t1, "walk", WALKING, True)
        lean = self.u(3.0, 8.0)
        f_step = float(np.clip(self.step_hz + self.rng.normal(0.0, 0.07), 1.6, 2.2))
        self.bouts.append(
            (
                t0 + 0.3,
                t1 - 0.3,
                f_step,
                self.u(2.0, 3.0),
                self.u(1.0, 1.8),
                self.u(0.6, 1.2),
                self.u(0.8, 2.0),
                self.u(1.5, 3.5),
                self.u(2.0, 4.0),
                self.u(0.0, 2.0 * math.pi),
            )
        )
        t = self.transition(t0, t1, 1.0, 2.0)
        while t < t1:
            end = t + self.u(8.0, 60.0)
            if end > t1 - 8.0:
                end = t1
            self.posture(
                t,
                end,
                lean + float(self.rng.normal(0, 0.7)),
                float(self.rng.normal(0, 1)),
                0.0,
                0.3,
            )
            if end >= t1:
                break
            t = end + self.u(1.0, 3.0)
            self.heading += float(self.rng.choice((-1.0, 1.0))) * self.u(20.0, 180.0)
        return t1

    def sit(
        self,
        t0: float,
        t1: float,
        kind: str,
        lo: float,
        hi: float,
        reach_p: float,
        gain: float = 0.8,
    ) -> float:
        self.segment(t0, t1, kind, UPRIGHT, True)
        self.heading += float(self.rng.normal(0.0, 30.0))
        self.fill(
            self.transition(t0, t1, 2.0, 4.0),
            t1,
            lambda: (self.u(lo, hi), float(self.rng.normal(0.0, 2.0))),
            (60.0, 480.0),
            gain=gain,
            reach_p=reach_p,
        )
        return t1

    def desk(self, t0: float, t1: float) -> float:
        """Desk work: upright sitting alternating with slouch episodes."""
        self.segment(t0, t1, "desk", UPRIGHT, True)
        self.heading += float(self.rng.normal(0.0, 20.0))
        p = max(self.slouch_fraction, 1e-3)
        slouch_median = 6.0 * 60.0
        upright_mean = 8.0 * 60.0 * (1.0 - p) / p
        t = self.transition(t0, t1, 2.0, 4.0)
        first = True
        while t < t1:
            dur = float(
                np.clip(self.rng.exponential(upright_mean), 120.0 if first else 60.0, 3600.0)
            )
            first = False
            end = min(t + dur, t1)
            if t1 - end < 180.0:
                end = t1
            self.fill(
                t,
                end,
                lambda: (self.u(0.0, 12.0), float(self.rng.normal(0.0, 2.0))),
                (60.0, 360.0),
                ramp=(2.0, 8.0),
                reach_p=0.3,
            )
            if end >= t1:
                break
            ramp_in = self.u(2.0, 6.0)
            s0 = end + ramp_in
            s1 = min(
                s0 + float(np.clip(self.rng.lognormal(math.log(slouch_median), 0.8), 60.0, 2400.0)),
                t1 - 120.0,
            )
            if s1 - s0 < 60.0:
                t = s0
                continue
            s1 = self.react(s0, s1)
            base = self.u(24.0, 42.0)
            lat0 = float(self.rng.normal(0.0, 3.0))
            self.fill(
                s0,
                s1,
                lambda b=base, lt=lat0: (  # type: ignore[misc]
                    float(np.clip(b + self.rng.normal(0.0, 3.0), 22.0, 45.0)),
                    lt + float(self.rng.normal(0.0, 1.5)),
                ),
                (60.0, 400.0),
                ramp=(3.0, 8.0),
            )
            ramp_out = self.u(2.0, 6.0)
            self.episodes.append((end + 0.5 * ramp_in, s1 + 0.5 * ramp_out))
            t = s1 + ramp_out
        return t1

    def react(self, s0: float, s1: float) -> float:
        """End of a slouch held on ``[s0, s1]`` (s) when live alerts are on.

        The alert comes ``feedback_alert_after_s`` after ``s0``; with probability
        ``feedback_react_probability`` the wearer straightens a uniform ``feedback_delay_s``
        later (the slouch ends there), else the slouch runs on. Recorded in ``reactions`` as
        ``(alert time, reacted)``. Without feedback, ``s1`` unchanged and no random draw.
        """
        after = self.settings.feedback_alert_after_s
        if self.react_rng is None or after is None or s1 - s0 <= after:
            return s1
        reacted = bool(self.react_rng.random() < self.settings.feedback_react_probability)
        delay = float(self.react_rng.uniform(*self.settings.feedback_delay_s))
        self.reactions.append((s0 + after, reacted))
        return min(s1, s0 + after + delay) if reacted else s1

    def lie(self, t0: float, t1: float, kind: str = "sofa_lying") -> float:
        self.segment(t0, t1, kind, LYING, True)
        axial = float(self.rng.choice((0.0, 90.0, -90.0))) + float(self.rng.normal(0, 5))
        t = self.transition(t0, t1, 3.0, 5.0)
        turn_at = (
            t + (t1 - t) * self.u(0.3, 0.7) if self.rng.random() < 0.5 and t1 - t > 600 else t1
        )
        self.posture(t, turn_at, self.u(-88.0, -72.0), float(self.rng.normal(0, 3)), axial, 0.3)
        if turn_at < t1:
            axial += float(self.rng.choice((-90.0, 90.0)))
            self.posture(
                turn_at + self.u(2.0, 4.0),
                t1,
                self.u(-88.0, -72.0),
                float(self.rng.normal(0, 3)),
                axial,
                0.3,
            )
        return t1

    def home(self, t0: float, t1: float) -> float:
        """Moving around the house: standing and short walks."""
        t = t0
        walking = self.rng.random() < 0.5
        while t1 - t > 10.0:
            end = t + (self.u(15.0, 90.0) if walking else self.u(40.0, 240.0))
            if t1 - end < 20.0:
                end = t1
            (self.walk if walking else self.stand)(t, end)
            t = end
            walking = not walking
        if t < t1:
            self.stand(t, t1)
        return t1

    def static(self, t0: float, t1: float, kind: str, pose: FloatArray) -> float:
        self.segment(t0, t1, kind, NONWEAR, False, MODE_STATIC, pose)
        self.posture(self.transition(t0, t1), t1, 3.0, 0.0, 0.0, 0.5)
        return t1

    def handle(self, t0: float, kind: str) -> float:
        t1 = t0 + self.u(5.0, 12.0)
        self.segment(t0, t1, kind, NONWEAR, False, MODE_HANDLING)
        self.posture(self.transition(t0, t1, 0.5, 1.0), t1, self.u(0.0, 8.0), 0.0, 0.0, 0.5)
        return t1

    def attach(
        self, t0: float, mount_q: FloatArray, acc_bias: FloatArray, routine_p: float
    ) -> float:
        t = self.handle(t0, "attach")
        self.mounts.append((t, mount_q, acc_bias))
        if self.settings.calibration_routine and self.rng.random() < routine_p:
            t = self.routine(t)
        return t

    def routine(self, t0: float) -> float:
        """Stand tall 5–6 s, bend forward 30–50° and back, stand again."""
        a = t0 + self.u(1.0, 2.0)
        b = a + self.u(5.0, 6.0)
        self.posture(
            a, b, float(self.rng.normal(0.0, 0.3)), float(self.rng.normal(0.0, 0.5)), 0.0, 0.05
        )
        c = b + self.u(2.0, 3.0)
        d = c + self.u(1.0, 2.0)
        self.posture(c, d, self.u(30.0, 50.0), float(self.rng.normal(0.0, 1.0)), 0.0, 0.05)
        e = d + self.u(2.0, 3.0)
        f = e + self.u(2.0, 3.0)
        self.posture(e, f, float(self.rng.normal(0.0, 0.5)), 0.0, 0.0, 0.05)
        self.segment(t0, f, "routine", UPRIGHT, True)
        self.routines.append((a, e))
        return f

    def work_until(self, t0: float, t1: float) -> float:
        t = t0
        while t1 - t > 600.0:
            end = t + self.u(45.0, 120.0) * 60.0
            if t1 - end < 20.0 * 60.0:
                end = t1
            self.desk(t, end)
            t = end
            if t >= t1:
                break
            t = self.walk(t, t + self.u(60.0, 240.0))
            t = self.stand(t, t + self.u(60.0, 360.0))
            t = self.walk(t, t + self.u(60.0, 180.0))
        if t < t1:
            self.stand(t, t1)
        return max(t, t1)

    def leisure(self, t: float, t1: float, weekend: bool, allow_lying: bool) -> float:
        """Free time until ``t1``: sofa, errands, house moves, some laptop work, sofa lying."""
        lay_down = allow_lying and self.rng.random() < 0.6
        while t1 - t > 15.0 * 60.0:
            u = self.rng.random()
            remaining = t1 - t
            if lay_down and remaining < 100.0 * 60.0:
                t = self.lie(t, t + min(self.u(15.0, 60.0) * 60.0, remaining - 10.0 * 60.0))
                lay_down = False
            elif u < 0.4:
                t = self.sit(
                    t, t + min(self.u(20.0, 60.0) * 60.0, remaining), "sofa", -20.0, 5.0, 0.15
                )
            elif u < 0.6:
                t = self.home(t, t + min(self.u(5.0, 15.0) * 60.0, remaining))
            elif u < 0.8 and not allow_lying:
                t = self.walk(t, t + min(self.u(10.0, 40.0) * 60.0, remaining))
            elif u < 0.9 or (weekend and allow_lying):
                t = self.sit(
                    t, t + min(self.u(10.0, 30.0) * 60.0, remaining), "table", 3.0, 15.0, 0.4
                )
            else:
                t = self.desk(t, t + min(self.u(20.0, 60.0) * 60.0, remaining))
        if t < t1:
            t = self.home(t, t1)
        return max(t, t1)

    def commute(self, t: float) -> float:
        t = self.walk(t, t + self.u(8.0, 20.0) * 60.0)
        t = self.stand(t, t + self.u(3.0, 10.0) * 60.0)
        t = self.sit(t, t + self.u(10.0, 25.0) * 60.0, "train", 0.0, 12.0, 0.1)
        return self.walk(t, t + self.u(5.0, 12.0) * 60.0)

    def shower(self, t: float, night_out: Night) -> float:
        t = self.handle(t, "detach")
        t = self.static(t, t + self.u(10.0, 25.0) * 60.0, "shower", draw_static_pose(self.rng))
        t = self.attach(
            t, night_out.mount_q, night_out.acc_bias, 0.5 * self.settings.routine_probability
        )
        return self.stand(t, t + self.u(60.0, 300.0))

    # -- the day -----------------------------------------------------------------------------

    def build(self) -> Plan:
        """The day: night and morning, a weekday or weekend day, shower, evening, bedtime."""
        night_in = self.night_in
        length = self.length_s
        wake = night_in.wake_s
        bed = self.night_out.bed_s + length
        self.mounts.append((-FAR_S, night_in.mount_q, night_in.acc_bias))
        self.heading = night_in.bed_yaw_deg
        t = self.morning(wake)
        t = self.weekend_day(t) if self.date.weekday() >= 5 else self.weekday(t)
        t = self.shower(t, self.night_out)
        t = self.evening(t, bed)
        if t > bed + 1.0:
            logger.warning("simulated day %s overran bedtime by %.0f s", self.date, t - bed)
        return Plan(
            index=self.index,
            date=self.date,
            day_start_ns=self.day_start_ns,
            day_end_ns=self.day_end_ns,
            length_s=length,
            wake_s=wake,
            bed_s=bed,
            key_t=np.asarray(self.key_t, dtype=np.float64),
            key_v=np.asarray(self.key_v, dtype=np.float64),
            segments=self.segments,
            mounts=self.mounts,
            bouts=np.asarray(self.bouts, dtype=np.float64).reshape(-1, 10),
            episodes=self.episodes,
            routines=self.routines,
            reactions=self.reactions,
        )

    def morning(self, wake: float) -> float:
        """The night before (in bed or on the nightstand), getting up, attaching, breakfast."""
        night_in = self.night_in
        if night_in.worn:
            self.segment(-FAR_S, wake, "bed", LYING, True)
            for h in night_in.holds:
                self.posture(h[0], h[1], h[2], h[3], h[4], 0.3, night_in.bed_yaw_deg)
            t = self.home(wake, wake + self.u(10.0, 30.0) * 60.0)
        else:
            attach_t = wake + self.u(15.0, 45.0) * 60.0
            self.segment(
                -FAR_S, attach_t, "nightstand", NONWEAR, False, MODE_STATIC, night_in.table_q
            )
            self.posture(-FAR_S, attach_t - 2.0, 3.0, 0.0, 0.0, 0.5, night_in.bed_yaw_deg)
            mount_q, acc_bias = draw_mount(self.rng, self.settings.acc_bias_mps2)
            t = self.attach(attach_t, mount_q, acc_bias, self.settings.routine_probability)
            t = self.home(t, t + self.u(5.0, 20.0) * 60.0)
        t = self.sit(t, t + self.u(10.0, 20.0) * 60.0, "breakfast", 2.0, 15.0, 0.5)
        return self.home(t, t + self.u(5.0, 15.0) * 60.0)

    def weekday(self, t: float) -> float:
        """Commute, desk work, lunch, desk work, commute home."""
        t = self.commute(t)
        lunch = max(self.at(self.u(12.0, 13.0)), t + 1800.0)
        t = self.work_until(t, lunch)
        t = self.walk(t, t + self.u(3.0, 8.0) * 60.0)
        t = self.sit(t, t + self.u(20.0, 40.0) * 60.0, "lunch", 3.0, 15.0, 0.5)
        t = self.walk(t, t + self.u(3.0, 8.0) * 60.0)
        leave = max(self.at(self.u(16.75, 18.0)), t + 1800.0)
        t = self.work_until(t, leave)
        t = self.commute(t)
        return self.home(t, t + self.u(5.0, 20.0) * 60.0)

    def weekend_day(self, t: float) -> float:
        """Laptop work, a long walk, lunch, free time."""
        t = self.work_until(t, t + self.u(45.0, 120.0) * 60.0)
        t = self.home(t, t + self.u(3.0, 10.0) * 60.0)
        long_walk = self.u(30.0, 90.0) * 60.0
        t = self.walk(t, t + 0.5 * long_walk)
        t = self.stand(t, t + self.u(2.0, 10.0) * 60.0)
        t = self.walk(t, t + 0.5 * long_walk)
        t = self.sit(t, t + self.u(20.0, 40.0) * 60.0, "lunch", 3.0, 15.0, 0.5)
        return self.leisure(t, t + self.u(60.0, 180.0) * 60.0, True, allow_lying=False)

    def evening(self, t: float, bed: float) -> float:
        """Free time, dinner, sofa (often lying), bedtime (detach unless worn in bed)."""
        night_out = self.night_out
        weekend = self.date.weekday() >= 5
        end_evening = bed - self.u(10.0, 20.0) * 60.0
        dinner = max(self.at(self.u(18.5, 19.5)), t)
        t = self.leisure(t, min(dinner, end_evening), weekend, allow_lying=False)
        if end_evening - t > 50.0 * 60.0:
            t = self.sit(t, t + self.u(20.0, 40.0) * 60.0, "dinner", 3.0, 15.0, 0.5)
        t = self.leisure(t, end_evening, weekend, allow_lying=True)
        if night_out.worn:
            t = self.home(t, bed)
            self.segment(bed, FAR_S, "bed", LYING, True)
            length = self.length_s
            for h in night_out.holds:
                self.posture(
                    h[0] + length, h[1] + length, h[2], h[3], h[4], 0.3, night_out.bed_yaw_deg
                )
        else:
            detach = max(bed - self.u(3.0, 8.0) * 60.0, t + 30.0)
            t = self.home(t, detach)
            t = self.handle(t, "detach")
            self.segment(t, FAR_S, "nightstand", NONWEAR, False, MODE_STATIC, night_out.table_q)
            self.posture(t + 2.0, FAR_S, 3.0, 0.0, 0.0, 0.5)
        return t
