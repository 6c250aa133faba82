"""Per local day posture metrics and the hour-of-day profile (numbers only).

The week's summary of these daily rows is :mod:`analysis.weekly`.

Days and hours are **local to the wearer's IANA time zone** and DST-correct: a local day is
the interval from one local midnight to the next, so it lasts 23 h or 25 h on the days the
clocks change (``day_hours``), and an epoch's hour is its local wall-clock hour (on the
25-h autumn day the repeated hour 01:00–02:00 holds two hours of data).

Everything here works on the per-second epochs of :mod:`analysis.epochs` (one row per
recorded second), so "minutes" are counted seconds / 60. What each column means, in words, is
in :mod:`posturelog.report.glossary`.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.episodes import band_labels, flexion_band, iso11226_holds, values_in
from analysis.settings import AnalysisSettings

__all__ = [
    "DAILY_COLUMNS",
    "band_columns",
    "daily_columns",
    "daily_metrics",
    "hourly_profile",
    "hourly_slouch_share",
    "local_day_bounds",
    "local_day_hours",
]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]
DayArray = NDArray[np.datetime64]

#: Columns of :func:`daily_metrics` with the default band edges, in order (the four band
#: columns are named from ``AnalysisSettings.band_edges_deg``: :func:`daily_columns`).
DAILY_COLUMNS: tuple[str, ...] = (
    "date",
    "day_hours",
    "recorded_minutes",
    "coverage_pct",
    "wear_minutes",
    "nonwear_minutes",
    "upright_minutes",
    "walking_minutes",
    "lying_minutes",
    "slouch_minutes",
    "slouch_share_pct",
    "slouch_episodes",
    "longest_slouch_minutes",
    "flexion_median_deg",
    "flexion_p90_deg",
    "band_below_0_minutes",
    "band_0_20_minutes",
    "band_20_60_minutes",
    "band_over_60_minutes",
    "iso11226_violations",
    "calibration",
    "calibration_confidence",
    "pain_mean",
    "pain_ratings",
)

def band_columns(settings: AnalysisSettings | None = None) -> list[str]:
    """Names of the four flexion-band columns, from ``band_edges_deg``.

    ``band_below_0_minutes``, ``band_0_20_minutes``, ``band_20_60_minutes`` and
    ``band_over_60_minutes`` with the default edges (0, 20, 60).
    """
    return [f"band_{label}_minutes" for label in band_labels(settings)]


def daily_columns(settings: AnalysisSettings | None = None) -> list[str]:
    """Columns of :func:`daily_metrics` for ``settings``, in order (band names from its edges)."""
    bands = band_columns(settings)
    default = band_columns(None)
    return [bands[default.index(c)] if c in default else c for c in DAILY_COLUMNS]


def local_day_bounds(day: date, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC start and end of a local calendar day in zone ``tz`` (DST-correct).

    Returns
    -------
    start, end : Timestamp (UTC)
        Local midnight of ``day`` and of the next day, as UTC instants.
    """
    zone = ZoneInfo(tz)
    start = pd.Timestamp(day.isoformat()).tz_localize(
        zone, ambiguous=True, nonexistent="shift_forward"
    )
    end = pd.Timestamp((day + timedelta(days=1)).isoformat()).tz_localize(
        zone, ambiguous=True, nonexistent="shift_forward"
    )
    return start.tz_convert("UTC"), end.tz_convert("UTC")


def local_day_hours(day: date, tz: str) -> float:
    """Length of a local day in hours (23, 24 or 25 around DST changes)."""
    a, b = local_day_bounds(day, tz)
    return float((b - a).total_seconds()) / 3600.0


def _local(epochs_index: pd.Index, tz: str) -> pd.DatetimeIndex:
    if not isinstance(epochs_index, pd.DatetimeIndex) or epochs_index.tz is None:
        raise ValueError("index must be a tz-aware DatetimeIndex (UTC)")
    return epochs_index.tz_convert(ZoneInfo(tz)).tz_localize(None)


def _local_dates(index: pd.Index, tz: str) -> DayArray:
    """Local calendar date of each timestamp as numpy datetime64[D]."""
    dates: DayArray = _local(index, tz).to_numpy().astype("datetime64[D]")
    return dates


