"""Per-minute output for researchers: ``posturelog export --minutes``.

One row per minute that holds any epoch (worn or not), summarised from the same per-second
epochs the weekly report uses (:func:`posturelog.analyze.epochs_for_days`). This is the
epoch-level output of GGIR's part 2 for this domain: a minute is short enough to line up with
diaries and other devices, long enough to keep files small. Columns: :data:`MINUTE_COLUMNS`,
described in ``docs/glossary.md``.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.settings import AnalysisSettings
from posturelog.errors import UserError
from posturelog.outputs import check_output_file, private_text_file
from posturelog.store import Store
from posturelog.timezones import parse_time

__all__ = ["MINUTE_COLUMNS", "export_minutes", "minute_table"]

log = logging.getLogger(__name__)

_NS = 1_000_000_000

#: Columns of the per-minute CSV, in order.
MINUTE_COLUMNS: tuple[str, ...] = (
    "time",
    "seconds",
    "worn",
    "worn_seconds",
    "context",
    "flexion_median_deg",
    "flexion_p90_deg",
    "slouch_seconds",
    "calibration",
    "calibration_confidence",
)


def _mode(values: pd.Series, keys: np.ndarray) -> pd.Series:
    """Most common value of ``values`` per key (ties: the first in sorted order)."""
    df = pd.DataFrame({"k": keys, "v": values.astype(str).to_numpy()})
    counts = df.groupby(["k", "v"]).size().reset_index(name="n")
    counts = counts.sort_values(["k", "n"], ascending=[True, False], kind="stable")
    return counts.drop_duplicates("k").set_index("k")["v"]


def minute_table(epochs: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Summarise per-second epochs by minute.

    Parameters
    ----------
    epochs : DataFrame, shape (E, ≥ 8)
        Per-second epochs (index ``time`` UTC, 1 s; columns ``worn``, ``context``,
        ``flexion_deg``, ``slouch``, ``calibration``, ``calibration_confidence``).
    tz : str
        Wearer's IANA zone; ``time`` is written as local time with its UTC offset.

    Returns
    -------
    DataFrame, shape (M, 10)
        :data:`MINUTE_COLUMNS`, one row per minute holding at least one epoch, in time order.
        ``worn`` is true when at least half of the minute's seconds are worn; ``context`` is
        the most common context of its seconds (``nonwear`` included); flexion statistics
        (degrees, relative to the wearer's upright) are over its worn upright and walking
        seconds with a flexion (empty otherwise); calibration source and confidence are the
        most common over its worn seconds (else over all its seconds).
    """
    if len(epochs) == 0:
        return pd.DataFrame(columns=list(MINUTE_COLUMNS))
    for c in ("worn", "context", "flexion_deg", "slouch", "calibration",
              "calibration_confidence"):
        if c not in epochs.columns:
            raise ValueError(f"epochs lack column '{c}'")
    t = pd.DatetimeIndex(epochs.index).as_unit("ns").asi8
    minute = t // (60 * _NS)
    worn = epochs["worn"].to_numpy(dtype=bool)
    ctx = epochs["context"].astype(str)
    flex = epochs["flexion_deg"].to_numpy(dtype=float)
    posture = worn & ctx.isin(["upright", "walking"]).to_numpy() & np.isfinite(flex)
    keys = np.unique(minute)
    pos = np.searchsorted(keys, minute)
    seconds = np.bincount(pos, minlength=keys.size)
    worn_s = np.bincount(pos, weights=worn, minlength=keys.size).astype(int)
    slouch_s = np.bincount(pos, weights=epochs["slouch"].to_numpy(dtype=bool) & worn,
                           minlength=keys.size).astype(int)
    fl = pd.DataFrame({"k": minute[posture], "f": flex[posture]}).groupby("k")["f"]
    med = fl.median().reindex(keys).to_numpy()
    p90 = fl.quantile(0.9).reindex(keys).to_numpy()
    context = _mode(ctx, minute).reindex(keys).to_numpy()
    cal_keys = np.where(worn | ~np.isin(minute, minute[worn]), minute, -1)
    cal = _mode(epochs["calibration"], cal_keys).reindex(keys).to_numpy()
    conf = _mode(epochs["calibration_confidence"], cal_keys).reindex(keys).to_numpy()
    local = pd.DatetimeIndex(keys * 60 * _NS, tz="UTC").tz_convert(tz)
    return pd.DataFrame({
        "time": [x.isoformat() for x in local],
        "seconds": seconds,
        "worn": 2 * worn_s >= seconds,
        "worn_seconds": worn_s,
        "context": context,
        "flexion_median_deg": np.round(med, 1),
        "flexion_p90_deg": np.round(p90, 1),
        "slouch_seconds": slouch_s,
        "calibration": cal,
        "calibration_confidence": conf,
    }, columns=list(MINUTE_COLUMNS))


def _local_date(ns: int, tz: str) -> date:
    return pd.Timestamp(ns, unit="ns", tz="UTC").tz_convert(tz).date()


def export_minutes(store: Store, out: Path, start: str | None, end: str | None,
                   settings: AnalysisSettings | None = None) -> int:
    """Write the per-minute table of ``[start, end)`` to ``out`` (owner-only, atomically).

    Parameters
    ----------
    store : Store
    out : Path
        CSV file to write; it appears only when complete (mode 0600).
    start, end : str or None
        ISO 8601 times (local time without an offset); None: from the first / to the last
        stored day.
    settings : AnalysisSettings, optional
        Slouch threshold and minimum duration (those of the report, from ``config.toml``).

    Returns
    -------
    int
        Rows written.

    Raises
    ------
    UserError
        When the times cannot be read, the range is empty, or nothing is stored in it.
    """
    from posturelog.analyze import epochs_for_days  # heavy imports only when needed

    out = check_output_file(Path(out))
    zone = store.timezone()
    start_ns = parse_time(start, zone) if start else None
    end_ns = parse_time(end, zone) if end else None
    if start_ns is not None and end_ns is not None and end_ns <= start_ns:
        raise UserError(f"--to ({end}) must be after --from ({start})")
    days = store.local_dates()
    if not days:
        raise UserError(f"no samples stored in {store.data_dir}")
    first = days[0] if start_ns is None else max(days[0], _local_date(start_ns, zone))
    last = days[-1] if end_ns is None else min(days[-1], _local_date(end_ns - 1, zone))
    if last < first:
        raise UserError("no samples in the requested time range")
    epochs = epochs_for_days(store, first, last, settings).epochs
    t = pd.DatetimeIndex(epochs.index).as_unit("ns").asi8
    keep = np.ones(t.size, dtype=bool)
    if start_ns is not None:
        keep &= t >= start_ns
    if end_ns is not None:
        keep &= t < end_ns
    table = minute_table(epochs[keep], zone)
    if table.empty:
        raise UserError("no samples in the requested time range")
    with private_text_file(out) as fh:
        table.to_csv(fh, index=False)
    log.info("wrote %d minutes to %s", len(table), out)
    return len(table)
