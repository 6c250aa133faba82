"""ISO weeks: parsing ``2026-W47``, the default week to report, and a week's UTC bounds."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from posturelog.errors import UserError

__all__ = ["IsoWeek", "resolve_week", "week_bounds_ns"]

log = logging.getLogger(__name__)

_WEEK_RE = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week (Monday to Sunday).

    Attributes
    ----------
    year : int
        ISO year.
    week : int
        ISO week number (1–53).
    """

    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """Parse ``"2026-W47"`` (also ``2026W47``, ``2026-w47``).

        Raises
        ------
        UserError
            With a one-line reason when the text is not an existing ISO week.
        """
        match = _WEEK_RE.match(text or "")
        if not match:
            raise UserError(f"--week must look like 2026-W47, got {text!r}")
        year, week = int(match.group(1)), int(match.group(2))
        try:
            dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise UserError(f"--week {text!r}: {year} has no ISO week {week}") from None
        return cls(year, week)

    @classmethod
    def of(cls, day: dt.date) -> IsoWeek:
        """The ISO week containing ``day``."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def label(self) -> str:
        """``"2026-W47"``."""
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> dt.date:
        """First local day of the week."""
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> dt.date:
        """Last local day of the week."""
        return self.monday + dt.timedelta(days=6)

    @property
    def days(self) -> list[dt.date]:
        """The seven local dates, Monday first."""
        return [self.monday + dt.timedelta(days=i) for i in range(7)]

    def previous(self) -> IsoWeek:
        """The week before."""
        return IsoWeek.of(self.monday - dt.timedelta(days=7))

    def contains(self, day: dt.date) -> bool:
        """Whether the local date ``day`` lies in this week."""
        return self.monday <= day <= self.sunday

    def span_text(self) -> str:
        """``"Mon 16 – Sun 22 November 2026"``."""
        a, b = self.monday, self.sunday
        if a.month == b.month:
            return f"Mon {a.day} – Sun {b.day} {b:%B %Y}"
        if a.year == b.year:
            return f"Mon {a.day} {a:%B} – Sun {b.day} {b:%B %Y}"
        return f"Mon {a.day} {a:%B %Y} – Sun {b.day} {b:%B %Y}"

    def __str__(self) -> str:
        return self.label


def week_bounds_ns(week: IsoWeek, tz: str) -> tuple[int, int]:
    """UTC nanoseconds of local midnight starting Monday and ending Sunday of ``week``."""
    start = pd.Timestamp(week.monday).tz_localize(tz, nonexistent="shift_forward")
    end = pd.Timestamp(week.sunday + dt.timedelta(days=1)).tz_localize(
        tz, nonexistent="shift_forward")
    return int(start.value), int(end.value)


def resolve_week(
    week: str | None, local_dates: Sequence[dt.date], today: dt.date
) -> tuple[IsoWeek, bool]:
    """The week to report and whether it is complete (its Sunday has passed).

    Parameters
    ----------
    week
        ``"2026-W47"`` or None for the default: the last complete ISO week with data; when no
        week with data is complete yet, the latest week with data (a partial week).
    local_dates
        Local dates (wearer's zone) that hold samples.
    today
        Today's local date in the wearer's zone.

    Returns
    -------
    (IsoWeek, bool)
        The week and whether it has ended.

    Raises
    ------
    UserError
        For a malformed week, a week without data, or a store without any data.
    """
    dates = sorted(set(local_dates))
    if week is not None:
        chosen = IsoWeek.parse(week)
        if not any(chosen.contains(d) for d in dates):
            if dates:
                have = sorted({IsoWeek.of(d).label for d in dates})
                shown = ", ".join(have[-4:])
                raise UserError(f"no recorded data in week {chosen.label} (weeks with data: {shown})")
            raise UserError(f"no recorded data in week {chosen.label}: the store holds no samples")
        return chosen, chosen.sunday < today
    if not dates:
        raise UserError("no recorded data yet: record, import or run 'posturelog demo' first")
    weeks = sorted({IsoWeek.of(d) for d in dates})
    complete = [w for w in weeks if w.sunday < today]
    if complete:
        return complete[-1], True
    log.info("no complete ISO week with data yet; reporting the partial week %s", weeks[-1])
    return weeks[-1], False
