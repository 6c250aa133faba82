"""Matplotlib figures for the weekly posture report (upper-back / thoracic sensor).

Every function takes plain DataFrames (the outputs of :mod:`analysis.metrics`,
:mod:`analysis.episodes` and the per-second epochs) and returns a
:class:`matplotlib.figure.Figure`. Figures are built with the object-oriented API only
(``matplotlib.figure.Figure``, Agg canvas): nothing touches ``pyplot`` or its global figure
registry, so the functions are safe in servers, tests and notebooks alike.

Each function accepts an optional ``fig`` argument: a :class:`~matplotlib.figure.Figure` or a
:class:`~matplotlib.figure.SubFigure` to draw into (the PDF report composes A4 pages from
sub-figures). Without it a new figure of a sensible default size is created. The return value
is always the root figure.

Colours follow the Okabe–Ito palette, which stays distinguishable with the common forms of
colour-vision deficiency; the heat map uses ``cividis``.

Angles are in degrees relative to the wearer's own calibrated upright (trunk / thoracic
flexion: positive = bent forward). Durations on axes are hours or minutes as labelled.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any, Literal, ParamSpec, TypeVar

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure, FigureBase, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

__all__ = [
    "BAND_EDGES_DEG",
    "CONTEXT_COLORS",
    "CONTEXT_LABELS",
    "OKABE_ITO",
    "RC_PARAMS",
    "daily_context_figure",
    "day_timeline_figure",
    "flexion_distribution_figure",
    "hourly_heatmap_figure",
    "new_figure",
    "pain_association_figure",
    "sensitivity_pivot",
    "sensitivity_table_figure",
    "table_figure",
    "wear_quality_figure",
]

#: The Okabe–Ito colour-blind-safe palette.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Colour of each activity context / slouch category, used by every figure.
CONTEXT_COLORS: dict[str, str] = {
    "upright": OKABE_ITO["bluish_green"],
    "slouch": OKABE_ITO["vermillion"],
    "walking": OKABE_ITO["sky_blue"],
    "lying": OKABE_ITO["blue"],
    "nonwear": "#D0D0D0",
}

#: Human labels of the categories (upper-back sensor wording).
CONTEXT_LABELS: dict[str, str] = {
    "upright": "Upright, not slouched",
    "slouch": "Slouched (trunk flexed)",
    "walking": "Walking",
    "lying": "Lying",
    "nonwear": "Sensor not worn",
}

#: Trunk-flexion bands (RULA/REBA, ISO 11226) in degrees beyond the wearer's upright.
BAND_EDGES_DEG: tuple[float, float] = (20.0, 60.0)

PAIN_COLOR = OKABE_ITO["black"]
REMEDY_COLOR = OKABE_ITO["reddish_purple"]
THRESHOLD_COLOR = OKABE_ITO["vermillion"]

#: Matplotlib rc settings applied while a figure is built (restored afterwards).
RC_PARAMS: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.linewidth": 0.8,
    "axes.grid": False,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}

_P = ParamSpec("_P")
_R = TypeVar("_R")

_CONTEXT_CODES = ("nonwear", "lying", "upright", "slouch", "walking")


def _styled(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Build the figure inside an rc context so the style never leaks into global state."""

    @wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with mpl.rc_context(RC_PARAMS):  # type: ignore[arg-type]
            return func(*args, **kwargs)

    return wrapper


