"""Report figures: every function returns a Figure, without warnings or pyplot state."""

from __future__ import annotations

import datetime as dt
import io
import sys
import warnings
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis import figures
from analysis.episodes import find_episodes, sensitivity_table
from analysis.metrics import daily_metrics, hourly_slouch_share
from analysis.settings import AnalysisSettings

TZ = "America/New_York"
FIRST = dt.date(2026, 11, 2)  # the day after the DST change: days of 24 h; 1 Nov has 25 h


def _epochs(first: dt.date = dt.date(2026, 11, 1), days: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    start = pd.Timestamp(first).tz_localize(TZ).tz_convert("UTC")
    end = pd.Timestamp(first + dt.timedelta(days=days)).tz_localize(TZ).tz_convert("UTC")
    idx = pd.date_range(start, end, freq="1s", inclusive="left", name="time")
    local = idx.tz_convert(TZ)
    hour = np.asarray(local.hour + local.minute / 60.0)
    n = len(idx)
    context = np.where((hour < 7) | (hour >= 22.5), "nonwear", "upright").astype(object)
    context[(hour >= 20.5) & (hour < 22.5)] = "lying"
    context[(hour >= 12) & (hour < 12.5)] = "walking"
    flexion = rng.normal(5.0, 3.0, n)
    for h0 in (9.5, 10.75, 14.2, 15.5, 16.1):
        flexion[(hour >= h0) & (hour < h0 + 0.3)] += 25.0
    flexion[context == "lying"] = 85.0
    worn = context != "nonwear"
    flexion[~worn] = np.nan
    return pd.DataFrame({
        "flexion_deg": flexion, "lateral_deg": 0.0, "inclination_deg": np.abs(flexion),
        "worn": worn, "context": context.astype(str), "slouch": False, "n_samples": 25,
        "calibration": "walking",
    }, index=idx)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    settings = AnalysisSettings()
    epochs, episodes = find_episodes(_epochs(), settings)
    pain = pd.DataFrame({"time": pd.DatetimeIndex(["2026-11-02 10:00", "2026-11-02 17:00",
                                                   "2026-11-03 11:00"]).tz_localize(TZ)
                         .tz_convert("UTC"), "score": [3, 6, 4]})
    remedies = pd.DataFrame({"time": pd.DatetimeIndex(["2026-11-02 18:30"]).tz_localize(TZ)
                             .tz_convert("UTC"), "kind": ["stretch"]})
    return {
        "epochs": epochs, "episodes": episodes, "pain": pain, "remedies": remedies,
        "daily": daily_metrics(epochs, episodes, pain, TZ, settings),
        "hourly": hourly_slouch_share(epochs, TZ, settings),
        "sensitivity": sensitivity_table(epochs, (15, 20, 25), (30, 60, 120), settings),
    }


@pytest.fixture(autouse=True)
def _strict_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _check(fig: Figure) -> None:
    assert isinstance(fig, Figure)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    assert buf.getvalue().startswith(b"\x89PNG")
    labels = " ".join(t.get_text() for t in fig.findobj(Text)).lower()
    for word in ("wrist", "hip", "steps"):
        assert word not in labels


CASES: dict[str, Callable[[dict[str, pd.DataFrame]], Figure]] = {
    "daily": lambda t: figures.daily_context_figure(t["daily"]),
    "heatmap": lambda t: figures.hourly_heatmap_figure(t["hourly"]),
    "flexion": lambda t: figures.flexion_distribution_figure(t["epochs"], 20.0, TZ),
    "pain": lambda t: figures.pain_association_figure(
        t["daily"], "Too few data: 3 days with ratings, at least 7 are needed."),
    "timeline": lambda t: figures.day_timeline_figure(
        t["epochs"], t["episodes"], t["pain"], t["remedies"], day=FIRST, tz=TZ,
        threshold_deg=20.0),
    "dst_day": lambda t: figures.day_timeline_figure(
        t["epochs"], t["episodes"], t["pain"], t["remedies"], day=dt.date(2026, 11, 1), tz=TZ,
        threshold_deg=20.0),
    "quality": lambda t: figures.wear_quality_figure(t["daily"]),
    "sensitivity": lambda t: figures.sensitivity_table_figure(t["sensitivity"],
                                                              chosen=(20.0, 60.0)),
    "table": lambda t: figures.table_figure(
        pd.DataFrame({"Column": ["a", "b"], "Meaning": ["short", "long text " * 30]}),
        title="Glossary"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_figure_builds_without_warnings(name: str, tables: dict[str, pd.DataFrame]) -> None:
    _check(CASES[name](tables))


def test_no_pyplot_state(tables: dict[str, pd.DataFrame]) -> None:
    before = "matplotlib.pyplot" in sys.modules
    figures.daily_context_figure(tables["daily"])
    if before:
        import matplotlib.pyplot as plt

        assert plt.get_fignums() == []
    else:
        assert "matplotlib.pyplot" not in sys.modules
    import matplotlib as mpl

    assert mpl.rcParams["axes.titleweight"] == mpl.rcParamsDefault["axes.titleweight"]


def test_empty_inputs_give_a_message_not_an_error(tables: dict[str, pd.DataFrame]) -> None:
    daily = tables["daily"].iloc[:0]
    _check(figures.daily_context_figure(daily))
    _check(figures.hourly_heatmap_figure(tables["hourly"].iloc[:0]))
    empty = tables["epochs"].iloc[:0]
    _check(figures.flexion_distribution_figure(empty, 20.0, TZ))
    no_pain = tables["daily"].assign(pain_mean=np.nan, pain_ratings=0)
    _check(figures.pain_association_figure(no_pain, "No pain ratings."))
    _check(figures.day_timeline_figure(empty, tables["episodes"].iloc[:0],
                                       tables["pain"].iloc[:0], tables["remedies"].iloc[:0],
                                       day=FIRST, tz=TZ, threshold_deg=20.0))
    _check(figures.sensitivity_table_figure(pd.DataFrame()))


def test_subfigure_target_returns_root(tables: dict[str, pd.DataFrame]) -> None:
    page = figures.new_figure((8.27, 11.69))
    top, bottom = page.subfigures(2, 1)
    assert figures.hourly_heatmap_figure(tables["hourly"], fig=top) is page
    assert figures.wear_quality_figure(tables["daily"], fig=bottom) is page
    _check(page)


def test_sensitivity_pivot_accepts_long_form() -> None:
    long = pd.DataFrame({"threshold_deg": [20, 20, 15, 15], "min_duration_s": [60, 30, 60, 30],
                         "slouch_minutes": [1.0, 2.0, 3.0, 4.0]})
    pivot = figures.sensitivity_pivot(long)
    assert list(pivot.index) == [15, 20] and list(pivot.columns) == [30, 60]
    assert pivot.loc[20, 30] == 2.0
