"""Slouch episodes, ergonomic flexion bands and ISO 11226-style holding-time violations.

Slouch = thoracic flexion beyond the wearer's own calibrated upright (never absolute: normal
kyphosis is 20–40° Cobb) by more than a threshold, sustained for a minimum duration, in an
eligible context (upright by default; lying and non-wear never count). Hysteresis: an episode
starts when flexion exceeds ``threshold`` and ends only when it falls below
``threshold - hysteresis``, so breathing sway and sensor noise do not split one episode.

Defaults (see :class:`analysis.settings.AnalysisSettings`): threshold 20°, hysteresis 5°,
minimum duration 60 s.

* **20°**: no validated universal slouch threshold exists (docs/domain.md §3). 20° is the
  RULA/REBA and ISO 11226 boundary of the "acceptable" 0–20° band, and sits well above the
  ~12° of thoracolumbar flexion of ordinary computer work relative to standing (Claus 2016),
  so working at a desk is not by itself slouching; products use 15–20°.
* **5° hysteresis**: about the size of breathing/fidgeting sway of the upper-back angle.
* **60 s**: sustained, not a reach for a cup; between the 30 s–2 min range of docs/domain.md and
  below Lumo Lift's default 2-min delay.

Use :func:`sensitivity_table` to show how slouch minutes depend on these choices.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from analysis.settings import AnalysisSettings
from analysis.wear import runs
from vocab.units import NS_PER_S

__all__ = [
    "EPISODE_COLUMNS",
    "band_labels",
    "find_episodes",
    "flexion_band",
    "iso11226_acceptable_hold_s",
    "iso11226_holds",
    "sensitivity_table",
    "slouch_mask",
    "values_in",
]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: Columns of the episodes table.
EPISODE_COLUMNS: tuple[str, ...] = (
    "start",
    "end",
    "duration_min",
    "mean_flexion_deg",
    "peak_flexion_deg",
)


def _check(epochs: pd.DataFrame, cols: Sequence[str]) -> None:
    if not isinstance(epochs.index, pd.DatetimeIndex):
        raise ValueError("epochs must have a DatetimeIndex named 'time' (UTC, 1 s)")
    missing = [c for c in cols if c not in epochs.columns]
    if missing:
        raise ValueError(f"epochs lack columns {missing}")


def _seconds(epochs: pd.DataFrame) -> IntArray:
    sec = pd.DatetimeIndex(epochs.index).as_unit("ns").asi8 // NS_PER_S
    if sec.size and np.any(np.diff(sec) <= 0):
        raise ValueError("epochs index must be strictly increasing whole seconds")
    return np.asarray(sec, dtype=np.int64)


def values_in(column: pd.Series, values: Sequence[str]) -> BoolArray:
    """``column.astype(str).isin(values)`` as a bool array, without making the strings.

    Parameters
    ----------
    column : Series, shape (E,)
        Categorical (e.g. ``context``, ``calibration``) or any values.
    values : sequence of str

    Returns
    -------
    ndarray of bool, shape (E,)
        A categorical is compared through its integer codes: a week of seconds takes
        milliseconds instead of a second of string conversion.
    """
    wanted = {str(v) for v in values}
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = [i for i, c in enumerate(column.cat.categories) if str(c) in wanted]
        return np.isin(column.cat.codes.to_numpy(), cats)  # missing (-1) never matches
    return np.isin(column.astype(str).to_numpy(), list(wanted))


def _eligible(epochs: pd.DataFrame, contexts: Sequence[str]) -> BoolArray:
    ok = values_in(epochs["context"], contexts)
    if "worn" in epochs.columns:
        ok &= epochs["worn"].to_numpy(dtype=bool)
    flexion: FloatArray = epochs["flexion_deg"].to_numpy(dtype=np.float64)
    return ok & np.isfinite(flexion)


def _breaks(sec: IntArray, max_gap_s: float) -> BoolArray:
    """True where a new gap-free stretch starts (missing data > ``max_gap_s`` seconds)."""
    if sec.size == 0:
        return np.zeros(0, dtype=bool)
    return np.concatenate(([True], np.diff(sec) > 1 + max_gap_s))


def slouch_mask(
    flexion_deg: ArrayLike,
    eligible: ArrayLike,
    seconds: ArrayLike,
    threshold_deg: float,
    hysteresis_deg: float,
    min_duration_s: float,
    max_gap_s: float = 0.0,
) -> BoolArray:
    """Hysteresis + minimum-duration slouch detection on a per-second series.

    Parameters
    ----------
    flexion_deg : ndarray, shape (E,)
        Flexion beyond calibrated upright, degrees (NaN allowed: not slouching).
    eligible : ndarray of bool, shape (E,)
        Seconds that may count (worn, eligible context).
    seconds : ndarray of int, shape (E,)
        Whole seconds since the epoch, increasing; missing data longer than ``max_gap_s``
        breaks an episode (shorter link losses do not).
    threshold_deg, hysteresis_deg, min_duration_s, max_gap_s : float

    Returns
    -------
    ndarray of bool, shape (E,)
    """
    f = np.asarray(flexion_deg, dtype=float)
    e = np.asarray(eligible, dtype=bool)
    sec = np.asarray(seconds, dtype=np.int64)
    if not f.shape == e.shape == sec.shape:
        raise ValueError("flexion_deg, eligible and seconds must have the same shape")
    if f.size == 0:
        return np.zeros(0, dtype=bool)
    state = np.full(f.size, np.nan)
    fin = np.isfinite(f)
    state[fin & (f > threshold_deg)] = 1.0
    state[~fin | (f < threshold_deg - hysteresis_deg) | ~e] = 0.0
    # a gap in time longer than max_gap_s resets the state
    brk = _breaks(sec, max_gap_s)
    state[brk & np.isnan(state)] = 0.0
    on = pd.Series(state).ffill().to_numpy() > 0.5
    on &= e
    # split runs at time gaps, then apply the minimum duration
    seg = np.cumsum(brk)
    key = np.where(on, seg, 0)
    starts, ends, vals = runs(key)
    out = np.zeros(f.size, dtype=bool)
    for a, b, v in zip(starts, ends, vals, strict=True):
        if v and (sec[b - 1] - sec[a] + 1) >= min_duration_s:
            out[a:b] = True
    return out


def find_episodes(
    epochs: pd.DataFrame, settings: AnalysisSettings | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mark slouch seconds and list slouch episodes.

    Parameters
    ----------
    epochs : DataFrame, shape (E, ...)
        Per-second epochs, index ``time`` (UTC), columns ``flexion_deg`` (degrees beyond
        calibrated upright), ``context`` and optionally ``worn``.
    settings : AnalysisSettings, optional
        ``slouch_*`` fields.

    Returns
    -------
    epochs : DataFrame, shape (E, ...)
        Copy with ``slouch`` (bool).
    episodes : DataFrame, shape (K, 5)
        ``start``, ``end`` (UTC; end exclusive: the second after the last slouch second),
        ``duration_min``, ``mean_flexion_deg``, ``peak_flexion_deg``.
    """
    s = settings or AnalysisSettings()
    _check(epochs, ["flexion_deg", "context"])
    sec = _seconds(epochs)
    flex = epochs["flexion_deg"].to_numpy(dtype=float)
    mask = slouch_mask(
        flex, _eligible(epochs, s.slouch_contexts), sec,
        s.slouch_threshold_deg, s.slouch_hysteresis_deg, s.slouch_min_duration_s,
        s.slouch_max_gap_s,
    )
    out = epochs.copy()
    out["slouch"] = mask
    brk = _breaks(sec, s.slouch_max_gap_s)
    key = np.where(mask, np.cumsum(brk), 0)
    starts, ends, vals = runs(key)
    rows = []
    for a, b, v in zip(starts, ends, vals, strict=True):
        if not v:
            continue
        seg = flex[a:b]
        rows.append((sec[a], sec[b - 1] + 1, (sec[b - 1] + 1 - sec[a]) / 60.0,
                     float(np.nanmean(seg)), float(np.nanmax(seg))))
    episodes = pd.DataFrame(rows, columns=list(EPISODE_COLUMNS))
    for c in ("start", "end"):
        episodes[c] = pd.to_datetime(episodes[c].astype("int64"), unit="s", utc=True)
    episodes = episodes.astype(
        {"duration_min": float, "mean_flexion_deg": float, "peak_flexion_deg": float}
    )
    log.debug("slouch: %d episodes, %d s", len(episodes), int(mask.sum()))
    return out, episodes


