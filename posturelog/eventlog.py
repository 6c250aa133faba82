"""The wearer's pain/remedy log and calibration marks: the SQLite tables ``events`` and
``calibrations`` of the store (:class:`posturelog.store.Store` mixes this in)."""

from __future__ import annotations

import time

import pandas as pd

from posturelog.database import StoreBase
from posturelog.errors import InputError
from posturelog.painscore import check_pain_score
from posturelog.usertext import check_text
from vocab.terms import REMEDY_KINDS

__all__ = ["EVENT_KINDS", "EventLog"]

#: Every kind of log entry.
EVENT_KINDS = ("pain", *REMEDY_KINDS)


class EventLog(StoreBase):
    """Log entries (pain ratings, remedies) and calibration marks of one participant (a part of
    :class:`posturelog.store.Store`)."""

    # -- pain and remedy log ----------------------------------------------------------------
    def add_pain(self, t_ns: int, score: int, note: str = "") -> int:
        """Log a pain rating (0–10 numeric rating scale) at ``t_ns``; returns its id."""
        return self._add_event(t_ns, "pain", check_pain_score(score), note)

    def add_remedy(self, t_ns: int, kind: str, note: str = "") -> int:
        """Log a remedy (one of :data:`REMEDY_KINDS`) at ``t_ns``; returns its id."""
        if kind not in REMEDY_KINDS:
            raise InputError(f"unknown remedy {kind!r}; use one of {', '.join(REMEDY_KINDS)}")
        return self._add_event(t_ns, kind, None, note)

    def add_events(self, rows: list[tuple[int, str, int | None, str]]) -> list[int]:
        """Add several log entries ``(t_ns, kind, score, note)`` in one transaction."""
        for t_ns, kind, score, note in rows:
            check_text(note, "note")
            if kind not in EVENT_KINDS:
                raise InputError(f"unknown log kind {kind!r}; use pain or one of {', '.join(REMEDY_KINDS)}")
            if kind == "pain":
                check_pain_score(score, f" at {t_ns}")
        ids = []
        with self.transaction() as db:
            for t_ns, kind, score, note in rows:
                cur = db.execute(
                    "INSERT INTO events(participant, t_ns, kind, score, note, created_ns) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (self.participant, int(t_ns), kind, score, note, time.time_ns()),
                )
                ids.append(int(cur.lastrowid or 0))
        return ids

    def _add_event(self, t_ns: int, kind: str, score: int | None, note: str) -> int:
        return self.add_events([(t_ns, kind, score, note)])[0]

    def log_entries(self, start_ns: int | None = None, end_ns: int | None = None) -> pd.DataFrame:
        """Every log entry (id, time, kind, score, note) in ``[start_ns, end_ns)``, by time."""
        lo = -(2**62) if start_ns is None else int(start_ns)
        hi = 2**62 if end_ns is None else int(end_ns)
        df = pd.read_sql_query(
            "SELECT id, t_ns, kind, score, note FROM events "
            "WHERE participant = ? AND t_ns >= ? AND t_ns < ? ORDER BY t_ns, id",
            self._db,
            params=(self.participant, lo, hi),
        )
        df.insert(1, "time", pd.to_datetime(df.pop("t_ns"), unit="ns", utc=True))
        df["score"] = df["score"].astype("Int64")
        return df

    def pain_log(self, start_ns: int | None = None, end_ns: int | None = None) -> pd.DataFrame:
        """Pain ratings: columns ``id, time`` (UTC), ``score`` (int 0–10), ``note``."""
        df = self.log_entries(start_ns, end_ns)
        df = df[df["kind"] == "pain"].drop(columns="kind").reset_index(drop=True)
        df["score"] = df["score"].astype(int)
        return df

    def remedy_log(self, start_ns: int | None = None, end_ns: int | None = None) -> pd.DataFrame:
        """Remedies: columns ``id, time`` (UTC), ``kind``, ``note``."""
        df = self.log_entries(start_ns, end_ns)
        return df[df["kind"] != "pain"].drop(columns="score").reset_index(drop=True)

    def get_entry(self, entry_id: int) -> dict[str, object] | None:
        """One log entry by id, or None."""
        row = self._db.execute(
            "SELECT id, t_ns, kind, score, note FROM events WHERE id = ? AND participant = ?",
            (entry_id, self.participant),
        ).fetchone()
        if row is None:
            return None
        return dict(zip(("id", "t_ns", "kind", "score", "note"), row, strict=True))

    def edit_entry(
        self,
        entry_id: int,
        *,
        t_ns: int | None = None,
        score: int | None = None,
        kind: str | None = None,
        note: str | None = None,
    ) -> None:
        """Change fields of a log entry; raises ValueError if it does not exist or is invalid."""
        current = self.get_entry(entry_id)
        if current is None:
            raise InputError(f"no log entry with id {entry_id}")
        new_kind = str(current["kind"]) if kind is None else kind
        if new_kind not in EVENT_KINDS:
            raise InputError(f"unknown log kind {new_kind!r}")
        new_score = current["score"] if score is None else score
        if new_kind == "pain":
            new_score = check_pain_score(new_score)
        else:
            if score is not None:
                raise InputError(f"entry {entry_id} is a remedy ({new_kind}); it has no score")
            new_score = None
        if note is not None:
            check_text(note, "note")
        with self.transaction() as db:
            db.execute(
                "UPDATE events SET t_ns = ?, kind = ?, score = ?, note = ? WHERE id = ?",
                (
                    current["t_ns"] if t_ns is None else int(t_ns),
                    new_kind,
                    new_score,
                    current["note"] if note is None else note,
                    entry_id,
                ),
            )

    def delete_entry(self, entry_id: int) -> None:
        """Delete a log entry; raises ValueError if it does not exist."""
        with self.transaction() as db:
            cur = db.execute(
                "DELETE FROM events WHERE id = ? AND participant = ?", (entry_id, self.participant)
            )
            if cur.rowcount == 0:
                raise InputError(f"no log entry with id {entry_id}")

    # -- calibration marks ------------------------------------------------------------------
    def add_calibration_mark(self, start_ns: int, end_ns: int, source: str = "marked") -> int:
        """Mark an interval of recorded data that holds a stand-tall + bend-forward routine."""
        if end_ns <= start_ns:
            raise InputError("calibration mark must end after it starts")
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO calibration_marks(participant, start_ns, end_ns, source, created_ns) "
                "VALUES (?, ?, ?, ?, ?)",
                (self.participant, int(start_ns), int(end_ns), source, time.time_ns()),
            )
        return int(cur.lastrowid or 0)

    def calibration_marks(self) -> pd.DataFrame:
        """Marked calibration routines: ``id, start, end`` (UTC), ``source``."""
        df = pd.read_sql_query(
            "SELECT id, start_ns, end_ns, source FROM calibration_marks WHERE participant = ? "
            "ORDER BY start_ns",
            self._db,
            params=(self.participant,),
        )
        df["start"] = pd.to_datetime(df.pop("start_ns"), unit="ns", utc=True)
        df["end"] = pd.to_datetime(df.pop("end_ns"), unit="ns", utc=True)
        return df[["id", "start", "end", "source"]]


