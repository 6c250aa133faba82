"""Flexion figures: the per-day distribution and one day's timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure, FigureBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray

from analysis.figures.style import (
    CONTEXT_CODES,
    CONTEXT_COLORS,
    OKABE_ITO,
    PAIN_COLOR,
    REMEDY_COLOR,
    THRESHOLD_COLOR,
    day_label,
    message,
    root_figure,
    styled,
    target_figure,
)

__all__ = ["band_names", "day_timeline_figure", "flexion_distribution_figure"]

FloatArray = NDArray[np.float64]


def _kde_violin(ax: Axes, data: Sequence[FloatArray], positions: FloatArray) -> None:
    rng = np.random.default_rng(0)
    shown: list[FloatArray] = []
    for values in data:
        if values.size > 4000:
            values = rng.choice(values, 4000, replace=False)
        shown.append(values)
    usable = [i for i, v in enumerate(shown) if v.size >= 2 and np.ptp(v) > 0]
    if usable:
        parts = ax.violinplot([shown[i] for i in usable], positions=positions[usable],
                              widths=0.8, showextrema=False, bw_method=0.15)
        # matplotlib's stub types every entry as one Collection; "bodies" is a list of them
        for body in parts["bodies"]:  # type: ignore[attr-defined]
            body.set_facecolor(OKABE_ITO["sky_blue"])
            body.set_edgecolor("none")
            body.set_alpha(0.55)


def band_names(band_edges_deg: Sequence[float]) -> list[str]:
    """Legend names of the flexion bands from their edges: ``below 0°``, ``0–20°``, ….

    Parameters
    ----------
    band_edges_deg
        The three increasing edges (``AnalysisSettings.band_edges_deg``).
    """
    e0, e1, e2 = (float(e) for e in band_edges_deg)
    return [f"below {e0:g}°", f"{e0:g}–{e1:g}°", f"{e1:g}–{e2:g}°", f"over {e2:g}°"]


def _values_per_day(
    epochs: pd.DataFrame, tz: str, days: Sequence[dt.date] | None
) -> tuple[list[dt.date], list[FloatArray]]:
    """Worn upright/walking flexion values of each local day (``days`` or those with data)."""
    mask = epochs["worn"].to_numpy(dtype=bool) & epochs["context"].isin(["upright", "walking"]
                                                                           ).to_numpy()
    flex: FloatArray = epochs["flexion_deg"].to_numpy(dtype=np.float64)
    mask &= np.isfinite(flex)
    local = pd.DatetimeIndex(epochs.index).tz_convert(tz)
    local_day = local.tz_localize(None).to_numpy().astype("datetime64[D]")
    if days is None:
        days = [pd.Timestamp(d).date() for d in np.unique(local_day[mask])]
    order = np.argsort(local_day[mask], kind="stable")
    day_sorted = local_day[mask][order]
    flex_sorted = flex[mask][order]
    data: list[FloatArray] = []
    for d in days:
        key = np.datetime64(d, "D")
        lo, hi = np.searchsorted(day_sorted, [key, key + np.timedelta64(1, "D")])
        data.append(flex_sorted[lo:hi])
    return list(days), data


def _box(ax: Axes, data: list[FloatArray], positions: FloatArray) -> None:
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


@styled
def flexion_distribution_figure(
    epochs: pd.DataFrame,
    threshold_deg: float,
    tz: str,
    *,
    days: Sequence[dt.date] | None = None,
    band_edges_deg: Sequence[float] = (0.0, 20.0, 60.0),
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
    band_edges_deg
        The flexion-band edges (``AnalysisSettings.band_edges_deg``); the two upper bands
        are shaded and named in the legend.
    """
    target = target_figure(fig, (8.0, 3.8))
    ax = target.subplots()
    days, data = _values_per_day(epochs, tz, days)
    if not days:
        message(ax, "No worn upright time to show.")
        return root_figure(target)
    positions = np.arange(len(days), dtype=float)
    _, lo_band, hi_band = (float(e) for e in band_edges_deg)
    finite = np.concatenate([v for v in data if v.size] or [np.zeros(1)])
    top = float(np.clip(np.percentile(finite, 99.5) + 10, max(threshold_deg + 15, 40), 100))
    bottom = float(np.clip(np.percentile(finite, 0.5) - 5, -40, -5))
    colors = (OKABE_ITO["orange"], OKABE_ITO["vermillion"])
    ax.axhspan(lo_band, hi_band, color=colors[0], alpha=0.08, lw=0)
    ax.axhspan(hi_band, max(top, hi_band + 1), color=colors[1], alpha=0.08, lw=0)
    _kde_violin(ax, data, positions)
    _box(ax, data, positions)
    ax.axhline(threshold_deg, color=THRESHOLD_COLOR, linestyle="--", linewidth=1.2,
               label=f"Slouch threshold {threshold_deg:g}°")
    ax.axhline(0, color="#999999", linewidth=0.6)
    names = band_names(band_edges_deg)
    handles: list[Artist] = [Patch(color=c, alpha=0.25, label=f"{n} band")
                          for c, n in zip(colors, names[2:], strict=True)]
    handles.append(Line2D([], [], color=THRESHOLD_COLOR, linestyle="--", linewidth=1.2,
                          label=f"Slouch threshold {threshold_deg:g}°"))
    ax.legend(handles=handles, loc="upper left", ncol=3, fontsize=7)
    ax.set_xticks(positions, [day_label(d) for d in days])
    ax.set_xlim(-0.6, len(days) - 0.4)
    ax.set_ylim(bottom, top)
    ax.set_ylabel("Trunk flexion beyond your upright (°)")
    ax.yaxis.grid(True)
    ax.set_axisbelow(True)
    ax.set_title("Thoracic flexion while upright or walking (box: middle half, whiskers: 5–95%)")
    return root_figure(target)


