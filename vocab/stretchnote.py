"""The ``stretch`` remedy's note: one wording written by ``posturelog stretch`` and the simulator,
read back by the report's remedy analysis.

A note looks like::

    thoracic-extension: 4 of 5 reps counted. holds 9, 10, 8, 9 s. 1 attempt(s) not counted.
    verified by the sensor: extension beyond upright by more than 10°; ... .

A stretch is **verified** when the sensor checked the routine (not the scapular squeeze, which
it can only time) and counted at least one repetition. Anything else logged as a stretch (a
note without this form, a routine the sensor cannot see, no repetition counted) is
**logged only**.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "SENSOR_CHECKED_ROUTINES",
    "STRETCH_ROUTINES",
    "StretchNote",
    "format_stretch_note",
    "is_verified_stretch",
    "parse_stretch_note",
]

#: Routine names (``posturelog stretch ROUTINE``).
STRETCH_ROUTINES: tuple[str, ...] = ("thoracic-extension", "knee-twist", "doorway-pec",
                                     "scapular-squeeze")

#: Routines whose repetitions the back-worn sensor checks (the squeeze is timing only).
SENSOR_CHECKED_ROUTINES: tuple[str, ...] = STRETCH_ROUTINES[:3]

_HEAD = re.compile(r"^\s*(?P<routine>[a-z-]+): (?P<reps>\d+) of (?P<prompted>\d+) reps counted\.")
_NOTHING = "verified by the sensor: nothing"


@dataclass(frozen=True)
class StretchNote:
    """What a ``stretch`` note says.

    Attributes
    ----------
    routine : str
        One of :data:`STRETCH_ROUTINES`.
    reps, prompted : int
        Repetitions counted, and prompted.
    sensor_checked : bool
        The sensor verified something (the note does not say "verified by the sensor: nothing").
    """

    routine: str
    reps: int
    prompted: int
    sensor_checked: bool

    @property
    def verified(self) -> bool:
        """Sensor-checked routine with at least one counted repetition."""
        return self.sensor_checked and self.routine in SENSOR_CHECKED_ROUTINES and self.reps >= 1


def format_stretch_note(routine: str, reps: int, prompted: int, holds_s: Sequence[float], *,
                        sides: Sequence[str] = (), rejected: int = 0,
                        verified: Sequence[str] = (), timing_only: Sequence[str] = ()) -> str:
    """The note: routine, reps counted of prompted, holds (s), sides, attempts not counted,
    what the sensor verified and what was timing only.

    Raises
    ------
    ValueError
        Unknown routine, or counts out of range.
    """
    if routine not in STRETCH_ROUTINES:
        raise ValueError(f"unknown stretch routine {routine!r}; expected one of {STRETCH_ROUTINES}")
    if not 0 <= reps <= prompted or rejected < 0:
        raise ValueError(f"need 0 <= reps <= prompted and rejected >= 0, got reps={reps}, "
                         f"prompted={prompted}, rejected={rejected}")
    held = ", ".join(f"{h:.0f}" for h in holds_s) or "none"
    parts = [f"{routine}: {reps} of {prompted} reps counted", f"holds {held} s"]
    if sides:
        parts.append("sides " + ", ".join(sides))
    if rejected:
        parts.append(f"{rejected} attempt(s) not counted")
    parts.append("verified by the sensor: " + ("; ".join(verified) or "nothing"))
    if timing_only:
        parts.append("timing only: " + "; ".join(timing_only))
    return ". ".join(parts) + "."


def parse_stretch_note(note: str | None) -> StretchNote | None:
    """Read a note written by :func:`format_stretch_note`; None for any other note."""
    if not note:
        return None
    m = _HEAD.match(note)
    if m is None or m["routine"] not in STRETCH_ROUTINES:
        return None
    return StretchNote(m["routine"], int(m["reps"]), int(m["prompted"]),
                       sensor_checked=_NOTHING not in note)


def is_verified_stretch(note: str | None) -> bool:
    """Whether a ``stretch`` remedy's note records a verified stretch (see the module doc)."""
    parsed = parse_stretch_note(note)
    return parsed is not None and parsed.verified