def _eligible_slouch(epochs: pd.DataFrame, s: AnalysisSettings) -> BoolArray:
    eligible = values_in(epochs["context"], s.slouch_contexts)
    worn: BoolArray = epochs["worn"].to_numpy(dtype=bool)
    return eligible & worn


def _require(epochs: pd.DataFrame) -> None:
    need = ["flexion_deg", "worn", "context", "slouch"]
    missing = [c for c in need if c not in epochs.columns]
    if missing:
        raise ValueError(f"epochs lack columns {missing}")


def daily_metrics(
    epochs: pd.DataFrame,
    episodes: pd.DataFrame,
    pain_log: pd.DataFrame | None,
    tz: str,
    settings: AnalysisSettings | None = None,
) -> pd.DataFrame:
    """One row per local day: wear, context, slouch, flexion bands, ISO 11226, pain.

    Parameters
    ----------
    epochs : DataFrame, shape (E, ...)
        Per-second epochs (index ``time`` UTC) with ``flexion_deg, worn, context, slouch``
        and optionally ``calibration``.
    episodes : DataFrame, shape (K, 5)
        From :func:`analysis.episodes.find_episodes` (``start``, ``duration_min``).
    pain_log : DataFrame or None
        ``time`` (UTC) and ``score`` (0–10).
    tz : str
        Wearer's IANA time zone.
    settings : AnalysisSettings, optional

    Returns
    -------
    DataFrame, shape (D, len(DAILY_COLUMNS))
        Columns :func:`daily_columns` (:data:`DAILY_COLUMNS` with the default band edges),
        one row per local date that has
        epochs or pain ratings, sorted by date; ``date`` holds ``datetime.date`` objects.
    """
    s = settings or AnalysisSettings()
    _require(epochs)
    ZoneInfo(tz)  # raises for unknown zones
    days = _local_dates(epochs.index, tz) if len(epochs) else np.zeros(0, "datetime64[D]")
    pain_days = np.zeros(0, "datetime64[D]")
    scores = np.zeros(0)
    if pain_log is not None and len(pain_log):
        if "time" not in pain_log.columns or "score" not in pain_log.columns:
            raise ValueError("pain_log needs columns 'time' (UTC) and 'score'")
        pt = pd.DatetimeIndex(pd.to_datetime(pain_log["time"], utc=True))
        pain_days = _local_dates(pt, tz)
        scores = pain_log["score"].to_numpy(dtype=float)
    all_days = np.unique(np.concatenate([days, pain_days]))
    n_days = all_days.size
    di = np.searchsorted(all_days, days)

    def per_day(mask: BoolArray) -> FloatArray:
        return np.bincount(di[mask], minlength=n_days).astype(float) / 60.0

    ones = np.ones(len(epochs), dtype=bool)
    worn = epochs["worn"].to_numpy(dtype=bool) if len(epochs) else ones
    flex = epochs["flexion_deg"].to_numpy(dtype=float)
    slouch = epochs["slouch"].to_numpy(dtype=bool)
    elig = _eligible_slouch(epochs, s)
    out = pd.DataFrame({"date": [pd.Timestamp(d).date() for d in all_days]})
    out["day_hours"] = [local_day_hours(d, tz) for d in out["date"]]
    out["recorded_minutes"] = per_day(ones)
    out["coverage_pct"] = 100.0 * out["recorded_minutes"] / (60.0 * out["day_hours"])
    out["wear_minutes"] = per_day(worn)
    out["nonwear_minutes"] = per_day(~worn)
    out["upright_minutes"] = per_day(worn & values_in(epochs["context"], ["upright"]))
    out["walking_minutes"] = per_day(worn & values_in(epochs["context"], ["walking"]))
    out["lying_minutes"] = per_day(worn & values_in(epochs["context"], ["lying"]))
    out["slouch_minutes"] = per_day(slouch)
    elig_min = per_day(elig)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["slouch_share_pct"] = np.where(
            elig_min > 0, 100.0 * out["slouch_minutes"] / elig_min, np.nan
        )
    out["slouch_episodes"], out["longest_slouch_minutes"] = _episode_columns(episodes, all_days, tz)
    band = flexion_band(epochs, s)
    out["flexion_median_deg"], out["flexion_p90_deg"] = _flexion_quantiles(band, flex, di, n_days)
    bcode = band.cat.codes.to_numpy()
    for code, name in enumerate(band_columns(s)):
        out[name] = per_day(bcode == code)
    out["iso11226_violations"] = _iso11226_violations(epochs, s, all_days, tz)
    out["calibration"], out["calibration_confidence"] = _calibration_columns(epochs, di, worn, n_days)
    out["pain_mean"], out["pain_ratings"] = _pain_columns(pain_days, scores, all_days)
    return out[daily_columns(s)]


