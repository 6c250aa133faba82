"""``report.html``: the report's sections as one self-contained page.

Figures are embedded as base64 PNG ``data:`` URIs, styles are inline, and there are no
external links or scripts.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from html import escape as e
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from posturelog import __version__
from posturelog.report.data import ReportData
from posturelog.report.sections import Block, Cards, Plot, Section, Table, Text, report_sections
from posturelog.report.wording import format_local_time

__all__ = ["render_html", "write_html"]

_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#1a1a1a;
max-width:980px;margin:0 auto;padding:24px;line-height:1.45;background:#fff}
header{border-bottom:3px solid #0072B2;margin-bottom:18px;padding-bottom:8px}
h1{font-size:1.7em;margin:0}h2{font-size:1.25em;margin-top:36px;border-bottom:1px solid #ddd;
padding-bottom:4px;color:#0b3d63}h3{font-size:1.05em;margin-top:22px}
.sub{color:#555}.headline{font-size:1.08em;background:#F3F8FC;border-left:5px solid #0072B2;
padding:12px 18px;margin:16px 0}.headline li{margin:4px 0}
.cards{margin:14px 0}
.card{display:inline-block;box-sizing:border-box;width:23.5%;margin:0 1.5% 10px 0;
vertical-align:top;border:1px solid #dde5ec;border-radius:8px;padding:10px 12px;
background:#fbfdff}.card:nth-child(4n){margin-right:0}
.card .v{font-size:1.35em;font-weight:700;color:#0b3d63}.card .k{font-size:.85em;color:#555}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:8px 0 14px}
th,td{border-bottom:1px solid #e4e4e4;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#EAF2F8}tr:nth-child(even) td{background:#fafafa}
img{max-width:100%;height:auto;display:block;margin:8px 0}
.note{color:#444;font-size:.92em}.warn{color:#8a3b00}
footer{margin-top:40px;border-top:1px solid #ddd;padding-top:8px;color:#666;font-size:.85em}
code{background:#f3f3f3;padding:0 3px;border-radius:3px}
td.hl{background:#FFE0B2}
@media print{h2{page-break-before:auto}img{page-break-inside:avoid}}
"""


def _table(df: pd.DataFrame, *, code_first: bool = False,
           highlight: tuple[tuple[int, int], ...] = ()) -> str:
    head = "".join(f"<th>{e(str(c))}</th>" for c in df.columns)
    body = []
    for r, row in enumerate(df.itertuples(index=False)):
        cells = []
        for c, v in enumerate(row):
            text = e(str(v))
            if code_first and c == 0:
                text = f"<code>{text}</code>"
            if (r, c) in highlight:
                text = f"<strong>{text}</strong>"
            attr = " class='hl'" if (r, c) in highlight else ""
            cells.append(f"<td{attr}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _p(text: str) -> str:
    return f"<p class='note'>{e(text)}</p>"


def _text(block: Text) -> str:
    out = f"<h3>{e(block.heading)}</h3>" if block.heading else ""
    if block.style in ("bullets", "headline"):
        cls = " class='headline'" if block.style == "headline" else ""
        return out + f"<ul{cls}>" + "".join(f"<li>{e(s)}</li>" for s in block.lines) + "</ul>"
    return out + "".join(_p(s) for s in block.lines)


def _block(block: Block, sections: Sequence[Section]) -> str:
    if isinstance(block, Text):
        return _text(block)
    if isinstance(block, Plot):
        return f"<img alt='{e(block.alt)}' src='data:image/png;base64,{_png(block.draw(None))}'>"
    if isinstance(block, Table):
        title = f"<h3>{e(block.title)}</h3>" if block.title else ""
        if block.empty and block.frame.empty:
            return title + _p(block.empty)
        return title + _table(block.frame, code_first=block.code_first, highlight=block.highlight)
    if isinstance(block, Cards):
        return "<div class='cards'>" + "".join(
            f"<div class='card'><div class='v'>{e(v)}</div><div class='k'>{e(k)}</div></div>"
            for k, v in block.items) + "</div>"
    links = "".join(f"<li><a href='#{e(s.key)}'>{e(s.title)}</a></li>" for s in sections[1:])
    return f"<h3>{e(block.heading)}</h3><ul class='contents'>{links}</ul>"


def render_html(data: ReportData, sections: Sequence[Section]) -> str:
    """The report as one self-contained HTML page (figures embedded as PNG data URIs).

    Parameters
    ----------
    data
        From :func:`~posturelog.report.data.prepare_report`.
    sections
        From :func:`~posturelog.report.sections.report_sections`; the first section's title
        is the page heading.

    Returns
    -------
    str
    """
    first, *rest = sections
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Posture report {e(data.week.label)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{e(first.title)}</h1>",
        f"<div class='sub'>Week {e(data.week.label)} · {e(data.week.span_text())} · "
        f"times in {e(data.tz)} · sensor between the shoulder blades (T2–T6)</div></header>",
        f"<section id='{e(first.key)}'>",
        *(_block(b, sections) for b in first.blocks),
        "</section>",
    ]
    for section in rest:
        parts.append(f"<section id='{e(section.key)}'><h2>{e(section.title)}</h2>")
        parts.extend(_block(b, sections) for b in section.blocks)
        parts.append("</section>")
    generated = format_local_time(data.generated, data.tz)
    parts.append(f"<footer>Generated {e(generated)} by posturelog {e(__version__)}.</footer>"
                 "</body></html>")
    return "".join(parts)


def write_html(data: ReportData, path: Path) -> None:
    """Write ``report.html``."""
    path.write_text(render_html(data, report_sections(data)), encoding="utf-8")
