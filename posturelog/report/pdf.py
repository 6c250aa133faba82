"""``report.pdf``: the report's sections as A4 pages.

Each section starts a new page with its title; a table too long for one page (the glossary)
continues on the next. Page numbers, including those of the summary's "What is where", are
derived from this page plan, never written by hand.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure, SubFigure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D

from analysis.figures import new_figure
from posturelog import __version__
from posturelog.report.data import ReportData
from posturelog.report.figures import cards_figure, table_figure
from posturelog.report.sections import (
    Block,
    Cards,
    Contents,
    Plot,
    Section,
    Table,
    Text,
    report_sections,
)

__all__ = ["Page", "page_guide", "page_plan", "write_pdf"]

A4 = (8.27, 11.69)
_LEFT, _RIGHT = 0.07, 0.93
#: Height of the page body in inches (between header rule and footer).
BODY_IN = 0.865 * A4[1]
_WIDTH_CHARS = 100

Style = dict[str, Any]
_STYLES: dict[str, Style] = {
    "body": {},
    "bullets": {"bullet": True, "gap": 0.3},
    "headline": {"bullet": True, "gap": 0.35, "size": 10.5},
    "small": {"size": 8, "color": "#555555"},
    "heading": {"size": 11.5, "weight": "bold", "color": "#0b3d63", "gap": 0.3},
}
Paragraphs = list[tuple[str, Style]]


@dataclass(frozen=True)
class Page:
    """One planned page: its title, the section it belongs to and the blocks it shows."""

    title: str
    section: Section
    blocks: tuple[Block, ...]


def _table_chunks(table: Table, budget_lines: int = 78) -> list[Table]:
    """Split a long table into page-sized tables (about ``budget_lines`` wrapped lines each)."""
    frame = table.frame
    chunks: list[Table] = []
    start, used = 0, 0
    for i, text in enumerate(frame.iloc[:, -1].astype(str)):
        lines = len(textwrap.wrap(text, 80)) + 1
        if used + lines > budget_lines and i > start:
            chunks.append(Table(frame.iloc[start:i], **_table_options(table)))
            start, used = i, 0
        used += lines
    chunks.append(Table(frame.iloc[start:], **_table_options(table)))
    return chunks


def _table_options(table: Table) -> dict[str, Any]:
    return {"title": table.title, "col_widths": table.col_widths, "fontsize": table.fontsize,
            "code_first": table.code_first}


def page_plan(sections: Sequence[Section]) -> list[Page]:
    """The pages of the PDF: one per section, more where a single long table needs them."""
    pages: list[Page] = []
    for section in sections:
        only = section.blocks[0] if len(section.blocks) == 1 else None
        if isinstance(only, Table) and _table_rows_height(only) > BODY_IN:
            for i, chunk in enumerate(_table_chunks(only)):
                title = section.title + (" (continued)" if i else "")
                pages.append(Page(title, section, (chunk,)))
        else:
            pages.append(Page(section.title, section, section.blocks))
    return pages


def _first_pages(pages: Sequence[Page]) -> dict[str, int]:
    first: dict[str, int] = {}
    for number, page in enumerate(pages, start=1):
        first.setdefault(page.section.key, number)
    return first


def page_guide(pages: Sequence[Page]) -> str:
    """"Page 2: Day by day. Page 3: …": where each section after the first starts."""
    first = _first_pages(pages)
    titles = {p.section.key: p.section.title for p in pages}
    return " ".join(f"Page {first[key]}: {title}." for key, title in list(titles.items())[1:])


# --------------------------------------------------------------------------------------------
# heights and drawing
def _text_height(paragraphs: Paragraphs, width_chars: int = _WIDTH_CHARS) -> float:
    """Height in inches that :func:`_draw_text` needs for ``paragraphs``."""
    total = 0.1
    for text, style in paragraphs:
        size = float(style.get("size", 9.5))
        chars = int(width_chars * 9.5 / size) - (3 if style.get("bullet") else 0)
        n = max(1, len(textwrap.wrap(text, chars)))
        total += size * 1.42 / 72.0 * (n + float(style.get("gap", 0.45)))
    return total


def _table_rows_height(table: Table) -> float:
    """Approximate height in inches of a table block (one line per row, as wrapped)."""
    frame, size = table.frame, table.fontsize
    if table.code_first:  # long text in the last column: count its wrapped lines
        lines = sum(len(textwrap.wrap(str(m), 80)) for m in frame.iloc[:, -1])
        return 0.4 + (lines + 1.6) * size * 1.45 / 72.0 + len(frame) * 0.09
    row = size * 1.45 / 72.0 * table.lines_per_row + 0.09
    return (0.45 if table.title else 0.15) + (len(frame) + 1.6) * row + 0.1


def _draw_text(sf: SubFigure, paragraphs: Paragraphs, width_chars: int = _WIDTH_CHARS) -> None:
    """Write wrapped paragraphs top-down into a sub-figure."""
    height_in = sf.bbox.height / sf.dpi
    y = 1.0
    for text, style in paragraphs:
        size = float(style.get("size", 9.5))
        bullet = bool(style.get("bullet", False))
        chars = int(width_chars * 9.5 / size) - (3 if bullet else 0)
        line_h = size * 1.42 / 72.0 / height_in
        for i, line in enumerate(textwrap.wrap(text, chars) or [""]):
            prefix = ("•  " if i == 0 else "    ") if bullet else ""
            sf.text(0.0, y, prefix + line, fontsize=size, fontweight=style.get("weight", "normal"),
                    color=style.get("color", "#1a1a1a"), va="top", ha="left")
            y -= line_h
        y -= line_h * float(style.get("gap", 0.45))


def _paragraphs(block: Block, contents: str) -> Paragraphs | None:
    """The block as paragraphs when the PDF shows it as text, else None."""
    if isinstance(block, Text):
        head: Paragraphs = [(block.heading, _STYLES["heading"])] if block.heading else []
        return head + [(line, _STYLES[block.style]) for line in block.lines]
    if isinstance(block, Contents):
        return [(block.heading, _STYLES["heading"]), (contents, _STYLES["body"])]
    if isinstance(block, Table) and block.empty and block.frame.empty:
        head = [(block.title, _STYLES["heading"])] if block.title else []
        return head + [(block.empty, _STYLES["body"])]
    return None


def _layout(blocks: Sequence[Block], contents: str) -> list[tuple[Paragraphs | Block, float]]:
    """Consecutive text blocks merged into one; each item with its height in inches."""
    out: list[tuple[Paragraphs | Block, float]] = []
    for block in blocks:
        paras = _paragraphs(block, contents)
        if paras is not None:
            if out and isinstance(out[-1][0], list):
                paras = out.pop()[0] + paras  # type: ignore[operator]
            out.append((paras, _text_height(paras)))
        elif isinstance(block, Plot):
            out.append((block, block.height_in))
        elif isinstance(block, Table):
            out.append((block, _table_rows_height(block)))
        else:
            out.append((block, 2.3))
    return out


def _draw(item: Paragraphs | Block, sf: SubFigure) -> None:
    if isinstance(item, list):
        _draw_text(sf, item)
    elif isinstance(item, Plot):
        item.draw(sf)
    elif isinstance(item, Table):
        table_figure(item.frame, title=item.title or None, fig=sf, fontsize=item.fontsize,
                     col_widths=item.col_widths, highlight_cells=item.highlight)
    elif isinstance(item, Cards):
        cards_figure(item.items, fig=sf)


class _Pager:
    """Consistent A4 pages: title, week, rules, footer with the page number, a body of blocks."""

    def __init__(self, data: ReportData, n_pages: int) -> None:
        self.data = data
        self.n_pages = n_pages
        self.page_no = 0

    def page(self, title: str, heights_in: Sequence[float]) -> tuple[Figure, list[SubFigure]]:
        """A new page whose body holds blocks of (about) the given heights in inches.

        Blocks are scaled down when they do not fit; spare room stays empty at the bottom.
        """
        fig = new_figure(A4, layout=None)
        fig.set_layout_engine(ConstrainedLayoutEngine(
            rect=(_LEFT, 0.05, _RIGHT - _LEFT, 0.865), h_pad=0.06, w_pad=0.04))
        self.page_no += 1
        week = self.data.week
        fig.text(_LEFT, 0.955, title, fontsize=16, fontweight="bold", color="#0b3d63",
                 va="baseline")
        fig.text(_RIGHT, 0.955, f"Week {week.label}", fontsize=9, ha="right", va="baseline",
                 color="#555555")
        for y, color, width in ((0.94, "#0072B2", 2.0), (0.035, "#CCCCCC", 0.6)):
            fig.add_artist(Line2D([_LEFT, _RIGHT], [y, y], color=color, linewidth=width,
                                  transform=fig.transFigure))
        fig.text(_LEFT, 0.02, f"posturelog weekly posture report · {week.span_text()} · "
                 f"{self.data.tz}", fontsize=7, color="#777777")
        fig.text(_RIGHT, 0.02, f"Page {self.page_no} of {self.n_pages}", fontsize=7,
                 color="#777777", ha="right")
        heights = [max(float(h), 0.2) for h in heights_in]
        spare = BODY_IN - sum(heights)
        if spare > 0.2:
            heights.append(spare)
        subs: Any = fig.subfigures(len(heights), 1, height_ratios=heights)
        blocks = [subs] if isinstance(subs, SubFigure) else list(np.asarray(subs).ravel())
        return fig, blocks[: len(heights_in)]


def write_pdf(data: ReportData, path: Path) -> None:
    """Write ``report.pdf``: every section of :func:`report_sections` on its own page(s)."""
    pages = page_plan(report_sections(data))
    contents = page_guide(pages)
    metadata = {"Title": f"Posture report {data.week.label}",
                "Subject": "Upper-back (thoracic) posture and pain",
                "Creator": f"posturelog {__version__}"}
    with PdfPages(path, metadata=metadata) as pdf:
        pager = _Pager(data, len(pages))
        for page in pages:
            items = _layout(page.blocks, contents)
            fig, subs = pager.page(page.title, [h for _, h in items])
            for (item, _), sf in zip(items, subs, strict=True):
                _draw(item, sf)
            pdf.savefig(fig)
