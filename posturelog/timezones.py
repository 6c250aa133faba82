"""Time zones and time parsing: the wearer's local time ↔ UTC nanoseconds."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from posturelog.errors import InputError
from vocab.units import NS_PER_S

__all__ = [
    "MAX_TIME_NS",
    "MIN_TIME_NS",
    "check_time_range",
    "check_timezone",
    "gap_message",
    "has_offset",
    "machine_timezone",
    "parse_time",
    "time_ns",
]

#: Supported times: from 1970-01-01 (inclusive) to 2200-01-01 (exclusive), UTC. Every stored
#: time (samples and log entries) lies in this range, so it fits int64 nanoseconds and pandas
#: timestamps with room for a day's margin either side.
MIN_TIME_NS = 0
MAX_TIME_NS = 7_258_118_400 * NS_PER_S
_RANGE_TEXT = "1970-01-01 to 2199-12-31"
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
    """Return ``name`` if it is a known IANA zone, else raise InputError saying so."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {name!r} (use an IANA name such as Europe/London)") from None
    return name


def parse_time(text: str, timezone: str, *, now_ns: int | None = None) -> int:
    """Parse an ISO 8601 time to UTC nanoseconds.

    A time with a UTC offset (``Z`` or ``+01:00``) is taken as written; one without is the
    wearer's local wall time in ``timezone`` (DST-correct; an ambiguous time in the repeated
    hour is taken as the first occurrence). ``now`` is the current time.

    Raises
    ------
    InputError
        If the text is not an ISO 8601 date-time, is a local time that a DST change skips, or
        lies outside the supported range (1970 to 2199).
    """
    value = text.strip()
    if value.lower() == "now":
        return time_ns() if now_ns is None else now_ns
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"cannot read time {text!r}; use ISO 8601 like 2026-11-20T14:30 or 2026-11-20T14:30+01:00"
        ) from None
    if parsed.tzinfo is None:
        zone = ZoneInfo(check_timezone(timezone))
        naive = parsed
        parsed = naive.replace(tzinfo=zone)
        if parsed.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
            raise InputError(gap_message(text.strip(), timezone))
    if not 1 < parsed.year < 9999:
        raise InputError(f"time {text!r} is outside the supported range {_RANGE_TEXT}")
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    delta = parsed.astimezone(UTC) - epoch
    t_ns = (delta.days * 86400 + delta.seconds) * NS_PER_S + delta.microseconds * 1000
    return check_time_range(t_ns, text)


def gap_message(text: str, timezone: str) -> str:
    """Why a local wall time that a DST change skips cannot be used, and what to do instead."""
    return (
        f"local time {text!r} does not exist in {timezone} (the clocks skip it at a daylight "
        "saving change); write the time with its UTC offset, e.g. +01:00"
    )


def check_time_range(t_ns: int, text: str | None = None) -> int:
    """``t_ns`` if it lies in the supported range (1970 to 2199), else ValueError saying so."""
    if not MIN_TIME_NS <= t_ns < MAX_TIME_NS:
        what = f"time {text!r}" if text is not None else "a time"
        raise InputError(f"{what} is outside the supported range {_RANGE_TEXT}")
    return t_ns


def has_offset(text: str) -> bool:
    """Whether an ISO 8601 time string carries a UTC offset."""
    return bool(_OFFSET.search(text.strip()))


def time_ns() -> int:
    """Now, in UTC nanoseconds."""
    return time.time_ns()
