"""Commands on sessions: ``sessions list`` and ``sessions delete``."""

from __future__ import annotations

from typing import Annotated

import typer

from posturelog.commands.common import (
    DataDir,
    console,
    open_store,
    user_errors,
)
from posturelog.errors import UserError

__all__ = ["sessions_delete", "sessions_list"]


def _session_id(text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or int(value) >= 2**63:
        raise UserError(f"session id must be a whole number from 'posturelog sessions list', got {text!r}")
    return int(value)


@user_errors
def sessions_list(data_dir: DataDir = None) -> None:
    """List sessions: id, start and end (local time), model, samples, status."""
    from posturelog.sessionlist import sessions_table

    console.print(sessions_table(open_store(data_dir)))


@user_errors
def sessions_delete(
    session: Annotated[str, typer.Argument(help="Session id from 'posturelog sessions list'.")],
    data_dir: DataDir = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")] = False,
) -> None:
    """Delete a session: its samples, gaps and record (asks first)."""
    sid = _session_id(session)
    store = open_store(data_dir)
    row = store.sessions().query("id == @sid")
    if row.empty:
        raise UserError(f"no session with id {sid} (see 'posturelog sessions list')")
    if store.is_live(sid):
        raise UserError(f"session {sid} is being recorded by a running posturelog process; stop it first")
    n = int(row["n_samples"].iloc[0])
    try:
        sure = yes or typer.confirm(f"Delete session {sid} and its {n:,} samples? This cannot be undone")
    except typer.Abort:
        sure = False
    if not sure:
        raise UserError(f"session {sid} not deleted (not confirmed; use --yes to skip the question)")
    store.delete_session(sid)
    console.print(f"Session {sid} deleted ({n:,} samples).")