def _episode_columns(
    episodes: pd.DataFrame, all_days: DayArray, tz: str
) -> tuple[IntArray, FloatArray]:
    """Episodes per local start date (D,) and the longest one's minutes (D,)."""
    n_days = all_days.size
    ep_count = np.zeros(n_days)
    ep_long = np.zeros(n_days)
    if len(episodes):
        ed = _local_dates(pd.DatetimeIndex(pd.to_datetime(episodes["start"], utc=True)), tz)
        k = np.searchsorted(all_days, ed)
        ok = (k < n_days) & (all_days[np.minimum(k, n_days - 1)] == ed)
        np.add.at(ep_count, k[ok], 1)
        np.maximum.at(ep_long, k[ok], episodes["duration_min"].to_numpy(dtype=float)[ok])
    return ep_count.astype(np.intp), ep_long


def _flexion_quantiles(
    band: pd.Series, flex: FloatArray, di: IntArray, n_days: int
) -> tuple[FloatArray, FloatArray]:
    """Median and 90th percentile of flexion (deg, (D,) each) over the seconds that have a
    band (worn upright or walking); NaN on days without one."""
    has_band = band.cat.codes.to_numpy() >= 0
    med = np.full(n_days, np.nan)
    p90 = np.full(n_days, np.nan)
    if has_band.any():
        grouped = pd.DataFrame({"d": di[has_band], "f": flex[has_band]}).groupby("d")["f"]
        q50 = grouped.median()
        q90 = grouped.quantile(0.9)
        med[q50.index.to_numpy()] = q50.to_numpy()
        p90[q90.index.to_numpy()] = q90.to_numpy()
    return med, p90


def _iso11226_violations(
    epochs: pd.DataFrame, s: AnalysisSettings, all_days: DayArray, tz: str
) -> IntArray:
    """ISO 11226 hold violations per local start date, (D,)."""
    viol = np.zeros(all_days.size, dtype=np.intp)
    holds = iso11226_holds(epochs, s) if len(epochs) else None
    if holds is not None and len(holds):
        hv = holds[holds["violation"]]
        if len(hv):
            hd = _local_dates(pd.DatetimeIndex(hv["start"]), tz)
            np.add.at(viol, np.searchsorted(all_days, hd), 1)
    return viol


def _calibration_columns(
    epochs: pd.DataFrame, di: IntArray, worn: BoolArray, n_days: int
) -> tuple[object, object]:
    """Calibration source and confidence of most worn seconds per day (D,) each, or the
    scalar defaults ``"none"`` / ``"low"`` when the epochs do not carry them."""
    calibration: object = "none"
    confidence: object = "low"
    if "calibration" in epochs.columns and len(epochs):
        calibration = _daily_mode(epochs["calibration"], di, worn, n_days)
    if "calibration_confidence" in epochs.columns and len(epochs):
        conf = _daily_mode(epochs["calibration_confidence"], di, worn, n_days)
        confidence = np.where(conf == "none", "low", conf)
    return calibration, confidence


def _pain_columns(
    pain_days: DayArray, scores: FloatArray, all_days: DayArray
) -> tuple[FloatArray, IntArray]:
    """Mean pain score (NaN without ratings) and the number of ratings per local day, (D,)."""
    n_days = all_days.size
    pm = np.full(n_days, np.nan)
    pn = np.zeros(n_days, dtype=np.intp)
    if scores.size:
        k = np.searchsorted(all_days, pain_days)
        sums = np.bincount(k, weights=scores, minlength=n_days)
        pn = np.bincount(k, minlength=n_days)
        with np.errstate(invalid="ignore", divide="ignore"):
            pm = np.where(pn > 0, sums / np.maximum(pn, 1), np.nan)
    return pm, pn.astype(np.intp)


