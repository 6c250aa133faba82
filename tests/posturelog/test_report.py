"""Weekly report: files, validity, wording, rendering (synthetic epochs, no store needed) and the
real pipeline through the store. Choosing the week: ``test_report_week.py``."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis.settings import AnalysisSettings
from posturelog.demo import log_simulated_wearer
from posturelog.report import (
    EPISODE_CSV_COLUMNS,
    ReportData,
    ReportPaths,
    build_report,
    prepare_report,
    write_report,
)
from posturelog.report import wording as rt
from posturelog.report.html import render_html
from posturelog.report.pdf import page_guide, page_plan
from posturelog.report.sections import Plot, report_sections
from tests.posturelog.synthetic_week import FORBIDDEN, TZ, WEEK, synthetic_epochs, synthetic_logs


@pytest.fixture(scope="module")
def week_data() -> ReportData:
    return prepare_report(week=WEEK, tz=TZ, epochs=synthetic_epochs(),
                          settings=AnalysisSettings(bootstrap_n=200), **synthetic_logs())


@pytest.fixture(scope="module")
def written(week_data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> ReportPaths:
    out = tmp_path_factory.mktemp("report")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return write_report(week_data, out)


def _pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", path.read_bytes()))


# -- files ---------------------------------------------------------------------------------
def test_all_files_written(written: ReportPaths) -> None:
    for path in written.files():
        assert path.exists() and path.stat().st_size > 0, path
    assert written.files()[0].name == "report.html"


def test_pdf_is_multi_page(written: ReportPaths) -> None:
    data = written.pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert _pdf_pages(written.pdf) >= 8


def test_html_is_self_contained(written: ReportPaths) -> None:
    text = written.html.read_text(encoding="utf-8")
    links = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", text, flags=re.I)
    assert links, "figures must be embedded"
    assert all(link.startswith("data:") or link.startswith("#") for link in links), links
    assert "<script" not in text.lower()
    assert "url(" not in text.lower()
    assert text.count("data:image/png;base64,") >= 6


def test_daily_csv_has_one_row_per_day(written: ReportPaths) -> None:
    daily = pd.read_csv(written.daily_csv)
    need = ["date", "wear_minutes", "upright_minutes", "lying_minutes", "walking_minutes",
            "slouch_minutes", "slouch_episodes", "longest_slouch_minutes", "pain_mean",
            "pain_ratings"]
    assert set(need) <= set(daily.columns)
    assert len(daily) == 7
    assert list(daily["date"]) == [d.isoformat() for d in WEEK.days]
    assert (daily["wear_minutes"] > 0).all()
    assert (daily["slouch_minutes"] <= daily["upright_minutes"] + 1e-6).all()


def test_episodes_csv_local_times_with_offset(written: ReportPaths, week_data: ReportData) -> None:
    eps = pd.read_csv(written.episodes_csv)
    assert list(eps.columns) == list(EPISODE_CSV_COLUMNS)
    assert len(eps) == len(week_data.episodes) > 0
    assert eps["start"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+01:00$").all()
    start = pd.to_datetime(eps["start"], utc=True)
    end = pd.to_datetime(eps["end"], utc=True)
    assert (end > start).all()
    assert (eps["duration_min"] > 0).all()
    local_hours = start.dt.tz_convert(TZ).dt.hour
    assert local_hours.between(9, 17).all()  # desk episodes in local time, not UTC


def test_glossary_explains_every_csv_column(written: ReportPaths) -> None:
    text = written.html.read_text(encoding="utf-8")
    glossary = text[text.index("<section id='glossary'>"):]
    explained = set(re.findall(r"<td><code>([^<]+)</code></td>", glossary))
    for column in pd.read_csv(written.daily_csv).columns:
        assert column in explained, column
    for column in pd.read_csv(written.episodes_csv).columns:
        assert column in explained or f"{column} (episodes.csv)" in explained, column


def test_days_without_data_still_listed(tmp_path: Path) -> None:
    epochs = synthetic_epochs(first=WEEK.monday + dt.timedelta(days=2), days=3)
    data = prepare_report(week=WEEK, tz=TZ, epochs=epochs, settings=AnalysisSettings(),
                          complete=False)
    paths = write_report(data, tmp_path)
    daily = pd.read_csv(paths.daily_csv)
    assert len(daily) == 7
    assert daily["wear_minutes"].tolist()[:2] == [0, 0]
    assert any("not over yet" in s for s in data.headline)
    assert any("no pain ratings" in s.lower() for s in data.headline)


def test_week_without_wear_still_renders(tmp_path: Path) -> None:
    epochs = synthetic_epochs()
    epochs["worn"] = False
    epochs["context"] = "nonwear"
    epochs["flexion_deg"] = np.nan
    data = prepare_report(week=WEEK, tz=TZ, epochs=epochs, settings=AnalysisSettings())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = write_report(data, tmp_path)
    assert data.headline[0] == "The sensor was not worn this week, so there is no posture summary."
    assert pd.read_csv(paths.daily_csv)["wear_minutes"].eq(0).all()
    assert pd.read_csv(paths.episodes_csv).empty
    assert _pdf_pages(paths.pdf) >= 8


# -- wording -------------------------------------------------------------------------------
def _report_texts(paths: ReportPaths) -> list[str]:
    html_text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", paths.html.read_text())
    texts = [html_text]
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", str(paths.pdf), "-"], capture_output=True, check=True)
        texts.append(out.stdout.decode("utf-8", "replace"))
    return texts


def test_no_wrong_placement_or_causal_words(written: ReportPaths) -> None:
    for text in _report_texts(written):
        found = FORBIDDEN.findall(text)
        assert not found, found
        assert "associat" in text.lower()
        assert "thoracic" in text.lower() or "upper back" in text.lower()


def test_pdf_text_has_expected_sections(written: ReportPaths) -> None:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = subprocess.run(["pdftotext", str(written.pdf), "-"], capture_output=True,
                          check=True).stdout.decode()
    for heading in ("Day by day", "Data quality", "Sensitivity", "ISO 11226", "Glossary",
                    "Slouching and pain", "You slouched"):
        assert heading in text, heading


def test_headline_sentence_matches_wearer_wording() -> None:
    lines = rt.headline_sentences(
        slouch_minutes_per_day=130.0, days_worn=7, days_in_week=7,
        previous_slouch_minutes_per_day=130.0 / 0.82, worst_hour=15,
        wear_minutes_per_day=12.5 * 60, longest_episode_minutes=24.0,
        longest_episode_day=dt.date(2026, 11, 19), pain_mean=4.25, pain_ratings=17,
        previous_pain_mean=5.0,
    )
    assert lines[0] == ("You slouched 2 h 10 min a day, 18% less than last week; your worst "
                        "hour was 15:00–16:00.")
    assert lines[1] == "You wore the sensor 12 h 30 min a day, every day."
    assert lines[2] == "Your longest slouch lasted 24 min on Thursday."
    assert lines[3].startswith("Your pain averaged 4.2 out of 10 (17 ratings), 0.8 points lower")


def test_headline_of_week_data(week_data: ReportData) -> None:
    first = week_data.headline[0]
    assert re.match(r"^You slouched (\d+ h )?\d+ min a day; your worst hour was \d\d:00–\d\d:00\.$",
                    first), first


@pytest.mark.parametrize(("minutes", "text"), [
    (0, "0 min"), (0.4, "under 1 min"), (45, "45 min"), (60, "1 h"), (130.2, "2 h 10 min"),
    (float("nan"), "–"),
])
def test_format_minutes(minutes: float, text: str) -> None:
    assert rt.format_minutes(minutes) == text


def test_format_change_and_hours() -> None:
    assert rt.format_change(82, 100) == "18% less than last week"
    assert rt.format_change(120, 100) == "20% more than last week"
    assert rt.format_change(102, 100) == "about the same as last week"
    assert rt.format_change(5, None) == ""
    assert rt.format_hour_range(23) == "23:00–00:00"
    assert rt.format_local_time(pd.Timestamp("2026-07-01 12:00", tz="UTC"), TZ) == \
        "2026-07-01 14:00 +02:00"


def test_association_wording_never_causal() -> None:
    text = rt.association_sentence(rt.Association(rho=0.45, low=-0.2, high=0.85, n=9,
                                                  unit="days", description="same-day pain"))
    assert "moderate positive association" in text
    assert "ρ = 0.45" in text and "−0.20 to 0.85" in text and "9 days" in text
    assert "chance" in text
    assert not FORBIDDEN.search(text)


def test_too_few_pain_data_said_plainly(tmp_path: Path) -> None:
    logs = synthetic_logs(days=3, ratings_per_day=1)
    data = prepare_report(week=WEEK, tz=TZ, epochs=synthetic_epochs(),
                          settings=AnalysisSettings(), **logs)
    assert data.pain.daily_lag0 is None
    assert any(s.startswith("Too few") for s in data.headline), data.headline
    assert data.pain.daily_lag0_reason is not None
    assert data.pain_note == rt.withheld_sentence(data.pain.daily_lag0_reason)  # same-day
    assert data.pain_note.startswith("Too few days to relate daily slouching to pain")
    assert any("Too few" in s for s in data.pain_lines)


# -- the real pipeline ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def simulated_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Three simulated days (Sun of W46, Mon–Tue of W47) recorded through the real store."""
    from posturelog.recorder import record_batches
    from posturelog.store import Store
    from sensor.simulate import SimulatedWearer, SimulationSettings

    tz = "Europe/London"
    store = Store(tmp_path_factory.mktemp("store"))
    store.set_setting("timezone", tz)
    wearer = SimulatedWearer(SimulationSettings(seed=5, days=3, fs_hz=10.0,
                                                start_date=dt.date(2026, 11, 15), timezone=tz))
    record_batches(wearer.batches(batch_s=60.0), store, wearer.info, tz, source="test")
    log_simulated_wearer(store, wearer)
    return store


