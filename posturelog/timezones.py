"""Time zones and time parsing: the wearer's local time ↔ UTC nanoseconds."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["check_timezone", "has_offset", "machine_timezone", "parse_time", "time_ns"]

_NS = 1_000_000_000
_OFFSET = re.compile(r"(Z|[+-]\d{2}(:?\d{2})?)$", re.IGNORECASE)


def machine_timezone() -> str:
    """The machine's IANA zone (``$TZ``, ``/etc/timezone``, the ``/etc/localtime`` link), else UTC."""
    tz = os.environ.get("TZ", "").lstrip(":")
    candidates = [tz]
    try:
        candidates.append(Path("/etc/timezone").read_text().strip())
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return name
    return "UTC"


def check_timezone(name: str) -> str:
    """Return ``name`` if it is a known IANA zone, else raise ValueError saying so."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/London)") from None
    return name


def parse_time(text: str, timezone: str, *, now_ns: int | None = None) -> int:
    """Parse an ISO 8601 time to UTC nanoseconds.

    A time with a UTC offset (``Z`` or ``+01:00``) is taken as written; one without is the
    wearer's local wall time in ``timezone`` (DST-correct; an ambiguous time in the repeated
    hour is taken as the first occurrence). ``now`` is the current time.

    Raises
    ------
    ValueError
        If the text is not an ISO 8601 date-time.
    """
    value = text.strip()
    if value.lower() == "now":
        return time_ns() if now_ns is None else now_ns
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"cannot read time {text!r}; use ISO 8601 like 2026-11-20T14:30 or 2026-11-20T14:30+01:00"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(check_timezone(timezone)))
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    delta = parsed.astimezone(UTC) - epoch
    return (delta.days * 86400 + delta.seconds) * _NS + delta.microseconds * 1000


def has_offset(text: str) -> bool:
    """Whether an ISO 8601 time string carries a UTC offset."""
    return bool(_OFFSET.search(text.strip()))


def time_ns() -> int:
    """Now, in UTC nanoseconds."""
    return time.time_ns()
