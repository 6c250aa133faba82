"""The on-disk layout of stored samples: ``samples/participant=<p>/date=<local date>/``.

Every path into the hive-partitioned sample tree is built and parsed here, so the layout is
defined once (writer, reader, caches, tests and benchmarks all use these functions).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from vocab.units import NS_PER_S

__all__ = [
    "DATE_KEY",
    "candidate_date_bounds",
    "date_dir",
    "date_dirs",
    "date_of",
    "participant_dir",
]

DATE_KEY = "date"
"""Name of the local-date partition column (hive style, ``date=YYYY-MM-DD``)."""


def participant_dir(samples_dir: Path, participant: str) -> Path:
    """The folder holding one participant's samples."""
    return Path(samples_dir) / f"participant={participant}"


def date_dir(participant_root: Path, local_date: date | str) -> Path:
    """The folder of one local date (``date`` or ``YYYY-MM-DD``) under ``participant_root``."""
    text = local_date.isoformat() if isinstance(local_date, date) else str(local_date)
    return Path(participant_root) / f"{DATE_KEY}={text}"


def date_of(path: Path) -> date:
    """The local date of a sample file (from its ``date=`` folder) or of a ``date=`` folder."""
    folder = path if path.name.startswith(f"{DATE_KEY}=") else path.parent
    return date.fromisoformat(folder.name.removeprefix(f"{DATE_KEY}="))


def date_dirs(participant_root: Path) -> Iterator[tuple[str, Path]]:
    """``(YYYY-MM-DD, folder)`` of every date folder (directories only) under ``participant_root``, ascending."""
    if not participant_root.exists():
        return
    for folder in sorted(participant_root.glob(f"{DATE_KEY}=*")):
        if folder.is_dir():
            yield folder.name.removeprefix(f"{DATE_KEY}="), folder


def candidate_date_bounds(lo_ns: int | None, hi_ns: int | None) -> tuple[str | None, str | None]:
    """The range of local-date partitions that can hold samples in ``[lo_ns, hi_ns)``.

    Partitions are local dates; no zone is more than 14 h from UTC, so the UTC day before
    ``lo_ns`` to the UTC day after ``hi_ns`` keeps every candidate (the time filter does the
    rest). ``None`` leaves that side open.
    """

    def bound(t_ns: int | None, days: int) -> str | None:
        if t_ns is None:
            return None
        utc_day = datetime.fromtimestamp(t_ns / NS_PER_S, tz=UTC).date()
        return (utc_day + timedelta(days=days)).isoformat()

    return bound(lo_ns, -1), bound(hi_ns, +1)
