"""posturelog calibrate --at: finds the routine in recorded data and stores a mark."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from posturelog.cli import app
from posturelog.store import Store

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def test_calibrate_at_marks_the_routine(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    assert runner.invoke(app, ["import", str(SAMPLES / "recording.csv"), "--timezone", "Europe/London", "--data-dir", data]).exit_code == 0
    # The user remembers roughly when they did it: a minute later is close enough.
    result = runner.invoke(app, ["calibrate", "--at", "2026-11-16T06:52:00", "--data-dir", data])
    assert result.exit_code == 0, result.stderr
    assert "forward bend" in result.stdout
    marks = Store(data).calibration_marks()
    assert len(marks) == 1
    # the simulator's routine: still stand from 06:51:02, bend back up by 06:51:15 (local = UTC in Nov)
    assert pd.Timestamp("2026-11-16T06:50:58Z") <= marks["start"].iloc[0] <= pd.Timestamp("2026-11-16T06:51:06Z")
    assert pd.Timestamp("2026-11-16T06:51:12Z") <= marks["end"].iloc[0] <= pd.Timestamp("2026-11-16T06:51:20Z")


def test_calibrate_without_routine_is_one_line_error(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    assert runner.invoke(app, ["import", str(SAMPLES / "recording.csv"), "--timezone", "Europe/London", "--data-dir", data]).exit_code == 0
    result = runner.invoke(app, ["calibrate", "--at", "2026-11-16T07:02:00", "--data-dir", data])
    assert result.exit_code == 1
    assert "no stand-tall + bend-forward routine" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = runner.invoke(app, ["calibrate", "--at", "2026-11-18T07:00:00", "--data-dir", data])
    assert result.exit_code == 1 and "no recorded samples" in result.stderr
    assert Store(data).calibration_marks().empty
