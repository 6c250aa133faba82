"""CSV import and export of IMU samples.

Format (one header line, then one sample per line)::

    time,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z
    2026-11-20T09:00:00.000+00:00,0.12,0.03,9.79,0.001,-0.002,0.000

``time`` is ISO 8601 with a UTC offset (a file without offsets is read in the wearer's zone);
``acc_*`` in m/s², ``gyr_*`` in rad/s. The gyroscope columns are optional (accelerometer-only
sensors); an empty gyroscope cell means "no gyroscope reading" for that row.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from posturelog.errors import UserError
from posturelog.inputfiles import check_input_file
from posturelog.outputs import private_text_file
from posturelog.timezones import MAX_TIME_NS, MIN_TIME_NS, gap_message, has_offset
from vocab.samples import ACC_COLUMNS, GYR_COLUMNS, rate_from_times
from vocab.units import NS_PER_S

__all__ = ["CsvSamples", "read_samples_csv", "write_samples_csv"]

log = logging.getLogger(__name__)

_DATE_ONLY = re.compile(r"\d{4}-?\d{2}-?\d{2}")
_MIN_TIME = pd.Timestamp(MIN_TIME_NS, unit="ns", tz="UTC")
_MAX_TIME = pd.Timestamp(MAX_TIME_NS, unit="ns", tz="UTC")


@dataclass
class CsvSamples:
    """Samples read from a CSV file.

    Attributes
    ----------
    t_ns : ndarray (N,) int64
        UTC nanoseconds, strictly increasing.
    acc_mps2 : ndarray (N, 3)
    gyr_rads : ndarray (N, 3) or None
    rate_hz : float
        Median sample rate of the file.
    """

    t_ns: np.ndarray
    acc_mps2: np.ndarray
    gyr_rads: np.ndarray | None
    rate_hz: float


def _fail(path: Path, line: int | None, reason: str) -> UserError:
    where = f"{path}" if line is None else f"{path}, line {line}"
    return UserError(f"{where}: {reason}")


def read_samples_csv(path: Path, timezone: str) -> CsvSamples:
    """Read and validate a samples CSV; nothing is returned unless every row is good.

    Raises
    ------
    UserError
        Missing file or columns, unparsable time, non-numeric value, a time that does not move
        forward, with the file, line and reason.
    """
    path = check_input_file(Path(path))
    raw, has_gyr = _read_table(path)
    line_of = np.arange(raw.shape[0]) + 2  # header is line 1
    t_ns = _sample_times(raw, path, line_of, timezone)
    acc = _numeric(raw, ACC_COLUMNS, False, path, line_of)
    gyr = _gyroscope(raw, path, line_of) if has_gyr else None
    return CsvSamples(t_ns=t_ns, acc_mps2=acc, gyr_rads=gyr, rate_hz=rate_from_times(t_ns))


def _read_table(path: Path) -> tuple[pd.DataFrame, bool]:
    """The CSV as text cells with checked columns, and whether it has gyroscope columns."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise _fail(path, None, "the file is empty") from None
    except UnicodeDecodeError:
        raise _fail(path, None, "not UTF-8 text (is it a CSV file?)") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise _fail(path, None, f"not a readable CSV ({(str(exc).splitlines() or [''])[0]})") from None
    except OSError as exc:
        raise _fail(path, None, f"cannot read it ({(exc.strerror or str(exc)).lower()})") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in ("time", *ACC_COLUMNS) if c not in raw.columns]
    if missing:
        raise _fail(
            path, 1, f"missing column(s) {', '.join(missing)}; expected time,acc_x,acc_y,acc_z[,gyr_x,gyr_y,gyr_z]"
        )
    gyr_present = [c for c in GYR_COLUMNS if c in raw.columns]
    if gyr_present and len(gyr_present) != 3:
        raise _fail(path, 1, f"gyroscope columns must be all of gyr_x,gyr_y,gyr_z, found {', '.join(gyr_present)}")
    if raw.empty:
        raise _fail(path, None, "no samples after the header")
    return raw, bool(gyr_present)


def _sample_times(raw: pd.DataFrame, path: Path, line_of: np.ndarray, timezone: str) -> np.ndarray:
    """UTC ns of every row: ISO 8601, all with an offset or all local, in range, increasing."""
    times = raw["time"].str.strip()
    date_only = times.map(lambda t: bool(_DATE_ONLY.fullmatch(t)))
    if date_only.any():
        bad = int(np.argmax(date_only.to_numpy()))
        raise _fail(path, int(line_of[bad]), f"time {times.iloc[bad]!r} has no time of day")
    offsets = times.map(has_offset)
    if offsets.any() and not offsets.all():
        bad = int(np.argmin(offsets.to_numpy()))
        if pd.isna(pd.to_datetime(times.iloc[bad], format="ISO8601", errors="coerce")):
            raise _fail(path, int(line_of[bad]), f"cannot read time {times.iloc[bad]!r} (ISO 8601 expected)")
        raise _fail(path, int(line_of[bad]), f"time {times.iloc[bad]!r} has no UTC offset while others do")
    parsed = pd.to_datetime(times, format="ISO8601", errors="coerce", utc=bool(offsets.all()))
    if parsed.isna().any():
        bad = int(np.argmax(parsed.isna().to_numpy()))
        raise _fail(path, int(line_of[bad]), f"cannot read time {times.iloc[bad]!r} (ISO 8601 expected)")
    if not offsets.all():
        parsed = _localize(parsed, times, line_of, path, timezone)
    utc = parsed.dt.tz_convert("UTC")
    outside = ((utc < _MIN_TIME) | (utc >= _MAX_TIME)).to_numpy()
    if outside.any():
        bad = int(np.argmax(outside))
        raise _fail(
            path, int(line_of[bad]), f"time {times.iloc[bad]!r} is outside the supported range 1970-01-01 to 2199-12-31"
        )
    t_ns = utc.dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
    steps = np.diff(t_ns)
    if steps.size and (steps <= 0).any():
        bad = int(np.argmax(steps <= 0)) + 1
        raise _fail(
            path,
            int(line_of[bad]),
            f"time {times.iloc[bad]} does not come after the previous sample ({times.iloc[bad - 1]})",
        )
    return t_ns


