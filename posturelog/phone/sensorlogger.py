"""Sensor Logger exports (the app by Kelvin Choi, iOS and Android): a zip or folder of CSVs.

Format facts (source: github.com/tszheichoi/awesome-sensor-logger — ``UNITS.md``,
``COORDINATES.md``, ``CROSSPLATFORM.md`` and ``README.md``):

* One CSV per sensor, each with ``time`` (UTC nanoseconds since the Unix epoch),
  ``seconds_elapsed`` and ``x``, ``y``, ``z`` (real exports order them ``z,y,x``);
  ``Metadata.csv`` holds ``version, device name, recording epoch time, recording time,
  recording timezone, platform, appVersion, device id, sensors, sampleRateMs,
  standardisation, platform version``.
* ``Accelerometer.csv``: m/s² (g taken as 9.80665 m/s²), acceleration *without* gravity
  (user acceleration) on both platforms. ``TotalAcceleration.csv`` (Android only): "with
  gravity included (raw accelerometer readings)". ``Gravity.csv``: m/s². On iOS "you may
  create acceleration with gravity by combining the Accelerometer and Gravity readings".
* ``Gyroscope.csv``: rad/s; "iOS and Android have consistent definitions".
* Signs: iOS and Android "differ by a negative sign in all three x, y and z axes" for
  acceleration and gravity — "When you place your phone flat on a table, the gravity vector
  points in -z on iOS and +z on Android". With "Standardise Units & Frames" switched on
  (``standardisation`` true in ``Metadata.csv``) iOS follows the Android definition.
* Timestamps of different sensors "do not necessarily align"; some phones report "the same
  value twice with identical timestamps".

So specific force in our convention (still phone face up: +9.81 on z, as Android reports) is
``TotalAcceleration`` when present, else ``Accelerometer + Gravity`` — negated for iOS
recordings made without standardisation.
"""

from __future__ import annotations

import logging

import numpy as np

from posturelog.errors import UserError
from posturelog.phone.align import drop_repeated_times, interpolate_onto
from posturelog.phone.samples import PhoneSamples, Stream, make_samples
from posturelog.phone.source import ExportSource
from posturelog.phone.table import parse_table

__all__ = ["looks_like_sensor_logger", "read_sensor_logger"]

log = logging.getLogger(__name__)

_COLUMNS = ("time", "x", "y", "z")
_TRUE = {"true", "1", "yes", "on"}


def looks_like_sensor_logger(header: list[str]) -> bool:
    """Whether a CSV header is a Sensor Logger 3-axis sensor (``time``, ``x``, ``y``, ``z``)."""
    names = {c.strip().lower() for c in header}
    return set(_COLUMNS) <= names and ("seconds_elapsed" in names or len(names) == 4)


def _stream(source: ExportSource, basename: str) -> Stream | None:
    member = source.find(basename)
    if member is None:
        return None
    table = parse_table(source.read_bytes(member), source.where(member))
    lower = {c.lower(): c for c in table.columns}
    missing = [c for c in _COLUMNS if c not in lower]
    if missing:
        raise table.fail(None, f"missing column(s) {', '.join(missing)}; expected time,seconds_elapsed,x,y,z (line 1 has {table.columns})")
    if len(table) == 0:
        raise table.fail(None, "no rows after the header")
    t_ns = table.integers(lower["time"])
    if (t_ns < 946_684_800 * 10**9).any():  # before 2000: not ns since the epoch
        bad = int(np.argmax(t_ns < 946_684_800 * 10**9))
        raise table.fail(bad, f"time {t_ns[bad]} is not nanoseconds since 1970 (before 2000)")
    values = np.column_stack([table.numbers(lower[a]) for a in "xyz"])
    keep, dropped = drop_repeated_times(t_ns, table.where)
    return Stream(t_ns=t_ns[keep], values=values[keep], where=table.where, n_dropped=dropped)


def _metadata(source: ExportSource) -> tuple[str, bool] | None:
    """(platform ``"ios"``/``"android"``, standardised) from ``Metadata.csv``, if present."""
    member = source.find("Metadata.csv")
    if member is None:
        return None
    table = parse_table(source.read_bytes(member), source.where(member))
    lower = {c.lower(): c for c in table.columns}
    if "platform" not in lower:
        raise table.fail(None, f"no 'platform' column (line 1 has {table.columns})")
    platform = table.text(lower["platform"]).iloc[0].lower()
    if platform not in ("ios", "android"):
        raise table.fail(0, f"platform {platform!r} is neither iOS nor Android")
    standard = "standardisation" in lower and table.text(lower["standardisation"]).iloc[0].lower() in _TRUE
    return platform, standard


def read_sensor_logger(source: ExportSource) -> PhoneSamples:
    """Read a Sensor Logger export (zip or folder) into samples in our units and axes.

    Raises
    ------
    UserError
        No acceleration with gravity (neither ``TotalAcceleration.csv`` nor ``Accelerometer.csv``
        with ``Gravity.csv``), unknown platform where the sign depends on it, or any malformed
        cell (file, line, reason).
    """
    meta = _metadata(source)
    total = _stream(source, "TotalAcceleration.csv")
    notes: list[str] = []
    if total is not None:
        # TotalAcceleration is Android's raw accelerometer; an iOS export never has it.
        sign = -1.0 if meta is not None and meta[0] == "ios" and not meta[1] else 1.0
        acc = Stream(total.t_ns, sign * total.values, total.where, total.n_dropped)
    else:
        user = _stream(source, "Accelerometer.csv")
        gravity = _stream(source, "Gravity.csv")
        if user is None or gravity is None:
            have = user.where if user is not None else gravity.where if gravity is not None else str(source.path)
            raise UserError(
                f"{have}: no acceleration with gravity; Sensor Logger needs TotalAcceleration.csv, "
                "or Accelerometer.csv together with Gravity.csv (switch on Gravity in the app)"
            )
        if meta is None:
            raise UserError(
                f"{source.path}: no Metadata.csv, so it is unknown whether the recording is from iOS "
                "or Android (their acceleration signs differ); export the whole recording as a zip"
            )
        g_on_acc = interpolate_onto(gravity.t_ns, gravity.values, user.t_ns)
        ok = ~np.isnan(g_on_acc).any(axis=1)
        if not ok.any():
            raise UserError(f"{gravity.where}: its times do not overlap {user.where}")
        if not ok.all():
            notes.append(f"{int((~ok).sum()):,} accelerometer readings without a gravity reading nearby were left out")
        sign = -1.0 if meta[0] == "ios" and not meta[1] else 1.0
        acc = Stream(user.t_ns[ok], sign * (user.values[ok] + g_on_acc[ok]), user.where, user.n_dropped)
        notes.append("specific force = accelerometer + gravity" + (" (iOS signs flipped)" if sign < 0 else ""))
    gyr = _stream(source, "Gyroscope.csv")
    gyr_values = None
    if gyr is not None:
        gyr_values = interpolate_onto(gyr.t_ns, gyr.values, acc.t_ns)
        notes.append("gyroscope interpolated onto the accelerometer's times")
        if gyr.n_dropped:
            notes.append(f"{gyr.n_dropped:,} gyroscope rows with a repeated or backward time left out")
    platform = {"ios": "iOS", "android": "Android"}.get(meta[0], "") if meta else "Android"
    return make_samples(acc, gyr_values, f"Sensor Logger ({platform})", notes)