@pytest.mark.slow
def test_build_report_through_the_store(simulated_store: Any, tmp_path: Path) -> None:
    calls: list[tuple[str, float, float]] = []
    paths = build_report(simulated_store, "2026-W47", tmp_path / "out", AnalysisSettings(),
                         progress=lambda what, done, total: calls.append((what, done, total)))
    assert [p.name for p in paths.files()] == ["report.html", "report.pdf", "daily.csv",
                                               "episodes.csv"]
    assert paths.pdf.read_bytes().startswith(b"%PDF") and _pdf_pages(paths.pdf) >= 8
    daily = pd.read_csv(paths.daily_csv)
    assert len(daily) == 7
    assert (daily["wear_minutes"].iloc[:2] > 300).all()  # Mon, Tue simulated
    assert (daily["wear_minutes"].iloc[2:] == 0).all()
    assert daily["pain_ratings"].iloc[:2].sum() > 0
    html_text = paths.html.read_text()
    assert "than last week" in html_text  # Sunday of W46 gives a week-over-week change
    assert "Simulated" in html_text  # sensor model in the quality section
    assert calls and calls[-1][0] == "Report written"


@pytest.mark.slow
def test_default_week_and_default_out_dir(simulated_store: Any, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    paths = build_report(simulated_store, None, None, AnalysisSettings())
    today = pd.Timestamp.now(tz="Europe/London").date()
    if today > dt.date(2026, 11, 22):
        expected = "2026-W47"  # the last complete week with data
    elif today > dt.date(2026, 11, 15):
        expected = "2026-W46"  # W47 is not over yet: the last complete one holds only Sunday
    else:
        expected = "2026-W47"  # no week complete yet: the newest one
    assert paths.out_dir == tmp_path / f"posturelog-report-{expected}"
    assert paths.html.exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_pdf_failure_is_raised(week_data: ReportData, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    """Also from the forked PDF process (``workers=2``)."""
    from posturelog.report import pdf

    def broken(data: ReportData, path: Path) -> None:
        raise ValueError("no PDF today")

    monkeypatch.setattr(pdf, "write_pdf", broken)
    with pytest.raises(ValueError, match="no PDF today"):
        write_report(week_data, tmp_path, workers=workers)


@pytest.mark.parametrize("workers", [1, 2])
def test_pdf_written_in_this_or_a_forked_process(week_data: ReportData, tmp_path: Path,
                                                 workers: int) -> None:
    paths = write_report(week_data, tmp_path, workers=workers)
    assert paths.pdf.read_bytes().startswith(b"%PDF") and _pdf_pages(paths.pdf) >= 8


# -- sections, band edges ------------------------------------------------------------------
def test_html_and_pdf_render_the_same_sections(week_data: ReportData) -> None:
    sections = report_sections(week_data)
    html_text = render_html(week_data, sections)
    pages = page_plan(sections)
    assert [p.title for p in pages if not p.title.endswith("(continued)")] == \
        [s.title for s in sections]
    for section in sections[1:]:
        assert f"<section id='{section.key}'><h2>{section.title}</h2>" in html_text
    assert len(pages) >= 8


def test_pdf_page_guide_is_derived_from_the_page_plan(week_data: ReportData) -> None:
    pages = page_plan(report_sections(week_data))
    guide = page_guide(pages)
    for number, page in enumerate(pages, start=1):
        if not page.title.endswith("(continued)") and number > 1:
            assert f"Page {number}: {page.title}." in guide
    long_glossary = [p for p in pages if p.section.key == "glossary"]
    assert guide.endswith(f"Page {pages.index(long_glossary[0]) + 1}: Glossary of report "
                          "columns.")


def test_band_edges_setting_drives_csv_columns_tables_and_legend(tmp_path: Path) -> None:
    settings = AnalysisSettings(band_edges_deg=(0.0, 15.0, 45.0), bootstrap_n=200)
    data = prepare_report(week=WEEK, tz=TZ, epochs=synthetic_epochs(days=2),
                          settings=settings)
    paths = write_report(data, tmp_path)
    columns = list(pd.read_csv(paths.daily_csv).columns)
    assert [c for c in columns if c.startswith("band_")] == [
        "band_below_0_minutes", "band_0_15_minutes", "band_15_45_minutes",
        "band_over_45_minutes"]
    html_text = paths.html.read_text()
    assert "<th>15–45°</th>" in html_text and "<th>Over 45°</th>" in html_text
    assert "20–60°</th>" not in html_text
    assert "<code>band_15_45_minutes</code>" in html_text  # the glossary follows
    when = next(s for s in report_sections(data) if s.key == "when")
    plot = next(b for b in when.blocks if isinstance(b, Plot) and b.alt.startswith("Flexion"))
    legend = plot.draw(None).axes[0].get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()][:2] == ["15–45° band", "over 45° band"]