def _daily_mode(
    column: pd.Series, day: IntArray, mask: BoolArray, n_days: int
) -> NDArray[np.object_]:
    """Most frequent value (as str) of ``column[mask]`` per day index; "none" for no rows.

    Ties go to the value seen first that day (as ``value_counts().index[0]``). Counted
    on integer codes, not strings.
    """
    out = np.full(n_days, "none", dtype=object)
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = np.asarray([str(c) for c in column.cat.categories], dtype=object)
        codes = column.cat.codes.to_numpy().astype(np.int64)
    else:
        codes, uniques = pd.factorize(column.astype(str))
        names = np.asarray([str(u) for u in uniques], dtype=object)
    mask = mask & (codes >= 0)  # missing values are not counted (as value_counts)
    if not mask.any():
        return out
    d, c = day[mask], codes[mask]
    k = names.size
    counts = np.bincount(d * k + c, minlength=n_days * k).reshape(n_days, k)
    first_flat = np.full(n_days * k, np.iinfo(np.int64).max)
    np.minimum.at(first_flat, d * k + c, np.arange(d.size))
    first = first_flat.reshape(n_days, k)
    best = counts == counts.max(axis=1, keepdims=True)
    pick = np.where(best, first, np.iinfo(np.int64).max).argmin(axis=1)
    has = counts.sum(axis=1) > 0
    out[has] = names[pick[has]]
    return out


def _hour_table(epochs: pd.DataFrame, tz: str, s: AnalysisSettings) -> pd.DataFrame:
    _require(epochs)
    local = _local(epochs.index, tz)
    elig = _eligible_slouch(epochs, s)
    df = pd.DataFrame(
        {
            "date": local.to_numpy().astype("datetime64[D]"),
            "hour": local.hour.to_numpy(),
            "elig": elig.astype(float),
            "slouch": (epochs["slouch"].to_numpy(dtype=bool) & elig).astype(float),
        }
    )
    return df


def hourly_slouch_share(
    epochs: pd.DataFrame, tz: str, settings: AnalysisSettings | None = None
) -> pd.DataFrame:
    """Slouch share (%) of worn upright time per local date and local hour.

    Parameters
    ----------
    epochs : DataFrame
        Per-second epochs with ``worn, context, slouch``.
    tz : str
        Wearer's IANA zone. Hours are local wall-clock hours; on the 25-h DST day hour 1
        covers two real hours, on the 23-h day one hour has no data.

    Returns
    -------
    DataFrame, shape (D, 24)
        Index ``date`` (``datetime.date``), columns the hours 0–23 (int), values in percent,
        NaN where the hour had no worn upright time.
    """
    s = settings or AnalysisSettings()
    df = _hour_table(epochs, tz, s)
    g = df.groupby(["date", "hour"])[["elig", "slouch"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (100.0 * g["slouch"] / g["elig"]).where(g["elig"] > 0)
    table = share.unstack("hour").reindex(columns=range(24))
    table.index = pd.Index([pd.Timestamp(d).date() for d in table.index], name="date")
    table.columns = pd.Index(list(range(24)), name="hour")
    return table


def hourly_profile(
    epochs: pd.DataFrame, tz: str, settings: AnalysisSettings | None = None
) -> pd.DataFrame:
    """Hour-of-day profile over all days: upright minutes, slouch minutes, slouch share.

    Returns
    -------
    DataFrame, shape (24, 3)
        Index ``hour`` 0–23; columns ``upright_minutes``, ``slouch_minutes``,
        ``slouch_share_pct`` (NaN where no upright time).
    """
    s = settings or AnalysisSettings()
    df = _hour_table(epochs, tz, s)
    g = df.groupby("hour")[["elig", "slouch"]].sum().reindex(range(24), fill_value=0.0)
    out = pd.DataFrame(
        {
            "upright_minutes": g["elig"].to_numpy() / 60.0,
            "slouch_minutes": g["slouch"].to_numpy() / 60.0,
        },
        index=pd.Index(range(24), name="hour"),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out["slouch_share_pct"] = np.where(
            out["upright_minutes"] > 0,
            100.0 * out["slouch_minutes"] / out["upright_minutes"],
            np.nan,
        )
    return out
