"""Crash-safe recording segments and their compaction into partitioned Parquet.

While a session records, samples go to Arrow IPC *stream* files (``*.arrows``), one per local
hour of the wearer. Every flush (at least once a second) appends one record batch and fsyncs,
so a killed recorder leaves every flushed batch readable: a stream reader simply stops at the
truncated tail. Compaction turns each finished segment into one Parquet file under
``samples/participant=<p>/date=<local date>/`` (hive partitioning that pandas, DuckDB and Dask
read directly). The Parquet name is derived from the segment name and written via a temporary
file (dot-prefixed, ignored by every reader) and an atomic rename, so compaction can be interrupted and repeated without duplicating or
losing samples.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from posturelog.layout import date_dir, participant_dir
from sensor.batch import SampleBatch
from vocab.samples import SAMPLE_COLUMNS
from vocab.units import NS_PER_S

__all__ = [
    "SAMPLE_COLUMNS",
    "SAMPLE_SCHEMA",
    "SegmentWriter",
    "compact_segment",
    "read_segment",
]

log = logging.getLogger(__name__)

#: One row per sample: time, the sample columns in SI units (acc m/s², gyr rad/s) as float32,
#: and the session id.
SAMPLE_SCHEMA = pa.schema(
    [pa.field("time", pa.timestamp("ns", tz="UTC"), nullable=False)]
    + [pa.field(name, pa.float32()) for name in SAMPLE_COLUMNS]
    + [pa.field("session", pa.int32(), nullable=False)]
)



def _hour_window(t_ns: int, zone: ZoneInfo) -> tuple[int, str]:
    """End (exclusive, UTC ns) of the local hour containing ``t_ns`` and that hour's local date."""
    local = datetime.fromtimestamp(t_ns / NS_PER_S, tz=zone)
    start = local.replace(minute=0, second=0, microsecond=0)
    end_ns = int(start.timestamp()) * NS_PER_S + 3600 * NS_PER_S
    return end_ns, start.date().isoformat()


@dataclass
class _Open:
    path: Path
    sink: pa.OSFile
    writer: pa.ipc.RecordBatchStreamWriter
    end_ns: int


