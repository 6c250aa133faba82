"""Report layout figures: tables, the sensitivity table and the key-number cards."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.table import Table as MplTable

from analysis.figures import new_figure
from posturelog.report.figures import (
    cards_figure,
    sensitivity_pivot,
    sensitivity_table_figure,
    table_figure,
)


@pytest.fixture(autouse=True)
def _strict_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _cells(fig: Figure) -> dict[tuple[int, int], str]:
    tables = [a for ax in fig.axes for a in ax.get_children() if isinstance(a, MplTable)]
    assert len(tables) == 1
    return {k: c.get_text().get_text() for k, c in tables[0].get_celld().items()}


def _render(fig: Figure) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    assert buf.getvalue().startswith(b"\x89PNG")


LONG = pd.DataFrame({"threshold_deg": [20, 20, 15, 15], "min_duration_s": [60, 30, 60, 30],
                     "slouch_minutes": [1.0, 2.0, 3.0, 4.0]})


def test_table_figure_shows_header_rows_and_wraps() -> None:
    frame = pd.DataFrame({"Column": ["a", "b", "c"], "Meaning": ["short", "long text " * 30, ""]})
    fig = table_figure(frame, title="Glossary")
    _render(fig)
    cells = _cells(fig)
    assert (cells[(0, 0)], cells[(0, 1)]) == ("Column", "Meaning")
    assert {r for r, _ in cells} == {0, 1, 2, 3}  # header + three rows
    assert "\n" in cells[(2, 1)]  # long text wrapped
    assert "Glossary" in [t.get_text() for t in fig.texts]


def test_empty_table_says_so() -> None:
    fig = table_figure(pd.DataFrame(columns=["A"]))
    assert any(t.get_text() == "Nothing to show." for ax in fig.axes for t in ax.texts)


def test_sensitivity_pivot_accepts_long_form() -> None:
    pivot = sensitivity_pivot(LONG)
    assert list(pivot.index) == [15, 20] and list(pivot.columns) == [30, 60]
    assert pivot.loc[20, 30] == 2.0


def test_sensitivity_table_highlights_the_chosen_setting() -> None:
    fig = sensitivity_table_figure(LONG, chosen=(20.0, 60.0))
    _render(fig)
    cells = _cells(fig)
    assert [cells[(0, c)] for c in range(3)] == ["Threshold", "≥ 30 s", "≥ 1 min"]
    assert [cells[(r, 0)] for r in (1, 2)] == ["15°", "20°"]
    assert cells[(2, 2)] == "1"  # 20°, 60 s
    table = next(a for ax in fig.axes for a in ax.get_children() if isinstance(a, MplTable))
    shaded = [k for k, c in table.get_celld().items()
              if to_hex(c.get_facecolor()) == "#ffe0b2"]
    assert shaded == [(2, 2)]


def test_cards_show_every_value() -> None:
    items = [(f"label {i}", f"{i} min") for i in range(8)]
    page = new_figure((8.27, 11.69))
    top = np.asarray(page.subfigures(2, 1)).ravel()[0]
    assert cards_figure(items, fig=top) is page
    texts = {t.get_text() for ax in page.axes for t in ax.texts}
    assert {v for _, v in items} | {k for k, _ in items} <= texts
    _render(page)
