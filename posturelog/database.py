"""The SQLite database of a data directory: schema, connection, transactions, settings.

:class:`StoreBase` is the foundation every part of :class:`posturelog.store.Store` builds on:
the data directory's paths, the one connection (WAL), :meth:`StoreBase.transaction` and the
``settings`` table. Sessions (:mod:`posturelog.sessionstore`), committed samples
(:mod:`posturelog.sampleview`), recovery (:mod:`posturelog.recovery`) and the pain/remedy log
(:mod:`posturelog.eventlog`) are its subclasses, mixed together in ``Store``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from posturelog.errors import InputError
from posturelog.layout import participant_dir
from posturelog.ownership import OwnerLock
from posturelog.paths import ensure_private_dir
from posturelog.timezones import machine_timezone

__all__ = ["HIDDEN_STATUSES", "StoreBase"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    participant TEXT NOT NULL,
    model TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    firmware TEXT NOT NULL DEFAULT '',
    battery_pct INTEGER,
    rate_hz REAL NOT NULL,
    has_gyroscope INTEGER NOT NULL,
    timezone TEXT NOT NULL,
    started_ns INTEGER NOT NULL,
    ended_ns INTEGER,
    n_samples INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'closed',
    up_axis TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS gaps (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    participant TEXT NOT NULL,
    t_ns INTEGER NOT NULL,
    kind TEXT NOT NULL,
    score INTEGER,
    note TEXT NOT NULL DEFAULT '',
    created_ns INTEGER NOT NULL,
    CHECK (kind != 'pain' OR (score BETWEEN 0 AND 10))
);
CREATE INDEX IF NOT EXISTS events_time ON events(participant, t_ns);
CREATE TABLE IF NOT EXISTS calibration_marks (
    id INTEGER PRIMARY KEY,
    participant TEXT NOT NULL,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    source TEXT NOT NULL,
    created_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


#: Session states whose samples readers never see.
HIDDEN_STATUSES = ("staging", "deleting")


class StoreBase:
    """A wearer's data directory and its SQLite database.

    Parameters
    ----------
    data_dir : Path
        The data directory (created owner-only if missing).
    participant : str
        Participant key used in partition paths (``participant=<key>``).

    Raises
    ------
    InputError
        If ``participant`` is empty or holds ``/`` or ``=``.
    """

    def __init__(self, data_dir: Path | str, participant: str = "me") -> None:
        if not participant or "/" in participant or "=" in participant:
            raise InputError(f"participant must be a plain name, got {participant!r}")
        self.data_dir = ensure_private_dir(Path(data_dir))
        self.participant = participant
        self.db_path = self.data_dir / "posturelog.db"
        self.samples_dir = self.data_dir / "samples"
        self.segments_dir = self.data_dir / "segments"
        self.staging_dir = self.data_dir / "staging"
        self._owned: dict[int, OwnerLock] = {}
        self.cache_dir = self.data_dir / "cache"
        new_db = not self.db_path.exists()
        self._db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        if new_db:
            os.chmod(self.db_path, 0o600)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(sessions)")}
        if "status" not in columns:
            with self.transaction() as db:
                db.execute("ALTER TABLE sessions ADD COLUMN status TEXT NOT NULL DEFAULT 'closed'")
                db.execute("UPDATE sessions SET status = 'interrupted' WHERE ended_ns IS NULL")
        if "up_axis" not in columns:  # how the sensor is worn (analysis.upaxis), '' unknown
            with self.transaction() as db:
                db.execute("ALTER TABLE sessions ADD COLUMN up_axis TEXT NOT NULL DEFAULT ''")

    def close(self) -> None:
        """Close the database connection and drop the ownership of sessions this store started
        but did not end (as if the process had died: the next store opening recovers them)."""
        for lock in self._owned.values():
            lock.close()
        self._owned.clear()
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: everything inside lands, or nothing does."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    # -- where a session's files are --------------------------------------------------------
    def _session_dir(self, session_id: int) -> Path:
        return self.segments_dir / f"session-{session_id:06d}"

    def _staging_root(self, session_id: int) -> Path:
        return self.staging_dir / f"session-{session_id:06d}"

    def _participant_dir(self) -> Path:
        return participant_dir(self.samples_dir, self.participant)

    # -- settings ---------------------------------------------------------------------------
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        """A stored setting (e.g. ``device_address``, ``timezone``) or ``default``."""
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def timezone(self) -> str:
        """The wearer's IANA zone: the ``timezone`` setting, else the last session's, else the
        machine's."""
        stored = self.get_setting("timezone")
        if stored:
            return stored
        row = self._db.execute(
            "SELECT timezone FROM sessions WHERE participant = ? ORDER BY started_ns DESC LIMIT 1",
            (self.participant,),
        ).fetchone()
        return str(row[0]) if row else machine_timezone()
