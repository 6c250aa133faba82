"""Import and export of samples between CSV files and the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.upaxis import parse_up_axis
from posturelog.csvio import CsvSamples, read_samples_csv, write_samples_csv
from posturelog.errors import UserError
from posturelog.exportrange import export_range
from posturelog.recorder import RecordResult, record_batches
from posturelog.store import Store
from sensor.batch import SampleBatch, SourceInfo
from vocab.units import NS_PER_S

__all__ = ["export_csv", "import_csv"]

_GAP_FACTOR = 5.0


def _batches(t_ns: np.ndarray, acc: np.ndarray, gyr: np.ndarray | None, rate_hz: float) -> Iterator[SampleBatch]:
    """Cut validated samples into ~10 s batches, flagging gaps longer than a few periods."""
    step = np.diff(t_ns)
    gap_after = np.flatnonzero(step > _GAP_FACTOR * NS_PER_S / max(rate_hz, 1e-9)) + 1
    edges = sorted(set(range(0, t_ns.size, max(1, int(rate_hz * 10)))) | set(gap_after.tolist()))
    edges.append(t_ns.size)
    gap_starts = set(gap_after.tolist())
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        yield SampleBatch(
            t_ns=t_ns[a:b],
            acc_mps2=acc[a:b],
            gyr_rads=None if gyr is None else gyr[a:b],
            gap_before=a in gap_starts,
        )


def import_csv(
    store: Store, path: Path, timezone: str, *, model: str = "CSV import", samples: CsvSamples | None = None,
    up_axis: str = "",
) -> RecordResult:
    """Validate a samples CSV completely, then record it as one session, all or nothing.

    The samples are staged invisibly and become visible in one transaction with the closed
    session row; a failure (or a kill) at any point leaves nothing of the file visible.

    ``samples`` already read (e.g. from a phone export by :mod:`posturelog.phone`) are recorded
    as they are instead of reading ``path``. ``up_axis`` is how the sensor was worn (the device
    axis pointing toward the head when standing, ``"+y"``; ``""`` unknown), stored with the
    session and used by the analysis where the data give no upright (:mod:`analysis.upaxis`).

    Raises
    ------
    UserError
        On any bad row (nothing is imported then), when the samples overlap stored ones, or
        for an ``up_axis`` that is not one of ±x ±y ±z.
    """
    try:
        axis = parse_up_axis(up_axis) if up_axis else ""
    except ValueError as exc:
        raise UserError(f"up axis: {exc}") from None
    samples = read_samples_csv(path, timezone) if samples is None else samples
    existing = store.read_arrays(int(samples.t_ns[0]), int(samples.t_ns[-1]) + 1)
    if len(existing):
        raise UserError(
            f"{path}: its {samples.t_ns.size} samples overlap {len(existing)} already stored "
            "samples (was it imported before?); nothing imported"
        )
    info = SourceInfo(
        model=model,
        name=Path(path).name,
        rate_hz=round(samples.rate_hz, 3),
        has_gyroscope=samples.gyr_rads is not None,
        up_axis=axis,
    )
    return record_batches(
        _batches(samples.t_ns, samples.acc_mps2, samples.gyr_rads, samples.rate_hz),
        store,
        info,
        timezone,
        source=f"import:{Path(path).name}",
        staged=True,
    )


def export_csv(store: Store, out: Path, start: str | None, end: str | None) -> int:
    """Write stored samples in ``[start, end)`` to a CSV, one local day at a time.

    Raises
    ------
    UserError
        When the times cannot be read, the range is empty or there are no samples in it.
    """
    bounds = export_range(store, start, end)
    zone, start_ns, end_ns, days = bounds.zone, bounds.start_ns, bounds.end_ns, bounds.days
    out = Path(out)
    if not out.parent.exists():
        raise UserError(f"{out.parent}: directory does not exist")

    def frames() -> Iterator[pd.DataFrame]:
        # Read one UTC day at a time (memory stays at about a day of samples); the windows are
        # contiguous and cover every local-date partition with a day's margin each side.
        day_ns = 86400 * NS_PER_S
        first = pd.Timestamp(days[0]).tz_localize("UTC").value - day_ns
        last = pd.Timestamp(days[-1]).tz_localize("UTC").value + 2 * day_ns
        lo = first if start_ns is None else max(first, start_ns)
        hi_all = last if end_ns is None else min(last, end_ns)
        while lo < hi_all:
            hi = min(hi_all, lo + day_ns)
            yield store.read_samples(lo, hi)
            lo = hi

    n = write_samples_csv(frames(), out, zone)
    if n == 0:
        out.unlink(missing_ok=True)
        raise UserError("no samples in the requested time range")
    return n
