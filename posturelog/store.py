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

from posturelog.eventlog import EventLog
from posturelog.recovery import Recovery
from posturelog.sampleview import SampleView

__all__ = ["Store"]


class Store(Recovery, SampleView, EventLog):
    """A wearer's data directory: SQLite for sessions and logs, Parquet for samples.

    One object made of the store's parts, each in its own module over one connection
    (:class:`posturelog.database.StoreBase`): sessions (:mod:`posturelog.sessionstore`),
    compaction and recovery (:mod:`posturelog.recovery`), committed samples
    (:mod:`posturelog.sampleview`) and the pain/remedy log (:mod:`posturelog.eventlog`).
    Opened as ``Store(data_dir, participant="me")``: the parameters are
    :class:`~posturelog.database.StoreBase`'s.
    """

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
