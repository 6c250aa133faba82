"""Commands on the pain/remedy log: ``pain``, ``remedy`` and ``log list|edit|delete|import|export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from posturelog.commands.common import (
    CsvOut,
    DataDir,
    EntryTime,
    FromTime,
    ToTime,
    console,
    open_store,
    say,
    user_errors,
)

__all__ = ["pain", "remedy", "log_list", "log_edit", "log_delete", "log_import", "log_export"]


@user_errors
def pain(
    score: Annotated[str, typer.Argument(help="Pain right now, 0 (none) to 10 (worst imaginable).")],
    data_dir: DataDir = None,
    at: EntryTime = None,
    note: Annotated[str, typer.Option("--note", help="Free text.")] = "",
) -> None:
    """Log a pain rating (0–10)."""
    from posturelog.painlog import log_pain

    store = open_store(data_dir)
    entry_id, when = log_pain(store, score, at, note)
    say(f"Logged pain {score.strip()} at {when} (entry {entry_id}).")


@user_errors
def remedy(
    kind: Annotated[str, typer.Argument(help="stretch, heat, ice, painkiller or physio.")],
    data_dir: DataDir = None,
    at: EntryTime = None,
    note: Annotated[str, typer.Option("--note", help="Free text, e.g. which stretch or dose.")] = "",
) -> None:
    """Log a remedy: stretch, heat, ice, painkiller or physio."""
    from posturelog.painlog import log_remedy

    store = open_store(data_dir)
    entry_id, when = log_remedy(store, kind, at, note)
    say(f"Logged {kind.strip().lower()} at {when} (entry {entry_id}).")


@user_errors
def log_list(
    data_dir: DataDir = None,
    from_: FromTime = None,
    to: ToTime = None,
) -> None:
    """List pain and remedy entries."""
    from posturelog.painlog import list_table

    store = open_store(data_dir, tighten=False)
    console.print(list_table(store, from_, to))


@user_errors
def log_edit(
    entry_id: Annotated[str, typer.Argument(help="Entry id from 'posturelog log list'.")],
    data_dir: DataDir = None,
    score: Annotated[str | None, typer.Option("--score", help="New pain score 0–10.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="New time (ISO 8601).")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="New remedy kind.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="New note.")] = None,
) -> None:
    """Change an entry."""
    from posturelog.painlog import edit_entry, parse_entry_id

    number = parse_entry_id(entry_id)
    store = open_store(data_dir)
    edit_entry(store, number, score=score, at=at, kind=kind, note=note)
    say(f"Entry {number} updated.")


@user_errors
def log_delete(
    entry_id: Annotated[str, typer.Argument(help="Entry id from 'posturelog log list'.")],
    data_dir: DataDir = None,
) -> None:
    """Delete an entry."""
    from posturelog.painlog import parse_entry_id

    number = parse_entry_id(entry_id)
    store = open_store(data_dir)
    store.delete_entry(number)
    say(f"Entry {number} deleted.")


@user_errors
def log_import(
    file: Annotated[Path, typer.Argument(help="CSV with time,kind,score,note.")],
    data_dir: DataDir = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="Zone for times without offset.")] = None,
) -> None:
    """Import pain and remedy entries from CSV (all rows or nothing)."""
    from posturelog.painlog import import_log_csv

    store = open_store(data_dir)
    n, skipped = import_log_csv(store, file, timezone)
    extra = f"; skipped {skipped} already in the log" if skipped else ""
    say(f"Imported {n} entries from {file}{extra}.")


@user_errors
def log_export(
    out: CsvOut,
    data_dir: DataDir = None,
) -> None:
    """Export pain and remedy entries to CSV."""
    from posturelog.painlog import export_log_csv

    store = open_store(data_dir, tighten=False)
    n = export_log_csv(store, out)
    say(f"Wrote {n} entries to {out}.")
