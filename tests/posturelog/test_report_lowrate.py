"""A 1.56 Hz accelerometer-only import (a Zio-like ECG patch) reports walking as not available,
with the reason, in the HTML report and in daily.csv; it is never an error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from posturelog.cli import app
from posturelog.report.wording import calibration_text, walking_availability_text
from tests.posturelog.cli_helpers import write_samples_csv

runner = CliRunner()


def write_low_rate_csv(path: Path, rate_hz: float = 1.56, hours: float = 1.0) -> None:
    rng = np.random.default_rng(9)
    n = int(hours * 3600 * rate_hz)
    t = pd.Timestamp("2026-11-17T08:00:00") + pd.to_timedelta(np.arange(n) / rate_hz, unit="s")
    ang = np.radians(8 + 5 * np.sin(np.arange(n) / 300)) + rng.normal(0, 0.05, n)
    acc = np.c_[9.81 * np.cos(ang), rng.normal(0, 0.3, n), 9.81 * np.sin(ang)]
    write_samples_csv(path, pd.DatetimeIndex(t), acc.round(4))


def test_low_rate_import_then_report(tmp_path: Path) -> None:
    write_low_rate_csv(tmp_path / "in.csv")
    data = str(tmp_path / "data")
    res = runner.invoke(app, ["import", str(tmp_path / "in.csv"), "--data-dir", data,
                              "--timezone", "UTC"])
    assert res.exit_code == 0, res.stderr
    out = tmp_path / "rep"
    res = runner.invoke(app, ["report", "--data-dir", data, "--week", "2026-W47",
                              "--out", str(out)])
    assert res.exit_code == 0, res.stderr
    html = (out / "report.html").read_text()
    assert "walking: not available — sampled at 1.6 Hz, below 6 Hz" in html
    daily = pd.read_csv(out / "daily.csv", keep_default_na=False)
    day = daily[daily["date"] == "2026-11-17"].iloc[0]
    assert str(day["walking_available"]) == "False"
    assert day["walking_unavailable_reason"] == "sampled at 1.6 Hz, below 6 Hz"
    assert day["walking_minutes"] == ""  # empty: not measured, not zero
    other = daily[daily["date"] == "2026-11-18"].iloc[0]
    assert other["walking_unavailable_reason"] == ""
    assert (out / "report.pdf").stat().st_size > 0


def test_quality_wording() -> None:
    assert calibration_text("estimated", "low") == "upright estimated from the data, low confidence"
    assert calibration_text("none", "low") == "no calibration"
    assert walking_availability_text(True) == "walking: available"
    assert walking_availability_text(False, "sampled at 1.6 Hz, below 6 Hz") == (
        "walking: not available — sampled at 1.6 Hz, below 6 Hz")
