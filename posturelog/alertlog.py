"""Alerts as data: an ``alerts`` table in the store's SQLite database, and per-day numbers.

The table is created here (``CREATE TABLE IF NOT EXISTS``) through the store's own
connection (:meth:`posturelog.store.Store.transaction`), so the store's schema is untouched::

    alerts(id, t_ns, kind, channel, seconds_to_correct)

* ``t_ns``: when the alert was sent (UTC ns);
* ``kind``: ``slouch`` or ``break``;
* ``channel``: the channels it went to, comma-separated (``terminal,desktop``);
* ``seconds_to_correct``: seconds until the wearer was upright again (slouch) or took the
  break (break reminder); NULL until then or when unknown.

:func:`daily_alert_summary` gives per local day the number of alerts and the median
time-to-correct; :func:`weekly_alert_trend` the same per ISO week and the least-squares slope of
the weekly median over the weeks (the "training effect": a negative slope means quicker
corrections). Numbers only; the report words them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from posturelog.alerts import ALERT_KINDS, CHANNELS, Alert
from posturelog.errors import InputError
from posturelog.store import Store
from vocab.units import NS_PER_S

__all__ = [
    "ALERT_COLUMNS",
    "DAILY_ALERT_COLUMNS",
    "add_alert",
    "daily_alert_summary",
    "ensure_alert_table",
    "read_alerts",
    "set_seconds_to_correct",
    "weekly_alert_trend",
]

log = logging.getLogger(__name__)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY,
    t_ns INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('slouch', 'break')),
    channel TEXT NOT NULL,
    seconds_to_correct REAL CHECK (seconds_to_correct IS NULL OR seconds_to_correct >= 0)
);
CREATE INDEX IF NOT EXISTS alerts_time ON alerts(t_ns);
"""

#: Columns of :func:`read_alerts`.
ALERT_COLUMNS: tuple[str, ...] = ("id", "time", "kind", "channel", "seconds_to_correct")
#: Columns of :func:`daily_alert_summary`.
DAILY_ALERT_COLUMNS: tuple[str, ...] = (
    "date", "alerts", "slouch_alerts", "break_alerts", "corrected",
    "median_seconds_to_correct",
)


def ensure_alert_table(store: Store) -> None:
    """Create the ``alerts`` table if it does not exist yet."""
    with store.transaction() as db:
        for stmt in _SCHEMA.strip().split(";"):
            if stmt.strip():
                db.execute(stmt)


def _check_channels(channels: Sequence[str]) -> str:
    bad = [c for c in channels if c not in CHANNELS]
    if bad or not channels:
        raise InputError(f"alert channels must be a non-empty subset of {list(CHANNELS)}, got {list(channels)}")
    return ",".join(channels)


def add_alert(store: Store, alert: Alert) -> int:
    """Store an alert; sets and returns its ``id``.

    Raises
    ------
    ValueError
        Unknown kind or channel, or a negative time-to-correct.
    """
    if alert.kind not in ALERT_KINDS:
        raise InputError(f"alert kind must be one of {list(ALERT_KINDS)}, got {alert.kind!r}")
    channel = _check_channels(alert.channels)
    stc = alert.seconds_to_correct
    if stc is not None and not stc >= 0:
        raise InputError(f"seconds_to_correct must be >= 0, got {stc}")
    ensure_alert_table(store)
    with store.transaction() as db:
        cur = db.execute(
            "INSERT INTO alerts(t_ns, kind, channel, seconds_to_correct) VALUES (?, ?, ?, ?)",
            (int(round(alert.t_s * NS_PER_S)), alert.kind, channel, stc),
        )
        alert.id = int(cur.lastrowid or 0)
    return alert.id


def set_seconds_to_correct(store: Store, alert_id: int, seconds: float) -> None:
    """Fill in the time-to-correct of a stored alert.

    Raises
    ------
    ValueError
        Negative seconds or no alert with that id.
    """
    if not seconds >= 0:
        raise InputError(f"seconds_to_correct must be >= 0, got {seconds}")
    ensure_alert_table(store)
    with store.transaction() as db:
        cur = db.execute("UPDATE alerts SET seconds_to_correct = ? WHERE id = ?",
                         (float(seconds), int(alert_id)))
        if cur.rowcount != 1:
            raise InputError(f"no alert with id {alert_id}")


