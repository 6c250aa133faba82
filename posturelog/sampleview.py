"""What readers see of the stored samples: committed Parquet files, local dates, the reader.

Files of ``staging`` and ``deleting`` sessions and temporary compaction files are never listed,
so an import appears all at once and a deletion disappears at once.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from posturelog.database import HIDDEN_STATUSES, StoreBase
from posturelog.layout import candidate_date_bounds, date_dirs, date_of
from posturelog.samplearrays import SampleArrays
from posturelog.samplereader import read_sample_files
from posturelog.sessionfiles import session_of
from vocab.samples import SAMPLE_COLUMNS

__all__ = ["SampleView"]


class SampleView(StoreBase):
    """The committed samples of one participant (a part of :class:`posturelog.store.Store`)."""

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
