"""What ``posturelog sessions list`` shows: one row per recording or import session."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd
from rich.table import Table
from rich.text import Text

from posturelog.store import Store

__all__ = ["session_status", "sessions_table"]


def session_status(store: Store, session_id: int, stored: str) -> str:
    """``recording`` while a live process owns the session, else ``closed`` or ``interrupted``
    (a recording whose process died)."""
    if stored == "recording":
        return "recording" if store.is_live(session_id) else "interrupted"
    return stored


def _local(t_ns: float | None, zone: str) -> str:
    if t_ns is None or pd.isna(t_ns):
        return "—"
    return pd.Timestamp(int(t_ns), unit="ns", tz="UTC").tz_convert(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def sessions_table(store: Store) -> Table:
    """A rich table of sessions: id, start and end in the session's local time, model, samples,
    status. User-supplied text (model, source) is shown literally."""
    df = store.sessions()
    table = Table(title="Sessions (local time of each session's zone)")
    for col in ("id", "start", "end", "model", "samples", "status"):
        table.add_column(col, justify="right" if col in ("id", "samples") else "left", no_wrap=col != "model")
    for row in df.itertuples(index=False):
        zone = str(row.timezone)
        table.add_row(
            str(row.id),
            _local(row.started_ns, zone),
            _local(row.ended_ns, zone),
            Text(str(row.model)),
            f"{int(row.n_samples):,}",
            session_status(store, int(row.id), str(row.status)),
        )
    if df.empty:
        table.caption = "no sessions"
    return table
