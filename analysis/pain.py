"""Slouching and pain: rank correlations with block-bootstrap intervals, remedy effects.

One person over a few days gives autocorrelated observations, so intervals come from a
**stationary bootstrap** (Politis & Romano 1994; random blocks of geometric length, mean
``bootstrap_block_days``) over days, never from i.i.d. resampling, and no p-value is printed
as a verdict (docs/domain.md §4). Results are withheld, with a reason code (:class:`Withheld`),
when there are fewer than ``pain_min_paired_days`` paired days or ``pain_min_ratings``
ratings. This module returns numbers only; :mod:`posturelog.report.wording` words them
("associated with", never "causes": evidence linking posture to pain is modest).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from analysis.settings import AnalysisSettings
from vocab.stretchnote import is_verified_stretch
from vocab.units import NS_PER_S

__all__ = [
    "STRETCH_GROUPS",
    "Correlation",
    "PainAnalysis",
    "Withheld",
    "analyse_pain",
    "spearman_block_bootstrap",
    "stationary_bootstrap_indices",
    "stretch_effects",
]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IndexArray = NDArray[np.int64]


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


@dataclass(frozen=True)
class Withheld:
    """Why a pain statistic was not computed (numbers and a reason code, no words).

    Attributes
    ----------
    analysis : str
        ``"same_day"``, ``"next_day"``, ``"within_day"``, ``"remedies"``, ``"stretch_verified"``,
        ``"stretch_logged_only"`` or ``"stretch_difference"``.
    reason : str
        ``"few_paired_days"``, ``"few_day_pairs"``, ``"few_ratings"``,
        ``"few_covered_ratings"``, ``"no_sensor_data"``, ``"no_variation"``,
        ``"no_remedies"``, ``"no_ratings"`` or ``"few_compared"``.
    have, need : int
        The count there was and the count needed (0 where not a count).
    """

    analysis: str
    reason: str
    have: int = 0
    need: int = 0


@dataclass(frozen=True)
class PainAnalysis:
    """Everything the analysis finds about pain (numbers only).

    Each result is ``None`` when the data are too few; the matching ``*_reason`` then says why
    (a :class:`Withheld`; :func:`posturelog.report.wording.pain_lines` words it).

    ``stretches`` (None without stretch remedies or ratings) compares verified stretching with
    logged-only stretching: one row per :data:`STRETCH_GROUPS` entry, see
    :func:`stretch_effects`.
    """

    n_rating_days: int
    n_paired_days: int
    n_ratings: int
    daily_lag0: Correlation | None
    daily_lag0_reason: Withheld | None
    daily_lag1: Correlation | None
    daily_lag1_reason: Withheld | None
    within_day: Correlation | None
    within_day_reason: Withheld | None
    remedies: pd.DataFrame | None
    remedies_reason: Withheld | None
    hours_before: float
    remedy_window_h: float
    fewer_ratings_later: bool = False
    stretches: pd.DataFrame | None = None


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
    rng = np.random.default_rng(s.bootstrap_seed)
    idx = stationary_bootstrap_indices(n_days, s.bootstrap_n, min(s.bootstrap_block_days, n_days), rng)
    if n_days == xf.size:
        bx, by = xf[idx], yf[idx]
        reps = _spearman_rows(bx, by)
    else:
        reps = _grouped_spearman_reps(xf, yf, bounds, idx)
    reps = reps[np.isfinite(reps)]
    if reps.size < s.bootstrap_n // 2:
        lo, hi = float("nan"), float("nan")
    else:
        lo, hi = (float(v) for v in np.percentile(reps, [2.5, 97.5]))
    return Correlation(rho=rho, ci_low=lo, ci_high=hi, n=int(xf.size), n_days=int(n_days),
                       analysis=analysis)


def _local_day(times: pd.Series | pd.DatetimeIndex, tz: str) -> NDArray[np.datetime64]:
    idx = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
    days: NDArray[np.datetime64] = (
        idx.tz_convert(ZoneInfo(tz)).tz_localize(None).to_numpy().astype("datetime64[D]")
    )
    return days


def _same_day(paired: pd.DataFrame, s: AnalysisSettings) -> tuple[Correlation | None, Withheld | None]:
    """Slouch minutes vs mean pain on the same day, over days both worn and rated."""
    need_days = s.pain_min_paired_days
    if len(paired) < need_days:
        return None, Withheld("same_day", "few_paired_days", len(paired), need_days)
    lag0 = spearman_block_bootstrap(
        paired["slouch_minutes"].to_numpy(), paired["pain_mean"].to_numpy(),
        np.arange(len(paired)), s, analysis="same_day")
    return lag0, None if lag0 is not None else Withheld("same_day", "no_variation")


def _next_day(
    d: pd.DataFrame, worn: BoolArray, rated: BoolArray, s: AnalysisSettings
) -> tuple[Correlation | None, Withheld | None]:
    """Slouch minutes on a worn day vs mean pain on the next (rated) day."""
    need_days = s.pain_min_paired_days
    dates = np.array([np.datetime64(x, "D") for x in d["date"]]) if len(d) else np.zeros(0, "datetime64[D]")
    pos = {v: i for i, v in enumerate(dates)}
    xs, ys = [], []
    for i in np.flatnonzero(worn):
        j = pos.get(dates[i] + np.timedelta64(1, "D"))
        if j is not None and rated[j]:
            xs.append(d["slouch_minutes"].iloc[i])
            ys.append(d["pain_mean"].iloc[j])
    if len(xs) < need_days:
        return None, Withheld("next_day", "few_day_pairs", len(xs), need_days)
    lag1 = spearman_block_bootstrap(np.array(xs), np.array(ys), np.arange(len(xs)), s,
                                    analysis="next_day")
    return lag1, None if lag1 is not None else Withheld("next_day", "no_variation")


def analyse_pain(
    daily: pd.DataFrame,
    pain_log: pd.DataFrame | None,
    epochs: pd.DataFrame | None,
    remedy_log: pd.DataFrame | None,
    tz: str,
    settings: AnalysisSettings | None = None,
) -> PainAnalysis:
    """Associations of slouching with pain, and pain around remedies.

    Parameters
    ----------
    daily : DataFrame
        :func:`analysis.metrics.daily_metrics` (``date, wear_minutes, slouch_minutes,
        pain_mean, pain_ratings``).
    pain_log : DataFrame or None
        ``time`` (UTC), ``score`` 0–10.
    epochs : DataFrame or None
        Per-second epochs (``slouch``) for the within-day exposure.
    remedy_log : DataFrame or None
        ``time`` (UTC), ``kind``.
    tz : str
        Wearer's IANA zone.
    settings : AnalysisSettings, optional

    Returns
    -------
    PainAnalysis
        Daily lag-0 and lag-1 (slouch on day d vs pain on day d+1) Spearman correlations,
        within-day exposure (slouch minutes in the ``pain_hours_before`` hours before each
        rating vs that rating), remedy effects per kind; ``None`` + reason where data are
        too few.
    """
    s = settings or AnalysisSettings()
    need = ["date", "wear_minutes", "slouch_minutes", "pain_mean", "pain_ratings"]
    missing = [c for c in need if c not in daily.columns]
    if missing:
        raise ValueError(f"daily lacks columns {missing}")
    pain = pain_log if pain_log is not None else pd.DataFrame({"time": [], "score": []})
    n_ratings = len(pain)
    d = daily.sort_values("date").reset_index(drop=True)
    worn = d["wear_minutes"].to_numpy(dtype=float) > 0
    rated = d["pain_ratings"].to_numpy() > 0

    lag0, lag0_why = _same_day(d[worn & rated], s)
    lag1, lag1_why = _next_day(d, worn, rated, s)
    # within day
    within: Correlation | None = None
    within_why: Withheld | None = None
    if n_ratings < s.pain_min_ratings:
        within_why = Withheld("within_day", "few_ratings", n_ratings, s.pain_min_ratings)
    elif epochs is None or len(epochs) == 0:
        within_why = Withheld("within_day", "no_sensor_data")
    else:
        within, within_why = _within_day(pain, epochs, tz, s)
    # remedies
    remedies: pd.DataFrame | None = None
    remedies_why: Withheld | None = None
    stretches: pd.DataFrame | None = None
    if remedy_log is None or len(remedy_log) == 0:
        remedies_why = Withheld("remedies", "no_remedies")
    elif n_ratings == 0:
        remedies_why = Withheld("remedies", "no_ratings")
    else:
        remedies = _remedy_effects(pain, remedy_log, s)
        stretches = stretch_effects(pain, remedy_log, tz, s)
    fewer_later = False
    if n_ratings and len(d):
        per_day = d.loc[rated, "pain_ratings"]
        if len(per_day) >= 4:
            half = len(per_day) // 2
            fewer_later = bool(per_day.iloc[half:].mean() < 0.7 * per_day.iloc[:half].mean())
    return PainAnalysis(
        n_rating_days=int(rated.sum()), n_paired_days=int((worn & rated).sum()), n_ratings=n_ratings,
        daily_lag0=lag0, daily_lag0_reason=lag0_why,
        daily_lag1=lag1, daily_lag1_reason=lag1_why,
        within_day=within, within_day_reason=within_why,
        remedies=remedies, remedies_reason=remedies_why,
        hours_before=s.pain_hours_before, remedy_window_h=s.pain_remedy_window_h,
        fewer_ratings_later=fewer_later, stretches=stretches,
    )


def _within_day(
    pain: pd.DataFrame, epochs: pd.DataFrame, tz: str, s: AnalysisSettings
) -> tuple[Correlation | None, Withheld | None]:
    """Slouch minutes in the hours before each rating vs the rating; bootstrap over days."""
    if "slouch" not in epochs.columns:
        raise ValueError("epochs lack the 'slouch' column")
    sec = pd.DatetimeIndex(epochs.index).as_unit("ns").asi8 // NS_PER_S
    cs_slouch = np.concatenate(([0], np.cumsum(epochs["slouch"].to_numpy(dtype=bool))))
    cs_rec = np.arange(sec.size + 1)
    t = pd.DatetimeIndex(pd.to_datetime(pain["time"], utc=True)).as_unit("ns").asi8 // NS_PER_S
    w = int(round(s.pain_hours_before * 3600))
    lo = np.searchsorted(sec, t - w)
    hi = np.searchsorted(sec, t)
    slouch_min = (cs_slouch[hi] - cs_slouch[lo]) / 60.0
    covered = (cs_rec[hi] - cs_rec[lo]) / w
    ok = covered >= 0.5
    n_ok = int(ok.sum())
    if n_ok < s.pain_min_ratings:
        return None, Withheld("within_day", "few_covered_ratings", n_ok, s.pain_min_ratings)
    order = np.argsort(t[ok], kind="stable")
    days = _local_day(pd.to_datetime(t[ok][order], unit="s", utc=True), tz)
    res = spearman_block_bootstrap(
        slouch_min[ok][order], pain["score"].to_numpy(dtype=float)[ok][order], days, s,
        analysis="within_day",
    )
    if res is None:
        return None, Withheld("within_day", "no_variation")
    return res, None


def _remedy_effects(pain: pd.DataFrame, remedy_log: pd.DataFrame, s: AnalysisSettings) -> pd.DataFrame:
    """Mean pain before vs after each remedy, per kind."""
    for c in ("time", "kind"):
        if c not in remedy_log.columns:
            raise ValueError(f"remedy_log lacks column '{c}'")
    pt = pd.DatetimeIndex(pd.to_datetime(pain["time"], utc=True)).as_unit("ns").asi8
    order = np.argsort(pt, kind="stable")
    pt = pt[order]
    ps = pain["score"].to_numpy(dtype=float)[order]
    w = int(s.pain_remedy_window_h * 3600 * 1e9)
    rt = pd.DatetimeIndex(pd.to_datetime(remedy_log["time"], utc=True)).as_unit("ns").asi8
    rows: list[dict[str, str | int | float]] = []
    kinds = remedy_log["kind"].astype(str).to_numpy()
    for kind in sorted(set(kinds)):
        before_all, after_all, changes = [], [], []
        for r in rt[kinds == kind]:
            b = ps[(pt >= r - w) & (pt < r)]
            a = ps[(pt > r) & (pt <= r + w)]
            if b.size and a.size:
                before_all.append(b.mean())
                after_all.append(a.mean())
                changes.append(a.mean() - b.mean())
        n = len(changes)
        rows.append({
            "kind": kind,
            "n_logged": int((kinds == kind).sum()),
            "n_compared": n,
            "mean_before": float(np.mean(before_all)) if n else float("nan"),
            "mean_after": float(np.mean(after_all)) if n else float("nan"),
            "mean_change": float(np.mean(changes)) if n else float("nan"),
        })
    return pd.DataFrame(rows, columns=["kind", "n_logged", "n_compared", "mean_before",
                                       "mean_after", "mean_change"])


#: Rows of :func:`stretch_effects`: verified stretching (sensor-checked, at least one counted
#: repetition: :func:`vocab.stretchnote.is_verified_stretch`), logged-only stretching (anything
#: else logged as ``stretch``), and verified minus logged-only.
STRETCH_GROUPS: tuple[str, ...] = ("stretch_verified", "stretch_logged_only", "stretch_difference")

STRETCH_COLUMNS: tuple[str, ...] = ("group", "n_logged", "n_compared", "n_days", "mean_before",
                                    "mean_after", "mean_change", "ci_low", "ci_high", "withheld",
                                    "need")


def _before_after(pt: np.ndarray, ps: np.ndarray, rt: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean rating in the ``w`` ns before and after each remedy time (NaN without one)."""
    before = np.full(rt.size, np.nan)
    after = np.full(rt.size, np.nan)
    for i, r in enumerate(rt):
        b = ps[(pt >= r - w) & (pt < r)]
        a = ps[(pt > r) & (pt <= r + w)]
        if b.size and a.size:
            before[i], after[i] = b.mean(), a.mean()
    return before, after


