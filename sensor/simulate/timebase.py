"""Local wall-clock time of the wearer → UTC nanoseconds (DST-correct)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from vocab.units import NS_PER_S

__all__ = ["local_ns"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def local_ns(tz: ZoneInfo, date: dt.date, hours: float) -> int:
    """UTC ns of the local wall-clock time ``hours`` after midnight on ``date``.

    Parameters
    ----------
    tz : zoneinfo.ZoneInfo
        The wearer's time zone.
    date : datetime.date
        Local date.
    hours : float
        Hours after local midnight (may exceed 24 or be negative).

    Returns
    -------
    int
        Nanoseconds since the Unix epoch (UTC).
    """
    naive = dt.datetime.combine(date, dt.time()) + dt.timedelta(hours=hours)
    aware = naive.replace(tzinfo=tz)
    delta = aware - _EPOCH
    return (delta.days * 86400 + delta.seconds) * NS_PER_S + delta.microseconds * 1000
