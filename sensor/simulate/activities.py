"""The wearer's activities as building blocks of a day's plan: standing, walking, sitting,
desk work with slouch episodes (and reactions to live alerts), lying, moving around the house,
the sensor off the body or in the hand, attaching it, the calibration routine, and (with
``stretching``) a stretch session (:mod:`sensor.simulate.stretching`).

Each activity lays down segments and posture keyframes from ``t0`` and returns where it ended
(s from local midnight); the daily schedule (:mod:`sensor.simulate.schedule`) strings them
together.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from sensor.simulate.draft import PlanDraft
from sensor.simulate.plan import MODE_HANDLING, MODE_STATIC
from sensor.simulate.stretching import FAULTS, perform_session
from sensor.simulate.truth import LYING, NONWEAR, UPRIGHT, WALKING
from vocab.stretchnote import STRETCH_ROUTINES

__all__ = ["ActivityDraft"]

FloatArray = NDArray[np.float64]


class ActivityDraft(PlanDraft):
    """A :class:`~sensor.simulate.draft.PlanDraft` that lays down whole activities.

    Parameters are those of :class:`~sensor.simulate.draft.PlanDraft`. The day's step
    frequency and slouch fraction are drawn in :meth:`draw_day`, in that order, after the
    draft is set up.
    """

    step_hz: float
    slouch_fraction: float
    react_rng: np.random.Generator | None
    stretch_rng: np.random.Generator | None

    def draw_day(self) -> None:
        """The day's step frequency (Hz) and slouch fraction; the alert-reaction and stretch
        streams."""
        self.step_hz = float(self.rng.uniform(1.75, 2.0))
        self.slouch_fraction = float(
            np.clip(self.settings.slouch_propensity * self.rng.uniform(0.1, 0.45), 0.0, 0.9)
        )
        # reactions to live alerts draw from their own stream: without feedback nothing changes
        self.react_rng = (
            np.random.default_rng([self.settings.seed, self.index + (1 << 31), 0xFEED])
            if self.settings.feedback_alert_after_s is not None else None
        )
        # stretch sessions draw from their own stream too: without them nothing changes
        self.stretch_rng = (
            np.random.default_rng([self.settings.seed, self.index + (1 << 31), 0x57E7C4])
            if self.settings.stretching else None
        )

    def stand(self, t0: float, t1: float) -> float:
        """Standing on ``[t0, t1]`` (s), flexion 0–5°; returns ``t1``."""
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
        """A walking bout on ``[t0, t1]`` (s): gait, forward lean and turns; returns ``t1``."""
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
        """Sitting (``kind``) on ``[t0, t1]`` (s), flexion ``lo``–``hi`` degrees, reaching
        forward with probability ``reach_p`` after each hold; returns ``t1``."""
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

    def stretch(self, t: float, probability: float) -> float:
        """With ``stretching``: a stretch session at ``t`` with ``probability``; its end (s).

        The routine is thoracic extension, knee twist, doorway or squeeze (weights 0.35, 0.25,
        0.25, 0.15), done well with ``stretch_good_probability``, else with one of its faults.
        Without ``stretching``: ``t`` unchanged and no random draw.
        """
        rng = self.stretch_rng
        if rng is None or rng.random() >= probability:
            return t
        routine = str(rng.choice(STRETCH_ROUTINES, p=(0.35, 0.25, 0.25, 0.15)))
        faults = FAULTS[routine]
        fault = (
            "" if not faults or rng.random() < self.settings.stretch_good_probability
            else str(rng.choice(faults))
        )
        session = perform_session(self, t + float(rng.uniform(5.0, 30.0)), routine, fault, rng)
        self.stretches.append(session)
        return self.stand(session.end_s, session.end_s + float(rng.uniform(20.0, 60.0)))

    def lie(self, t0: float, t1: float, kind: str = "sofa_lying") -> float:
        """Lying on ``[t0, t1]`` (s): supine or on a side, turning once half of the time."""
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
        """The sensor off the body, still in ``pose`` (shape (4,)), on ``[t0, t1]`` (s)."""
        self.segment(t0, t1, kind, NONWEAR, False, MODE_STATIC, pose)
        self.posture(self.transition(t0, t1), t1, 3.0, 0.0, 0.0, 0.5)
        return t1

    def handle(self, t0: float, kind: str) -> float:
        """5–12 s with the sensor in the hand (``attach`` / ``detach``); returns the end (s)."""
        t1 = t0 + self.u(5.0, 12.0)
        self.segment(t0, t1, kind, NONWEAR, False, MODE_HANDLING)
        self.posture(self.transition(t0, t1, 0.5, 1.0), t1, self.u(0.0, 8.0), 0.0, 0.0, 0.5)
        return t1

    def attach(
        self, t0: float, mount_q: FloatArray, acc_bias: FloatArray, routine_p: float
    ) -> float:
        """Attach the sensor with a new mounting (``mount_q`` shape (4,), ``acc_bias`` shape
        (3,), m/s²), then a routine with probability ``routine_p``; returns the end (s)."""
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
