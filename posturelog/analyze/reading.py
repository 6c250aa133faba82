"""Samples of one local day straight from the store's Parquet files into numpy.

Only the ``time`` and the six sample columns are decoded, single-threaded, file by file
(no DataFrame); files whose row-group statistics lie outside the range are skipped unread.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from posturelog.segments import SAMPLE_COLUMNS
from posturelog.store import Store

__all__ = ["day_files", "estimate_rate_hz", "read_day_arrays"]

_NS = 1_000_000_000


def estimate_rate_hz(samples: pd.DataFrame | np.ndarray) -> float:
    """Sampling rate (Hz) from the median interval between samples (gaps ignored).

    ``samples`` is a DataFrame with a time index or the sample times (int64 ns).
    """
    if isinstance(samples, pd.DataFrame):
        t = pd.DatetimeIndex(samples.index).as_unit("ns").asi8
    else:
        t = np.asarray(samples, dtype=np.int64)
    if t.size < 2:
        raise ValueError("need at least two samples to estimate the sampling rate")
    return float(_NS / np.median(np.diff(t)))


def day_files(store: Store, lo_ns: int, hi_ns: int) -> list[Path]:
    """Parquet files that may hold samples in ``[lo_ns, hi_ns)``: the local-date partitions
    from the UTC day before ``lo_ns`` to the UTC day after ``hi_ns`` (as
    ``Store.read_samples_arrow``), in path order."""
    root = Path(store.samples_dir) / f"participant={store.participant}"
    if not root.exists():
        return []
    first = (datetime.fromtimestamp(lo_ns / _NS, tz=UTC).date() - timedelta(days=1)).isoformat()
    last = (datetime.fromtimestamp(hi_ns / _NS, tz=UTC).date() + timedelta(days=1)).isoformat()
    files = []
    for part in sorted(root.glob("date=*")):
        d = part.name.removeprefix("date=")
        if first <= d <= last:
            files.extend(sorted(part.glob("*.parquet")))
    return files


def _time_range(pf: pq.ParquetFile) -> tuple[int, int] | None:
    """Min and max of the ``time`` column from the row-group statistics, if recorded."""
    md = pf.metadata
    col = pf.schema_arrow.get_field_index("time")
    lo: int | None = None
    hi: int | None = None
    for r in range(md.num_row_groups):
        st = md.row_group(r).column(col).statistics
        if st is None or not st.has_min_max:
            return None
        a, b = int(st.min_raw), int(st.max_raw)
        lo = a if lo is None else min(lo, a)
        hi = b if hi is None else max(hi, b)
    return None if lo is None or hi is None else (lo, hi)


def read_day_arrays(
    files: list[Path], lo_ns: int, hi_ns: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Samples in ``[lo_ns, hi_ns)`` straight from Parquet to numpy (no DataFrame).

    Same samples as ``Store.read_samples(lo_ns, hi_ns)``: sorted by time (stable), the
    first of duplicate times kept. Files whose statistics lie outside the range are skipped
    unread; only ``time`` and the six sample columns are decoded, single-threaded.

    Parameters
    ----------
    files : list of Path
        Candidate Parquet files (:func:`day_files`).
    lo_ns, hi_ns : int
        UTC bounds (ns), end exclusive.

    Returns
    -------
    t_ns : ndarray, shape (N,), int64
    acc : ndarray, shape (N, 3), float64
        m/s².
    gyr : ndarray, shape (N, 3), float64
        rad/s (NaN for accelerometer-only sensors).
    """
    # pass 1: times only (and which rows of each file are in range)
    chosen: list[tuple[pq.ParquetFile, np.ndarray | None]] = []
    ts: list[np.ndarray] = []
    for path in files:
        pf = pq.ParquetFile(path)
        rng = _time_range(pf)
        if rng is not None and (rng[1] < lo_ns or rng[0] >= hi_ns):
            continue
        col = pf.read(columns=["time"], use_threads=False).column(0)
        t = np.asarray(col.cast(pa.int64()).to_numpy())
        del col
        keep: np.ndarray | None = None
        if rng is None or rng[0] < lo_ns or rng[1] >= hi_ns:
            keep = (t >= lo_ns) & (t < hi_ns)
            t = t[keep]
        if t.size:
            ts.append(t)
            chosen.append((pf, keep))
    t_ns = np.concatenate(ts) if ts else np.zeros(0, dtype=np.int64)
    del ts
    # pass 2: sample columns decoded file by file straight into the output arrays
    acc = np.empty((t_ns.size, 3))
    gyr = np.empty((t_ns.size, 3))
    row = 0
    for pf, keep in chosen:
        table = pf.read(columns=list(SAMPLE_COLUMNS), use_threads=False)
        m = 0
        for j, name in enumerate(SAMPLE_COLUMNS):
            x = np.asarray(table.column(name).to_numpy())
            if keep is not None:
                x = x[keep]
            m = x.size
            (acc if j < 3 else gyr)[row:row + m, j % 3] = x
        row += m
        del table
    pa.default_memory_pool().release_unused()
    if t_ns.size > 1 and not bool(np.all(t_ns[1:] > t_ns[:-1])):
        order = np.argsort(t_ns, kind="stable")
        t_ns, acc, gyr = t_ns[order], acc[order], gyr[order]
        first = np.concatenate(([True], t_ns[1:] != t_ns[:-1]))
        if not first.all():
            t_ns, acc, gyr = t_ns[first], acc[first], gyr[first]
    return t_ns, acc, gyr