def new_figure(
    figsize: tuple[float, float], *, layout: Literal["constrained"] | None = "constrained"
) -> Figure:
    """A new Agg-backed figure that is not registered with pyplot.

    Parameters
    ----------
    figsize
        Width and height in inches.
    layout
        Matplotlib layout engine name (``"constrained"`` by default) or None.

    Returns
    -------
    Figure
        The figure, with an Agg canvas attached (so ``savefig`` works without pyplot).
    """
    with mpl.rc_context(RC_PARAMS):  # type: ignore[arg-type]
        fig = Figure(figsize=figsize, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def _target(fig: FigureBase | None, figsize: tuple[float, float]) -> FigureBase:
    return new_figure(figsize) if fig is None else fig


def _root(fig: FigureBase) -> Figure:
    root = fig.get_figure(root=True) if isinstance(fig, SubFigure) else fig
    if not isinstance(root, Figure):  # pragma: no cover - defensive
        raise TypeError("figure target has no root Figure")
    return root


def _day_index(daily: pd.DataFrame) -> list[dt.date]:
    """Local dates of a daily table (``date`` column or index)."""
    values = daily["date"] if "date" in daily.columns else daily.index
    return [pd.Timestamp(v).date() for v in values]


def _day_label(day: dt.date) -> str:
    return f"{day:%a}\n{day.day} {day:%b}"


def _column(daily: pd.DataFrame, name: str) -> np.ndarray:
    if name not in daily.columns:
        return np.zeros(len(daily))
    return pd.to_numeric(daily[name], errors="coerce").fillna(0.0).to_numpy(dtype=float)


def _message(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555555",
            fontsize=9, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


@_styled
def daily_context_figure(daily: pd.DataFrame, *, fig: FigureBase | None = None) -> Figure:
    """Stacked daily hours per context (upright, slouched, walking, lying, not worn) with pain.

    Parameters
    ----------
    daily
        One row per local day with ``date``, ``upright_minutes``, ``slouch_minutes``,
        ``walking_minutes``, ``lying_minutes``, ``nonwear_minutes`` and ``pain_mean`` (0–10,
        NaN where no rating). ``slouch_minutes`` is part of the upright time; it is drawn as
        its own segment and subtracted from the upright bar.
    fig
        Optional figure or sub-figure to draw into.

    Returns
    -------
    Figure
        The (root) figure.
    """
    target = _target(fig, (8.0, 4.2))
    ax = target.subplots()
    days = _day_index(daily)
    if not days:
        _message(ax, "No recorded days in this week.")
        return _root(target)
    x = np.arange(len(days))
    slouch = _column(daily, "slouch_minutes")
    segments = {
        "upright": np.clip(_column(daily, "upright_minutes") - slouch, 0.0, None),
        "slouch": slouch,
        "walking": _column(daily, "walking_minutes"),
        "lying": _column(daily, "lying_minutes"),
        "nonwear": _column(daily, "nonwear_minutes"),
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
    ax.set_xticks(x, [_day_label(d) for d in days])
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
    return _root(target)


@_styled
def hourly_heatmap_figure(hourly: pd.DataFrame, *, fig: FigureBase | None = None) -> Figure:
    """Hour-of-day × day heat map of the share of worn time spent slouched.

    Parameters
    ----------
    hourly
        Index: local dates; columns: hours 0..23; values: slouch share of worn upright time in
        that hour in percent (0–100), as :func:`analysis.metrics.hourly_slouch_share` returns;
        NaN where the sensor was not worn.
    fig
        Optional figure or sub-figure to draw into.

    Returns
    -------
    Figure
        The (root) figure.
    """
    target = _target(fig, (8.0, 3.6))
    ax = target.subplots()
    if hourly.empty:
        _message(ax, "No worn hours in this week.")
        return _root(target)
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
    cbar = _root(target).colorbar(mesh, ax=ax, fraction=0.04, pad=0.02)
    cbar.set_label("Slouched (% of upright time)")
    cbar.outline.set_visible(False)
    return _root(target)


def _kde_violin(ax: Axes, data: Sequence[np.ndarray], positions: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    shown: list[np.ndarray] = []
    for values in data:
        if values.size > 4000:
            values = rng.choice(values, 4000, replace=False)
        shown.append(values)
    usable = [i for i, v in enumerate(shown) if v.size >= 2 and np.ptp(v) > 0]
    if usable:
        parts = ax.violinplot([shown[i] for i in usable], positions=positions[usable],
                              widths=0.8, showextrema=False, bw_method=0.15)
        for body in parts["bodies"]:  # type: ignore[attr-defined]
            body.set_facecolor(OKABE_ITO["sky_blue"])
            body.set_edgecolor("none")
            body.set_alpha(0.55)


@_styled
def flexion_distribution_figure(
    epochs: pd.DataFrame,
    threshold_deg: float,
    tz: str,
    *,
    days: Sequence[dt.date] | None = None,
    fig: FigureBase | None = None,
) -> Figure:
    """Per-day distribution of trunk flexion while worn and upright (violin + box).

    Parameters
    ----------
    epochs
        Per-second epochs (UTC ``time`` index) with ``flexion_deg``, ``worn`` and ``context``.
        Only worn, non-lying seconds are shown (upright and walking).
    threshold_deg
        Slouch threshold in degrees beyond the wearer's upright, drawn as a line.
    tz
        Wearer's IANA time zone, used to split seconds into local days.
    days
        Local days to show (default: the days present in ``epochs``).
    fig
        Optional figure or sub-figure to draw into.

    Returns
    -------
    Figure
        The (root) figure.
    """
    target = _target(fig, (8.0, 3.8))
    ax = target.subplots()
    mask = epochs["worn"].to_numpy(dtype=bool) & epochs["context"].isin(["upright", "walking"]
                                                                           ).to_numpy()
    flex = epochs["flexion_deg"].to_numpy(dtype=float)
    mask &= np.isfinite(flex)
    local = pd.DatetimeIndex(epochs.index).tz_convert(tz)
    local_day = local.tz_localize(None).to_numpy().astype("datetime64[D]")
    if days is None:
        days = [pd.Timestamp(d).date() for d in np.unique(local_day[mask])]
    if not days:
        _message(ax, "No worn upright time to show.")
        return _root(target)
    order = np.argsort(local_day[mask], kind="stable")
    day_sorted = local_day[mask][order]
    flex_sorted = flex[mask][order]
    data = []
    for d in days:
        key = np.datetime64(d, "D")
        lo, hi = np.searchsorted(day_sorted, [key, key + np.timedelta64(1, "D")])
        data.append(flex_sorted[lo:hi])
    positions = np.arange(len(days), dtype=float)
    lo_band, hi_band = BAND_EDGES_DEG
    finite = np.concatenate([v for v in data if v.size] or [np.zeros(1)])
    top = float(np.clip(np.percentile(finite, 99.5) + 10, max(threshold_deg + 15, 40), 100))
    bottom = float(np.clip(np.percentile(finite, 0.5) - 5, -40, -5))
    ax.axhspan(lo_band, hi_band, color=OKABE_ITO["orange"], alpha=0.08, lw=0)
    ax.axhspan(hi_band, max(top, hi_band + 1), color=OKABE_ITO["vermillion"], alpha=0.08, lw=0)
    _kde_violin(ax, data, positions)
    nonempty = [i for i, v in enumerate(data) if v.size]
    if nonempty:
        ax.boxplot([data[i] for i in nonempty], positions=positions[nonempty], widths=0.18,
                   showfliers=False, whis=(5, 95), patch_artist=True,
                   medianprops={"color": OKABE_ITO["black"], "linewidth": 1.4},
                   boxprops={"facecolor": "white", "edgecolor": "#333333", "linewidth": 0.8},
                   whiskerprops={"color": "#333333", "linewidth": 0.8},
                   capprops={"color": "#333333", "linewidth": 0.8})
    for i, values in enumerate(data):
        if not values.size:
            ax.text(positions[i], 0, "not\nworn", ha="center", va="center", fontsize=7,
                    color="#777777")
    ax.axhline(threshold_deg, color=THRESHOLD_COLOR, linestyle="--", linewidth=1.2)
    ax.axhline(0, color="#999999", linewidth=0.6)
    ax.text(len(days) - 0.5, threshold_deg, f" slouch threshold {threshold_deg:g}°",
            color=THRESHOLD_COLOR, va="bottom", ha="right", fontsize=7.5)
    ax.text(-0.45, (lo_band + min(hi_band, top)) / 2, "20–60° band", fontsize=7, color="#8a6100",
            va="center")
    if top > hi_band:
        ax.text(-0.45, min((hi_band + top) / 2, top - 3), "> 60°", fontsize=7,
                color=OKABE_ITO["vermillion"], va="center")
    ax.set_xticks(positions, [_day_label(d) for d in days])
    ax.set_xlim(-0.6, len(days) - 0.4)
    ax.set_ylim(bottom, top)
    ax.set_ylabel("Trunk flexion beyond your upright (°)")
    ax.yaxis.grid(True)
    ax.set_axisbelow(True)
    ax.set_title("Thoracic flexion while upright or walking (box: middle half, whiskers: 5–95%)")
    return _root(target)


@_styled
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
    fig
        Optional figure or sub-figure to draw into.

    Returns
    -------
    Figure
        The (root) figure.
    """
    target = _target(fig, (6.5, 4.6))
    ax = target.subplots()
    days = _day_index(daily)
    slouch_h = _column(daily, "slouch_minutes") / 60.0
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
    return _root(target)


@_styled
def day_timeline_figure(
    epochs: pd.DataFrame,
    episodes: pd.DataFrame,
    pain: pd.DataFrame,
    remedies: pd.DataFrame,
    *,
    day: dt.date,
    tz: str,
    threshold_deg: float,
    fig: FigureBase | None = None,
) -> Figure:
    """One local day: flexion trace, slouch episodes shaded, context strip, pain and remedies.

    Parameters
    ----------
    epochs
        Per-second epochs (UTC index) with ``flexion_deg``, ``worn`` and ``context``; rows
        outside ``day`` are ignored.
    episodes
        Slouch episodes with ``start`` and ``end`` (tz-aware).
    pain
        Pain log with ``time`` (tz-aware or UTC ns) and ``score``.
    remedies
        Remedy log with ``time`` and ``kind``.
    day
        The local date to show.
    tz
        Wearer's IANA time zone.
    threshold_deg
        Slouch threshold in degrees, drawn as a line.
    fig
        Optional figure or sub-figure to draw into.

    Returns
    -------
    Figure
        The (root) figure.
    """
    target = _target(fig, (8.0, 4.4))
    ax, strip = target.subplots(2, 1, sharex=True, height_ratios=[5, 0.7])
    start = pd.Timestamp(day).tz_localize(tz)
    end = (pd.Timestamp(day) + pd.Timedelta(days=1)).tz_localize(tz)
    local = epochs.loc[(epochs.index >= start.tz_convert("UTC"))
                       & (epochs.index < end.tz_convert("UTC"))]
    local = local.tz_convert(tz) if isinstance(local.index, pd.DatetimeIndex) else local

    def hours_of(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
        idx = pd.DatetimeIndex(pd.to_datetime(times, utc=True)).tz_convert(tz)
        return np.asarray((idx - start).total_seconds() / 3600.0, dtype=float)

    worn_flex = local["flexion_deg"].where(local["worn"].astype(bool)
                                           & (local["context"] != "lying"))
    if len(local):
        smooth = worn_flex.resample("30s").mean()
        hx = hours_of(smooth.index)
        ax.plot(hx, smooth.to_numpy(dtype=float), color=OKABE_ITO["blue"], linewidth=0.8)
    else:
        _message(ax, "No data on this day.")
    if not episodes.empty:
        ep_start = hours_of(episodes["start"])
        ep_end = hours_of(episodes["end"])
        inside = (ep_end > 0) & (ep_start < 25)
        for s, e in zip(ep_start[inside], ep_end[inside], strict=True):
            ax.axvspan(max(s, 0), min(e, 25), color=CONTEXT_COLORS["slouch"], alpha=0.18, lw=0)
    ax.axhline(threshold_deg, color=THRESHOLD_COLOR, linestyle="--", linewidth=1.0)
    ax.axhline(0, color="#999999", linewidth=0.6)
    finite = worn_flex.to_numpy(dtype=float)
    finite = finite[np.isfinite(finite)]
    top = float(np.clip(np.percentile(finite, 99.8) + 10, threshold_deg + 20, 100)) \
        if finite.size else threshold_deg + 20
    bottom = float(np.clip(np.percentile(finite, 0.2) - 5, -40, -5)) if finite.size else -10
    ax.set_ylim(bottom, top)
    ax.set_ylabel("Trunk flexion (°)")
    ax.yaxis.grid(True)
    ax.set_axisbelow(True)
    ax.set_title(f"{day:%A %d %B %Y}: trunk flexion, slouch episodes, pain and remedies")

    ax2 = ax.twinx()
    ax2.spines["right"].set_visible(True)
    ax2.set_ylim(0, 10.5)
    ax2.set_ylabel("Pain (0–10)")
    handles: list[Any] = [
        Line2D([], [], color=OKABE_ITO["blue"], linewidth=1.2),
        Patch(color=CONTEXT_COLORS["slouch"], alpha=0.3),
        Line2D([], [], color=THRESHOLD_COLOR, linestyle="--", linewidth=1.0),
    ]
    labels = ["Trunk flexion (30 s mean)", "Slouch episode", f"Threshold {threshold_deg:g}°"]
    if not pain.empty:
        px = hours_of(pain["time"])
        keep = (px >= 0) & (px < 24)
        if keep.any():
            pts = ax2.scatter(px[keep], pain["score"].to_numpy(dtype=float)[keep], marker="D",
                              s=40, color=PAIN_COLOR, zorder=5)
            handles.append(pts)
            labels.append("Pain rating")
    if not remedies.empty:
        rx = hours_of(remedies["time"])
        kinds = remedies["kind"].astype(str).to_numpy()
        shown = False
        last_x, level = -10.0, 0
        for xi, kind in sorted(zip(rx, kinds, strict=True)):
            if 0 <= xi < 24:
                ax2.axvline(xi, color=REMEDY_COLOR, linestyle=":", linewidth=1.2)
                level = level + 1 if xi - last_x < 0.6 else 0  # stagger labels close in time
                last_x = xi
                ax2.text(xi, 10.4 - 2.0 * (level % 3), f" {kind}", rotation=90, va="top",
                         ha="left", fontsize=7, color=REMEDY_COLOR,
                         bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7,
                               "pad": 0.5})
                shown = True
        if shown:
            handles.append(Patch(color=REMEDY_COLOR, label="Remedy"))
            labels.append("Remedy")

    full = _minute_context_codes(local, start, hours_of)
    cmap = ListedColormap([CONTEXT_COLORS[c] for c in _CONTEXT_CODES]).with_extremes(bad="white")
    strip.imshow(np.ma.masked_invalid(full[None, :]), cmap=cmap, vmin=-0.5,
                 vmax=len(_CONTEXT_CODES) - 0.5, aspect="auto", interpolation="nearest",
                 extent=(0.0, 24.0, 0.0, 1.0))
    strip.set_yticks([0.5], ["Context"])
    strip.tick_params(axis="y", length=0)
    for spine in ("left", "top", "right"):
        strip.spines[spine].set_visible(False)
    strip.set_xlim(0, 24)
    strip.set_xticks(range(0, 25, 2), [f"{h:02d}:00" for h in range(0, 25, 2)])
    strip.set_xlabel(f"Local time ({tz})")
    strip_keys = ("upright", "slouch", "walking", "lying", "nonwear")
    handles += [Patch(color=CONTEXT_COLORS[c]) for c in strip_keys]
    labels += ["Upright", "Slouched", "Walking", "Lying", "Not worn"]
    strip.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -1.6), ncol=6,
                 fontsize=7.5)
    return _root(target)


def _minute_context_codes(
    local: pd.DataFrame,
    start: pd.Timestamp,
    hours_of: Callable[[pd.DatetimeIndex], np.ndarray],
) -> np.ndarray:
    """Most frequent context code (slouch as its own code) per minute of the local day."""
    full = np.full(24 * 60, np.nan)
    if not len(local):
        return full
    ctx = local["context"].astype(str).to_numpy()
    codes = np.full(ctx.size, -1, dtype=np.int64)
    for i, name in enumerate(_CONTEXT_CODES):
        codes[ctx == name] = i
    if "slouch" in local.columns:
        codes[local["slouch"].to_numpy(dtype=bool)] = _CONTEXT_CODES.index("slouch")
    minute = np.floor(hours_of(pd.DatetimeIndex(local.index)) * 60.0).astype(np.int64)
    ok = (codes >= 0) & (minute >= 0) & (minute < full.size)
    n_codes = len(_CONTEXT_CODES)
    counts = np.bincount(minute[ok] * n_codes + codes[ok], minlength=full.size * n_codes)
    counts = counts[: full.size * n_codes].reshape(full.size, n_codes)
    has = counts.sum(axis=1) > 0
    full[has] = counts[has].argmax(axis=1)
    return full


@_styled
def wear_quality_figure(daily: pd.DataFrame, *, fig: FigureBase | None = None) -> Figure:
    """Per-day worn hours and recording coverage (data-quality overview).

    Parameters
    ----------
    daily
        One row per local day with ``date``, ``wear_minutes`` and ``coverage_pct`` (share of
        the 24-hour day with recorded data).
    fig
        Optional figure or sub-figure to draw into.

    Returns
    -------
    Figure
        The (root) figure.
    """
    target = _target(fig, (8.0, 2.8))
    ax = target.subplots()
    days = _day_index(daily)
    if not days:
        _message(ax, "No recorded days.")
        return _root(target)
    x = np.arange(len(days))
    wear_h = _column(daily, "wear_minutes") / 60.0
    rec_h = _column(daily, "recorded_minutes") / 60.0
    ax.bar(x - 0.18, rec_h, width=0.34, color="#BBBBBB", label="Recorded")
    ax.bar(x + 0.18, wear_h, width=0.34, color=OKABE_ITO["bluish_green"], label="Worn")
    for xi, w in zip(x, wear_h, strict=True):
        ax.text(xi + 0.18, w + 0.3, f"{w:.1f}", ha="center", va="bottom", fontsize=7)
    ax.axhline(10, color="#777777", linestyle=":", linewidth=0.9,
               label="10 h (common valid-day rule)")
    ax.set_xticks(x, [_day_label(d) for d in days])
    ax.set_ylim(0, 26)
    ax.set_yticks(range(0, 25, 6))
    ax.set_ylabel("Hours")
    ax.yaxis.grid(True)
    ax.set_axisbelow(True)
    ax.set_title("Recorded and worn time per day")
    ax.legend(loc="lower right", ncol=3, bbox_to_anchor=(1.0, 1.0))
    return _root(target)


def _fmt_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, float | np.floating):
        number = float(value)
        return f"{number:,.1f}" if abs(number) < 1000 else f"{number:,.0f}"
    return str(value)


@_styled
def table_figure(
    table: pd.DataFrame,
    *,
    title: str | None = None,
    col_widths: Sequence[float] | None = None,
    wrap: Mapping[str, int] | None = None,
    fontsize: float = 8.0,
    highlight_rows: Sequence[int] = (),
    fig: FigureBase | None = None,
) -> Figure:
    """Render a DataFrame as a clean table (for the PDF's quality and appendix pages).

    Parameters
    ----------
    table
        The rows to show; values are formatted with ``str`` (floats with one decimal).
        Column names become the header.
    title
        Optional title above the table.
    col_widths
        Relative column widths (default: equal).
    wrap
        Per-column wrap width in characters for long text (e.g. a glossary).
    fontsize
        Font size in points.
    highlight_rows
        Row positions to shade (e.g. the chosen setting).
    fig
        Optional figure or sub-figure to draw into.

    Returns
    -------
    Figure
        The (root) figure.
    """
    n_rows = len(table)
    target = fig if fig is not None else new_figure((8.0, 0.6 + 0.3 * (n_rows + 1)),
                                                    layout=None)
    root = _root(target)
    box = target.bbox if isinstance(target, SubFigure) else root.bbox
    width_in = box.width / root.dpi
    title_in = 0.32 if title else 0.0
    height_in = max(box.height / root.dpi - title_in - 0.05, 0.1)
    # A plain axes outside the layout engine: tables are costly to measure for
    # constrained layout, and the table is sized explicitly below anyway.
    ax = target.add_axes((0.0, 0.0, 1.0, height_in / (box.height / root.dpi)))
    ax.axis("off")
    if title:
        target.text(0.0, 1.0 - 0.04 / (box.height / root.dpi), title, va="top", ha="left",
                    fontsize=mpl.rcParams["axes.titlesize"], fontweight="bold")
    if n_rows == 0:
        _message(ax, "Nothing to show.")
        return root
    widths = list(col_widths) if col_widths is not None else [1.0] * len(table.columns)
    total = float(sum(widths))
    widths = [w / total for w in widths]
    char_in = fontsize * 0.62 / 72.0
    limits = [max(4, int(w * width_in * 0.97 / char_in) - 1) for w in widths]
    wrap = {str(k): v for k, v in (wrap or {}).items()}

    def wrapped(text: str, col: int) -> str:
        width = min(limits[col], wrap.get(str(table.columns[col]), limits[col]))
        return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or "–"

    header = [wrapped(str(c), i) for i, c in enumerate(table.columns)]
    cells: list[list[str]] = []
    line_counts: list[int] = []
    for row in table.itertuples(index=False):
        texts = [wrapped(_fmt_cell(v), i) for i, v in enumerate(row)]
        cells.append(texts)
        line_counts.append(max(t.count("\n") + 1 for t in texts))
    header_lines = max(h.count("\n") + 1 for h in header)
    line_in = fontsize * 1.45 / 72.0
    pad_in = 0.09
    needed_in = sum(n * line_in + pad_in for n in line_counts) + header_lines * line_in + pad_in
    scale = 1.0 / max(height_in, needed_in, 1e-6)
    if fig is None:  # a standalone figure: fit it to the table
        root.set_size_inches(width_in, needed_in + title_in + 0.1)
        ax.set_position((0.0, 0.0, 1.0, needed_in / (needed_in + title_in + 0.1)))
        scale = 1.0 / needed_in
    tbl = ax.table(cellText=cells, colLabels=header, colWidths=widths,
                   loc="upper center", cellLoc="left", colLoc="left")
    tbl.auto_set_font_size(False)
    tbl.set_fontsize(fontsize)
    for (r, _c), cell in tbl.get_celld().items():
        cell.set_edgecolor("#DDDDDD")
        cell.set_linewidth(0.5)
        cell.PAD = 0.03
        if r == 0:
            cell.set_facecolor("#EAF2F8")
            cell.set_text_props(fontweight="bold", color="#1a1a1a")
            cell.set_height((header_lines * line_in + pad_in) * scale)
        else:
            cell.set_height((line_counts[r - 1] * line_in + pad_in) * scale)
            if (r - 1) in highlight_rows:
                cell.set_facecolor("#FFF1D6")
            elif r % 2 == 0:
                cell.set_facecolor("#FAFAFA")
    return _root(target)


@_styled
def sensitivity_table_figure(
    table: pd.DataFrame,
    *,
    chosen: tuple[float, float] | None = None,
    fig: FigureBase | None = None,
) -> Figure:
    """Slouch minutes per day for each threshold × minimum duration, as a table figure.

    Parameters
    ----------
    table
        Either a pivot (index: thresholds in degrees, columns: minimum durations in seconds,
        values: slouch minutes) or long form with ``threshold_deg``, ``min_duration_s`` and a
        ``slouch_minutes``-like value column.
    chosen
        ``(threshold_deg, min_duration_s)`` of the report's setting, highlighted.
    fig
        Optional figure or sub-figure to draw into.

    Returns
    -------
    Figure
        The (root) figure.
    """
    pivot = sensitivity_pivot(table)
    target = _target(fig, (8.0, 0.9 + 0.3 * (len(pivot) + 1)))
    ax = target.subplots()
    ax.axis("off")
    ax.set_title("Sensitivity: slouched minutes for other threshold and duration settings")
    if pivot.empty:
        _message(ax, "Sensitivity table not available.")
        return _root(target)
    col_labels = ["Threshold"] + [f"≥ {_fmt_seconds(float(c))}" for c in pivot.columns]
    cells = [[f"{float(t):g}°"] + [f"{float(v):.0f}" if np.isfinite(v) else "–" for v in row]
             for t, row in zip(pivot.index, pivot.to_numpy(dtype=float), strict=True)]
    tbl = ax.table(cellText=cells, colLabels=col_labels, loc="upper center", cellLoc="center")
    tbl.auto_set_font_size(False)
    tbl.set_fontsize(8.5)
    tbl.scale(1.0, 1.5)
    for (r, c), cell in tbl.get_celld().items():
        cell.set_edgecolor("#DDDDDD")
        cell.set_linewidth(0.5)
        if r == 0 or c == 0:
            cell.set_facecolor("#EAF2F8")
            cell.set_text_props(fontweight="bold")
        if chosen is not None and r > 0 and c > 0:
            t = float(pivot.index[r - 1])
            d = float(pivot.columns[c - 1])
            if np.isclose(t, chosen[0]) and np.isclose(d, chosen[1]):
                cell.set_facecolor("#FFE0B2")
                cell.set_text_props(fontweight="bold")
    return _root(target)


def _fmt_seconds(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def sensitivity_pivot(table: pd.DataFrame) -> pd.DataFrame:
    """Normalise a sensitivity table to a threshold × minimum-duration pivot.

    Parameters
    ----------
    table
        Pivot or long-form table (see :func:`sensitivity_table_figure`).

    Returns
    -------
    DataFrame
        Index: thresholds (degrees, ascending); columns: minimum durations (seconds, ascending);
        values: slouch minutes.
    """
    if table.empty:
        return table
    if {"threshold_deg", "min_duration_s"} <= set(table.columns):
        value_cols = [c for c in table.columns if c not in ("threshold_deg", "min_duration_s")]
        preferred = [c for c in value_cols if "slouch_minutes" in str(c)]
        value = (preferred or value_cols)[0]
        pivot = table.pivot_table(index="threshold_deg", columns="min_duration_s",
                                  values=value, aggfunc="first")
    else:
        pivot = table
    pivot = pivot.sort_index().sort_index(axis=1)
    return pivot
