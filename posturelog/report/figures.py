"""Report layout drawn with matplotlib: tables, the sensitivity table and key-number cards.

The data figures live in :mod:`analysis.figures`; these draw the report's own layout (a
table, a grid of cards) into a figure or an A4 page's sub-figure.
Each takes ``fig`` and returns the root figure, as
:func:`~analysis.figures.style.styled` documents.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure, FigureBase, SubFigure
from matplotlib.patches import FancyBboxPatch

from analysis.figures.style import message, new_figure, root_figure, styled
from posturelog.report.wording import format_seconds

__all__ = [
    "cards_figure",
    "sensitivity_frame",
    "sensitivity_pivot",
    "sensitivity_table_figure",
    "table_figure",
]


def _fmt_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, float | np.floating):
        number = float(value)
        return f"{number:,.1f}" if abs(number) < 1000 else f"{number:,.0f}"
    return str(value)


@styled
def table_figure(
    table: pd.DataFrame,
    *,
    title: str | None = None,
    col_widths: Sequence[float] | None = None,
    wrap: Mapping[str, int] | None = None,
    fontsize: float = 8.0,
    highlight_rows: Sequence[int] = (),
    highlight_cells: Sequence[tuple[int, int]] = (),
    fig: FigureBase | None = None,
) -> Figure:
    """Render a DataFrame as a clean table (the PDF report's tables).

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
        Row positions to shade.
    highlight_cells
        (row, column) positions to shade and set in bold (e.g. the chosen setting).
    """
    n_rows = len(table)
    target = fig if fig is not None else new_figure((8.0, 0.6 + 0.3 * (n_rows + 1)),
                                                    layout=None)
    root = root_figure(target)
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
        message(ax, "Nothing to show.")
        return root
    widths = list(col_widths) if col_widths is not None else [1.0] * len(table.columns)
    widths = [w / float(sum(widths)) for w in widths]
    header, cells = _wrapped_cells(table, widths, width_in, fontsize, wrap or {})
    line_counts = [max(t.count("\n") + 1 for t in texts) for texts in cells]
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
    heights = [(n * line_in + pad_in) * scale for n in [header_lines, *line_counts]]
    _style_cells(tbl, heights, highlight_rows, highlight_cells)
    return root_figure(target)


def _wrapped_cells(
    table: pd.DataFrame, widths: Sequence[float], width_in: float, fontsize: float,
    wrap: Mapping[str, int],
) -> tuple[list[str], list[list[str]]]:
    """Header and cell texts, wrapped to their column widths (and ``wrap`` limits)."""
    char_in = fontsize * 0.62 / 72.0
    limits = [max(4, int(w * width_in * 0.97 / char_in) - 1) for w in widths]
    wrap = {str(k): v for k, v in wrap.items()}

    def wrapped(text: str, col: int) -> str:
        width = min(limits[col], wrap.get(str(table.columns[col]), limits[col]))
        return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or "–"

    header = [wrapped(str(c), i) for i, c in enumerate(table.columns)]
    cells = [[wrapped(_fmt_cell(v), i) for i, v in enumerate(row)]
             for row in table.itertuples(index=False)]
    return header, cells


def _style_cells(tbl: Any, heights: Sequence[float], highlight_rows: Sequence[int],
                 highlight_cells: Sequence[tuple[int, int]]) -> None:
    """Borders, header and stripe colours, highlights and row heights of a table."""
    for (r, c), cell in tbl.get_celld().items():
        cell.set_edgecolor("#DDDDDD")
        cell.set_linewidth(0.5)
        cell.PAD = 0.03
        cell.set_height(heights[r])
        if r == 0:
            cell.set_facecolor("#EAF2F8")
            cell.set_text_props(fontweight="bold", color="#1a1a1a")
        elif (r - 1, c) in highlight_cells:
            cell.set_facecolor("#FFE0B2")
            cell.set_text_props(fontweight="bold")
        elif (r - 1) in highlight_rows:
            cell.set_facecolor("#FFF1D6")
        elif r % 2 == 0:
            cell.set_facecolor("#FAFAFA")


def sensitivity_pivot(table: pd.DataFrame) -> pd.DataFrame:
    """Normalise a sensitivity table to a threshold × minimum-duration pivot.

    Parameters
    ----------
    table
        A pivot (index: thresholds in degrees, columns: minimum durations in seconds, values:
        slouch minutes), as :func:`analysis.episodes.sensitivity_table` returns, or long form
        with ``threshold_deg``, ``min_duration_s`` and a ``slouch_minutes``-like value column.

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
    return pivot.sort_index().sort_index(axis=1)


def sensitivity_frame(
    table: pd.DataFrame,
    chosen: tuple[float, float] | None = None,
    fmt: Any = None,
) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """The sensitivity table as text cells, and the (row, column) of the chosen setting.

    Parameters
    ----------
    table
        Pivot or long form (see :func:`sensitivity_pivot`).
    chosen
        ``(threshold_deg, min_duration_s)`` of the report's setting.
    fmt
        ``fmt(minutes) -> str`` for the values (default: whole minutes).

    Returns
    -------
    (DataFrame, list of (int, int))
        Column ``Threshold`` (``"20°"``) then one column per minimum duration
        (``"≥ 1 min"``); the positions of the chosen cell (empty when it is not shown).
    """
    pivot = sensitivity_pivot(table)
    if pivot.empty:
        return pd.DataFrame(), []
    fmt = fmt or (lambda v: f"{v:.0f}" if np.isfinite(v) else "–")
    frame = pd.DataFrame({"Threshold": [f"{float(t):g}°" for t in pivot.index]})
    for c in pivot.columns:
        frame[f"≥ {format_seconds(float(c))}"] = [fmt(float(v)) for v in pivot[c]]
    cells: list[tuple[int, int]] = []
    if chosen is not None:
        rows = np.flatnonzero(np.isclose(pivot.index.to_numpy(dtype=float), chosen[0]))
        cols = np.flatnonzero(np.isclose(pivot.columns.to_numpy(dtype=float), chosen[1]))
        cells = [(int(r), int(c) + 1) for r in rows for c in cols]
    return frame, cells


@styled
def sensitivity_table_figure(
    table: pd.DataFrame,
    *,
    chosen: tuple[float, float] | None = None,
    fig: FigureBase | None = None,
) -> Figure:
    """Slouch minutes for each threshold × minimum duration, as a table figure.

    Parameters
    ----------
    table
        Pivot or long form (see :func:`sensitivity_pivot`).
    chosen
        ``(threshold_deg, min_duration_s)`` of the report's setting, highlighted.
    """
    frame, cells = sensitivity_frame(table, chosen)
    return table_figure(frame, fig=fig, highlight_cells=cells, fontsize=8.5,
                        title="Sensitivity: slouched minutes for other threshold and duration "
                        "settings")


@styled
def cards_figure(cards: Sequence[tuple[str, str]], *, fig: FigureBase | None = None) -> Figure:
    """Key numbers as a 4 × 2 grid of cards (label, value).

    Parameters
    ----------
    cards
        Up to eight (label, value) pairs.
    """
    target = fig if fig is not None else new_figure((8.0, 2.3))
    ax = target.subplots()
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 2)
    ax.axis("off")
    for i, (label, value) in enumerate(cards[:8]):
        col, row = i % 4, 1 - i // 4
        ax.add_patch(FancyBboxPatch((col + 0.05, row + 0.08), 0.9, 0.84,
                                    boxstyle="round,pad=0.0,rounding_size=0.06",
                                    facecolor="#F3F8FC", edgecolor="#C9DCEB", linewidth=0.8))
        ax.text(col + 0.5, row + 0.58, value, ha="center", va="center", fontsize=15,
                fontweight="bold", color="#0b3d63")
        ax.text(col + 0.5, row + 0.25, label, ha="center", va="center", fontsize=8.5,
                color="#444444")
    return root_figure(target)
