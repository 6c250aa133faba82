"""Verified vs logged-only stretching: pain before vs after each, with day-bootstrap intervals.

A stretch logged by ``posturelog stretch`` is *verified* when the sensor checked it and counted
at least one repetition (:func:`vocab.stretchnote.is_verified_stretch`); anything else logged as
``stretch`` is *logged-only*. Both are compared with the rule of every remedy
(:mod:`analysis.pain.remedies`) and get intervals from the stationary bootstrap over days
(:mod:`analysis.pain.bootstrap`). Numbers and reason codes only; the words are in
:func:`posturelog.report.wording.stretch_lines`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.pain.bootstrap import day_bootstrap_means, local_days, percentile_interval
from analysis.pain.remedies import before_after, check_remedy_log
from analysis.settings import AnalysisSettings
from vocab.stretchnote import is_verified_stretch
from vocab.units import NS_PER_S

__all__ = ["STRETCH_COLUMNS", "STRETCH_GROUPS", "stretch_effects"]

#: Rows of :func:`stretch_effects`: verified stretching (sensor-checked, at least one counted
#: repetition: :func:`vocab.stretchnote.is_verified_stretch`), logged-only stretching (anything
#: else logged as ``stretch``), and verified minus logged-only.
STRETCH_GROUPS: tuple[str, ...] = ("stretch_verified", "stretch_logged_only", "stretch_difference")

#: Columns of :func:`stretch_effects`.
STRETCH_COLUMNS: tuple[str, ...] = ("group", "n_logged", "n_compared", "n_days", "mean_before",
                                    "mean_after", "mean_change", "ci_low", "ci_high", "withheld",
                                    "need")


def stretch_effects(pain: pd.DataFrame, remedy_log: pd.DataFrame, tz: str,
                    settings: AnalysisSettings | None = None) -> pd.DataFrame | None:
    """Pain before vs after verified and logged-only stretching, with day-bootstrap intervals.

    The same rule as for every remedy kind (:attr:`analysis.pain.PainAnalysis.remedies`): a
    stretch is *compared* when there are ratings both within ``pain_remedy_window_h`` before and
    after it; its change is the mean rating after minus the mean rating before (0–10 points).
    Per group the mean change gets a 95 % interval from the stationary bootstrap over days
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
    check_remedy_log(remedy_log)
    is_stretch = remedy_log["kind"].astype(str).to_numpy() == "stretch"
    if not is_stretch.any() or len(pain) == 0:
        return None
    stretches = remedy_log.loc[is_stretch]
    notes = stretches["note"] if "note" in stretches.columns else pd.Series([""] * len(stretches))
    verified = np.array([is_verified_stretch(None if pd.isna(n) else str(n)) for n in notes])
    rt = pd.DatetimeIndex(pd.to_datetime(stretches["time"], utc=True)).as_unit("ns").asi8
    pt = pd.DatetimeIndex(pd.to_datetime(pain["time"], utc=True)).as_unit("ns").asi8
    ps = pain["score"].to_numpy(dtype=float)
    before, after = before_after(pt, ps, rt, int(s.pain_remedy_window_h * 3600 * NS_PER_S))
    ok = np.isfinite(before)
    days = local_days(pd.to_datetime(rt, utc=True), tz)
    group = np.where(verified, 0, 1)
    need = s.pain_min_ratings
    reps = (day_bootstrap_means((after - before)[ok], days[ok], group[ok], s)
            if ok.any() else (np.array([np.nan]), np.array([np.nan])))
    rows: list[dict[str, Any]] = []
    enough = []
    for g, name in enumerate(STRETCH_GROUPS[:2]):
        mine = group == g
        cmp_ = mine & ok
        n = int(cmp_.sum())
        enough.append(n >= need)
        lo, hi = percentile_interval(reps[g], s) if n >= need else (float("nan"), float("nan"))
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
    lo, hi = percentile_interval(reps[0] - reps[1], s) if both else (float("nan"), float("nan"))
    rows.append({
        "group": STRETCH_GROUPS[2], "n_logged": int(is_stretch.sum()), "n_compared": int(ok.sum()),
        "n_days": int(np.unique(days[ok]).size), "mean_before": float("nan"),
        "mean_after": float("nan"), "mean_change": diff, "ci_low": lo, "ci_high": hi,
        "withheld": "" if both else "few_compared", "need": need,
    })
    return pd.DataFrame(rows, columns=list(STRETCH_COLUMNS))
