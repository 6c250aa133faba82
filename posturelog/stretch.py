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
from vocab.stretchnote import format_stretch_note

__all__ = [
    "ALIASES",
    "Prompt",
    "StretchAngles",
    "StretchPlan",
    "angles_from_samples",
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
