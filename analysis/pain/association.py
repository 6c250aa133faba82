"""Slouching and pain: rank correlations of slouch exposure with pain, and what the analysis finds.

Three associations, each a Spearman correlation with a 95 % interval from the stationary
bootstrap over days (:mod:`analysis.pain.bootstrap`): slouch minutes vs mean pain on the same
day, slouch minutes vs mean pain on the next day, and slouch minutes in the
``pain_hours_before`` hours before each momentary rating vs that rating. No p-value is printed
as a verdict (docs/domain.md §4). Results are withheld, with a reason code (:class:`Withheld`),
when there are fewer than ``pain_min_paired_days`` paired days or ``pain_min_ratings``
ratings. :func:`analyse_pain` gathers them with the remedy effects
(:mod:`analysis.pain.remedies`) and the stretching comparison (:mod:`analysis.pain.stretching`)
into a :class:`PainAnalysis`. This module returns numbers only; :mod:`posturelog.report.wording`
words them ("associated with", never "causes": evidence linking posture to pain is modest).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.pain.bootstrap import Correlation, local_days, spearman_block_bootstrap
from analysis.pain.remedies import remedy_effects
from analysis.pain.stretching import stretch_effects
from analysis.settings import AnalysisSettings
from vocab.units import NS_PER_S

__all__ = ["PainAnalysis", "Withheld", "analyse_pain"]


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
    logged-only stretching: one row per :data:`~analysis.pain.stretching.STRETCH_GROUPS`
    entry, see :func:`~analysis.pain.stretching.stretch_effects`.
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
    d: pd.DataFrame, worn: NDArray[np.bool_], rated: NDArray[np.bool_], s: AnalysisSettings
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
        remedies = remedy_effects(pain, remedy_log, s)
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
    days = local_days(pd.to_datetime(t[ok][order], unit="s", utc=True), tz)
    res = spearman_block_bootstrap(
        slouch_min[ok][order], pain["score"].to_numpy(dtype=float)[ok][order], days, s,
        analysis="within_day",
    )
    if res is None:
        return None, Withheld("within_day", "no_variation")
    return res, None
