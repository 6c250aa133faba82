"""Slouch episodes, hysteresis, minimum duration, flexion bands, ISO 11226, sensitivity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.episodes import (
    EPISODE_COLUMNS,
    find_episodes,
    flexion_band,
    iso11226_acceptable_hold_s,
    iso11226_holds,
    sensitivity_table,
    slouch_mask,
)
from analysis.settings import AnalysisSettings


def make_epochs(flexion: np.ndarray, context: str | list[str] = "upright",
                start: str = "2026-11-16T09:00:00Z") -> pd.DataFrame:
    n = len(flexion)
    idx = pd.DatetimeIndex(pd.date_range(start, periods=n, freq="s"), name="time")
    ctx = [context] * n if isinstance(context, str) else context
    return pd.DataFrame({"flexion_deg": np.asarray(flexion, float), "worn": True,
                         "context": pd.Categorical(ctx)}, index=idx)


def test_one_episode_despite_noise_around_threshold() -> None:
    rng = np.random.default_rng(0)
    f = np.r_[np.full(120, 5.0), 22 + rng.normal(0, 1.5, 600), np.full(120, 5.0)]
    ep, episodes = find_episodes(make_epochs(f))
    assert list(episodes.columns) == list(EPISODE_COLUMNS)
    assert len(episodes) == 1
    assert episodes["duration_min"].iloc[0] == pytest.approx(10.0, abs=0.2)
    assert 20 < episodes["mean_flexion_deg"].iloc[0] < 24
    assert ep["slouch"].sum() == pytest.approx(600, abs=10)
    assert episodes["start"].dt.tz is not None


def test_short_slouch_is_ignored_and_min_duration_applies() -> None:
    f = np.r_[np.full(60, 0.0), np.full(45, 30.0), np.full(60, 0.0), np.full(61, 30.0), np.zeros(10)]
    _, episodes = find_episodes(make_epochs(f))
    assert len(episodes) == 1
    assert episodes["duration_min"].iloc[0] == pytest.approx(61 / 60)
    _, e30 = find_episodes(make_epochs(f), AnalysisSettings(slouch_min_duration_s=30))
    assert len(e30) == 2


def test_lying_and_nonwear_never_slouch() -> None:
    f = np.full(300, 40.0)
    for ctx in ("lying", "nonwear"):
        ep, episodes = find_episodes(make_epochs(f, ctx))
        assert not ep["slouch"].any() and len(episodes) == 0


def test_time_gap_splits_episode() -> None:
    a = make_epochs(np.full(100, 30.0), start="2026-11-16T09:00:00Z")
    b = make_epochs(np.full(100, 30.0), start="2026-11-16T09:10:00Z")
    _, episodes = find_episodes(pd.concat([a, b]))
    assert len(episodes) == 2


def test_short_link_loss_does_not_split_episode() -> None:
    a = make_epochs(np.full(100, 30.0), start="2026-11-16T09:00:00Z")
    b = make_epochs(np.full(100, 30.0), start="2026-11-16T09:01:45Z")  # 5 s missing
    ep, episodes = find_episodes(pd.concat([a, b]))
    assert len(episodes) == 1 and episodes["duration_min"].iloc[0] == pytest.approx(205 / 60)
    assert ep["slouch"].sum() == 200


def test_missing_columns_raise() -> None:
    with pytest.raises(ValueError, match="lack columns"):
        find_episodes(make_epochs(np.zeros(5)).drop(columns="context"))


def test_bands_and_iso_holding_time() -> None:
    assert iso11226_acceptable_hold_s(20.0) == pytest.approx(240.0)
    assert iso11226_acceptable_hold_s(60.0) == pytest.approx(60.0)
    assert iso11226_acceptable_hold_s(40.0) == pytest.approx(150.0)
    assert np.isinf(iso11226_acceptable_hold_s(10.0))
    assert iso11226_acceptable_hold_s(70.0) == 0.0
    f = np.r_[np.full(10, -5.0), np.full(10, 10.0), np.full(200, 40.0), np.zeros(5),
              np.full(100, 40.0), np.zeros(5), np.full(5, 70.0), np.zeros(5)]
    band = flexion_band(make_epochs(f))
    counts = band.value_counts()
    assert counts["below_0"] == 10 and counts["20_60"] == 300 and counts["over_60"] == 5
    holds = iso11226_holds(make_epochs(f))
    assert list(holds["violation"]) == [True, False, True]  # 200 s > 150 s; 100 s ok; > 60°


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-30, 80), min_size=1, max_size=400), st.integers(0, 300))
def test_slouch_only_where_eligible_and_above_exit(values: list[float], min_s: int) -> None:
    f = np.asarray(values)
    rng = np.random.default_rng(len(values))
    elig = rng.random(f.size) > 0.2
    sec = np.arange(f.size)
    m = slouch_mask(f, elig, sec, 20.0, 5.0, float(min_s))
    assert not (m & ~elig).any()
    assert (f[m] >= 15.0).all()


def test_sensitivity_table_monotone() -> None:
    rng = np.random.default_rng(1)
    f = np.concatenate([np.full(int(rng.integers(20, 400)), rng.uniform(0, 40)) for _ in range(60)])
    table = sensitivity_table(make_epochs(f))
    assert table.shape == (5, 4)
    assert table.index.name == "threshold_deg" and table.columns.name == "min_duration_s"
    v = table.to_numpy()
    assert (np.diff(v, axis=0) <= 1e-9).all()  # higher threshold, fewer minutes
    assert (np.diff(v, axis=1) <= 1e-9).all()  # longer minimum, fewer minutes
