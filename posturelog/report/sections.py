"""The report's sections, defined once: each section's title, text, figures and tables.

:func:`report_sections` turns :class:`~posturelog.report.data.ReportData` into a tuple of
:class:`Section`; :mod:`~posturelog.report.html` and :mod:`~posturelog.report.pdf` render
the same tuple (a section is one ``<section>`` of the HTML and one or more A4 pages of the
PDF), so a title or a sentence is spelled in one place only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

import pandas as pd
from matplotlib.figure import Figure, FigureBase

from analysis import figures
from posturelog.report import tables
from posturelog.report import wording as w
from posturelog.report.data import ReportData
from posturelog.report.quality import quality_lines

__all__ = ["Block", "Cards", "Contents", "Plot", "Section", "Table", "Text", "report_sections"]

TextStyle = Literal["body", "bullets", "headline", "small"]


@dataclass(frozen=True)
class Text:
    """Paragraphs (or bullets) under an optional heading."""

    lines: tuple[str, ...]
    heading: str = ""
    style: TextStyle = "body"


@dataclass(frozen=True)
class Plot:
    """A figure: ``draw(fig)`` draws into ``fig`` (a PDF sub-figure) or a new figure (None)."""

    alt: str
    draw: Callable[[FigureBase | None], Figure]
    height_in: float


@dataclass(frozen=True)
class Table:
    """A table of display text; ``empty`` is shown instead when it has no rows (if set)."""

    frame: pd.DataFrame
    title: str = ""
    col_widths: tuple[float, ...] | None = None
    fontsize: float = 8.0
    lines_per_row: float = 1.0
    code_first: bool = False
    highlight: tuple[tuple[int, int], ...] = ()
    empty: str = ""


@dataclass(frozen=True)
class Cards:
    """Key numbers: (label, value) pairs."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Contents:
    """Where each later section is (page numbers in the PDF, links in the HTML)."""

    heading: str


Block = Text | Plot | Table | Cards | Contents


@dataclass(frozen=True)
class Section:
    """One part of the report: an HTML ``<section>`` and a PDF page (or pages)."""

    key: str
    title: str
    blocks: tuple[Block, ...]


DISCLAIMER = (
    "posturelog is not a medical device. It measures how far your upper back (thoracic spine) "
    "bends forward relative to your own calibrated upright; it cannot diagnose anything. "
    "Discuss the report with your physiotherapist or doctor."
)
ISO_NOTE = (
    "Trunk-flexion bands follow RULA/REBA: 0–20°, 20–60° and over 60° beyond your upright. "
    "ISO 11226 (evaluation of static working postures) treats 0–20° as acceptable, 20–60° as "
    "acceptable only with full trunk support or for a limited holding time (about 4 min at 20° "
    "down to about 1 min at 60°), and over 60° held statically as not acceptable. The 'ISO "
    "11226 holds' column counts static holds longer than these times. Angles here are relative "
    "to your own calibrated upright posture, not absolute: normal thoracic kyphosis differs "
    "between people and grows with age. Check the standard itself before relying on it."
)
METHOD_NOTE = (
    "Slouching means thoracic (upper-back) flexion beyond your calibrated upright by more than "
    "the threshold, sustained for at least the minimum duration, while sitting or standing. "
    "Lying and time without the sensor never count. No validated universal threshold exists, "
    "so the appendix shows how the minutes change with other settings."
)
MEASURED_NOTE = (
    "A motion sensor worn between the shoulder blades (T2–T6) measured how far your upper back "
    "(thoracic spine) bent forward compared with your own calibrated upright posture, every "
    "second while you wore it."
)


def _summary(data: ReportData) -> Section:
    return Section("summary", "Your upper-back posture week", (
        Text((f"Week {data.week.label}: {data.week.span_text()}, times in {data.tz}.",),
             style="small"),
        Text(tuple(data.headline), heading="In short", style="headline"),
        Cards(tuple(tables.cards(data))),
        Text((MEASURED_NOTE, METHOD_NOTE), heading="How this was measured"),
        Contents("What is where"),
        Text((DISCLAIMER,), style="small"),
    ))


def _days(data: ReportData) -> Section:
    return Section("days", "Day by day", (
        Plot("How each day was spent", partial(_daily_plot, data), 5.6),
        Table(tables.daily_table(data), "Daily summary",
              col_widths=(1.2, 1.0, 1.0, 0.9, 0.75, 0.9, 0.9, 1.0)),
    ))


def _daily_plot(data: ReportData, fig: FigureBase | None) -> Figure:
    return figures.daily_context_figure(data.daily, fig=fig)


def _when(data: ReportData) -> Section:
    s = data.settings
    upper = figures.band_names(s.band_edges_deg)[2:]

    def heat(fig: FigureBase | None) -> Figure:
        return figures.hourly_heatmap_figure(data.hourly, fig=fig)

    def flexion(fig: FigureBase | None) -> Figure:
        return figures.flexion_distribution_figure(
            data.epochs, s.slouch_threshold_deg, data.tz, days=data.week.days,
            band_edges_deg=s.band_edges_deg, fig=fig)

    return Section("when", "When and how far you bent forward", (
        Text(("Each cell is the share of the hour's worn, upright time spent slouched. "
              "Darker is less, yellow is more.",)),
        Plot("Hour by day heat map", heat, 3.3),
        Text(("Trunk (thoracic) flexion while sitting, standing or walking, relative to your "
              f"own calibrated upright. Shaded: the {upper[0]} and {upper[1]} bands.",)),
        Plot("Flexion distribution", flexion, 3.6),
        Table(tables.bands_table(data), "Time in trunk-flexion bands (worn, upright or walking)",
              fontsize=7.5),
    ))