def _numeric(
    raw: pd.DataFrame, columns: tuple[str, ...], allow_empty: bool, path: Path, line_of: np.ndarray
) -> np.ndarray:
    """The numeric ``columns`` of ``raw``; UserError naming the first bad cell."""
    out = np.empty((raw.shape[0], len(columns)))
    for j, col in enumerate(columns):
        text = raw[col].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad_mask = values.isna() & ~(allow_empty & (text == ""))
        bad_mask |= np.isinf(values.fillna(0.0))
        if bad_mask.any():
            bad = int(np.argmax(bad_mask.to_numpy()))
            raise _fail(path, int(line_of[bad]), f"{col} value {raw[col].iloc[bad]!r} is not a number")
        with np.errstate(over="ignore"):
            too_big = np.isinf(values.fillna(0.0).to_numpy(dtype=float).astype(np.float32))
        if too_big.any():
            bad = int(np.argmax(too_big))
            raise _fail(
                path,
                int(line_of[bad]),
                f"column {col}: value {raw[col].iloc[bad]!r} is out of range (at most ±3.4e38)",
            )
        out[:, j] = values.to_numpy(dtype=float)
    return out


def _gyroscope(raw: pd.DataFrame, path: Path, line_of: np.ndarray) -> np.ndarray | None:
    """The gyroscope columns (None if every row is empty); rows must be all empty or all full."""
    gyr = _numeric(raw, GYR_COLUMNS, True, path, line_of)
    partial = np.isnan(gyr).any(axis=1) & ~np.isnan(gyr).all(axis=1)
    if partial.any():
        bad = int(np.argmax(partial))
        raise _fail(path, int(line_of[bad]), "gyroscope row is partly empty (give all three or none)")
    return None if np.isnan(gyr).all() else gyr


def _localize(parsed: pd.Series, times: pd.Series, line_of: np.ndarray, path: Path, timezone: str) -> pd.Series:
    """Place naive local times in ``timezone``; a time a DST change skips or repeats is refused
    with its line."""
    zone = ZoneInfo(timezone)
    gap = parsed.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").isna().to_numpy()
    if gap.any():
        bad = int(np.argmax(gap))
        skipped = pd.isna(
            pd.Series(parsed.iloc[bad : bad + 1]).dt.tz_localize(zone, ambiguous=False, nonexistent="NaT").iloc[0]
        )
        reason = (
            gap_message(times.iloc[bad], timezone)
            if skipped
            else f"local time {times.iloc[bad]!r} happens twice in {timezone} (the clocks go back at a "
            "daylight saving change); write the times with their UTC offset, e.g. +01:00"
        )
        raise _fail(path, int(line_of[bad]), reason)
    return parsed.dt.tz_localize(zone)


def write_samples_csv(
    frames: Iterator[pd.DataFrame],
    out: Path,
    timezone: str,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write sample frames (as :meth:`Store.read_samples` returns them) to an owner-only CSV.

    Times are written in the wearer's zone with their UTC offset and all nine digits of the
    nanoseconds; values as the shortest decimal that reads back to the same float32 (no
    resampling, smoothing or gap filling), so an export imports back bit for bit. Gyroscope
    cells are empty where none was recorded. The file appears only when complete.

    Returns
    -------
    int
        Number of samples written.
    """
    zone = ZoneInfo(timezone)
    total = 0
    with private_text_file(Path(out)) as fh:
        fh.write("time," + ",".join(ACC_COLUMNS + GYR_COLUMNS) + "\n")
        for frame in frames:
            if frame.empty:
                continue
            text = pd.DataFrame({"time": format_times(frame.index, zone)})
            for col in ACC_COLUMNS + GYR_COLUMNS:
                values = frame[col].to_numpy(dtype=np.float32)
                cells = values.astype(str)
                cells[np.isnan(values)] = ""
                text[col] = cells
            text.to_csv(fh, header=False, index=False, lineterminator="\n")
            total += len(frame)
            if progress is not None:
                progress(len(frame))
    return total


def format_times(index: pd.DatetimeIndex, zone: ZoneInfo) -> np.ndarray:
    """ISO 8601 local times with nanoseconds and UTC offset, e.g. ``2026-11-20T10:00:00.000000001+01:00``."""
    local = index.tz_convert(zone)
    ns = (index.as_unit("ns").asi8 % NS_PER_S).astype(str)
    offset = local.strftime("%z").str.replace(r"([+-]\d{2})(\d{2})$", r"\1:\2", regex=True)
    seconds = local.strftime("%Y-%m-%dT%H:%M:%S")
    return np.asarray(seconds + "." + pd.Index(ns).str.zfill(9) + offset, dtype=object)
