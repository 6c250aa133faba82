"""Sessions of the store: their rows, ownership, staging, deletion and gaps.

A session is ``recording`` (a process owns it), ``closed``, ``interrupted`` (its recorder died;
what it had flushed was recovered), ``staging`` (an import writing its files, invisible) or
``deleting`` (being removed, invisible). Every state change is one SQLite transaction, and a
session is never seen without its owner holding its lock (see :mod:`posturelog.ownership`).
"""

from __future__ import annotations

import logging
import time
from zoneinfo import ZoneInfo

import pandas as pd

from analysis.upaxis import UpPrior, parse_up_axis
from posturelog.database import HIDDEN_STATUSES, StoreBase
from posturelog.errors import InputError
from posturelog.ownership import OwnerLock, is_owned
from posturelog.sessionfiles import move_tree, remove_tree, session_files
from posturelog.usertext import check_text, decodable
from sensor.batch import SourceInfo

__all__ = ["SessionStore"]

log = logging.getLogger(__name__)


class SessionStore(StoreBase):
    """Recording and import sessions of one participant (a part of
    :class:`posturelog.store.Store`)."""

    def start_session(
        self,
        info: SourceInfo,
        timezone: str,
        started_ns: int | None = None,
        source: str = "",
        *,
        staged: bool = False,
    ) -> int:
        """Start a session owned by this process and return its id.

        The session's ownership lock is taken inside the transaction that creates the row, so
        no other process ever sees the row without a live owner (or a dead one to recover).

        Parameters
        ----------
        staged : bool
            An import: its samples stay invisible until :meth:`commit_staged` (or are thrown
            away by :meth:`discard_session` / recovery of a dead importer).
        """
        ZoneInfo(timezone)  # validates
        check_text(info.model, "model name")
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO sessions(participant, model, address, name, firmware, battery_pct, "
                "rate_hz, has_gyroscope, timezone, started_ns, source, status, up_axis) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.participant,
                    info.model,
                    decodable(info.address),
                    decodable(info.name),  # an imported file's name
                    decodable(info.firmware),
                    info.battery_pct,
                    float(info.rate_hz),
                    int(info.has_gyroscope),
                    timezone,
                    time.time_ns() if started_ns is None else int(started_ns),
                    decodable(source),
                    "staging" if staged else "recording",
                    parse_up_axis(info.up_axis) if info.up_axis else "",
                ),
            )
            sid = cur.lastrowid
            assert sid is not None  # sqlite always returns a rowid after INSERT
            self._owned[int(sid)] = OwnerLock.acquire(self._session_dir(int(sid)))
        return int(sid)

    def _release(self, session_id: int) -> None:
        lock = self._owned.pop(session_id, None)
        if lock is not None:
            lock.release()

    def update_session(self, session_id: int, **fields: object) -> None:
        """Update session columns (e.g. ``battery_pct``, ``firmware``, ``rate_hz``)."""
        allowed = {"model", "address", "name", "firmware", "battery_pct", "rate_hz", "n_samples", "started_ns"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot update session fields {sorted(unknown)}")
        if not fields:
            return
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.transaction() as db:
            db.execute(f"UPDATE sessions SET {sets} WHERE id = ?", (*fields.values(), session_id))

    def add_gap(self, session_id: int, start_ns: int, end_ns: int, reason: str = "") -> None:
        """Record that no samples exist between two times of a session."""
        if end_ns <= start_ns:
            raise InputError(f"gap end {end_ns} must be after its start {start_ns}")
        with self.transaction() as db:
            db.execute(
                "INSERT INTO gaps(session_id, start_ns, end_ns, reason) VALUES (?, ?, ?, ?)",
                (session_id, int(start_ns), int(end_ns), reason),
            )

    def end_session(self, session_id: int, ended_ns: int | None = None, n_samples: int | None = None) -> None:
        """Mark a recording finished (``closed``) and give up its ownership."""
        with self.transaction() as db:
            db.execute(
                "UPDATE sessions SET ended_ns = ?, n_samples = COALESCE(?, n_samples), status = 'closed' "
                "WHERE id = ?",
                (time.time_ns() if ended_ns is None else int(ended_ns), n_samples, session_id),
            )
        self._release(session_id)

    def commit_staged(self, session_id: int, ended_ns: int | None, n_samples: int) -> None:
        """Make a staged import visible, all at once.

        Its Parquet files are moved from ``staging/`` into ``samples/`` (still invisible: the
        session is ``staging``), then one transaction closes the session with its sample count.
        A process killed before that commit leaves nothing visible; recovery removes the files.

        Raises
        ------
        ValueError
            If the session is not a staged session owned by this store.
        """
        if session_id not in self._owned or self.session_status(session_id) != "staging":
            raise ValueError(f"session {session_id} is not an import staged by this process")
        move_tree(self._staging_root(session_id), self.samples_dir)
        with self.transaction() as db:
            db.execute(
                "UPDATE sessions SET ended_ns = ?, n_samples = ?, status = 'closed' WHERE id = ?",
                (time.time_ns() if ended_ns is None else int(ended_ns), int(n_samples), session_id),
            )
        try:  # committed: from here on only tidying up, which recovery repeats if it fails
            remove_tree(self._staging_root(session_id))
            self._release(session_id)
        except OSError as exc:
            log.warning("import session %d committed; its staging files remain: %s", session_id, exc)

    def session_status(self, session_id: int) -> str | None:
        """The stored status of a session (see the module docstring), or None if there is none."""
        row = self._db.execute(
            "SELECT status FROM sessions WHERE id = ? AND participant = ?", (session_id, self.participant)
        ).fetchone()
        return None if row is None else str(row[0])

    def is_live(self, session_id: int) -> bool:
        """True while a running process (this one or another) owns the session."""
        return session_id in self._owned or is_owned(self._session_dir(session_id))

    def discard_session(self, session_id: int) -> None:
        """Remove a session owned by this store (a failed import): files, gaps and row."""
        if session_id not in self._owned:
            raise ValueError(f"session {session_id} is not owned by this process")
        try:
            self._remove_session(session_id)
        finally:
            self._release(session_id)

    def delete_session(self, session_id: int) -> None:
        """Delete a session: its Parquet files, segments, staged files, gaps and row.

        Crash-safe order: the session is first marked ``deleting`` (its samples disappear from
        every reader at once), then its files go, then its gaps and row. Recovery finishes a
        deletion that was interrupted.

        Raises
        ------
        ValueError
            If there is no such session, or a running process still records or imports it.
        """
        if self.session_status(session_id) is None:
            raise InputError(f"no session with id {session_id} (see 'posturelog sessions list')")
        if session_id in self._owned:
            raise InputError(f"session {session_id} is being recorded by this process")
        lock = OwnerLock.try_acquire(self._session_dir(session_id))
        if lock is None:
            raise InputError(
                f"session {session_id} is being recorded or imported by a running posturelog "
                "process; stop it first"
            )
        try:
            self._remove_session(session_id)
        finally:
            lock.release()

    def _remove_session(self, session_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE sessions SET status = 'deleting' WHERE id = ?", (session_id,))
        for f in session_files(self._participant_dir(), session_id):
            f.unlink(missing_ok=True)
        remove_tree(self._staging_root(session_id))
        for seg in self._session_dir(session_id).glob("seg-*.arrows"):
            seg.unlink(missing_ok=True)
        with self.transaction() as db:
            db.execute("DELETE FROM gaps WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        log.info("deleted session %d", session_id)

    def up_priors(self, start_ns: int, end_ns: int) -> list[UpPrior]:
        """How the sensor was worn in the visible sessions overlapping ``[start_ns, end_ns)``
        that know it (``up_axis`` set), oldest first; a session still recording is open-ended."""
        rows = self._db.execute(
            "SELECT started_ns, ended_ns, up_axis FROM sessions WHERE participant = ? "
            f"AND status NOT IN {HIDDEN_STATUSES} AND up_axis != '' AND started_ns < ? "
            "AND (ended_ns IS NULL OR ended_ns >= ?) ORDER BY started_ns, id",
            (self.participant, int(end_ns), int(start_ns)),
        ).fetchall()
        # a session's ended_ns is its last sample: the span is closed at the next nanosecond
        return [UpPrior(int(a), None if b is None else int(b) + 1, str(c)) for a, b, c in rows]

    def sessions(self) -> pd.DataFrame:
        """Visible sessions of this participant (not ``staging``/``deleting``), oldest first,
        with gap counts and gap minutes."""
        df = pd.read_sql_query(
            "SELECT s.*, COUNT(g.id) AS gaps, "
            "COALESCE(SUM(g.end_ns - g.start_ns), 0) / 60e9 AS gap_minutes "
            "FROM sessions s LEFT JOIN gaps g ON g.session_id = s.id "
            f"WHERE s.participant = ? AND s.status NOT IN {HIDDEN_STATUSES} "
            "GROUP BY s.id ORDER BY s.started_ns",
            self._db,
            params=(self.participant,),
        )
        df["has_gyroscope"] = df["has_gyroscope"].astype(bool)
        return df

    def gaps(self, start_ns: int | None = None, end_ns: int | None = None) -> pd.DataFrame:
        """Recorded gaps (session_id, start, end, reason) overlapping an interval."""
        lo = -(2**62) if start_ns is None else int(start_ns)
        hi = 2**62 if end_ns is None else int(end_ns)
        df = pd.read_sql_query(
            "SELECT g.session_id, g.start_ns, g.end_ns, g.reason FROM gaps g "
            "JOIN sessions s ON s.id = g.session_id "
            f"WHERE s.participant = ? AND s.status NOT IN {HIDDEN_STATUSES} "
            "AND g.end_ns > ? AND g.start_ns < ? ORDER BY g.start_ns",
            self._db,
            params=(self.participant, lo, hi),
        )
        df["start"] = pd.to_datetime(df.pop("start_ns"), unit="ns", utc=True)
        df["end"] = pd.to_datetime(df.pop("end_ns"), unit="ns", utc=True)
        return df

    def _session_timezone(self, session_id: int) -> str:
        row = self._db.execute("SELECT timezone FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise InputError(f"no session {session_id}")
        return str(row[0])
