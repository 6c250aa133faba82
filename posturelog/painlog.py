"""The wearer's pain and remedy log: validation, listing, CSV import/export.

Log CSV format (one header line)::

    time,kind,score,note
    2026-11-20T14:30:00+00:00,pain,4,after a long meeting
    2026-11-20T18:00:00+00:00,heat,,hot water bottle 20 min

``kind`` is ``pain`` (``score`` 0–10 required) or a remedy: stretch, heat, ice, painkiller,
physio (``score`` empty). Times are ISO 8601; without an offset they are the wearer's local time.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.table import Table

from posturelog.errors import UserError
from posturelog.store import EVENT_KINDS, REMEDY_KINDS, Store
from posturelog.timezones import check_timezone, parse_time, time_ns

__all__ = [
    "edit_entry",
    "export_log_csv",
    "import_log_csv",
    "list_table",
    "log_pain",
    "log_remedy",
    "parse_score",
]

_NS = 1_000_000_000
LOG_COLUMNS = ("time", "kind", "score", "note")


def parse_score(text: str | int) -> int:
    """A pain score 0–10 from user text; ValueError with the reason otherwise."""
    value = str(text).strip()
    try:
        score = int(value)
    except ValueError:
        raise ValueError(f"pain score must be a whole number from 0 to 10, got {value!r}") from None
    if not 0 <= score <= 10:
        raise ValueError(f"pain score must be from 0 to 10, got {score}")
    return score


def _when(store: Store, at: str | None) -> int:
    now = time_ns()
    t_ns = now if at is None else parse_time(at, store.timezone())
    if t_ns > now + 60 * _NS:
        raise ValueError(f"time {at} is in the future")
    return t_ns


def _local(store: Store, t_ns: int) -> str:
    return datetime.fromtimestamp(t_ns / _NS, tz=ZoneInfo(store.timezone())).isoformat(timespec="minutes")


def log_pain(store: Store, score: str | int, at: str | None, note: str = "") -> tuple[int, str]:
    """Validate and log a pain rating; returns (entry id, local time text)."""
    value = parse_score(score)
    t_ns = _when(store, at)
    return store.add_pain(t_ns, value, note), _local(store, t_ns)


def log_remedy(store: Store, kind: str, at: str | None, note: str = "") -> tuple[int, str]:
    """Validate and log a remedy; returns (entry id, local time text)."""
    kind = kind.strip().lower()
    if kind not in REMEDY_KINDS:
        raise ValueError(f"unknown remedy {kind!r}; use one of {', '.join(REMEDY_KINDS)}")
    t_ns = _when(store, at)
    return store.add_remedy(t_ns, kind, note), _local(store, t_ns)


def edit_entry(
    store: Store,
    entry_id: int,
    *,
    score: str | None = None,
    at: str | None = None,
    kind: str | None = None,
    note: str | None = None,
) -> None:
    """Change fields of a log entry after validating them."""
    if score is None and at is None and kind is None and note is None:
        raise ValueError("nothing to change: give --score, --at, --kind or --note")
    store.edit_entry(
        entry_id,
        t_ns=None if at is None else _when(store, at),
        score=None if score is None else parse_score(score),
        kind=None if kind is None else kind.strip().lower(),
        note=note,
    )


def list_table(store: Store, start: str | None = None, end: str | None = None) -> Table:
    """A rich table of log entries in local time."""
    zone = store.timezone()
    df = store.log_entries(
        None if start is None else parse_time(start, zone), None if end is None else parse_time(end, zone)
    )
    table = Table(title=f"Pain and remedy log ({zone})")
    for col in ("id", "time", "kind", "score", "note"):
        table.add_column(col, justify="right" if col in ("id", "score") else "left")
    for row in df.itertuples(index=False):
        table.add_row(
            str(row.id),
            row.time.tz_convert(zone).strftime("%Y-%m-%d %H:%M"),
            str(row.kind),
            "" if row.score is None or str(row.score) == "<NA>" else str(row.score),
            str(row.note),
        )
    if df.empty:
        table.caption = "no entries"
    return table


def import_log_csv(store: Store, path: Path, timezone: str | None = None) -> int:
    """Import a log CSV; every row is validated before anything is written.

    Raises
    ------
    UserError
        With file, line and reason for the first bad row; nothing is imported then.
    """
    path = Path(path)
    zone = check_timezone(timezone) if timezone else store.timezone()
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    rows: list[tuple[int, str, int | None, str]] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in ("time", "kind") if c not in header]
        if missing:
            raise UserError(f"{path}, line 1: missing column(s) {', '.join(missing)}; expected time,kind,score,note")
        reader.fieldnames = header
        for line, rec in enumerate(reader, start=2):
            try:
                kind = (rec.get("kind") or "").strip().lower()
                if kind not in EVENT_KINDS:
                    raise ValueError(f"unknown kind {kind!r}; use pain or one of {', '.join(REMEDY_KINDS)}")
                t_ns = parse_time(rec.get("time") or "", zone)
                score_text = (rec.get("score") or "").strip()
                if kind == "pain":
                    score: int | None = parse_score(score_text)
                elif score_text:
                    raise ValueError(f"a {kind} entry has no score, got {score_text!r}")
                else:
                    score = None
            except ValueError as exc:
                raise UserError(f"{path}, line {line}: {exc}") from None
            rows.append((t_ns, kind, score, (rec.get("note") or "").strip()))
    if not rows:
        raise UserError(f"{path}: no entries after the header")
    store.add_events(rows)
    return len(rows)


def export_log_csv(store: Store, out: Path) -> int:
    """Write every log entry to a CSV in the import format (local times with offset)."""
    zone = ZoneInfo(store.timezone())
    df = store.log_entries()
    tmp = Path(out).with_name(Path(out).name + ".part")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(LOG_COLUMNS)
        for row in df.itertuples(index=False):
            score = "" if str(row.score) == "<NA>" else str(row.score)
            writer.writerow([row.time.tz_convert(zone).isoformat(), row.kind, score, row.note])
    tmp.replace(out)
    return len(df)
