"""The shipped sample files import cleanly through the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from posturelog.cli import app
from posturelog.store import Store

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"


def test_sample_recording_and_log_import(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    result = runner.invoke(app, ["import", str(SAMPLES / "recording.csv"), "--timezone", "Europe/London", "--data-dir", data])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(app, ["log", "import", str(SAMPLES / "pain_log.csv"), "--data-dir", data])
    assert result.exit_code == 0, result.stderr
    store = Store(data)
    rows = sum(1 for _ in open(SAMPLES / "recording.csv")) - 1
    assert len(store.read_samples()) == rows
    session = store.sessions().iloc[0]
    assert abs(session["rate_hz"] - 25.0) < 0.01 and session["has_gyroscope"]
    log = pd.read_csv(SAMPLES / "pain_log.csv")
    assert len(store.pain_log()) == int((log["kind"] == "pain").sum())
    assert store.pain_log()["score"].between(0, 10).all()
