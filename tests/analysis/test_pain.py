"""Pain associations: Spearman with stationary bootstrap, withheld when data are too few."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analysis.pain import (
    Withheld,
    analyse_pain,
    spearman_block_bootstrap,
    stationary_bootstrap_indices,
)
from analysis.settings import AnalysisSettings

TZ = "Europe/London"
FAST = AnalysisSettings(bootstrap_n=300)


def daily_frame(slouch: np.ndarray, pain: np.ndarray, ratings: int = 3) -> pd.DataFrame:
    n = slouch.size
    return pd.DataFrame({
        "date": [date(2026, 11, 2) + timedelta(days=i) for i in range(n)],
        "wear_minutes": np.full(n, 600.0),
        "slouch_minutes": slouch.astype(float),
        "pain_mean": pain.astype(float),
        "pain_ratings": np.full(n, ratings),
    })


def test_stationary_bootstrap_indices() -> None:
    idx = stationary_bootstrap_indices(10, 500, 3.0, np.random.default_rng(0))
    assert idx.shape == (500, 10) and idx.min() >= 0 and idx.max() <= 9
    # blocks: consecutive indices continue with probability 1 - 1/3
    cont = np.mean((idx[:, 1:] - idx[:, :-1]) % 10 == 1)
    assert 0.6 < cont < 0.8
    with pytest.raises(ValueError):
        stationary_bootstrap_indices(0, 10, 2.0, np.random.default_rng(0))


def test_too_few_days_gives_reason_not_numbers() -> None:
    d = daily_frame(np.arange(5), np.arange(5))
    pa = analyse_pain(d, pd.DataFrame({"time": [], "score": []}), None, None, TZ, FAST)
    assert pa.daily_lag0 is None
    assert pa.daily_lag0_reason == Withheld("same_day", "few_paired_days", have=5, need=7)
    assert pa.daily_lag1 is None and pa.within_day is None
    assert pa.within_day_reason == Withheld("within_day", "few_ratings", have=0, need=10)
    assert pa.remedies_reason == Withheld("remedies", "no_remedies")


def test_association_with_interval_is_reproducible() -> None:
    rng = np.random.default_rng(3)
    slouch = rng.uniform(20, 200, 21)
    pain = 2 + slouch / 40 + rng.normal(0, 0.4, 21)
    d = daily_frame(slouch, pain)
    a = analyse_pain(d, None, None, None, TZ, FAST)
    b = analyse_pain(d, None, None, None, TZ, FAST)
    assert a.daily_lag0 is not None and a.daily_lag0 == b.daily_lag0
    assert a.daily_lag0.rho > 0.7
    assert a.daily_lag0.ci_low <= a.daily_lag0.rho <= a.daily_lag0.ci_high
    assert a.daily_lag0.ci_low > 0
    assert a.daily_lag1 is not None and a.daily_lag1.n == 20
    assert a.daily_lag0.analysis == "same_day" and a.daily_lag1.analysis == "next_day"


def test_within_day_and_remedies() -> None:
    days = 10
    idx = pd.DatetimeIndex(pd.date_range("2026-11-02T08:00Z", periods=days * 24 * 3600, freq="s"),
                           name="time")
    hour = idx.hour.to_numpy()
    rng = np.random.default_rng(1)
    slouch_hours = rng.integers(8, 18, days)
    ns = idx.as_unit("ns").asi8
    day = (ns - ns[0]) // (86400 * 10**9)
    slouch = hour == slouch_hours[day]
    epochs = pd.DataFrame({"slouch": slouch}, index=idx)
    times, scores = [], []
    for d in range(days):
        for h in (11, 15, 19):
            t = pd.Timestamp("2026-11-02T00:00Z") + pd.Timedelta(days=d, hours=h)
            exposure = ((slouch_hours[d] >= h - 3) & (slouch_hours[d] < h)).astype(float)
            times.append(t)
            scores.append(int(3 + 3 * exposure + rng.integers(0, 2)))
    pain = pd.DataFrame({"time": times, "score": scores})
    remedies = pd.DataFrame({"time": [times[1] - pd.Timedelta(hours=1), times[4] - pd.Timedelta(hours=1)],
                             "kind": ["stretch", "heat"]})
    d = daily_frame(np.full(days, 60.0), np.full(days, 4.0))
    pa = analyse_pain(d, pain, epochs, remedies, TZ, FAST)
    assert pa.within_day is not None and pa.within_day.rho > 0.5 and pa.within_day.n == 30
    assert pa.remedies is not None
    assert set(pa.remedies["kind"]) == {"stretch", "heat"}
    assert (pa.remedies["n_compared"] == 1).all()
    assert pa.daily_lag0 is None  # pain never varies between days
    assert pa.within_day.analysis == "within_day" and pa.remedies_reason is None


def test_spearman_constant_is_none() -> None:
    assert spearman_block_bootstrap(np.ones(8), np.arange(8.0), np.arange(8), FAST) is None
    with pytest.raises(ValueError):
        spearman_block_bootstrap(np.ones(3), np.ones(4), np.arange(3), FAST)


def test_grouped_bootstrap_matches_per_replicate_ranking() -> None:
    from analysis.pain.bootstrap import _grouped_spearman_reps, _spearman_rows

    rng = np.random.default_rng(5)
    per = np.array([3, 1, 4, 2, 5, 2])
    n = int(per.sum())
    x = rng.integers(0, 5, n).astype(float)  # with ties
    y = rng.normal(size=n)
    bounds = np.append(np.concatenate(([0], np.cumsum(per)[:-1])), n)
    idx = stationary_bootstrap_indices(per.size, 200, 2.0, rng)
    got = _grouped_spearman_reps(x, y, bounds, idx)
    for b in range(idx.shape[0]):
        rows = np.concatenate([np.arange(bounds[i], bounds[i + 1]) for i in idx[b]])
        want = _spearman_rows(x[rows][None, :], y[rows][None, :])[0]
        assert np.isnan(got[b]) == np.isnan(want)
        if np.isfinite(want):
            assert got[b] == pytest.approx(want, abs=1e-12)


def test_results_hold_numbers_and_codes_not_sentences() -> None:
    """Analysis returns numbers only: the words are in posturelog.report.wording."""
    rng = np.random.default_rng(3)
    d = daily_frame(rng.uniform(20, 200, 9), rng.uniform(1, 9, 9))
    pa = analyse_pain(d, None, None, None, TZ, FAST)
    for value in vars(pa).values():
        assert not isinstance(value, str), value
    assert pa.daily_lag0 is not None
    assert not any(isinstance(v, str) and " " in v for v in vars(pa.daily_lag0).values())
