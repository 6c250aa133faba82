"""The stationary bootstrap over days: Spearman correlations and group means with 95 % intervals.

One person over a few days gives autocorrelated observations, so intervals come from a
**stationary bootstrap** (Politis & Romano 1994; random blocks of consecutive days of geometric
length, mean ``bootstrap_block_days``) over whole days, never from i.i.d. resampling. Every
pain statistic with an interval (:mod:`analysis.pain.association`,
:mod:`analysis.pain.stretching`) resamples days here, with the ``bootstrap_*`` settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from analysis.settings import AnalysisSettings

__all__ = ["Correlation", "day_bootstrap_means", "local_days", "percentile_interval",
           "spearman_block_bootstrap", "stationary_bootstrap_indices"]

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.int64]
DayArray = NDArray[np.datetime64]


@dataclass(frozen=True)
class Correlation:
    """A Spearman correlation with a stationary-bootstrap 95% interval.

    Attributes
    ----------
    rho : float
        Spearman rank correlation on the observed data.
    ci_low, ci_high : float
        2.5% and 97.5% percentiles of the bootstrap replicates.
    n : int
        Number of pairs (days, or ratings for the within-day analysis).
    n_days : int
        Number of days the pairs come from.
    analysis : str
        What was compared: ``"same_day"``, ``"next_day"`` or ``"within_day"`` (the words are
        in :mod:`posturelog.report.wording`).
    """

    rho: float
    ci_low: float
    ci_high: float
    n: int
    n_days: int
    analysis: str = ""


def stationary_bootstrap_indices(
    n: int, n_boot: int, mean_block: float, rng: np.random.Generator
) -> IndexArray:
    """Index matrix of the stationary bootstrap (Politis & Romano 1994).

    Parameters
    ----------
    n : int
        Length of the series.
    n_boot : int
        Replicates.
    mean_block : float
        Mean block length (geometric block lengths; wraps around the end).
    rng : numpy Generator

    Returns
    -------
    ndarray of int, shape (n_boot, n)
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    if mean_block < 1:
        raise ValueError("mean_block must be >= 1")
    p = 1.0 / mean_block
    idx = np.empty((n_boot, n), dtype=np.int64)
    idx[:, 0] = rng.integers(0, n, n_boot)
    new = rng.random((n_boot, n)) < p
    fresh = rng.integers(0, n, (n_boot, n))
    for j in range(1, n):
        idx[:, j] = np.where(new[:, j], fresh[:, j], (idx[:, j - 1] + 1) % n)
    return idx


def _day_indices(n_days: int, s: AnalysisSettings) -> IndexArray:
    """The ``(bootstrap_n, n_days)`` day indices of the replicates, from ``bootstrap_seed``."""
    rng = np.random.default_rng(s.bootstrap_seed)
    return stationary_bootstrap_indices(n_days, s.bootstrap_n, min(s.bootstrap_block_days, n_days), rng)


def percentile_interval(reps: FloatArray, s: AnalysisSettings) -> tuple[float, float]:
    """2.5 and 97.5 % percentiles of the finite replicates (NaN when under half are finite).

    Parameters
    ----------
    reps : ndarray of float, shape (bootstrap_n,)
        Bootstrap replicates of a statistic (NaN where a replicate has none).
    s : AnalysisSettings
        ``bootstrap_n``.

    Returns
    -------
    (float, float)
        ``(ci_low, ci_high)`` in the statistic's units.
    """
    reps = reps[np.isfinite(reps)]
    if reps.size < s.bootstrap_n // 2:
        return float("nan"), float("nan")
    lo, hi = np.percentile(reps, [2.5, 97.5])
    return float(lo), float(hi)


def _spearman_rows(x: FloatArray, y: FloatArray) -> FloatArray:
    """Spearman correlation of each row pair, NaN for constant rows."""
    rx = stats.rankdata(x, axis=1)
    ry = stats.rankdata(y, axis=1)
    rx = rx - rx.mean(axis=1, keepdims=True)
    ry = ry - ry.mean(axis=1, keepdims=True)
    num = (rx * ry).sum(axis=1)
    den = np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _segment_ranks(v: FloatArray, seg: NDArray[np.intp]) -> FloatArray:
    """Average ranks (1-based, ties averaged as ``scipy.stats.rankdata``) of ``v`` within each
    run of equal ``seg`` (``seg`` non-decreasing), all segments at once."""
    n = v.size
    order = np.lexsort((v, seg))
    vs, gs = v[order], seg[order]
    pos = np.arange(1, n + 1) - np.searchsorted(gs, gs, side="left")
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = (gs[1:] != gs[:-1]) | (vs[1:] != vs[:-1])
    first = np.flatnonzero(new_run)
    last = np.append(first[1:] - 1, n - 1)
    avg = (pos[first] + pos[last]) / 2.0
    ranks = np.empty(n)
    ranks[order] = avg[np.cumsum(new_run) - 1]
    return ranks


