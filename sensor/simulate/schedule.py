"""The daily schedule: a day of activities, postures, slouch episodes and routines as a plan.

Local time in the wearer's zone, DST-correct. The night before a day and the one after it are
drawn separately (:func:`sensor.simulate.plan.draw_night`) so two days meeting at midnight
agree. The activities come from :mod:`sensor.simulate.activities`; nothing here works per
sample (:mod:`sensor.simulate.synthesis` does that).
"""

from __future__ import annotations

import logging

from sensor.simulate.activities import ActivityDraft
from sensor.simulate.mounting import draw_mount, draw_static_pose
from sensor.simulate.plan import FAR_S, MODE_STATIC, Night, Plan
from sensor.simulate.truth import LYING, NONWEAR

__all__ = ["PlanBuilder"]

logger = logging.getLogger(__name__)


class PlanBuilder(ActivityDraft):
    """Builds one day's plan from its own random stream (constructed as
    :class:`~sensor.simulate.draft.PlanDraft`) and the two nights around it (given to
    :meth:`build`).
    """

    # -- parts of the day ----------------------------------------------------------------------

    def work_until(self, t0: float, t1: float) -> float:
        """Desk blocks of 45–120 min with walking and standing breaks until ``t1`` (s)."""
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
        """Walk, wait, a seated train ride, walk; returns the end (s)."""
        t = self.walk(t, t + self.u(8.0, 20.0) * 60.0)
        t = self.stand(t, t + self.u(3.0, 10.0) * 60.0)
        t = self.sit(t, t + self.u(10.0, 25.0) * 60.0, "train", 0.0, 12.0, 0.1)
        return self.walk(t, t + self.u(5.0, 12.0) * 60.0)

    def shower(self, t: float, night_out: Night) -> float:
        """Detach, sensor on a shelf 10–25 min, re-attach with the mounting of ``night_out``."""
        t = self.handle(t, "detach")
        t = self.static(t, t + self.u(10.0, 25.0) * 60.0, "shower", draw_static_pose(self.rng))
        t = self.attach(
            t, night_out.mount_q, night_out.acc_bias, 0.5 * self.settings.routine_probability
        )
        return self.stand(t, t + self.u(60.0, 300.0))

    def build(self, night_in: Night, night_out: Night) -> Plan:
        """The day: night and morning, a weekday or weekend day, shower, evening, bedtime; with
        ``stretching``, a stretch session may follow the morning, lunch and the shower.

        ``night_in`` and ``night_out`` are the night before this day and the one after it.
        """
        length = self.length_s
        wake = night_in.wake_s
        bed = night_out.bed_s + length
        self.mounts.append((-FAR_S, night_in.mount_q, night_in.acc_bias))
        self.heading = night_in.bed_yaw_deg
        t = self.stretch(self.morning(wake, night_in), 0.8)
        t = self.weekend_day(t) if self.date.weekday() >= 5 else self.weekday(t)
        t = self.stretch(self.shower(t, night_out), 0.9)
        t = self.evening(t, bed, night_out)
        if t > bed + 1.0:
            logger.warning("simulated day %s overran bedtime by %.0f s", self.date, t - bed)
        return self.plan(wake, bed)

    def morning(self, wake: float, night_in: Night) -> float:
        """The night before (in bed or on the nightstand), getting up, attaching, breakfast."""
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
        t = self.stretch(self.sit(t, t + self.u(20.0, 40.0) * 60.0, "lunch", 3.0, 15.0, 0.5), 0.6)
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
        t = self.stretch(self.sit(t, t + self.u(20.0, 40.0) * 60.0, "lunch", 3.0, 15.0, 0.5), 0.6)
        return self.leisure(t, t + self.u(60.0, 180.0) * 60.0, True, allow_lying=False)

    def evening(self, t: float, bed: float, night_out: Night) -> float:
        """Free time, dinner, sofa (often lying), bedtime (detach unless worn in bed)."""
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
