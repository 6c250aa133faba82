"""The pain / remedy model: momentary 0–10 ratings driven by recent slouching, and remedies.

Uses only the day plans (slouch episodes, wake and bed times), never the raw signal::

    score = round(clip(3 + d + pain_slouch_gain · (slouch minutes in the previous 3 h) / 60
                       + 0.3 · (previous day's slouch hours) − relief + N(0, 1), 0, 10))

with a per-day offset ``d ~ N(0, 0.5)``; relief comes from remedies taken in the preceding
hours (painkiller −1.5 for 4 h, heat −1 for 3 h, stretch −0.7 for 2 h, ice −0.5 for 2 h).

With stretch sessions simulated (``SimulationSettings.stretching``), each session is logged as
a ``stretch`` remedy at its end with the note ``posturelog stretch`` writes; a session with at
least one correct repetition relieves 1.2 points for 3 h, one without relieves 0.2. The wearer
rates pain 2–15 min before a session (probability 0.8) and 20–90 min after it (0.9); these
extra ratings and their draws come from a separate stream (``stretch_rng``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np

from sensor.simulate.plan import Plan
from sensor.simulate.timebase import local_ns
from sensor.simulate.truth import PainRating, Remedy

__all__ = ["day_log"]

_HOUR_S = 3600.0
_SLOUCH_NOTES = ("after long meeting", "long stretch at the desk", "hunched over laptop")
_OTHER_NOTES = ("stiff between shoulder blades", "after commute", "better after walk")
_STRETCHES = ("thoracic stretch", "scapular squeeze", "pectoralis stretch", "lying knee twist")

# (time s, relief points, duration s) and (time s, kind, note)
_Reliefs = list[tuple[float, float, float]]
_Remedies = list[tuple[float, str, str]]


def day_log(
    plan: Plan,
    previous: Plan,
    rng: np.random.Generator,
    tz: ZoneInfo,
    pain_slouch_gain: float,
    stretch_rng: np.random.Generator | None = None,
) -> tuple[list[PainRating], list[Remedy]]:
    """Pain ratings (3–6 per day) and remedies of one day, each list in time order.

    Parameters
    ----------
    plan, previous : Plan
        This day's plan and the previous day's (its slouch hours raise today's pain).
    rng : numpy.random.Generator
        The day's pain stream.
    tz : zoneinfo.ZoneInfo
        The wearer's zone (evening heat is at local 19:30–21:30).
    pain_slouch_gain : float
        Pain points per hour of slouch in the 3 h before a rating.
    stretch_rng : numpy.random.Generator, optional
        The day's stream for the stretch sessions' ratings (only used when ``plan.stretches``).
    """
    prev_hours = sum(b - a for a, b in previous.episodes) / _HOUR_S
    base = 3.0 + rng.normal(0.0, 0.5)
    lo, hi = plan.wake_s + 15.0 * 60.0, plan.bed_s - 10.0 * 60.0
    times = np.sort(rng.uniform(lo, hi, int(rng.integers(3, 7))))
    reliefs, remedies = _daily_remedies(plan, rng, tz, lo, hi)
    if plan.stretches:
        if stretch_rng is None:
            raise ValueError("plan has stretch sessions but no stretch_rng was given")
        times = np.sort(np.concatenate((times, _stretch_sessions(plan, stretch_rng, reliefs, remedies))))
    ratings: list[PainRating] = []
    for i, t_value in enumerate(times):
        t = float(t_value)
        slouch_min = (
            sum(max(0.0, min(b, t) - max(a, t - 3.0 * _HOUR_S)) for a, b in plan.episodes) / 60.0
        )
        relief = sum(p for tr, p, d in reliefs if tr <= t < tr + d)
        mean = base + pain_slouch_gain * slouch_min / 60.0 + 0.3 * prev_hours - relief
        score = int(np.clip(np.rint(mean + rng.normal(0.0, 1.0)), 0, 10))
        note = _rating_note(rng, slouch_min, first=i == 0)
        ratings.append(PainRating(plan.day_start_ns + int(round(t * 1e9)), score, note))
        _respond(plan, rng, t, score, reliefs, remedies)
    remedy_list = [
        Remedy(plan.day_start_ns + int(round(t * 1e9)), kind, note)
        for t, kind, note in sorted(remedies)
    ]
    return ratings, remedy_list


def _daily_remedies(
    plan: Plan, rng: np.random.Generator, tz: ZoneInfo, lo: float, hi: float
) -> tuple[_Reliefs, _Remedies]:
    """Heat in the evening on ~35 % of days, ice on ~15 %."""
    reliefs: _Reliefs = []
    remedies: _Remedies = []
    if rng.random() < 0.35:
        evening_ns = local_ns(tz, plan.date, rng.uniform(19.5, 21.5)) - plan.day_start_ns
        t_heat = min(evening_ns, int(hi * 1e9)) * 1e-9
        reliefs.append((t_heat, 1.0, 3.0 * _HOUR_S))
        remedies.append(
            (t_heat, "heat", str(rng.choice(("heat pad 20 min", "hot water bottle", ""))))
        )
    if rng.random() < 0.15:
        t_ice = float(rng.uniform(lo, hi))
        reliefs.append((t_ice, 0.5, 2.0 * _HOUR_S))
        remedies.append((t_ice, "ice", "ice pack 10 min"))
    return reliefs, remedies


def _stretch_sessions(plan: Plan, rng: np.random.Generator, reliefs: _Reliefs,
                      remedies: _Remedies) -> list[float]:
    """Remedies and reliefs of the plan's stretch sessions; the extra rating times (s)."""
    extra: list[float] = []
    for session in plan.stretches:
        reliefs.append((session.end_s, 1.2 if session.reps_correct else 0.2, 3.0 * _HOUR_S))
        remedies.append((session.end_s, "stretch", session.note()))
        if rng.random() < 0.8:
            extra.append(session.start_s - rng.uniform(2.0, 15.0) * 60.0)
        if rng.random() < 0.9:
            extra.append(min(session.end_s + rng.uniform(20.0, 90.0) * 60.0, plan.bed_s - 60.0))
    return extra


def _rating_note(rng: np.random.Generator, slouch_min: float, *, first: bool) -> str:
    u = rng.random()
    if slouch_min > 60.0 and u < 0.4:
        return str(rng.choice(_SLOUCH_NOTES))
    if first and u < 0.3:
        return "woke up stiff"
    if u < 0.15:
        return str(rng.choice(_OTHER_NOTES))
    return ""


def _respond(
    plan: Plan,
    rng: np.random.Generator,
    t: float,
    score: int,
    reliefs: _Reliefs,
    remedies: _Remedies,
) -> None:
    """Painkiller after a rating ≥ 6 (60 %), stretch after ≥ 5 (50 %) and occasionally."""
    if score >= 6 and rng.random() < 0.6:
        t_r = min(t + rng.uniform(2.0, 15.0) * 60.0, plan.bed_s)
        reliefs.append((t_r, 1.5, 4.0 * _HOUR_S))
        remedies.append(
            (t_r, "painkiller", str(rng.choice(("ibuprofen 400 mg", "paracetamol 1 g"))))
        )
    elif (score >= 5 and rng.random() < 0.5) or rng.random() < 0.1:
        t_r = min(t + rng.uniform(3.0, 20.0) * 60.0, plan.bed_s)
        reliefs.append((t_r, 0.7, 2.0 * _HOUR_S))
        remedies.append((t_r, "stretch", str(rng.choice(_STRETCHES))))
