"""One stretch session on its own, outside the simulated days (:class:`SimulatedStretch`).

About 90 s of sitting or standing, the prompted session done well or with a fault
(:func:`~sensor.simulate.stretching.perform_session`), then 60 s of standing, on a fresh
attachment. :func:`session_plan` draws it as a short :class:`~sensor.simulate.plan.Plan`;
:meth:`SimulatedWearer.stretch_session <sensor.simulate.wearer.SimulatedWearer.stretch_session>`
records it with the day's sensor model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from sensor.simulate.activities import ActivityDraft
from sensor.simulate.mounting import draw_mount
from sensor.simulate.plan import FAR_S, Plan
from sensor.simulate.settings import SimulationSettings
from sensor.simulate.stretching import StretchSession, perform_session
from sensor.simulate.timebase import local_ns
from sensor.simulate.truth import SimulatedDay
from vocab.units import NS_PER_S

__all__ = ["SimulatedStretch", "session_plan"]

FloatArray = NDArray[np.float64]

#: Seconds of sitting or standing before the session, and of standing after it.
_LEAD_S = 90.0
_TAIL_S = 60.0
#: Routines whose lead-in is sitting on a chair (the others stand).
_SEATED_ROUTINES = ("thoracic-extension", "scapular-squeeze")


def session_plan(settings: SimulationSettings, tz: ZoneInfo, index: int, date: dt.date,
                 rng: np.random.Generator, routine: str, fault: str,
                 reps: int | None) -> tuple[Plan, StretchSession, FloatArray]:
    """The plan of one stretch session at local 10:00 on ``date``.

    Parameters
    ----------
    settings : SimulationSettings
    tz : ZoneInfo
        The wearer's zone.
    index : int
        Day index of ``date`` in the simulation's calendar (the plan's ``index``).
    date : datetime.date
        Local date of the session.
    rng : numpy Generator
        The session's stream: the attachment, the lead-in and the session are drawn from it.
    routine, fault : str
        As :func:`~sensor.simulate.stretching.perform_session`.
    reps : int, optional
        Prompted repetitions.

    Returns
    -------
    plan : Plan
        Lead-in, session and tail (``day_start_ns`` at the lead-in's start).
    session : StretchSession
        The session's truth.
    mount_q : ndarray, shape (4,)
        Body → sensor rotation of the attachment (quaternion).
    """
    b = ActivityDraft(settings, tz, index, rng)
    b.day_start_ns = local_ns(tz, date, 10.0)
    mount_q, acc_bias = draw_mount(rng, settings.acc_bias_mps2)
    b.mounts.append((-FAR_S, mount_q, acc_bias))
    if routine in _SEATED_ROUTINES:
        b.sit(0.0, _LEAD_S, "chair", 0.0, 6.0, 0.0)
    else:
        b.stand(0.0, _LEAD_S)
    session = perform_session(b, _LEAD_S, routine, fault, rng, reps)
    length = b.stand(session.end_s, session.end_s + _TAIL_S)
    plan = Plan(index=index, date=date, day_start_ns=b.day_start_ns,
                day_end_ns=b.day_start_ns + int(round(length * NS_PER_S)), length_s=length,
                wake_s=0.0, bed_s=length, key_t=np.asarray(b.key_t, dtype=np.float64),
                key_v=np.asarray(b.key_v, dtype=np.float64), segments=b.segments,
                mounts=b.mounts, bouts=np.asarray(b.bouts, dtype=np.float64).reshape(-1, 10),
                episodes=[], routines=[], stretches=[session])
    return plan, session, mount_q


@dataclass(frozen=True)
class SimulatedStretch:
    """A stretch session on its own (:meth:`SimulatedWearer.stretch_session`).

    Attributes
    ----------
    samples : SimulatedDay
        The samples and per-sample truth around the session (not a whole day).
    session : StretchSession
        The session's truth (prompted windows, repetitions, holds, faults).
    mounting : ndarray, shape (3, 3)
        Body → sensor matrix of the attachment.
    """

    samples: SimulatedDay
    session: StretchSession
    mounting: FloatArray

    def seconds(self) -> FloatArray:
        """Sample times, seconds from the session's first prompt."""
        return np.asarray((self.samples.t_ns - self.session.start_ns) * 1e-9, dtype=np.float64)