def _grouped_spearman_reps(x: FloatArray, y: FloatArray, bounds: NDArray[np.intp],
                           idx: IndexArray) -> FloatArray:
    """Spearman ρ of each bootstrap replicate made of whole days, without a Python loop.

    Replicate ``b`` holds the rows of days ``idx[b]`` (``bounds[i]:bounds[i + 1]`` for day
    ``i``), in that order; all replicates are ranked and correlated together on one flat
    array. Same values as ranking each replicate with :func:`_spearman_rows` (up to
    floating-point rounding of the sums).
    """
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        reps = np.empty(idx.shape[0])
        day_rows = [np.arange(bounds[i], bounds[i + 1]) for i in range(bounds.size - 1)]
        for b in range(idx.shape[0]):
            rows = np.concatenate([day_rows[i] for i in idx[b]])
            reps[b] = _spearman_rows(x[rows][None, :], y[rows][None, :])[0]
        return reps
    n_boot = idx.shape[0]
    lens = np.diff(bounds)[idx].ravel()
    starts = bounds[:-1][idx].ravel()
    offsets = np.cumsum(lens) - lens
    rows = np.repeat(starts - offsets, lens) + np.arange(int(lens.sum()))
    per_rep = lens.reshape(n_boot, -1).sum(axis=1)
    seg = np.repeat(np.arange(n_boot), per_rep)
    rx = _segment_ranks(x[rows], seg)
    ry = _segment_ranks(y[rows], seg)
    cnt = np.maximum(per_rep, 1)
    dx = rx - (np.bincount(seg, rx, minlength=n_boot) / cnt)[seg]
    dy = ry - (np.bincount(seg, ry, minlength=n_boot) / cnt)[seg]
    num = np.bincount(seg, dx * dy, minlength=n_boot)
    den = np.sqrt(np.bincount(seg, dx * dx, minlength=n_boot)
                  * np.bincount(seg, dy * dy, minlength=n_boot))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def spearman_block_bootstrap(
    x: ArrayLike,
    y: ArrayLike,
    groups: ArrayLike,
    settings: AnalysisSettings | None = None,
    analysis: str = "",
) -> Correlation | None:
    """Spearman ρ of paired values with a stationary bootstrap over groups (days).

    Parameters
    ----------
    x, y : array_like of float, shape (N,)
        Paired values in time order.
    groups : array_like, shape (N,)
        Day of each pair (consecutive equal values form one day); whole days are resampled
        in blocks of consecutive days.
    settings : AnalysisSettings, optional
        ``bootstrap_*`` fields.
    analysis : str
        Key of what was compared (stored in :attr:`Correlation.analysis`).

    Returns
    -------
    Correlation or None
        None when ρ is undefined (a constant variable).
    """
    s = settings or AnalysisSettings()
    xf = np.asarray(x, dtype=np.float64)
    yf = np.asarray(y, dtype=np.float64)
    g = np.asarray(groups)
    if not xf.shape == yf.shape == g.shape or xf.ndim != 1:
        raise ValueError("x, y and groups must be 1-D and the same length")
    rho = float(_spearman_rows(xf[None, :], yf[None, :])[0])
    if not np.isfinite(rho):
        return None
    _, first = np.unique(g, return_index=True)
    order = np.sort(first)
    bounds = np.append(order, xf.size)
    n_days = order.size
    idx = _day_indices(n_days, s)
    if n_days == xf.size:
        reps = _spearman_rows(xf[idx], yf[idx])
    else:
        reps = _grouped_spearman_reps(xf, yf, bounds, idx)
    lo, hi = percentile_interval(reps, s)
    return Correlation(rho=rho, ci_low=lo, ci_high=hi, n=int(xf.size), n_days=int(n_days),
                       analysis=analysis)


def day_bootstrap_means(change: FloatArray, day: DayArray, group: NDArray[np.intp],
                        s: AnalysisSettings) -> tuple[FloatArray, FloatArray]:
    """Stationary bootstrap over days of the mean change of group 0 and of group 1.

    Whole days (all their values) are resampled in blocks of consecutive days, as
    :func:`spearman_block_bootstrap` does; a replicate without a value of a group gives NaN.

    Parameters
    ----------
    change : ndarray of float, shape (N,)
        The values (e.g. pain change, 0–10 points).
    day : ndarray of datetime64[D], shape (N,)
        Local day of each value.
    group : ndarray of int, shape (N,)
        0 or 1.
    s : AnalysisSettings
        ``bootstrap_*`` fields.

    Returns
    -------
    (ndarray, ndarray), each of float, shape (bootstrap_n,)
        Replicates of the mean of group 0 and of group 1.
    """
    days, inverse = np.unique(day, return_inverse=True)
    n_days = days.size
    sums = np.zeros((2, n_days))
    counts = np.zeros((2, n_days))
    np.add.at(sums, (group, inverse), change)
    np.add.at(counts, (group, inverse), 1.0)
    idx = _day_indices(n_days, s)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums[:, idx].sum(axis=2) / counts[:, idx].sum(axis=2)
    return means[0], means[1]


def local_days(times: pd.Series | pd.DatetimeIndex, tz: str) -> DayArray:
    """The local calendar day of each time: the groups the bootstrap resamples.

    Parameters
    ----------
    times : Series or DatetimeIndex, shape (N,)
        UTC times (or anything :func:`pandas.to_datetime` reads as UTC).
    tz : str
        IANA zone.

    Returns
    -------
    ndarray of datetime64[D], shape (N,)
    """
    idx = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
    days: DayArray = idx.tz_convert(ZoneInfo(tz)).tz_localize(None).to_numpy().astype("datetime64[D]")
    return days
