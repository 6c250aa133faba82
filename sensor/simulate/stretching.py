"""Stretch sessions of the simulated wearer, done well or badly, with per-repetition truth.

The four routines of ``posturelog stretch`` (thoracic extension, lying knee twist, doorway
pectoral stretch, scapular squeeze) follow the same prompt timing as the command
(:data:`SESSION_TIMING`; ``tests/posturelog/test_stretch_sim.py`` checks it against
``posturelog.stretch.prompt_schedule``). After each "hold" prompt the wearer reacts
(0.5–1.5 s), moves into the position (a 1–2 s C¹ ramp), holds it, and after the "come back"
prompt (0.2–0.8 s later) moves out (1–2 s). Faults (:data:`FAULTS`):

* ``flexion`` (thoracic extension): bends forward 20–30° instead of leaning back;
* ``short``: leaves the position early (thoracic 1–2.5 s, knee twist 3–6 s);
* ``bounce`` (thoracic extension): bounces ±6–9° about the position at 0.6–1 Hz;
* ``sitting`` (knee twist): twists the trunk 25–40° while sitting instead of lying;
* ``fidget`` (doorway): leans in and out by 7–12° every 2–3.5 s instead of standing still;
* ``lean`` (doorway): bends the trunk forward 25–35° through the doorway instead of stepping
  through upright.

A doorway hold cut short while standing still is not a fault here: the trunk does not show it
(the check verifies only standing upright and still during each prompted hold, and says so).

``flexion`` and ``sitting`` are misunderstandings, so every repetition has them; the others hit
each repetition with probability 0.6 (at least one). The scapular squeeze has no fault: the
shoulder blades move under the sensor, not the trunk, so a bad squeeze would look the same.

Truth per repetition (:class:`StretchRep`): the hold runs from the middle of the ramp in to the
middle of the ramp out (the simulator's convention for slouch episodes too), for the doorway
stretch (checked per prompted hold) clipped to the prompted window, and whether the repetition
was done correctly. Stepping through the doorway leans the trunk 6–10° forward. All draws come from the generator passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sensor.simulate.truth import LYING, UPRIGHT
from vocab.stretchnote import SENSOR_CHECKED_ROUTINES, STRETCH_ROUTINES, format_stretch_note
from vocab.units import NS_PER_S

if TYPE_CHECKING:
    from sensor.simulate.draft import PlanDraft

__all__ = ["FAULTS", "SESSION_TIMING", "StretchRep", "StretchSession", "perform_session"]

#: ``routine: (setup_s, hold_s, rest_s, reps)``: the first hold prompt comes ``setup_s`` after
#: the session starts, each hold lasts ``hold_s``, then ``rest_s`` until the next.
SESSION_TIMING: dict[str, tuple[float, float, float, int]] = {
    "thoracic-extension": (6.0, 10.0, 8.0, 5),
    "knee-twist": (15.0, 20.0, 8.0, 4),
    "doorway-pec": (10.0, 30.0, 10.0, 3),
    "scapular-squeeze": (5.0, 5.0, 5.0, 10),
}

#: Ways each routine is done badly.
FAULTS: dict[str, tuple[str, ...]] = {
    "thoracic-extension": ("flexion", "short", "bounce"),
    "knee-twist": ("sitting", "short"),
    "doorway-pec": ("fidget", "lean"),
    "scapular-squeeze": (),
}

_EVERY_REP = ("flexion", "sitting")

# what the sensor checks / only times (the wording of analysis.stretches' defaults)
_VERIFIED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "thoracic-extension": (("extension beyond upright by more than 10°",
                            "held still for at least 5 s", "repetitions"), ()),
    "knee-twist": (("lying (inclination over 60°)", "trunk rotation over 15° to each side",
                    "held still for at least 10 s"), ("how far the knees go down",)),
    "doorway-pec": (("standing upright", "still for at least 15 s in each prompted hold"),
                    ("chest opening and arm position in the doorway",)),
    "scapular-squeeze": ((), ("shoulder-blade squeeze (not visible to a back-worn sensor)",
                              "hold times")),
}


@dataclass(frozen=True)
class StretchRep:
    """One prompted repetition as the wearer did it.

    Attributes
    ----------
    start_s, end_s : float
        Hold from the middle of the ramp into the position to the middle of the ramp out,
        seconds from the session start.
    correct : bool
        Done as prompted (right direction / posture, held, still).
    fault : str
        ``""`` when correct, else one of :data:`FAULTS`.
    side : str
        ``left`` / ``right`` for the knee twist (knees dropped to that side), else ``""``.
    """

    start_s: float
    end_s: float
    correct: bool
    fault: str = ""
    side: str = ""

    @property
    def hold_s(self) -> float:
        """Hold duration, seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class StretchSession:
    """A simulated stretch session and its truth.

    Attributes
    ----------
    routine : str
        One of :data:`vocab.stretchnote.STRETCH_ROUTINES`.
    fault : str
        ``""`` (done well) or the session's fault (:data:`FAULTS`).
    start_s, end_s : float
        Session bounds (first prompt, "done" prompt), seconds from the day's local midnight.
    start_ns, end_ns : int
        The same as UTC ns.
    holds : tuple of (float, float)
        Prompted hold windows, seconds from the session start.
    reps : tuple of StretchRep
        One per prompted hold.
    """

    routine: str
    fault: str
    start_s: float
    end_s: float
    start_ns: int
    end_ns: int
    holds: tuple[tuple[float, float], ...]
    reps: tuple[StretchRep, ...]

    @property
    def reps_correct(self) -> int:
        """Repetitions done correctly."""
        return sum(r.correct for r in self.reps)

    @property
    def verified(self) -> bool:
        """Whether the sensor could verify it: a checked routine with a correct repetition."""
        return self.routine in SENSOR_CHECKED_ROUTINES and self.reps_correct >= 1

    def note(self) -> str:
        """The ``stretch`` remedy note ``posturelog stretch`` would log for a perfect check."""
        good = [r for r in self.reps if r.correct]
        verified, timing = _VERIFIED[self.routine]
        if self.routine == "knee-twist" and len(good) >= 2:
            sides = [r.side for r in good]
            alternated = all(a != b for a, b in zip(sides, sides[1:], strict=False))
            verified = (*verified, "sides alternated" if alternated else "sides did NOT alternate")
        # the squeeze is timed from the prompts: its holds are the prompted windows
        held = ([b - a for (a, b), r in zip(self.holds, self.reps, strict=True) if r.correct]
                if self.routine == "scapular-squeeze" else [r.hold_s for r in good])
        return format_stretch_note(
            self.routine, len(good), len(self.reps), held,
            sides=[r.side for r in good] if self.routine == "knee-twist" else (),
            rejected=len(self.reps) - len(good), verified=verified, timing_only=timing)


