"""Segments into Parquet: the store's segment writer, compaction, and recovery of what dead
processes left behind.

Every opening of the store by a command runs :meth:`Recovery.compact_pending`, which takes
each candidate session's ownership lock without waiting and recovers only sessions whose owner
process is dead: a recording becomes ``interrupted`` with what it had flushed, an unfinished
import or deletion is removed completely.
"""

from __future__ import annotations

import logging
from pathlib import Path

from posturelog.database import HIDDEN_STATUSES
from posturelog.ownership import OwnerLock
from posturelog.segments import SegmentWriter, compact_segment
from posturelog.sessionfiles import count_samples, remove_tree, session_files
from posturelog.sessionstore import SessionStore

__all__ = ["Recovery"]

log = logging.getLogger(__name__)


class Recovery(SessionStore):
    """Writing, compacting and recovering sessions' samples (a part of
    :class:`posturelog.store.Store`)."""

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
