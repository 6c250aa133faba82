"""The one pain-score rule: a whole number on the 0–10 numeric rating scale."""

from __future__ import annotations

import re

from posturelog.errors import InputError

__all__ = ["MAX_PAIN", "MIN_PAIN", "check_pain_score"]

MIN_PAIN, MAX_PAIN = 0, 10
_ASCII_INT = re.compile(r"[0-9]+")


def check_pain_score(value: object, where: str = "") -> int:
    """Return ``value`` as an int if it is a whole number from 0 to 10.

    Parameters
    ----------
    value
        An ``int`` (not ``bool``), an integral float, or text of ASCII digits.
    where
        Appended to the message (e.g. ``" at 2026-11-20 14:30"``).

    Raises
    ------
    InputError
        Otherwise, saying what was given.
    """
    score: int | None = None
    if isinstance(value, str):
        text = value.strip()
        score = int(text) if _ASCII_INT.fullmatch(text) else None
    elif isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        score = int(value)
    if score is None or not MIN_PAIN <= score <= MAX_PAIN:
        shown = value.strip() if isinstance(value, str) else value
        raise InputError(f"pain score must be a whole number from {MIN_PAIN} to {MAX_PAIN}, got {shown!r}{where}")
    return score