def session_windows(routine: str, reps: int | None = None) -> tuple[tuple[tuple[float, float], ...], float]:
    """Prompted hold windows (s from the session start) and the session's length (s).

    Raises
    ------
    ValueError
        Unknown routine or reps outside 1–30.
    """
    if routine not in SESSION_TIMING:
        raise ValueError(f"unknown stretch routine {routine!r}; expected one of {STRETCH_ROUTINES}")
    setup, hold, rest, default = SESSION_TIMING[routine]
    n = default if reps is None else int(reps)
    if not 1 <= n <= 30:
        raise ValueError(f"reps must be 1–30, got {reps}")
    holds = tuple((setup + i * (hold + rest), setup + i * (hold + rest) + hold) for i in range(n))
    return holds, setup + n * (hold + rest)


def perform_session(b: PlanDraft, t0: float, routine: str, fault: str,
                    rng: np.random.Generator, reps: int | None = None) -> StretchSession:
    """Add a session starting at ``t0`` (s from local midnight) to the plan being built.

    Parameters
    ----------
    b : PlanDraft
        The day's plan draft (postures and segments are appended).
    t0 : float
        Session start (the first prompt), seconds from the day's local midnight.
    routine : str
        One of :data:`SESSION_TIMING`.
    fault : str
        ``""`` for done well, else one of ``FAULTS[routine]``.
    rng : numpy.random.Generator
        Draws of the performance.
    reps : int, optional
        Prompted repetitions (default per :data:`SESSION_TIMING`).

    Raises
    ------
    ValueError
        Unknown routine or a fault that routine does not have.
    """
    holds, length = session_windows(routine, reps)
    if fault and fault not in FAULTS[routine]:
        raise ValueError(f"{routine} has faults {FAULTS[routine]}, got {fault!r}")

    def u(lo: float, hi: float) -> float:
        return float(rng.uniform(lo, hi))

    lying = routine == "knee-twist" and fault != "sitting"
    if lying:
        ready = t0 + u(5.0, 9.0)  # lies down during the setup
        b.segment(t0, ready, "stretch", UPRIGHT, True)
        b.segment(ready, t0 + length, "stretch", LYING, True)
        neutral = (-u(82.0, 88.0), float(rng.normal(0.0, 2.0)), float(rng.normal(0.0, 3.0)))
    else:
        ready = t0 + u(2.0, 4.0)
        b.segment(t0, t0 + length, "stretch", UPRIGHT, True)
        neutral = (u(0.0, 4.0) if routine == "doorway-pec" else u(0.0, 6.0),
                   float(rng.normal(0.0, 1.5)), 0.0)
    n = len(holds)
    faulty = [bool(fault) and (fault in _EVERY_REP or rng.random() < 0.6) for _ in range(n)]
    if fault and not any(faulty):
        faulty[-1] = True
    out: list[StretchRep] = []
    t_neutral = ready
    for i, (a, w_end) in enumerate(holds):
        bad = faulty[i]
        side = ("left" if i % 2 == 0 else "right") if routine == "knee-twist" else ""
        in_at = t0 + a + u(0.5, 1.5)
        r_in, r_out = u(1.0, 2.0), u(1.0, 2.0)
        b.posture(t_neutral, in_at, *neutral, gain=0.3)
        hold_from = in_at + r_in
        hold_to = t0 + w_end + u(0.2, 0.8)
        if bad and fault == "short":
            hold_to = hold_from + (u(1.0, 2.5) if routine == "thoracic-extension" else u(3.0, 6.0))
        target = _target(routine, fault if bad else "", side, neutral, rng)
        if bad and fault in ("bounce", "fidget"):
            _oscillate(b, hold_from, hold_to, routine, target, rng)
        else:
            b.posture(hold_from, hold_to, *target, gain=0.25 if routine == "thoracic-extension" else 0.15)
        t_neutral = hold_to + r_out
        start, end = in_at + 0.5 * r_in - t0, hold_to + 0.5 * r_out - t0
        if routine == "doorway-pec":
            start, end = max(start, a), min(end, w_end)
        out.append(StretchRep(round(start, 6), round(end, 6), correct=not bad,
                              fault=fault if bad else "", side=side))
    b.posture(t_neutral, t0 + length, *neutral, gain=0.3)
    to_ns = b.day_start_ns
    return StretchSession(routine, fault, t0, t0 + length, to_ns + int(round(t0 * NS_PER_S)),
                          to_ns + int(round((t0 + length) * NS_PER_S)), holds, tuple(out))


