"""Read stored samples from Parquet files straight into numpy: the one sample reader.

``Store.read_arrays`` calls :func:`read_sample_files` on the files ``Store.sample_files`` lists;
a worker process that must not share the store's database connection can call it on a list of
files made in the parent.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from posturelog.samplearrays import SampleArrays
from vocab.samples import ACC_COLUMNS, GYR_COLUMNS, SAMPLE_COLUMNS

__all__ = ["read_sample_files"]

_I64_MIN, _I64_MAX = np.iinfo(np.int64).min, np.iinfo(np.int64).max


def read_sample_files(files: Sequence[Path], start_ns: int | None = None, end_ns: int | None = None) -> SampleArrays:
    """Samples in ``[start_ns, end_ns)`` from Parquet ``files``, sorted, first of equal times kept.

    Files whose row-group statistics lie outside the range are skipped unread; only ``time``
    and the six sample columns are decoded, single-threaded, one file at a time, so memory
    stays near the size of the result.

    Parameters
    ----------
    files
        Candidate sample files (any order).
    start_ns, end_ns
        UTC bounds in ns, end exclusive; ``None`` leaves that side open.
    """
    lo = _I64_MIN if start_ns is None else int(start_ns)
    hi = _I64_MAX if end_ns is None else int(end_ns)
    chosen: list[tuple[pq.ParquetFile, np.ndarray | None]] = []
    times: list[np.ndarray] = []
    for path in files:
        pf = pq.ParquetFile(path)
        span = _time_span(pf)
        if span is not None and (span[1] < lo or span[0] >= hi):
            continue
        t = np.asarray(pf.read(columns=["time"], use_threads=False).column(0).cast(pa.int64()).to_numpy())
        keep = None if span is not None and lo <= span[0] and span[1] < hi else (t >= lo) & (t < hi)
        if keep is not None:
            t = t[keep]
        if t.size:
            times.append(t)
            chosen.append((pf, keep))
    t_ns = np.concatenate(times) if times else np.zeros(0, dtype=np.int64)
    # the (N, 3) arrays the analysis takes, filled column by column: no second copy
    acc = np.empty((t_ns.size, 3))
    gyr = np.empty((t_ns.size, 3))
    row = 0
    for pf, keep in chosen:
        table = pf.read(columns=list(SAMPLE_COLUMNS), use_threads=False)
        n = 0
        for dest, names in ((acc, ACC_COLUMNS), (gyr, GYR_COLUMNS)):
            for j, name in enumerate(names):
                x = np.asarray(table.column(name).to_numpy())
                x = x if keep is None else x[keep]
                n = x.size
                dest[row : row + n, j] = x
        row += n
    pa.default_memory_pool().release_unused()
    if t_ns.size > 1 and not bool(np.all(t_ns[1:] > t_ns[:-1])):
        order = np.argsort(t_ns, kind="stable")
        t_ns, acc, gyr = t_ns[order], acc[order], gyr[order]
        first = np.concatenate(([True], t_ns[1:] != t_ns[:-1]))
        t_ns, acc, gyr = t_ns[first], acc[first], gyr[first]
    return SampleArrays(np.ascontiguousarray(t_ns, dtype=np.int64), acc, gyr)

def _time_span(pf: pq.ParquetFile) -> tuple[int, int] | None:
    """Smallest and largest ``time`` from the row-group statistics, or None if not recorded."""
    meta = pf.metadata
    column = pf.schema_arrow.get_field_index("time")
    spans = []
    for r in range(meta.num_row_groups):
        stats = meta.row_group(r).column(column).statistics
        if stats is None or not stats.has_min_max:
            return None
        spans.append((int(stats.min_raw), int(stats.max_raw)))
    if not spans:
        return None
    return min(a for a, _ in spans), max(b for _, b in spans)
