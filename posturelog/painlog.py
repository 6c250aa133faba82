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
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.table import Table
from rich.text import Text

from posturelog.display import literal
from posturelog.errors import InputError, UserError
from posturelog.eventlog import EVENT_KINDS
from posturelog.inputfiles import check_input_file
from posturelog.outputs import private_text_file
from posturelog.painscore import check_pain_score
from posturelog.store import Store
from posturelog.timezones import check_timezone, parse_time, time_ns
from vocab.terms import REMEDY_KINDS
from vocab.units import NS_PER_S

__all__ = [
    "edit_entry",
    "export_log_csv",
    "import_log_csv",
    "list_table",
    "log_pain",
    "log_remedy",
    "parse_entry_id",
    "parse_score",
    "entry_time",
]

LOG_COLUMNS = ("time", "kind", "score", "note")
#: How far ahead of the clock an entry may be (clock skew between devices).
FUTURE_SLACK_NS = 60 * NS_PER_S
_ASCII_INT = re.compile(r"[0-9]+")
_MAX_ID = 2**63 - 1


def parse_score(text: str | int) -> int:
    """A pain score 0–10 from user text (ASCII digits only); InputError with the reason otherwise."""
    return check_pain_score(str(text))


def parse_entry_id(text: str | int) -> int:
    """A log entry id (a positive whole number in ASCII digits); InputError otherwise."""
    value = str(text).strip()
    if not _ASCII_INT.fullmatch(value) or not 0 < int(value) <= _MAX_ID:
        raise InputError(f"entry id must be a whole number from 'posturelog log list', got {value!r}")
    return int(value)


def entry_time(text: str | None, timezone: str, *, now_ns: int | None = None) -> int:
    """The time of a log entry: ``text`` (ISO 8601; local in ``timezone`` without an offset) or
    now. One rule for ``pain``/``remedy --at``, ``log edit --at`` and ``log import``.

    Raises
    ------
    ValueError
        For an unreadable time, a local time a DST change skips, one outside the supported
        range, or one in the future.
    """
    now = time_ns() if now_ns is None else now_ns
    t_ns = now if text is None else parse_time(text, timezone, now_ns=now)
    if t_ns > now + FUTURE_SLACK_NS:
        raise InputError(f"time {text} is in the future")
    return t_ns


def _when(store: Store, at: str | None) -> int:
    return entry_time(at, store.timezone())


def _local(store: Store, t_ns: int) -> str:
    return datetime.fromtimestamp(t_ns / NS_PER_S, tz=ZoneInfo(store.timezone())).isoformat(timespec="minutes")


def log_pain(store: Store, score: str | int, at: str | None, note: str = "") -> tuple[int, str]:
    """Validate and log a pain rating; returns (entry id, local time text)."""
    value = parse_score(score)
    t_ns = _when(store, at)
    return store.add_pain(t_ns, value, note), _local(store, t_ns)


def log_remedy(store: Store, kind: str, at: str | None, note: str = "") -> tuple[int, str]:
    """Validate and log a remedy; returns (entry id, local time text)."""
    kind = kind.strip().lower()
    if kind not in REMEDY_KINDS:
        raise InputError(f"unknown remedy {kind!r}; use one of {', '.join(REMEDY_KINDS)}")
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
        raise InputError("nothing to change: give --score, --at, --kind or --note")
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
            Text(str(row.id)),
            Text(row.time.tz_convert(zone).strftime("%Y-%m-%d %H:%M")),
            literal(row.kind),
            Text("" if row.score is None or str(row.score) == "<NA>" else str(row.score)),
            literal(row.note),
        )
    if df.empty:
        table.caption = "no entries"
    return table


def import_log_csv(store: Store, path: Path, timezone: str | None = None) -> tuple[int, int]:
    """Import a log CSV; every row is validated before anything is written.

    Rows identical to an entry already in the log (same time, kind, score and note), or to an
    earlier row of the file, are skipped, so importing a file twice adds nothing.

    Returns
    -------
    tuple of int
        Entries imported, exact duplicates skipped.

    Raises
    ------
    UserError
        With file, line and reason for the first bad row; nothing is imported then.
    """
    path = Path(path)
    zone = check_timezone(timezone) if timezone else store.timezone()
    check_input_file(path)
    rows = _read_log_rows(path, zone, time_ns())
    if not rows:
        raise UserError(f"{path}: no entries after the header")
    seen = {
        (int(r.time.value), str(r.kind), None if str(r.score) == "<NA>" else int(r.score), str(r.note))
        for r in store.log_entries().itertuples(index=False)
    }
    new: list[tuple[int, str, int | None, str]] = []
    for row in rows:
        if row not in seen:
            seen.add(row)
            new.append(row)
    if new:
        store.add_events(new)
    return len(new), len(rows) - len(new)


def _read_log_rows(path: Path, zone: str, now_ns: int) -> list[tuple[int, str, int | None, str]]:
    """Every row of a log CSV, validated; UserError with file, line and reason otherwise."""
    rows: list[tuple[int, str, int | None, str]] = []
    line = 1
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [(h or "").strip() for h in (reader.fieldnames or [])]
            missing = [c for c in ("time", "kind") if c not in header]
            if missing:
                raise UserError(
                    f"{path}, line 1: missing column(s) {', '.join(missing)}; expected time,kind,score,note"
                )
            reader.fieldnames = header
            for rec in reader:
                line = reader.line_num
                rows.append(_log_row(rec, zone, now_ns))
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text (is it a CSV file?)") from None
    except InputError as exc:
        raise UserError(f"{path}, line {line}: {exc}") from None
    except csv.Error as exc:
        raise UserError(f"{path}, line {line + 1}: not a readable CSV ({exc})") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({(exc.strerror or str(exc)).lower()})") from None
    return rows


def _log_row(rec: dict[str, str | None], zone: str, now_ns: int) -> tuple[int, str, int | None, str]:
    """One validated log CSV record as ``(t_ns, kind, score, note)``; InputError otherwise."""
    if None in rec:
        raise InputError("more cells than columns")
    kind = (rec.get("kind") or "").strip().lower()
    if kind not in EVENT_KINDS:
        raise InputError(f"unknown kind {kind!r}; use pain or one of {', '.join(REMEDY_KINDS)}")
    t_ns = entry_time(rec.get("time") or "", zone, now_ns=now_ns)
    score_text = (rec.get("score") or "").strip()
    score: int | None = None
    if kind == "pain":
        score = parse_score(score_text)
    elif score_text:
        raise InputError(f"a {kind} entry has no score, got {score_text!r}")
    return t_ns, kind, score, (rec.get("note") or "").strip()


def export_log_csv(store: Store, out: Path) -> int:
    """Write every log entry to an owner-only CSV in the import format (local times with offset).

    The file appears only when complete.
    """
    zone = ZoneInfo(store.timezone())
    df = store.log_entries()
    with private_text_file(Path(out)) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(LOG_COLUMNS)
        for row in df.itertuples(index=False):
            score = "" if str(row.score) == "<NA>" else str(row.score)
            writer.writerow([row.time.tz_convert(zone).isoformat(), row.kind, score, row.note])
    return len(df)
