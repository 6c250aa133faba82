"""phyphox exports: "Acceleration with g" (plus the gyroscope) from the phyphox app.

Format facts (sources: phyphox-docs ``docs/file-format/input.md``; phyphox-android
``assets/experiments/accelerometer.phyphox`` and ``gyroscope.phyphox``; phyphox-ios
``ExperimentExport.swift``, ``ExperimentExportSet.swift``, ``ExperimentSensorInput.swift``):

* A CSV export of a whole experiment is a zip with one ``<set name>.csv`` per export set (the
  built-in experiments call their set "Raw Data"; an experiment made in the editor names its
  own, e.g. "Accelerometer" and "Gyroscope"), plus ``meta/device.csv`` and ``meta/time.csv``.
* Columns: ``Time (s)``, ``Acceleration x (m/s^2)`` … ``z`` (sensor type ``accelerometer``,
  "acceleration with g": "a constant acceleration of 9.81 m/s² for a resting device"),
  ``Gyroscope x (rad/s)`` … ``z``. "Acceleration (without g)" is ``Linear Acceleration x
  (m/s^2)``; it has no gravity and cannot give posture. Header cells are quoted; values are
  in scientific notation; a missing value is ``""``.
* Separator and decimal mark are the user's choice: comma/decimal point, tab or semicolon with
  decimal point or decimal comma.
* Axes and signs follow Android on both platforms: phyphox-ios multiplies Core Motion's
  acceleration (in g, opposite sign) by −9.81 m/s², so a phone lying face up reads +9.81 on z
  on iPhones too, which is our specific-force convention. Angular rate is rad/s, right-handed,
  on both platforms.
* ``Time (s)`` is experiment time: seconds since the first reading, with paused intervals cut
  out. ``meta/time.csv`` has columns ``event, experiment time, system time, system time
  text``, one row per ``START`` and ``PAUSE``; ``system time`` is seconds since the Unix epoch
  (UTC) at that experiment time. We map each sample to UTC from the last ``START`` before it.
"""

from __future__ import annotations

import logging
import re

import numpy as np

from posturelog.errors import UserError
from posturelog.phone.align import drop_repeated_times, interpolate_onto
from posturelog.phone.samples import PhoneSamples, Stream, make_samples
from posturelog.phone.source import ExportSource
from posturelog.phone.table import Table, parse_table
from vocab.units import NS_PER_S

__all__ = ["looks_like_phyphox", "read_phyphox"]

log = logging.getLogger(__name__)

_TIME = re.compile(r"^(?:time|zeit|temps|tiempo|tempo)?\s*\(s\)$|^t \(s\)$", re.IGNORECASE)
_ACC = re.compile(r"^acceleration ([xyz]) \(m/s(?:\^2|²)\)$", re.IGNORECASE)
_LINEAR = re.compile(r"^linear acceleration ([xyz]) \(m/s(?:\^2|²)\)$", re.IGNORECASE)
_GYR = re.compile(r"^gyroscope ([xyz]) \(rad/s\)$", re.IGNORECASE)
_TIME_CSV = "meta/time.csv"


def _axes(columns: list[str], pattern: re.Pattern[str]) -> list[str] | None:
    found = {m.group(1).lower(): c for c in columns if (m := pattern.match(c))}
    return [found[a] for a in "xyz"] if len(found) == 3 else None


def _time_column(columns: list[str]) -> str | None:
    return next((c for c in columns if _TIME.match(c)), None)


def looks_like_phyphox(header: list[str]) -> bool:
    """Whether a CSV header is a phyphox export set with acceleration or angular rate."""
    return _time_column(header) is not None and any(
        _ACC.match(c) or _GYR.match(c) or _LINEAR.match(c) for c in header
    )


def _meta(source: ExportSource, name: str) -> str | None:
    """The member ``meta/<name>`` (under any top folder), if there is exactly one."""
    hits = [m for m in source.members if m.lower() == f"meta/{name}" or m.lower().endswith(f"/meta/{name}")]
    if len(hits) > 1:
        raise UserError(f"{source.path}: holds {len(hits)} meta/{name} files; import one recording at a time")
    return hits[0] if hits else None


def _experiment_to_utc(source: ExportSource) -> tuple[np.ndarray, np.ndarray]:
    """START rows of ``meta/time.csv``: experiment times (s) and their UTC times (ns)."""
    member = _meta(source, "time.csv")
    if member is None:
        raise UserError(
            f"{source.path}: no {_TIME_CSV}, so the samples cannot be placed in time; in phyphox, "
            "export the whole experiment as CSV (the zip with its meta folder), not a single table"
        )
    table = parse_table(source.read_bytes(member), source.where(member))
    missing = [c for c in ("event", "experiment time", "system time") if c not in table.columns]
    if missing:
        raise table.fail(None, f"missing column(s) {', '.join(missing)} (line 1 has {table.columns})")
    events = table.text("event").str.upper().to_numpy()
    starts = np.flatnonzero(events == "START")
    if starts.size == 0:
        raise table.fail(None, "has no START event, so the samples cannot be placed in time")
    exp_s = table.numbers("experiment time")[starts]
    sys_s = table.numbers("system time")[starts]
    if (sys_s < 946_684_800).any() or (sys_s > 4_102_444_800).any():  # 2000-01-01 … 2100-01-01
        bad = int(starts[np.argmax((sys_s < 946_684_800) | (sys_s > 4_102_444_800))])
        raise table.fail(bad, f"system time {table.text('system time').iloc[bad]} is not seconds since 1970 in 2000–2100")
    order = np.argsort(exp_s, kind="stable")
    return exp_s[order], np.round(sys_s[order] * NS_PER_S).astype(np.int64)


