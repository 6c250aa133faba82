"""The report's live-alerts section: numbers from the alert log, honest wording, rendering."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.settings import AnalysisSettings
from posturelog.report import ReportData, prepare_report, write_report
from posturelog.report import wording as w
from posturelog.report.alert_data import alert_report
from posturelog.report.sections import Table, Text, report_sections
from tests.posturelog.synthetic_week import FORBIDDEN, TZ, WEEK, synthetic_epochs, synthetic_logs


def _alerts(spec: list[tuple[dt.date, int, float]]) -> pd.DataFrame:
    """Slouch alerts at 10:00 local + k minutes: (day, count, seconds_to_correct)."""
    rows: list[tuple[int, pd.Timestamp, str, str, float]] = []
    for day, n, stc in spec:
        for k in range(n):
            t = pd.Timestamp(dt.datetime.combine(day, dt.time(10, k))).tz_localize(TZ).tz_convert("UTC")
            rows.append((len(rows) + 1, t, "slouch", "terminal", stc))
    return pd.DataFrame(rows, columns=["id", "time", "kind", "channel", "seconds_to_correct"])


@pytest.fixture(scope="module")
def base() -> ReportData:
    return prepare_report(week=WEEK, tz=TZ, epochs=synthetic_epochs(),
                          settings=AnalysisSettings(bootstrap_n=100), **synthetic_logs())


def _with(base: ReportData, alerts: pd.DataFrame) -> ReportData:
    return dataclasses.replace(base, alerts=alert_report(alerts, WEEK.days, TZ, base.daily))


def test_no_alerts_ever_no_section(base: ReportData) -> None:
    assert alert_report(_alerts([]), WEEK.days, TZ, base.daily) is None
    assert "alerts" not in [s.key for s in report_sections(base)]


def test_alerts_only_in_other_weeks_one_line(base: ReportData) -> None:
    data = _with(base, _alerts([(WEEK.monday - dt.timedelta(days=7), 2, 10.0)]))
    (section,) = [s for s in report_sections(data) if s.key == "alerts"]
    assert len(section.blocks) == 1 and isinstance(section.blocks[0], Text)
    assert section.blocks[0].lines == (w.alert_no_alerts_line(),)


def test_alert_numbers_and_training_effect(base: ReportData) -> None:
    mon = WEEK.monday
    spec = [(mon - dt.timedelta(days=14), 3, 30.0), (mon - dt.timedelta(days=7), 3, 20.0),
            (mon, 4, 12.0), (mon + dt.timedelta(days=1), 2, 8.0)]
    a = alert_report(_alerts(spec), WEEK.days, TZ, base.daily)
    assert a is not None
    assert a.week_alerts == 6 and a.total_ever == 12
    assert a.days_with_alerts == [mon, mon + dt.timedelta(days=1)]
    assert list(a.daily["alerts"]) == [4, 2, 0, 0, 0, 0, 0]
    assert a.week_median_seconds_to_correct == pytest.approx(10.0)
    assert list(a.weekly["median_seconds_to_correct"]) == [30.0, 20.0, 10.0]
    assert a.slope_s_per_week == pytest.approx(-10.0)
    d = base.daily
    worn = d["wear_minutes"] > 0
    on = worn & d["date"].map(lambda x: pd.Timestamp(x).date() in a.days_with_alerts)
    expect_on = d.loc[on, "slouch_minutes"].sum() / (d.loc[on, "wear_minutes"].sum() / 60)
    expect_off = d.loc[worn & ~on, "slouch_minutes"].sum() / (d.loc[worn & ~on, "wear_minutes"].sum() / 60)
    assert a.slouch_rate(True) == pytest.approx(expect_on)
    assert a.slouch_rate(False) == pytest.approx(expect_off)
    data = dataclasses.replace(base, alerts=a)
    (section,) = [s for s in report_sections(data) if s.key == "alerts"]
    text = " ".join(line for b in section.blocks if isinstance(b, Text) for line in b.lines)
    assert "6 alerts on 2 days (Mon and Tue)" in text
    assert "10 s" in text and "10.0 s quicker per week, a possible training effect" in text
    assert "association" in text.lower()
    assert not FORBIDDEN.findall(text)
    (table,) = [b for b in section.blocks if isinstance(b, Table)]
    assert len(table.frame) == 7


def test_trend_needs_two_weeks() -> None:
    assert "too early" in w.alert_trend_line(["2026-W47"], [12.0], float("nan"))
    assert "about the same" in w.alert_trend_line(["2026-W46", "2026-W47"], [12.0, 12.2], 0.2)
    assert w.format_seconds_short(125) == "2 min 05 s"
    assert w.format_seconds_short(float("nan")) == "–"


def test_alerts_section_renders(base: ReportData, tmp_path: Path) -> None:
    mon = WEEK.monday
    data = _with(base, _alerts([(mon - dt.timedelta(days=7), 3, 25.0), (mon, 4, 12.0),
                                (mon + dt.timedelta(days=2), 1, np.nan)]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = write_report(data, tmp_path)
    html = paths.html.read_text()
    assert w.ALERTS_TITLE in html and "Alerts per day" in html
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(paths.pdf), "-"], capture_output=True,
                              check=True).stdout.decode()
        flat = " ".join(text.split())
        assert w.ALERTS_TITLE in flat and "possible training effect" in flat
