"""Day-by-day figures: how each day was spent, the hour × day heat map, wear, and pain."""

from __future__ import annotations

import textwrap

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure, FigureBase

from analysis.figures.style import (
    CONTEXT_COLORS,
    CONTEXT_LABELS,
    OKABE_ITO,
    PAIN_COLOR,
    column_values,
    day_index,
    day_label,
    message,
    root_figure,
    styled,
    target_figure,
)

__all__ = [
    "daily_context_figure",
    "hourly_heatmap_figure",
    "pain_association_figure",
    "wear_quality_figure",
]


@styled
def daily_context_figure(daily: pd.DataFrame, *, fig: FigureBase | None = None) -> Figure:
    """Stacked daily hours per context (upright, slouched, walking, lying, not worn) with pain.

    Parameters
    ----------
    daily
        One row per local day with ``date``, ``upright_minutes``, ``slouch_minutes``,
        ``walking_minutes``, ``lying_minutes``, ``nonwear_minutes`` and ``pain_mean`` (0–10,
        NaN where no rating). ``slouch_minutes`` is part of the upright time; it is drawn as
        its own segment and subtracted from the upright bar.
    """
    target = target_figure(fig, (8.0, 4.2))
    ax = target.subplots()
    days = day_index(daily)
    if not days:
        message(ax, "No recorded days in this week.")
        return root_figure(target)
    x = np.arange(len(days))
    slouch = column_values(daily, "slouch_minutes")
    segments = {
        "upright": np.clip(column_values(daily, "upright_minutes") - slouch, 0.0, None),
        "slouch": slouch,
        "walking": column_values(daily, "walking_minutes"),
        "lying": column_values(daily, "lying_minutes"),
        "nonwear": column_values(daily, "nonwear_minutes"),
    }
    bottom = np.zeros(len(days))
    for key, minutes in segments.items():
        hours = minutes / 60.0
        ax.bar(x, hours, bottom=bottom, width=0.7, color=CONTEXT_COLORS[key],
               label=CONTEXT_LABELS[key], edgecolor="white", linewidth=0.5,
               hatch="//" if key == "nonwear" else None)
        bottom += hours
    for xi, mins in zip(x, slouch, strict=True):
        if mins >= 40:
            ax.annotate(f"{mins / 60:.1f} h" if mins >= 60 else f"{mins:.0f} min",
                        (xi, (segments["upright"][xi] + mins / 2) / 60.0),
                        ha="center", va="center", fontsize=7, color="white", fontweight="bold")
    ax.set_xticks(x, [day_label(d) for d in days])
    ax.set_ylabel("Hours per day")
    ax.set_ylim(0, max(24.0, float(bottom.max()) * 1.02))
    ax.set_yticks(np.arange(0, 25, 4))
    ax.yaxis.grid(True)
    ax.set_axisbelow(True)
    ax.set_title("How each day was spent (trunk posture and activity)")

    pain = pd.to_numeric(daily.get("pain_mean", pd.Series(np.nan, index=daily.index)),
                         errors="coerce").to_numpy(dtype=float)
    handles, labels = ax.get_legend_handles_labels()
    ax2 = ax.twinx()
    ax2.spines["right"].set_visible(True)
    if np.isfinite(pain).any():
        line = ax2.plot(x, pain, color=PAIN_COLOR, marker="o", markersize=5, linewidth=1.6,
                        label="Mean pain (0–10)")
        handles += line
        labels.append("Mean pain (0–10)")
    else:
        ax2.text(0.99, 0.98, "No pain ratings this week", transform=ax2.transAxes, ha="right",
                 va="top", fontsize=8, color="#555555")
    ax2.set_ylim(0, 10.5)
    ax2.set_yticks(range(0, 11, 2))
    ax2.set_ylabel("Pain rating (0–10)")
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
    return root_figure(target)


@styled
def hourly_heatmap_figure(hourly: pd.DataFrame, *, fig: FigureBase | None = None) -> Figure:
    """Hour-of-day × day heat map of the share of worn time spent slouched.

    Parameters
    ----------
    hourly
        Index: local dates; columns: hours 0..23; values: slouch share of worn upright time in
        that hour in percent (0–100), as :func:`analysis.metrics.hourly_slouch_share` returns;
        NaN where the sensor was not worn.
    """
    target = target_figure(fig, (8.0, 3.6))
    ax = target.subplots()
    if hourly.empty:
        message(ax, "No worn hours in this week.")
        return root_figure(target)
    hours = list(range(24))
    values = hourly.reindex(columns=hours).to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    cmap = mpl.colormaps["cividis"].with_extremes(bad="#F2F2F2")
    masked = np.ma.masked_invalid(values)
    vmax = float(np.ceil(max(10.0, float(np.nanmax(values))) / 10.0) * 10.0) if finite.size \
        else 10.0
    mesh = ax.pcolormesh(np.arange(25), np.arange(len(hourly) + 1), masked, cmap=cmap, vmin=0,
                         vmax=vmax, edgecolors="white", linewidth=0.6)
    days = [pd.Timestamp(d).date() for d in hourly.index]
    ax.set_yticks(np.arange(len(days)) + 0.5, [f"{d:%a %d %b}" for d in days])
    ax.invert_yaxis()
    ax.set_xticks(np.arange(0, 25, 3), [f"{h:02d}:00" for h in range(0, 25, 3)])
    ax.set_xlabel("Local time of day (light grey: sensor not worn)")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title("When slouching happened (share of worn upright time per hour)")
    cbar = root_figure(target).colorbar(mesh, ax=ax, fraction=0.04, pad=0.02)
    cbar.set_label("Slouched (% of upright time)")
    cbar.outline.set_visible(False)
    return root_figure(target)




