"""Daily / hourly / weekly metrics in local time (DST-correct), band columns from the edges."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analysis.context import CONTEXT_DTYPE
from analysis.episodes import find_episodes
from analysis.metrics import (
    DAILY_COLUMNS,
    band_columns,
    daily_columns,
    daily_metrics,
    hourly_profile,
    hourly_slouch_share,
    local_day_bounds,
    local_day_hours,
)
from analysis.settings import AnalysisSettings
from analysis.weekly import weekly_summary

TZ = "Europe/London"


def epochs_between(start: str, end: str, flexion: float = 5.0) -> pd.DataFrame:
    idx = pd.DatetimeIndex(pd.date_range(start, end, freq="s", inclusive="left"), name="time")
    n = idx.size
    return pd.DataFrame({"flexion_deg": np.full(n, flexion), "worn": True,
                         "context": pd.Categorical(["upright"] * n, dtype=CONTEXT_DTYPE),
                         "slouch": False,
                         "calibration": "routine"}, index=idx)


def test_local_day_lengths() -> None:
    assert local_day_hours(date(2026, 10, 25), TZ) == 25.0
    assert local_day_hours(date(2026, 3, 29), TZ) == 23.0
    assert local_day_hours(date(2026, 11, 16), TZ) == 24.0
    a, b = local_day_bounds(date(2026, 10, 25), TZ)
    assert a == pd.Timestamp("2026-10-24T23:00:00Z") and b == pd.Timestamp("2026-10-26T00:00:00Z")


def test_dst_day_has_25_hours_and_hours_map() -> None:
    # whole local 2026-10-25 recorded; slouch during 00:30–01:30 UTC = 01:30 BST … 01:30 GMT
    ep = epochs_between("2026-10-24T23:00:00Z", "2026-10-26T00:00:00Z")
    sl = (ep.index >= "2026-10-25T00:30:00Z") & (ep.index < "2026-10-25T01:30:00Z")
    ep.loc[sl, "flexion_deg"] = 30.0
    ep, episodes = find_episodes(ep)
    daily = daily_metrics(ep, episodes, None, TZ)
    assert list(daily.columns) == list(DAILY_COLUMNS)
    assert len(daily) == 1 and daily["date"].iloc[0] == date(2026, 10, 25)
    row = daily.iloc[0]
    assert row["day_hours"] == 25.0
    assert row["recorded_minutes"] == 1500.0 and row["coverage_pct"] == pytest.approx(100.0)
    assert row["slouch_minutes"] == pytest.approx(60.0)
    assert row["slouch_episodes"] == 1
    hourly = hourly_slouch_share(ep, TZ)
    assert list(hourly.columns) == list(range(24))
    # local hour 1 occurs twice (BST then GMT): 2 h of upright time, 1 h of it slouched
    assert hourly.loc[date(2026, 10, 25), 1] == pytest.approx(50.0, abs=0.1)
    prof = hourly_profile(ep, TZ)
    assert prof.loc[1, "upright_minutes"] == pytest.approx(120.0)
    assert prof.loc[2, "upright_minutes"] == pytest.approx(60.0)


def test_spring_day_has_23_hours() -> None:
    ep = epochs_between("2026-03-29T00:00:00Z", "2026-03-29T23:00:00Z")
    ep["slouch"] = False
    daily = daily_metrics(ep, find_episodes(ep)[1], None, TZ)
    assert daily["day_hours"].iloc[0] == 23.0 and daily["coverage_pct"].iloc[0] == pytest.approx(100.0)
    assert np.isnan(hourly_slouch_share(ep, TZ).loc[date(2026, 3, 29), 1])  # 01:00 never happens


def test_daily_values_pain_and_weekly_summary() -> None:
    days = []
    for d in range(14):
        start = pd.Timestamp("2026-11-09T08:00:00Z") + pd.Timedelta(days=d)
        ep = epochs_between(str(start), str(start + pd.Timedelta(hours=2)))
        k = 600 + 60 * d
        ep.iloc[:k, ep.columns.get_loc("flexion_deg")] = 35.0
        ep.iloc[-300:, ep.columns.get_loc("context")] = "lying"
        days.append(ep)
    ep, episodes = find_episodes(pd.concat(days))
    pain = pd.DataFrame({"time": pd.to_datetime(["2026-11-16T12:00Z", "2026-11-16T18:00Z"]),
                         "score": [4, 6]})
    daily = daily_metrics(ep, episodes, pain, TZ)
    assert len(daily) == 14
    first = daily.iloc[0]
    assert first["wear_minutes"] == 120.0 and first["lying_minutes"] == 5.0
    assert first["upright_minutes"] == 115.0
    assert first["slouch_minutes"] == 10.0
    assert first["slouch_share_pct"] == pytest.approx(100 * 10 / 115)
    assert first["band_20_60_minutes"] == 10.0 and first["band_0_20_minutes"] == 105.0
    assert first["iso11226_violations"] == 1
    assert first["flexion_median_deg"] == 5.0
    assert daily["flexion_p90_deg"].iloc[-1] == pytest.approx(35.0)  # 23 of 115 min at 35°
    row = daily[daily["date"] == date(2026, 11, 16)].iloc[0]
    assert row["pain_mean"] == 5.0 and row["pain_ratings"] == 2
    assert daily["pain_ratings"].sum() == 2
    this, prev = daily.iloc[7:], daily.iloc[:7]
    summary = weekly_summary(this, prev, hourly_profile(ep[ep.index >= "2026-11-16"], TZ))
    assert summary["week"] == "2026-W47"
    assert summary["worst_hour"] == 8
    change = summary["change"]
    assert change is not None
    assert change["slouch_minutes_per_day"]["difference"] == pytest.approx(7.0)
    assert weekly_summary(this)["change"] is None


def test_episode_counted_on_local_start_date() -> None:
    ep = epochs_between("2026-11-16T23:50:00Z", "2026-11-17T00:20:00Z", flexion=30.0)
    ep, episodes = find_episodes(ep)
    daily = daily_metrics(ep, episodes, None, TZ)
    assert daily["slouch_episodes"].tolist() == [1, 0]
    assert daily["slouch_minutes"].tolist() == [10.0, 20.0]


def test_band_edges_setting_names_the_band_columns() -> None:
    ep = epochs_between("2026-11-16T08:00:00Z", "2026-11-16T09:00:00Z", flexion=30.0)
    ep, episodes = find_episodes(ep)
    settings = AnalysisSettings(band_edges_deg=(0.0, 15.0, 45.0))
    daily = daily_metrics(ep, episodes, None, TZ, settings)
    assert list(daily.columns) == daily_columns(settings)
    assert band_columns(settings) == ["band_below_0_minutes", "band_0_15_minutes",
                                      "band_15_45_minutes", "band_over_45_minutes"]
    assert "band_20_60_minutes" not in daily.columns
    assert daily["band_15_45_minutes"].iloc[0] == 60.0  # 30° is in the 15–45° band
    summary = weekly_summary(daily)
    assert summary["band_minutes"]["band_15_45_minutes"] == 60.0
    assert "band_20_60_minutes" not in summary["band_minutes"]
    assert daily_columns() == list(DAILY_COLUMNS)


def test_bad_inputs() -> None:
    ep = epochs_between("2026-11-16T08:00:00Z", "2026-11-16T08:01:00Z")
    with pytest.raises(ValueError, match="lack columns"):
        daily_metrics(ep.drop(columns="slouch"), pd.DataFrame(), None, TZ)
    with pytest.raises(Exception, match="Nowhere"):
        daily_metrics(ep, pd.DataFrame(), None, "Nowhere/Town")


def test_values_in_and_daily_mode_use_codes() -> None:
    from analysis.episodes import values_in
    from analysis.metrics import _daily_mode

    cat = pd.Series(pd.Categorical(["a", "b", None, "c", "b"], categories=["a", "b", "c"]))
    np.testing.assert_array_equal(values_in(cat, ["b", "c"]), [False, True, False, True, True])
    np.testing.assert_array_equal(values_in(cat.astype(str), ["b", "nan", "None"]),
                                  values_in(cat, ["b", "nan", "None"]))
    day = np.array([0, 0, 0, 1, 1, 1, 2])
    col = pd.Series(pd.Categorical(["b", "a", "a", "c", "a", "a", None]))
    mask = np.array([True, True, True, True, True, False, True])
    # day 0: a twice; day 1 (masked): c and a once each, tie → the first seen (c);
    # day 2: only a missing value → none
    assert list(_daily_mode(col, day, mask, 3)) == ["a", "c", "none"]
    assert list(_daily_mode(col.astype(str), day, mask, 3)) == ["a", "c", "none"]
