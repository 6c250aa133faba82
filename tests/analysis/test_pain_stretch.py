"""Verified stretching vs the next pain ratings: shown with day-bootstrap intervals, or withheld
when too few; on the simulated wearer's seeded pain and remedy log (no samples needed)."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pandas as pd
import pytest

from analysis.pain import STRETCH_GROUPS, analyse_pain, stretch_effects
from analysis.settings import AnalysisSettings
from posturelog.report.wording import pain_lines, stretch_lines
from sensor.simulate import SimulatedWearer, SimulationSettings
from vocab.stretchnote import format_stretch_note, is_verified_stretch, parse_stretch_note

TZ = "Europe/London"
SETTINGS = AnalysisSettings(bootstrap_n=500)


@cache
def _logs(seed: int, days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    w = SimulatedWearer(SimulationSettings(seed=seed, days=days, stretching=True, timezone=TZ,
                                           start_date=dt.date(2026, 11, 16)))
    ratings, remedies = w.pain_ratings(), w.remedies()
    pain = pd.DataFrame({"time": pd.to_datetime([r.t_ns for r in ratings], utc=True),
                         "score": [r.score for r in ratings]})
    log = pd.DataFrame({"time": pd.to_datetime([r.t_ns for r in remedies], utc=True),
                        "kind": [r.kind for r in remedies], "note": [r.note for r in remedies]})
    return pain, log


def _rows(table: pd.DataFrame) -> dict[str, pd.Series]:
    return {str(r["group"]): r for _, r in table.iterrows()}


def test_note_round_trip_and_what_counts_as_verified() -> None:
    note = format_stretch_note("knee-twist", 3, 4, [19.6, 20.2, 18.9], sides=("left", "right", "left"),
                               rejected=1, verified=("lying",), timing_only=("knees",))
    parsed = parse_stretch_note(note)
    assert parsed is not None and (parsed.routine, parsed.reps, parsed.prompted) == ("knee-twist", 3, 4)
    assert is_verified_stretch(note)
    assert not is_verified_stretch(format_stretch_note("thoracic-extension", 0, 5, [], rejected=5,
                                                       verified=("extension",)))
    assert not is_verified_stretch(format_stretch_note("scapular-squeeze", 10, 10, [5.0] * 10,
                                                       timing_only=("hold times",)))
    assert not is_verified_stretch("thoracic stretch") and not is_verified_stretch(None)
    with pytest.raises(ValueError, match="unknown stretch routine"):
        format_stretch_note("yoga", 1, 1, [1.0])
    with pytest.raises(ValueError, match="reps <= prompted"):
        format_stretch_note("knee-twist", 5, 4, [1.0])


def test_verified_stretching_shown_logged_only_withheld() -> None:
    """Seed 1, one week: 12 verified stretches compared (shown), 9 logged-only (withheld)."""
    pain, log = _logs(1, 7)
    table = stretch_effects(pain, log, TZ, SETTINGS)
    assert table is not None and list(table["group"]) == list(STRETCH_GROUPS)
    rows = _rows(table)
    v, u, d = rows["stretch_verified"], rows["stretch_logged_only"], rows["stretch_difference"]
    assert v["withheld"] == "" and v["n_compared"] >= 10 and v["n_days"] >= 5
    assert v["ci_low"] <= v["mean_change"] <= v["ci_high"] and v["mean_change"] < 0
    assert v["mean_change"] == pytest.approx(v["mean_after"] - v["mean_before"])
    assert u["withheld"] == "few_compared" and u["n_compared"] < 10 and np.isnan(u["mean_change"])
    assert d["withheld"] == "few_compared" and np.isnan(d["ci_low"])
    # verified = sensor-checked routine with a counted rep, every other stretch logged-only
    stretches = log[log["kind"] == "stretch"]
    assert v["n_logged"] == sum(is_verified_stretch(n) for n in stretches["note"])
    assert v["n_logged"] + u["n_logged"] == len(stretches)
    lines = stretch_lines(table, 3.0)
    assert lines[0].startswith("Verified stretching (checked by the sensor")
    assert "95% interval" in lines[0] and "on 7 day(s)" in lines[0]
    assert "too few to compare" in lines[1] and "at least 10 are needed" in lines[1]
    assert "compared with each other only" in lines[2]
    assert lines[-1].startswith("Stretching is associated with these changes only")
    assert not any("cause" in line for line in lines)


def test_difference_shown_when_both_groups_have_enough() -> None:
    pain, log = _logs(2, 7)
    rows = _rows(stretch_effects(pain, log, TZ, SETTINGS))
    d = rows["stretch_difference"]
    assert d["withheld"] == "" and d["ci_low"] <= d["mean_change"] <= d["ci_high"]
    assert d["mean_change"] == pytest.approx(rows["stretch_verified"]["mean_change"]
                                             - rows["stretch_logged_only"]["mean_change"])


def test_too_few_days_withhold_everything() -> None:
    pain, log = _logs(1, 2)
    table = stretch_effects(pain, log, TZ, SETTINGS)
    assert table is not None and (table["withheld"] == "few_compared").all()
    lines = stretch_lines(table, 3.0)
    assert len(lines) == 2 and all("too few to compare" in line for line in lines)


def test_in_the_report_pain_lines_and_without_stretches() -> None:
    pain, log = _logs(1, 7)
    daily = pd.DataFrame({"date": [dt.date(2026, 11, 16)], "wear_minutes": [0.0],
                          "slouch_minutes": [0.0], "pain_mean": [np.nan], "pain_ratings": [0]})
    analysis = analyse_pain(daily, pain, None, log, TZ, SETTINGS)
    assert analysis.stretches is not None
    assert any(line.startswith("Verified stretching") for line in pain_lines(analysis))
    no_stretch = analyse_pain(daily, pain, None, log[log["kind"] != "stretch"], TZ, SETTINGS)
    assert no_stretch.stretches is None
    assert not any("Verified stretching" in line for line in pain_lines(no_stretch))


def test_daily_csv_counts_verified_and_logged_only_stretches() -> None:
    from posturelog.report import IsoWeek, daily_csv_frame, prepare_report
    from posturelog.report.tables import glossary_table

    week = IsoWeek(2026, 47)
    start = pd.Timestamp(week.monday).tz_localize(TZ).tz_convert("UTC")
    idx = pd.date_range(start, periods=7 * 86400, freq="1s", name="time")
    epochs = pd.DataFrame({"flexion_deg": np.nan, "lateral_deg": np.nan, "inclination_deg": np.nan,
                           "worn": False, "context": "nonwear", "slouch": False, "n_samples": 50,
                           "calibration": "none"}, index=idx)
    pain, log = _logs(1, 7)
    data = prepare_report(week=week, tz=TZ, epochs=epochs, settings=SETTINGS, pain_log=pain,
                          remedy_log=log)
    daily = daily_csv_frame(data)
    assert list(daily.columns[-2:]) == ["stretches_verified", "stretches_logged_only"]
    rows = _rows(data.pain.stretches)
    assert daily["stretches_verified"].sum() == rows["stretch_verified"]["n_logged"]
    assert daily["stretches_logged_only"].sum() == rows["stretch_logged_only"]["n_logged"]
    assert {"stretches_verified", "stretches_logged_only"} <= set(glossary_table(data)["Column"])