@styled
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
    """
    target = target_figure(fig, (8.0, 4.4))
    ax, strip = target.subplots(2, 1, sharex=True, height_ratios=[5, 0.7])
    start = pd.Timestamp(day).tz_localize(tz)
    end = (pd.Timestamp(day) + pd.Timedelta(days=1)).tz_localize(tz)
    local = epochs.loc[(epochs.index >= start.tz_convert("UTC"))
                       & (epochs.index < end.tz_convert("UTC"))]
    local = local.tz_convert(tz) if isinstance(local.index, pd.DatetimeIndex) else local

    def hours_of(times: pd.Series | pd.DatetimeIndex) -> FloatArray:
        idx = pd.DatetimeIndex(pd.to_datetime(times, utc=True)).tz_convert(tz)
        return np.asarray((idx - start).total_seconds() / 3600.0, dtype=np.float64)

    _flexion_trace(ax, local, episodes, threshold_deg, hours_of)
    ax.set_title(f"{day:%A %d %B %Y}: trunk flexion, slouch episodes, pain and remedies")
    handles: list[Artist] = [
        Line2D([], [], color=OKABE_ITO["blue"], linewidth=1.2),
        Patch(color=CONTEXT_COLORS["slouch"], alpha=0.3),
        Line2D([], [], color=THRESHOLD_COLOR, linestyle="--", linewidth=1.0),
    ]
    labels = ["Trunk flexion (30 s mean)", "Slouch episode", f"Threshold {threshold_deg:g}°"]
    for handle, label in _pain_and_remedies(ax.twinx(), pain, remedies, hours_of):
        handles.append(handle)
        labels.append(label)
    _context_strip(strip, _minute_context_codes(local, start, hours_of), tz)
    handles += [Patch(color=CONTEXT_COLORS[c]) for c in _STRIP_KEYS]
    labels += ["Upright", "Slouched", "Walking", "Lying", "Not worn"]
    strip.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -1.6), ncol=6,
                 fontsize=7.5)
    return root_figure(target)


_STRIP_KEYS = ("upright", "slouch", "walking", "lying", "nonwear")
HoursOf = Callable[[pd.Series | pd.DatetimeIndex], FloatArray]


def _flexion_trace(ax: Axes, local: pd.DataFrame, episodes: pd.DataFrame,
                   threshold_deg: float, hours_of: HoursOf) -> None:
    """The 30-s mean flexion, shaded episodes, threshold and zero lines, y range."""
    worn_flex = local["flexion_deg"].where(local["worn"].astype(bool)
                                           & (local["context"] != "lying"))
    if len(local):
        smooth = worn_flex.resample("30s").mean()
        ax.plot(hours_of(smooth.index), smooth.to_numpy(dtype=float), color=OKABE_ITO["blue"],
                linewidth=0.8)
    else:
        message(ax, "No data on this day.")
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


def _pain_and_remedies(ax2: Axes, pain: pd.DataFrame, remedies: pd.DataFrame,
                       hours_of: HoursOf) -> list[tuple[Artist, str]]:
    """Pain ratings and remedy marks on the right-hand pain axis; their legend entries."""
    ax2.spines["right"].set_visible(True)
    ax2.set_ylim(0, 10.5)
    ax2.set_ylabel("Pain (0–10)")
    legend: list[tuple[Artist, str]] = []
    if not pain.empty:
        px = hours_of(pain["time"])
        keep = (px >= 0) & (px < 24)
        if keep.any():
            pts = ax2.scatter(px[keep], pain["score"].to_numpy(dtype=float)[keep], marker="D",
                              s=40, color=PAIN_COLOR, zorder=5)
            legend.append((pts, "Pain rating"))
    if remedies.empty:
        return legend
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
                     bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5})
            shown = True
    if shown:
        legend.append((Patch(color=REMEDY_COLOR, label="Remedy"), "Remedy"))
    return legend


def _context_strip(strip: Axes, codes: FloatArray, tz: str) -> None:
    """The per-minute context colour strip under the trace, with the local-time axis."""
    cmap = ListedColormap([CONTEXT_COLORS[c] for c in CONTEXT_CODES]).with_extremes(bad="white")
    strip.imshow(np.ma.masked_invalid(codes[None, :]), cmap=cmap, vmin=-0.5,
                 vmax=len(CONTEXT_CODES) - 0.5, aspect="auto", interpolation="nearest",
                 extent=(0.0, 24.0, 0.0, 1.0))
    strip.set_yticks([0.5], ["Context"])
    strip.tick_params(axis="y", length=0)
    for spine in ("left", "top", "right"):
        strip.spines[spine].set_visible(False)
    strip.set_xlim(0, 24)
    strip.set_xticks(range(0, 25, 2), [f"{h:02d}:00" for h in range(0, 25, 2)])
    strip.set_xlabel(f"Local time ({tz})")


def _minute_context_codes(
    local: pd.DataFrame,
    start: pd.Timestamp,
    hours_of: Callable[[pd.DatetimeIndex], FloatArray],
) -> FloatArray:
    """Most frequent context code (slouch as its own code) per minute of the local day."""
    full = np.full(24 * 60, np.nan)
    if not len(local):
        return full
    ctx = local["context"].astype(str).to_numpy()
    codes = np.full(ctx.size, -1, dtype=np.int64)
    for i, name in enumerate(CONTEXT_CODES):
        codes[ctx == name] = i
    if "slouch" in local.columns:
        codes[local["slouch"].to_numpy(dtype=bool)] = CONTEXT_CODES.index("slouch")
    minute = np.floor(hours_of(pd.DatetimeIndex(local.index)) * 60.0).astype(np.int64)
    ok = (codes >= 0) & (minute >= 0) & (minute < full.size)
    n_codes = len(CONTEXT_CODES)
    counts = np.bincount(minute[ok] * n_codes + codes[ok], minlength=full.size * n_codes)
    counts = counts[: full.size * n_codes].reshape(full.size, n_codes)
    has = counts.sum(axis=1) > 0
    full[has] = counts[has].argmax(axis=1)
    return full