def read_alerts(store: Store, start_ns: int | None = None, end_ns: int | None = None) -> pd.DataFrame:
    """Stored alerts in ``[start_ns, end_ns)``, oldest first.

    Returns
    -------
    DataFrame, shape (K, 5)
        :data:`ALERT_COLUMNS`: ``id`` (int), ``time`` (tz-aware UTC), ``kind``, ``channel``
        (comma-separated), ``seconds_to_correct`` (float, NaN when unknown).
    """
    ensure_alert_table(store)
    lo = -(2**63) if start_ns is None else int(start_ns)
    hi = 2**63 - 1 if end_ns is None else int(end_ns)
    with store.transaction() as db:
        rows = db.execute(
            "SELECT id, t_ns, kind, channel, seconds_to_correct FROM alerts "
            "WHERE t_ns >= ? AND t_ns < ? ORDER BY t_ns, id", (lo, hi),
        ).fetchall()
    df = pd.DataFrame(rows, columns=["id", "t_ns", "kind", "channel", "seconds_to_correct"])
    out = pd.DataFrame({
        "id": df["id"].astype("int64"),
        "time": pd.to_datetime(df["t_ns"].astype("int64"), unit="ns", utc=True),
        "kind": df["kind"].astype(str),
        "channel": df["channel"].astype(str),
        "seconds_to_correct": pd.to_numeric(df["seconds_to_correct"]).astype(float),
    })
    return out[list(ALERT_COLUMNS)]


def daily_alert_summary(alerts: pd.DataFrame, timezone: str,
                        days: Sequence[object] | None = None) -> pd.DataFrame:
    """Alerts per local day and the median time-to-correct of that day's slouch alerts.

    Parameters
    ----------
    alerts : DataFrame
        From :func:`read_alerts`.
    timezone : str
        IANA zone of the wearer.
    days : sequence of datetime.date, optional
        Days to report (days without alerts get 0 and NaN); default: days with alerts.

    Returns
    -------
    DataFrame, shape (D, 6)
        :data:`DAILY_ALERT_COLUMNS`; ``median_seconds_to_correct`` is NaN for a day without a
        corrected slouch alert.
    """
    missing = [c for c in ("time", "kind", "seconds_to_correct") if c not in alerts.columns]
    if missing:
        raise ValueError(f"alerts lack columns {missing}")
    local = pd.DatetimeIndex(alerts["time"]).tz_convert(timezone)
    df = alerts.assign(date=local.date)
    wanted = sorted(set(df["date"])) if days is None else list(days)
    rows = []
    for d in wanted:
        day = df[df["date"] == d]
        slouch = day[day["kind"] == "slouch"]
        stc = slouch["seconds_to_correct"].dropna()
        rows.append((d, len(day), len(slouch), int((day["kind"] == "break").sum()),
                     int(day["seconds_to_correct"].notna().sum()),
                     float(stc.median()) if len(stc) else float("nan")))
    out = pd.DataFrame(rows, columns=list(DAILY_ALERT_COLUMNS))
    return out.astype({"alerts": "int64", "slouch_alerts": "int64", "break_alerts": "int64",
                       "corrected": "int64", "median_seconds_to_correct": float})


def weekly_alert_trend(daily: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Per ISO week: alerts per day and the median of the daily median time-to-correct; slope.

    Parameters
    ----------
    daily : DataFrame
        From :func:`daily_alert_summary` (include days without alerts via ``days`` so that
        alerts per day is per recorded day).

    Returns
    -------
    weekly : DataFrame, shape (W, 4)
        ``week`` (``2026-W47``), ``days``, ``alerts_per_day``, ``median_seconds_to_correct``.
    slope_s_per_week : float
        Least-squares slope of ``median_seconds_to_correct`` over consecutive week numbers
        (seconds per week; negative = quicker corrections). NaN with fewer than two weeks
        that have a median.
    """
    if len(daily) == 0:
        empty = pd.DataFrame(columns=["week", "days", "alerts_per_day", "median_seconds_to_correct"])
        return empty, float("nan")
    dates = pd.to_datetime(pd.Series(daily["date"]).astype(str))
    iso = dates.dt.isocalendar()
    key = iso["year"].astype(str) + "-W" + iso["week"].astype(int).map("{:02d}".format)
    ordinal = (dates - pd.Timestamp("1970-01-05")).dt.days // 7  # Monday-based week number
    frame = daily.assign(week=key.to_numpy(), ordinal=ordinal.to_numpy())
    rows = []
    for (week, ordn), g in frame.groupby(["week", "ordinal"], sort=True):
        med = g["median_seconds_to_correct"].dropna()
        rows.append((week, int(ordn), len(g), float(g["alerts"].sum() / len(g)),
                     float(med.median()) if len(med) else float("nan")))
    weekly = pd.DataFrame(rows, columns=["week", "ordinal", "days", "alerts_per_day",
                                         "median_seconds_to_correct"])
    ok = weekly["median_seconds_to_correct"].notna()
    slope = float("nan")
    if ok.sum() >= 2:
        x = weekly.loc[ok, "ordinal"].to_numpy(dtype=float)
        y = weekly.loc[ok, "median_seconds_to_correct"].to_numpy(dtype=float)
        slope = float(np.polyfit(x, y, 1)[0])
    return weekly.drop(columns="ordinal"), slope