def band_labels(settings: AnalysisSettings | None = None) -> list[str]:
    """Names of the flexion bands: ``below_0``, ``0_20``, ``20_60``, ``over_60``."""
    e0, e1, e2 = (settings or AnalysisSettings()).band_edges_deg
    return [f"below_{e0:g}", f"{e0:g}_{e1:g}", f"{e1:g}_{e2:g}", f"over_{e2:g}"]


def flexion_band(
    epochs: pd.DataFrame, settings: AnalysisSettings | None = None
) -> pd.Series:
    """Ergonomic band of each second (RULA/REBA, ISO 11226): below 0°, 0–20°, 20–60°, > 60°.

    Only worn, non-lying seconds with a flexion get a band; others are NaN.

    Parameters
    ----------
    epochs : DataFrame, shape (E, ...)
        ``flexion_deg`` and ``context`` (and optionally ``worn``).

    Returns
    -------
    Series, shape (E,), categorical of :func:`band_labels`.
    """
    s = settings or AnalysisSettings()
    _check(epochs, ["flexion_deg", "context"])
    labels = band_labels(s)
    f = epochs["flexion_deg"].to_numpy(dtype=float)
    ok = _eligible(epochs, ("upright", "walking"))
    code = np.searchsorted(np.asarray(s.band_edges_deg), f, side="right")
    code = np.where(ok, code, -1)
    cat = pd.Categorical.from_codes(code, dtype=pd.CategoricalDtype(labels))
    return pd.Series(cat, index=epochs.index, name="flexion_band")