@styled
def pain_association_figure(
    daily: pd.DataFrame, note: str, *, fig: FigureBase | None = None
) -> Figure:
    """Daily slouched time against daily mean pain, with the association stated in words.

    Parameters
    ----------
    daily
        One row per local day with ``date``, ``slouch_minutes`` and ``pain_mean`` (NaN where
        no rating), optionally ``pain_ratings``.
    note
        Text shown under the plot: the correlation with its bootstrap interval, or the plain
        reason why there are too few data.
    """
    target = target_figure(fig, (6.5, 4.6))
    ax = target.subplots()
    days = day_index(daily)
    slouch_h = column_values(daily, "slouch_minutes") / 60.0
    pain = pd.to_numeric(daily.get("pain_mean", pd.Series(np.nan, index=daily.index)),
                         errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(pain)
    if ok.any():
        ax.scatter(slouch_h[ok], pain[ok], s=46, color=OKABE_ITO["vermillion"],
                   edgecolor="white", linewidth=0.8, zorder=3)
        for xi, yi, d in zip(slouch_h[ok], pain[ok], np.asarray(days, dtype=object)[ok],
                             strict=True):
            ax.annotate(f"{d:%a}", (xi, yi), xytext=(5, 4), textcoords="offset points",
                        fontsize=7.5, color="#333333")
        ax.set_xlim(0, max(1.0, float(slouch_h.max()) * 1.15))
    else:
        ax.text(0.5, 0.55, "No days with pain ratings", ha="center", transform=ax.transAxes,
                color="#555555")
        ax.set_xlim(0, max(1.0, float(slouch_h.max() if slouch_h.size else 1.0) * 1.15))
    ax.set_ylim(0, 10.3)
    ax.set_xlabel("Slouched time that day (hours)")
    ax.set_ylabel("Mean pain that day (0–10)")
    ax.grid(True)
    ax.set_axisbelow(True)
    ax.set_title("Slouching and pain, day by day")
    wrapped = "\n".join(textwrap.wrap(note, 95))
    ax.text(0.0, -0.2, wrapped, transform=ax.transAxes, va="top", ha="left", fontsize=8,
            color="#222222")
    return root_figure(target)



@styled
def wear_quality_figure(daily: pd.DataFrame, *, fig: FigureBase | None = None) -> Figure:
    """Per-day worn hours and recording coverage (data-quality overview).

    Parameters
    ----------
    daily
        One row per local day with ``date``, ``wear_minutes`` and ``coverage_pct`` (share of
        the 24-hour day with recorded data).
    """
    target = target_figure(fig, (8.0, 2.8))
    ax = target.subplots()
    days = day_index(daily)
    if not days:
        message(ax, "No recorded days.")
        return root_figure(target)
    x = np.arange(len(days))
    wear_h = column_values(daily, "wear_minutes") / 60.0
    rec_h = column_values(daily, "recorded_minutes") / 60.0
    ax.bar(x - 0.18, rec_h, width=0.34, color="#BBBBBB", label="Recorded")
    ax.bar(x + 0.18, wear_h, width=0.34, color=OKABE_ITO["bluish_green"], label="Worn")
    for xi, w in zip(x, wear_h, strict=True):
        ax.text(xi + 0.18, w + 0.3, f"{w:.1f}", ha="center", va="bottom", fontsize=7)
    ax.axhline(10, color="#777777", linestyle=":", linewidth=0.9,
               label="10 h (common valid-day rule)")
    ax.set_xticks(x, [day_label(d) for d in days])
    ax.set_ylim(0, 26)
    ax.set_yticks(range(0, 25, 6))
    ax.set_ylabel("Hours")
    ax.yaxis.grid(True)
    ax.set_axisbelow(True)
    ax.set_title("Recorded and worn time per day")
    ax.legend(loc="lower right", ncol=3, bbox_to_anchor=(1.0, 1.0))
    return root_figure(target)