def _worst_day(data: ReportData) -> Section:
    worst = data.worst_day()
    episodes = Table(tables.episodes_table(data), "Longest slouch episodes of the week (all in "
                     "episodes.csv)", col_widths=(1.6, 0.7, 0.8, 0.9, 0.9))
    if worst is None:
        return Section("worst-day", "Your day with the most slouching", (
            Text(("The sensor was not worn this week.",)), episodes))

    def timeline(fig: FigureBase | None) -> Figure:
        return figures.day_timeline_figure(
            data.epochs, data.episodes, data.pain_log, data.remedy_log, day=worst, tz=data.tz,
            threshold_deg=data.settings.slouch_threshold_deg, fig=fig)

    return Section("worst-day", "Your day with the most slouching", (
        Text((f"{worst:%A %d %B}: the flexion trace, slouch episodes (shaded), pain ratings and "
              "remedies.",)),
        Plot("Worst day timeline", timeline, 4.9),
        episodes,
    ))


def _pain(data: ReportData) -> Section:
    def scatter(fig: FigureBase | None) -> Figure:
        return figures.pain_association_figure(data.daily, data.pain_note, fig=fig)

    return Section("pain", "Slouching and pain", (
        Plot("Slouch versus pain", scatter, 5.0),
        Text(tuple(data.pain_lines), heading="What the data show", style="bullets"),
    ))


def _alerts(data: ReportData) -> Section | None:
    """Live alerts: absent without any stored alert; one line for a week without alerts."""
    a = data.alerts
    if a is None:
        return None
    if a.week_alerts == 0:
        return Section("alerts", w.ALERTS_TITLE, (Text((w.alert_no_alerts_line(),)),))
    table = pd.DataFrame({
        "Day": [f"{pd.Timestamp(d):%a %d %b}" for d in a.daily["date"]],
        "Alerts": [str(int(n)) for n in a.daily["alerts"]],
        "Slouch / break": [f"{int(x)} / {int(y)}" for x, y in
                           zip(a.daily["slouch_alerts"], a.daily["break_alerts"], strict=True)],
        "Median time to sit up": [w.format_seconds_short(v) for v in a.daily["median_seconds_to_correct"]],
        "Slouched": [w.format_minutes(v) for v in a.daily["slouch_minutes"]],
        "Worn": [w.format_minutes(v) for v in a.daily["wear_minutes"]],
    })
    lines = w.alert_lines(a.week_alerts, a.days_with_alerts, data.worn_days,
                          a.week_median_seconds_to_correct, a.slouch_rate(True), a.slouch_rate(False))
    trend = w.alert_trend_line(list(a.weekly["week"]), list(a.weekly["median_seconds_to_correct"]),
                               a.slope_s_per_week)
    return Section("alerts", w.ALERTS_TITLE, (
        Text((w.ALERTS_INTRO,)),
        Text(tuple(lines) + (trend,), heading="This week", style="bullets"),
        Table(table, "Alerts per day", col_widths=(1.2, 0.7, 1.0, 1.4, 0.9, 0.9)),
        Text((w.ALERTS_ASSOCIATION_NOTE,), style="small"),
    ))


def _quality(data: ReportData) -> Section:
    def wear(fig: FigureBase | None) -> Figure:
        return figures.wear_quality_figure(data.daily, fig=fig)

    return Section("quality", "Data quality", (
        Text(tuple(quality_lines(data)), style="bullets"),
        Plot("Wear per day", wear, 2.7),
        Table(tables.quality_table(data), "Per day", fontsize=7.5),
        Table(tables.sessions_table(data), "Recording sessions", fontsize=7, lines_per_row=2.0,
              col_widths=(0.55, 2.2, 0.8, 0.65, 0.6, 1.45, 1.45, 0.8),
              empty="No recording session overlaps this week."),
        Table(tables.gaps_table(data, limit=6), "Longest gaps", fontsize=7,
              col_widths=(1.4, 1.4, 0.6, 1.2), empty="No gaps."),
    ))


def _appendix(data: ReportData) -> Section:
    s = data.settings
    sens, chosen = tables.sensitivity_table(data)
    return Section("appendix", "Appendix: settings and sensitivity", (
        Table(sens, "Sensitivity: slouched time per worn day for other settings",
              highlight=tuple(chosen), fontsize=8.5,
              empty="No worn data: sensitivity not available."),
        Text(("Rows: threshold beyond your upright; columns: minimum episode duration. "
              f"Highlighted: the setting of this report ({s.slouch_threshold_deg:g}°, "
              f"{w.format_seconds(s.slouch_min_duration_s)}). A big change between "
              "neighbouring cells means the result depends on the choice.",), style="small"),
        Text((ISO_NOTE,), heading="Flexion bands and ISO 11226"),
        Table(tables.settings_table(data), "Settings used", col_widths=(1.0, 2.0)),
    ))


def _glossary(data: ReportData) -> Section:
    return Section("glossary", "Glossary of report columns", (
        Table(tables.glossary_table(data), col_widths=(1.0, 3.2), code_first=True),
    ))


def report_sections(data: ReportData) -> tuple[Section, ...]:
    """All sections of the report, in order (the first is the summary)."""
    builders: tuple[Callable[[ReportData], Section | None], ...] = (
        _summary, _days, _when, _worst_day, _pain, _alerts, _quality, _appendix, _glossary)
    return tuple(s for s in (build(data) for build in builders) if s is not None)