def iso11226_acceptable_hold_s(angle_deg: ArrayLike,
                               settings: AnalysisSettings | None = None) -> FloatArray:
    """Acceptable holding time (s) of a static trunk flexion, ISO 11226 style.

    0–20°: unlimited (inf); 20–60°: linear from ``iso_hold_at_20_s`` (≈4 min) to
    ``iso_hold_at_60_s`` (≈1 min); > 60°: 0 (not acceptable).
    """
    s = settings or AnalysisSettings()
    a = np.asarray(angle_deg, dtype=float)
    _, lo, hi = s.band_edges_deg
    frac = np.clip((a - lo) / (hi - lo), 0.0, 1.0)
    t = s.iso_hold_at_20_s + frac * (s.iso_hold_at_60_s - s.iso_hold_at_20_s)
    t = np.where(a < lo, np.inf, t)
    return np.asarray(np.where(a > hi, 0.0, t), dtype=np.float64)


def iso11226_holds(
    epochs: pd.DataFrame, settings: AnalysisSettings | None = None
) -> pd.DataFrame:
    """Static holds in the 20–60° and > 60° bands and whether they violate ISO 11226.

    A hold is a gap-free run of seconds in one band (20–60° or > 60°), worn and not lying,
    lasting at least ``iso_min_hold_s`` (ISO 11226 concerns postures held > 4 s).
    A 20–60° hold violates when it lasts longer than the acceptable holding time at its mean
    angle (:func:`iso11226_acceptable_hold_s`); any > 60° hold violates.

    Returns
    -------
    DataFrame, shape (H, 6)
        ``start``, ``end`` (UTC), ``band`` (``20_60`` / ``over_60``), ``duration_s``,
        ``mean_flexion_deg``, ``acceptable_s``, ``violation`` (bool).
    """
    s = settings or AnalysisSettings()
    band = flexion_band(epochs, s)
    labels = band_labels(s)
    sec = _seconds(epochs)
    flex = epochs["flexion_deg"].to_numpy(dtype=float)
    code = band.cat.codes.to_numpy().astype(np.int64)
    brk = np.concatenate(([True], np.diff(sec) > 1)) if sec.size else np.zeros(0, bool)
    key = np.where(code >= 2, code * 10_000_000 + np.cumsum(brk), -1)
    starts, ends, vals = runs(key)
    rows: list[tuple[int, int, str, float, float, float, bool]] = []
    for a, b, v in zip(starts, ends, vals, strict=True):
        if v < 0:
            continue
        dur = float(sec[b - 1] + 1 - sec[a])
        if dur < s.iso_min_hold_s:
            continue
        c = int(code[a])
        mean = float(np.mean(flex[a:b]))
        acc = float(iso11226_acceptable_hold_s(mean, s)) if c == 2 else 0.0
        rows.append((int(sec[a]), int(sec[b - 1]) + 1, labels[c], dur, mean, acc,
                     bool(dur > acc) if c == 2 else True))
    cols = ["start", "end", "band", "duration_s", "mean_flexion_deg", "acceptable_s",
            "violation"]
    out = pd.DataFrame(rows, columns=cols)
    for col in ("start", "end"):
        out[col] = pd.to_datetime(out[col].astype("int64"), unit="s", utc=True)
    return out.astype({"duration_s": float, "mean_flexion_deg": float,
                       "acceptable_s": float, "violation": bool})


def sensitivity_table(
    epochs: pd.DataFrame,
    thresholds_deg: Sequence[float] = (10, 15, 20, 25, 30),
    min_durations_s: Sequence[float] = (30, 60, 120, 300),
    settings: AnalysisSettings | None = None,
) -> pd.DataFrame:
    """Slouch minutes for each threshold × minimum duration (hysteresis from settings).

    Returns
    -------
    DataFrame, shape (len(thresholds_deg), len(min_durations_s))
        Index ``threshold_deg``, columns ``min_duration_s``, values total slouch minutes.
    """
    s = settings or AnalysisSettings()
    _check(epochs, ["flexion_deg", "context"])
    sec = _seconds(epochs)
    flex = epochs["flexion_deg"].to_numpy(dtype=float)
    elig = _eligible(epochs, s.slouch_contexts)
    table = np.zeros((len(thresholds_deg), len(min_durations_s)))
    for i, thr in enumerate(thresholds_deg):
        hyst = min(s.slouch_hysteresis_deg, 0.5 * float(thr))
        for j, dur in enumerate(min_durations_s):
            table[i, j] = slouch_mask(flex, elig, sec, float(thr), hyst, float(dur),
                                      s.slouch_max_gap_s).sum() / 60.0
    return pd.DataFrame(
        table,
        index=pd.Index([float(t) for t in thresholds_deg], name="threshold_deg"),
        columns=pd.Index([float(d) for d in min_durations_s], name="min_duration_s"),
    )