def _day_bootstrap_means(change: np.ndarray, day: np.ndarray, group: np.ndarray,
                         s: AnalysisSettings) -> tuple[np.ndarray, np.ndarray]:
    """Stationary bootstrap over days of the mean change of group 0 and of group 1.

    Whole days (all their compared stretches) are resampled in blocks of consecutive days, as
    :func:`spearman_block_bootstrap` does; a replicate without a stretch of a group gives NaN.
    """
    days, inverse = np.unique(day, return_inverse=True)
    n_days = days.size
    sums = np.zeros((2, n_days))
    counts = np.zeros((2, n_days))
    np.add.at(sums, (group, inverse), change)
    np.add.at(counts, (group, inverse), 1.0)
    rng = np.random.default_rng(s.bootstrap_seed)
    idx = stationary_bootstrap_indices(n_days, s.bootstrap_n, min(s.bootstrap_block_days, n_days), rng)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums[:, idx].sum(axis=2) / counts[:, idx].sum(axis=2)
    return means[0], means[1]


def _interval(reps: np.ndarray, s: AnalysisSettings) -> tuple[float, float]:
    """2.5 and 97.5 % percentiles of the finite replicates (NaN when under half are finite)."""
    reps = reps[np.isfinite(reps)]
    if reps.size < s.bootstrap_n // 2:
        return float("nan"), float("nan")
    lo, hi = np.percentile(reps, [2.5, 97.5])
    return float(lo), float(hi)


