"""The on-disk store of one wearer's data.

Layout of a data directory::

    posturelog.db                       SQLite (WAL): sessions, gaps, pain/remedy log,
                                        calibration marks, settings
    segments/session-000001/*.arrows    crash-safe segments of a session still recording
    segments/session-000001/owner.lock  flock held by the process recording/importing it
    staging/session-000002/...          Parquet files of an import not yet committed
    samples/participant=me/date=2026-11-20/session-000001-seg-000003.parquet
    cache/                              derived epochs (safe to delete)

Everything is readable with standard tools (``sqlite3``, pandas, DuckDB, Dask).

Sessions have a ``status``: ``recording`` (a process owns it), ``closed``, ``interrupted`` (its
recorder died; what it had flushed was recovered), ``staging`` (an import writing its files,
invisible) and ``deleting`` (being removed, invisible). Samples of ``staging`` and ``deleting``
sessions are never read, so an import becomes visible in one SQLite transaction and a deletion
disappears in one. Every opening of the store by a command runs :meth:`Store.compact_pending`,
which recovers only sessions whose owner process is dead (see :mod:`posturelog.ownership`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analysis.upaxis import UpPrior, parse_up_axis
from posturelog.errors import InputError
from posturelog.eventlog import EVENT_KINDS, EventLog
from posturelog.layout import candidate_date_bounds, date_dirs, date_of, participant_dir
from posturelog.ownership import OwnerLock, is_owned
from posturelog.paths import ensure_private_dir
from posturelog.samplearrays import SampleArrays
from posturelog.samplereader import read_sample_files
from posturelog.segments import SegmentWriter, compact_segment
from posturelog.sessionfiles import count_samples, move_tree, remove_tree, session_files, session_of
from posturelog.timezones import machine_timezone
from sensor.batch import SourceInfo
from vocab.samples import SAMPLE_COLUMNS
from vocab.terms import REMEDY_KINDS

__all__ = ["EVENT_KINDS", "REMEDY_KINDS", "Store"]

log = logging.getLogger(__name__)


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


def _now_ns() -> int:
    return time.time_ns()


class Store(EventLog):
    """A wearer's data directory: SQLite for sessions and logs, Parquet for samples.

    Parameters
    ----------
    data_dir : Path
        The data directory (created owner-only if missing).
    participant : str
        Participant key used in partition paths (``participant=<key>``).
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

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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

    # -- sessions ---------------------------------------------------------------------------
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
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO sessions(participant, model, address, name, firmware, battery_pct, "
                "rate_hz, has_gyroscope, timezone, started_ns, source, status, up_axis) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.participant,
                    info.model,
                    info.address,
                    info.name,
                    info.firmware,
                    info.battery_pct,
                    float(info.rate_hz),
                    int(info.has_gyroscope),
                    timezone,
                    _now_ns() if started_ns is None else int(started_ns),
                    source,
                    "staging" if staged else "recording",
                    parse_up_axis(info.up_axis) if info.up_axis else "",
                ),
            )
            sid = cur.lastrowid
            assert sid is not None  # sqlite always returns a rowid after INSERT
            self._owned[int(sid)] = OwnerLock.acquire(self._session_dir(int(sid)))
        return int(sid)

    def _session_dir(self, session_id: int) -> Path:
        return self.segments_dir / f"session-{session_id:06d}"

    def _staging_root(self, session_id: int) -> Path:
        return self.staging_dir / f"session-{session_id:06d}"

    def _participant_dir(self) -> Path:
        return participant_dir(self.samples_dir, self.participant)

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
                (_now_ns() if ended_ns is None else int(ended_ns), n_samples, session_id),
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
                (_now_ns() if ended_ns is None else int(ended_ns), int(n_samples), session_id),
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

    # -- samples ----------------------------------------------------------------------------
    def segment_writer(self, session_id: int, timezone: str | None = None) -> SegmentWriter:
        """A writer for a session's samples; finished segments are compacted into Parquet
        (into ``staging/`` for a staged import)."""
        zone = timezone or self._session_timezone(session_id)
        target = self._staging_root(session_id) if self.session_status(session_id) == "staging" else None
        return SegmentWriter(
            self._session_dir(session_id),
            session_id,
            zone,
            on_segment_closed=lambda seg: self._compact(seg, target),
        )

    def _session_timezone(self, session_id: int) -> str:
        row = self._db.execute("SELECT timezone FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise InputError(f"no session {session_id}")
        return str(row[0])

    def _compact(self, segment: Path, target: Path | None = None) -> None:
        compact_segment(segment, self.samples_dir if target is None else target, self.participant)
        try:
            segment.parent.rmdir()
        except OSError:
            pass  # more segments (or the owner's lock file) remain

    def compact_pending(self) -> int:
        """Recover what dead processes left behind; never touch a live owner's session.

        For every session directory or unfinished session row whose owner is dead: a recording's
        flushed segments are compacted and the session becomes ``interrupted`` with its stored
        sample count; an uncommitted import (``staging``) and an unfinished deletion are removed
        completely. A session that cannot be recovered now (e.g. a permission problem) is
        logged and left for later; it never stops the command.

        Returns
        -------
        int
            Number of segments compacted.
        """
        candidates: set[int] = set()
        if self.segments_dir.exists():
            for d in self.segments_dir.glob("session-*"):
                suffix = d.name.removeprefix("session-")
                if suffix.isdigit():
                    candidates.add(int(suffix))
        rows = self._db.execute(
            "SELECT id FROM sessions WHERE participant = ? AND status IN ('recording', 'staging', 'deleting')",
            (self.participant,),
        ).fetchall()
        candidates.update(int(r[0]) for r in rows)
        count = 0
        for sid in sorted(candidates - set(self._owned)):
            lock = OwnerLock.try_acquire(self._session_dir(sid))
            if lock is None:
                continue  # a live process owns it
            try:
                count += self._recover(sid)
            except OSError as exc:
                log.warning("could not recover session %d yet: %s", sid, exc)
            finally:
                lock.release()
        if count:
            log.info("compacted %d segment(s) left by an earlier recording", count)
        return count

    def _recover(self, session_id: int) -> int:
        """Recover one session whose ownership lock this process holds."""
        row = self._db.execute(
            "SELECT status, participant FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        segments = sorted(self._session_dir(session_id).glob("seg-*.arrows"))
        if row is None or row[1] != self.participant:
            if row is None:  # deleted (or being created right now: it has no segments yet)
                for seg in segments:
                    seg.unlink(missing_ok=True)
                remove_tree(self._staging_root(session_id))
            return 0
        status = str(row[0])
        if status in HIDDEN_STATUSES:
            log.warning("removing session %d: its %s process died before finishing", session_id,
                        "import" if status == "staging" else "deletion")
            self._remove_session(session_id)
            return 0
        for seg in segments:
            self._compact(seg)
        if status == "recording":
            n, last = count_samples(session_files(self._participant_dir(), session_id))
            with self.transaction() as db:
                db.execute(
                    "UPDATE sessions SET status = 'interrupted', n_samples = ?, "
                    "ended_ns = COALESCE(?, started_ns) WHERE id = ?",
                    (n, last, session_id),
                )
            log.info("session %d was interrupted; recovered %d samples", session_id, n)
        remove_tree(self._staging_root(session_id))
        return len(segments)

    def _committed_files(self) -> list[Path]:
        """Parquet files readers may see: ``*.parquet`` only, not of hidden sessions."""
        root = self._participant_dir()
        if not root.exists():
            return []
        hidden = {
            int(r[0])
            for r in self._db.execute(f"SELECT id FROM sessions WHERE status IN {HIDDEN_STATUSES}")
        }
        return sorted(
            p for _, folder in date_dirs(root) for p in folder.glob("*.parquet") if session_of(p.name) not in hidden
        )

    def local_dates(self) -> list[date]:
        """Local dates (wearer's zone at recording time) that hold samples, ascending."""
        return sorted({date_of(p) for p in self._committed_files()})

    def sample_files(self, start_ns: int | None = None, end_ns: int | None = None) -> list[Path]:
        """Committed sample files that may hold samples in ``[start_ns, end_ns)``.

        Only the local-date partitions from the UTC day before ``start_ns`` to the UTC day
        after ``end_ns``; never files of sessions being imported or deleted.
        """
        first, last = candidate_date_bounds(start_ns, end_ns)
        return [
            p
            for p in self._committed_files()
            if (first is None or date_of(p).isoformat() >= first) and (last is None or date_of(p).isoformat() <= last)
        ]

    def read_arrays(self, start_ns: int | None = None, end_ns: int | None = None) -> SampleArrays:
        """Samples in ``[start_ns, end_ns)`` as recorded: the one reader of stored samples.

        Parameters
        ----------
        start_ns, end_ns
            UTC ns bounds (``None``: open on that side).

        Returns
        -------
        SampleArrays
            ``t_ns`` (int64, ascending, no duplicate times: the first stored sample of a time is
            kept), ``acc_mps2`` (N, 3) and ``gyr_rads`` (N, 3; NaN for accelerometer-only
            sensors), float64.
        """
        return read_sample_files(self.sample_files(start_ns, end_ns), start_ns, end_ns)

    def read_samples(self, start_ns: int | None = None, end_ns: int | None = None) -> pd.DataFrame:
        """:meth:`read_arrays` as a DataFrame.

        Returns
        -------
        DataFrame
            Index ``time`` (tz-aware UTC), columns ``acc_x, acc_y, acc_z`` (m/s²) and
            ``gyr_x, gyr_y, gyr_z`` (rad/s; NaN for accelerometer-only sensors), float64, sorted
            by time, without duplicate times.
        """
        arrays = self.read_arrays(start_ns, end_ns)
        values = np.hstack([arrays.acc_mps2, arrays.gyr_rads])
        index = pd.DatetimeIndex(pd.to_datetime(arrays.t_ns, utc=True), name="time")
        return pd.DataFrame(values, index=index, columns=list(SAMPLE_COLUMNS))

    def samples_fingerprint(self, local_day: date) -> str:
        """Identity of the raw files of a local date (names, sizes, mtimes), for caches."""
        items = sorted(
            f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
            for p in self._committed_files()
            if date_of(p) == local_day
        )
        return "|".join(items)
