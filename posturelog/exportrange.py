"""The ``--from`` / ``--to`` range of an export, read once for every export command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from posturelog.errors import UserError
from posturelog.timezones import parse_time

if TYPE_CHECKING:
    from posturelog.store import Store

__all__ = ["ExportRange", "export_range"]


@dataclass(frozen=True)
class ExportRange:
    """An export's bounds (UTC ns, None: open) in the wearer's ``zone`` and the stored ``days``."""

    zone: str
    start_ns: int | None
    end_ns: int | None
    days: list[date]


def export_range(store: Store, start: str | None, end: str | None) -> ExportRange:
    """Read ``--from`` / ``--to`` (ISO 8601; local time without an offset) against ``store``.

    Raises
    ------
    UserError
        When a time cannot be read, the range is empty, or no samples are stored.
    """
    zone = store.timezone()
    start_ns = parse_time(start, zone) if start else None
    end_ns = parse_time(end, zone) if end else None
    if start_ns is not None and end_ns is not None and end_ns <= start_ns:
        raise UserError(f"--to ({end}) must be after --from ({start})")
    days = store.local_dates()
    if not days:
        raise UserError(f"no samples stored in {store.data_dir}")
    return ExportRange(zone, start_ns, end_ns, days)
