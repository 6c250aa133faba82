"""Weekly report: which week: parsing ``--week``, the default week, validation before any work,
the sessions and local days of a week (DST)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis.settings import AnalysisSettings
from posturelog.errors import UserError
from posturelog.report import IsoWeek, build_report, prepare_report, resolve_week, write_report
from posturelog.report.data import sessions_in
from posturelog.report.week import week_bounds_ns
from tests.posturelog.synthetic_week import TZ, WEEK, synthetic_epochs


# -- week selection ------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["2026-47", "W47", "", "2026-W54", "2026-W00", "26-W47",
                                  "2026-W47-1", "last week"])
def test_bad_week_values(text: str) -> None:
    with pytest.raises(UserError) as err:
        IsoWeek.parse(text)
    assert "\n" not in str(err.value)
    assert "W" in str(err.value)


def test_week_parse_and_bounds() -> None:
    week = IsoWeek.parse("2026-W47")
    assert (week.monday, week.sunday) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert IsoWeek.parse("2026w47") == week
    assert week.previous() == IsoWeek(2026, 46)
    assert IsoWeek.of(dt.date(2027, 1, 1)).label == "2026-W53"
    assert IsoWeek.parse("2026-W53").sunday == dt.date(2027, 1, 3)


def test_default_week_is_last_complete_week_with_data() -> None:
    dates = [dt.date(2026, 11, 10), dt.date(2026, 11, 18), dt.date(2026, 11, 24)]
    week, complete = resolve_week(None, dates, today=dt.date(2026, 11, 25))
    assert (week.label, complete) == ("2026-W47", True)
    week, complete = resolve_week(None, dates[2:], today=dt.date(2026, 11, 25))
    assert (week.label, complete) == ("2026-W48", False)


def test_week_without_data_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no recorded data in week 2026-W40.*2026-W47"):
        resolve_week("2026-W40", [dt.date(2026, 11, 18)], today=dt.date(2026, 12, 1))
    with pytest.raises(UserError, match="no recorded data yet"):
        resolve_week(None, [], today=dt.date(2026, 12, 1))


class _FakeStore:
    def __init__(self, dates: list[dt.date]) -> None:
        self.dates = dates

    def timezone(self) -> str:
        return TZ

    def local_dates(self) -> list[dt.date]:
        return self.dates

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"store.{name} must not be used before the week is validated")


def test_build_report_validates_week_first(tmp_path: Path) -> None:
    store = _FakeStore([dt.date(2026, 11, 18)])
    with pytest.raises(UserError, match="--week must look like 2026-W47"):
        build_report(store, "2026/47", tmp_path, AnalysisSettings())
    with pytest.raises(UserError, match="no recorded data in week 2026-W01"):
        build_report(store, "2026-W01", tmp_path, AnalysisSettings())
    assert not any(tmp_path.iterdir())


# -- DST and sessions ----------------------------------------------------------------------
def test_dst_week_has_local_days_and_offsets(tmp_path: Path) -> None:
    week = IsoWeek(2026, 43)  # Mon 19 – Sun 25 October 2026; Europe/Berlin leaves DST on Sunday
    epochs = synthetic_epochs(first=week.monday, days=7)
    data = prepare_report(week=week, tz=TZ, epochs=epochs, settings=AnalysisSettings())
    paths = write_report(data, tmp_path)
    daily = pd.read_csv(paths.daily_csv)
    assert len(daily) == 7
    assert daily["day_hours"].tolist() == [24.0] * 6 + [25.0]
    eps = pd.read_csv(paths.episodes_csv)
    offsets = set(eps["start"].str[-6:])
    assert offsets == {"+02:00", "+01:00"}
    local_hours = pd.to_datetime(eps["start"], utc=True).dt.tz_convert(TZ).dt.hour
    assert local_hours.between(9, 17).all()


def test_sessions_of_other_weeks_are_not_listed() -> None:
    """A week with no overlapping session lists no session (it used to list all of them)."""
    week_start, week_end = week_bounds_ns(WEEK, TZ)
    day_ns = 86_400 * 10**9
    sessions = pd.DataFrame({
        "id": [1, 2, 3],
        "started_ns": [week_start - 20 * day_ns, week_start - 2 * day_ns, week_end + day_ns],
        "ended_ns": [week_start - 19 * day_ns, week_start + day_ns, np.nan],
    })
    assert sessions_in(sessions, week_start, week_end)["id"].tolist() == [2]
    assert sessions_in(sessions.iloc[[0, 2]], week_start, week_end).empty
    still_recording = sessions.assign(ended_ns=[np.nan, np.nan, np.nan])
    assert sessions_in(still_recording, week_start, week_end)["id"].tolist() == [1, 2]
