"""Time units and the one "positive and finite" check."""

from __future__ import annotations

import math

__all__ = ["NS_PER_MS", "NS_PER_S", "NS_PER_US", "require_positive_finite"]

NS_PER_S = 1_000_000_000
"""Nanoseconds per second: times are int64 ns since the Unix epoch (UTC)."""
NS_PER_MS = 1_000_000
NS_PER_US = 1_000


def require_positive_finite(name: str, value: float) -> float:
    """Return ``value`` as float if it is finite and > 0, else raise ``ValueError`` naming it.

    Parameters
    ----------
    name
        What the value is (shown in the message), e.g. ``"rate_hz"``.
    value
        The value to check.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}") from None
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return number
