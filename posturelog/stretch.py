"""``posturelog stretch [ROUTINE]``: prompted stretches checked with the sensor, logged as a remedy.

The core needs no Bluetooth: :func:`prompt_schedule` gives the spoken-style prompts and the
hold windows of a routine, :func:`check_stretch` checks a stream of angles against them with
:mod:`analysis.stretches`, and :func:`stretch_note` words the result for the ``stretch``
remedy's note. :func:`angles_from_samples` turns raw samples (the same BLE stream ``record``
uses) into the angles.

Routines (``analysis.stretches.ROUTINES``, ``doorway`` is accepted for ``doorway-pec``):

* ``thoracic-extension``: sitting, lean back over the chair back and hold 10 s, 5 times;
* ``knee-twist``: lying on the back, knees down to one side 20 s, then the other, 2 per side;
* ``doorway-pec``: forearms on a door frame, step through, hold 30 s, 3 times;
* ``scapular-squeeze``: squeeze the shoulder blades together 5 s, 10 times (timing only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.calibration import Mounting
from analysis.flexion import body_frame_up, flexion_angles
from analysis.stretches import (
    ROUTINES,
    StretchResult,
    doorway_pectoral,
    lying_knee_twist,
    lying_twist_deg,
    scapular_squeeze,
    thoracic_extension,
)
from analysis.tilt.gravity import gravity_direction
from posturelog.errors import UserError
from sensor.batch import SampleBatch
from vocab.samples import rate_from_times
from vocab.stretchnote import format_stretch_note
from vocab.units import NS_PER_S

__all__ = [
    "ALIASES",
    "REP_GRACE_S",
    "Prompt",
    "RepCheck",
    "RepetitionFeedback",
    "StretchAngles",
    "StretchPlan",
    "angles_from_samples",
    "check_repetition",
    "check_stretch",
    "prompt_schedule",
    "resolve_routine",
    "stretch_note",
]

log = logging.getLogger(__name__)

#: Other names accepted on the command line.
ALIASES: dict[str, str] = {"doorway": "doorway-pec", "thoracic": "thoracic-extension",
                           "twist": "knee-twist", "squeeze": "scapular-squeeze"}


@dataclass(frozen=True)
class Prompt:
    """One spoken-style prompt, ``at_s`` seconds after the routine starts."""

    at_s: float
    text: str


@dataclass(frozen=True)
class StretchPlan:
    """A routine's prompts and hold windows.

    Attributes
    ----------
    routine : str
    prompts : tuple of Prompt
        In time order.
    holds : tuple of (float, float)
        Prompted holds, seconds from the start.
    duration_s : float
        Length of the whole routine, seconds.
    """

    routine: str
    prompts: tuple[Prompt, ...]
    holds: tuple[tuple[float, float], ...]
    duration_s: float


def resolve_routine(name: str | None) -> str:
    """The routine's canonical name (default ``thoracic-extension``).

    Raises
    ------
    UserError
        An unknown routine (with the choices).
    """
    key = (name or "thoracic-extension").strip().lower()
    key = ALIASES.get(key, key)
    if key not in ROUTINES:
        raise UserError(f"unknown stretch routine {name!r}; choose one of "
                        f"{', '.join(r if r != 'doorway-pec' else 'doorway' for r in ROUTINES)}")
    return key


def prompt_schedule(routine: str, reps: int | None = None) -> StretchPlan:
    """Prompts and hold windows of a routine.

    Parameters
    ----------
    routine : str
        A name accepted by :func:`resolve_routine`.
    reps : int, optional
        Repetitions (per routine default: 5, 4 (2 per side), 3, 10).
    """
    r = resolve_routine(routine)
    defaults = {"thoracic-extension": 5, "knee-twist": 4, "doorway-pec": 3, "scapular-squeeze": 10}
    n = defaults[r] if reps is None else int(reps)
    if not 1 <= n <= 30:
        raise UserError(f"--reps must be 1–30, got {reps}")
    setup, hold, rest, intro = {
        "thoracic-extension": (6.0, 10.0, 8.0, "Sit tall on a chair with a low back. Hands behind your head."),
        "knee-twist": (15.0, 20.0, 8.0, "Lie on your back, knees bent, feet flat, arms out to the sides."),
        "doorway-pec": (10.0, 30.0, 10.0, "Stand in a doorway, forearms on the frame at shoulder height."),
        "scapular-squeeze": (5.0, 5.0, 5.0, "Sit or stand tall, arms relaxed by your sides."),
    }[r]
    prompts = [Prompt(0.0, intro)]
    holds = []
    t = setup
    for i in range(n):
        if r == "thoracic-extension":
            go, back = "Lean back over the chair, look up, and hold.", "And slowly come back up."
        elif r == "knee-twist":
            side = "left" if i % 2 == 0 else "right"
            go, back = f"Let both knees drop to the {side}. Keep your shoulders down. Hold.", "Knees back to the middle."
        elif r == "doorway-pec":
            go, back = "Step forward through the doorway until you feel the stretch. Hold.", "Step back and relax."
        else:
            go, back = "Squeeze your shoulder blades together and hold.", "And release."
        prompts.append(Prompt(t, f"{go} ({i + 1} of {n}, {hold:g} seconds)"))
        holds.append((t, t + hold))
        prompts.append(Prompt(t + hold, back))
        t += hold + rest
    prompts.append(Prompt(t, "Done. Well done."))
    return StretchPlan(r, tuple(prompts), tuple(holds), t)


@dataclass(frozen=True)
class StretchAngles:
    """Trunk angles during a routine, seconds from its start.

    Attributes
    ----------
    t_s : ndarray, shape (N,)
    flexion_deg, inclination_deg, twist_deg : ndarray, shape (N,)
        Degrees; twist is :func:`analysis.stretches.lying_twist_deg`.
    """

    t_s: NDArray[np.float64]
    flexion_deg: NDArray[np.float64]
    inclination_deg: NDArray[np.float64]
    twist_deg: NDArray[np.float64]


def angles_from_samples(t_s: ArrayLike, acc_mps2: ArrayLike, gyr_rads: ArrayLike | None, fs_hz: float,
                        mounting: Mounting) -> StretchAngles:
    """Angles of a routine from raw samples (the whole routine, zero-phase tilt filter).

    Parameters
    ----------
    t_s : array_like, shape (N,)
        Seconds from the routine's start.
    acc_mps2, gyr_rads : array_like, shape (N, 3)
        Sensor frame, m/s² and rad/s (gyroscope None for accelerometer-only sensors).
    fs_hz : float
    mounting : Mounting
        The wearer's calibration.
    """
    up = gravity_direction(acc_mps2, gyr_rads, fs_hz, causal=False)
    flex, _lat, inc = flexion_angles(up, mounting)
    twist = lying_twist_deg(body_frame_up(up, mounting))
    return StretchAngles(np.asarray(t_s, dtype=float), flex, inc, twist)


def check_stretch(plan: StretchPlan, angles: StretchAngles | None) -> StretchResult:
    """Check a routine's angles against its prompts (:mod:`analysis.stretches`).

    ``angles`` may be None only for ``scapular-squeeze`` (timing only).

    Raises
    ------
    UserError
        No sensor data for a routine that needs it.
    """
    if plan.routine == "scapular-squeeze":
        return scapular_squeeze(plan.holds)
    if angles is None or angles.t_s.size < 2:
        raise UserError(f"no sensor data during the {plan.routine} routine; is the sensor on and connected?")
    a = angles
    if plan.routine == "thoracic-extension":
        return thoracic_extension(a.t_s, a.flexion_deg)
    if plan.routine == "knee-twist":
        return lying_knee_twist(a.t_s, a.inclination_deg, a.twist_deg)
    return doorway_pectoral(a.t_s, a.flexion_deg, a.inclination_deg, plan.holds)


def stretch_note(plan: StretchPlan, result: StretchResult) -> str:
    """The ``stretch`` remedy's note: routine, reps, holds, what was verified vs timing only
    (:func:`vocab.stretchnote.format_stretch_note`, which the report reads back)."""
    return format_stretch_note(result.routine, result.reps, len(plan.holds), result.holds_s,
                               sides=result.sides, rejected=result.rejected,
                               verified=result.verified, timing_only=result.timing_only)


#: Seconds after a prompted hold ends before its repetition is checked live (reaction and the
#: ramp out of the position).
REP_GRACE_S = 4.0


@dataclass(frozen=True)
class RepCheck:
    """The live verdict on one prompted repetition.

    Attributes
    ----------
    index : int
        0-based repetition.
    prompted : int
        Repetitions prompted.
    counted : bool
        The sensor counted it (for the scapular squeeze: timed from the prompt).
    hold_s : float or None
        Hold duration, seconds (None when not counted).
    reason : str
        Why it was not counted ("" when counted).
    side : str
        Knee twist: the side the sensor saw ("" otherwise).
    expected_side : str
        Knee twist: the prompted side.
    """

    index: int
    prompted: int
    counted: bool
    hold_s: float | None
    reason: str = ""
    side: str = ""
    expected_side: str = ""

    def line(self) -> str:
        """One line for the terminal."""
        head = f"Repetition {self.index + 1} of {self.prompted}: "
        if not self.counted:
            return head + "not counted: " + self.reason + "."
        text = head + "counted"
        if self.hold_s is not None:
            text += f", held {self.hold_s:.0f} s"
        if self.side:
            text += f", to the {self.side}"
            if self.expected_side and self.side != self.expected_side:
                text += f" (the prompt said {self.expected_side})"
        return text + (f" ({self.reason})" if self.reason else "") + "."


def _pick_reason(reasons: tuple[str, ...]) -> str:
    """The most telling reason: in and out of the position (bouncing), then not still, then
    the first."""
    if len(reasons) >= 3:
        return (f"moved in and out of the position {len(reasons)} times (bouncing?), never "
                "still long enough")
    still = [r for r in reasons if "not still" in r]
    return (still or list(reasons))[0]


def check_repetition(plan: StretchPlan, index: int, angles: StretchAngles | None,
                     grace_s: float = REP_GRACE_S) -> RepCheck:
    """Check one prompted repetition on the angles around its hold (:mod:`analysis.stretches`).

    The routine's check runs on the samples from 2 s before the hold prompt to ``grace_s``
    after its end (never into the next hold), so a verdict is ready ``grace_s`` after the
    "come back" prompt.

    Parameters
    ----------
    plan : StretchPlan
    index : int
        0-based repetition.
    angles : StretchAngles or None
        The routine's angles so far (seconds from the first prompt); None only for the
        scapular squeeze.
    grace_s : float
        Seconds after the hold's end included, s.

    Raises
    ------
    ValueError
        ``index`` out of range.
    """
    n = len(plan.holds)
    if not 0 <= index < n:
        raise ValueError(f"repetition index must be 0..{n - 1}, got {index}")
    a, b = plan.holds[index]
    expected = ("left" if index % 2 == 0 else "right") if plan.routine == "knee-twist" else ""
    if plan.routine == "scapular-squeeze":
        return RepCheck(index, n, True, b - a, "timed from the prompts: the sensor cannot see "
                        "the shoulder blades")
    hi = b + grace_s if index + 1 == n else min(b + grace_s, plan.holds[index + 1][0] - 0.5)
    if angles is None:
        return RepCheck(index, n, False, None, "no sensor data during this hold", "", expected)
    sel = (angles.t_s >= a - 2.0) & (angles.t_s < hi)
    if int(sel.sum()) < 2:
        return RepCheck(index, n, False, None, "no sensor data during this hold", "", expected)
    window = StretchAngles(angles.t_s[sel], angles.flexion_deg[sel], angles.inclination_deg[sel],
                           angles.twist_deg[sel])
    if plan.routine == "thoracic-extension":
        return _rep_extension(index, n, window)
    if plan.routine == "knee-twist":
        return _rep_twist(index, n, window, expected)
    r = doorway_pectoral(window.t_s, window.flexion_deg, window.inclination_deg, [(a, b)])
    if r.reps:
        return RepCheck(index, n, True, r.holds_s[0])
    return RepCheck(index, n, False, None, r.reasons[0] if r.reasons else "not checked")


def _rep_extension(index: int, n: int, w: StretchAngles) -> RepCheck:
    """One thoracic extension repetition (angles around its hold)."""
    r = thoracic_extension(w.t_s, w.flexion_deg)
    if r.reps:
        return RepCheck(index, n, True, max(r.holds_s))
    if r.reasons:
        return RepCheck(index, n, False, None, _pick_reason(r.reasons))
    peak, least = float(np.nanmax(w.flexion_deg)), float(np.nanmin(w.flexion_deg))
    if peak > 10.0:
        return RepCheck(index, n, False, None,
                        f"bent forward (up to {peak:.0f}°) instead of leaning back")
    return RepCheck(index, n, False, None,
                    f"did not lean back far enough (at most {max(-least, 0.0):.0f}° back)")


def _rep_twist(index: int, n: int, w: StretchAngles, expected: str) -> RepCheck:
    """One lying knee twist repetition (angles around its hold)."""
    r = lying_knee_twist(w.t_s, w.inclination_deg, w.twist_deg)
    if r.reps:
        i = int(np.argmax(r.holds_s))
        return RepCheck(index, n, True, r.holds_s[i], "", r.sides[i], expected)
    if r.reasons:
        return RepCheck(index, n, False, None, _pick_reason(r.reasons), "", expected)
    inc = float(np.nanmedian(w.inclination_deg))
    if inc < 60.0:
        return RepCheck(index, n, False, None,
                        f"not lying on your back (trunk {inc:.0f}° from upright)", "", expected)
    return RepCheck(index, n, False, None, "no trunk twist to either side (largest "
                    f"{float(np.nanmax(np.abs(w.twist_deg))):.0f}°)", "", expected)


class RepetitionFeedback:
    """Per-repetition verdicts while a routine streams: feed batches, get :class:`RepCheck`s.

    Each repetition is checked once the samples reach ``grace_s`` past the end of its hold,
    with the angles of all samples so far (:func:`angles_from_samples`, the same filter as the
    final check).

    Parameters
    ----------
    plan : StretchPlan
    mounting : Mounting or None
        None only for the scapular squeeze.
    grace_s : float
        Seconds after each hold before it is checked.
    """

    def __init__(self, plan: StretchPlan, mounting: Mounting | None,
                 grace_s: float = REP_GRACE_S) -> None:
        if mounting is None and plan.routine != "scapular-squeeze":
            raise ValueError(f"{plan.routine} needs a mounting (calibration) to be checked")
        self.plan = plan
        self.mounting = mounting
        self.grace_s = float(grace_s)
        self.checks: list[RepCheck] = []
        self._t: list[NDArray[np.int64]] = []
        self._acc: list[NDArray[np.float64]] = []
        self._gyr: list[NDArray[np.float64] | None] = []

    def _angles(self, start_ns: int) -> StretchAngles | None:
        if self.mounting is None or not self._t:
            return None
        t_ns = np.concatenate(self._t)
        if t_ns.size < 2:
            return None
        gyr = (np.concatenate([g for g in self._gyr if g is not None])
               if all(g is not None for g in self._gyr) else None)
        fs = rate_from_times(t_ns)
        return angles_from_samples((t_ns - start_ns) / NS_PER_S, np.concatenate(self._acc), gyr, fs,
                                   self.mounting)

    def add(self, batch: SampleBatch, start_ns: int) -> list[RepCheck]:
        """Take a batch (``start_ns``: UTC ns of the first prompt); the repetitions now due."""
        if batch.t_ns.size:
            self._t.append(np.asarray(batch.t_ns, dtype=np.int64))
            self._acc.append(np.asarray(batch.acc_mps2, dtype=np.float64))
            self._gyr.append(None if batch.gyr_rads is None
                             else np.asarray(batch.gyr_rads, dtype=np.float64))
        if not self._t:
            return []
        latest_s = (int(self._t[-1][-1]) - start_ns) / NS_PER_S
        due = [i for i in range(len(self.checks), len(self.plan.holds))
               if latest_s >= self.plan.holds[i][1] + self.grace_s]
        return self._check(due, start_ns)

    def finish(self, start_ns: int) -> list[RepCheck]:
        """Check the repetitions not yet checked (the stream ended early)."""
        return self._check(list(range(len(self.checks), len(self.plan.holds))), start_ns)

    def _check(self, due: list[int], start_ns: int) -> list[RepCheck]:
        if not due:
            return []
        angles = self._angles(start_ns)
        out = [check_repetition(self.plan, i, angles, self.grace_s) for i in due]
        self.checks.extend(out)
        return out
