"""posturelog demo end to end (one simulated day at 25 Hz to keep the suite quick)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from posturelog.cli import app
from posturelog.demo import _prepare_data_dir
from posturelog.store import Store


def test_demo_writes_report_through_the_recorder(tmp_path: Path) -> None:
    runner = CliRunner()
    data, out = tmp_path / "data", tmp_path / "report"
    args = ["demo", "--days", "1", "--rate", "25", "--seed", "3", "--start", "2026-11-16", "--data-dir", str(data), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    for name in ("report.html", "report.pdf", "daily.csv", "episodes.csv"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    daily = pd.read_csv(out / "daily.csv")
    monday = daily[daily["date"] == "2026-11-16"].iloc[0]
    assert 600 < monday["wear_minutes"] < 1200 and monday["pain_ratings"] >= 3
    store = Store(data)
    sessions = store.sessions()
    assert sessions["source"].tolist() == ["demo"] and sessions["n_samples"].iloc[0] > 2_000_000
    assert pd.Timestamp(sessions["started_ns"].iloc[0], tz="UTC") == pd.Timestamp("2026-11-16T00:00:00Z")
    assert not list((data / "segments").glob("*/*.arrows"))  # everything compacted
    assert len(store.pain_log()) >= 3
    # running it again starts from a clean demo directory instead of doubling the data
    store.close()
    _prepare_data_dir(data)
    assert Store(data).sessions().empty and not list(data.rglob("*.parquet"))


def test_demo_refuses_to_wipe_real_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "posturelog.db").write_bytes(b"")
    result = CliRunner().invoke(app, ["demo", "--days", "1", "--data-dir", str(data)])
    assert result.exit_code == 1 and "did not write" in result.stderr
    assert (data / "posturelog.db").exists()


def test_default_start_ends_on_the_last_sunday() -> None:
    from datetime import date

    from posturelog.demo import default_start

    assert default_start(7, today=date(2026, 11, 21)) == date(2026, 11, 9)  # Saturday → W46
    assert default_start(7, today=date(2026, 11, 22)) == date(2026, 11, 9)  # Sunday: week not over
    assert default_start(14, today=date(2026, 11, 23)) == date(2026, 11, 9)