def _target(routine: str, fault: str, side: str, neutral: tuple[float, float, float],
            rng: np.random.Generator) -> tuple[float, float, float]:
    """Held (flexion, lateral, axial) in degrees of one repetition."""
    flex, lat, axial = neutral
    if routine == "thoracic-extension":
        return (float(rng.uniform(20.0, 30.0)) if fault == "flexion" else -float(rng.uniform(15.0, 25.0)),
                lat + float(rng.normal(0.0, 1.0)), 0.0)
    if routine == "knee-twist":
        # knees to the left roll the upper trunk to the left: positive axial (twist < 0)
        sign = 1.0 if side == "left" else -1.0
        size = rng.uniform(25.0, 40.0)
        return flex, lat, axial + sign * float(size)
    if routine == "doorway-pec":
        return flex + float(rng.uniform(25.0, 35.0) if fault == "lean" else rng.uniform(6.0, 10.0)), lat, 0.0
    return flex - float(rng.uniform(0.5, 2.0)), lat, 0.0


def _oscillate(b: PlanDraft, t0: float, t1: float, routine: str,
               target: tuple[float, float, float], rng: np.random.Generator) -> None:
    """Bouncing about the extension, or leaning in and out in the doorway, on ``[t0, t1]``."""
    flex, lat, axial = target
    if routine == "thoracic-extension":
        half = 0.5 / float(rng.uniform(0.6, 1.0))
        amp = float(rng.uniform(6.0, 9.0))
        levels = (flex - amp, flex + amp)
        dwell = 0.05
    else:
        half = float(rng.uniform(2.0, 3.5))
        levels = (flex, flex + float(rng.uniform(7.0, 12.0)))
        dwell = 0.5 * half
    t, k = t0, 0
    while t < t1:
        end = min(t + dwell, t1)
        b.posture(t, end, levels[k % 2], lat, axial, gain=0.25)
        t, k = end + (half - dwell), k + 1