def _stream(table: Table, axes: list[str], time_col: str, starts: tuple[np.ndarray, np.ndarray], scale: float) -> Stream:
    t_s = table.numbers(time_col, allow_empty=True)
    values = np.column_stack([table.numbers(c, allow_empty=True) for c in axes])
    present = ~np.isnan(values)
    rows = ~np.isnan(t_s) & present.any(axis=1)
    partial = rows & ~present.all(axis=1)
    if partial.any():
        raise table.fail(int(np.argmax(partial)), "x, y, z must all be given or all be empty")
    idx = np.flatnonzero(rows)
    if idx.size == 0:
        raise table.fail(None, f"no values in {', '.join(axes)}")
    exp_s, sys_ns = starts
    seg = np.clip(np.searchsorted(exp_s, t_s[idx], side="right") - 1, 0, exp_s.size - 1)
    t_ns = sys_ns[seg] + np.round((t_s[idx] - exp_s[seg]) * NS_PER_S).astype(np.int64)
    keep, dropped = drop_repeated_times(t_ns, table.where)
    return Stream(t_ns=t_ns[keep], values=values[idx][keep] * scale, where=table.where, n_dropped=dropped)


def read_phyphox(source: ExportSource) -> PhoneSamples:
    """Read a phyphox CSV export (zip or folder) into samples in our units and axes.

    Raises
    ------
    UserError
        No acceleration-with-g table, only linear acceleration, missing or broken
        ``meta/time.csv``, or any malformed cell (file, line, reason).
    """
    acc_tables: list[tuple[Table, list[str], str]] = []
    gyr_tables: list[tuple[Table, list[str], str]] = []
    linear_only: list[str] = []
    for member in source.csv_members():
        if member.lower().startswith("meta/") or "/meta/" in member.lower():
            continue
        table = parse_table(source.read_bytes(member), source.where(member))
        time_col = _time_column(table.columns)
        acc_cols, gyr_cols = _axes(table.columns, _ACC), _axes(table.columns, _GYR)
        if time_col is None:
            continue
        if acc_cols:
            acc_tables.append((table, acc_cols, time_col))
        if gyr_cols:
            gyr_tables.append((table, gyr_cols, time_col))
        if not acc_cols and not gyr_cols and _axes(table.columns, _LINEAR):
            linear_only.append(table.where)
    if not acc_tables:
        if linear_only:
            raise UserError(
                f"{linear_only[0]}: holds acceleration without g (Linear Acceleration); posture needs "
                "the phyphox experiment \"Acceleration with g\""
            )
        raise UserError(
            f"{source.path}: no phyphox table with 'Time (s)' and 'Acceleration x/y/z (m/s^2)' "
            "(export the \"Acceleration with g\" experiment as CSV)"
        )
    if len(acc_tables) > 1 or len(gyr_tables) > 1:
        names = ", ".join(t.where for t, _, _ in acc_tables + gyr_tables)
        raise UserError(f"{source.path}: more than one acceleration or gyroscope table ({names}); import one recording at a time")
    starts = _experiment_to_utc(source)
    acc = _stream(*acc_tables[0], starts, 1.0)
    notes: list[str] = []
    gyr_values = None
    if gyr_tables:
        gyr = _stream(*gyr_tables[0], starts, 1.0)
        gyr_values = interpolate_onto(gyr.t_ns, gyr.values, acc.t_ns)
        notes.append("gyroscope interpolated onto the accelerometer's times")
        if gyr.n_dropped:
            notes.append(f"{gyr.n_dropped:,} gyroscope rows with a repeated or backward time left out")
    platform = _platform(source)
    model = f"phyphox ({platform})" if platform else "phyphox"
    return make_samples(acc, gyr_values, model, notes)


def _platform(source: ExportSource) -> str:
    """``Android`` or ``iOS`` from ``meta/device.csv`` (property/value rows), if it says."""
    member = _meta(source, "device.csv")
    if member is None:
        return ""
    try:
        table = parse_table(source.read_bytes(member), source.where(member))
    except UserError:
        return ""
    if "property" not in table.columns or "value" not in table.columns:
        return ""
    text = " ".join(table.text("property").str.lower() + "=" + table.text("value").str.lower())
    if "android" in text:
        return "Android"
    if "ios" in text or "iphone" in text:
        return "iOS"
    return ""
