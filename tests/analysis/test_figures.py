"""Data figures: labels, threshold lines, bar counts and legends a reader would notice."""

from __future__ import annotations

import datetime as dt
import io
import sys
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis import figures
from analysis.episodes import find_episodes
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
    }


@pytest.fixture(autouse=True)
def _strict_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _check(fig: Figure) -> None:
    """The figure renders, and no label speaks of another body site."""
    assert isinstance(fig, Figure)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    assert buf.getvalue().startswith(b"\x89PNG")
    labels = " ".join(t.get_text() for t in fig.findobj(Text)).lower()
    for word in ("wrist", "hip", "steps"):
        assert word not in labels


def _bars(ax: Axes) -> int:
    return sum(len(c) for c in ax.containers if isinstance(c, BarContainer))


def _horizontal_lines(ax: Axes) -> list[float]:
    """y of every horizontal line across the axes (``axhline``)."""
    out = []
    for line in ax.get_lines():
        y = np.asarray(line.get_ydata(), dtype=float)
        if y.size == 2 and y[0] == y[1] and np.asarray(line.get_xdata()).tolist() == [0, 1]:
            out.append(float(y[0]))
    return out


def _legend_texts(fig: Figure) -> list[str]:
    legends = [ax.get_legend() for ax in fig.axes]
    return [t.get_text() for legend in legends if legend is not None for t in legend.get_texts()]


def test_daily_context_figure(tables: dict[str, pd.DataFrame]) -> None:
    fig = figures.daily_context_figure(tables["daily"])
    _check(fig)
    ax, pain_ax = fig.axes[0], fig.axes[1]
    n_days = len(tables["daily"])
    assert _bars(ax) == 5 * n_days  # upright, slouched, walking, lying, not worn per day
    assert ax.get_ylabel() == "Hours per day"
    assert pain_ax.get_ylabel() == "Pain rating (0–10)"
    assert len(ax.get_xticklabels()) == n_days
    legend = _legend_texts(fig)
    assert set(figures.CONTEXT_LABELS.values()) <= set(legend)
    assert "Mean pain (0–10)" in legend


def test_hourly_heatmap_figure(tables: dict[str, pd.DataFrame]) -> None:
    fig = figures.hourly_heatmap_figure(tables["hourly"])
    _check(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("Local time of day")
    assert len(ax.get_yticklabels()) == len(tables["hourly"])  # one row per day
    values = ax.collections[0].get_array()
    assert values is not None and values.shape == (len(tables["hourly"]), 24)
    assert fig.axes[1].get_ylabel() == "Slouched (% of upright time)"  # the colour bar


def test_flexion_distribution_figure_draws_the_configured_threshold(
        tables: dict[str, pd.DataFrame]) -> None:
    fig = figures.flexion_distribution_figure(tables["epochs"], 25.0, TZ)
    _check(fig)
    ax = fig.axes[0]
    assert 25.0 in _horizontal_lines(ax)
    assert ax.get_ylabel() == "Trunk flexion beyond your upright (°)"
    assert len(ax.get_xticklabels()) == 4  # the four local days of the epochs
    assert _legend_texts(fig) == ["20–60° band", "over 60° band", "Slouch threshold 25°"]


def test_band_edges_drive_the_flexion_legend(tables: dict[str, pd.DataFrame]) -> None:
    fig = figures.flexion_distribution_figure(tables["epochs"], 20.0, TZ,
                                              band_edges_deg=(0.0, 15.0, 45.0))
    assert _legend_texts(fig) == ["15–45° band", "over 45° band", "Slouch threshold 20°"]


def test_pain_association_figure(tables: dict[str, pd.DataFrame]) -> None:
    note = "Too few data: 3 days with ratings, at least 7 are needed."
    fig = figures.pain_association_figure(tables["daily"], note)
    _check(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Slouched time that day (hours)"
    assert ax.get_ylabel() == "Mean pain that day (0–10)"
    days_with_pain = int(tables["daily"]["pain_mean"].notna().sum())
    assert len(np.asarray(ax.collections[0].get_offsets())) == days_with_pain == 2
    assert note in " ".join(t.get_text().replace("\n", " ") for t in ax.texts)


@pytest.mark.parametrize("day", [FIRST, dt.date(2026, 11, 1)], ids=["day", "dst_day"])
def test_day_timeline_figure(day: dt.date, tables: dict[str, pd.DataFrame]) -> None:
    fig = figures.day_timeline_figure(tables["epochs"], tables["episodes"], tables["pain"],
                                      tables["remedies"], day=day, tz=TZ, threshold_deg=22.0)
    _check(fig)
    ax, strip = fig.axes[0], fig.axes[1]
    assert 22.0 in _horizontal_lines(ax)
    assert ax.get_ylabel() == "Trunk flexion (°)"
    assert strip.get_xlabel() == f"Local time ({TZ})"
    assert "Threshold 22°" in _legend_texts(fig)
    assert day.strftime("%A %d %B %Y") in ax.get_title(loc="left")


def test_wear_quality_figure(tables: dict[str, pd.DataFrame]) -> None:
    fig = figures.wear_quality_figure(tables["daily"])
    _check(fig)
    ax = fig.axes[0]
    assert _bars(ax) == 2 * len(tables["daily"])  # recorded and worn per day
    assert ax.get_ylabel() == "Hours"
    assert 10.0 in _horizontal_lines(ax)  # the 10-hour valid-day rule


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


def test_subfigure_target_returns_root(tables: dict[str, pd.DataFrame]) -> None:
    page = figures.new_figure((8.27, 11.69))
    top, bottom = np.asarray(page.subfigures(2, 1)).ravel()
    assert figures.hourly_heatmap_figure(tables["hourly"], fig=top) is page
    assert figures.wear_quality_figure(tables["daily"], fig=bottom) is page
    _check(page)
