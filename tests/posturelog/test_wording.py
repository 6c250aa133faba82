"""One wording for the report and the notebooks: the same numbers give the same sentences."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat
import pytest

from analysis.pain import Correlation, PainAnalysis, Withheld
from analysis.settings import AnalysisSettings
from posturelog.analyze import week as analyze_week_module
from posturelog.report import prepare_report, wording
from posturelog.report.glossary import GLOSSARY, glossary, glossary_markdown
from tests.posturelog.synthetic_week import TZ, WEEK, synthetic_epochs

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def _pain(rho: float) -> PainAnalysis:
    """A pain analysis whose same-day association is ``rho`` (nothing else computed)."""
    return PainAnalysis(
        n_rating_days=9, n_paired_days=9, n_ratings=27,
        daily_lag0=Correlation(rho=rho, ci_low=0.05, ci_high=0.85, n=9, n_days=9,
                               analysis="same_day"),
        daily_lag0_reason=None,
        daily_lag1=None, daily_lag1_reason=Withheld("next_day", "few_day_pairs", 6, 7),
        within_day=None, within_day_reason=Withheld("within_day", "few_covered_ratings", 8, 10),
        remedies=None, remedies_reason=Withheld("remedies", "no_remedies"),
        hours_before=3.0, remedy_window_h=3.0,
    )


@pytest.mark.parametrize(("rho", "words"), [
    (0.05, "no clear association"), (0.2, "a weak positive association"),
    (-0.4, "a moderate negative association"), (0.55, "a strong positive association"),
])
def test_strength_words(rho: float, words: str) -> None:
    assert words in wording.correlation_sentence(_pain(rho).daily_lag0)  # type: ignore[arg-type]


def _pain_cells(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells
            if c.cell_type == "code" and "wording.pain_lines(" in c.source]


def _notebook_lines(source: str, pain: PainAnalysis) -> list[str]:
    """Run a notebook's pain cell on ``pain``; the strings it displays."""
    shown: list[Any] = []
    namespace: dict[str, Any] = {
        "week": SimpleNamespace(pain=pain), "display": shown.append,
        "wording": wording, "daily": None, "pain_log": None, "epochs": None,
        "remedy_log": None, "tz": TZ, "settings": AnalysisSettings(),
        "store": type("S", (), {"remedy_log": staticmethod(lambda: None)})(),
    }
    exec(compile(source, "<notebook cell>", "exec"), namespace)  # noqa: S102
    return [s for s in shown if isinstance(s, str)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_word_pain_as_the_report_does(path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """ρ = 0.55 reads the same in every notebook and in the report."""
    pain = _pain(0.55)
    monkeypatch.setattr(analyze_week_module, "analyse_pain", lambda *args, **kwargs: pain)
    epochs = synthetic_epochs(days=1)
    data = prepare_report(week=WEEK, tz=TZ, epochs=epochs, settings=AnalysisSettings())
    cells = _pain_cells(path)
    assert cells, f"{path.name} shows no pain findings"
    for source in cells:
        assert ".sentence" not in source  # no wording of its own
        lines = _notebook_lines(source, pain)
        assert lines == data.pain_lines
    same_day = [s for s in data.pain_lines if s.startswith("Same day")]
    assert len(same_day) == 1 and "a strong positive association" in same_day[0]
    assert same_day[0] in data.headline
    assert data.pain_note == same_day[0]


def test_withheld_reasons_in_words() -> None:
    pain = _pain(0.55)
    assert wording.withheld_sentence(pain.daily_lag1_reason) == (
        "Too few consecutive day pairs to relate slouching to the next day's pain: 6 pair(s), "
        "at least 7 are needed.")
    assert wording.withheld_sentence(pain.within_day_reason) == (
        "Too few ratings with sensor data in the 3 h before them: 8, at least 10 are needed.")
    assert wording.withheld_sentence(None) == ""
    lines = wording.pain_lines(pain)
    assert lines[0] == "27 pain ratings on 9 days; 9 days had both sensor wear and ratings."
    assert "No remedies logged." in lines
    assert lines[-1] == wording.pain_caveat()


def test_glossary_covers_every_column_and_matches_the_docs() -> None:
    from analysis.episodes import EPISODE_COLUMNS
    from analysis.metrics import DAILY_COLUMNS

    names = set(DAILY_COLUMNS) | set(EPISODE_COLUMNS)
    names |= {"flexion_deg", "lateral_deg", "inclination_deg", "worn", "context", "slouch",
              "n_samples", "calibration"}
    assert names <= set(GLOSSARY)
    doc = (Path(__file__).parents[2] / "docs" / "glossary.md").read_text()
    for key, text in GLOSSARY.items():
        assert f"`{key}`" in doc, key
        assert text in doc, key
    assert glossary_markdown().count("\n") == len(GLOSSARY) + 2


def test_glossary_follows_band_edges() -> None:
    meanings = glossary(AnalysisSettings(band_edges_deg=(0.0, 15.0, 45.0)))
    assert "band_15_45_minutes" in meanings and "band_20_60_minutes" not in meanings
    assert "15–45°" in meanings["band_15_45_minutes"]
    assert list(meanings)[:3] == list(GLOSSARY)[:3]
