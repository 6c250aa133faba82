"""Pain around remedies: the mean rating before vs after each remedy, per kind.

A remedy is *compared* when there are pain ratings both within ``pain_remedy_window_h`` before
and after it; its change is the mean rating after minus the mean rating before (0–10 points).
The same rule serves every remedy kind (:func:`remedy_effects`) and the verified vs logged-only
stretching comparison (:mod:`analysis.pain.stretching`). Numbers only; the words are in
:mod:`posturelog.report.wording`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.settings import AnalysisSettings
from vocab.units import NS_PER_S

__all__ = ["REMEDY_COLUMNS", "before_after", "check_remedy_log", "remedy_effects"]

FloatArray = NDArray[np.float64]
NsArray = NDArray[np.int64]

#: Columns of :func:`remedy_effects`.
REMEDY_COLUMNS: tuple[str, ...] = ("kind", "n_logged", "n_compared", "mean_before", "mean_after",
                                   "mean_change")


def check_remedy_log(remedy_log: pd.DataFrame) -> None:
    """Raise ``ValueError`` unless ``remedy_log`` has the ``time`` and ``kind`` columns."""
    for c in ("time", "kind"):
        if c not in remedy_log.columns:
            raise ValueError(f"remedy_log lacks column '{c}'")


def before_after(pt: NsArray, ps: FloatArray, rt: NsArray, w: int) -> tuple[FloatArray, FloatArray]:
    """Mean rating in the ``w`` ns before and after each remedy time (NaN without one).

    Parameters
    ----------
    pt : ndarray of int64, shape (P,)
        Rating times, UTC ns.
    ps : ndarray of float, shape (P,)
        Ratings, 0–10.
    rt : ndarray of int64, shape (R,)
        Remedy times, UTC ns.
    w : int
        Window on each side, ns.

    Returns
    -------
    (ndarray, ndarray), each of float, shape (R,)
        Mean rating before and after each remedy; both NaN where either window has no rating.
    """
    before = np.full(rt.size, np.nan)
    after = np.full(rt.size, np.nan)
    for i, r in enumerate(rt):
        b = ps[(pt >= r - w) & (pt < r)]
        a = ps[(pt > r) & (pt <= r + w)]
        if b.size and a.size:
            before[i], after[i] = b.mean(), a.mean()
    return before, after


def remedy_effects(pain: pd.DataFrame, remedy_log: pd.DataFrame, s: AnalysisSettings) -> pd.DataFrame:
    """Mean pain before vs after each remedy, per kind.

    Parameters
    ----------
    pain : DataFrame
        ``time`` (UTC), ``score`` 0–10.
    remedy_log : DataFrame
        ``time`` (UTC), ``kind``.
    s : AnalysisSettings
        ``pain_remedy_window_h``.

    Returns
    -------
    DataFrame
        Columns :data:`REMEDY_COLUMNS`, one row per kind (sorted): how many were logged and
        compared, and the mean rating before, after and their change (NaN when none compared).
    """
    check_remedy_log(remedy_log)
    pt = pd.DatetimeIndex(pd.to_datetime(pain["time"], utc=True)).as_unit("ns").asi8
    order = np.argsort(pt, kind="stable")
    pt = pt[order]
    ps = pain["score"].to_numpy(dtype=float)[order]
    w = int(s.pain_remedy_window_h * 3600 * NS_PER_S)
    rt = pd.DatetimeIndex(pd.to_datetime(remedy_log["time"], utc=True)).as_unit("ns").asi8
    rows: list[dict[str, str | int | float]] = []
    kinds = remedy_log["kind"].astype(str).to_numpy()
    for kind in sorted(set(kinds)):
        before, after = before_after(pt, ps, rt[kinds == kind], w)
        ok = np.isfinite(before)
        n = int(ok.sum())
        rows.append({
            "kind": kind,
            "n_logged": int((kinds == kind).sum()),
            "n_compared": n,
            "mean_before": float(np.mean(before[ok])) if n else float("nan"),
            "mean_after": float(np.mean(after[ok])) if n else float("nan"),
            "mean_change": float(np.mean((after - before)[ok])) if n else float("nan"),
        })
    return pd.DataFrame(rows, columns=list(REMEDY_COLUMNS))