def stretch_effects(pain: pd.DataFrame, remedy_log: pd.DataFrame, tz: str,
                    settings: AnalysisSettings | None = None) -> pd.DataFrame | None:
    """Pain before vs after verified and logged-only stretching, with day-bootstrap intervals.

    The same rule as for every remedy kind (:attr:`PainAnalysis.remedies`): a stretch is
    *compared* when there are ratings both within ``pain_remedy_window_h`` before and after it;
    its change is the mean rating after minus the mean rating before (0–10 points). Per group
    the mean change gets a 95 % interval from the stationary bootstrap over days
    (``bootstrap_*`` settings, the method of the slouch–pain correlations). A group, and the
    difference verified − logged-only, is withheld (``withheld="few_compared"``, numbers NaN)
    with fewer than ``pain_min_ratings`` compared stretches (for the difference: in either
    group), the minimum count of the within-day analysis.

    Parameters
    ----------
    pain : DataFrame
        ``time`` (UTC), ``score``.
    remedy_log : DataFrame
        ``time`` (UTC), ``kind`` and optionally ``note`` (the note of ``posturelog stretch``).
    tz : str
        IANA zone; days are local days.
    settings : AnalysisSettings, optional

    Returns
    -------
    DataFrame or None
        Columns :data:`STRETCH_COLUMNS`, one row per :data:`STRETCH_GROUPS` entry; None when
        no stretch was logged or there are no ratings.
    """
    s = settings or AnalysisSettings()
    for c in ("time", "kind"):
        if c not in remedy_log.columns:
            raise ValueError(f"remedy_log lacks column '{c}'")
    is_stretch = remedy_log["kind"].astype(str).to_numpy() == "stretch"
    if not is_stretch.any() or len(pain) == 0:
        return None
    stretches = remedy_log.loc[is_stretch]
    notes = stretches["note"] if "note" in stretches.columns else pd.Series([""] * len(stretches))
    verified = np.array([is_verified_stretch(None if pd.isna(n) else str(n)) for n in notes])
    rt = pd.DatetimeIndex(pd.to_datetime(stretches["time"], utc=True)).as_unit("ns").asi8
    pt = pd.DatetimeIndex(pd.to_datetime(pain["time"], utc=True)).as_unit("ns").asi8
    ps = pain["score"].to_numpy(dtype=float)
    before, after = _before_after(pt, ps, rt, int(s.pain_remedy_window_h * 3600 * NS_PER_S))
    ok = np.isfinite(before)
    days = _local_day(pd.to_datetime(rt, utc=True), tz)
    group = np.where(verified, 0, 1)
    need = s.pain_min_ratings
    reps = (_day_bootstrap_means((after - before)[ok], days[ok], group[ok], s)
            if ok.any() else (np.array([np.nan]), np.array([np.nan])))
    rows: list[dict[str, Any]] = []
    enough = []
    for g, name in enumerate(STRETCH_GROUPS[:2]):
        mine = group == g
        cmp_ = mine & ok
        n = int(cmp_.sum())
        enough.append(n >= need)
        lo, hi = _interval(reps[g], s) if n >= need else (float("nan"), float("nan"))
        rows.append({
            "group": name, "n_logged": int(mine.sum()), "n_compared": n,
            "n_days": int(np.unique(days[cmp_]).size),
            "mean_before": float(before[cmp_].mean()) if n >= need else float("nan"),
            "mean_after": float(after[cmp_].mean()) if n >= need else float("nan"),
            "mean_change": float((after - before)[cmp_].mean()) if n >= need else float("nan"),
            "ci_low": lo, "ci_high": hi, "withheld": "" if n >= need else "few_compared",
            "need": need,
        })
    both = all(enough)
    diff = rows[0]["mean_change"] - rows[1]["mean_change"] if both else float("nan")
    lo, hi = _interval(reps[0] - reps[1], s) if both else (float("nan"), float("nan"))
    rows.append({
        "group": STRETCH_GROUPS[2], "n_logged": int(is_stretch.sum()), "n_compared": int(ok.sum()),
        "n_days": int(np.unique(days[ok]).size), "mean_before": float("nan"),
        "mean_after": float("nan"), "mean_change": diff, "ci_low": lo, "ci_high": hi,
        "withheld": "" if both else "few_compared", "need": need,
    })
    return pd.DataFrame(rows, columns=list(STRETCH_COLUMNS))