class SegmentWriter:
    """Appends sample batches to crash-safe Arrow IPC segments of one recording session.

    Parameters
    ----------
    segments_dir : Path
        Directory for this session's segments (created if missing).
    session_id : int
        Session number stored in every row.
    timezone : str
        The wearer's IANA zone; segments roll over at local hour boundaries so that each
        belongs to exactly one local date.
    flush_interval_s : float
        Maximum wall-clock time buffered samples wait before they are written and fsynced.
    on_segment_closed : callable, optional
        Called with the path of every finished segment (the store compacts it).
    """

    def __init__(
        self,
        segments_dir: Path,
        session_id: int,
        timezone: str,
        *,
        flush_interval_s: float = 1.0,
        max_buffer_rows: int = 250_000,
        on_segment_closed: Callable[[Path], None] | None = None,
    ) -> None:
        if flush_interval_s <= 0:
            raise ValueError(f"flush_interval_s must be positive, got {flush_interval_s}")
        self.segments_dir = Path(segments_dir)
        self.segments_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.session_id = int(session_id)
        self.zone = ZoneInfo(timezone)
        self.flush_interval_s = flush_interval_s
        self.max_buffer_rows = max_buffer_rows
        self.on_segment_closed = on_segment_closed
        self.n_samples = 0
        self.last_t_ns: int | None = None
        self._seq = self._next_seq()
        self._open: _Open | None = None
        self._buffer: list[SampleBatch] = []
        self._buffered_rows = 0
        self._last_flush = time.monotonic()
        self._closed = False

    def _next_seq(self) -> int:
        existing = [p.name.split("_", 1)[0] for p in self.segments_dir.glob("seg-*.arrows")]
        numbers = [int(s[4:]) for s in existing if s[4:].isdigit()]
        return max(numbers, default=-1) + 1

    # -- public API -------------------------------------------------------------------------
    def append(self, batch: SampleBatch) -> None:
        """Buffer a batch; write and fsync when the flush interval has passed.

        Raises
        ------
        ValueError
            If the batch starts at or before the last sample already appended.
        """
        if self._closed:
            raise ValueError("segment writer is closed")
        if len(batch) == 0:
            return
        first = int(batch.t_ns[0])
        if self.last_t_ns is not None and first <= self.last_t_ns:
            raise ValueError(
                f"sample times must increase: batch starts at {first} ns, "
                f"last stored sample is at {self.last_t_ns} ns"
            )
        self._buffer.append(batch)
        self._buffered_rows += len(batch)
        self.last_t_ns = int(batch.t_ns[-1])
        self.n_samples += len(batch)
        now = time.monotonic()
        if now - self._last_flush >= self.flush_interval_s or self._buffered_rows >= self.max_buffer_rows:
            self.flush()

    def flush(self) -> None:
        """Write buffered samples to the current segment(s) and fsync them."""
        if not self._buffer:
            self._last_flush = time.monotonic()
            return
        t_ns = np.concatenate([b.t_ns for b in self._buffer])
        acc = np.concatenate([np.asarray(b.acc_mps2, dtype=np.float32) for b in self._buffer])
        gyr = np.concatenate(
            [
                np.asarray(b.gyr_rads, dtype=np.float32)
                if b.gyr_rads is not None
                else np.full((len(b), 3), np.nan, dtype=np.float32)
                for b in self._buffer
            ]
        )
        self._buffer.clear()
        self._buffered_rows = 0
        start = 0
        n = t_ns.size
        while start < n:
            seg = self._segment_for(int(t_ns[start]))
            stop = int(np.searchsorted(t_ns, seg.end_ns, side="left"))
            stop = max(stop, start + 1)
            seg.writer.write_batch(self._record_batch(t_ns[start:stop], acc[start:stop], gyr[start:stop]))
            start = stop
        if self._open is not None:
            self._open.sink.flush()
            os.fsync(self._open.sink.fileno())
        self._last_flush = time.monotonic()

    def close(self) -> None:
        """Flush, close the current segment and hand it to ``on_segment_closed``."""
        if self._closed:
            return
        self.flush()
        self._close_segment()
        self._closed = True

    def abandon(self) -> None:
        """Close the current segment without flushing the buffer or compacting (the session is
        being thrown away)."""
        self._buffer.clear()
        self._buffered_rows = 0
        seg, self._open = self._open, None
        self._closed = True
        if seg is not None:
            seg.sink.close()

    def __enter__(self) -> SegmentWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------
    def _record_batch(self, t_ns: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> pa.RecordBatch:
        arrays: list[pa.Array] = [pa.array(t_ns.astype("datetime64[ns]"), type=pa.timestamp("ns", tz="UTC"))]
        arrays += [pa.array(acc[:, i]) for i in range(3)]
        arrays += [pa.array(gyr[:, i]) for i in range(3)]
        arrays.append(pa.array(np.full(t_ns.size, self.session_id, dtype=np.int32)))
        return pa.RecordBatch.from_arrays(arrays, schema=SAMPLE_SCHEMA)

    def _segment_for(self, t_ns: int) -> _Open:
        if self._open is not None and t_ns < self._open.end_ns:
            return self._open
        self._close_segment()
        end_ns, local_date = _hour_window(t_ns, self.zone)
        path = self.segments_dir / f"seg-{self._seq:06d}_{local_date}.arrows"
        self._seq += 1
        self.segments_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        sink = pa.OSFile(str(path), "wb")
        writer = pa.ipc.new_stream(sink, SAMPLE_SCHEMA)
        os.chmod(path, 0o600)
        self._open = _Open(path=path, sink=sink, writer=writer, end_ns=end_ns)
        return self._open

    def _close_segment(self) -> None:
        if self._open is None:
            return
        seg = self._open
        self._open = None
        seg.writer.close()
        seg.sink.flush()
        os.fsync(seg.sink.fileno())
        seg.sink.close()
        if self.on_segment_closed is not None:
            self.on_segment_closed(seg.path)


def read_segment(path: Path) -> tuple[pa.Table, bool]:
    """Read every complete record batch of a segment.

    Returns
    -------
    table : pyarrow.Table
        The samples that were completely written.
    truncated : bool
        True if the file ended inside a batch (a killed recorder); the partial batch is dropped.
    """
    batches: list[pa.RecordBatch] = []
    truncated = False
    try:
        with pa.OSFile(str(path), "rb") as source:
            reader = pa.ipc.open_stream(source)
            while True:
                try:
                    batches.append(reader.read_next_batch())
                except StopIteration:
                    break
    except (pa.ArrowInvalid, OSError, EOFError) as exc:
        truncated = True
        log.warning("segment %s ends in an incomplete batch (%s); kept %d complete batches",
                    path, exc, len(batches))
    if not batches:
        return SAMPLE_SCHEMA.empty_table(), truncated
    return pa.Table.from_batches(batches, schema=SAMPLE_SCHEMA), truncated


def compact_segment(path: Path, samples_dir: Path, participant: str) -> Path | None:
    """Turn one segment into a Parquet file in its participant/date partition; delete the segment.

    Idempotent: the output name is derived from the segment's session and sequence number and is
    written through a temporary file and an atomic rename.

    Returns
    -------
    Path or None
        The Parquet file written, or None if the segment held no complete batch.
    """
    table, _ = read_segment(path)
    session_dir = path.parent.name  # session-000012
    seq, _, local_date = path.stem.partition("_")
    if table.num_rows == 0:
        path.unlink(missing_ok=True)
        return None
    part_dir = date_dir(participant_dir(samples_dir, participant), local_date)
    part_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    out = part_dir / f"{session_dir}-{seq}.parquet"
    tmp = part_dir / f".{out.name}.tmp"  # dot-prefixed and not *.parquet: no reader lists it
    pq.write_table(
        table,
        tmp,
        compression="zstd",
        use_dictionary=["session"],
        column_encoding={"time": "DELTA_BINARY_PACKED", **dict.fromkeys(SAMPLE_COLUMNS, "BYTE_STREAM_SPLIT")},
        row_group_size=1 << 20,
    )
    os.chmod(tmp, 0o600)
    os.replace(tmp, out)
    path.unlink(missing_ok=True)
    return out



